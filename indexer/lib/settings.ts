// What the indexer indexes, read from the environment and the deployments files: the chains to
// follow (sdk/chains.ts, the rule every Leash service shares) and the indexer's own settings. Every
// problem is reported as one SettingsError naming the variable or file and what is wrong with it.
import { ChainSettingsError, readChainSettings } from "../../sdk/chains.js";
import type { DeployedContract, Deployments } from "../../sdk/deployments.js";

export class SettingsError extends Error {
  override name = "SettingsError";
}

export const DEFAULT_POLLING_INTERVAL_MS = 1_000;

/** One chain the indexer follows. */
export interface IndexedChain {
  chainId: number;
  /** Ponder's name for the chain: the deployments file's network name (distinct per chain). */
  chainName: string;
  deploymentsFile: string;
  deployments: Deployments;
  /** RPC URLs, each repeated `rpcFanout` times (Ponder rate-limits each URL on its own). */
  rpcUrls: string[];
  /** Local chains reuse block numbers after a restart: Ponder's RPC cache would serve stale blocks. */
  disableRpcCache: boolean;
}

export interface IndexerSettings {
  /** Every chain followed, in the order LEASH_CHAINS gives (at least one). */
  chains: IndexedChain[];
  rpcFanout: number;
  pollingIntervalMs: number;
  database: { kind: "postgres"; connectionString: string } | { kind: "pglite"; directory?: string };
}

function positiveInteger(env: NodeJS.ProcessEnv, name: string, fallback: number, min = 1): number {
  const raw = env[name]?.trim();
  if (raw === undefined || raw === "") return fallback;
  const value = Number(raw);
  if (!Number.isSafeInteger(value) || value < min) {
    throw new SettingsError(`${name}="${raw}" must be an integer of at least ${min}`);
  }
  return value;
}

/** Repeats each URL `fanout` times with a distinct fragment (never sent): one Ponder rate bucket each. */
export function fanOut(urls: readonly string[], fanout: number): string[] {
  if (fanout === 1) return [...urls];
  return urls.flatMap((url) => Array.from({ length: fanout }, (_, i) => `${url.split("#")[0]}#${i + 1}`));
}

/** Reads and checks the indexer's settings; throws a SettingsError naming the problem. */
export function readSettings(env: NodeJS.ProcessEnv = process.env): IndexerSettings {
  // LEASH_CHAIN_ID was checked here before sdk/chains.ts: the same message for a bad one.
  const one = env.LEASH_CHAINS?.trim() ? undefined : env.LEASH_CHAIN_ID?.trim();
  if (one) positiveInteger(env, "LEASH_CHAIN_ID", 31337);
  const rpcFanout = positiveInteger(env, "LEASH_RPC_FANOUT", 1);

  let chains: IndexedChain[];
  try {
    // Ponder's own variable, PONDER_RPC_URL_<id>, is the most specific one.
    chains = readChainSettings(env, { rpcVariables: (chainId) => [`PONDER_RPC_URL_${chainId}`] }).map((chain) => ({
      chainId: chain.chainId,
      chainName: chain.deployments.network,
      deploymentsFile: chain.deploymentsFile,
      deployments: chain.deployments,
      rpcUrls: fanOut(chain.rpc.urls, rpcFanout),
      disableRpcCache: chain.local,
    }));
  } catch (error) {
    if (error instanceof ChainSettingsError) throw new SettingsError(error.message);
    throw error;
  }

  const pollingIntervalMs = positiveInteger(env, "LEASH_POLLING_INTERVAL_MS", DEFAULT_POLLING_INTERVAL_MS, 100);

  const databaseUrl = env.DATABASE_URL?.trim();
  let database: IndexerSettings["database"];
  if (databaseUrl) {
    if (!/^postgres(ql)?:\/\//.test(databaseUrl)) {
      throw new SettingsError(`DATABASE_URL must be a postgres:// or postgresql:// URL`);
    }
    database = { kind: "postgres", connectionString: databaseUrl };
  } else {
    database = { kind: "pglite", directory: env.LEASH_PGLITE_DIR?.trim() || undefined };
  }

  return { chains, rpcFanout, pollingIntervalMs, database };
}

/** A contract of the deployments file as Ponder wants it: address and the block to start from. */
export function source(contract: DeployedContract): { address: DeployedContract["address"]; startBlock: number } {
  return { address: contract.address, startBlock: contract.blockNumber };
}
