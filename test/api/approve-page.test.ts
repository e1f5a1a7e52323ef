// The approval page (/approve/:id) and the dashboard's revocation sent through the owner's wallet,
// in Chromium (playwright-core), against the real stack. The wallet is an EIP-1193 provider injected
// into the page whose requests are answered in Node: the account's owner is one of the node's
// unlocked development accounts, so eth_signTypedData_v4 is the node's real signature, and
// eth_sendTransaction from the smart account is what a smart-account wallet does, the owner's
// UserOperation of the Kernel account carrying the call. The wallet can be told to refuse (4001) or
// to be on another chain.
import { expect } from "chai";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import type { Browser, BrowserContext, Page } from "playwright-core";
import { type Address, type LocalAccount, getAddress } from "viem";
import { privateKeyToAccount } from "viem/accounts";
import { readSettings } from "../../api/config.js";
import { type LeashApi, buildServer } from "../../api/server.js";
import { formatTime } from "../../sdk/format.js";
import { createSessionKey } from "../../sdk/session.js";
import { approveTwap, trade, twapRequest } from "../../testkit/scenario.js";
import type { Stack } from "../../testkit/stack.js";
import { devKey } from "../../testkit/testbed/client.js";
import { approvalOfRequest } from "../../testkit/requests.js";
import { TestWallet } from "../../testkit/wallet.js";
import { launchChromium, pageProblems, startApiStack } from "./fixture.js";

const dir = mkdtempSync(join(tmpdir(), "leash-approve-page-"));
const root = join(dirname(fileURLToPath(import.meta.url)), "..", "..");
/** The account's owner and a stranger: development accounts the node holds unlocked. */
const OWNER = privateKeyToAccount(devKey(5));
const STRANGER = privateKeyToAccount(devKey(6));

async function until(condition: () => boolean, timeoutMs = 10_000) {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error("timed out waiting");
    await new Promise((r) => setTimeout(r, 20));
  }
}

