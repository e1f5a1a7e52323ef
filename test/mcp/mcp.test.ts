// The MCP server as a chat client runs it: a child process over stdio (tsx mcp/main.ts) in front of
// the real stack (chain, indexer, API). The TWAP scenario's account, an active session with two
// trades and a second one with one; every tool called, its words and its structured content checked
// against the API's own answers; the errors a model must be able to act on.
import { getDefaultEnvironment } from "@modelcontextprotocol/sdk/client/stdio.js";
import { expect } from "chai";
import { execFile } from "node:child_process";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import type { Address, Hex, LocalAccount } from "viem";
import { generatePrivateKey, privateKeyToAccount } from "viem/accounts";
import { revocationSchema } from "../../api/responses.js";
import { freePort } from "../../testkit/processes.js";
import { type ApprovedSession, approveTwap, trade, twapRequest } from "../../testkit/scenario.js";
import type { Stack } from "../../testkit/stack.js";
import { sharedApiStack } from "../api/fixture.js";
import { type Mcp, call, entry, root, startMcp, tsx } from "./fixture.js";

const dir = mkdtempSync(join(tmpdir(), "leash-mcp-"));

describe("mcp: the API's tools over stdio, against chain + indexer + API", function () {
  this.timeout(120_000);
  let stack: Stack;
  let mcp: Mcp;
  let owner: LocalAccount;
  let account: Address;
  let twap: ApprovedSession;
  let second: ApprovedSession;
  const trades: Hex[] = [];
  const chainId = 31337;

  const request = (sessionKey: Address, extra: Partial<Parameters<typeof twapRequest>[0]> = {}) =>
    twapRequest({ account, sessionKey, demo: stack.demo, chainId, ...extra });
  async function get(path: string) {
    const response = await fetch(`${stack.apiUrl}${path}`);
    return { status: response.status, body: (await response.json()) as any };
  }
  const sessionPath = () => `/v1/accounts/${account}/sessions/${twap.approval.permissionId}`;

  before(async function () {
    ({ stack, owner, account } = await sharedApiStack({ dir, schema: "leash_mcp_test" }));
    twap = await approveTwap(stack.leash, { owner, request: (k) => request(k) });
    for (const amount of ["41.67", "50"]) {
      const outcome = await trade(stack.leash, twap, stack.demo, amount, { direct: true });
      if (!outcome.ok) expect.fail(outcome.refusal.message);
      trades.push(outcome.result.transactionHash);
    }
    // Kernel installs a permission with its first operation: the second session trades once to exist on chain.
    second = await approveTwap(stack.leash, { owner, request: (k) => request(k, { maxPerTransaction: "10", maxTotal: "25", maxCalls: 5 }) });
    const first = await trade(stack.leash, second, stack.demo, "10", { direct: true });
    if (!first.ok) expect.fail(first.refusal.message);
    await stack.synced();
    // The API reads the heads every 50 ms: wait until it shows both sessions and all three trades.
    for (let i = 0; ; i++) {
      const list = await get(`/v1/accounts/${account}/sessions`);
      const shown = list.status === 200 ? list.body.items : [];
      if (shown.length === 2 && shown[0].executions.count === 1 && shown[1].executions.count === 2) break;
      if (i === 200) throw new Error(`the API does not show the scenario: ${JSON.stringify(list.body)}`);
      await new Promise((r) => setTimeout(r, 25));
    }
    mcp = await startMcp(stack.apiUrl);
  });

  after(async function () {
    await mcp?.client.close();
    await stack?.stop();
  });

  it("lists ten tools, each described for a model, with input and output schemas; only request_session and cancel_automation write", async function () {
    const { tools } = await mcp.client.listTools();
    expect(tools.map((t) => t.name)).to.deep.equal([
      "request_session",
      "get_session_request",
      "list_session_requests",
      "list_sessions",
      "get_session",
      "get_session_history",
      "get_account_activity",
      "revoke_session",
      "list_automations",
      "cancel_automation",
    ]);
    for (const tool of tools) {
      expect(tool.description, tool.name).to.match(/^.{200,}never handles private keys\.$/s);
      expect(tool.inputSchema.type, tool.name).to.equal("object");
      expect(tool.annotations?.readOnlyHint, tool.name).to.equal(!["request_session", "cancel_automation"].includes(tool.name));
      expect(tool.outputSchema?.type, tool.name).to.equal("object");
    }
    const byName = Object.fromEntries(tools.map((t) => [t.name, t.inputSchema as any]));
    expect(byName.get_session.required).to.deep.equal(["account", "permissionId"]);
    expect(byName.get_session.properties.account).to.include({ type: "string", pattern: "^0x[0-9a-fA-F]{40}$" });
    expect(byName.get_session.properties.account.description).to.match(/40 hex digits/);
    expect(byName.get_session.properties.permissionId.description).to.match(/8 hex digits/);
    expect(byName.list_sessions.properties.status.enum).to.deep.equal(["all", "approved", "pending", "active", "expired", "exhausted", "revoked", "replaced"]);
    expect(byName.get_session_history.properties.limit).to.include({ type: "integer", minimum: 1, maximum: 100 });
    expect(byName.request_session.required).to.include.members(["walletAddress", "sessionKeyAddress", "duration", "permissions"]);
    expect(byName.request_session.properties.permissions.description).to.match(/maxPerTransaction/);
    expect(byName.get_session_request.required).to.deep.equal(["id"]);
    // The answers' declared shapes are the API's (api/responses.ts); the client checks every answer against them.
    const output = Object.fromEntries(tools.map((t) => [t.name, t.outputSchema as any]));
    expect(output.get_session.properties.status.enum).to.include.members(["active", "revoked"]);
    expect(output.list_sessions.required).to.include.members(["items", "nextCursor", "asOf"]);
    expect(output.get_account_activity.properties.items.items.properties.type.enum).to.deep.equal([
      "requested",
      "approved",
      "declined",
      "expired",
      "first_operation_failed",
      "registration",
      "execution",
      "revocation",
    ]);
    expect(output.request_session.properties.toSign.required).to.include("typedData");
    expect(output.get_session_request.properties.status.enum).to.deep.equal(["awaiting_approval", "approved", "declined", "expired", "active", "revoked"]);
    expect(mcp.client.getInstructions()).to.match(/Use request_session to ask an owner to approve a session key/);
  });

  it("request_session: the summary, the warnings and how to approve in words; the stored request as structured content; get_session_request reads it", async function () {
    const sessionKey = privateKeyToAccount(generatePrivateKey()).address;
    const { text, data, isError } = await call(mcp, "request_session", request(sessionKey, { maxTotal: "5000", duration: 90 * 86_400 }));
    expect(isError, text).to.equal(false);
    const [summary, blank, heading] = text.split("\n");
    expect(summary).to.equal(data.summary.text);
    expect(summary).to.match(/^To run this automation I need your approval for a session key\. It can .*at most \$50\.00 per transaction and \$5,000\.00 in total.*Approve\?$/);
    expect([blank, heading]).to.deep.equal(["", `${data.warnings.length} warnings:`]);
    expect(text).to.include(`- an active session (${twap.approval.permissionId}) already allows the same functions on the same contracts; approving adds a second one [duplicate_session]`);
    expect(text).to.match(/^- the session lasts 90 days; .* \[long_duration\]$/m);
    expect(text).to.include(`session key ${sessionKey} on account ${account}`);
    expect(data.warnings.map((w: { code: string }) => w.code)).to.include.members(["duplicate_session", "drains_balance", "balance_too_low", "long_duration"]);
    expect(data.toSign).to.include({ account, sessionKey });
    expect(data.toSign.permissionId).to.match(/^0x[0-9a-f]{8}$/);
    expect(data.toSign.typedData.primaryType).to.equal("Enable");
    expect(data.session.durationSeconds).to.equal(90 * 86_400);
    expect(JSON.stringify(data)).not.to.match(/privateKey/i);
    expect(data.status).to.equal("awaiting_approval");
    expect(text).to.include(`signature goes to POST ${stack.apiUrl}/v1/session-requests/${data.id}/approval`);
    expect(text).to.include(`The owner approves or declines it on this page, with their wallet: ${stack.apiUrl}/approve/${data.id}\n`);
    const read = await call(mcp, "get_session_request", { id: data.id });
    expect(read.isError, read.text).to.equal(false);
    expect(read.text).to.match(new RegExp(`^Request ${data.id} for account ${account}: Waiting for the owner's approval \\(expires in `));
    expect(read.data.id).to.equal(data.id);
    const listed = await call(mcp, "list_session_requests", { account });
    expect(listed.isError, listed.text).to.equal(false);
    expect(listed.text.split("\n")[0]).to.match(new RegExp(`^\\d+ session requests? of ${account}, newest first:$`));
    expect(listed.text).to.include(`- ${data.id} (session ${data.toSign.permissionId}): Waiting for the owner's approval`);
  });

  it("list_sessions: one line per session from the API's display strings; the page as structured content", async function () {
    const active = await call(mcp, "list_sessions", { account, status: "active" });
    expect(active.isError, active.text).to.equal(false);
    expect(active.data).to.deep.equal((await get(`/v1/accounts/${account}/sessions?status=active`)).body);
    const lines = active.text.split("\n");
    expect(lines[0]).to.equal(`2 active sessions of account ${account}, newest first:`);
    expect(lines[1]).to.match(
      new RegExp(`^- ${second.approval.permissionId}: Active, (23h \\d+m|1d) remaining \\(until \\d{4}-\\d\\d-\\d\\d \\d\\d:\\d\\d UTC\\); 4 / 5 calls remaining; \\$10\\.00 of \\$25\\.00 spent; can call exactInputSingle on MockSwapRouter$`),
    );
    expect(lines[2]).to.match(
      new RegExp(`^- ${twap.approval.permissionId}: Active, .*; 8 / 10 calls remaining this window \\(per hour\\); \\$91\\.67 of \\$1,000\\.00 spent; can call exactInputSingle on MockSwapRouter$`),
    );
    expect(lines[3]).to.equal(`As of ${active.data.asOf.now.iso.slice(0, 16).replace("T", " ")} UTC (chain block ${active.data.asOf.chainBlock}).`);

    // Paging: the cursor in the words is the one in the structured content, and it leads to the rest.
    const first = await call(mcp, "list_sessions", { account, limit: 1 });
    expect(first.data.items.map((s: { permissionId: string }) => s.permissionId)).to.deep.equal([second.approval.permissionId]);
    expect(first.text).to.include(`More sessions: call list_sessions again with cursor "${first.data.nextCursor}".`);
    const rest = await call(mcp, "list_sessions", { account, limit: 1, cursor: first.data.nextCursor });
    expect(rest.data.items.map((s: { permissionId: string }) => s.permissionId)).to.deep.equal([twap.approval.permissionId]);
    expect(rest.data.nextCursor).to.equal(null);
    expect(rest.text).not.to.include("More sessions");

    const revoked = await call(mcp, "list_sessions", { account, status: "revoked" });
    expect(revoked.text).to.match(new RegExp(`^Account ${account} has no revoked sessions\\. As of \\d{4}-\\d\\d-\\d\\d \\d\\d:\\d\\d UTC \\(chain block \\d+\\)`));
    expect(revoked.data.items).to.deep.equal([]);
  });

  it("get_session: status, calls, spend and time left in plain lines; the API's SessionView as structured content", async function () {
    // A lower-case address is as good as a checksummed one.
    const { text, data, isError } = await call(mcp, "get_session", { account: account.toLowerCase(), permissionId: twap.approval.permissionId });
    expect(isError, text).to.equal(false);
    expect(data).to.deep.equal((await get(sessionPath())).body);
    expect(data).to.include({ account, permissionId: twap.approval.permissionId, registration: 1, status: "active", sessionKey: twap.sessionKey.address });
    expect(data.tokens[0].spent.total).to.include({ raw: "91670000", display: "$91.67" });
    expect(data.tokens[0].remaining.total).to.include({ raw: "908330000", display: "$908.33" });

    const lines = text.split("\n");
    expect(lines[0]).to.equal(`Session ${twap.approval.permissionId} of account ${account} on the local development chain (chain 31337).`);
    expect(lines[1]).to.match(/^Status: Active, (23h \d+m|1d) remaining \(until \d{4}-\d\d-\d\d \d\d:\d\d UTC\)\.$/);
    expect(lines).to.include(`Session key: ${twap.sessionKey.address}.`);
    expect(lines).to.include("Can call: exactInputSingle on MockSwapRouter (output only to the account); nothing else.");
    expect(lines).to.include("Spending in USDC: $91.67 of $1,000.00 spent; $908.33 left in total; at most $50.00 per transaction.");
    expect(text).to.match(/^Calls: 8 \/ 10 calls remaining this window \(per hour\); the window resets \d{4}-\d\d-\d\d \d\d:\d\d UTC\.$/m);
    expect(text).to.match(new RegExp(`^Used 2 times; last \\d{4}-\\d\\d-\\d\\d \\d\\d:\\d\\d UTC \\(succeeded\\), transaction ${trades[1]}\\.$`, "m"));
    expect(text).to.match(/^On chain since \d{4}-\d\d-\d\d \d\d:\d\d UTC, transaction 0x[0-9a-f]{64}\.$/m);
    expect(text).not.to.match(/Revoked/);
  });

  it("get_session_history and get_account_activity: approval, then each trade with its amount and transaction, page by page", async function () {
    const firstPage = await call(mcp, "get_session_history", { account, permissionId: twap.approval.permissionId, limit: 2 });
    expect(firstPage.isError, firstPage.text).to.equal(false);
    expect(firstPage.data.items.map((e: { type: string }) => e.type)).to.deep.equal(["registration", "execution"]);
    const lines = firstPage.text.split("\n");
    expect(lines[0]).to.equal(`History of session ${twap.approval.permissionId} of account ${account}, oldest first:`);
    expect(lines[1]).to.match(new RegExp(`^- \\d{4}-\\d\\d-\\d\\d \\d\\d:\\d\\d UTC: Session ${twap.approval.permissionId} put on chain by its first operation, valid until \\d{4}-\\d\\d-\\d\\d \\d\\d:\\d\\d UTC; transaction 0x[0-9a-f]{64}$`));
    expect(lines[2]).to.match(new RegExp(`^- \\d{4}-\\d\\d-\\d\\d \\d\\d:\\d\\d UTC: Spent \\$41\\.67(, gas .* ETH)?; transaction ${trades[0]}$`));
    expect(lines[3]).to.equal(`More entries: call get_session_history again with cursor "${firstPage.data.nextCursor}".`);
    const rest = await call(mcp, "get_session_history", { account, permissionId: twap.approval.permissionId, limit: 2, cursor: firstPage.data.nextCursor });
    expect(rest.data.nextCursor).to.equal(null);
    expect(rest.text).to.match(new RegExp(`: Spent \\$50\\.00(, gas .* ETH)?; transaction ${trades[1]}\\n`));
    expect([...firstPage.data.items, ...rest.data.items]).to.deep.equal((await get(`${sessionPath()}/history`)).body.items);

    const activity = await call(mcp, "get_account_activity", { account });
    expect(activity.isError, activity.text).to.equal(false);
    expect(activity.data).to.deep.equal((await get(`/v1/accounts/${account}/activity`)).body);
    const onChain = activity.data.items.filter((e: { transactionHash: string | null }) => e.transactionHash !== null);
    expect(onChain.map((e: { type: string }) => e.type)).to.deep.equal(["registration", "execution", "execution", "registration", "execution"]);
    // The request made with request_session is there too, off chain, in time order.
    const requested = activity.data.items.filter((e: { type: string }) => e.type === "requested");
    expect(requested.map((e: { requestId: string }) => e.requestId)).to.have.length(1);
    expect(activity.text).to.match(/: Session 0x[0-9a-f]{8} requested for session key 0x[0-9a-fA-F]{4}…[0-9a-fA-F]{4}\n/);
    expect(activity.text.split("\n")[0]).to.equal(`History of account ${account} across its sessions, oldest first:`);
    // Across sessions, an execution's line names its session.
    expect(activity.text).to.include(`session ${twap.approval.permissionId}: Spent $41.67`);
    expect(activity.text).to.include(`Session ${second.approval.permissionId} put on chain by its first operation`);
  });

  it("revoke_session: what revoking does, its warning and the owner's link; nothing is sent", async function () {
    const { text, data, isError } = await call(mcp, "revoke_session", { account, permissionId: second.approval.permissionId });
    expect(isError, text).to.equal(false);
    expect(revocationSchema.parse(data)).to.deep.equal(data);
    const prepared = await fetch(`${stack.apiUrl}/v1/accounts/${account}/sessions/${second.approval.permissionId}/revocation`, { method: "POST" });
    expect({ ...data, asOf: null }).to.deep.equal({ ...((await prepared.json()) as object), asOf: null });
    expect(data.method).to.equal("uninstall");
    const lines = text.split("\n");
    expect(lines[0]).to.equal(data.text);
    expect(lines[1]).to.equal(`Warning: ${data.warning}`);
    expect(lines[2]).to.equal(
      `The owner revokes it on this page, with their wallet (nothing has been signed or sent yet): ${stack.apiUrl}/dashboard?account=${account}&revoke=${second.approval.permissionId}&chain=31337`,
    );
    expect(lines[3]).to.equal(`(Or the owner's wallet sends this call from account ${account} to itself: to ${data.call.to}, data ${data.call.data}.)`);
    // Nothing was sent: the session is still active.
    expect((await get(`/v1/accounts/${account}/sessions/${second.approval.permissionId}`)).body.status).to.equal("active");
    const unknown = await call(mcp, "revoke_session", { account, permissionId: "0x12345678" });
    expect(unknown.isError).to.equal(true);
    expect(unknown.text).to.match(/session_not_found/);
  });

  it("refuses malformed arguments naming them, and returns the API's refusals as tool errors", async function () {
    const malformed = await call(mcp, "get_session", { account: "0x1234", permissionId: twap.approval.permissionId });
    expect(malformed.isError).to.equal(true);
    expect(malformed.text).to.match(/must be a 0x-prefixed 20-byte hex address at account/);
    const badId = await call(mcp, "get_session_history", { account, permissionId: "0x123" });
    expect(badId.isError).to.equal(true);
    expect(badId.text).to.match(/must be a 4-byte permission id such as 0x1234abcd at permissionId/);

    const unknown = await call(mcp, "get_session", { account, permissionId: "0xdeadbeef" });
    expect(unknown.isError).to.equal(true);
    expect(unknown.text).to.match(new RegExp(`^The Leash API refused this \\(session_not_found, HTTP 404\\): account ${account} has no session with permission id 0xdeadbeef`));
    expect(unknown.text).to.include("Arguments to fix: permissionId: unknown session.");
    expect(unknown.text).to.include("Call list_sessions for the account to see its permission ids.");
    // Errors are words only: structured content would have to match the tool's output schema.
    expect(unknown.data).to.equal(undefined);

    const stranger = privateKeyToAccount(generatePrivateKey()).address;
    const noAccount = await call(mcp, "list_sessions", { account: stranger });
    expect(noAccount.isError).to.equal(true);
    expect(noAccount.text).to.match(
      new RegExp(`^The Leash API refused this \\(account_not_found, HTTP 404\\): no session of account ${stranger} has been seen on chain`),
    );

    const badCursor = await call(mcp, "get_account_activity", { account, cursor: "not-a-cursor" });
    expect(badCursor.isError).to.equal(true);
    expect(badCursor.text).to.include("Arguments to fix: cursor: unknown or damaged cursor.");

    // Checked by the API against the chain: the field is named as the tool's argument.
    const noContract = request(privateKeyToAccount(generatePrivateKey()).address);
    noContract.permissions.contractAddress = "0x000000000000000000000000000000000000bEEF";
    const refused = await call(mcp, "request_session", noContract);
    expect(refused.isError).to.equal(true);
    expect(refused.text).to.match(/^The Leash API refused this \(invalid_session_request, HTTP 422\): /);
    expect(refused.text).to.include(
      "Arguments to fix: permissions.0.contractAddress: no contract at 0x000000000000000000000000000000000000bEEF on chain 31337",
    );
  });

  it("an unreachable API is named by its URL; a bad LEASH_API_URL stops the server with one line", async function () {
    const url = `http://127.0.0.1:${await freePort()}`;
    const offline = await startMcp(url);
    try {
      const result = await call(offline, "get_session", { account, permissionId: twap.approval.permissionId });
      expect(result.isError).to.equal(true);
      expect(result.text).to.match(new RegExp(`^the Leash API at ${url} is unreachable \\(.*ECONNREFUSED.*\\); start it with \`npm run api\`, or set LEASH_API_URL`));
    } finally {
      await offline.client.close();
    }

    const run = promisify(execFile);
    const failure = await run(tsx, [entry], { cwd: root, env: { ...getDefaultEnvironment(), LEASH_API_URL: "localhost:4000" }, timeout: 30_000 }).then(
      () => expect.fail("the server started with a bad LEASH_API_URL"),
      (error: { code: number; stdout: string; stderr: string }) => error,
    );
    expect(failure.code).to.equal(1);
    expect(failure.stdout).to.equal("");
    expect(failure.stderr).to.equal(
      'leash mcp: invalid setting LEASH_API_URL="localhost:4000": must be the API\'s http(s) URL, such as http://127.0.0.1:4000\n',
    );
  });

  it("keeps stdout for the protocol: no stray output, its log lines on stderr", async function () {
    expect(mcp.errors.map(String)).to.deep.equal([]);
    expect(mcp.stderr()).to.include(`leash mcp: serving tools over stdio for the Leash API at ${stack.apiUrl}\n`);
    expect(mcp.stderr()).to.match(/^leash mcp: get_session: ok in \d+ ms$/m);
    expect(mcp.stderr()).to.match(/^leash mcp: get_session: session_not_found in \d+ ms$/m);
  });
});
