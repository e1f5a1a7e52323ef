// Gas of one user operation doing an ERC-20 transfer on the test bed, by how it is validated.
// Exact figures: fixed keys make signatures, addresses and storage the same on every run.
// Run: npm run bench:userop
import { toSudoPolicy } from "@zerodev/permissions/policies";
import hre, { network } from "hardhat";
import {
  type Abi,
  type Address,
  type Hex,
  concat,
  custom,
  encodeAbiParameters,
  encodeFunctionData,
  erc20Abi,
  parseEther,
  parseUnits,
} from "viem";
import { privateKeyToAccount } from "viem/accounts";
import { createOwnerAccount, createSessionAccount, type KernelAccount } from "../sdk/accounts.js";
import { localClient } from "../testkit/testbed/client.js";
import { deployCreate2, deployTestBed } from "../testkit/testbed/deploy.js";
import { sendUserOperationDirect } from "../sdk/userops.js";

const owner = privateKeyToAccount("0x1111111111111111111111111111111111111111111111111111111111111111");
const sessionKey = privateKeyToAccount("0x2222222222222222222222222222222222222222222222222222222222222222");
// Fixed fees: the signed bytes (and so the calldata cost) must not follow the chain's base fee.
const FIXED_START = 1_893_456_000; // 2030-01-01T00:00:00Z
const FIXED_FEES = { maxFeePerGas: 20_000_000_000n, maxPriorityFeePerGas: 1_000_000_000n };
const recipient: Address = "0x000000000000000000000000000000000000bEEF";

const connection = await network.create();
const client = await localClient(custom(connection.provider));
// A fixed clock: configs hold timestamps, which reach permission ids, hashes and signatures, and so
// the calldata's zero bytes. From a fixed start every run signs the same bytes.
await connection.provider.request({ method: "evm_setNextBlockTimestamp", params: [FIXED_START] });
await connection.provider.request({ method: "evm_mine", params: [] });
console.log("deploying the test bed and a mock USDC");
const bed = await deployTestBed({ client, artifacts: hre.artifacts });
const token = await hre.artifacts.readArtifact("MockERC20");
const usdc = await deployCreate2(
  client,
  concat([token.bytecode as Hex, encodeAbiParameters([{ type: "string" }, { type: "string" }, { type: "uint8" }], ["Mock USD Coin", "USDC", 6])]),
);

const transfer = { to: usdc, data: encodeFunctionData({ abi: erc20Abi, functionName: "transfer", args: [recipient, parseUnits("1", 6)] }) };

async function gasOf(account: KernelAccount): Promise<bigint> {
  const r = await sendUserOperationDirect({ submitter: client, account, calls: [transfer], gas: FIXED_FEES });
  return r.receipt.gasUsed;
}

const ownerAccount = await createOwnerAccount({ client, bed, owner });
await client.sendTransaction({ to: ownerAccount.address, value: parseEther("10") });
const tokenAbi = token.abi as Abi;
for (const [to, amount] of [[ownerAccount.address, parseUnits("1000000", 6)], [recipient, 1n]] as const) {
  await client.waitForTransactionReceipt({
    hash: await client.writeContract({ address: usdc, abi: tokenAbi, functionName: "mint", args: [to, amount] }),
  });
}

console.log("measuring");
const firstOwner = await gasOf(ownerAccount); // deploys the account
const steadyOwner = await gasOf(ownerAccount);
// A fixed deadline: the session key's signature covers it, so it must not follow the clock.
const session = await createSessionAccount({
  client,
  bed,
  owner,
  sessionKey,
  policies: [toSudoPolicy({ policyAddress: bed.passThroughPolicy })],
  deadline: async () => FIXED_START + 30 * 86_400,
});
const enable = await gasOf(session);
await gasOf(session);
// The third operation: every run repeats the same keys, nonces and signatures, so its gas is exact.
const steadySession = await gasOf(session);

const rows: [string, bigint][] = [
  ["owner-signed, first op (deploys the account)", firstOwner],
  ["owner-signed, steady state", steadyOwner],
  ["session key + pass-through policy, first op (enable mode)", enable],
  ["session key + pass-through policy, steady state", steadySession],
];
console.log("\nGas of the whole handleOps transaction (21,000 base, calldata, validation with the prefund top-up,");
console.log("execution, EntryPoint bookkeeping) for one ERC-20 transfer user operation, Kernel v3.1, EntryPoint v0.7:");
for (const [label, gas] of rows) console.log(`  ${label.padEnd(60)} ${gas.toLocaleString("en-US").padStart(9)}`);
console.log(`  ${"session permission overhead over owner-signed (steady)".padEnd(60)} ${(steadySession - steadyOwner).toLocaleString("en-US").padStart(9)}`);
console.log("  published reference (aa-benchmark, Feb 2024): Kernel v2.1 owner-signed 96,038; ERC-7579 reference 93,213; Safe 105,089");
