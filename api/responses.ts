// The shapes of the API's answers (zod): the OpenAPI document, the TypeScript types of the answers
// (inferred here, never written by hand) and the tests that check real answers against them, so
// that neither the documentation nor the code can drift from what the routes send.
import { z } from "zod";
import { amountSchema } from "../sdk/describe.js";
import { automationSummarySchema } from "../sdk/automations.js";
import { deploymentsSchema } from "../sdk/deployments.js";
import { DERIVED_SESSION_STATUSES } from "../sdk/rules.js";

export { amountSchema };

const address = z.templateLiteral(["0x", z.string().regex(/^[0-9a-fA-F]{40}$/)]).meta({ description: "Checksummed address" });
const hex = z.templateLiteral(["0x", z.string().regex(/^[0-9a-fA-F]*$/)]);
const permissionId = z.templateLiteral(["0x", z.string().regex(/^[0-9a-f]{8}$/)]).meta({ description: "Kernel permission id (4 bytes)" });
const decimal = z.string().regex(/^\d+$/).meta({ description: "Integer as a decimal string" });
const time = z.object({ unix: z.number().int(), iso: z.string() }).meta({ description: "Unix seconds and ISO 8601" });

/**
 * A session's status as the API shows it: "approved" (the owner signed; its first operation has not
 * reached the chain yet), then the statuses the chain's rules give (sdk/rules.ts).
 */
export const SESSION_VIEW_STATUSES = ["approved", ...DERIVED_SESSION_STATUSES] as const;
export type SessionViewStatus = (typeof SESSION_VIEW_STATUSES)[number];
const status = z.enum(SESSION_VIEW_STATUSES);

export const asOfSchema = z
  .object({
    chainBlock: decimal.meta({ description: "The chain's latest block" }),
    chainTime: time.nullable().meta({ description: "Its timestamp" }),
    indexedBlock: decimal.meta({ description: "Block the index had reached: the configurations, spends and counters the answer reflects" }),
    now: time.meta({
      description:
        "The time statuses and what remains are computed for: the later of the latest block's time and the clock, what the chain enforces for the next operation",
    }),
  })
  .meta({ title: "AsOf" });

const transactionRef = z.object({ blockNumber: decimal, timestamp: time, transactionHash: hex });

export const requestLinkSchema = z
  .object({
    id: z.string().meta({ description: "The session request's id" }),
    approvalUrl: z.string().meta({ description: "Its page, relative to the API: /approve/<id>" }),
    approvedAt: time.nullable(),
    signer: address.nullable().meta({ description: "Who signed the approval" }),
    failure: z
      .object({ reason: z.string(), at: time, count: z.number().int().min(1) })
      .nullable()
      .meta({ description: "The latest failed first operation reported for it (the session stays approved and can be tried again)" }),
  })
  .meta({ title: "SessionRequestLink" });

