// One browser session key, from creation to revocation, without React: the hooks subscribe to it
// (useSyncExternalStore). The key is made and kept in this object's memory only, never in storage
// and never sent anywhere: a reload loses it, and with it the power to act (the session on chain
// stays until it expires or the owner revokes it). The owner's wallet (EIP-1193) signs the approval
// and sends the revocation; the API explains, stores and reports; the session key signs operations.
import type { Address, Hex } from "viem";
import { generatePrivateKey, privateKeyToAccount } from "viem/accounts";
import type { z } from "zod";
import type { sessionRequestSchema as storedRequestSchema, sessionSchema } from "../api/responses.js";
import type { ApprovedRequest } from "../sdk/approved-request.js";
import type { BundlerMargins } from "../sdk/claim.js";
import type { Deployments } from "../sdk/deployments.js";
import { SessionOperationError } from "../sdk/session.js";
import type { sessionRequestSchema } from "../sdk/request.js";
import { NO_ACCOUNT_TEXT, NO_WALLET_TEXT, UNKNOWN_CHAIN, unknownChainText, walletErrorWords } from "../sdk/wallet.js";
import { LeashError } from "./errors.js";
import type { Call, ChainSettings, ExecutionResult, LeashEngine } from "./engine.js";

/** A session as the API reports it (GET /v1/accounts/:account/sessions/:permissionId). */
export type SessionView = z.output<typeof sessionSchema>;
/** A stored session request as the API reports it (POST /v1/session-requests). */
export type SessionRequestView = z.output<typeof storedRequestSchema>;
/** What the app asks for: the API's session request without the account and key, which the hooks fill in. */
export type SessionRequest = Omit<z.input<typeof sessionRequestSchema>, "walletAddress" | "sessionKeyAddress" | "duration" | "factory" | "factoryData"> & {
  /** Seconds; DEFAULT_DURATION (6 hours) when left out. */
  duration?: number;
};

/** The owner's wallet: any EIP-1193 provider. */
export interface Eip1193Provider {
  request(args: { method: string; params?: unknown[] }): Promise<unknown>;
}

/**
 * none → created (a key in memory) → approved (the owner signed; no operation yet) → active (on
 * chain) → expired / exhausted / revoked.
 */
export type SessionState = "none" | "created" | "approved" | "active" | "expired" | "exhausted" | "revoked";

/** Six hours: a session key on a device lasts a working session unless the request says otherwise. */
export const DEFAULT_DURATION = 6 * 3600;
/** How often the session is read from the API while it is approved or active. */
export const DEFAULT_POLL_MS = 5_000;
/** onExpiring fires this many seconds before the end, unless told otherwise. */
export const DEFAULT_EXPIRING_SECONDS = 600;

export interface LeashSettings {
  chain: ChainSettings;
  bundlerUrl: string;
  /** The seconds the bundler wants an operation's validity to start before, and end after, its arrival; default the SDK's BUNDLER_MARGINS. */
  bundlerMargins?: BundlerMargins;
  /** The Leash API, e.g. http://127.0.0.1:4000 (no trailing /v1). */
  apiUrl: string;
  /** The owner's wallet. */
  provider: Eip1193Provider | null | undefined;
  /** The smart account the session is for; default: the owner's Kernel account (index 0). */
  account?: Address;
  pollMs?: number;
  /** onLowCalls fires once when the lifetime calls left fall to this; default: a tenth of the maximum, at least 1. */
  lowCalls?: number;
  /** onExpiring fires once when this many seconds are left; default DEFAULT_EXPIRING_SECONDS. */
  expiringSeconds?: number;
  onLowCalls?: (remaining: number, session: SessionView) => void;
  onExpiring?: (secondsLeft: number, session: SessionView) => void;
  /** The chain side (tests pass a fake); default: the SDK, with the deployments the API serves. */
  engine?: LeashEngine;
  fetch?: typeof fetch;
  /** Unix seconds now; default the clock. */
  now?: () => number;
}

