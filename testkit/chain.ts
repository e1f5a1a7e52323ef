import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { freePort, type ManagedProcess, startProcess } from "./processes.js";

const require = createRequire(import.meta.url);
export const projectRoot = join(dirname(require.resolve("../package.json")));

export interface LocalChain {
  rpcUrl: string;
  port: number;
  process: ManagedProcess;
  stop(): Promise<void>;
}

/**
 * Starts `hardhat node` (the `node` network of hardhat.config.ts) on 127.0.0.1. With no port
 * given the OS picks a free one, so another chain on 8545 never gets in the way.
 */
export async function startChain(opts: { port?: number; logFile?: string; timeoutMs?: number } = {}): Promise<LocalChain> {
  const hardhatBin = join(dirname(require.resolve("hardhat/package.json")), "dist", "src", "cli.js");
  const { process: proc, match } = await startProcess({
    name: "hardhat node",
    command: process.execPath,
    args: [hardhatBin, "node", "--hostname", "127.0.0.1", "--port", String(opts.port ?? 0)],
    cwd: projectRoot,
    ready: /JSON-RPC server at (http:\/\/127\.0\.0\.1:(\d+))\//,
    timeoutMs: opts.timeoutMs ?? 90_000,
    logFile: opts.logFile,
  });
  const port = Number(match[2]);
  return { rpcUrl: `http://127.0.0.1:${port}`, port, process: proc, stop: () => proc.stop() };
}

/** The anvil binary of `@foundry-rs/anvil` for this platform (the package ships one per platform). */
export function anvilBinary(): string {
  const arch = { x64: "amd64", arm64: "arm64" }[process.arch as string];
  const pkg = `@foundry-rs/anvil-${process.platform}-${arch ?? process.arch}`;
  try {
    return join(dirname(require.resolve(`${pkg}/package.json`)), "bin", process.platform === "win32" ? "anvil.exe" : "anvil");
  } catch {
    throw new Error(`anvil for ${process.platform}/${process.arch} is not installed (${pkg}; npm install installs it with @foundry-rs/anvil)`);
  }
}

/**
 * Starts anvil on 127.0.0.1: a chain whose `debug_traceCall` runs JavaScript tracers, which a
 * bundler's ERC-7562 validation (alto's safe mode) needs and Hardhat's node lacks. Same development
 * accounts as Hardhat's node; no contract-size limit (Kernel is over EIP-170).
 */
export async function startAnvil(opts: { chainId?: number; port?: number; logFile?: string; timeoutMs?: number } = {}): Promise<LocalChain> {
  const port = opts.port || (await freePort());
  const args = ["--host", "127.0.0.1", "--port", String(port), "--chain-id", String(opts.chainId ?? 31337), "--disable-code-size-limit"];
  const { process: proc } = await startProcess({
    name: "anvil",
    command: anvilBinary(),
    args,
    cwd: projectRoot,
    ready: /Listening on 127\.0\.0\.1:\d+/,
    timeoutMs: opts.timeoutMs ?? 30_000,
    logFile: opts.logFile,
  });
  return { rpcUrl: `http://127.0.0.1:${port}`, port, process: proc, stop: () => proc.stop() };
}
