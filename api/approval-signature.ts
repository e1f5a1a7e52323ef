// The account checks behind session requests. A request is stored only for a Kernel v3 account: a
// deployed one answers accountId(); one not deployed yet comes with its factory data, and calling
// the deployments' FactoryStaker (or its Kernel factory directly) with it (eth_call) must create
// exactly that account.
//
// The owner's approval is verified as Kernel will verify it when the session's first operation
// enables the permission (ValidationManager._checkEnableSig): the account's root validator's
// isValidSignatureWithSender(account, digest, signature), called from the account, with the Enable
// typed data's digest. A deployed account's root validator is asked as it stands. For an account
// not deployed yet, its root validator and that validator's install data are read from the factory
// data, and the validator's own code is run (eth_call from the account) on the state the factory's
// deployment will give it: only for Leash's OwnerValidator, whose state is one slot (ownerOf), set
// by a state override. Anything else is refused as not understood rather than guessed.
import {
  type Address,
  BaseError,
  ContractFunctionRevertedError,
  ExecutionRevertedError,
  type Hex,
  HttpRequestError,
  RawContractError,
  RpcRequestError,
  SocketClosedError,
  TimeoutError,
  WebSocketRequestError,
  type StateOverride,
  decodeFunctionData,
  decodeFunctionResult,
  encodeAbiParameters,
  encodeFunctionData,
  getAddress,
  hashTypedData,
  keccak256,
  pad,
  size,
  slice,
  zeroAddress,
} from "viem";
import { KernelV3FactoryAbi, KernelV3_1AccountAbi } from "@zerodev/sdk";
import { factoryStakerAbi, ownerValidatorAbi } from "../sdk/contracts.js";
import type { Deployments } from "../sdk/deployments.js";
import { sessionRequestSchema } from "../sdk/request.js";
import { ApiError, UpstreamError, describeError } from "./errors.js";
import type { Explanation } from "./responses.js";
import type { ChainClient } from "./upstream.js";

/** ERC-1271's magic value (IERC7579Module.sol ERC1271_MAGIC_VALUE): the signature is valid. */
const ERC1271_MAGIC = "0x1626ba7e";
/** Kernel v3's accountId(): "kernel.advanced.v0.3.1". */
const KERNEL_V3 = /^kernel\.advanced\.v0\.3\./;
/** Kernel's validation type of a plain validator (the first byte of a ValidationId). */
const VALIDATION_TYPE_VALIDATOR = "0x01";
/** Kernel's "no hook" (initialize stores address(0) as address(1)). */
const NO_HOOK = "0x0000000000000000000000000000000000000001";
/** Kernel's initialize sets a new account's validation nonce to 1; installing the root validator keeps it. */
const NEW_ACCOUNT_NONCE = 1n;
/** The 32 bytes that end an ERC-6492 signature (one by a contract not deployed yet). */
const ERC6492_SUFFIX = "6492649264926492649264926492649264926492649264926492649264926492";
/** EIP-7702: the code of an EOA delegating to a contract; the EOA still signs with its own key. */
const DELEGATION_PREFIX = "0xef0100";

const factoryArgs = sessionRequestSchema.pick({ factory: true, factoryData: true });

/** How a problem is refused: at creation as a field of the request, at approval as the signature's. */
type Refuse = (field: string, issue: string, message: string) => never;

const refuseRequest: Refuse = (field, issue, message) => {
  throw new ApiError("invalid_session_request", message, [{ field, message: issue }]);
};
const refuseSignature: Refuse = (_field, issue, message) => {
  throw new ApiError("invalid_signature", message, [{ field: "body.signature", message: issue }]);
};

/** An account that factory data will deploy: its root validator (OwnerValidator) and its owner. */
interface PlannedAccount {
  validator: Address;
  owner: Address;
}

const hasCode = (code: Hex | undefined): code is Hex => !!code && code !== "0x";

