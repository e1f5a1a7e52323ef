// What the index must hold, worked out from the chain's logs alone, and what it does hold, read
// through its SQL route; both as plain comparable records (every value a string or null).
import { type Address, type Hex, getAbiItem, type Log, zeroAddress } from "viem";
import {
  callScopePolicyAbi,
  userOperationEventAbi,
  expiryPolicyAbi,
  rateLimitPolicyAbi,
  sessionKeySignerAbi,
  sessionPolicyAbi,
  spendLimitPolicyAbi,
} from "../../sdk/contracts.js";
import { sqlQuery } from "../../testkit/indexer/process.js";
import type { World } from "./world.js";
import { NO_CALL_LIMIT, UNLIMITED } from "../../sdk/rules.js";

const UNLIMITED_CALLS = BigInt(NO_CALL_LIMIT);
const STANDALONE = ["CallScopePolicy", "SpendLimitPolicy", "RateLimitPolicy", "ExpiryPolicy"] as const;
type Standalone = (typeof STANDALONE)[number];

type Value = string | null;
export type Rows = Record<string, Record<string, Value>>;
export interface Index {
  account: Rows;
  permission: Rows;
  session: Rows;
  execution: Rows;
  user_operation: Rows;
  revocation: Rows;
  spend: Rows;
  period_spend: Rows;
  policy_registration: Rows;
  policy_use: Rows;
  /** Every audited event, in chain order: "tx:logIndex contract.event". */
  audit_event: string[];
}

/** Values as strings; hex in lower case (the index stores addresses and hashes that way). */
const str = (value: unknown): Value =>
  value === null || value === undefined ? null : typeof value === "string" && value.startsWith("0x") ? value.toLowerCase() : String(value);
const lower = (value: string) => value.toLowerCase();

interface DecodedLog {
  contract: string;
  eventName: string;
  args: Record<string, unknown>;
  blockNumber: bigint;
  logIndex: number;
  transactionHash: Hex;
  timestamp?: bigint;
}

/** Every log the indexer handles, decoded, in chain order (plus UserOperationEvents of any sender). */
async function readLogs(world: World): Promise<DecodedLog[]> {
  const { client, leash } = world;
  const fromBlock = BigInt(leash.deployments.contracts.SessionPolicy.blockNumber);
  const toBlock = await client.getBlockNumber();
  const sources: [string, Address, readonly unknown[]][] = [
    ["SessionPolicy", leash.sessionPolicy, sessionPolicyAbi],
    ["SessionKeySigner", leash.bed.sessionKeySigner, sessionKeySignerAbi],
    ["CallScopePolicy", leash.standalone.CallScopePolicy, callScopePolicyAbi],
    ["SpendLimitPolicy", leash.standalone.SpendLimitPolicy, spendLimitPolicyAbi],
    ["RateLimitPolicy", leash.standalone.RateLimitPolicy, rateLimitPolicyAbi],
    ["ExpiryPolicy", leash.standalone.ExpiryPolicy, expiryPolicyAbi],
    ["EntryPoint", leash.bed.entryPoint, [getAbiItem({ abi: userOperationEventAbi, name: "UserOperationEvent" })]],
  ];
  const all: DecodedLog[] = [];
  for (const [contract, address, abi] of sources) {
    const events = abi.filter((item) => (item as { type: string }).type === "event");
    const logs = (await client.getLogs({ address, events: events as never, fromBlock, toBlock, strict: true })) as unknown as (Log & {
      eventName: string;
      args: Record<string, unknown>;
    })[];
    for (const log of logs) {
      all.push({
        contract,
        eventName: log.eventName,
        args: log.args,
        blockNumber: log.blockNumber!,
        logIndex: log.logIndex!,
        transactionHash: log.transactionHash!,
      });
    }
  }
  all.sort((a, b) => (a.blockNumber === b.blockNumber ? a.logIndex - b.logIndex : a.blockNumber < b.blockNumber ? -1 : 1));
  const timestamps = new Map<bigint, bigint>();
  for (const log of all) {
    if (!timestamps.has(log.blockNumber)) timestamps.set(log.blockNumber, (await client.getBlock({ blockNumber: log.blockNumber })).timestamp);
    log.timestamp = timestamps.get(log.blockNumber);
  }
  return all;
}

