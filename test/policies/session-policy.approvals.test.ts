// ERC-20 approvals and native value through real Kernel v3.1 accounts: approvals count in full,
// native value counts against the NATIVE_TOKEN limit and needs a permission that allows it.
import { expect } from "chai";
import { encodeFunctionData, maxUint256, parseEther, toFunctionSelector } from "viem";
import {
  NATIVE_TOKEN,
  SessionStatus,
  type World,
  allow,
  allowanceOf,
  balanceOf,
  createWorld,
  erc20,
  expectRefused,
  expectUsed,
  limit,
  mint,
  openSession,
  randomAddress,
  sessionConfig,
  usdc,
  used,
} from "./fixtures.js";

const TRANSFER = toFunctionSelector("transfer(address,uint256)");

describe("SessionPolicy through Kernel: approvals and native value", function () {
  let world: World;
  const to = randomAddress();
  const spender = randomAddress();

  before(async function () {
    world = await createWorld();
  });

  it("counts approve, transferFrom and increaseAllowance in full, and refuses approvals above the caps", async function () {
    const config = sessionConfig(await world.now(), {
      calls: [
        allow(world.usdc, "approve(address,uint256)"),
        allow(world.usdc, "increaseAllowance(address,uint256)"),
        allow(world.usdc, "transferFrom(address,address,uint256)"),
      ],
      tokens: [limit(world.usdc, { perTransaction: usdc("50"), total: usdc("100") })],
    });
    const session = await openSession(world, config, { usdc: usdc("1000") });

    const approved = await session.send([erc20.approve(world.usdc, spender, usdc("50"))]);
    expectUsed(session, approved, [used({ token: world.usdc, amount: usdc("50"), remainingTotal: usdc("50") })]);
    expect(await allowanceOf(world, world.usdc, session.address, spender)).to.equal(usdc("50"));

    await expectRefused(session, [erc20.approve(world.usdc, spender, usdc("50") + 1n)], {
      error: "PerTransactionCapExceeded",
      args: [world.usdc, usdc("50") + 1n, usdc("50")],
    }, { watch: [spender] });
    await expectRefused(session, [erc20.approve(world.usdc, spender, maxUint256)], {
      error: "PerTransactionCapExceeded",
      args: [world.usdc, maxUint256, usdc("50")],
    }, { watch: [spender] });

    // Pulling someone else's tokens with the account's allowance is spending too.
    const payer = world.client.account.address;
    await mint(world, world.usdc, payer, usdc("40"));
    await world.client.waitForTransactionReceipt({
      hash: await world.client.writeContract({ address: world.usdc, abi: world.abis.token, functionName: "approve", args: [session.address, usdc("40")] }),
    });
    const pulled = await session.send([erc20.transferFrom(world.usdc, payer, to, usdc("40"))]);
    expectUsed(session, pulled, [used({ token: world.usdc, amount: usdc("40"), remainingTotal: usdc("10") })]);
    expect(await balanceOf(world, world.usdc, to)).to.equal(usdc("40"));

    await expectRefused(session, [erc20.increaseAllowance(world.usdc, spender, usdc("10") + 1n)], {
      error: "TotalCapExceeded",
      args: [world.usdc, usdc("10") + 1n, usdc("10")],
    }, { watch: [spender] });
    await session.send([erc20.increaseAllowance(world.usdc, spender, usdc("10"))]);
    expect(await allowanceOf(world, world.usdc, session.address, spender)).to.equal(usdc("60"));
    expect(await session.getStatus()).to.equal(SessionStatus.Exhausted);

    // Withdrawing an allowance spends nothing, so an exhausted session may still do it.
    const withdrawn = await session.send([erc20.approve(world.usdc, spender, 0n)]);
    expectUsed(session, withdrawn, [used({})]);
    expect(await allowanceOf(world, world.usdc, session.address, spender)).to.equal(0n);
  });

  it("counts an approval and the swap it funds separately: a 50 USDC trade funded by the session costs 100", async function () {
    const config = sessionConfig(await world.now(), {
      calls: [
        allow(world.usdc, "approve(address,uint256)"),
        allow(world.router, "exactInputSingle((address,address,uint24,address,uint256,uint256))", { amountArg: 4, tokenArg: 0, accountArg: 3 }),
      ],
      tokens: [limit(world.usdc, { perTransaction: usdc("50"), total: usdc("1000") })],
    });
    const session = await openSession(world, config, { usdc: usdc("1000") });
    const params = { tokenIn: world.usdc, tokenOut: world.weth, fee: 3000, recipient: session.address, amountIn: usdc("50"), amountOutMinimum: 0n };
    const swap = { to: world.router, data: encodeFunctionData({ abi: world.abis.router, functionName: "exactInputSingle", args: [params] }) };

    await expectRefused(session, [erc20.approve(world.usdc, world.router, usdc("50")), swap], {
      error: "PerTransactionCapExceeded",
      args: [world.usdc, usdc("100"), usdc("50")],
    }, { watch: [world.router] });
    await session.send([erc20.approve(world.usdc, world.router, usdc("50"))]);
    const result = await session.send([swap]);
    expectUsed(session, result, [used({ token: world.usdc, amount: usdc("50"), remainingTotal: usdc("900") })]);
    expect(await balanceOf(world, world.usdc, session.address)).to.equal(usdc("950"));
  });

  describe("native value", function () {
    const payee = randomAddress();
    const ONE = parseEther("1");

    async function nativeSession() {
      const config = sessionConfig(await world.now(), {
        calls: [allow(payee, "0x00000000", { allowValue: true }), allow(world.usdc, "transfer(address,uint256)")],
        tokens: [limit(NATIVE_TOKEN, { perTransaction: ONE, total: 2n * ONE })],
      });
      return openSession(world, config, { usdc: usdc("100") });
    }

    it("counts plain transfers against the native limit: cap exactly, then one wei more, alone or in a batch", async function () {
      const session = await nativeSession();
      const result = await session.send([{ to: payee, value: ONE }]);
      expectUsed(session, result, [used({ token: NATIVE_TOKEN, amount: ONE, remainingTotal: ONE })]);
      expect(await world.client.getBalance({ address: payee })).to.equal(ONE);

      await expectRefused(session, [{ to: payee, value: ONE + 1n }], {
        error: "PerTransactionCapExceeded",
        args: [NATIVE_TOKEN, ONE + 1n, ONE],
      }, { watch: [payee] });
      await expectRefused(session, [{ to: payee, value: parseEther("0.6") }, { to: payee, value: parseEther("0.4") + 1n }], {
        error: "PerTransactionCapExceeded",
        args: [NATIVE_TOKEN, ONE + 1n, ONE],
      }, { watch: [payee] });

      await session.send([{ to: payee, value: parseEther("0.6") }, { to: payee, value: parseEther("0.4") }]);
      expect(await session.getStatus()).to.equal(SessionStatus.Exhausted);
      await expectRefused(session, [{ to: payee, value: 1n }], {
        error: "TotalCapExceeded",
        args: [NATIVE_TOKEN, 1n, 0n],
      }, { watch: [payee] });
    });

    it("refuses value on a permission without allowValue, and plain transfers to anyone else", async function () {
      const session = await nativeSession();
      await session.send([erc20.transfer(world.usdc, to, 1n)]);
      await expectRefused(session, [{ ...erc20.transfer(world.usdc, to, 1n), value: 1n }], {
        error: "ValueNotAllowed",
        args: [world.usdc, TRANSFER, 1n],
      }, { watch: [to] });
      const stranger = randomAddress();
      await expectRefused(session, [{ to: stranger, value: 1n }], {
        error: "CallNotAllowed",
        args: [stranger, "0x00000000"],
      }, { watch: [stranger] });
    });

    it("refuses to register a permission that allows value without a native limit", async function () {
      const config = sessionConfig(await world.now(), { calls: [allow(payee, "0x00000000", { allowValue: true })] });
      const session = await openSession(world, config);
      // The owner's approval installs the session in the same operation: the whole operation fails.
      await expectRefused(session, [{ to: payee, value: 1n }], {
        error: "InvalidCallPermission",
        args: [0n, "value allowed but no limit for the native token"],
      });
      expect(await session.getStatus()).to.equal(SessionStatus.Unknown);
    });
  });
});