export const sessionSchema = z
  .object({
    account: address,
    chainId: z.number().int().positive().meta({ description: "The chain the session is on" }),
    permissionId,
    registration: z.number().int().min(1).nullable().meta({ description: "n-th registration of this permission id; null while approved but not on chain yet" }),
    status,
    sessionKey: address.nullable(),
    validAfter: time,
    expiresAt: time.nullable(),
    secondsLeft: z.number().int().min(0).nullable(),
    permissions: z.array(
      z.object({
        target: address,
        targetLabel: z.string(),
        selector: hex,
        function: z.string().nullable(),
        allowValue: z.boolean(),
        recipientMustBeAccount: z.boolean(),
        argumentRule: z.object({ argument: z.number().int(), mustEqual: hex }).nullable(),
        display: z.string(),
      }),
    ),
    tokens: z.array(
      z.object({
        token: address,
        symbol: z.string().nullable(),
        decimals: z.number().int().nullable(),
        limits: z.object({
          perTransaction: amountSchema.nullable(),
          total: amountSchema.nullable(),
          perPeriod: amountSchema.nullable(),
          periodSeconds: z.number().int().nullable(),
        }),
        spent: z.object({ total: amountSchema, thisPeriod: amountSchema.nullable() }),
        remaining: z.object({ total: amountSchema.nullable(), thisPeriod: amountSchema.nullable() }),
        refillsAt: time.nullable(),
        executionCount: z.number().int(),
        display: z.array(z.string()).meta({ description: '"$41.67 of $1,000.00 spent", and this period\'s' }),
      }),
    ),
    calls: z.object({
      remaining: z.number().int().nullable().meta({ description: "Lifetime calls left; null = no limit" }),
      max: z.number().int().nullable(),
      remainingInWindow: z.number().int().nullable(),
      perWindow: z.number().int().nullable(),
      windowSeconds: z.number().int().nullable(),
      windowEndsAt: time.nullable(),
    }),
    gas: z
      .object({
        perOperation: amountSchema.nullable().meta({ description: "Most one operation may cost in gas fees; null = no cap" }),
        total: amountSchema.nullable().meta({ description: "Gas fee budget over the session's life; null = none" }),
        remaining: amountSchema.nullable().meta({ description: "Budget left, each operation counted at its most possible cost" }),
        paid: amountSchema.meta({ description: "Gas fees the account really paid for this session's operations" }),
        paymaster: address.nullable(),
        display: z.string().meta({ description: '"0.00031 ETH of gas paid; at most 0.0024 ETH per operation"' }),
      })
      .meta({ title: "Gas" }),
    executions: z.object({
      count: z.number().int(),
      last: transactionRef.extend({ success: z.boolean().nullable(), userOpHash: hex.nullable() }).nullable(),
    }),
    approved: transactionRef.nullable().meta({ description: "The registration on chain (the first operation); null while approved but not on chain yet" }),
    revoked: transactionRef.nullable(),
    request: requestLinkSchema.nullable().meta({ description: "The stored request the owner approved, when the session came through one" }),
    display: z.object({
      status: z.string(),
      timeLeft: z.string().meta({ description: '"5h 23m remaining", "expired", "no expiry", "starts in …"' }),
      calls: z.string().nullable().meta({ description: '"12 / 100 calls remaining"' }),
      rateLimit: z.string().nullable().meta({ description: '"At most 3 calls per hour"; null without a rate limit' }),
      spend: z.array(z.string()),
      permissions: z.array(z.string()),
    }),
    asOf: asOfSchema,
  })
  .meta({ title: "Session" });

/** What a history entry records: the request's life off chain, then the session's on chain. */
export const HISTORY_ENTRY_TYPES = ["requested", "approved", "declined", "expired", "first_operation_failed", "registration", "execution", "revocation"] as const;

export const historyEntrySchema = z
  .object({
    cursor: z.string(),
    type: z.enum(HISTORY_ENTRY_TYPES).meta({
      description:
        "requested, approved, declined, expired (unsigned), first_operation_failed: the session request, off chain; registration (its first operation put it on chain), execution, revocation: on chain",
    }),
    permissionId,
    registration: z.number().int().nullable().meta({ description: "The registration an on-chain entry belongs to; null off chain" }),
    blockNumber: decimal.nullable().meta({ description: "null off chain" }),
    timestamp: time,
    transactionHash: hex.nullable().meta({ description: "null off chain" }),
    requestId: z.string().nullable().meta({ description: "The session request an off-chain entry belongs to" }),
    execution: z
      .object({
        nonce: decimal,
        userOpHash: hex.nullable(),
        success: z.boolean().nullable(),
        token: address.nullable(),
        amount: amountSchema.nullable(),
        gasCost: amountSchema.nullable(),
      })
      .optional(),
    text: z.string(),
  })
  .meta({ title: "HistoryEntry" });

const page = <T extends z.ZodType>(item: T) => z.object({ items: z.array(item), nextCursor: z.string().nullable(), asOf: asOfSchema });

export const sessionPageSchema = page(sessionSchema).meta({ title: "SessionPage" });
export const historyPageSchema = page(historyEntrySchema).meta({ title: "HistoryPage" });

/** What a session request may be warned about. */
export const WARNING_CODES = [
  "duplicate_session",
  "drains_balance",
  "unlimited_spend",
  "balance_too_low",
  "no_gas_funds",
  "long_duration",
  "no_call_limit",
  "allowance_outlives_session",
  "gas_unbounded",
  "high_fee_cap",
  "signature_sender",
] as const;

