// A stop-loss: up to an amount of token A sold for token B, once, when an on-chain price feed (shaped
// like Chainlink's AggregatorV3Interface) reads below a threshold. The feed is read every check
// interval with the chain's time as now; a stale or otherwise unusable answer never triggers the sale.
// The sale is the automation's one slot (index 0), sent and recorded as a TWAP's slices are.
import { type Address, formatUnits } from "viem";
import { z } from "zod";
import { aggregatorV3Abi, belowThreshold, type PriceReading, PriceFeedError, readPrice } from "../sdk/price-feed.js";
import { addressSchema, type ReadClient, type TokenInfo } from "../sdk/request.js";
import { MIN_DURATION } from "../sdk/rules.js";
import { decimalSchema, PlanError, swapSessionRequest, toBaseUnits } from "./twap.js";

/** What a caller asks for (the executor's POST /v1/automations). */
export const stopLossSpecSchema = z.object({
  kind: z.literal("stop_loss"),
  account: addressSchema,
  router: addressSchema,
  /** The token sold (e.g. WETH). */
  tokenIn: addressSchema,
  /** The token received (e.g. USDC). */
  tokenOut: addressSchema,
  /** The most sold, in tokenIn's own units ("0.5"): one swap of this amount. */
  amount: decimalSchema,
  /** The price feed (AggregatorV3Interface). */
  feed: addressSchema,
  /** The sale happens when the feed's price is below this, in the feed's units ("2800"). */
  threshold: decimalSchema,
  /** An answer older than this (by the chain's clock) is stale: no sale on it. */
  maxAgeSeconds: z.number().int().min(1).max(30 * 86_400),
  checkIntervalSeconds: z.number().int().min(1).max(86_400),
  /** Below the quote the swap may fill, in basis points (50 = 0.5%). */
  slippageBps: z.number().int().min(0).max(5_000).default(50),
  /** The pool fee passed to the router. */
  fee: z.number().int().min(0).max(1_000_000).default(3000),
  /** The session's life in seconds; default: 7 days. */
  duration: z.number().int().min(MIN_DURATION).optional(),
  /** Gas budget of the session over its life, in the native coin. */
  maxFeeTotal: decimalSchema.optional(),
});
export type StopLossSpec = z.output<typeof stopLossSpecSchema>;

/** The session's life when the spec does not say: a stop-loss has no end of its own. */
export const STOP_LOSS_DEFAULT_DURATION = 7 * 86_400;

/** The plan as stored: the spec, the sale's amount and the threshold in base units. */
export interface StopLossPlan extends StopLossSpec {
  tokenInInfo: TokenInfo;
  /** One slot: the sale, in tokenIn's base units. */
  amounts: [string];
  feedDecimals: number;
  /** The threshold in the feed's base units (answer scale). */
  thresholdAnswer: string;
}

/** The plan, with the feed's decimals read from the feed itself. */
export async function planStopLoss(client: ReadClient, spec: StopLossSpec, tokenIn: TokenInfo): Promise<StopLossPlan> {
  const amount = toBaseUnits(spec.amount, tokenIn.decimals, "amount", tokenIn.symbol);
  if (amount === 0n) throw new PlanError("amount must be more than 0");
  const feedDecimals = await client.readContract({ address: spec.feed, abi: aggregatorV3Abi, functionName: "decimals" }).catch(() => {
    throw new PlanError(`${spec.feed} does not answer decimals(): not a price feed`);
  });
  const thresholdAnswer = toBaseUnits(spec.threshold, feedDecimals, "threshold", "the feed");
  if (thresholdAnswer === 0n) throw new PlanError("threshold must be more than 0");
  return { ...spec, tokenInInfo: tokenIn, amounts: [amount.toString()], feedDecimals, thresholdAnswer: thresholdAnswer.toString() };
}

/** The session request that lets `sessionKey` make the one sale and nothing else. */
export function stopLossSessionRequest(plan: StopLossPlan, sessionKey: Address, chainId: number) {
  const amount = formatUnits(BigInt(plan.amounts[0]), plan.tokenInInfo.decimals);
  return swapSessionRequest(plan, sessionKey, chainId, { duration: plan.duration ?? STOP_LOSS_DEFAULT_DURATION, maxPerTransaction: amount, maxTotal: amount, maxCalls: 1 });
}

/** One reading of the feed as the automation keeps it (the view's `watch.lastCheck`). */
export interface PriceCheck {
  at: string;
  /** below: the sale goes ahead; above: at or over the threshold, no sale; skipped: the feed's answer is unusable. */
  outcome: "below" | "above" | "skipped";
  /** The chain's time the answer was judged at (unix seconds). */
  chainTime: number;
  /** The answer as a decimal price, its round and update time; absent when the feed could not be read. */
  price?: string;
  roundId?: string;
  updatedAt?: number;
  /** For skipped: the PriceFeedError's reason (stale, incomplete_round, non_positive, future) or "unreadable". */
  reason?: string;
  message?: string;
  /** Checks made so far. */
  checks: number;
}

/** Reads the feed at the chain's time and judges it against the plan's threshold. */
export async function checkStopLoss(client: ReadClient, plan: StopLossPlan, checks: number): Promise<PriceCheck> {
  const base = { at: new Date().toISOString(), checks };
  let chainTime = 0;
  try {
    chainTime = Number((await client.getBlock({ blockTag: "latest" })).timestamp);
    const reading: PriceReading = await readPrice(client, plan.feed, { maxAgeSeconds: plan.maxAgeSeconds, now: chainTime });
    const seen = { chainTime, price: formatUnits(reading.answer, reading.decimals), roundId: reading.roundId.toString(), updatedAt: reading.updatedAt };
    return { ...base, ...seen, outcome: belowThreshold(reading, BigInt(plan.thresholdAnswer)) ? "below" : "above" };
  } catch (error) {
    if (error instanceof PriceFeedError) return { ...base, chainTime, outcome: "skipped", reason: error.reason, message: error.message };
    return { ...base, chainTime, outcome: "skipped", reason: "unreadable", message: `price feed ${plan.feed} could not be read: ${(error as Error).message.split("\n")[0]}` };
  }
}
