// Session requests kept by the API: created with their explanation and the typed data to sign,
// approved with the owner's signature (verified by the account's own validator), declined, expired
// unsigned, found again after a restart; and the approval becomes the session's first operation.
import { expect } from "chai";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { LocalAccount } from "viem";
import { generatePrivateKey, privateKeyToAccount } from "viem/accounts";
import { readSettings } from "../../api/config.js";
import { declineSchema, sessionRequestSchema } from "../../api/responses.js";
import { type LeashApi, buildServer } from "../../api/server.js";
import { approveSession, createSessionKey, prepareSession } from "../../sdk/session.js";
import { trade, twapRequest } from "../../testkit/scenario.js";
import type { Stack } from "../../testkit/stack.js";
import { approvalOfRequest, signRequest } from "../../testkit/requests.js";
import { injectJson, sharedApiStack } from "./fixture.js";

const dir = mkdtempSync(join(tmpdir(), "leash-requests-"));

describe("api: session requests stored, approved, declined, expired", function () {
  this.timeout(180_000);
  let stack: Stack;
  let owner: LocalAccount;
  let account: `0x${string}`;
  let synced: () => Promise<void>;
  const extra: LeashApi[] = [];

  before(async function () {
    ({ stack, owner, account, synced } = await sharedApiStack({ dir, schema: "leash_requests_test" }));
  });

  after(async function () {
    for (const api of extra) await api.app.close();
    await stack?.stop();
  });

  const request = (sessionKey: `0x${string}`) => twapRequest({ account, sessionKey, demo: stack.demo, chainId: 31337 });

  const call = (method: "GET" | "POST", path: string, body?: unknown, headers: Record<string, string> = {}, app = stack.api.app) =>
    injectJson(app, method, path, body, headers);

  /** The owner's wallet signing what the request asks (eth_signTypedData_v4 of toSign.typedData). */
  const sign = signRequest;

  /** A server of its own on `pgliteDir` (or in memory), with its own clock. */
  async function server(opts: { pgliteDir?: string; clock?: () => number } = {}) {
    const settings = readSettings({ ...stack.settings, PORT: "0", LEASH_API_PGLITE_DIR: opts.pgliteDir ?? "memory://" } as unknown as NodeJS.ProcessEnv);
    const api = await buildServer({ settings, deployments: stack.leash.deployments, logger: false, clock: opts.clock });
    await api.app.ready();
    extra.push(api);
    return api;
  }

  /** The API's "now" in ms: the later of the chain's latest block and the clock. */
  const now = async () => Math.max(Date.now(), Number((await stack.leash.client.getBlock()).timestamp) * 1000);

  it("creates a stored request: 201 awaiting approval, its id, expiry in 15 minutes, the explanation and the typed data; GET finds it", async function () {
    const before = await now();
    const created = await call("POST", "/v1/session-requests", request(createSessionKey().address));
    expect(created.status, JSON.stringify(created.body)).to.equal(201);
    expect(sessionRequestSchema.parse(created.body)).to.deep.equal(created.body);
    const r = created.body;
    expect(r.id).to.match(/^[0-9a-f-]{36}$/);
    expect(r.status).to.equal("awaiting_approval");
    expect(r.display.status).to.match(/^Waiting for the owner's approval \(expires in 1[45] minutes( \d+ seconds?)?\)$/);
    expect(r.expiresAt.unix - r.createdAt.unix).to.equal(900);
    expect(r.createdAt.unix * 1000).to.be.within(before - 1000, await now());
    expect(r.approvalUrl).to.equal(`/approve/${r.id}`);
    expect(r.summary.can.join(" ")).to.match(/call exactInputSingle on MockSwapRouter/);
    // 10 calls an hour for 24 hours: 25 windows begin within the session (its last second opens one).
    expect(r.session.calls).to.deep.equal({ max: null, rate: { count: 10, seconds: 3600 }, atMost: 250 });
    expect(r.toSign.typedData.primaryType).to.equal("Enable");
    // As a wallet's eth_signTypedData_v4 hashes it: the domain's type listed with the domain's fields.
    expect(r.toSign.typedData.types.EIP712Domain).to.deep.equal([
      { name: "name", type: "string" },
      { name: "version", type: "string" },
      { name: "chainId", type: "uint256" },
      { name: "verifyingContract", type: "address" },
    ]);
    expect(r.approval).to.equal(null);
    const found = await call("GET", `/v1/session-requests/${r.id}`);
    expect(found.status).to.equal(200);
    expect(found.body).to.deep.equal(created.body);
  });

  it("Idempotency-Key: a retried POST returns the same request (200); the key reused for another request is 422", async function () {
    const body = request(createSessionKey().address);
    const key = `chat-${Date.now()}-twap`;
    const first = await call("POST", "/v1/session-requests", body, { "idempotency-key": key });
    const again = await call("POST", "/v1/session-requests", body, { "idempotency-key": key });
    expect([first.status, again.status]).to.deep.equal([201, 200]);
    expect(again.body.id).to.equal(first.body.id);
    const other = await call("POST", "/v1/session-requests", request(createSessionKey().address), { "idempotency-key": key });
    expect(other.status).to.equal(422);
    expect(other.body.error.code).to.equal("idempotency_key_reused");
    expect(other.body.error.message).to.include(first.body.id);
    const short = await call("POST", "/v1/session-requests", body, { "idempotency-key": "x" });
    expect(short.status).to.equal(400);
    expect(short.body.error.issues[0].field).to.equal("headers.idempotency-key");
  });

  it("approval: a signature by anyone but the owner is 422; the owner's is stored with who signed and when; a second approval is 409", async function () {
    const { body: r } = await call("POST", "/v1/session-requests", request(createSessionKey().address));
    const stranger = privateKeyToAccount(generatePrivateKey());
    const forged = await call("POST", `/v1/session-requests/${r.id}/approval`, { signature: await sign(stranger, r.toSign.typedData) });
    expect(forged.status, JSON.stringify(forged.body)).to.equal(422);
    expect(forged.body.error.code).to.equal("invalid_signature");
    expect(forged.body.error.message).to.match(/not the account owner's/);
    // A signature of other data by the owner is not the approval either.
    const tampered = { ...r.toSign.typedData, message: { ...r.toSign.typedData.message, nonce: Number(r.toSign.typedData.message.nonce) + 1 } };
    expect((await call("POST", `/v1/session-requests/${r.id}/approval`, { signature: await sign(owner, tampered) })).status).to.equal(422);
    expect((await call("GET", `/v1/session-requests/${r.id}`)).body.status).to.equal("awaiting_approval");

    const approved = await call("POST", `/v1/session-requests/${r.id}/approval`, { signature: await sign(owner, r.toSign.typedData) });
    expect(approved.status, JSON.stringify(approved.body)).to.equal(200);
    expect(approved.body.status).to.equal("approved");
    expect(approved.body.display.status).to.equal("Approved, waiting for its first operation");
    expect(approved.body.approval.signer).to.equal(owner.address);
    expect(approved.body.approval.at.unix).to.be.within(r.createdAt.unix, Math.ceil((await now()) / 1000));
    // Sent again (the first answer was lost on the way): the same approval, 200.
    const retried = await call("POST", `/v1/session-requests/${r.id}/approval`, { signature: await sign(owner, r.toSign.typedData) });
    expect(retried.status).to.equal(200);
    expect(retried.body).to.deep.equal(approved.body);
    // Another signature for a request approved already: 409.
    const other = await call("POST", `/v1/session-requests/${r.id}/approval`, { signature: await sign(stranger, r.toSign.typedData) });
    expect(other.status).to.equal(409);
    expect(other.body.error.code).to.equal("request_already_decided");
  });

  it("concurrent approval and decline of one request: exactly one wins, the others are 409", async function () {
    const { body: r } = await call("POST", "/v1/session-requests", request(createSessionKey().address));
    const signature = await sign(owner, r.toSign.typedData);
    const answers = await Promise.all([
      call("POST", `/v1/session-requests/${r.id}/approval`, { signature }),
      call("POST", `/v1/session-requests/${r.id}/decline`, { reason: "changed my mind" }),
      call("POST", `/v1/session-requests/${r.id}/decline`, {}),
    ]);
    expect(answers.map((a) => a.status).sort()).to.deep.equal([200, 409, 409]);
    const final = (await call("GET", `/v1/session-requests/${r.id}`)).body;
    const winner = answers.find((a) => a.status === 200)!.body;
    expect(final.status).to.equal(winner.status);
  });

  it("decline: 200 with what to do by hand instead; approving it afterwards, or declining again, is 409", async function () {
    const { body: r } = await call("POST", "/v1/session-requests", request(createSessionKey().address));
    const declined = await call("POST", `/v1/session-requests/${r.id}/decline`, { reason: "I will trade by hand" });
    expect(declined.status, JSON.stringify(declined.body)).to.equal(200);
    expect(declineSchema.parse(declined.body)).to.deep.equal(declined.body);
    expect(declined.body.status).to.equal("declined");
    expect(declined.body.decline.reason).to.equal("I will trade by hand");
    expect(declined.body.manual.map((m: { function: string }) => m.function)).to.deep.equal([r.session.functions[0].signature]);
    expect(declined.body.manual[0].text).to.match(/yourself.*sign each call/);
    const approve = await call("POST", `/v1/session-requests/${r.id}/approval`, { signature: await sign(owner, r.toSign.typedData) });
    expect(approve.status).to.equal(409);
    expect((await call("POST", `/v1/session-requests/${r.id}/decline`, {})).status).to.equal(409);
  });

  it("an unsigned request expires: read as expired, and its approval is 410", async function () {
    let offset = 0;
    const api = await server({ clock: () => Date.now() + offset });
    const { body: r } = await call("POST", "/v1/session-requests", request(createSessionKey().address), {}, api.app);
    offset = 16 * 60 * 1000;
    const read = await call("GET", `/v1/session-requests/${r.id}`, undefined, {}, api.app);
    expect(read.body.status).to.equal("expired");
    expect(read.body.display.status).to.match(/^Expired before anyone signed it/);
    const late = await call("POST", `/v1/session-requests/${r.id}/approval`, { signature: await sign(owner, r.toSign.typedData) }, {}, api.app);
    expect(late.status).to.equal(410);
    expect(late.body.error.code).to.equal("request_expired");
  });

  it("a restart loses nothing: a new API process on the same database finds the request and its approval", async function () {
    const pgliteDir = join(dir, "api-db");
    const first = await server({ pgliteDir });
    const { body: r } = await call("POST", "/v1/session-requests", request(createSessionKey().address), {}, first.app);
    await call("POST", `/v1/session-requests/${r.id}/approval`, { signature: await sign(owner, r.toSign.typedData) }, {}, first.app);
    await first.app.close();
    const second = await server({ pgliteDir });
    const found = await call("GET", `/v1/session-requests/${r.id}`, undefined, {}, second.app);
    expect(found.status).to.equal(200);
    expect(found.body.status).to.equal("approved");
    expect(found.body.approval.signer).to.equal(owner.address);
  });

  it("unknown ids are 404, malformed ones 400, a malformed signature 400 naming the field", async function () {
    expect((await call("GET", "/v1/session-requests/00000000-0000-4000-8000-000000000000")).body.error.code).to.equal("request_not_found");
    const bad = await call("GET", "/v1/session-requests/not-an-id");
    expect([bad.status, bad.body.error.code]).to.deep.equal([400, "invalid_request_id"]);
    const { body: r } = await call("POST", "/v1/session-requests", request(createSessionKey().address));
    const short = await call("POST", `/v1/session-requests/${r.id}/approval`, { signature: "0x1234" });
    expect(short.status).to.equal(422);
    expect(short.body.error.issues[0].field).to.equal("body.signature");
  });

  it("approved, then active: the session key's first operation with the stored signature enables the session", async function () {
    const sessionKey = createSessionKey();
    const { body: r } = await call("POST", "/v1/session-requests", request(sessionKey.address));
    const signature = await sign(owner, r.toSign.typedData);
    const { body: approved } = await call("POST", `/v1/session-requests/${r.id}/approval`, { signature });
    // What the session key's holder builds from the stored request: the SDK's own approval.
    const approval = approvalOfRequest(stack.leash, approved);
    const sdk = await approveSession(stack.leash, { prepared: await prepareSession(stack.leash, request(sessionKey.address)), owner });
    expect(approval.rootValidator).to.deep.equal(sdk.rootValidator);
    const traded = await trade(stack.leash, { approval, sessionKey }, stack.demo, "25", { direct: true });
    if (!traded.ok) expect.fail(traded.refusal.message);
    await synced();
    const active = await call("GET", `/v1/session-requests/${r.id}`);
    expect(active.body.status).to.equal("active");
    expect(active.body.display.status).to.equal("Approved and active on chain");

    // One key per session: the same key for another session of the account is refused.
    const reused = await call("POST", "/v1/session-requests", request(sessionKey.address));
    expect(reused.status).to.equal(422);
    expect(reused.body.error.issues).to.deep.equal([{ field: "body.sessionKeyAddress", message: "already the key of a live session" }]);
    expect(reused.body.error.message).to.include(`already acts for session ${r.toSign.permissionId}`);
  });

  it("lists the account's requests newest first, each with where it stands", async function () {
    const list = await call("GET", `/v1/accounts/${account}/session-requests?limit=100`);
    expect(list.status).to.equal(200);
    const items = list.body.items as { id: string; status: string; createdAt: { unix: number } }[];
    const statuses = new Set(items.map((i) => i.status));
    for (const s of ["awaiting_approval", "approved", "declined", "active"]) expect(statuses, s).to.include(s);
    const times = items.map((i) => i.createdAt.unix);
    expect(times).to.deep.equal([...times].sort((a, b) => b - a));
    for (const item of items.slice(0, 3)) expect((await call("GET", `/v1/session-requests/${item.id}`)).body).to.deep.equal(item);
    const bad = await call("GET", "/v1/accounts/0x12/session-requests");
    expect([bad.status, bad.body.error.code]).to.deep.equal([400, "invalid_address"]);
  });

  it("refuses an address that is not a Kernel v3 account, naming which accounts work", async function () {
    const notKernel = { ...request(createSessionKey().address), walletAddress: stack.demo.router };
    const refused = await call("POST", "/v1/session-requests", notKernel);
    expect(refused.status, JSON.stringify(refused.body)).to.equal(422);
    expect(refused.body.error.issues).to.deep.equal([{ field: "body.walletAddress", message: "not a Kernel v3 account" }]);
    expect(refused.body.error.message).to.match(/is not a ZeroDev Kernel v3 account .*work with Kernel v3\.1 smart accounts/);
  });
});