/** The index the chain's logs call for. */
export async function expectedIndex(world: World): Promise<Index> {
  const logs = await readLogs(world);
  const index: Index = {
    account: {},
    permission: {},
    session: {},
    execution: {},
    user_operation: {},
    revocation: {},
    spend: {},
    period_spend: {},
    policy_registration: {},
    policy_use: {},
    audit_event: [],
  };
  type Counts = Record<"SessionPolicy" | Standalone, number>;
  const registrations = new Map<string, Counts>();
  const sessionKeys = new Map<string, Value>();
  const sessions = new Map<string, { tokenCount: number; exhausted: number; validAfter: bigint; lengths: Map<string, bigint> }>();

  const touch = (account: string, counters: Record<string, number> = {}) => {
    const row = (index.account[account] ??= { session_count: "0", revocation_count: "0", operation_count: "0", execution_count: "0" });
    for (const [name, n] of Object.entries(counters)) row[name] = String(Number(row[name]) + n);
  };
  const registrationOf = (account: string, id: string): Counts => {
    const key = `${account}:${id}`;
    if (!registrations.has(key)) {
      registrations.set(key, { SessionPolicy: 0, CallScopePolicy: 0, SpendLimitPolicy: 0, RateLimitPolicy: 0, ExpiryPolicy: 0 });
      index.permission[key] = { session_key: null };
    }
    return registrations.get(key)!;
  };
  const at = (log: DecodedLog) => `${lower(log.transactionHash)}:${log.logIndex}`;
  const audit = (log: DecodedLog) => index.audit_event.push(`${at(log)} ${log.contract}.${log.eventName}`);
  const USE_COUNT: Record<string, string> = {
    execution: "execution_count",
    CallScopePolicy: "call_scope_uses",
    SpendLimitPolicy: "spend_limit_uses",
    RateLimitPolicy: "rate_limit_uses",
    ExpiryPolicy: "expiry_uses",
  };
  /** Counts a use in its user operation; its index among the operation's uses of that kind. */
  const recordUse = (log: DecodedLog, account: string, nonce: unknown, id: string, kind: string, registration: number | null) => {
    const key = `${account}:${nonce}`;
    let op = index.user_operation[key];
    const newOperation = !op;
    op ??= index.user_operation[key] = {
      permission_id: id,
      registration: null,
      transaction_hash: lower(log.transactionHash),
      execution_count: "0",
      call_scope_uses: "0",
      spend_limit_uses: "0",
      rate_limit_uses: "0",
      expiry_uses: "0",
      user_op_hash: null,
      success: null,
      actual_gas_cost: null,
    };
    const useIndex = Number(op[USE_COUNT[kind]!]);
    op[USE_COUNT[kind]!] = String(useIndex + 1);
    if (kind === "execution") Object.assign(op, { registration: String(registration), permission_id: id });
    return { useIndex, newOperation };
  };

  for (const log of logs) {
    const a = log.args;
    const account = a.account ? lower(a.account as string) : a.sender ? lower(a.sender as string) : "";
    const id = a.id ? lower(a.id as string) : "";
    if (log.contract === "EntryPoint") {
      const op = index.user_operation[`${account}:${a.nonce}`];
      if (!op || op.transaction_hash !== lower(log.transactionHash)) continue;
      const outcome = { user_op_hash: str(a.userOpHash), success: str(a.success), actual_gas_cost: str(a.actualGasCost) };
      Object.assign(op, outcome);
      // The account paid its session's operation, unless a paymaster did.
      const session = op.registration === null ? undefined : index.session[`${account}:${op.permission_id}:${op.registration}`];
      if (session && lower(a.paymaster as string) === zeroAddress) session.fee_paid = String(BigInt(session.fee_paid!) + (a.actualGasCost as bigint));
      for (const table of [index.execution, index.policy_use]) {
        for (const row of Object.values(table)) {
          if (row.account === account && row.nonce === String(a.nonce) && row.transaction_hash === lower(log.transactionHash)) Object.assign(row, outcome);
        }
      }
      audit(log);
      continue;
    }
    const counts = registrationOf(account, id);
    const permissionKey = `${account}:${id}`;

    if (log.contract === "SessionKeySigner") {
      const key = log.eventName === "SessionKeyRegistered" ? lower(a.sessionKey as string) : null;
      sessionKeys.set(permissionKey, key);
      index.permission[permissionKey]!.session_key = key;
      if (key && counts.SessionPolicy > 0) {
        const session = index.session[`${permissionKey}:${counts.SessionPolicy}`]!;
        if (session.status === "active" || session.status === "exhausted") session.session_key = key;
      }
      touch(account);
    } else if (log.eventName === "SessionRegistered") {
      const config = a.config as { validAfter: number; validUntil: number; maxCalls: number; maxFeeTotal: bigint; tokens: { token: Address; total: bigint; perPeriod: bigint; period: number }[] };
      const registration = ++counts.SessionPolicy;
      const previous = index.session[`${permissionKey}:${registration - 1}`];
      if (previous && (previous.status === "active" || previous.status === "exhausted")) {
        Object.assign(previous, { status: "replaced", replaced_block: String(log.blockNumber) });
      }
      index.session[`${permissionKey}:${registration}`] = {
        session_key: sessionKeys.get(permissionKey) ?? null,
        status: "active",
        valid_after: String(config.validAfter),
        valid_until: String(config.validUntil),
        calls_left: String(config.maxCalls === 0 ? UNLIMITED_CALLS : config.maxCalls),
        calls_in_window: "0",
        fee_left: String(config.maxFeeTotal === 0n ? UNLIMITED : config.maxFeeTotal),
        fee_paid: "0",
        token_count: String(config.tokens.length),
        tokens_exhausted: "0",
        operation_count: "0",
        execution_count: "0",
        created_block: String(log.blockNumber),
        created_log_index: String(log.logIndex),
        exhausted_block: null,
        revoked_block: null,
        replaced_block: null,
      };
      const lengths = new Map<string, bigint>();
      for (const t of config.tokens) {
        lengths.set(lower(t.token), BigInt(t.period));
        index.spend[`${permissionKey}:${registration}:${lower(t.token)}`] = {
          total: String(t.total),
          spent: "0",
          execution_count: "0",
          remaining_total: String(t.total === 0n ? UNLIMITED : t.total),
          remaining_in_period: String(t.period === 0 ? UNLIMITED : t.perPeriod),
          last_period: null,
        };
      }
      sessions.set(`${permissionKey}:${registration}`, { tokenCount: config.tokens.length, exhausted: 0, validAfter: BigInt(config.validAfter), lengths });
      touch(account, { session_count: 1 });
    } else if (log.eventName === "SessionUsed") {
      const registration = counts.SessionPolicy;
      const sessionKey = `${permissionKey}:${registration}`;
      const { useIndex, newOperation } = recordUse(log, account, a.nonce, id, "execution", registration);
      index.execution[at(log)] = {
        account,
        use_index: String(useIndex),
        transaction_hash: lower(log.transactionHash),
        permission_id: id,
        registration: String(registration),
        nonce: String(a.nonce),
        token: lower(a.token as string),
        amount: String(a.amount),
        period: String(a.period),
        remaining_total: String(a.remainingTotal),
        remaining_in_period: String(a.remainingInPeriod),
        calls_in_window: String(a.callsInWindow),
        calls_left: String(a.callsLeft),
        fee_left: String(a.feeLeft),
        block_number: String(log.blockNumber),
        user_op_hash: null,
        success: null,
        actual_gas_cost: null,
      };
      const state = sessions.get(sessionKey)!;
      const session = index.session[sessionKey]!;
      const amount = a.amount as bigint;
      if (amount > 0n) {
        const token = lower(a.token as string);
        const spend = index.spend[`${sessionKey}:${token}`]!;
        if (BigInt(spend.total!) > 0n && spend.remaining_total !== "0" && a.remainingTotal === 0n) state.exhausted++;
        Object.assign(spend, {
          spent: String(BigInt(spend.spent!) + amount),
          execution_count: String(Number(spend.execution_count) + 1),
          remaining_total: String(a.remainingTotal),
          remaining_in_period: String(a.remainingInPeriod),
          last_period: String(a.period),
        });
        const periodKey = `${sessionKey}:${token}:${a.period}`;
        const length = state.lengths.get(token) ?? 0n;
        const startsAt = length > 0n ? state.validAfter + BigInt(a.period as number) * length : null;
        const period = (index.period_spend[periodKey] ??= {
          spent: "0",
          execution_count: "0",
          starts_at: str(startsAt),
          ends_at: startsAt === null ? null : String(startsAt + length - 1n),
          remaining_in_period: null,
        });
        Object.assign(period, {
          spent: String(BigInt(period.spent!) + amount),
          execution_count: String(Number(period.execution_count) + 1),
          remaining_in_period: String(a.remainingInPeriod),
        });
      }
      const exhausted = BigInt(a.callsLeft as number) === 0n || (state.tokenCount > 0 && state.exhausted >= state.tokenCount);
      Object.assign(session, {
        calls_left: String(a.callsLeft),
        calls_in_window: String(a.callsInWindow),
        fee_left: String(a.feeLeft),
        tokens_exhausted: String(state.exhausted),
        execution_count: String(Number(session.execution_count) + 1),
        operation_count: String(Number(session.operation_count) + (useIndex === 0 ? 1 : 0)),
      });
      if (exhausted && session.status === "active") Object.assign(session, { status: "exhausted", exhausted_block: String(log.blockNumber) });
      touch(account, { execution_count: 1, operation_count: newOperation ? 1 : 0 });
    } else if (log.eventName === "SessionRevoked") {
      const registration = counts.SessionPolicy;
      const session = index.session[`${permissionKey}:${registration}`];
      if (session) Object.assign(session, { status: "revoked", revoked_block: String(log.blockNumber) });
      index.revocation[at(log)] = { account, permission_id: id, registration: String(registration), block_number: String(log.blockNumber) };
      touch(account, { revocation_count: 1 });
    } else {
      const policy = log.contract as Standalone;
      if (log.eventName.endsWith("Registered")) {
        const registration = ++counts[policy];
        const previous = index.policy_registration[`${policy}:${permissionKey}:${registration - 1}`];
        if (previous?.status === "active") previous.status = "replaced";
        index.policy_registration[`${policy}:${permissionKey}:${registration}`] = { status: "active", use_count: "0", created_block: String(log.blockNumber) };
        touch(account);
      } else if (log.eventName.endsWith("Used")) {
        const registration = counts[policy];
        const { useIndex, newOperation } = recordUse(log, account, a.nonce, id, policy, null);
        index.policy_use[at(log)] = {
          policy,
          account,
          use_index: String(useIndex),
          transaction_hash: lower(log.transactionHash),
          permission_id: id,
          registration: String(registration),
          nonce: String(a.nonce),
          calls: str(a.calls),
          token: str(a.token),
          amount: str(a.amount),
          period: str(a.period),
          remaining_total: str(a.remainingTotal),
          window_index: str(a.window),
          calls_in_window: str(a.callsInWindow),
          calls_left: str(a.callsLeft),
          user_op_hash: null,
          success: null,
          actual_gas_cost: null,
        };
        const row = index.policy_registration[`${policy}:${permissionKey}:${registration}`];
        if (row) row.use_count = String(Number(row.use_count) + 1);
        touch(account, { operation_count: newOperation ? 1 : 0 });
      } else {
        const row = index.policy_registration[`${policy}:${permissionKey}:${counts[policy]}`];
        if (row) row.status = "revoked";
        touch(account, { revocation_count: 1 });
      }
    }
    audit(log);
  }

  for (const [key, counters] of registrations) {
    Object.assign(index.permission[key]!, {
      session_registration: String(counters.SessionPolicy),
      call_scope_registration: String(counters.CallScopePolicy),
      spend_limit_registration: String(counters.SpendLimitPolicy),
      rate_limit_registration: String(counters.RateLimitPolicy),
      expiry_registration: String(counters.ExpiryPolicy),
    });
  }
  return index;
}

