// Values as people read them: amounts, durations and times. One amount formatter and one duration
// formatter for the SDK's refusals, the CLI, the API's display strings, the MCP text and the
// dashboard (which loads this very file, types stripped, from /dashboard/format.js): so it imports
// nothing at run time.

export interface TokenMeta {
  address: string;
  /** null when the token did not answer symbol() / decimals(). */
  symbol: string | null;
  decimals: number | null;
}

/** Symbols shown as dollars ("$41.67"): tokens pegged 1:1 to the US dollar. */
const USD_SYMBOLS = new Set(["USDC", "USDT", "DAI", "USDC.E", "USDBC", "PYUSD", "FDUSD", "USDS", "GHO", "LUSD", "TUSD", "USDP", "FRAX"]);

export const isUsd = (symbol: string | null): boolean => symbol !== null && USD_SYMBOLS.has(symbol.toUpperCase());

/** "1,234,567" */
export const groupDigits = (integer: string): string => integer.replace(/\B(?=(\d{3})+(?!\d))/g, ",");

/** Base units in the token's units, every digit kept: "41.666667", "1000", "-0.5" (viem's formatUnits). */
export function unitsText(raw: bigint, decimals: number): string {
  const negative = raw < 0n;
  const digits = (negative ? -raw : raw).toString().padStart(decimals + 1, "0");
  const whole = digits.slice(0, digits.length - decimals);
  const fraction = digits.slice(digits.length - decimals).replace(/0+$/, "");
  return `${negative ? "-" : ""}${whole}${fraction ? `.${fraction}` : ""}`;
}

/** "1,000.5" from base units, rounded half up at `fixed` places when given. */
function humanNumber(raw: bigint, decimals: number, fixed?: number): string {
  let text = unitsText(raw, decimals);
  if (fixed !== undefined) {
    const [i, f = ""] = text.split(".");
    const scaled = BigInt(i! + (f + "0".repeat(fixed + 1)).slice(0, fixed + 1));
    const rounded = (scaled + 5n) / 10n;
    const digits = rounded.toString().padStart(fixed + 1, "0");
    text = `${digits.slice(0, -fixed) || "0"}.${digits.slice(-fixed)}`;
  }
  const [integer, fraction] = text.split(".");
  return fraction ? `${groupDigits(integer!)}.${fraction}` : groupDigits(integer!);
}

/** Significant digits of a fraction below 1 shown to people ("0.001334 ETH"). */
const SIGNIFICANT = 4;

/**
 * Places after the point that show `raw` to people: up to SIGNIFICANT digits of a fraction below
 * 1 (0.001334), and at most SIGNIFICANT places otherwise (1,234.5678); undefined: all of them.
 */
function placesFor(raw: bigint, decimals: number): number | undefined {
  const [integer, fraction = ""] = unitsText(raw, decimals).split(".");
  const places = integer === "0" ? fraction.search(/[1-9]/) + SIGNIFICANT : SIGNIFICANT;
  return fraction.length > places ? places : undefined;
}

/**
 * An amount of `token` for people. Display (the default): "$41.67" for dollar stablecoins, else
 * rounded for reading ("0.5 WETH", "0.001334 ETH", "1,234.5679 WETH"). Exact, for refusals that
 * compare figures: every digit, ungrouped ("41.666667 USDC", "0.000000000000000001 ETH"). A token
 * without decimals: "12,000 base units of 0x…".
 */
export function formatAmount(raw: bigint, token: TokenMeta, mode: "display" | "exact" = "display"): string {
  if (token.decimals === null) return `${groupDigits(raw.toString())} base units of ${token.address}`;
  if (mode === "exact") return `${unitsText(raw, token.decimals)} ${token.symbol ?? "tokens"}`;
  if (isUsd(token.symbol)) return `$${humanNumber(raw, token.decimals, 2)}`;
  const places = placesFor(raw, token.decimals);
  // Rounded for reading (raw values carry the exact amount): trailing zeros dropped.
  const text = places === undefined ? humanNumber(raw, token.decimals) : humanNumber(raw, token.decimals, places).replace(/\.?0+$/, "");
  return `${text} ${token.symbol ?? "tokens"}`;
}

const UNITS: readonly (readonly [long: string, short: string, seconds: number])[] = [
  ["year", "y", 365 * 86_400],
  ["day", "d", 86_400],
  ["hour", "h", 3_600],
  ["minute", "m", 60],
  ["second", "s", 1],
];

/**
 * A length of time. Styles:
 * - "long", for explanations: "24 hours", "2 weeks", "1 hour 30 minutes", "90 seconds" (two units);
 * - "short", for time left: "5h 23m", "2d 4h", "45s" (the largest two units, no years);
 * - "countdown", for a ticking clock: "2d 4h 12m", "5h 0m 12s" (three units from the largest,
 *   zeros included, so it ticks).
 */
export function formatDuration(seconds: number, style: "long" | "short" | "countdown" = "long"): string {
  const rest = Math.max(0, Math.floor(seconds));
  if (style === "long") {
    if (rest <= 0) return "0 seconds";
    if (rest % 86_400 === 0 && rest / 86_400 <= 28) {
      const days = rest / 86_400;
      if (days === 1) return "24 hours";
      if (days % 7 === 0) return `${days / 7} week${days === 7 ? "" : "s"}`;
    }
  }
  const units = style === "long" ? UNITS : UNITS.slice(1);
  const first = units.findIndex(([, , size]) => rest >= size);
  if (first === -1) return style === "long" ? "0 seconds" : "0s";
  const parts: string[] = [];
  let left = rest;
  for (const [long, short, size] of units.slice(first, first + (style === "countdown" ? 3 : 2))) {
    const n = Math.floor(left / size);
    left %= size;
    // Two-unit styles stop at the first zero after the largest unit ("2 days", not "2 days 0 hours").
    if (n === 0 && style !== "countdown") break;
    parts.push(style === "long" ? `${groupDigits(String(n))} ${long}${n === 1 ? "" : "s"}` : `${n}${short}`);
  }
  return parts.join(" ");
}

/** "per hour", "per day", "per 90 minutes". */
export function perDuration(seconds: number): string {
  const named: Record<number, string> = { 60: "minute", 3_600: "hour", 86_400: "day", 604_800: "week" };
  return named[seconds] ? `per ${named[seconds]}` : `per ${formatDuration(seconds)}`;
}

/** "2026-11-23 18:00 UTC". */
export function formatTime(unix: number): string {
  return `${new Date(unix * 1000).toISOString().slice(0, 16).replace("T", " ")} UTC`;
}

/** "23h 59m remaining", "expired", "no expiry". */
export function timeLeftText(secondsLeft: number | null): string {
  if (secondsLeft === null) return "no expiry";
  return secondsLeft <= 0 ? "expired" : `${formatDuration(secondsLeft, "short")} remaining`;
}

/** "0x1234…abcd" */
export function shortAddress(address: string): string {
  return `${address.slice(0, 6)}…${address.slice(-4)}`;
}

/** Chains people know by name: the ones Leash deploys to, and the mainnets a wallet is often left on. */
const CHAIN_NAMES: Record<number, string> = {
  1: "Ethereum",
  10: "OP Mainnet",
  137: "Polygon",
  8453: "Base",
  42161: "Arbitrum One",
  84532: "Base Sepolia",
  11155111: "Sepolia",
  31337: "the local development chain",
};

/** "Sepolia (chain 11155111)", "chain 1234". */
export function chainName(chainId: number): string {
  const name = CHAIN_NAMES[chainId];
  return name ? `${name} (chain ${chainId})` : `chain ${chainId}`;
}
