// Exact gas of our policies on one ERC-20 transfer user operation, against the same operation
// under a pass-through policy (same session signer, same account state, fixed keys).
// Run: npm run bench:policies (prints), npm run gas (also rewrites snapshots/policy-gas.json and
// shows the change against the committed snapshot).
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import hre, { network } from "hardhat";
import {
  type Abi,
  type Address,
  custom,
  encodeFunctionData,
  erc20Abi,
  getAddress,
  keccak256,
  parseEther,
  parseUnits,
  stringToHex,
  toFunctionSelector,
  zeroAddress,
} from "viem";
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
// Fixed fees: the signed bytes (and so the calldata cost) must not follow the chain's base fee.
const FIXED_START = 1_893_456_000; // 2030-01-01T00:00:00Z
const FIXED_FEES = { maxFeePerGas: 20_000_000_000n, maxPriorityFeePerGas: 1_000_000_000n };
const recipient: Address = "0x000000000000000000000000000000000000bEEF";
// A fixed deadline for the session key's signatures: they cover it, so it must not follow the clock.
const FIXED_DEADLINE = async () => FIXED_START + 30 * DAY;

const connection = await network.create();
const client = await localClient(custom(connection.provider));
// A fixed clock: configs hold timestamps, which reach permission ids, hashes and signatures, and so
// the calldata's zero bytes. From a fixed start every run signs the same bytes.
await connection.provider.request({ method: "evm_setNextBlockTimestamp", params: [FIXED_START] });
await connection.provider.request({ method: "evm_mine", params: [] });
const log = (m: string) => console.log(`[bench] ${m}`);
log("deploying the test bed, SessionPolicy and a mock USDC");
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
const standalone = Object.fromEntries(
  await Promise.all(
    (["ExpiryPolicy", "RateLimitPolicy", "CallScopePolicy", "SpendLimitPolicy"] as const).map(async (name) => [
      name,
      { address: await deployAtFixedAddress(name), abi: contractAbis[name] as Abi },
    ]),
  ),
) as Record<"ExpiryPolicy" | "RateLimitPolicy" | "CallScopePolicy" | "SpendLimitPolicy", { address: Address; abi: Abi }>;
const tokenAbi = contractAbis.MockERC20 as Abi;
const usdc = await deployArtifact(client, hre.artifacts, "MockERC20", ["Mock USD Coin", "USDC", 6]);
const start = Number((await client.getBlock()).timestamp);

