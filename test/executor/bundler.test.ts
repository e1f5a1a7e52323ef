// The executor sending through the alto bundler (LEASH_BUNDLER_URL): every slot of a TWAP exactly
// once, each in a bundle sent by the bundler's own account; the bundler unreachable for a while
// mid-run, the slot retried with the attempts recorded as transient and completed once it is back;
// a bundler gone for good, the automation stopped `retries-exhausted` with the last error in words.
import { expect } from "chai";
import { mkdtempSync } from "node:fs";
import { createServer, request, type Server } from "node:http";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { getAddress, type LocalAccount } from "viem";
import { privateKeyToAccount } from "viem/accounts";
import { userOperationEvent } from "../../executor/send.js";
import { fundedAccount } from "../../testkit/scenario.js";
import { freePort } from "../../testkit/processes.js";
import type { Stack } from "../../testkit/stack.js";
import { devKey } from "../../testkit/testbed/client.js";
import { startApiStack } from "../api/fixture.js";
import { createApproved, startInProcess, twapSpec, waitFor } from "./fixture.js";

const dir = mkdtempSync(join(tmpdir(), "leash-executor-bundler-"));

/** A pass-through to the bundler on a port of its own, which can stop listening and start again. */
async function bundlerGate(target: string) {
  const port = await freePort();
  let server: Server | undefined;
  const up = () =>
    new Promise<void>((resolve) => {
      server = createServer((req, res) => {
        const out = request(`${target}${req.url ?? "/"}`, { method: req.method, headers: req.headers }, (answer) => {
          res.writeHead(answer.statusCode ?? 502, answer.headers);
          answer.pipe(res);
        });
        out.on("error", () => res.destroy());
        req.pipe(out);
      });
      server.listen(port, "127.0.0.1", () => resolve());
    });
  const down = () =>
    new Promise<void>((resolve) => {
      server!.closeAllConnections();
      server!.close(() => resolve());
    });
  await up();
  return { url: `http://127.0.0.1:${port}`, up, down };
}

