// The gas scenarios of our policies, measured exactly: one ERC-20 transfer user operation through
// EntryPoint.handleOps, first (enable mode) and steady, for each set of policies, against the same
// operation under a pass-through policy (same session signer, same account state, fixed keys, fees
// and clock). Used by bench/policy-gas.ts (prints, `npm run gas` writes snapshots/policy-gas/) and by
// test/gas-snapshot.test.ts (fails on a figure more than 1% above its committed snapshot).
import { brotliCompressSync, constants as zlibConstants } from "node:zlib";
import hre, { network } from "hardhat";
import {
  type Abi,
  type Address,
  custom,
  decodeFunctionData,
  encodeFunctionData,
  erc20Abi,
  getAddress,
  type Hex,
  hexToBytes,
  keccak256,
  parseEther,
  parseUnits,
  stringToHex,
  toFunctionSelector,
  zeroAddress,
} from "viem";
import { entryPoint07Abi } from "viem/account-abstraction";
import { privateKeyToAccount } from "viem/accounts";
import type { Policy } from "@zerodev/permissions";
import { toSudoPolicy } from "@zerodev/permissions/policies";
import { createOwnerAccount, createSessionAccount } from "../sdk/accounts.js";
import { localClient } from "../testkit/testbed/client.js";
import { deployArtifact, deployTestBed } from "../testkit/testbed/deploy.js";
import { configuredPolicy, encodeTimeClaim, sessionPolicy, type PolicySlices } from "../sdk/policies.js";
import { sendUserOperationDirect } from "../sdk/userops.js";
import { contractAbis } from "../sdk/contracts.js";
import { callPermission } from "../sdk/rules.js";

const DAY = 86_400;
const owner = privateKeyToAccount("0x1111111111111111111111111111111111111111111111111111111111111111");
const sessionKey = privateKeyToAccount("0x2222222222222222222222222222222222222222222222222222222222222222");
// A fixed clock: configs and time claims hold timestamps, which reach permission ids, hashes and
// signatures, and so the calldata's zero bytes. Every block the run makes is 12 s after the last.
const FIXED_START = 1_893_456_000; // 2030-01-01T00:00:00Z
const BLOCK_TIME = 12;
// Fixed fees: the signed bytes (and so the calldata cost) must not follow the chain's base fee.
const FIXED_FEES = { maxFeePerGas: 20_000_000_000n, maxPriorityFeePerGas: 1_000_000_000n };
const recipient: Address = "0x000000000000000000000000000000000000bEEF";
// A fixed deadline for the session key's signatures: they cover it, so it must not follow the clock.
const FIXED_DEADLINE = async () => FIXED_START + 30 * DAY;

/** The bytes of one operation, as a rollup and L1 charge for them. */
export interface OperationBytes {
  /** The handleOps transaction's calldata, one operation in it. */
  calldata: number;
  zero: number;
  /** EIP-2028 pricing on L1: 16 gas per non-zero byte, 4 per zero byte. */
  l1Gas: number;
  /** Brotli (quality 11) of the calldata: what a rollup's batch compression leaves to post. */
  compressed: number;
  /** The operation's signature: Kernel's prefix, the policies' slices, the signer's signature (and enable data when enabling). */
  signature: number;
}

export interface Figures {
  gas: number;
  /** Over the pass-through policy's same operation. */
  overhead: number;
  bytes: OperationBytes;
  /** Signature bytes over the pass-through policy's. */
  signatureOverhead: number;
}

export interface Scenario {
  /** File name in snapshots/policy-gas/. */
  slug: string;
  name: string;
  steady: Figures;
  enable: Figures;
}

