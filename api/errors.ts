// Errors the API answers with: an HTTP status, a stable machine code, a sentence naming the problem,
// and the fields at fault. Clients switch on `code`; `message` is for people.

export const ERROR_CODES = {
  invalid_address: 400,
  invalid_permission_id: 400,
  invalid_query: 400,
  invalid_cursor: 400,
  invalid_json: 400,
  invalid_request: 400,
  invalid_request_id: 400,
  invalid_chain: 400,
  chain_required: 400,
  invalid_session_request: 422,
  invalid_signature: 422,
  idempotency_key_reused: 422,
  chain_not_followed: 404,
  account_not_found: 404,
  session_not_found: 404,
  request_not_found: 404,
  automation_not_found: 404,
  route_not_found: 404,
  method_not_allowed: 405,
  session_already_revoked: 409,
  request_already_decided: 409,
  automation_already_final: 409,
  request_expired: 410,
  body_too_large: 413,
  unsupported_media_type: 415,
  rate_limited: 429,
  indexer_unavailable: 503,
  chain_unavailable: 503,
  not_ready: 503,
  store_unavailable: 503,
  executor_unavailable: 503,
  internal_error: 500,
} as const;

export type ErrorCode = keyof typeof ERROR_CODES;

export interface FieldIssue {
  /** Where the bad value was: "params.account", "query.limit", "body.permissions.0.maxTotal". */
  field: string;
  message: string;
}

export class ApiError extends Error {
  override name = "ApiError";
  readonly status: number;
  constructor(
    readonly code: ErrorCode,
    message: string,
    readonly issues: FieldIssue[] = [],
    readonly headers: Record<string, string> = {},
  ) {
    super(message);
    this.status = ERROR_CODES[code];
  }

  toJSON() {
    return { error: { code: this.code, message: this.message, ...(this.issues.length ? { issues: this.issues } : {}) } };
  }
}

/** An upstream (indexer or chain) failed or is unreachable: the API answers 503. */
export class UpstreamError extends ApiError {
  constructor(readonly upstream: "indexer" | "chain", detail: string) {
    super(
      upstream === "indexer" ? "indexer_unavailable" : "chain_unavailable",
      `the ${upstream === "indexer" ? "indexer" : "chain's RPC endpoint"} is unavailable: ${detail}`,
      [],
      { "retry-after": "2" },
    );
  }
}

/** A short description of any thrown value, without stack traces. */
export function describeError(error: unknown): string {
  if (error instanceof Error) {
    // The first code down the chain of causes (viem's HttpRequestError → fetch's TypeError → the
    // socket's error: ECONNREFUSED, ECONNRESET, UND_ERR_SOCKET).
    let code: string | undefined;
    for (let cause = (error as { cause?: unknown }).cause, depth = 0; cause && !code && depth < 4; cause = (cause as { cause?: unknown }).cause, depth++) {
      const found = (cause as { code?: unknown }).code;
      if (typeof found === "string") code = found;
    }
    const short = (error as { shortMessage?: string }).shortMessage ?? error.message;
    return code && !short.includes(code) ? `${short} (${code})` : short;
  }
  return String(error);
}
