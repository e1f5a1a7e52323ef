// A session's status over time: the indexer stores the events' status and the inputs (validAfter,
// validUntil) and derives the status at a given "now", in TypeScript (sdk/status.ts) or in SQL here.
import { sql } from "ponder";

/** A drizzle SQL fragment (ponder re-exports `sql`, not its type). */
export type SQL<T = unknown> = ReturnType<typeof sql<T>>;

export { STORED_SESSION_STATUSES, type StoredSessionStatus, type DerivedSessionStatus as SessionStatus, type StatusInputs, sessionStatusAt } from "../../sdk/rules.js";
import type { DerivedSessionStatus as SessionStatus } from "../../sdk/rules.js";

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
