// Rate limits and expiry through real Kernel v3.1 accounts: calls per window (every call of a batch
// counts), lifetime calls, and the validity range the EntryPoint enforces (AA22).
import { expect } from "chai";
import {
  DAY,
  HOUR,
  NO_WINDOW,
  SessionStatus,
  type World,
  allow,
  createWorld,
  erc20,
  expectRefused,
  expectUsed,
  installCall,
  limit,
  openSession,
  randomAddress,
  sendAsOwner,
  sessionConfig,
  sessionEvents,
  uninstallCall,
  usdc,
  used,
} from "./fixtures.js";

describe("SessionPolicy through Kernel: rate limits and expiry", function () {
  let world: World;
  const to = randomAddress();
  const transfer = () => erc20.transfer(world.usdc, to, 1n);

  before(async function () {
    world = await createWorld();
  });

  async function rateSession(opts: { window?: number; callsPerWindow?: number; maxCalls?: number }) {
    const start = await world.now();
    const config = sessionConfig(start, { calls: [allow(world.usdc, "transfer(address,uint256)")], ...opts });
    return { start, session: await openSession(world, config, { usdc: usdc("100") }) };
  }

  describe("calls per window (3 an hour)", function () {
    it("accepts the limit exactly, refuses one more, and restores it in the next window", async function () {
      const { start, session } = await rateSession({ window: HOUR, callsPerWindow: 3 });
      for (const count of [1, 2, 3]) {
        const result = await session.send([transfer()]);
        expectUsed(session, result, [used({ callsInWindow: count })]);
      }
      let view = await session.getSession();
      expect([view.callsLeftInWindow, view.windowEndsAt]).to.deep.equal([0, start + HOUR - 1]);
      await expectRefused(session, [transfer()], { error: "RateLimitExceeded", args: [0, 3, 3, 1n] }, { watch: [to] });

      await world.travelTo(start + HOUR + 60);
      view = await session.getSession();
      expect([view.callsLeftInWindow, view.windowEndsAt]).to.deep.equal([3, start + 2 * HOUR - 1]);
      // Every call of a batch counts.
      const batch = await session.send([transfer(), transfer()]);
      expectUsed(session, batch, [used({ callsInWindow: 2 })]);
      await expectRefused(session, [transfer(), transfer()], { error: "RateLimitExceeded", args: [1, 3, 2, 2n] }, { watch: [to] });
      await session.send([transfer()]);
      expect((await session.getSession()).callsLeftInWindow).to.equal(0);

      // Going back to window 0 to use what it had left is refused.
      await expectRefused(session, [transfer()], { error: "WindowInPast", args: [0, 1] }, { claim: start + 60 });
    });

    it("never lets idle windows add up: after a long pause a burst still stops at the limit", async function () {
      const { start, session } = await rateSession({ window: HOUR, callsPerWindow: 3 });
      await session.send([transfer()]);
      const idle = 100;
      await world.travelTo(start + idle * HOUR + 60);
      await expectRefused(session, [transfer(), transfer(), transfer(), transfer()], {
        error: "RateLimitExceeded",
        args: [idle, 3, 0, 4n],
      }, { watch: [to] });
      for (let i = 0; i < 3; i++) await session.send([transfer()]);
      await expectRefused(session, [transfer()], { error: "RateLimitExceeded", args: [idle, 3, 3, 1n] }, { watch: [to] });
      // Up to the window's last second...
      await expectRefused(session, [transfer()], { error: "RateLimitExceeded", args: [idle, 3, 3, 1n] }, { at: start + (idle + 1) * HOUR - 1 });
      // ...and windows are fixed: the next one starts full, right after.
      const next = await session.send([transfer(), transfer(), transfer()], { at: start + (idle + 1) * HOUR });
      expectUsed(session, next, [used({ callsInWindow: 3 })]);
    });
  });

  describe("lifetime calls (maxCalls 4)", function () {
    it("counts every call, refuses a batch that would pass the limit, and reports Exhausted at zero", async function () {
      const { session } = await rateSession({ maxCalls: 4 });
      expectUsed(session, await session.send([transfer()]), [used({ callsLeft: 3 })]);
      expectUsed(session, await session.send([transfer()]), [used({ callsLeft: 2 })]);
      await expectRefused(session, [transfer(), transfer(), transfer()], { error: "CallLimitReached", args: [2, 3n] }, { watch: [to] });
      expectUsed(session, await session.send([transfer(), transfer()]), [used({ callsLeft: 0 })]);

      const view = await session.getSession();
      expect([view.status, view.callsLeft, view.callsLeftInWindow]).to.deep.equal([SessionStatus.Exhausted, 0, NO_WINDOW]);
      expect(await session.getStatus()).to.equal(SessionStatus.Exhausted);
      await expectRefused(session, [transfer()], { error: "CallLimitReached", args: [0, 1n] }, { watch: [to] });
    });
  });

  describe("expiry", function () {
    /** A session valid for one day starting in an hour, with a daily allowance (so claims are read). */
    async function laterSession() {
      const validAfter = (await world.now()) + HOUR;
      const config = sessionConfig(validAfter, {
        validUntil: validAfter + DAY - 1,
        calls: [allow(world.usdc, "transfer(address,uint256)")],
        tokens: [limit(world.usdc, { perPeriod: usdc("10"), period: DAY })],
      });
      return { validAfter, validUntil: validAfter + DAY - 1, session: await openSession(world, config, { usdc: usdc("100") }) };
    }

    it("refuses operations before validAfter and accepts them from validAfter exactly", async function () {
      const { validAfter, session } = await laterSession();
      const now = await world.now();
      // The honest claim (now) lies before the first period; a claim of the start is not due yet.
      await expectRefused(session, [transfer()], { error: "ClaimBeforeStart", args: [now, validAfter] });
      await expectRefused(session, [transfer()], { code: "AA22" }, { claim: validAfter });
      await expectRefused(session, [transfer()], { code: "AA22" }, { at: validAfter - 1, claim: validAfter });
      // Refused first operations carried the owner's approval: nothing was registered.
      expect(await session.getStatus()).to.equal(SessionStatus.Unknown);

      const result = await session.send([transfer()], { at: validAfter });
      expect(sessionEvents(world, result).registered).to.have.length(1);
      expect(await session.getStatus()).to.equal(SessionStatus.Active);
    });

    it("accepts an operation at validUntil exactly, refuses it a second later, and then reports Expired", async function () {
      const { validAfter, validUntil, session } = await laterSession();
      await session.send([transfer()], { at: validAfter });
      await session.send([transfer()], { at: validUntil });
      expect(await session.getStatus()).to.equal(SessionStatus.Active);

      await expectRefused(session, [transfer()], { code: "AA22" }, { at: validUntil + 1, claim: validUntil });
      // A claim past the end gets a period outside the session's validity: refused by the policy.
      await expectRefused(session, [transfer()], {
        error: "ClaimOutsideValidity",
        args: [validUntil + 1, validAfter, validUntil],
      }, { at: validUntil + 1 });
      await world.travelTo(validUntil + 1);
      expect(await session.getStatus()).to.equal(SessionStatus.Expired);
      expect((await session.getSession()).status).to.equal(SessionStatus.Expired);
    });

    it("reports Pending for a session registered ahead of its start (the owner renews it for tomorrow)", async function () {
      const start = await world.now();
      const today = sessionConfig(start, {
        validUntil: start + HOUR,
        calls: [allow(world.usdc, "transfer(address,uint256)")],
        tokens: [limit(world.usdc, { total: usdc("10") })],
      });
      const session = await openSession(world, today, { usdc: usdc("100") });
      await session.send([erc20.transfer(world.usdc, to, usdc("10"))]);
      expect(await session.getStatus()).to.equal(SessionStatus.Exhausted);

      // The owner installs the same permission id again, valid tomorrow: one owner operation.
      const tomorrow = { ...today, validAfter: start + DAY, validUntil: start + 2 * DAY - 1 };
      const renewal = await sendAsOwner(session, [await uninstallCall(session), await installCall(session, tomorrow)]);
      expect(sessionEvents(world, renewal).registered.map((e) => e.config)).to.deep.equal([tomorrow]);
      expect(await session.getStatus()).to.equal(SessionStatus.Pending);
      const pending = await session.getSession();
      expect([pending.status, pending.validAfter, pending.validUntil]).to.deep.equal([SessionStatus.Pending, start + DAY, start + 2 * DAY - 1]);
      expect(pending.tokens[0]!.remainingTotal).to.equal(usdc("10"));

      await expectRefused(session, [transfer()], { code: "AA22" }, { watch: [to] });
      await world.travelTo(start + DAY);
      expect(await session.getStatus()).to.equal(SessionStatus.Active);
      await session.send([erc20.transfer(world.usdc, to, usdc("10"))]);
      expect(await session.getStatus()).to.equal(SessionStatus.Exhausted);
    });
  });
});