export interface TokenLeft {
  token: Address;
  symbol: string | null;
  /** Base units left in total / this period, as decimal strings; null = no such limit. */
  total: string | null;
  thisPeriod: string | null;
  /** '"$41.67 of $1,000.00 spent"', and this period's, as the API words it. */
  display: string[];
}

export interface LeashSnapshot {
  sessionState: SessionState;
  hasActiveSession: boolean;
  /** The session key's address (the private key is never in the snapshot). */
  sessionKey: Address | null;
  account: Address | null;
  permissionId: Hex | null;
  /** The stored request: its explanation (summary.can / cannot, warnings) and its status. */
  request: SessionRequestView | null;
  /** The session as the API last reported it. */
  session: SessionView | null;
  /** Lifetime calls left; null = no limit or no session. */
  remainingCalls: number | null;
  /** "12 / 100 calls remaining", as the API words it. */
  callsText: string | null;
  spendRemaining: TokenLeft[];
  /** Seconds until the session expires (counted down every second); null = no session or no expiry. */
  timeLeft: number | null;
  lastExecution: ExecutionResult | null;
  error: LeashError | null;
  /** What is under way: one step at a time. */
  pending: "register" | "execute" | "revoke" | null;
}

const EMPTY: LeashSnapshot = {
  sessionState: "none",
  hasActiveSession: false,
  sessionKey: null,
  account: null,
  permissionId: null,
  request: null,
  session: null,
  remainingCalls: null,
  callsText: null,
  spendRemaining: [],
  timeLeft: null,
  lastExecution: null,
  error: null,
  pending: null,
};

/** The state a session's view amounts to; "approved" and "pending" (not started) both wait for a first operation. */
export function stateOf(view: SessionView, now: number): SessionState {
  if (view.expiresAt && now >= view.expiresAt.unix && view.status !== "revoked" && view.status !== "replaced") return "expired";
  switch (view.status) {
    case "approved":
    case "pending":
      return "approved";
    case "active":
      return "active";
    case "expired":
      return "expired";
    case "exhausted":
      return "exhausted";
    case "revoked":
    case "replaced":
      return "revoked";
  }
}

export class LeashStore {
  private snapshot: LeashSnapshot = EMPTY;
  private readonly listeners = new Set<() => void>();
  /** The session key: here only. */
  #privateKey: Hex | null = null;
  private engine: Promise<LeashEngine> | null = null;
  private poller: ReturnType<typeof setInterval> | null = null;
  private ticker: ReturnType<typeof setInterval> | null = null;
  /** The owner's signature of a stored request, until the API has taken it. */
  private unsent: { key: Address; asked: string; request: SessionRequestView; signature: Hex } | null = null;
  private warnedLow = false;
  private warnedExpiring = false;

  constructor(private settings: LeashSettings) {
    if (settings.engine) this.engine = Promise.resolve(settings.engine);
  }

  /** New settings from a re-rendered provider: callbacks and the wallet change, the session stays. */
  configure(settings: LeashSettings) {
    const chainChanged = settings.chain.id !== this.settings.chain.id || settings.apiUrl !== this.settings.apiUrl || settings.bundlerUrl !== this.settings.bundlerUrl;
    this.settings = settings;
    if (settings.engine) this.engine = Promise.resolve(settings.engine);
    else if (chainChanged) this.engine = null;
  }

  subscribe = (listener: () => void) => {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  };

  getSnapshot = () => this.snapshot;

  private set(change: Partial<LeashSnapshot>) {
    this.snapshot = { ...this.snapshot, ...change };
    this.snapshot.hasActiveSession = this.snapshot.sessionState === "active" || this.snapshot.sessionState === "approved";
    for (const listener of this.listeners) listener();
  }

  private now() {
    return this.settings.now?.() ?? Math.floor(Date.now() / 1000);
  }

  /*//////////////////////////////////////////////////////////////
                               STEPS
  //////////////////////////////////////////////////////////////*/

