// The chat flow between the owner's signature and the session's life on chain, against the real
// stack: an approved session is shown at once (sessions list, one session, history, activity) as
// `approved`, linked to its request, and becomes `active` under the same permission id when its first
// operation registers it, with one continuous history. And the scenarios the flow must survive: two
// concurrent sessions on one account, a first operation that fails and is tried again, an approval
// that expires unused, one revoked before its first operation (cancelling the account's other unused
// approvals, as the warning says), paging across approved and on-chain sessions, and a balance too
// low for the limits, warned before signing.
import { expect } from "chai";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Address, LocalAccount } from "viem";
import { historyPageSchema, revocationSchema, sessionPageSchema, sessionRequestSchema, sessionSchema } from "../../api/responses.js";
import { createOwnerAccount } from "../../sdk/accounts.js";
import { createSessionKey, kernelAddresses } from "../../sdk/session.js";
import { sendUserOperationDirect } from "../../sdk/userops.js";
import { approvalOfRequest, signRequest } from "../../testkit/requests.js";
import { type ApprovedSession, fundedAccount, trade, twapRequest } from "../../testkit/scenario.js";
import type { Stack } from "../../testkit/stack.js";
import { injectJson, startApiStack } from "./fixture.js";

const dir = mkdtempSync(join(tmpdir(), "leash-approval-loop-"));

