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
/** Shortest period or rate window, in seconds. */
export const MIN_PERIOD = 60;
/** "Unlimited" in the policy's views and events. */
export const UNLIMITED = 2n ** 256n - 1n;
export const NO_WINDOW = 2 ** 16 - 1;
export const NO_CALL_LIMIT = 2 ** 32 - 1;

/** SessionPolicy's SessionStatus enum, by index. */
export const SESSION_STATUSES = ["unknown", "active", "pending", "expired", "exhausted", "revoked"] as const;
export type SessionStatusName = (typeof SESSION_STATUSES)[number];
