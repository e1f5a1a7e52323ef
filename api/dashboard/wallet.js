// The owner's wallet, through the EIP-1193 provider a wallet injects as window.ethereum: connecting,
// the chain it is on, and each of its refusals in words. The pages never hold a key: the wallet
// signs and sends, and shows the owner what it signs.

import { chainName } from "./format.js";
import { NO_ACCOUNT_TEXT, NO_WALLET_TEXT, UNKNOWN_CHAIN, unknownChainText, walletErrorWords } from "./wallet-words.js";

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
 * declined; nothing was granted."; every other failure is named too (sdk/wallet.ts gives the words).
 */
export async function walletRequest(method, params, refused) {
  const provider = window.ethereum;
  if (!provider || typeof provider.request !== "function") throw new WalletFailure(NO_WALLET_TEXT, "missing");
  try {
    return await provider.request(params === undefined ? { method } : { method, params });
  } catch (error) {
    const words = walletErrorWords(error, refused);
    throw new WalletFailure(words.message, words.kind, words.code);
  }
}

/** The wallet's accounts, asking the owner to connect this page (eth_requestAccounts). */
export async function connectWallet(refused) {
  const accounts = await walletRequest("eth_requestAccounts", undefined, refused);
  if (!Array.isArray(accounts) || accounts.length === 0) throw new WalletFailure(NO_ACCOUNT_TEXT, "failed");
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
      throw new WalletFailure(unknownChainText(chainName(chainId)), "failed");
    }
    throw error;
  }
}

/** Whether `accounts` (the wallet's) include `address`, case aside. */
export const holds = (accounts, address) => accounts.some((a) => String(a).toLowerCase() === address.toLowerCase());
