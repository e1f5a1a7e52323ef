import { toSudoPolicy } from "@zerodev/permissions/policies";
import { KernelV3FactoryAbi } from "@zerodev/sdk";
import { expect } from "chai";
import hre, { network } from "hardhat";
import {
  type Abi,
  type Address,
  type Hex,
  custom,
  decodeFunctionData,
  encodeFunctionData,
  erc20Abi,
  getAddress,
  parseEther,
  parseUnits,
  toFunctionSelector,
  zeroAddress,
} from "viem";
import { generatePrivateKey, privateKeyToAccount } from "viem/accounts";
import type { UserOperation } from "viem/account-abstraction";
import type { Policy } from "@zerodev/permissions";
import { createOwnerAccount, createSessionAccount, type KernelAccount } from "../sdk/accounts.js";
import { localClient } from "../testkit/testbed/client.js";
import { type DeployClient, deployArtifact, deployTestBed, type TestBed } from "../testkit/testbed/deploy.js";
import { checkValidation, type ValidationReport } from "../testkit/testbed/erc7562.js";
import { configuredPolicy, encodeTimeClaim, sessionPolicy, type PolicySlices } from "../sdk/policies.js";
import { sendUserOperationDirect, signUserOperationDirect, submitUserOperation } from "../sdk/userops.js";
import { STANDALONE_GAS } from "./policies/config.js";
import { type ContractName, contractAbis, factoryStakerAbi } from "../sdk/contracts.js";
import { NO_ARG } from "../sdk/rules.js";

const DAY = 86_400;

