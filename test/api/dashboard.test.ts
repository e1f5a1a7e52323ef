// The owner's side of the API against the real stack: the revocation the API prepares (and the
// owner's wallet signs) really ends the session; then the dashboard in Chromium, driven by
// playwright-core: cards, badges, limits, spend bars, a countdown that ticks, history, the revoke
// flow and its confirmation, and the layout on a phone and on a desktop.
import { revocationSchema } from "../../api/responses.js";
import { expect } from "chai";
import { mkdirSync, mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import type { Browser, Page } from "playwright-core";
import type { Address, Hex, LocalAccount } from "viem";
import { generatePrivateKey, privateKeyToAccount } from "viem/accounts";
import { DASHBOARD_CSP } from "../../api/dashboard.js";
import { type ApprovedSession, approveTwap, trade, twapRequest } from "../../testkit/scenario.js";
import type { Stack } from "../../testkit/stack.js";
import { createOwnerAccount } from "../../sdk/accounts.js";
import { kernelAddresses, prepareRevocation } from "../../sdk/session.js";
import { sendUserOperationDirect } from "../../sdk/userops.js";
import { freePort } from "../../testkit/processes.js";
import { launchChromium, pageProblems, startApiStack } from "./fixture.js";

const dir = mkdtempSync(join(tmpdir(), "leash-dashboard-"));
const root = join(dirname(fileURLToPath(import.meta.url)), "..", "..");

describe("api: the owner's revocation and the dashboard", function () {
  this.timeout(180_000);
  let stack: Stack;
  let owner: LocalAccount;
  let account: Address;
  let synced: () => Promise<void>;
  let noExecutor: string;
  const direct = { direct: true } as const;
  /** twap: active, per-hour rate limit; capped: active, lifetime call limit; short: expired; gone: revoked by the owner. */
  const s = {} as Record<"twap" | "capped" | "short" | "gone", ApprovedSession>;
  const trades: Hex[] = [];

  async function call(method: "GET" | "POST", path: string) {
    const response = await fetch(`${stack.apiUrl}${path}`, { method });
    return { status: response.status, body: (await response.json()) as any };
  }
  const sessionPath = (session: ApprovedSession) => `/v1/accounts/${account}/sessions/${session.approval.permissionId}`;

  async function swap(session: ApprovedSession, amount: string): Promise<Hex> {
    const outcome = await trade(stack.leash, session, stack.demo, amount, direct);
    if (!outcome.ok) expect.fail(outcome.refusal.message);
    return outcome.result.transactionHash;
  }

  before(async function () {
    // No executor listens where the API looks for one.
    noExecutor = `http://127.0.0.1:${await freePort()}`;
    ({ stack, owner, account, synced } = await startApiStack({ dir, schema: "leash_dashboard_test", apiEnv: { LEASH_EXECUTOR_URL: noExecutor } }));
    const request = (extra: Partial<Parameters<typeof twapRequest>[0]>) => (sessionKey: Address) =>
      twapRequest({ account, sessionKey, demo: stack.demo, chainId: stack.leash.deployments.chainId, ...extra });
    // Sessions are listed newest first: the two that stay active come last, to lead the page.
    s.short = await approveTwap(stack.leash, { owner, request: request({ duration: 120 }) });
    await swap(s.short, "1");
    s.gone = await approveTwap(stack.leash, { owner, request: request({}) });
    await swap(s.gone, "5");
    s.twap = await approveTwap(stack.leash, { owner, request: request({}) });
    trades.push(await swap(s.twap, "41.67"), await swap(s.twap, "50"));
    s.capped = await approveTwap(stack.leash, { owner, request: request({ maxPerTransaction: "10", maxTotal: "25", maxCalls: 5 }) });
    await swap(s.capped, "10");
    await swap(s.capped, "10");
    // Past the short session's expiry: expired with no event, by the chain's clock alone.
    await stack.leash.client.request({ method: "evm_increaseTime" as never, params: [300] as never });
    await stack.leash.client.request({ method: "evm_mine" as never, params: [] as never });
    await synced();
  });

  after(async function () {
    await stack?.stop();
  });

  /*//////////////////////////////////////////////////////////////
                             REVOCATION
  //////////////////////////////////////////////////////////////*/

  it("prepares the owner's revocation; sent by the owner's account, it really ends the session", async function () {
    const { status, body } = await call("POST", `${sessionPath(s.gone)}/revocation`);
    expect(status, JSON.stringify(body)).to.equal(200);
    expect(body).to.include({ account, permissionId: s.gone.approval.permissionId, registration: 1, status: "active", method: "uninstall" });
    // The same call the SDK builds from the approval: the configuration read back from the indexer is exact.
    const sdk = await prepareRevocation(stack.leash, s.gone.approval);
    expect(body.call).to.deep.equal({ to: account, data: sdk.call.data, value: "0" });
    expect(body.warning).to.include("cannot be undone");
    expect(body.text).to.include(s.gone.approval.permissionId).and.include(s.gone.sessionKey.address);
    expect(JSON.stringify(body)).not.to.match(/signature|privateKey/i);
    expect(revocationSchema.parse(body), "the documented shape").to.deep.equal(body);

    // The owner's wallet: the account operated with the owner's key, as revokeSession does.
    const ownerAccount = await createOwnerAccount({ client: stack.leash.client, bed: kernelAddresses(stack.leash.deployments), owner });
    expect(ownerAccount.address).to.equal(account);
    const sent = await sendUserOperationDirect({ submitter: stack.leash.client, account: ownerAccount, calls: [{ to: body.call.to, data: body.call.data }] });
    expect(sent.success).to.equal(true);
    await synced();

    const revoked = await call("GET", sessionPath(s.gone));
    expect(revoked.body).to.include({ status: "revoked" });
    expect(revoked.body.revoked.transactionHash).to.equal(sent.transactionHash);
    const refused = await trade(stack.leash, s.gone, stack.demo, "1", direct);
    expect(refused.ok).to.equal(false);

    const again = await call("POST", `${sessionPath(s.gone)}/revocation`);
    expect([again.status, again.body.error.code]).to.deep.equal([409, "session_already_revoked"]);
    expect(again.body.error.message).to.include(sent.transactionHash);
  });

  it("an expired session can still be revoked (removed from the account); unknown ones are 404, bad ids 400", async function () {
    const expired = await call("POST", `${sessionPath(s.short)}/revocation`);
    expect(expired.status, JSON.stringify(expired.body)).to.equal(200);
    expect(expired.body).to.include({ status: "expired", method: "uninstall" });
    expect(expired.body.text).to.include("expired already");

    const stranger = privateKeyToAccount(generatePrivateKey()).address;
    let answer = await call("POST", `/v1/accounts/${account}/sessions/0xdeadbeef/revocation`);
    expect([answer.status, answer.body.error.code]).to.deep.equal([404, "session_not_found"]);
    answer = await call("POST", `/v1/accounts/${stranger}/sessions/0xdeadbeef/revocation`);
    expect([answer.status, answer.body.error.code]).to.deep.equal([404, "account_not_found"]);
    answer = await call("POST", `/v1/accounts/${account}/sessions/0x1234/revocation`);
    expect([answer.status, answer.body.error.code]).to.deep.equal([400, "invalid_permission_id"]);
    answer = await call("GET", `${sessionPath(s.twap)}/revocation`);
    expect([answer.status, answer.body.error.code]).to.deep.equal([404, "route_not_found"]);
  });

  it("lists the revocation route in /openapi.json; serves the dashboard and the approval page with their types and a strict CSP", async function () {
    const spec = (await call("GET", "/openapi.json")).body;
    const route = spec.paths["/v1/accounts/{account}/sessions/{permissionId}/revocation"];
    expect(route?.post.parameters.map((p: { name: string }) => p.name)).to.include.members(["account", "permissionId"]);
    expect(Object.keys(spec.paths).filter((p) => p.startsWith("/dashboard") || p === "/")).to.deep.equal([]);

    const scripts = ["app.js", "approve.js", "dom.js", "wallet.js", "format.js", "wallet-words.js"];
    const types: [string, string][] = [
      ["/dashboard", "text/html; charset=utf-8"],
      // One page for any request id: the page itself says when the id is not one.
      ["/approve/4b0c6a52-0c43-4c9b-9d0e-0f5b1f1c2a3d", "text/html; charset=utf-8"],
      ["/approve/not-an-id", "text/html; charset=utf-8"],
      ["/approve", "text/html; charset=utf-8"],
      ...scripts.map((file): [string, string] => [`/dashboard/${file}`, "text/javascript; charset=utf-8"]),
      ["/dashboard/style.css", "text/css; charset=utf-8"],
      ["/dashboard/icon.svg", "image/svg+xml"],
      ["/dashboard/shield.svg", "image/svg+xml"],
    ];
    for (const [path, type] of types) {
      const response = await fetch(`${stack.apiUrl}${path}`);
      expect(response.status, path).to.equal(200);
      expect(response.headers.get("content-type"), path).to.equal(type);
      expect(response.headers.get("content-security-policy"), path).to.equal(DASHBOARD_CSP);
      expect(response.headers.get("x-content-type-options"), path).to.equal("nosniff");
    }
    expect(DASHBOARD_CSP).to.include("script-src 'self'").and.not.include("unsafe");
    for (const page of ["/dashboard", "/approve/x"]) {
      const html = await (await fetch(`${stack.apiUrl}${page}`)).text();
      // No inline script or style: every <script> has a src, no on… attributes, no style attributes.
      expect(html.match(/<script\b[^>]*>/g)?.every((tag) => /\bsrc="\/dashboard\//.test(tag)), page).to.equal(true);
      expect(html, page).not.to.match(/\son[a-z]+=|\sstyle=|<style/i);
    }
    for (const file of scripts) {
      const js = await (await fetch(`${stack.apiUrl}/dashboard/${file}`)).text();
      expect(js, file).not.to.match(/innerHTML|outerHTML|insertAdjacentHTML|document\.write|eval\(/);
    }
    // The shield is an image: no style or script of its own.
    expect(await (await fetch(`${stack.apiUrl}/dashboard/shield.svg`)).text()).not.to.match(/style|script/i);

    const redirect = await fetch(`${stack.apiUrl}/?account=${account}`, { redirect: "manual" });
    expect(redirect.status).to.equal(302);
    expect(redirect.headers.get("location")).to.equal(`/dashboard?account=${account}`);
  });

  /*//////////////////////////////////////////////////////////////
                           THE DASHBOARD
  //////////////////////////////////////////////////////////////*/

  describe("the dashboard in Chromium", function () {
    let browser: Browser | undefined;
    let page: Page;
    let problems: string[] = [];
    const card = (session: ApprovedSession) => page.locator(`article.card[data-permission-id="${session.approval.permissionId}"]`);

    before(async function () {
      browser = await launchChromium(this, "DASHBOARD");
      page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
      problems = pageProblems(page);
      await page.goto(`${stack.apiUrl}/dashboard?account=${account}`);
      await page.locator("article.card").nth(3).waitFor();
    });

    after(async function () {
      await browser?.close();
    });

    it("no executor runs here: the page says automations cannot be shown, and shows the sessions", async function () {
      const note = page.locator("#automations-note");
      await note.waitFor();
      expect(await note.textContent()).to.include(`Automations cannot be shown: the executor at ${noExecutor} is unavailable`);
      expect(await page.locator(".automations").count()).to.equal(0);
    });

    it("one card per session, with a badge of its status", async function () {
      const list = (await call("GET", `/v1/accounts/${account}/sessions`)).body;
      expect(await page.locator("article.card").count()).to.equal(list.items.length).and.equal(4);
      const badges = await page.locator("article.card").evaluateAll((cards) =>
        cards.map((c) => [c.getAttribute("data-permission-id"), c.querySelector(".badge")?.textContent]),
      );
      expect(Object.fromEntries(badges)).to.deep.equal({
        [s.twap.approval.permissionId]: "Active",
        [s.capped.approval.permissionId]: "Active",
        [s.short.approval.permissionId]: "Expired",
        [s.gone.approval.permissionId]: "Revoked",
      });
      // Newest first, as the API lists them.
      expect(badges.map(([id]) => id)).to.deep.equal(list.items.map((i: { permissionId: string }) => i.permissionId));
      // Distinct colours per status.
      const colours = await page.locator(".badge").evaluateAll((els) => els.map((e) => [e.textContent, (globalThis as any).getComputedStyle(e).backgroundColor as string]));
      expect(new Set(colours.map(([, c]) => c)).size).to.equal(3);
      // Every value is rendered: no "null" or "undefined" from a missing field.
      expect(await page.locator("#sessions").textContent()).not.to.match(/null|undefined|NaN|\[object/);
      // Revoked sessions have nothing left to revoke.
      expect(await card(s.gone).locator("button.revoke").count()).to.equal(0);
      expect(await card(s.twap).locator("button.revoke").count()).to.equal(1);
    });

    it("calls remaining and spend bars as the API reports them", async function () {
      expect(await card(s.capped).locator(".calls").textContent()).to.equal("3 / 5 calls remaining");
      expect(await card(s.twap).locator(".calls").textContent()).to.equal("8 / 10 calls remaining this window (per hour)");
      for (const session of [s.twap, s.capped]) {
        const view = (await call("GET", sessionPath(session))).body;
        const [usdc] = view.tokens;
        const bar = card(session).locator("[role=progressbar]").first();
        expect(await bar.getAttribute("aria-valuenow")).to.equal(usdc.spent.total.formatted);
        expect(await bar.getAttribute("aria-valuemax")).to.equal(usdc.limits.total.formatted);
        expect(await bar.getAttribute("aria-valuetext")).to.equal(usdc.display[0]);
        const expected = Number((BigInt(usdc.spent.total.raw) * 10_000n) / BigInt(usdc.limits.total.raw)) / 100;
        expect(await bar.locator(".fill").evaluate((el) => (el as any).style.width as string)).to.equal(`${expected}%`);
        expect(await card(session).locator(".meter-text").first().textContent()).to.equal(usdc.display[0]);
      }
      expect(await card(s.twap).locator(".meter-text").first().textContent()).to.equal("$91.67 of $1,000.00 spent");
      expect(await card(s.twap).locator("[role=progressbar] .fill").first().evaluate((el) => (el as any).style.width as string)).to.equal("9.16%");
      expect(await card(s.capped).locator("[role=progressbar]").first().getAttribute("aria-valuenow")).to.equal("20");
      // Gas: what the account paid for the session's operations, and its bounds, as the API says.
      const gas = (await call("GET", sessionPath(s.twap))).body.gas;
      expect(gas.display).to.match(/ETH of gas paid; at most .* ETH per operation; .* of 0\.05 ETH gas budget left$/);
      expect(BigInt(gas.paid.raw)).to.be.greaterThan(0n);
      const facts = card(s.twap).locator(".facts");
      expect(await facts.locator("dt").allTextContents()).to.include("Gas");
      expect(await facts.locator("dd").allTextContents()).to.include(gas.display);
      // The permissions in words.
      expect(await card(s.twap).locator(".permissions li").allTextContents()).to.deep.equal([
        "exactInputSingle on MockSwapRouter (proceeds only to your account)",
        "At most $50.00 per transaction",
      ]);
    });

    it("a countdown from the API's secondsLeft, ticking every second", async function () {
      const countdown = card(s.twap).locator(".countdown");
      const seconds = (text: string) => {
        const m = text.match(/^(\d+)h (\d+)m (\d+)s remaining$/);
        expect(m, text).to.not.equal(null);
        return Number(m![1]) * 3600 + Number(m![2]) * 60 + Number(m![3]);
      };
      const first = seconds((await countdown.textContent())!);
      const view = (await call("GET", sessionPath(s.twap))).body;
      expect(first).to.be.within(view.secondsLeft - 60, view.secondsLeft);
      await page.waitForTimeout(2_100);
      const second = seconds((await countdown.textContent())!);
      expect(first - second).to.be.within(1, 3);
      expect(await countdown.getAttribute("role")).to.equal("timer");
      // Sessions that are over show when they ended instead.
      expect(await card(s.short).locator(".countdown").count()).to.equal(0);
      expect(await card(s.short).locator(".time").textContent()).to.match(/^Expired \d{4}-\d\d-\d\d \d\d:\d\d UTC$/);
      expect(await card(s.gone).locator(".time").textContent()).to.match(/^Revoked \d{4}-\d\d-\d\d \d\d:\d\d UTC$/);
    });

    it("the history expands with the approval and every trade, with their transaction hashes", async function () {
      const details = card(s.twap).locator("details.history");
      expect(await details.evaluate((el) => (el as any).open as boolean)).to.equal(false);
      await details.locator("summary").click();
      const entries = details.locator(".history-list li");
      await entries.nth(2).waitFor();
      expect(await entries.count()).to.equal(3);
      const texts = await details.locator(".entry-text").allTextContents();
      expect(texts[0]).to.match(/^Session 0x[0-9a-f]{8} put on chain by its first operation, valid until \d{4}-\d\d-\d\d \d\d:\d\d UTC$/);
      expect(texts.slice(1)).to.deep.equal(["Spent $41.67", "Spent $50.00"]);
      const hashes = await details.locator("code.tx").allTextContents();
      expect(hashes.slice(1)).to.deep.equal(trades);
      for (const hash of hashes) expect(hash).to.match(/^0x[0-9a-f]{64}$/);

      if (process.env.LEASH_SCREENSHOT === "1") {
        const path = join(root, "docs", "dashboard.png");
        mkdirSync(dirname(path), { recursive: true });
        await page.setViewportSize({ width: 1280, height: 900 });
        await page.evaluate(() => (globalThis as any).scrollTo(0, 0));
        await page.screenshot({ path });
        console.log(`    screenshot written to ${path}`);
      }
    });

    it("revoke: a confirmation that says it cannot be undone, then the call for the owner's wallet", async function () {
      const dialog = page.locator("#revoke-dialog");
      const result = card(s.capped).locator(".revocation");
      await card(s.capped).locator("button.revoke").click();
      await dialog.waitFor({ state: "visible" });
      expect(await dialog.textContent()).to.include("cannot be undone").and.include(s.capped.approval.permissionId);
      // Cancel: nothing is prepared.
      await page.locator("#revoke-cancel").click();
      await dialog.waitFor({ state: "hidden" });
      expect(await result.isHidden()).to.equal(true);

      await card(s.capped).locator("button.revoke").click();
      await dialog.waitFor({ state: "visible" });
      await page.locator("#revoke-confirm").click();
      await result.locator(".call-to").waitFor();
      const prepared = (await call("POST", `${sessionPath(s.capped)}/revocation`)).body;
      expect(await result.locator(".call-to").textContent()).to.equal(account);
      expect(await result.locator(".call-data").inputValue()).to.equal(prepared.call.data);
      expect(await result.locator(".call-method").textContent()).to.equal("uninstall");
      expect(await result.locator(".call-value").textContent()).to.equal("0");
      expect(await result.locator(".warning").textContent()).to.include("cannot be undone");
      // Preparing signs nothing: the session is still active.
      expect((await call("GET", sessionPath(s.capped))).body.status).to.equal("active");
    });

    it("one column of cards at 390px, two at 1280px", async function () {
      const columns = async () => {
        const boxes = await page.locator("article.card").evaluateAll((cards) => cards.map((c) => c.getBoundingClientRect().x));
        return new Set(boxes.map((x) => Math.round(x))).size;
      };
      await page.setViewportSize({ width: 390, height: 844 });
      expect(await columns()).to.equal(1);
      const widest = await page.locator("article.card").evaluateAll((cards) => Math.max(...cards.map((c) => c.getBoundingClientRect().right)));
      expect(widest).to.be.at.most(390);
      // Nothing forces the page wider than the phone.
      expect(await page.evaluate(() => (globalThis as any).document.documentElement.scrollWidth as number)).to.be.at.most(390);
      await page.setViewportSize({ width: 1280, height: 900 });
      expect(await columns()).to.equal(2);
    });

    it("an account typed in the box is loaded and put in the URL; a bad one is refused in words", async function () {
      await page.goto(`${stack.apiUrl}/`);
      expect(new URL(page.url()).pathname).to.equal("/dashboard");
      expect(await page.locator("#summary").textContent()).to.equal("Enter an account address to see its sessions.");
      await page.getByLabel("Account address").fill("0x1234");
      await page.getByRole("button", { name: "Show sessions" }).click();
      expect(await page.locator("#error").textContent()).to.include("is not an address");
      expect(await page.locator("#account-input").getAttribute("aria-invalid")).to.equal("true");
      await page.getByLabel("Account address").fill(account);
      await page.getByRole("button", { name: "Show sessions" }).click();
      await page.locator("article.card").nth(3).waitFor();
      expect(new URL(page.url()).searchParams.get("account")).to.equal(account);
      expect(await page.locator("#error").isHidden()).to.equal(true);
    });

    it("no script error, no console error, no CSP violation", function () {
      expect(problems).to.deep.equal([]);
    });
  });
});
