// Sessions as the API shows them. One source per field:
// - the index: which sessions exist, their configuration (targets, functions, limits, validity),
//   session key, spend to date, the counters after the latest use, and history (index-reads.ts);
// - the rules of sdk/rules.ts, at "now" (chainNow: the later of the chain's latest block time and
//   the clock): status, what remains (per token, this period, calls), when a period or window
//   refills, and every countdown. No view of the chain is called: the index holds what they read.
// - the chain: only what the index cannot know (its latest block, tokens' symbols and decimals).
// The view of one session is built in view.ts, history entries and cursors in history.ts.
// Index reads are cached per indexed block, so a session's row is read at most once per block;
// a view is built per request on a frame of what only a new block changes (cheap, and never kept:
// kept views outlive the young generation, and with many sessions the old one's churn was the bound).
import { type Address, type Hex, erc20Abi, getAddress } from "viem";
import { type SessionConfig, sessionConfigFromJson } from "../../sdk/contracts.js";
import type { Deployments } from "../../sdk/deployments.js";
import { type TokenMeta, nativeMeta } from "../../sdk/describe.js";
import { shortAddress } from "../../sdk/format.js";
import { type DerivedSessionStatus, NATIVE_TOKEN, chainNow } from "../../sdk/rules.js";
import { PromiseCache } from "../cache.js";
import { ApiError, UpstreamError } from "../errors.js";
import type { HistoryPage, SessionPage, SessionView } from "../responses.js";
import type { IndexDb } from "../index-db.js";
import type { ChainClient, Head, IndexerClient } from "../upstream.js";
import { decodeCursor, encodeCursor, historyEntries, historyPosition } from "./history.js";
import { type AuditBounds, type AuditRow, IndexReads, type Registered, type SessionRow, kernelPermissionId, policyId } from "./index-reads.js";
import { type Moment, type SessionFrame, asOf, derivedStatus, sessionFrame, sessionViewAt } from "./view.js";

export { kernelPermissionId, policyId } from "./index-reads.js";

export type StatusFilter = DerivedSessionStatus | "all";


export interface SessionServiceOptions {
  indexer: IndexerClient;
  /** The index's tables (api/index-db.ts). */
  index: IndexDb;
  chain: ChainClient;
  deployments: Deployments;
  cacheSize: number;
  /** Milliseconds since the epoch (Date.now); "now" is the later of it and the chain's latest block. */
  clock?: () => number;
}

export class SessionService {
  private readonly indexer: IndexerClient;
  private readonly index: IndexReads;
  private readonly chain: ChainClient;
  private readonly clock: () => number;
  private readonly labels = new Map<string, string>();
  private readonly tokens = new Map<string, Promise<TokenMeta>>();
  readonly cache: PromiseCache<unknown>;

  constructor(opts: SessionServiceOptions) {
    this.indexer = opts.indexer;
    this.chain = opts.chain;
    this.clock = opts.clock ?? Date.now;
    this.cache = new PromiseCache(opts.cacheSize);
    this.index = new IndexReads(opts.index, (key, load) => this.cached(key, load));
    for (const [name, contract] of Object.entries({ ...opts.deployments.contracts, ...opts.deployments.extras })) {
      this.labels.set(contract.address.toLowerCase(), name);
    }
  }

  private cached<T>(key: string, load: () => Promise<T>): Promise<T> {
    return this.cache.get(key, load) as Promise<T>;
  }