/**
 * Whether a failed eth_call is the contract's own answer (a revert, or data that is not the value
 * asked for) rather than a failure of the node or of the network.
 */
function contractRefused(error: unknown): boolean {
  if (!(error instanceof BaseError)) return false;
  if (error.walk((e) => e instanceof ContractFunctionRevertedError || e instanceof ExecutionRevertedError || e instanceof RawContractError)) return true;
  return !error.walk(
    (e) => e instanceof HttpRequestError || e instanceof RpcRequestError || e instanceof TimeoutError || e instanceof WebSocketRequestError || e instanceof SocketClosedError,
  );
}

/** OwnerValidator's storage slot of ownerOf[account]: the mapping is its only state, at slot 0. */
function ownerSlot(account: Address): Hex {
  return keccak256(encodeAbiParameters([{ type: "address" }, { type: "uint256" }], [account, 0n]));
}

export class ApprovalSignatures {
  constructor(
    private readonly chain: ChainClient,
    private readonly deployments: Deployments,
  ) {}

  private code(address: Address, what: string): Promise<Hex | undefined> {
    return this.chain.call(what, () => this.chain.client.getCode({ address }));
  }

  /** A contract's accountId(), or null when it does not answer one. */
  private async accountId(address: Address): Promise<string | null> {
    try {
      return await this.chain.client.readContract({ address, abi: KernelV3_1AccountAbi, functionName: "accountId" });
    } catch (error) {
      if (contractRefused(error)) return null;
      throw new UpstreamError("chain", `accountId() of ${address}: ${describeError(error)}`);
    }
  }

  /**
   * Refuses a request for an account that is not a Kernel v3 account: a deployed account must answer
   * Kernel v3's accountId(); one not deployed yet must come with factory data that the deployments'
   * Kernel factory turns into exactly this account, with a root validator this API can verify.
   * `request` is the request as validated (sdk/request.ts).
   */
  async requireKernelAccount(explanation: Explanation, request: unknown): Promise<void> {
    const account = getAddress(explanation.toSign.account);
    if (!hasCode(await this.code(account, "the account's code"))) {
      await this.planned(account, request, refuseRequest);
      return;
    }
    const id = await this.accountId(account);
    if (!id || !KERNEL_V3.test(id)) {
      throw new ApiError(
        "invalid_session_request",
        `walletAddress ${account} is not a ZeroDev Kernel v3 account (its accountId() ${id ? `is "${id}"` : "does not answer"}): session keys work with Kernel v3.1 smart accounts, not with plain addresses or other wallets`,
        [{ field: "body.walletAddress", message: "not a Kernel v3 account" }],
      );
    }
  }

