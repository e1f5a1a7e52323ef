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
import { KernelV3_1AccountAbi } from "@zerodev/sdk";
import { type Address, type Hex, erc20Abi, getAddress } from "viem";
import { type SessionConfig, sessionConfigFromJson } from "../../sdk/contracts.js";
import type { Deployments } from "../../sdk/deployments.js";
import { type TokenMeta, nativeMeta } from "../../sdk/describe.js";
import { shortAddress } from "../../sdk/format.js";
import { NATIVE_TOKEN, chainNow } from "../../sdk/rules.js";
import { PromiseCache } from "../cache.js";
import { ApiError, UpstreamError } from "../errors.js";
import type { HistoryPage, SessionPage, SessionView, SessionViewStatus } from "../responses.js";
import type { IndexDb } from "../index-db.js";
import type { RequestReads, RequestRow } from "../store/requests.js";
import type { ChainClient, Head, IndexerClient } from "../upstream.js";
import { approvedSessionRow, approvedView, cancelled, registeredAfter, requestLink } from "./approved.js";
import { type HistoryCursor, type RequestEntry, decodeCursor, encodeCursor, historyPage, historyPosition, requestEntries } from "./history.js";
import { type AuditRow, IndexReads, type Registered, type SessionHeader, type SessionRow, kernelPermissionId, policyId } from "./index-reads.js";
import { type Moment, type SessionFrame, asOf, derivedStatus, sessionFrame, sessionViewAt } from "./view.js";

export { kernelPermissionId, policyId } from "./index-reads.js";

export type StatusFilter = SessionViewStatus | "all";

/** Registrations whose request links are kept (a few hundred bytes each). */
const LINK_CACHE_SIZE = 20_000;


export interface SessionServiceOptions {
  indexer: IndexerClient;
  /** The index's tables (api/index-db.ts). */
  index: IndexDb;
  /** The stored session requests: approved sessions are shown from them until they are on chain. */
  requests: RequestReads;
  chain: ChainClient;
  deployments: Deployments;
  cacheSize: number;
  /** Milliseconds since the epoch (Date.now); "now" is the later of it and the chain's latest block. */
  clock?: () => number;
}

export class SessionService {
  /** The chain whose sessions these are (the deployments'). */
  readonly chainId: number;
  private readonly indexer: IndexerClient;
  private readonly index: IndexReads;
  private readonly requests: RequestReads;
  private readonly chain: ChainClient;
  private readonly clock: () => number;
  private readonly labels = new Map<string, string>();
  /** linkOf's answers: what each registration's request is never changes. */
  private readonly links = new PromiseCache<SessionView["request"]>(LINK_CACHE_SIZE);
  private readonly tokens = new Map<string, Promise<TokenMeta>>();
  readonly cache: PromiseCache<unknown>;

  constructor(opts: SessionServiceOptions) {
    this.chainId = opts.deployments.chainId;
    this.indexer = opts.indexer;
    this.chain = opts.chain;
    this.requests = opts.requests.forChain(this.chainId);
    this.clock = opts.clock ?? Date.now;
    this.cache = new PromiseCache(opts.cacheSize);
    this.index = new IndexReads(opts.index, this.chainId, (key, load) => this.cached(key, load));
    for (const [name, contract] of Object.entries({ ...opts.deployments.contracts, ...opts.deployments.extras })) {
      this.labels.set(contract.address.toLowerCase(), name);
    }
  }

  private cached<T>(key: string, load: () => Promise<T>): Promise<T> {
    return this.cache.get(key, load) as Promise<T>;
  }

