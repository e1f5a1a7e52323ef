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
  /** The bundler's own refusal (ERC-7769 JSON-RPC error), when a bundler refused the operation. */
  bundler?: BundlerRefusal;
}

/**
 * A bundler's JSON-RPC refusal (ERC-7769 codes): -32500 account validation (EntryPoint's AAxx),
 * -32501 paymaster validation, -32502 an ERC-7562 rule (opcode, storage), -32503 the operation's
 * time range, -32504 reputation (throttled or banned entity), -32505 stake too low, -32507 bad
 * signature, -32508 paymaster deposit too low.
 */
export interface BundlerRefusal {
  code: number;
  /** The bundler's message, as it sent it. */
  message: string;
  /** The ERC-7562 rule the message names ("STO-022", "OP-011"), for -32502. */
  rule?: string;
  /** For -32503: the bounds the bundler read from validation, and its own clock (unix seconds). */
  validAfter?: number;
  validUntil?: number;
  bundlerTime?: number;
}

/** The ERC-7769 error codes of bundlers' JSON-RPC refusals. */
export const BUNDLER_CODES = {
  accountValidation: -32500,
  paymasterValidation: -32501,
  erc7562: -32502,
  timeRange: -32503,
  reputation: -32504,
  stake: -32505,
  signature: -32507,
  paymasterDeposit: -32508,
} as const;

/** ERC-7562 rules named by their id in a bundler's message ("[STO-022] …", "OP-011: …"). */
const RULE_ID = /\b((?:OP|STO|COD|EREP|SREP|GREP|UREP|RPC|AUTH)-\d{3})\b/;

/**
 * The rule behind an ERC-7562 refusal: the id the message names, else the rule its wording
 * describes (bundlers that do not name it: alto unpatched, for one).
 */
function ruleOf(message: string): string | undefined {
  const named = message.match(RULE_ID)?.[1];
  if (named) return named;
  const banned = message.match(/uses banned opcode: (\w+)/)?.[1];
  if (banned) return banned === "GAS" ? "OP-012" : banned.startsWith("CREATE") ? "OP-031" : "OP-011";
  if (/reverts on oog|out of gas/i.test(message)) return "OP-020";
  if (/call into EntryPoint|accesses EntryPoint/i.test(message)) return "OP-054";
  if (/CALL with value/i.test(message)) return "OP-061";
  if (/un-?deployed contract/i.test(message)) return "OP-041";
  if (/unstaked factory accessed/i.test(message)) return "STO-022";
  return undefined;
}

/** The bundler's refusal in an error chain: the first JSON-RPC error with an ERC-7769 code. */
function bundlerRefusalOf(err: unknown): BundlerRefusal | undefined {
  for (let e = err, depth = 0; e && typeof e === "object" && depth < 12; e = (e as { cause?: unknown }).cause, depth++) {
    const o = e as { code?: unknown; details?: unknown; message?: unknown };
    if (typeof o.code !== "number" || o.code > -32500 || o.code < -32599) continue;
    const message = typeof o.details === "string" && o.details ? o.details : String(o.message ?? "");
    const refusal: BundlerRefusal = { code: o.code, message };
    if (o.code === BUNDLER_CODES.erc7562) {
      const rule = ruleOf(message);
      if (rule) refusal.rule = rule;
    }
    if (o.code === BUNDLER_CODES.timeRange) {
      for (const [key, field] of [["validAfter", "validAfter"], ["validUntil", "validUntil"], ["now", "bundlerTime"]] as const) {
        const v = message.match(new RegExp(`\\b${key}=(\\d+)`))?.[1];
        if (v) refusal[field] = Number(v);
      }
    }
    return refusal;
  }
  return undefined;
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
  const bundler = bundlerRefusalOf(err);
  const failure = decodeChain(err, abis);
  return bundler ? { ...failure, bundler } : failure;
}

