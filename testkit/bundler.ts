import { fileURLToPath } from "node:url";
import { type Address, type Hex } from "viem";
import { entryPoint07Address } from "viem/account-abstraction";
import { type BundlerMargins, UNSAFE_BUNDLER_MARGINS } from "../sdk/claim.js";
import { freePort, type ManagedProcess, startProcess } from "./processes.js";

export interface Bundler {
  url: string;
  /** The time margins it applies to an operation's validity (sdk/claim.ts). */
  margins: BundlerMargins;
  process: ManagedProcess;
  stop(): Promise<void>;
}

export interface BundlerOptions {
  rpcUrl: string;
  /** Keys of funded accounts: executors send the bundles, the utility key deploys alto's helpers. */
  executorPrivateKey: Hex;
  utilityPrivateKey: Hex;
  entryPoint?: Address;
  port?: number;
  logFile?: string;
}

const launcher = fileURLToPath(new URL("./alto-launcher.mjs", import.meta.url));

/**
 * Starts the alto ERC-4337 bundler on 127.0.0.1 against `rpcUrl`. Safe mode is off because it
 * needs a JS tracer that Hardhat's simulator lacks; ERC-7562 is checked by our own tracing test.
 */
export async function startBundler(opts: BundlerOptions): Promise<Bundler> {
  const port = opts.port ?? (await freePort());
  const { process: proc } = await startProcess({
    name: "alto bundler",
    command: process.execPath,
    args: [
      launcher,
      "--entrypoints", opts.entryPoint ?? entryPoint07Address,
      "--rpc-url", opts.rpcUrl,
      "--executor-private-keys", opts.executorPrivateKey,
      "--utility-private-key", opts.utilityPrivateKey,
      "--port", String(port),
      "--safe-mode", "false",
      "--deploy-simulations-contract", "true",
      "--max-block-range", "1000",
      "--log-level", "info",
    ],
    env: { ALTO_HOST: "127.0.0.1" },
    ready: /alto listening on /,
    timeoutMs: 90_000,
    logFile: opts.logFile,
  });
  return { url: `http://127.0.0.1:${port}`, margins: UNSAFE_BUNDLER_MARGINS, process: proc, stop: () => proc.stop() };
}
