// The API's answers as a chat model reads them: a few lines of plain words built from the API's own
// display strings, so that a chat shows the same amounts, counts and countdowns as every other
// client of the API. The structured answer travels next to this text unchanged.
import type { AsOf, HistoryEntry, HistoryPage, RevocationView, SessionPage, SessionRequestView, SessionView } from "../api/responses.js";
import type { AutomationSummary } from "../sdk/automations.js";
import { chainName, formatTime } from "../sdk/format.js";

const plural = (n: number, word: string) => `${n} ${word}${n === 1 ? "" : "s"}`;

function asOfLine(asOf: AsOf): string {
  return `As of ${formatTime(asOf.now.unix)} (chain block ${asOf.chainBlock}).`;
}

/** "Active, 23h 59m remaining (until …)", "Revoked on …", "Limits used up". */
function statusPhrase(v: SessionView): string {
  const until = v.expiresAt ? ` (until ${formatTime(v.expiresAt.unix)})` : "";
  switch (v.status) {
    case "approved":
    case "active":
    case "pending":
      // timeLeft is "23h 59m remaining" or "starts in 2 hours" here; for the other statuses it repeats the status.
      return `${v.display.status}, ${v.display.timeLeft}${until}`;
    case "expired":
      return `${v.display.status}${v.expiresAt ? ` since ${formatTime(v.expiresAt.unix)}` : ""}`;
    case "revoked":
      return `${v.display.status}${v.revoked ? ` on ${formatTime(v.revoked.timestamp.unix)}` : ""}`;
    default:
      return v.display.status;
  }
}

function permissionPhrase(p: SessionView["permissions"][number]): string {
  const rules: string[] = [];
  if (p.recipientMustBeAccount) rules.push("output only to the account");
  if (p.allowValue) rules.push("may send the native coin");
  if (p.argumentRule) rules.push(`argument ${p.argumentRule.argument} must be ${p.argumentRule.mustEqual}`);
  return rules.length ? `${p.display} (${rules.join(", ")})` : p.display;
}

/** One line of a list: id, status and time, calls, spend, what it may call. */
export function sessionLine(v: SessionView): string {
  const parts = [statusPhrase(v), v.display.calls ?? "no call limit", ...v.display.spend];
  if (v.display.permissions.length) parts.push(`can call ${v.display.permissions.join(", ")}`);
  return `- ${v.permissionId}: ${parts.join("; ")}`;
}

export function sessionListText(page: SessionPage, account: string, status: string): string {
  const filter = status === "all" ? "" : `${status} `;
  if (page.items.length === 0) {
    return `Account ${account} has no ${filter}sessions${page.nextCursor ? " on this page" : ""}. ${asOfLine(page.asOf)}`;
  }
  const lines = [`${plural(page.items.length, `${filter}session`)} of account ${account}, newest first:`, ...page.items.map(sessionLine)];
  if (page.nextCursor) lines.push(`More sessions: call list_sessions again with cursor "${page.nextCursor}".`);
  lines.push(asOfLine(page.asOf));
  return lines.join("\n");
}

export function sessionText(v: SessionView): string {
  const lines = [
    `Session ${v.permissionId} of account ${v.account} on ${chainName(v.chainId)}${v.registration !== null && v.registration > 1 ? ` (approval number ${v.registration} of this permission id)` : ""}.`,
    `Status: ${statusPhrase(v)}.`,
  ];
  if (v.sessionKey) lines.push(`Session key: ${v.sessionKey}.`);
  if (v.permissions.length) lines.push(`Can call: ${v.permissions.map(permissionPhrase).join("; ")}; nothing else.`);
  for (const t of v.tokens) {
    const parts = [...t.display];
    if (t.remaining.total) parts.push(`${t.remaining.total.display} left in total`);
    if (t.limits.perPeriod && t.remaining.thisPeriod) {
      parts.push(`${t.remaining.thisPeriod.display} left this period${t.refillsAt ? `, refilling ${formatTime(t.refillsAt.unix)}` : ""}`);
    }
    if (t.limits.perTransaction) parts.push(`at most ${t.limits.perTransaction.display} per transaction`);
    lines.push(`Spending in ${t.symbol ?? t.token}: ${parts.join("; ")}.`);
  }
  lines.push(
    `Calls: ${v.display.calls ?? "no limit on the number of calls"}${v.calls.windowEndsAt ? `; the window resets ${formatTime(v.calls.windowEndsAt.unix)}` : ""}.`,
  );
  lines.push(`Gas: ${v.gas.display}.`);
  const last = v.executions.last;
  if (!last) lines.push("Not used yet.");
  else {
    const outcome = last.success === true ? "succeeded" : last.success === false ? "reverted" : "outcome not indexed yet";
    lines.push(`Used ${plural(v.executions.count, "time")}; last ${formatTime(last.timestamp.unix)} (${outcome}), transaction ${last.transactionHash}.`);
  }
  if (v.request?.approvedAt) lines.push(`Approved by the owner ${formatTime(v.request.approvedAt.unix)} (request ${v.request.id}).`);
  if (v.approved) lines.push(`On chain since ${formatTime(v.approved.timestamp.unix)}, transaction ${v.approved.transactionHash}.`);
  else if (v.status === "approved") lines.push("Not on chain yet: its first operation will put it there.");
  if (v.revoked) lines.push(`Revoked ${formatTime(v.revoked.timestamp.unix)} in transaction ${v.revoked.transactionHash}.`);
  lines.push(asOfLine(v.asOf));
  return lines.join("\n");
}

