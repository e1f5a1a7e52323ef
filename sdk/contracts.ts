// The contracts' surface for TypeScript: the generated ABIs (sdk/generated/contracts.ts, from the
// compiled artifacts) and every shape derived from them by viem's ABI types. Nothing here is written
// by hand but names: a field added to a Solidity struct appears in these types after `npm run generate`.
import { type AbiParameter, type ContractFunctionReturnType, type GetEventArgs, getAbiItem, getAddress, isAddress } from "viem";
import { sessionPolicyAbi } from "./generated/contracts.js";

export * from "./generated/contracts.js";

type SessionPolicyAbi = typeof sessionPolicyAbi;
type Mutable<T> = T extends readonly (infer U)[] ? Mutable<U>[] : T extends object ? { -readonly [K in keyof T]: Mutable<T[K]> } : T;

/** SessionConfig (contracts/types/SessionTypes.sol): what the owner approves. */
export type SessionConfig = Mutable<ContractFunctionReturnType<SessionPolicyAbi, "view", "getConfig">>;
/** One allowed (target, selector) with its argument rules. */
export type CallPermission = SessionConfig["calls"][number];
/** One token's caps. */
export type TokenLimit = SessionConfig["tokens"][number];
/** SessionPolicy.getSession's answer: status and what remains. */
export type SessionSnapshot = ContractFunctionReturnType<SessionPolicyAbi, "view", "getSession">;
/** One token's entry in a SessionSnapshot. */
export type TokenRemaining = SessionSnapshot["tokens"][number];
/** SessionPolicy.getStatus's answer (a SessionStatus enum value). */
export type SessionStatusCode = ContractFunctionReturnType<SessionPolicyAbi, "view", "getStatus">;

type EventArgs<Name extends string> = GetEventArgs<SessionPolicyAbi, Name, { EnableUnion: false; IndexedOnly: false; Required: true }>;
/** SessionRegistered's arguments. */
export type SessionRegisteredArgs = EventArgs<"SessionRegistered">;
/** SessionUsed's arguments: what one operation counted, and what remains after it. */
export type SessionUsedArgs = EventArgs<"SessionUsed">;
/** SessionRevoked's arguments. */
export type SessionRevokedArgs = EventArgs<"SessionRevoked">;


/**
 * A value the index stored as JSON (integers as decimal strings) read back as viem decodes `param`:
 * integers of up to 48 bits as numbers, wider ones as bigints, addresses checksummed. Anything that
 * does not fit the ABI's shape throws, naming where.
 */
export function fromAbiJson(param: AbiParameter, value: unknown, path = param.name ?? "value"): unknown {
  const array = /^(.*)\[(\d*)\]$/.exec(param.type);
  if (array) {
    if (!Array.isArray(value)) throw new TypeError(`${path}: expected a list for ${param.type}`);
    return value.map((v, i) => fromAbiJson({ ...param, type: array[1]! } as AbiParameter, v, `${path}.${i}`));
  }
  if (param.type === "tuple") {
    if (typeof value !== "object" || value === null) throw new TypeError(`${path}: expected an object for a tuple`);
    const components = (param as { components: readonly AbiParameter[] }).components;
    return Object.fromEntries(components.map((c) => [c.name!, fromAbiJson(c, (value as Record<string, unknown>)[c.name!], `${path}.${c.name}`)]));
  }
  const int = /^u?int(\d*)$/.exec(param.type);
  if (int) {
    if (typeof value !== "string" && typeof value !== "number" && typeof value !== "bigint") throw new TypeError(`${path}: expected an integer`);
    const n = BigInt(value);
    return Number(int[1] || 256) <= 48 ? Number(n) : n;
  }
  if (param.type === "address") {
    if (typeof value !== "string" || !isAddress(value, { strict: false })) throw new TypeError(`${path}: expected an address`);
    return getAddress(value);
  }
  if (param.type === "bool") {
    if (typeof value !== "boolean") throw new TypeError(`${path}: expected true or false`);
    return value;
  }
  if (typeof value !== "string") throw new TypeError(`${path}: expected ${param.type} as a string`);
  return value;
}

const configParam = getAbiItem({ abi: sessionPolicyAbi, name: "getConfig" }).outputs[0];

/** A SessionConfig the index stored as JSON, decoded by SessionPolicy's ABI. */
export function sessionConfigFromJson(json: unknown): SessionConfig {
  return fromAbiJson(configParam, json, "config") as SessionConfig;
}
