import type { Policy } from "@zerodev/permissions";
import { PolicyFlags } from "@zerodev/permissions";
import { constants } from "@zerodev/sdk";
import { type Abi, type AbiParameter, type Address, type Hex, concat, encodeAbiParameters, keccak256, numberToHex, size } from "viem";
import type { UserOperation } from "viem/account-abstraction";

/** A policy's own part of a permission's user-op signature. `index` is its position in the permission. */
export interface PolicySlice {
  index: number;
  data: Hex;
}

/** Produces the slices for an operation (e.g. the current time claim) when the session key signs. */
export type PolicySlices = (userOperation: UserOperation<"0.7"> | undefined) => Promise<PolicySlice[]>;

/** Kernel's layout: `[index (1) ‖ length (8) ‖ slice]*` in increasing index order, then the signer part. */
export function encodePolicySlices(slices: readonly PolicySlice[]): Hex {
  const sorted = [...slices].sort((a, b) => a.index - b.index);
  for (let i = 1; i < sorted.length; i++) {
    if (sorted[i]!.index === sorted[i - 1]!.index) throw new Error(`two signature slices for policy #${sorted[i]!.index}`);
  }
  // viem's concat of nothing is bytes, not hex.
  if (sorted.length === 0) return "0x";
  return concat(sorted.flatMap((s) => [numberToHex(s.index, { size: 1 }), numberToHex(size(s.data), { size: 8 }), s.data]));
}

/** The 6-byte time claim SessionPolicy (and the rate and spend policies) read from their slice. */
export function encodeTimeClaim(time: number | bigint): Hex {
  return numberToHex(BigInt(time), { size: 6 });
}

/** The 6-byte deadline in front of the session key's signature (SessionKeySigner). */
export function encodeDeadline(deadline: number | bigint): Hex {
  return numberToHex(BigInt(deadline), { size: 6 });
}

/** What the session key signs for an operation: SessionKeySigner.operationDigest(userOpHash, deadline). */
export function operationDigest(userOpHash: Hex, deadline: number | bigint): Hex {
  return keccak256(concat([userOpHash, encodeDeadline(deadline)]));
}

/** A well-formed ECDSA signature that recovers to no key: the stub for gas estimation (ZeroDev's). */
export const DUMMY_SIGNATURE = constants.DUMMY_ECDSA_SIG as Hex;

/**
 * A policy's config tuple type, read from its compiled ABI: every Leash policy announces its
 * registration with an event `…Registered(account, id, config)`.
 */
export function policyConfigType(abi: Abi): AbiParameter {
  for (const item of abi) {
    if (item.type !== "event" || !item.name.endsWith("Registered")) continue;
    const param = item.inputs.find((i) => i.name === "config");
    if (param) return param;
  }
  throw new Error("no …Registered(config) event in this policy's ABI");
}

/** A ZeroDev `Policy` for one of our policy contracts, installed with `policyData`. */
export function leashPolicy(policyAddress: Address, policyData: Hex): Policy {
  return {
    getPolicyData: () => policyData,
    getPolicyInfoInBytes: () => concat([PolicyFlags.FOR_ALL_VALIDATION, policyAddress]),
    // ZeroDev's serializer knows only its own policy types; ours are carried as raw data.
    policyParams: { type: "sudo", policyAddress, policyFlag: PolicyFlags.FOR_ALL_VALIDATION },
  } as Policy;
}

/** A Leash policy installed with `config` (a value of the policy's config tuple, see policyConfigType). */
export function configuredPolicy(policyAddress: Address, abi: Abi, config: Record<string, unknown>): Policy {
  return leashPolicy(policyAddress, encodeAbiParameters([policyConfigType(abi)], [config]));
}

/** SessionPolicy installed with `config`. */
export const sessionPolicy = configuredPolicy;
