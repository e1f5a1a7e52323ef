import { signerToEcdsaValidator } from "@zerodev/ecdsa-validator";
import { toPermissionValidator } from "@zerodev/permissions";
import { toECDSASigner } from "@zerodev/permissions/signers";
import type { Policy } from "@zerodev/permissions";
import { createKernelAccount, type CreateKernelAccountReturnType } from "@zerodev/sdk";
import { type Address, type Client, type Hex, type LocalAccount, concat } from "viem";
import type { UserOperation } from "viem/account-abstraction";
import { ENTRY_POINT, KERNEL_VERSION } from "./constants.js";
import { encodePolicySlices, type PolicySlices } from "./policies.js";

export type KernelAccount = CreateKernelAccountReturnType<"0.7">;

/** Where Kernel and our modules live on a chain (the test bed and the deployments file both give it). */
export interface KernelAddresses {
  kernelImplementation: Address;
  kernelFactory: Address;
  ownerValidator: Address;
  sessionKeySigner: Address;
}

// The SDK only reads through the client; any viem client of the chain will do.
type SdkClient = Parameters<typeof createKernelAccount>[0];

function kernelAddresses(bed: KernelAddresses) {
  return {
    entryPoint: ENTRY_POINT,
    kernelVersion: KERNEL_VERSION,
    accountImplementationAddress: bed.kernelImplementation,
    factoryAddress: bed.kernelFactory,
    useMetaFactory: false,
  } as const;
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
  return createKernelAccount(opts.client as SdkClient, {
    ...kernelAddresses(opts.bed),
    plugins: { sudo },
    index: opts.index ?? 0n,
  });
}

/**
 * A permission (session): `sessionKey` signing through our SessionKeySigner, limited by `policies`.
 * `policySlices` puts the policies' own signature parts (e.g. a time claim) in front of the session
 * key's signature, in plain and in enable mode, and in the stub used for gas estimation.
 */
export async function sessionPermission(opts: {
  client: Client;
  bed: KernelAddresses;
  sessionKey: LocalAccount;
  policies: Policy[];
  permissionId?: Hex;
  policySlices?: PolicySlices;
}) {
  const signer = await toECDSASigner({ signer: opts.sessionKey, signerContractAddress: opts.bed.sessionKeySigner });
  const permission = await toPermissionValidator(opts.client as SdkClient, {
    signer,
    policies: opts.policies,
    entryPoint: ENTRY_POINT,
    kernelVersion: KERNEL_VERSION,
    permissionId: opts.permissionId,
  });
  const slices = opts.policySlices;
  if (!slices) return permission;
  return {
    ...permission,
    signUserOperation: async (userOperation: Parameters<typeof permission.signUserOperation>[0]) =>
      concat([
        encodePolicySlices(await slices(userOperation as UserOperation<"0.7">)),
        await permission.signUserOperation(userOperation),
      ]),
    getStubSignature: async (userOperation: Parameters<typeof permission.getStubSignature>[0]) =>
      concat([
        encodePolicySlices(await slices(userOperation as UserOperation<"0.7"> | undefined)),
        await permission.getStubSignature(userOperation),
      ]),
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
  /** The account's address, when `owner` is not the key it was created with. */
  address?: Address;
}): Promise<KernelAccount> {
  const sudo = await ownerValidator(opts.client, opts.bed, opts.owner);
  const regular = await sessionPermission(opts);
  return createKernelAccount(opts.client as SdkClient, {
    ...kernelAddresses(opts.bed),
    plugins: { sudo, regular },
    index: opts.index ?? 0n,
    address: opts.address,
  });
}
