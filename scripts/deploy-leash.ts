// Deploys Leash to the connected chain and writes its deployments file.
// - Our contracts go through Hardhat Ignition (ignition/modules/Leash.ts) with the create2 strategy:
//   the same addresses on every chain.
// - FactoryStaker (ignition/modules/FactoryStaker.ts), the staked factory accounts are deployed
//   through, is deployed the same way, with the chain's KernelFactory approved on it and
//   FACTORY_STAKE staked in the EntryPoint: the deployer pays the stake.
// - On a local chain (31337) the ERC-4337 base is deployed too: EntryPoint v0.7 at its canonical
//   address, Kernel v3.1 and its factory (testkit/testbed). Elsewhere they must already exist at
//   their canonical addresses, or the deploy stops and says which is missing.
import { readFileSync, rmSync } from "node:fs";
import { join } from "node:path";
import { constants as zerodev } from "@zerodev/sdk";
import type { NetworkConnection } from "hardhat/types/network";
import type { ArtifactManager } from "hardhat/types/artifacts";
import { type Address, getAddress } from "viem";
import FactoryStakerModule from "../ignition/modules/FactoryStaker.js";
import LeashModule from "../ignition/modules/Leash.js";
import { type ContractName, type Deployments, deploymentsPath, projectRoot, readDeployments, writeDeployments } from "../sdk/deployments.js";
import { ENTRY_POINT, FACTORY_STAKE, FACTORY_UNSTAKE_DELAY } from "../sdk/constants.js";
import type { DeployClient } from "../sdk/userops.js";
import { deployTestBed } from "../testkit/testbed/deploy.js";

const LOCAL_CHAIN_ID = 31337;

const MODULE_KEYS: Record<string, ContractName> = {
  sessionKeySigner: "SessionKeySigner",
  ownerValidator: "OwnerValidator",
  sessionPolicy: "SessionPolicy",
  callScopePolicy: "CallScopePolicy",
  spendLimitPolicy: "SpendLimitPolicy",
  rateLimitPolicy: "RateLimitPolicy",
  expiryPolicy: "ExpiryPolicy",
};

async function hasCode(client: DeployClient, address: Address, blockNumber?: bigint): Promise<boolean> {
  const code = await client.getCode({ address, blockNumber });
  return code !== undefined && code !== "0x";
}

/** The first block at which `address` has code (binary search; about log2(height) reads). */
export async function firstBlockWithCode(client: DeployClient, address: Address): Promise<number> {
  let high = await client.getBlockNumber();
  if (!(await hasCode(client, address, high))) throw new Error(`no contract at ${address}`);
  let low = 0n;
  while (low < high) {
    const mid = (low + high) / 2n;
    if (await hasCode(client, address, mid)) high = mid;
    else low = mid + 1n;
  }
  return Number(low);
}

export async function deployLeash(opts: {
  connection: NetworkConnection;
  client: DeployClient;
  artifacts: ArtifactManager;
  networkName: string;
  log?: (message: string) => void;
  /** Where to write the deployments file (default: deployments/<chainId>.json or LEASH_DEPLOYMENTS). */
  path?: string;
}): Promise<Deployments> {
  const { client, connection } = opts;
  const log = opts.log ?? (() => {});
  const chainId = await client.getChainId();
  const path = opts.path ?? deploymentsPath(chainId);
  const base: Partial<Record<ContractName, Address>> = {};

  if (chainId === LOCAL_CHAIN_ID) {
    log(`chain ${chainId} is local: deploying the ERC-4337 base (EntryPoint, Kernel, factory)`);
    const bed = await deployTestBed({ client, artifacts: opts.artifacts, log: (m) => log(`  ${m}`) });
    Object.assign(base, { EntryPoint: bed.entryPoint, KernelImplementation: bed.kernelImplementation, KernelFactory: bed.kernelFactory });
    // A local chain forgets its state on restart: a journal of contracts no longer there is stale.
    const journal = join(projectRoot, "ignition", "deployments", `chain-${chainId}`);
    let addresses: string[] = [];
    try {
      addresses = Object.values(JSON.parse(readFileSync(join(journal, "deployed_addresses.json"), "utf8")) as Record<string, string>);
    } catch {
      addresses = [];
    }
    const present = await Promise.all(addresses.map((a) => hasCode(client, getAddress(a))));
    if (addresses.length === 0 || present.includes(false)) rmSync(journal, { recursive: true, force: true });
  } else {
    const kernel = zerodev.KernelVersionToAddressesMap["0.3.1"];
    Object.assign(base, {
      EntryPoint: ENTRY_POINT.address,
      KernelImplementation: kernel.accountImplementationAddress,
      KernelFactory: kernel.factoryAddress,
    });
    for (const name of ["EntryPoint", "KernelImplementation", "KernelFactory"] as const) {
      if (!(await hasCode(client, base[name]!))) {
        throw new Error(`${name} is not deployed on chain ${chainId} at its canonical address ${base[name]}`);
      }
    }
  }

  log("deploying Leash's contracts with Ignition (create2: the same address on every chain)");
  const deployed = (await connection.ignition.deploy(LeashModule, { strategy: "create2", displayUi: false })) as Record<
    string,
    { getAddress(): Promise<string> }
  >;
  const own: Partial<Record<ContractName, Address>> = {};
  for (const [key, name] of Object.entries(MODULE_KEYS)) {
    own[name] = getAddress(await deployed[key]!.getAddress());
    log(`  ${name.padEnd(18)} ${own[name]}`);
  }

  log("deploying FactoryStaker with Ignition, approving KernelFactory on it, staking it in the EntryPoint");
  const staking = (await connection.ignition.deploy(FactoryStakerModule, {
    strategy: "create2",
    displayUi: false,
    parameters: {
      FactoryStaker: {
        kernelFactory: base.KernelFactory!,
        entryPoint: base.EntryPoint!,
        stake: FACTORY_STAKE,
        unstakeDelay: FACTORY_UNSTAKE_DELAY,
      },
    },
  })) as { factoryStaker: { getAddress(): Promise<string> } };
  own.FactoryStaker = getAddress(await staking.factoryStaker.getAddress());
  log(`  ${"FactoryStaker".padEnd(18)} ${own.FactoryStaker}`);

  let previous: Deployments | undefined;
  try {
    previous = readDeployments(path);
  } catch {
    previous = undefined;
  }
  const contracts = {} as Deployments["contracts"];
  for (const [name, address] of Object.entries({ ...base, ...own }) as [ContractName, Address][]) {
    const known = previous?.chainId === chainId ? previous.contracts[name] : undefined;
    const blockNumber = known?.address === address ? known.blockNumber : await firstBlockWithCode(client, address);
    contracts[name] = { address, blockNumber };
  }
  const deployments: Deployments = {
    chainId,
    network: opts.networkName,
    contracts,
    extras: previous?.chainId === chainId ? previous.extras : {},
    updatedAt: new Date().toISOString(),
  };
  writeDeployments(path, deployments);
  log(`wrote ${path}`);
  return deployments;
}