describe("api: approved sessions from the owner's signature to their life on chain", function () {
  this.timeout(180_000);
  let stack: Stack;
  let owner: LocalAccount;
  let account: Address;
  let synced: () => Promise<void>;
  const direct = { direct: true } as const;

  before(async function () {
    ({ stack, owner, account, synced } = await startApiStack({ dir, schema: "leash_approval_loop_test" }));
  });

  after(async function () {
    await stack?.stop();
  });

  const call = (method: "GET" | "POST", path: string, body?: unknown) => injectJson(stack.api.app, method, path, body);

  /** A request created for a new session key and approved by `signer`; its session key with it. */
  async function approved(extra: Partial<Parameters<typeof twapRequest>[0]> = {}, signer = owner) {
    const sessionKey = createSessionKey();
    const created = await call("POST", "/v1/session-requests", twapRequest({ account, sessionKey: sessionKey.address, demo: stack.demo, chainId: 31337, ...extra }));
    expect(created.status, JSON.stringify(created.body)).to.equal(201);
    const signature = await signRequest(signer, created.body.toSign.typedData);
    const answer = await call("POST", `/v1/session-requests/${created.body.id}/approval`, { signature });
    expect(answer.status, JSON.stringify(answer.body)).to.equal(200);
    const session: ApprovedSession = { approval: approvalOfRequest(stack.leash, answer.body), sessionKey };
    return { request: answer.body, session, path: `/v1/accounts/${extra.account ?? account}/sessions/${answer.body.toSign.permissionId}` };
  }

  const swap = async (session: ApprovedSession, amount: string) => {
    const outcome = await trade(stack.leash, session, stack.demo, amount, direct);
    if (!outcome.ok) expect.fail(outcome.refusal.message);
  };

  it("approved: shown at once as approved, linked to its request, limits whole; then active under the same id, one history", async function () {
    const { request, session, path } = await approved();
    const shown = await call("GET", path);
    expect(shown.status, JSON.stringify(shown.body)).to.equal(200);
    expect(sessionSchema.parse(shown.body)).to.deep.equal(shown.body);
    const s = shown.body;
    expect([s.status, s.registration, s.approved, s.sessionKey]).to.deep.equal(["approved", null, null, session.sessionKey.address]);
    expect(s.request).to.deep.include({ id: request.id, approvalUrl: `/approve/${request.id}`, signer: owner.address, failure: null });
    expect(s.display.status).to.equal("Approved, waiting for its first operation");
    expect(s.display.timeLeft).to.match(/^(23h \d+m|1d) remaining$/);
    expect(s.tokens[0].remaining.total.display).to.equal("$1,000.00");
    expect([s.calls.remainingInWindow, s.calls.perWindow, s.executions.count]).to.deep.equal([10, 10, 0]);

    const listed = await call("GET", `/v1/accounts/${account}/sessions`);
    expect(sessionPageSchema.parse(listed.body)).to.deep.equal(listed.body);
    expect(listed.body.items[0]).to.deep.equal({ ...s, asOf: listed.body.asOf });
    const onlyApproved = await call("GET", `/v1/accounts/${account}/sessions?status=approved`);
    expect(onlyApproved.body.items.map((i: { permissionId: string }) => i.permissionId)).to.include(s.permissionId);
    expect(onlyApproved.body.items.every((i: { status: string }) => i.status === "approved")).to.equal(true);

    const before = await call("GET", `${path}/history`);
    expect(historyPageSchema.parse(before.body)).to.deep.equal(before.body);
    expect(before.body.items.map((e: { type: string }) => e.type)).to.deep.equal(["requested", "approved"]);
    expect(before.body.items.every((e: { requestId: string; transactionHash: null }) => e.requestId === request.id && e.transactionHash === null)).to.equal(true);
    expect(before.body.items[1].text).to.equal(`Approved by the owner (${owner.address.slice(0, 6)}…${owner.address.slice(-4)})`);

    // The first operation registers it: the same permission id, active, the same request behind it.
    await swap(session, "25");
    await synced();
    const active = (await call("GET", path)).body;
    expect([active.status, active.registration, active.request.id]).to.deep.equal(["active", 1, request.id]);
    expect(active.approved.transactionHash).to.match(/^0x[0-9a-f]{64}$/);
    expect(active.tokens[0].remaining.total.display).to.equal("$975.00");
    const history = (await call("GET", `${path}/history`)).body.items;
    expect(history.map((e: { type: string }) => e.type)).to.deep.equal(["requested", "approved", "registration", "execution"]);
    // Paged one entry at a time, the history is the same.
    const paged: unknown[] = [];
    let cursor: string | null = null;
    do {
      const page: { body: any } = await call("GET", `${path}/history?limit=1${cursor ? `&cursor=${cursor}` : ""}`);
      paged.push(...page.body.items);
      cursor = page.body.nextCursor;
    } while (cursor);
    expect(paged).to.deep.equal(history);
    expect((await call("GET", `/v1/session-requests/${request.id}`)).body).to.deep.include({ status: "active", sessionStatus: "active" });
    const activity = (await call("GET", `/v1/accounts/${account}/activity?limit=100`)).body.items.filter((e: { permissionId: string }) => e.permissionId === s.permissionId);
    expect(activity).to.deep.equal(history);
  });

  it("two concurrent sessions (TWAP and stop-loss) on one account: both approved at once, each enabled by its own first operation", async function () {
    const twap = await approved();
    // The stop-loss is requested while the TWAP waits for its first operation: the duplicate is named.
    const stopLoss = await approved({ maxPerTransaction: "500", maxTotal: "500", maxCalls: 2, rateLimit: { count: 1, period: 3600 } });
    const duplicates = stopLoss.request.warnings.filter((w: { code: string }) => w.code === "duplicate_session").map((w: { message: string }) => w.message);
    expect(duplicates.join("\n")).to.include(`an approved session not used yet (${twap.request.toSign.permissionId})`);
    // Both signed at the account's current validation nonce: enabling one leaves the other valid.
    expect(stopLoss.request.toSign.typedData.message.nonce).to.equal(twap.request.toSign.typedData.message.nonce);
    const listed = (await call("GET", `/v1/accounts/${account}/sessions?status=approved`)).body.items.map((i: { permissionId: string }) => i.permissionId);
    expect(listed).to.include.members([twap.request.toSign.permissionId, stopLoss.request.toSign.permissionId]);

    await swap(twap.session, "40");
    await swap(stopLoss.session, "400");
    await swap(twap.session, "10");
    await synced();
    const [a, b] = await Promise.all([call("GET", twap.path), call("GET", stopLoss.path)]);
    expect([a.body.status, b.body.status]).to.deep.equal(["active", "active"]);
    expect([a.body.tokens[0].spent.total.display, b.body.tokens[0].spent.total.display]).to.deep.equal(["$50.00", "$400.00"]);
    expect([a.body.calls.remainingInWindow, b.body.calls.remaining]).to.deep.equal([8, 1]);
    // The stop-loss's own limits still hold: a second sale within the hour is refused.
    const again = await trade(stack.leash, stopLoss.session, stack.demo, "50", direct);
    expect(again.ok).to.equal(false);
  });

  it("a first operation that fails: the session stays approved with the reason, and the retry makes it active", async function () {
    const { request, session, path } = await approved();
    const failed = await trade(stack.leash, session, stack.demo, "60", direct);
    if (failed.ok) expect.fail("a trade above the per-transaction cap went through");
    const reason = failed.refusal.message;
    const reported = await call("POST", `/v1/session-requests/${request.id}/failure`, { reason });
    expect(reported.status, JSON.stringify(reported.body)).to.equal(200);
    expect(sessionRequestSchema.parse(reported.body)).to.deep.equal(reported.body);
    expect([reported.body.status, reported.body.failure.reason, reported.body.failure.count]).to.deep.equal(["approved", reason, 1]);
    const shown = (await call("GET", path)).body;
    expect(shown.status).to.equal("approved");
    expect(shown.request.failure).to.deep.include({ reason, count: 1 });
    expect(shown.display.status).to.equal(`Approved; its first operation failed (${reason}) and can be tried again`);
    const history = (await call("GET", `${path}/history`)).body.items;
    expect(history.map((e: { type: string }) => e.type)).to.deep.equal(["requested", "approved", "first_operation_failed"]);
    expect(history[2].text).to.equal(`Its first operation failed: ${reason}`);

    const empty = await call("POST", `/v1/session-requests/${request.id}/failure`, { reason: "  " });
    expect([empty.status, empty.body.error.issues[0].field]).to.deep.equal([422, "body.reason"]);
    const waiting = (await call("POST", "/v1/session-requests", twapRequest({ account, sessionKey: createSessionKey().address, demo: stack.demo, chainId: 31337 }))).body;
    const notApproved = await call("POST", `/v1/session-requests/${waiting.id}/failure`, { reason: "AA21 didn't pay prefund" });
    expect([notApproved.status, notApproved.body.error.code]).to.deep.equal([409, "request_already_decided"]);
    expect(notApproved.body.error.message).to.match(/it is awaiting approval, not approved/);

    await swap(session, "20");
    await synced();
    const active = (await call("GET", `/v1/session-requests/${request.id}`)).body;
    expect(active.status).to.equal("active");
    const late = await call("POST", `/v1/session-requests/${request.id}/failure`, { reason: "too late" });
    expect(late.status).to.equal(409);
    expect(late.body.error.message).to.match(/on chain already/);
    expect((await call("GET", `${path}/history`)).body.items.map((e: { type: string }) => e.type)).to.deep.equal([
      "requested",
      "approved",
      "first_operation_failed",
      "registration",
      "execution",
    ]);
  });

  it("revoked before its first operation: the owner invalidates the account's unused approvals, all of them, as the warning says", async function () {
    // An account of its own: invalidating its nonce must not touch the other tests' approvals.
    const second = await fundedAccount({ leash: stack.leash, demo: stack.demo, owner, index: 1n, usdc: "500" });
    const first = await approved({ account: second });
    const other = await approved({ account: second });
    const prepared = await call("POST", `${first.path}/revocation`);
    expect(prepared.status, JSON.stringify(prepared.body)).to.equal(200);
    expect(revocationSchema.parse(prepared.body)).to.deep.equal(prepared.body);
    expect([prepared.body.method, prepared.body.registration, prepared.body.status]).to.deep.equal(["invalidate-nonce", null, "approved"]);
    expect(prepared.body.warning).to.match(/cancels the account's other approvals that have not been used yet/);
    // The owner's wallet sends it: an operation of the owner's account calling itself.
    const ownerAccount = await createOwnerAccount({ client: stack.leash.client, bed: kernelAddresses(stack.leash.deployments), owner, index: 1n });
    await sendUserOperationDirect({ submitter: stack.leash.client, account: ownerAccount, calls: [{ to: prepared.body.call.to, data: prepared.body.call.data }] });
    await synced();
    for (const { request, path } of [first, other]) {
      const shown = (await call("GET", path)).body;
      expect([shown.status, shown.display.status], path).to.deep.equal(["revoked", "Revoked before its first operation"]);
      expect((await call("GET", `/v1/session-requests/${request.id}`)).body.status).to.equal("revoked");
    }
    const refused = await trade(stack.leash, first.session, stack.demo, "5", direct);
    expect(refused.ok).to.equal(false);
    const again = await call("POST", `${first.path}/revocation`);
    expect([again.status, again.body.error.code]).to.deep.equal([409, "session_already_revoked"]);
  });

  it("lists approved and on-chain sessions page by page, approved first, as the whole list does", async function () {
    await approved();
    await approved();
    const all = (await call("GET", `/v1/accounts/${account}/sessions?limit=100`)).body.items as { permissionId: string; status: string }[];
    const firstOnChain = all.findIndex((i) => i.status !== "approved");
    expect(firstOnChain).to.be.greaterThan(0);
    expect(all.slice(firstOnChain).every((i) => i.status !== "approved")).to.equal(true);
    const paged: { permissionId: string; status: string }[] = [];
    let cursor: string | null = null;
    do {
      const page: { body: any } = await call("GET", `/v1/accounts/${account}/sessions?limit=2${cursor ? `&cursor=${cursor}` : ""}`);
      paged.push(...page.body.items);
      cursor = page.body.nextCursor;
    } while (cursor);
    const ids = (items: { permissionId: string; status: string }[]) => items.map((i) => `${i.permissionId}:${i.status}`);
    expect(ids(paged)).to.deep.equal(ids(all));
  });

  it("a balance too low for the limits is warned before signing", async function () {
    const body = twapRequest({ account, sessionKey: createSessionKey().address, demo: stack.demo, chainId: 31337, maxTotal: "5000", maxPerTransaction: "3000" });
    const created = await call("POST", "/v1/session-requests", body);
    expect(created.status).to.equal(201);
    const low = created.body.warnings.find((w: { code: string }) => w.code === "balance_too_low");
    expect(low?.message).to.match(/^the account holds \$[\d,]+\.\d\d, less than/);
  });

  it("an approval left unused past its validity expires by itself; there is then nothing to revoke", async function () {
    const { request, path } = await approved({ duration: 120 });
    await stack.leash.client.request({ method: "evm_increaseTime" as never, params: [300] as never });
    await stack.leash.client.request({ method: "evm_mine" as never, params: [] as never });
    await synced();
    const shown = (await call("GET", path)).body;
    expect([shown.status, shown.display.status, shown.secondsLeft]).to.deep.equal(["expired", "Expired before its first operation", 0]);
    expect((await call("GET", `/v1/session-requests/${request.id}`)).body).to.deep.include({ status: "approved", sessionStatus: "expired" });
    const expired = (await call("GET", `/v1/accounts/${account}/sessions?status=expired`)).body.items.map((i: { permissionId: string }) => i.permissionId);
    expect(expired).to.include(request.toSign.permissionId);
    const revoke = await call("POST", `${path}/revocation`);
    expect([revoke.status, revoke.body.error.code]).to.deep.equal([409, "session_already_revoked"]);
    expect(revoke.body.error.message).to.match(/expired before its first operation/);
  });
});
