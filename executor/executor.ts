// The executor assembled: its database, the vault, a client of the chain that submits operations,
// the runner and the service, their polling loop and the HTTP surface.
import { join } from "node:path";
import { createNonceManager, createWalletClient, defineChain, http, publicActions } from "viem";
import { jsonRpc } from "viem/nonce";
import { generatePrivateKey, privateKeyToAccount } from "viem/accounts";
import type { Deployments } from "../sdk/deployments.js";
import type { LeashChain, Transport } from "../sdk/session.js";
import type { ExecutorSettings } from "./config.js";
import { buildHttp } from "./http.js";
import { loadVaultKey, Vault } from "./keys.js";
import { readKeystore } from "./keystore.js";
import type { Log } from "./log.js";
import { Runner } from "./runner.js";
import { AutomationService } from "./service.js";
import { openExecutorDb } from "./store/db.js";

export async function startExecutor(settings: ExecutorSettings, deployments: Deployments, log: Log) {
  const state = settings.LEASH_EXECUTOR_STATE_DIR;
  const { key, source } = await loadVaultKey({ hex: settings.LEASH_EXECUTOR_KEY, local: settings.LEASH_EXECUTOR_LOCAL === "1", localFile: join(state, "executor.key"), keystore: readKeystore });
  const vault = new Vault(key);
  key.fill(0);
  const pgliteDir = settings.LEASH_EXECUTOR_PGLITE_DIR ?? join(state, "executor-db");
  const store = await openExecutorDb({ databaseUrl: settings.DATABASE_URL, pgliteDir, poolSize: 4, timeoutMs: 5_000 });
  const chain = defineChain({ id: settings.LEASH_CHAIN_ID, name: `chain-${settings.LEASH_CHAIN_ID}`, nativeCurrency: { name: "Ether", symbol: "ETH", decimals: 18 }, rpcUrls: { default: { http: [settings.LEASH_RPC_URL] } } });
  // Through a bundler the client's account sends nothing: a throwaway key stands in for the submitter.
  // Its nonces are counted here, by this executor alone (not viem's process-wide manager): slots of
  // several automations are sent at once.
  const submitter = privateKeyToAccount((settings.LEASH_EXECUTOR_SUBMITTER_KEY ?? generatePrivateKey()) as `0x${string}`, {
    nonceManager: createNonceManager({ source: jsonRpc() }),
  });
  const client = createWalletClient({ chain, transport: http(settings.LEASH_RPC_URL, { retryCount: 0 }), account: submitter, pollingInterval: 100 }).extend(publicActions);
  const leash: LeashChain = { client, deployments };
  const via: Transport = settings.LEASH_BUNDLER_URL ? { bundlerUrl: settings.LEASH_BUNDLER_URL, margins: settings.LEASH_BUNDLER_MARGINS } : { direct: true };
  const runner = new Runner({ db: store.db, chain: leash, vault, log, via, retryMs: settings.LEASH_EXECUTOR_RETRY_MS, maxAttempts: settings.LEASH_EXECUTOR_MAX_ATTEMPTS, leaseSeconds: settings.LEASH_EXECUTOR_LEASE_SECONDS });
  if (!settings.DATABASE_URL) await runner.releaseLeases();
  const service = new AutomationService({ db: store.db, chain: leash, vault, log, runner, apiUrl: settings.LEASH_API_URL });
  const app = buildHttp(service);

  let stopping = false;
  const loop = (async () => {
    while (!stopping) {
      try {
        await service.follow();
        // Several slots at once, each of another automation (a slot is claimed by one worker only,
        // and an automation's next slot waits for its previous one): sessions have nonce keys of
        // their own, so their operations do not race.
        await Promise.all(
          Array.from({ length: settings.LEASH_EXECUTOR_CONCURRENCY }, async () => {
            while (!stopping && (await runner.runNext()));
          }),
        );
      } catch (error) {
        log("loop.error", { reason: (error as Error).message }, "error");
      }
      await new Promise((r) => setTimeout(r, settings.LEASH_EXECUTOR_POLL_MS));
    }
  })();
  const url = await app.listen({ host: settings.HOST, port: settings.LEASH_EXECUTOR_PORT });
  log("executor.listening", { url, store: store.describe, vaultKey: source, api: settings.LEASH_API_URL, rpc: settings.LEASH_RPC_URL, ...("bundlerUrl" in via ? { bundler: via.bundlerUrl } : { submitter: submitter.address }) });
  return {
    url,
    service,
    store,
    vault,
    async stop() {
      stopping = true;
      await app.close();
      await loop;
      await store.close();
    },
  };
}
