// The React hooks in a browser: the example app (react/example), built with Vite and served by the
// API at /example/, driven in Chromium against the real stack (Hardhat's node, the alto bundler, the
// indexer, the API). The owner's wallet is an EIP-1193 provider injected into the page and answered
// in Node (testkit/wallet.ts): it signs the approval with the owner's real key and sends the
// revocation as the owner's operation of the smart account; it can be told to refuse.
import { expect } from "chai";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Browser, BrowserContext, Page } from "playwright-core";
import { type Address, type LocalAccount, erc20Abi } from "viem";
import { privateKeyToAccount } from "viem/accounts";
import { build } from "vite";
import { devKey } from "../../testkit/testbed/client.js";
import type { Stack } from "../../testkit/stack.js";
import { TestWallet } from "../../testkit/wallet.js";
import { launchChromium, pageProblems, startApiStack } from "../api/fixture.js";

const dir = mkdtempSync(join(tmpdir(), "leash-react-example-"));
const PAYEE: Address = "0x000000000000000000000000000000000000bEEF";

describe("react: the example app's session key, from creation to revocation, in Chromium", function () {
  this.timeout(300_000);
  let stack: Stack;
  let owner: LocalAccount;
  let account: Address;
  let browser: Browser | undefined;
  let context: BrowserContext;
  let page: Page;
  let problems: string[] = [];
  let wallet: TestWallet;
  let url: string;

  const state = () => page.getByTestId("state").textContent();
  /** Waits for the app's state to be `wanted`; on a timeout, says what the page shows instead. */
  async function waitState(wanted: string, timeout = 60_000) {
    try {
      // An error shown ends the wait at once.
      await page.waitForFunction(
        (w) => {
          const doc = (globalThis as any).document;
          return doc.querySelector('[data-testid="state"]')?.textContent === w || doc.querySelector('[data-testid="error"]') !== null;
        },
        wanted,
        { timeout },
      );
      if ((await state()) !== wanted) throw new Error("an error is shown");
    } catch (error) {
      const shown = await page.getByTestId("error").textContent({ timeout: 100 }).catch(() => null);
      throw new Error(`the app's state is ${await state()}, not ${wanted}${shown ? `; it shows: ${shown}` : ""}`, { cause: error });
    }
  }
  const balance = (who: Address) => stack.leash.client.readContract({ address: stack.demo.usdc, abi: erc20Abi, functionName: "balanceOf", args: [who] });

  async function pay(amount: string) {
    await page.getByLabel("amount").fill(amount);
    await page.getByRole("button", { name: "Pay without a prompt" }).click();
    // Done when the payment or an error is shown (the click cleared both).
    await page.waitForFunction(() => (globalThis as any).document.querySelector('[data-testid="paid"], [data-testid="error"]') !== null, undefined, { timeout: 90_000 });
  }

  before(async function () {
    // The app as it is served: built first, since the API reads its files when it starts.
    await build({ configFile: "react/example/vite.config.ts", logLevel: "warn" });
    // The owner is a development account the node holds unlocked: what it signs is the owner's real signature.
    ({ stack, owner, account } = await startApiStack({ dir, schema: "leash_react_example", bundler: true, owner: privateKeyToAccount(devKey(5)) }));
    browser = await launchChromium(this, "REACT EXAMPLE APP");
    context = await browser.newContext({ viewport: { width: 1100, height: 900 } });
    wallet = new TestWallet({ leash: stack.leash, owner });
    await wallet.install(context);
    page = await context.newPage();
    problems = pageProblems(page);
    const query = new URLSearchParams({
      chainId: String(stack.leash.deployments.chainId),
      rpc: stack.chain.rpcUrl,
      bundler: stack.bundler!.url,
      token: stack.demo.usdc,
      payee: PAYEE,
      margins: "0,5",
    });
    url = `${stack.apiUrl}/example/?${query}`;
  });

  beforeEach(() => wallet.reset([owner.address]));

  after(async function () {
    await browser?.close();
    await stack?.stop();
  });

  it("creates the key in the page, registers it with one signature, pays without a prompt, shows what remains, refuses past its cap, revokes, and forgets the key on reload", async function () {
    await page.goto(url);
    expect(await state()).to.equal("none");

    await page.getByRole("button", { name: "Create session key" }).click();
    expect(await state()).to.equal("created");
    const key = await page.getByTestId("session-key").textContent();
    expect(key).to.match(/^0x[0-9a-fA-F]{40}$/);
    // Memory only: nothing in the page's storage.
    expect(await page.evaluate(() => [(globalThis as any).localStorage.length, (globalThis as any).sessionStorage.length])).to.deep.equal([0, 0]);

    await page.getByRole("button", { name: "Register (sign once)" }).click();
    await waitState("approved");
    expect(wallet.count("eth_signTypedData_v4")).to.equal(1);
    const explained = await page.getByTestId("explanation").textContent();
    // CAN and CANNOT, as the API words them, for the default six hours.
    expect(explained).to.match(/at most \$10\.00 per transaction and \$50\.00 in total/).and.match(/make at most 100 calls in all/).and.match(/act for 6 hours/);
    expect(explained).to.match(/What it cannot do.*call any other contract or function/);

    const before = await balance(PAYEE);
    const started = Date.now();
    await pay("1");
    expect(await page.getByTestId("error").count(), await page.getByTestId("error").textContent({ timeout: 100 }).then((t) => t ?? "", () => "")).to.equal(0);
    console.log(`      (the first payment took ${((Date.now() - started) / 1000).toFixed(1)} s)`);
    expect(await balance(PAYEE)).to.equal(before + 1_000_000n);
    await waitState("active");
    await page.waitForFunction(() => /99 \/ 100 calls remaining/.test((globalThis as any).document.querySelector('[data-testid="calls"]')?.textContent ?? ""), undefined, { timeout: 30_000 });
    // The wallet signed once, and was not asked again for the payment.
    expect(wallet.asked.filter((m) => m.startsWith("eth_sign") || m === "eth_sendTransaction")).to.deep.equal(["eth_signTypedData_v4"]);

    // The countdown runs: under six hours and going down.
    const first = await page.getByTestId("time-left").textContent();
    await page.waitForFunction((t) => (globalThis as any).document.querySelector('[data-testid="time-left"]')?.textContent !== t, first, { timeout: 5_000 });
    expect(first).to.match(/^5:59:\d\d left$|^[0-5]h/);

    // 20 USDC in one payment: past the 10 USDC per transaction, refused with the reason; nothing moved.
    await pay("20");
    const error = page.getByTestId("error");
    await error.waitFor();
    expect(await error.getAttribute("data-kind")).to.equal("refused");
    expect(await error.getAttribute("data-reason")).to.equal("per-transaction-cap");
    expect(await error.textContent()).to.match(/10 USDC/);
    expect(await balance(PAYEE)).to.equal(before + 1_000_000n);

    // A re-render (typing) keeps the session: same key, still active.
    await page.getByLabel("amount").fill("2");
    expect(await state()).to.equal("active");
    expect(await page.getByTestId("session-key").textContent()).to.equal(key);

    // Revoked through the wallet: the account's call to itself, sent by the wallet.
    wallet.reset([account]);
    await page.getByRole("button", { name: "Revoke" }).click();
    await waitState("revoked");
    expect(wallet.count("eth_sendTransaction")).to.equal(1);
    await stack.synced();
    const sessions = (await (await fetch(`${stack.apiUrl}/v1/accounts/${account}/sessions`)).json()) as { items: { status: string; sessionKey: string }[] };
    expect(sessions.items.find((s) => s.sessionKey === key)?.status).to.equal("revoked");

    // A reload forgets the key: back to none.
    await page.reload();
    expect(await state()).to.equal("none");
    expect(await page.getByTestId("session-key").count()).to.equal(0);
    expect(problems).to.deep.equal([]);
  });

  it("a wallet that declines: nothing granted, the request declined, the key kept to try again", async function () {
    await page.goto(url);
    await page.getByRole("button", { name: "Create session key" }).click();
    wallet.refuse.add("eth_signTypedData_v4");
    await page.getByRole("button", { name: "Register (sign once)" }).click();
    const error = page.getByTestId("error");
    await error.waitFor();
    expect(await error.getAttribute("data-kind"), (await error.textContent()) ?? "").to.equal("wallet-declined");
    expect(await error.textContent()).to.match(/declined.*nothing was granted/i);
    expect(await state()).to.equal("created");
    const requests = (await (await fetch(`${stack.apiUrl}/v1/accounts/${account}/session-requests`)).json()) as { items: { status: string }[] };
    expect(requests.items[0]!.status).to.equal("declined");
    expect(problems).to.deep.equal([]);
  });
});
