// The indexer's tables: what Leash's policies, its session-key signer and the EntryPoint said about
// sessions. Amounts and unix times are bigint (numeric(78,0) in SQL); addresses and ids are hex.
// Ids of revocations and audit events are Ponder's event ids, which sort in chain order (block,
// transaction, log); executions and policy uses are keyed by their user operation.
//
// One indexer follows several chains (ponder.config.ts): every table's first column is the chain
// id, first in its primary key, and every lookup, view and relation goes through it. The same
// account address (CREATE2) is a different account on each chain.
import { type PgColumnsBuilders, index, onchainEnum, onchainTable, onchainView, primaryKey, relations, sql } from "ponder";
import { STANDALONE_POLICIES } from "./lib/policies.js";
import { STORED_SESSION_STATUSES, sessionStatusSql, wallClockSql } from "./lib/status.js";

/** The chain a row is on: every table's first column, first in its primary key. */
const onChain = (t: PgColumnsBuilders) => ({ chainId: t.integer().notNull() });

/** Where a row's event is on chain. */
const position = (t: PgColumnsBuilders) => ({
  blockNumber: t.bigint().notNull(),
  blockTimestamp: t.bigint().notNull(),
  transactionHash: t.hex().notNull(),
  transactionIndex: t.integer().notNull(),
  logIndex: t.integer().notNull(),
});

/**
 * The user operation's outcome, from the EntryPoint's UserOperationEvent later in the same
 * transaction, read from its receipt (null when the transaction has none for it).
 */
const outcome = (t: PgColumnsBuilders) => ({
  userOpHash: t.hex(),
  success: t.boolean(),
  actualGasCost: t.bigint(),
  actualGasUsed: t.bigint(),
});

export const sessionStatus = onchainEnum("session_status", [...STORED_SESSION_STATUSES]);
export const standalonePolicy = onchainEnum("standalone_policy", [...STANDALONE_POLICIES]);
export const registrationStatus = onchainEnum("registration_status", ["active", "revoked", "replaced"]);

/*//////////////////////////////////////////////////////////////
                         ACCOUNTS AND PERMISSIONS
//////////////////////////////////////////////////////////////*/

/** A smart account that has had a session or a standalone policy. Counters over its whole history. */
export const account = onchainTable(
  "account",
  (t) => ({
    ...onChain(t),
    address: t.hex().notNull(),
    firstSeenBlock: t.bigint().notNull(),
    firstSeenTimestamp: t.bigint().notNull(),
    lastActivityBlock: t.bigint().notNull(),
    lastActivityTimestamp: t.bigint().notNull(),
    sessionCount: t.integer().notNull(),
    revocationCount: t.integer().notNull(),
    /** Operations that used one of its sessions (SessionPolicy), and SessionUsed events. */
    operationCount: t.integer().notNull(),
    executionCount: t.integer().notNull(),
  }),
  (table) => ({
    pk: primaryKey({ columns: [table.chainId, table.address] }),
  }),
);

/**
 * A Kernel permission of an account (its id, left-aligned in 32 bytes as the policies see it): the
 * session key SessionKeySigner holds for it now, and the latest registration number in each policy.
 */
export const permission = onchainTable(
  "permission",
  (t) => ({
    ...onChain(t),
    account: t.hex().notNull(),
    permissionId: t.hex().notNull(),
    /** From SessionKeyRegistered; null once SessionKeyRemoved (or never installed with our signer). */
    sessionKey: t.hex(),
    sessionKeyBlock: t.bigint(),
    sessionRegistration: t.integer().notNull(),
    callScopeRegistration: t.integer().notNull(),
    spendLimitRegistration: t.integer().notNull(),
    rateLimitRegistration: t.integer().notNull(),
    expiryRegistration: t.integer().notNull(),
  }),
  (table) => ({
    pk: primaryKey({ columns: [table.chainId, table.account, table.permissionId] }),
    sessionKeyIndex: index().on(table.sessionKey),
  }),
);

/*//////////////////////////////////////////////////////////////
                              SESSIONS
//////////////////////////////////////////////////////////////*/

/**
 * One registration of SessionPolicy for (account, permission id): registration n is the n-th
 * SessionRegistered of that pair (SessionPolicy's generation). The full configuration, the stored
 * (event-driven) status, and the inputs the time-driven statuses need.
 */
