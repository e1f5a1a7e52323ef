// A session request, in the shape chat backends use, validated (zod) and resolved against the chain
// into SessionPolicy's configuration: token decimals read on-chain, functions turned into selectors,
// amount, token and recipient arguments found by their names.
import {
  type AbiFunction,
  type Address,
  type Hex,
    erc20Abi,

  getAddress,
  isAddress,
  parseAbiItem,
  parseUnits,
  toFunctionSelector,
  zeroAddress,
} from "viem";
import { z } from "zod";
import { formatAbiItem } from "viem/utils";
import type { Chain, Client, PublicActions, Transport } from "viem";

/** Any viem client that can read the chain. */
export type ReadClient = Client<Transport, Chain | undefined> & PublicActions<Transport, Chain | undefined>;
import { FEE_HEADROOM, OPERATION_GAS } from "./constants.js";
import { MAX_AMOUNT, MAX_CALL_PERMISSIONS, MAX_SIGNATURE_SENDERS, MAX_TOKEN_LIMITS, MIN_DURATION, MIN_PERIOD, NATIVE_TOKEN, NO_ARG, PERMIT2, callPermission } from "./rules.js";

/*//////////////////////////////////////////////////////////////
                              SCHEMA
//////////////////////////////////////////////////////////////*/

/** What is wrong with an address as typed, or undefined. All-lowercase (or all-uppercase) hex
 * carries no checksum; mixed case must be EIP-55's, since a wrong one is how a typo shows. */
export function addressProblem(value: string): string | undefined {
  if (!/^0x[0-9a-fA-F]{40}$/.test(value)) return "must be a 0x-prefixed 20-byte hex address";
  const digits = value.slice(2);
  if (digits !== digits.toLowerCase() && digits !== digits.toUpperCase() && !isAddress(value, { strict: true })) {
    return "has a wrong EIP-55 checksum (mixed case that does not match): check it for a typo, or write it in lowercase";
  }
  return undefined;
}

/** An address, checked by addressProblem (one issue at most), checksummed. */
export const addressSchema = z
  .string({ error: "must be a 0x-prefixed 20-byte hex address" })
  // The pattern reaches JSON Schema (OpenAPI, MCP tools); `abort` keeps it to one issue.
  .regex(/^0x[0-9a-fA-F]{40}$/, { message: "must be a 0x-prefixed 20-byte hex address", abort: true })
  .superRefine((value, ctx) => {
    const problem = addressProblem(value);
    if (problem) ctx.addIssue({ code: "custom", message: problem });
  })
  .transform((v) => getAddress(v));
const address = addressSchema;

/** An amount in the token's own units, e.g. "50" or "0.25" (numbers are accepted too). */
const humanAmount = z
  .union([z.string(), z.number()], { error: 'must be an amount such as "50" or "0.25"' })
  .transform((v) => String(v).trim())
  .refine((v) => /^\d+(\.\d+)?$/.test(v), { message: 'must be a positive decimal amount such as "50" or "0.25"' })
  .refine((v) => /[1-9]/.test(v), { message: "must be more than 0 (leave the field out for no limit)" });

const seconds = (what: string) =>
  z
    .number({ error: `${what} must be a whole number of seconds` })
    .int(`${what} must be a whole number of seconds`)
    .min(MIN_PERIOD, `${what} must be at least ${MIN_PERIOD} seconds`)
    .max(100 * 365 * 86_400, `${what} must be under 100 years`);

/** A function the session may call: a signature, a standard ERC-20 function name, or details. */
const functionSpec = z.union([
  z.string().min(1, "must name a function, e.g. transfer(address to, uint256 amount)"),
  z.object({
    signature: z.string().min(1),
    /** Name of the argument holding an amount to count against the cap (e.g. amountIn). */
    amountArg: z.string().optional(),
    /** Name of the argument holding the token that amount is in (e.g. tokenIn). */
    tokenArg: z.string().optional(),
    /** Name of an argument that must be the account itself (e.g. recipient); null for none. */
    recipientArg: z.string().nullable().optional(),
    /** Whether calls may carry native value (counted against a native-coin limit). */
    allowValue: z.boolean().optional(),
  }),
]);

