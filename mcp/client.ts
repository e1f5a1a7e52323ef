// A client of the Leash API over HTTP, for integrations that run outside the API's process (the MCP
// server for chat clients). Errors keep the API's code, message and bad fields; an API that cannot be
// reached is named by its URL, so that whoever reads the error knows what to start or to fix.
import { SettingsError } from "../api/config.js";
import { type FieldIssue, describeError } from "../api/errors.js";
import type { AutomationCancelView, HistoryPage, RevocationView, SessionPage, SessionRequestView, SessionView } from "../api/responses.js";
import type { AutomationSummary } from "../sdk/automations.js";
import type { StatusFilter } from "../api/sessions/service.js";

export const DEFAULT_API_URL = "http://127.0.0.1:4000";

/** Long enough for a session request's explanation, which reads the chain several times. */
const DEFAULT_TIMEOUT_MS = 15_000;

export type { HistoryPage, SessionPage };

/** The API answered with one of its errors (4xx, or 503 while the indexer or the chain is down). */
export class LeashApiError extends Error {
  override name = "LeashApiError";
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly issues: FieldIssue[] = [],
  ) {
    super(message);
  }
}

/** No answer from the API, or an answer that is not the API's JSON (a proxy's page, another service). */
export class LeashUnreachableError extends Error {
  override name = "LeashUnreachableError";
  constructor(
    readonly url: string,
    message: string,
  ) {
    super(message);
  }
}

/** LEASH_API_URL (default http://127.0.0.1:4000) without trailing slashes; a bad value throws one line naming it. */
export function apiUrlSetting(env: NodeJS.ProcessEnv = process.env): string {
  const value = env.LEASH_API_URL?.trim() || DEFAULT_API_URL;
  let url: URL | undefined;
  try {
    url = new URL(value);
  } catch {
    url = undefined;
  }
  // A query or fragment would end up in the middle of every request's path.
  if (!url || (url.protocol !== "http:" && url.protocol !== "https:") || url.search || url.hash) {
    throw new SettingsError(`invalid setting LEASH_API_URL=${JSON.stringify(value)}: must be the API's http(s) URL, such as ${DEFAULT_API_URL}`);
  }
  return value.replace(/\/+$/, "");
}

type Query = Record<string, string | number | undefined>;

export interface LeashClientOptions {
  timeoutMs?: number;
  fetch?: typeof fetch;
}

export class LeashClient {
  private readonly timeoutMs: number;
  private readonly fetch: typeof fetch;

  constructor(
    readonly baseUrl: string,
    opts: LeashClientOptions = {},
  ) {
    this.timeoutMs = opts.timeoutMs ?? DEFAULT_TIMEOUT_MS;
    // Called as a method below: the global one must not see this client as its `this`.
    this.fetch = opts.fetch ?? ((input, init) => globalThis.fetch(input, init));
  }

  // `chainId`: the chain of the session; may be left out when the API follows one chain.

  /** GET /v1/accounts/:account/sessions */
  listSessions(account: string, query: { status?: StatusFilter; cursor?: string; limit?: number; chainId?: number } = {}): Promise<SessionPage> {
    return this.request("GET", `/v1/accounts/${segment(account)}/sessions`, query);
  }

  /** GET /v1/accounts/:account/sessions/:permissionId */
  getSession(account: string, permissionId: string, query: { registration?: number; chainId?: number } = {}): Promise<SessionView> {
    return this.request("GET", `/v1/accounts/${segment(account)}/sessions/${segment(permissionId)}`, query);
  }

  /** GET /v1/accounts/:account/sessions/:permissionId/history */
  sessionHistory(account: string, permissionId: string, query: { cursor?: string; limit?: number; registration?: number; chainId?: number } = {}): Promise<HistoryPage> {
    return this.request("GET", `/v1/accounts/${segment(account)}/sessions/${segment(permissionId)}/history`, query);
  }

  /** GET /v1/accounts/:account/activity */
  activity(account: string, query: { cursor?: string; limit?: number; chainId?: number } = {}): Promise<HistoryPage> {
    return this.request("GET", `/v1/accounts/${segment(account)}/activity`, query);
  }

