// The API's reads of the index: which sessions an account has, their stored rows with what they
// spent, the audit trail and executions' outcomes. Queries are typed from the indexer's own schema
// (indexer/ponder.schema.ts) and run on the index database (api/index-db.ts: Ponder's SQL over HTTP,
// or Postgres directly). Every read is cached per indexed block by the caller's cache, so one
// block's answer is asked for once.
import { type Placeholder, type SQL, and, asc, desc, eq, gt, gte, inArray, lt, or, placeholder } from "drizzle-orm";
import type { Address, Hex } from "viem";
import { pad } from "viem";
import { account as accountTable, auditEvent, execution, session, spend } from "../../indexer/ponder.schema.js";
import type { StoredSessionStatus } from "../../sdk/rules.js";
import { UpstreamError } from "../errors.js";
import type { IndexDb } from "../index-db.js";
import type { Head } from "../upstream.js";

/*//////////////////////////////////////////////////////////////
                          IDENTIFIERS
//////////////////////////////////////////////////////////////*/

/** Kernel's permission id (4 bytes) as the policies see it: left-aligned in 32 bytes, lower case. */
export function policyId(permissionId: Hex): Hex {
  return pad(permissionId.toLowerCase() as Hex, { size: 32, dir: "right" });
}

/** The 4-byte permission id of a stored 32-byte one. */
export function kernelPermissionId(id: Hex): Hex {
  return id.slice(0, 10).toLowerCase() as Hex;
}

/*//////////////////////////////////////////////////////////////
                              ROWS
//////////////////////////////////////////////////////////////*/

/** CallPermission and TokenLimit as the index keeps them (JSON: integers as decimal strings). */
export interface CallJson {
  target: Address;
  selector: Hex;
  allowValue: boolean;
  amountArg: number | string;
  tokenArg: number | string;
  amountToken: Address;
  accountArg: number | string;
  equalArg: number | string;
  equalValue: Hex;
}
export interface TokenJson {
  token: Address;
  perTransaction: string;
  total: string;
  perPeriod: string;
  period: number | string;
}

type Session = typeof session.$inferSelect;
type Execution = typeof execution.$inferSelect;

/** What a token's limit has spent, and its state after the latest use (the spend table). */
export type SpendRow = Pick<typeof spend.$inferSelect, "token" | "spent" | "executionCount" | "remainingTotal" | "remainingInPeriod" | "lastPeriod">;
export type LastExecutionRow = Pick<Execution, "transactionHash" | "blockNumber" | "blockTimestamp" | "success" | "userOpHash">;

/** One registration of a session with what each token spent and its latest execution. */
export type SessionRow = Omit<Session, "status" | "calls" | "tokens"> & {
  status: StoredSessionStatus;
  calls: CallJson[];
  tokens: TokenJson[];
  spends: SpendRow[];
  executions: LastExecutionRow[];
};
export type SessionHeader = Pick<
  SessionRow,
  "permissionId" | "registration" | "status" | "validAfter" | "validUntil" | "createdBlock" | "createdLogIndex" | "createdTimestamp"
>;

export type AuditRow = Pick<
  typeof auditEvent.$inferSelect,
  "id" | "permissionId" | "blockNumber" | "blockTimestamp" | "transactionHash" | "logIndex"
> & {
  event: "SessionRegistered" | "SessionUsed" | "SessionRevoked";
  permissionId: Hex;
  args: Record<string, unknown>;
};
export type ExecutionOutcomeRow = Pick<Execution, "nonce" | "logIndex" | "transactionHash" | "success" | "userOpHash" | "actualGasCost">;

/** Where an event is on the chain: (block, log index) orders events as the chain does. */
export interface Position {
  block: bigint;
  logIndex: number;
}
export interface Registered extends Position {
  permissionId: Hex;
  /** The registering block's time (unix seconds). */
  timestamp: bigint;
}

export type Cached = <T>(key: string, load: () => Promise<T>) => Promise<T>;

