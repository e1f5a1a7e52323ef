// Automations from their creation to their run: a session key made here and sealed at once, the
// session request stored by the API (the automation's id as its Idempotency-Key, so a retry finds
// it), the owner's answer followed, the plan's slots written once approved; and cancellation.
import { randomUUID } from "node:crypto";
import { and, asc, desc, eq, inArray, sql } from "drizzle-orm";
import type { Address } from "viem";
import type { AutomationSummary } from "../sdk/automations.js";
import { type ApprovedRequest, approvalOfRequest } from "../sdk/approved-request.js";
import { readTokenInfo, type ReadClient } from "../sdk/request.js";
import { createSessionKey, type LeashChain } from "../sdk/session.js";
import type { Vault } from "./keys.js";
import type { Log } from "./log.js";
import type { Runner } from "./runner.js";
import type { ExecutorDb } from "./store/db.js";
import { summarize } from "./summary.js";
import { attempt, automation, slot } from "./store/schema.js";
import { z } from "zod";
import { planStopLoss, type StopLossPlan, stopLossSessionRequest, stopLossSpecSchema } from "./stop-loss.js";
import { planTwap, slotDueAt, type TwapPlan, twapSessionRequest, twapSpecSchema } from "./twap.js";

/** What POST /v1/automations takes: a TWAP or a stop-loss, told apart by `kind`. */
export const automationSpecSchema = z.discriminatedUnion("kind", [twapSpecSchema, stopLossSpecSchema]);
export type AutomationSpec = z.output<typeof automationSpecSchema>;
type Plan = TwapPlan | StopLossPlan;

export interface ServiceOptions {
  db: ExecutorDb["db"];
  chain: LeashChain;
  vault: Vault;
  log: Log;
  runner: Runner;
  apiUrl: string;
}

/** The API refused the automation's session request; `status` and `body` are the API's. */
export class RequestRefused extends Error {
  override name = "RequestRefused";
  constructor(readonly status: number, readonly body: unknown) {
    super(`the API refused the session request (${status})`);
  }
}

export class AutomationService {
  /** Requests being sent now: whoever asks again waits for the same answer. */
  private readonly sending = new Map<string, Promise<void>>();

  constructor(private readonly o: ServiceOptions) {}

  /** A new automation: its key sealed, its request stored by the API (or retried by follow()). */
  async create(spec: AutomationSpec) {
    const { db, chain, vault } = this.o;
    const client = chain.client as ReadClient;
    const tokenIn = await readTokenInfo(client, spec.tokenIn);
    const plan = spec.kind === "twap" ? planTwap(spec, tokenIn) : await planStopLoss(client, spec, tokenIn);
    const id = randomUUID();
    const key = createSessionKey();
    const chainId = chain.deployments.chainId;
    const request = plan.kind === "twap" ? twapSessionRequest(plan, key.address, chainId) : stopLossSessionRequest(plan, key.address, chainId);
    const now = new Date();
    await db.insert(automation).values({
      id,
      kind: spec.kind,
      status: "requesting",
      account: spec.account,
      plan,
      request,
      sessionKey: key.address,
      sealedKey: vault.seal(id, key.privateKey),
      createdAt: now,
      updatedAt: now,
    });
    const shape =
      plan.kind === "twap"
        ? { slices: plan.slices, intervalSeconds: plan.intervalSeconds }
        : { feed: plan.feed, threshold: plan.threshold, maxAgeSeconds: plan.maxAgeSeconds, checkIntervalSeconds: plan.checkIntervalSeconds };
    this.o.log("automation.created", { automation: id, kind: plan.kind, account: spec.account, sessionKey: key.address, ...shape, amounts: plan.amounts });
    try {
      await this.sendRequest(id, request);
    } catch (error) {
      if (error instanceof RequestRefused) {
        await this.o.runner.stop(id, "request-refused", `the API refused the session request: ${JSON.stringify(error.body)}`);
        throw error;
      }
      this.o.log("request.unsent", { automation: id, reason: (error as Error).message }, "warn");
    }
    return this.get(id);
  }

  private async sendRequest(id: string, request: unknown): Promise<void> {
    const inFlight = this.sending.get(id) ?? this.postRequest(id, request).finally(() => this.sending.delete(id));
    this.sending.set(id, inFlight);
    return inFlight;
  }

  private async postRequest(id: string, request: unknown): Promise<void> {
    const response = await fetch(`${this.o.apiUrl}/v1/session-requests`, {
      method: "POST",
      headers: { "content-type": "application/json", "idempotency-key": id },
      body: JSON.stringify(request),
    });
    const body = (await response.json()) as { id?: string };
    if (response.status >= 500) throw new Error(`the API answered ${response.status}`);
    if (response.status !== 201 && response.status !== 200) throw new RequestRefused(response.status, body);
    await this.o.db
      .update(automation)
      .set({ status: "awaiting_approval", requestId: body.id!, updatedAt: new Date() })
      .where(eq(automation.id, id));
    this.o.log("request.stored", { automation: id, request: body.id, approvalUrl: `${this.o.apiUrl}/approve/${body.id}` });
  }