export const explanationSchema = z
  .object({
    summary: z.object({ can: z.array(z.string()), cannot: z.array(z.string()), text: z.string() }),
    warnings: z.array(z.object({ code: z.enum(WARNING_CODES), message: z.string() })),
    toSign: z.object({
      account: address,
      chainId: z.number().int().positive().meta({ description: "The chain the owner approves the session on (the typed data's domain)" }),
      sessionKey: address,
      permissionId,
      validationId: hex,
      policy: z.object({ address, data: hex }),
      enableData: hex,
      typedData: z.object({ domain: z.record(z.string(), z.unknown()), types: z.record(z.string(), z.unknown()), primaryType: z.literal("Enable"), message: z.record(z.string(), z.unknown()) }),
    }),
    session: z.object({
      validAfter: time,
      expiresAt: time,
      durationSeconds: z.number().int(),
      tokens: z.array(z.object({ address, symbol: z.string(), decimals: z.number().int() })),
      functions: z.array(z.object({ target: address, signature: z.string(), selector: hex })),
      gas: z.object({
        perOperation: amountSchema.nullable(),
        total: amountSchema.nullable(),
        paymaster: address.nullable(),
        defaultCap: z.boolean().meta({ description: "The cap per operation was set from the chain's current fees" }),
      }),
      signatureSenders: z.array(address),
      calls: z
        .object({
          max: z.number().int().nullable().meta({ description: "The lifetime call limit; null without one" }),
          rate: z.object({ count: z.number().int(), seconds: z.number().int() }).nullable().meta({ description: "The rate limit: count calls per window of seconds; null without one" }),
          atMost: z.number().int().nullable().meta({ description: "The most calls the key can make over the session's life, by either limit; null when nothing limits them" }),
        })
        .meta({ description: "How often the key may act: every operation makes at least one call" }),
    }),
  })
  .meta({ title: "SessionRequestExplanation" });

/**
 * A stored request's life: awaiting the owner's signature, then approved or declined; unsigned past
 * its expiry, expired; once the index sees its session registered by the first operation, active;
 * approved but cancelled before any operation (the owner invalidated the account's unused
 * approvals), revoked.
 */
export const REQUEST_STATUS_NAMES = ["awaiting_approval", "approved", "declined", "expired", "active", "revoked"] as const;

export const sessionRequestSchema = explanationSchema
  .extend({
    id: z.string().meta({ description: "The request's id (a UUID)" }),
    status: z.enum(REQUEST_STATUS_NAMES),
    createdAt: time,
    expiresAt: time.meta({ description: "When the request expires if nobody signs it" }),
    approvalUrl: z.string().meta({ description: "The approval page, relative to the API: /approve/<id>" }),
    approval: z.object({ signer: address, signature: hex, at: time }).nullable(),
    decline: z.object({ reason: z.string().nullable(), at: time }).nullable(),
    failure: requestLinkSchema.shape.failure,
    sessionStatus: status.nullable().meta({ description: "Once approved, its session's status (GET /v1/accounts/:account/sessions/:permissionId)" }),
    display: z.object({ status: z.string() }),
  })
  .meta({ title: "SessionRequest" });

export const sessionRequestListSchema = z.object({ items: z.array(sessionRequestSchema) }).meta({ title: "SessionRequestList" });

export const declineSchema = sessionRequestSchema
  .extend({
    manual: z
      .array(z.object({ target: address, function: z.string(), selector: hex, text: z.string() }))
      .meta({ description: "What the automation would have done, for the owner to do by hand, one signed call at a time" }),
  })
  .meta({ title: "DeclinedSessionRequest" });

export const revocationSchema = z
  .object({
    account: address,
    chainId: z.number().int().positive().meta({ description: "The chain the session is on" }),
    permissionId,
    registration: z.number().int().nullable().meta({ description: "null: an approval not on chain yet" }),
    status,
    method: z.enum(["uninstall", "invalidate-nonce"]),
    call: z.object({ to: address, data: hex, value: z.literal("0") }).meta({ description: "The call the owner's wallet sends from the account to itself" }),
    warning: z.string(),
    text: z.string(),
    asOf: asOfSchema,
  })
  .meta({ title: "Revocation" });

