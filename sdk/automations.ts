// An automation as the executor reports it and the API, the MCP tools and the dashboard show it:
// what it is, where it stands, its progress in words ("3 of 24 trades, $125.01 of $1,000.00"), when
// it runs next and what its latest attempt did. One schema for the executor's answer and the API's.
import { z } from "zod";

export const AUTOMATION_KINDS = ["twap", "stop_loss"] as const;
/** requesting → awaiting_approval → running → completed | stopped | cancelled. */
export const AUTOMATION_STATUS_NAMES = ["requesting", "awaiting_approval", "running", "completed", "stopped", "cancelled"] as const;

const time = z.object({ unix: z.number().int(), iso: z.string() });
const hex = z.string().regex(/^0x[0-9a-fA-F]*$/);
const address = z.string().regex(/^0x[0-9a-fA-F]{40}$/).meta({ description: "Checksummed address" });

export const automationSummarySchema = z
  .object({
    id: z.string().meta({ description: "The automation's id (a UUID)" }),
    kind: z.enum(AUTOMATION_KINDS),
    account: address,
    chainId: z.number().int().positive().meta({ description: "The chain it acts on" }),
    status: z.enum(AUTOMATION_STATUS_NAMES),
    stopKind: z.string().nullable().meta({ description: "Why it stopped: the refusal's kind (revoked, total-cap, expired, …), declined, retries-exhausted" }),
    stopReason: z.string().nullable(),
    permissionId: hex.nullable().meta({ description: "Its session, once approved" }),
    requestId: z.string().nullable(),
    approvalUrl: z.string().nullable().meta({ description: "The page where the owner approves its session" }),
    progress: z.object({
      executed: z.number().int().min(0),
      of: z.number().int().min(0),
      spent: z.string().meta({ description: "Base units of the token spent so far" }),
      total: z.string().meta({ description: "Base units the plan spends in all" }),
    }),
    nextRunAt: time.nullable(),
    lastResult: z
      .object({ slot: z.number().int(), result: z.string(), at: time, transactionHash: hex.nullable(), message: z.string().nullable() })
      .nullable(),
    display: z.object({
      progress: z.string().meta({ description: '"3 of 24 trades, $125.01 of $1,000.00"' }),
      status: z.string(),
      lastResult: z.string().nullable(),
    }),
  })
  .meta({ title: "Automation" });

export const automationListSchema = z.object({ items: z.array(automationSummarySchema) }).meta({ title: "AutomationList" });

export type AutomationSummary = z.infer<typeof automationSummarySchema>;