  /** Sends requests not stored yet, and reads the owner's answer to those waiting for it. */
  async follow(): Promise<void> {
    const { db } = this.o;
    const waiting = await db.select().from(automation).where(inArray(automation.status, ["requesting", "awaiting_approval"]));
    for (const a of waiting) {
      try {
        if (a.status === "requesting") await this.sendRequest(a.id, a.request);
        else await this.readAnswer(a);
      } catch (error) {
        if (error instanceof RequestRefused) await this.o.runner.stop(a.id, "request-refused", `the API refused the session request: ${JSON.stringify(error.body)}`);
        else this.o.log("request.unreachable", { automation: a.id, reason: (error as Error).message }, "warn");
      }
    }
  }

  private async readAnswer(a: typeof automation.$inferSelect): Promise<void> {
    const response = await fetch(`${this.o.apiUrl}/v1/session-requests/${a.requestId}`);
    if (response.status >= 500) throw new Error(`the API answered ${response.status}`);
    const request = (await response.json()) as ApprovedRequest;
    if (request.status === "awaiting_approval") return;
    if (request.status !== "approved" && request.status !== "active") {
      await this.o.runner.stop(a.id, request.status, `the session request was ${request.status.replace("_", " ")} before the automation could start`);
      return;
    }
    const approval = approvalOfRequest(this.o.chain, request);
    const plan = a.plan as Plan;
    const start = new Date();
    // A stop-loss's one slot is due at once: its first check.
    const dueAt = (index: number) => (plan.kind === "twap" ? slotDueAt(start, plan, index) : start);
    // Executors sharing a database may read the same answer: the first to move the automation on
    // plans its slots; the others find it running already and leave it.
    const started = await this.o.db.transaction(async (tx) => {
      const [moved] = await tx
        .update(automation)
        .set({ status: "running", approval, updatedAt: start })
        .where(and(eq(automation.id, a.id), eq(automation.status, "awaiting_approval")))
        .returning({ id: automation.id });
      if (!moved) return false;
      await tx.insert(slot).values(plan.amounts.map((amountIn, index) => ({ automationId: a.id, index, dueAt: dueAt(index), amountIn, status: "pending" as const })));
      return true;
    });
    if (!started) return;
    this.o.log("automation.running", { automation: a.id, request: a.requestId, permissionId: approval.permissionId, validUntil: approval.validUntil });
  }

  /** The owner's (or the chat's) cancellation: final at once; a slot already being sent completes. */
  async cancel(id: string): Promise<boolean> {
    return this.o.runner.end(id, "cancelled", "cancelled", "cancelled by its owner");
  }

  /** An automation as the HTTP surface shows it: never its key. */
  async get(id: string) {
    const { db } = this.o;
    const [a] = await db.select().from(automation).where(eq(automation.id, id));
    if (!a) return undefined;
    const slots = await db.select().from(slot).where(eq(slot.automationId, id)).orderBy(asc(slot.index));
    const attempts = await db.select().from(attempt).where(eq(attempt.automationId, id)).orderBy(asc(attempt.id));
    return view(a, slots, attempts, this.o.apiUrl);
  }

  /** An account's automations in short (sdk/automations.ts), newest first. */
  async summaries(account: Address): Promise<AutomationSummary[]> {
    const { db } = this.o;
    const rows = await db.select().from(automation).where(sql`lower(${automation.account}) = ${account.toLowerCase()}`).orderBy(desc(automation.createdAt)).limit(100);
    return Promise.all(
      rows.map(async (a) => {
        const slots = await db.select().from(slot).where(eq(slot.automationId, a.id)).orderBy(asc(slot.index));
        const attempts = await db.select().from(attempt).where(eq(attempt.automationId, a.id)).orderBy(asc(attempt.id));
        return summarize(a, slots, attempts, this.o.apiUrl, this.o.chain.deployments.chainId);
      }),
    );
  }

  async list() {
    const rows = await this.o.db.select({ id: automation.id }).from(automation).orderBy(desc(automation.createdAt)).limit(100);
    return Promise.all(rows.map((r) => this.get(r.id)));
  }
}

function view(a: typeof automation.$inferSelect, slots: (typeof slot.$inferSelect)[], attempts: (typeof attempt.$inferSelect)[], apiUrl: string) {
  const { sealedKey, approval, request, lastCheck, ...rest } = a;
  const plan = a.plan as Plan;
  return {
    ...rest,
    keyHeld: sealedKey !== null,
    permissionId: (approval as { permissionId?: string } | null)?.permissionId ?? null,
    approvalUrl: a.requestId ? `${apiUrl}/approve/${a.requestId}` : null,
    progress: { executed: slots.filter((s) => s.status === "done" || s.status === "reverted").length, of: plan.amounts.length },
    // A stop-loss: what it watches, and its last reading of the feed.
    ...(plan.kind === "stop_loss"
      ? { watch: { feed: plan.feed, threshold: plan.threshold, maxAgeSeconds: plan.maxAgeSeconds, checkIntervalSeconds: plan.checkIntervalSeconds, lastCheck } }
      : {}),
    slots: slots.map(({ leaseUntil: _lease, ...s }) => s),
    attempts,
  };
}
