// `npm run executor` as a child process, killed (SIGKILL) in the middle of a TWAP and started again
// on the same database: every slot executes exactly once, none missed, none twice. And without a
// vault key outside the local stack it refuses to start.
import { expect } from "chai";
import { spawnSync } from "node:child_process";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type LocalAccount, parseUnits } from "viem";
import { userOperationEvent } from "../../executor/send.js";
import { fundedAccount } from "../../testkit/scenario.js";
import { freePort, type ManagedProcess, startProcess } from "../../testkit/processes.js";
import { projectRoot } from "../../testkit/chain.js";
import type { Stack } from "../../testkit/stack.js";
import { startApiStack } from "../api/fixture.js";
import { balanceOf, createApproved, executorEnv, json, twapSpec, waitFor } from "./fixture.js";

const dir = mkdtempSync(join(tmpdir(), "leash-executor-restart-"));

describe("executor: killed mid-run and restarted", function () {
  this.timeout(300_000);
  let stack: Stack;
  let owner: LocalAccount;
  let child: ManagedProcess | undefined;
  let port: number;

  const start = async () => {
    const started = await startProcess({
      name: "executor",
      command: process.execPath,
      args: ["--import", "tsx", "executor/main.ts"],
      cwd: projectRoot,
      env: executorEnv(stack, join(dir, "state"), port),
      ready: /"event":"executor.listening"/,
      logFile: join(dir, "executor.log"),
      timeoutMs: 60_000,
    });
    return started.process;
  };

  before(async function () {
    ({ stack, owner } = await startApiStack({ dir, schema: "leash_executor_restart_test" }));
    port = await freePort();
  });

  after(async function () {
    await child?.stop();
    await stack?.stop();
  });

  it("refuses to start without LEASH_EXECUTOR_KEY outside the local stack, naming it", function () {
    const env = { ...process.env, ...executorEnv(stack, join(dir, "nokey"), 0), LEASH_EXECUTOR_KEY: "" };
    const run = spawnSync(process.execPath, ["--import", "tsx", "executor/main.ts"], { cwd: projectRoot, env, encoding: "utf8", timeout: 60_000 });
    expect(run.status).to.equal(1);
    expect(run.stderr).to.match(/^leash executor: LEASH_EXECUTOR_KEY is not set/);
  });

  it("SIGKILL while sending, then a restart: every slot exactly once", async function () {
    const wallet = await fundedAccount({ leash: stack.leash, demo: stack.demo, owner, index: 20n, usdc: "1000" });
    const before = await balanceOf(stack, stack.demo.usdc, wallet);
    const block = await stack.leash.client.getBlockNumber({ cacheTime: 0 }).then((b) => b + 1n);
    child = await start();
    const url = `http://127.0.0.1:${port}`;
    const { id } = await createApproved(stack, url, owner, twapSpec(stack, wallet, { totalAmount: "50", slices: 5, intervalSeconds: 2 }));
    // Killed as soon as the third slot is on its way (or has just landed).
    await waitFor(url, id, (a) => a.slots.some((s: any) => s.index === 2 && s.status !== "pending"), 120_000);
    child.child.kill("SIGKILL");
    await new Promise((r) => child!.child.once("exit", r));
    const killedAt = (await stack.leash.client.getLogs({ event: userOperationEvent, args: { sender: wallet }, fromBlock: block })).length;

    child = await start();
    const done = await waitFor(url, id, (a) => a.status === "completed", 120_000);
    expect(done.slots.map((s: any) => s.status)).to.deep.equal(["done", "done", "done", "done", "done"]);
    const events = await stack.leash.client.getLogs({ event: userOperationEvent, args: { sender: wallet }, fromBlock: block });
    expect(events).to.have.length(5, `${killedAt} operations were on chain at the kill`);
    expect(new Set(events.map((e) => e.args.userOpHash))).to.deep.equal(new Set(done.slots.map((s: any) => s.userOpHash)));
    expect(before - (await balanceOf(stack, stack.demo.usdc, wallet))).to.equal(parseUnits("50", 6));
    const listed = await json(`${url}/v1/automations`);
    expect(listed.body.items.map((a: any) => a.id)).to.include(id);
  });
});
