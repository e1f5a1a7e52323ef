// The indexer tests' chain: `hardhat node` on a free port with the test bed, SessionPolicy, the
// standalone policies and two tokens; sessions on real Kernel v3.1 accounts, driven over HTTP.
import hre from "hardhat";
import { KernelV3_1AccountAbi } from "@zerodev/sdk";
import type { Policy } from "@zerodev/permissions";
import {
  type Abi,
  type Address,
  type Hex,
  type LocalAccount,
  concat,
  encodeFunctionData,
  http,
  numberToHex,
  pad,
  parseEther,
  zeroAddress,
} from "viem";
import { generatePrivateKey, privateKeyToAccount } from "viem/accounts";
import { entryPoint07Abi, toPackedUserOperation, type UserOperation } from "viem/account-abstraction";
import { deployLeash } from "../../testkit/indexer/deploy.js";
import { type LocalChain, startAnvil, startChain } from "../../testkit/chain.js";
import { createOwnerAccount, createSessionAccount, type KernelAccount, sessionPermission } from "../../sdk/accounts.js";
import { localClient } from "../../testkit/testbed/client.js";
import { configuredPolicy, encodeTimeClaim, type PolicySlices } from "../../sdk/policies.js";
import { type Call, DIRECT_GAS, sendUserOperationDirect, type UserOperationResult } from "../../sdk/userops.js";

export { DAY } from "../policies/config.js";
export { NATIVE_TOKEN, NO_ARG } from "../../sdk/rules.js";

export type World = Awaited<ReturnType<typeof startWorld>>;

/**
 * Starts the world's chain and deploys Leash on it: `hardhat node` (chain 31337) by default, or
 * anvil with the chain id `anvil.chainId`; `network` names it in the deployments file.
 */
export async function startWorld(opts: { logFile?: string; anvil?: { chainId: number }; network?: string } = {}) {
  const chain: LocalChain = opts.anvil
    ? await startAnvil({ chainId: opts.anvil.chainId, logFile: opts.logFile })
    : await startChain({ logFile: opts.logFile });
  try {
    const client = await localClient(http(chain.rpcUrl, { retryCount: 0 }));
    const leash = await deployLeash({ client, artifacts: hre.artifacts, network: opts.network });
    const read = async (name: ContractName) => contractAbis[name] as Abi;
    const abis = {
      SessionPolicy: await read("SessionPolicy"),
      CallScopePolicy: await read("CallScopePolicy"),
      SpendLimitPolicy: await read("SpendLimitPolicy"),
      RateLimitPolicy: await read("RateLimitPolicy"),
      ExpiryPolicy: await read("ExpiryPolicy"),
      token: await read("MockLegacyERC20"),
    };
    const rpc = <T>(method: string, params: unknown[] = []) =>
      client.request({ method: method as never, params: params as never }) as Promise<T>;
    return {
      chain,
      client,
      leash,
      abis,
      rpc,
      /** The latest block's timestamp: the chain's "now". */
      now: async () => Number((await client.getBlock()).timestamp),
      head: () => client.getBlockNumber(),
      mine: () => rpc("evm_mine"),
      stop: () => chain.stop(),
    };
  } catch (error) {
    await chain.stop();
    throw error;
  }
}

export async function mint(world: World, token: Address, to: Address, amount: bigint) {
  const hash = await world.client.writeContract({ address: token, abi: world.abis.token, functionName: "mint", args: [to, amount] });
  await world.client.waitForTransactionReceipt({ hash });
}

export async function fund(world: World, address: Address) {
  await world.rpc("hardhat_setBalance", [address, numberToHex(parseEther("10"))]);
}

/** A permission of a Kernel account (a session key plus policies), driven with its session key. */
export interface Permission {
  world: World;
  account: KernelAccount;
  owner: LocalAccount;
  sessionKey: LocalAccount;
  policies: Policy[];
  slices: PolicySlices;
  index: bigint;
  /** Kernel's 4-byte permission id, and left-aligned in 32 bytes as the policies see it. */
  permissionId: Hex;
  id: Hex;
}

/**
 * A new permission on the account of `owner` (a new account unless that owner already has one), with
 * a new session key unless `sessionKey` is given, and the id Kernel derives unless `permissionId` is.
 */
export async function openPermission(
  world: World,
  policies: Policy[],
  opts: { owner?: LocalAccount; index?: bigint; slices?: PolicySlices; sessionKey?: LocalAccount; permissionId?: Hex } = {},
): Promise<Permission> {
  const owner = opts.owner ?? privateKeyToAccount(generatePrivateKey());
  const sessionKey = opts.sessionKey ?? privateKeyToAccount(generatePrivateKey());
  const index = opts.index ?? 0n;
  const slices: PolicySlices = opts.slices ?? (async () => [{ index: 0, data: encodeTimeClaim(await world.now()) }]);
  const account = await createSessionAccount({
    client: world.client,
    bed: world.leash.bed,
    owner,
    sessionKey,
    policies,
    index,
    policySlices: slices,
    permissionId: opts.permissionId,
  });
  await fund(world, account.address);
  const permissionId = `0x${account.kernelPluginManager.getIdentifier().slice(4, 12)}` as Hex;
  return { world, account, owner, sessionKey, policies, slices, index, permissionId, id: pad(permissionId, { size: 32, dir: "right" }) };
}

