// `npm run api`: the API on HOST:PORT (127.0.0.1:4000), reading the indexer and the chain named by
// the environment (api/config.ts). Stops cleanly on SIGINT/SIGTERM.
import { ChainSettingsError, readChainSettings } from "../sdk/chains.js";
import { DeploymentsError } from "../sdk/deployments.js";
import { SettingsError, readSettings, withoutPassword } from "./config.js";
import { buildServer } from "./server.js";
import { StoreError } from "./store/db.js";

async function main() {
  const settings = readSettings();
  // Which chains, with their deployments files and RPC URLs (one rule for every service: sdk/chains.ts).
  const followed = readChainSettings(process.env);
  const { app, store } = await buildServer({ settings, chains: followed.map((c) => ({ deployments: c.deployments, rpcUrl: c.rpc.urls[0]! })) });
  // The API's own tables are created (or brought to the latest migration) before it listens.
  const opened = await store();
  app.log.info({ store: opened.describe }, "session requests stored in");
  let closing = false;
  for (const signal of ["SIGINT", "SIGTERM"] as const) {
    process.on(signal, () => {
      if (closing) return;
      closing = true;
      app.log.info({ signal }, "shutting down");
      app.close().then(
        () => process.exit(0),
        () => process.exit(1),
      );
    });
  }
  const address = await app.listen({ host: settings.HOST, port: settings.PORT });
  app.log.info(
    {
      url: address,
      indexer: settings.LEASH_INDEXER_URL,
      chains: followed.map((c) => ({ chainId: c.chainId, rpc: withoutPassword(c.rpc.urls[0]!), deployments: c.deploymentsFile })),
      redis: settings.REDIS_URL ? withoutPassword(settings.REDIS_URL) : null,
    },
    "Leash API listening",
  );
}

main().catch((error: unknown) => {
  if (error instanceof SettingsError || error instanceof ChainSettingsError || error instanceof DeploymentsError || error instanceof StoreError) {
    console.error(`leash api: ${error.message}`);
  } else if ((error as NodeJS.ErrnoException).code === "EADDRINUSE") {
    console.error(`leash api: ${(error as Error).message} (set PORT to another port)`);
  } else {
    console.error("leash api: failed to start:", error);
  }
  process.exit(1);
});
