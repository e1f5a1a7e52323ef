// One session as the API shows it: the index's row (configuration, spend to date, counters after
// the latest use, history counts) and what follows from it at "now" (status, what remains, refill
// and window times: sdk/rules.ts sessionSnapshotAt, SessionPolicy.getSession's arithmetic), in
// amounts, counts and words.
import { type Address, getAddress } from "viem";
import { type TokenMeta, amount, functionName, shortFunction, timestamp } from "../../sdk/describe.js";
import { formatAmount, formatDuration, perDuration, shortAddress, timeLeftText } from "../../sdk/format.js";
import {
  type DerivedSessionStatus,
  NO_ARG,
  NO_CALL_LIMIT,
  NO_WINDOW,
  STATUS_LABELS,
  type SessionState,
  UNLIMITED,
  limitedAmount,
  periodIndexAt,
  sessionSnapshotAt,
  sessionStatusAt,
  statusName,
} from "../../sdk/rules.js";
import type { AsOf, GasView, SessionView, TokenView } from "../responses.js";
import type { Head } from "../upstream.js";
import { type SessionRow, kernelPermissionId } from "./index-reads.js";

/** What a view needs to name tokens and contracts. */
export interface Names {
  tokenMeta(token: Address): Promise<TokenMeta>;
  label(target: Address): Promise<string>;
  nativeMeta(): TokenMeta;
}

/** A stored session's status at `now` (sdk/rules.ts). */
export function derivedStatus(h: Pick<SessionRow, "status" | "validAfter" | "validUntil">, now: number): DerivedSessionStatus {
  return sessionStatusAt({ status: h.status, validAfter: h.validAfter, validUntil: h.validUntil }, now);
}

/** Which blocks and which time an answer reflects. */
export interface Moment {
  chain: Head;
  indexed: Head;
  /** sdk/rules.ts chainNow: what the chain will enforce for the next operation. */
  now: number;
}

export function asOf({ chain, indexed, now }: Moment): AsOf {
  return { chainBlock: chain.number.toString(), chainTime: timestamp(chain.timestamp), indexedBlock: indexed.number.toString(), now: timestamp(now)! };
}

/**
 * A registration as SessionPolicy holds it, from its indexed row: the configuration, the counters
 * the latest SessionUsed reported, and each token's state after its latest spend. The window of the
 * latest use is the one holding its block: the policy narrows an operation's validity to the window
 * it claims, so the EntryPoint includes it only inside that window.
 */
export function sessionStateOf(row: SessionRow): SessionState {
  const validAfter = Number(row.validAfter);
  const window = Number(row.windowLength);
  return {
    revoked: row.status === "revoked",
    validAfter,
    validUntil: Number(row.validUntil),
    window,
    callsPerWindow: row.callsPerWindow,
    windowIndex: window !== 0 && row.lastUsedTimestamp !== null ? periodIndexAt(Number(row.lastUsedTimestamp), validAfter, window) : 0,
    callsInWindow: row.callsInWindow,
    callsLeft: Number(row.callsLeft),
    feeLeft: row.feeLeft,
    tokens: row.tokens.map((limit) => {
      const spend = row.spends.find((s) => s.token.toLowerCase() === limit.token.toLowerCase());
      const total = BigInt(limit.total);
      const perPeriod = BigInt(limit.perPeriod);
      return {
        token: getAddress(limit.token),
        perTransaction: BigInt(limit.perTransaction),
        total,
        perPeriod,
        period: Number(limit.period),
        remainingTotal: spend ? spend.remainingTotal : total === 0n ? UNLIMITED : total,
        remainingInPeriod: spend ? spend.remainingInPeriod : perPeriod,
        periodIndex: spend?.lastPeriod === null || spend === undefined ? 0 : Number(spend.lastPeriod),
      };
    }),
  };
}

/**
 * What of a session's view only a new indexed block changes: names, limits, permissions, spend to
 * date, history references and display strings of its configuration. Built once per indexed block.
 */
export interface SessionFrame {
  /** What of the row the time-dependent part reads (the frame keeps no more of it in memory). */
  row: Pick<SessionRow, "status" | "validAfter" | "validUntil" | "windowLength" | "callsPerWindow" | "maxCalls">;
  /** The registration SessionPolicy holds now (undefined once revoked or replaced). */
  state: SessionState | undefined;
  tokens: {
    limit: { perPeriod: bigint; total: bigint; period: number };
    meta: TokenMeta;
    spentTotal: bigint;
    /** token, symbol, decimals, limits, spent.total, executionCount; the total spend line. */
    fixed: Pick<TokenView, "token" | "symbol" | "decimals" | "limits" | "executionCount"> & { spentTotal: NonNullable<TokenView["spent"]["total"]> };
    spentLine: string;
  }[];
  fixed: Pick<
    SessionView,
    "account" | "chainId" | "permissionId" | "registration" | "sessionKey" | "validAfter" | "expiresAt" | "permissions" | "gas" | "executions" | "approved" | "revoked" | "request"
  >;
  rateLimit: string | null;
  permissionLines: string[];
}

