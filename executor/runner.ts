// Runs due slots, one at a time: claims a slot in the database before anything is sent (a conditional
// UPDATE: one runner wins), records each attempt's user-operation hash before the operation leaves,
// and marks the slot done only from the EntryPoint's UserOperationEvent. Every operation of a slot is
// signed with the account's next nonce, so at most one of them can execute; a slot left "sending" by
// a crash is resolved from the chain first (its hashes' events), never blindly sent again. A
// stop-loss's one slot (the sale) is claimed like any other at each check: while its price feed reads
// at or above the threshold, or unusable, the slot goes back to pending, due at the next check.
import { and, asc, desc, eq, inArray, isNull, lt, lte, notExists, or, sql } from "drizzle-orm";
import { alias } from "drizzle-orm/pg-core";
import type { Hex } from "viem";
import type { ReadClient } from "../sdk/request.js";
import { ClaimError } from "../sdk/claim.js";
import { approvalSchema, type LeashChain, type Transport, usableClaim } from "../sdk/session.js";
import type { Log } from "./log.js";
import type { Vault } from "./keys.js";
import { classify, findInclusion, type Inclusion, signOperation, submitOperation } from "./send.js";
import type { ExecutorDb } from "./store/db.js";
import { attempt, automation, slot } from "./store/schema.js";
import { checkStopLoss, type PriceCheck, type StopLossPlan } from "./stop-loss.js";
import { minimumOutput, swapCall, type TwapPlan } from "./twap.js";

export interface RunnerOptions {
  db: ExecutorDb["db"];
  chain: LeashChain;
  vault: Vault;
  log: Log;
  retryMs: number;
  maxAttempts: number;
  leaseSeconds: number;
  /** Where operations go: a bundler, or (the default) the EntryPoint directly from the chain client's account. */
  via?: Transport;
}

type SlotRow = typeof slot.$inferSelect;
type AutomationRow = typeof automation.$inferSelect;

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));
/** Longest wait for a claim inside a slot (a boundary's dead seconds are ~37); longer, the slot is deferred. */
const MAX_CLAIM_WAIT_SECONDS = 60;

export class Runner {
  constructor(private readonly o: RunnerOptions) {}

  /** With PGlite only this process holds the database: leases left by a previous process are void. */
  async releaseLeases(): Promise<void> {
    await this.o.db.update(slot).set({ leaseUntil: null }).where(eq(slot.status, "sending"));
  }

  /** Runs the next due slot, if any; true when one ran. */
  async runNext(): Promise<boolean> {
    const { db } = this.o;
    const now = new Date();
    const earlier = alias(slot, "earlier");
    const claimable = or(eq(slot.status, "pending"), and(eq(slot.status, "sending"), or(isNull(slot.leaseUntil), lt(slot.leaseUntil, now))));
    const [due] = await db
      .select({ automationId: slot.automationId, index: slot.index })
      .from(slot)
      .innerJoin(automation, eq(automation.id, slot.automationId))
      .where(
        and(
          eq(automation.status, "running"),
          lte(slot.dueAt, now),
          claimable,
          notExists(
            db
              .select({ one: sql`1` })
              .from(earlier)
              .where(and(eq(earlier.automationId, slot.automationId), lt(earlier.index, slot.index), inArray(earlier.status, ["pending", "sending"]))),
          ),
        ),
      )
      .orderBy(asc(slot.dueAt))
      .limit(1);
    if (!due) return false;
    const block = await this.o.chain.client.getBlockNumber({ cacheTime: 0 });
    const [claimed] = await db
      .update(slot)
      .set({ status: "sending", leaseUntil: this.lease(), fromBlock: sql`coalesce(${slot.fromBlock}, ${block.toString()})` })
      .where(and(eq(slot.automationId, due.automationId), eq(slot.index, due.index), claimable))
      .returning();
    if (!claimed) return true; // another runner took it
    const [row] = await db.select().from(automation).where(eq(automation.id, claimed.automationId));
    await this.runSlot(row!, claimed);
    return true;
  }

  private lease(): Date {
    return new Date(Date.now() + this.o.leaseSeconds * 1000);
  }

