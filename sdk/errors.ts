import { KernelV3_1AccountAbi } from "@zerodev/sdk";
import { type Abi, BaseError, type Hex, decodeErrorResult, isHex } from "viem";
import { entryPoint07Abi } from "viem/account-abstraction";
import { nativeMeta } from "./describe.js";
import { formatAmount, type TokenMeta } from "./format.js";
import { NATIVE_TOKEN, statusName } from "./rules.js";

/** A rejected or failed user operation, decoded down to the contract that said no. */
export interface UserOperationFailure {
  /** EntryPoint's code ("AA23") when the EntryPoint refused the operation. */
  code?: string;
  /** EntryPoint's own reason ("AA23 reverted"). */
  entryPointReason?: string;
  /** The innermost custom error, decoded (e.g. Kernel's `PolicyFailed(0)`). */
  error?: { name: string; args: readonly unknown[] };
  /** Raw revert data of the innermost error, when any. */
  data?: Hex;
  /** What happened, in words a person can act on. */
  message: string;
}

/** Thrown when an operation is refused or its execution reverts. */
export class UserOperationError extends Error {
  constructor(readonly failure: UserOperationFailure, options?: { cause?: unknown }) {
    super(failure.message, options);
    this.name = "UserOperationError";
  }
}

const ENTRY_POINT_CODES: Record<string, string> = {
  AA10: "the account was already deployed",
  AA13: "deploying the account failed",
  AA14: "the factory deployed a different address",
  AA20: "the account is not deployed and the operation carries no factory",
  AA21: "the account cannot pay the gas prefund",
  AA22: "the operation is not valid at this time: the session has expired or is not valid yet, or the operation's deadline passed",
  AA23: "the account's validation reverted",
  AA24: "signature rejected: it is not from a key this account accepts for this operation",
  AA25: "invalid account nonce (already used, or the wrong validation key)",
  AA26: "validation ran over its verificationGasLimit",
  AA31: "the paymaster's deposit is too low",
  AA33: "the paymaster's validation reverted",
  AA34: "the paymaster's signature was rejected",
  AA40: "verification used more gas than its limit",
  AA41: "the paymaster's verification used more gas than its limit",
  AA95: "the bundle ran out of gas",
};

/** Plain-language templates for errors the account and its modules raise. */
const ERROR_MESSAGES: Record<string, (args: readonly unknown[]) => string> = {
  PolicyFailed: ([i]) => `policy #${i} of the session's permission refused the operation`,
  InvalidValidator: () => "the account has no such validator or session (revoked or never approved)",
  InvalidNonce: () => "the nonce does not belong to this validator or session",
  EnableNotApproved: () => "the owner's approval of this session is missing or invalid",
  PermissionNotAlllowedForUserOp: () => "this permission may not be used for user operations",
  SignerPrefixNotPresent: () => "the session signature is malformed (no signer part)",
  PolicySignatureOrderError: () => "the session signature's policy parts are out of order",
  InvalidCallType: () => "the call type is not supported",
  InvalidSelector: () => "the validator may not call this function of the account",
  ExecutionReverted: () => "the call made by the account reverted",
};

const baseAbi = [...entryPoint07Abi, ...KernelV3_1AccountAbi].filter((x) => x.type === "error") as Abi;

function decode(data: Hex, abis: readonly Abi[]): { name: string; args: readonly unknown[] } | undefined {
  for (const abi of [baseAbi, ...abis]) {
    try {
      const r = decodeErrorResult({ abi, data });
      return { name: r.errorName, args: r.args ?? [] };
    } catch {
      // not in this ABI
    }
  }
  return undefined;
}