describe("ERC-7562: validation traced opcode by opcode", function () {
  const connection = network.create();
  let client: DeployClient;
  let bed: TestBed;
  let policy: Address;
  let policyAbi: Abi;
  let usdc: Address;

  before(async function () {
    const { provider } = await connection;
    client = await localClient(custom(provider));
    bed = await deployTestBed({ client, artifacts: hre.artifacts });
    policy = await deployArtifact(client, hre.artifacts, "SessionPolicy");
    policyAbi = contractAbis.SessionPolicy as Abi;
    usdc = await deployArtifact(client, hre.artifacts, "MockERC20", ["Mock USD Coin", "USDC", 6]);
  });

  /** Sends two ops through `account`, checking each op's validation with a trace before it is sent. */
  async function traceTwoOps(account: KernelAccount): Promise<ValidationReport[]> {
    const { provider } = await connection;
    const tokenAbi = contractAbis.MockERC20 as Abi;
    await client.sendTransaction({ to: account.address, value: parseEther("1") });
    await client.writeContract({ address: usdc, abi: tokenAbi, functionName: "mint", args: [account.address, parseUnits("1000", 6)] });
    const transfer = {
      to: usdc,
      data: encodeFunctionData({ abi: erc20Abi, functionName: "transfer", args: [bed.ownerValidator, 1_000_000n] }),
    };
    const reports: ValidationReport[] = [];
    for (let i = 0; i < 2; i++) {
      await sendUserOperationDirect({
        submitter: client,
        account,
        calls: [transfer],
        tamper: async (op: UserOperation<"0.7">) => {
          reports.push(await checkValidation({ provider, entryPoint: bed.entryPoint, userOperation: op, from: client.account.address }));
          return op;
        },
      });
    }
    return reports;
  }

  function sessionConfig(start: number) {
    return {
      validAfter: start - 60,
      validUntil: start + DAY,
      window: 3_600,
      callsPerWindow: 10,
      maxCalls: 100,
      maxFeePerOperation: parseEther("0.1"),
      maxFeeTotal: 0n,
      paymaster: zeroAddress,
      signatureSenders: [],
      calls: [
        {
          target: usdc, selector: toFunctionSelector("transfer(address,uint256)"), allowValue: false, amountArg: NO_ARG,
          tokenArg: NO_ARG, amountToken: zeroAddress, accountArg: NO_ARG, equalArg: NO_ARG, equalValue: `0x${"00".repeat(32)}` as Hex,
        },
      ],
      tokens: [{ token: usdc, perTransaction: parseUnits("50", 6), total: parseUnits("500", 6), perPeriod: parseUnits("100", 6), period: DAY }],
    };
  }

  async function session(policies: Policy[], policySlices?: PolicySlices) {
    return createSessionAccount({
      client, bed, owner: privateKeyToAccount(generatePrivateKey()), sessionKey: privateKeyToAccount(generatePrivateKey()),
      policies, policySlices,
    });
  }

  const claimNow: PolicySlices = async () => [{ index: 0, data: encodeTimeClaim((await client.getBlock()).timestamp) }];

  it("SessionPolicy and SessionKeySigner validate without banned opcodes and only with account-associated storage", async function () {
    const start = Number((await client.getBlock()).timestamp);
    const account = await session([sessionPolicy(policy, policyAbi, sessionConfig(start))], claimNow);
    const [enable, steady] = await traceTwoOps(account);
    if (process.env.SHOW_TRACE) for (const r of [enable!, steady!]) console.log(r.steps, [...r.contracts].map(([a, c]) => [a, c.steps, c.slots.length, c.slots.filter((s) => s.op === "SSTORE").length]));
    for (const [label, report] of [["enable mode", enable!], ["plain", steady!]] as const) {
      expect(report.violations, label).to.deep.equal([]);
      const ours = report.contracts.get(getAddress(policy));
      const signer = report.contracts.get(getAddress(bed.sessionKeySigner));
      expect(ours, `${label}: SessionPolicy ran during validation`).to.not.equal(undefined);
      expect(signer, `${label}: SessionKeySigner ran during validation`).to.not.equal(undefined);
      // The policy reads and writes its own storage, every slot associated with the account.
      expect(ours!.slots.some((s) => s.op === "SSTORE" && s.storage === getAddress(policy))).to.equal(true);
      expect(ours!.slots.every((s) => s.associated)).to.equal(true);
      expect([...ours!.opcodes].filter((op) => op === "TIMESTAMP" || op === "NUMBER")).to.deep.equal([]);
    }
    // Enabling writes the whole config: far more slots than a plain operation touches.
    expect(enable!.contracts.get(getAddress(policy))!.slots.length).to.be.greaterThan(
      steady!.contracts.get(getAddress(policy))!.slots.length,
    );
  });

  it("the four standalone policies in one permission are ERC-7562 clean too", async function () {
    const start = Number((await client.getBlock()).timestamp);
    const config = sessionConfig(start);
    const deployed = async (name: ContractName) => ({
      address: await deployArtifact(client, hre.artifacts, name),
      abi: contractAbis[name] as Abi,
    });
    const scope = await deployed("CallScopePolicy");
    const spend = await deployed("SpendLimitPolicy");
    const rate = await deployed("RateLimitPolicy");
    const expiry = await deployed("ExpiryPolicy");
    const policies = [
      configuredPolicy(scope.address, scope.abi, {
        calls: config.calls.map(({ target, selector, allowValue, accountArg, equalArg, equalValue }) => ({
          target, selector, allowValue, accountArg, equalArg, equalValue,
        })),
      }),
      configuredPolicy(spend.address, spend.abi, { start: config.validAfter, ...STANDALONE_GAS, tokens: config.tokens, rules: [] }),
      configuredPolicy(rate.address, rate.abi, {
        start: config.validAfter, window: config.window, callsPerWindow: config.callsPerWindow, maxCalls: config.maxCalls,
      }),
      configuredPolicy(expiry.address, expiry.abi, { validAfter: config.validAfter, validUntil: config.validUntil }),
    ];
    const claims: PolicySlices = async () => {
      const data = encodeTimeClaim((await client.getBlock()).timestamp);
      return [{ index: 1, data }, { index: 2, data }];
    };
    const reports = await traceTwoOps(await session(policies, claims));
    for (const report of reports) {
      expect(report.violations).to.deep.equal([]);
      for (const p of [scope, spend, rate, expiry]) {
        const activity = report.contracts.get(getAddress(p.address));
        expect(activity, `${p.address} ran during validation`).to.not.equal(undefined);
        expect(activity!.slots.length).to.be.greaterThan(0);
      }
    }
  });

  it("catches a policy that reads the clock and writes unassociated storage", async function () {
    const bad = await deployArtifact(client, hre.artifacts, "ClockReadingPolicy");
    const account = await session([toSudoPolicy({ policyAddress: bad })]);
    const [, steady] = await traceTwoOps(account);
    expect(steady!.violations.some((v) => v.startsWith("TIMESTAMP") && v.includes(getAddress(bad)))).to.equal(true);
    expect(steady!.violations.some((v) => v.startsWith("SSTORE") && v.includes(`in ${getAddress(bad)}`))).to.equal(true);
  });

  it("passes the owner's own validation (OwnerValidator) as well", async function () {
    const account = await createOwnerAccount({ client, bed, owner: privateKeyToAccount(generatePrivateKey()) });
    const [, steady] = await traceTwoOps(account);
    expect(steady!.violations).to.deep.equal([]);
    expect(steady!.contracts.get(getAddress(bed.ownerValidator))?.slots.every((s) => s.associated)).to.equal(true);
  });

  it("deploys accounts through the staked FactoryStaker, where the plain KernelFactory is flagged as an unstaked factory (STO-022)", async function () {
    const { provider } = await connection;
    const account = await createOwnerAccount({ client, bed, owner: privateKeyToAccount(generatePrivateKey()) });
    await client.sendTransaction({ to: account.address, value: parseEther("1") });
    const op = await signUserOperationDirect({ client, account, calls: [{ to: client.account.address, value: 1n }] });
    expect(op.factory).to.equal(bed.factoryStaker);
    const trace = (userOperation: UserOperation<"0.7">) =>
      checkValidation({ provider, entryPoint: bed.entryPoint, userOperation, from: client.account.address });

    const staked = await trace(op);
    expect(staked.factory).to.deep.include({ address: bed.factoryStaker, staked: true });
    expect(staked.factory!.steps).to.be.greaterThan(0);
    expect(staked.violations).to.deep.equal([]);

    // The same account, deployed by the plain factory: same address, and the owner's slot in
    // OwnerValidator written by an unstaked factory.
    const call = decodeFunctionData({ abi: factoryStakerAbi, data: op.factoryData! });
    if (call.functionName !== "deployWithFactory") throw new Error(call.functionName);
    const [inner, initData, salt] = call.args;
    expect(inner).to.equal(bed.kernelFactory);
    const plain: UserOperation<"0.7"> = {
      ...op,
      factory: bed.kernelFactory,
      factoryData: encodeFunctionData({ abi: KernelV3FactoryAbi, functionName: "createAccount", args: [initData, salt] }),
    };
    plain.signature = await account.signUserOperation(plain);
    const unstaked = await trace(plain);
    expect(unstaked.factory).to.deep.include({ address: bed.kernelFactory, staked: false });
    expect(unstaked.violations.some((v) => v.startsWith(`unstaked factory ${bed.kernelFactory} accessed ${getAddress(bed.ownerValidator)} slot`))).to.equal(true);
    expect(unstaked.violations.every((v) => v.includes("STO-022"))).to.equal(true);

    // The operation through the staker goes through, and the account is the one the plain factory gives.
    await submitUserOperation({ submitter: client, userOperation: op, entryPoint: bed.entryPoint });
    expect(await client.getCode({ address: account.address })).to.not.equal(undefined);
  });
});