  /**
   * The account that `request`'s factory data deploys at `account`, checked: the factory is the
   * deployments' FactoryStaker with deployWithFactory(KernelFactory, initialize(…), salt), or the
   * deployments' Kernel factory with createAccount(initialize(…), salt), canonically encoded, the
   * call (simulated) creates exactly `account`, the factory's implementation is Kernel v3, and the
   * root validator is OwnerValidator with no hook and no init calls (what this API can verify).
   */
  private async planned(account: Address, request: unknown, refuse: Refuse): Promise<PlannedAccount> {
    const parsed = factoryArgs.safeParse(request ?? {});
    const { factory, factoryData } = parsed.success ? parsed.data : {};
    const chainId = this.deployments.chainId;
    const kernelFactory = this.deployments.contracts.KernelFactory.address;
    const ownerValidator = this.deployments.contracts.OwnerValidator.address;
    if (!factory && !factoryData) {
      refuse(
        "body.factory",
        "required for an account not deployed yet",
        `walletAddress ${account} has no code on chain ${chainId}: session keys work with Kernel v3.1 smart accounts, not with plain addresses; for a Kernel account not deployed yet, send factory and factoryData (its ERC-4337 initCode, as viem's account.getFactoryArgs() gives them) so that the API can check which account it will be`,
      );
    }
    if (!factory) refuse("body.factory", "required with factoryData", `factoryData came without factory: send both (viem's account.getFactoryArgs())`);
    if (!factoryData) refuse("body.factoryData", "required with factory", `factory came without factoryData: send both (viem's account.getFactoryArgs())`);
    const staker = this.deployments.contracts.FactoryStaker.address;
    if (factory !== staker && factory !== kernelFactory) {
      refuse(
        "body.factory",
        "not the Kernel factory",
        `factory ${factory} is neither the FactoryStaker (${staker}) nor the Kernel v3.1 factory (${kernelFactory}) of chain ${chainId}: the API checks accounts not deployed yet only when these deploy them`,
      );
    }

    // The staker's deployWithFactory(KernelFactory, data, salt), or the factory's own
    // createAccount(data, salt), whose data is initialize(…), each encoded as the ABI encodes it: any
    // other encoding is refused rather than read one way here and another on chain.
    let initData: Hex;
    let salt: Hex;
    if (factory === staker) {
      let inner: Address;
      try {
        const call = decodeFunctionData({ abi: factoryStakerAbi, data: factoryData });
        if (call.functionName !== "deployWithFactory") throw new Error(call.functionName);
        [inner, initData, salt] = call.args;
        if (encodeFunctionData({ abi: factoryStakerAbi, functionName: "deployWithFactory", args: [inner, initData, salt] }) !== factoryData.toLowerCase()) throw new Error("encoding");
      } catch {
        refuse("body.factoryData", "not a deployWithFactory call", "factoryData is not a call of the FactoryStaker's deployWithFactory(address factory, bytes data, bytes32 salt), encoded as the ABI encodes it");
      }
      if (getAddress(inner) !== kernelFactory) {
        refuse(
          "body.factoryData",
          "not the Kernel factory",
          `factoryData deploys through factory ${getAddress(inner)}, not the Kernel v3.1 factory of chain ${chainId} (${kernelFactory})`,
        );
      }
    } else {
      try {
        const call = decodeFunctionData({ abi: KernelV3FactoryAbi, data: factoryData });
        if (call.functionName !== "createAccount") throw new Error(call.functionName);
        [initData, salt] = call.args;
        if (encodeFunctionData({ abi: KernelV3FactoryAbi, functionName: "createAccount", args: [initData, salt] }) !== factoryData.toLowerCase()) throw new Error("encoding");
      } catch {
        refuse("body.factoryData", "not a createAccount call", "factoryData is not a call of the Kernel factory's createAccount(bytes data, bytes32 salt), encoded as the ABI encodes it");
      }
    }
    let init: readonly [Hex, Address, Hex, Hex, readonly Hex[]];
    try {
      const call = decodeFunctionData({ abi: KernelV3_1AccountAbi, data: initData });
      if (call.functionName !== "initialize") throw new Error(call.functionName);
      init = call.args;
      if (encodeFunctionData({ abi: KernelV3_1AccountAbi, functionName: "initialize", args: init }) !== initData.toLowerCase()) throw new Error("encoding");
    } catch {
      refuse("body.factoryData", "does not initialize a Kernel account", "factoryData's account data is not a call of Kernel's initialize(rootValidator, hook, validatorData, hookData, initConfig), encoded as the ABI encodes it");
    }

    // The factory's own answer: the account this call deploys (eth_call, so nothing is deployed).
    // Both calls answer the account's address, ABI-encoded alike.
    let created: Address;
    try {
      const { data } = await this.chain.client.call({ to: factory, data: factoryData });
      created = getAddress(decodeFunctionResult({ abi: KernelV3FactoryAbi, functionName: "createAccount", data: data ?? "0x" }));
    } catch (error) {
      if (!contractRefused(error)) throw new UpstreamError("chain", `the factory's createAccount, simulated: ${describeError(error)}`);
      refuse("body.factoryData", "deploys no account", `calling factory ${factory} with factoryData fails (${describeError(error)}): it would deploy no account`);
    }
    if (created !== account) {
      refuse(
        "body.factoryData",
        "deploys another account",
        `factoryData deploys account ${created}, not walletAddress ${account}: the factory data of another owner or another index, or walletAddress is wrong`,
      );
    }
    const implementation = await this.chain.call("the factory's implementation", () =>
      this.chain.client.readContract({ address: kernelFactory, abi: KernelV3FactoryAbi, functionName: "implementation" }),
    );
    const id = await this.accountId(implementation);
    if (!id || !KERNEL_V3.test(id)) {
      refuse(
        "body.walletAddress",
        "not a Kernel v3 account",
        `walletAddress ${account} would not be a ZeroDev Kernel v3 account (its implementation's accountId() ${id ? `is "${id}"` : "does not answer"}): session keys work with Kernel v3.1 smart accounts`,
      );
    }

    const [rootValidator, hook, validatorData, , initConfig] = init;
    const validator = getAddress(slice(rootValidator, 1));
    const understood =
      slice(rootValidator, 0, 1) === VALIDATION_TYPE_VALIDATOR &&
      validator === ownerValidator &&
      (hook === zeroAddress || hook === NO_HOOK) &&
      initConfig.length === 0 &&
      size(validatorData) === 20;
    if (!understood) {
      refuse(
        "body.factoryData",
        "a root validator this API cannot verify",
        `cannot verify approvals for validator ${rootValidator}: for an account not deployed yet, the API verifies approvals of Leash's OwnerValidator (${ownerValidator}) as the root validator, with no hook and no init calls; deploy the account first, then its own root validator is asked`,
      );
    }
    return { validator, owner: getAddress(validatorData) };
  }

