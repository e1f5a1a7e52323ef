// Reading a price from a feed shaped like Chainlink's AggregatorV3Interface, refusing what must not
// trigger a trade: a stale answer (older than the caller's bound), a round not answered in itself,
// a non-positive price, a time in the future. A stop-loss decides on nothing else.
import { type Address, parseAbi } from "viem";
import type { ReadClient } from "./request.js";

export const aggregatorV3Abi = parseAbi([
  "function decimals() view returns (uint8)",
  "function description() view returns (string)",
  "function latestRoundData() view returns (uint80 roundId, int256 answer, uint256 startedAt, uint256 updatedAt, uint80 answeredInRound)",
]);

export interface PriceReading {
  feed: Address;
  roundId: bigint;
  /** The price in the feed's units: `answer / 10^decimals`. */
  answer: bigint;
  decimals: number;
  /** Unix seconds of the round's last update. */
  updatedAt: number;
}

/** Why a feed's answer cannot be used now. */
export class PriceFeedError extends Error {
  override name = "PriceFeedError";
  constructor(
    readonly reason: "stale" | "incomplete_round" | "non_positive" | "future",
    message: string,
  ) {
    super(message);
  }
}

/**
 * The feed's latest answer, usable at `now` (unix seconds) only if it was updated at most
 * `maxAgeSeconds` before; otherwise a PriceFeedError saying why.
 */
export async function readPrice(client: ReadClient, feed: Address, opts: { maxAgeSeconds: number; now: number }): Promise<PriceReading> {
  const [[roundId, answer, , updatedAt, answeredInRound], decimals] = await Promise.all([
    client.readContract({ address: feed, abi: aggregatorV3Abi, functionName: "latestRoundData" }),
    client.readContract({ address: feed, abi: aggregatorV3Abi, functionName: "decimals" }),
  ]);
  const reading = { feed, roundId, answer, decimals, updatedAt: Number(updatedAt) };
  return checkPrice(reading, answeredInRound, opts);
}

/** The checks of readPrice on a reading already made. */
export function checkPrice(reading: PriceReading, answeredInRound: bigint, opts: { maxAgeSeconds: number; now: number }): PriceReading {
  const { feed, roundId, answer, updatedAt } = reading;
  if (answeredInRound < roundId) {
    throw new PriceFeedError("incomplete_round", `price feed ${feed}: round ${roundId} was answered in the earlier round ${answeredInRound}`);
  }
  if (answer <= 0n) throw new PriceFeedError("non_positive", `price feed ${feed}: its answer ${answer} is not a price`);
  if (updatedAt > opts.now) throw new PriceFeedError("future", `price feed ${feed}: updated at ${updatedAt}, after now (${opts.now})`);
  const age = opts.now - updatedAt;
  if (age > opts.maxAgeSeconds) {
    throw new PriceFeedError("stale", `price feed ${feed}: its latest answer is ${age} s old, more than the ${opts.maxAgeSeconds} s allowed`);
  }
  return reading;
}

/** Whether a stop-loss at `threshold` (in the feed's units, same decimals) fires on this reading. */
export function belowThreshold(reading: PriceReading, threshold: bigint): boolean {
  return reading.answer < threshold;
}