/** (blockNumber, logIndex) columns compared with a position, as the chain orders events. */
interface Positioned {
  blockNumber: typeof auditEvent.blockNumber;
  logIndex: typeof auditEvent.logIndex;
}
const after = (t: Positioned, p: Position, inclusive = false): SQL =>
  or(gt(t.blockNumber, p.block), and(eq(t.blockNumber, p.block), inclusive ? gte(t.logIndex, p.logIndex) : gt(t.logIndex, p.logIndex)))!;
const before = (t: Positioned, p: Position): SQL => or(lt(t.blockNumber, p.block), and(eq(t.blockNumber, p.block), lt(t.logIndex, p.logIndex)))!;

/** Bounds of an audit page: after a position (exclusive), from one (inclusive), before one. */
export interface AuditBounds {
  account: Address;
  permissionId?: Hex;
  from?: Position;
  after?: Position;
  before?: Position;
}

const SESSION_EVENTS = ["SessionRegistered", "SessionUsed", "SessionRevoked"];

/**
 * Sessions read in one query: Ponder's SQL over HTTP refuses a query text over 5,000 characters
 * (ponder/dist/esm/utils/sql-parse.js), and the relational query with its nested rows takes about
 * half of that before its list of permission ids.
 */
const ROWS_PER_QUERY = 40;

/*//////////////////////////////////////////////////////////////
                             QUERIES
//////////////////////////////////////////////////////////////*/

export class IndexReads {
  /** Runs a query; a database that cannot answer is a 503 naming the index. */
  private async run<T>(what: string, query: () => Promise<T>): Promise<T> {
    try {
      return await query();
    } catch (error) {
      throw indexError(what, error);
    }
  }

  /** Whether the index has seen the account at all. */
  accountExists(account: Address, indexed: Head): Promise<boolean> {
    return this.cached(`account:${account}:${indexed.number}`, async () => {
      const rows = await this.run("account", () => this.prepared.account.execute({ chainId: this.chainId, account: lower(account) }));
      return rows.length > 0;
    });
  }

  /** The relational query of sessions matching `where`, with their spends and latest execution. */
  private rowsQuery(where: SQL, limit: number | Placeholder) {
    return this.db.query.session.findMany({
      where,
      orderBy: [desc(session.registration)],
      limit,
      with: {
        // Nested rows travel as JSON, where a numeric column would become a float: theirs are
        // read as text, and turned into bigint by `toRows`, digit for digit.
        spends: {
          columns: { token: true, executionCount: true },
          extras: (t, { sql }) => ({
            spent: sql<string>`${t.spent}::text`.as("spent"),
            remainingTotal: sql<string>`${t.remainingTotal}::text`.as("remaining_total"),
            remainingInPeriod: sql<string>`${t.remainingInPeriod}::text`.as("remaining_in_period"),
            lastPeriod: sql<string | null>`${t.lastPeriod}::text`.as("last_period"),
          }),
        },
        executions: {
          columns: { transactionHash: true, success: true, userOpHash: true },
          extras: (t, { sql }) => ({
            blockNumber: sql<string>`${t.blockNumber}::text`.as("block_number"),
            blockTimestamp: sql<string>`${t.blockTimestamp}::text`.as("block_timestamp"),
          }),
          orderBy: [desc(execution.blockNumber), desc(execution.logIndex)],
          limit: 1,
        },
      },
    });
  }

  /**
   * The hot reads as prepared statements: built once, and on Postgres parsed and planned once per
   * connection (planning this query costs several times its execution).
   */
  private readonly prepared;

  /** `chainId`: every read is of that chain's rows (one index holds every followed chain). */
  constructor(
    private readonly db: IndexDb,
    private readonly chainId: number,
    private readonly cached: Cached,
  ) {
    this.prepared = this.prepare();
  }

  private prepare() {
    return {
      latest: this.rowsQuery(and(eq(session.chainId, placeholder("chainId")), eq(session.account, placeholder("account")), eq(session.permissionId, placeholder("id")))!, 1).prepare(
        "leash_session_latest",
      ),
      registration: this.rowsQuery(
        and(
          eq(session.chainId, placeholder("chainId")),
          eq(session.account, placeholder("account")),
          eq(session.permissionId, placeholder("id")),
          eq(session.registration, placeholder("registration")),
        )!,
        1,
      ).prepare("leash_session_registration"),
      account: this.db
        .select({ address: accountTable.address })
        .from(accountTable)
        .where(and(eq(accountTable.chainId, placeholder("chainId")), eq(accountTable.address, placeholder("account"))))
        .limit(1)
        .prepare("leash_account"),
    };
  }

