// The account checks behind session requests: a request is stored only for a Kernel v3 account,
// and the owner's approval is verified as Kernel will verify it when the session's first operation
// enables the permission (the account's root validator's isValidSignatureWithSender, called from
// the account, with the Enable typed data's digest).
import { type Address, type Hex, getAddress, hashTypedData, zeroAddress } from "viem";
import { KernelV3_1AccountAbi } from "@zerodev/sdk";
import { ownerValidatorAbi } from "../sdk/contracts.js";
import type { Deployments } from "../sdk/deployments.js";
import { ApiError, UpstreamError, describeError } from "./errors.js";
import type { Explanation } from "./responses.js";
import type { ChainClient } from "./upstream.js";

/** ERC-1271's magic value (IERC7579Module.sol ERC1271_MAGIC_VALUE): the signature is valid. */
const ERC1271_MAGIC = "0x1626ba7e";
/** Kernel v3's accountId(): "kernel.advanced.v0.3.1". */
const KERNEL_V3 = /^kernel\.advanced\.v0\.3\./;

export class ApprovalSignatures {
  constructor(
    private readonly chain: ChainClient,
    readonly deployments: Deployments,
  ) {}

  /** Refuses a request for an account that is not a Kernel v3 account. */
  async requireKernelAccount(explanation: Explanation): Promise<void> {
    const account = getAddress(explanation.toSign.account);
    const client = this.chain.client;
    const code = await this.chain.call("the account's code", () => client.getCode({ address: account }));
    if (code && code !== "0x") {
      const id = await client.readContract({ address: account, abi: KernelV3_1AccountAbi, functionName: "accountId" }).catch(() => null);
      if (!id || !KERNEL_V3.test(id)) {
        throw new ApiError(
          "invalid_session_request",
          `walletAddress ${account} is not a ZeroDev Kernel v3 account (its accountId() ${id ? `is "${id}"` : "does not answer"}): session keys work with Kernel v3.1 smart accounts, not with plain addresses or other wallets`,
          [{ field: "body.walletAddress", message: "not a Kernel v3 account" }],
        );
      }
    }
  }

  /**
   * Verifies the owner's signature of the Enable typed data as Kernel will when the session's first
   * operation enables it: the account's root validator's isValidSignatureWithSender, called from the
   * account, with the typed data's digest. Returns the owner who signed (the validator's view of it).
   */
  async verify(explanation: Explanation, signature: Hex): Promise<Address> {
    const account = getAddress(explanation.toSign.account);
    const client = this.chain.client;
    const code = await this.chain.call("the account's code", () => client.getCode({ address: account }));
    if (!code || code === "0x") {
      throw new ApiError("invalid_signature", `account ${account} is not deployed yet: approvals of undeployed accounts are not verified by this API yet`, [
        { field: "body.signature", message: "account not deployed" },
      ]);
    }
    const typedData = explanation.toSign.typedData as Parameters<typeof hashTypedData>[0];
    const digest = hashTypedData(typedData);
    const rootValidator = await this.chain.call("the account's root validator", () =>
      client.readContract({ address: account, abi: KernelV3_1AccountAbi, functionName: "rootValidator" }),
    );
    const validator = getAddress(`0x${rootValidator.slice(4, 44)}`);
    if (validator === zeroAddress) throw new ApiError("invalid_signature", `account ${account} has no root validator`, [{ field: "body.signature", message: "no root validator" }]);
    let result: Hex;
    try {
      result = await client.readContract({
        address: validator,
        abi: ownerValidatorAbi,
        functionName: "isValidSignatureWithSender",
        args: [account, digest, signature],
        account,
      });
    } catch (error) {
      if (error instanceof UpstreamError) throw error;
      throw new ApiError("invalid_signature", `the account's validator refused the signature: ${describeError(error)}`, [{ field: "body.signature", message: "refused" }]);
    }
    if (result.toLowerCase() !== ERC1271_MAGIC) {
      throw new ApiError(
        "invalid_signature",
        `the signature is not the account owner's for this request: its root validator ${validator} does not accept it (sign toSign.typedData with the owner's wallet, unchanged)`,
        [{ field: "body.signature", message: "not signed by the account's owner" }],
      );
    }
    const owner = await this.chain.call("the account's owner", () =>
      client
        .readContract({
          address: validator,
          abi: ownerValidatorAbi,
          functionName: "ownerOf",
          args: [account],
        })
        .catch(() => zeroAddress),
    );
    return owner === zeroAddress ? validator : owner;
  }
}
