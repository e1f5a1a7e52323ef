// The product scenario end to end on real Kernel v3.1 accounts: "Uniswap-style swaps only, at most
// 50 USDC per trade, 1,000 USDC in total, at most 24 trades per day, for 24 hours". The owner
// approves once; the session trades within the limits; each limit is hit; the session expires.
import { expect } from "chai";
import { encodeFunctionData, maxUint256, toFunctionSelector } from "viem";
import {
  DAY,
  type Session,
  SessionStatus,
  type World,
  allow,
  balanceOf,
  createWorld,
  erc20,
  expectRefused,
  expectUsed,
  limit,
  openSession,
  randomAddress,
  remaining,
  sendAsOwner,
  sessionConfig,
  sessionEvents,
  usdc,
  used,
} from "./fixtures.js";

const EXACT_INPUT_SINGLE = toFunctionSelector("exactInputSingle((address,address,uint24,address,uint256,uint256))");

describe("SessionPolicy through Kernel: swaps only, 50 USDC a trade, 1,000 in total, 24 trades a day, for 24 hours", function () {
  let world: World;
  let start: number;
  let config: ReturnType<typeof sessionConfig>;

  before(async function () {
    world = await createWorld();
    start = await world.now();
    config = sessionConfig(start, {
      validUntil: start + DAY - 1,
      window: DAY,
      callsPerWindow: 24,
      // exactInputSingle's words: tokenIn 0, recipient 3, amountIn 4.
      calls: [allow(world.router, EXACT_INPUT_SINGLE, { amountArg: 4, tokenArg: 0, accountArg: 3 })],
      tokens: [limit(world.usdc, { perTransaction: usdc("50"), total: usdc("1000") })],
    });
  });

  function trade(session: Session, amountIn: bigint, recipient = session.address) {
    const params = { tokenIn: world.usdc, tokenOut: world.weth, fee: 3000, recipient, amountIn, amountOutMinimum: 0n };
    return { to: world.router, data: encodeFunctionData({ abi: world.abis.router, functionName: "exactInputSingle", args: [params] }) };
  }

  /** A funded account whose owner lets the router take its USDC; the session is not enabled yet. */
  async function newAccount() {
    const session = await openSession(world, config, { usdc: usdc("2000") });
    await sendAsOwner(session, [erc20.approve(world.usdc, world.router, maxUint256)]);
    return session;
  }

  it("trades within the limits until the 1,000 USDC total is spent", async function () {
    const session = await newAccount();
    // The first trade carries the owner's one approval of the session.
    const first = await session.send([trade(session, usdc("50"))]);
    expect(sessionEvents(world, first).registered.map((e) => e.config)).to.deep.equal([config]);
    expectUsed(session, first, [used({ token: world.usdc, amount: usdc("50"), remainingTotal: usdc("950"), callsInWindow: 1 })]);

    await expectRefused(session, [trade(session, usdc("50") + 1n)], {
      error: "PerTransactionCapExceeded",
      args: [world.usdc, usdc("50") + 1n, usdc("50")],
    }, { watch: [world.router] });
    await expectRefused(session, [erc20.transfer(world.usdc, randomAddress(), 1n)], {
      error: "CallNotAllowed",
      args: [world.usdc, toFunctionSelector("transfer(address,uint256)")],
    });
    const thief = randomAddress();
    await expectRefused(session, [trade(session, usdc("1"), thief)], {
      error: "ArgumentNotAccount",
      args: [world.router, EXACT_INPUT_SINGLE, 3],
    }, { watch: [thief] });

    for (let i = 2; i <= 20; i++) await session.send([trade(session, usdc("50"))]);
    expect(await balanceOf(world, world.usdc, session.address)).to.equal(usdc("1000"));
    expect(await balanceOf(world, world.weth, session.address)).to.equal(usdc("1000"));
    const view = await session.getSession();
    expect([view.status, view.callsLeftInWindow, view.tokens]).to.deep.equal([
      SessionStatus.Exhausted,
      4,
      [remaining(world.usdc, { perTransaction: usdc("50"), remainingTotal: 0n })],
    ]);
    await expectRefused(session, [trade(session, 1n)], { error: "TotalCapExceeded", args: [world.usdc, 1n, 0n] }, { watch: [world.router] });
  });

  it("stops at 24 trades in the day", async function () {
    const session = await newAccount();
    for (let i = 1; i <= 24; i++) await session.send([trade(session, usdc("10"))]);
    const view = await session.getSession();
    expect([view.status, view.callsLeftInWindow, view.tokens[0]!.remainingTotal]).to.deep.equal([SessionStatus.Active, 0, usdc("760")]);
    await expectRefused(session, [trade(session, usdc("10"))], { error: "RateLimitExceeded", args: [0, 24, 24, 1n] }, { watch: [world.router] });
  });

  it("expires after 24 hours", async function () {
    const session = await newAccount();
    await session.send([trade(session, usdc("50"))]);
    await world.travelTo(start + DAY);
    expect(await session.getStatus()).to.equal(SessionStatus.Expired);
    // The honest claim lies past the end: the policy refuses it...
    await expectRefused(session, [trade(session, usdc("50"))], {
      error: "ClaimOutsideValidity",
      args: [start + DAY, start, start + DAY - 1],
    }, { watch: [world.router] });
    // ...and an older claim is refused by the EntryPoint.
    await expectRefused(session, [trade(session, usdc("50"))], { code: "AA22" }, { claim: start + DAY - 1, watch: [world.router] });
  });
});
