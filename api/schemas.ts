// Request schemas (zod): each route validates its params, query and body with them, and the OpenAPI
// document is generated from the same schemas.
import type { Hex } from "viem";
import { z } from "zod";
import { addressSchema, sessionRequestSchema } from "../sdk/request.js";
import type { ErrorCode } from "./errors.js";
import { SESSION_VIEW_STATUSES } from "./responses.js";

export const addressParam = addressSchema.meta({ description: "Smart account address", example: "0x1234567890abcdef1234567890abcdef12345678" });

/** Kernel's 4-byte permission id; its 32-byte left-aligned form (as the policies log it) is accepted too. */
export const permissionIdParam = z
  .string()
  .regex(/^0x([0-9a-fA-F]{8}|[0-9a-fA-F]{8}0{56})$/, "must be a 4-byte permission id such as 0x1234abcd")
  .transform((v) => v.slice(0, 10).toLowerCase() as Hex)
  .meta({ description: "Kernel permission id (4 bytes)", example: "0x1234abcd" });

const limit = (fallback: number) =>
  z.coerce
    .number({ error: "must be a number" })
    .int("must be a whole number")
    .min(1, "must be at least 1")
    .max(100, "must be at most 100")
    .default(fallback)
    .meta({ description: "Items per page (1-100)" });

const cursor = z.string().max(400, "is too long").optional().meta({ description: "nextCursor of the previous page" });

const registration = z.coerce
  .number({ error: "must be a number" })
  .int("must be a whole number")
  .min(1, "must be at least 1")
  .max(4_294_967_295, "is too large")
  .optional()
  .meta({ description: "Which registration of the permission id (default: the latest)" });

/** The chain a session is on; may be left out when the API follows one chain (GET /ready lists them). */
const chainId = z.coerce
  .number({ error: "must be a chain id number" })
  .int("must be a whole number")
  .min(1, "must be a chain id (at least 1)")
  .max(Number.MAX_SAFE_INTEGER, "is too large")
  .optional()
  .meta({ description: "Chain id of the session (required when the API follows several chains)", example: 84532 });

export const STATUS_FILTERS = ["all", ...SESSION_VIEW_STATUSES] as const;

export const accountParams = z.object({ account: addressParam });
export const sessionParams = z.object({ account: addressParam, permissionId: permissionIdParam });

export const listQuery = z
  .object({
    status: z.enum(STATUS_FILTERS, { error: `must be one of ${STATUS_FILTERS.join(", ")}` }).default("all"),
    cursor,
    limit: limit(20),
    chainId,
  })
  .strict();

export const sessionQuery = z.object({ registration, chainId }).strict();
export const historyQuery = z.object({ cursor, limit: limit(50), registration, chainId }).strict();
export const activityQuery = z.object({ cursor, limit: limit(50), chainId }).strict();
export const chainQuery = z.object({ chainId }).strict();
export const chainParams = z.object({ chainId: chainId.unwrap().meta({ description: "Chain id", example: 84532 }) });

export const sessionRequestBody = sessionRequestSchema;

export const requestIdParams = z.object({
  id: z.string().uuid("must be a session request id (a UUID)").meta({ description: "Session request id", example: "4b0c6a52-0c43-4c9b-9d0e-0f5b1f1c2a3d" }),
});

export const requestListQuery = z.object({ limit: limit(20), chainId }).strict();

export const approvalBody = z
  .object({
    signature: z
      .string()
      .regex(/^0x([0-9a-fA-F]{2}){65,}$/, "must be the owner's signature: 0x and at least 65 bytes in hex")
      .max(20_000, "is too long")
      .transform((v) => v as Hex)
      .meta({ description: "The owner's eth_signTypedData_v4 signature of toSign.typedData" }),
  })
  .strict();

export const declineBody = z
  .object({ reason: z.string().max(500, "must be at most 500 characters").optional().meta({ description: "Why the owner declined" }) })
  .strict();

export const failureBody = z
  .object({
    reason: z
      .string()
      .trim()
      .min(1, "must say why the operation failed")
      .max(500, "must be at most 500 characters")
      .meta({ description: "Why the session's first operation failed, as the bundler or the chain said it (e.g. AA21 didn't pay prefund)" }),
  })
  .strict();

export const idempotencyHeaders = z.object({
  "idempotency-key": z
    .string()
    .min(8, "must be at least 8 characters")
    .max(200, "must be at most 200 characters")
    .regex(/^[\x21-\x7e]+$/, "must be printable ASCII without spaces")
    .optional()
    .meta({ description: "Makes a retried POST return the request the first one created" }),
});

/** Which error code a failed part of the request gets. */
export function errorCodeFor(part: string, field: string): ErrorCode {
  if (part === "body") return "invalid_session_request";
  if (part === "headers") return "invalid_request";
  if (field === "chainId") return "invalid_chain";
  if (part === "params") return field === "account" ? "invalid_address" : field === "id" ? "invalid_request_id" : "invalid_permission_id";
  return field === "cursor" ? "invalid_cursor" : "invalid_query";
}
