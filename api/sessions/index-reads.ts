// The API's reads of the index (the indexer's GraphQL): which sessions an account has, their stored
// rows, the audit trail and executions' outcomes. Every read is cached per indexed block by the
// caller's cache, so one block's answer is asked for once.
import type { Address, Hex } from "viem";
import { pad } from "viem";
import type { StoredSessionStatus } from "../../sdk/rules.js";
import { UpstreamError } from "../errors.js";
import type { Head, IndexerClient } from "../upstream.js";

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
export interface SpendRow {
  token: Address;
  spent: string;
  executionCount: number;
}
export interface LastExecutionRow {
  transactionHash: Hex;
  blockNumber: string;
  blockTimestamp: string;
  success: boolean | null;
  userOpHash: Hex | null;
}
export interface SessionRow {
  account: Address;
  permissionId: Hex;
  registration: number;
  sessionKey: Address | null;
  status: StoredSessionStatus;
  validAfter: string;
  validUntil: string;
  windowLength: string;
  callsPerWindow: number;
  maxCalls: string;
  maxFeePerOperation: string;
  maxFeeTotal: string;
  feeLeft: string;
  feePaid: string;
  paymaster: Address;
  signatureSenders: Address[];
  config: unknown;
  calls: CallJson[];
  tokens: TokenJson[];
  callsLeft: string;
  operationCount: number;
  executionCount: number;
  createdBlock: string;
  createdTimestamp: string;
  createdTransactionHash: Hex;
  createdLogIndex: number;
  revokedBlock: string | null;
  revokedTimestamp: string | null;
  revokedTransactionHash: Hex | null;
  replacedBlock: string | null;
  spends: { items: SpendRow[] };
  executions: { items: LastExecutionRow[] };
}
export type SessionHeader = Pick<SessionRow, "permissionId" | "registration" | "status" | "validAfter" | "validUntil" | "createdBlock" | "createdLogIndex">;

const SESSION_FIELDS = `account permissionId registration sessionKey status validAfter validUntil windowLength callsPerWindow
  maxCalls maxFeePerOperation maxFeeTotal feeLeft feePaid paymaster signatureSenders config calls tokens callsLeft operationCount executionCount createdBlock createdTimestamp
  createdTransactionHash createdLogIndex revokedBlock revokedTimestamp revokedTransactionHash replacedBlock
  spends(limit: 100) { items { token spent executionCount } }
  executions(orderBy: "blockNumber", orderDirection: "desc", limit: 1) { items { transactionHash blockNumber blockTimestamp success userOpHash } }`;

export interface AuditRow {
  id: string;
  event: "SessionRegistered" | "SessionUsed" | "SessionRevoked";
  permissionId: Hex;
  args: Record<string, unknown>;
  blockNumber: string;
  blockTimestamp: string;
  transactionHash: Hex;
  logIndex: number;
}
export interface ExecutionOutcomeRow {
  nonce: string;
  logIndex: number;
  transactionHash: Hex;
  success: boolean | null;
  userOpHash: Hex | null;
  actualGasCost: string | null;
}

/** Where an event is on the chain: (block, log index) orders events as the chain does. */
export interface Position {
  block: bigint;
  logIndex: number;
}
export interface Registered extends Position {
  permissionId: Hex;
}

export type Cached = <T>(key: string, load: () => Promise<T>) => Promise<T>;

/*//////////////////////////////////////////////////////////////
                             QUERIES
//////////////////////////////////////////////////////////////*/

export class IndexReads {
  constructor(
    private readonly indexer: IndexerClient,
    private readonly cached: Cached,
  ) {}

  /** Whether the index has seen the account at all. */
  accountExists(account: Address, indexed: Head): Promise<boolean> {
    return this.cached(`account:${account}:${indexed.number}`, async () => {
      const data = await this.indexer.graphql<{ account: { address: string } | null }>(
        `query ($a: String!) { account(address: $a) { address } }`,
        { a: account.toLowerCase() },
      );
      return data.account !== null;
    });
  }

  /** The latest registration of a session, or `registration` (none: an empty list). */
  sessionRows(account: Address, id: Hex, registration: number | undefined, indexed: Head): Promise<SessionRow[]> {
    return this.cached(`rows:${account}:${id}:${registration ?? "latest"}:${indexed.number}`, async () => {
      const where = { account: account.toLowerCase(), permissionId: id, ...(registration === undefined ? {} : { registration }) };
      const data = await this.indexer.graphql<{ sessions: { items: SessionRow[] } }>(
        `query ($where: sessionFilter) { sessions(where: $where, orderBy: "registration", orderDirection: "desc", limit: 1) { items { ${SESSION_FIELDS} } } }`,
        { where },
      );
      return data.sessions.items;
    });
  }

