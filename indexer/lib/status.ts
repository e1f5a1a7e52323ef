// A session's status over time. Events say when a session is revoked, replaced or exhausted; time
// alone makes it pending or expired, with no event. So the indexer stores the events' status and the
// inputs (validAfter, validUntil) and derives the status at a given "now", in TypeScript or in SQL,
// with SessionPolicy.getStatus's precedence: revoked > expired > exhausted > pending > active.
import { sql } from "ponder";

/** A drizzle SQL fragment (ponder re-exports `sql`, not its type). */
export type SQL<T = unknown> = ReturnType<typeof sql<T>>;

/** Statuses that events set: stored in `session.status`. */
export const STORED_SESSION_STATUSES = ["active", "exhausted", "revoked", "replaced"] as const;
export type StoredSessionStatus = (typeof STORED_SESSION_STATUSES)[number];

/**
 * A session's status at a given time. `replaced`: the owner registered the same permission id again
 * (the new registration is another session row); SessionPolicy itself only knows the latest one.
 */
export type SessionStatus = "pending" | "active" | "expired" | "exhausted" | "revoked" | "replaced";

export interface StatusInputs {
  status: StoredSessionStatus;
  /** Unix seconds, inclusive; validUntil 0 = no expiry. */
  validAfter: bigint;
  validUntil: bigint;
}

/** The status of `session` at unix time `now` (seconds): the chain's latest block time, or the clock. */
export function sessionStatusAt(session: StatusInputs, now: bigint | number): SessionStatus {
  const time = BigInt(now);
  if (session.status === "revoked" || session.status === "replaced") return session.status;
  if (session.validUntil !== 0n && time > session.validUntil) return "expired";
  if (session.status === "exhausted") return "exhausted";
  if (time < session.validAfter) return "pending";
  return "active";
}

/** The same derivation in SQL, for queries and views: `now` is unix seconds or an SQL expression. */
export function sessionStatusSql(
  columns: { status: unknown; validAfter: unknown; validUntil: unknown },
  now: bigint | number | SQL,
): SQL<SessionStatus> {
  const time = typeof now === "object" ? now : sql`${BigInt(now).toString()}::numeric`;
  return sql<SessionStatus>`(case
    when ${columns.status} in ('revoked', 'replaced') then ${columns.status}::text
    when ${columns.validUntil} <> 0 and ${time} > ${columns.validUntil} then 'expired'
    when ${columns.status} = 'exhausted' then 'exhausted'
    when ${time} < ${columns.validAfter} then 'pending'
    else 'active' end)`;
}

/** The database's clock in unix seconds, for the view that stands for "now". */
export const wallClockSql: SQL = sql`floor(extract(epoch from now()))::numeric`;
