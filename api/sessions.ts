// Sessions as the API shows them. One source per field:
// - the indexer: which sessions exist, their configuration (targets, functions, limits, validity),
//   session key, spend to date, execution count and history;
// - the chain, at its latest block: status, what remains (per token, this period, calls), when a
//   period or window refills, and the time every countdown is measured from.
// Answers are cached per block: per indexed block for the indexer's part, per chain block for the
// chain's, so a session is read from each source at most once per block.
import { type Abi, type Address, type Hex, erc20Abi, getAddress, pad } from "viem";
import { sessionPolicyAbi } from "../sdk/contracts.js";
import { NATIVE_TOKEN, NO_ARG, NO_CALL_LIMIT, NO_WINDOW, SESSION_STATUSES, UNLIMITED } from "../sdk/constants.js";
import type { Deployments } from "../sdk/deployments.js";
import { type SessionConfig, sessionConfigFromJson } from "../sdk/contracts.js";
import type { SessionSnapshot } from "../sdk/session.js";
import { type DerivedSessionStatus, type StoredSessionStatus, sessionStatusAt } from "../sdk/status.js";
import { PromiseCache } from "./cache.js";
import { ApiError, UpstreamError } from "./errors.js";
import {
  type Amount,
  type TokenMeta,
  amount,
  nativeMeta,
  displayAmount,
  functionName,
  humanDuration,
  perDuration,
  shortAddress,
  shortFunction,
  timeLeftDisplay,
  timestamp,
} from "./format.js";
import type { ChainClient, Head, IndexerClient } from "./upstream.js";

/*//////////////////////////////////////////////////////////////
                         INDEXER ROWS
//////////////////////////////////////////////////////////////*/

interface CallJson {
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
interface TokenJson {
  token: Address;
  perTransaction: string;
  total: string;
  perPeriod: string;
  period: number | string;
}
interface SpendRow {
  token: Address;
  spent: string;
  executionCount: number;
}
interface LastExecutionRow {
  transactionHash: Hex;
  blockNumber: string;
  blockTimestamp: string;
  success: boolean | null;
  userOpHash: Hex | null;
}
interface SessionRow {
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
type SessionHeader = Pick<SessionRow, "permissionId" | "registration" | "status" | "validAfter" | "validUntil" | "createdBlock" | "createdLogIndex">;

const SESSION_FIELDS = `account permissionId registration sessionKey status validAfter validUntil windowLength callsPerWindow
  maxCalls maxFeePerOperation maxFeeTotal feeLeft feePaid paymaster signatureSenders config calls tokens callsLeft operationCount executionCount createdBlock createdTimestamp
  createdTransactionHash createdLogIndex revokedBlock revokedTimestamp revokedTransactionHash replacedBlock
  spends(limit: 100) { items { token spent executionCount } }
  executions(orderBy: "blockNumber", orderDirection: "desc", limit: 1) { items { transactionHash blockNumber blockTimestamp success userOpHash } }`;

interface AuditRow {
  id: string;
  event: "SessionRegistered" | "SessionUsed" | "SessionRevoked";
  permissionId: Hex;
  args: Record<string, unknown>;
  blockNumber: string;
  blockTimestamp: string;
  transactionHash: Hex;
  logIndex: number;
}
interface ExecutionOutcomeRow {
  nonce: string;
  logIndex: number;
  transactionHash: Hex;
  success: boolean | null;
  userOpHash: Hex | null;
  actualGasCost: string | null;
}

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

/*//////////////////////////////////////////////////////////////
                            SERVICE
//////////////////////////////////////////////////////////////*/

export type StatusFilter = DerivedSessionStatus | "all";

export interface Page<T> {
  items: T[];
  nextCursor: string | null;
}

export interface SessionServiceOptions {
  indexer: IndexerClient;
  chain: ChainClient;
  deployments: Deployments;
  cacheSize: number;
}

export class SessionService {
  private readonly indexer: IndexerClient;
  private readonly chain: ChainClient;
  private readonly policy: Address;
  private readonly labels = new Map<string, string>();
  private readonly tokens = new Map<string, Promise<TokenMeta>>();
  readonly cache: PromiseCache<unknown>;

