// The indexer's configuration before it read outcomes from receipts: the same sources, plus every
// UserOperationEvent of the EntryPoint from the first policy's block. bench:indexer-foreign runs it
// beside the product's configuration to measure what that subscription costs; nothing else uses it.
import { createConfig } from "ponder";
import config from "../../../ponder.config.js";
import { userOperationEventAbi } from "../../../sdk/generated/contracts.js";
import { readSettings } from "../../../indexer/lib/settings.js";

// One chain: the comparison runs on the local chain.
const [followed, ...others] = readSettings().chains;
if (!followed || others.length > 0) throw new Error("the EntryPoint-events configuration follows one chain only");
const { contracts } = followed.deployments;
const chain = followed.chainName;

export default createConfig({
  ...config,
  contracts: {
    ...config.contracts,
    EntryPoint: {
      chain,
      abi: userOperationEventAbi,
      address: contracts.EntryPoint.address,
      startBlock: Math.min(
        contracts.SessionPolicy.blockNumber,
        contracts.CallScopePolicy.blockNumber,
        contracts.SpendLimitPolicy.blockNumber,
        contracts.RateLimitPolicy.blockNumber,
        contracts.ExpiryPolicy.blockNumber,
      ),
    },
  },
});
