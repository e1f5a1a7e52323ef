// Values as people read them: amounts with the token's symbol and decimals, durations, times, and
// the functions a session may call by their names.
import { type Address, type Hex, formatUnits, toFunctionSelector } from "viem";
import { formatTimeLeft } from "../sdk/describe.js";
import { NATIVE_TOKEN, UNLIMITED } from "../sdk/constants.js";

export interface TokenMeta {
  address: Address;
  /** null when the token did not answer symbol() / decimals(). */
  symbol: string | null;
  decimals: number | null;
}

/** An amount: base units as a decimal string, and the same in the token's units. */
export interface Amount {
  raw: string;
  formatted: string | null;
  symbol: string | null;
  decimals: number | null;
  display: string;
}

/** Symbols shown as dollars ("$41.67"): tokens pegged 1:1 to the US dollar. */
const USD_SYMBOLS = new Set(["USDC", "USDT", "DAI", "USDC.E", "USDBC", "PYUSD", "FDUSD", "USDS", "GHO", "LUSD", "TUSD", "USDP", "FRAX"]);

export const isUsd = (symbol: string | null) => symbol !== null && USD_SYMBOLS.has(symbol.toUpperCase());

const group = (integer: string) => integer.replace(/\B(?=(\d{3})+(?!\d))/g, ",");

/** "1,000.5" from base units. */
function humanNumber(raw: bigint, decimals: number, fixed?: number): string {
  let text = formatUnits(raw, decimals);
  if (fixed !== undefined) {
    const [i, f = ""] = text.split(".");
    // Rounds half up at `fixed` places (display only; raw values carry the exact amount).
    const scaled = BigInt(i! + (f + "0".repeat(fixed + 1)).slice(0, fixed + 1));
    const rounded = (scaled + 5n) / 10n;
    const digits = rounded.toString().padStart(fixed + 1, "0");
    text = `${digits.slice(0, -fixed) || "0"}.${digits.slice(-fixed)}`;
  }
  const [integer, fraction] = text.split(".");
  return fraction ? `${group(integer!)}.${fraction}` : group(integer!);
}

/** Significant digits of a fraction below 1 shown to people ("0.001334 ETH"). */
const SIGNIFICANT = 4;

/**
 * Places after the point that show `raw` to people: up to SIGNIFICANT digits of a fraction below
 * 1 (0.001334), and at most SIGNIFICANT places otherwise (1,234.5678); undefined: all of them.
 */
function placesFor(raw: bigint, decimals: number): number | undefined {
  const [integer, fraction = ""] = formatUnits(raw, decimals).split(".");
  const places = integer === "0" ? fraction.search(/[1-9]/) + SIGNIFICANT : SIGNIFICANT;
  return fraction.length > places ? places : undefined;
}

/** "$41.67", "0.5 WETH", "0.001334 ETH", "12,000 base units of 0x…". */
export function displayAmount(raw: bigint, token: TokenMeta): string {
  if (token.decimals === null) return `${group(raw.toString())} base units of ${token.address}`;
  if (isUsd(token.symbol)) return `$${humanNumber(raw, token.decimals, 2)}`;
  const places = placesFor(raw, token.decimals);
  // Rounded for reading (raw values carry the exact amount): trailing zeros dropped.
  const text = places === undefined ? humanNumber(raw, token.decimals) : humanNumber(raw, token.decimals, places).replace(/\.?0+$/, "");
  return `${text} ${token.symbol ?? "tokens"}`;
}

/** An Amount, or null for "no limit" (0 in a config, 2^256-1 in the views). */
export function amount(raw: bigint | null, token: TokenMeta): Amount | null {
  if (raw === null || raw === UNLIMITED) return null;
  return {
    raw: raw.toString(),
    formatted: token.decimals === null ? null : formatUnits(raw, token.decimals),
    symbol: token.symbol,
    decimals: token.decimals,
    display: displayAmount(raw, token),
  };
}

export const nativeMeta = (symbol: string = "ETH"): TokenMeta => ({ address: NATIVE_TOKEN, symbol, decimals: 18 });

/** "24 hours", "7 days", "90 minutes", "1 hour 30 minutes". */
export function humanDuration(seconds: number): string {
  const units: [string, number][] = [["year", 365 * 86_400], ["day", 86_400], ["hour", 3_600], ["minute", 60], ["second", 1]];
  if (seconds <= 0) return "0 seconds";
  if (seconds % 86_400 === 0 && seconds < 365 * 86_400 && seconds / 86_400 <= 7 * 4) {
    const days = seconds / 86_400;
    if (days === 1) return "24 hours";
    if (days % 7 === 0) return `${days / 7} week${days === 7 ? "" : "s"}`;
  }
  const parts: string[] = [];
  let rest = seconds;
  for (const [name, size] of units) {
    if (rest >= size && parts.length < 2) {
      const n = Math.floor(rest / size);
      parts.push(`${group(String(n))} ${name}${n === 1 ? "" : "s"}`);
      rest %= size;
    } else if (parts.length) break;
  }
  return parts.join(" ");
}

/** "per hour", "per day", "per 90 minutes". */
export function perDuration(seconds: number): string {
  const named: Record<number, string> = { 60: "minute", 3_600: "hour", 86_400: "day", 604_800: "week" };
  return named[seconds] ? `per ${named[seconds]}` : `per ${humanDuration(seconds)}`;
}

/** "2026-11-23 18:00 UTC". */
export function humanTime(unix: number): string {
  return `${new Date(unix * 1000).toISOString().slice(0, 16).replace("T", " ")} UTC`;
}

/** A unix time with its ISO form; null for "never". */
export function timestamp(unix: number | null) {
  return unix === null ? null : { unix, iso: new Date(unix * 1000).toISOString() };
}

export function timeLeftDisplay(secondsLeft: number | null): string {
  if (secondsLeft === null) return "no expiry";
  return secondsLeft <= 0 ? "expired" : `${formatTimeLeft(secondsLeft)} remaining`;
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

export function shortAddress(address: string): string {
  return `${address.slice(0, 6)}…${address.slice(-4)}`;
}