  /**
   * Verifies the owner's signature of the Enable typed data as Kernel will when the session's first
   * operation enables it, and returns the owner who signed (the validator's view of it). `request`
   * is the stored request, whose factory data describes an account not deployed yet.
   */
  async verify(explanation: Explanation, request: unknown, signature: Hex): Promise<Address> {
    const account = getAddress(explanation.toSign.account);
    const typedData = explanation.toSign.typedData as Parameters<typeof hashTypedData>[0];
    const digest = hashTypedData(typedData);
    // Kernel's Enable digest holds the account's validation nonce as it stands at the first
    // operation; typed data of another nonce (one invalidated since, say) can never enable it.
    const nonce = BigInt((typedData.message as { nonce: number | string | bigint }).nonce);
    const staleNonce = (current: bigint, why: string) =>
      refuseSignature(
        "body.signature",
        "typed data of another nonce",
        `the typed data's nonce is ${nonce}, but ${why} ${current}, the nonce Kernel will check (approvals for another nonce cannot enable a session): ask for a new request`,
      );
    if (hasCode(await this.code(account, "the account's code"))) {
      const current = await this.chain.call("the account's validation nonce", () =>
        this.chain.client.readContract({ address: account, abi: KernelV3_1AccountAbi, functionName: "currentNonce" }),
      );
      if (BigInt(current) !== nonce) staleNonce(BigInt(current), "the account's validation nonce is now");
      return this.verifyDeployed(account, digest, signature);
    }

    const { validator, owner } = await this.planned(account, request, refuseSignature);
    if (nonce !== NEW_ACCOUNT_NONCE) staleNonce(NEW_ACCOUNT_NONCE, "the account's deployment leaves its validation nonce at");
    // OwnerValidator as the factory's deployment leaves it: ownerOf[account] = owner (onInstall's
    // one write). The node must apply the override: ownerOf, read under it, says so.
    const stateOverride: StateOverride = [{ address: validator, stateDiff: [{ slot: ownerSlot(account), value: pad(owner) }] }];
    const [held, result] = await Promise.all([
      this.chain.call("OwnerValidator's owner, simulated", () =>
        this.chain.client.readContract({ address: validator, abi: ownerValidatorAbi, functionName: "ownerOf", args: [account], stateOverride }),
      ),
      this.askValidator(validator, account, digest, signature, stateOverride),
    ]);
    if (held !== owner) {
      throw new UpstreamError("chain", `the node did not apply a state override (OwnerValidator's owner of ${account} read ${held}, not ${owner}): an account not deployed yet cannot be verified through it`);
    }
    if (result.toLowerCase() !== ERC1271_MAGIC) throw await this.refusal(`its root validator ${validator}, as the account's deployment will install it,`, validator, owner, signature);
    return owner;
  }