  /** The full rows of several sessions of an account, in the order given, in one query per 100. */
  async rowsOf(account: Address, sessions: readonly Pick<SessionRow, "permissionId" | "registration">[], indexed: Head): Promise<SessionRow[]> {
    const found = new Map<string, SessionRow>();
    for (let i = 0; i < sessions.length; i += 100) {
      const chunk = sessions.slice(i, i + 100);
      const key = `rowsOf:${account}:${chunk.map((s) => `${s.permissionId}/${s.registration}`).join(",")}:${indexed.number}`;
      const rows = await this.cached(key, async () => {
        // Each (permission id, registration) pair is its own AND: Ponder flattens OR branches (see `tuple`).
        const where = { account: account.toLowerCase(), OR: chunk.map((s) => ({ AND: [{ permissionId: s.permissionId }, { registration: s.registration }] })) };
        const data = await this.indexer.graphql<{ sessions: { items: SessionRow[] } }>(
          `query ($where: sessionFilter, $limit: Int!) { sessions(where: $where, limit: $limit) { items { ${SESSION_FIELDS} } } }`,
          { where, limit: chunk.length },
        );
        return data.sessions.items;
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
    return this.cached(`headers:${account}:${indexed.number}`, async () => {
      const all: SessionHeader[] = [];
      let after: string | null = null;
      for (;;) {
        const data: { sessions: { items: SessionHeader[]; pageInfo: { hasNextPage: boolean; endCursor: string | null } } } =
          await this.indexer.graphql(
            `query ($a: String!, $after: String) { sessions(where: { account: $a }, orderBy: "createdBlock", orderDirection: "desc", limit: 1000, after: $after) {
              items { permissionId registration status validAfter validUntil createdBlock createdLogIndex } pageInfo { hasNextPage endCursor } } }`,
            { a: account.toLowerCase(), after },
          );
        all.push(...data.sessions.items);
        if (!data.sessions.pageInfo.hasNextPage) break;
        after = data.sessions.pageInfo.endCursor;
      }
      return all.sort((x, y) => {
        const block = BigInt(y.createdBlock) - BigInt(x.createdBlock);
        return block !== 0n ? (block > 0n ? 1 : -1) : y.createdLogIndex - x.createdLogIndex;
      });
    });
  }

  /** Positions of SessionRegistered events (registration n is the n-th of its permission id). */
  registrationIds(account: Address, indexed: Head, id?: Hex): Promise<Registered[]> {
    return this.cached(`registrations:${account}:${id ?? "*"}:${indexed.number}`, async () => {
      const all: Registered[] = [];
      let after: string | null = null;
      for (;;) {
        const where = { account: account.toLowerCase(), contract: "SessionPolicy", event: "SessionRegistered", ...(id ? { permissionId: id } : {}) };
        const data: { auditEvents: { items: { permissionId: Hex; blockNumber: string; logIndex: number }[]; pageInfo: { hasNextPage: boolean; endCursor: string | null } } } =
          await this.indexer.graphql(
            `query ($where: auditEventFilter, $after: String) { auditEvents(where: $where, orderBy: "id", limit: 1000, after: $after) {
              items { permissionId blockNumber logIndex } pageInfo { hasNextPage endCursor } } }`,
            { where, after },
          );
        all.push(...data.auditEvents.items.map((r) => ({ permissionId: r.permissionId, block: BigInt(r.blockNumber), logIndex: r.logIndex })));
        if (!data.auditEvents.pageInfo.hasNextPage) return all;
        after = data.auditEvents.pageInfo.endCursor;
      }
    });
  }

  /** SessionPolicy's audit events matching `where`, oldest first, one more than `limit` (is there a next page?). */
  auditPage(where: Record<string, unknown>, limit: number, indexed: Head): Promise<AuditRow[]> {
    const filter = { ...where, contract: "SessionPolicy", event_in: ["SessionRegistered", "SessionUsed", "SessionRevoked"] };
    return this.cached(`audit:${JSON.stringify(filter)}:${limit}:${indexed.number}`, async () => {
      const data = await this.indexer.graphql<{ auditEvents: { items: AuditRow[] } }>(
        `query ($where: auditEventFilter, $limit: Int!) { auditEvents(where: $where, orderBy: "id", orderDirection: "asc", limit: $limit) {
          items { id event permissionId args blockNumber blockTimestamp transactionHash logIndex } } }`,
        { where: filter, limit: limit + 1 },
      );
      return data.auditEvents.items;
    });
  }

  /** How the executions of these operation nonces of the account ended. */
  executionOutcomes(account: Address, nonces: readonly string[], indexed: Head): Promise<ExecutionOutcomeRow[]> {
    if (nonces.length === 0) return Promise.resolve([]);
    return this.cached(`outcomes:${account}:${nonces.join(",")}:${indexed.number}`, async () => {
      const data = await this.indexer.graphql<{ executions: { items: ExecutionOutcomeRow[] } }>(
        `query ($a: String!, $nonces: [BigInt!]) { executions(where: { account: $a, nonce_in: $nonces }, limit: 1000) {
          items { nonce logIndex transactionHash success userOpHash actualGasCost } } }`,
        { a: account.toLowerCase(), nonces },
      );
      return data.executions.items;
    });
  }
}

// GraphQL filters on (blockNumber, logIndex); the indexer's text ids cannot be compared there.
// Each branch of an OR is wrapped in its own AND: Ponder 0.16 flattens the fields of an OR's
// branches into the OR itself, so {OR: [{a}, {b, c}]} would mean a OR b OR c.
const tuple = (block: string, logIndex: Record<string, number>) => ({ AND: [{ blockNumber: block }, logIndex] });
export const later = (p: Position) => ({ OR: [{ blockNumber_gt: p.block.toString() }, tuple(p.block.toString(), { logIndex_gt: p.logIndex })] });
export const notBefore = (p: Position) => ({ OR: [{ blockNumber_gt: p.block.toString() }, tuple(p.block.toString(), { logIndex_gte: p.logIndex })] });
export const before = (p: Position) => ({ OR: [{ blockNumber_lt: p.block.toString() }, tuple(p.block.toString(), { logIndex_lt: p.logIndex })] });
