// The Leash API as MCP tools for chat clients: explain a session request before the owner approves
// it, list an account's sessions, show one, and read their audit trail. Every tool only reads, over
// the API's HTTP interface; none signs, sends or stores anything, and no private key passes here.
// Each answer is plain-language text for the model plus the API's JSON as structured content, whose
// shape each tool declares (api/responses.ts); the API's errors come back as tool errors naming the
// argument to fix.
import { McpServer } from "@modelcontextprotocol/sdk/server/mcp.js";
import type { CallToolResult } from "@modelcontextprotocol/sdk/types.js";
import { readFileSync } from "node:fs";
import { z } from "zod";
import { sessionRequestSchema } from "../sdk/request.js";
import { MIN_DURATION } from "../sdk/rules.js";
import { type LeashClient, LeashApiError, LeashUnreachableError } from "./client.js";
import { describeError } from "../api/errors.js";
import {
  automationListText,
  historyText,
  requestListText,
  requestStatusText,
  revocationText,
  sessionListText,
  sessionRequestText,
  sessionText,
} from "./text.js";
import {
  automationCancelSchema,
  automationListSchema,
  historyPageSchema,
  revocationSchema,
  sessionPageSchema,
  sessionRequestListSchema,
  sessionSchema,
  sessionRequestSchema as storedRequestSchema,
} from "../api/responses.js";
import { STATUS_FILTERS, addressParam, permissionIdParam } from "../api/schemas.js";

/*//////////////////////////////////////////////////////////////
                           ARGUMENTS
//////////////////////////////////////////////////////////////*/

// The API's own schemas for addresses and permission ids: a chat model learns the format from the
// JSON Schema (pattern) and a malformed value is refused naming the argument before any request.
const accountArg = addressParam.describe("The smart account (wallet) address: 0x followed by 40 hex digits.");
const permissionIdArg = permissionIdParam.describe(
  "The session's Kernel permission id: 0x followed by 8 hex digits, as list_sessions shows it (e.g. 0x1a2b3c4d).",
);
const cursorArg = z
  .string()
  .max(400)
  .optional()
  .describe("Leave out for the first page; to read on, pass the nextCursor of the previous answer unchanged.");
const limitArg = (fallback: number) => z.number().int().min(1).max(100).optional().describe(`Items per page, 1 to 100 (default ${fallback}).`);
const chainIdArg = z
  .number()
  .int()
  .min(1)
  .optional()
  .describe("The chain id the session is on (e.g. 84532 for Base Sepolia); needed only when the Leash API follows several chains: its error then lists them.");
const registrationArg = z
  .number()
  .int()
  .min(1)
  .optional()
  .describe("Which approval of this permission id (an id approved again gets the next number). Leave out for the latest.");

const request = sessionRequestSchema.shape;
// The request's own schema (the API validates the same one), with each field described for the model.
const sessionRequestArguments = sessionRequestSchema.extend({
  walletAddress: request.walletAddress.describe("The owner's smart account: 0x followed by 40 hex digits."),
  sessionKeyAddress: request.sessionKeyAddress.describe(
    "Address of the session key the app or agent holds (0x + 40 hex digits). Only the address: its private key stays with the app.",
  ),
  duration: request.duration.describe(`How long the session lasts, in seconds from its start (at least ${MIN_DURATION}; 86400 = 24 hours).`),
  validAfter: request.validAfter.describe("When the session starts, in unix seconds. Leave out to start now."),
  permissions: request.permissions.describe(
    "What the key may do, one object per contract: chainId; contractAddress; allowedFunctions (Solidity signatures such as " +
      '"exactInputSingle((address tokenIn, address tokenOut, uint24 fee, address recipient, uint256 amountIn, uint256 amountOutMinimum) params)", ' +
      'or ERC-20 names "transfer", "approve", "transferFrom"); token the limits count in (an ERC-20 address or "native"; default contractAddress); ' +
      'maxPerTransaction and maxTotal as amounts in the token\'s units such as "50"; maxPerPeriod {amount, period in seconds}; ' +
      "rateLimit {count, period in seconds}; maxCalls (calls in all). Leave a limit out for none.",
  ),
  maxFeePerOperation: request.maxFeePerOperation.describe(
    'Most gas fee one operation may cost, in the native coin (e.g. "0.002"). Leave out for a cap set from the chain\'s current fees.',
  ),
  maxFeeTotal: request.maxFeeTotal.describe('Most gas fee all operations together may cost, in the native coin (e.g. "0.05"). Leave out for no budget.'),
  paymaster: request.paymaster.describe("A paymaster contract that pays the operations' gas; every operation must then use it. Leave out for none."),
  signatureSenders: request.signatureSenders.describe(
    "Contracts that may ask the account to verify this key's signatures (ERC-1271), such as an order book. Leave out: the key then signs nothing. Never Permit2.",
  ),
  factory: request.factory.describe("Only for a smart account not deployed yet: the factory that deploys it (from the wallet's getFactoryArgs()). Leave out otherwise."),
  factoryData: request.factoryData.describe("Only for a smart account not deployed yet: the factory's call data that deploys it (0x hex, from getFactoryArgs()). Leave out otherwise."),
});