  /** Both sources' latest blocks and "now"; a 503 when either cannot answer. */
  async heads(): Promise<Moment> {
    const [chain, progress] = await Promise.all([this.chain.head(), this.indexer.progress(this.chainId)]);
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

  /** 404 for an account neither the index nor the stored requests know. */
  private async requireAccount(account: Address, indexed: Head, requests?: readonly RequestRow[]): Promise<boolean> {
    const found = await this.index.accountExists(account, indexed);
    if (!found && !(requests ?? (await this.requests.historyOf(account))).length) {
      throw new ApiError("account_not_found", `no session of account ${account} has been seen on chain ${this.chainId} (as of block ${indexed.number}) or approved here`, [
        { field: "params.account", message: "unknown account" },
      ]);
    }
    return found;
  }

  /** One session: its latest registration, or `registration`; an approval not on chain yet from its request. */
  async getSession(account: Address, permissionId: Hex, registration?: number): Promise<SessionView> {
    const moment = await this.heads();
    const { indexed } = moment;
    const id = policyId(permissionId);
    // One cache entry per session and indexed block: the frame, built from the row read for it and
    // the request it came through.
    const frame = await this.cached(`frame:${account}:${id}:${registration ?? "latest"}:${indexed.number}`, async () => {
      const [row] = await this.index.loadSessionRows(account, id, registration);
      return row ? sessionFrame(row, this, await this.linkOf(row)) : null;
    });
    if (!frame && registration === undefined) {
      const request = await this.requests.approvedFor(account, permissionId);
      if (request) return this.approvedSession(request, moment);
    }
    if (!frame) {
      // Which is unknown, the account or only this session of it?
      await this.requireAccount(account, indexed);
      throw new ApiError(
        "session_not_found",
        `account ${account} has no session with permission id ${permissionId}${registration === undefined ? "" : ` and registration ${registration}`} on chain ${this.chainId} (as of block ${indexed.number})`,
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
   * needs them). An approval not on chain yet: its request (`config` null).
   */
  async registered(account: Address, permissionId: Hex): Promise<{ session: SessionView; config: SessionConfig | null; request: RequestRow | null }> {
    // The view answers the 404s; its registration pins the row even if a block has passed since.
    const session = await this.getSession(account, permissionId);
    if (session.registration === null) {
      const request = await this.requests.approvedFor(account, permissionId);
      if (!request) throw new ApiError("session_not_found", `the approval of session ${permissionId} of ${account} is gone`);
      return { session, config: null, request };
    }
    const { indexed } = await this.heads();
    const [row] = await this.index.sessionRows(account, policyId(permissionId), session.registration, indexed);
    if (!row) throw new UpstreamError("indexer", `registration ${session.registration} of ${permissionId} is no longer indexed`);
    return { session, config: sessionConfigFromJson(row.config), request: null };
  }

  /**
   * The request a registration came through: the latest approved request of its permission id made
   * before it. Fixed once the registration exists (its request was approved before it; a later
   * request is not its own, and failures are recorded only before it), so kept apart from the
   * block-keyed cache, in a bounded map of its own.
   */
  private linkOf(row: Pick<SessionRow, "account" | "permissionId" | "registration" | "createdTimestamp">): Promise<SessionView["request"]> {
    const account = getAddress(row.account);
    return this.links.get(`${account}:${row.permissionId}:${row.registration}`, async () => {
      const request = await this.requests.approvedFor(account, kernelPermissionId(row.permissionId));
      return request && registeredAfter(request, row) ? requestLink(request) : null;
    });
  }

  /** The account's Kernel validation nonce at the chain's latest block; null while it is not deployed. */
  private currentNonce(account: Address, chain: Head): Promise<number | null> {
    return this.cached(`nonce:${account}:${chain.number}`, () =>
      this.chain.call("the account's validation nonce", async () => {
        const code = await this.chain.client.getCode({ address: account, blockNumber: chain.number });
        if (!code || code === "0x") return null;
        return Number(await this.chain.client.readContract({ address: account, abi: KernelV3_1AccountAbi, functionName: "currentNonce", blockNumber: chain.number }));
      }),
    );
  }

  /** The session of an approved request that is not on chain yet, at this moment. */
  private async approvedSession(request: RequestRow, moment: Moment): Promise<SessionView> {
    const isCancelled = cancelled(request, await this.currentNonce(getAddress(request.account), moment.chain));
    const frame = await this.cached(`approved:${request.id}:${isCancelled}:${request.failureCount}`, () =>
      sessionFrame(approvedSessionRow(request, isCancelled), this, requestLink(request)),
    );
    return approvedView(sessionViewAt(frame, moment), request);
  }

  /** The account's approved requests whose sessions the index does not hold yet, with their views. */
  private async waitingApprovals(account: Address, headers: readonly SessionHeader[], moment: Moment): Promise<{ request: RequestRow; view: SessionView }[]> {
    const approved = await this.requests.approvedOf(account);
    const waiting = approved.filter((request) => !headers.some((h) => registeredAfter(request, h)));
    return Promise.all(waiting.map(async (request) => ({ request, view: await this.approvedSession(request, moment) })));
  }

  /**
   * Every session of an account, filtered by status (at the chain's latest block): approvals not on
   * chain yet first (latest approval first), then the index's sessions, newest first.
   */
  async listSessions(account: Address, opts: { status: StatusFilter; cursor?: string; limit: number }): Promise<SessionPage> {
    let after: { block: bigint; logIndex: number } | { approvedAt: number; id: string } | undefined;
    if (opts.cursor) {
      const value = decodeCursor("list", opts.cursor, /^(\d{1,20}\.\d{1,9}|r\.\d{1,15}\.[0-9a-f-]{36})$/);
      const [first, second, third] = value.split(".");
      after = first === "r" ? { approvedAt: Number(second), id: third! } : { block: BigInt(first!), logIndex: Number(second) };
    }
    const moment = await this.heads();
    const { indexed } = moment;
    const known = await this.requireAccount(account, indexed);
    const headers = known ? await this.index.sessionHeaders(account, indexed) : [];
    const wanted = (status: SessionViewStatus) => opts.status === "all" || status === opts.status;
    type Item = { approved: { view: SessionView; cursor: string } } | { header: SessionHeader };
    const items: Item[] = [];
    if (!after || "approvedAt" in after) {
      for (const { request, view } of await this.waitingApprovals(account, headers, moment)) {
        const at = request.approvedAt!.getTime();
        if (after && (at > after.approvedAt || (at === after.approvedAt && request.id >= after.id))) continue;
        if (wanted(view.status)) items.push({ approved: { view, cursor: `r.${at}.${request.id}` } });
      }
    }
    for (const h of headers) {
      if (after && "block" in after) {
        const block = h.createdBlock;
        if (block > after.block || (block === after.block && h.createdLogIndex >= after.logIndex)) continue;
      }
      if (wanted(derivedStatus(h, moment.now))) items.push({ header: h });
    }
    const page = items.slice(0, opts.limit);
    const onChain = page.flatMap((item) => ("header" in item ? [item.header] : []));
    const rows = await this.index.rowsOf(account, onChain, indexed);
    const views = await Promise.all(rows.map((r) => this.view(r, moment)));
    const last = page[page.length - 1];
    const lastCursor = last && ("approved" in last ? last.approved.cursor : `${last.header.createdBlock}.${last.header.createdLogIndex}`);
    return {
      items: [...page.flatMap((item) => ("approved" in item ? [item.approved.view] : [])), ...views],
      nextCursor: items.length > page.length && lastCursor ? encodeCursor("list", lastCursor) : null,
      asOf: asOf(moment),
    };
  }

  /** The account's sessions that may act now or later: active or pending on chain, or approved and waiting for their first operation. */
  private async liveSessions(
    account: Address,
  ): Promise<{ permissionId: Hex; status: SessionViewStatus; sessionKey: string | null; calls: { target: string; selector: string }[] }[]> {
    const moment = await this.heads();
    const { indexed, now } = moment;
    const known = await this.index.accountExists(account, indexed);
    const headers = known ? await this.index.sessionHeaders(account, indexed) : [];
    const live = headers.filter((h) => ["active", "pending"].includes(derivedStatus(h, now)));
    const rows = await this.index.rowsOf(account, live, indexed);
    const waiting = (await this.waitingApprovals(account, headers, moment)).filter(({ view }) => view.status === "approved");
    return [
      ...rows.map((r) => ({ permissionId: kernelPermissionId(r.permissionId), status: derivedStatus(r, now), sessionKey: r.sessionKey, calls: r.calls })),
      ...waiting.map(({ view }) => ({ permissionId: view.permissionId, status: view.status, sessionKey: view.sessionKey, calls: view.permissions })),
    ];
  }

  /** The account's live sessions (see liveSessions) allowing exactly these calls. */
  async liveWithSameCalls(account: Address, calls: readonly { target: Address; selector: Hex }[]): Promise<{ permissionId: Hex; status: SessionViewStatus }[]> {
    const key = (c: { target: string; selector: string }) => `${c.target.toLowerCase()}:${c.selector.toLowerCase()}`;
    const wanted = new Set(calls.map(key));
    const live = await this.liveSessions(account);
    return live.filter((r) => r.calls.length === wanted.size && r.calls.every((c) => wanted.has(key(c)))).map(({ permissionId, status }) => ({ permissionId, status }));
  }

  /** Permission ids of the account's live sessions (see liveSessions) whose key is `sessionKey`. */
  async liveWithKey(account: Address, sessionKey: Address): Promise<Hex[]> {
    const live = await this.liveSessions(account);
    return live.filter((r) => r.sessionKey?.toLowerCase() === sessionKey.toLowerCase()).map((r) => r.permissionId);
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
    const frame = await this.cached<SessionFrame>(`frame:${id}`, async () => sessionFrame(row, this, await this.linkOf(row)));
    return sessionViewAt(frame, moment);
  }

  /*//////////////////////////////////////////////////////////////
                              HISTORY
  //////////////////////////////////////////////////////////////*/

  /**
   * The history of one session, oldest first: its request off chain (requested, approved or
   * declined or expired unsigned, failed first operations), then on chain (registration, executions,
   * revocation). A request's entries belong to the registration its first operation made (the first
   * after the request), or to the latest view while it has none.
   */
  async history(account: Address, permissionId: Hex, opts: { cursor?: string; limit: number; registration?: number }): Promise<HistoryPage> {
    const at = opts.cursor ? historyPosition(opts.cursor) : {};
    const moment = await this.heads();
    const { indexed } = moment;
    const id = policyId(permissionId);
    const requests = await this.requests.historyOf(account, permissionId);
    const known = await this.requireAccount(account, indexed, requests);
    const registrations = known ? await this.index.registrationIds(account, indexed, id) : [];
    if (registrations.length === 0 && requests.length === 0) {
      throw new ApiError("session_not_found", `account ${account} has no session with permission id ${permissionId} on chain ${this.chainId}`, [
        { field: "params.permissionId", message: "unknown session" },
      ]);
    }
    const latest = registrations.length;
    if (opts.registration !== undefined && (opts.registration < 1 || opts.registration > latest)) {
      throw new ApiError(
        "session_not_found",
        latest ? `permission ${permissionId} of ${account} has registrations 1 to ${latest}, not ${opts.registration}` : `permission ${permissionId} of ${account} is not on chain yet`,
        [{ field: "query.registration", message: "unknown registration" }],
      );
    }
    const registration = opts.registration ?? latest;
    const madeBy = (request: RequestRow) => {
      const n = registrations.findIndex((r) => registeredAfter(request, { permissionId: r.permissionId, createdTimestamp: r.timestamp }));
      return n === -1 ? latest : n + 1;
    };
    const offChain = requests.filter((r) => madeBy(r) === registration).flatMap((r) => requestEntries(r, moment.now));
    const rows =
      registration === 0
        ? []
        : await this.index.auditPage(
            { account, permissionId: id, from: registrations[registration - 1]!, before: registrations[registration], after: at.chain },
            opts.limit,
            indexed,
          );
    return { ...(await this.page(account, at, rows, offChain, registrations, indexed, opts.limit)), asOf: asOf(moment) };
  }

  /** The same across every session of the account, with every request's entries. */
  async activity(account: Address, opts: { cursor?: string; limit: number }): Promise<HistoryPage> {
    const at = opts.cursor ? historyPosition(opts.cursor) : {};
    const moment = await this.heads();
    const { indexed } = moment;
    const requests = await this.requests.historyOf(account);
    const known = await this.requireAccount(account, indexed, requests);
    const [rows, registrations] = known
      ? await Promise.all([this.index.auditPage({ account, after: at.chain }, opts.limit, indexed), this.index.registrationIds(account, indexed)])
      : [[], []];
    const offChain = requests.flatMap((r) => requestEntries(r, moment.now));
    return { ...(await this.page(account, at, rows, offChain, registrations, indexed, opts.limit)), asOf: asOf(moment) };
  }

  private page(account: Address, at: HistoryCursor, rows: AuditRow[], offChain: RequestEntry[], registrations: Registered[], indexed: Head, limit: number) {
    const outcomes = (page: AuditRow[]) => {
      const nonces = [...new Set(page.filter((r) => r.event === "SessionUsed").map((r) => String(r.args.nonce)))].map(BigInt);
      return nonces.length ? this.index.executionOutcomes(account, nonces, indexed) : Promise.resolve([]);
    };
    return historyPage(at, rows, offChain, { outcomes, registrations, names: this }, limit);
  }
}
