// The API against the real stack: `hardhat node` with Leash deployed by its deploy step, the
// indexer on PGlite (and a second one on Postgres), the API over HTTP. The TWAP scenario from the
// chat's question to revocation, concurrent sessions, expiry seen without any event, and random and
// malformed input thrown at every route.
import { expect } from "chai";
import fc from "fast-check";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Address, Hex, LocalAccount } from "viem";
import { generatePrivateKey, privateKeyToAccount } from "viem/accounts";
import { readSettings } from "../../api/config.js";
import { historyPageSchema, sessionPageSchema, sessionRequestSchema, sessionSchema } from "../../api/responses.js";
import { buildServer, type LeashApi } from "../../api/server.js";
import { createTestDatabase, type TestDatabase } from "../../testkit/indexer/postgres.js";
import { type Indexer, startIndexer, waitForBlock } from "../../testkit/indexer/process.js";
import { type ApprovedSession, approveTwap, trade, twapRequest } from "../../testkit/scenario.js";
import type { Stack } from "../../testkit/stack.js";
import { startApiStack } from "./fixture.js";
import { revokeSession } from "../../sdk/session.js";

const dir = mkdtempSync(join(tmpdir(), "leash-api-"));

describe("api: against chain + indexer + API", function () {
  this.timeout(180_000);
  let stack: Stack;
  let owner: LocalAccount;
  let account: Address;
  let synced: () => Promise<void>;

  before(async function () {
    ({ stack, owner, account, synced } = await startApiStack({ dir, schema: "leash_api_test" }));
  });

  after(async function () {
    await stack?.stop();
  });

  const chainId = 31337;
  const request = (sessionKey: Address, extra: Partial<Parameters<typeof twapRequest>[0]> = {}) =>
    twapRequest({ account, sessionKey, demo: stack.demo, chainId, ...extra });
  const direct = { direct: true } as const;

  async function get(path: string) {
    const response = await fetch(`${stack.apiUrl}${path}`);
    return { status: response.status, body: (await response.json()) as any };
  }
  async function post(path: string, body: unknown) {
    const response = await fetch(`${stack.apiUrl}${path}`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(body) });
    return { status: response.status, body: (await response.json()) as any };
  }
  const sessionPath = (s: ApprovedSession) => `/v1/accounts/${account}/sessions/${s.approval.permissionId}`;

  let twap: ApprovedSession;
  const trades: Hex[] = [];

  it("explains the TWAP request in plain words, with what the owner signs", async function () {
    const sessionKey = privateKeyToAccount(generatePrivateKey()).address;
    const { status, body } = await post("/v1/session-requests", request(sessionKey));
    expect(status, JSON.stringify(body)).to.equal(201);
    expect(body.status).to.equal("awaiting_approval");
    expect(body.summary.can).to.include("spend USDC: at most $50.00 per transaction and $1,000.00 in total");
    expect(body.summary.can).to.include("make at most 10 calls per hour");
    expect(body.summary.can.join(" ")).to.match(/call exactInputSingle on MockSwapRouter/);
    expect(body.summary.can.join(" ")).to.match(/act for 24 hours, until \d{4}-\d\d-\d\d \d\d:\d\d UTC/);
    expect(body.summary.cannot).to.include("call any other contract or function");
    expect(body.summary.cannot).to.include("send what exactInputSingle returns to any address but your account");
    // Gas: a cap per operation from today's fees, the request's budget, and no signing.
    const cap = body.session.gas.perOperation;
    expect(body.session.gas.defaultCap).to.equal(true);
    expect(BigInt(cap.raw)).to.be.greaterThan(0n);
    expect(body.session.gas.total.display).to.equal("0.05 ETH");
    expect(body.summary.can).to.include(`pay at most ${cap.display} of gas per operation, 0.05 ETH in total`);
    expect(body.summary.cannot).to.include(`pay more than ${cap.display} of gas for one operation or 0.05 ETH in all`);
    expect(body.summary.cannot).to.include("sign messages or permits in your account's name");
    expect(body.summary.text).to.match(/^To run this automation I need your approval for a session key\. It can .*\$50\.00 per transaction.*It cannot .*You can revoke it at any time\. Approve\?$/);
    // The account holds 2,000 USDC: a 1,000 cap does not drain it; nothing else is wrong.
    expect(body.warnings.map((w: { code: string }) => w.code)).to.deep.equal([]);
    expect(body.toSign).to.include({ account, sessionKey });
    expect(body.toSign.permissionId).to.match(/^0x[0-9a-f]{8}$/);
    expect(body.toSign.typedData.primaryType).to.equal("Enable");
    expect(body.toSign.typedData.domain).to.deep.equal({ name: "Kernel", version: "0.3.1", chainId, verifyingContract: account });
    expect(JSON.stringify(body)).not.to.match(/privateKey/i);
    // The documented shape, exactly: nothing missing, nothing more.
    expect(sessionRequestSchema.parse(body)).to.deep.equal(body);
  });

  it("the typed data the API asks the owner to sign is exactly the SDK's approval signature", async function () {
    twap = await approveTwap(stack.leash, { owner, request: (k) => request(k) });
    const { body } = await post("/v1/session-requests", request(twap.sessionKey.address, {}));
    // Same key and request, but a new validAfter: sign what this answer says and compare with an
    // approval of the same prepared session.
    const typed = body.toSign.typedData;
    const signature = await owner.signTypedData({ ...typed, message: { ...typed.message, nonce: Number(typed.message.nonce) } });
    const { prepareSession, approveSession } = await import("../../sdk/session.js");
    const prepared = await prepareSession(stack.leash, { ...request(twap.sessionKey.address), validAfter: body.session.validAfter.unix });
    const approval = await approveSession(stack.leash, { prepared, owner });
    expect(prepared.permissionId).to.equal(body.toSign.permissionId);
    expect(prepared.policy.data).to.equal(body.toSign.policy.data);
    expect(approval.enableSignature.endsWith(signature.slice(2))).to.equal(true);
  });

  it("TWAP: trades shown with spend to date, what remains and time left; a trade over the cap is refused", async function () {
    for (const amount of ["41.67", "50", "30"]) {
      const outcome = await trade(stack.leash, twap, stack.demo, amount, direct);
      if (!outcome.ok) expect.fail(outcome.refusal.message);
      trades.push(outcome.result.transactionHash);
    }
    const refused = await trade(stack.leash, twap, stack.demo, "60", direct);
    expect(refused.ok).to.equal(false);
    if (!refused.ok) expect(refused.refusal.kind).to.equal("per-transaction-cap");
    await synced();

    const { status, body } = await get(sessionPath(twap));
    expect(status, JSON.stringify(body)).to.equal(200);
    expect(body).to.include({ account, permissionId: twap.approval.permissionId, registration: 1, status: "active", sessionKey: twap.sessionKey.address });
    const [usdc] = body.tokens;
    expect(usdc).to.include({ token: stack.demo.usdc, symbol: "USDC", decimals: 6 });
    expect(usdc.limits.perTransaction).to.include({ raw: "50000000", formatted: "50", display: "$50.00" });
    expect(usdc.limits.total).to.include({ raw: "1000000000", display: "$1,000.00" });
    expect(usdc.spent.total).to.include({ raw: "121670000", formatted: "121.67", display: "$121.67" });
    expect(usdc.remaining.total).to.include({ raw: "878330000", display: "$878.33" });
    expect(usdc.display).to.deep.equal(["$121.67 of $1,000.00 spent"]);
    expect(body.calls).to.include({ remainingInWindow: 7, perWindow: 10, windowSeconds: 3600, remaining: null, max: null });
    expect(body.display.calls).to.equal("7 / 10 calls remaining this window (per hour)");
    expect(body.secondsLeft).to.be.within(86_400 - 600, 86_400);
    expect(body.display.timeLeft).to.match(/^(23h \d+m|1d) remaining$/);
    expect(body.executions.count).to.equal(3);
    expect(body.executions.last).to.include({ transactionHash: trades[2], success: true });
    expect(body.permissions).to.have.length(1);
    expect(body.permissions[0]).to.include({ target: stack.demo.router, targetLabel: "MockSwapRouter", recipientMustBeAccount: true });
    expect(body.permissions[0].display).to.equal("exactInputSingle on MockSwapRouter");
    expect(body.asOf.chainBlock).to.equal(body.asOf.indexedBlock);
    expect(body.expiresAt.unix - body.validAfter.unix).to.equal(86_400);

    const list = await get(`/v1/accounts/${account}/sessions?status=active`);
    expect(list.status).to.equal(200);
    expect(list.body.items.map((s: { permissionId: string }) => s.permissionId)).to.deep.equal([twap.approval.permissionId]);
    expect(list.body.items[0]).to.deep.equal(body);
    expect(sessionSchema.parse(body)).to.deep.equal(body);
    expect(sessionPageSchema.parse(list.body)).to.deep.equal(list.body);
  });

  it("history: approval then every execution with amount, success and tx hash, paginated by cursor", async function () {
    const all = await get(`${sessionPath(twap)}/history`);
    expect(all.status).to.equal(200);
    // A request made for the same key and limits in the same second has the same permission id: its
    // entry comes first, off chain.
    const offChain = all.body.items.filter((e: { transactionHash: string | null }) => e.transactionHash === null);
    expect(offChain.map((e: { type: string }) => e.type)).to.deep.equal(offChain.length ? ["requested"] : []);
    const items = all.body.items.slice(offChain.length);
    expect(items.map((e: { type: string }) => e.type)).to.deep.equal(["registration", "execution", "execution", "execution"]);
    expect(items.slice(1).map((e: any) => [e.execution.amount.display, e.execution.success, e.transactionHash])).to.deep.equal([
      ["$41.67", true, trades[0]],
      ["$50.00", true, trades[1]],
      ["$30.00", true, trades[2]],
    ]);
    expect(items[1].text).to.equal("Spent $41.67");
    expect(all.body.nextCursor).to.equal(null);
    expect(historyPageSchema.parse(all.body)).to.deep.equal(all.body);
    const pages: unknown[] = [];
    let cursor: string | null = null;
    do {
      const page: { status: number; body: any } = await get(`${sessionPath(twap)}/history?limit=3${cursor ? `&cursor=${cursor}` : ""}`);
      expect(page.status).to.equal(200);
      pages.push(...page.body.items);
      cursor = page.body.nextCursor;
    } while (cursor);
    expect(pages).to.deep.equal(all.body.items);
  });

  it("warns about a duplicate of an active session, a cap that drains the balance, and a long duration", async function () {
    const sessionKey = privateKeyToAccount(generatePrivateKey()).address;
    const { status, body } = await post("/v1/session-requests", request(sessionKey, { maxTotal: "5000", duration: 90 * 86_400 }));
    expect(status, JSON.stringify(body)).to.equal(201);
    const codes = body.warnings.map((w: { code: string }) => w.code);
    expect(codes).to.include.members(["duplicate_session", "drains_balance", "balance_too_low", "long_duration"]);
    const duplicate = body.warnings.find((w: { code: string }) => w.code === "duplicate_session");
    expect(duplicate.message).to.include(twap.approval.permissionId);
  });

  it("warns when nothing bounds the session's gas over its life, about a cap far above today's fees, and about each verifier", async function () {
    const sessionKey = privateKeyToAccount(generatePrivateKey()).address;
    const unbounded = request(sessionKey, { maxFeeTotal: undefined });
    delete (unbounded as Record<string, unknown>).maxFeeTotal;
    delete (unbounded.permissions as Record<string, unknown>).rateLimit;
    const { body } = await post("/v1/session-requests", { ...unbounded, maxFeePerOperation: "5", signatureSenders: [stack.demo.router] });
    const codes = body.warnings.map((w: { code: string }) => w.code);
    expect(codes).to.include.members(["gas_unbounded", "high_fee_cap", "signature_sender"]);
    const verifier = body.warnings.find((w: { code: string }) => w.code === "signature_sender");
    expect(verifier.message).to.match(/MockSwapRouter.*as many as it likes.*not counted against these limits/);
    expect(body.summary.can).to.include("sign messages in your account's name that MockSwapRouter will check");
    expect(body.session.signatureSenders).to.deep.equal([stack.demo.router]);
    // With the budget and rate limit of the scenario, none of the three.
    const bounded = await post("/v1/session-requests", request(sessionKey));
    expect(bounded.body.warnings.map((w: { code: string }) => w.code)).to.not.include.members(["gas_unbounded"]);
  });

  it("refuses Permit2 as a signature sender, and a budget below the cap, with 422 naming the field", async function () {
    const sessionKey = privateKeyToAccount(generatePrivateKey()).address;
    const permit2 = await post("/v1/session-requests", { ...request(sessionKey), signatureSenders: ["0x000000000022D473030F116dDEE9F6B43aC78BA3"] });
    expect(permit2.status).to.equal(422);
    expect(permit2.body.error.issues[0].field).to.equal("body.signatureSenders.0");
    expect(permit2.body.error.issues[0].message).to.match(/Permit2/);
    const budget = await post("/v1/session-requests", { ...request(sessionKey), maxFeePerOperation: "0.1", maxFeeTotal: "0.05" });
    expect(budget.status).to.equal(422);
    expect(budget.body.error.issues).to.deep.include({ field: "body.maxFeePerOperation", message: "0.1 is more than maxFeeTotal 0.05" });
  });

  it("refuses a request the chain cannot honour with 422, naming the field", async function () {
    const sessionKey = privateKeyToAccount(generatePrivateKey()).address;
    const bad = request(sessionKey);
    (bad.permissions as Record<string, unknown>).contractAddress = "0x000000000000000000000000000000000000bEEF";
    const { status, body } = await post("/v1/session-requests", bad);
    expect(status).to.equal(422);
    expect(body.error.code).to.equal("invalid_session_request");
    expect(body.error.issues).to.deep.include({ field: "body.permissions.0.contractAddress", message: "no contract at 0x000000000000000000000000000000000000bEEF on chain 31337" });
  });

  it("concurrent sessions keep separate counters; parallel requests agree", async function () {
    const others = [
      await approveTwap(stack.leash, { owner, request: (k) => request(k, { maxPerTransaction: "10", maxTotal: "25", maxCalls: 5 }) }),
      await approveTwap(stack.leash, { owner, request: (k) => request(k, { rateLimit: { count: 2, period: 7200 } }) }),
    ];
    for (const [session, amount] of [[others[0]!, "10"], [others[1]!, "5"], [others[0]!, "10"], [twap, "1"]] as const) {
      const outcome = await trade(stack.leash, session, stack.demo, amount, direct);
      if (!outcome.ok) expect.fail(outcome.refusal.message);
    }
    await synced();
    const paths = [sessionPath(others[0]!), sessionPath(others[1]!), sessionPath(twap)];
    const answers = await Promise.all(Array.from({ length: 60 }, (_, i) => get(paths[i % 3]!)));
    for (const [i, answer] of answers.entries()) expect(answer.body, `answer ${i}`).to.deep.equal(answers[i % 3]!.body);
    const [capped, rated, first] = answers.map((a) => a.body);
    expect(capped.tokens[0].display).to.deep.equal(["$20.00 of $25.00 spent"]);
    expect(capped.display.calls).to.equal("3 / 5 calls remaining");
    expect(rated.display.calls).to.equal("1 / 2 calls remaining this window (per 2 hours)");
    expect(first.tokens[0].spent.total.raw).to.equal("122670000");
    const list = await get(`/v1/accounts/${account}/sessions?limit=2`);
    expect(list.body.items.map((s: { permissionId: string }) => s.permissionId)).to.deep.equal([others[1]!.approval.permissionId, others[0]!.approval.permissionId]);
    const rest = await get(`/v1/accounts/${account}/sessions?limit=2&cursor=${list.body.nextCursor}`);
    expect(rest.body.items.map((s: { permissionId: string }) => s.permissionId)).to.deep.equal([twap.approval.permissionId]);
    expect(rest.body.nextCursor).to.equal(null);
  });

  it("sees expiry with no new event: the chain's clock alone moves the session to expired", async function () {
    const short = await approveTwap(stack.leash, { owner, request: (k) => request(k, { duration: 120 }) });
    const outcome = await trade(stack.leash, short, stack.demo, "1", direct);
    if (!outcome.ok) expect.fail(outcome.refusal.message);
    await synced();
    expect((await get(sessionPath(short))).body.status).to.equal("active");
    const rpc = (method: string, params: unknown[] = []) => stack.leash.client.request({ method: method as never, params: params as never });
    await rpc("evm_increaseTime", [300]);
    await rpc("evm_mine");
    await synced();
    const { body } = await get(sessionPath(short));
    expect(body, JSON.stringify(body)).to.include({ status: "expired", secondsLeft: 0 });
    expect(body.display.timeLeft).to.equal("expired");
    expect(body.tokens[0].remaining.total.raw).to.equal("0");
    const expired = await get(`/v1/accounts/${account}/sessions?status=expired`);
    expect(expired.body.items.map((s: { permissionId: string }) => s.permissionId)).to.include(short.approval.permissionId);
    const active = await get(`/v1/accounts/${account}/sessions?status=active`);
    expect(active.body.items.map((s: { permissionId: string }) => s.permissionId)).not.to.include(short.approval.permissionId);
  });

  it("revocation: status revoked, the list's revoked filter, the revocation last in history and activity", async function () {
    const revoked = await revokeSession(stack.leash, { approval: twap.approval, owner, via: direct });
    expect(revoked.method).to.equal("uninstall");
    await synced();
    const { body } = await get(sessionPath(twap));
    expect(body.status).to.equal("revoked");
    expect(body.revoked.transactionHash).to.equal(revoked.transactionHash);
    expect(body.display.status).to.equal("Revoked");
    expect(body.calls.remainingInWindow).to.equal(0);
    const list = await get(`/v1/accounts/${account}/sessions?status=revoked`);
    expect(list.body.items.map((s: { permissionId: string }) => s.permissionId)).to.deep.equal([twap.approval.permissionId]);
    const history = await get(`${sessionPath(twap)}/history`);
    expect(history.body.items.at(-1)).to.include({ type: "revocation", transactionHash: revoked.transactionHash });
    const activity = await get(`/v1/accounts/${account}/activity?limit=100`);
    const onChain = activity.body.items.filter((e: { blockNumber: string | null }) => e.blockNumber !== null);
    const types = onChain.map((e: { type: string }) => e.type);
    expect(types.filter((t: string) => t === "registration")).to.have.length(4);
    expect(types.filter((t: string) => t === "execution")).to.have.length(8);
    expect(types.at(-1)).to.equal("revocation");
    const blocks = onChain.map((e: { blockNumber: string }) => BigInt(e.blockNumber));
    expect(blocks).to.deep.equal([...blocks].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0)));
    // The requests made on the way sit among them in time order.
    const times = activity.body.items.map((e: { timestamp: { unix: number } }) => e.timestamp.unix);
    expect(times).to.deep.equal([...times].sort((a, b) => a - b));
    expect(activity.body.items.length).to.be.greaterThan(onChain.length);
  });

  it("unknown account 404 account_not_found, unknown session 404 session_not_found", async function () {
    const stranger = privateKeyToAccount(generatePrivateKey()).address;
    let answer = await get(`/v1/accounts/${stranger}/sessions`);
    expect([answer.status, answer.body.error.code]).to.deep.equal([404, "account_not_found"]);
    answer = await get(`/v1/accounts/${account}/sessions/0xdeadbeef`);
    expect([answer.status, answer.body.error.code]).to.deep.equal([404, "session_not_found"]);
    answer = await get(`${sessionPath(twap)}?registration=2`);
    expect([answer.status, answer.body.error.code]).to.deep.equal([404, "session_not_found"]);
    answer = await get(`${sessionPath(twap)}/history?registration=9`);
    expect([answer.status, answer.body.error.code]).to.deep.equal([404, "session_not_found"]);
  });

  it("/ready is 200 once the indexer has caught up", async function () {
    const { status, body } = await get("/ready");
    expect(status, JSON.stringify(body)).to.equal(200);
    expect(body.status).to.equal("ready");
  });

  it("random and malformed input at every route never gets a 5xx", async function () {
    const app = stack.api.app;
    const known = [account, account.toLowerCase(), twap.approval.permissionId];
    const hexString = (length: number) => fc.stringMatching(new RegExp(`^0x[0-9a-fA-F]{${length}}$`));
    const segment = fc.oneof(
      fc.constantFrom(...known),
      hexString(40),
      hexString(8),
      hexString(64),
      fc.string({ maxLength: 80 }),
      fc.constantFrom("", "0x", "null", "%00", "..", "%2e%2e", "0x" + "f".repeat(300), "🦊", "0X1234ABCD"),
    );
    const queryValue = fc.oneof(fc.string({ maxLength: 40 }), fc.integer().map(String), fc.constantFrom("all", "active", "-1", "1e9", "NaN", "[]", "{}"));
    const query = fc.dictionary(fc.constantFrom("status", "limit", "cursor", "registration", "x", "status[]"), queryValue, { maxKeys: 4 });
    const route = fc.constantFrom(
      (a: string) => `/v1/accounts/${a}/sessions`,
      (a: string, p: string) => `/v1/accounts/${a}/sessions/${p}`,
      (a: string, p: string) => `/v1/accounts/${a}/sessions/${p}/history`,
      (a: string) => `/v1/accounts/${a}/activity`,
    );
    const seen = new Map<number, number>();
    await fc.assert(
      fc.asyncProperty(route, segment, segment, query, async (path, a, p, q) => {
        const url = `${path(encodeURIComponent(a), encodeURIComponent(p))}?${new URLSearchParams(q)}`;
        const response = await app.inject({ method: "GET", url });
        seen.set(response.statusCode, (seen.get(response.statusCode) ?? 0) + 1);
        if (response.statusCode >= 500) throw new Error(`${url} -> ${response.statusCode} ${response.body}`);
        expect(() => JSON.parse(response.body), url).not.to.throw();
      }),
      { numRuns: 400, seed: 42 },
    );
    // The random mix reached both the handlers (200/404) and the validators (400).
    expect([...seen.keys()]).to.include.members([200, 400, 404]);

    const valid = request(privateKeyToAccount(generatePrivateKey()).address) as unknown as Record<string, unknown>;
    const body = fc.oneof(
      fc.jsonValue().map((v) => JSON.stringify(v)),
      fc.string({ maxLength: 200 }),
      // A valid request with one field replaced by anything.
      fc.tuple(fc.constantFrom("walletAddress", "sessionKeyAddress", "duration", "permissions", "validAfter", "maxFeePerOperation"), fc.jsonValue()).map(
        ([key, value]) => JSON.stringify({ ...valid, [key]: value }),
      ),
      fc.tuple(fc.constantFrom("contractAddress", "allowedFunctions", "token", "maxPerTransaction", "maxTotal", "maxPerPeriod", "rateLimit", "maxCalls", "chainId"), fc.jsonValue()).map(
        ([key, value]) => JSON.stringify({ ...valid, permissions: { ...(valid.permissions as object), [key]: value } }),
      ),
    );
    await fc.assert(
      fc.asyncProperty(body, async (payload) => {
        const response = await app.inject({ method: "POST", url: "/v1/session-requests", payload, headers: { "content-type": "application/json" } });
        if (response.statusCode >= 500) throw new Error(`${payload} -> ${response.statusCode} ${response.body}`);
      }),
      { numRuns: 150, seed: 7 },
    );
  });

  describe("on Postgres", function () {
    let database: TestDatabase | undefined;
    let indexer: Indexer | undefined;
    // One clock for every server compared: "now" moves with the clock, and a second boundary
    // between two requests would change the answers' countdowns.
    const frozen = Date.now();
    const clock = () => frozen;
    const apis: { name: string; api: LeashApi }[] = [];

    before(async function () {
      const created = await createTestDatabase("leash_api");
      database = created.database;
      if (!database) {
        console.warn(`\n  !!! POSTGRES API TESTS SKIPPED: ${created.reason}\n`);
        this.skip();
      }
      indexer = await startIndexer({
        deploymentsFile: stack.deploymentsFile,
        rpcUrl: stack.chain.rpcUrl,
        database: { postgresUrl: database!.url },
        schema: "leash_api_test",
        pollingIntervalMs: 100,
        logFile: join(dir, "indexer-postgres.log"),
      });
      await waitForBlock(indexer, await stack.leash.client.getBlockNumber());
      const env = (extra: Record<string, string>) =>
        readSettings({ ...stack.settings, DATABASE_URL: "", PORT: "0", ...extra } as unknown as NodeJS.ProcessEnv);
      const servers = {
        "PGlite over SQL over HTTP": env({ LEASH_INDEXER_URL: stack.indexer.url }),
        "Postgres over SQL over HTTP": env({ LEASH_INDEXER_URL: indexer.url }),
        // The indexer's views schema, read by the API over its own connections.
        "Postgres directly": env({ LEASH_INDEXER_URL: indexer.url, DATABASE_URL: database!.url, DATABASE_VIEWS_SCHEMA: "leash" }),
      };
      for (const [name, settings] of Object.entries(servers)) {
        const api = await buildServer({ settings, deployments: stack.leash.deployments, clock, logger: false });
        await api.app.ready();
        apis.push({ name, api });
      }
    });

    after(async function () {
      for (const { api } of apis) await api.app.close();
      await indexer?.stop();
      await database?.drop();
    });

    it("answers every route exactly as on PGlite, over SQL over HTTP and reading Postgres directly", async function () {
      const paths = [
        `/v1/accounts/${account}/sessions`,
        `/v1/accounts/${account}/sessions?status=expired`,
        `${sessionPath(twap)}`,
        `${sessionPath(twap)}/history?limit=2`,
        `/v1/accounts/${account}/activity?limit=7`,
      ];
      const [reference, ...others] = apis;
      for (const path of paths) {
        const expected = await reference!.api.app.inject({ method: "GET", url: path });
        expect(expected.statusCode, path).to.equal(200);
        for (const { name, api } of others) {
          const answer = await api.app.inject({ method: "GET", url: path });
          expect(answer.statusCode, `${name}: ${path}`).to.equal(200);
          expect(answer.json(), `${name}: ${path}`).to.deep.equal(expected.json());
        }
      }
    });
  });
});
