// `npm run executor`: the executor on HOST:LEASH_EXECUTOR_PORT (127.0.0.1:4100), running the
// automations in its database (executor/config.ts). Stops cleanly on SIGINT/SIGTERM.
import { SettingsError } from "../api/config.js";
import { StoreError } from "../api/store/db.js";
import { DeploymentsError, deploymentsPath, readDeployments } from "../sdk/deployments.js";
import { readExecutorSettings } from "./config.js";
import { startExecutor } from "./executor.js";
import { VaultError } from "./keys.js";
import { jsonLog } from "./log.js";

async function main() {
  const settings = readExecutorSettings();
  const path = settings.LEASH_DEPLOYMENTS ?? deploymentsPath(settings.LEASH_CHAIN_ID);
  const deployments = readDeployments(path);
  if (deployments.chainId !== settings.LEASH_CHAIN_ID) {
    throw new SettingsError(`${path} is for chain ${deployments.chainId}, but LEASH_CHAIN_ID is ${settings.LEASH_CHAIN_ID}`);
  }
  const log = jsonLog();
  const executor = await startExecutor(settings, deployments, log);
  let closing = false;
  for (const signal of ["SIGINT", "SIGTERM"] as const) {
    process.on(signal, () => {
      if (closing) return;
      closing = true;
      log("executor.stopping", { signal });
      executor.stop().then(
        () => process.exit(0),
        () => process.exit(1),
      );
    });
  }
}

main().catch((error: unknown) => {
  if (error instanceof SettingsError || error instanceof DeploymentsError || error instanceof StoreError || error instanceof VaultError) {
    console.error(`leash executor: ${error.message}`);
  } else if ((error as NodeJS.ErrnoException).code === "EADDRINUSE") {
    console.error(`leash executor: ${(error as Error).message} (set LEASH_EXECUTOR_PORT to another port)`);
  } else {
    console.error("leash executor: failed to start:", error);
  }
  process.exit(1);
});