export const permissionRequestSchema = z.object({
  chainId: z.number({ error: "must be a chain id number" }).int().positive(),
  contractAddress: address,
  allowedFunctions: z.array(functionSpec).min(1, "must list at least one function"),
  /** The token the caps are counted in: an ERC-20 address or "native". Defaults to contractAddress. */
  token: z.union([z.literal("native"), address]).optional(),
  maxPerTransaction: humanAmount.optional(),
  maxTotal: humanAmount.optional(),
  maxPerPeriod: z.object({ amount: humanAmount, period: seconds("maxPerPeriod.period") }).optional(),
  rateLimit: z
    .object({
      count: z.number().int().min(1, "must allow at least 1 call").max(65_534, "must be at most 65,534 calls"),
      period: seconds("rateLimit.period"),
    })
    .optional(),
  /** Lifetime limit on calls. */
  maxCalls: z.number().int().min(1).max(4_294_967_294).optional(),
});

export const sessionRequestSchema = z.object({
  walletAddress: address,
  /** The session key's address (its private key stays with the executor). */
  sessionKeyAddress: address,
  /** How long the session lasts, in seconds, from validAfter. */
  duration: z
    .number({ error: "duration must be a number of seconds" })
    .int("duration must be a whole number of seconds")
    .min(MIN_DURATION, `duration must be at least ${MIN_DURATION} seconds (bundlers drop operations about to expire)`)
    .max(10 * 365 * 86_400, "duration must be at most 10 years"),
  /** Start, in unix seconds; defaults to the chain's latest block time. */
  validAfter: z.number().int().nonnegative().optional(),
  /** One permission or several; one is read as a list of one (so fields are named permissions.0.…). */
  permissions: z.preprocess(
    (p) => (Array.isArray(p) || p === undefined ? p : [p]),
    z.array(permissionRequestSchema, { error: "must be a permission object or a list of them" }).min(1, "must hold at least one permission"),
  ),
  /**
   * Most one operation may cost in gas fees, in the native coin (e.g. "0.002"), whoever pays them.
   * Default: enough for OPERATION_GAS gas at FEE_HEADROOM times the chain's current fee
   * (defaultFeeCap), at most maxFeeTotal; with a paymaster too, since a token paymaster charges the
   * account in proportion to an operation's maximum cost.
   */
  maxFeePerOperation: humanAmount.optional(),
  /** Most all operations together may cost in gas fees over the session's life; no budget by default. */
  maxFeeTotal: humanAmount.optional(),
  /** The only paymaster operations may use (it pays their gas); none by default. */
  paymaster: address.optional(),
  /**
   * Contracts that may ask the account to verify this session key's signatures (ERC-1271), e.g. an
   * order book. None by default: the key signs nothing. Never Permit2 or a capped token.
   */
  signatureSenders: z.array(address).max(MAX_SIGNATURE_SENDERS, `at most ${MAX_SIGNATURE_SENDERS} signature senders`).optional(),
  /**
   * For an account not deployed yet: the factory that deploys it and the factory's call data, the
   * ERC-4337 v0.7 split of its initCode (viem's `account.getFactoryArgs()`). The API checks with
   * them which account walletAddress will be; a deployed account needs neither.
   */
  factory: address.optional(),
  factoryData: z
    .string({ error: "must be 0x-prefixed hex bytes" })
    .regex(/^0x(?:[0-9a-fA-F]{2})+$/, "must be 0x-prefixed hex bytes")
    .max(20_000, "is too long")
    .transform((v) => v as Hex)
    .optional(),
});

export type SessionRequestInput = z.input<typeof sessionRequestSchema>;
export type SessionRequest = z.output<typeof sessionRequestSchema>;
export type PermissionRequest = z.output<typeof permissionRequestSchema>;

/*//////////////////////////////////////////////////////////////
                              ERRORS
//////////////////////////////////////////////////////////////*/

export interface RequestIssue {
  /** Dotted path of the field, e.g. "permissions.0.maxTotal". */
  field: string;
  message: string;
}

/** A session request that cannot be granted; `issues` name every bad field. */
export class SessionRequestError extends Error {
  override name = "SessionRequestError";
  constructor(readonly issues: RequestIssue[]) {
    super(`invalid session request: ${issues.map((i) => `${i.field || "(request)"}: ${i.message}`).join("; ")}`);
  }
}

/** Validates the shape of a request (no chain access). */
export function parseSessionRequest(input: unknown): SessionRequest {
  const parsed = sessionRequestSchema.safeParse(input);
  if (parsed.success) return parsed.data;
  throw new SessionRequestError(
    parsed.error.issues.map((issue) => ({ field: issue.path.map(String).join("."), message: issue.message })),
  );
}

