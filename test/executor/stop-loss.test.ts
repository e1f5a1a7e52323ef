// The executor running stop-losses against the real local stack, in this process: a MockPriceFeed
// read every check interval, no sale while the price is at or above the threshold or the feed is
// stale, exactly one sale of the plan's amount once a fresh answer is below it; and a stop-loss
// beside a TWAP on the same account, each with its own session and counters.
import { expect } from "chai";
import hre from "hardhat";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type Address, type LocalAccount, parseAbiItem, parseUnits } from "viem";
import { eq } from "drizzle-orm";
import { userOperationEvent } from "../../executor/send.js";
import { automation } from "../../executor/store/schema.js";
import { mockPriceFeedAbi } from "../../sdk/contracts.js";
import { ETH_PRICE_RATE, fundedAccount } from "../../testkit/scenario.js";
import type { Stack } from "../../testkit/stack.js";
import { deployArtifact } from "../../testkit/testbed/deploy.js";
import { startApiStack } from "../api/fixture.js";
import { balanceOf, createApproved, createAutomation, sendApproval, signApproval, startInProcess, twapSpec, waitFor } from "./fixture.js";

const dir = mkdtempSync(join(tmpdir(), "leash-executor-stop-loss-"));
const price = (usd: number) => BigInt(usd) * 10n ** 8n; // 8 decimals, as Chainlink's USD feeds
const setRateAbi = [parseAbiItem("function setRate(address tokenIn, address tokenOut, uint256 rate)")];
/** WETH→USDC at `usd` an ether: USDC base units per WETH base unit, scaled by 1e18. */
const wethRate = (usd: number) => BigInt(usd) * 10n ** 6n;

