// Outcomes from receipts (indexer/lib/outcome.ts), without a chain: the UserOperationEvent of the
// right operation and only from the deployed EntryPoint, one receipt read per transaction, and no
// outcome taken from another block's receipt. correctness.test.ts covers the same path on a chain.
import { expect } from "chai";
import { type Address, type Hex, type Log, encodeAbiParameters, encodeEventTopics, keccak256, toHex } from "viem";
import { type OutcomeContext, type ReceiptLike, outcomeReader, outcomesOf } from "../../indexer/lib/outcome.js";
import { userOperationEventAbi } from "../../sdk/contracts.js";

const ENTRY_POINT = "0x0000000071727De22E5E9d8BAf0edAc6f37da032" as Address;
const OTHER = "0x00000000000000000000000000000000000000aa" as Address;
const ALICE = "0x52908400098527886E0F7030069857D2E4169EE7" as Address;
const BOB = "0x2222222222222222222222222222222222222222" as Address;
const ZERO = "0x0000000000000000000000000000000000000000" as Address;
const BLOCK = keccak256(toHex("block"));
const TX = keccak256(toHex("tx"));

let logIndex = 0;
/** A UserOperationEvent log emitted by `address`. */
function userOperationEvent(address: Address, sender: Address, nonce: bigint, success: boolean, cost: bigint): Log {
  const userOpHash = keccak256(toHex(`${sender}:${nonce}`));
  return {
    address,
    topics: encodeEventTopics({ abi: userOperationEventAbi, eventName: "UserOperationEvent", args: { userOpHash, sender, paymaster: ZERO } }) as [Hex, ...Hex[]],
    data: encodeAbiParameters([{ type: "uint256" }, { type: "bool" }, { type: "uint256" }, { type: "uint256" }], [nonce, success, cost, cost / 2n]),
    blockHash: BLOCK,
    blockNumber: 7n,
    logIndex: logIndex++,
    transactionHash: TX,
    transactionIndex: 0,
    removed: false,
  };
}

function receipt(logs: Log[], blockHash: Hex = BLOCK): ReceiptLike {
  return { blockHash, transactionHash: TX, logs };
}

/** Ponder's event, as the handlers see it: only what the reader uses. */
const event = (blockHash: Hex = BLOCK) => ({
  id: "1",
  block: { number: 7n, timestamp: 1n, hash: blockHash },
  transaction: { hash: TX, transactionIndex: 0 },
  log: { logIndex: 0 },
});

/** A client answering with `answer` and counting its calls. */
function client(answer: () => ReceiptLike, blockReceipts: () => ReceiptLike[] | null = () => null) {
  const calls = { receipts: 0, blockReceipts: 0 };
  const context: OutcomeContext = {
    chain: { id: 31337 },
    contracts: {},
    client: {
      getTransactionReceipt: (async () => {
        calls.receipts++;
        return answer();
      }) as never,
      request: (async () => {
        calls.blockReceipts++;
        return blockReceipts();
      }) as never,
    },
  };
  return { context, calls };
}

describe("indexer: operation outcomes from the transaction's receipt", function () {
  const bundle = () =>
    receipt([
      userOperationEvent(ENTRY_POINT, ALICE, 5n, true, 1_000n),
      // Another contract of the bundle emitting a look-alike for Alice's operation: ignored.
      userOperationEvent(OTHER, ALICE, 5n, false, 9n),
      userOperationEvent(ENTRY_POINT, BOB, 9n, false, 3_000n),
    ]);

  it("finds each operation's UserOperationEvent by sender and nonce, only from the EntryPoint", function () {
    const outcomes = outcomesOf(bundle(), ENTRY_POINT);
    expect(outcomes.size).to.equal(2);
    const alice = outcomes.get(`${ALICE.toLowerCase()}:5`)!;
    expect([alice.success, alice.actualGasCost, alice.actualGasUsed, alice.paymaster]).to.deep.equal([true, 1_000n, 500n, ZERO]);
    expect(alice.userOpHash).to.equal(keccak256(toHex(`${ALICE}:5`)));
    // The audit log's arguments, as Ponder gives its own events' (addresses in lower case).
    expect(alice.log.args).to.deep.equal({
      userOpHash: alice.userOpHash,
      sender: ALICE.toLowerCase(),
      paymaster: ZERO,
      nonce: 5n,
      success: true,
      actualGasCost: 1_000n,
      actualGasUsed: 500n,
    });
    expect(outcomes.get(`${BOB.toLowerCase()}:9`)!.success).to.equal(false);
    expect(outcomesOf(bundle(), OTHER).get(`${ALICE.toLowerCase()}:5`)!.success).to.equal(false);
  });

  it("reads one receipt per transaction, whatever the number of our events in it", async function () {
    const read = outcomeReader(ENTRY_POINT);
    const { context, calls } = client(bundle);
    expect((await read(context, event(), ALICE, 5n))?.actualGasCost).to.equal(1_000n);
    expect((await read(context, event(), BOB, 9n))?.success).to.equal(false);
    // An event emitted outside the EntryPoint (no UserOperationEvent for it): no outcome.
    expect(await read(context, event(), BOB, 10n)).to.equal(null);
    expect(calls).to.deep.equal({ receipts: 1, blockReceipts: 0 });
  });

  it("leaves outcomes to the EntryPoint's own handler when the configuration subscribes to it", async function () {
    const { context, calls } = client(bundle);
    expect(await outcomeReader(ENTRY_POINT)({ ...context, contracts: { EntryPoint: {} } }, event(), ALICE, 5n)).to.equal(null);
    expect(calls.receipts).to.equal(0);
  });

  it("never takes the outcome from another block's receipt", async function () {
    const reorged = keccak256(toHex("reorged"));
    // A receipt kept from before a reorg: the block's own receipts are asked for.
    const fresh = receipt([userOperationEvent(ENTRY_POINT, ALICE, 5n, false, 77n)], reorged);
    const stale = client(bundle, () => [fresh]);
    expect((await outcomeReader(ENTRY_POINT)(stale.context, event(reorged), ALICE, 5n))?.actualGasCost).to.equal(77n);
    expect(stale.calls).to.deep.equal({ receipts: 1, blockReceipts: 1 });
    // Not there either: the indexer stops rather than write another block's outcome.
    const lost = client(bundle, () => []);
    const read = outcomeReader(ENTRY_POINT);
    let error: unknown;
    await read(lost.context, event(reorged), ALICE, 5n).catch((e) => (error = e));
    expect(String(error)).to.match(/is not from block/);
    // A failed read is not kept: the retry asks again.
    await read(lost.context, event(reorged), ALICE, 5n).catch(() => undefined);
    expect(lost.calls.receipts).to.equal(2);
  });
});