/** The project's version, which the server reports to chat clients. */
const { version } = JSON.parse(readFileSync(new URL("../package.json", import.meta.url), "utf8")) as { version: string };

const NO_KEYS = "This server reads through the Leash API, writes nothing but session requests awaiting approval, and never handles private keys.";

/*//////////////////////////////////////////////////////////////
                             RESULTS
//////////////////////////////////////////////////////////////*/

/** The API's field ("params.account", "query.limit", "body.permissions.0.maxTotal") as the tool's argument. */
function argumentName(field: string): string {
  if (field === "body") return "the request as a whole";
  return field.replace(/^(params|query|body)\./, "");
}

/** What a model can do about an error, where the message alone does not say. */
const HINTS: Record<string, string> = {
  account_not_found: "Check the address: this account has never approved a session.",
  session_not_found: "Call list_sessions for the account to see its permission ids.",
  invalid_cursor: "Pass back nextCursor unchanged, or leave cursor out for the first page.",
  rate_limited: "Wait a minute before calling again.",
};

// Errors are text only: a tool that declares an output schema may not send structured content of
// another shape (clients validate it even on errors), and a model reads the text anyway.
function errorResult(error: unknown): { result: CallToolResult; code: string } {
  const text = (code: string, lines: string[]) => ({ result: { isError: true, content: [{ type: "text" as const, text: lines.join("\n") }] }, code });
  if (error instanceof LeashApiError) {
    const verb = error.status >= 500 ? "could not answer" : "refused this";
    const lines = [`The Leash API ${verb} (${error.code}, HTTP ${error.status}): ${error.message}`];
    if (error.issues.length) lines.push(`Arguments to fix: ${error.issues.map((i) => `${argumentName(i.field)}: ${i.message}`).join("; ")}.`);
    if (HINTS[error.code]) lines.push(HINTS[error.code]!);
    if (error.status === 503) lines.push("This is temporary: try again in a few seconds.");
    return text(error.code, lines);
  }
  if (error instanceof LeashUnreachableError) return text("api_unreachable", [error.message]);
  return text("internal_error", [`unexpected error: ${describeError(error)}`]);
}

export interface McpServerOptions {
  client: LeashClient;
  /** One line per tool call (stdout belongs to the protocol: the entry point writes these to stderr). */
  log?: (line: string) => void;
}

