import {
  type Abi,
  type Hex,
  type Transport,
  createWalletClient,
  defineChain,
  publicActions,
} from "viem";
import { mnemonicToAccount } from "viem/accounts";
import { type ContractName, contractAbis } from "../../sdk/contracts.js";
import type { DeployClient } from "./deploy.js";

/** Hardhat's default development mnemonic: its accounts are funded on every local chain. */
export const DEV_MNEMONIC = "test test test test test test test test test test test junk";

/** Private key of development account `index` (never use on a real chain). */
export function devKey(index: number): Hex {
  const key = mnemonicToAccount(DEV_MNEMONIC, { addressIndex: index }).getHdKey().privateKey;
  if (!key) throw new Error(`no private key for development account ${index}`);
  return `0x${Buffer.from(key).toString("hex")}`;
}

/** A wallet + public client over `transport`, sending from the node's first unlocked account. */
export async function localClient(transport: Transport): Promise<DeployClient> {
  const probe = createWalletClient({ transport }).extend(publicActions);
  const [chainId, accounts] = await Promise.all([probe.getChainId(), probe.getAddresses()]);
  const from = accounts[0];
  if (!from) throw new Error("the chain has no unlocked account to send from");
  const chain = defineChain({
    id: chainId,
    name: `local-${chainId}`,
    nativeCurrency: { name: "Ether", symbol: "ETH", decimals: 18 },
    rpcUrls: { default: { http: [] } },
  });
  return createWalletClient({ chain, transport, account: from, pollingInterval: 50 }).extend(publicActions);
}

/** The ABIs of the given contracts, for decoding their errors and events. */
export function readAbis(names: readonly ContractName[]): Abi[] {
  return names.map((n) => contractAbis[n] as Abi);
}
