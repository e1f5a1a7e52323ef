// SessionPolicy: registrations, uses (one SessionUsed per token an operation spent) and revocations.
import { ponder } from "ponder:registry";
import { execution, periodSpend, permission, revocation, session, spend } from "ponder:schema";
import { audit, nextRegistration, outcomeColumns, positionOf, recordUse, toJson, touchAccount } from "../lib/records.js";
import { operationOutcome } from "../lib/outcome.js";
import { UNLIMITED, registeredSession } from "../../sdk/rules.js";
import { zeroAddress } from "viem";

const CONTRACT = "SessionPolicy";

ponder.on("SessionPolicy:SessionRegistered", async ({ event, context: { db, chain } }) => {
  const chainId = chain.id;
  const { account, id, config } = event.args;
  const { registration, permission: perm } = await nextRegistration(db, chainId, account, id, "sessionRegistration");

  // Registering the id again replaces the previous registration (its counters start over).
  if (registration > 1) {
    const key = { chainId, account, permissionId: id, registration: registration - 1 };
    const previous = await db.find(session, key);
    if (previous && (previous.status === "active" || previous.status === "exhausted")) {
      await db.update(session, key).set({
        status: "replaced",
        replacedBlock: event.block.number,
        replacedTimestamp: event.block.timestamp,
      });
    }
  }

  await db.insert(session).values({
    chainId,
    account,
    permissionId: id,
    registration,
    sessionKey: perm.sessionKey,
    status: "active",
    ...registeredSession(config),
    config: toJson(config),
    calls: toJson(config.calls),
    tokens: toJson(config.tokens),
    createdBlock: event.block.number,
    createdTimestamp: event.block.timestamp,
    createdTransactionHash: event.transaction.hash,
    createdLogIndex: event.log.logIndex,
  });

  if (config.tokens.length > 0) {
    await db.insert(spend).values(
      config.tokens.map((limit) => ({
        chainId,
        account,
        permissionId: id,
        registration,
        token: limit.token,
        perTransaction: limit.perTransaction,
        total: limit.total,
        perPeriod: limit.perPeriod,
        periodLength: BigInt(limit.period),
        spent: 0n,
        executionCount: 0,
        remainingTotal: limit.total === 0n ? UNLIMITED : limit.total,
        remainingInPeriod: limit.period === 0 ? UNLIMITED : limit.perPeriod,
        lastPeriod: null,
        lastUsedBlock: null,
        lastUsedTimestamp: null,
      })),
    );
  }

  await touchAccount(db, chainId, account, event, { sessionCount: 1 });
  await audit(db, chainId, event, CONTRACT, "SessionRegistered", { account, permissionId: id });
});

