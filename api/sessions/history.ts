// A session's history as the API shows it: its request off chain (requested, approved, declined or
// expired unsigned, a failed first operation), then on chain (registration by the first operation,
// executions with what they spent and their gas, revocation), merged in time order; and the cursors
// that page through it and through session lists.
import { type Address, type Hex, getAddress } from "viem";
import { amount, timestamp } from "../../sdk/describe.js";
import { formatTime, shortAddress } from "../../sdk/format.js";
import { ApiError } from "../errors.js";
import type { HistoryEntry } from "../responses.js";
import type { RequestRow } from "../store/requests.js";
import { type AuditRow, type ExecutionOutcomeRow, type Position, type Registered, kernelPermissionId } from "./index-reads.js";
import type { Names } from "./view.js";

/*//////////////////////////////////////////////////////////////
                             CURSORS
//////////////////////////////////////////////////////////////*/

const CURSOR_PREFIX = { list: "s", history: "h" } as const;

export function encodeCursor(kind: keyof typeof CURSOR_PREFIX, value: string): string {
  return Buffer.from(`${CURSOR_PREFIX[kind]}:${value}`).toString("base64url");
}

export function decodeCursor(kind: keyof typeof CURSOR_PREFIX, cursor: string, pattern: RegExp): string {
  const text = /^[A-Za-z0-9_-]{1,400}$/.test(cursor) ? Buffer.from(cursor, "base64url").toString("utf8") : "";
  const prefix = `${CURSOR_PREFIX[kind]}:`;
  const value = text.startsWith(prefix) ? text.slice(prefix.length) : "";
  if (!pattern.test(value)) {
    throw new ApiError("invalid_cursor", "cursor is not one this API gave out: pass back nextCursor unchanged", [
      { field: "query.cursor", message: "unknown or damaged cursor" },
    ]);
  }
  return value;
}

/**
 * Where a history page stopped: the last on-chain event and the last off-chain entry given so far
 * (either absent before the first of its kind). The two sequences are merged in time order.
 */
export interface HistoryCursor {
  chain?: Position;
  offChain?: string;
}

/** A position from a history cursor: "<block>.<logIndex>~<off-chain key>", "-" for none. */
export function historyPosition(cursor: string): HistoryCursor {
  const value = decodeCursor("history", cursor, /^(\d{1,20}\.\d{1,9}|-)~(\d{15}\.[0-9a-f-]{36}\.\d|-)$/);
  const [chain, offChain] = value.split("~") as [string, string];
  const [block, logIndex] = chain.split(".");
  return {
    chain: chain === "-" ? undefined : { block: BigInt(block!), logIndex: Number(logIndex) },
    offChain: offChain === "-" ? undefined : offChain,
  };
}

function historyCursor(at: HistoryCursor): string {
  return encodeCursor("history", `${at.chain ? `${at.chain.block}.${at.chain.logIndex}` : "-"}~${at.offChain ?? "-"}`);
}

export function compare(a: Position, b: Position): number {
  return a.block !== b.block ? (a.block < b.block ? -1 : 1) : a.logIndex - b.logIndex;
}

/*//////////////////////////////////////////////////////////////
                             ENTRIES
//////////////////////////////////////////////////////////////*/

type Entry = Omit<HistoryEntry, "cursor">;

/** Audit rows as history entries (without cursors). */
async function auditEntries(rows: AuditRow[], outcomes: ExecutionOutcomeRow[], registrations: Registered[], names: Names): Promise<Entry[]> {
  const native = names.nativeMeta();
  return Promise.all(
    rows.map(async (row): Promise<Entry> => {
      const position = { block: row.blockNumber, logIndex: row.logIndex };
      const registration = registrations.filter((r) => r.permissionId === row.permissionId && compare(r, position) <= 0).length;
      const base = {
        permissionId: kernelPermissionId(row.permissionId),
        registration,
        blockNumber: row.blockNumber.toString(),
        timestamp: timestamp(Number(row.blockTimestamp))!,
        transactionHash: row.transactionHash,
        requestId: null,
      };
      if (row.event === "SessionRegistered") {
        const config = row.args.config as { validUntil: number | string; calls: unknown[]; tokens: unknown[] } | undefined;
        const until = Number(config?.validUntil ?? 0);
        return {
          ...base,
          type: "registration",
          text: `Session ${base.permissionId} put on chain by its first operation${until ? `, valid until ${formatTime(until)}` : ""}`,
        };
      }
      if (row.event === "SessionRevoked") return { ...base, type: "revocation", text: `Session ${base.permissionId} revoked` };
      const outcome = outcomes.find((o) => o.nonce.toString() === String(row.args.nonce) && o.logIndex === row.logIndex);
      const token = String(row.args.token);
      const spentToken = BigInt(token) !== 0n;
      const meta = spentToken ? await names.tokenMeta(token as Address) : null;
      const spent = meta ? amount(BigInt(String(row.args.amount)), meta) : null;
      const success = outcome?.success ?? null;
      return {
        ...base,
        type: "execution",
        execution: {
          nonce: String(row.args.nonce),
          userOpHash: outcome?.userOpHash ?? null,
          success,
          token: spentToken ? getAddress(token) : null,
          amount: spent,
          gasCost: outcome?.actualGasCost ? amount(outcome.actualGasCost, native) : null,
        },
        text: `${spent ? `Spent ${spent.display}` : "Executed without spending"}${success === false ? " (the call reverted)" : success === null ? " (outcome not indexed yet)" : ""}`,
      };
    }),
  );
}

