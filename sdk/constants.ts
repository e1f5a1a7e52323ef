// Constants shared with the contracts (contracts/types/SessionTypes.sol) and Kernel's versions.
import type { Address } from "viem";
import { entryPoint07Address } from "viem/account-abstraction";

/** Kernel v3.1 on EntryPoint v0.7, as the ZeroDev SDK names them. */
export const KERNEL_VERSION = "0.3.1" as const;
export const ENTRY_POINT = { address: entryPoint07Address, version: "0.7" } as const;

/** The native coin in token limits (the common "0xEeee…" convention). */
export const NATIVE_TOKEN: Address = "0xEeeeeEeeeEeEeeEeEeEeeEEEeeeeEeeeeeeeEEeE";
/** "No argument" in a call permission's argument-index fields. */
export const NO_ARG = 255;
/** Ceilings the policy enforces at registration. */
export const MAX_AMOUNT = 2n ** 96n - 2n;
export const MAX_CALL_PERMISSIONS = 32;
export const MAX_TOKEN_LIMITS = 8;
export const MAX_SIGNATURE_SENDERS = 4;
/**
 * Gas one session operation is assumed to need at most when the default fee cap is set: an
 * enable-mode operation of a full session with a swap uses under 1,000,000.
 */
export const OPERATION_GAS = 2_000_000n;
/** How far fees may rise over today's before the default cap refuses operations. */
export const FEE_HEADROOM = 4n;
/**
 * How long a session key's operation stays valid after it is signed, in seconds: enough for a
 * bundler to include it (they refuse operations that expire within 30 s), short enough that an
 * operation held back by whoever saw it dies soon.
 */
export const OPERATION_TTL = 180;
/** Uniswap's Permit2 (contracts/types/SessionTypes.sol PERMIT2): never a signature sender. */
export const PERMIT2: Address = "0x000000000022D473030F116dDEE9F6B43aC78BA3";
/** Shortest period or rate window, in seconds. */
export const MIN_PERIOD = 60;
/** "Unlimited" in the policy's views and events. */
export const UNLIMITED = 2n ** 256n - 1n;
export const NO_WINDOW = 2 ** 16 - 1;
export const NO_CALL_LIMIT = 2 ** 32 - 1;

/** SessionPolicy's SessionStatus enum, by index. */
export const SESSION_STATUSES = ["unknown", "active", "pending", "expired", "exhausted", "revoked"] as const;
export type SessionStatusName = (typeof SESSION_STATUSES)[number];
