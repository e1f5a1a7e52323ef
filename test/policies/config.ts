// SessionPolicy's configuration, views and events as viem encodes and decodes them (integers of
// up to 48 bits as numbers), with builders that fill in "off" for whatever a test leaves out.
import { type Address, type Hex, parseEther, parseUnits, toFunctionSelector, zeroAddress } from "viem";
import { NO_CALL_LIMIT, UNLIMITED, callPermission, sessionConfigOf, tokenLimit } from "../../sdk/rules.js";
import type { CallPermission, SessionConfig, SessionUsedArgs, TokenRemaining } from "../../sdk/contracts.js";

/*//////////////////////////////////////////////////////////////
                     CONSTANTS (as in SessionTypes.sol)
//////////////////////////////////////////////////////////////*/

export { NATIVE_TOKEN, NO_ARG, NO_CALL_LIMIT, NO_WINDOW, UNLIMITED } from "../../sdk/rules.js";
export type { CallPermission, SessionConfig, TokenLimit } from "../../sdk/contracts.js";
export const HOUR = 3_600;
export const DAY = 86_400;

export enum SessionStatus {
  Unknown = 0,
  Active = 1,
  Pending = 2,
  Expired = 3,
  Exhausted = 4,
  Revoked = 5,
}

export const usdc = (amount: string) => parseUnits(amount, 6);

/**
 * The fee cap of test sessions unless a test sets its own: well above what a directly sent test
 * operation can cost (DIRECT_GAS, 3.1M gas, at a few gwei), so only the fee tests meet it.
 */
export const TEST_FEE_CAP = parseEther("0.05");

/** SpendLimitPolicy's gas fields for tests: the same cap, no budget, no paymaster. */
export const STANDALONE_GAS = { maxFeePerOperation: TEST_FEE_CAP, maxFeeTotal: 0n, paymaster: zeroAddress } as const;

/*//////////////////////////////////////////////////////////////
                            CONFIGURATION
//////////////////////////////////////////////////////////////*/

/** Permission to call `signature` (or a raw selector, 0x00000000 for a plain transfer) on `target`. */
export function allow(target: Address, signature: string, opts: Partial<CallPermission> = {}): CallPermission {
  return callPermission(target, signature.startsWith("0x") ? (signature as Hex) : toFunctionSelector(signature), opts);
}

export const limit = tokenLimit;

/** A test session: every limit off but `opts`, gas capped at TEST_FEE_CAP unless `opts` says otherwise. */
export function sessionConfig(validAfter: number, opts: Partial<SessionConfig> & Pick<SessionConfig, "calls">): SessionConfig {
  return sessionConfigOf({ validAfter, maxFeePerOperation: TEST_FEE_CAP, ...opts });
}

/*//////////////////////////////////////////////////////////////
                         VIEWS AND EVENTS
//////////////////////////////////////////////////////////////*/

export type { SessionSnapshot, TokenRemaining } from "../../sdk/contracts.js";
export type SessionUsed = SessionUsedArgs;

/** A TokenRemaining view entry; what is not given is "unlimited" (no period: index and refill 0). */
export function remaining(token: Address, values: Partial<Omit<TokenRemaining, "token">> = {}): TokenRemaining {
  return { token, perTransaction: UNLIMITED, remainingTotal: UNLIMITED, remainingInPeriod: UNLIMITED, periodIndex: 0, refillsAt: 0, ...values };
}

/** A SessionUsed event's values after the operation; what is not given is "unlimited" or zero. */
export function used(values: Partial<Omit<SessionUsed, "account" | "id" | "nonce">>): Omit<SessionUsed, "account" | "id" | "nonce"> {
  return {
    token: zeroAddress,
    amount: 0n,
    period: 0,
    remainingTotal: UNLIMITED,
    remainingInPeriod: UNLIMITED,
    callsInWindow: 0,
    callsLeft: NO_CALL_LIMIT,
    feeLeft: UNLIMITED,
    ...values,
  };
}