/** Bytes of a handleOps transaction's calldata. */
export function operationBytes(input: Hex): OperationBytes {
  const bytes = hexToBytes(input);
  const zero = bytes.filter((b) => b === 0).length;
  const { args } = decodeFunctionData({ abi: entryPoint07Abi, data: input });
  const [ops] = args as unknown as [{ signature: Hex }[]];
  const compressed = brotliCompressSync(bytes, { params: { [zlibConstants.BROTLI_PARAM_QUALITY]: 11 } }).length;
  return { calldata: bytes.length, zero, l1Gas: zero * 4 + (bytes.length - zero) * 16, compressed, signature: (ops[0]!.signature.length - 2) / 2 };
}

/** Runs every scenario on a fresh in-process chain. */
export async function measurePolicyGas(log: (message: string) => void = () => {}): Promise<Scenario[]> {
  const connection = await network.create();
  const client = await localClient(custom(connection.provider));
  let clock = FIXED_START;
  /** Every transaction of the run is mined at the next fixed second. */
  const nextBlock = () => connection.provider.request({ method: "evm_setNextBlockTimestamp", params: [(clock += BLOCK_TIME)] });
  await nextBlock();
  await connection.provider.request({ method: "evm_mine", params: [] });
  log("deploying the test bed, the policies and a mock USDC");
  const bed = await deployTestBed({ client, artifacts: hre.artifacts });
  /**
   * Each policy runs at a fixed address, its runtime code copied there from its CREATE2 deployment: a
   * policy's address reaches the calldata (enable data, permission ids), and CREATE2 moves it with
   * every change to the bytecode, which would move the figures by the calldata of a few bytes that
   * change between zero and non-zero. Fixed addresses without zero bytes (as most real ones) keep the
   * figures to what the code costs, comparable from one change to the next.
   */
  async function deployAtFixedAddress(name: "SessionPolicy" | "ExpiryPolicy" | "RateLimitPolicy" | "CallScopePolicy" | "SpendLimitPolicy"): Promise<Address> {
    const deployed = await deployArtifact(client, hre.artifacts, name);
    const hash = keccak256(stringToHex(`leash.bench.${name}`)).slice(2, 42);
    const fixed = getAddress(`0x${hash.match(/../g)!.map((byte) => (byte === "00" ? "11" : byte)).join("")}`);
    const code = await client.getCode({ address: deployed });
    await connection.provider.request({ method: "hardhat_setCode", params: [fixed, code] });
    return fixed;
  }
  const sessionPolicyAddress = await deployAtFixedAddress("SessionPolicy");
  const sessionPolicyAbi = contractAbis.SessionPolicy as Abi;
  const standalone = {} as Record<"ExpiryPolicy" | "RateLimitPolicy" | "CallScopePolicy" | "SpendLimitPolicy", { address: Address; abi: Abi }>;
  for (const name of ["ExpiryPolicy", "RateLimitPolicy", "CallScopePolicy", "SpendLimitPolicy"] as const) {
    standalone[name] = { address: await deployAtFixedAddress(name), abi: contractAbis[name] as Abi };
  }
  const tokenAbi = contractAbis.MockERC20 as Abi;
  const usdc = await deployArtifact(client, hre.artifacts, "MockERC20", ["Mock USD Coin", "USDC", 6]);
  // The deployments' blocks followed the wall clock (a second or more each): from an hour later on,
  // every block is at a fixed second.
  clock = FIXED_START + 3600;
  await nextBlock();
  await connection.provider.request({ method: "evm_mine", params: [] });
  const start = Number((await client.getBlock()).timestamp);

  async function mint(to: Address, amount: bigint) {
    await nextBlock();
    await client.waitForTransactionReceipt({
      hash: await client.writeContract({ address: usdc, abi: tokenAbi, functionName: "mint", args: [to, amount] }),
    });
  }
  await mint(recipient, 1n);

  const transfer = {
    to: usdc,
    data: encodeFunctionData({ abi: erc20Abi, functionName: "transfer", args: [recipient, parseUnits("1", 6)] }),
  };
  /** Time claims for the policies at `indices` of the permission. */
  const claimsFor =
    (...indices: number[]): PolicySlices =>
    async () => {
      const data = encodeTimeClaim((await client.getBlock()).timestamp);
      return indices.map((index) => ({ index, data }));
    };
  const claimNow = claimsFor(0);

  /** Gas and bytes of the enable-mode op and of a steady-state op, on a fresh account (index picks it). */
  async function measure(label: string, index: bigint, policies: Policy[], policySlices?: PolicySlices) {
    // The account is deployed by an owner-signed op first, so the session's first op is only its enabling.
    const deployer = await createOwnerAccount({ client, bed, owner, index });
    await nextBlock();
    await client.waitForTransactionReceipt({ hash: await client.sendTransaction({ to: deployer.address, value: parseEther("10") }) });
    await mint(deployer.address, parseUnits("1000000", 6));
    await nextBlock();
    await sendUserOperationDirect({ submitter: client, account: deployer, calls: [transfer], gas: FIXED_FEES });
    const account = await createSessionAccount({ client, bed, owner, sessionKey, policies, index, policySlices, deadline: FIXED_DEADLINE });
    const op = async () => {
      await nextBlock();
      const { receipt, transactionHash } = await sendUserOperationDirect({ submitter: client, account, calls: [transfer], gas: FIXED_FEES });
      const { input } = await client.getTransaction({ hash: transactionHash });
      return { gas: Number(receipt.gasUsed), bytes: operationBytes(input) };
    };
    const enable = await op();
    await op();
    // The third operation: every run repeats the same keys, nonces, clock and signatures, so its gas is exact.
    const steady = await op();
    log(`${label}: enable ${enable.gas}, steady ${steady.gas}`);
    return { enable, steady };
  }

  const fullConfig = {
    validAfter: start - 60,
    validUntil: start + 30 * DAY,
    window: DAY,
    callsPerWindow: 1_000,
    maxCalls: 10_000,
    // Gas is always bounded: a cap per operation (the fees word read by every operation).
    maxFeePerOperation: parseEther("1"),
    maxFeeTotal: 0n,
    paymaster: zeroAddress,
    signatureSenders: [],
    calls: [callPermission(usdc, toFunctionSelector("transfer(address,uint256)"))],
    tokens: [
      { token: usdc, perTransaction: parseUnits("50", 6), total: parseUnits("100000", 6), perPeriod: parseUnits("1000", 6), period: DAY },
    ],
  };

  const usdcLimit = fullConfig.tokens[0]!;
  const standaloneConfigs = {
    expiry: { validAfter: fullConfig.validAfter, validUntil: fullConfig.validUntil },
    rateLimit: { start: fullConfig.validAfter, window: fullConfig.window, callsPerWindow: fullConfig.callsPerWindow, maxCalls: fullConfig.maxCalls },
    callScope: {
      calls: fullConfig.calls.map((c) => ({
        target: c.target, selector: c.selector, allowValue: c.allowValue, accountArg: c.accountArg, equalArg: c.equalArg, equalValue: c.equalValue,
      })),
    },
    spendLimit: {
      start: fullConfig.validAfter,
      maxFeePerOperation: fullConfig.maxFeePerOperation,
      maxFeeTotal: 0n,
      paymaster: zeroAddress,
      tokens: [usdcLimit],
      rules: [],
    },
  };
  const policyOf = (name: keyof typeof standalone, config: Record<string, unknown>) =>
    configuredPolicy(standalone[name].address, standalone[name].abi, config);

  const runs: { slug: string; name: string; run: () => ReturnType<typeof measure> }[] = [
    { slug: "pass-through", name: "pass-through policy (baseline)", run: () => measure("pass-through policy", 1n, [toSudoPolicy({ policyAddress: bed.passThroughPolicy })]) },
    {
      slug: "session-full-set",
      name: "SessionPolicy, full set",
      run: () => measure("SessionPolicy (scope + spend limit with period + rate limit + expiry)", 2n, [sessionPolicy(sessionPolicyAddress, sessionPolicyAbi, fullConfig)], claimNow),
    },
    {
      // A lifetime gas budget as well: the fees word is then written by every operation.
      slug: "session-full-set-gas-budget",
      name: "SessionPolicy, full set with a gas budget",
      run: () => measure("SessionPolicy, full set with a gas budget", 8n, [sessionPolicy(sessionPolicyAddress, sessionPolicyAbi, { ...fullConfig, maxFeeTotal: parseEther("100") })], claimNow),
    },
    { slug: "expiry", name: "ExpiryPolicy alone", run: () => measure("ExpiryPolicy alone", 3n, [policyOf("ExpiryPolicy", standaloneConfigs.expiry)]) },
    { slug: "rate-limit", name: "RateLimitPolicy alone", run: () => measure("RateLimitPolicy alone", 4n, [policyOf("RateLimitPolicy", standaloneConfigs.rateLimit)], claimNow) },
    { slug: "call-scope", name: "CallScopePolicy alone", run: () => measure("CallScopePolicy alone", 5n, [policyOf("CallScopePolicy", standaloneConfigs.callScope)]) },
    { slug: "spend-limit", name: "SpendLimitPolicy alone (with period)", run: () => measure("SpendLimitPolicy alone", 6n, [policyOf("SpendLimitPolicy", standaloneConfigs.spendLimit)], claimNow) },
    {
      slug: "four-composed",
      name: "the four standalone policies composed",
      run: () =>
        measure(
          "the four standalone policies in one permission",
          7n,
          [
            policyOf("CallScopePolicy", standaloneConfigs.callScope),
            policyOf("SpendLimitPolicy", standaloneConfigs.spendLimit),
            policyOf("RateLimitPolicy", standaloneConfigs.rateLimit),
            policyOf("ExpiryPolicy", standaloneConfigs.expiry),
          ],
          claimsFor(1, 2),
        ),
    },
  ];
  const measured: { slug: string; name: string; steady: { gas: number; bytes: OperationBytes }; enable: { gas: number; bytes: OperationBytes } }[] = [];
  for (const r of runs) measured.push({ slug: r.slug, name: r.name, ...(await r.run()) });
  const base = measured[0]!;
  const figures = (m: { gas: number; bytes: OperationBytes }, b: { gas: number; bytes: OperationBytes }): Figures => ({
    gas: m.gas,
    overhead: m.gas - b.gas,
    bytes: m.bytes,
    signatureOverhead: m.bytes.signature - b.bytes.signature,
  });
  return measured.map((m) => ({ slug: m.slug, name: m.name, steady: figures(m.steady, base.steady), enable: figures(m.enable, base.enable) }));
}

/** Every number of a scenario, by its path ("steady.gas", "enable.bytes.l1Gas", ...). */
export function figuresOf(scenario: Pick<Scenario, "steady" | "enable">): Record<string, number> {
  const out: Record<string, number> = {};
  const walk = (value: unknown, path: string) => {
    if (typeof value === "number") out[path] = value;
    else if (value && typeof value === "object") for (const [k, v] of Object.entries(value)) walk(v, path ? `${path}.${k}` : k);
  };
  walk({ steady: scenario.steady, enable: scenario.enable }, "");
  return out;
}

/** Figures of `now` more than `tolerance` above `before` (a rise from 0 counts whatever its size). */
export function rises(before: Record<string, number>, now: Record<string, number>, tolerance = 0.01): string[] {
  return Object.entries(now).flatMap(([path, value]) => {
    const old = before[path];
    if (old === undefined) return [`${path}: not in the snapshot`];
    return value > old + Math.abs(old) * tolerance ? [`${path}: ${old} -> ${value} (+${(((value - old) / Math.max(Math.abs(old), 1)) * 100).toFixed(2)}%)`] : [];
  });
}