  /** The latest registration of a session, or `registration` (none: an empty list). */
  sessionRows(account: Address, id: Hex, registration: number | undefined, indexed: Head): Promise<SessionRow[]> {
    return this.cached(`rows:${account}:${id}:${registration ?? "latest"}:${indexed.number}`, () => this.loadSessionRows(account, id, registration));
  }

  /** The same, read now (for callers that cache what they build from it instead). */
  async loadSessionRows(account: Address, id: Hex, registration: number | undefined): Promise<SessionRow[]> {
    const rows = await this.run("session", () =>
      registration === undefined
        ? this.prepared.latest.execute({ chainId: this.chainId, account: lower(account), id })
        : this.prepared.registration.execute({ chainId: this.chainId, account: lower(account), id, registration }),
    );
    return toRows(rows);
  }

  /** The full rows of several sessions of an account, in the order given, in one query per ROWS_PER_QUERY. */
  async rowsOf(account: Address, sessions: readonly Pick<SessionRow, "permissionId" | "registration">[], indexed: Head): Promise<SessionRow[]> {
    const found = new Map<string, SessionRow>();
    for (let i = 0; i < sessions.length; i += ROWS_PER_QUERY) {
      const chunk = sessions.slice(i, i + ROWS_PER_QUERY);
      const key = `rowsOf:${account}:${chunk.map((s) => `${s.permissionId}/${s.registration}`).join(",")}:${indexed.number}`;
      const rows = await this.cached(key, async () => {
        // Every registration of these permission ids (one IN list: a query of a hundred ORed pairs
        // is refused by the indexer's SQL endpoint), the ones asked for picked below.
        const ids = [...new Set(chunk.map((s) => s.permissionId))];
        const where = and(eq(session.chainId, this.chainId), eq(session.account, lower(account)), inArray(session.permissionId, ids))!;
        return toRows(await this.run("sessions", () => this.rowsQuery(where, 10_000)));
      });
      for (const row of rows) found.set(`${row.permissionId}/${row.registration}`, row);
    }
    return sessions.map((s) => {
      const row = found.get(`${s.permissionId}/${s.registration}`);
      if (!row) throw new UpstreamError("indexer", `session ${s.permissionId} registration ${s.registration} vanished from the index`);
      return row;
    });
  }

  /** Every session of an account in short, newest first. */
  sessionHeaders(account: Address, indexed: Head): Promise<SessionHeader[]> {
    return this.cached(`headers:${account}:${indexed.number}`, () =>
      this.run("session list", () =>
        this.db
          .select({
            permissionId: session.permissionId,
            registration: session.registration,
            status: session.status,
            validAfter: session.validAfter,
            validUntil: session.validUntil,
            createdBlock: session.createdBlock,
            createdLogIndex: session.createdLogIndex,
            createdTimestamp: session.createdTimestamp,
          })
          .from(session)
          .where(and(eq(session.chainId, this.chainId), eq(session.account, lower(account))))
          .orderBy(desc(session.createdBlock), desc(session.createdLogIndex)),
      ),
    );
  }

  /** Where each registration was approved (registration n of a permission id is its n-th), in chain order. */
  registrationIds(account: Address, indexed: Head, id?: Hex): Promise<Registered[]> {
    return this.cached(`registrations:${account}:${id ?? "*"}:${indexed.number}`, async () => {
      const rows = await this.run("registrations", () =>
        this.db
          .select({ permissionId: session.permissionId, block: session.createdBlock, logIndex: session.createdLogIndex, timestamp: session.createdTimestamp })
          .from(session)
          .where(and(eq(session.chainId, this.chainId), eq(session.account, lower(account)), id ? eq(session.permissionId, id) : undefined))
          .orderBy(asc(session.createdBlock), asc(session.createdLogIndex)),
      );
      return rows as Registered[];
    });
  }

