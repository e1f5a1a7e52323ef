import { signerToEcdsaValidator } from "@zerodev/ecdsa-validator";
import { toPermissionValidator } from "@zerodev/permissions";
import { toECDSASigner } from "@zerodev/permissions/signers";
import type { Policy } from "@zerodev/permissions";
import { createKernelAccount, type CreateKernelAccountReturnType } from "@zerodev/sdk";
import { type Address, type Client, type Hex, type LocalAccount, concat } from "viem";
import { getUserOperationHash, type UserOperation } from "viem/account-abstraction";
import { getBlock, getChainId } from "viem/actions";
import { ENTRY_POINT, KERNEL_VERSION, OPERATION_TTL } from "./constants.js";
import { DUMMY_SIGNATURE, encodeDeadline, encodePolicySlices, operationDigest, type PolicySlice, type PolicySlices } from "./policies.js";
import { chainNow } from "./rules.js";

export type KernelAccount = CreateKernelAccountReturnType<"0.7">;

/** Where Kernel and our modules live on a chain (the test bed and the deployments file both give it). */
export interface KernelAddresses {
  kernelImplementation: Address;
  kernelFactory: Address;
  /** The staked factory that new accounts' initCode names (contracts/factory/FactoryStaker.sol). */
  factoryStaker: Address;
  ownerValidator: Address;
  sessionKeySigner: Address;
}

// The SDK only reads through the client; any viem client of the chain will do.
type SdkClient = Parameters<typeof createKernelAccount>[0];
type KernelAccountOptions = Parameters<typeof createKernelAccount>[1];

/**
 * A Kernel v3.1 account at `bed`'s addresses: the one place where accounts get their initCode. A new
 * account is deployed through the staked FactoryStaker, as ZeroDev's meta factory deploys them:
 * factory = the staker, factoryData = deployWithFactory(KernelFactory, initialize(…), index). Bundlers
 * refuse a first operation whose factory is the plain, unstaked KernelFactory (ERC-7562 STO-022:
 * Kernel's initialize writes the new account's entry in OwnerValidator). The address is
 * KernelFactory's alone, the same through the staker or not.
 */
export async function createKernel(
  client: Client,
  bed: KernelAddresses,
  opts: Omit<KernelAccountOptions, "entryPoint" | "kernelVersion" | "accountImplementationAddress" | "factoryAddress" | "metaFactoryAddress" | "useMetaFactory">,
): Promise<KernelAccount> {
  const account = await createKernelAccount(client as SdkClient, {
    ...opts,
    entryPoint: ENTRY_POINT,
    kernelVersion: KERNEL_VERSION,
    accountImplementationAddress: bed.kernelImplementation,
    factoryAddress: bed.kernelFactory,
    metaFactoryAddress: bed.factoryStaker,
    useMetaFactory: true,
  } as KernelAccountOptions);
  // The SDK quietly falls back to the plain factory when the staker gives no address (not
  // deployed, or KernelFactory not approved on it); such an account's first operation is refused.
  const { factory } = await account.getFactoryArgs();
  if (factory !== undefined && factory !== bed.factoryStaker) {
    throw new Error(
      `FactoryStaker ${bed.factoryStaker} does not deploy accounts through KernelFactory ${bed.kernelFactory} on this chain (not deployed, or the factory not approved on it)`,
    );
  }
  return account as KernelAccount;
}

/** The owner's root validator: our OwnerValidator holding `owner`'s address. */
export function ownerValidator(client: Client, bed: KernelAddresses, owner: LocalAccount) {
  return signerToEcdsaValidator(client as SdkClient, {
    signer: owner,
    entryPoint: ENTRY_POINT,
    kernelVersion: KERNEL_VERSION,
    validatorAddress: bed.ownerValidator,
  });
}

/** A Kernel v3.1 account owned by `owner`, operated with the owner's key. */
export async function createOwnerAccount(opts: {
  client: Client;
  bed: KernelAddresses;
  owner: LocalAccount;
  index?: bigint;
}): Promise<KernelAccount> {
  const sudo = await ownerValidator(opts.client, opts.bed, opts.owner);
  return createKernel(opts.client, opts.bed, { plugins: { sudo }, index: opts.index ?? 0n });
}

/** When an operation stops being valid (unix seconds), chosen as it is signed. */
export type OperationDeadline = (userOperation: UserOperation<"0.7"> | undefined) => Promise<number>;

