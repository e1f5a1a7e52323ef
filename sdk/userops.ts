import { createKernelAccountClient } from "@zerodev/sdk";
import {
  type Abi,
  type Address,
  type Hex,
  HttpRequestError,
  type TransactionReceipt,
  http,
  parseEventLogs,
} from "viem";
import {
  createBundlerClient,
  entryPoint07Abi,
  entryPoint07Address,
  formatUserOperationRequest,
  prepareUserOperation,
  toPackedUserOperation,
  type UserOperation,
} from "viem/account-abstraction";
import type { KernelAccount } from "./accounts.js";
import { decodeRevertData, decodeUserOperationError, UserOperationError } from "./errors.js";
import type { Account, Chain, Client, PublicActions, Transport, WalletActions } from "viem";

/** A client that reads the chain and sends transactions from an account. */
export type DeployClient = Client<Transport, Chain, Account> & PublicActions<Transport, Chain> & WalletActions<Chain, Account>;

export interface Call {
  to: Address;
  value?: bigint;
  data?: Hex;
}

export interface UserOperationResult {
  userOpHash: Hex;
  transactionHash: Hex;
  /** Whether the operation's calls succeeded (validation always did, or it would not be on chain). */
  success: boolean;
  actualGasUsed: bigint;
  actualGasCost: bigint;
  receipt: TransactionReceipt;
}

/** Gas limits for operations sent without a bundler's estimate: enough for a first (enable-mode) op. */
export const DIRECT_GAS = {
  callGasLimit: 1_000_000n,
  verificationGasLimit: 2_000_000n,
  preVerificationGas: 100_000n,
} as const;

/** Parses the EntryPoint's events for one operation out of a bundle's receipt. */
export function userOperationOutcome(receipt: TransactionReceipt, userOpHash: Hex, abis: readonly Abi[] = []) {
  const logs = parseEventLogs({ abi: entryPoint07Abi, logs: receipt.logs });
  const event = logs.find((l) => l.eventName === "UserOperationEvent" && l.args.userOpHash === userOpHash);
  if (!event || event.eventName !== "UserOperationEvent") {
    throw new Error(`no UserOperationEvent for ${userOpHash} in transaction ${receipt.transactionHash}`);
  }
  const revert = logs.find((l) => l.eventName === "UserOperationRevertReason" && l.args.userOpHash === userOpHash);
  const revertReason =
    revert && revert.eventName === "UserOperationRevertReason" ? decodeRevertData(revert.args.revertReason, abis) : undefined;
  return {
    success: event.args.success,
    actualGasUsed: event.args.actualGasUsed,
    actualGasCost: event.args.actualGasCost,
    revertReason,
  };
}

/** Gas limits and fees of a directly sent operation (defaults: DIRECT_GAS, fees from the base fee). */
export type DirectGas = Partial<Record<keyof typeof DIRECT_GAS | "maxFeePerGas" | "maxPriorityFeePerGas", bigint>>;

/**
 * Builds and signs an operation with the account's active validator, for a direct submission (fixed
 * gas limits, no bundler). Nothing is sent: whoever holds the result can submit it (submitUserOperation).
 */
export async function signUserOperationDirect(opts: {
  client: Pick<DeployClient, "getBlock">;
  account: KernelAccount;
  calls: readonly Call[];
  gas?: DirectGas;
  /** Hand-built account calldata, used instead of encoding `calls` (tests of malformed operations). */
  callData?: Hex;
}): Promise<UserOperation<"0.7">> {
  const { account } = opts;
  const [callData, nonce, factoryArgs, deployed, block] = await Promise.all([
    opts.callData ?? account.encodeCalls(opts.calls.map((c) => ({ to: c.to, value: c.value ?? 0n, data: c.data ?? "0x" }))),
    account.getNonce(),
    account.getFactoryArgs(),
    account.isDeployed(),
    opts.client.getBlock(),
  ]);
  const baseFee = block.baseFeePerGas ?? 1_000_000_000n;
  const op: UserOperation<"0.7"> = {
    sender: account.address,
    nonce,
    callData,
    ...(deployed ? {} : { factory: factoryArgs.factory, factoryData: factoryArgs.factoryData }),
    ...DIRECT_GAS,
    maxPriorityFeePerGas: 1_000_000_000n,
    maxFeePerGas: baseFee * 2n + 1_000_000_000n,
    ...opts.gas,
    signature: "0x",
  };
  op.signature = await account.signUserOperation(op);
  return op;
}

