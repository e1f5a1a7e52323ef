// `npm run api`: the API on HOST:PORT (127.0.0.1:4000), reading the indexer and the chain named by
// the environment (api/config.ts). Stops cleanly on SIGINT/SIGTERM.
import { DeploymentsError, deploymentsPath, readDeployments } from "../sdk/deployments.js";
import { SettingsError, readSettings, withoutPassword } from "./config.js";
import { buildServer } from "./server.js";
import { StoreError } from "./store/db.js";

async function main() {
  const settings = readSettings();
  const path = settings.LEASH_DEPLOYMENTS ?? deploymentsPath(settings.LEASH_CHAIN_ID);
  const deployments = readDeployments(path);
  if (deployments.chainId !== settings.LEASH_CHAIN_ID) {
    throw new SettingsError(`${path} is for chain ${deployments.chainId}, but LEASH_CHAIN_ID is ${settings.LEASH_CHAIN_ID}`);
  }
  const { app, store } = await buildServer({ settings, deployments });
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
      rpc: settings.LEASH_RPC_URL,
      chainId: deployments.chainId,
      deployments: path,
      redis: settings.REDIS_URL ? withoutPassword(settings.REDIS_URL) : null,
    },
    "Leash API listening",
  );
}

main().catch((error: unknown) => {
  if (error instanceof SettingsError || error instanceof DeploymentsError || error instanceof StoreError) {
    console.error(`leash api: ${error.message}`);
  } else if ((error as NodeJS.ErrnoException).code === "EADDRINUSE") {
    console.error(`leash api: ${(error as Error).message} (set PORT to another port)`);
  } else {
    console.error("leash api: failed to start:", error);
  }
  process.exit(1);
});
