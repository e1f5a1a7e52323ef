// An automation in short, as the API, the MCP tools and the dashboard show it (sdk/automations.ts):
// progress in trades and in the token spent, the next run, the latest attempt, all in words too.
import { type Address, getAddress } from "viem";
import { type AutomationSummary, automationSummarySchema } from "../sdk/automations.js";
import { timestamp } from "../sdk/describe.js";
import { formatAmount, formatTime } from "../sdk/format.js";
import type { TokenInfo } from "../sdk/request.js";
import type { attempt, automation, slot } from "./store/schema.js";

type Row<T extends { $inferSelect: unknown }> = T["$inferSelect"];

const at = (d: Date) => timestamp(Math.floor(d.getTime() / 1000))!;

const STATUS_TEXT: Record<AutomationSummary["status"], string> = {
  requesting: "Asking for the owner's approval",
  awaiting_approval: "Waiting for the owner's approval",
  running: "Running",
  completed: "Completed",
  stopped: "Stopped",
  cancelled: "Cancelled",
};

/** `chainId`: the chain the executor acts on (its deployments'). */
export function summarize(a: Row<typeof automation>, slots: Row<typeof slot>[], attempts: Row<typeof attempt>[], apiUrl: string, chainId: number): AutomationSummary {
  const plan = a.plan as { tokenIn: Address; tokenInInfo?: TokenInfo; amounts?: string[] };
  const token = { address: getAddress(plan.tokenIn), symbol: plan.tokenInInfo?.symbol ?? null, decimals: plan.tokenInInfo?.decimals ?? null };
  const executedSlots = slots.filter((s) => s.status === "done" || s.status === "reverted");
  const planned = slots.length ? slots.map((s) => s.amountIn) : (plan.amounts ?? []);
  const spent = slots.filter((s) => s.status === "done").reduce((sum, s) => sum + BigInt(s.amountIn), 0n);
  const total = planned.reduce((sum, v) => sum + BigInt(v), 0n);
  const of = planned.length;
  const next = a.status === "running" ? slots.find((s) => s.status === "pending") : undefined;
  const last = attempts[attempts.length - 1];
  const noun = a.kind === "twap" ? "trades" : "sales";
  const lastText = last
    ? `slot ${last.slotIndex + 1}: ${last.result}${last.transactionHash ? ` in transaction ${last.transactionHash}` : ""}${last.message ? ` (${last.message})` : ""}, ${formatTime(Math.floor(last.at.getTime() / 1000))}`
    : null;
  const status = STATUS_TEXT[a.status];
  return automationSummarySchema.parse({
    id: a.id,
    kind: a.kind,
    account: getAddress(a.account),
    chainId,
    status: a.status,
    stopKind: a.stopKind,
    stopReason: a.stopReason,
    permissionId: (a.approval as { permissionId?: string } | null)?.permissionId ?? null,
    requestId: a.requestId,
    approvalUrl: a.requestId ? `${apiUrl}/approve/${a.requestId}` : null,
    progress: { executed: executedSlots.length, of, spent: spent.toString(), total: total.toString() },
    nextRunAt: next ? at(next.dueAt) : null,
    lastResult: last
      ? { slot: last.slotIndex, result: last.result, at: at(last.at), transactionHash: last.transactionHash, message: last.message }
      : null,
    display: {
      progress: `${executedSlots.length} of ${of} ${noun}, ${formatAmount(spent, token)} of ${formatAmount(total, token)}`,
      status: a.stopReason && a.status !== "completed" ? `${status}: ${a.stopReason}` : status,
      lastResult: lastText,
    },
  });
}
