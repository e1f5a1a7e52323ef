import { KernelV3_1AccountAbi } from "@zerodev/sdk";
import { type Abi, BaseError, type Hex, decodeErrorResult, isHex } from "viem";
import { entryPoint07Abi } from "viem/account-abstraction";

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
  AA22: "the operation is not valid at this time: the session has expired or is not valid yet",
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
