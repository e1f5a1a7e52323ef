// The chain side of a browser session: the owner's account, the session key's operations through the
// bundler, and waiting for a transaction. It is the SDK's own code (sdk/session.ts, sdk/accounts.ts)
// on a client the page builds from the chain's RPC URL and the deployments the API serves; the hooks'
// unit tests replace it with a fake.
import { type Address, type Chain, type Hex, createPublicClient, createWalletClient, defineChain, http, publicActions } from "viem";
import { privateKeyToAccount, toAccount } from "viem/accounts";
import { createOwnerAccount } from "../sdk/accounts.js";
import type { BundlerMargins } from "../sdk/claim.js";
import { type ApprovedRequest, approvalOfRequest } from "../sdk/approved-request.js";
import type { Deployments } from "../sdk/deployments.js";
import { type LeashChain, executeWithSession, kernelAddresses } from "../sdk/session.js";
import type { Call } from "../sdk/userops.js";

export type { Call };

/** The result of a session key's operation, as the SDK reports it. */
export interface ExecutionResult {
  userOpHash: Hex;
  transactionHash: Hex;
  success: boolean;
}

export interface LeashEngine {
  /** The owner's Kernel account (index 0): its address and, while it has no code, its factory and factory data. */
  ownerAccount(owner: Address): Promise<{ address: Address; factory?: Address; factoryData?: Hex }>;
  /** Sends `calls` as one operation signed by the session key, through the bundler; a refusal throws the SDK's SessionOperationError. */
  execute(request: ApprovedRequest, sessionPrivateKey: Hex, calls: readonly Call[]): Promise<ExecutionResult>;
  /** Waits for a transaction the owner's wallet sent; whether it succeeded. */
  waitForTransaction(hash: Hex): Promise<{ success: boolean }>;
}

export interface ChainSettings {
  /** The chain id: the owner's wallet must be on it. */
  id: number;
  /** A JSON-RPC URL the page can reach (it must answer cross-origin requests). */
  rpcUrl: string;
  name?: string;
}

/** A viem chain for `settings` (native coin: ETH). */
export function viemChain(settings: ChainSettings): Chain {
  return defineChain({
    id: settings.id,
    name: settings.name ?? `chain ${settings.id}`,
    nativeCurrency: { name: "Ether", symbol: "ETH", decimals: 18 },
    rpcUrls: { default: { http: [settings.rpcUrl] } },
  });
}

/** An account that only has an address: enough to compute the owner's Kernel account, never to sign. */
function addressOnly(address: Address) {
  const refuse = async (): Promise<never> => {
    throw new Error("the owner signs in the wallet, not in the page");
  };
  return toAccount({ address, signMessage: refuse, signTransaction: refuse, signTypedData: refuse });
}

/**
 * The SDK on `chain` with `deployments` (GET /v1/chains/:chainId/deployments), sending through
 * `bundlerUrl`, whose time margins are `bundlerMargins` (default: the SDK's BUNDLER_MARGINS).
 */
export function sdkEngine(opts: { chain: ChainSettings; bundlerUrl: string; bundlerMargins?: BundlerMargins; deployments: Deployments }): LeashEngine {
  const chain = viemChain(opts.chain);
  const reader = createPublicClient({ chain, transport: http(opts.chain.rpcUrl) });
  // The SDK's chain for the session key: a client holding the key, for reads and signing.
  const leash = (key: Hex): LeashChain => ({
    client: createWalletClient({ chain, transport: http(opts.chain.rpcUrl), account: privateKeyToAccount(key) }).extend(publicActions) as unknown as LeashChain["client"],
    deployments: opts.deployments,
  });
  return {
    async ownerAccount(owner) {
      const account = await createOwnerAccount({ client: reader, bed: kernelAddresses(opts.deployments), owner: addressOnly(owner) });
      const code = await reader.getCode({ address: account.address });
      if (code && code !== "0x") return { address: account.address };
      const { factory, factoryData } = await account.getFactoryArgs();
      return { address: account.address, factory, factoryData };
    },
    async execute(request, sessionPrivateKey, calls) {
      const on = leash(sessionPrivateKey);
      const approval = approvalOfRequest(on, request);
      const result = await executeWithSession(on, { approval, sessionPrivateKey, calls, via: { bundlerUrl: opts.bundlerUrl, margins: opts.bundlerMargins } });
      return { userOpHash: result.userOpHash, transactionHash: result.transactionHash, success: result.success };
    },
    async waitForTransaction(hash) {
      const receipt = await reader.waitForTransactionReceipt({ hash });
      return { success: receipt.status === "success" };
    },
  };
}