/** A signed operation to submit, with the EntryPoint and the ABIs that decode its refusals. */
export interface SignedSubmission {
  userOperation: UserOperation<"0.7">;
  entryPoint?: Address;
  abis?: readonly Abi[];
}

/**
 * Submits a signed operation to `EntryPoint.handleOps` from `submitter`, which is also the
 * beneficiary of the fees. A refusal is thrown as a `UserOperationError` with the reason decoded.
 */
export async function submitUserOperation(opts: SignedSubmission & { submitter: DeployClient }): Promise<UserOperationResult> {
  const { submitter, userOperation: op } = opts;
  const abis = opts.abis ?? [];
  const entryPoint = opts.entryPoint ?? entryPoint07Address;
  try {
    const packed = toPackedUserOperation(op);
    const userOpHash = await submitter.readContract({ address: entryPoint, abi: entryPoint07Abi, functionName: "getUserOpHash", args: [packed] });
    const hash = await submitter.writeContract({
      address: entryPoint,
      abi: entryPoint07Abi,
      functionName: "handleOps",
      args: [[packed], submitter.account.address],
    });
    const receipt = await submitter.waitForTransactionReceipt({ hash });
    if (receipt.status !== "success") throw new Error(`handleOps transaction ${hash} reverted`);
    const outcome = userOperationOutcome(receipt, userOpHash, abis);
    if (!outcome.success) {
      throw new UserOperationError({
        ...(outcome.revertReason ?? { message: "" }),
        message: `the operation was executed but its call reverted: ${outcome.revertReason?.message ?? "no reason"}`,
      });
    }
    return { userOpHash, transactionHash: hash, receipt, ...outcome };
  } catch (err) {
    if (err instanceof UserOperationError) throw err;
    throw new UserOperationError(decodeUserOperationError(err, abis), { cause: err });
  }
}

/**
 * Hands an operation already signed (signUserOperationDirect) to a bundler with
 * `eth_sendUserOperation` and returns the hash it answers. Accepted is not included: whether it
 * executed is the EntryPoint's UserOperationEvent to tell. A refusal is thrown as a
 * `UserOperationError` with the reason decoded; a bundler that does not answer, as one in words.
 */
export async function sendSignedUserOperation(opts: SignedSubmission & { bundlerUrl: string }): Promise<Hex> {
  const bundler = createBundlerClient({ transport: http(opts.bundlerUrl, { retryCount: 0 }) });
  try {
    return await bundler.request({
      method: "eth_sendUserOperation",
      params: [formatUserOperationRequest(opts.userOperation), opts.entryPoint ?? entryPoint07Address],
    });
  } catch (err) {
    if (err instanceof HttpRequestError) {
      const why = err.status ? `HTTP ${err.status}` : (err.details || err.shortMessage);
      throw new UserOperationError({ message: `the bundler at ${opts.bundlerUrl} did not answer: ${why}` }, { cause: err });
    }
    throw new UserOperationError(decodeUserOperationError(err, opts.abis ?? []), { cause: err });
  }
}

/**
 * Signs an operation with the account's active validator and submits it straight to
 * `EntryPoint.handleOps` from `submitter` (no bundler, fixed gas limits). A refusal is thrown as a
 * `UserOperationError` with the reason decoded.
 */
export async function sendUserOperationDirect(opts: {
  submitter: DeployClient;
  account: KernelAccount;
  calls: readonly Call[];
  abis?: readonly Abi[];
  gas?: DirectGas;
  callData?: Hex;
  /** Changes the signed operation before submission (tests of forged operations). */
  tamper?: (op: UserOperation<"0.7">) => UserOperation<"0.7"> | Promise<UserOperation<"0.7">>;
}): Promise<UserOperationResult> {
  let op: UserOperation<"0.7">;
  try {
    op = await signUserOperationDirect({ client: opts.submitter, account: opts.account, calls: opts.calls, gas: opts.gas, callData: opts.callData });
    if (opts.tamper) op = await opts.tamper(op);
  } catch (err) {
    if (err instanceof UserOperationError) throw err;
    throw new UserOperationError(decodeUserOperationError(err, opts.abis ?? []), { cause: err });
  }
  return submitUserOperation({ submitter: opts.submitter, userOperation: op, entryPoint: opts.account.entryPoint.address, abis: opts.abis });
}

/** The most an operation can cost: every gas limit times maxFeePerGas (what SessionPolicy counts). */
export function operationMaxCost(op: Partial<UserOperation<"0.7">>): bigint {
  const gas =
    (op.verificationGasLimit ?? 0n) +
    (op.callGasLimit ?? 0n) +
    (op.preVerificationGas ?? 0n) +
    (op.paymasterVerificationGasLimit ?? 0n) +
    (op.paymasterPostOpGasLimit ?? 0n);
  return gas * (op.maxFeePerGas ?? 0n);
}