/**
 * The default deadline: OPERATION_TTL seconds after the later of the chain's latest block and this
 * machine's clock (an idle local chain's latest block can be minutes old).
 */
export function deadlineAfter(client: Client, ttl = OPERATION_TTL): OperationDeadline {
  return async () => {
    const block = await getBlock(client);
    return chainNow(block.timestamp) + ttl;
  };
}

/**
 * A permission's user-operation signature: the policies' slices, then the signer's part, which is
 * the deadline and the session key's signature of `userOpHash` bound to it (SessionKeySigner).
 */
export async function signSessionOperation(opts: {
  sessionKey: LocalAccount;
  userOpHash: Hex;
  slices: readonly PolicySlice[];
  deadline: number;
}): Promise<Hex> {
  const signature = await opts.sessionKey.signMessage({ message: { raw: operationDigest(opts.userOpHash, opts.deadline) } });
  return concat([encodePolicySlices(opts.slices), "0xff", encodeDeadline(opts.deadline), signature]);
}

/**
 * A permission (session): `sessionKey` signing through our SessionKeySigner, limited by `policies`.
 * The session key signs each operation's hash bound to a deadline (SessionKeySigner returns it as
 * validUntil), so that an operation nobody submitted in time dies. `policySlices` puts the
 * policies' own signature parts (e.g. a time claim) in front of the session key's part, in plain
 * and in enable mode (Kernel's enable mode embeds this same signature), and in the stub used for
 * gas estimation.
 */
export async function sessionPermission(opts: {
  client: Client;
  bed: KernelAddresses;
  sessionKey: LocalAccount;
  policies: Policy[];
  permissionId?: Hex;
  policySlices?: PolicySlices;
  /** Default: deadlineAfter(client), OPERATION_TTL seconds from now. */
  deadline?: OperationDeadline;
}) {
  const signer = await toECDSASigner({ signer: opts.sessionKey, signerContractAddress: opts.bed.sessionKeySigner });
  const permission = await toPermissionValidator(opts.client as SdkClient, {
    signer,
    policies: opts.policies,
    entryPoint: ENTRY_POINT,
    kernelVersion: KERNEL_VERSION,
    permissionId: opts.permissionId,
  });
  const chainId = opts.client.chain?.id ?? (await getChainId(opts.client));
  const slices = opts.policySlices ?? (async () => []);
  const deadline = opts.deadline ?? deadlineAfter(opts.client);
  return {
    ...permission,
    signUserOperation: async (userOperation: Parameters<typeof permission.signUserOperation>[0]) => {
      const op = userOperation as UserOperation<"0.7">;
      const [parts, until] = await Promise.all([slices(op), deadline(op)]);
      const userOpHash = getUserOperationHash({
        userOperation: { ...op, signature: "0x" },
        entryPointAddress: ENTRY_POINT.address,
        entryPointVersion: ENTRY_POINT.version,
        chainId,
      });
      return signSessionOperation({ sessionKey: opts.sessionKey, userOpHash, slices: parts, deadline: until });
    },
    getStubSignature: async (userOperation: Parameters<typeof permission.getStubSignature>[0]) => {
      const op = userOperation as UserOperation<"0.7"> | undefined;
      const [parts, until] = await Promise.all([slices(op), deadline(op)]);
      return concat([encodePolicySlices(parts), "0xff", encodeDeadline(until), DUMMY_SIGNATURE]);
    },
  };
}

/**
 * The owner's account as the session key sees it. Its first operation carries the owner's one-time
 * approval of the permission (Kernel's enable mode); later ones only the session key's signature.
 */
export async function createSessionAccount(opts: {
  client: Client;
  bed: KernelAddresses;
  owner: LocalAccount;
  sessionKey: LocalAccount;
  policies: Policy[];
  index?: bigint;
  permissionId?: Hex;
  policySlices?: PolicySlices;
  deadline?: OperationDeadline;
  /** The account's address, when `owner` is not the key it was created with. */
  address?: Address;
}): Promise<KernelAccount> {
  const sudo = await ownerValidator(opts.client, opts.bed, opts.owner);
  const regular = await sessionPermission(opts);
  return createKernel(opts.client, opts.bed, { plugins: { sudo, regular }, index: opts.index ?? 0n, address: opts.address });
}