/** `request`: the stored request the session came through, if any. */
export async function sessionFrame(row: SessionRow, names: Names, request: SessionView["request"] = null): Promise<SessionFrame> {
  // Only the latest registration, not revoked or replaced, is the one SessionPolicy holds now.
  const current = row.status !== "revoked" && row.status !== "replaced";
  const state = current ? sessionStateOf(row) : undefined;
  const metas = await Promise.all(row.tokens.map((t) => names.tokenMeta(t.token)));
  const tokens = row.tokens.map((limit, i) => {
    const meta = metas[i]!;
    const spent = row.spends.find((s) => s.token.toLowerCase() === limit.token.toLowerCase());
    const perPeriod = BigInt(limit.perPeriod);
    const total = BigInt(limit.total);
    const period = Number(limit.period);
    const spentTotal = spent?.spent ?? 0n;
    return {
      limit: { perPeriod, total, period },
      meta,
      spentTotal,
      fixed: {
        token: getAddress(limit.token),
        symbol: meta.symbol,
        decimals: meta.decimals,
        limits: {
          perTransaction: amount(BigInt(limit.perTransaction) || null, meta),
          total: amount(total || null, meta),
          perPeriod: amount(perPeriod || null, meta),
          periodSeconds: period || null,
        },
        spentTotal: amount(spentTotal, meta)!,
        executionCount: spent?.executionCount ?? 0,
      },
      spentLine:
        total === 0n
          ? `${formatAmount(spentTotal, meta)} spent (no total limit)`
          : `${formatAmount(spentTotal, meta)} of ${formatAmount(total, meta)} spent`,
    };
  });

  const permissions = await Promise.all(
    row.calls.map(async (c) => {
      const signature = functionName(c.selector);
      const targetLabel = await names.label(c.target);
      return {
        target: getAddress(c.target),
        targetLabel,
        selector: c.selector,
        function: signature,
        allowValue: c.allowValue,
        recipientMustBeAccount: Number(c.accountArg) !== NO_ARG,
        argumentRule: Number(c.equalArg) !== NO_ARG ? { argument: Number(c.equalArg), mustEqual: c.equalValue } : null,
        display: `${shortFunction(c.selector, signature)} on ${targetLabel}`,
      };
    }),
  );

  const validUntil = Number(row.validUntil) === 0 ? null : Number(row.validUntil);
  const perWindow = Number(row.windowLength) === 0 ? null : row.callsPerWindow;
  const last = row.executions[0];
  const { status, validAfter, validUntil: until, windowLength, callsPerWindow, maxCalls } = row;
  return {
    row: { status, validAfter, validUntil: until, windowLength, callsPerWindow, maxCalls },
    state,
    tokens,
    fixed: {
      account: getAddress(row.account),
      chainId: row.chainId,
      permissionId: kernelPermissionId(row.permissionId),
      registration: row.registration,
      sessionKey: row.sessionKey ? getAddress(row.sessionKey) : null,
      validAfter: timestamp(Number(row.validAfter))!,
      expiresAt: timestamp(validUntil),
      permissions,
      // What remains of the gas budget changes with operations only (the fee left after the latest).
      gas: gasView(row, state?.feeLeft, names.nativeMeta()),
      executions: {
        count: row.operationCount,
        last: last
          ? {
              transactionHash: last.transactionHash,
              blockNumber: last.blockNumber.toString(),
              timestamp: timestamp(Number(last.blockTimestamp))!,
              success: last.success,
              userOpHash: last.userOpHash,
            }
          : null,
      },
      approved: { blockNumber: row.createdBlock.toString(), timestamp: timestamp(Number(row.createdTimestamp))!, transactionHash: row.createdTransactionHash },
      revoked: row.revokedBlock
        ? { blockNumber: row.revokedBlock.toString(), timestamp: timestamp(Number(row.revokedTimestamp))!, transactionHash: row.revokedTransactionHash! }
        : null,
      request,
    },
    rateLimit: perWindow === null ? null : `At most ${perWindow} call${perWindow === 1 ? "" : "s"} ${perDuration(Number(row.windowLength))}`,
    permissionLines: permissions.map((p) => p.display),
  };
}

