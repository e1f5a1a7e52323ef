// Operations sent one after another across a window boundary through a real bundler, alto in safe
// mode on anvil, which judges validity by its own clock with its time margins (5 s after a range's
// start, 30 s before its end): the SDK's claim gets every one of them through,
// waiting only in the seconds around the boundary; an operation claiming the old window there is
// refused by the bundler (the margins are real).
import { expect } from "chai";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { LocalAccount } from "viem";
import { contractAbis } from "../../sdk/contracts.js";
import { restoreSessionAccount, type Transport } from "../../sdk/session.js";
import { sendUserOperationViaBundler } from "../../sdk/userops.js";
import { approveTwap, swapCall, trade, twapRequest } from "../../testkit/scenario.js";
import type { Stack } from "../../testkit/stack.js";
import { startApiStack } from "../api/fixture.js";

const dir = mkdtempSync(join(tmpdir(), "leash-claim-bundler-"));
const HOUR = 3600;
const wallNow = () => Math.floor(Date.now() / 1000);
const sleepUntil = async (t: number) => {
  while (Date.now() < t * 1000) await new Promise((r) => setTimeout(r, Math.min(250, t * 1000 - Date.now())));
};

describe("sdk: claims through a bundler's time margins, across a window boundary", function () {
  this.timeout(240_000);
  let stack: Stack;
  let owner: LocalAccount;
  let account: `0x${string}`;

  before(async function () {
    ({ stack, owner, account } = await startApiStack({ dir, schema: "leash_claim_bundler", bundler: "safe", chain: "anvil" }));
  });

  after(async function () {
    await stack?.stop();
  });

  it("every operation goes through; those in the boundary's dead seconds wait for the next window; a claim of the old one there is refused", async function () {
    const bundler = stack.bundler!;
    const { validAfterSeconds: after, validUntilSeconds: until } = bundler.margins;
    const via: Transport = { bundlerUrl: bundler.url, margins: bundler.margins };
    // A block every second from here on, as on a public chain (the deployment needed one per transaction).
    await stack.leash.client.request({ method: "evm_setIntervalMining" as never, params: [1] as never });
    // Hardhat's node stamps each block a second after the last when they come faster (the stack's
    // deployment): wait until the bundler's clock has caught up with the chain's.
    const lead = Number((await stack.leash.client.getBlock()).timestamp) - wallNow();
    if (lead >= 0) await sleepUntil(wallNow() + lead + 1);
    // A session whose first window ends in about a minute: it started almost an hour ago.
    const boundary = wallNow() + until + 30;
    const session = await approveTwap(stack.leash, {
      owner,
      request: (sessionKey) => ({
        ...twapRequest({ account, sessionKey, demo: stack.demo, chainId: stack.leash.deployments.chainId, maxPerTransaction: "1", rateLimit: { count: 500, period: HOUR } }),
        validAfter: boundary - HOUR,
      }),
    });
    // The seconds in which no claim passes the bundler (ours: its margins plus a second of skew).
    const deadFrom = boundary - until - 1;
    const deadTo = boundary + after + 1;
    const sent: { startedAt: number; claim: number; waitSeconds: number; validUntil: number }[] = [];
    const send = async () => {
      const startedAt = wallNow();
      const outcome = await trade(stack.leash, session, stack.demo, "1", via);
      if (!outcome.ok) expect.fail(`refused at ${startedAt}: ${outcome.refusal.message}`);
      expect(outcome.result.success).to.equal(true);
      sent.push({ startedAt, ...outcome.result.claim });
    };

    // Up to the dead seconds: sent at once, in the first window.
    await sleepUntil(deadFrom - 12);
    while (wallNow() < deadFrom - 1) await send();
    // In them, the old window's claim is refused by the bundler itself.
    await sleepUntil(deadFrom + 1);
    const stale = wallNow();
    const oldWindow = await restoreSessionAccount(stack.leash, session.approval, session.sessionKey.privateKey, { claim: stale });
    const refused = await sendUserOperationViaBundler({
      account: oldWindow,
      bundlerUrl: bundler.url,
      client: stack.leash.client,
      calls: [swapCall(stack.demo, "1", account, 0n)],
      abis: Object.values(contractAbis),
    }).then(
      () => undefined,
      (error: unknown) => error as Error,
    );
    expect(refused, "the bundler accepted a claim of the old window in its last seconds").to.be.instanceOf(Error);
    expect(refused!.message).to.match(/expire|valid|time/i);
    // The SDK's choice there: wait for the next window.
    await send();
    // After: at once again, in the second window.
    while (wallNow() < deadTo + 4) await send();

    const before = sent.filter((s) => s.startedAt < deadFrom);
    const inside = sent.filter((s) => s.startedAt >= deadFrom && s.startedAt < deadTo);
    const later = sent.filter((s) => s.startedAt >= deadTo);
    expect(before.length, "operations before the boundary").to.be.greaterThan(1);
    expect(inside.length, "operations in its dead seconds").to.be.greaterThan(0);
    expect(later.length, "operations after it").to.be.greaterThan(0);
    for (const s of before) expect(s, "before").to.deep.include({ waitSeconds: 0, validUntil: boundary - 1 });
    for (const s of inside) {
      expect(s.claim, "claimed in the next window, once old enough").to.equal(boundary + after + 1);
      expect(s.waitSeconds).to.be.within(1, after + until + 2);
    }
    for (const s of later) expect(s.waitSeconds, "after").to.equal(0);
  });
});
