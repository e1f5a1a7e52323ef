// The time a session key claims for an operation, chosen so that a bundler accepts it.
//
// SessionPolicy turns the claim into the claimed window's and periods' bounds, returned as the
// operation's validAfter/validUntil (docs/policies/session-policy.md). Bundlers refuse an operation
// whose validAfter is too recent or whose validUntil is too near by their own clock (alto in safe
// mode: validAfter > now − 5 s, validUntil < now + 30 s; unsafe: validAfter > now, validUntil < now + 5 s).
// So near every boundary of a window or period there are seconds when no claim can pass: the last
// ~30 s of a slot (its end is too near) and the first ~5 s of the next (its start is too recent). An
// operation wanted then waits until the new slot is old enough; the choice says how long.
import type { SessionConfig } from "./contracts.js";
import { periodBounds, periodIndexAt } from "./rules.js";

/** How far from its clock a bundler wants an operation's validity to start and end, in seconds. */
export interface BundlerMargins {
  /** validAfter must be at least this long before the bundler's now. */
  validAfterSeconds: number;
  /** validUntil must be at least this long after it. */
  validUntilSeconds: number;
}

/** A bundler checking ERC-7562 (alto in safe mode): what public bundlers are assumed to want. */
export const BUNDLER_MARGINS: BundlerMargins = { validAfterSeconds: 5, validUntilSeconds: 30 };
/** alto with its safe mode off (the local stack's). */
export const UNSAFE_BUNDLER_MARGINS: BundlerMargins = { validAfterSeconds: 0, validUntilSeconds: 5 };
/** Straight to the EntryPoint: it checks the range against the block's time, nothing more. */
export const NO_MARGINS: BundlerMargins = { validAfterSeconds: 0, validUntilSeconds: 0 };
/** Seconds of clock difference allowed between us and a bundler, each side. */
export const CLOCK_SKEW_SECONDS = 1;

/** A bundler's margins widened by `skew` seconds each side. */
export function withSkew(margins: BundlerMargins, skew = CLOCK_SKEW_SECONDS): BundlerMargins {
  return { validAfterSeconds: margins.validAfterSeconds + skew, validUntilSeconds: margins.validUntilSeconds + skew };
}

/** What the claim's bounds depend on: the session's validity and the lengths of its windows and periods. */
export interface ClaimSchedule {
  /** validAfter: windows and periods are counted from it. */
  anchor: number;
  /** Last valid second; null for no end. */
  validUntil: number | null;
  /** Window and period lengths in seconds (each slot of each bounds the range). */
  lengths: readonly number[];
}

/**
 * A session's schedule. Every period of its tokens counts, not only those the operation spends: the
 * range can only be narrower than the policy's, so a chosen claim is never refused for its bounds.
 */
export function sessionClaimSchedule(config: Pick<SessionConfig, "validAfter" | "validUntil" | "window" | "tokens">): ClaimSchedule {
  const lengths = [config.window, ...config.tokens.map((t) => t.period)].filter((l) => l > 0);
  return { anchor: Number(config.validAfter), validUntil: config.validUntil === 0 ? null : Number(config.validUntil), lengths: [...new Set(lengths)] };
}

/** The validity the policy returns for a claim of `time`: the session's, cut to the claimed window and periods. */
export function claimRange(schedule: ClaimSchedule, time: number): { validAfter: number; validUntil: number } {
  let validAfter = schedule.anchor;
  let validUntil = schedule.validUntil ?? Number.MAX_SAFE_INTEGER;
  for (const length of schedule.lengths) {
    const { start, end } = periodBounds(periodIndexAt(time, schedule.anchor, length), schedule.anchor, length);
    validAfter = Math.max(validAfter, start);
    validUntil = Math.min(validUntil, end);
  }
  return { validAfter, validUntil };
}

export interface ClaimChoice {
  /** The time to claim: the second the operation is meant to be sent. */
  claim: number;
  /** How long to wait before sending it (0: at once). */
  waitSeconds: number;
  /** The operation's validity with that claim. */
  validAfter: number;
  validUntil: number;
}

export class ClaimError extends Error {
  override name = "ClaimError";
  constructor(
    message: string,
    /** When an operation can be sent, if ever (unix seconds). */
    readonly sendableAt: number | null,
  ) {
    super(message);
  }
}

const passes = (range: { validAfter: number; validUntil: number }, at: number, m: BundlerMargins) =>
  range.validAfter <= at - m.validAfterSeconds && range.validUntil >= at + m.validUntilSeconds;

/**
 * The earliest second from `now` at which an operation claiming it passes `margins`, with the claim.
 * Between two boundaries nothing changes, so the candidates are now and each boundary (the session's
 * start, each slot's start) plus the validAfter margin, within one longest slot.
 */
export function chooseClaim(schedule: ClaimSchedule, now: number, margins: BundlerMargins): ClaimChoice {
  const end = schedule.validUntil;
  if (end !== null && now > end - margins.validUntilSeconds) {
    throw new ClaimError(
      now > end
        ? `the session ended at ${end} (it is ${now} now)`
        : `the session ends at ${end}, within the bundler's last ${margins.validUntilSeconds} s: no operation can be sent any more`,
      null,
    );
  }
  const candidates = [now, schedule.anchor + margins.validAfterSeconds];
  const horizon = now + Math.max(0, ...schedule.lengths) + margins.validAfterSeconds + margins.validUntilSeconds;
  for (const length of schedule.lengths) {
    for (let k = periodIndexAt(now - margins.validAfterSeconds, schedule.anchor, length); ; k++) {
      const { start } = periodBounds(k, schedule.anchor, length);
      if (start > horizon) break;
      candidates.push(start + margins.validAfterSeconds);
    }
  }
  for (const at of candidates.filter((t) => t >= now).sort((a, b) => a - b)) {
    if (end !== null && at > end - margins.validUntilSeconds) break;
    const range = claimRange(schedule, at);
    if (passes(range, at, margins)) return { claim: at, waitSeconds: at - now, ...range };
  }
  throw new ClaimError(
    `no time before the session's end${end === null ? "" : ` (${end})`} gives an operation a validity the bundler accepts (${margins.validAfterSeconds} s after its start, ${margins.validUntilSeconds} s before its end)`,
    null,
  );
}
