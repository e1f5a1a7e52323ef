// The API's own tables (schema leash_api, beside the indexer's and never inside them): session
// requests from their creation to their approval, refusal or expiry. Migrations in migrations/ are
// generated from this file by drizzle-kit (npm run db:generate) and applied at start-up.
import { index, integer, jsonb, pgSchema, text, timestamp, uniqueIndex } from "drizzle-orm/pg-core";

export const apiSchema = pgSchema("leash_api");

/** awaiting_approval → approved | declined; an unsigned request past its expiry reads as expired. */
export const REQUEST_STATUSES = ["awaiting_approval", "approved", "declined"] as const;
export const requestStatus = apiSchema.enum("request_status", REQUEST_STATUSES);

export const sessionRequest = apiSchema.table(
  "session_request",
  {
    id: text("id").primaryKey(),
    /** The client's Idempotency-Key: a retried POST finds its request again. */
    idempotencyKey: text("idempotency_key"),
    /** Hash of the request body, so that a key reused for another request is refused. */
    bodyHash: text("body_hash").notNull(),
    /**
     * The chain the session is approved on (the typed data's domain). Null only in requests stored
     * before the API followed several chains; an API following one chain fills them in at start.
     */
    chainId: integer("chain_id"),
    account: text("account").notNull(),
    sessionKey: text("session_key").notNull(),
    /** Kernel's 4-byte permission id. */
    permissionId: text("permission_id").notNull(),
    status: requestStatus("status").notNull(),
    /** The request as the client sent it (sdk/request.ts), and its explanation as the API gave it. */
    request: jsonb("request").notNull(),
    explanation: jsonb("explanation").notNull(),
    createdAt: timestamp("created_at", { withTimezone: true }).notNull(),
    expiresAt: timestamp("expires_at", { withTimezone: true }).notNull(),
    approvedAt: timestamp("approved_at", { withTimezone: true }),
    /** The owner's signature of the Enable typed data, and the address that verified it. */
    signature: text("signature"),
    signer: text("signer"),
    declinedAt: timestamp("declined_at", { withTimezone: true }),
    declineReason: text("decline_reason"),
    /** Failed first operations reported by whoever holds the session key: how many, the latest's reason and time. */
    failureCount: integer("failure_count").notNull().default(0),
    failureReason: text("failure_reason"),
    failedAt: timestamp("failed_at", { withTimezone: true }),
  },
  (t) => [
    uniqueIndex("session_request_idempotency_key").on(t.idempotencyKey),
    index("session_request_account").on(t.account, t.createdAt),
    index("session_request_permission").on(t.account, t.permissionId, t.chainId),
  ],
);