export const session = onchainTable(
  "session",
  (t) => ({
    ...onChain(t),
    account: t.hex().notNull(),
    permissionId: t.hex().notNull(),
    registration: t.integer().notNull(),
    sessionKey: t.hex(),
    status: sessionStatus("status").notNull(),
    validAfter: t.bigint().notNull(),
    validUntil: t.bigint().notNull(),
    /** The rate limit's window in seconds (SessionConfig.window; "window" is reserved in SQL). */
    windowLength: t.bigint().notNull(),
    callsPerWindow: t.integer().notNull(),
    maxCalls: t.bigint().notNull(),
    maxFeePerOperation: t.bigint().notNull(),
    maxFeeTotal: t.bigint().notNull(),
    paymaster: t.hex().notNull(),
    signatureSenders: t.hex().array().notNull(),
    /** The whole SessionConfig as registered (integers as decimal strings; sdk/contracts.ts decodes it). */
    config: t.json().notNull(),
    /** CallPermission[] and TokenLimit[] as registered (integers as decimal strings). */
    calls: t.json().notNull(),
    tokens: t.json().notNull(),
    /** After the latest use: lifetime calls left (4294967295 = unlimited), calls in the window. */
    callsLeft: t.bigint().notNull(),
    callsInWindow: t.integer().notNull(),
    /** After the latest use: the gas fee budget left, counted at each operation's most possible cost (2^256 - 1 = no budget). */
    feeLeft: t.bigint().notNull(),
    /** Gas fees the account really paid for the session's operations (a paymaster's are not counted). */
    feePaid: t.bigint().notNull(),
    tokenCount: t.integer().notNull(),
    /** Tokens whose total cap is fully spent; all of them spent = exhausted. */
    tokensExhausted: t.integer().notNull(),
    operationCount: t.integer().notNull(),
    executionCount: t.integer().notNull(),
    createdBlock: t.bigint().notNull(),
    createdTimestamp: t.bigint().notNull(),
    createdTransactionHash: t.hex().notNull(),
    /** The SessionRegistered log's index in its block (orders the approval among other events). */
    createdLogIndex: t.integer().notNull(),
    lastUsedBlock: t.bigint(),
    lastUsedTimestamp: t.bigint(),
    exhaustedBlock: t.bigint(),
    exhaustedTimestamp: t.bigint(),
    revokedBlock: t.bigint(),
    revokedTimestamp: t.bigint(),
    revokedTransactionHash: t.hex(),
    replacedBlock: t.bigint(),
    replacedTimestamp: t.bigint(),
  }),
  (table) => ({
    pk: primaryKey({ columns: [table.chainId, table.account, table.permissionId, table.registration] }),
    accountStatusIndex: index().on(table.chainId, table.account, table.status),
    accountCreatedIndex: index().on(table.chainId, table.account, table.createdBlock),
    sessionKeyIndex: index().on(table.sessionKey),
    validUntilIndex: index().on(table.status, table.validUntil),
  }),
);

/**
 * One row per SessionUsed: one token an operation spent (token 0, amount 0 when it spent nothing).
 * Keyed by its user operation, (account, nonce), and its place among the operation's SessionUsed.
 */
export const execution = onchainTable(
  "execution",
  (t) => ({
    ...onChain(t),
    account: t.hex().notNull(),
    nonce: t.bigint().notNull(),
    /** 0 for the operation's first SessionUsed, 1 for its second token, … */
    useIndex: t.integer().notNull(),
    permissionId: t.hex().notNull(),
    registration: t.integer().notNull(),
    token: t.hex().notNull(),
    amount: t.bigint().notNull(),
    period: t.bigint().notNull(),
    /** After this operation; 2^256 - 1 = unlimited. */
    remainingTotal: t.bigint().notNull(),
    remainingInPeriod: t.bigint().notNull(),
    callsInWindow: t.integer().notNull(),
    callsLeft: t.bigint().notNull(),
    feeLeft: t.bigint().notNull(),
    ...position(t),
    ...outcome(t),
  }),
  (table) => ({
    pk: primaryKey({ columns: [table.chainId, table.account, table.nonce, table.useIndex] }),
    sessionHistoryIndex: index().on(
      table.chainId,
      table.account,
      table.permissionId,
      table.registration,
      table.blockNumber,
      table.logIndex,
    ),
    accountHistoryIndex: index().on(table.chainId, table.account, table.blockNumber, table.logIndex),
    chainOrderIndex: index().on(table.chainId, table.blockNumber, table.logIndex),
    transactionIndex: index().on(table.transactionHash),
    userOpHashIndex: index().on(table.userOpHash),
    tokenIndex: index().on(table.chainId, table.token, table.blockNumber),
  }),
);