/*//////////////////////////////////////////////////////////////
                        SESSION CONFIGURATION
//////////////////////////////////////////////////////////////*/

// SessionConfig, CallPermission and TokenLimit are derived from SessionPolicy's ABI (sdk/contracts.ts).
import type { CallPermission, SessionConfig, TokenLimit } from "./contracts.js";
export type { CallPermission, SessionConfig, TokenLimit };

export interface TokenInfo {
  address: Address;
  symbol: string;
  decimals: number;
}

/** A function the session may call, as resolved. */
export interface AllowedFunction {
  target: Address;
  signature: string;
  selector: Hex;
  /** Argument names with their roles, for explanations. */
  amountArg?: string;
  tokenArg?: string;
  recipientArg?: string;
}

export interface ResolvedSession {
  request: SessionRequest;
  config: SessionConfig;
  /** Where config.maxFeePerOperation comes from: the request, or defaultFeeCap at this fee. */
  feeCap: { source: "request" } | { source: "default"; maxFeePerGas: bigint };
  /** Tokens with limits, with their on-chain symbol and decimals. */
  tokens: TokenInfo[];
  functions: AllowedFunction[];
}

const ERC20_FUNCTIONS: Record<string, string> = {
  transfer: "transfer(address to, uint256 amount)",
  approve: "approve(address spender, uint256 amount)",
  transferFrom: "transferFrom(address from, address to, uint256 amount)",
  increaseAllowance: "increaseAllowance(address spender, uint256 addedValue)",
};
/** ERC-20 functions SessionPolicy counts by itself when their target is a limited token. */
const COUNTED_BY_POLICY = new Set(["0xa9059cbb", "0x095ea7b3", "0x23b872dd", "0x39509351"]);
const AMOUNT_NAMES = ["amountIn", "amount", "amountInMaximum", "value", "wad"];
const TOKEN_NAMES = ["tokenIn", "token", "fromToken", "srcToken"];
const RECIPIENT_NAMES = ["recipient", "to", "receiver", "beneficiary"];

function parseFunction(text: string, field: string, issues: RequestIssue[]): AbiFunction | undefined {
  const signature = ERC20_FUNCTIONS[text.trim()] ?? text.trim();
  if (!signature.includes("(")) {
    issues.push({ field, message: `"${text}" is a name without parameters: give the signature, e.g. ${text}(address,uint256)` });
    return undefined;
  }
  try {
    const item = parseAbiItem(`function ${signature.replace(/^function\s+/, "")}`);
    if (item.type === "function") return item;
  } catch {
    // reported below
  }
  issues.push({ field, message: `"${text}" is not a valid Solidity function signature` });
  return undefined;
}

const STATIC_WORD = /^(address|bool|u?int\d*|bytes([1-9]|[12]\d|3[0-2]))$/;

interface Word {
  name: string;
  type: string;
}

/**
 * The calldata head words of a function's arguments, by name: a static tuple (a Uniswap-style params
 * struct) is laid out inline, so each of its fields is one word, named by the field. A dynamic
 * argument is one word (its offset) that cannot be checked.
 */
function headWords(fn: AbiFunction): Word[] | undefined {
  const words: Word[] = [];
  const add = (param: { name?: string; type: string; components?: readonly { name?: string; type: string }[] }): boolean => {
    if (param.type === "tuple" && param.components) {
      const before = words.length;
      for (const c of param.components) if (!add(c)) {
        words.length = before;
        return false;
      }
      return true;
    }
    if (/\[\d+\]$/.test(param.type)) return false;
    words.push({ name: param.name ?? "", type: param.type });
    return true;
  };
  for (const input of fn.inputs) {
    if (!add(input as never)) {
      // A dynamic tuple or array: one offset word in the head.
      if (input.type.startsWith("tuple") && !input.type.endsWith("]") && (input as { components?: unknown[] }).components) return undefined;
      if (/\[\d+\]$/.test(input.type)) return undefined;
      words.push({ name: "", type: input.type });
    }
  }
  return words;
}

/** Head-word index of a named static argument, or undefined (with an issue) when it cannot be used. */
function argumentIndex(fn: AbiFunction, name: string, field: string, issues: RequestIssue[]): number | undefined {
  const words = headWords(fn);
  if (!words) {
    issues.push({ field, message: `${fn.name} has a fixed-size array or dynamic struct; its arguments cannot be checked` });
    return undefined;
  }
  const index = words.findIndex((w) => w.name === name);
  if (index < 0) {
    issues.push({ field, message: `${fn.name} has no argument named "${name}"` });
    return undefined;
  }
  if (!STATIC_WORD.test(words[index]!.type)) {
    issues.push({ field, message: `argument "${name}" of ${fn.name} is a ${words[index]!.type}; only static values can be checked` });
    return undefined;
  }
  return index;
}

