// Spending limits through real Kernel v3.1 accounts: per-operation cap, lifetime total, per-period
// allowance (refilling by itself, with claims for past and future periods), batches adding up.
import { expect } from "chai";
import type { UserOperationError, UserOperationFailure } from "../../sdk/errors.js";
import {
  DAY,
  HOUR,
  SessionStatus,
  type World,
  allow,
  balanceOf,
  createWorld,
  erc20,
  expectRefused,
  expectUsed,
  limit,
  openSession,
  randomAddress,
  remaining,
  sessionConfig,
  usdc,
  used,
} from "./fixtures.js";

describe("SessionPolicy through Kernel: spending limits", function () {
  let world: World;
  const to = randomAddress();

  before(async function () {
    world = await createWorld();
  });

  /** A session that may transfer USDC (and WETH, unlimited) within `tokens`' limits. */
  async function transferSession(usdcLimit: Parameters<typeof limit>[1]) {
    const start = await world.now();
    const config = sessionConfig(start, {
      calls: [allow(world.usdc, "transfer(address,uint256)"), allow(world.weth, "transfer(address,uint256)")],
      tokens: [limit(world.usdc, usdcLimit)],
    });
    return { start, session: await openSession(world, config, { usdc: usdc("10000"), weth: 10n ** 18n }) };
  }

  describe("per-operation cap", function () {
    it("accepts exactly the cap and refuses one unit more", async function () {
      const { session } = await transferSession({ perTransaction: usdc("50") });
      const before = await balanceOf(world, world.usdc, to);
      const result = await session.send([erc20.transfer(world.usdc, to, usdc("50"))]);
      expectUsed(session, result, [used({ token: world.usdc, amount: usdc("50") })]);
      expect(await balanceOf(world, world.usdc, to)).to.equal(before + usdc("50"));

      await expectRefused(session, [erc20.transfer(world.usdc, to, usdc("50") + 1n)], {
        error: "PerTransactionCapExceeded",
        args: [world.usdc, usdc("50") + 1n, usdc("50")],
      }, { watch: [to] });
      // A per-operation cap alone never exhausts the session.
      expect((await session.getSession()).tokens).to.deep.equal([remaining(world.usdc, { perTransaction: usdc("50") })]);
      expect(await session.getStatus()).to.equal(SessionStatus.Active);
    });
  });

  describe("lifetime total", function () {
    it("accepts up to the total exactly, then refuses one unit more and reports Exhausted", async function () {
      const { session } = await transferSession({ total: usdc("100") });
      await session.send([erc20.transfer(world.usdc, to, usdc("60"))]);
      expect((await session.getSession()).tokens).to.deep.equal([remaining(world.usdc, { remainingTotal: usdc("40") })]);

      await expectRefused(session, [erc20.transfer(world.usdc, to, usdc("40") + 1n)], {
        error: "TotalCapExceeded",
        args: [world.usdc, usdc("40") + 1n, usdc("40")],
      }, { watch: [to] });

      const result = await session.send([erc20.transfer(world.usdc, to, usdc("40"))]);
      expectUsed(session, result, [used({ token: world.usdc, amount: usdc("40"), remainingTotal: 0n })]);
      expect(await session.getStatus()).to.equal(SessionStatus.Exhausted);
      expect((await session.getSession()).tokens).to.deep.equal([remaining(world.usdc, { remainingTotal: 0n })]);

      await expectRefused(session, [erc20.transfer(world.usdc, to, 1n)], {
        error: "TotalCapExceeded",
        args: [world.usdc, 1n, 0n],
      }, { watch: [to] });
      // Unlimited tokens remain usable: exhaustion only concerns capped spending.
      await session.send([erc20.transfer(world.weth, to, 1n)]);
    });
  });

  describe("when spending is counted", function () {
    it("counts at validation: a call that reverts when executed still uses the allowance", async function () {
      const start = await world.now();
      const config = sessionConfig(start, {
        calls: [allow(world.usdc, "transfer(address,uint256)")],
        tokens: [limit(world.usdc, { total: usdc("100") })],
      });
      const session = await openSession(world, config, { usdc: usdc("10") });
      let failure: UserOperationFailure | undefined;
      try {
        await session.send([erc20.transfer(world.usdc, to, usdc("60"))]);
      } catch (err) {
        failure = (err as UserOperationError).failure;
      }
      // The account holds 10: the transfer reverts, after the policy counted 60.
      expect(failure?.error).to.deep.equal({ name: "ERC20InsufficientBalance", args: [session.address, usdc("10"), usdc("60")] });
      expect(await balanceOf(world, world.usdc, session.address)).to.equal(usdc("10"));
      expect((await session.getSession()).tokens).to.deep.equal([remaining(world.usdc, { remainingTotal: usdc("40") })]);
    });
  });

  describe("per-period allowance (200 USDC a day)", function () {
    it("spends the day's allowance exactly, refuses one unit more, and refills the next day by itself", async function () {
      const { start, session } = await transferSession({ perPeriod: usdc("200"), period: DAY });
      await session.send([erc20.transfer(world.usdc, to, usdc("150"))]);
      await expectRefused(session, [erc20.transfer(world.usdc, to, usdc("50") + 1n)], {
        error: "PeriodAllowanceExceeded",
        args: [world.usdc, usdc("50") + 1n, usdc("50"), 0],
      }, { watch: [to] });
      const result = await session.send([erc20.transfer(world.usdc, to, usdc("50"))]);
      expectUsed(session, result, [used({ token: world.usdc, amount: usdc("50"), remainingInPeriod: 0n })]);
      expect((await session.getSession()).tokens).to.deep.equal([
        remaining(world.usdc, { remainingInPeriod: 0n, periodIndex: 0, refillsAt: start + DAY }),
      ]);
      await expectRefused(session, [erc20.transfer(world.usdc, to, 1n)], {
        error: "PeriodAllowanceExceeded",
        args: [world.usdc, 1n, 0n, 0],
      });
      // A spent period is not exhaustion: the allowance comes back.
      expect(await session.getStatus()).to.equal(SessionStatus.Active);

      // Day 1: the view shows the refill before any operation, and 200 can be spent again.
      await world.travelTo(start + DAY + HOUR);
      expect((await session.getSession()).tokens).to.deep.equal([
        remaining(world.usdc, { remainingInPeriod: usdc("200"), periodIndex: 1, refillsAt: start + 2 * DAY }),
      ]);
      const refilled = await session.send([erc20.transfer(world.usdc, to, usdc("200"))]);
      expectUsed(session, refilled, [used({ token: world.usdc, amount: usdc("200"), period: 1, remainingInPeriod: 0n })]);
      await expectRefused(session, [erc20.transfer(world.usdc, to, 1n)], {
        error: "PeriodAllowanceExceeded",
        args: [world.usdc, 1n, 0n, 1],
      });
    });

    it("puts the boundary second in exactly one period (validUntil is inclusive)", async function () {
      const { start, session } = await transferSession({ perPeriod: usdc("200"), period: DAY });
      await session.send([erc20.transfer(world.usdc, to, usdc("100"))]);
      // Day 0 ends before start + DAY: a day-0 claim mined then is refused...
      await expectRefused(session, [erc20.transfer(world.usdc, to, 1n)], { code: "AA22" }, { at: start + DAY, claim: start + DAY - 1 });
      // ...but its last second still belongs to it...
      const last = await session.send([erc20.transfer(world.usdc, to, usdc("100"))], { at: start + DAY - 1 });
      expectUsed(session, last, [used({ token: world.usdc, amount: usdc("100"), remainingInPeriod: 0n })]);
      // ...and the next second is day 1, with a fresh allowance.
      const first = await session.send([erc20.transfer(world.usdc, to, usdc("200"))], { at: start + DAY });
      expectUsed(session, first, [used({ token: world.usdc, amount: usdc("200"), period: 1, remainingInPeriod: 0n })]);
    });

    it("refuses claims for past periods and before the start (policy) and for future periods (EntryPoint)", async function () {
      const { start, session } = await transferSession({ perPeriod: usdc("200"), period: DAY });
      await world.travelTo(start + DAY + HOUR);
      await session.send([erc20.transfer(world.usdc, to, usdc("200"))]);

      // Day 1 is spent; claiming day 0 to reach its unspent allowance is refused by the policy.
      await expectRefused(session, [erc20.transfer(world.usdc, to, 1n)], {
        error: "PeriodInPast",
        args: [world.usdc, 0, 1],
      }, { claim: start + HOUR, watch: [to] });
      await expectRefused(session, [erc20.transfer(world.usdc, to, 1n)], {
        error: "ClaimBeforeStart",
        args: [start - 1, start],
      }, { claim: start - 1 });
      // Claiming day 2 gets day 2's bounds back, which the EntryPoint refuses today.
      await expectRefused(session, [erc20.transfer(world.usdc, to, 1n)], { code: "AA22" }, { claim: start + 2 * DAY + HOUR, watch: [to] });
    });

    it("refuses a claim for an unspent past period at the EntryPoint (its bounds are over)", async function () {
      const { start, session } = await transferSession({ perPeriod: usdc("200"), period: DAY });
      await world.travelTo(start + 2 * DAY + HOUR);
      // Day 1 was never spent in, so the policy accepts the claim, but day 1 ended: AA22.
      await expectRefused(session, [erc20.transfer(world.usdc, to, usdc("200"))], { code: "AA22" }, { claim: start + DAY + HOUR });
      await session.send([erc20.transfer(world.usdc, to, usdc("200"))]);
      expect((await session.getSession()).tokens[0]!.periodIndex).to.equal(2);
    });
  });

  describe("batches", function () {
    it("add up a token's spending across calls against the per-operation cap", async function () {
      const { session } = await transferSession({ perTransaction: usdc("50"), total: usdc("1000") });
      const result = await session.send([erc20.transfer(world.usdc, to, usdc("30")), erc20.transfer(world.usdc, to, usdc("20"))]);
      // One event per token: the batch's sum.
      expectUsed(session, result, [used({ token: world.usdc, amount: usdc("50"), remainingTotal: usdc("950") })]);

      await expectRefused(session, [erc20.transfer(world.usdc, to, usdc("30")), erc20.transfer(world.usdc, to, usdc("20") + 1n)], {
        error: "PerTransactionCapExceeded",
        args: [world.usdc, usdc("50") + 1n, usdc("50")],
      }, { watch: [to] });
    });

    it("count each token separately", async function () {
      const start = await world.now();
      const config = sessionConfig(start, {
        calls: [allow(world.usdc, "transfer(address,uint256)"), allow(world.weth, "transfer(address,uint256)")],
        tokens: [limit(world.usdc, { perTransaction: usdc("50") }), limit(world.weth, { perTransaction: 10n ** 18n })],
      });
      const session = await openSession(world, config, { usdc: usdc("1000"), weth: 10n ** 19n });
      const calls = [
        erc20.transfer(world.usdc, to, usdc("50")),
        erc20.transfer(world.weth, to, 10n ** 18n),
        erc20.transfer(world.usdc, to, 0n),
      ];
      const result = await session.send(calls);
      expectUsed(session, result, [
        used({ token: world.usdc, amount: usdc("50") }),
        used({ token: world.weth, amount: 10n ** 18n }),
      ]);
      await expectRefused(session, [...calls, erc20.transfer(world.weth, to, 1n)], {
        error: "PerTransactionCapExceeded",
        args: [world.weth, 10n ** 18n + 1n, 10n ** 18n],
      }, { watch: [to] });
    });
  });
});
