// Sessions in words: amounts as the API answers them, status lines for the CLI, and the functions
// a session may call by their names. The formatters themselves are in format.ts.
import { type Hex, toFunctionSelector } from "viem";
import { z } from "zod";
import { formatAmount, formatDuration, type TokenMeta, unitsText } from "./format.js";
import { NATIVE_TOKEN, UNLIMITED } from "./rules.js";
import type { SessionStatus } from "./session.js";

export type { TokenMeta } from "./format.js";

/** An amount: base units as a decimal string, and the same in the token's units. */
export const amountSchema = z
  .object({
    raw: z.string().regex(/^\d+$/).meta({ description: "Base units" }),
    formatted: z.string().nullable().meta({ description: "In the token's units; null when its decimals are unknown" }),
    symbol: z.string().nullable(),
    decimals: z.number().int().nullable(),
    display: z.string().meta({ description: 'For people: "$41.67", "0.5 WETH"' }),
  })
  .meta({ title: "Amount" });
export type Amount = z.infer<typeof amountSchema>;

/** An Amount, or null for "no limit" (0 in a config, 2^256-1 in the views). */
export function amount(raw: bigint | null, token: TokenMeta): Amount | null {
  if (raw === null || raw === UNLIMITED) return null;
  return {
    raw: raw.toString(),
    formatted: token.decimals === null ? null : unitsText(raw, token.decimals),
    symbol: token.symbol,
    decimals: token.decimals,
    display: formatAmount(raw, token),
  };
}

export const nativeMeta = (symbol: string = "ETH"): TokenMeta => ({ address: NATIVE_TOKEN, symbol, decimals: 18 });

/** A unix time with its ISO form; null for "never". */
export function timestamp(unix: number | null) {
  return unix === null ? null : { unix, iso: new Date(unix * 1000).toISOString() };
}

/** Several lines: status, time left, calls left, and per token what remains. */
export function formatSessionStatus(status: SessionStatus, now: number): string {
  const lines = [`session ${status.permissionId} of ${status.account}: ${status.status}`];
  if (status.validUntil !== null) {
    lines.push(now <= status.validUntil ? `${formatDuration(status.validUntil - now, "short")} remaining` : "expired");
  }
  if (status.callsLeftInWindow !== null) lines.push(`${status.callsLeftInWindow} calls left in this window`);
  if (status.callsLeft !== null) lines.push(`${status.callsLeft} calls left in total`);
  const native = nativeMeta();
  if (status.config.maxFeePerOperation) lines.push(`gas: at most ${formatAmount(status.config.maxFeePerOperation, native, "exact")} per operation`);
  if (status.feeLeft !== null) lines.push(`gas budget: ${formatAmount(status.feeLeft, native, "exact")} left`);
  for (const t of status.tokens) {
    const meta: TokenMeta = { address: t.token, symbol: t.symbol ?? null, decimals: t.decimals ?? null };
    const fmt = (v: bigint | null) => (v === null ? "unlimited" : formatAmount(v, meta, "exact"));
    lines.push(
      `${t.symbol ?? t.token}: ${fmt(t.remainingTotal)} left in total, ${fmt(t.remainingInPeriod)} left this period, at most ${fmt(t.perTransaction)} per transaction`,
    );
  }
  return lines.join("\n");
}

/** Functions known by selector, for sessions whose configuration holds only selectors. */
const KNOWN_SIGNATURES = [
  "transfer(address to, uint256 amount)",
  "approve(address spender, uint256 amount)",
  "transferFrom(address from, address to, uint256 amount)",
  "increaseAllowance(address spender, uint256 addedValue)",
  "deposit()",
  "withdraw(uint256 wad)",
  "exactInputSingle((address tokenIn, address tokenOut, uint24 fee, address recipient, uint256 deadline, uint256 amountIn, uint256 amountOutMinimum, uint160 sqrtPriceLimitX96))",
  "exactInputSingle((address tokenIn, address tokenOut, uint24 fee, address recipient, uint256 amountIn, uint256 amountOutMinimum, uint160 sqrtPriceLimitX96))",
  // Uniswap's shape without the deadline and price limit: the local scenario's MockSwapRouter.
  "exactInputSingle((address tokenIn, address tokenOut, uint24 fee, address recipient, uint256 amountIn, uint256 amountOutMinimum))",
  "exactInput((bytes path, address recipient, uint256 deadline, uint256 amountIn, uint256 amountOutMinimum))",
  "exactOutputSingle((address tokenIn, address tokenOut, uint24 fee, address recipient, uint256 deadline, uint256 amountOut, uint256 amountInMaximum, uint160 sqrtPriceLimitX96))",
  "swapExactTokensForTokens(uint256 amountIn, uint256 amountOutMin, address[] path, address to, uint256 deadline)",
  "swapExactETHForTokens(uint256 amountOutMin, address[] path, address to, uint256 deadline)",
  "supply(address asset, uint256 amount, address onBehalfOf, uint16 referralCode)",
];

const BY_SELECTOR = new Map<string, string>(
  KNOWN_SIGNATURES.map((s) => [toFunctionSelector(`function ${s}`).toLowerCase(), s.replace(/\(\(.*\)\)$/, "(…)")]),
);

/** "transfer(address to, uint256 amount)" for a known selector, else null. */
export function functionName(selector: Hex): string | null {
  return BY_SELECTOR.get(selector.toLowerCase()) ?? null;
}

/** The name before the parenthesis: "transfer", or the selector itself. */
export function shortFunction(selector: Hex, signature?: string | null): string {
  const s = signature ?? functionName(selector);
  return s ? s.slice(0, s.indexOf("(")) : selector;
}

