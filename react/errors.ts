// What the hooks throw (and keep as `error`): one class, its `kind` saying where it failed, its
// message the plain-language reason the SDK, the API or the wallet gave.
import type { Refusal, RefusalKind } from "../sdk/errors.js";

export type LeashErrorKind =
  /** No EIP-1193 provider was given, or it has no `request`. */
  | "wallet-missing"
  /** The owner declined in the wallet (EIP-1193 code 4001): nothing was granted or revoked. */
  | "wallet-declined"
  /** The wallet failed otherwise (locked, wrong account, another request pending, …). */
  | "wallet-failed"
  /** The policy, the account or the bundler refused the session's operation: `reason` says which limit. */
  | "refused"
  /** The API answered an error: `code` is its error code (e.g. "invalid_request"). */
  | "api"
  /** The API, the chain or the bundler could not be reached. */
  | "network"
  /** Called in the wrong state: no session key yet, not approved yet, revoked already. */
  | "state";

export class LeashError extends Error {
  override name = "LeashError";
  /** For "refused": which limit or rule (the SDK's RefusalKind: "per-transaction-cap", "expired", "revoked", …). */
  readonly reason: RefusalKind | null;
  /** For "refused": the SDK's refusal, with the figures behind it. */
  readonly refusal: Refusal | null;
  /** For "api": the API's error code; for the wallet's failures: its numeric code as a string. */
  readonly code: string | null;
  /** For "api": the HTTP status. */
  readonly status: number | null;

  constructor(
    readonly kind: LeashErrorKind,
    message: string,
    opts: { reason?: RefusalKind; refusal?: Refusal; code?: string | null; status?: number; cause?: unknown } = {},
  ) {
    super(message, { cause: opts.cause });
    this.reason = opts.reason ?? opts.refusal?.kind ?? null;
    this.refusal = opts.refusal ?? null;
    this.code = opts.code ?? null;
    this.status = opts.status ?? null;
  }
}
