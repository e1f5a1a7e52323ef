import { createKernelAccountClient } from "@zerodev/sdk";
import {
  type Abi,
  type Address,
  type Hex,
  type TransactionReceipt,
  http,
  parseEventLogs,
} from "viem";
import { entryPoint07Abi, toPackedUserOperation, type UserOperation } from "viem/account-abstraction";
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
  /** Gas limits and fees (defaults: DIRECT_GAS, and fees from the latest base fee). */
  gas?: Partial<Record<keyof typeof DIRECT_GAS | "maxFeePerGas" | "maxPriorityFeePerGas", bigint>>;
  /** Hand-built account calldata, used instead of encoding `calls` (tests of malformed operations). */
  callData?: Hex;
  /** Changes the signed operation before submission (tests of forged operations). */
  tamper?: (op: UserOperation<"0.7">) => UserOperation<"0.7"> | Promise<UserOperation<"0.7">>;
}): Promise<UserOperationResult> {
  const { submitter, account } = opts;
  const abis = opts.abis ?? [];
  try {
    const [callData, nonce, factoryArgs, deployed, block] = await Promise.all([
      opts.callData ?? account.encodeCalls(opts.calls.map((c) => ({ to: c.to, value: c.value ?? 0n, data: c.data ?? "0x" }))),
      account.getNonce(),
      account.getFactoryArgs(),
      account.isDeployed(),
      submitter.getBlock(),
    ]);
    const baseFee = block.baseFeePerGas ?? 1_000_000_000n;
    let op: UserOperation<"0.7"> = {
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
    if (opts.tamper) op = await opts.tamper(op);
    const userOpHash = await submitter.readContract({
      address: account.entryPoint.address,
      abi: entryPoint07Abi,
      functionName: "getUserOpHash",
      args: [toPackedUserOperation(op)],
    });
    const hash = await submitter.writeContract({
      address: account.entryPoint.address,
      abi: entryPoint07Abi,
      functionName: "handleOps",
      args: [[toPackedUserOperation(op)], submitter.account.address],
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

/** A ZeroDev account client that sends through an ERC-4337 bundler (alto answers `pimlico_*` gas prices). */
export function bundlerClient(opts: { account: KernelAccount; bundlerUrl: string; client: DeployClient }) {
  return createKernelAccountClient({
    account: opts.account,
    chain: opts.client.chain,
    client: opts.client,
    bundlerTransport: http(opts.bundlerUrl),
    userOperation: {
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
