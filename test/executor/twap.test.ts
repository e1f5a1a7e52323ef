// The executor running TWAPs against the real local stack, in this process: every slot exactly once
// with its attempt recorded (user-operation hash, gas), the amounts on chain those of the plan; the
// session key unreadable in the database and the logs; stopped with the reason when the owner
// revokes the session or a cap is hit, and when the owner cancels.
import { expect } from "chai";
import { mkdtempSync, readdirSync, readFileSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { eq } from "drizzle-orm";
import { type Address, type LocalAccount, parseUnits } from "viem";
import { userOperationEvent } from "../../executor/send.js";
import { automation } from "../../executor/store/schema.js";
import { approvalOfRequest } from "../../sdk/approved-request.js";
import { revokeSession } from "../../sdk/session.js";
import { fundedAccount } from "../../testkit/scenario.js";
import type { Stack } from "../../testkit/stack.js";
import { sharedApiStack } from "../api/fixture.js";
import { balanceOf, createApproved, json, startInProcess, twapSpec, waitFor } from "./fixture.js";

const dir = mkdtempSync(join(tmpdir(), "leash-executor-"));

function filesUnder(root: string): string[] {
  return readdirSync(root).flatMap((name) => {
    const path = join(root, name);
    return statSync(path).isDirectory() ? filesUnder(path) : [path];
  });
}

describe("executor: TWAP automations on the local stack", function () {
  this.timeout(240_000);
  let stack: Stack;
  let owner: LocalAccount;
  let running: Awaited<ReturnType<typeof startInProcess>>;
  let url: string;
  let index = 10n;
  const account = async () => fundedAccount({ leash: stack.leash, demo: stack.demo, owner, index: index++, usdc: "1000" });

  before(async function () {
    ({ stack, owner } = await sharedApiStack({ dir, schema: "leash_executor_test" }));
    running = await startInProcess(stack, join(dir, "state"));
    url = running.executor.url;
  });

  after(async function () {
    await running?.executor.stop();
    await stack?.stop();
  });

  it("runs every slot exactly once: the plan's amounts on chain, each attempt with its user-operation hash and gas; the key deleted at the end", async function () {
    const wallet = await account();
    const [usdcBefore, wethBefore, block] = await Promise.all([balanceOf(stack, stack.demo.usdc, wallet), balanceOf(stack, stack.demo.weth, wallet), stack.leash.client.getBlockNumber({ cacheTime: 0 }).then((b) => b + 1n)]);
    const { id } = await createApproved(stack, url, owner, twapSpec(stack, wallet, { totalAmount: "30", slices: 3, intervalSeconds: 2 }));

    // While it runs, the sealed key is all the database holds: it opens to the session key only with the vault.
    const running1 = await waitFor(url, id, (a) => a.status === "running");
    const [row] = await running.executor.store.db.select().from(automation).where(eq(automation.id, id));
    expect(row!.sealedKey).to.match(/^v1\./);
    const privateKey = running.executor.vault.open(id, row!.sealedKey!);
    expect(privateKey).to.match(/^0x[0-9a-f]{64}$/);
    expect(JSON.stringify(running1)).not.to.include("sealed");

    const done = await waitFor(url, id, (a) => a.status === "completed");
    expect(done.progress).to.deep.equal({ executed: 3, of: 3 });
    expect(done.keyHeld).to.equal(false);
    expect(done.slots.map((s: any) => [s.index, s.status, s.amountIn])).to.deep.equal([
      [0, "done", "10000000"],
      [1, "done", "10000000"],
      [2, "done", "10000000"],
    ]);
    expect(done.attempts).to.have.length(3);
    for (const a of done.attempts) {
      expect(a.result).to.equal("included");
      expect(a.userOpHash).to.match(/^0x[0-9a-f]{64}$/);
      expect(BigInt(a.gasUsed)).to.be.greaterThan(0n);
      expect(BigInt(a.gasCost)).to.be.greaterThan(0n);
      expect(BigInt(a.minimumOut)).to.be.greaterThan(0n);
    }
    // The slots ran at their interval, not all at once.
    const due = done.slots.map((s: any) => Date.parse(s.dueAt));
    expect(due[2] - due[0]).to.equal(4_000);

    // On chain: three operations of the account, 30 USDC spent, WETH received at the quote less at most 0.5%.
    const events = await stack.leash.client.getLogs({ event: userOperationEvent, args: { sender: wallet }, fromBlock: block });
    expect(events.map((e) => e.args.userOpHash).sort()).to.deep.equal(done.attempts.map((a: any) => a.userOpHash).sort());
    expect(usdcBefore - (await balanceOf(stack, stack.demo.usdc, wallet))).to.equal(parseUnits("30", 6));
    expect((await balanceOf(stack, stack.demo.weth, wallet)) - wethBefore).to.be.greaterThanOrEqual(done.attempts.reduce((t: bigint, a: any) => t + BigInt(a.minimumOut), 0n));

    // The key, hex or raw, is nowhere: not in the database's files, not in the logs; the sealed copy is gone.
    const [after] = await running.executor.store.db.select().from(automation).where(eq(automation.id, id));
    expect(after!.sealedKey).to.equal(null);
    const hex = privateKey.slice(2);
    const raw = Buffer.from(hex, "hex");
    for (const file of filesUnder(join(dir, "state", "executor-db"))) {
      const bytes = readFileSync(file);
      expect(bytes.includes(raw), file).to.equal(false);
      expect(bytes.includes(Buffer.from(hex)), file).to.equal(false);
      expect(bytes.includes(Buffer.from(hex.toUpperCase())), file).to.equal(false);
    }
    const logs = running.lines.join("\n");
    expect(logs).to.include(`"event":"slot.executed"`);
    expect(logs.toLowerCase()).not.to.include(hex);
  });

  it("the owner revokes the session mid-run: the executor stops and says the session was revoked", async function () {
    const at = index;
    const wallet = await account();
    const { id, request } = await createApproved(stack, url, owner, twapSpec(stack, wallet, { totalAmount: "40", slices: 4, intervalSeconds: 3 }));
    await waitFor(url, id, (a) => a.progress.executed >= 1);
    const approval = { ...approvalOfRequest(stack.leash, request), index: at.toString() };
    await revokeSession(stack.leash, { approval, owner, via: { direct: true } });
    const stopped = await waitFor(url, id, (a) => a.status !== "running");
    expect([stopped.status, stopped.stopKind, stopped.keyHeld]).to.deep.equal(["stopped", "revoked", false]);
    expect(stopped.stopReason).to.match(/^slot \d was refused: /);
    expect(stopped.progress.executed).to.be.lessThan(4);
    const refused = stopped.attempts.at(-1);
    expect([refused.result, refused.refusalKind]).to.deep.equal(["refused", "revoked"]);
  });

  it("a cap is hit: stopped with the cap's reason, the slots before it executed once", async function () {
    const wallet = await account();
    const { id } = await createApproved(stack, url, owner, twapSpec(stack, wallet, { totalAmount: "30", slices: 3, intervalSeconds: 1, maxTotal: "20" }));
    const stopped = await waitFor(url, id, (a) => a.status !== "running" && a.status !== "awaiting_approval");
    expect([stopped.status, stopped.stopKind]).to.deep.equal(["stopped", "total-cap"]);
    expect(stopped.stopReason).to.equal("slot 2 was refused: this operation spends 10 USDC; only 0 USDC of the session's total is left");
    expect(stopped.slots.map((s: any) => s.status)).to.deep.equal(["done", "done", "refused"]);
  });

  it("the owner cancels: final at once, the key deleted, no slot after it; a second cancel is 409", async function () {
    const wallet = await account();
    const { id } = await createApproved(stack, url, owner, twapSpec(stack, wallet, { totalAmount: "30", slices: 3, intervalSeconds: 30 }));
    await waitFor(url, id, (a) => a.progress.executed === 1);
    const cancelled = await json(`${url}/v1/automations/${id}/cancel`, "POST");
    expect([cancelled.status, cancelled.body.status, cancelled.body.stopKind, cancelled.body.keyHeld]).to.deep.equal([200, "cancelled", "cancelled", false]);
    const again = await json(`${url}/v1/automations/${id}/cancel`, "POST");
    expect([again.status, again.body.error.code]).to.deep.equal([409, "automation_already_final"]);
    const bad = await json(`${url}/v1/automations`, "POST", { ...twapSpec(stack, wallet as Address), slices: 0 });
    expect([bad.status, bad.body.error.code, bad.body.error.issues[0].field]).to.deep.equal([422, "invalid_automation", "body.slices"]);
  });
});