/** SessionPolicy installed with `config` (see sessionConfig). */
export function sessionPolicyOf(world: World, config: SessionConfig): Policy {
  return configuredPolicy(world.leash.sessionPolicy, world.abis.SessionPolicy, { ...config });
}

export async function send(permission: Permission, calls: readonly Call[]): Promise<UserOperationResult> {
  return sendUserOperationDirect({ submitter: permission.world.client, account: permission.account, calls });
}

/** Sends an operation whose call reverts: the transaction succeeds, the operation does not. */
export async function sendFailing(permission: Permission, calls: readonly Call[]) {
  try {
    await send(permission, calls);
  } catch (error) {
    if ((error as Error).message.includes("executed but its call reverted")) return;
    throw error;
  }
  throw new Error("the operation's call did not revert");
}

/**
 * Signs an operation the EntryPoint will refuse and mines its handleOps anyway (fixed gas, no
 * estimate): a reverted transaction, which must leave no trace in the index. Returns its hash.
 */
export async function sendRefused(permission: Permission, calls: readonly Call[]): Promise<Hex> {
  const { world, account } = permission;
  const op: UserOperation<"0.7"> = {
    sender: account.address,
    nonce: await account.getNonce(),
    callData: await account.encodeCalls(calls.map((c) => ({ to: c.to, value: c.value ?? 0n, data: c.data ?? "0x" }))),
    ...DIRECT_GAS,
    maxFeePerGas: 10_000_000_000n,
    maxPriorityFeePerGas: 1_000_000_000n,
    signature: "0x",
  };
  op.signature = await account.signUserOperation(op);
  // With automine on, the node would refuse the transaction instead of mining it.
  await world.rpc("evm_setAutomine", [false]);
  let hash: Hex;
  try {
    hash = await world.client.writeContract({
      address: account.entryPoint.address,
      abi: entryPoint07Abi,
      functionName: "handleOps",
      args: [[toPackedUserOperation(op)], world.client.account.address],
      gas: 5_000_000n,
    });
    await world.mine();
  } finally {
    await world.rpc("evm_setAutomine", [true]);
  }
  const receipt = await world.client.waitForTransactionReceipt({ hash });
  if (receipt.status !== "reverted") throw new Error(`the refused operation's handleOps ${hash} did not revert`);
  return hash;
}

/** Sends `calls` signed by the account's owner (root validator). */
export async function sendAsOwner(permission: Permission, calls: readonly Call[]) {
  const { world } = permission;
  const account = await createOwnerAccount({ client: world.client, bed: world.leash.bed, owner: permission.owner, index: permission.index });
  return sendUserOperationDirect({ submitter: world.client, account, calls });
}

/** Kernel's install data of the permission: abi.encode(bytes[]), policies then the signer. */
async function permissionData(permission: Permission): Promise<Hex> {
  const regular = await sessionPermission({
    client: permission.world.client,
    bed: permission.world.leash.bed,
    sessionKey: permission.sessionKey,
    policies: permission.policies,
    permissionId: permission.permissionId,
  });
  return regular.getEnableData(permission.account.address);
}

function validationId(permission: Permission): Hex {
  return pad(concat(["0x02", permission.permissionId]), { size: 21, dir: "right" });
}

/** The owner's call uninstalling the permission (its policies' and signer's onUninstall). */
export async function uninstallCall(permission: Permission): Promise<Call> {
  return {
    to: permission.account.address,
    data: encodeFunctionData({
      abi: KernelV3_1AccountAbi,
      functionName: "uninstallValidation",
      args: [validationId(permission), await permissionData(permission), "0x"],
    }),
  };
}

/** The owner's call installing the permission again (same id, same policies and key). */
export async function installCall(permission: Permission): Promise<Call> {
  const read = <T>(functionName: "currentNonce" | "validationConfig", args: readonly unknown[] = []) =>
    permission.world.client.readContract({ address: permission.account.address, abi: KernelV3_1AccountAbi, functionName, args } as never) as Promise<T>;
  const current = await read<number>("currentNonce");
  const stored = (await read<{ nonce: number }>("validationConfig", [validationId(permission)])).nonce;
  return {
    to: permission.account.address,
    data: encodeFunctionData({
      abi: KernelV3_1AccountAbi,
      functionName: "installValidations",
      args: [[validationId(permission)], [{ nonce: stored === current ? current + 1 : current, hook: zeroAddress }], [await permissionData(permission)], ["0x"]],
    }),
  };
}

/*//////////////////////////////////////////////////////////////
                        SESSION CONFIGURATION
//////////////////////////////////////////////////////////////*/

import type { SessionConfig } from "../../sdk/request.js";
import { type ContractName, contractAbis } from "../../sdk/contracts.js";
export type { CallPermission, SessionConfig, TokenLimit } from "../../sdk/request.js";
export { allow, limit, sessionConfig } from "../policies/config.js";
