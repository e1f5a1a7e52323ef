// Kernel's versions and the SDK's defaults. What SessionPolicy itself defines (sentinels, limits,
// statuses) is in rules.ts.
import { entryPoint07Address } from "viem/account-abstraction";

/** Kernel v3.1 on EntryPoint v0.7, as the ZeroDev SDK names them. */
export const KERNEL_VERSION = "0.3.1" as const;
export const ENTRY_POINT = { address: entryPoint07Address, version: "0.7" } as const;
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
