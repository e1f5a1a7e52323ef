// The outcome of a user operation that used our policies, read from its transaction's receipt.
//
// Our policies emit their events during validation; the EntryPoint emits the operation's
// UserOperationEvent after executing it, in the same transaction (a call that reverts still has
// both). So the handler of our event finds the operation's UserOperationEvent among the logs of
// its own transaction's receipt, by (sender, nonce), and only from the deployed EntryPoint (a
// contract called by another operation of the bundle can emit a look-alike). The indexer never
// subscribes to the EntryPoint: on a public chain nearly all of its events are someone else's.
//
// The receipt comes from the event's own chain: Ponder's context.client is the client of the chain
// whose event is handled, and each chain has its own reader (and EntryPoint, from its deployments file).
//
// One receipt per transaction: a bundle with several of our operations, or an operation with
// several uses, reads its receipt once (kept by block hash and transaction hash).
import type { Context } from "ponder:registry";
import { type Address, type Hex, type Log, parseEventLogs } from "viem";
import { userOperationEventAbi } from "../../sdk/generated/contracts.js";
import type { ChainEvent } from "./records.js";
import { readSettings } from "./settings.js";

/** What the EntryPoint said about an operation, and where it said it. */
export interface Outcome {
  userOpHash: Hex;
  success: boolean;
  actualGasCost: bigint;
  actualGasUsed: bigint;
  paymaster: Address;
  /** The UserOperationEvent itself, for the audit log. */
  log: { logIndex: number; args: Record<string, unknown> };
}

/** The parts of a receipt read here. */
export interface ReceiptLike {
  blockHash: Hex;
  transactionHash: Hex;
  logs: readonly Log[];
}

/** The operations the `entryPoint` executed in a transaction, by "sender:nonce" (sender lower-case). */
export function outcomesOf(receipt: ReceiptLike, entryPoint: Address): Map<string, Outcome> {
  const outcomes = new Map<string, Outcome>();
  const ours = receipt.logs.filter((log) => log.address.toLowerCase() === entryPoint.toLowerCase());
  for (const log of parseEventLogs({ abi: userOperationEventAbi, logs: ours, strict: true })) {
    const { userOpHash, sender, paymaster, nonce, success, actualGasCost, actualGasUsed } = log.args;
    outcomes.set(operationKey(sender, nonce), {
      userOpHash,
      success,
      actualGasCost,
      actualGasUsed,
      paymaster,
      // As Ponder decodes its own events' arguments: addresses in lower case.
      log: { logIndex: log.logIndex, args: { ...log.args, sender: sender.toLowerCase(), paymaster: paymaster.toLowerCase() } },
    });
  }
  return outcomes;
}

const operationKey = (sender: Address, nonce: bigint) => `${sender.toLowerCase()}:${nonce}`;

type Client = Pick<Context["client"], "getTransactionReceipt" | "request">;
/**
 * What a handler's context gives: the event's chain, its RPC client, and the contracts the
 * configuration subscribes to.
 */
export type OutcomeContext = { chain: { id: number }; client: Client; contracts: object };

/** How many transactions' outcomes a reader keeps (a block's worth of our transactions, and more). */
const KEPT = 256;

/**
 * The receipt of the event's transaction, from the event's block. Ponder keeps receipts it fetched
 * by transaction hash alone; one from another block (before a reorg) is fetched again with the
 * block's receipts, and a mismatch after that stops the indexer rather than record another block's
 * outcome.
 */
async function receiptOf(client: Client, event: ChainEvent): Promise<ReceiptLike> {
  const receipt = await client.getTransactionReceipt({ hash: event.transaction.hash });
  if (receipt.blockHash === event.block.hash) return receipt;
  const block = (await client.request({ method: "eth_getBlockReceipts", params: [event.block.hash] } as never)) as ReceiptLike[] | null;
  const fresh = block?.find((r) => r.transactionHash === event.transaction.hash && r.blockHash === event.block.hash);
  if (!fresh) {
    throw new Error(`the receipt of ${event.transaction.hash} is not from block ${event.block.hash} (${receipt.blockHash})`);
  }
  // eth_getBlockReceipts answers in RPC form: only the fields read here are used (address, topics, data, logIndex).
  return { ...fresh, logs: fresh.logs.map((log) => ({ ...log, logIndex: Number(log.logIndex) })) };
}

export type OutcomeReader = (context: OutcomeContext, event: ChainEvent, account: Address, nonce: bigint) => Promise<Outcome | null>;

/**
 * Reads operations' outcomes from the UserOperationEvents of `entryPoint`, one receipt per
 * transaction: the outcome of the operation (account, nonce) whose policy event is `event`, or null
 * when its transaction has no UserOperationEvent for it (an event emitted outside the EntryPoint).
 * Also null under a configuration that subscribes to the EntryPoint itself (the design this one
 * replaced, which bench:indexer-foreign still runs for comparison): its own handler brings the
 * outcome there.
 */
export function outcomeReader(entryPoint: Address): OutcomeReader {
  /** Outcomes of the transactions read lately, by block hash and transaction hash (a reorg gives a transaction another block). */
  const read = new Map<string, Promise<Map<string, Outcome>>>();
  return async ({ client, contracts }, event, account, nonce) => {
    if ("EntryPoint" in contracts) return null;
    const key = `${event.block.hash}:${event.transaction.hash}`;
    let outcomes = read.get(key);
    if (!outcomes) {
      outcomes = receiptOf(client, event).then((receipt) => outcomesOf(receipt, entryPoint));
      // Forget a failed read: Ponder retries the block, and the retry must ask again.
      outcomes.catch(() => read.delete(key));
      read.set(key, outcomes);
      if (read.size > KEPT) read.delete(read.keys().next().value!);
    }
    return (await outcomes).get(operationKey(account, nonce)) ?? null;
  };
}

/** One reader per chain followed, by chain id. */
const readers = new Map<number, OutcomeReader>();

/** outcomeReader of the EntryPoint in the deployments file of the event's chain: what the handlers use. */
export const operationOutcome: OutcomeReader = (context, event, account, nonce) => {
  const chainId = context.chain.id;
  let reader = readers.get(chainId);
  if (!reader) {
    const chain = readSettings().chains.find((c) => c.chainId === chainId);
    if (!chain) throw new Error(`an event of chain ${chainId}, which the indexer does not follow`);
    reader = outcomeReader(chain.deployments.contracts.EntryPoint.address);
    readers.set(chainId, reader);
  }
  return reader(context, event, account, nonce);
};