/**
 * A user operation that used a session or a standalone policy, keyed as the EntryPoint names it:
 * (sender, nonce). It counts its uses (so their keys are known); its outcome, from the
 * UserOperationEvent of the same transaction, is written with its first use.
 */
export const userOperation = onchainTable(
  "user_operation",
  (t) => ({
    ...onChain(t),
    account: t.hex().notNull(),
    nonce: t.bigint().notNull(),
    permissionId: t.hex().notNull(),
    /** The session registration it used (null when only standalone policies saw it). */
    registration: t.integer(),
    executionCount: t.integer().notNull(),
    callScopeUses: t.integer().notNull(),
    spendLimitUses: t.integer().notNull(),
    rateLimitUses: t.integer().notNull(),
    expiryUses: t.integer().notNull(),
    paymaster: t.hex(),
    blockNumber: t.bigint().notNull(),
    blockTimestamp: t.bigint().notNull(),
    transactionHash: t.hex().notNull(),
    ...outcome(t),
  }),
  (table) => ({
    pk: primaryKey({ columns: [table.chainId, table.account, table.nonce] }),
    userOpHashIndex: index().on(table.userOpHash),
    sessionIndex: index().on(table.chainId, table.account, table.permissionId, table.registration, table.blockNumber),
  }),
);

export const revocation = onchainTable(
  "revocation",
  (t) => ({
    ...onChain(t),
    id: t.text().notNull(),
    account: t.hex().notNull(),
    permissionId: t.hex().notNull(),
    registration: t.integer().notNull(),
    ...position(t),
  }),
  (table) => ({
    pk: primaryKey({ columns: [table.chainId, table.id] }),
    sessionIndex: index().on(table.chainId, table.account, table.permissionId, table.registration),
    accountIndex: index().on(table.chainId, table.account, table.blockNumber),
  }),
);

/** Spend to date of one token in one session, with its limits (0 = off) and what remains. */
export const spend = onchainTable(
  "spend",
  (t) => ({
    ...onChain(t),
    account: t.hex().notNull(),
    permissionId: t.hex().notNull(),
    registration: t.integer().notNull(),
    token: t.hex().notNull(),
    perTransaction: t.bigint().notNull(),
    total: t.bigint().notNull(),
    perPeriod: t.bigint().notNull(),
    periodLength: t.bigint().notNull(),
    spent: t.bigint().notNull(),
    executionCount: t.integer().notNull(),
    /** After the latest use (or the limits at registration); 2^256 - 1 = unlimited. */
    remainingTotal: t.bigint().notNull(),
    remainingInPeriod: t.bigint().notNull(),
    lastPeriod: t.bigint(),
    lastUsedBlock: t.bigint(),
    lastUsedTimestamp: t.bigint(),
  }),
  (table) => ({
    pk: primaryKey({ columns: [table.chainId, table.account, table.permissionId, table.registration, table.token] }),
    accountTokenIndex: index().on(table.chainId, table.account, table.token),
  }),
);

/** Spend of one token in one period of a session (period index counted from validAfter). */
export const periodSpend = onchainTable(
  "period_spend",
  (t) => ({
    ...onChain(t),
    account: t.hex().notNull(),
    permissionId: t.hex().notNull(),
    registration: t.integer().notNull(),
    token: t.hex().notNull(),
    period: t.bigint().notNull(),
    /** The period's first and last second (null for a token without a period). */
    startsAt: t.bigint(),
    endsAt: t.bigint(),
    spent: t.bigint().notNull(),
    executionCount: t.integer().notNull(),
    remainingInPeriod: t.bigint().notNull(),
    firstBlock: t.bigint().notNull(),
    lastBlock: t.bigint().notNull(),
  }),
  (table) => ({
    pk: primaryKey({
      columns: [table.chainId, table.account, table.permissionId, table.registration, table.token, table.period],
    }),
  }),
);