  /** A deployed account: its root validator, as it stands, asked from the account. */
  private async verifyDeployed(account: Address, digest: Hex, signature: Hex): Promise<Address> {
    const client = this.chain.client;
    const rootValidator = await this.chain.call("the account's root validator", () =>
      client.readContract({ address: account, abi: KernelV3_1AccountAbi, functionName: "rootValidator" }),
    );
    const validator = getAddress(`0x${rootValidator.slice(4, 44)}`);
    if (validator === zeroAddress) throw new ApiError("invalid_signature", `account ${account} has no root validator`, [{ field: "body.signature", message: "no root validator" }]);
    const result = await this.askValidator(validator, account, digest, signature);
    const owner = await this.chain.call("the account's owner", () =>
      client.readContract({ address: validator, abi: ownerValidatorAbi, functionName: "ownerOf", args: [account] }).catch(() => zeroAddress),
    );
    if (result.toLowerCase() !== ERC1271_MAGIC) throw await this.refusal(`its root validator ${validator}`, validator, owner === zeroAddress ? undefined : owner, signature);
    return owner === zeroAddress ? validator : owner;
  }

  /** The validator's isValidSignatureWithSender, called from the account (as Kernel calls it). */
  private async askValidator(validator: Address, account: Address, digest: Hex, signature: Hex, stateOverride?: StateOverride): Promise<Hex> {
    try {
      return await this.chain.client.readContract({
        address: validator,
        abi: ownerValidatorAbi,
        functionName: "isValidSignatureWithSender",
        args: [account, digest, signature],
        account,
        stateOverride,
      });
    } catch (error) {
      if (!contractRefused(error)) throw new UpstreamError("chain", `the account's validator: ${describeError(error)}`);
      throw new ApiError("invalid_signature", `the account's validator refused the signature: ${describeError(error)}`, [{ field: "body.signature", message: "refused" }]);
    }
  }

  /**
   * Why `validator` refused the signature. OwnerValidator checks an ECDSA signature by its owner's
   * key only (EcdsaLib): an owner that is a contract (ERC-1271), or one not deployed yet (ERC-6492),
   * can never approve through it, and the chain would refuse such an approval too.
   */
  private async refusal(which: string, validator: Address, owner: Address | undefined, signature: Hex): Promise<ApiError> {
    let why: string | undefined;
    if (owner && validator === this.deployments.contracts.OwnerValidator.address) {
      if (signature.toLowerCase().endsWith(ERC6492_SUFFIX)) {
        why = `this is an ERC-6492 signature (of a contract not deployed yet), and OwnerValidator accepts only an ECDSA signature by its owner ${owner}'s key, so Kernel would refuse it too`;
      } else {
        const code = await this.code(owner, "the owner's code");
        if (hasCode(code) && !code.toLowerCase().startsWith(DELEGATION_PREFIX)) {
          why = `owner ${owner} is a contract, and OwnerValidator accepts only ECDSA signatures by an owner's key, never a contract's (ERC-1271), so Kernel would refuse any approval of this account`;
        }
      }
    }
    return new ApiError(
      "invalid_signature",
      `the signature is not the account owner's for this request: ${which} does not accept it (${why ?? "sign toSign.typedData with the owner's wallet, unchanged"})`,
      [{ field: "body.signature", message: why ? "OwnerValidator accepts ECDSA signatures by its owner's key only" : "not signed by the account's owner" }],
    );
  }
}
