// A price from a feed shaped like Chainlink's AggregatorV3Interface (MockPriceFeed on an in-process
// chain): the latest answer is read with its decimals, and a stale, non-positive, future or
// incompletely answered one is refused with its reason, so that a stop-loss never fires on it.
import { expect } from "chai";
import hre, { network } from "hardhat";
import { type Address, type Hex, custom } from "viem";
import { mockPriceFeedAbi } from "../../sdk/contracts.js";
import { PriceFeedError, belowThreshold, checkPrice, readPrice } from "../../sdk/price-feed.js";
import { localClient } from "../../testkit/testbed/client.js";

describe("sdk/price-feed: reading a feed, refusing what must not trigger a trade", function () {
  let client: Awaited<ReturnType<typeof localClient>>;
  let feed: Address;
  let helpers: Awaited<ReturnType<typeof network.create>>["networkHelpers"];
  const now = async () => Number((await client.getBlock()).timestamp);

  before(async function () {
    const connection = await network.create();
    helpers = connection.networkHelpers;
    client = await localClient(custom(connection.provider, { retryCount: 0 }));
    // ETH / USD at $3,000.00000000, 8 decimals as Chainlink's USD feeds.
    const { abi, bytecode } = await hre.artifacts.readArtifact("MockPriceFeed");
    const hash = await client.deployContract({ abi, bytecode: bytecode as Hex, args: [8, "ETH / USD", 3_000n * 10n ** 8n] });
    feed = (await client.waitForTransactionReceipt({ hash })).contractAddress!;
  });

  it("reads the latest round: answer, decimals, update time", async function () {
    const reading = await readPrice(client, feed, { maxAgeSeconds: 3600, now: await now() });
    expect([reading.answer, reading.decimals, reading.roundId]).to.deep.equal([3_000n * 10n ** 8n, 8, 1n]);
    expect(reading.updatedAt).to.be.within((await now()) - 5, await now());
  });

  it("a new round moves the price; the stop-loss fires below its threshold only", async function () {
    const threshold = 2_800n * 10n ** 8n;
    expect(belowThreshold(await readPrice(client, feed, { maxAgeSeconds: 3600, now: await now() }), threshold)).to.equal(false);
    await client.waitForTransactionReceipt({ hash: await client.writeContract({ address: feed, abi: mockPriceFeedAbi, functionName: "setAnswer", args: [2_799n * 10n ** 8n] }) });
    const moved = await readPrice(client, feed, { maxAgeSeconds: 3600, now: await now() });
    expect([moved.answer, moved.roundId]).to.deep.equal([2_799n * 10n ** 8n, 2n]);
    expect(belowThreshold(moved, threshold)).to.equal(true);
    expect(belowThreshold({ ...moved, answer: threshold }, threshold), "at the threshold: not below").to.equal(false);
  });

  it("refuses a stale answer: one second past the allowed age, not at it", async function () {
    const { updatedAt } = await readPrice(client, feed, { maxAgeSeconds: 3600, now: await now() });
    await helpers.time.increaseTo(updatedAt + 600);
    expect((await readPrice(client, feed, { maxAgeSeconds: 600, now: await now() })).updatedAt).to.equal(updatedAt);
    await helpers.time.increaseTo(updatedAt + 601);
    const stale = await readPrice(client, feed, { maxAgeSeconds: 600, now: await now() }).then(
      () => null,
      (error: unknown) => error,
    );
    expect(stale).to.be.instanceOf(PriceFeedError);
    expect((stale as PriceFeedError).reason).to.equal("stale");
    expect((stale as PriceFeedError).message).to.equal(`price feed ${feed}: its latest answer is 601 s old, more than the 600 s allowed`);
  });

  it("refuses a non-positive price, a time in the future and a round answered earlier", function () {
    const reading = { feed, roundId: 5n, answer: 1n, decimals: 8, updatedAt: 1_000 };
    const reason = (f: () => unknown) => {
      try {
        f();
        return "accepted";
      } catch (error) {
        return (error as PriceFeedError).reason;
      }
    };
    const opts = { maxAgeSeconds: 60, now: 1_010 };
    expect(reason(() => checkPrice(reading, 5n, opts))).to.equal("accepted");
    expect(reason(() => checkPrice({ ...reading, answer: 0n }, 5n, opts))).to.equal("non_positive");
    expect(reason(() => checkPrice({ ...reading, answer: -1n }, 5n, opts))).to.equal("non_positive");
    expect(reason(() => checkPrice({ ...reading, updatedAt: 1_011 }, 5n, opts))).to.equal("future");
    expect(reason(() => checkPrice(reading, 4n, opts))).to.equal("incomplete_round");
  });
});
