// A leaked session key against the real EntryPoint v0.7 and Kernel v3.1: the attacker holds the key
// (or an operation the key signed), calls handleOps itself and names itself beneficiary. Each case is
// a way the account's coin could leave outside the session's limits, shown refused with nothing moved.
import { expect } from "chai";
import { type Hex, createWalletClient, custom, encodeFunctionData, erc20Abi, parseEther, publicActions } from "viem";
import { generatePrivateKey, privateKeyToAccount } from "viem/accounts";
import { PERMIT2 } from "../../sdk/rules.js";
import { UserOperationError } from "../../sdk/errors.js";
import { encodeTimeClaim } from "../../sdk/policies.js";
import { defaultFeeCap } from "../../sdk/request.js";
import { type DeployClient, signUserOperationDirect, submitUserOperation } from "../../sdk/userops.js";
import {
  DAY,
  HOUR,
  type Session,
  SessionStatus,
  type World,
  allow,
  createWorld,
  erc20,
  expectRefused,
  limit,
  openSession,
  randomAddress,
  sessionConfig,
  usdc,
} from "./fixtures.js";

describe("SessionPolicy through Kernel: a leaked session key against the EntryPoint", function () {
  let world: World;
  let attacker: DeployClient;
  const payee = randomAddress();

  before(async function () {
    world = await createWorld();
    const key = privateKeyToAccount(generatePrivateKey());
    await world.helpers.setBalance(key.address, parseEther("1"));
    attacker = createWalletClient({
      chain: world.client.chain,
      transport: custom(world.connection.provider, { retryCount: 0 }),
      account: key,
      pollingInterval: 50,
    }).extend(publicActions) as DeployClient;
  });

  const balance = (address: Hex) => world.client.getBalance({ address });
  const transferCall = (amount: bigint) => erc20.transfer(world.usdc, payee, amount);

  /** A USDC session (10 USDC in total) with `gas` as its gas bounds, enabled by a first transfer. */
  async function enabled(gas: { maxFeePerOperation?: bigint; maxFeeTotal?: bigint; paymaster?: Hex; signatureSenders?: Hex[] }) {
    const config = sessionConfig(await world.now(), {
      calls: [allow(world.usdc, "transfer(address,uint256)")],
      tokens: [limit(world.usdc, { total: usdc("10") })],
      ...gas,
    });
    const session = await openSession(world, config, { usdc: usdc("100") });
    await session.send([transferCall(1n)]);
    return session;
  }

  /** The attack of finding 1: huge preVerificationGas and fee, 9.5 of the account's 10 ETH as prefund. */
  const DRAIN = { preVerificationGas: 6_500_000n, maxFeePerGas: 1_000_000_000_000n, maxPriorityFeePerGas: 1_000_000_000_000n };

  describe("gas is a limit like any other (findings 1 and 2)", function () {
    it("a session without any gas bound cannot be registered: the owner's approval is refused", async function () {
      const config = sessionConfig(await world.now(), {
        calls: [allow(world.usdc, "transfer(address,uint256)")],
        maxFeePerOperation: 0n,
      });
      const session = await openSession(world, config, { usdc: usdc("1") });
      await expectRefused(session, [transferCall(1n)], {
        error: "InvalidSessionConfig",
        args: ["gas is unbounded: set maxFeePerOperation, maxFeeTotal or a paymaster"],
      });
      expect(await session.getStatus()).to.equal(SessionStatus.Unknown);
    });

    it("huge gas fields signed by the leaked key, sent by the attacker to handleOps: refused, nothing moves", async function () {
      // The SDK's default cap at a 1 gwei network fee.
      const cap = defaultFeeCap(1_000_000_000n);
      const session = await enabled({ maxFeePerOperation: cap });
      const account = await balance(session.address);
      const loot = await balance(attacker.account.address);
      await expectRefused(session, [transferCall(1n)], { error: "FeeCapExceeded", args: [9_500_000n * DRAIN.maxFeePerGas, cap] }, {
        submitter: attacker,
        gas: DRAIN,
      });
      expect(await balance(session.address)).to.equal(account);
      // The beneficiary gained nothing.
      expect(await balance(attacker.account.address)).to.be.at.most(loot);
    });

    it("the attack is real: under a cap above the account's balance, the same operation pays the attacker", async function () {
      const session = await enabled({ maxFeePerOperation: parseEther("20") });
      const loot = await balance(attacker.account.address);
      await session.send([transferCall(1n)], { submitter: attacker, gas: DRAIN });
      // 9.5M gas of prefund at 1,000 gwei; the beneficiary is paid the 6.5M preVerificationGas and
      // what execution used, at that price.
      expect((await balance(attacker.account.address)) - loot).to.be.greaterThan(parseEther("6.5"));
    });

    it("an operation exactly at the cap passes; the account pays at most the cap", async function () {
      const cap = parseEther("0.05");
      const session = await enabled({ maxFeePerOperation: cap });
      // 3.1M gas of limits at cap / 3.1M per gas: exactly the cap.
      const gas = { verificationGasLimit: 2_000_000n, callGasLimit: 1_000_000n, preVerificationGas: 100_000n };
      const maxFeePerGas = cap / 3_100_000n;
      const before = await balance(session.address);
      const result = await session.send([transferCall(1n)], { submitter: attacker, gas: { ...gas, maxFeePerGas, maxPriorityFeePerGas: maxFeePerGas } });
      // The account's prefund (what it sends the EntryPoint; the unused part stays in its deposit).
      const prefund = before - (await balance(session.address));
      expect(prefund).to.be.at.most(cap);
      expect(result.actualGasCost).to.be.greaterThan(0n).and.at.most(prefund);
      await expectRefused(session, [transferCall(1n)], { error: "FeeCapExceeded", args: [3_100_000n * (maxFeePerGas + 1n), cap] }, {
        submitter: attacker,
        gas: { ...gas, maxFeePerGas: maxFeePerGas + 1n, maxPriorityFeePerGas: maxFeePerGas + 1n },
      });
    });

    it("a gas budget bounds the session's whole life: repeated operations at the cap stop at the budget", async function () {
      const gas = { verificationGasLimit: 2_000_000n, callGasLimit: 1_000_000n, preVerificationGas: 100_000n };
      const fee = { maxFeePerGas: 10_000_000_000n, maxPriorityFeePerGas: 1_000_000_000n };
      const perOperation = 3_100_000n * fee.maxFeePerGas; // 0.031 ETH counted per operation
      // The enabling operation (DIRECT_GAS at a few gwei) counts too: a budget of 3.5 operations after it.
      const session = await enabled({ maxFeePerOperation: perOperation, maxFeeTotal: parseEther("0.2") });
      const afterEnable = (await session.getSession()).feeLeft;
      expect(afterEnable).to.be.lessThan(parseEther("0.2"));
      const accountBefore = await balance(session.address);
      let paid = 0n;
      let counted = 0n;
      for (;;) {
        const left = (await session.getSession()).feeLeft;
        if (left < perOperation) {
          await expectRefused(session, [transferCall(1n)], { error: "FeeBudgetExceeded", args: [perOperation, left] }, {
            submitter: attacker,
            gas: { ...gas, ...fee },
          });
          break;
        }
        const result = await session.send([transferCall(1n)], { submitter: attacker, gas: { ...gas, ...fee } });
        paid += result.actualGasCost;
        counted += perOperation;
        expect((await session.getSession()).feeLeft).to.equal(left - perOperation);
      }
      expect(counted).to.equal(afterEnable - (await session.getSession()).feeLeft);
      // What was counted (each operation's most possible cost) bounds what was really paid.
      expect(paid).to.be.greaterThan(0n).and.lessThan(counted);
      // The account's coin: what left it went to its EntryPoint deposit or was paid as gas.
      expect(accountBefore - (await balance(session.address))).to.be.at.most(counted);
    });

    it("a configured paymaster without a cap is required: an operation paying from the account is refused", async function () {
      const paymaster = randomAddress();
      const config = sessionConfig(await world.now(), {
        calls: [allow(world.usdc, "transfer(address,uint256)")],
        maxFeePerOperation: 0n,
        paymaster,
      });
      const session = await openSession(world, config, { usdc: usdc("1") });
      const account = await balance(session.address);
      await expectRefused(session, [transferCall(1n)], { error: "PaymasterRequired", args: [paymaster] }, { submitter: attacker, gas: DRAIN });
      expect(await balance(session.address)).to.equal(account);
    });

    it("another paymaster than the configured one is refused before the EntryPoint asks it", async function () {
      const session = await enabled({ maxFeePerOperation: parseEther("0.05"), paymaster: randomAddress() });
      const other = randomAddress();
      let failure: unknown;
      try {
        const op = await signUserOperationDirect({ client: world.client, account: session.account, calls: [transferCall(1n)] });
        const sponsored = { ...op, paymaster: other, paymasterVerificationGasLimit: 100_000n, paymasterPostOpGasLimit: 0n, paymasterData: "0x" as Hex };
        sponsored.signature = await session.account.signUserOperation(sponsored);
        await submitUserOperation({ submitter: attacker, userOperation: sponsored, abis: world.errorAbis });
      } catch (err) {
        failure = err;
      }
      expect(failure).to.be.instanceOf(UserOperationError);
      expect((failure as UserOperationError).failure.error).to.deep.equal({ name: "PaymasterNotAllowed", args: [other] });
    });
  });

  describe("held operations expire (finding 4)", function () {
    /** An operation the session key signed now and someone held back (a bundler, a relay). */
    async function held(session: Session) {
      return signUserOperationDirect({ client: world.client, account: session.account, calls: [transferCall(usdc("1"))] });
    }

    it("an operation submitted after its signed deadline is refused, whatever its time claim says", async function () {
      const config = sessionConfig(await world.now(), {
        validUntil: (await world.now()) + 30 * DAY,
        calls: [allow(world.usdc, "transfer(address,uint256)")],
        tokens: [limit(world.usdc, { perPeriod: usdc("5"), period: DAY })],
      });
      const session = await openSession(world, config, { usdc: usdc("100") });
      await session.send([transferCall(1n)]);
      const op = await held(session);
      // Two days later, in a new period with a full allowance, the held operation is dead...
      await world.travelTo((await world.now()) + 2 * DAY);
      const before = await session.observe([payee]);
      await expectAA(submitUserOperation({ submitter: attacker, userOperation: op, abis: world.errorAbis }), "AA22");
      // ...and re-aiming its claim at the new period does not revive it.
      const reaimed = { ...op, signature: withClaim(op.signature, await world.now()) };
      await expectAA(submitUserOperation({ submitter: attacker, userOperation: reaimed, abis: world.errorAbis }), "AA22");
      // Moving the deadline breaks the session key's signature.
      const extended = { ...op, signature: withDeadline(reaimed.signature, (await world.now()) + 600) };
      await expectAA(submitUserOperation({ submitter: attacker, userOperation: extended, abis: world.errorAbis }), "AA24");
      expect(await session.observe([payee])).to.deep.equal(before);
    });

    it("within its deadline, a claim re-aimed at a period that starts after the deadline is refused", async function () {
      const start = await world.now();
      const config = sessionConfig(start, {
        calls: [allow(world.usdc, "transfer(address,uint256)")],
        tokens: [limit(world.usdc, { perPeriod: usdc("5"), period: HOUR })],
      });
      const session = await openSession(world, config, { usdc: usdc("100") });
      await session.send([transferCall(1n)]);
      const op = await held(session);
      const nextPeriod = start + HOUR;
      const reaimed = { ...op, signature: withClaim(op.signature, nextPeriod) };
      await expectAA(submitUserOperation({ submitter: attacker, userOperation: reaimed, abis: world.errorAbis }), "AA22");
      // Submitted as signed, it executes once.
      const result = await submitUserOperation({ submitter: attacker, userOperation: op, abis: world.errorAbis });
      expect(result.success).to.equal(true);
    });
  });

  describe("signatures the session could give (finding 3)", function () {
    it("Permit2 cannot be a signature sender: the owner's approval listing it is refused", async function () {
      const config = sessionConfig(await world.now(), {
        calls: [allow(world.usdc, "transfer(address,uint256)")],
        signatureSenders: [randomAddress(), PERMIT2],
      });
      const session = await openSession(world, config, { usdc: usdc("1") });
      await expectRefused(session, [transferCall(1n)], { error: "InvalidSessionConfig", args: ["Permit2 cannot be a signature sender"] });
    });
  });

  describe("decoding is exact (finding 5)", function () {
    /** Kernel's execute(single) of one USDC transfer, as an encoder writes it (120 bytes of execution). */
    function executeSingle(amount: bigint): Hex {
      const data = encodeFunctionData({ abi: erc20Abi, functionName: "transfer", args: [payee, amount] });
      const execution = `${world.usdc.slice(2)}${"0".repeat(64)}${data.slice(2)}`;
      return `0xe9ae5c53${"0".repeat(64)}${(0x40).toString(16).padStart(64, "0")}${(execution.length / 2).toString(16).padStart(64, "0")}${execution}${"0".repeat(16)}` as Hex;
    }

    it("non-zero padding, and a length word reaching into the padding, are refused", async function () {
      const session = await enabled({ maxFeePerOperation: parseEther("0.05") });
      const canonical = executeSingle(5n);
      const dirty = `${canonical.slice(0, -2)}01` as Hex;
      await expectRefused(session, [], { error: "MalformedCallData" }, { callData: dirty, submitter: attacker });
      // Length 119 instead of 120: the transfer's last byte (5) would be padding.
      const short = `${canonical.slice(0, 2 + 8 + 128)}${(119).toString(16).padStart(64, "0")}${canonical.slice(2 + 8 + 192)}` as Hex;
      await expectRefused(session, [], { error: "MalformedCallData" }, { callData: short, submitter: attacker });
      // The canonical bytes pass.
      await session.send([], { callData: canonical, submitter: attacker });
    });
  });
});

/** The call fails with the EntryPoint code `code`. */
async function expectAA(promise: Promise<unknown>, code: string) {
  try {
    await promise;
  } catch (err) {
    expect(err).to.be.instanceOf(UserOperationError);
    expect((err as UserOperationError).failure.code, (err as Error).message).to.equal(code);
    return;
  }
  expect.fail(`the operation was accepted (expected ${code})`);
}

/** The permission signature `00 ‖ 0000000000000006 ‖ claim ‖ ff ‖ deadline ‖ ecdsa` with another claim. */
function withClaim(signature: Hex, claim: number): Hex {
  const body = signature.slice(2);
  expect(body.slice(0, 18)).to.equal("000000000000000006");
  return `0x${body.slice(0, 18)}${encodeTimeClaim(claim).slice(2)}${body.slice(30)}` as Hex;
}

/** The same signature with another deadline in front of the session key's part. */
function withDeadline(signature: Hex, deadline: number): Hex {
  const body = signature.slice(2);
  expect(body.slice(30, 32)).to.equal("ff");
  return `0x${body.slice(0, 32)}${encodeTimeClaim(deadline).slice(2)}${body.slice(44)}` as Hex;
}
