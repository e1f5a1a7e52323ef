// What every handler does around its own rows: where the event is on chain, the account's
// counters, the permission's registration numbers, the audit log and the user operation of a use.
// Every row is keyed by its chain first: `chainId` is the handler's context.chain.id.
import type { Context } from "ponder:registry";
import { account, auditEvent, permission, userOperation } from "ponder:schema";
import { replaceBigInts } from "ponder";
import type { Address, Hex } from "viem";
import type { StandalonePolicy } from "./policies.js";
import type { Outcome } from "./outcome.js";

export type Db = Context["db"];

/** The parts of a Ponder log event the indexer records. */
export interface ChainEvent {
  id: string;
  block: { number: bigint; timestamp: bigint; hash: Hex };
  transaction: { hash: Hex; transactionIndex: number };
  log: { logIndex: number };
}

/** The `position` columns of a per-event row. */
export function positionOf(event: ChainEvent) {
  return {
    blockNumber: event.block.number,
    blockTimestamp: event.block.timestamp,
    transactionHash: event.transaction.hash,
    transactionIndex: event.transaction.transactionIndex,
    logIndex: event.log.logIndex,
  };
}

/** JSON-safe copy of event arguments or a config struct: integers become decimal strings. */
export function toJson<T>(value: T) {
  return replaceBigInts(value, (v) => v.toString());
}

type AccountCounter = "sessionCount" | "revocationCount" | "operationCount" | "executionCount";

/** Creates or updates the account's row: last activity, and `counters` added. */
export async function touchAccount(
  db: Db,
  chainId: number,
  address: Address,
  event: ChainEvent,
  counters: Partial<Record<AccountCounter, number>> = {},
) {
  const { number, timestamp } = event.block;
  await db
    .insert(account)
    .values({
      chainId,
      address,
      firstSeenBlock: number,
      firstSeenTimestamp: timestamp,
      lastActivityBlock: number,
      lastActivityTimestamp: timestamp,
      sessionCount: counters.sessionCount ?? 0,
      revocationCount: counters.revocationCount ?? 0,
      operationCount: counters.operationCount ?? 0,
      executionCount: counters.executionCount ?? 0,
    })
    .onConflictDoUpdate((row) => ({
      lastActivityBlock: number,
      lastActivityTimestamp: timestamp,
      sessionCount: row.sessionCount + (counters.sessionCount ?? 0),
      revocationCount: row.revocationCount + (counters.revocationCount ?? 0),
      operationCount: row.operationCount + (counters.operationCount ?? 0),
      executionCount: row.executionCount + (counters.executionCount ?? 0),
    }));
}

export type RegistrationField =
  | "sessionRegistration"
  | "callScopeRegistration"
  | "spendLimitRegistration"
  | "rateLimitRegistration"
  | "expiryRegistration";

const NO_REGISTRATIONS = {
  sessionKey: null,
  sessionKeyBlock: null,
  sessionRegistration: 0,
  callScopeRegistration: 0,
  spendLimitRegistration: 0,
  rateLimitRegistration: 0,
  expiryRegistration: 0,
};

/** The permission's row, created empty when first seen. */
export async function permissionOf(db: Db, chainId: number, accountAddress: Address, permissionId: Hex) {
  const row = await db.find(permission, { chainId, account: accountAddress, permissionId });
  if (row) return row;
  return db.insert(permission).values({ chainId, account: accountAddress, permissionId, ...NO_REGISTRATIONS });
}

/**
 * Counts one more registration of a policy for the permission. Returns its number (1 for the
 * first) and the permission's row.
 */
export async function nextRegistration(db: Db, chainId: number, accountAddress: Address, permissionId: Hex, field: RegistrationField) {
  const row = await db
    .insert(permission)
    .values({ chainId, account: accountAddress, permissionId, ...NO_REGISTRATIONS, [field]: 1 })
    .onConflictDoUpdate((current) => ({ [field]: current[field] + 1 }));
  return { registration: row[field], permission: row };
}

