// Call scope through real Kernel v3.1 accounts: amounts read from a swap's arguments, and every
// refusal of calls, targets, modes, account functions and calldata the policy cannot read exactly.
import { expect } from "chai";
import { KernelV3_1AccountAbi } from "@zerodev/sdk";
import { type Address, type Hex, concat, encodeFunctionData, maxUint256, pad, toFunctionSelector } from "viem";
import {
  MODE,
  type Session,
  type World,
  allow,
  balanceOf,
  createWorld,
  erc20,
  executeBatch,
  executeSingle,
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

describe("SessionPolicy through Kernel: call scope", function () {
  let world: World;
  const to = randomAddress();

  before(async function () {
    world = await createWorld();
  });

  describe("amounts read from a swap's arguments (swaps only, at most 50 USDC per trade)", function () {
    let session: Session;

    function swap(opts: { tokenIn?: Address; recipient?: Address; amountIn: bigint }) {
      const params = {
        tokenIn: opts.tokenIn ?? world.usdc,
        tokenOut: opts.tokenIn === world.weth ? world.usdc : world.weth,
        fee: 3000,
        recipient: opts.recipient ?? session.address,
        amountIn: opts.amountIn,
        amountOutMinimum: 0n,
      };
      return { to: world.router, data: encodeFunctionData({ abi: world.abis.router, functionName: "exactInputSingle", args: [params] }) };
    }

    before(async function () {
      // Words of exactInputSingle's struct: tokenIn 0, tokenOut 1, fee 2, recipient 3, amountIn 4, amountOutMinimum 5.
      const config = sessionConfig(await world.now(), {
        calls: [allow(world.router, EXACT_INPUT_SINGLE, { amountArg: 4, tokenArg: 0, accountArg: 3 })],
        tokens: [limit(world.usdc, { perTransaction: usdc("50") })],
      });
      session = await openSession(world, config, { usdc: usdc("1000"), weth: 10n ** 18n });
      // The router's allowance is the owner's: the session itself may only swap.
      await sendAsOwner(session, [erc20.approve(world.usdc, world.router, maxUint256), erc20.approve(world.weth, world.router, maxUint256)]);
    });

    it("counts amountIn in tokenIn: the cap exactly, then one unit more, alone or in a batch", async function () {
      const result = await session.send([swap({ amountIn: usdc("50") })]);
      expectUsed(session, result, [used({ token: world.usdc, amount: usdc("50") })]);
      expect(await balanceOf(world, world.usdc, session.address)).to.equal(usdc("950"));
      expect(await balanceOf(world, world.weth, session.address)).to.equal(10n ** 18n + usdc("50"));

      await expectRefused(session, [swap({ amountIn: usdc("50") + 1n })], {
        error: "PerTransactionCapExceeded",
        args: [world.usdc, usdc("50") + 1n, usdc("50")],
      }, { watch: [world.router] });
      await expectRefused(session, [swap({ amountIn: usdc("30") }), swap({ amountIn: usdc("20") + 1n })], {
        error: "PerTransactionCapExceeded",
        args: [world.usdc, usdc("50") + 1n, usdc("50")],
      }, { watch: [world.router] });
    });

    it("refuses a swap paying out to anyone but the account", async function () {
      await expectRefused(session, [swap({ amountIn: usdc("1"), recipient: to })], {
        error: "ArgumentNotAccount",
        args: [world.router, EXACT_INPUT_SINGLE, 3],
      }, { watch: [to] });
    });

    it("refuses a swap from a token the session has no limit for", async function () {
      await expectRefused(session, [swap({ amountIn: 1n, tokenIn: world.weth })], {
        error: "TokenNotLimited",
        args: [world.weth],
      }, { watch: [world.router] });
    });

    it("refuses a token word that is not a clean address", async function () {
      const { data } = swap({ amountIn: usdc("1") });
      // Set a bit above the 160 address bits of word 0 (tokenIn): Solidity would ignore it.
      const dirty = concat(["0x", data.slice(2, 10), "01", data.slice(12)] as Hex[]);
      await expectRefused(session, [{ to: world.router, data: dirty }], {
        error: "MalformedArgument",
        args: [world.router, EXACT_INPUT_SINGLE, 0],
      });
    });
  });

  describe("refusals of scope, modes and calldata", function () {
    let session: Session;
    const transfer = () => erc20.transfer(world.usdc, to, 1n);

    before(async function () {
      const config = sessionConfig(await world.now(), {
        calls: [allow(world.usdc, "transfer(address,uint256)")],
        tokens: [limit(world.usdc, { perTransaction: usdc("50") })],
      });
      session = await openSession(world, config, { usdc: usdc("100"), weth: 10n ** 18n });
      await session.send([transfer()]);
    });

    it("refuses functions and contracts outside the permissions (CallNotAllowed)", async function () {
      await expectRefused(session, [erc20.approve(world.usdc, to, 1n)], {
        error: "CallNotAllowed",
        args: [world.usdc, toFunctionSelector("approve(address,uint256)")],
      }, { watch: [to] });
      await expectRefused(session, [erc20.transfer(world.weth, to, 1n)], {
        error: "CallNotAllowed",
        args: [world.weth, toFunctionSelector("transfer(address,uint256)")],
      }, { watch: [to] });
      // One call out of scope refuses the whole batch.
      await expectRefused(session, [transfer(), erc20.transfer(world.weth, to, 1n)], {
        error: "CallNotAllowed",
        args: [world.weth, toFunctionSelector("transfer(address,uint256)")],
      }, { watch: [to] });
    });

    it("refuses calls to the account itself and to the policy (ForbiddenTarget)", async function () {
      const selfCall = { to: session.address, data: encodeFunctionData({ abi: KernelV3_1AccountAbi, functionName: "invalidateNonce", args: [2] }) };
      await expectRefused(session, [], { error: "ForbiddenTarget", args: [session.address] }, { callData: executeSingle(MODE.single, selfCall) });
      await expectRefused(session, [transfer(), selfCall], { error: "ForbiddenTarget", args: [session.address] });
      const revoke = { to: world.policy, data: encodeFunctionData({ abi: world.abis.policy, functionName: "revoke", args: [session.id] }) };
      await expectRefused(session, [revoke], { error: "ForbiddenTarget", args: [world.policy] });
    });

    it("refuses delegatecall and try modes (UnsupportedExecMode)", async function () {
      for (const mode of [MODE.delegatecall, MODE.singleTry]) {
        await expectRefused(session, [], { error: "UnsupportedExecMode", args: [mode] }, { callData: executeSingle(mode, transfer()), watch: [to] });
      }
    });

    it("refuses account functions other than execute (UnsupportedFunction)", async function () {
      const install = encodeFunctionData({ abi: KernelV3_1AccountAbi, functionName: "installModule", args: [5n, world.policy, "0x"] });
      await expectRefused(session, [], { error: "UnsupportedFunction", args: [toFunctionSelector("installModule(uint256,address,bytes)")] }, { callData: install });
      const fromExecutor = encodeFunctionData({ abi: KernelV3_1AccountAbi, functionName: "executeFromExecutor", args: [MODE.single, "0x"] });
      await expectRefused(session, [], { error: "UnsupportedFunction", args: [fromExecutor.slice(0, 10)] }, { callData: fromExecutor });
    });

    it("refuses calldata that is not the canonical encoding (MalformedCallData, EmptyBatch)", async function () {
      const single = executeSingle(MODE.single, transfer());
      const word = (n: number) => pad(`0x${n.toString(16)}`);
      const malformed: Record<string, Hex> = {
        "trailing bytes": concat([single, word(0)]),
        "truncated": single.slice(0, single.length - 64) as Hex,
        // Same call, its bytes argument placed one word further: Kernel's decoder would follow it.
        "a non-canonical offset": concat([single.slice(0, 74) as Hex, word(0x60), word(0), `0x${single.slice(138)}`]),
        "a selector only": single.slice(0, 10) as Hex,
      };
      // A batch whose second element points at the first: Kernel would run the first call twice.
      const batch = executeBatch([transfer(), erc20.transfer(world.usdc, to, 2n)]);
      const offset = 2 + 2 * (100 + 64);
      malformed["an aliased batch element"] = `0x${batch.slice(2, offset + 64)}${batch.slice(offset, offset + 64)}${batch.slice(offset + 128)}`;
      for (const [what, callData] of Object.entries(malformed)) {
        const failure = await expectRefused(session, [], { error: "MalformedCallData" }, { callData, watch: [to] });
        expect(failure.error?.name, what).to.equal("MalformedCallData");
      }
      await expectRefused(session, [], { error: "EmptyBatch" }, { callData: executeBatch([]) });
    });
  });
});
