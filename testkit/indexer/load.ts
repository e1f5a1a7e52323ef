// Many real session executions, fast: accounts with a SessionPolicy session (enabled by a first
// operation through the ZeroDev SDK), then user operations built and signed here (the session key
// signs the userOpHash; the policy's time claim goes in its signature slice), many per handleOps
// bundle and many bundles per block (automine off, then evm_mine).
import {
  type Address,
  type Hex,
  encodeFunctionData,
  erc20Abi,
  http,
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
import { type LeashChain, deployLeash } from "./deploy.js";
import { localClient } from "../testbed/client.js";
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

/**
 * The chain at `rpcUrl` ready for load: Leash deployed, `accounts` session accounts, and the gas one
 * of their operations uses in a bundle, with a 10% margin.
 */
export async function prepareLoad(opts: { rpcUrl: string; artifacts: ArtifactSource; accounts: number }) {
  // Mining a full block of bundles takes seconds, more on a busy machine: viem's 10 s is too short.
  const client = await localClient(http(opts.rpcUrl, { retryCount: 0, timeout: 120_000 }));
  const leash = await deployLeash({ client, artifacts: opts.artifacts });
  const accounts = await createLoadAccounts({
    client,
    artifacts: opts.artifacts,
    chain: leash,
    count: opts.accounts,
    recipient: "0x000000000000000000000000000000000000dEaD",
  });
  const gasPerOperation = ((await measureOperationGas(client, accounts[0]!, 20)) * 11n) / 10n;
  return { client, leash, accounts, gasPerOperation };
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

/** Sends one bundle of the block being filled (the next transaction nonce is the filler's). */
type SendBundle = (ops: readonly UserOperation<"0.7">[], gas: bigint) => Promise<void>;

/**
 * Fills and mines blocks while `more()` says so: `fill` sends a block's bundles, given the block's
 * index, a time claim for session operations and the way to send. Every bundle must succeed, in the
 * block it was sent for. Automine is off meanwhile, and on again after.
 */
async function fillBlocks(
  client: DeployClient,
  more: () => boolean,
  fill: (block: number, claim: number, send: SendBundle) => Promise<void>,
  onBlock: (blockNumber: bigint) => void,
): Promise<{ blocks: number; firstBlock: bigint; lastBlock: bigint }> {
  let txNonce = await client.getTransactionCount({ address: client.account.address, blockTag: "pending" });
  let blocks = 0;
  let firstBlock = 0n;
  let lastBlock = 0n;
  await setAutomine(client, false);
  try {
    while (more()) {
      const claim = Number((await client.getBlock()).timestamp) + 1;
      const hashes: Hex[] = [];
      await fill(blocks, claim, async (ops, gas) => {
        hashes.push(await sendBundle(client, ops, { gas, nonce: txNonce++ }));
      });
      const block = await mineBundles(client, hashes);
      if (blocks === 0) firstBlock = block;
      lastBlock = block;
      blocks++;
      onBlock(block);
    }
  } finally {
    await setAutomine(client, true);
  }
  return { blocks, firstBlock, lastBlock };
}

/**
 * Sends `operations` operations in full blocks: each bundle holds one account's consecutive
 * operations, accounts take turns. Checks that every bundle succeeded. Leaves automine on.
 */
export async function generateExecutions(opts: LoadOptions): Promise<{ blocks: number; firstBlock: bigint; lastBlock: bigint }> {
  const { client, accounts } = opts;
  const chainId = await client.getChainId();
  let done = 0;
  let turn = 0;
  return fillBlocks(
    client,
    () => done < opts.operations,
    async (_, claim, send) => {
      for (let b = 0; b < opts.bundlesPerBlock && done < opts.operations; b++) {
        const load = accounts[turn++ % accounts.length]!;
        const count = Math.min(opts.opsPerBundle, opts.operations - done);
        const ops = [];
        for (let i = 0; i < count; i++) ops.push(await nextOperation(load, chainId, claim));
        await send(ops, BigInt(count) * opts.gasPerOperation + 200_000n);
        done += count;
      }
    },
    (block) => opts.onBlock?.(done, block),
  );
}

/** Mines the sent bundles into one block; checks that every one of them is in it and succeeded. */
async function mineBundles(client: DeployClient, hashes: readonly Hex[]): Promise<bigint> {
  await mineBlock(client);
  const receipts = await Promise.all(hashes.map((hash) => client.getTransactionReceipt({ hash })));
  for (const receipt of receipts) {
    if (receipt.status !== "success") throw new Error(`bundle ${receipt.transactionHash} reverted`);
  }
  const block = receipts[0]!.blockNumber;
  if (receipts.some((r) => r.blockNumber !== block)) throw new Error(`block ${block} did not take all ${hashes.length} bundles`);
  return block;
}

/**
 * A trivial ERC-4337 account's code: whatever it is called with, it returns 32 zero bytes, so
 * `validateUserOp` says valid (no signature, no time range). Its operations have no call data (the
 * EntryPoint calls nothing) and pay from the account's deposit: the cheapest operations there are,
 * standing for other people's traffic through the same EntryPoint.
 */
const TRIVIAL_ACCOUNT_CODE = "0x60206000f3" as const;

export interface ForeignSender {
  address: Address;
  nextNonce: bigint;
}

/** `count` trivial accounts (at fixed addresses), each with 10 ETH deposited in the EntryPoint. */
export async function createForeignSenders(client: DeployClient, count: number): Promise<ForeignSender[]> {
  const senders: ForeignSender[] = [];
  for (let i = 0; i < count; i++) {
    const address = numberToHex(0xf0_0000 + i, { size: 20 });
    await rpc(client, "hardhat_setCode", [address, TRIVIAL_ACCOUNT_CODE]);
    await client.waitForTransactionReceipt({
      hash: await client.writeContract({
        address: entryPoint07Address,
        abi: entryPoint07Abi,
        functionName: "depositTo",
        args: [address],
        value: parseEther("10"),
      }),
    });
    senders.push({ address, nextNonce: 0n });
  }
  return senders;
}

/** The next operation of a trivial account (nonce key 0). */
export function foreignOperation(sender: ForeignSender): UserOperation<"0.7"> {
  return {
    sender: sender.address,
    nonce: sender.nextNonce++,
    callData: "0x",
    callGasLimit: 0n,
    verificationGasLimit: 100_000n,
    preVerificationGas: 21_000n,
    maxFeePerGas: 2n * GWEI,
    maxPriorityFeePerGas: 0n,
    signature: "0x",
  };
}

export interface MixedTrafficOptions {
  client: DeployClient;
  accounts: LoadAccount[];
  senders: ForeignSender[];
  /** Session operations (one SessionUsed each) in all. */
  operations: number;
  /** Other accounts' operations in all (at least; blocks are filled), and in each block. */
  foreign: number;
  foreignPerBlock: number;
  /** Others' operations per handleOps bundle. */
  foreignPerBundle: number;
  /** Session operations go into one block in `everyBlocks` (the others hold only others' operations). */
  everyBlocks: number;
  /** Session operations per block that has any. */
  perBlock: number;
  /** Gas of a session operation and of another's inside a bundle (measured). */
  gasPerOperation: bigint;
  gasPerForeign: bigint;
  onBlock?: (done: number, blockNumber: bigint) => void;
}

/**
 * Blocks of other accounts' operations with, in one block of `everyBlocks`, a bundle that holds
 * `perBlock` session operations between others' operations (the way a public bundler mixes them).
 * Stops once `operations` session operations and `foreign` others' are in. Leaves automine on.
 */
export async function generateMixedTraffic(
  opts: MixedTrafficOptions,
): Promise<{ blocks: number; firstBlock: bigint; lastBlock: bigint; foreign: number }> {
  const { client, accounts, senders } = opts;
  const chainId = await client.getChainId();
  let done = 0;
  let foreign = 0;
  const nextForeign = () => foreignOperation(senders[foreign++ % senders.length]!);
  const range = await fillBlocks(
    client,
    () => done < opts.operations || foreign < opts.foreign,
    async (block, claim, send) => {
      let others = opts.foreignPerBlock;
      if (block % opts.everyBlocks === 0 && done < opts.operations) {
        const load = accounts[(block / opts.everyBlocks) % accounts.length]!;
        const count = Math.min(opts.perBlock, opts.operations - done);
        const around = Math.min(others, opts.foreignPerBundle) >> 1;
        const ops = Array.from({ length: around }, nextForeign);
        for (let i = 0; i < count; i++) ops.push(await nextOperation(load, chainId, claim));
        for (let i = 0; i < around; i++) ops.push(nextForeign());
        await send(ops, BigInt(count) * opts.gasPerOperation + BigInt(2 * around) * opts.gasPerForeign + 200_000n);
        done += count;
        others -= 2 * around;
      }
      while (others > 0) {
        const count = Math.min(others, opts.foreignPerBundle);
        await send(Array.from({ length: count }, nextForeign), BigInt(count) * opts.gasPerForeign + 200_000n);
        others -= count;
      }
    },
    (block) => opts.onBlock?.(done, block),
  );
  return { ...range, foreign };
}

/** The gas one trivial account's operation uses inside a bundle of `size` (sends one such bundle). */
export async function measureForeignGas(client: DeployClient, senders: ForeignSender[], size: number): Promise<bigint> {
  const ops = Array.from({ length: size }, (_, i) => foreignOperation(senders[i % senders.length]!));
  return measureBundleGas(client, ops);
}

/** Sends one bundle of `ops` with a generous gas limit; the gas it used per operation. */
async function measureBundleGas(client: DeployClient, ops: UserOperation<"0.7">[]): Promise<bigint> {
  const nonce = await client.getTransactionCount({ address: client.account.address, blockTag: "pending" });
  const hash = await sendBundle(client, ops, { gas: BigInt(ops.length) * 400_000n + 500_000n, nonce });
  const receipt = await client.waitForTransactionReceipt({ hash });
  if (receipt.status !== "success") throw new Error(`measuring bundle ${hash} reverted`);
  return receipt.gasUsed / BigInt(ops.length);
}

/** The gas one steady-state operation uses inside a bundle of `size` (sends one such bundle). */
export async function measureOperationGas(client: DeployClient, load: LoadAccount, size: number): Promise<bigint> {
  const chainId = await client.getChainId();
  const claim = Number((await client.getBlock()).timestamp) + 1;
  const ops = [];
  for (let i = 0; i < size; i++) ops.push(await nextOperation(load, chainId, claim));
  return measureBundleGas(client, ops);
}