/** The hex revert payloads (outermost first) and the texts an error chain carries. */
function inspect(err: unknown): { payloads: Hex[]; text: string } {
  const payloads: Hex[] = [];
  const texts: string[] = [];
  const visit = (e: unknown, depth: number) => {
    if (!e || typeof e !== "object" || depth > 12) return;
    const o = e as Record<string, unknown>;
    for (const key of ["raw", "data"]) {
      const v = o[key];
      if (typeof v === "string" && isHex(v) && v.length >= 10) payloads.push(v);
      else if (v && typeof v === "object" && typeof (v as { data?: unknown }).data === "string") {
        const d = (v as { data: string }).data;
        if (isHex(d) && d.length >= 10) payloads.push(d);
      }
    }
    // Bundlers put EntryPoint's reason and the revert data into the message text.
    for (const key of ["details", "shortMessage", "message"]) {
      const v = o[key];
      if (typeof v === "string") {
        texts.push(v);
        for (const m of v.matchAll(/0x[0-9a-fA-F]{8,}/g)) payloads.push(m[0] as Hex);
      }
    }
    if (o.cause) visit(o.cause, depth + 1);
  };
  visit(err, 0);
  return { payloads, text: texts.join(" ") };
}

function describe(error: { name: string; args: readonly unknown[] }): string {
  const template = ERROR_MESSAGES[error.name];
  if (template) return template(error.args);
  return `${error.name}(${error.args.map((a) => String(a)).join(", ")})`;
}

/** Builds the failure from a revert payload, unwrapping EntryPoint's FailedOp / FailedOpWithRevert. */
export function decodeRevertData(data: Hex, abis: readonly Abi[] = []): UserOperationFailure {
  const outer = decode(data, abis);
  if (!outer) return { data, message: `reverted with undecoded data ${data.slice(0, 74)}` };
  if (outer.name === "FailedOp" || outer.name === "FailedOpWithRevert") {
    const reason = String(outer.args[1]);
    const code = reason.match(/^AA\d\d/)?.[0];
    const headline = (code && ENTRY_POINT_CODES[code]) ?? reason;
    if (outer.name === "FailedOpWithRevert") {
      const innerData = outer.args[2] as Hex;
      const inner = innerData && innerData !== "0x" ? decode(innerData, abis) : undefined;
      if (inner) {
        return { code, entryPointReason: reason, error: inner, data: innerData, message: `${headline}: ${describe(inner)}` };
      }
      return { code, entryPointReason: reason, data: innerData, message: `${headline} (revert data ${innerData})` };
    }
    return { code, entryPointReason: reason, message: headline };
  }
  return { error: outer, data, message: describe(outer) };
}

/** Decodes anything thrown while sending an operation (viem, JSON-RPC or bundler errors). */
export function decodeUserOperationError(err: unknown, abis: readonly Abi[] = []): UserOperationFailure {
  if (err instanceof UserOperationError) return err.failure;
  const { payloads, text } = inspect(err);
  const code = text.match(/\bAA\d\d\b/)?.[0];
  for (const payload of payloads) {
    const failure = decodeRevertData(payload, abis);
    if (failure.code) return failure;
    if (failure.error) {
      // A bundler names EntryPoint's code in its text and gives only the inner revert data.
      if (!code) return failure;
      const headline = ENTRY_POINT_CODES[code] ?? code;
      return { ...failure, code, entryPointReason: code, message: `${headline}: ${failure.message}` };
    }
  }
  if (code) return { code, entryPointReason: code, message: ENTRY_POINT_CODES[code] ?? code };
  const fallback = err instanceof BaseError ? err.shortMessage : err instanceof Error ? err.message : String(err);
  return { message: fallback || "unknown error" };
}

/*//////////////////////////////////////////////////////////////
                     WHAT WAS EXCEEDED, IN WORDS
//////////////////////////////////////////////////////////////*/

/** Why a session's operation was refused, as a person (or a chat) needs to know it. */
export type RefusalKind =
  | "per-transaction-cap"
  | "total-cap"
  | "period-allowance"
  | "rate-limit"
  | "call-limit"
  | "expired"
  | "not-yet-valid"
  | "revoked"
  | "exhausted"
  | "not-allowed-target"
  | "not-allowed-function"
  | "value-not-allowed"
  | "recipient-not-allowed"
  | "argument-not-allowed"
  | "token-not-limited"
  | "fee-cap"
  | "fee-budget"
  | "paymaster-not-allowed"
  | "paymaster-required"
  | "malformed"
  | "not-approved"
  | "execution-reverted"
  | "other";

