// The indexer's configuration (Ponder 0.16). The chain and every address come from the deployments
// file of LEASH_CHAIN_ID (sdk/deployments.ts), so the same code indexes the local chain and a
// testnet. indexer/README.md lists the variables; indexer/lib/settings.ts checks them.
import { createConfig } from "ponder";
import {
  callScopePolicyAbi,
  expiryPolicyAbi,
  rateLimitPolicyAbi,
  sessionKeySignerAbi,
  sessionPolicyAbi,
  spendLimitPolicyAbi,
} from "./sdk/generated/contracts.js";
import { readSettings, source } from "./indexer/lib/settings.js";

const settings = readSettings();
const { contracts } = settings.deployments;
const chain = settings.chainName;

export default createConfig({
  database:
    settings.database.kind === "postgres"
      ? { kind: "postgres", connectionString: settings.database.connectionString }
      : { kind: "pglite", directory: settings.database.directory },
  ordering: "omnichain",
  chains: {
    [chain]: {
      id: settings.chainId,
      rpc: settings.rpcUrls,
      pollingInterval: settings.pollingIntervalMs,
      disableCache: settings.disableRpcCache,
    },
  },
  contracts: {
    SessionPolicy: { chain, abi: sessionPolicyAbi, ...source(contracts.SessionPolicy) },
    SessionKeySigner: { chain, abi: sessionKeySignerAbi, ...source(contracts.SessionKeySigner) },
    CallScopePolicy: { chain, abi: callScopePolicyAbi, ...source(contracts.CallScopePolicy) },
    SpendLimitPolicy: { chain, abi: spendLimitPolicyAbi, ...source(contracts.SpendLimitPolicy) },
    RateLimitPolicy: { chain, abi: rateLimitPolicyAbi, ...source(contracts.RateLimitPolicy) },
    ExpiryPolicy: { chain, abi: expiryPolicyAbi, ...source(contracts.ExpiryPolicy) },
    // Not the EntryPoint: an operation's outcome is read from its own transaction's receipt by the
    // handler of our policy's event (indexer/lib/outcome.ts), so other accounts' operations cost nothing.
  },
});
