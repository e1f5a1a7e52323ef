// Stored session requests: created with their explanation and the typed data the owner signs,
// then approved with the owner's signature (verified as the chain will verify it), declined, or
// left to expire unsigned. An approved request's session is shown at once (sessions/approved.ts);
// once the index sees it registered by its first operation, the request reads as active. Failed
// first operations are reported by whoever holds the session key, and kept with the request.
// Times are the API's "now": the later of the chain's latest block and the clock.
import { createHash, randomUUID } from "node:crypto";
import { and, desc, eq, gt, sql } from "drizzle-orm";
import { type Address, type Hex, getAddress } from "viem";
import { formatDuration } from "../sdk/format.js";
import type { Chains, FollowedChain } from "./chains.js";
import { ApiError } from "./errors.js";
import type { DeclineView, Explanation, SessionRequestView } from "./responses.js";
import { requestLink } from "./sessions/approved.js";
import type { RequestReads, RequestRow } from "./store/requests.js";
import { sessionRequest } from "./store/schema.js";

type Row = RequestRow;

const STATUS_TEXT: Record<SessionRequestView["status"], string> = {
  awaiting_approval: "Waiting for the owner's approval",
  approved: "Approved, waiting for its first operation",
  declined: "Declined by the owner",
  expired: "Expired before anyone signed it: ask again",
  active: "Approved and active on chain",
  revoked: "Approved, then revoked before its first operation",
};

export interface SessionRequestsOptions {
  /** The stored requests (the API's database, opened on first use). */
  stored: RequestReads;
  /** Per chain: its explainer, its sessions, and its checks of accounts and approvals (approval-signature.ts). */
  chains: Chains;
  /** How long a request waits for the owner's signature. */
  ttlSeconds: number;
  clock?: () => number;
}

export class SessionRequests {
  private readonly clock: () => number;
  constructor(private readonly opts: SessionRequestsOptions) {
    this.clock = opts.clock ?? Date.now;
  }

  private query<T>(what: string, run: Parameters<RequestReads["query"]>[1] extends (db: infer D) => unknown ? (db: D) => Promise<T> : never): Promise<T> {
    return this.opts.stored.query(what, run);
  }

  /** The API's "now" on a chain in milliseconds: the later of its latest block and the clock. */
  private async now(on: FollowedChain): Promise<number> {
    const head = await on.chain.head();
    return Math.max(this.clock(), Number(head.timestamp) * 1000);
  }

  /**
   * The chain a new request is for: its first permission's chainId. With one chain followed, that
   * chain (the request's check then names a chainId that differs); with several, the one named.
   */
  private chainForBody(body: unknown): FollowedChain {
    const { chains } = this.opts;
    // One permission or a list of them (sdk/request.ts takes both).
    const permissions = (body as { permissions?: unknown } | null)?.permissions;
    const first = (Array.isArray(permissions) ? permissions[0] : permissions) as { chainId?: unknown } | undefined;
    const named = first?.chainId;
    if (typeof named === "number" && chains.has(named)) return chains.get(named);
    if (chains.list.length === 1 || typeof named !== "number") return chains.list[0]!;
    throw new ApiError("invalid_session_request", `this API does not follow chain ${named}; it follows ${chains.ids.join(", ")}`, [
      { field: Array.isArray(permissions) ? "body.permissions.0.chainId" : "body.permissions.chainId", message: `not one of ${chains.ids.join(", ")}` },
    ]);
  }

  /** The chain of a stored request (one stored before chains were recorded: the only one followed). */
  private chainOf(row: Row): FollowedChain {
    return this.opts.chains.get(row.chainId ?? undefined, "params.id");
  }

  /** Explains and stores a request; with an idempotency key, a retry returns the first request. */
  async create(body: unknown, idempotencyKey?: string): Promise<{ view: SessionRequestView; created: boolean }> {
    const bodyHash = createHash("sha256").update(JSON.stringify(body)).digest("hex");
    if (idempotencyKey) {
      const found = await this.byKey(idempotencyKey);
      if (found) return { view: await this.view(this.sameBody(found, bodyHash)), created: false };
    }
    const on = this.chainForBody(body);
    const explanation = await on.explainer.explain(body);
    await on.approvals.requireKernelAccount(explanation, body);
    await this.requireUsable(on, explanation);
    const now = new Date(await this.now(on));
    const row = {
      id: randomUUID(),
      idempotencyKey: idempotencyKey ?? null,
      bodyHash,
      chainId: on.chainId,
      account: explanation.toSign.account.toLowerCase(),
      sessionKey: explanation.toSign.sessionKey.toLowerCase(),
      permissionId: explanation.toSign.permissionId,
      status: "awaiting_approval" as const,
      request: body,
      explanation,
      createdAt: now,
      expiresAt: new Date(now.getTime() + this.opts.ttlSeconds * 1000),
    };
    const inserted = await this.query("store the request", (db) =>
      db.insert(sessionRequest).values(row).onConflictDoNothing({ target: sessionRequest.idempotencyKey }).returning(),
    );
    if (inserted[0]) return { view: await this.view(inserted[0]), created: true };
    // Another POST with the same key won the race: answer with its request.
    const winner = await this.byKey(idempotencyKey!);
    if (!winner) throw new ApiError("store_unavailable", "the request's idempotency key was taken but its request cannot be read", [], { "retry-after": "2" });
    return { view: await this.view(this.sameBody(winner, bodyHash)), created: false };
  }

