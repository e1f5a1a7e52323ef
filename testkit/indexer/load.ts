// Many real session executions, fast: accounts with a SessionPolicy session (enabled by a first
// operation through the ZeroDev SDK), then user operations built and signed here (the session key
// signs the userOpHash; the policy's time claim goes in its signature slice), many per handleOps
// bundle and many bundles per block (automine off, then evm_mine).
import {
  type Address,
  type Hex,
  encodeFunctionData,
  erc20Abi,
  numberToHex,
  parseEther,
} from "viem";
import { type LocalAccount, generatePrivateKey, privateKeyToAccount } from "viem/accounts";
import {
  entryPoint07Abi,
  entryPoint07Address,
  getUserOperationHash,
  toPackedUserOperation,
  type UserOperation,
} from "viem/account-abstraction";
import { createSessionAccount, deadlineAfter, type KernelAccount, signSessionOperation } from "../../sdk/accounts.js";
import type { ArtifactSource, DeployClient } from "../testbed/deploy.js";
import { encodeTimeClaim, sessionPolicy } from "../../sdk/policies.js";
import { sendUserOperationDirect } from "../../sdk/userops.js";
import type { LeashChain } from "./deploy.js";
import { contractAbis } from "../../sdk/contracts.js";
import { callPermission } from "../../sdk/rules.js";

const DAY = 86_400;
const TRANSFER = "0xa9059cbb" as const;
/** Gas limits of a steady-state operation (one ERC-20 transfer); the bundle's gas is measured. */
const OP_GAS = { callGasLimit: 150_000n, verificationGasLimit: 400_000n, preVerificationGas: 60_000n } as const;
const GWEI = 1_000_000_000n;

export interface LoadAccount {
  account: KernelAccount;
  sessionKey: LocalAccount;
  /** The next operation's nonce (the permission's nonce key, next sequence number). */
  nextNonce: bigint;
  callData: Hex;
}

async function rpc<T>(client: DeployClient, method: string, params: unknown[] = []): Promise<T> {
  return client.request({ method: method as never, params: params as never }) as Promise<T>;
}

/** Mines one block; the base fee is reset first so that full blocks do not raise it block after block. */
export async function mineBlock(client: DeployClient) {
  await rpc(client, "hardhat_setNextBlockBaseFeePerGas", [numberToHex(GWEI)]);
  await rpc(client, "evm_mine");
}

export async function setAutomine(client: DeployClient, on: boolean) {
  await rpc(client, "evm_setAutomine", [on]);
}

/** SessionPolicy config of a load account: USDC transfers, a (large) total and a daily allowance. */
function loadConfig(chain: LeashChain, validAfter: number) {
  return {
    validAfter,
    validUntil: 0,
    window: 0,
    callsPerWindow: 0,
    maxCalls: 0,
    maxFeePerOperation: 10n ** 17n,
    maxFeeTotal: 0n,
    paymaster: "0x0000000000000000000000000000000000000000" as Address,
    signatureSenders: [] as Address[],
    calls: [callPermission(chain.usdc, TRANSFER)],
    tokens: [{ token: chain.usdc, perTransaction: 0n, total: 10n ** 24n, perPeriod: 10n ** 24n, period: DAY }],
  };
}

/**
 * `count` funded accounts, each with a SessionPolicy session already enabled (one real operation
 * each, through the SDK, automine on).
 */
export async function createLoadAccounts(opts: {
  client: DeployClient;
  artifacts: ArtifactSource;
  chain: LeashChain;
  count: number;
  recipient: Address;
}): Promise<LoadAccount[]> {
  const { client, chain } = opts;
  const policyAbi = contractAbis.SessionPolicy as Parameters<typeof sessionPolicy>[1];
  const tokenAbi = contractAbis.MockLegacyERC20 as Parameters<typeof sessionPolicy>[1];
  const now = Number((await client.getBlock()).timestamp);
  const config = loadConfig(chain, now - 3_600);
  const transfer = { to: chain.usdc, data: encodeFunctionData({ abi: erc20Abi, functionName: "transfer", args: [opts.recipient, 1n] }) };
  const accounts: LoadAccount[] = [];
  for (let i = 0; i < opts.count; i++) {
    const sessionKey = privateKeyToAccount(generatePrivateKey());
    const account = await createSessionAccount({
      client,
      bed: chain.bed,
      owner: privateKeyToAccount(generatePrivateKey()),
      sessionKey,
      policies: [sessionPolicy(chain.sessionPolicy, policyAbi, config)],
      policySlices: async () => [{ index: 0, data: encodeTimeClaim(Number((await client.getBlock()).timestamp)) }],
      // Operations are signed ahead and mined in bursts: a day's validity outlasts any run.
      deadline: deadlineAfter(client, 86_400),
    });
    await rpc(client, "hardhat_setBalance", [account.address, numberToHex(parseEther("1000"))]);
    await client.waitForTransactionReceipt({
      hash: await client.writeContract({ address: chain.usdc, abi: tokenAbi, functionName: "mint", args: [account.address, 10n ** 20n] }),
    });
    await sendUserOperationDirect({ submitter: client, account, calls: [transfer] });
    accounts.push({ account, sessionKey, nextNonce: await account.getNonce(), callData: await account.encodeCalls([{ ...transfer, value: 0n }]) });
  }
  return accounts;
}