  /** Both sources' latest blocks and "now"; a 503 when either cannot answer. */
  async heads(): Promise<Moment> {
    const [chain, progress] = await Promise.all([this.chain.head(), this.indexer.progress()]);
    return { chain, indexed: progress.head, now: chainNow(chain.timestamp, this.clock()) };
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

  private async requireAccount(account: Address, indexed: Head): Promise<void> {
    const found = await this.index.accountExists(account, indexed);
    if (!found) {
      throw new ApiError("account_not_found", `no session of account ${account} has been seen on chain (as of block ${indexed.number})`, [
        { field: "params.account", message: "unknown account" },
      ]);
    }
  }

  /** One session: its latest registration, or `registration`. */
  async getSession(account: Address, permissionId: Hex, registration?: number): Promise<SessionView> {
    const moment = await this.heads();
    const { indexed } = moment;
    const id = policyId(permissionId);
    // One cache entry per session and indexed block: the frame, built from the row read for it.
    const frame = await this.cached(`frame:${account}:${id}:${registration ?? "latest"}:${indexed.number}`, async () => {
      const [row] = await this.index.loadSessionRows(account, id, registration);
      return row ? await sessionFrame(row, this) : null;
    });
    if (!frame) {
      // Which is unknown, the account or only this session of it?
      await this.requireAccount(account, indexed);
      throw new ApiError(
        "session_not_found",
        `account ${account} has no session with permission id ${permissionId}${registration === undefined ? "" : ` and registration ${registration}`} (as of block ${indexed.number})`,
        [{ field: "params.permissionId", message: "unknown session" }],
      );
    }
    // Built per request from the frame: cheap, and kept nowhere (kept views outlive the young
    // generation and make the old one churn).
    return sessionViewAt(frame, moment);
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
    const [row] = await this.index.sessionRows(account, policyId(permissionId), session.registration, indexed);
    if (!row) throw new UpstreamError("indexer", `registration ${session.registration} of ${permissionId} is no longer indexed`);
    return { session, config: sessionConfigFromJson(row.config) };
  }

  /** Every session of an account, newest first, filtered by status (at the chain's latest block). */
  async listSessions(account: Address, opts: { status: StatusFilter; cursor?: string; limit: number }): Promise<SessionPage> {
    let after: { block: bigint; logIndex: number } | undefined;
    if (opts.cursor) {
      const [block, logIndex] = decodeCursor("list", opts.cursor, /^\d{1,20}\.\d{1,9}$/).split(".");
      after = { block: BigInt(block!), logIndex: Number(logIndex) };
    }
    const moment = await this.heads();
    const { indexed } = moment;
    await this.requireAccount(account, indexed);
    const headers = await this.index.sessionHeaders(account, indexed);
    const matching = headers.filter((h) => {
      if (after) {
        const block = h.createdBlock;
        if (block > after.block || (block === after.block && h.createdLogIndex >= after.logIndex)) return false;
      }
      return opts.status === "all" || derivedStatus(h, moment.now) === opts.status;
    });
    const page = matching.slice(0, opts.limit);
    const rows = await this.index.rowsOf(account, page, indexed);
    const items = await Promise.all(rows.map((r) => this.view(r, moment)));
    const last = page[page.length - 1];
    return {
      items,
      nextCursor: matching.length > page.length && last ? encodeCursor("list", `${last.createdBlock}.${last.createdLogIndex}`) : null,
      asOf: asOf(moment),
    };
  }

  /** Permission ids of the account's active or pending sessions allowing exactly these calls. */
  async activeWithSameCalls(account: Address, calls: readonly { target: Address; selector: Hex }[]): Promise<Hex[]> {
    const { indexed, now } = await this.heads();
    await this.requireAccount(account, indexed);
    const key = (c: { target: string; selector: string }) => `${c.target.toLowerCase()}:${c.selector.toLowerCase()}`;
    const wanted = new Set(calls.map(key));
    const headers = await this.index.sessionHeaders(account, indexed);
    const live = headers.filter((h) => ["active", "pending"].includes(derivedStatus(h, now)));
    const rows = await this.index.rowsOf(account, live, indexed);
    return rows
      .filter((r) => r.calls.length === wanted.size && r.calls.every((c) => wanted.has(key(c))))
      .map((r) => kernelPermissionId(r.permissionId));
  }

  /** Permission ids of the account's active or pending sessions whose key is `sessionKey` (none for an account never seen). */
  async liveWithKey(account: Address, sessionKey: Address): Promise<Hex[]> {
    const { indexed, now } = await this.heads();
    if (!(await this.index.accountExists(account, indexed))) return [];
    const headers = await this.index.sessionHeaders(account, indexed);
    const live = headers.filter((h) => ["active", "pending"].includes(derivedStatus(h, now)));
    const rows = await this.index.rowsOf(account, live, indexed);
    return rows.filter((r) => r.sessionKey?.toLowerCase() === sessionKey.toLowerCase()).map((r) => kernelPermissionId(r.permissionId));
  }

  /*//////////////////////////////////////////////////////////////
                             THE VIEW
  //////////////////////////////////////////////////////////////*/

  /**
   * The view of a session row at this moment: its frame (names, limits, permissions, spend to
   * date) is built once per indexed block, what depends on the time per request.
   */
  private async view(row: SessionRow, moment: Moment): Promise<SessionView> {
    const id = `${row.account}:${row.permissionId}:${row.registration}:${moment.indexed.number}`;
    const frame = await this.cached<SessionFrame>(`frame:${id}`, () => sessionFrame(row, this));
    return sessionViewAt(frame, moment);
  }

  /*//////////////////////////////////////////////////////////////
                              HISTORY
  //////////////////////////////////////////////////////////////*/

  /** The audit trail of one session (approval, executions, revocation), oldest first. */
  async history(account: Address, permissionId: Hex, opts: { cursor?: string; limit: number; registration?: number }): Promise<HistoryPage> {
    const after = opts.cursor ? historyPosition(opts.cursor) : undefined;
    const moment = await this.heads();
    const { indexed } = moment;
    const id = policyId(permissionId);
    await this.requireAccount(account, indexed);
    const registrations = await this.index.registrationIds(account, indexed, id);
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
    const bounds: AuditBounds = { account, permissionId: id, from: registrations[registration - 1]!, before: registrations[registration], after };
    const page = await this.index.auditPage(bounds, opts.limit, indexed);
    return { ...(await this.entries(account, page, registrations, indexed, opts.limit)), asOf: asOf(moment) };
  }

  /** The same across every session of the account. */
  async activity(account: Address, opts: { cursor?: string; limit: number }): Promise<HistoryPage> {
    const after = opts.cursor ? historyPosition(opts.cursor) : undefined;
    const moment = await this.heads();
    const { indexed } = moment;
    await this.requireAccount(account, indexed);
    const [page, registrations] = await Promise.all([
      this.index.auditPage({ account, after }, opts.limit, indexed),
      this.index.registrationIds(account, indexed),
    ]);
    return { ...(await this.entries(account, page, registrations, indexed, opts.limit)), asOf: asOf(moment) };
  }

  private async entries(account: Address, rows: AuditRow[], registrations: Registered[], indexed: Head, limit: number) {
    const nonces = [...new Set(rows.slice(0, limit).filter((r) => r.event === "SessionUsed").map((r) => String(r.args.nonce)))].map(BigInt);
    const outcomes = await this.index.executionOutcomes(account, nonces, indexed);
    return historyEntries(rows, outcomes, registrations, limit, this);
  }
}
