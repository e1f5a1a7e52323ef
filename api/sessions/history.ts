// A session's audit trail as the API shows it (approval, executions with what they spent and their
// gas, revocation), and the cursors that page through it and through session lists.
import { type Address, getAddress } from "viem";
import { amount, timestamp } from "../../sdk/describe.js";
import { formatTime } from "../../sdk/format.js";
import { ApiError } from "../errors.js";
import type { HistoryEntry } from "../responses.js";
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

/** A position from a history cursor. */
export function historyPosition(cursor: string): Position {
  const [block, logIndex] = decodeCursor("history", cursor, /^\d{1,20}\.\d{1,9}$/).split(".");
  return { block: BigInt(block!), logIndex: Number(logIndex) };
}

export function compare(a: Position, b: Position): number {
  return a.block !== b.block ? (a.block < b.block ? -1 : 1) : a.logIndex - b.logIndex;
}

/*//////////////////////////////////////////////////////////////
                             ENTRIES
//////////////////////////////////////////////////////////////*/

/** A page of audit rows as history entries; `rows` holds one more than `limit` when there is a next page. */
export async function historyEntries(
rows: AuditRow[],
outcomes: ExecutionOutcomeRow[],
registrations: Registered[],
limit: number,
names: Names,
): Promise<{ items: HistoryEntry[]; nextCursor: string | null }> {
  const page = rows.slice(0, limit);
  const native = names.nativeMeta();
  const items = await Promise.all(
    page.map(async (row): Promise<HistoryEntry> => {
      const position = { block: row.blockNumber, logIndex: row.logIndex };
      const registration = registrations.filter((r) => r.permissionId === row.permissionId && compare(r, position) <= 0).length;
      const base = {
        cursor: encodeCursor("history", `${row.blockNumber}.${row.logIndex}`),
        permissionId: kernelPermissionId(row.permissionId),
        registration,
        blockNumber: row.blockNumber.toString(),
        timestamp: timestamp(Number(row.blockTimestamp))!,
        transactionHash: row.transactionHash,
      };
      if (row.event === "SessionRegistered") {
        const config = row.args.config as { validUntil: number | string; calls: unknown[]; tokens: unknown[] } | undefined;
        const until = Number(config?.validUntil ?? 0);
        return {
          ...base,
          type: "approval",
          text: `Session ${base.permissionId} approved${until ? `, valid until ${formatTime(until)}` : ""}`,
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
  const last = page[page.length - 1];
  return { items, nextCursor: rows.length > limit && last ? encodeCursor("history", `${last.blockNumber}.${last.logIndex}`) : null };
}