describe("executor: operations through the bundler", function () {
  this.timeout(300_000);
  let stack: Stack;
  let owner: LocalAccount;
  let gate: Awaited<ReturnType<typeof bundlerGate>>;
  let running: Awaited<ReturnType<typeof startInProcess>>;
  let url: string;
  let index = 10n;
  const account = async () => fundedAccount({ leash: stack.leash, demo: stack.demo, owner, index: index++, usdc: "1000" });
  // The bundler's own account (testkit/stack.ts): it sends the bundles.
  const bundlerAccount = privateKeyToAccount(devKey(8)).address;

  before(async function () {
    ({ stack, owner } = await startApiStack({ dir, schema: "leash_executor_bundler", bundler: true }));
    gate = await bundlerGate(stack.bundler!.url);
    // No submitter key: the executor has no way to the chain but the bundler.
    running = await startInProcess(stack, join(dir, "state"), { LEASH_BUNDLER_URL: gate.url, LEASH_BUNDLER_MARGINS: "0,5", LEASH_EXECUTOR_SUBMITTER_KEY: "", LEASH_EXECUTOR_RETRY_MS: "500" });
    url = running.executor.url;
  });

  after(async function () {
    await running?.executor.stop();
    await gate?.down().catch(() => {});
    await stack?.stop();
  });

  /** The EntryPoint's events for `wallet` since `fromBlock`, with who sent each bundle. */
  async function operationsOf(wallet: `0x${string}`, fromBlock: bigint) {
    const events = await stack.leash.client.getLogs({ event: userOperationEvent, args: { sender: wallet }, fromBlock });
    return Promise.all(events.map(async (e) => ({ hash: e.args.userOpHash!, success: e.args.success!, from: getAddress((await stack.leash.client.getTransaction({ hash: e.transactionHash })).from) })));
  }

  it("runs a TWAP's slices through the bundler, each exactly once", async function () {
    const wallet = await account();
    const block = (await stack.leash.client.getBlockNumber({ cacheTime: 0 })) + 1n;
    const { id } = await createApproved(stack, url, owner, twapSpec(stack, wallet, { totalAmount: "30", slices: 3, intervalSeconds: 2 }));
    const done = await waitFor(url, id, (a) => a.status !== "running" && a.status !== "awaiting_approval");
    expect([done.status, done.progress], JSON.stringify(done)).to.deep.equal(["completed", { executed: 3, of: 3 }]);
    expect(done.attempts.map((a: any) => a.result)).to.deep.equal(["included", "included", "included"]);
    const ops = await operationsOf(wallet, block);
    expect(ops.map((o) => o.hash).sort()).to.deep.equal(done.attempts.map((a: any) => a.userOpHash).sort());
    for (const op of ops) expect([op.success, op.from]).to.deep.equal([true, bundlerAccount]);
  });

  it("the bundler unreachable mid-run: the slot is retried, attempts recorded as transient, and completes once it is back", async function () {
    const wallet = await account();
    const block = (await stack.leash.client.getBlockNumber({ cacheTime: 0 })) + 1n;
    const { id } = await createApproved(stack, url, owner, twapSpec(stack, wallet, { totalAmount: "30", slices: 3, intervalSeconds: 3 }));
    await waitFor(url, id, (a) => a.progress.executed === 1);
    await gate.down();
    try {
      await waitFor(url, id, (a) => a.attempts.filter((t: any) => t.result === "transient").length >= 2, 30_000);
    } finally {
      await gate.up();
    }
    const done = await waitFor(url, id, (a) => a.status !== "running");
    expect([done.status, done.progress], JSON.stringify(done)).to.deep.equal(["completed", { executed: 3, of: 3 }]);
    const transient = done.attempts.filter((t: any) => t.result === "transient");
    expect(transient.length).to.be.at.least(2);
    for (const t of transient) expect(t.message).to.equal(`the bundler at ${gate.url} did not answer: fetch failed`);
    // Exactly once each: three operations on chain, all sent by the bundler, the hashes of the included attempts.
    const ops = await operationsOf(wallet, block);
    const included = done.attempts.filter((t: any) => t.result === "included").map((t: any) => t.userOpHash);
    expect(included).to.have.length(3);
    expect(ops.map((o) => o.hash).sort()).to.deep.equal(included.sort());
    for (const op of ops) expect(op.from).to.equal(bundlerAccount);
  });

  it("the bundler gone for good: stopped retries-exhausted, with the last error in words", async function () {
    const nowhere = `http://127.0.0.1:${await freePort()}`;
    const lone = await startInProcess(stack, join(dir, "state-nowhere"), { LEASH_BUNDLER_URL: nowhere, LEASH_BUNDLER_MARGINS: "0,5", LEASH_EXECUTOR_SUBMITTER_KEY: "", LEASH_EXECUTOR_MAX_ATTEMPTS: "3" });
    try {
      const wallet = await account();
      const { id } = await createApproved(stack, lone.executor.url, owner, twapSpec(stack, wallet, { totalAmount: "20", slices: 2, intervalSeconds: 2 }));
      const stopped = await waitFor(lone.executor.url, id, (a) => a.status !== "running" && a.status !== "awaiting_approval");
      expect([stopped.status, stopped.stopKind, stopped.keyHeld]).to.deep.equal(["stopped", "retries-exhausted", false]);
      expect(stopped.stopReason).to.equal(`slot 0 failed 3 times; the last: the bundler at ${nowhere} did not answer: fetch failed`);
      expect(stopped.attempts.map((t: any) => t.result)).to.deep.equal(["transient", "transient", "transient"]);
      expect(stopped.slots.map((s: any) => s.status)).to.deep.equal(["sending", "pending"]);
    } finally {
      await lone.executor.stop();
    }
  });
});
