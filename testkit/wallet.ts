// The owner's wallet as a page sees it: an EIP-1193 provider injected into Chromium (window.ethereum)
// whose requests are answered in Node. The owner is one of the local node's unlocked development
// accounts, so eth_signTypedData_v4 is the node's real signature; eth_sendTransaction from the
// smart account is what a smart-account wallet does: the owner's UserOperation of the Kernel account
// carrying the call. It can be told to refuse a method (4001) or to be on another chain, and it
// records every request.
import type { BrowserContext } from "playwright-core";
import { type Address, type Hex, type LocalAccount, getAddress } from "viem";
import { createOwnerAccount } from "../sdk/accounts.js";
import { type LeashChain, kernelAddresses } from "../sdk/session.js";
import { sendUserOperationDirect } from "../sdk/userops.js";

/** The injected provider: every request answered by the test's wallet (leashWallet), errors with their codes. */
const PROVIDER = `
window.ethereum = {
  async request({ method, params }) {
    const reply = await window.leashWallet(method, params ?? []);
    if (reply.error) throw Object.assign(new Error(reply.error.message), { code: reply.error.code });
    return reply.result;
  },
  on() {},
  removeListener() {},
};
`;

export interface WalletAnswer {
  result?: unknown;
  error?: { code: number; message: string };
}

export class TestWallet {
  /** What eth_requestAccounts answers. */
  accounts: Address[] = [];
  /** null: the node's chain. */
  chainId: number | null = null;
  /** Methods refused as a person refuses them (4001). */
  readonly refuse = new Set<string>();
  /** Every method asked, in order. */
  asked: string[] = [];

  constructor(private readonly opts: { leash: LeashChain; owner: LocalAccount }) {}

  reset(accounts: Address[]) {
    this.accounts = accounts;
    this.chainId = null;
    this.refuse.clear();
    this.asked = [];
  }

  count(method: string) {
    return this.asked.filter((m) => m === method).length;
  }

  /** window.ethereum in every page of `context`, answered by this wallet. */
  async install(context: BrowserContext) {
    await context.exposeBinding("leashWallet", (_source, method: string, params: unknown[]) => this.answer(method, params));
    // As a string: the test's own code is transpiled, and a function's source would carry its helpers.
    await context.addInitScript({ content: PROVIDER });
  }

  async answer(method: string, params: unknown[]): Promise<WalletAnswer> {
    const { leash, owner } = this.opts;
    this.asked.push(method);
    if (this.refuse.has(method)) return { error: { code: 4001, message: "User rejected the request." } };
    try {
      switch (method) {
        case "eth_requestAccounts":
        case "eth_accounts":
          return { result: this.accounts };
        case "eth_chainId":
          return { result: `0x${(this.chainId ?? leash.deployments.chainId).toString(16)}` };
        case "wallet_switchEthereumChain":
          this.chainId = Number((params[0] as { chainId: string }).chainId);
          return { result: null };
        case "eth_signTypedData_v4":
          // The node's own signature, by its unlocked account.
          return { result: await leash.client.request({ method, params } as never) };
        case "eth_sendTransaction": {
          const tx = params[0] as { from: Address; to: Address; data: Hex; value: Hex };
          const kernel = await createOwnerAccount({ client: leash.client, bed: kernelAddresses(leash.deployments), owner });
          if (getAddress(tx.from) !== kernel.address) return { error: { code: 4100, message: `${tx.from} is not an account of this wallet` } };
          const sent = await sendUserOperationDirect({ submitter: leash.client, account: kernel, calls: [{ to: tx.to, data: tx.data, value: BigInt(tx.value) }] });
          return { result: sent.transactionHash };
        }
        default:
          return { error: { code: 4200, message: `${method} is not supported` } };
      }
    } catch (error) {
      return { error: { code: -32603, message: (error as Error).message } };
    }
  }
}