/*//////////////////////////////////////////////////////////////
                          STANDALONE POLICIES
//////////////////////////////////////////////////////////////*/

/** One registration of a standalone policy for (account, permission id), numbered like sessions. */
export const policyRegistration = onchainTable(
  "policy_registration",
  (t) => ({
    ...onChain(t),
    policy: standalonePolicy("policy").notNull(),
    account: t.hex().notNull(),
    permissionId: t.hex().notNull(),
    registration: t.integer().notNull(),
    status: registrationStatus("status").notNull(),
    /** The policy's config struct as registered (integers as decimal strings). */
    config: t.json().notNull(),
    useCount: t.integer().notNull(),
    createdBlock: t.bigint().notNull(),
    createdTimestamp: t.bigint().notNull(),
    createdTransactionHash: t.hex().notNull(),
    lastUsedBlock: t.bigint(),
    revokedBlock: t.bigint(),
    revokedTimestamp: t.bigint(),
    replacedBlock: t.bigint(),
  }),
  (table) => ({
    pk: primaryKey({ columns: [table.chainId, table.policy, table.account, table.permissionId, table.registration] }),
    accountIndex: index().on(table.chainId, table.account, table.status),
  }),
);

/**
 * One row per *Used event of a standalone policy, keyed like executions: (policy, account, nonce,
 * place among that policy's events of the operation). Fields the policy does not report are null.
 */
export const policyUse = onchainTable(
  "policy_use",
  (t) => ({
    ...onChain(t),
    policy: standalonePolicy("policy").notNull(),
    account: t.hex().notNull(),
    nonce: t.bigint().notNull(),
    useIndex: t.integer().notNull(),
    permissionId: t.hex().notNull(),
    registration: t.integer().notNull(),
    calls: t.bigint(),
    token: t.hex(),
    amount: t.bigint(),
    period: t.bigint(),
    remainingTotal: t.bigint(),
    remainingInPeriod: t.bigint(),
    /** RateLimitUsed's window index ("window" is reserved in SQL). */
    windowIndex: t.bigint(),
    callsInWindow: t.integer(),
    callsLeft: t.bigint(),
    ...position(t),
    ...outcome(t),
  }),
  (table) => ({
    pk: primaryKey({ columns: [table.chainId, table.policy, table.account, table.nonce, table.useIndex] }),
    registrationIndex: index().on(
      table.chainId,
      table.policy,
      table.account,
      table.permissionId,
      table.registration,
      table.blockNumber,
    ),
  }),
);

/*//////////////////////////////////////////////////////////////
                               AUDIT LOG
//////////////////////////////////////////////////////////////*/

/**
 * Every event the indexer handled, in chain order, with its arguments (integers as decimal
 * strings). UserOperationEvents appear only for operations that used our policies (read from the
 * transaction's receipt with the operation's first use).
 */
export const auditEvent = onchainTable(
  "audit_event",
  (t) => ({
    ...onChain(t),
    id: t.text().notNull(),
    contract: t.text().notNull(),
    event: t.text().notNull(),
    account: t.hex(),
    permissionId: t.hex(),
    args: t.json().notNull(),
    ...position(t),
  }),
  (table) => ({
    pk: primaryKey({ columns: [table.chainId, table.id] }),
    chainOrderIndex: index().on(table.chainId, table.blockNumber, table.logIndex),
    accountIndex: index().on(table.chainId, table.account, table.blockNumber, table.logIndex),
  }),
);

/*//////////////////////////////////////////////////////////////
                                 VIEWS
//////////////////////////////////////////////////////////////*/

/**
 * Every session with its status now, by the database's clock (lib/status.ts explains the rules;
 * callers who need the chain's time use sessionStatusSql with it instead).
 */
export const sessionState = onchainView("session_state").as((qb) =>
  qb
    .select({
      chainId: session.chainId,
      account: session.account,
      permissionId: session.permissionId,
      registration: session.registration,
      sessionKey: session.sessionKey,
      status: sessionStatusSql(session, wallClockSql).as("status"),
      storedStatus: sql<string>`${session.status}`.as("stored_status"),
      validAfter: session.validAfter,
      validUntil: session.validUntil,
      callsLeft: session.callsLeft,
      createdBlock: session.createdBlock,
      revokedBlock: session.revokedBlock,
    })
    .from(session),
);