function firstNamed(fn: AbiFunction, names: readonly string[]): string | undefined {
  const words = headWords(fn) ?? [];
  return names.find((n) => words.some((w) => w.name === n));
}

/** A token's symbol and decimals read from the chain (the native token's from the chain's
 * currency); throws when `decimals()` fails. */
export async function readTokenInfo(client: ReadClient, token: Address): Promise<TokenInfo> {
  if (token === NATIVE_TOKEN) return { address: NATIVE_TOKEN, symbol: client.chain?.nativeCurrency.symbol ?? "ETH", decimals: 18 };
  const [decimals, symbol] = await Promise.all([
    client.readContract({ address: token, abi: erc20Abi, functionName: "decimals" }),
    client.readContract({ address: token, abi: erc20Abi, functionName: "symbol" }).catch(() => "tokens"),
  ]);
  return { address: token, symbol, decimals };
}

async function tokenInfo(client: ReadClient, token: Address, field: string, issues: RequestIssue[]): Promise<TokenInfo | undefined> {
  try {
    return await readTokenInfo(client, token);
  } catch {
    issues.push({ field, message: `${token} is not an ERC-20 token on chain ${client.chain?.id ?? "?"} (decimals() failed)` });
    return undefined;
  }
}

function toUnits(amount: string, token: TokenInfo, field: string, issues: RequestIssue[]): bigint {
  const fraction = amount.split(".")[1] ?? "";
  if (fraction.length > token.decimals) {
    issues.push({ field, message: `${amount} has more decimals than ${token.symbol}'s ${token.decimals}` });
    return 0n;
  }
  const units = parseUnits(amount, token.decimals);
  if (units > MAX_AMOUNT) issues.push({ field, message: `${amount} ${token.symbol} is above the largest limit a session can hold` });
  return units;
}

/*//////////////////////////////////////////////////////////////
                                GAS
//////////////////////////////////////////////////////////////*/

/** What the chain asks per gas now (viem's EIP-1559 estimate, else the legacy gas price). */
export async function currentMaxFeePerGas(client: ReadClient): Promise<bigint> {
  try {
    return (await client.estimateFeesPerGas()).maxFeePerGas;
  } catch {
    return client.getGasPrice();
  }
}

/**
 * The default cap on what one operation may cost: OPERATION_GAS gas at FEE_HEADROOM times today's
 * fee, rounded up to two significant digits ("0.0024 ETH"). Fees may rise that much before the
 * session's operations are refused; a leaked key can burn at most this per operation.
 */
export function defaultFeeCap(maxFeePerGas: bigint): bigint {
  const cap = OPERATION_GAS * FEE_HEADROOM * (maxFeePerGas > 0n ? maxFeePerGas : 1n);
  let unit = 1n;
  while (cap / unit >= 100n) unit *= 10n;
  return ((cap + unit - 1n) / unit) * unit;
}

/**
 * Resolves a request against the chain: checks that every target is a contract and every token an
 * ERC-20, reads decimals, and builds SessionPolicy's configuration. Throws SessionRequestError naming
 * every bad field.
 */