/** The session at `moment.now`: status, what remains, window and refill times, time left. */
export function sessionViewAt(frame: SessionFrame, moment: Moment): SessionView {
  const { row, state } = frame;
  const { now } = moment;
  const snapshot = state ? sessionSnapshotAt(state, now) : undefined;
  const snapshotStatus = snapshot ? statusName(snapshot.status) : undefined;
  const status: DerivedSessionStatus =
    snapshotStatus && snapshotStatus !== "unknown" ? snapshotStatus : derivedStatus(row, now);
  const live = status === "active" || status === "pending";

  const validAfter = Number(row.validAfter);
  const validUntil = Number(row.validUntil) === 0 ? null : Number(row.validUntil);
  const secondsLeft = validUntil === null ? null : Math.max(0, validUntil - now);

  const tokens: TokenView[] = frame.tokens.map(({ limit, meta, spentTotal, fixed, spentLine }, i) => {
    const { perPeriod, total, period } = limit;
    const onChain = snapshot?.tokens[i];
    const remainingTotal = live && onChain ? limitedAmount(onChain.remainingTotal) : total === 0n ? null : live ? total - spentTotal : 0n;
    const remainingInPeriod = period === 0 ? null : live && onChain ? limitedAmount(onChain.remainingInPeriod) : live ? perPeriod : 0n;
    const spentThisPeriod = period === 0 || !onChain ? null : perPeriod - (limitedAmount(onChain.remainingInPeriod) ?? perPeriod);
    const refillsAt = period !== 0 && onChain && onChain.refillsAt !== 0 && live ? onChain.refillsAt : null;
    const display = [spentLine];
    if (period !== 0 && spentThisPeriod !== null) {
      display.push(`${formatAmount(spentThisPeriod, meta)} of ${formatAmount(perPeriod, meta)} spent this period (${perDuration(period)})`);
    }
    const { spentTotal: spentAmount, ...rest } = fixed;
    return {
      token: rest.token,
      symbol: rest.symbol,
      decimals: rest.decimals,
      limits: rest.limits,
      spent: { total: spentAmount, thisPeriod: spentThisPeriod === null ? null : amount(spentThisPeriod, meta) },
      remaining: { total: amount(remainingTotal, meta), thisPeriod: amount(remainingInPeriod, meta) },
      refillsAt: timestamp(refillsAt),
      executionCount: rest.executionCount,
      display,
    };
  });

  const maxCalls = Number(row.maxCalls) || null;
  const perWindow = Number(row.windowLength) === 0 ? null : row.callsPerWindow;
  const callsLeft = !live ? 0 : snapshot ? (snapshot.callsLeft === NO_CALL_LIMIT ? null : snapshot.callsLeft) : maxCalls;
  const inWindow = perWindow === null ? null : !live ? 0 : snapshot && snapshot.callsLeftInWindow !== NO_WINDOW ? snapshot.callsLeftInWindow : perWindow;
  const windowEndsAt = perWindow !== null && snapshot && snapshot.callsLeftInWindow !== NO_WINDOW && live ? snapshot.windowEndsAt + 1 : null;
  const callsDisplay =
    maxCalls !== null
      ? `${callsLeft ?? 0} / ${maxCalls} calls remaining`
      : perWindow !== null
        ? `${inWindow} / ${perWindow} calls remaining this window (${perDuration(Number(row.windowLength))})`
        : null;

  const timeDisplay =
    status === "pending" ? `starts in ${formatDuration(validAfter - now)}` : status === "active" ? timeLeftText(secondsLeft) : status;
  const { fixed } = frame;
  return {
    account: fixed.account,
    chainId: fixed.chainId,
    permissionId: fixed.permissionId,
    registration: fixed.registration,
    status,
    sessionKey: fixed.sessionKey,
    validAfter: fixed.validAfter,
    expiresAt: fixed.expiresAt,
    secondsLeft,
    permissions: fixed.permissions,
    tokens,
    calls: {
      remaining: callsLeft,
      max: maxCalls,
      remainingInWindow: inWindow,
      perWindow,
      windowSeconds: perWindow === null ? null : Number(row.windowLength),
      windowEndsAt: timestamp(windowEndsAt),
    },
    gas: fixed.gas,
    executions: fixed.executions,
    approved: fixed.approved,
    revoked: fixed.revoked,
    request: fixed.request,
    display: {
      status: STATUS_LABELS[status],
      timeLeft: timeDisplay,
      calls: callsDisplay,
      rateLimit: frame.rateLimit,
      spend: tokens.flatMap((t) => t.display),
      permissions: frame.permissionLines,
    },
    asOf: asOf(moment),
  };
}

export function gasView(row: SessionRow, feeLeft: bigint | undefined, meta: TokenMeta): GasView {
  const perOperation = row.maxFeePerOperation;
  const total = row.maxFeeTotal;
  const left = feeLeft ?? row.feeLeft;
  const remaining = total === 0n ? null : left === UNLIMITED ? total : left;
  const paid = row.feePaid;
  const paymaster = BigInt(row.paymaster) === 0n ? null : getAddress(row.paymaster);
  const parts = [`${formatAmount(paid, meta)} of gas paid`];
  if (perOperation) parts.push(`at most ${formatAmount(perOperation, meta)} per operation`);
  if (remaining !== null) parts.push(`${formatAmount(remaining, meta)} of ${formatAmount(total, meta)} gas budget left`);
  if (paymaster) parts.push(`paymaster ${shortAddress(paymaster)}`);
  return {
    perOperation: amount(perOperation || null, meta),
    total: amount(total || null, meta),
    remaining: amount(remaining, meta),
    paid: amount(paid, meta)!,
    paymaster,
    display: parts.join("; "),
  };
}