/*//////////////////////////////////////////////////////////////
                               RELATIONS
//////////////////////////////////////////////////////////////*/

// Every relation joins on the chain id first: an account's rows on one chain are not its rows on another.

export const accountRelations = relations(account, ({ many }) => ({
  permissions: many(permission),
  sessions: many(session),
  executions: many(execution),
  userOperations: many(userOperation),
  revocations: many(revocation),
  auditEvents: many(auditEvent),
}));

export const permissionRelations = relations(permission, ({ one, many }) => ({
  owner: one(account, { fields: [permission.chainId, permission.account], references: [account.chainId, account.address] }),
  sessions: many(session),
}));

const sessionKey = <T extends { chainId: unknown; account: unknown; permissionId: unknown; registration: unknown }>(t: T) =>
  [t.chainId, t.account, t.permissionId, t.registration] as [T["chainId"], T["account"], T["permissionId"], T["registration"]];

export const sessionRelations = relations(session, ({ one, many }) => ({
  owner: one(account, { fields: [session.chainId, session.account], references: [account.chainId, account.address] }),
  permission: one(permission, {
    fields: [session.chainId, session.account, session.permissionId],
    references: [permission.chainId, permission.account, permission.permissionId],
  }),
  executions: many(execution),
  userOperations: many(userOperation),
  revocations: many(revocation),
  spends: many(spend),
  periodSpends: many(periodSpend),
}));

export const executionRelations = relations(execution, ({ one }) => ({
  session: one(session, { fields: sessionKey(execution), references: sessionKey(session) }),
  owner: one(account, { fields: [execution.chainId, execution.account], references: [account.chainId, account.address] }),
  userOperation: one(userOperation, {
    fields: [execution.chainId, execution.account, execution.nonce],
    references: [userOperation.chainId, userOperation.account, userOperation.nonce],
  }),
}));

export const userOperationRelations = relations(userOperation, ({ one, many }) => ({
  session: one(session, {
    fields: [userOperation.chainId, userOperation.account, userOperation.permissionId, userOperation.registration],
    references: sessionKey(session),
  }),
  owner: one(account, { fields: [userOperation.chainId, userOperation.account], references: [account.chainId, account.address] }),
  executions: many(execution),
  policyUses: many(policyUse),
}));

export const revocationRelations = relations(revocation, ({ one }) => ({
  session: one(session, { fields: sessionKey(revocation), references: sessionKey(session) }),
  owner: one(account, { fields: [revocation.chainId, revocation.account], references: [account.chainId, account.address] }),
}));

export const spendRelations = relations(spend, ({ one, many }) => ({
  session: one(session, { fields: sessionKey(spend), references: sessionKey(session) }),
  periods: many(periodSpend),
}));

export const periodSpendRelations = relations(periodSpend, ({ one }) => ({
  session: one(session, { fields: sessionKey(periodSpend), references: sessionKey(session) }),
  spend: one(spend, {
    fields: [periodSpend.chainId, periodSpend.account, periodSpend.permissionId, periodSpend.registration, periodSpend.token],
    references: [spend.chainId, spend.account, spend.permissionId, spend.registration, spend.token],
  }),
}));

export const policyRegistrationRelations = relations(policyRegistration, ({ one, many }) => ({
  owner: one(account, { fields: [policyRegistration.chainId, policyRegistration.account], references: [account.chainId, account.address] }),
  uses: many(policyUse),
}));

export const policyUseRelations = relations(policyUse, ({ one }) => ({
  policyRegistration: one(policyRegistration, {
    fields: [policyUse.chainId, policyUse.policy, policyUse.account, policyUse.permissionId, policyUse.registration],
    references: [
      policyRegistration.chainId,
      policyRegistration.policy,
      policyRegistration.account,
      policyRegistration.permissionId,
      policyRegistration.registration,
    ],
  }),
  userOperation: one(userOperation, {
    fields: [policyUse.chainId, policyUse.account, policyUse.nonce],
    references: [userOperation.chainId, userOperation.account, userOperation.nonce],
  }),
}));

export const auditEventRelations = relations(auditEvent, ({ one }) => ({
  owner: one(account, { fields: [auditEvent.chainId, auditEvent.account], references: [account.chainId, account.address] }),
}));
