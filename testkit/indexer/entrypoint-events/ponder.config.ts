// The indexer's configuration before it read outcomes from receipts: the same sources, plus every
// UserOperationEvent of the EntryPoint from the first policy's block. bench:indexer-foreign runs it
// beside the product's configuration to measure what that subscription costs; nothing else uses it.
import { createConfig } from "ponder";
import config from "../../../ponder.config.js";
import { userOperationEventAbi } from "../../../sdk/generated/contracts.js";
import { readSettings } from "../../../indexer/lib/settings.js";

const { contracts } = readSettings().deployments;
const chain = Object.keys(config.chains)[0]!;

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