export function createMcpServer(opts: McpServerOptions): McpServer {
  const { client } = opts;
  const log = opts.log ?? (() => {});
  const server = new McpServer(
    { name: "leash", title: "Leash session keys", version },
    {
      instructions:
        "Leash shows what the session keys of an ERC-4337 smart account may do, what they have spent and what remains, " +
        "and explains a requested session before the owner approves it. Use request_session to ask an owner to approve a session key " +
        "(it stores the request and explains it), get_session_request to see whether the owner approved or declined it, and " +
        "list_session_requests for an account's requests; " +
        "list_sessions to find an account's sessions and their permission ids; get_session for one session's limits, spend and time left; " +
        "get_session_history or get_account_activity for what sessions did; revoke_session when the owner wants a session ended (it gives the " +
        "owner a link to revoke it with their wallet); list_automations and cancel_automation for the automations the executor runs. " +
        "Only request_session (a request awaiting approval) and cancel_automation (stops an automation) write; no tool signs or sends anything. " +
        NO_KEYS,
    },
  );

  /** Runs one API call: its text and JSON on success, a tool error on failure, one log line either way. */
  async function answer<T extends object>(tool: string, load: () => Promise<T>, text: (value: T) => string): Promise<CallToolResult> {
    const started = Date.now();
    try {
      const value = await load();
      log(`${tool}: ok in ${Date.now() - started} ms`);
      // The API's JSON objects, as they came: the structured content a client can rely on.
      return { content: [{ type: "text", text: text(value) }], structuredContent: value as unknown as Record<string, unknown> };
    } catch (error) {
      const { result, code } = errorResult(error);
      log(`${tool}: ${code} in ${Date.now() - started} ms${code === "internal_error" ? `: ${describeError(error)}` : ""}`);
      return result;
    }
  }

  const readOnly = { readOnlyHint: true, destructiveHint: false, idempotentHint: true, openWorldHint: false } as const;

  server.registerTool(
    "request_session",
    {
      title: "Ask the owner to approve a session key",
      description:
        "Create a session request for the account's owner to approve, and explain it in plain words. Use this whenever an app or agent " +
        "needs a session key approved (for example for a TWAP or DCA automation): show the owner the returned text — " +
        "what the key can and cannot do, and any warnings — and how to approve or decline. The arguments are the request itself: " +
        "walletAddress and sessionKeyAddress (0x + 40 hex digits), duration in seconds, and permissions (contract, functions, token limits, rate limits). " +
        "Returns text (the summary sentence, the warnings, then how to approve) and structuredContent {id, status, expiresAt, summary {can[], cannot[], text}, " +
        "warnings [{code, message}], toSign {account, sessionKey, permissionId, typedData: the EIP-712 data the owner's wallet signs to approve}, " +
        "session {validAfter, expiresAt, durationSeconds, tokens, functions}, approvalUrl}. The request is stored, awaiting the owner's signature; nothing is signed or sent. " +
        "Give the owner the approval link in the text: the page shows what the key can and cannot do and signs with the owner's wallet. " +
        NO_KEYS,
      inputSchema: sessionRequestArguments,
      outputSchema: storedRequestSchema,
      annotations: { readOnlyHint: false, destructiveHint: false, idempotentHint: false, openWorldHint: false },
    },
    async (args) => answer("request_session", () => client.createRequest(args), (r) => sessionRequestText(r, { approval: client.approvalLink(r.id), apiUrl: client.baseUrl })),
  );

  server.registerTool(
    "get_session_request",
    {
      title: "Where a session request stands",
      description:
        "Read a session request made with request_session: awaiting_approval, approved (waiting for the session's first operation), declined, " +
        "expired (nobody signed it in time: ask again), active (the session is on chain), or revoked (cancelled by the owner before its first operation). " +
        "The argument is the request's id (a UUID). " +
        "Returns a sentence and the stored request as structuredContent. " +
        NO_KEYS,
      inputSchema: { id: z.string().uuid().describe("The session request's id (a UUID), as request_session returned it") },
      outputSchema: storedRequestSchema,
      annotations: readOnly,
    },
    async ({ id }) => answer("get_session_request", () => client.sessionRequest(id), requestStatusText),
  );

  server.registerTool(
    "list_session_requests",
    {
      title: "List an account's session requests",
      description:
        "List the session requests made for a smart account, newest first, with where each stands: awaiting the owner's approval, approved " +
        "(waiting for the session's first operation), declined, expired, or active. Use it with list_sessions when the owner asks what " +
        "automations they have, so that requests not yet on chain are shown too. The argument is the account (0x + 40 hex digits); limit is optional (1-100). " +
        NO_KEYS,
      inputSchema: { account: accountArg, limit: limitArg(20), chainId: chainIdArg },
      outputSchema: sessionRequestListSchema,
      annotations: readOnly,
    },
    async ({ account, limit, chainId }) =>
      answer("list_session_requests", () => client.sessionRequests(account, { limit, chainId }), (page) => requestListText(account, page.items)),
  );

  server.registerTool(
    "list_sessions",
    {
      title: "List an account's sessions",
      description:
        "List the session keys a smart account has approved, newest first (approved ones whose first operation has not reached the chain yet come first, " +
        "with status approved): for each its permission id, status, time left, calls remaining, " +
        "spend to date against its limits, and what it may call. Use this to answer \"what can act on my wallet?\" or to find the permission id " +
        "that get_session and get_session_history need. status filters: approved (not on chain yet), active, pending (not started yet), expired, exhausted (limits used up), " +
        "revoked, replaced (approved again since), or all (default). Returns one line per session, and structuredContent " +
        "{items: sessions in the shape get_session returns, nextCursor (null on the last page), asOf: the chain and indexed blocks read}. " +
        NO_KEYS,
      inputSchema: {
        account: accountArg,
        status: z.enum(STATUS_FILTERS).optional().describe("Which sessions: all (default), approved, active, pending, expired, exhausted, revoked or replaced."),
        cursor: cursorArg,
        limit: limitArg(20),
        chainId: chainIdArg,
      },
      outputSchema: sessionPageSchema,
      annotations: readOnly,
    },
    async ({ account, status, cursor, limit, chainId }) =>
      answer("list_sessions", () => client.listSessions(account, { status, cursor, limit, chainId }), (page) => sessionListText(page, account, status ?? "all")),
  );

  server.registerTool(
    "get_session",
    {
      title: "Show one session",
      description:
        "Show one session key as it stands now: status, time left, what it may call, per token its limits, spend to date and what remains, " +
        "calls remaining, fee cap, how often it was used, when it was approved or revoked. Use this when the owner asks about one session " +
        '(e.g. "how much has my TWAP bot spent, and how long does it have left?"). Needs the account and the permission id (0x + 8 hex digits) from list_sessions. ' +
        "Returns several lines in plain words, and structuredContent = the session: {status, secondsLeft, tokens [{symbol, limits, spent, remaining, display}], " +
        "calls {remaining, max, remainingInWindow, perWindow}, permissions, executions, approved, revoked, display, asOf}; amounts carry raw base units and a display string such as \"$41.67\". " +
        NO_KEYS,
      inputSchema: { account: accountArg, permissionId: permissionIdArg, registration: registrationArg, chainId: chainIdArg },
      outputSchema: sessionSchema,
      annotations: readOnly,
    },
    async ({ account, permissionId, registration, chainId }) =>
      answer("get_session", () => client.getSession(account, permissionId, { registration, chainId }), sessionText),
  );

  server.registerTool(
    "get_session_history",
    {
      title: "A session's audit trail",
      description:
        "The history of one session, oldest first: its request (requested, approved by the owner, or declined, or expired unsigned, and failed first operations), " +
        "then on chain its registration by the first operation, each execution with the amount spent, its outcome and transaction hash, and its revocation. " +
        'Use this to answer "what did this session do?". Needs the account and the permission id (0x + 8 hex digits); for every session of an account ' +
        "at once use get_account_activity. Returns one line per entry, and structuredContent {items [{type: requested | approved | declined | expired | " +
        "first_operation_failed | registration | execution | revocation, permissionId, requestId, " +
        "timestamp, transactionHash, execution {amount, gasCost, success}, text}], nextCursor (null on the last page), asOf}. " +
        NO_KEYS,
      inputSchema: { account: accountArg, permissionId: permissionIdArg, cursor: cursorArg, limit: limitArg(50), registration: registrationArg, chainId: chainIdArg },
      outputSchema: historyPageSchema,
      annotations: readOnly,
    },
    async ({ account, permissionId, cursor, limit, registration, chainId }) =>
      answer(
        "get_session_history",
        () => client.sessionHistory(account, permissionId, { cursor, limit, registration, chainId }),
        (page) => historyText(page, { account, permissionId, tool: "get_session_history" }),
      ),
  );

  server.registerTool(
    "get_account_activity",
    {
      title: "An account's activity across its sessions",
      description:
        "What every session key of a smart account did, oldest first: requests and the owner's answers, registrations, executions with the amount spent and transaction hash, revocations. " +
        "Use this for a timeline of the whole account; for one session use get_session_history. Returns one line per entry (naming the session), and " +
        "structuredContent {items, nextCursor (null on the last page), asOf} in the shape get_session_history returns. " +
        NO_KEYS,
      inputSchema: { account: accountArg, cursor: cursorArg, limit: limitArg(50), chainId: chainIdArg },
      outputSchema: historyPageSchema,
      annotations: readOnly,
    },
    async ({ account, cursor, limit, chainId }) =>
      answer("get_account_activity", () => client.activity(account, { cursor, limit, chainId }), (page) => historyText(page, { account, tool: "get_account_activity" })),
  );

  server.registerTool(
    "revoke_session",
    {
      title: "Revoke a session (the owner signs)",
      description:
        "Prepare the revocation of a session the owner wants ended, and give the owner a link where their wallet signs it. Use this when the owner says " +
        '"stop my TWAP" or "cancel that automation". It works for sessions on chain and for approved sessions whose first operation has not happened ' +
        "(those are cancelled by invalidating the account's unused approvals: the text warns that this cancels the others too). Needs the account and the " +
        "permission id (0x + 8 hex digits) from list_sessions. Returns the text to show (what revoking does, its warning, the link) and structuredContent " +
        "{account, permissionId, status, method, call {to, data, value}, warning, text, asOf}. Nothing is signed or sent: only the owner's wallet can revoke. " +
        NO_KEYS,
      inputSchema: { account: accountArg, permissionId: permissionIdArg, chainId: chainIdArg },
      outputSchema: revocationSchema,
      annotations: readOnly,
    },
    async ({ account, permissionId, chainId }) =>
      answer(
        "revoke_session",
        () => client.prepareRevocation(account, permissionId, { chainId }),
        (r) => revocationText(r, client.revocationLink(r.account, r.permissionId, r.chainId)),
      ),
  );

  server.registerTool(
    "list_automations",
    {
      title: "Show an account's automations",
      description:
        'List the automations (TWAP, stop-loss) the executor runs for a smart account, newest first. Use this when the owner asks "show my automations" ' +
        'or "how is my TWAP doing?": each with its status, progress ("3 of 24 trades, $125.01 of $1,000.00"), next run, latest result and session. ' +
        "The argument is the account (0x + 40 hex digits). Returns one line per automation and structuredContent {items}. " +
        NO_KEYS,
      inputSchema: { account: accountArg },
      outputSchema: automationListSchema,
      annotations: readOnly,
    },
    async ({ account }) => answer("list_automations", () => client.automations(account), (page) => automationListText(account, page.items)),
  );

  server.registerTool(
    "cancel_automation",
    {
      title: "Cancel an automation",
      description:
        'Cancel an automation when the owner says "cancel my TWAP" or "stop the stop-loss": the executor stops at once and deletes its session key, ' +
        "and the owner's revocation of its session is prepared (only the owner's wallet can end the session on chain: give the owner the link). " +
        "Needs the account and the automation's id from list_automations. Returns the text to show and structuredContent {automation, revocation, text}. " +
        NO_KEYS,
      inputSchema: { account: accountArg, id: z.string().uuid().describe("The automation's id (a UUID), from list_automations") },
      outputSchema: automationCancelSchema,
      annotations: { readOnlyHint: false, destructiveHint: true, idempotentHint: false, openWorldHint: false },
    },
    async ({ account, id }) =>
      answer(
        "cancel_automation",
        () => client.cancelAutomation(account, id),
        (r) =>
          r.revocation && r.automation.permissionId
            ? `${r.text}\nThe owner revokes it on this page, with their wallet: ${client.revocationLink(r.automation.account, r.automation.permissionId, r.automation.chainId)}`
            : r.text,
      ),
  );

  return server;
}
