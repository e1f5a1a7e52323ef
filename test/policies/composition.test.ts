import { expect } from "chai";
import hre, { network } from "hardhat";
import {
  type Abi,
  type Address,
  type Hex,
  custom,
  encodeAbiParameters,
  encodeFunctionData,
  erc20Abi,
  parseEther,
  parseUnits,
  toFunctionSelector,
} from "viem";
import { generatePrivateKey, privateKeyToAccount } from "viem/accounts";
import { createSessionAccount, type KernelAccount } from "../../sdk/accounts.js";
import { localClient, readAbis } from "../../testkit/testbed/client.js";
import { type DeployClient, deployArtifact, deployTestBed, type TestBed } from "../../testkit/testbed/deploy.js";
import { UserOperationError } from "../../sdk/errors.js";
import { configuredPolicy, encodeTimeClaim, type PolicySlices } from "../../sdk/policies.js";
import { sendUserOperationDirect, type Call } from "../../sdk/userops.js";
import { STANDALONE_GAS } from "./config.js";
import { contractAbis } from "../../sdk/contracts.js";
import { NO_ARG } from "../../sdk/rules.js";

const HOUR = 3600;
const DAY = 86_400;
const POLICIES = ["CallScopePolicy", "SpendLimitPolicy", "RateLimitPolicy", "ExpiryPolicy"] as const;
const TRANSFER = toFunctionSelector("transfer(address,uint256)");
const APPROVE = toFunctionSelector("approve(address,uint256)");

async function expectRejected(promise: Promise<unknown>) {
  try {
    await promise;
  } catch (err) {
    expect(err).to.be.instanceOf(UserOperationError);
    return (err as UserOperationError).failure;
  }
  expect.fail("the operation was accepted");
}