  constructor(opts: SessionServiceOptions) {
    this.indexer = opts.indexer;
    this.chain = opts.chain;
    this.policy = opts.deployments.contracts.SessionPolicy.address;
    this.cache = new PromiseCache(opts.cacheSize);
    for (const [name, contract] of Object.entries({ ...opts.deployments.contracts, ...opts.deployments.extras })) {
      this.labels.set(contract.address.toLowerCase(), name);
    }
  }

  private cached<T>(key: string, load: () => Promise<T>): Promise<T> {
    return this.cache.get(key, load) as Promise<T>;
  }

  /** Both sources' latest blocks; a 503 when either cannot answer. */
  async heads(): Promise<{ chain: Head; indexed: Head }> {
    const [chain, progress] = await Promise.all([this.chain.head(), this.indexer.progress()]);
    return { chain, indexed: progress.head };
  }

  /** The chain's native coin, as the policies name it (NATIVE_TOKEN). */
  nativeMeta(): TokenMeta {
    return nativeMeta(this.chain.client.chain?.nativeCurrency.symbol);
  }

  /** symbol() and decimals() of a token, read once. */
  tokenMeta(token: Address): Promise<TokenMeta> {
    const key = token.toLowerCase();
    let meta = this.tokens.get(key);
    if (!meta) {
      meta =
        key === NATIVE_TOKEN.toLowerCase()
          ? Promise.resolve(this.nativeMeta())
          : this.readTokenMeta(getAddress(token));
      this.tokens.set(key, meta);
      // A chain outage must not be remembered as "not a token".
      meta.catch(() => this.tokens.delete(key));
    }
    return meta;
  }

  private async readTokenMeta(address: Address): Promise<TokenMeta> {
    const client = this.chain.client;
    const [decimals, symbol] = await Promise.all([
      client.readContract({ address, abi: erc20Abi, functionName: "decimals" }).catch(() => null),
      client.readContract({ address, abi: erc20Abi, functionName: "symbol" }).catch(() => null),
    ]);
    // Neither answered: either not a token, or the chain is down (which must not be remembered).
    if (decimals === null && symbol === null) await this.chain.checkChainId();
    return { address, symbol, decimals };
  }

  /** "USDC token", "MockSwapRouter" (a name in the deployments file), or a short address. */
  async label(target: Address): Promise<string> {
    const known = this.labels.get(target.toLowerCase());
    if (known) return known;
    const meta = await this.tokenMeta(target).catch(() => null);
    return meta?.symbol && meta.decimals !== null ? `${meta.symbol} token` : shortAddress(getAddress(target));
  }

  /*//////////////////////////////////////////////////////////////
                              READS
  //////////////////////////////////////////////////////////////*/

  private async requireAccount(account: Address, indexed: Head): Promise<void> {
    const key = `account:${account}:${indexed.number}`;
    const found = await this.cached(key, async () => {
      const data = await this.indexer.graphql<{ account: { address: string } | null }>(
        `query ($a: String!) { account(address: $a) { address } }`,
        { a: account.toLowerCase() },
      );
      return data.account !== null;
    });
    if (!found) {
      throw new ApiError("account_not_found", `no session of account ${account} has been seen on chain (as of block ${indexed.number})`, [
        { field: "params.account", message: "unknown account" },
      ]);
    }
  }

  private snapshot(account: Address, id: Hex, head: Head): Promise<SessionSnapshot> {
    return this.cached(`snapshot:${account}:${id}:${head.number}`, () =>
      this.chain.call("SessionPolicy.getSession", () =>
        this.chain.client.readContract({
          address: this.policy,
          abi: sessionPolicyAbi as Abi,
          functionName: "getSession",
          args: [account, id],
          blockNumber: head.number,
        }) as Promise<SessionSnapshot>,
      ),
    );
  }

