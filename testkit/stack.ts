// The whole product on one machine: a local chain with Leash deployed (Ignition), the scenario's
// mock USDC and swap router, optionally the alto bundler, the indexer (PGlite or Postgres) and the
// API. Used by `npm start`, the API's tests and its benchmark. Everything binds 127.0.0.1.
import type { ArtifactManager } from "hardhat/types/artifacts";
import type { NetworkManager } from "hardhat/types/network";
import { join } from "node:path";
import { http } from "viem";
import { readSettings, type Settings } from "../api/config.js";
import { buildServer, type LeashApi } from "../api/server.js";
import { readDeployments } from "../sdk/deployments.js";
import type { LeashChain } from "../sdk/session.js";
import { type Indexer, startIndexer, waitForBlock } from "./indexer/process.js";
import { type Bundler, startBundler } from "./bundler.js";
import { type LocalChain, startAnvil, startChain } from "./chain.js";
import { deployLeash } from "../scripts/deploy-leash.js";
import { freePort } from "./processes.js";
import { type DemoContracts, deployDemoContracts } from "./scenario.js";
import { devKey, localClient } from "./testbed/client.js";

export interface StackOptions {
  network: NetworkManager;
  artifacts: ArtifactManager;
  /** Where logs (and the deployments file, unless deploymentsFile) go. */
  dir: string;
  deploymentsFile?: string;
  /** The API's JSON log lines go to this file (default: its own stdout). */
  apiLogFile?: string;
  /** 0 = a free port. */
  chainPort?: number;
  /** The local chain: Hardhat's node (the default) or anvil, whose tracer a bundler's safe mode needs. */
  chain?: "hardhat" | "anvil";
  indexerPort?: number;
  apiPort?: number;
  /** Start alto too (on this port; 0 = a free one). */
  bundlerPort?: number;
  /** alto in safe mode (ERC-7562 checks and its time margins): needs chain "anvil". */
  bundlerSafeMode?: boolean;
  database: { pgliteDir: string } | { postgresUrl: string };
  /** Database schema of the indexer (the same schema and database resume after a restart). */
  schema: string;
  pollingIntervalMs?: number;
  /** API settings over the defaults (HOST and PORT come from apiPort). */
  apiEnv?: Record<string, string>;
  log?: (message: string) => void;
}

export interface Stack {
  chain: LocalChain;
  leash: LeashChain;
  demo: DemoContracts;
  deploymentsFile: string;
  bundler?: Bundler;
  indexer: Indexer;
  api: LeashApi;
  apiUrl: string;
  settings: Settings;
  /** Waits until the indexer has the chain's latest block. */
  synced(): Promise<void>;
  stop(): Promise<void>;
}

export async function startStack(opts: StackOptions): Promise<Stack> {
  const log = opts.log ?? (() => {});
  const stops: (() => Promise<unknown>)[] = [];
  const stop = async () => {
    for (const s of stops.reverse()) await s().catch(() => {});
    stops.length = 0;
  };
  try {
    log(`starting the chain (${opts.chain === "anvil" ? "anvil" : "hardhat node"})`);
    const chainOpts = { port: opts.chainPort ?? 0, logFile: join(opts.dir, "chain.log") };
    const chain = opts.chain === "anvil" ? await startAnvil(chainOpts) : await startChain(chainOpts);
    stops.push(() => chain.stop());
    const client = await localClient(http(chain.rpcUrl, { retryCount: 0 }));

    const deploymentsFile = opts.deploymentsFile ?? join(opts.dir, `deployments-${chain.port}.json`);
    const connection = await opts.network.create({ network: "localhost", override: { url: chain.rpcUrl } } as never);
    try {
      await deployLeash({ connection, client, artifacts: opts.artifacts, networkName: "localhost", path: deploymentsFile, log: (m) => log(`deploy: ${m}`) });
    } finally {
      await connection.close();
    }
    log("deploying the scenario's mock USDC, WETH and swap router");
    const demo = await deployDemoContracts({ client, artifacts: opts.artifacts, deploymentsFile });
    const leash: LeashChain = { client, deployments: readDeployments(deploymentsFile) };

    let bundler: Bundler | undefined;
    if (opts.bundlerPort !== undefined) {
      log("starting the alto bundler");
      bundler = await startBundler({
        rpcUrl: chain.rpcUrl,
        executorPrivateKey: devKey(8),
        utilityPrivateKey: devKey(9),
        port: opts.bundlerPort || (await freePort()),
        safeMode: opts.bundlerSafeMode,
        logFile: join(opts.dir, "bundler.log"),
      });
      stops.push(() => bundler!.stop());
    }

    log(`starting the indexer (${"postgresUrl" in opts.database ? "Postgres" : "PGlite"})`);
    const indexer = await startIndexer({
      deploymentsFile,
      rpcUrl: chain.rpcUrl,
      database: opts.database,
      schema: opts.schema,
      pollingIntervalMs: opts.pollingIntervalMs ?? 200,
      port: opts.indexerPort || undefined,
      logFile: join(opts.dir, "indexer.log"),
    });
    stops.push(() => indexer.stop());
    const synced = async () => waitForBlock(indexer, await client.getBlockNumber({ cacheTime: 0 })).then(() => undefined);
    await synced();

    log("starting the API");
    const settings = readSettings({
      ...process.env,
      HOST: "127.0.0.1",
      PORT: String(opts.apiPort ?? 0),
      LEASH_INDEXER_URL: indexer.url,
      LEASH_RPC_URL: chain.rpcUrl,
      LEASH_CHAIN_ID: String(leash.deployments.chainId),
      LEASH_DEPLOYMENTS: deploymentsFile,
      // Session requests in memory: each stack starts with none.
      LEASH_API_PGLITE_DIR: "memory://",
      ...opts.apiEnv,
    });
    const api = await buildServer({
      settings,
      deployments: leash.deployments,
      logger: opts.apiLogFile ? { level: settings.LEASH_LOG_LEVEL, file: opts.apiLogFile } : undefined,
    });
    stops.push(() => api.app.close());
    const apiUrl = await api.app.listen({ host: settings.HOST, port: settings.PORT });

    return { chain, leash, demo, deploymentsFile, bundler, indexer, api, apiUrl, settings, synced, stop };
  } catch (error) {
    await stop();
    throw error;
  }
}