  /** POST /v1/accounts/:account/sessions/:permissionId/revocation: the owner's call, prepared (nothing is sent). */
  prepareRevocation(account: string, permissionId: string, query: { chainId?: number } = {}): Promise<RevocationView> {
    return this.request("POST", `/v1/accounts/${segment(account)}/sessions/${segment(permissionId)}/revocation`, query);
  }

  /** GET /v1/accounts/:account/automations */
  automations(account: string): Promise<{ items: AutomationSummary[] }> {
    return this.request("GET", `/v1/accounts/${segment(account)}/automations`, {});
  }

  /** POST /v1/accounts/:account/automations/:id/cancel */
  cancelAutomation(account: string, id: string): Promise<AutomationCancelView> {
    return this.request("POST", `/v1/accounts/${segment(account)}/automations/${segment(id)}/cancel`, {});
  }

  /** The dashboard page where the owner revokes a session with their wallet. */
  revocationLink(account: string, permissionId: string, chainId?: number): string {
    return `${this.baseUrl}/dashboard?${new URLSearchParams({ account, revoke: permissionId, ...(chainId === undefined ? {} : { chain: String(chainId) }) })}`;
  }

  /** The page where the owner reads and signs a session request. */
  approvalLink(id: string): string {
    return `${this.baseUrl}/approve/${segment(id)}`;
  }

  /** POST /v1/session-requests: the request explained and stored, awaiting the owner's approval. */
  createRequest(request: unknown): Promise<SessionRequestView> {
    return this.request("POST", "/v1/session-requests", {}, request);
  }

  /** GET /v1/accounts/:account/session-requests */
  sessionRequests(account: string, query: { limit?: number; chainId?: number } = {}): Promise<{ items: SessionRequestView[] }> {
    return this.request("GET", `/v1/accounts/${segment(account)}/session-requests`, query);
  }

  /** GET /v1/session-requests/:id */
  sessionRequest(id: string): Promise<SessionRequestView> {
    return this.request("GET", `/v1/session-requests/${segment(id)}`, {});
  }

  private async request<T>(method: "GET" | "POST", path: string, query: Query, body?: unknown): Promise<T> {
    const search = new URLSearchParams();
    for (const [key, value] of Object.entries(query)) if (value !== undefined) search.set(key, String(value));
    const url = `${this.baseUrl}${path}${search.size ? `?${search}` : ""}`;
    let response: Response;
    let text: string;
    try {
      response = await this.fetch(url, {
        method,
        headers: body === undefined ? { accept: "application/json" } : { accept: "application/json", "content-type": "application/json" },
        body: body === undefined ? undefined : JSON.stringify(body),
        signal: AbortSignal.timeout(this.timeoutMs),
      });
      text = await response.text();
    } catch (error) {
      const detail =
        (error as Error).name === "TimeoutError" ? `no answer within ${this.timeoutMs / 1000} s` : describeError(error);
      throw new LeashUnreachableError(
        this.baseUrl,
        `the Leash API at ${this.baseUrl} is unreachable (${detail}); start it with \`npm run api\`, or set LEASH_API_URL to where it runs`,
      );
    }
    let json: unknown;
    try {
      json = JSON.parse(text);
    } catch {
      json = undefined;
    }
    if (response.ok && json !== null && typeof json === "object") return json as T;
    const error = (json as { error?: { code?: unknown; message?: unknown; issues?: unknown } } | undefined)?.error;
    if (error && typeof error.code === "string" && typeof error.message === "string") {
      throw new LeashApiError(response.status, error.code, error.message, Array.isArray(error.issues) ? (error.issues as FieldIssue[]) : []);
    }
    throw new LeashUnreachableError(
      this.baseUrl,
      `${method} ${this.baseUrl}${path} answered HTTP ${response.status} without the Leash API's JSON; is LEASH_API_URL the Leash API?`,
    );
  }
}

/** Arguments arrive from a chat model: whatever they hold stays inside one path segment. */
const segment = (value: string) => encodeURIComponent(value);
