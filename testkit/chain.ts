import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { type ManagedProcess, startProcess } from "./processes.js";

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
