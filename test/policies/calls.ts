// Calls a session makes: ERC-20 functions, and Kernel `execute` calldata built by hand for the
// tests of modes and encodings the SDK never produces.
import { KernelV3_1AccountAbi } from "@zerodev/sdk";
import { type Address, type Hex, encodeAbiParameters, encodeFunctionData, encodePacked, erc20Abi, pad, parseAbi } from "viem";
import type { Call } from "../../sdk/userops.js";

const legacyErc20Abi = parseAbi(["function increaseAllowance(address spender, uint256 addedValue) returns (bool)"]);

export const erc20 = {
  transfer: (token: Address, to: Address, amount: bigint): Call => ({
    to: token,
    data: encodeFunctionData({ abi: erc20Abi, functionName: "transfer", args: [to, amount] }),
  }),
  approve: (token: Address, spender: Address, amount: bigint): Call => ({
    to: token,
    data: encodeFunctionData({ abi: erc20Abi, functionName: "approve", args: [spender, amount] }),
  }),
  transferFrom: (token: Address, from: Address, to: Address, amount: bigint): Call => ({
    to: token,
    data: encodeFunctionData({ abi: erc20Abi, functionName: "transferFrom", args: [from, to, amount] }),
  }),
  increaseAllowance: (token: Address, spender: Address, amount: bigint): Call => ({
    to: token,
    data: encodeFunctionData({ abi: legacyErc20Abi, functionName: "increaseAllowance", args: [spender, amount] }),
  }),
};

/** Kernel `execute(bytes32 mode, bytes executionCalldata)` with a hand-built mode, for one call. */
export function executeSingle(mode: Hex, call: Call): Hex {
  const execution = encodePacked(["address", "uint256", "bytes"], [call.to, call.value ?? 0n, call.data ?? "0x"]);
  return encodeFunctionData({ abi: KernelV3_1AccountAbi, functionName: "execute", args: [mode, execution] });
}

/** Kernel `execute` in batch mode (call type 0x01), canonically encoded. */
export function executeBatch(calls: readonly Call[]): Hex {
  const execution = encodeAbiParameters(
    [{ type: "tuple[]", components: [{ name: "target", type: "address" }, { name: "value", type: "uint256" }, { name: "callData", type: "bytes" }] }],
    [calls.map((c) => ({ target: c.to, value: c.value ?? 0n, callData: c.data ?? "0x" }))],
  );
  return encodeFunctionData({ abi: KernelV3_1AccountAbi, functionName: "execute", args: [MODE.batch, execution] });
}

/** ERC-7579 modes: call type (1 byte) ‖ exec type (1 byte) ‖ unused (4) ‖ selector (4) ‖ payload (22). */
export const MODE = {
  single: pad("0x00", { dir: "right" }),
  batch: pad("0x01", { dir: "right" }),
  delegatecall: pad("0xff", { dir: "right" }),
  singleTry: pad("0x0001", { dir: "right" }),
} as const;