export { automationListSchema, automationSummarySchema } from "../sdk/automations.js";

export const automationCancelSchema = z
  .object({
    automation: automationSummarySchema,
    revocation: revocationSchema.nullable().meta({ description: "The owner's revocation of its session, prepared; null when the session can no longer act" }),
    text: z.string(),
  })
  .meta({ title: "CancelledAutomation" });

export const healthSchema = z.object({ status: z.literal("ok") }).meta({ title: "Health" });
export const redisStatusSchema = z
  .object({
    status: z.enum(["ok", "unavailable"]),
    error: z.string().nullable().meta({ description: "Why Redis cannot be reached; null when it answers" }),
  })
  .meta({ title: "RedisStatus", description: "The Redis the API's processes share (REDIS_URL)" });

/** A chain's deployments, as the SDK reads them from its deployments file: what a browser app builds the SDK's chain from. */
export const deploymentsResponseSchema = deploymentsSchema.meta({ title: "Deployments" });

export const chainListSchema = z
  .object({
    items: z.array(
      z.object({
        chainId: z.number().int().positive(),
        network: z.string().meta({ description: "The network name Leash was deployed with (its deployments file)" }),
        sessionPolicy: address.meta({ description: "SessionPolicy's address there (the same on every chain)" }),
      }),
    ),
  })
  .meta({ title: "ChainList" });

export const readySchema = z
  .object({
    status: z.literal("ready"),
    chainBlock: decimal.nullable().meta({ description: "The first followed chain's latest block (see chains for each)" }),
    indexedBlock: decimal.nullable().meta({ description: "The indexer's latest block of that chain" }),
    chains: z
      .array(z.object({ chainId: z.number().int().positive(), chainBlock: decimal, indexedBlock: decimal }))
      .meta({ description: "Every chain the API follows, its latest block and the indexer's" }),
    redis: redisStatusSchema.nullable().meta({
      description: "null without REDIS_URL. Not a condition of readiness: while Redis is unavailable, requests are answered without being counted by the rate limit",
    }),
  })
  .meta({ title: "Ready" });

export const errorSchema = z
  .object({
    error: z.object({
      code: z.string().meta({ description: "Stable machine code, e.g. invalid_address" }),
      message: z.string(),
      issues: z.array(z.object({ field: z.string(), message: z.string() })).optional(),
    }),
  })
  .meta({ title: "Error" });

export type AsOf = z.infer<typeof asOfSchema>;
export type SessionRequestView = z.infer<typeof sessionRequestSchema>;
export type DeclineView = z.infer<typeof declineSchema>;
export type RedisStatus = z.infer<typeof redisStatusSchema>;
export type SessionView = z.infer<typeof sessionSchema>;
export type TokenView = SessionView["tokens"][number];
/** What a session's operations may cost in gas, what was counted and what was really paid. */
export type GasView = SessionView["gas"];
export type HistoryEntry = z.infer<typeof historyEntrySchema>;
export type SessionPage = z.infer<typeof sessionPageSchema>;
export type HistoryPage = z.infer<typeof historyPageSchema>;
export type Explanation = z.infer<typeof explanationSchema>;
export type Warning = Explanation["warnings"][number];
export type RevocationView = z.infer<typeof revocationSchema>;
export type AutomationCancelView = z.infer<typeof automationCancelSchema>;

/** A route's responses for the OpenAPI document: the answer's schema, and the error shape. */
export function documented(description: string, schema: z.ZodType) {
  const json = (s: z.ZodType) => {
    const { $schema: _, ...schema } = z.toJSONSchema(s, { io: "output", unrepresentable: "any", target: "draft-2020-12", reused: "inline" });
    return schema;
  };
  return {
    200: { description, ...json(schema) },
    "4xx": { description: "The request is wrong: the error names the field", ...json(errorSchema) },
    "5xx": { description: "The indexer or the chain is unavailable (503)", ...json(errorSchema) },
  };
}
