// The executor against the real local stack (chain, indexer, API): the API stack of the API's tests,
// an executor in this process on a PGlite directory of its own, and what the tests do as the owner.
import { expect } from "chai";
import { join } from "node:path";
import { type Address, erc20Abi, type LocalAccount } from "viem";
import { readExecutorSettings } from "../../executor/config.js";
import { startExecutor } from "../../executor/executor.js";
import { jsonLog } from "../../executor/log.js";
import { signRequest } from "../../testkit/requests.js";
import type { Stack } from "../../testkit/stack.js";
import { devKey } from "../../testkit/testbed/client.js";

/** A key for the executor's vault, as LEASH_EXECUTOR_KEY gives it. */
export const VAULT_KEY = "11".repeat(32);

/** The executor's environment on `stack`. */
export function executorEnv(stack: Stack, dir: string, port = 0): Record<string, string> {
  return {
    LEASH_API_URL: stack.apiUrl,
    LEASH_RPC_URL: stack.chain.rpcUrl,
    LEASH_DEPLOYMENTS: stack.deploymentsFile,
    LEASH_EXECUTOR_PORT: String(port),
    LEASH_EXECUTOR_KEY: VAULT_KEY,
    LEASH_EXECUTOR_STATE_DIR: dir,
    LEASH_EXECUTOR_SUBMITTER_KEY: devKey(5),
    LEASH_EXECUTOR_POLL_MS: "100",
    LEASH_EXECUTOR_RETRY_MS: "100",
  };
}

export async function startInProcess(stack: Stack, dir: string, env: Record<string, string> = {}) {
  const lines: string[] = [];
  const settings = readExecutorSettings({ ...executorEnv(stack, dir), ...env });
  const executor = await startExecutor(settings, stack.leash.deployments, jsonLog((line) => lines.push(line)));
  return { executor, lines };
}

export async function json(url: string, method: "GET" | "POST" = "GET", body?: unknown): Promise<{ status: number; body: any }> {
  const response = await fetch(url, { method, headers: body === undefined ? {} : { "content-type": "application/json" }, body: body === undefined ? undefined : JSON.stringify(body) });
  return { status: response.status, body: await response.json() };
}

/** A TWAP of `totalAmount` USDC for WETH on the scenario's router, for `account`. */
export function twapSpec(stack: Stack, account: Address, extra: Record<string, unknown> = {}) {
  return { kind: "twap", account, router: stack.demo.router, tokenIn: stack.demo.usdc, tokenOut: stack.demo.weth, totalAmount: "30", slices: 3, intervalSeconds: 2, ...extra };
}

/** Creates the automation on the executor at `url`: its session request awaits the owner. */
export async function createAutomation(url: string, spec: unknown): Promise<{ id: string; requestId: string }> {
  const created = await json(`${url}/v1/automations`, "POST", spec);
  expect(created.status, JSON.stringify(created.body)).to.equal(201);
  expect(created.body.status).to.equal("awaiting_approval");
  return { id: created.body.id, requestId: created.body.requestId };
}

/** The owner signs the session request `requestId` (as the approval page has them do). */
export async function signApproval(stack: Stack, owner: LocalAccount, requestId: string): Promise<string> {
  const request = await json(`${stack.apiUrl}/v1/session-requests/${requestId}`);
  return signRequest(owner, request.body.toSign.typedData);
}

/** Sends the owner's signature of `requestId` to the API; the approved request. */
export async function sendApproval(stack: Stack, requestId: string, signature: string) {
  const approved = await json(`${stack.apiUrl}/v1/session-requests/${requestId}/approval`, "POST", { signature });
  expect(approved.status, JSON.stringify(approved.body)).to.equal(200);
  return approved.body;
}

/** Creates the automation on the executor at `url` and approves its request as `owner`. */
export async function createApproved(stack: Stack, url: string, owner: LocalAccount, spec: unknown) {
  const { id, requestId } = await createAutomation(url, spec);
  const request = await sendApproval(stack, requestId, await signApproval(stack, owner, requestId));
  return { id, request };
}

/** Polls the automation until `done` holds of it. */
export async function waitFor(url: string, id: string, done: (a: any) => boolean, timeoutMs = 90_000): Promise<any> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    const { body } = await json(`${url}/v1/automations/${id}`).catch(() => ({ body: undefined }));
    if (body && done(body)) return body;
    if (Date.now() > until) throw new Error(`automation ${id} did not get there: ${JSON.stringify(body)}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

export function balanceOf(stack: Stack, token: Address, account: Address): Promise<bigint> {
  return stack.leash.client.readContract({ address: token, abi: erc20Abi, functionName: "balanceOf", args: [account] });
}

export const stateDir = (dir: string, name: string) => join(dir, name);