describe("standalone policies composed in one Kernel permission", function () {
  let client: DeployClient;
  let bed: TestBed;
  let abis: Abi[];
  let policyAbis: Record<(typeof POLICIES)[number], Abi>;
  let policyAddresses: Record<(typeof POLICIES)[number], Address>;
  let usdc: Address;
  let account: KernelAccount;
  const recipient = privateKeyToAccount(generatePrivateKey()).address;

  const latest = async () => Number((await client.getBlock()).timestamp);
  const usdcBalance = (of: Address) =>
    client.readContract({ address: usdc, abi: erc20Abi, functionName: "balanceOf", args: [of] });
  const transfer = (amount: string, to: Address = recipient): Call => ({
    to: usdc,
    data: encodeFunctionData({ abi: erc20Abi, functionName: "transfer", args: [to, parseUnits(amount, 6)] }),
  });
  const send = (calls: Call[]) => sendUserOperationDirect({ submitter: client, account, calls, abis });

  before(async function () {
    const connection = await network.create();
    client = await localClient(custom(connection.provider));
    bed = await deployTestBed({ client, artifacts: hre.artifacts });
    policyAddresses = {} as typeof policyAddresses;
    policyAbis = {} as typeof policyAbis;
    for (const name of POLICIES) {
      policyAddresses[name] = await deployArtifact(client, hre.artifacts, name);
      policyAbis[name] = contractAbis[name] as Abi;
    }
    usdc = await deployArtifact(client, hre.artifacts, "MockERC20", ["Mock USD Coin", "USDC", 6]);
    abis = readAbis(["OwnerValidator", "SessionKeySigner", ...POLICIES, "MockERC20"]);

    const start = (await latest()) - 60;
    const owner = privateKeyToAccount(generatePrivateKey());
    const sessionKey = privateKeyToAccount(generatePrivateKey());
    const configured = (name: (typeof POLICIES)[number], config: Record<string, unknown>) =>
      configuredPolicy(policyAddresses[name], policyAbis[name], config);
    // Index in the permission = position in this list: scope 0, spend 1, rate 2, expiry 3.
    const policies = [
      configured("CallScopePolicy", {
        calls: [{ target: usdc, selector: TRANSFER, allowValue: false, accountArg: NO_ARG, equalArg: 0,
          equalValue: encodeAbiParameters([{ type: "address" }], [recipient]) }],
      }),
      configured("SpendLimitPolicy", {
        start,
        ...STANDALONE_GAS,
        tokens: [{ token: usdc, perTransaction: parseUnits("60", 6), total: parseUnits("100", 6),
          perPeriod: parseUnits("100", 6), period: DAY }],
        rules: [],
      }),
      configured("RateLimitPolicy", {
        start, window: HOUR, callsPerWindow: 3, maxCalls: 10,
      }),
      configured("ExpiryPolicy", {
        validAfter: start, validUntil: start + 2 * HOUR,
      }),
    ];
    // The spend and rate policies read the time claim; scope and expiry get no slice.
    const policySlices: PolicySlices = async () => {
      const claim = encodeTimeClaim(await latest());
      return [{ index: 1, data: claim }, { index: 2, data: claim }];
    };
    account = await createSessionAccount({ client, bed, owner, sessionKey, policies, policySlices });
    await client.waitForTransactionReceipt({
      hash: await client.sendTransaction({ to: account.address, value: parseEther("1") }),
    });
    await client.waitForTransactionReceipt({
      hash: await client.writeContract({
        address: usdc, abi: abis.at(-1)!, functionName: "mint", args: [account.address, parseUnits("1000", 6)],
      }),
    });
  });

  it("lets an operation within every policy through, installing all four in enable mode", async function () {
    const result = await send([transfer("10")]);
    expect(result.success).to.equal(true);
    expect(await usdcBalance(recipient)).to.equal(parseUnits("10", 6));
    for (const name of POLICIES) {
      const installed = await client.readContract({
        address: policyAddresses[name], abi: policyAbis[name], functionName: "isInitialized", args: [account.address],
      });
      expect(installed, name).to.equal(true);
    }
  });

  it("is refused by CallScopePolicy (policy #0) for a function off the list", async function () {
    const failure = await expectRejected(
      send([{ to: usdc, data: encodeFunctionData({ abi: erc20Abi, functionName: "approve", args: [recipient, 1n] }) }]),
    );
    expect(failure.code).to.equal("AA23");
    expect(failure.error).to.deep.equal({ name: "CallNotAllowed", args: [usdc, APPROVE] });
    const other = privateKeyToAccount(generatePrivateKey()).address;
    const mismatch = await expectRejected(send([transfer("1", other)]));
    expect(mismatch.error?.name).to.equal("ArgumentMismatch");
  });

  it("is refused by SpendLimitPolicy (policy #1) one unit over the per-operation cap", async function () {
    const failure = await expectRejected(send([{
      to: usdc,
      data: encodeFunctionData({ abi: erc20Abi, functionName: "transfer", args: [recipient, parseUnits("60", 6) + 1n] }),
    }]));
    expect(failure.code).to.equal("AA23");
    expect(failure.error).to.deep.equal({
      name: "PerTransactionCapExceeded", args: [usdc, parseUnits("60", 6) + 1n, parseUnits("60", 6)],
    });
  });

  it("is refused by RateLimitPolicy (policy #2) when a batch would pass the window's limit", async function () {
    // One call used; three more would make four in a window of three.
    const failure = await expectRejected(send([transfer("1"), transfer("1"), transfer("1")]));
    expect(failure.code).to.equal("AA23");
    expect(failure.error).to.deep.equal({ name: "RateLimitExceeded", args: [0, 3, 1, 3n] });
    // Two more reach the limit exactly.
    expect((await send([transfer("1"), transfer("1")])).success).to.equal(true);
    expect(await usdcBalance(recipient)).to.equal(parseUnits("12", 6));
  });

  it("is refused by the EntryPoint after ExpiryPolicy's validUntil (AA22), though the others accept", async function () {
    await client.request({ method: "evm_increaseTime" as never, params: [2 * HOUR] as never });
    await client.request({ method: "evm_mine" as never, params: [] as never });
    // A new window and period: rate and spend policies would accept; only the expiry range fails.
    const failure = await expectRejected(send([transfer("1")]));
    expect(failure.code).to.equal("AA22");
    expect(await usdcBalance(recipient)).to.equal(parseUnits("12", 6));
    const status = await client.readContract({
      address: policyAddresses.ExpiryPolicy, abi: policyAbis.ExpiryPolicy, functionName: "getStatus",
      args: [account.address, await permissionId()],
    });
    expect(status).to.equal(3); // SessionStatus.Expired
  });

  /** The permission id, as Kernel passes it to modules: the 4-byte id left-aligned in a bytes32. */
  async function permissionId(): Promise<Hex> {
    const logs = await client.getContractEvents({
      address: policyAddresses.ExpiryPolicy, abi: policyAbis.ExpiryPolicy, eventName: "ExpiryRegistered", fromBlock: 0n,
    });
    const log = logs.find((l) => (l.args as { account?: Address }).account === account.address);
    if (!log) throw new Error("no ExpiryRegistered event for the account");
    return (log.args as { id: Hex }).id;
  }
});