/**
 * Ponder's id of another log of the event's transaction: ids are checkpoints whose last 16 digits
 * are the log index (block, transaction and event type come first, shared by the whole transaction).
 */
export function logIdInTransaction(event: ChainEvent, logIndex: number): string {
  const own = String(event.log.logIndex).padStart(16, "0");
  if (!event.id.endsWith(own)) throw new Error(`event id ${event.id} does not end with its log index ${event.log.logIndex}`);
  return event.id.slice(0, -16) + String(logIndex).padStart(16, "0");
}

/** The outcome columns of an operation's rows (null until the EntryPoint's event is known). */
export function outcomeColumns(outcome: Outcome | null) {
  return {
    userOpHash: outcome?.userOpHash ?? null,
    success: outcome?.success ?? null,
    actualGasCost: outcome?.actualGasCost ?? null,
    actualGasUsed: outcome?.actualGasUsed ?? null,
  };
}

/** Appends the event to the audit log. */
export async function audit(
  db: Db,
  chainId: number,
  event: ChainEvent & { args: object },
  contract: string,
  name: string,
  subject: { account?: Address | null; permissionId?: Hex | null } = {},
) {
  await db.insert(auditEvent).values({
    chainId,
    id: event.id,
    contract,
    event: name,
    account: subject.account ?? null,
    permissionId: subject.permissionId ?? null,
    args: toJson(event.args),
    ...positionOf(event),
  });
}

export type UseKind = "execution" | StandalonePolicy;

/** The user_operation column counting each kind of use. */
export const USE_COUNT: Record<UseKind, "executionCount" | "callScopeUses" | "spendLimitUses" | "rateLimitUses" | "expiryUses"> = {
  execution: "executionCount",
  CallScopePolicy: "callScopeUses",
  SpendLimitPolicy: "spendLimitUses",
  RateLimitPolicy: "rateLimitUses",
  ExpiryPolicy: "expiryUses",
};

/**
 * Counts a use of `kind` in the user operation (account, nonce) of this transaction, creating the
 * operation's row at its first use, with its outcome, and the EntryPoint's UserOperationEvent in
 * the audit log. Returns the use's index among the operation's uses of that kind (the key of its
 * row) and whether the operation is new.
 */
export async function recordUse(
  db: Db,
  chainId: number,
  event: ChainEvent,
  op: { account: Address; nonce: bigint; permissionId: Hex },
  kind: UseKind,
  registration: number | null,
  outcome: Outcome | null,
): Promise<{ useIndex: number; newOperation: boolean }> {
  const key = { chainId, account: op.account, nonce: op.nonce };
  const field = USE_COUNT[kind];
  const existing = await db.find(userOperation, key);
  if (existing) {
    // Read before updating: a found row is a view of the cached row, which the update changes.
    const useIndex = existing[field];
    await db
      .update(userOperation, key)
      .set({ [field]: useIndex + 1, ...(kind === "execution" ? { registration, permissionId: op.permissionId } : {}) });
    return { useIndex, newOperation: false };
  }
  await db.insert(userOperation).values({
    ...key,
    permissionId: op.permissionId,
    registration,
    executionCount: 0,
    callScopeUses: 0,
    spendLimitUses: 0,
    rateLimitUses: 0,
    expiryUses: 0,
    [field]: 1,
    paymaster: outcome?.paymaster ?? null,
    blockNumber: event.block.number,
    blockTimestamp: event.block.timestamp,
    transactionHash: event.transaction.hash,
    ...outcomeColumns(outcome),
  });
  if (outcome) {
    await audit(
      db,
      chainId,
      { ...event, id: logIdInTransaction(event, outcome.log.logIndex), log: { logIndex: outcome.log.logIndex }, args: outcome.log.args },
      "EntryPoint",
      "UserOperationEvent",
      { account: op.account, permissionId: op.permissionId },
    );
  }
  return { useIndex: 0, newOperation: true };
}