export interface Refusal {
  kind: RefusalKind;
  /** One sentence with the numbers, e.g. "this operation spends 60 USDC; the limit is 50 USDC per transaction". */
  message: string;
  /** The figures behind it, as decimal strings (base units for amounts) or addresses. */
  details: Record<string, string>;
}

export interface TokenDisplay {
  address: string;
  symbol: string;
  decimals: number;
}

/** `amount` of `token`, every digit (a refusal compares figures); tokens not in `tokens` in base units. */
function exactAmount(amount: bigint, token: string, tokens: readonly TokenDisplay[]): string {
  const known = tokens.find((t) => t.address.toLowerCase() === token.toLowerCase());
  const meta: TokenMeta = known ?? (token.toLowerCase() === NATIVE_TOKEN.toLowerCase() ? nativeMeta() : { address: token, symbol: null, decimals: null });
  return formatAmount(amount, meta, "exact");
}

/**
 * Turns a decoded failure into what was exceeded, with the numbers. `tokens` gives symbols and
 * decimals for amounts (unknown tokens are shown in base units).
 */
export function explainFailure(failure: UserOperationFailure, tokens: readonly TokenDisplay[] = []): Refusal {
  const e = failure.error;
  const a = (e?.args ?? []) as readonly unknown[];
  const s = (v: unknown) => String(v);
  const refusal = (kind: RefusalKind, message: string, details: Record<string, string> = {}): Refusal => ({ kind, message, details });
  switch (e?.name) {
    case "PerTransactionCapExceeded":
      return refusal(
        "per-transaction-cap",
        `this operation spends ${exactAmount(a[1] as bigint, s(a[0]), tokens)}; the session allows at most ${exactAmount(a[2] as bigint, s(a[0]), tokens)} per transaction`,
        { token: s(a[0]), amount: s(a[1]), cap: s(a[2]) },
      );
    case "TotalCapExceeded":
      return refusal(
        "total-cap",
        `this operation spends ${exactAmount(a[1] as bigint, s(a[0]), tokens)}; only ${exactAmount(a[2] as bigint, s(a[0]), tokens)} of the session's total is left`,
        { token: s(a[0]), amount: s(a[1]), remaining: s(a[2]) },
      );
    case "PeriodAllowanceExceeded":
      return refusal(
        "period-allowance",
        `this operation spends ${exactAmount(a[1] as bigint, s(a[0]), tokens)}; only ${exactAmount(a[2] as bigint, s(a[0]), tokens)} of this period's allowance is left (period #${s(a[3])}); it refills at the next period`,
        { token: s(a[0]), amount: s(a[1]), remaining: s(a[2]), period: s(a[3]) },
      );
    case "RateLimitExceeded":
      return refusal(
        "rate-limit",
        `rate limit reached: at most ${s(a[1])} calls per window, ${s(a[2])} already made in this one (window #${s(a[0])}), this operation makes ${s(a[3])}`,
        { window: s(a[0]), limit: s(a[1]), used: s(a[2]), calls: s(a[3]) },
      );
    case "CallLimitReached":
      return refusal("call-limit", `the session has ${s(a[0])} calls left in its lifetime; this operation makes ${s(a[1])}`, {
        callsLeft: s(a[0]),
        calls: s(a[1]),
      });
    case "SessionNotActive": {
      const status = statusName(a[1] as number);
      const kind: RefusalKind =
        status === "revoked" ? "revoked" : status === "expired" ? "expired" : status === "exhausted" ? "exhausted" : status === "pending" ? "not-yet-valid" : "not-approved";
      return refusal(kind, `the session is ${status}`, { status });
    }
    case "ClaimOutsideValidity":
      return refusal(
        Number(a[0]) < Number(a[1]) ? "not-yet-valid" : "expired",
        `the session is valid from ${new Date(Number(a[1]) * 1000).toISOString()} to ${Number(a[2]) === 0 ? "no end" : new Date(Number(a[2]) * 1000).toISOString()}`,
        { validAfter: s(a[1]), validUntil: s(a[2]) },
      );
    case "CallNotAllowed":
      return refusal("not-allowed-function", `the session may not call function ${s(a[1])} on ${s(a[0])}`, { target: s(a[0]), selector: s(a[1]) });
    case "ForbiddenTarget":
      return refusal("not-allowed-target", `the session may never call ${s(a[0])} (the account itself, the policy, or module set-up)`, { target: s(a[0]) });
    case "ValueNotAllowed":
      return refusal("value-not-allowed", `the session may not send native value with ${s(a[1])} on ${s(a[0])}`, { target: s(a[0]), selector: s(a[1]), value: s(a[2]) });
    case "ArgumentNotAccount":
      return refusal("recipient-not-allowed", `argument #${s(a[2])} of ${s(a[1])} on ${s(a[0])} must be the account itself (no sending to other addresses)`, {
        target: s(a[0]),
        selector: s(a[1]),
        argument: s(a[2]),
      });
    case "ArgumentMismatch":
    case "MalformedArgument":
      return refusal("argument-not-allowed", `argument #${s(a[2])} of ${s(a[1])} on ${s(a[0])} is not the value the session allows`, {
        target: s(a[0]),
        selector: s(a[1]),
        argument: s(a[2]),
      });
    case "TokenNotLimited":
      return refusal("token-not-limited", `this operation spends ${s(a[0])}, a token the session has no limit for`, { token: s(a[0]) });
    case "FeeCapExceeded":
      return refusal("fee-cap", `this operation may cost up to ${exactAmount(a[0] as bigint, NATIVE_TOKEN, tokens)} in gas; the session allows ${exactAmount(a[1] as bigint, NATIVE_TOKEN, tokens)}`, {
        maxCost: s(a[0]),
        cap: s(a[1]),
      });
    case "FeeBudgetExceeded":
      return refusal(
        "fee-budget",
        `this operation may cost up to ${exactAmount(a[0] as bigint, NATIVE_TOKEN, tokens)} in gas; only ${exactAmount(a[1] as bigint, NATIVE_TOKEN, tokens)} of the session's gas budget is left`,
        { maxCost: s(a[0]), remaining: s(a[1]) },
      );
    case "PaymasterNotAllowed":
      return refusal("paymaster-not-allowed", `the session may not use paymaster ${s(a[0])}`, { paymaster: s(a[0]) });
    case "PaymasterRequired":
      return refusal("paymaster-required", `the session's gas must be paid by its paymaster ${s(a[0])}; this operation names none`, { paymaster: s(a[0]) });
    case "UnsupportedFunction":
    case "UnsupportedExecMode":
    case "MalformedCallData":
    case "EmptyBatch":
    case "MissingClaim":
    case "MalformedClaim":
    case "ClaimBeforeStart":
    case "ClaimTooFar":
    case "PeriodInPast":
    case "WindowInPast":
      return refusal("malformed", `the operation is not one the session understands: ${failure.message}`, { error: e.name });
    case "InvalidValidator":
    case "InvalidNonce":
      return refusal("revoked", "the account does not hold this session (revoked, or never approved)", { error: e.name });
    case "EnableNotApproved":
      return refusal("not-approved", "the owner's approval of this session is invalid or was cancelled", { error: e.name });
  }
  if (failure.code === "AA22") {
    return refusal("expired", "the session has expired or is not valid yet, or the operation's own deadline has passed", { code: "AA22" });
  }
  if (failure.code === "AA24") return refusal("not-approved", "the session key's signature is not accepted by this account", { code: "AA24" });
  if (failure.message.startsWith("the operation was executed but its call reverted")) return refusal("execution-reverted", failure.message);
  return refusal("other", failure.message, failure.code ? { code: failure.code } : {});
}