/** One line of a history: when, what (with the amount spent), the transaction. */
function historyLine(entry: HistoryEntry, namesSession: boolean): string {
  // Approval and revocation texts name their session already; an execution's does not.
  const session = namesSession && entry.type === "execution" ? `session ${entry.permissionId}: ` : "";
  const gas = entry.execution?.gasCost ? `, gas ${entry.execution.gasCost.display}` : "";
  const where = entry.transactionHash ? `; transaction ${entry.transactionHash}` : "";
  return `- ${formatTime(entry.timestamp.unix)}: ${session}${entry.text}${gas}${where}`;
}

/** A session's history (`permissionId` given) or an account's activity across its sessions. */
export function historyText(page: HistoryPage, scope: { account: string; permissionId?: string; tool: string }): string {
  const what = scope.permissionId ? `session ${scope.permissionId} of account ${scope.account}` : `account ${scope.account} across its sessions`;
  if (page.items.length === 0) return `No history for ${what}${page.nextCursor ? " on this page" : ""}. ${asOfLine(page.asOf)}`;
  const lines = [`History of ${what}, oldest first:`, ...page.items.map((e) => historyLine(e, !scope.permissionId))];
  if (page.nextCursor) lines.push(`More entries: call ${scope.tool} again with cursor "${page.nextCursor}".`);
  lines.push(asOfLine(page.asOf));
  return lines.join("\n");
}

/** A new session request: what the key could do, the warnings, and how the owner approves it. */
export function sessionRequestText(r: SessionRequestView, links: { approval: string; apiUrl: string }): string {
  const lines = [r.summary.text, ""];
  if (r.warnings.length) lines.push(`${plural(r.warnings.length, "warning")}:`, ...r.warnings.map((w) => `- ${w.message} [${w.code}]`));
  else lines.push("No warnings.");
  lines.push(
    "",
    `Request ${r.id}: ${r.display.status}. Nothing has been signed or sent. The owner approves or declines it on this page, with their wallet: ${links.approval}`,
    `(Or the owner's wallet signs the EIP-712 typed data in toSign.typedData — permission ${r.toSign.permissionId} for session key ${r.toSign.sessionKey} ` +
      `on account ${r.toSign.account} — and the signature goes to POST ${links.apiUrl}/v1/session-requests/${r.id}/approval.) ` +
      `Unsigned, the request expires at ${formatTime(r.expiresAt.unix)}. Private keys never pass through this server.`,
  );
  return lines.join("\n");
}

/** A revocation prepared for the owner: what it does, its warning, and where to sign it. */
export function revocationText(r: RevocationView, link: string): string {
  return [
    `${r.text}`,
    `Warning: ${r.warning}`,
    `The owner revokes it on this page, with their wallet (nothing has been signed or sent yet): ${link}`,
    `(Or the owner's wallet sends this call from account ${r.account} to itself: to ${r.call.to}, data ${r.call.data}.)`,
    asOfLine(r.asOf),
  ].join("\n");
}

/** An account's automations, one line each: what, where it stands, progress, next run, latest result. */
export function automationListText(account: string, items: AutomationSummary[]): string {
  if (items.length === 0) return `Account ${account} has no automations.`;
  return [
    `${plural(items.length, "automation")} of ${account}, newest first:`,
    ...items.map((a) => {
      const parts = [`${a.kind === "twap" ? "TWAP" : "stop-loss"} ${a.id}: ${a.display.status}`, a.display.progress];
      if (a.nextRunAt) parts.push(`next run ${formatTime(a.nextRunAt.unix)}`);
      if (a.display.lastResult) parts.push(`last: ${a.display.lastResult}`);
      if (a.status === "awaiting_approval" && a.approvalUrl) parts.push(`the owner approves it at ${a.approvalUrl}`);
      if (a.permissionId) parts.push(`session ${a.permissionId}`);
      return `- ${parts.join("; ")}`;
    }),
  ].join("\n");
}

/** An account's requests, one line each. */
export function requestListText(account: string, items: SessionRequestView[]): string {
  if (items.length === 0) return `Account ${account} has no session requests.`;
  return [
    `${plural(items.length, "session request")} of ${account}, newest first:`,
    ...items.map((r) => `- ${r.id} (session ${r.toSign.permissionId}): ${r.display.status}. ${r.summary.can[0] ?? ""}`.trimEnd()),
  ].join("\n");
}

/** Where a session request stands. */
export function requestStatusText(r: SessionRequestView): string {
  const lines = [`Request ${r.id} for account ${r.toSign.account}: ${r.display.status}.`];
  if (r.approval) lines.push(`Approved by ${r.approval.signer} at ${formatTime(r.approval.at.unix)}.`);
  if (r.decline) lines.push(`Declined at ${formatTime(r.decline.at.unix)}${r.decline.reason ? `: ${r.decline.reason}` : ""}.`);
  if (r.status === "approved" || r.status === "active") lines.push(`Session ${r.toSign.permissionId}, key ${r.toSign.sessionKey}.`);
  return lines.join(" ");
}
