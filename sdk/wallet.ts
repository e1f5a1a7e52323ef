// What an owner's EIP-1193 wallet answers, in words: the dashboard's pages (served with the types
// stripped, as /dashboard/wallet-words.js) and the React hooks say the same thing for the same
// refusal. No import: the pages load this file as it is.

/** EIP-1193's codes: the user rejected the request, the page is not authorized; EIP-3085's unknown chain. */
export const USER_REJECTED = 4001;
export const UNAUTHORIZED = 4100;
export const UNKNOWN_CHAIN = 4902;
/** MetaMask's "a request of this kind is already waiting for the user". */
export const ALREADY_PENDING = -32002;

export const NO_WALLET_TEXT =
  "No wallet was found in this browser. Install or unlock an Ethereum wallet (one that connects to web pages), then try again.";
export const NO_ACCOUNT_TEXT = "Your wallet connected no account: unlock it, choose an account, then try again.";

export interface WalletErrorWords {
  /** "refused": the person said no; "failed": anything else. */
  kind: "refused" | "failed";
  message: string;
  /** The wallet's error code, if it gave a number. */
  code: number | null;
}

/**
 * A wallet's error in words. `refused` is what the person's refusal (4001) means where it happened,
 * e.g. "You declined; nothing was granted."
 */
export function walletErrorWords(error: unknown, refused: string): WalletErrorWords {
  const raw = Number((error as { code?: unknown } | null)?.code);
  const code = Number.isFinite(raw) ? raw : null;
  if (code === USER_REJECTED) return { kind: "refused", message: refused, code };
  if (code === ALREADY_PENDING) return { kind: "failed", message: "Your wallet already has a request waiting: open the wallet, answer it, then try again.", code };
  if (code === UNAUTHORIZED) return { kind: "failed", message: "Your wallet has not authorized this page: connect it, then try again.", code };
  const detail = (error as { message?: unknown } | null)?.message;
  return { kind: "failed", message: `Your wallet could not do it: ${typeof detail === "string" ? detail : String(error)}`, code };
}

/** Words for a wallet that does not know the chain named `chain` (EIP-3085's 4902). */
export function unknownChainText(chain: string): string {
  return `Your wallet does not know ${chain}: add that network in the wallet, then try again.`;
}