/** An off-chain entry: its sort key (time in ms, request id, step) and the entry. */
export interface RequestEntry {
  key: string;
  entry: Entry;
}

/** A stored request's life as history entries, in order: requested, then what became of it. */
export function requestEntries(request: RequestRow, now: number): RequestEntry[] {
  const permissionId = request.permissionId as Hex;
  const entries: RequestEntry[] = [];
  const add = (step: number, at: Date, type: Entry["type"], text: string) => {
    const ms = at.getTime();
    entries.push({
      key: `${String(ms).padStart(15, "0")}.${request.id}.${step}`,
      entry: { type, permissionId, registration: null, blockNumber: null, timestamp: timestamp(Math.floor(ms / 1000))!, transactionHash: null, requestId: request.id, text },
    });
  };
  add(0, request.createdAt, "requested", `Session ${permissionId} requested for session key ${shortAddress(getAddress(request.sessionKey))}`);
  if (request.approvedAt) add(1, request.approvedAt, "approved", `Approved by the owner${request.signer ? ` (${shortAddress(getAddress(request.signer))})` : ""}`);
  if (request.declinedAt) add(1, request.declinedAt, "declined", `Declined by the owner${request.declineReason ? `: ${request.declineReason}` : ""}`);
  if (request.status === "awaiting_approval" && request.expiresAt.getTime() <= now * 1000) add(1, request.expiresAt, "expired", "Expired before anyone signed it");
  if (request.failedAt && request.failureReason) {
    const times = request.failureCount > 1 ? ` (${request.failureCount} failures so far)` : "";
    add(2, request.failedAt, "first_operation_failed", `Its first operation failed: ${request.failureReason}${times}`);
  }
  return entries;
}

/**
 * One page of history: the audit rows after `at.chain` (one more than `limit` were read) and the
 * off-chain entries after `at.offChain`, merged in time order (off chain first at the same second:
 * a request and its approval come before the operation they allow).
 */
export async function historyPage(
  at: HistoryCursor,
  rows: AuditRow[],
  requests: RequestEntry[],
  load: { outcomes(rows: AuditRow[]): Promise<ExecutionOutcomeRow[]>; registrations: Registered[]; names: Names },
  limit: number,
): Promise<{ items: HistoryEntry[]; nextCursor: string | null }> {
  const offChain = requests.filter((r) => at.offChain === undefined || r.key > at.offChain).sort((a, b) => (a.key < b.key ? -1 : 1));
  const order: ({ row: AuditRow } | { request: RequestEntry })[] = [];
  let i = 0;
  let j = 0;
  while (order.length < limit && (i < rows.length || j < offChain.length)) {
    const row = rows[i];
    const request = offChain[j];
    const requestFirst = request && (!row || Number(request.entry.timestamp.unix) <= Number(row.blockTimestamp));
    if (requestFirst) order.push({ request: offChain[j++]! });
    else order.push({ row: rows[i++]! });
  }
  const onChain = order.flatMap((o) => ("row" in o ? [o.row] : []));
  const entries = await auditEntries(onChain, await load.outcomes(onChain), load.registrations, load.names);
  let position: HistoryCursor = { ...at };
  let k = 0;
  const items = order.map((o): HistoryEntry => {
    if ("row" in o) {
      position = { ...position, chain: { block: o.row.blockNumber, logIndex: o.row.logIndex } };
      return { cursor: historyCursor(position), ...entries[k++]! };
    }
    position = { ...position, offChain: o.request.key };
    return { cursor: historyCursor(position), ...o.request.entry };
  });
  const more = i < rows.length || j < offChain.length;
  return { items, nextCursor: more && items.length ? items[items.length - 1]!.cursor : null };
}