  /** SessionPolicy's audit events within `bounds`, oldest first, one more than `limit` (is there a next page?). */
  auditPage(bounds: AuditBounds, limit: number, indexed: Head): Promise<AuditRow[]> {
    const key = JSON.stringify(bounds, (_, v) => (typeof v === "bigint" ? v.toString() : v));
    return this.cached(`audit:${key}:${limit}:${indexed.number}`, () =>
      this.run("audit trail", () =>
        this.db
          .select({
            id: auditEvent.id,
            event: auditEvent.event,
            permissionId: auditEvent.permissionId,
            args: auditEvent.args,
            blockNumber: auditEvent.blockNumber,
            blockTimestamp: auditEvent.blockTimestamp,
            transactionHash: auditEvent.transactionHash,
            logIndex: auditEvent.logIndex,
          })
          .from(auditEvent)
          .where(
            and(
              eq(auditEvent.chainId, this.chainId),
              eq(auditEvent.account, lower(bounds.account)),
              eq(auditEvent.contract, "SessionPolicy"),
              inArray(auditEvent.event, SESSION_EVENTS),
              bounds.permissionId ? eq(auditEvent.permissionId, bounds.permissionId) : undefined,
              bounds.from ? after(auditEvent, bounds.from, true) : undefined,
              bounds.after ? after(auditEvent, bounds.after) : undefined,
              bounds.before ? before(auditEvent, bounds.before) : undefined,
            ),
          )
          .orderBy(asc(auditEvent.blockNumber), asc(auditEvent.logIndex))
          .limit(limit + 1) as Promise<AuditRow[]>,
      ),
    );
  }

  /** How the executions of these operation nonces of the account ended. */
  executionOutcomes(account: Address, nonces: readonly bigint[], indexed: Head): Promise<ExecutionOutcomeRow[]> {
    if (nonces.length === 0) return Promise.resolve([]);
    return this.cached(`outcomes:${account}:${nonces.join(",")}:${indexed.number}`, () =>
      this.run("execution outcomes", () =>
        this.db
          .select({
            nonce: execution.nonce,
            logIndex: execution.logIndex,
            transactionHash: execution.transactionHash,
            success: execution.success,
            userOpHash: execution.userOpHash,
            actualGasCost: execution.actualGasCost,
          })
          .from(execution)
          .where(and(eq(execution.chainId, this.chainId), eq(execution.account, lower(account)), inArray(execution.nonce, [...nonces]))),
      ),
    );
  }
}

const lower = (a: Address) => a.toLowerCase() as Address;

type RawRows = Awaited<ReturnType<IndexReads["rowsQuery"]>>;

/** Rows of the relational query with their nested numerics as bigint. */
function toRows(rows: RawRows): SessionRow[] {
  return rows.map((row) => ({
    ...(row as unknown as Omit<SessionRow, "spends" | "executions">),
    spends: row.spends.map((s) => ({
      token: s.token,
      executionCount: s.executionCount,
      spent: BigInt(s.spent),
      remainingTotal: BigInt(s.remainingTotal),
      remainingInPeriod: BigInt(s.remainingInPeriod),
      lastPeriod: s.lastPeriod === null ? null : BigInt(s.lastPeriod),
    })),
    executions: row.executions.map((e) => ({ ...e, blockNumber: BigInt(e.blockNumber), blockTimestamp: BigInt(e.blockTimestamp) })),
  }));
}

/** A failed read of the index as a 503 that says what could not be read and why. */
function indexError(what: string, error: unknown): UpstreamError {
  const message = error instanceof Error ? error.message : String(error);
  const missing = /relation "([^"]+)" does not exist/.exec(message);
  if (missing) {
    return new UpstreamError("indexer", `reading the ${what}: the index database has no table ${missing[1]} yet (the indexer creates its views once its backfill is done)`);
  }
  return new UpstreamError("indexer", `reading the ${what}: ${message.split("\n")[0]}`);
}
