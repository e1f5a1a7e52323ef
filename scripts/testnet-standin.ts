// A local stand-in of a public chain, to rehearse `npm run deploy -- --network <testnet>` on:
// anvil with that chain's id and the canonical contracts Leash is deployed on at their public
// addresses (testkit/testbed/canonical.ts says how each is placed). Runs until Ctrl-C.
//   npx tsx scripts/testnet-standin.ts --chain-id 84532 --port 8546          Base Sepolia
//   npx tsx scripts/testnet-standin.ts --chain-id 11155111 --port 8547 --bare Sepolia, nothing placed
import { parseArgs } from "node:util";
import { http } from "viem";
import { startAnvil } from "../testkit/chain.js";
import { CANONICAL_CONTRACTS, placeCanonical } from "../testkit/testbed/canonical.js";
import { devKey, localClient } from "../testkit/testbed/client.js";

const log = (message: string) => console.log(`[standin] ${message}`);
const { values } = parseArgs({
  options: {
    "chain-id": { type: "string" },
    port: { type: "string", default: "8546" },
    bare: { type: "boolean", default: false },
  },
});
const chainId = Number(values["chain-id"]);
const port = Number(values.port);
if (!Number.isSafeInteger(chainId) || chainId <= 0 || !Number.isSafeInteger(port) || port <= 0) {
  console.error("usage: npx tsx scripts/testnet-standin.ts --chain-id <id> [--port 8546] [--bare]");
  process.exit(2);
}

const chain = await startAnvil({ chainId, port });
try {
  log(`anvil as chain ${chainId} at ${chain.rpcUrl}`);
  if (values.bare) log(`nothing placed: the ${CANONICAL_CONTRACTS.length} canonical contracts are missing`);
  else await placeCanonical(await localClient(http(chain.rpcUrl, { retryCount: 0 })), (m) => log(`  ${m}`));
  log(`a funded development key (local chains only): ${devKey(7)}`);
  log("Ctrl-C stops it");
} catch (error) {
  console.error(`[standin] failed: ${(error as Error).message}`);
  await chain.stop();
  process.exit(1);
}
