// A TWAP: a total of token A spent on token B in N equal slices, one every interval, each swap
// refused by the router below the router's quote less a slippage bound (sdk/swap.ts).
import { type Address, formatUnits, parseUnits } from "viem";
import { z } from "zod";
import { addressSchema, type ReadClient, type TokenInfo } from "../sdk/request.js";
import { EXACT_INPUT_SINGLE, minimumOutput as swapMinimum, swapCall as sdkSwapCall } from "../sdk/swap.js";
import { MIN_DURATION } from "../sdk/rules.js";
import type { Call } from "../sdk/userops.js";


/** An amount in a token's own units ("100" or "0.5"). */
export const decimalSchema = z.string().regex(/^\d+(\.\d+)?$/, 'must be a decimal amount such as "100"');

/** What a caller asks for (the executor's POST /v1/automations). */
export const twapSpecSchema = z.object({
  kind: z.literal("twap"),
  account: addressSchema,
  router: addressSchema,
  tokenIn: addressSchema,
  tokenOut: addressSchema,
  /** The total of tokenIn, in its own units ("100" or "0.5"). */
  totalAmount: decimalSchema,
  slices: z.number().int().min(1).max(1_000),
  intervalSeconds: z.number().int().min(1).max(30 * 86_400),
  /** Below the quote a swap may fill, in basis points (50 = 0.5%). */
  slippageBps: z.number().int().min(0).max(5_000).default(50),
  /** The pool fee passed to the router. */
  fee: z.number().int().min(0).max(1_000_000).default(3000),
  /** The session's overall cap of tokenIn, if lower than the total (the owner's budget). */
  maxTotal: decimalSchema.optional(),
  /** The session's life in seconds; default: the plan's span and an hour. */
  duration: z.number().int().min(MIN_DURATION).optional(),
  /** Gas budget of the session over its life, in the native coin. */
  maxFeeTotal: decimalSchema.optional(),
});
export type TwapSpec = z.output<typeof twapSpecSchema>;

/** The plan as stored: the spec and each slice's amount in base units. */
export interface TwapPlan extends TwapSpec {
  tokenInInfo: TokenInfo;
  amounts: string[];
}

export class PlanError extends Error {
  override name = "PlanError";
}

/** `value` ("0.5") in base units of `decimals`; a PlanError naming `what` if it has more decimals. */
export function toBaseUnits(value: string, decimals: number, what: string, symbol: string): bigint {
  const fraction = value.split(".")[1] ?? "";
  if (fraction.length > decimals) throw new PlanError(`${what} ${value} has more decimals than ${symbol}'s ${decimals}`);
  return parseUnits(value, decimals);
}

/** N equal slices of the total (the remainder of the division in the last), in base units. */
export function planTwap(spec: TwapSpec, tokenIn: TokenInfo): TwapPlan {
  const total = toBaseUnits(spec.totalAmount, tokenIn.decimals, "totalAmount", tokenIn.symbol);
  const slice = total / BigInt(spec.slices);
  if (slice === 0n) throw new PlanError(`totalAmount ${spec.totalAmount} ${tokenIn.symbol} cannot be split into ${spec.slices} slices`);
  const amounts = Array.from({ length: spec.slices }, (_, i) => (i === spec.slices - 1 ? total - slice * BigInt(spec.slices - 1) : slice).toString());
  return { ...spec, tokenInInfo: tokenIn, amounts };
}

/** When slot `index` is due: the first at once, then one every interval. */
export function slotDueAt(start: Date, plan: Pick<TwapPlan, "intervalSeconds">, index: number): Date {
  return new Date(start.getTime() + index * plan.intervalSeconds * 1000);
}

/** The session request (sdk/request.ts) that lets `sessionKey` run the plan and nothing else. */
export function twapSessionRequest(plan: TwapPlan, sessionKey: Address, chainId: number) {
  const largest = plan.amounts.reduce((a, b) => (BigInt(b) > BigInt(a) ? b : a));
  const total = plan.amounts.reduce((a, b) => a + BigInt(b), 0n);
  const units = (v: bigint | string) => formatUnits(BigInt(v), plan.tokenInInfo.decimals);
  return swapSessionRequest(plan, sessionKey, chainId, {
    duration: plan.duration ?? (plan.slices - 1) * plan.intervalSeconds + 3_600,
    maxPerTransaction: units(largest),
    maxTotal: plan.maxTotal ?? units(total),
    maxCalls: plan.slices,
  });
}

/** A session request for swaps of tokenIn on the plan's router only, within `limits` (tokenIn's units). */
export function swapSessionRequest(
  plan: Pick<TwapSpec, "account" | "router" | "tokenIn" | "maxFeeTotal">,
  sessionKey: Address,
  chainId: number,
  limits: { duration: number; maxPerTransaction: string; maxTotal: string; maxCalls: number },
) {
  return {
    walletAddress: plan.account,
    sessionKeyAddress: sessionKey,
    duration: limits.duration,
    ...(plan.maxFeeTotal ? { maxFeeTotal: plan.maxFeeTotal } : {}),
    permissions: {
      chainId,
      contractAddress: plan.router,
      token: plan.tokenIn,
      allowedFunctions: [EXACT_INPUT_SINGLE],
      maxPerTransaction: limits.maxPerTransaction,
      maxTotal: limits.maxTotal,
      maxCalls: limits.maxCalls,
    },
  };
}

/** What a swap needs of a plan (a TWAP's or a stop-loss's). */
export type SwapPlan = Pick<TwapSpec, "account" | "router" | "tokenIn" | "tokenOut" | "fee" | "slippageBps">;

/** The least tokenOut a swap of `amountIn` may give: the router's quote now, less the plan's slippage bound. */
export function minimumOutput(client: Pick<ReadClient, "readContract">, plan: SwapPlan, amountIn: bigint): Promise<bigint> {
  return swapMinimum(client, plan, amountIn, plan.slippageBps);
}

/** One swap (a slice, a sale), its output to the account itself. */
export function swapCall(plan: SwapPlan, amountIn: bigint, amountOutMinimum: bigint): Call {
  return sdkSwapCall({ ...plan, recipient: plan.account }, amountIn, amountOutMinimum);
}
