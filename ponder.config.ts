// The indexer's configuration (Ponder 0.16). The chains come from LEASH_CHAINS (or LEASH_CHAIN_ID)
// and every address from each chain's deployments file (sdk/chains.ts, sdk/deployments.ts), so the
// same code indexes the local chain, a testnet, or several at once: one Ponder chain per followed
// chain, named by its deployments file's network, and every contract on each of them. Every row
// carries its chain id (indexer/ponder.schema.ts). indexer/README.md lists the variables;
// indexer/lib/settings.ts checks them.
import { createConfig } from "ponder";
import type { Abi } from "viem";
import {
  callScopePolicyAbi,
  expiryPolicyAbi,
  rateLimitPolicyAbi,
  sessionKeySignerAbi,
  sessionPolicyAbi,
  spendLimitPolicyAbi,
} from "./sdk/generated/contracts.js";
import type { ContractName } from "./sdk/deployments.js";
import { readSettings, source } from "./indexer/lib/settings.js";

const settings = readSettings();

/** The contract on every followed chain: its address and start block there. */
function onEveryChain<const abi extends Abi>(name: ContractName, abi: abi) {
  return {
    abi,
    chain: Object.fromEntries(settings.chains.map((chain) => [chain.chainName, source(chain.deployments.contracts[name])])),
  };
}

export default createConfig({
  database:
    settings.database.kind === "postgres"
      ? { kind: "postgres", connectionString: settings.database.connectionString }
      : { kind: "pglite", directory: settings.database.directory },
  // Each chain's events in its own order, as soon as that chain has them: no row depends on
  // another chain's (every key starts with the chain id), so a slow or idle chain holds none back.
  ordering: "multichain",
  chains: Object.fromEntries(
    settings.chains.map((chain) => [
      chain.chainName,
      {
        id: chain.chainId,
        rpc: chain.rpcUrls,
        pollingInterval: settings.pollingIntervalMs,
        disableCache: chain.disableRpcCache,
      },
    ]),
  ),
  contracts: {
    SessionPolicy: onEveryChain("SessionPolicy", sessionPolicyAbi),
    SessionKeySigner: onEveryChain("SessionKeySigner", sessionKeySignerAbi),
    CallScopePolicy: onEveryChain("CallScopePolicy", callScopePolicyAbi),
    SpendLimitPolicy: onEveryChain("SpendLimitPolicy", spendLimitPolicyAbi),
    RateLimitPolicy: onEveryChain("RateLimitPolicy", rateLimitPolicyAbi),
    ExpiryPolicy: onEveryChain("ExpiryPolicy", expiryPolicyAbi),
    // Not the EntryPoint: an operation's outcome is read from its own transaction's receipt by the
    // handler of our policy's event (indexer/lib/outcome.ts), so other accounts' operations cost nothing.
  },
});