/** Rows of `table` on chain `chainId` keyed by `key`, with the columns `columns`, every value as a string. */
async function rows(url: string, chainId: number, table: string, key: string, columns: string[]): Promise<Rows> {
  const result = await sqlQuery(url, `select ${key} as key, ${columns.join(", ")} from ${table} where chain_id = ${Number(chainId)}`);
  const out: Rows = {};
  for (const row of result) {
    const key = String(row.key);
    if (key in out) throw new Error(`duplicate ${table} row ${key}`);
    out[key] = Object.fromEntries(columns.map((c) => [c, str(row[c])]));
  }
  return out;
}

/** Every table and view of the index: each has a chain_id column. */
export const INDEX_RELATIONS = [
  "account", "permission", "session", "execution", "user_operation", "revocation", "spend", "period_spend",
  "policy_registration", "policy_use", "audit_event", "session_state",
] as const;

/** The chain ids of each table's and view's rows (sorted; empty for an empty table). */
export async function chainIdsIn(url: string): Promise<Record<(typeof INDEX_RELATIONS)[number], number[]>> {
  const out = {} as Record<(typeof INDEX_RELATIONS)[number], number[]>;
  for (const table of INDEX_RELATIONS) {
    const result = await sqlQuery<{ chain_id: number }>(url, `select chain_id from ${table} group by chain_id order by chain_id`);
    out[table] = result.map((row) => Number(row.chain_id));
  }
  return out;
}

