import { readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { type Address, type Hex } from "viem";
import { entryPoint07Address } from "viem/account-abstraction";
import { BUNDLER_MARGINS, type BundlerMargins, UNSAFE_BUNDLER_MARGINS } from "../sdk/claim.js";
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
  /**
   * alto's safe mode: every operation's validation traced (debug_traceCall with alto's JS tracer)
   * and checked against the ERC-7562 rules before it is accepted. Needs a chain with JS tracers
   * (anvil, not Hardhat's node) and patches/ applied (docs/erc7562.md).
   */
  safeMode?: boolean;
}

const launcher = fileURLToPath(new URL("./alto-launcher.mjs", import.meta.url));

/** Fails unless alto's safe validator carries the fixes of patches/ (applied by `npm install`). */
export function assertAltoPatched(): void {
  const validation = join(dirname(fileURLToPath(import.meta.resolve("@pimlico/alto"))), "rpc", "validation");
  const patched =
    readFileSync(join(validation, "SafeValidator.js"), "utf8").includes("DelegateAndRevert(bool success, bytes ret)") &&
    readFileSync(join(validation, "BundlerCollectorTracerV07.js"), "utf8").includes("out ?of ?gas") &&
    readFileSync(join(validation, "TracerResultParserV07.js"), "utf8").includes("requireStakeRule");
  if (!patched) {
    throw new Error("alto is not patched for safe mode (patches/@pimlico+alto+*.patch): run `npm install` (its postinstall applies the patches)");
  }
}

/**
 * Starts the alto ERC-4337 bundler on 127.0.0.1 against `rpcUrl`. By default its safe mode is
 * off (Hardhat's node has no JS tracer); `safeMode: true` checks every operation against ERC-7562
 * and needs anvil. It answers cross-origin requests, as a bundler a browser app uses must.
 */
export async function startBundler(opts: BundlerOptions): Promise<Bundler> {
  if (opts.safeMode) assertAltoPatched();
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
      "--safe-mode", opts.safeMode ? "true" : "false",
      "--deploy-simulations-contract", "true",
      "--max-block-range", "1000",
      "--log-level", "info",
      // Browser apps (the React example) send operations to it from their own origin.
      "--enable-cors", "true",
    ],
    env: { ALTO_HOST: "127.0.0.1" },
    ready: /alto listening on /,
    timeoutMs: 90_000,
    logFile: opts.logFile,
  });
  return { url: `http://127.0.0.1:${port}`, margins: opts.safeMode ? BUNDLER_MARGINS : UNSAFE_BUNDLER_MARGINS, process: proc, stop: () => proc.stop() };
}
