// The claim chosen for a bundler's time margins (sdk/claim.ts), at every second of whole windows
// and periods: what is sent passes the bundler's rule at the moment it is sent, is the policy's range
// for that claim, and waits only in the seconds around a boundary, never longer than the margins.
import { expect } from "chai";
import {
  BUNDLER_MARGINS,
  type BundlerMargins,
  chooseClaim,
  ClaimError,
  type ClaimSchedule,
  claimRange,
  NO_MARGINS,
  sessionClaimSchedule,
  withSkew,
} from "../../sdk/claim.js";
import { MIN_PERIOD, sessionConfigOf, tokenLimit } from "../../sdk/rules.js";

const T0 = 1_800_000_000;
const HOUR = 3600;

/** The bundler's own rule at its clock `now` (alto: validAfter > now − a or validUntil < now + u is refused). */
const accepts = (range: { validAfter: number; validUntil: number }, now: number, m: BundlerMargins) =>
  range.validAfter <= now - m.validAfterSeconds && range.validUntil >= now + m.validUntilSeconds;

/** Chooses at every second of [from, to) and checks each choice; the seconds that had to wait. */
function everySecond(schedule: ClaimSchedule, from: number, to: number, margins = withSkew(BUNDLER_MARGINS)) {
  let waited = 0;
  for (let now = from; now < to; now++) {
    const choice = chooseClaim(schedule, now, margins);
    expect(choice.claim, `at ${now}`).to.equal(now + choice.waitSeconds);
    expect(choice.waitSeconds, `at ${now}`).to.be.within(0, margins.validAfterSeconds + margins.validUntilSeconds);
    expect({ validAfter: choice.validAfter, validUntil: choice.validUntil }, `at ${now}`).to.deep.equal(claimRange(schedule, choice.claim));
    // Sent at the claimed second, to a bundler whose clock is up to a second off either way.
    for (const skew of [-1, 0, 1]) expect(accepts(choice, choice.claim + skew, BUNDLER_MARGINS), `at ${now}, bundler ${skew} s off`).to.equal(true);
    if (choice.waitSeconds > 0) waited++;
  }
  return waited;
}

describe("sdk: the time claim chosen for a bundler's margins", function () {
  it("at every second of a one-hour window: accepted, and only 37 s around each boundary wait (about 1%)", function () {
    const schedule: ClaimSchedule = { anchor: T0, validUntil: null, lengths: [HOUR] };
    // Three whole windows after the session's first minute.
    const waited = everySecond(schedule, T0 + HOUR, T0 + 4 * HOUR);
    const margins = withSkew(BUNDLER_MARGINS);
    const perBoundary = margins.validAfterSeconds + margins.validUntilSeconds;
    expect(perBoundary).to.equal(37);
    expect(waited).to.equal(3 * perBoundary);
    expect(waited / (3 * HOUR)).to.be.below(0.02);
    // The shortest window allowed keeps the loss under 2%.
    expect(perBoundary / MIN_PERIOD).to.be.below(0.02);
  });

  it("in a boundary's dead seconds it waits for the next window, claiming the second it will be sent", function () {
    const schedule: ClaimSchedule = { anchor: T0, validUntil: null, lengths: [HOUR] };
    const boundary = T0 + HOUR;
    expect(chooseClaim(schedule, boundary - 32, withSkew(BUNDLER_MARGINS))).to.deep.include({ claim: boundary - 32, waitSeconds: 0 });
    expect(chooseClaim(schedule, boundary - 31, withSkew(BUNDLER_MARGINS))).to.deep.include({ claim: boundary + 6, waitSeconds: 37, validAfter: boundary });
    expect(chooseClaim(schedule, boundary + 5, withSkew(BUNDLER_MARGINS))).to.deep.include({ claim: boundary + 6, waitSeconds: 1 });
    expect(chooseClaim(schedule, boundary + 6, withSkew(BUNDLER_MARGINS))).to.deep.include({ claim: boundary + 6, waitSeconds: 0 });
  });

  it("with a window and token periods of other lengths, every boundary of each is kept clear", function () {
    const config = sessionConfigOf({
      validAfter: T0,
      calls: [],
      window: HOUR,
      callsPerWindow: 10,
      tokens: [tokenLimit("0x0000000000000000000000000000000000000001", { perPeriod: 1n, period: 5400 }), tokenLimit("0x0000000000000000000000000000000000000002", { perPeriod: 1n, period: 86_400 })],
    });
    const schedule = sessionClaimSchedule(config);
    expect([...schedule.lengths].sort()).to.deep.equal([3600, 5400, 86_400].sort());
    // Nine hours: hour boundaries, 90-minute boundaries (half of them shared).
    const waited = everySecond(schedule, T0 + 60, T0 + 9 * HOUR);
    expect(waited / (9 * HOUR)).to.be.below(0.02);
  });

  it("the session's first seconds wait; its last ones cannot send and say so", function () {
    const schedule: ClaimSchedule = { anchor: T0, validUntil: T0 + 2 * HOUR - 1, lengths: [] };
    expect(chooseClaim(schedule, T0, withSkew(BUNDLER_MARGINS))).to.deep.include({ claim: T0 + 6, waitSeconds: 6 });
    expect(chooseClaim(schedule, T0 - 100, withSkew(BUNDLER_MARGINS))).to.deep.include({ claim: T0 + 6, waitSeconds: 106 });
    const last = T0 + 2 * HOUR - 1 - 31;
    expect(chooseClaim(schedule, last, withSkew(BUNDLER_MARGINS))).to.deep.include({ claim: last, waitSeconds: 0 });
    for (const now of [last + 1, T0 + 2 * HOUR + 10]) {
      const error = (() => {
        try {
          chooseClaim(schedule, now, withSkew(BUNDLER_MARGINS));
        } catch (e) {
          return e;
        }
      })();
      expect(error, `at ${now}`).to.be.instanceOf(ClaimError);
      expect((error as ClaimError).sendableAt).to.equal(null);
      expect((error as ClaimError).message).to.match(/session (ends|ended) at/);
    }
  });

  it("a last window cut by the session's end: no wait for a next window that never comes", function () {
    const schedule: ClaimSchedule = { anchor: T0, validUntil: T0 + HOUR + 600, lengths: [HOUR] };
    // In the first window's last seconds, the next (cut) window is the one waited for.
    expect(chooseClaim(schedule, T0 + HOUR - 10, withSkew(BUNDLER_MARGINS))).to.deep.include({ claim: T0 + HOUR + 6, validUntil: T0 + HOUR + 600 });
    everySecond(schedule, T0 + 6, T0 + HOUR + 600 - 31);
  });

  it("straight to the EntryPoint nothing waits: the claim is now", function () {
    const schedule: ClaimSchedule = { anchor: T0, validUntil: null, lengths: [HOUR] };
    for (let now = T0; now < T0 + 2 * HOUR; now += 7) expect(chooseClaim(schedule, now, NO_MARGINS)).to.deep.include({ claim: now, waitSeconds: 0 });
  });
});
