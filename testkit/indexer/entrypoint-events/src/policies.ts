// The product's handlers, unchanged: under this configuration they leave outcomes to the
// EntryPoint's handler beside them (indexer/lib/outcome.ts).
import "../../../../indexer/src/SessionPolicy.js";
import "../../../../indexer/src/SessionKeySigner.js";
import "../../../../indexer/src/StandalonePolicies.js";
