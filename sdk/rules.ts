// A session's rules as SessionPolicy applies them (contracts/types/SessionTypes.sol,
// contracts/libraries/PeriodLib.sol, SessionPolicy.getStatus): the sentinels of its configuration
// and views, its statuses with their labels, the status at a given time, and period arithmetic.
// The indexer, the API, the CLI, the MCP text and the dashboard take them from here.
import { type Address, type Hex, zeroAddress, zeroHash } from "viem";
import type { CallPermission, SessionConfig, SessionSnapshot, TokenLimit } from "./contracts.js";

/*//////////////////////////////////////////////////////////////
                            SENTINELS
//////////////////////////////////////////////////////////////*/

/** The native coin in token limits (the common "0xEeee…" convention). */
export const NATIVE_TOKEN: Address = "0xEeeeeEeeeEeEeeEeEeEeeEEEeeeeEeeeeeeeEEeE";
/** "No argument" in a call permission's argument-index fields. */
export const NO_ARG = 255;
/** "Unlimited" amounts in the views and events (type(uint256).max). */
export const UNLIMITED = 2n ** 256n - 1n;
/** "No rate limit" in a view's callsLeftInWindow (type(uint16).max). */
export const NO_WINDOW = 2 ** 16 - 1;
/** "No lifetime call limit" in callsLeft (type(uint32).max). */
export const NO_CALL_LIMIT = 2 ** 32 - 1;
/** Ceilings the policy enforces at registration. */
export const MAX_AMOUNT = 2n ** 96n - 2n;
export const MAX_CALL_PERMISSIONS = 32;
export const MAX_TOKEN_LIMITS = 8;
export const MAX_SIGNATURE_SENDERS = 4;
/**
 * Shortest period or rate window, in seconds (SessionTypes.sol MIN_PERIOD): a bundler's margins make
 * about 37 s of each unusable (sdk/claim.ts), about 1% of an hour.
 */
export const MIN_PERIOD = 3600;
/** Shortest session: its first ~5 s and last ~30 s cannot be used through a bundler. */
export const MIN_DURATION = 60;
/** Uniswap's Permit2 (SessionTypes.sol PERMIT2): never a signature sender. */
export const PERMIT2: Address = "0x000000000022D473030F116dDEE9F6B43aC78BA3";

/** null for "unlimited" (type(uint256).max in the views). */
export const limitedAmount = (v: bigint): bigint | null => (v === UNLIMITED ? null : v);

/*//////////////////////////////////////////////////////////////
                     CONFIGURATION, RULES OFF
//////////////////////////////////////////////////////////////*/

/** A CallPermission for `selector` on `target` with every argument rule off; `opts` turns rules on. */
export function callPermission(target: Address, selector: Hex, opts: Partial<Omit<CallPermission, "target" | "selector">> = {}): CallPermission {
  return { target, selector, allowValue: false, amountArg: NO_ARG, tokenArg: NO_ARG, amountToken: zeroAddress, accountArg: NO_ARG, equalArg: NO_ARG, equalValue: zeroHash, ...opts };
}

/** A TokenLimit of `token` with every cap off. */
export function tokenLimit(token: Address, opts: Partial<Omit<TokenLimit, "token">> = {}): TokenLimit {
  return { token, perTransaction: 0n, total: 0n, perPeriod: 0n, period: 0, ...opts };
}

/**
 * A SessionConfig with every limit off but those in `opts`. Gas must still be bounded (a fee cap,
 * a budget or a paymaster), or SessionPolicy refuses the registration.
 */
export function sessionConfigOf(opts: Partial<SessionConfig> & Pick<SessionConfig, "validAfter" | "calls">): SessionConfig {
  return {
    validUntil: 0,
    window: 0,
    callsPerWindow: 0,
    maxCalls: 0,
    maxFeePerOperation: 0n,
    maxFeeTotal: 0n,
    paymaster: zeroAddress,
    signatureSenders: [],
    tokens: [],
    ...opts,
  };
}

/**
 * A registration as SessionPolicy starts it (onInstall): its configuration's limits, and counters
 * with nothing used yet. The indexer stores a registration so; the API shows an approval not yet on
 * chain so.
 */