export async function resolveSessionRequest(client: ReadClient, input: unknown): Promise<ResolvedSession> {
  const request = parseSessionRequest(input);
  const issues: RequestIssue[] = [];
  const chainId = client.chain?.id ?? (await client.getChainId());
  // Default start: now, by the earlier of the chain's clock and this machine's (a bundler refuses an
  // operation whose validity starts after its own clock).
  const validAfter = request.validAfter ?? Math.min(Number((await client.getBlock()).timestamp), Math.floor(Date.now() / 1000));

  const calls: CallPermission[] = [];
  const functions: AllowedFunction[] = [];
  const limits = new Map<Address, { limit: TokenLimit; field: string }>();
  const tokens = new Map<Address, TokenInfo>();
  let rate: { count: number; period: number; field: string } | undefined;
  let maxCalls: { value: number; field: string } | undefined;

  for (const [i, permission] of request.permissions.entries()) {
    const at = (name: string) => `permissions.${i}.${name}`;
    if (permission.chainId !== chainId) {
      issues.push({ field: at("chainId"), message: `is ${permission.chainId}, but the chain answering is ${chainId}` });
      continue;
    }
    const code = await client.getCode({ address: permission.contractAddress });
    if (!code || code === "0x") {
      issues.push({ field: at("contractAddress"), message: `no contract at ${permission.contractAddress} on chain ${chainId}` });
      continue;
    }
    const capped = permission.maxPerTransaction ?? permission.maxTotal ?? permission.maxPerPeriod;
    const tokenAddress = permission.token === "native" ? NATIVE_TOKEN : (permission.token ?? permission.contractAddress);
    // Caps are counted in `token`; without one, in the contract itself, which must then be an ERC-20.
    const token = capped ? (tokens.get(tokenAddress) ?? (await tokenInfo(client, tokenAddress, at("token"), issues))) : undefined;
    if (token) tokens.set(token.address, token);

    for (const [j, spec] of permission.allowedFunctions.entries()) {
      const field = at(`allowedFunctions.${j}`);
      const details = typeof spec === "string" ? { signature: spec } : spec;
      const fn = parseFunction(details.signature, field, issues);
      if (!fn) continue;
      const selector = toFunctionSelector(fn);
      const countedByPolicy = COUNTED_BY_POLICY.has(selector) && tokenAddress === permission.contractAddress;
      const amountName = details.amountArg ?? (countedByPolicy || !token ? undefined : firstNamed(fn, AMOUNT_NAMES));
      const tokenName = details.tokenArg ?? (amountName ? firstNamed(fn, TOKEN_NAMES) : undefined);
      const recipientName =
        details.recipientArg === null ? undefined : (details.recipientArg ?? (countedByPolicy ? undefined : firstNamed(fn, RECIPIENT_NAMES)));
      const amountArg = amountName ? argumentIndex(fn, amountName, field, issues) : undefined;
      const tokenArg = tokenName ? argumentIndex(fn, tokenName, field, issues) : undefined;
      const accountArg = recipientName ? argumentIndex(fn, recipientName, field, issues) : undefined;
      // Native value only where a native-coin limit counts it (the policy refuses value without one).
      const allowValue = details.allowValue ?? permission.token === "native";
      calls.push(
        callPermission(permission.contractAddress, selector, {
          allowValue,
          amountArg: amountArg ?? NO_ARG,
          tokenArg: tokenArg ?? NO_ARG,
          amountToken: amountArg !== undefined && tokenArg === undefined && token ? token.address : zeroAddress,
          accountArg: accountArg ?? NO_ARG,
        }),
      );
      functions.push({
        target: permission.contractAddress,
        signature: formatAbiItem(fn),
        selector,
        amountArg: amountName,
        tokenArg: tokenName,
        recipientArg: recipientName,
      });
    }

    if (token) {
      const perTransaction = permission.maxPerTransaction ? toUnits(permission.maxPerTransaction, token, at("maxPerTransaction"), issues) : 0n;
      const total = permission.maxTotal ? toUnits(permission.maxTotal, token, at("maxTotal"), issues) : 0n;
      const perPeriod = permission.maxPerPeriod ? toUnits(permission.maxPerPeriod.amount, token, at("maxPerPeriod.amount"), issues) : 0n;
      if (total && perTransaction > total) {
        issues.push({ field: at("maxPerTransaction"), message: `${permission.maxPerTransaction} is more than maxTotal ${permission.maxTotal}` });
      }
      if (perPeriod && perTransaction > perPeriod) {
        issues.push({ field: at("maxPerTransaction"), message: `${permission.maxPerTransaction} is more than the per-period allowance ${permission.maxPerPeriod!.amount}` });
      }
      if (total && perPeriod > total) {
        issues.push({ field: at("maxPerPeriod.amount"), message: `${permission.maxPerPeriod!.amount} is more than maxTotal ${permission.maxTotal}` });
      }
      const limit: TokenLimit = { token: token.address, perTransaction, total, perPeriod, period: permission.maxPerPeriod?.period ?? 0 };
      const earlier = limits.get(token.address);
      if (earlier && JSON.stringify(earlier.limit, (_, v) => (typeof v === "bigint" ? v.toString() : v)) !== JSON.stringify(limit, (_, v) => (typeof v === "bigint" ? v.toString() : v))) {
        issues.push({ field: at("token"), message: `${token.symbol} already has different caps in ${earlier.field}; a token has one set of caps per session` });
      } else {
        limits.set(token.address, { limit, field: `permissions.${i}` });
      }
    }

    if (permission.rateLimit) {
      if (rate && (rate.count !== permission.rateLimit.count || rate.period !== permission.rateLimit.period)) {
        issues.push({ field: at("rateLimit"), message: `differs from ${rate.field}; a session has one rate limit` });
      } else rate = { ...permission.rateLimit, field: at("rateLimit") };
    }
    if (permission.maxCalls !== undefined) {
      if (maxCalls && maxCalls.value !== permission.maxCalls) {
        issues.push({ field: at("maxCalls"), message: `differs from ${maxCalls.field}; a session has one lifetime call limit` });
      } else maxCalls = { value: permission.maxCalls, field: at("maxCalls") };
    }
  }

  if (calls.length > MAX_CALL_PERMISSIONS) issues.push({ field: "permissions", message: `at most ${MAX_CALL_PERMISSIONS} functions per session` });
  if (limits.size > MAX_TOKEN_LIMITS) issues.push({ field: "permissions", message: `at most ${MAX_TOKEN_LIMITS} capped tokens per session` });
  const seen = new Set<string>();
  for (const call of calls) {
    const key = `${call.target}:${call.selector}`;
    if (seen.has(key)) issues.push({ field: "permissions", message: `${call.selector} on ${call.target} is listed twice` });
    seen.add(key);
  }
  const native = tokens.get(NATIVE_TOKEN) ?? { address: NATIVE_TOKEN, symbol: client.chain?.nativeCurrency.symbol ?? "ETH", decimals: 18 };
  const maxFeeTotal = request.maxFeeTotal ? toUnits(request.maxFeeTotal, native, "maxFeeTotal", issues) : 0n;
  let maxFee = 0n;
  let feeCap: ResolvedSession["feeCap"];
  if (request.maxFeePerOperation) {
    maxFee = toUnits(request.maxFeePerOperation, native, "maxFeePerOperation", issues);
    feeCap = { source: "request" };
  } else {
    // A cap from today's fee (never above the budget), so that one operation cannot burn more than
    // an operation may cost. It applies with a paymaster too: a token paymaster charges the account
    // in proportion to the operation's maximum cost, and the cap is what bounds that.
    const fee = await currentMaxFeePerGas(client);
    const cap = defaultFeeCap(fee);
    maxFee = maxFeeTotal && cap > maxFeeTotal ? maxFeeTotal : cap;
    feeCap = { source: "default", maxFeePerGas: fee };
  }
  if (maxFeeTotal && maxFee > maxFeeTotal) {
    issues.push({ field: "maxFeePerOperation", message: `${request.maxFeePerOperation ?? "the default cap"} is more than maxFeeTotal ${request.maxFeeTotal}` });
  }
  if (request.paymaster) {
    const code = await client.getCode({ address: request.paymaster });
    if (!code || code === "0x") issues.push({ field: "paymaster", message: `no contract at ${request.paymaster} on chain ${chainId}` });
  }
  const signatureSenders = request.signatureSenders ?? [];
  for (const [i, sender] of signatureSenders.entries()) {
    const field = `signatureSenders.${i}`;
    if (sender === PERMIT2) {
      issues.push({ field, message: "is Permit2: a signature for it moves any token the account approved to Permit2, uncounted" });
    } else if (limits.has(sender)) {
      issues.push({ field, message: "is a token the session caps: its permits would spend it uncounted" });
    } else if (signatureSenders.indexOf(sender) !== i) {
      issues.push({ field, message: "is listed twice" });
    } else {
      const code = await client.getCode({ address: sender });
      if (!code || code === "0x") issues.push({ field, message: `no contract at ${sender} on chain ${chainId}: only contracts verify signatures` });
    }
  }
  if (issues.length) throw new SessionRequestError(issues);

  const config: SessionConfig = {
    validAfter,
    validUntil: validAfter + request.duration,
    window: rate?.period ?? 0,
    callsPerWindow: rate?.count ?? 0,
    maxCalls: maxCalls?.value ?? 0,
    maxFeePerOperation: maxFee,
    maxFeeTotal,
    paymaster: request.paymaster ?? zeroAddress,
    signatureSenders,
    calls,
    tokens: [...limits.values()].map((l) => l.limit),
  };
  return { request, config, feeCap, tokens: [...tokens.values()], functions };
}
