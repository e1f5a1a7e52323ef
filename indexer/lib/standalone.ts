// The four standalone policies share one life cycle: registered per (account, permission id),
// used by operations, revoked by the account. One row per registration, one per use, each on the
// chain of its event (context.chain.id).
import { policyRegistration, policyUse } from "ponder:schema";
import type { Address, Hex } from "viem";
import type { StandalonePolicy } from "./policies.js";
import { type OutcomeContext, operationOutcome } from "./outcome.js";
import {
  type ChainEvent,
  type Db,
  type RegistrationField,
  audit,
  nextRegistration,
  outcomeColumns,
  permissionOf,
  positionOf,
  recordUse,
  toJson,
  touchAccount,
} from "./records.js";

const REGISTRATION_FIELD: Record<StandalonePolicy, RegistrationField> = {
  CallScopePolicy: "callScopeRegistration",
  SpendLimitPolicy: "spendLimitRegistration",
  RateLimitPolicy: "rateLimitRegistration",
  ExpiryPolicy: "expiryRegistration",
};

/** What the handlers need of their context: the database and the event's chain. */
export interface OnChain {
  db: Db;
  chain: { id: number };
}

interface PolicyEvent<Args> extends ChainEvent {
  args: Args & { account: Address; id: Hex };
}

export async function registerPolicy({ db, chain: { id: chainId } }: OnChain, policy: StandalonePolicy, name: string, event: PolicyEvent<{ config: object }>) {
  const { account, id, config } = event.args;
  const { registration } = await nextRegistration(db, chainId, account, id, REGISTRATION_FIELD[policy]);
  if (registration > 1) {
    const key = { chainId, policy, account, permissionId: id, registration: registration - 1 };
    const previous = await db.find(policyRegistration, key);
    if (previous?.status === "active") {
      await db.update(policyRegistration, key).set({ status: "replaced", replacedBlock: event.block.number });
    }
  }
  await db.insert(policyRegistration).values({
    chainId,
    policy,
    account,
    permissionId: id,
    registration,
    status: "active",
    config: toJson(config),
    useCount: 0,
    createdBlock: event.block.number,
    createdTimestamp: event.block.timestamp,
    createdTransactionHash: event.transaction.hash,
    lastUsedBlock: null,
    revokedBlock: null,
    revokedTimestamp: null,
    replacedBlock: null,
  });
  await touchAccount(db, chainId, account, event);
  await audit(db, chainId, event, policy, name, { account, permissionId: id });
}

/** What a *Used event reports, beyond (account, id, nonce); absent fields are stored as null. */
export interface PolicyUseFields {
  calls?: bigint;
  token?: Address;
  amount?: bigint;
  period?: bigint;
  remainingTotal?: bigint;
  remainingInPeriod?: bigint;
  windowIndex?: bigint;
  callsInWindow?: number;
  callsLeft?: bigint;
}

export async function usePolicy(
  context: OutcomeContext & OnChain,
  policy: StandalonePolicy,
  name: string,
  event: PolicyEvent<{ nonce: bigint }>,
  fields: PolicyUseFields,
) {
  const { db } = context;
  const chainId = context.chain.id;
  const { account, id, nonce } = event.args;
  const registration = (await permissionOf(db, chainId, account, id))[REGISTRATION_FIELD[policy]];
  const outcome = await operationOutcome(context, event, account, nonce);
  // SpendLimitUsed comes once per token: its second token is use 1, …
  const { useIndex, newOperation } = await recordUse(db, chainId, event, { account, nonce, permissionId: id }, policy, null, outcome);
  await db.insert(policyUse).values({
    chainId,
    policy,
    account,
    nonce,
    useIndex,
    permissionId: id,
    registration,
    calls: fields.calls ?? null,
    token: fields.token ?? null,
    amount: fields.amount ?? null,
    period: fields.period ?? null,
    remainingTotal: fields.remainingTotal ?? null,
    remainingInPeriod: fields.remainingInPeriod ?? null,
    windowIndex: fields.windowIndex ?? null,
    callsInWindow: fields.callsInWindow ?? null,
    callsLeft: fields.callsLeft ?? null,
    ...positionOf(event),
    ...outcomeColumns(outcome),
  });
  const key = { chainId, policy, account, permissionId: id, registration };
  const current = await db.find(policyRegistration, key);
  if (current) {
    await db.update(policyRegistration, key).set({ useCount: current.useCount + 1, lastUsedBlock: event.block.number });
  }
  await touchAccount(db, chainId, account, event, { operationCount: newOperation ? 1 : 0 });
  await audit(db, chainId, event, policy, name, { account, permissionId: id });
}

export async function revokePolicy({ db, chain: { id: chainId } }: OnChain, policy: StandalonePolicy, name: string, event: PolicyEvent<object>) {
  const { account, id } = event.args;
  const registration = (await permissionOf(db, chainId, account, id))[REGISTRATION_FIELD[policy]];
  const key = { chainId, policy, account, permissionId: id, registration };
  if (await db.find(policyRegistration, key)) {
    await db.update(policyRegistration, key).set({
      status: "revoked",
      revokedBlock: event.block.number,
      revokedTimestamp: event.block.timestamp,
    });
  }
  await touchAccount(db, chainId, account, event, { revocationCount: 1 });
  await audit(db, chainId, event, policy, name, { account, permissionId: id });
}