/** What the indexer at `url` holds of chain `chainId`, in the same shape as expectedIndex. */
export async function actualIndex(url: string, chainId: number): Promise<Index> {
  const expected = await (async () => {
    const sessionKey = "account || ':' || permission_id || ':' || registration";
    const at = "transaction_hash || ':' || log_index";
    const outcome = ["user_op_hash", "success", "actual_gas_cost"];
    const executions = await rows(url, chainId, "execution", at, [
      "account", "use_index", "transaction_hash", "permission_id", "registration", "nonce", "token", "amount", "period", "remaining_total",
      "remaining_in_period", "calls_in_window", "calls_left", "fee_left", "block_number", ...outcome,
    ]);
    const audit = await sqlQuery<{ entry: string }>(
      url,
      `select transaction_hash || ':' || log_index || ' ' || contract || '.' || event as entry from audit_event where chain_id = ${Number(chainId)} order by block_number, log_index`,
    );
    const permissionColumns = ["session_key", "session_registration", "call_scope_registration", "spend_limit_registration", "rate_limit_registration", "expiry_registration"];
    return {
      account: await rows(url, chainId, "account", "address", ["session_count", "revocation_count", "operation_count", "execution_count"]),
      permission: await rows(url, chainId, "permission", "account || ':' || permission_id", permissionColumns),
      session: await rows(url, chainId, "session", sessionKey, [
        "session_key", "status", "valid_after", "valid_until", "calls_left", "calls_in_window", "fee_left", "fee_paid", "token_count", "tokens_exhausted",
        "operation_count", "execution_count", "created_block", "created_log_index", "exhausted_block", "revoked_block", "replaced_block",
      ]),
      execution: executions,
      user_operation: await rows(url, chainId, "user_operation", "account || ':' || nonce", [
        "permission_id", "registration", "transaction_hash", "execution_count", "call_scope_uses", "spend_limit_uses",
        "rate_limit_uses", "expiry_uses", ...outcome,
      ]),
      revocation: await rows(url, chainId, "revocation", at, ["account", "permission_id", "registration", "block_number"]),
      spend: await rows(url, chainId, "spend", `${sessionKey} || ':' || token`, ["total", "spent", "execution_count", "remaining_total", "remaining_in_period", "last_period"]),
      period_spend: await rows(url, chainId, "period_spend", `${sessionKey} || ':' || token || ':' || period`, ["spent", "execution_count", "starts_at", "ends_at", "remaining_in_period"]),
      policy_registration: await rows(url, chainId, "policy_registration", `policy || ':' || ${sessionKey}`, ["status", "use_count", "created_block"]),
      policy_use: await rows(url, chainId, "policy_use", at, [
        "policy", "account", "use_index", "transaction_hash", "permission_id", "registration", "nonce", "calls", "token", "amount", "period", "remaining_total",
        "window_index", "calls_in_window", "calls_left", ...outcome,
      ]),
      audit_event: audit.map((r) => r.entry),
    };
  })();
  return expected;
}

/** Rows of the world's chain that name a transaction missing from the canonical chain, or in another block. */
export async function orphanTransactions(world: World, url: string): Promise<string[]> {
  const chainId = world.leash.deployments.chainId;
  const orphans: string[] = [];
  for (const table of ["execution", "policy_use", "user_operation", "revocation", "audit_event", "session"]) {
    const [tx, block] = table === "session" ? ["created_transaction_hash", "created_block"] : ["transaction_hash", "block_number"];
    const used = await sqlQuery<{ tx: string; block: string }>(url, `select ${tx} as tx, ${block} as block from ${table} where chain_id = ${chainId} group by ${tx}, ${block}`);
    for (const row of used) {
      const receipt = await world.client.getTransactionReceipt({ hash: row.tx as Hex }).catch(() => undefined);
      if (!receipt || receipt.blockNumber !== BigInt(row.block)) orphans.push(`${table}: ${row.tx}`);
    }
  }
  return orphans;
}
