// A swap on a router shaped like Uniswap v3's SwapRouter (exactInputSingle, whose static struct puts
// every field in one calldata word a policy can address) that quotes with
// quoteExactInputSingle(tokenIn, tokenOut, amountIn), as the local mock does: the swap's call, and
// its minimum output from the quote less a slippage bound, so that a swap signed now and executed
// later cannot fill at any price.
import { type Address, encodeFunctionData, parseAbiItem } from "viem";
import type { ReadClient } from "./request.js";
import type { Call } from "./userops.js";

/** The function a swapping session may call, as session requests name it. */
export const EXACT_INPUT_SINGLE =
  "exactInputSingle((address tokenIn, address tokenOut, uint24 fee, address recipient, uint256 amountIn, uint256 amountOutMinimum) params) payable returns (uint256)";
const exactInputSingle = parseAbiItem(`function ${EXACT_INPUT_SINGLE}`);
const quoteAbi = [parseAbiItem("function quoteExactInputSingle(address tokenIn, address tokenOut, uint256 amountIn) view returns (uint256)")];

export interface Swap {
  router: Address;
  tokenIn: Address;
  tokenOut: Address;
  /** The pool fee passed to the router. */
  fee: number;
  recipient: Address;
}

/** The least tokenOut a swap of `amountIn` may give: the router's quote now, less `slippageBps`. */
export async function minimumOutput(
  client: Pick<ReadClient, "readContract">,
  swap: Pick<Swap, "router" | "tokenIn" | "tokenOut">,
  amountIn: bigint,
  slippageBps: number | bigint,
): Promise<bigint> {
  const quote = await client.readContract({ address: swap.router, abi: quoteAbi, functionName: "quoteExactInputSingle", args: [swap.tokenIn, swap.tokenOut, amountIn] });
  return (quote * (10_000n - BigInt(slippageBps))) / 10_000n;
}

/** The swap's call, refused by the router below `amountOutMinimum`. */
export function swapCall(swap: Swap, amountIn: bigint, amountOutMinimum: bigint): Call {
  const { tokenIn, tokenOut, fee, recipient } = swap;
  return {
    to: swap.router,
    data: encodeFunctionData({ abi: [exactInputSingle], functionName: "exactInputSingle", args: [{ tokenIn, tokenOut, fee, recipient, amountIn, amountOutMinimum }] }),
  };
}
