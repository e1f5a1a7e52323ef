// The executor (`npm run executor`) as a child process on the local stack, as `npm start` runs it:
// LEASH_EXECUTOR_LOCAL=1 (its vault key made once under the state dir), its own PGlite there, sending
// through the stack's bundler, session requests stored by the stack's API. And a TWAP created on it.
import { join } from "node:path";
import type { Address } from "viem";
import { projectRoot } from "./chain.js";
import { type ManagedProcess, startProcess } from "./processes.js";
import type { Stack } from "./stack.js";

export interface ExecutorProcess {
  url: string;
  process: ManagedProcess;
  stop(): Promise<void>;
}

export async function startExecutorProcess(opts: { stack: Stack; port: number; stateDir: string; logFile?: string }): Promise<ExecutorProcess> {
  const { stack } = opts;
  if (!stack.bundler) throw new Error("the executor of the local stack sends through its bundler: start the stack with one");
  const { process: proc } = await startProcess({
    name: "executor",
    command: process.execPath,
    args: ["--import", "tsx", "executor/main.ts"],
    cwd: projectRoot,
    env: {
      // Its own PGlite and a local vault key, whatever this shell says.
      DATABASE_URL: "",
      LEASH_EXECUTOR_KEY: "",
      LEASH_EXECUTOR_SUBMITTER_KEY: "",
      HOST: "127.0.0.1",
      LEASH_EXECUTOR_PORT: String(opts.port),
      LEASH_EXECUTOR_LOCAL: "1",
      LEASH_EXECUTOR_STATE_DIR: opts.stateDir,
      LEASH_EXECUTOR_PGLITE_DIR: join(opts.stateDir, "executor-db"),
      LEASH_BUNDLER_URL: stack.bundler.url,
      LEASH_BUNDLER_MARGINS: `${stack.bundler.margins.validAfterSeconds},${stack.bundler.margins.validUntilSeconds}`,
      LEASH_API_URL: stack.apiUrl,
      LEASH_RPC_URL: stack.chain.rpcUrl,
      LEASH_CHAIN_ID: String(stack.leash.deployments.chainId),
      LEASH_DEPLOYMENTS: stack.deploymentsFile,
      LEASH_EXECUTOR_POLL_MS: "500",
    },
    ready: /"event":"executor.listening"/,
    logFile: opts.logFile,
    timeoutMs: 60_000,
  });
  return { url: `http://127.0.0.1:${opts.port}`, process: proc, stop: () => proc.stop() };
}

/** The executor's view of an automation (GET /v1/automations/:id), as much of it as is read here. */
export interface AutomationView {
  id: string;
  status: string;
  stopKind: string | null;
  stopReason: string | null;
  approvalUrl: string | null;
  progress: { executed: number; of: number };
  slots: { index: number; status: string; transactionHash: string | null }[];
}

/** Any automation (the executor's POST /v1/automations body). */
export async function createAutomation(executorUrl: string, spec: Record<string, unknown>): Promise<AutomationView & { requestId: string }> {
  const response = await fetch(`${executorUrl}/v1/automations`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(spec) });
  const body = (await response.json()) as AutomationView & { requestId: string };
  if (response.status !== 201) throw new Error(`the executor refused the ${String(spec.kind)} automation: ${JSON.stringify(body)}`);
  return body;
}

/** A TWAP on the scenario's router: `totalAmount` USDC for WETH in `slices`, one every `intervalSeconds`. */
export async function createTwap(executorUrl: string, stack: Stack, plan: { account: Address; totalAmount: string; slices: number; intervalSeconds: number }): Promise<AutomationView & { requestId: string }> {
  const { demo } = stack;
  return createAutomation(executorUrl, { kind: "twap", router: demo.router, tokenIn: demo.usdc, tokenOut: demo.weth, ...plan });
}

export async function readAutomation(executorUrl: string, id: string): Promise<AutomationView> {
  return (await (await fetch(`${executorUrl}/v1/automations/${id}`)).json()) as AutomationView;
}