  private async runSlot(a: AutomationRow, s: SlotRow): Promise<void> {
    const { db, chain, log } = this.o;
    const where = and(eq(slot.automationId, s.automationId), eq(slot.index, s.index));
    const approval = approvalSchema.parse(a.approval);
    const plan = a.plan as TwapPlan | StopLossPlan;
    const amountIn = BigInt(s.amountIn);
    const ids = { automation: a.id, slot: s.index };
    if (!a.sealedKey) return this.stop(a.id, "key-missing", "the session key is gone");
    // A stop-loss's skipped checks are not tries at sending.
    const previous = (await db.select().from(attempt).where(and(eq(attempt.automationId, a.id), eq(attempt.slotIndex, s.index)))).filter((p) => p.result !== "skipped");
    const hashes = previous.flatMap((p) => (p.userOpHash ? [p.userOpHash as Hex] : []));
    if (previous.length > 0) log("slot.resume", { ...ids, attempts: previous.length, userOpHashes: hashes });
    // Once an operation of the sale is signed, the sale was decided: it is resolved, never re-judged.
    if (plan.kind === "stop_loss" && hashes.length === 0) {
      if (Date.now() / 1000 >= approval.validUntil) return this.stop(a.id, "expired", "the session expired before the price fell below the threshold");
      if (!(await this.priceBelow(a, plan, s))) return;
    }
    for (let n = previous.length + 1; ; n++) {
      await db.update(slot).set({ leaseUntil: this.lease() }).where(where);
      const included = await findInclusion(chain, hashes, BigInt(s.fromBlock ?? "0")).catch(() => undefined);
      if (included) return this.finish(a.id, s.index, included);
      const [current] = await db.select({ status: automation.status }).from(automation).where(eq(automation.id, a.id));
      if (current?.status !== "running") {
        // Cancelled meanwhile: nothing of this slot executed (checked just above), so it stays unsent.
        await db.update(slot).set({ status: "pending", leaseUntil: null }).where(where);
        return;
      }
      if (Date.now() / 1000 >= approval.validUntil) return this.stop(a.id, "expired", `the session expired before slot ${s.index} could run`);
      let attemptId: number | undefined;
      let minimumOut: bigint | undefined;
      try {
        // A moment the bundler accepts (not a window's first seconds nor its last ~30 s), waited for.
        const waited = (ms: number) => {
          log("slot.waiting", { ...ids, seconds: ms / 1000, reason: "the bundler's time margins around a window or period boundary" });
          return sleep(ms);
        };
        let claim: number;
        try {
          ({ claim } = await usableClaim(chain, approval, this.o.via ?? { direct: true }, { maxWaitSeconds: MAX_CLAIM_WAIT_SECONDS, sleep: waited }));
        } catch (error) {
          if (!(error instanceof ClaimError)) throw error;
          if (error.sendableAt === null) return this.stop(a.id, "expired", `slot ${s.index} cannot run: ${error.message}`);
          // Later than a short wait (the session starts later): the slot is due then.
          await db.update(slot).set({ status: "pending", leaseUntil: null, dueAt: new Date(error.sendableAt * 1000) }).where(where);
          log("slot.deferred", { ...ids, until: error.sendableAt, reason: error.message });
          return;
        }
        minimumOut = await minimumOutput(chain.client, plan, amountIn);
        const signed = await signOperation(chain, approval, this.o.vault.open(a.id, a.sealedKey), swapCall(plan, amountIn, minimumOut), claim);
        hashes.push(signed.hash);
        // Recorded before it leaves: a crash from here on is resolved by this hash's event.
        const [row] = await db
          .insert(attempt)
          .values({ automationId: a.id, slotIndex: s.index, at: new Date(), userOpHash: signed.hash, nonce: signed.op.nonce.toString(), amountIn: s.amountIn, minimumOut: minimumOut.toString(), result: "sending" })
          .returning({ id: attempt.id });
        attemptId = row!.id;
        await db.update(slot).set({ nonce: signed.op.nonce.toString(), userOpHash: signed.hash }).where(where);
        log("slot.sending", { ...ids, attempt: n, userOpHash: signed.hash, nonce: signed.op.nonce, amountIn: s.amountIn, minimumOut });
        return this.finish(a.id, s.index, await submitOperation(chain, signed, this.o.via ?? { direct: true }, BigInt(s.fromBlock ?? "0")));
      } catch (error) {
        const outcome = classify(error, approval.tokens);
        if (outcome.type === "reverted") {
          const included = await findInclusion(chain, hashes, BigInt(s.fromBlock ?? "0")).catch(() => undefined);
          if (included) return this.finish(a.id, s.index, included);
        }
        const message = outcome.type === "refused" ? outcome.refusal.message : outcome.message;
        const result = outcome.type === "refused" ? ("refused" as const) : ("transient" as const);
        const fields = { result, message, refusalKind: outcome.type === "refused" ? outcome.refusal.kind : null, finishedAt: new Date() };
        if (attemptId !== undefined) await db.update(attempt).set(fields).where(eq(attempt.id, attemptId));
        else await db.insert(attempt).values({ automationId: a.id, slotIndex: s.index, at: new Date(), amountIn: s.amountIn, minimumOut: minimumOut?.toString(), ...fields });
        log("slot.failed", { ...ids, attempt: n, ...fields }, "warn");
        if (outcome.type === "refused" && !outcome.temporary) {
          await db.update(slot).set({ status: "refused", leaseUntil: null, finishedAt: new Date() }).where(where);
          return this.stop(a.id, outcome.refusal.kind, `slot ${s.index} was refused: ${outcome.refusal.message}`);
        }
        if (n >= this.o.maxAttempts) return this.stop(a.id, "retries-exhausted", `slot ${s.index} failed ${n} times; the last: ${message}`);
        await sleep(Math.min(this.o.retryMs * 2 ** (n - 1), 30_000));
      }
    }
  }

