// The executor's own tables (schema leash_executor): automations (their plan, their sealed session
// key, their approval, their final status), the plan's slots (each executed at most once) and every
// attempt at sending one. Migrations in migrations/ are generated from this file by drizzle-kit
// (npm run db:generate:executor) and applied at start-up.
import { integer, jsonb, pgSchema, primaryKey, serial, text, timestamp, index } from "drizzle-orm/pg-core";

export const executorSchema = pgSchema("leash_executor");

/**
 * requesting (the API has not stored its session request yet) → awaiting_approval → running →
 * completed | stopped (stop_kind says why: declined, expired, revoked, a limit, retries) | cancelled.
 */
export const AUTOMATION_STATUSES = ["requesting", "awaiting_approval", "running", "completed", "stopped", "cancelled"] as const;
export const FINAL_STATUSES = ["completed", "stopped", "cancelled"] as const;
export const automationStatus = executorSchema.enum("automation_status", AUTOMATION_STATUSES);

export const automation = executorSchema.table("automation", {
  id: text("id").primaryKey(),
  kind: text("kind").notNull(),
  status: automationStatus("status").notNull(),
  account: text("account").notNull(),
  /** The plan as created (twap.ts TwapPlan or stop-loss.ts StopLossPlan, amounts in base units as strings). */
  plan: jsonb("plan").notNull(),
  /** The session request sent to the API (sdk/request.ts shape). */
  request: jsonb("request").notNull(),
  sessionKey: text("session_key").notNull(),
  /** The session key's private key, sealed (keys.ts); null once the session has ended. */
  sealedKey: text("sealed_key"),
  requestId: text("request_id"),
  /** The SDK's Approval, once the owner approved (no secret in it). */
  approval: jsonb("approval"),
  /** A stop-loss's last reading of its price feed (stop-loss.ts PriceCheck); null for a TWAP. */
  lastCheck: jsonb("last_check"),
  stopKind: text("stop_kind"),
  stopReason: text("stop_reason"),
  createdAt: timestamp("created_at", { withTimezone: true }).notNull(),
  updatedAt: timestamp("updated_at", { withTimezone: true }).notNull(),
  finishedAt: timestamp("finished_at", { withTimezone: true }),
});

/** pending → sending (claimed, lease held) → done | reverted (executed, its call reverted) | refused. */
export const SLOT_STATUSES = ["pending", "sending", "done", "reverted", "refused"] as const;
export const slotStatus = executorSchema.enum("slot_status", SLOT_STATUSES);

export const slot = executorSchema.table(
  "slot",
  {
    automationId: text("automation_id").notNull(),
    index: integer("index").notNull(),
    dueAt: timestamp("due_at", { withTimezone: true }).notNull(),
    /** Amount of the input token, in base units. */
    amountIn: text("amount_in").notNull(),
    status: slotStatus("status").notNull(),
    /** While sending, no other runner takes the slot before this time. */
    leaseUntil: timestamp("lease_until", { withTimezone: true }),
    /** The chain's block when the slot was first claimed: its operations are searched from there. */
    fromBlock: text("from_block"),
    /** The account nonce every operation of the slot is signed with (at most one of them executes). */
    nonce: text("nonce"),
    userOpHash: text("user_op_hash"),
    transactionHash: text("transaction_hash"),
    gasUsed: text("gas_used"),
    gasCost: text("gas_cost"),
    finishedAt: timestamp("finished_at", { withTimezone: true }),
  },
  (t) => [primaryKey({ columns: [t.automationId, t.index] }), index("slot_due").on(t.status, t.dueAt)],
);

/**
 * sending (recorded before the operation leaves) → included | reverted | refused | transient; or
 * skipped: a stop-loss's price feed was unusable (refusal_kind: stale, …), nothing was sent.
 */
export const ATTEMPT_RESULTS = ["sending", "included", "reverted", "refused", "transient", "skipped"] as const;
export const attemptResult = executorSchema.enum("attempt_result", ATTEMPT_RESULTS);

export const attempt = executorSchema.table(
  "attempt",
  {
    id: serial("id").primaryKey(),
    automationId: text("automation_id").notNull(),
    slotIndex: integer("slot_index").notNull(),
    at: timestamp("at", { withTimezone: true }).notNull(),
    userOpHash: text("user_op_hash"),
    nonce: text("nonce"),
    amountIn: text("amount_in").notNull(),
    minimumOut: text("minimum_out"),
    result: attemptResult("result").notNull(),
    transactionHash: text("transaction_hash"),
    gasUsed: text("gas_used"),
    gasCost: text("gas_cost"),
    /** The SDK's refusal kind (sdk/errors.ts); for skipped, the price feed's (sdk/price-feed.ts); or null. */
    refusalKind: text("refusal_kind"),
    message: text("message"),
    finishedAt: timestamp("finished_at", { withTimezone: true }),
  },
  (t) => [index("attempt_slot").on(t.automationId, t.slotIndex)],
);