describe("executor: stop-loss automations on the local stack", function () {
  this.timeout(240_000);
  let stack: Stack;
  let owner: LocalAccount;
  let running: Awaited<ReturnType<typeof startInProcess>>;
  let url: string;
  let index = 40n;
  let feeds = 0;
  const account = async () => fundedAccount({ leash: stack.leash, demo: stack.demo, owner, index: index++, usdc: "1000", weth: "1" });
  const send = async (write: Parameters<Stack["leash"]["client"]["writeContract"]>[0]) =>
    stack.leash.client.waitForTransactionReceipt({ hash: await stack.leash.client.writeContract(write) });
  /** A new ETH / USD feed at `usd` (its own address: the description differs). */
  const deployFeed = async (usd: number): Promise<Address> => deployArtifact(stack.leash.client, hre.artifacts, "MockPriceFeed", [8, `ETH / USD #${feeds++}`, price(usd)]);
  const setAnswer = (feed: Address, usd: number) => send({ address: feed, abi: mockPriceFeedAbi, functionName: "setAnswer", args: [price(usd)] } as never);
  const setMarket = (usd: number) => send({ address: stack.demo.router, abi: setRateAbi, functionName: "setRate", args: [stack.demo.weth, stack.demo.usdc, wethRate(usd)] } as never);
  const spec = (wallet: Address, feed: Address, extra: Record<string, unknown> = {}) => ({
    kind: "stop_loss",
    account: wallet,
    router: stack.demo.router,
    tokenIn: stack.demo.weth,
    tokenOut: stack.demo.usdc,
    amount: "0.5",
    feed,
    threshold: "2800",
    maxAgeSeconds: 3600,
    checkIntervalSeconds: 1,
    ...extra,
  });
  const head = () => stack.leash.client.getBlockNumber({ cacheTime: 0 }).then((b) => b + 1n);
  const operationsOf = async (wallet: Address, fromBlock: bigint) =>
    (await stack.leash.client.getLogs({ event: userOperationEvent, args: { sender: wallet }, fromBlock })).map((e) => e.args.userOpHash).sort();

  before(async function () {
    ({ stack, owner } = await startApiStack({ dir, schema: "leash_executor_stop_loss_test" }));
    running = await startInProcess(stack, join(dir, "state"));
    url = running.executor.url;
    await setMarket(3000);
  });

  after(async function () {
    await running?.executor.stop();
    await stack?.stop();
  });

  it("no sale while the price is above the threshold; below it, exactly one sale of the plan's amount, then completed", async function () {
    const wallet = await account();
    const feed = await deployFeed(3000);
    const [wethBefore, usdcBefore, block] = await Promise.all([balanceOf(stack, stack.demo.weth, wallet), balanceOf(stack, stack.demo.usdc, wallet), head()]);
    const { id } = await createApproved(stack, url, owner, spec(wallet, feed));
    // The session it asked for: swaps on the router only, in WETH, 0.5 per transaction and in all, one call.
    const [row] = await running.executor.store.db.select().from(automation).where(eq(automation.id, id));
    expect((row!.request as any).permissions).to.deep.include({ contractAddress: stack.demo.router, token: stack.demo.weth, maxPerTransaction: "0.5", maxTotal: "0.5", maxCalls: 1 });

    // Three checks at $3,000: nothing sent, the reading shown.
    const watching = await waitFor(url, id, (a) => a.watch?.lastCheck?.checks >= 3);
    expect(watching.status).to.equal("running");
    expect(watching.watch).to.deep.include({ feed, threshold: "2800", maxAgeSeconds: 3600, checkIntervalSeconds: 1 });
    expect(watching.watch.lastCheck).to.deep.include({ outcome: "above", price: "3000", roundId: "1" });
    expect(watching.progress).to.deep.equal({ executed: 0, of: 1 });
    expect(watching.slots.map((s: any) => [s.index, s.status, s.amountIn])).to.deep.equal([[0, "pending", parseUnits("0.5", 18).toString()]]);
    expect(watching.attempts).to.deep.equal([]);
    expect(await balanceOf(stack, stack.demo.weth, wallet)).to.equal(wethBefore);

    // The market falls: the feed's new round at $2,700, the router at the same price.
    await setMarket(2700);
    await setAnswer(feed, 2700);
    const done = await waitFor(url, id, (a) => a.status !== "running");
    expect([done.status, done.keyHeld, done.progress]).to.deep.equal(["completed", false, { executed: 1, of: 1 }]);
    expect(done.watch.lastCheck).to.deep.include({ outcome: "below", price: "2700", roundId: "2" });
    expect(done.slots.map((s: any) => [s.index, s.status])).to.deep.equal([[0, "done"]]);
    expect(done.attempts).to.have.length(1);
    const [sale] = done.attempts;
    expect([sale.result, sale.amountIn]).to.deep.equal(["included", parseUnits("0.5", 18).toString()]);
    const quote = (parseUnits("0.5", 18) * wethRate(2700)) / 10n ** 18n;
    expect(BigInt(sale.minimumOut)).to.equal((quote * 9_950n) / 10_000n);

    // On chain: one operation of the account, 0.5 WETH sold for 1,350 USDC.
    expect(await operationsOf(wallet, block)).to.deep.equal([sale.userOpHash]);
    expect(wethBefore - (await balanceOf(stack, stack.demo.weth, wallet))).to.equal(parseUnits("0.5", 18));
    expect((await balanceOf(stack, stack.demo.usdc, wallet)) - usdcBefore).to.equal(parseUnits("1350", 6));
    expect(running.lines.join("\n")).to.include(`"event":"price.checked"`);

    // More checks would find the price still below: the automation is final, nothing else is sent.
    await new Promise((r) => setTimeout(r, 2_500));
    expect(await operationsOf(wallet, block)).to.have.length(1);
    await setMarket(3000);
  });

  it("a stale feed below the threshold: no sale, the view and a skipped attempt say stale; a fresh round below: the sale", async function () {
    const wallet = await account();
    const feed = await deployFeed(3000);
    await setAnswer(feed, 2500);
    // No round for longer than the bound: the chain's clock moves on 90 s.
    await stack.leash.client.request({ method: "evm_increaseTime", params: [90] } as never);
    await stack.leash.client.request({ method: "evm_mine", params: [] } as never);
    const [wethBefore, block] = await Promise.all([balanceOf(stack, stack.demo.weth, wallet), head()]);
    const { id } = await createApproved(stack, url, owner, spec(wallet, feed, { amount: "0.25", maxAgeSeconds: 60 }));

    const stale = await waitFor(url, id, (a) => a.watch?.lastCheck?.checks >= 3);
    expect(stale.status).to.equal("running");
    expect(stale.watch.lastCheck).to.deep.include({ outcome: "skipped", reason: "stale" });
    expect(stale.watch.lastCheck.message).to.match(/^price feed 0x[0-9a-fA-F]{40}: its latest answer is \d+ s old, more than the 60 s allowed$/);
    // One skipped attempt when the feed turned stale, not one per check.
    expect(stale.attempts.map((a: any) => [a.result, a.refusalKind, a.userOpHash])).to.deep.equal([["skipped", "stale", null]]);
    expect(stale.slots.map((s: any) => s.status)).to.deep.equal(["pending"]);
    expect(await operationsOf(wallet, block)).to.deep.equal([]);
    expect(await balanceOf(stack, stack.demo.weth, wallet)).to.equal(wethBefore);
    expect(running.lines.some((l) => l.includes(`"event":"price.checked"`) && l.includes(`"reason":"stale"`) && l.includes(`"level":"warn"`))).to.equal(true);

    // A fresh round, still below: the sale.
    await setAnswer(feed, 2500);
    const done = await waitFor(url, id, (a) => a.status !== "running");
    expect(done.status).to.equal("completed");
    expect(done.watch.lastCheck).to.deep.include({ outcome: "below", price: "2500", roundId: "3" });
    expect(done.attempts.map((a: any) => a.result)).to.deep.equal(["skipped", "included"]);
    expect(await operationsOf(wallet, block)).to.deep.equal([done.attempts[1].userOpHash]);
    expect(wethBefore - (await balanceOf(stack, stack.demo.weth, wallet))).to.equal(parseUnits("0.25", 18));
  });

  it("a TWAP and a stop-loss on one account, both approved at the same nonce: each runs with its own counters, every slice and the sale exactly once", async function () {
    const wallet = await account();
    const feed = await deployFeed(3000);
    const [wethBefore, usdcBefore, block] = await Promise.all([balanceOf(stack, stack.demo.weth, wallet), balanceOf(stack, stack.demo.usdc, wallet), head()]);
    const twap = await createAutomation(url, twapSpec(stack, wallet, { totalAmount: "30", slices: 3, intervalSeconds: 2 }));
    const stop = await createAutomation(url, spec(wallet, feed, { amount: "0.25" }));
    // Both signed before either is used on chain.
    const signatures = [await signApproval(stack, owner, twap.requestId), await signApproval(stack, owner, stop.requestId)];
    await sendApproval(stack, twap.requestId, signatures[0]!);
    await sendApproval(stack, stop.requestId, signatures[1]!);

    await waitFor(url, twap.id, (a) => a.progress.executed >= 1);
    const watching = await waitFor(url, stop.id, (a) => a.watch?.lastCheck?.checks >= 2);
    expect([watching.status, watching.watch.lastCheck.outcome]).to.deep.equal(["running", "above"]);
    await setAnswer(feed, 2700);

    const [twapDone, stopDone] = await Promise.all([waitFor(url, twap.id, (a) => a.status !== "running"), waitFor(url, stop.id, (a) => a.status !== "running")]);
    expect([twapDone.status, twapDone.progress]).to.deep.equal(["completed", { executed: 3, of: 3 }]);
    expect([stopDone.status, stopDone.progress]).to.deep.equal(["completed", { executed: 1, of: 1 }]);
    expect(twapDone.permissionId).not.to.equal(stopDone.permissionId);
    expect(twapDone.attempts.map((a: any) => a.result)).to.deep.equal(["included", "included", "included"]);
    expect(stopDone.attempts.map((a: any) => a.result)).to.deep.equal(["included"]);
    expect(twapDone.watch).to.equal(undefined);

    // On chain: four operations of the account, those recorded; the amounts those of the two plans.
    const hashes = [...twapDone.attempts, ...stopDone.attempts].map((a: any) => a.userOpHash).sort();
    expect(await operationsOf(wallet, block)).to.deep.equal(hashes);
    const slice = (parseUnits("10", 6) * ETH_PRICE_RATE) / 10n ** 18n;
    const sale = (parseUnits("0.25", 18) * wethRate(3000)) / 10n ** 18n;
    expect((await balanceOf(stack, stack.demo.weth, wallet)) - wethBefore).to.equal(3n * slice - parseUnits("0.25", 18));
    expect((await balanceOf(stack, stack.demo.usdc, wallet)) - usdcBefore).to.equal(sale - parseUnits("30", 6));
  });

  it("refuses a stop-loss without its feed's bounds, and one whose feed is not a feed", async function () {
    const wallet = await account();
    const { feed: _feed, ...noFeed } = spec(wallet, stack.demo.router);
    const missing = await fetch(`${url}/v1/automations`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ ...noFeed, maxAgeSeconds: 0 }) });
    const body = (await missing.json()) as any;
    expect([missing.status, body.error.code]).to.deep.equal([422, "invalid_automation"]);
    expect(body.error.issues.map((i: any) => i.field).sort()).to.deep.equal(["body.feed", "body.maxAgeSeconds"]);
    const notFeed = await fetch(`${url}/v1/automations`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(spec(wallet, stack.demo.router)) });
    const refused = (await notFeed.json()) as any;
    expect([notFeed.status, refused.error.code, refused.error.message]).to.deep.equal([422, "invalid_automation", `${stack.demo.router} does not answer decimals(): not a price feed`]);
  });
});