  /**
   * A stop-loss's check: the feed read at the chain's time, the reading kept as the automation's
   * lastCheck and logged. Below the threshold: true, the sale goes ahead. Otherwise the slot is
   * released, due at the next check; an unusable feed is also recorded as a skipped attempt each time
   * it turns unusable (or for another reason), not at every check.
   */
  private async priceBelow(a: AutomationRow, plan: StopLossPlan, s: SlotRow): Promise<boolean> {
    const { db, chain, log } = this.o;
    const last = a.lastCheck as PriceCheck | null;
    const check = await checkStopLoss(chain.client as ReadClient, plan, (last?.checks ?? 0) + 1);
    await db.update(automation).set({ lastCheck: check }).where(eq(automation.id, a.id));
    const { at: _at, ...fields } = check;
    log("price.checked", { automation: a.id, feed: plan.feed, threshold: plan.threshold, ...fields }, check.outcome === "skipped" ? "warn" : "info");
    if (check.outcome === "below") return true;
    if (check.outcome === "skipped" && (last?.outcome !== "skipped" || last.reason !== check.reason)) {
      const now = new Date();
      await db.insert(attempt).values({ automationId: a.id, slotIndex: s.index, at: now, amountIn: s.amountIn, result: "skipped", refusalKind: check.reason, message: check.message, finishedAt: now });
    }
    await db
      .update(slot)
      .set({ status: "pending", leaseUntil: null, fromBlock: null, dueAt: new Date(Date.now() + plan.checkIntervalSeconds * 1000) })
      .where(and(eq(slot.automationId, s.automationId), eq(slot.index, s.index)));
    return false;
  }

  /** The slot executed (its call succeeded or reverted): recorded from the EntryPoint's event. */
  private async finish(automationId: string, index: number, inc: Inclusion): Promise<void> {
    const { db, log } = this.o;
    const gas = { transactionHash: inc.transactionHash, gasUsed: inc.gasUsed.toString(), gasCost: inc.gasCost.toString(), finishedAt: new Date() };
    await db
      .update(slot)
      .set({ status: inc.success ? "done" : "reverted", userOpHash: inc.userOpHash, leaseUntil: null, ...gas })
      .where(and(eq(slot.automationId, automationId), eq(slot.index, index)));
    // Retries can sign the very same operation again (same nonce, call, fees and deadline): the last
    // attempt with the hash is the one that got it there, the earlier ones keep their failures.
    const [last] = await db
      .select({ id: attempt.id })
      .from(attempt)
      .where(and(eq(attempt.automationId, automationId), eq(attempt.userOpHash, inc.userOpHash)))
      .orderBy(desc(attempt.id))
      .limit(1);
    if (last) await db.update(attempt).set({ result: inc.success ? "included" : "reverted", ...gas }).where(eq(attempt.id, last.id));
    log("slot.executed", { automation: automationId, slot: index, success: inc.success, userOpHash: inc.userOpHash, transactionHash: inc.transactionHash, gasUsed: inc.gasUsed, gasCost: inc.gasCost });
    const open = await db
      .select({ index: slot.index })
      .from(slot)
      .where(and(eq(slot.automationId, automationId), inArray(slot.status, ["pending", "sending"])));
    if (open.length === 0) await this.end(automationId, "completed", null, null);
  }

  async stop(automationId: string, kind: string, reason: string): Promise<void> {
    await this.end(automationId, "stopped", kind, reason);
  }

  /** A final status; the session key's sealed copy is deleted with it. */
  async end(automationId: string, status: "completed" | "stopped" | "cancelled", kind: string | null, reason: string | null): Promise<boolean> {
    const now = new Date();
    const [ended] = await this.o.db
      .update(automation)
      .set({ status, stopKind: kind, stopReason: reason, sealedKey: null, updatedAt: now, finishedAt: now })
      .where(and(eq(automation.id, automationId), inArray(automation.status, ["requesting", "awaiting_approval", "running"])))
      .returning({ id: automation.id });
    if (ended) this.o.log(`automation.${status}`, { automation: automationId, kind, reason, keyDeleted: true }, status === "stopped" ? "warn" : "info");
    return Boolean(ended);
  }
}