  /**
   * Refuses a session key that already acts for a live session of the account (one key per
   * session, so that revoking one session never leaves its key acting through another).
   */
  private async requireUsable(on: FollowedChain, explanation: Explanation) {
    const account = getAddress(explanation.toSign.account);
    const sessionKey = getAddress(explanation.toSign.sessionKey);
    const live = await on.sessions.liveWithKey(account, sessionKey);
    if (live.length) {
      throw new ApiError(
        "invalid_session_request",
        `session key ${sessionKey} already acts for session ${live.join(", ")} of ${account}: create a new key for each session`,
        [{ field: "body.sessionKeyAddress", message: "already the key of a live session" }],
      );
    }
  }

  private async byKey(key: string): Promise<Row | undefined> {
    const rows = await this.query("read the request", (db) => db.select().from(sessionRequest).where(eq(sessionRequest.idempotencyKey, key)).limit(1));
    return rows[0];
  }

  private sameBody(row: Row, bodyHash: string): Row {
    if (row.bodyHash !== bodyHash) {
      throw new ApiError("idempotency_key_reused", `Idempotency-Key was used for another request (${row.id}); use a new key for a new request`, [
        { field: "headers.idempotency-key", message: "already used for a different request" },
      ]);
    }
    return row;
  }

  /** An account's requests (on one chain, or on every chain followed), newest first (at most `limit`), each with where it stands. */
  async listFor(account: Address, limit: number, chainId?: number): Promise<SessionRequestView[]> {
    if (chainId !== undefined) this.opts.chains.get(chainId);
    const rows = await this.query("read the account's requests", (db) =>
      db
        .select()
        .from(sessionRequest)
        .where(and(eq(sessionRequest.account, account.toLowerCase()), chainId === undefined ? undefined : eq(sessionRequest.chainId, chainId)))
        .orderBy(desc(sessionRequest.createdAt))
        .limit(limit),
    );
    return Promise.all(rows.map((row) => this.view(row)));
  }

  async get(id: string): Promise<SessionRequestView> {
    return this.view(await this.row(id));
  }

  private async row(id: string): Promise<Row> {
    const rows = await this.query("read the request", (db) => db.select().from(sessionRequest).where(eq(sessionRequest.id, id)).limit(1));
    const row = rows[0];
    if (!row) throw new ApiError("request_not_found", `no session request ${id}`, [{ field: "params.id", message: "unknown request" }]);
    return row;
  }

  /** The owner's signature: verified, then stored; exactly one of two concurrent approvals wins. */
  async approve(id: string, signature: Hex): Promise<SessionRequestView> {
    const row = await this.row(id);
    // The same approval sent again (its answer was lost on the way): the stored approval.
    if (row.status === "approved" && row.signature?.toLowerCase() === signature.toLowerCase()) return this.view(row);
    const on = this.chainOf(row);
    this.requireOpen(row, await this.now(on));
    const explanation = row.explanation as Explanation;
    const signer = await on.approvals.verify(explanation, row.request, signature);
    const now = new Date(await this.now(on));
    const updated = await this.query("store the approval", (db) =>
      db
        .update(sessionRequest)
        .set({ status: "approved", approvedAt: now, signature, signer: signer.toLowerCase() })
        .where(and(eq(sessionRequest.id, id), eq(sessionRequest.status, "awaiting_approval"), gt(sessionRequest.expiresAt, now)))
        .returning(),
    );
    if (updated[0]) return this.view(updated[0]);
    // Someone else decided first (or the same approval, sent twice at once), or it expired meanwhile.
    const current = await this.row(id);
    if (current.status === "approved" && current.signature?.toLowerCase() === signature.toLowerCase()) return this.view(current);
    this.requireOpen(current, now.getTime());
    throw new ApiError("request_already_decided", `session request ${id} was decided meanwhile`);
  }

