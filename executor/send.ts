// One operation of a slot: signed by the session key with the account's next nonce, its hash known
// before it leaves, submitted (to a bundler, or to the EntryPoint directly), and its failure sorted
// into what to do next. And the EntryPoint's record of which of a slot's operations, if any, executed.
import { type Abi, type Hex, parseAbiItem } from "viem";
import { entryPoint07Address, getUserOperationHash, type UserOperation } from "viem/account-abstraction";
import { sessionPolicyAbi } from "../sdk/contracts.js";
import { explainFailure, isTemporaryRefusal, type Refusal, UserOperationError } from "../sdk/errors.js";
import { type Approval, type LeashChain, restoreSessionAccount, type Transport } from "../sdk/session.js";
import { type Call, sendSignedUserOperation, signUserOperationDirect, submitUserOperation } from "../sdk/userops.js";

const abis = [sessionPolicyAbi as Abi];
export const userOperationEvent = parseAbiItem(
  "event UserOperationEvent(bytes32 indexed userOpHash, address indexed sender, address indexed paymaster, uint256 nonce, bool success, uint256 actualGasCost, uint256 actualGasUsed)",
);

export interface SignedOperation {
  op: UserOperation<"0.7">;
  hash: Hex;
}

/** Signs `call` as the session key, claiming `claim` (usableClaim's choice for the transport). */
export async function signOperation(chain: LeashChain, approval: Approval, sessionPrivateKey: Hex, call: Call, claim: number): Promise<SignedOperation> {
  const account = await restoreSessionAccount(chain, approval, sessionPrivateKey, { claim });
  const op = await signUserOperationDirect({ client: chain.client, account, calls: [call] });
  const hash = getUserOperationHash({ userOperation: op, entryPointAddress: entryPoint07Address, entryPointVersion: "0.7", chainId: chain.deployments.chainId });
  return { op, hash };
}

/** How long an operation a bundler accepted is waited for on chain before the slot is tried again. */
export const INCLUSION_WAIT_MS = 60_000;

/**
 * Submits the operation and returns the EntryPoint's record of it. Through a bundler, its acceptance
 * is not taken for done: the operation's UserOperationEvent is waited for (a slot tried again later
 * looks its hashes up first, so an operation included late is still found).
 */
export async function submitOperation(chain: LeashChain, signed: SignedOperation, via: Transport, fromBlock: bigint): Promise<Inclusion> {
  if (!("bundlerUrl" in via)) {
    const result = await submitUserOperation({ submitter: chain.client, userOperation: signed.op, entryPoint: entryPoint07Address, abis });
    return { userOpHash: result.userOpHash, transactionHash: result.transactionHash, success: true, gasUsed: result.actualGasUsed, gasCost: result.actualGasCost };
  }
  await sendSignedUserOperation({ bundlerUrl: via.bundlerUrl, userOperation: signed.op, entryPoint: entryPoint07Address, abis });
  const until = Date.now() + INCLUSION_WAIT_MS;
  for (;;) {
    const included = await findInclusion(chain, [signed.hash], fromBlock).catch(() => undefined);
    if (included) return included;
    if (Date.now() > until) throw new Error(`the bundler accepted operation ${signed.hash} but it was not included within ${INCLUSION_WAIT_MS / 1000} s`);
    await new Promise((r) => setTimeout(r, 250));
  }
}

export interface Inclusion {
  userOpHash: Hex;
  transactionHash: Hex;
  success: boolean;
  gasUsed: bigint;
  gasCost: bigint;
}

/** Which of `hashes` the EntryPoint executed since `fromBlock` (at most one: they share a nonce). */
export async function findInclusion(chain: LeashChain, hashes: readonly Hex[], fromBlock: bigint): Promise<Inclusion | undefined> {
  if (hashes.length === 0) return undefined;
  const logs = await chain.client.getLogs({ address: entryPoint07Address, event: userOperationEvent, args: { userOpHash: [...hashes] }, fromBlock });
  const log = logs[0];
  if (!log) return undefined;
  return {
    userOpHash: log.args.userOpHash!,
    transactionHash: log.transactionHash,
    success: log.args.success!,
    gasUsed: log.args.actualGasUsed!,
    gasCost: log.args.actualGasCost!,
  };
}

export type Outcome =
  /** Executed, its call reverted: the slot is spent, its operation on chain. */
  | { type: "reverted"; message: string }
  /** The RPC, the bundler or a nonce race: try again. */
  | { type: "transient"; message: string }
  | { type: "refused"; temporary: boolean; refusal: Refusal };

export function classify(error: unknown, tokens: Approval["tokens"]): Outcome {
  if (!(error instanceof UserOperationError)) return { type: "transient", message: error instanceof Error ? error.message : String(error) };
  const failure = error.failure;
  if (failure.message.startsWith("the operation was executed but its call reverted")) return { type: "reverted", message: failure.message };
  if (failure.code === "AA25") return { type: "transient", message: `nonce race: ${failure.message}` };
  if (!failure.code && !failure.error && !failure.data && !failure.bundler) return { type: "transient", message: failure.message };
  const refusal = explainFailure(failure, tokens);
  // Temporary (try the slot again later): limits that refill, a bundler's time range or throttling.
  return { type: "refused", temporary: isTemporaryRefusal(refusal.kind), refusal };
}