function decodeChain(err: unknown, abis: readonly Abi[]): UserOperationFailure {
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
  /** A bundler refused the operation under an ERC-7562 validation rule (details.rule): it never will accept it. */
  | "erc7562-rule"
  /** A bundler refused the operation's time range: not valid yet, or it expires within the bundler's margin. */
  | "time-range"
  /** A bundler's simulation of the account's validation failed (details.code: EntryPoint's AAxx). */
  | "validation-failed"
  /** A bundler refused the paymaster (its validation, or its deposit). */
  | "paymaster-refused"
  /** A bundler throttles or bans an entity of the operation (account, factory, paymaster) for now. */
  | "reputation"
  /** A bundler requires an entity of the operation to be staked in the EntryPoint (or staked more). */
  | "stake-required"
  | "other";

export interface Refusal {
  kind: RefusalKind;
  /** One sentence with the numbers, e.g. "this operation spends 60 USDC; the limit is 50 USDC per transaction". */
  message: string;
  /** The figures behind it, as decimal strings (base units for amounts) or addresses. */
  details: Record<string, string>;
  /** What to do about it, when there is something to do (bundler refusals). */
  action?: string;
}

/** Refusals that may pass with time alone: the same operation, made again later, can be accepted. */
export const TEMPORARY_REFUSALS: ReadonlySet<RefusalKind> = new Set<RefusalKind>(["rate-limit", "period-allowance", "fee-cap", "time-range", "reputation"]);

/** Whether `kind` may pass with time (try again later) rather than never. */
export function isTemporaryRefusal(kind: RefusalKind): boolean {
  return TEMPORARY_REFUSALS.has(kind);
}

const unixTime = (t: number) => new Date(t * 1000).toISOString();

/** A bundler's refusal in words, when its code alone decides what happened (-32502 to -32505). */
function explainBundlerRefusal(b: BundlerRefusal): Refusal | undefined {
  const details: Record<string, string> = { bundlerCode: String(b.code), bundlerMessage: b.message };
  switch (b.code) {
    case BUNDLER_CODES.erc7562: {
      if (b.rule) details.rule = b.rule;
      const rule = b.rule ? `rule ${b.rule}` : "a rule";
      const stake = b.rule?.startsWith("STO-02") || /unstaked/i.test(b.message);
      return {
        kind: "erc7562-rule",
        message: `the bundler refused the operation under ERC-7562 ${rule}: ${b.message}`,
        details,
        action: stake
          ? "the operation's validation touches storage only a staked entity may: deploy the account through a staked factory (or first, on its own), or use a bundler that accepts it; sending it again will not help"
          : "the validation code breaks a bundler rule (a banned opcode or storage not associated with the account): change the policy or module; sending it again will not help",
      };
    }
    case BUNDLER_CODES.timeRange: {
      const notYet = /not valid yet/i.test(b.message);
      for (const key of ["validAfter", "validUntil", "bundlerTime"] as const) if (b[key] !== undefined) details[key] = String(b[key]);
      const clock = b.bundlerTime === undefined ? "" : ` (bundler's clock ${unixTime(b.bundlerTime)})`;
      if (notYet) {
        const from = b.validAfter === undefined ? "" : ` until ${unixTime(b.validAfter)}`;
        return {
          kind: "time-range",
          message: `the bundler refused the operation as not valid yet${from}${clock}`,
          details: { ...details, reason: "not-valid-yet" },
          action: "try again a few seconds after the operation's validity starts (bundlers want it to have started a few seconds before); the session's time claim follows the clock",
        };
      }
      const until = b.validUntil === undefined ? "" : `: its validity ends ${unixTime(b.validUntil)}`;
      return {
        kind: "time-range",
        message: `the bundler refused the operation as expiring too soon${until}${clock}`,
        details: { ...details, reason: "expires-too-soon" },
        action: "sign it again later: at the start of the session's next period or window, or with a later deadline; bundlers refuse operations whose validity ends within about 30 seconds",
      };
    }
    case BUNDLER_CODES.reputation:
      return {
        kind: "reputation",
        message: `the bundler throttles or bans an entity of this operation: ${b.message}`,
        details,
        action: "try again later, or through another bundler",
      };
    case BUNDLER_CODES.stake:
      return {
        kind: "stake-required",
        message: `the bundler requires a staked entity: ${b.message}`,
        details,
        action: "the named factory or paymaster must add stake in the EntryPoint, or use a bundler that accepts it unstaked",
      };
  }
  return undefined;
}

/** A bundler's refusal when nothing more precise was decoded (-32500, -32501, -32507, -32508). */
function explainBundlerFallback(failure: UserOperationFailure, b: BundlerRefusal): Refusal | undefined {
  const details: Record<string, string> = { bundlerCode: String(b.code), bundlerMessage: b.message };
  if (failure.code) details.code = failure.code;
  switch (b.code) {
    case BUNDLER_CODES.accountValidation:
      return {
        kind: "validation-failed",
        message: `the bundler's simulation of the account's validation failed${failure.code ? ` (${failure.code})` : ""}: ${failure.message}`,
        details,
        action: "check the session is approved and active and the operation within its limits; the bundler's message says which step failed",
      };
    case BUNDLER_CODES.paymasterValidation:
    case BUNDLER_CODES.paymasterDeposit:
      return {
        kind: "paymaster-refused",
        message: `the bundler refused the paymaster: ${b.message}`,
        details,
        action: "the paymaster refused to sponsor the operation or lacks deposit: fund it, or send without it",
      };
    case BUNDLER_CODES.signature:
      return { kind: "not-approved", message: `the bundler found the signature invalid: ${b.message}`, details, action: "sign with the session's key" };
  }
  return undefined;
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
  const decided = failure.bundler && explainBundlerRefusal(failure.bundler);
  if (decided) return decided;
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
  const fallback = failure.bundler && explainBundlerFallback(failure, failure.bundler);
  if (fallback) return fallback;
  return refusal("other", failure.message, failure.code ? { code: failure.code } : {});
}