ponder.on("SessionPolicy:SessionUsed", async ({ event, context }) => {
  const { db } = context;
  const chainId = context.chain.id;
  const { account, id, token, nonce, amount, period, remainingTotal, remainingInPeriod, callsInWindow, callsLeft, feeLeft } =
    event.args;
  const registration = (await db.find(permission, { chainId, account, permissionId: id }))?.sessionRegistration ?? 0;
  // Whether the operation's call succeeded and what it cost: its UserOperationEvent, later in this transaction.
  const outcome = await operationOutcome(context, event, account, nonce);

  // One SessionUsed per token: the operation's first use is 0, its second token 1, …
  const { useIndex, newOperation } = await recordUse(db, chainId, event, { account, nonce, permissionId: id }, "execution", registration, outcome);
  await db.insert(execution).values({
    chainId,
    account,
    nonce,
    useIndex,
    permissionId: id,
    registration,
    token,
    amount,
    period: BigInt(period),
    remainingTotal,
    remainingInPeriod,
    callsInWindow,
    callsLeft: BigInt(callsLeft),
    feeLeft,
    ...positionOf(event),
    ...outcomeColumns(outcome),
  });

  const sessionKey = { chainId, account, permissionId: id, registration };
  const current = await db.find(session, sessionKey);
  let tokenExhausted = false;
  if (amount > 0n) {
    const spendKey = { ...sessionKey, token };
    const before = await db.find(spend, spendKey);
    tokenExhausted = !!before && before.total > 0n && before.remainingTotal !== 0n && remainingTotal === 0n;
    const used = {
      remainingTotal,
      remainingInPeriod,
      lastPeriod: BigInt(period),
      lastUsedBlock: event.block.number,
      lastUsedTimestamp: event.block.timestamp,
    };
    if (before) {
      await db.update(spend, spendKey).set({ spent: before.spent + amount, executionCount: before.executionCount + 1, ...used });
    } else {
      // Not in the registered limits (a registration before the indexer's start block).
      await db.insert(spend).values({
        ...spendKey,
        perTransaction: 0n,
        total: 0n,
        perPeriod: 0n,
        periodLength: 0n,
        spent: amount,
        executionCount: 1,
        ...used,
      });
    }

    const length = before?.periodLength ?? 0n;
    const startsAt = length > 0n && current ? current.validAfter + BigInt(period) * length : null;
    await db
      .insert(periodSpend)
      .values({
        ...spendKey,
        period: BigInt(period),
        startsAt,
        endsAt: startsAt === null ? null : startsAt + length - 1n,
        spent: amount,
        executionCount: 1,
        remainingInPeriod,
        firstBlock: event.block.number,
        lastBlock: event.block.number,
      })
      .onConflictDoUpdate((row) => ({
        spent: row.spent + amount,
        executionCount: row.executionCount + 1,
        remainingInPeriod,
        lastBlock: event.block.number,
      }));
  }

  if (current) {
    const tokensExhausted = current.tokensExhausted + (tokenExhausted ? 1 : 0);
    const exhausted = BigInt(callsLeft) === 0n || (current.tokenCount > 0 && tokensExhausted >= current.tokenCount);
    const becomesExhausted = exhausted && current.status === "active";
    // What the account really paid for the operation, once per operation (a paymaster pays from its own deposit).
    const paid = useIndex === 0 && outcome && outcome.paymaster === zeroAddress ? outcome.actualGasCost : 0n;
    await db.update(session, sessionKey).set({
      feePaid: current.feePaid + paid,
      callsLeft: BigInt(callsLeft),
      callsInWindow,
      feeLeft,
      tokensExhausted,
      executionCount: current.executionCount + 1,
      operationCount: current.operationCount + (useIndex === 0 ? 1 : 0),
      lastUsedBlock: event.block.number,
      lastUsedTimestamp: event.block.timestamp,
      ...(becomesExhausted
        ? { status: "exhausted", exhaustedBlock: event.block.number, exhaustedTimestamp: event.block.timestamp }
        : {}),
    });
  }

  await touchAccount(db, chainId, account, event, { executionCount: 1, operationCount: newOperation ? 1 : 0 });
  await audit(db, chainId, event, CONTRACT, "SessionUsed", { account, permissionId: id });
});

ponder.on("SessionPolicy:SessionRevoked", async ({ event, context: { db, chain } }) => {
  const chainId = chain.id;
  const { account, id } = event.args;
  const registration = (await db.find(permission, { chainId, account, permissionId: id }))?.sessionRegistration ?? 0;
  const key = { chainId, account, permissionId: id, registration };
  if (await db.find(session, key)) {
    await db.update(session, key).set({
      status: "revoked",
      revokedBlock: event.block.number,
      revokedTimestamp: event.block.timestamp,
      revokedTransactionHash: event.transaction.hash,
    });
  }
  await db.insert(revocation).values({ chainId, id: event.id, account, permissionId: id, registration, ...positionOf(event) });
  await touchAccount(db, chainId, account, event, { revocationCount: 1 });
  await audit(db, chainId, event, CONTRACT, "SessionRevoked", { account, permissionId: id });
});
