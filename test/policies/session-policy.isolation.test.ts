// Isolation through real Kernel v3.1 accounts: concurrent sessions of one account (a TWAP session
// and a stop-loss session) do not share anything, and the same configuration on two accounts
// gives two independent sessions.
import { expect } from "chai";
import { encodeFunctionData, maxUint256, parseEther, toFunctionSelector } from "viem";
import { generatePrivateKey, privateKeyToAccount } from "viem/accounts";
import { createSessionAccount } from "../../sdk/accounts.js";
import { encodeTimeClaim, sessionPolicy } from "../../sdk/policies.js";
import {
  DAY,
  type Session,
  SessionStatus,
  type World,
  allow,
  createWorld,
  erc20,
  expectRefused,
  expectUsed,
  limit,
  openSession,
  randomAddress,
  sendAsOwner,
  sessionConfig,
  usdc,
  used,
} from "./fixtures.js";

const EXACT_INPUT_SINGLE = toFunctionSelector("exactInputSingle((address,address,uint24,address,uint256,uint256))");
const ONE = parseEther("1");

describe("SessionPolicy through Kernel: isolation of sessions", function () {
  let world: World;

  before(async function () {
    world = await createWorld();
  });

  function swap(session: Session, tokenIn: `0x${string}`, tokenOut: `0x${string}`, amountIn: bigint) {
    const params = { tokenIn, tokenOut, fee: 3000, recipient: session.address, amountIn, amountOutMinimum: 0n };
    return { to: world.router, data: encodeFunctionData({ abi: world.abis.router, functionName: "exactInputSingle", args: [params] }) };
  }

  const swapPermission = () => allow(world.router, EXACT_INPUT_SINGLE, { amountArg: 4, tokenArg: 0, accountArg: 3 });

  it("keeps a TWAP session and a stop-loss session of one account apart", async function () {
    const start = await world.now();
    const owner = privateKeyToAccount(generatePrivateKey());
    // TWAP: buy WETH with at most 50 USDC a trade, 24 trades a day. Stop-loss: sell at most 1 WETH, twice.
    const twap = await openSession(world, sessionConfig(start, {
      window: DAY,
      callsPerWindow: 24,
      calls: [swapPermission()],
      tokens: [limit(world.usdc, { perTransaction: usdc("50") })],
    }), { owner, usdc: usdc("1000"), weth: ONE });
    const stopLoss = await openSession(world, sessionConfig(start, {
      maxCalls: 2,
      calls: [swapPermission()],
      tokens: [limit(world.weth, { total: ONE })],
    }), { owner });
    expect(stopLoss.address).to.equal(twap.address);
    expect(stopLoss.permissionId).to.not.equal(twap.permissionId);
    await sendAsOwner(twap, [erc20.approve(world.usdc, world.router, maxUint256), erc20.approve(world.weth, world.router, maxUint256)]);

    await twap.send([swap(twap, world.usdc, world.weth, usdc("50"))]);
    await stopLoss.send([swap(stopLoss, world.weth, world.usdc, 0n)]);

    // The TWAP key cannot sign for the stop-loss permission (its signer holds the other key).
    const impostor = await createSessionAccount({
      client: world.client,
      bed: world.bed,
      owner: privateKeyToAccount(generatePrivateKey()),
      sessionKey: twap.sessionKey,
      permissionId: stopLoss.permissionId,
      address: twap.address,
      policies: [sessionPolicy(world.policy, world.abis.policy, { ...stopLoss.config })],
      policySlices: async () => [{ index: 0, data: encodeTimeClaim(await world.now()) }],
    });
    await expectRefused(stopLoss, [swap(stopLoss, world.weth, world.usdc, ONE)], { code: "AA24" }, { account: impostor });

    // Each permission counts only its own calls and spending.
    const stopLossView = await stopLoss.getSession();
    const twapRun = await twap.send([swap(twap, world.usdc, world.weth, usdc("50"))]);
    expectUsed(twap, twapRun, [used({ token: world.usdc, amount: usdc("50"), callsInWindow: 2 })]);
    expect(await stopLoss.getSession()).to.deep.equal(stopLossView);
    const sold = await stopLoss.send([swap(stopLoss, world.weth, world.usdc, ONE)]);
    expectUsed(stopLoss, sold, [used({ token: world.weth, amount: ONE, remainingTotal: 0n, callsLeft: 0 })]);
    expect(await stopLoss.getStatus()).to.equal(SessionStatus.Exhausted);
    expect(await twap.getStatus()).to.equal(SessionStatus.Active);

    // Revoking one leaves the other as it was.
    const twapView = await twap.getSession();
    await sendAsOwner(stopLoss, [{ to: world.policy, data: encodeFunctionData({ abi: world.abis.policy, functionName: "revoke", args: [stopLoss.id] }) }]);
    expect(await stopLoss.getStatus()).to.equal(SessionStatus.Revoked);
    expect(await twap.getSession()).to.deep.equal(twapView);
    await twap.send([swap(twap, world.usdc, world.weth, usdc("50"))]);
  });

  it("gives the same configuration on two accounts two independent sessions", async function () {
    const config = sessionConfig(await world.now(), {
      calls: [allow(world.usdc, "transfer(address,uint256)")],
      tokens: [limit(world.usdc, { total: usdc("100") })],
    });
    const sessionKey = privateKeyToAccount(generatePrivateKey());
    const alice = await openSession(world, config, { sessionKey, usdc: usdc("1000") });
    const bob = await openSession(world, config, { sessionKey, usdc: usdc("1000") });
    expect(bob.address).to.not.equal(alice.address);
    expect(bob.id).to.equal(alice.id);
    const to = randomAddress();

    await alice.send([erc20.transfer(world.usdc, to, usdc("100"))]);
    expect(await alice.getStatus()).to.equal(SessionStatus.Exhausted);
    expect(await bob.getStatus()).to.equal(SessionStatus.Unknown);
    const result = await bob.send([erc20.transfer(world.usdc, to, usdc("100"))]);
    expectUsed(bob, result, [used({ token: world.usdc, amount: usdc("100"), remainingTotal: 0n })]);
    await expectRefused(alice, [erc20.transfer(world.usdc, to, 1n)], { error: "TotalCapExceeded", args: [world.usdc, 1n, 0n] });
  });
});
