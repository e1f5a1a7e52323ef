// `npm run executor` as a child process, killed (SIGKILL) in the middle of a TWAP and started again
// on the same database: every slot executes exactly once, none missed, none twice. And without a
// vault key outside the local stack it refuses to start.
import { expect } from "chai";
import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type LocalAccount, parseUnits } from "viem";
import { userOperationEvent } from "../../executor/send.js";
import { fundedAccount } from "../../testkit/scenario.js";
import { freePort, type ManagedProcess, startProcess } from "../../testkit/processes.js";
import { projectRoot } from "../../testkit/chain.js";
import { createTestDatabase, type TestDatabase } from "../../testkit/indexer/postgres.js";
import { devKey } from "../../testkit/testbed/client.js";
import type { Stack } from "../../testkit/stack.js";
import { sharedApiStack } from "../api/fixture.js";
import { balanceOf, createApproved, executorEnv, json, twapSpec, waitFor } from "./fixture.js";

const dir = mkdtempSync(join(tmpdir(), "leash-executor-restart-"));

describe("executor: killed mid-run and restarted", function () {
  this.timeout(300_000);
  let stack: Stack;
  let owner: LocalAccount;
  let child: ManagedProcess | undefined;
  let second: ManagedProcess | undefined;
  let database: TestDatabase | undefined;
  let port: number;

  const start = async (name = "executor", executorPort = port, env: Record<string, string> = {}) => {
    const started = await startProcess({
      name,
      command: process.execPath,
      args: ["--import", "tsx", "executor/main.ts"],
      cwd: projectRoot,
      env: { ...executorEnv(stack, join(dir, name), executorPort), ...env },
      ready: /"event":"executor.listening"/,
      logFile: join(dir, `${name}.log`),
      timeoutMs: 60_000,
    });
    return started.process;
  };

  before(async function () {
    ({ stack, owner } = await sharedApiStack({ dir, schema: "leash_executor_restart_test" }));
    port = await freePort();
  });

  after(async function () {
    await child?.stop();
    await second?.stop();
    await stack?.stop();
    await database?.drop();
  });

  // Hardhat's keystores live under XDG_CONFIG_HOME: each case has its own, and none of the CI markers
  // with which Hardhat skips keystores. The markers are set to undefined, not deleted, so that an
  // environment merged over this process's (startProcess) still goes without them: Node's spawn
  // leaves out a variable whose value is undefined.
  const keystoreEnv = (name: string) => {
    const env: NodeJS.ProcessEnv = { ...process.env, XDG_CONFIG_HOME: join(dir, name, "config") };
    for (const marker of ["CI", "GITHUB_ACTIONS", "CONTINUOUS_INTEGRATION", "BUILD_NUMBER", "RUN_ID", "NOW", "DEPLOYMENT_ID", "CODEBUILD_BUILD_NUMBER"]) env[marker] = undefined;
    return env;
  };
  const storeInDevKeystore = (env: NodeJS.ProcessEnv, value: string) => {
    const set = spawnSync(process.execPath, [join(projectRoot, "node_modules/hardhat/dist/src/cli.js"), "keystore", "set", "--dev", "LEASH_EXECUTOR_KEY"], { cwd: projectRoot, env, input: `${value}\n`, encoding: "utf8", timeout: 60_000 });
    expect(set.status, set.stderr).to.equal(0);
  };
  const runWithoutStarting = (env: NodeJS.ProcessEnv) =>
    spawnSync(process.execPath, ["--import", "tsx", "executor/main.ts"], { cwd: projectRoot, env, encoding: "utf8", timeout: 60_000 });

  it("refuses to start without LEASH_EXECUTOR_KEY (environment or keystore) outside the local stack, naming it", function () {
    const run = runWithoutStarting({ ...keystoreEnv("nokey"), ...executorEnv(stack, join(dir, "nokey"), 0), LEASH_EXECUTOR_KEY: "" });
    expect(run.status).to.equal(1);
    expect(run.stderr).to.match(/^leash executor: LEASH_EXECUTOR_KEY is not set.*hardhat keystore set LEASH_EXECUTOR_KEY/);
  });

  it("takes its key from Hardhat's keystore when the environment has none, and refuses a malformed one there", async function () {
    const env = keystoreEnv("keystore");
    storeInDevKeystore(env, "33".repeat(32));
    const started = await startProcess({
      name: "executor-keystore",
      command: process.execPath,
      args: ["--import", "tsx", "executor/main.ts"],
      cwd: projectRoot,
      env: { ...env, ...executorEnv(stack, join(dir, "keystore", "state"), 0), LEASH_EXECUTOR_KEY: "" },
      ready: /"event":"executor.listening"/,
      logFile: join(dir, "executor-keystore.log"),
      timeoutMs: 60_000,
    });
    await started.process.stop();
    const log = readFileSync(join(dir, "executor-keystore.log"), "utf8");
    expect(log).to.match(/"vaultKey":"Hardhat keystore"/);
    expect(log).not.to.include("33".repeat(32));

    const bad = keystoreEnv("bad-keystore");
    storeInDevKeystore(bad, "not-a-key");
    const run = runWithoutStarting({ ...bad, ...executorEnv(stack, join(dir, "bad-keystore", "state"), 0), LEASH_EXECUTOR_KEY: "" });
    expect(run.status).to.equal(1);
    expect(run.stderr).to.match(/^leash executor: LEASH_EXECUTOR_KEY \(Hardhat keystore\) must be 32 bytes in hex/);
    expect(run.stderr).not.to.include("not-a-key");
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

  it("on Postgres, two executors share the automations; one killed mid-run, the other takes its slot over: every slot exactly once", async function () {
    const created = await createTestDatabase("leash_executor");
    if (!created.database) {
      console.warn(`\n  !!! EXECUTOR POSTGRES TEST SKIPPED: ${created.reason}\n`);
      this.skip();
    }
    database = created.database;
    const wallet = await fundedAccount({ leash: stack.leash, demo: stack.demo, owner, index: 21n, usdc: "1000" });
    const before = await balanceOf(stack, stack.demo.usdc, wallet);
    const block = await stack.leash.client.getBlockNumber({ cacheTime: 0 }).then((b) => b + 1n);
    const shared = { DATABASE_URL: database!.url, LEASH_EXECUTOR_LEASE_SECONDS: "5" };
    const [portA, portB] = [await freePort(), await freePort()];
    const a = await start("executor-pg-a", portA, shared);
    const [urlA, urlB] = [`http://127.0.0.1:${portA}`, `http://127.0.0.1:${portB}`];
    const { id } = await createApproved(stack, urlA, owner, twapSpec(stack, wallet, { totalAmount: "80", slices: 8, intervalSeconds: 3 }));
    // A alone runs the first slots; B joins, sees what A created (one database), and A dies.
    await waitFor(urlA, id, (x) => x.slots.some((s: any) => s.index === 1 && s.status !== "pending"), 120_000);
    second = await start("executor-pg-b", portB, { ...shared, LEASH_EXECUTOR_SUBMITTER_KEY: devKey(6) });
    expect((await json(`${urlB}/v1/automations/${id}`)).status).to.equal(200);
    a.child.kill("SIGKILL");
    await new Promise((r) => a.child.once("exit", r));

    const done = await waitFor(urlB, id, (x) => x.status === "completed", 120_000);
    expect(done.slots.map((s: any) => s.status)).to.deep.equal(Array(8).fill("done"));
    const events = await stack.leash.client.getLogs({ event: userOperationEvent, args: { sender: wallet }, fromBlock: block });
    expect(events).to.have.length(8);
    expect(new Set(events.map((e) => e.args.userOpHash))).to.deep.equal(new Set(done.slots.map((s: any) => s.userOpHash)));
    expect(before - (await balanceOf(stack, stack.demo.usdc, wallet))).to.equal(parseUnits("80", 6));
    // Both ran slots of it: its transactions were submitted by A's account and by B's.
    const senders = new Set(await Promise.all(events.map(async (e) => (await stack.leash.client.getTransaction({ hash: e.transactionHash })).from.toLowerCase())));
    expect(senders.size, "slots sent by both executors").to.equal(2);
  });
});