describe("api: the approval page and the revocation sent with the owner's wallet, in Chromium", function () {
  this.timeout(240_000);
  let stack: Stack;
  let owner: LocalAccount;
  let account: Address;
  let synced: () => Promise<void>;
  let chainId: number;
  let browser: Browser | undefined;
  let context: BrowserContext;
  let page: Page;
  let problems: string[] = [];
  const extra: LeashApi[] = [];

  /** The wallet the page talks to (testkit/wallet.ts). */
  let wallet: TestWallet;

  async function call(method: "GET" | "POST", path: string, body?: unknown) {
    const response = await fetch(`${stack.apiUrl}${path}`, {
      method,
      headers: body === undefined ? {} : { "content-type": "application/json" },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    return { status: response.status, body: (await response.json()) as any };
  }

  /** A stored TWAP request for a new session key: the API's answer and the key. */
  async function requested(extra: Partial<Parameters<typeof twapRequest>[0]> = {}, change: (body: any) => void = () => {}) {
    const sessionKey = createSessionKey();
    const body: any = twapRequest({ account, sessionKey: sessionKey.address, demo: stack.demo, chainId, ...extra });
    change(body);
    const { status, body: request } = await call("POST", "/v1/session-requests", body);
    expect(status, JSON.stringify(request)).to.equal(201);
    return { request, sessionKey };
  }

  const status = async (id: string) => (await call("GET", `/v1/session-requests/${id}`)).body.status as string;
  const kept = (id: string) => page.evaluate((key) => (globalThis as any).sessionStorage.getItem(key) as string | null, `leash:approval:${id}`);
  const attempt = () => page.locator("#decision .attempt");
  const stepClass = (name: string) => page.locator(`#step-${name}`).getAttribute("class");

  async function open(request: { approvalUrl: string }, base = stack.apiUrl) {
    await page.goto(`${base}${request.approvalUrl}`);
    await page.locator("#decision").waitFor();
  }

  async function connect() {
    await page.getByRole("button", { name: "Connect wallet" }).click();
    await page.locator(".wallet-account").waitFor();
  }

  before(async function () {
    ({ stack, owner, account, synced } = await startApiStack({ dir, schema: "leash_approve_page_test", owner: OWNER }));
    chainId = stack.leash.deployments.chainId;
    // The node holds the owner's key: what it signs is the owner's real signature.
    const unlocked = (await stack.leash.client.request({ method: "eth_accounts" } as never)) as Address[];
    expect(unlocked.map((a) => getAddress(a))).to.include.members([OWNER.address, STRANGER.address]);
    browser = await launchChromium(this, "APPROVAL PAGE");
    context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
    wallet = new TestWallet({ leash: stack.leash, owner });
    await wallet.install(context);
    page = await context.newPage();
    problems = pageProblems(page);
  });

  beforeEach(function () {
    wallet.reset([owner.address]);
  });

  after(async function () {
    await browser?.close();
    for (const api of extra) await api.app.close();
    await stack?.stop();
  });

  /*//////////////////////////////////////////////////////////////
                             THE PAGE
  //////////////////////////////////////////////////////////////*/

  it("shows the request: the steps, CAN and CANNOT, how many transactions for how long, its limits, expiry and warnings", async function () {
    // 5,000 USDC in total from an account holding 2,000: warned twice.
    const { request } = await requested({ maxTotal: "5000", maxCalls: 5 });
    expect(request.warnings.length).to.be.at.least(2);
    await open(request);
    expect(await page.title()).to.equal("Leash · approve a session key");
    expect([await stepClass("generate"), await stepClass("approve"), await stepClass("active")]).to.deep.equal(["step step-done", "step step-current", "step step-todo"]);
    expect(await page.locator("#step-approve").getAttribute("aria-current")).to.equal("step");
    expect(await page.locator("#steps").innerText()).to.match(/Generate[\s\S]*Approve[\s\S]*Active/);

    const card = page.locator(".approval-card");
    expect(await card.locator("img.shield").getAttribute("src")).to.equal("/dashboard/shield.svg");
    expect(await card.locator(".authorizes").textContent()).to.equal("This authorizes up to 5 transactions for 24 hours without asking you again.");
    expect(await card.locator(".scope-can li").allTextContents()).to.deep.equal(request.summary.can);
    expect(await card.locator(".scope-cannot li").allTextContents()).to.deep.equal(request.summary.cannot);
    // The limits as the API writes them.
    expect(request.summary.can).to.include("spend USDC: at most $50.00 per transaction and $5,000.00 in total");
    expect(await card.locator(".fact-ends").textContent()).to.equal(`${formatTime(request.session.expiresAt.unix)}, 24 hours after it starts`);
    expect(await card.locator(".fact-ends time").getAttribute("datetime")).to.equal(request.session.expiresAt.iso);
    expect(await card.locator(".fact-gas").textContent()).to.equal(`at most ${request.session.gas.perOperation.display} per operation, 0.05 ETH in total`);
    expect(await card.locator(".fact-request").textContent()).to.equal(`waits for you until ${formatTime(request.expiresAt.unix)}`);
    expect(await card.locator(".warnings li").allTextContents()).to.deep.equal(request.warnings.map((w: { message: string }) => w.message));
    expect(await card.locator(".warnings").getAttribute("role")).to.equal("note");
    expect(await page.locator("#summary").textContent()).to.equal(request.display.status);
    expect(await page.locator("#dashboard-link").getAttribute("href")).to.equal(`/dashboard?account=${account}`);
    expect(await page.locator("main").textContent()).not.to.match(/null|undefined|NaN|\[object/);
    // Nothing was asked of the wallet by showing the page.
    expect(wallet.asked).to.deep.equal([]);

    if (process.env.LEASH_SCREENSHOT === "1") {
      const path = join(root, "docs", "approve.png");
      await page.screenshot({ path, fullPage: true });
      console.log(`    screenshot written to ${path}`);
    }
  });

  it("says how many transactions the rate limit allows over the session's life, and says so honestly when nothing limits them", async function () {
    const { request: rated } = await requested();
    await open(rated);
    expect(await page.locator(".authorizes").textContent()).to.equal("This authorizes up to 250 transactions for 24 hours without asking you again.");
    const { request: unlimited } = await requested({ duration: 7200 }, (body) => delete body.permissions.rateLimit);
    await open(unlimited);
    expect(await page.locator(".authorizes").textContent()).to.equal(
      "This authorizes any number of transactions for 2 hours without asking you again: no call limit or rate limit bounds how often the key acts.",
    );
    expect(await page.locator(".warnings li[data-code=no_call_limit]").count()).to.equal(1);
  });

  it("a malformed, missing or unknown id is said in words", async function () {
    await page.goto(`${stack.apiUrl}/approve/not-a-request`);
    await page.locator("#problem .failure").waitFor();
    expect(await page.locator("#problem").textContent()).to.include('"not-a-request" is not a session request id');
    expect(await page.locator("#request").isHidden()).to.equal(true);
    await page.goto(`${stack.apiUrl}/approve`);
    await page.locator("#problem .failure").waitFor();
    expect(await page.locator("#problem").textContent()).to.include("This link names no session request");
    await page.goto(`${stack.apiUrl}/approve/00000000-0000-4000-8000-000000000000`);
    await page.locator("#problem .failure").waitFor();
    expect(await page.locator("#problem").textContent()).to.include("There is no session request 00000000-0000-4000-8000-000000000000");
    expect(await page.locator("#steps").isHidden()).to.equal(true);
  });

  /*//////////////////////////////////////////////////////////////
                             APPROVING
  //////////////////////////////////////////////////////////////*/

  it("connect, sign, approve: approved, waiting with a spinner; the key's first operation makes it active", async function () {
    const { request, sessionKey } = await requested();
    await open(request);
    expect(await page.locator("#decision").getByRole("button", { name: "Approve" }).count()).to.equal(0);
    await connect();
    expect(await page.locator(".wallet-account").textContent()).to.equal(owner.address);
    await page.getByRole("button", { name: "Approve" }).click();
    await page.locator(".waiting").waitFor();
    expect(await page.locator(".waiting").textContent()).to.equal("Approved, waiting for its first operation");
    expect(await page.locator(".waiting .spinner").getAttribute("aria-hidden")).to.equal("true");
    expect([await stepClass("approve"), await stepClass("active")]).to.deep.equal(["step step-done", "step step-current"]);
    expect(wallet.asked).to.deep.equal(["eth_requestAccounts", "eth_chainId", "eth_signTypedData_v4"]);

    const approved = (await call("GET", `/v1/session-requests/${request.id}`)).body;
    expect(approved.status).to.equal("approved");
    expect(approved.approval.signer).to.equal(owner.address);
    expect(await kept(request.id), "nothing kept once the API has it").to.equal(null);

    // The session key's first operation, with the stored approval: the page sees it active.
    const traded = await trade(stack.leash, { approval: approvalOfRequest(stack.leash, approved), sessionKey }, stack.demo, "25", { direct: true });
    if (!traded.ok) expect.fail(traded.refusal.message);
    await synced();
    await page.locator("#step-active.step-done").waitFor({ timeout: 20_000 });
    expect(await page.locator("#decision .done").textContent()).to.match(/^Approved and active on chain: /);
    expect(await page.locator("#decision a").getAttribute("href")).to.equal(`/dashboard?account=${account}`);
    expect(await page.locator("#steps [aria-current]").count()).to.equal(0);
    expect(await status(request.id)).to.equal("active");
  });

  it("the wallet refuses (4001): 'You declined; nothing was granted', nothing stored; trying again approves", async function () {
    const { request } = await requested();
    await open(request);
    wallet.refuse.add("eth_requestAccounts");
    await page.getByRole("button", { name: "Connect wallet" }).click();
    await attempt().locator(".failure").waitFor();
    expect(await attempt().locator(".failure p").textContent()).to.equal("You declined; nothing was granted.");
    wallet.refuse.clear();
    await attempt().getByRole("button", { name: "Try again" }).click();
    await page.locator(".wallet-account").waitFor();

    wallet.refuse.add("eth_signTypedData_v4");
    await page.getByRole("button", { name: "Approve" }).click();
    await attempt().locator(".failure").waitFor();
    expect(await attempt().locator(".failure").getAttribute("role")).to.equal("alert");
    expect(await attempt().locator(".failure p").textContent()).to.equal("You declined; nothing was granted.");
    expect(await status(request.id)).to.equal("awaiting_approval");
    expect(await kept(request.id)).to.equal(null);

    wallet.refuse.clear();
    await attempt().getByRole("button", { name: "Try again" }).click();
    await page.locator(".waiting").waitFor();
    expect(await status(request.id)).to.equal("approved");
  });

  it("no wallet in the browser: said, with a retry", async function () {
    const bare = await browser!.newContext();
    try {
      const { request } = await requested();
      const plain = await bare.newPage();
      await plain.goto(`${stack.apiUrl}${request.approvalUrl}`);
      await plain.getByRole("button", { name: "Connect wallet" }).click();
      const message = plain.locator("#decision .failure");
      await message.waitFor();
      expect(await message.locator("p").textContent()).to.match(/^No wallet was found in this browser\./);
      expect(await message.getByRole("button", { name: "Try again" }).count()).to.equal(1);
    } finally {
      await bare.close();
    }
  });

  it("the wallet on another chain: which it is on and which is needed; after switching, the approval goes through", async function () {
    const { request } = await requested();
    wallet.chainId = 1;
    await open(request);
    await connect();
    await page.getByRole("button", { name: "Approve" }).click();
    await attempt().locator(".failure").waitFor();
    expect(await attempt().locator(".failure p").textContent()).to.equal(
      "Your wallet is on Ethereum (chain 1), but this is for the local development chain (chain 31337). Switch your wallet to the local development chain (chain 31337), then try again.",
    );
    expect(wallet.count("eth_signTypedData_v4"), "nothing signed on the wrong chain").to.equal(0);
    await attempt().getByRole("button", { name: "Switch to the local development chain (chain 31337)" }).click();
    await page.locator(".waiting").waitFor();
    expect(wallet.chainId).to.equal(chainId);
    expect(wallet.count("wallet_switchEthereumChain")).to.equal(1);
    expect(await status(request.id)).to.equal("approved");
  });

  it("the API unreachable when the approval is posted: the signature is kept and sent again, on retry and on reload, never signed twice", async function () {
    const { request } = await requested();
    const posted: string[] = [];
    let failures = 2;
    await page.route(`**/v1/session-requests/${request.id}/approval`, async (route) => {
      posted.push(route.request().postDataJSON().signature);
      if (failures-- > 0) await route.abort("connectionrefused");
      else await route.continue();
    });
    try {
      await open(request);
      await connect();
      await page.getByRole("button", { name: "Approve" }).click();
      await attempt().locator(".failure").waitFor();
      expect(await attempt().locator(".failure p").textContent()).to.match(/^Your approval is signed but did not reach Leash \(the API cannot be reached\)\. It is kept in this tab/);
      const signature = await kept(request.id);
      expect(signature).to.match(/^0x[0-9a-f]{130}$/);
      expect(await status(request.id)).to.equal("awaiting_approval");

      // Sent again: the same signature, the wallet not asked.
      await attempt().getByRole("button", { name: "Send again" }).click();
      await until(() => posted.length === 2);
      await attempt().locator(".failure").waitFor();
      expect(posted).to.deep.equal([signature, signature]);
      // A reload sends it by itself.
      await page.reload();
      await page.locator(".waiting").waitFor();
      expect(posted).to.deep.equal([signature, signature, signature]);
      expect(wallet.count("eth_signTypedData_v4")).to.equal(1);
      const approved = (await call("GET", `/v1/session-requests/${request.id}`)).body;
      expect([approved.status, approved.approval.signature]).to.deep.equal(["approved", signature]);
      expect(await kept(request.id)).to.equal(null);
    } finally {
      await page.unroute(`**/v1/session-requests/${request.id}/approval`);
    }
  });

  it("a signature that is not the owner's (422): the API's reason, the account named; nothing kept", async function () {
    const { request } = await requested();
    wallet.reset([STRANGER.address]);
    await open(request);
    await connect();
    await page.getByRole("button", { name: "Approve" }).click();
    await attempt().locator(".failure").waitFor();
    const text = await attempt().locator(".failure p").textContent();
    expect(text).to.match(/^Leash refused the signature: the signature is not the account owner's for this request/);
    expect(text).to.include(`The wallet account ${STRANGER.address} may not be the owner of ${account}: connect the owner's wallet, then approve again.`);
    expect(await attempt().getByRole("button", { name: "Approve again" }).count()).to.equal(1);
    expect(await kept(request.id)).to.equal(null);
    expect(await status(request.id)).to.equal("awaiting_approval");
  });

  it("already decided elsewhere: the page shows where it stands and asks for no signature", async function () {
    const { request } = await requested();
    await open(request);
    await connect();
    await call("POST", `/v1/session-requests/${request.id}/decline`, { reason: "from the chat" });
    await page.getByRole("button", { name: "Approve" }).click();
    await page.locator("#decision .done").waitFor();
    expect(await page.locator("#decision .done").textContent()).to.match(/^This request was declined on \d{4}-\d\d-\d\d \d\d:\d\d UTC\. Nothing was granted\.$/);
    expect(await page.locator("#decision").textContent()).to.include("Reason: from the chat");
    expect(await stepClass("approve")).to.equal("step step-stopped");
    expect(wallet.count("eth_signTypedData_v4")).to.equal(0);

    // Approved already (by the owner's wallet elsewhere): waiting for its first operation.
    const { request: other } = await requested();
    const typed = other.toSign.typedData;
    const signature = await owner.signTypedData({ ...typed, message: { ...typed.message, nonce: Number(typed.message.nonce) } });
    expect((await call("POST", `/v1/session-requests/${other.id}/approval`, { signature })).status).to.equal(200);
    await open(other);
    expect(await page.locator(".waiting").textContent()).to.equal("Approved, waiting for its first operation");
    expect(await page.getByRole("button", { name: "Approve" }).count()).to.equal(0);
  });

  it("decline: the reason is stored, and the page shows what to do by hand instead", async function () {
    const { request } = await requested();
    await open(request);
    await page.getByRole("button", { name: "Decline…" }).click();
    const dialog = page.locator("#decline-dialog");
    await dialog.waitFor({ state: "visible" });
    await page.getByLabel("Reason (optional)").fill("I will trade by hand");
    await dialog.getByRole("button", { name: "Decline" }).click();
    await page.locator(".manual").waitFor();
    const declined = (await call("GET", `/v1/session-requests/${request.id}`)).body;
    expect(declined.status).to.equal("declined");
    expect(declined.decline.reason).to.equal("I will trade by hand");
    const manual = page.locator(".manual li");
    expect(await manual.count()).to.equal(1);
    expect(await manual.locator("p").first().textContent()).to.match(/^Call exactInputSingle\(.*\) on 0x[0-9a-fA-F]{40} yourself when you want it done/);
    expect(await manual.locator("code").allTextContents()).to.deep.equal([request.session.functions[0].signature, request.session.functions[0].target]);
    expect(await stepClass("approve")).to.equal("step step-stopped");
    expect(wallet.asked, "declining needs no wallet").to.deep.equal([]);
  });

  it("an expired request: 'ask again in the chat', also when it expires while the page is open", async function () {
    let offset = 0;
    const settings = readSettings({ ...stack.settings, PORT: "0", LEASH_API_PGLITE_DIR: "memory://" } as unknown as NodeJS.ProcessEnv);
    const api = await buildServer({ settings, deployments: stack.leash.deployments, logger: false, clock: () => Date.now() + offset });
    extra.push(api);
    const base = await api.app.listen({ host: "127.0.0.1", port: 0 });
    const create = async () => {
      const response = await api.app.inject({ method: "POST", url: "/v1/session-requests", payload: twapRequest({ account, sessionKey: createSessionKey().address, demo: stack.demo, chainId }) });
      return response.json() as { id: string; approvalUrl: string };
    };
    const stale = await create();
    const later = await create();
    offset = 16 * 60 * 1000;
    await open(stale, base);
    expect(await page.locator("#decision .error").textContent()).to.equal("This request expired; ask again in the chat.");
    expect(await stepClass("approve")).to.equal("step step-stopped");

    // Expired while the page was open: Approve finds it so, and asks for no signature.
    offset = 0;
    await open(later, base);
    await connect();
    offset = 16 * 60 * 1000;
    await page.getByRole("button", { name: "Approve" }).click();
    await page.locator("#decision .error").waitFor();
    expect(await page.locator("#decision .error").textContent()).to.equal("This request expired; ask again in the chat.");
    expect(wallet.count("eth_signTypedData_v4")).to.equal(0);
  });

  it("fits a phone: one column, nothing wider than the screen", async function () {
    const { request } = await requested({ maxTotal: "5000" });
    await page.setViewportSize({ width: 390, height: 844 });
    try {
      await open(request);
      const [can, cannot] = await page.locator(".scope").evaluateAll((els) => els.map((e) => e.getBoundingClientRect().x));
      expect(can).to.equal(cannot);
      expect(await page.evaluate(() => (globalThis as any).document.documentElement.scrollWidth as number)).to.be.at.most(390);
      await page.setViewportSize({ width: 1280, height: 900 });
      const [wideCan, wideCannot] = await page.locator(".scope").evaluateAll((els) => els.map((e) => e.getBoundingClientRect().x));
      expect(wideCannot).to.be.greaterThan(wideCan!);
    } finally {
      await page.setViewportSize({ width: 1280, height: 900 });
    }
  });

  /*//////////////////////////////////////////////////////////////
                  THE DASHBOARD'S REVOCATION, SENT
  //////////////////////////////////////////////////////////////*/

  describe("the dashboard's revocation, sent with the wallet", function () {
    const card = (permissionId: string) => page.locator(`article.card[data-permission-id="${permissionId}"]`);

    async function prepare(permissionId: string) {
      await page.goto(`${stack.apiUrl}/dashboard?account=${account}`);
      await card(permissionId).waitFor();
      await card(permissionId).locator("button.revoke").click();
      await page.locator("#revoke-confirm").click();
      await card(permissionId).locator(".call-to").waitFor();
    }

    async function activeSession() {
      const session = await approveTwap(stack.leash, { owner, request: (sessionKey) => twapRequest({ account, sessionKey, demo: stack.demo, chainId }) });
      const traded = await trade(stack.leash, session, stack.demo, "5", { direct: true });
      if (!traded.ok) expect.fail(traded.refusal.message);
      await synced();
      return session.approval.permissionId;
    }

    it("'Send with my wallet': the wallet switched to the session's chain, eth_sendTransaction from the account, the hash shown, then the session revoked", async function () {
      const permissionId = await activeSession();
      wallet.reset([account]);
      // The wallet is on another chain: the page asks it to switch to the session's first.
      wallet.chainId = 1;
      await prepare(permissionId);
      // The prepared call stays for wallets that cannot send it.
      expect(await card(permissionId).locator(".call-data").inputValue()).to.match(/^0x[0-9a-fA-F]{8,}$/);
      await card(permissionId).getByRole("button", { name: "Send with my wallet" }).click();
      const done = card(permissionId).locator(".revocation .done");
      await done.waitFor({ timeout: 30_000 });
      const session = (await call("GET", `/v1/accounts/${account}/sessions/${permissionId}`)).body;
      expect(session.status).to.equal("revoked");
      expect(await done.textContent()).to.equal(`Revoked in transaction ${session.revoked.transactionHash}.`);
      expect(await card(permissionId).getAttribute("data-status")).to.equal("revoked");
      expect(await card(permissionId).locator(".badge").textContent()).to.equal("Revoked");
      expect(await card(permissionId).locator("button.revoke").count()).to.equal(0);
      expect(wallet.asked).to.deep.equal(["eth_requestAccounts", "eth_chainId", "wallet_switchEthereumChain", "eth_sendTransaction"]);
      expect(wallet.chainId).to.equal(chainId);
    });

    it("the wallet refuses (4001): 'You declined; nothing was revoked'; a wallet that is not the account is told so", async function () {
      const permissionId = await activeSession();
      wallet.reset([account]);
      wallet.refuse.add("eth_sendTransaction");
      await prepare(permissionId);
      await card(permissionId).getByRole("button", { name: "Send with my wallet" }).click();
      const failure = card(permissionId).locator(".send-box .failure");
      await failure.waitFor();
      expect(await failure.locator("p").textContent()).to.equal("You declined; nothing was revoked.");
      expect((await call("GET", `/v1/accounts/${account}/sessions/${permissionId}`)).body.status).to.equal("active");

      // An owner's plain wallet (its address, not the account's): nothing is sent.
      wallet.reset([owner.address]);
      await failure.getByRole("button", { name: "Try again" }).click();
      await card(permissionId).locator(".send-box .failure p", { hasText: "not as the account" }).waitFor();
      expect(await card(permissionId).locator(".send-box .failure p").textContent()).to.equal(
        `Your wallet is connected as ${owner.address}, not as the account ${account}. The revocation is a call of the account to itself: send it from a wallet that operates the smart account, or have the owner's key sign the call below.`,
      );
      expect(wallet.count("eth_sendTransaction")).to.equal(0);
      expect((await call("GET", `/v1/accounts/${account}/sessions/${permissionId}`)).body.status).to.equal("active");
    });
  });

  describe("at the end", function () {
    it("no script error, no console error, no CSP violation", function () {
      expect(problems).to.deep.equal([]);
    });
  });
});
