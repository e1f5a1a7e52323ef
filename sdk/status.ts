// A session's status at a given time. Events say when a session is revoked, replaced or exhausted;
// time alone makes it pending or expired, with no event. SessionPolicy.getStatus's precedence:
// revoked > expired > exhausted > pending > active.

/** Statuses that events set (the indexer stores them). */
export const STORED_SESSION_STATUSES = ["active", "exhausted", "revoked", "replaced"] as const;
export type StoredSessionStatus = (typeof STORED_SESSION_STATUSES)[number];

/**
 * A session's status at a given time. `replaced`: the owner registered the same permission id again
 * (the new registration is another session); SessionPolicy itself only knows the latest one.
 */
export type DerivedSessionStatus = "pending" | "active" | "expired" | "exhausted" | "revoked" | "replaced";

export interface StatusInputs {
  status: StoredSessionStatus;
  /** Unix seconds, inclusive; validUntil 0 = no expiry. */
  validAfter: bigint;
  validUntil: bigint;
}

/** The status of `session` at unix time `now` (seconds): the chain's latest block time, or the clock. */
export function sessionStatusAt(session: StatusInputs, now: bigint | number): DerivedSessionStatus {
  const time = BigInt(now);
  if (session.status === "revoked" || session.status === "replaced") return session.status;
  if (session.validUntil !== 0n && time > session.validUntil) return "expired";
  if (session.status === "exhausted") return "exhausted";
  if (time < session.validAfter) return "pending";
  return "active";
}