export function registeredSession(
  config: Omit<SessionConfig, "signatureSenders" | "calls" | "tokens"> & { signatureSenders: readonly Address[]; tokens: readonly unknown[] },
) {
  return {
    validAfter: BigInt(config.validAfter),
    validUntil: BigInt(config.validUntil),
    windowLength: BigInt(config.window),
    callsPerWindow: config.callsPerWindow,
    maxCalls: BigInt(config.maxCalls),
    maxFeePerOperation: config.maxFeePerOperation,
    maxFeeTotal: config.maxFeeTotal,
    paymaster: config.paymaster,
    signatureSenders: [...config.signatureSenders],
    callsLeft: config.maxCalls === 0 ? BigInt(NO_CALL_LIMIT) : BigInt(config.maxCalls),
    callsInWindow: 0,
    feeLeft: config.maxFeeTotal === 0n ? UNLIMITED : config.maxFeeTotal,
    feePaid: 0n,
    tokenCount: config.tokens.length,
    tokensExhausted: 0,
    operationCount: 0,
    executionCount: 0,
    lastUsedBlock: null,
    lastUsedTimestamp: null,
    exhaustedBlock: null,
    exhaustedTimestamp: null,
    revokedBlock: null,
    revokedTimestamp: null,
    revokedTransactionHash: null,
    replacedBlock: null,
    replacedTimestamp: null,
  };
}

/*//////////////////////////////////////////////////////////////
                             STATUSES
//////////////////////////////////////////////////////////////*/

/** SessionPolicy's SessionStatus enum, by index. */
export const SESSION_STATUSES = ["unknown", "active", "pending", "expired", "exhausted", "revoked"] as const;
export type SessionStatusName = (typeof SESSION_STATUSES)[number];

/** The name of a SessionStatus value as the contract returns it. */
export const statusName = (code: number | bigint): SessionStatusName => SESSION_STATUSES[Number(code)] ?? "unknown";

/** Statuses that events set (the indexer stores them). */
export const STORED_SESSION_STATUSES = ["active", "exhausted", "revoked", "replaced"] as const;
export type StoredSessionStatus = (typeof STORED_SESSION_STATUSES)[number];

/**
 * A session's status at a given time. `replaced`: the owner registered the same permission id again
 * (the new registration is another session); SessionPolicy itself only knows the latest one.
 */
export const DERIVED_SESSION_STATUSES = ["pending", "active", "expired", "exhausted", "revoked", "replaced"] as const;
export type DerivedSessionStatus = (typeof DERIVED_SESSION_STATUSES)[number];

/** What people read for each status. */
export const STATUS_LABELS: Record<DerivedSessionStatus, string> = {
  active: "Active",
  pending: "Not started yet",
  expired: "Expired",
  exhausted: "Limits used up",
  revoked: "Revoked",
  replaced: "Replaced by a newer approval",
};

export interface StatusInputs {
  status: StoredSessionStatus;
  /** Unix seconds, inclusive; validUntil 0 = no expiry. */
  validAfter: bigint;
  validUntil: bigint;
}

/**
 * "Now" for anything the chain will judge (unix seconds): the later of the latest block's timestamp
 * and this machine's clock. The next block is stamped no earlier than either on a live chain, and
 * an idle local chain's latest block can be minutes old, so the block alone would freeze time.
 */
export function chainNow(latestBlockTimestamp: bigint | number, wallClockMs: number = Date.now()): number {
  return Math.max(Number(latestBlockTimestamp), Math.floor(wallClockMs / 1000));
}

/**
 * The status of `session` at unix time `now` (seconds). Events say when a session is revoked,
 * replaced or exhausted; time alone makes it pending or expired, with no event. The precedence is
 * SessionPolicy.getStatus's: revoked > expired > exhausted > pending > active.
 */
export function sessionStatusAt(session: StatusInputs, now: bigint | number): DerivedSessionStatus {
  const time = BigInt(now);
  if (session.status === "revoked" || session.status === "replaced") return session.status;
  if (session.validUntil !== 0n && time > session.validUntil) return "expired";
  if (session.status === "exhausted") return "exhausted";
  if (time < session.validAfter) return "pending";
  return "active";
}

/*//////////////////////////////////////////////////////////////
                       PERIODS AND WINDOWS
//////////////////////////////////////////////////////////////*/

const MAX_UINT48 = 2 ** 48 - 1;

/**
 * The index of the period of `length` seconds holding `time`, counted from `anchor` (a session's
 * validAfter): period k covers [anchor + k·length, anchor + (k+1)·length − 1]. Before the anchor:
 * 0, as the views read it.
 */
