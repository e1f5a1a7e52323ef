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
/**
 * The FactoryStaker's stake in the EntryPoint and its unstake delay (seconds). Bundlers treat a
 * factory as staked only above their minimums: alto's defaults (--min-entity-stake 1, compared with
 * the stake in wei; --min-entity-unstake-delay 1 s) are far below these, which are ERC-7562's
 * reference values (MIN_STAKE_VALUE of 1 ETH on mainnet-like chains, MIN_UNSTAKE_DELAY of one day).
 */
export const FACTORY_STAKE = 10n ** 18n;
export const FACTORY_UNSTAKE_DELAY = 86_400;