/** Builds and signs the next operation of `load` (plain mode: the permission is enabled). */
export async function nextOperation(load: LoadAccount, chainId: number, claim: number): Promise<UserOperation<"0.7">> {
  const op: UserOperation<"0.7"> = {
    sender: load.account.address,
    nonce: load.nextNonce++,
    callData: load.callData,
    ...OP_GAS,
    maxFeePerGas: 2n * GWEI,
    maxPriorityFeePerGas: 0n,
    signature: "0x",
  };
  const hash = getUserOperationHash({
    userOperation: op,
    entryPointAddress: load.account.entryPoint.address,
    entryPointVersion: "0.7",
    chainId,
  });
  // Signed ahead and mined in bursts: a day's validity outlasts any run.
  op.signature = await signSessionOperation({
    sessionKey: load.sessionKey,
    userOpHash: hash,
    slices: [{ index: 0, data: encodeTimeClaim(claim) }],
    deadline: claim + 86_400,
  });
  return op;
}

/** Sends one handleOps transaction without waiting for it; `gas` is the transaction's gas limit. */
export async function sendBundle(client: DeployClient, ops: readonly UserOperation<"0.7">[], opts: { gas: bigint; nonce: number }) {
  return client.sendTransaction({
    to: entryPoint07Address,
    data: encodeFunctionData({
      abi: entryPoint07Abi,
      functionName: "handleOps",
      args: [ops.map((op) => toPackedUserOperation(op)), client.account.address],
    }),
    gas: opts.gas,
    nonce: opts.nonce,
    maxFeePerGas: 4n * GWEI,
    maxPriorityFeePerGas: 0n,
  });
}

export interface LoadOptions {
  client: DeployClient;
  accounts: LoadAccount[];
  /** Operations (one SessionUsed each) to send in all. */
  operations: number;
  opsPerBundle: number;
  bundlesPerBlock: number;
  /** Gas one operation uses in a bundle (measured by measureOperationGas). */
  gasPerOperation: bigint;
  onBlock?: (done: number, blockNumber: bigint) => void;
}

/**
 * Sends `operations` operations in full blocks: each bundle holds one account's consecutive
 * operations, accounts take turns. Checks that every bundle succeeded. Leaves automine on.
 */
export async function generateExecutions(opts: LoadOptions): Promise<{ blocks: number; firstBlock: bigint; lastBlock: bigint }> {
  const { client, accounts } = opts;
  const chainId = await client.getChainId();
  let txNonce = await client.getTransactionCount({ address: client.account.address, blockTag: "pending" });
  let done = 0;
  let turn = 0;
  let blocks = 0;
  let firstBlock = 0n;
  let lastBlock = 0n;
  await setAutomine(client, false);
  try {
    while (done < opts.operations) {
      const claim = Number((await client.getBlock()).timestamp) + 1;
      const hashes: Hex[] = [];
      for (let b = 0; b < opts.bundlesPerBlock && done < opts.operations; b++) {
        const load = accounts[turn++ % accounts.length]!;
        const count = Math.min(opts.opsPerBundle, opts.operations - done);
        const ops = [];
        for (let i = 0; i < count; i++) ops.push(await nextOperation(load, chainId, claim));
        hashes.push(await sendBundle(client, ops, { gas: BigInt(count) * opts.gasPerOperation + 200_000n, nonce: txNonce++ }));
        done += count;
      }
      await mineBlock(client);
      const receipts = await Promise.all(hashes.map((hash) => client.getTransactionReceipt({ hash })));
      for (const receipt of receipts) {
        if (receipt.status !== "success") throw new Error(`bundle ${receipt.transactionHash} reverted`);
      }
      const block = receipts[0]!.blockNumber;
      if (receipts.some((r) => r.blockNumber !== block)) throw new Error(`block ${block} did not take all ${hashes.length} bundles`);
      if (blocks === 0) firstBlock = block;
      lastBlock = block;
      blocks++;
      opts.onBlock?.(done, block);
    }
  } finally {
    await setAutomine(client, true);
  }
  return { blocks, firstBlock, lastBlock };
}

/** The gas one steady-state operation uses inside a bundle of `size` (sends one such bundle). */
export async function measureOperationGas(client: DeployClient, load: LoadAccount, size: number): Promise<bigint> {
  const chainId = await client.getChainId();
  const claim = Number((await client.getBlock()).timestamp) + 1;
  const ops = [];
  for (let i = 0; i < size; i++) ops.push(await nextOperation(load, chainId, claim));
  const nonce = await client.getTransactionCount({ address: client.account.address, blockTag: "pending" });
  const hash = await sendBundle(client, ops, { gas: BigInt(size) * 400_000n + 500_000n, nonce });
  const receipt = await client.waitForTransactionReceipt({ hash });
  if (receipt.status !== "success") throw new Error(`measuring bundle ${hash} reverted`);
  return receipt.gasUsed / BigInt(size);
}