  /** A new session key, in memory only; any previous key of this page is forgotten (not revoked). */
  createSession(): { sessionKey: Address } {
    this.stop();
    this.unsent = null;
    this.#privateKey = generatePrivateKey();
    const sessionKey = privateKeyToAccount(this.#privateKey).address;
    this.warnedLow = this.warnedExpiring = false;
    this.snapshot = { ...EMPTY };
    this.set({ sessionState: "created", sessionKey });
    return { sessionKey };
  }

  /**
   * Asks the API to explain and store `request` for the session key (made now if there is none),
   * has the owner sign its typed data once in the wallet, and submits the approval. `confirm`, when
   * given, sees the explanation first (what the key CAN and CANNOT do, the warnings) and may stop
   * there. A refusal in the wallet declines the stored request and leaves the key as it was. When
   * the approval cannot reach the API, calling it again with the same request sends the same
   * signature: the wallet is not asked twice.
   */
  async registerSession(request: SessionRequest, opts: { confirm?: (request: SessionRequestView) => boolean | Promise<boolean> } = {}): Promise<SessionRequestView> {
    if (this.snapshot.sessionState !== "none" && this.snapshot.sessionState !== "created") {
      throw this.fail(new LeashError("state", `this page's session is ${this.snapshot.sessionState}: revoke it, or create a new session, before registering another`));
    }
    if (!this.#privateKey) this.createSession();
    return this.step("register", async () => {
      // A signature the API has not taken yet is sent again for the same request: the owner signs once.
      const unsent = this.unsent;
      if (unsent && unsent.key === this.snapshot.sessionKey && unsent.asked === JSON.stringify(request)) return this.submit(unsent.request, unsent.signature);
      if (unsent) await this.decline(unsent.request.id, "Replaced by another request before its approval reached the API.");
      this.unsent = null;
      const owner = await this.owner();
      const engine = await this.chainEngine();
      const own = await engine.ownerAccount(owner).catch((error) => {
        throw new LeashError("network", `the owner's account could not be read from the chain: ${messageOf(error)}`, { cause: error });
      });
      const account = this.settings.account ?? own.address;
      const deployFields = this.settings.account === undefined && own.factory ? { factory: own.factory, factoryData: own.factoryData } : {};
      const stored = await this.api<SessionRequestView>("POST", "/v1/session-requests", {
        ...request,
        walletAddress: account,
        sessionKeyAddress: this.snapshot.sessionKey,
        duration: request.duration ?? DEFAULT_DURATION,
        ...deployFields,
      });
      this.set({ request: stored, account, permissionId: stored.toSign.permissionId });
      if (opts.confirm && !(await opts.confirm(stored))) {
        await this.decline(stored.id, "The owner did not go on after reading the explanation.");
        throw new LeashError("wallet-declined", "You stopped before signing; nothing was granted.");
      }
      let signature: Hex;
      try {
        signature = (await this.wallet("eth_signTypedData_v4", [owner, JSON.stringify(stored.toSign.typedData)], "You declined in your wallet; nothing was granted.")) as Hex;
      } catch (error) {
        if (error instanceof LeashError && error.kind === "wallet-declined") await this.decline(stored.id, "The owner declined in the wallet.");
        throw error;
      }
      this.unsent = { key: this.snapshot.sessionKey!, asked: JSON.stringify(request), request: stored, signature };
      return this.submit(stored, signature);
    });
  }

  /** Submits the owner's signature of `stored`; kept (this.unsent) until the API has taken it. */
  private async submit(stored: SessionRequestView, signature: Hex): Promise<SessionRequestView> {
    const approved = await this.api<SessionRequestView>("POST", `/v1/session-requests/${stored.id}/approval`, { signature }).catch((error: unknown) => {
      // Refused (a signature that does not verify, a request expired): sending it again would not help.
      if (error instanceof LeashError && error.status !== null && error.status < 500) this.unsent = null;
      throw error;
    });
    this.unsent = null;
    this.set({ request: approved, sessionState: "approved" });
    await this.refresh().catch(() => {});
    this.start();
    return approved;
  }

  /**
   * Sends `calls` as one operation signed by the session key, with no prompt. The first one puts the
   * approved session on chain. A refusal throws LeashError "refused" with the SDK's reason.
   */
  async executeWithSession(calls: readonly Call[]): Promise<ExecutionResult> {
    const { sessionState, request } = this.snapshot;
    if (!this.#privateKey || !request || (sessionState !== "approved" && sessionState !== "active")) {
      throw this.fail(
        new LeashError(
          sessionState === "expired" || sessionState === "exhausted" || sessionState === "revoked" ? "refused" : "state",
          sessionState === "none" || sessionState === "created"
            ? "no approved session: create one and have the owner register it first"
            : `the session is ${sessionState}: it can no longer act`,
          { reason: sessionState === "expired" ? "expired" : sessionState === "exhausted" ? "exhausted" : sessionState === "revoked" ? "revoked" : undefined },
        ),
      );
    }
    const key = this.#privateKey;
    const first = sessionState === "approved";
    return this.step("execute", async () => {
      const engine = await this.chainEngine();
      let result: ExecutionResult;
      try {
        result = await engine.execute(approvedRequest(request), key, calls);
      } catch (error) {
        const failure = error instanceof SessionOperationError
          ? new LeashError("refused", error.refusal.message, { refusal: error.refusal, cause: error })
          : new LeashError("network", `the operation could not be sent: ${messageOf(error)}`, { cause: error });
        // The API keeps the reason with the approval, for the owner and the chat to see.
        if (first) await this.api("POST", `/v1/session-requests/${request.id}/failure`, { reason: failure.message.slice(0, 500) }).catch(() => {});
        throw failure;
      }
      this.set({ lastExecution: result });
      await this.refresh().catch(() => {});
      return result;
    });
  }

  /**
   * Revokes the session through the owner's wallet: the API prepares the account's call to itself,
   * the wallet sends it, and once it is mined the key is forgotten. A key never approved is simply
   * forgotten. Safe to call from a logout handler: with nothing to revoke it does nothing.
   */
  async revokeSession(): Promise<{ transactionHash: Hex | null }> {
    const { sessionState, account, permissionId } = this.snapshot;
    if (sessionState === "none" || sessionState === "revoked") return { transactionHash: null };
    if (sessionState === "created" || !account || !permissionId) {
      this.forget("none");
      return { transactionHash: null };
    }
    return this.step("revoke", async () => {
      const prepared = await this.api<{ call: { to: Address; data: Hex } }>(
        "POST",
        `/v1/accounts/${account}/sessions/${permissionId}/revocation?chainId=${this.settings.chain.id}`,
      );
      await this.owner();
      const hash = (await this.wallet(
        "eth_sendTransaction",
        [{ from: account, to: prepared.call.to, data: prepared.call.data, value: "0x0" }],
        "You declined in your wallet; nothing was revoked.",
      )) as Hex;
      const engine = await this.chainEngine();
      const { success } = await engine.waitForTransaction(hash);
      if (!success) throw new LeashError("wallet-failed", `the revocation's transaction ${hash} failed on chain; the session was not revoked`);
      this.forget("revoked");
      await this.refresh().catch(() => {});
      return { transactionHash: hash };
    });
  }

  /** Reads the session from the API now. */
  async refresh(): Promise<void> {
    const { account, permissionId, sessionState } = this.snapshot;
    if (!account || !permissionId || sessionState === "none" || sessionState === "created") return;
    const view = await this.api<SessionView>("GET", `/v1/accounts/${account}/sessions/${permissionId}?chainId=${this.settings.chain.id}`);
    this.show(view);
  }

  /** Polls again after stop() (the provider mounted again, as React's StrictMode does in development). */
  resume() {
    const { sessionState } = this.snapshot;
    if (!this.poller && (sessionState === "approved" || sessionState === "active")) this.start();
  }

  /** Stops polling (the provider unmounting); the key stays until the page goes. */
  stop() {
    if (this.poller) clearInterval(this.poller);
    if (this.ticker) clearInterval(this.ticker);
    this.poller = this.ticker = null;
  }

  /*//////////////////////////////////////////////////////////////
                              INTERNALS
  //////////////////////////////////////////////////////////////*/

  private show(view: SessionView) {
    // A revocation this page made stays revoked even while the index has not seen it yet.
    const state = this.snapshot.sessionState === "revoked" ? "revoked" : stateOf(view, this.now());
    this.set({
      session: view,
      sessionState: state,
      remainingCalls: view.calls.remaining,
      callsText: view.display.calls,
      spendRemaining: view.tokens.map((t) => ({ token: t.token, symbol: t.symbol, total: t.remaining.total?.raw ?? null, thisPeriod: t.remaining.thisPeriod?.raw ?? null, display: t.display })),
      timeLeft: view.expiresAt ? Math.max(0, view.expiresAt.unix - this.now()) : null,
    });
    this.watch(view);
    if (state !== "approved" && state !== "active") this.stop();
  }

  /** onLowCalls and onExpiring, each once per session. */
  private watch(view: SessionView) {
    const { sessionState, remainingCalls, timeLeft } = this.snapshot;
    if (sessionState !== "active" && sessionState !== "approved") return;
    const max = view.calls.max;
    const low = this.settings.lowCalls ?? (max === null ? null : Math.max(1, Math.floor(max / 10)));
    if (!this.warnedLow && remainingCalls !== null && low !== null && remainingCalls <= low) {
      this.warnedLow = true;
      this.settings.onLowCalls?.(remainingCalls, view);
    }
    const soon = this.settings.expiringSeconds ?? DEFAULT_EXPIRING_SECONDS;
    if (!this.warnedExpiring && timeLeft !== null && timeLeft <= soon) {
      this.warnedExpiring = true;
      this.settings.onExpiring?.(timeLeft, view);
    }
  }

  private start() {
    this.stop();
    this.poller = setInterval(() => void this.refresh().catch(() => {}), this.settings.pollMs ?? DEFAULT_POLL_MS);
    this.ticker = setInterval(() => {
      const view = this.snapshot.session;
      if (!view?.expiresAt) return;
      const timeLeft = Math.max(0, view.expiresAt.unix - this.now());
      if (timeLeft === this.snapshot.timeLeft) return;
      this.set({ timeLeft, ...(timeLeft === 0 && this.snapshot.sessionState !== "revoked" ? { sessionState: "expired" as const } : {}) });
      this.watch(view);
      if (timeLeft === 0) this.stop();
    }, 1000);
  }

  /** Forgets the key: after a revocation ("revoked", its views kept) or before any approval ("none"). */
  private forget(state: "none" | "revoked") {
    this.#privateKey = null;
    this.unsent = null;
    this.stop();
    if (state === "none") this.snapshot = { ...EMPTY };
    this.set({ sessionState: state, sessionKey: state === "none" ? null : this.snapshot.sessionKey });
  }

  private async step<T>(name: NonNullable<LeashSnapshot["pending"]>, run: () => Promise<T>): Promise<T> {
    if (this.snapshot.pending) throw this.fail(new LeashError("state", `wait: ${this.snapshot.pending} is under way`));
    this.set({ pending: name, error: null });
    try {
      const result = await run();
      this.set({ pending: null });
      return result;
    } catch (error) {
      const failure = error instanceof LeashError ? error : new LeashError("network", messageOf(error), { cause: error });
      this.set({ pending: null, error: failure });
      throw failure;
    }
  }

  private fail(error: LeashError): LeashError {
    this.set({ error });
    return error;
  }

  private async decline(id: string, reason: string) {
    await this.api("POST", `/v1/session-requests/${id}/decline`, { reason }).catch(() => {});
  }

  private chainEngine(): Promise<LeashEngine> {
    this.engine ??= (async () => {
      const deployments = await this.api<Deployments>("GET", `/v1/chains/${this.settings.chain.id}/deployments`);
      const { sdkEngine } = await import("./engine.js");
      return sdkEngine({ chain: this.settings.chain, bundlerUrl: this.settings.bundlerUrl, bundlerMargins: this.settings.bundlerMargins, deployments });
    })();
    // A failure is tried again next time.
    this.engine.catch(() => (this.engine = null));
    return this.engine;
  }

  /** The owner's address, connecting the wallet, on the settings' chain (asking the wallet to switch). */
  private async owner(): Promise<Address> {
    const accounts = (await this.wallet("eth_requestAccounts", undefined, "You declined to connect your wallet.")) as Address[];
    if (!Array.isArray(accounts) || !accounts[0]) throw new LeashError("wallet-failed", NO_ACCOUNT_TEXT);
    const chainId = Number(BigInt((await this.wallet("eth_chainId", undefined, "You declined to say which chain your wallet is on.")) as string));
    if (chainId !== this.settings.chain.id) {
      await this.wallet("wallet_switchEthereumChain", [{ chainId: `0x${this.settings.chain.id.toString(16)}` }], `You declined to switch your wallet to chain ${this.settings.chain.id}.`);
    }
    return accounts[0];
  }

  /** One request to the wallet; its refusal and failures in the words the dashboard uses too (sdk/wallet.ts). */
  private async wallet(method: string, params: unknown[] | undefined, declined: string): Promise<unknown> {
    const provider = this.settings.provider;
    if (!provider || typeof provider.request !== "function") throw new LeashError("wallet-missing", `${NO_WALLET_TEXT} (LeashProvider was given no EIP-1193 provider.)`);
    try {
      return await provider.request(params === undefined ? { method } : { method, params });
    } catch (error) {
      if (Number((error as { code?: unknown })?.code) === UNKNOWN_CHAIN && method === "wallet_switchEthereumChain") {
        throw new LeashError("wallet-failed", unknownChainText(`chain ${this.settings.chain.id}`), { code: String(UNKNOWN_CHAIN), cause: error });
      }
      const words = walletErrorWords(error, declined);
      const code = words.code === null ? null : String(words.code);
      throw new LeashError(words.kind === "refused" ? "wallet-declined" : "wallet-failed", words.message, { code, cause: error });
    }
  }

  private async api<T>(method: "GET" | "POST", path: string, body?: unknown): Promise<T> {
    const f = this.settings.fetch ?? globalThis.fetch.bind(globalThis);
    let response: Response;
    try {
      response = await f(`${this.settings.apiUrl.replace(/\/$/, "")}${path}`, {
        method,
        headers: body === undefined ? {} : { "content-type": "application/json" },
        body: body === undefined ? undefined : JSON.stringify(body),
      });
    } catch (error) {
      throw new LeashError("network", `the Leash API at ${this.settings.apiUrl} could not be reached: ${messageOf(error)}`, { cause: error });
    }
    const text = await response.text();
    let json: unknown = null;
    try {
      json = text ? JSON.parse(text) : null;
    } catch {
      json = null;
    }
    if (!response.ok) {
      const answer = (json as { error?: { code?: string; message?: string } } | null)?.error ?? {};
      throw new LeashError("api", answer.message ?? `the Leash API answered ${response.status} to ${method} ${path}`, { code: answer.code ?? null, status: response.status });
    }
    return json as T;
  }
}

/** The SDK's view of a stored, approved request. */
function approvedRequest(request: SessionRequestView): ApprovedRequest {
  return request as unknown as ApprovedRequest;
}

function messageOf(error: unknown): string {
  if (error instanceof Error) return (error as { shortMessage?: string }).shortMessage ?? error.message;
  return String(error);
}
