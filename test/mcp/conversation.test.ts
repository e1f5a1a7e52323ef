// The whole chat conversation Leash exists for, played with an MCP client against the real stack,
// with the owner's steps in Chromium through an injected wallet (testkit/wallet.ts: the node's real
// signatures and transactions): "set up a TWAP to buy $1000 of ETH over 24 hours" → request_session
// → the approval page signed → approved (before any operation: on the dashboard and in the list) →
// the backend's first operation with the key it holds → active → "show my automations" →
// "stop it" → revoke_session's link → revoked with the owner's wallet → the chat says so.
import { expect } from "chai";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Browser, Page } from "playwright-core";
import type { Address, LocalAccount } from "viem";
import { privateKeyToAccount } from "viem/accounts";
import { createSessionKey } from "../../sdk/session.js";
import { approvalOfRequest } from "../../testkit/requests.js";
import { trade, twapRequest } from "../../testkit/scenario.js";
import type { Stack } from "../../testkit/stack.js";
import { devKey } from "../../testkit/testbed/client.js";
import { TestWallet } from "../../testkit/wallet.js";
import { launchChromium, pageProblems, startApiStack } from "../api/fixture.js";
import { type Mcp, call, startMcp } from "./fixture.js";

const dir = mkdtempSync(join(tmpdir(), "leash-conversation-"));
/** The owner: a development account the node holds unlocked, so its wallet's signatures are real. */
const OWNER = privateKeyToAccount(devKey(7));

describe("a chat conversation: set up a TWAP, approve it, watch it, stop it", function () {
  this.timeout(240_000);
  let stack: Stack;
  let owner: LocalAccount;
  let account: Address;
  let synced: () => Promise<void>;
  let mcp: Mcp;
  let browser: Browser | undefined;
  let page: Page;
  let wallet: TestWallet;
  let problems: string[] = [];

  before(async function () {
    ({ stack, owner, account, synced } = await startApiStack({ dir, schema: "leash_conversation_test", owner: OWNER }));
    mcp = await startMcp(stack.apiUrl);
    browser = await launchChromium(this, "CONVERSATION");
    const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
    wallet = new TestWallet({ leash: stack.leash, owner });
    await wallet.install(context);
    page = await context.newPage();
    problems = pageProblems(page);
  });

  after(async function () {
    await browser?.close();
    await mcp?.client.close();
    await stack?.stop();
  });

  const card = (permissionId: string) => page.locator(`article.card[data-permission-id="${permissionId}"]`);

  it("from the request to its revocation, every step said in the chat and done by the owner's wallet", async function () {
    // "Set up a TWAP to buy $1000 of ETH over 24 hours": the backend makes a session key (kept to
    // itself) and asks for it.
    const sessionKey = createSessionKey();
    const asked = await call(mcp, "request_session", twapRequest({ account, sessionKey: sessionKey.address, demo: stack.demo, chainId: 31337, maxTotal: "1000", duration: 86_400 }));
    expect(asked.isError, asked.text).to.equal(false);
    expect(asked.text).to.match(/^To run this automation I need your approval for a session key\. .*\$1,000\.00 in total/);
    const link = asked.text.match(/with their wallet: (http:\/\/\S+\/approve\/[0-9a-f-]{36})\n/)?.[1];
    expect(link, asked.text).to.equal(`${stack.apiUrl}/approve/${asked.data.id}`);
    const permissionId: string = asked.data.toSign.permissionId;

    // The owner opens the link, reads what it can and cannot do, connects and signs.
    wallet.reset([owner.address]);
    await page.goto(link!);
    await page.locator("#decision").waitFor();
    expect(await page.locator("body").textContent()).to.include(asked.data.summary.can[0]);
    await page.getByRole("button", { name: "Connect wallet" }).click();
    await page.locator(".wallet-account").waitFor();
    await page.getByRole("button", { name: "Approve" }).click();
    await page.locator(".waiting").waitFor();
    expect(wallet.count("eth_signTypedData_v4")).to.equal(1);

    // The chat sees it approved, before any operation: in the request, the automations and the dashboard.
    const approved = await call(mcp, "get_session_request", { id: asked.data.id });
    expect(approved.data.status).to.equal("approved");
    expect(approved.text).to.match(/: Approved, waiting for its first operation\./);
    const before = await call(mcp, "list_sessions", { account });
    expect(before.text).to.include(`- ${permissionId}: Approved, waiting for its first operation, `);
    await page.goto(`${stack.apiUrl}/dashboard?account=${account}`);
    await card(permissionId).waitFor();
    expect(await card(permissionId).getAttribute("data-status")).to.equal("approved");
    expect(await card(permissionId).locator(".badge").textContent()).to.equal("Approved, waiting for its first operation");
    expect(await card(permissionId).locator(".facts").textContent()).to.include("not yet: waiting for its first operation");

    // The backend's first operation, with the approval the API stored and the key it kept.
    const traded = await trade(stack.leash, { approval: approvalOfRequest(stack.leash, approved.data), sessionKey }, stack.demo, "41.67", { direct: true });
    if (!traded.ok) expect.fail(traded.refusal.message);
    await synced();
    const active = await call(mcp, "get_session_request", { id: asked.data.id });
    expect(active.data.status).to.equal("active");
    await page.goto(link!);
    await page.locator("#step-active.step-done").waitFor({ timeout: 20_000 });

    // "Show my automations."
    const shown = await call(mcp, "list_sessions", { account });
    expect(shown.text).to.match(new RegExp(`- ${permissionId}: Active, (23h \\d+m|1d) remaining .*\\$41\\.67 of \\$1,000\\.00 spent`));
    const history = await call(mcp, "get_session_history", { account, permissionId });
    expect(history.data.items.map((e: { type: string }) => e.type)).to.deep.equal(["requested", "approved", "registration", "execution"]);

    // "Stop it": the chat gives the owner the link, and the owner's wallet revokes it.
    const stop = await call(mcp, "revoke_session", { account, permissionId });
    expect(stop.isError, stop.text).to.equal(false);
    const revokeLink = stop.text.match(/with their wallet \(nothing has been signed or sent yet\): (\S+)\n/)?.[1];
    expect(revokeLink).to.equal(`${stack.apiUrl}/dashboard?account=${account}&revoke=${permissionId}&chain=31337`);
    wallet.reset([account]);
    await page.goto(revokeLink!);
    // The link opens the confirmation for that session.
    await page.locator("#revoke-dialog[open]").waitFor();
    expect(await page.locator("#revoke-id").textContent()).to.equal(permissionId);
    await page.locator("#revoke-confirm").click();
    await card(permissionId).getByRole("button", { name: "Send with my wallet" }).click();
    await card(permissionId).locator(".revocation .done").waitFor({ timeout: 30_000 });
    expect(wallet.asked).to.deep.equal(["eth_requestAccounts", "eth_chainId", "eth_sendTransaction"]);

    const after = await call(mcp, "get_session", { account, permissionId });
    expect(after.data.status).to.equal("revoked");
    expect(after.text).to.match(/^Status: Revoked on \d{4}-\d\d-\d\d \d\d:\d\d UTC\.$/m);
    // The trade the automation would make next is refused by the chain.
    const refused = await trade(stack.leash, { approval: approvalOfRequest(stack.leash, approved.data), sessionKey }, stack.demo, "10", { direct: true });
    expect(refused.ok).to.equal(false);
    expect(problems).to.deep.equal([]);
  });
});
