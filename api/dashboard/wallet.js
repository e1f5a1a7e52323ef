// The owner's wallet, through the EIP-1193 provider a wallet injects as window.ethereum: connecting,
// the chain it is on, and each of its refusals in words. The pages never hold a key: the wallet
// signs and sends, and shows the owner what it signs.

import { chainName } from "./format.js";

/** EIP-1193's codes: the user rejected the request; the wallet does not know the chain (EIP-3085). */
const USER_REJECTED = 4001;
const UNAUTHORIZED = 4100;
const UNKNOWN_CHAIN = 4902;
/** MetaMask's "a request of this kind is already waiting for the user". */
const ALREADY_PENDING = -32002;

export class WalletFailure extends Error {
  /** @param {"missing" | "refused" | "failed"} kind; `code` is the wallet's error code, if any */
  constructor(message, kind, code = null) {
    super(message);
    this.kind = kind;
    this.code = code;
  }
}

/**
 * One request to the wallet. `refused` is what the owner's refusal (4001) means here, e.g. "You
 * declined; nothing was granted."; every other failure is named too.
 */
export async function walletRequest(method, params, refused) {
  const provider = window.ethereum;
  if (!provider || typeof provider.request !== "function") {
    throw new WalletFailure(
      "No wallet was found in this browser. Install or unlock an Ethereum wallet (one that connects to web pages), then try again.",
      "missing",
    );
  }
  try {
    return await provider.request(params === undefined ? { method } : { method, params });
  } catch (error) {
    const code = Number(error?.code);
    if (code === USER_REJECTED) throw new WalletFailure(refused, "refused", code);
    if (code === ALREADY_PENDING) throw new WalletFailure("Your wallet already has a request waiting: open the wallet, answer it, then try again.", "failed", code);
    if (code === UNAUTHORIZED) throw new WalletFailure("Your wallet has not authorized this page: connect it, then try again.", "failed", code);
    throw new WalletFailure(`Your wallet could not do it: ${error?.message ?? String(error)}`, "failed", Number.isFinite(code) ? code : null);
  }
}

/** The wallet's accounts, asking the owner to connect this page (eth_requestAccounts). */
export async function connectWallet(refused) {
  const accounts = await walletRequest("eth_requestAccounts", undefined, refused);
  if (!Array.isArray(accounts) || accounts.length === 0) throw new WalletFailure("Your wallet connected no account: unlock it, choose an account, then try again.", "failed");
  return accounts;
}

/** The chain the wallet is on, as a number. */
export async function walletChain() {
  const id = await walletRequest("eth_chainId", undefined, "You declined to say which chain your wallet is on.");
  return Number(BigInt(id));
}

/** Words for a wallet on `actual` when `needed` is the chain. */
export function wrongChainText(actual, needed) {
  return `Your wallet is on ${chainName(actual)}, but this is for ${chainName(needed)}. Switch your wallet to ${chainName(needed)}, then try again.`;
}

/** Asks the wallet to switch to `chainId` (wallet_switchEthereumChain). */
export async function switchChain(chainId) {
  try {
    await walletRequest("wallet_switchEthereumChain", [{ chainId: `0x${chainId.toString(16)}` }], `You declined to switch your wallet to ${chainName(chainId)}.`);
  } catch (error) {
    if (error instanceof WalletFailure && error.code === UNKNOWN_CHAIN) {
      throw new WalletFailure(`Your wallet does not know ${chainName(chainId)}: add that network in the wallet, then try again.`, "failed");
    }
    throw error;
  }
}

/** Whether `accounts` (the wallet's) include `address`, case aside. */
export const holds = (accounts, address) => accounts.some((a) => String(a).toLowerCase() === address.toLowerCase());