  async decline(id: string, reason: string | undefined): Promise<DeclineView> {
    const row = await this.row(id);
    const now = new Date(await this.now(this.chainOf(row)));
    this.requireOpen(row, now.getTime());
    const updated = await this.query("store the refusal", (db) =>
      db
        .update(sessionRequest)
        .set({ status: "declined", declinedAt: now, declineReason: reason ?? null })
        .where(and(eq(sessionRequest.id, id), eq(sessionRequest.status, "awaiting_approval")))
        .returning(),
    );
    if (!updated[0]) {
      this.requireOpen(await this.row(id), now.getTime());
      throw new ApiError("request_already_decided", `session request ${id} was decided meanwhile`);
    }
    const view = await this.view(updated[0]);
    const manual = view.session.functions.map((f) => ({
      target: f.target,
      function: f.signature,
      selector: f.selector,
      text: `Call ${f.signature} on ${f.target} yourself when you want it done: your wallet asks you to sign each call.`,
    }));
    return { ...view, manual };
  }

  /** 409 when decided, 410 when expired unsigned (at `now`, in milliseconds). */
  private requireOpen(row: Row, now: number) {
    if (row.status !== "awaiting_approval") {
      throw new ApiError("request_already_decided", `session request ${row.id} was ${row.status} already${row.status === "approved" ? ` by ${row.signer}` : ""}`, [
        { field: "params.id", message: `request ${row.status}` },
      ]);
    }
    if (row.expiresAt.getTime() <= now) {
      throw new ApiError("request_expired", `session request ${row.id} expired unsigned at ${row.expiresAt.toISOString()}: ask for a new session`, [
        { field: "params.id", message: "request expired" },
      ]);
    }
  }

  /**
   * A failed first operation of an approved session, reported by whoever holds its key: kept with
   * the request (the latest reason, and how many), shown with the session, which stays approved and
   * can be tried again. Once the session is on chain, its operations are the index's to tell.
   */
  async reportFailure(id: string, reason: string): Promise<SessionRequestView> {
    const row = await this.row(id);
    const view = await this.view(row);
    if (view.status !== "approved") {
      const why =
        view.status === "active"
          ? "its session is on chain already: its operations are in the session's history"
          : `it is ${view.status.replace("_", " ")}, not approved and waiting for its first operation`;
      throw new ApiError("request_already_decided", `a failed first operation cannot be recorded for session request ${id}: ${why}`, [
        { field: "params.id", message: `request ${view.status}` },
      ]);
    }
    const now = new Date(await this.now(this.chainOf(row)));
    const updated = await this.query("store the failure", (db) =>
      db
        .update(sessionRequest)
        .set({ failureCount: sql`${sessionRequest.failureCount} + 1`, failureReason: reason, failedAt: now })
        .where(and(eq(sessionRequest.id, id), eq(sessionRequest.status, "approved")))
        .returning(),
    );
    if (!updated[0]) throw new ApiError("request_not_found", `session request ${id} is no longer approved`);
    return this.view(updated[0]);
  }

  /** The stored request as the API shows it, its status read with the index. */
  private async view(row: Row): Promise<SessionRequestView> {
    const stored = row.explanation as Explanation;
    const on = this.chainOf(row);
    // Explanations stored before they named their chain get it from the request's row.
    const explanation = { ...stored, toSign: { ...stored.toSign, chainId: on.chainId } };
    const now = await this.now(on);
    let status: SessionRequestView["status"] = row.status;
    let sessionStatus: SessionRequestView["sessionStatus"] = null;
    if (row.status === "awaiting_approval" && row.expiresAt.getTime() <= now) status = "expired";
    if (row.status === "approved") {
      // The session of this approval: on chain once its first operation registered it, else shown
      // from this request (approved, or revoked or expired before any operation).
      const session = await on.sessions.getSession(getAddress(row.account), row.permissionId as Hex);
      const ours = session.request?.id === row.id;
      sessionStatus = session.status;
      if (ours && session.registration !== null) status = "active";
      else if (ours && session.status === "revoked") status = "revoked";
    }
    const at = (d: Date) => ({ unix: Math.floor(d.getTime() / 1000), iso: d.toISOString() });
    const left = Math.max(0, Math.floor((row.expiresAt.getTime() - now) / 1000));
    return {
      ...explanation,
      id: row.id,
      status,
      sessionStatus,
      createdAt: at(row.createdAt),
      expiresAt: at(row.expiresAt),
      approvalUrl: `/approve/${row.id}`,
      approval: row.approvedAt && row.signature && row.signer ? { signer: getAddress(row.signer), signature: row.signature as Hex, at: at(row.approvedAt) } : null,
      decline: row.declinedAt ? { reason: row.declineReason, at: at(row.declinedAt) } : null,
      failure: requestLink(row).failure,
      display: { status: status === "awaiting_approval" ? `${STATUS_TEXT[status]} (expires in ${formatDuration(left)})` : STATUS_TEXT[status] },
    };
  }
}