  private sessionRows(account: Address, id: Hex, registration: number | undefined, indexed: Head): Promise<SessionRow[]> {
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
  private async rowsOf(account: Address, sessions: readonly Pick<SessionRow, "permissionId" | "registration">[], indexed: Head): Promise<SessionRow[]> {
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

  /** One session: its latest registration, or `registration`. */
  async getSession(account: Address, permissionId: Hex, registration?: number): Promise<SessionView> {
    const { chain, indexed } = await this.heads();
    const id = policyId(permissionId);
    const rows = await this.sessionRows(account, id, registration, indexed);
    const row = rows[0];
    if (!row) {
      // Which is unknown, the account or only this session of it?
      await this.requireAccount(account, indexed);
      throw new ApiError(
        "session_not_found",
        `account ${account} has no session with permission id ${permissionId}${registration === undefined ? "" : ` and registration ${registration}`} (as of block ${indexed.number})`,
        [{ field: "params.permissionId", message: "unknown session" }],
      );
    }
    return this.view(row, chain, indexed);
  }

  /**
   * The latest registration of a session as the owner approved it: the session (status at the
   * chain's latest block, session key) and the configuration SessionPolicy was installed with, which
   * the indexer keeps whole, so that the permission's install data can be rebuilt (uninstalling it
   * needs them).
   */
  async registered(account: Address, permissionId: Hex): Promise<{ session: SessionView; config: SessionConfig }> {
    // The view answers the 404s; its registration pins the row even if a block has passed since.
    const session = await this.getSession(account, permissionId);
    const { indexed } = await this.heads();
    const [row] = await this.sessionRows(account, policyId(permissionId), session.registration, indexed);
    if (!row) throw new UpstreamError("indexer", `registration ${session.registration} of ${permissionId} is no longer indexed`);
    return { session, config: sessionConfigFromJson(row.config) };
  }

  /** Every session of an account, newest first, filtered by status (at the chain's latest block). */
  async listSessions(account: Address, opts: { status: StatusFilter; cursor?: string; limit: number }): Promise<Page<SessionView> & { asOf: AsOf }> {
    let after: { block: bigint; logIndex: number } | undefined;
    if (opts.cursor) {
      const [block, logIndex] = decodeCursor("list", opts.cursor, /^\d{1,20}\.\d{1,9}$/).split(".");
      after = { block: BigInt(block!), logIndex: Number(logIndex) };
    }
    const { chain, indexed } = await this.heads();
    await this.requireAccount(account, indexed);
    const headers = await this.cached(`headers:${account}:${indexed.number}`, () => this.sessionHeaders(account));
    const matching = headers.filter((h) => {
      if (after) {
        const block = BigInt(h.createdBlock);
        if (block > after.block || (block === after.block && h.createdLogIndex >= after.logIndex)) return false;
      }
      return opts.status === "all" || this.derivedStatus(h, chain) === opts.status;
    });
    const page = matching.slice(0, opts.limit);
    const rows = await this.rowsOf(account, page, indexed);
    const items = await Promise.all(rows.map((r) => this.view(r, chain, indexed)));
    const last = page[page.length - 1];
    return {
      items,
      nextCursor: matching.length > page.length && last ? encodeCursor("list", `${last.createdBlock}.${last.createdLogIndex}`) : null,
      asOf: asOf(chain, indexed),
    };
  }

  private async sessionHeaders(account: Address): Promise<SessionHeader[]> {
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
  }

  /** Permission ids of the account's active or pending sessions allowing exactly these calls. */
  async activeWithSameCalls(account: Address, calls: readonly { target: Address; selector: Hex }[]): Promise<Hex[]> {
    const { chain, indexed } = await this.heads();
    await this.requireAccount(account, indexed);
    const key = (c: { target: string; selector: string }) => `${c.target.toLowerCase()}:${c.selector.toLowerCase()}`;
    const wanted = new Set(calls.map(key));
    const headers = await this.cached(`headers:${account}:${indexed.number}`, () => this.sessionHeaders(account));
    const live = headers.filter((h) => ["active", "pending"].includes(this.derivedStatus(h, chain)));
    const rows = await this.rowsOf(account, live, indexed);
    return rows
      .filter((r) => r.calls.length === wanted.size && r.calls.every((c) => wanted.has(key(c))))
      .map((r) => kernelPermissionId(r.permissionId));
  }

  private derivedStatus(h: Pick<SessionRow, "status" | "validAfter" | "validUntil">, chain: Head): DerivedSessionStatus {
    return sessionStatusAt({ status: h.status, validAfter: BigInt(h.validAfter), validUntil: BigInt(h.validUntil) }, chain.timestamp);
  }

  /*//////////////////////////////////////////////////////////////
                             THE VIEW
  //////////////////////////////////////////////////////////////*/

  /** The view of a session row at these blocks, built once per pair of blocks. */
  private view(row: SessionRow, chain: Head, indexed: Head): Promise<SessionView> {
    return this.cached(`view:${row.account}:${row.permissionId}:${row.registration}:${chain.number}:${indexed.number}`, () => this.buildView(row, chain, indexed));
  }

  private async buildView(row: SessionRow, chain: Head, indexed: Head): Promise<SessionView> {
    const account = getAddress(row.account);
    // Only the latest registration, not revoked or replaced, is the one SessionPolicy holds now.
    const current = row.status !== "revoked" && row.status !== "replaced";
    const snapshot = current ? await this.snapshot(account, row.permissionId, chain) : undefined;
    const chainStatus = snapshot ? SESSION_STATUSES[snapshot.status] : undefined;
    const status: DerivedSessionStatus =
      chainStatus && chainStatus !== "unknown" ? chainStatus : this.derivedStatus(row, chain);
    const live = status === "active" || status === "pending";

    const validAfter = Number(row.validAfter);
    const validUntil = Number(row.validUntil) === 0 ? null : Number(row.validUntil);
    const secondsLeft = validUntil === null ? null : Math.max(0, validUntil - chain.timestamp);

    const metas = await Promise.all(row.tokens.map((t) => this.tokenMeta(t.token)));
    const tokens: TokenView[] = row.tokens.map((limit, i) => {
      const meta = metas[i]!;
      const spent = row.spends.items.find((s) => s.token.toLowerCase() === limit.token.toLowerCase());
      const onChain = snapshot?.tokens.find((t) => t.token.toLowerCase() === limit.token.toLowerCase());
      const perPeriod = BigInt(limit.perPeriod);
      const total = BigInt(limit.total);
      const period = Number(limit.period);
      const spentTotal = BigInt(spent?.spent ?? "0");
      const remainingTotal = live && onChain ? nullIfUnlimited(onChain.remainingTotal) : total === 0n ? null : live ? total - spentTotal : 0n;
      const remainingInPeriod = period === 0 ? null : live && onChain ? nullIfUnlimited(onChain.remainingInPeriod) : live ? perPeriod : 0n;
      const spentThisPeriod = period === 0 || !onChain ? null : perPeriod - (nullIfUnlimited(onChain.remainingInPeriod) ?? perPeriod);
      const refillsAt = period !== 0 && onChain && onChain.refillsAt !== 0 && live ? onChain.refillsAt : null;
      const display = [
        total === 0n
          ? `${displayAmount(spentTotal, meta)} spent (no total limit)`
          : `${displayAmount(spentTotal, meta)} of ${displayAmount(total, meta)} spent`,
      ];
      if (period !== 0 && spentThisPeriod !== null) {
        display.push(`${displayAmount(spentThisPeriod, meta)} of ${displayAmount(perPeriod, meta)} spent this period (${perDuration(period)})`);
      }
      return {
        token: getAddress(limit.token),
        symbol: meta.symbol,
        decimals: meta.decimals,
        limits: {
          perTransaction: amount(BigInt(limit.perTransaction) || null, meta),
          total: amount(total || null, meta),
          perPeriod: amount(perPeriod || null, meta),
          periodSeconds: period || null,
        },
        spent: { total: amount(spentTotal, meta)!, thisPeriod: spentThisPeriod === null ? null : amount(spentThisPeriod, meta) },
        remaining: { total: amount(remainingTotal, meta), thisPeriod: amount(remainingInPeriod, meta) },
        refillsAt: timestamp(refillsAt),
        executionCount: spent?.executionCount ?? 0,
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

    const permissions = await Promise.all(
      row.calls.map(async (c) => {
        const signature = functionName(c.selector);
        const targetLabel = await this.label(c.target);
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

    const last = row.executions.items[0];
    const timeDisplay =
      status === "pending" ? `starts in ${humanDuration(validAfter - chain.timestamp)}` : status === "active" ? timeLeftDisplay(secondsLeft) : status;
    return {
      account,
      permissionId: kernelPermissionId(row.permissionId),
      registration: row.registration,
      status,
      sessionKey: row.sessionKey ? getAddress(row.sessionKey) : null,
      validAfter: timestamp(validAfter)!,
      expiresAt: timestamp(validUntil),
      secondsLeft,
      permissions,
      tokens,
      calls: {
        remaining: callsLeft,
        max: maxCalls,
        remainingInWindow: inWindow,
        perWindow,
        windowSeconds: perWindow === null ? null : Number(row.windowLength),
        windowEndsAt: timestamp(windowEndsAt),
      },
      gas: this.gasView(row, snapshot),
      executions: {
        count: row.operationCount,
        last: last
          ? {
              transactionHash: last.transactionHash,
              blockNumber: last.blockNumber,
              timestamp: timestamp(Number(last.blockTimestamp))!,
              success: last.success,
              userOpHash: last.userOpHash,
            }
          : null,
      },
      approved: { blockNumber: row.createdBlock, timestamp: timestamp(Number(row.createdTimestamp))!, transactionHash: row.createdTransactionHash },
      revoked: row.revokedBlock
        ? { blockNumber: row.revokedBlock, timestamp: timestamp(Number(row.revokedTimestamp))!, transactionHash: row.revokedTransactionHash! }
        : null,
      display: {
        status: STATUS_LABELS[status],
        timeLeft: timeDisplay,
        calls: callsDisplay,
        spend: tokens.flatMap((t) => t.display),
        permissions: permissions.map((p) => p.display),
      },
      asOf: asOf(chain, indexed),
    };
  }

  private gasView(row: SessionRow, snapshot: SessionSnapshot | undefined): GasView {
    const meta = this.nativeMeta();
    const perOperation = BigInt(row.maxFeePerOperation);
    const total = BigInt(row.maxFeeTotal);
    const left = BigInt(snapshot?.feeLeft ?? row.feeLeft);
    const remaining = total === 0n ? null : left === UNLIMITED ? total : left;
    const paid = BigInt(row.feePaid);
    const paymaster = BigInt(row.paymaster) === 0n ? null : getAddress(row.paymaster);
    const parts = [`${displayAmount(paid, meta)} of gas paid`];
    if (perOperation) parts.push(`at most ${displayAmount(perOperation, meta)} per operation`);
    if (remaining !== null) parts.push(`${displayAmount(remaining, meta)} of ${displayAmount(total, meta)} gas budget left`);
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

  /*//////////////////////////////////////////////////////////////
                              HISTORY
  //////////////////////////////////////////////////////////////*/

  /** The audit trail of one session (approval, executions, revocation), oldest first. */
  async history(account: Address, permissionId: Hex, opts: { cursor?: string; limit: number; registration?: number }): Promise<Page<HistoryEntry> & { asOf: AsOf }> {
    const after = opts.cursor ? historyPosition(opts.cursor) : undefined;
    const { chain, indexed } = await this.heads();
    const id = policyId(permissionId);
    await this.requireAccount(account, indexed);
    const registrations = await this.registrationIds(account, indexed, id);
    if (registrations.length === 0) {
      throw new ApiError("session_not_found", `account ${account} has no session with permission id ${permissionId}`, [
        { field: "params.permissionId", message: "unknown session" },
      ]);
    }
    const registration = opts.registration ?? registrations.length;
    if (registration < 1 || registration > registrations.length) {
      throw new ApiError("session_not_found", `permission ${permissionId} of ${account} has registrations 1 to ${registrations.length}, not ${registration}`, [
        { field: "query.registration", message: "unknown registration" },
      ]);
    }
    const bounds: Record<string, unknown>[] = [notBefore(registrations[registration - 1]!)];
    const next = registrations[registration];
    if (next) bounds.push(before(next));
    if (after) bounds.push(later(after));
    const page = await this.auditPage({ account: account.toLowerCase(), permissionId: id, AND: bounds }, opts.limit, indexed);
    return { ...(await this.entries(account, page, registrations, indexed, opts.limit)), asOf: asOf(chain, indexed) };
  }

  /** The same across every session of the account. */
  async activity(account: Address, opts: { cursor?: string; limit: number }): Promise<Page<HistoryEntry> & { asOf: AsOf }> {
    const after = opts.cursor ? historyPosition(opts.cursor) : undefined;
    const { chain, indexed } = await this.heads();
    await this.requireAccount(account, indexed);
    const [page, registrations] = await Promise.all([
      this.auditPage({ account: account.toLowerCase(), ...(after ? later(after) : {}) }, opts.limit, indexed),
      this.registrationIds(account, indexed),
    ]);
    return { ...(await this.entries(account, page, registrations, indexed, opts.limit)), asOf: asOf(chain, indexed) };
  }

  /** Ids of SessionRegistered events (registration n is the n-th of its permission id). */
  private registrationIds(account: Address, indexed: Head, id?: Hex): Promise<Registered[]> {
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

  private auditPage(where: Record<string, unknown>, limit: number, indexed: Head): Promise<AuditRow[]> {
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

  private async entries(
    account: Address,
    rows: AuditRow[],
    registrations: Registered[],
    indexed: Head,
    limit: number,
  ): Promise<Page<HistoryEntry>> {
    const page = rows.slice(0, limit);
    const nonces = [...new Set(page.filter((r) => r.event === "SessionUsed").map((r) => String(r.args.nonce)))];
    const outcomes = nonces.length
      ? await this.cached(`outcomes:${account}:${nonces.join(",")}:${indexed.number}`, async () => {
          const data = await this.indexer.graphql<{ executions: { items: ExecutionOutcomeRow[] } }>(
            `query ($a: String!, $nonces: [BigInt!]) { executions(where: { account: $a, nonce_in: $nonces }, limit: 1000) {
              items { nonce logIndex transactionHash success userOpHash actualGasCost } } }`,
            { a: account.toLowerCase(), nonces },
          );
          return data.executions.items;
        })
      : [];
    const native = this.nativeMeta();
    const items = await Promise.all(
      page.map(async (row): Promise<HistoryEntry> => {
        const position = { block: BigInt(row.blockNumber), logIndex: row.logIndex };
        const registration = registrations.filter((r) => r.permissionId === row.permissionId && compare(r, position) <= 0).length;
        const base = {
          cursor: encodeCursor("history", `${row.blockNumber}.${row.logIndex}`),
          permissionId: kernelPermissionId(row.permissionId),
          registration,
          blockNumber: row.blockNumber,
          timestamp: timestamp(Number(row.blockTimestamp))!,
          transactionHash: row.transactionHash,
        };
        if (row.event === "SessionRegistered") {
          const config = row.args.config as { validUntil: number | string; calls: unknown[]; tokens: unknown[] } | undefined;
          const until = Number(config?.validUntil ?? 0);
          return {
            ...base,
            type: "approval",
            text: `Session ${base.permissionId} approved${until ? `, valid until ${new Date(until * 1000).toISOString()}` : ""}`,
          };
        }
        if (row.event === "SessionRevoked") return { ...base, type: "revocation", text: `Session ${base.permissionId} revoked` };
        const outcome = outcomes.find((o) => o.nonce === String(row.args.nonce) && o.logIndex === row.logIndex);
        const token = String(row.args.token);
        const spentToken = BigInt(token) !== 0n;
        const meta = spentToken ? await this.tokenMeta(token as Address) : null;
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
            gasCost: outcome?.actualGasCost ? amount(BigInt(outcome.actualGasCost), native) : null,
          },
          text: `${spent ? `Spent ${spent.display}` : "Executed without spending"}${success === false ? " (the call reverted)" : success === null ? " (outcome not indexed yet)" : ""}`,
        };
      }),
    );
    const last = page[page.length - 1];
    return { items, nextCursor: rows.length > limit && last ? encodeCursor("history", `${last.blockNumber}.${last.logIndex}`) : null };
  }
}

/*//////////////////////////////////////////////////////////////
                       POSITIONS ON CHAIN
//////////////////////////////////////////////////////////////*/

/** Where an event is on the chain: (block, log index) orders events as the chain does. */
interface Position {
  block: bigint;
  logIndex: number;
}
interface Registered extends Position {
  permissionId: Hex;
}

function compare(a: Position, b: Position): number {
  return a.block !== b.block ? (a.block < b.block ? -1 : 1) : a.logIndex - b.logIndex;
}

// GraphQL filters on (blockNumber, logIndex); the indexer's text ids cannot be compared there.
// Each branch of an OR is wrapped in its own AND: Ponder 0.16 flattens the fields of an OR's
// branches into the OR itself, so {OR: [{a}, {b, c}]} would mean a OR b OR c.
const tuple = (block: string, logIndex: Record<string, number>) => ({ AND: [{ blockNumber: block }, logIndex] });
const later = (p: Position) => ({ OR: [{ blockNumber_gt: p.block.toString() }, tuple(p.block.toString(), { logIndex_gt: p.logIndex })] });
const notBefore = (p: Position) => ({ OR: [{ blockNumber_gt: p.block.toString() }, tuple(p.block.toString(), { logIndex_gte: p.logIndex })] });
const before = (p: Position) => ({ OR: [{ blockNumber_lt: p.block.toString() }, tuple(p.block.toString(), { logIndex_lt: p.logIndex })] });

function historyPosition(cursor: string): Position {
  const [block, logIndex] = decodeCursor("history", cursor, /^\d{1,20}\.\d{1,9}$/).split(".");
  return { block: BigInt(block!), logIndex: Number(logIndex) };
}

/*//////////////////////////////////////////////////////////////
                             TYPES
//////////////////////////////////////////////////////////////*/

const STATUS_LABELS: Record<DerivedSessionStatus, string> = {
  active: "Active",
  pending: "Not started yet",
  expired: "Expired",
  exhausted: "Limits used up",
  revoked: "Revoked",
  replaced: "Replaced by a newer approval",
};

function nullIfUnlimited(v: bigint): bigint | null {
  return v === UNLIMITED ? null : v;
}

export interface AsOf {
  /** The chain block whose views gave status and what remains, and its time (countdowns use it). */
  chainBlock: string;
  chainTime: ReturnType<typeof timestamp>;
  /** The block the indexer had reached: configuration, spend to date, history. */
  indexedBlock: string;
}

function asOf(chain: Head, indexed: Head): AsOf {
  return { chainBlock: chain.number.toString(), chainTime: timestamp(chain.timestamp), indexedBlock: indexed.number.toString() };
}

export interface TokenView {
  token: Address;
  symbol: string | null;
  decimals: number | null;
  limits: { perTransaction: Amount | null; total: Amount | null; perPeriod: Amount | null; periodSeconds: number | null };
  spent: { total: Amount; thisPeriod: Amount | null };
  remaining: { total: Amount | null; thisPeriod: Amount | null };
  refillsAt: ReturnType<typeof timestamp>;
  executionCount: number;
  display: string[];
}

/** What a session's operations may cost in gas, what was counted and what was really paid. */
export interface GasView {
  perOperation: Amount | null;
  total: Amount | null;
  /** Budget left, each operation counted at its most possible cost; null without a budget. */
  remaining: Amount | null;
  /** Paid by the account for the session's operations (actual gas cost; a paymaster's not counted). */
  paid: Amount;
  paymaster: Address | null;
  display: string;
}

export interface SessionView {
  account: Address;
  permissionId: Hex;
  registration: number;
  status: DerivedSessionStatus;
  sessionKey: Address | null;
  validAfter: NonNullable<ReturnType<typeof timestamp>>;
  expiresAt: ReturnType<typeof timestamp>;
  secondsLeft: number | null;
  permissions: {
    target: Address;
    targetLabel: string;
    selector: Hex;
    function: string | null;
    allowValue: boolean;
    recipientMustBeAccount: boolean;
    argumentRule: { argument: number; mustEqual: Hex } | null;
    display: string;
  }[];
  tokens: TokenView[];
  calls: {
    remaining: number | null;
    max: number | null;
    remainingInWindow: number | null;
    perWindow: number | null;
    windowSeconds: number | null;
    windowEndsAt: ReturnType<typeof timestamp>;
  };
  gas: GasView;
  executions: {
    count: number;
    last: { transactionHash: Hex; blockNumber: string; timestamp: NonNullable<ReturnType<typeof timestamp>>; success: boolean | null; userOpHash: Hex | null } | null;
  };
  approved: { blockNumber: string; timestamp: NonNullable<ReturnType<typeof timestamp>>; transactionHash: Hex };
  revoked: { blockNumber: string; timestamp: NonNullable<ReturnType<typeof timestamp>>; transactionHash: Hex } | null;
  display: { status: string; timeLeft: string; calls: string | null; spend: string[]; permissions: string[] };
  asOf: AsOf;
}

export interface HistoryEntry {
  cursor: string;
  type: "approval" | "execution" | "revocation";
  permissionId: Hex;
  registration: number;
  blockNumber: string;
  timestamp: NonNullable<ReturnType<typeof timestamp>>;
  transactionHash: Hex;
  execution?: {
    nonce: string;
    userOpHash: Hex | null;
    success: boolean | null;
    token: Address | null;
    amount: Amount | null;
    gasCost: Amount | null;
  };
  text: string;
}