async function mint(to: Address, amount: bigint) {
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

/** Gas of the enable-mode op and of a steady-state op, on a fresh account (index picks it). */
async function measure(label: string, index: bigint, policies: Policy[], policySlices?: PolicySlices) {
  // The account is deployed by an owner-signed op first, so the session's first op is only its enabling.
  const deployer = await createOwnerAccount({ client, bed, owner, index });
  await client.sendTransaction({ to: deployer.address, value: parseEther("10") });
  await mint(deployer.address, parseUnits("1000000", 6));
  await sendUserOperationDirect({ submitter: client, account: deployer, calls: [transfer], gas: FIXED_FEES });
  const account = await createSessionAccount({ client, bed, owner, sessionKey, policies, index, policySlices, deadline: FIXED_DEADLINE });
  const gas = async () => (await sendUserOperationDirect({ submitter: client, account, calls: [transfer], gas: FIXED_FEES })).receipt.gasUsed;
  const enable = await gas();
  await gas();
  // The third operation: every run repeats the same keys, nonces and signatures, so its gas is exact.
  const steady = await gas();
  log(`${label}: enable ${enable}, steady ${steady}`);
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

const baseline = await measure("pass-through policy", 1n, [toSudoPolicy({ policyAddress: bed.passThroughPolicy })]);
const full = await measure(
  "SessionPolicy (scope + spend limit with period + rate limit + expiry)",
  2n,
  [sessionPolicy(sessionPolicyAddress, sessionPolicyAbi, fullConfig)],
  claimNow,
);
// A lifetime gas budget as well: the fees word is then written by every operation.
const budgeted = await measure(
  "SessionPolicy, full set with a gas budget",
  8n,
  [sessionPolicy(sessionPolicyAddress, sessionPolicyAbi, { ...fullConfig, maxFeeTotal: parseEther("100") })],
  claimNow,
);
const expiry = await measure("ExpiryPolicy alone", 3n, [policyOf("ExpiryPolicy", standaloneConfigs.expiry)]);
const rateLimit = await measure("RateLimitPolicy alone", 4n, [policyOf("RateLimitPolicy", standaloneConfigs.rateLimit)], claimNow);
const callScope = await measure("CallScopePolicy alone", 5n, [policyOf("CallScopePolicy", standaloneConfigs.callScope)]);
const spendLimit = await measure("SpendLimitPolicy alone", 6n, [policyOf("SpendLimitPolicy", standaloneConfigs.spendLimit)], claimNow);
const composed = await measure(
  "the four standalone policies in one permission",
  7n,
  [
    policyOf("CallScopePolicy", standaloneConfigs.callScope),
    policyOf("SpendLimitPolicy", standaloneConfigs.spendLimit),
    policyOf("RateLimitPolicy", standaloneConfigs.rateLimit),
    policyOf("ExpiryPolicy", standaloneConfigs.expiry),
  ],
  claimsFor(1, 2),
);

const fmt = (n: bigint | number) => n.toLocaleString("en-US").padStart(9);
const rows = [
  { name: "pass-through policy (baseline)", ...baseline },
  { name: "SessionPolicy, full set", ...full },
  { name: "SessionPolicy, full set with a gas budget", ...budgeted },
  { name: "ExpiryPolicy alone", ...expiry },
  { name: "RateLimitPolicy alone", ...rateLimit },
  { name: "CallScopePolicy alone", ...callScope },
  { name: "SpendLimitPolicy alone (with period)", ...spendLimit },
  { name: "the four standalone policies composed", ...composed },
];
console.log("\nhandleOps gas, one ERC-20 transfer user operation, session key signer (Kernel v3.1):");
console.log(`  ${"".padEnd(56)}    steady   overhead     enable   overhead`);
for (const r of rows) {
  console.log(
    `  ${r.name.padEnd(56)} ${fmt(r.steady)} ${fmt(r.steady - baseline.steady)} ${fmt(r.enable)} ${fmt(r.enable - baseline.enable)}`,
  );
}
console.log("  goal: steady overhead <= 12,000; ZeroDev CallPolicy + RateLimitPolicy + TimestampPolicy: 56,054 (steady)");

// The committed snapshot: every change to the policies shows its gas diff.
const snapshotFile = "snapshots/policy-gas.json";
const snapshot = Object.fromEntries(
  rows.map((r) => [r.name, { steady: Number(r.steady), enable: Number(r.enable), steadyOverhead: Number(r.steady - baseline.steady), enableOverhead: Number(r.enable - baseline.enable) }]),
);
if (existsSync(snapshotFile)) {
  const old = JSON.parse(readFileSync(snapshotFile, "utf8")) as Record<string, { steady: number; enable: number }>;
  for (const [name, now] of Object.entries(snapshot)) {
    const before = old[name];
    if (!before) console.log(`  new in snapshot: ${name}`);
    else if (before.steady !== now.steady || before.enable !== now.enable) {
      console.log(`  changed: ${name}: steady ${before.steady} -> ${now.steady} (${now.steady - before.steady >= 0 ? "+" : ""}${now.steady - before.steady}), enable ${before.enable} -> ${now.enable} (${now.enable - before.enable >= 0 ? "+" : ""}${now.enable - before.enable})`);
    }
  }
}
if (process.env.GAS_SNAPSHOT === "write") {
  mkdirSync("snapshots", { recursive: true });
  writeFileSync(snapshotFile, `${JSON.stringify(snapshot, null, 2)}\n`);
  console.log(`  wrote ${snapshotFile}`);
}
