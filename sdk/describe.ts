// Sessions in words: status lines a person (or a chat) can read.
import { formatUnits } from "viem";
import type { SessionStatus } from "./session.js";

/** "5h 23m", "2d 4h", "45s": the largest two units. */
export function formatTimeLeft(seconds: number): string {
  if (seconds <= 0) return "0s";
  const units: [string, number][] = [["d", 86_400], ["h", 3_600], ["m", 60], ["s", 1]];
  const parts: string[] = [];
  let rest = Math.floor(seconds);
  for (const [name, size] of units) {
    if (rest >= size && parts.length < 2) {
      parts.push(`${Math.floor(rest / size)}${name}`);
      rest %= size;
    } else if (parts.length) break;
  }
  return parts.join(" ");
}

/** Several lines: status, time left, calls left, and per token what remains. */
export function formatSessionStatus(status: SessionStatus, now: number): string {
  const lines = [`session ${status.permissionId} of ${status.account}: ${status.status}`];
  if (status.validUntil !== null) {
    lines.push(now <= status.validUntil ? `${formatTimeLeft(status.validUntil - now)} remaining` : "expired");
  }
  if (status.callsLeftInWindow !== null) lines.push(`${status.callsLeftInWindow} calls left in this window`);
  if (status.callsLeft !== null) lines.push(`${status.callsLeft} calls left in total`);
  if (status.config.maxFeePerOperation) lines.push(`gas: at most ${formatUnits(status.config.maxFeePerOperation, 18)} per operation`);
  if (status.feeLeft !== null) lines.push(`gas budget: ${formatUnits(status.feeLeft, 18)} left`);
  for (const t of status.tokens) {
    const fmt = (v: bigint | null) => (v === null ? "unlimited" : t.decimals === undefined ? `${v} base units` : `${formatUnits(v, t.decimals)} ${t.symbol}`);
    lines.push(
      `${t.symbol ?? t.token}: ${fmt(t.remainingTotal)} left in total, ${fmt(t.remainingInPeriod)} left this period, at most ${fmt(t.perTransaction)} per transaction`,
    );
  }
  return lines.join("\n");
}