export function periodIndexAt(time: number, anchor: number, length: number): number {
  return time < anchor ? 0 : Math.floor((time - anchor) / length);
}

/** First and last second of period `index` (clamped to the uint48 range, as PeriodLib.bounds). */
export function periodBounds(index: number, anchor: number, length: number): { start: number; end: number } {
  const start = anchor + index * length;
  return { start: Math.min(start, MAX_UINT48), end: Math.min(start + length - 1, MAX_UINT48) };
}

/** When the allowance of period `index` refills: the second after it ends (as getSession's refillsAt). */
export function periodRefillsAt(index: number, anchor: number, length: number): number {
  const { end } = periodBounds(index, anchor, length);
  return end === MAX_UINT48 ? end : end + 1;
}

/*//////////////////////////////////////////////////////////////
                    WHAT REMAINS, AT ANY TIME
//////////////////////////////////////////////////////////////*/

/** A token limit's registered caps and its spending state after the latest use (SpendLib.State). */
export interface TokenState {
  token: Address;
  perTransaction: bigint;
  total: bigint;
  perPeriod: bigint;
  /** Period length in seconds; 0 = no period. */
  period: number;
  /** After the latest use; UNLIMITED when the limit has no total. */
  remainingTotal: bigint;
  /** In period `periodIndex`, after the latest use. */
  remainingInPeriod: bigint;
  periodIndex: number;
}

/**
 * A registration as SessionPolicy stores it (its configuration and its counters after the latest
 * use): everything getSession reads, so that what remains at any time follows without the chain.
 */
export interface SessionState {
  revoked: boolean;
  validAfter: number;
  /** 0 = no expiry. */
  validUntil: number;
  /** Rate-limit window in seconds (0 = none), calls allowed per window. */
  window: number;
  callsPerWindow: number;
  /** The window of the latest use and the calls counted in it (0 and 0 before any use). */
  windowIndex: number;
  callsInWindow: number;
  /** Lifetime calls left (NO_CALL_LIMIT = unlimited). */
  callsLeft: number;
  /** Gas fee budget left (UNLIMITED = no budget). */
  feeLeft: bigint;
  tokens: TokenState[];
}

/**
 * SessionPolicy.getSession for `state` in a block stamped `now`: the same status, calls left in
 * the window and its end, lifetime calls, fee budget, and per token what remains in total and in
 * the current period with its refill time. The contract's arithmetic, step by step (getSession,
 * _status, TokenRegistry._remainingOf, SpendLib.remainingInPeriod, PeriodLib).
 */
export function sessionSnapshotAt(state: SessionState, now: number): SessionSnapshot {
  const tokens = state.tokens.map((t) => {
    const periodIndex = t.period === 0 ? 0 : periodIndexAt(now, state.validAfter, t.period);
    return {
      token: t.token,
      perTransaction: t.perTransaction === 0n ? UNLIMITED : t.perTransaction,
      remainingTotal: t.remainingTotal,
      remainingInPeriod: t.period === 0 ? UNLIMITED : periodIndex > t.periodIndex ? t.perPeriod : t.remainingInPeriod,
      periodIndex,
      refillsAt: t.period === 0 ? 0 : periodRefillsAt(periodIndex, state.validAfter, t.period),
    };
  });
  let callsLeftInWindow = NO_WINDOW;
  let windowEndsAt = 0;
  if (state.window !== 0) {
    const index = periodIndexAt(now, state.validAfter, state.window);
    callsLeftInWindow = state.callsPerWindow - (index === state.windowIndex ? state.callsInWindow : 0);
    windowEndsAt = periodBounds(index, state.validAfter, state.window).end;
  }
  const allCapsSpent = state.tokens.length > 0 && state.tokens.every((t) => t.remainingTotal === 0n);
  const status: SessionStatusName = state.revoked
    ? "revoked"
    : state.validUntil !== 0 && now > state.validUntil
      ? "expired"
      : state.callsLeft === 0 || allCapsSpent
        ? "exhausted"
        : now < state.validAfter
          ? "pending"
          : "active";
  return {
    status: SESSION_STATUSES.indexOf(status),
    validAfter: state.validAfter,
    validUntil: state.validUntil,
    callsLeftInWindow,
    windowEndsAt,
    callsLeft: state.callsLeft,
    feeLeft: state.feeLeft,
    tokens,
  };
}