/**
 * Lowers an estimated operation's fee so that its most possible cost fits `maxCost` (a session's
 * fee cap), as long as it still pays the next block's base fee; otherwise refuses it before it is
 * signed, with the policy's own error (FeeCapExceeded), so that the refusal reads the same.
 */
export async function fitFees<T extends Partial<UserOperation<"0.7">>>(op: T, maxCost: bigint, client: Pick<DeployClient, "getBlock">): Promise<T> {
  const cost = operationMaxCost(op);
  if (cost <= maxCost) return op;
  const gas = cost / (op.maxFeePerGas ?? 1n);
  const maxFeePerGas = maxCost / gas;
  const baseFee = (await client.getBlock()).baseFeePerGas ?? 0n;
  // The base fee rises at most 12.5% a block: below that the operation could not be included soon.
  if (gas === 0n || maxFeePerGas < (baseFee * 9n) / 8n) {
    throw new UserOperationError({
      error: { name: "FeeCapExceeded", args: [cost, maxCost] },
      message: `gas fees are too high for the session right now: the operation needs ${gas} gas, and at the network's fee it may cost ${cost} wei; the session allows ${maxCost} wei per operation`,
    });
  }
  const priority = op.maxPriorityFeePerGas ?? 0n;
  return { ...op, maxFeePerGas, maxPriorityFeePerGas: priority < maxFeePerGas ? priority : maxFeePerGas };
}

/**
 * A ZeroDev account client that sends through an ERC-4337 bundler (alto answers `pimlico_*` gas
 * prices). With `maxCost`, estimated fees are lowered to fit it (fitFees).
 */
export function bundlerClient(opts: { account: KernelAccount; bundlerUrl: string; client: DeployClient; maxCost?: bigint }) {
  const { maxCost } = opts;
  return createKernelAccountClient({
    account: opts.account,
    chain: opts.client.chain,
    client: opts.client,
    bundlerTransport: http(opts.bundlerUrl),
    userOperation: {
      ...(maxCost === undefined
        ? {}
        : {
            // viem's own preparation (estimation included), then the fee fitted to the cap.
            prepareUserOperation: (async (client: never, args: never) =>
              fitFees((await prepareUserOperation(client, args)) as Partial<UserOperation<"0.7">>, maxCost, opts.client)) as never,
          }),
      estimateFeesPerGas: async ({ bundlerClient }) => {
        const prices = (await bundlerClient.request({ method: "pimlico_getUserOperationGasPrice" as never })) as {
          fast: { maxFeePerGas: Hex; maxPriorityFeePerGas: Hex };
        };
        return { maxFeePerGas: BigInt(prices.fast.maxFeePerGas), maxPriorityFeePerGas: BigInt(prices.fast.maxPriorityFeePerGas) };
      },
    },
  });
}

/** Sends through the bundler and waits for inclusion; refusals come back as `UserOperationError`. */
export async function sendUserOperationViaBundler(opts: {
  account: KernelAccount;
  bundlerUrl: string;
  client: DeployClient;
  calls: readonly Call[];
  abis?: readonly Abi[];
  /** The session's fee cap per operation: estimated fees are lowered to fit it, or the op is refused. */
  maxCost?: bigint;
}): Promise<UserOperationResult> {
  const abis = opts.abis ?? [];
  const kc = bundlerClient(opts);
  try {
    const userOpHash = await kc.sendUserOperation({
      calls: opts.calls.map((c) => ({ to: c.to, value: c.value ?? 0n, data: c.data ?? "0x" })),
    });
    const { receipt, success, actualGasUsed, actualGasCost } = await kc.waitForUserOperationReceipt({
      hash: userOpHash,
      timeout: 60_000,
    });
    const full = await opts.client.getTransactionReceipt({ hash: receipt.transactionHash });
    if (!success) {
      const outcome = userOperationOutcome(full, userOpHash, abis);
      throw new UserOperationError({
        ...(outcome.revertReason ?? { message: "" }),
        message: `the operation was executed but its call reverted: ${outcome.revertReason?.message ?? "no reason"}`,
      });
    }
    return { userOpHash, transactionHash: receipt.transactionHash, success, actualGasUsed, actualGasCost, receipt: full };
  } catch (err) {
    if (err instanceof UserOperationError) throw err;
    throw new UserOperationError(decodeUserOperationError(err, abis), { cause: err });
  }
}
