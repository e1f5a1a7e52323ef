// The session rules of sdk/rules.ts against SessionPolicy itself: the status a session has at a
// given time (from what events stored and the clock) and period arithmetic, compared with getStatus
// and getSession on a real Kernel account at random times, for sessions in random states.
import { expect } from "chai";
import { type StoredSessionStatus, chainNow, periodBounds, periodIndexAt, periodRefillsAt, sessionStatusAt, statusName } from "../../sdk/rules.js";
import { seededRandom as random } from "../../testkit/random.js";
import {
  type Session,
  type World,
  allow,
  createWorld,
  erc20,
  installCall,
  limit,
  openSession,
  randomAddress,
  sendAsOwner,
  sessionConfig,
  sessionEvents,
  uninstallCall,
  usdc,
} from "../policies/fixtures.js";

const M = 60;

describe("sdk: session rules against SessionPolicy's views", function () {
  let world: World;
  before(async function () {
    world = await createWorld();
  });

  it("status, window ends, period indexes and refills equal the chain's at random times and states", async function () {
    const rng = random(12);
    const start = await world.now();
    const to = randomAddress();
    const tracked: { session: Session; stored: StoredSessionStatus; validAfter: number; validUntil: number; window: number; period: number }[] = [];
    for (let i = 0; i < 10; i++) {
      // Windows and periods are at least an hour: the run's times are in minutes (M).
      const window = rng.pick([0, 60, 300]) * M;
      const period = rng.pick([0, 120, 900]) * M;
      const build = (validAfter: number) =>
        sessionConfig(validAfter, {
          calls: [allow(world.usdc, "transfer(address,uint256)")],
          validUntil: rng.pick([0, validAfter + 700 * M, validAfter + 2_500 * M]),
          window,
          callsPerWindow: window ? 5 : 0,
          maxCalls: rng.pick([0, 2, 4]),
          tokens: [limit(world.usdc, { perPeriod: period ? usdc("10") : 0n, period, total: usdc("50") })],
        });
      let config = build(start);
      const session = await openSession(world, config, { usdc: usdc("100") });
      // The first operation carries the owner's approval; some sessions are then registered again
      // by the owner to start later (pending until then).
      const first = sessionEvents(world, await session.send([erc20.transfer(world.usdc, to, usdc("1"))])).used[0]!;
      let stored: StoredSessionStatus = first.callsLeft === 0 ? "exhausted" : "active";
      if (rng.next() < 0.4) {
        config = build((await world.now()) + rng.pick([100, 900]) * M);
        await sendAsOwner(session, [await uninstallCall(session), await installCall(session, config)]);
        stored = "active";
      }
      tracked.push({ session, stored, validAfter: config.validAfter, validUntil: config.validUntil, window, period });
    }

    let checks = 0;
    const seen = new Set<string>();
    for (let step = 0; step < 14; step++) {
      for (const t of tracked) {
        // The views run at the latest block's time (operations of this step have moved it on).
        const now = await world.now();
        const onChain = statusName(await t.session.getStatus());
        expect(sessionStatusAt({ status: t.stored, validAfter: BigInt(t.validAfter), validUntil: BigInt(t.validUntil) }, now), `status at ${now - start}s`).to.equal(onChain);
        const view = await t.session.getSession();
        if (t.window) expect(view.windowEndsAt, `window end at ${now - start}s`).to.equal(periodBounds(periodIndexAt(now, t.validAfter, t.window), t.validAfter, t.window).end);
        if (t.period) {
          const index = periodIndexAt(now, t.validAfter, t.period);
          expect([view.tokens[0]!.periodIndex, view.tokens[0]!.refillsAt], "period").to.deep.equal([index, periodRefillsAt(index, t.validAfter, t.period)]);
        }
        checks++;
        // Random use and revocation change the stored state as the events say.
        const roll = rng.next();
        if (onChain === "active" && roll < 0.3) {
          const result = await t.session.send([erc20.transfer(world.usdc, to, usdc("1"))]);
          if (sessionEvents(world, result).used[0]!.callsLeft === 0) t.stored = "exhausted";
        } else if (t.stored !== "revoked" && roll > 0.96) {
          await sendAsOwner(t.session, [await uninstallCall(t.session)]);
          t.stored = "revoked";
        }
      }
      for (const t of tracked) seen.add(statusName(await t.session.getStatus()));
      await world.travelTo((await world.now()) + (Math.floor(rng.next() * 400) + 1) * M);
    }
    expect(checks).to.equal(140);
    // Every status a session can have on chain was met on the way.
    expect([...seen].sort()).to.deep.equal(["active", "exhausted", "expired", "pending", "revoked"]);
  });
});

describe("sdk: one now for what the chain judges", function () {
  it("is the later of the latest block and the clock: an idle chain's old block does not freeze time", function () {
    const clockMs = 1_800_000_000_500;
    // Idle local chain: its latest block is ten minutes old; time still moves with the clock.
    expect(chainNow(1_800_000_000n - 600n, clockMs)).to.equal(1_800_000_000);
    expect(chainNow(1_800_000_000n - 600n, clockMs + 61_000)).to.equal(1_800_000_061);
    // A chain ahead of the clock (time moved forward on a test chain) is what the next block keeps.
    expect(chainNow(1_800_086_400, clockMs)).to.equal(1_800_086_400);
  });
});
