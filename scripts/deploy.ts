// `npm run deploy -- --network <name>`: deploys Leash to a chain named in hardhat.config.ts and writes
// deployments/<chainId>.json. Idempotent: run it again and nothing new is deployed.
//   npm run deploy -- --network localhost      a local node (LEASH_RPC_URL, default http://127.0.0.1:8545)
//   npm run deploy -- --network sepolia        SEPOLIA_RPC_URL and DEPLOYER_PRIVATE_KEY from the keystore or env
//   npm run deploy -- --network baseSepolia    BASE_SEPOLIA_RPC_URL and DEPLOYER_PRIVATE_KEY
// LEASH_DEPLOYMENTS writes the deployments file elsewhere, LEASH_IGNITION_DIR Ignition's journal.
// Verify afterwards with: npx hardhat ignition verify chain-<chainId>
import hre, { network } from "hardhat";
import { custom } from "viem";
import { localClient } from "../testkit/testbed/client.js";
import { deployLeash } from "./deploy-leash.js";

const log = (message: string) => console.log(`[deploy] ${message}`);
const connection = await network.create();
const started = Date.now();
try {
  const client = await localClient(custom(connection.provider, { retryCount: 0 }));
  log(`network ${connection.networkName}, chain ${await client.getChainId()}, deployer ${client.account.address}`);
  await deployLeash({ connection, client, artifacts: hre.artifacts, networkName: connection.networkName, ignitionDir: hre.config.paths.ignition, log });
  log(`done in ${((Date.now() - started) / 1000).toFixed(1)} s`);
} catch (error) {
  console.error(`[deploy] failed: ${error instanceof Error ? error.message : String(error)}`);
  process.exitCode = 1;
} finally {
  await connection.close();
}
