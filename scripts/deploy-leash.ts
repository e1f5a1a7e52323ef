// Deploys Leash to the connected chain and writes its deployments file.
// - Our contracts go through Hardhat Ignition (ignition/modules/Leash.ts) with the create2 strategy:
//   the same addresses on every chain.
// - FactoryStaker (ignition/modules/FactoryStaker.ts), the staked factory accounts are deployed
//   through, is deployed the same way, with the chain's KernelFactory approved on it and
//   FACTORY_STAKE staked in the EntryPoint: the deployer pays the stake.
// - On a local chain (31337) the ERC-4337 base is deployed too: EntryPoint v0.7 at its canonical
//   address, Kernel v3.1 and its factory (testkit/testbed). Elsewhere every contract of the canonical
//   table (testkit/testbed/canonical.ts) must already exist, or the deploy stops before sending
//   anything and names each one missing.
// - When all of our contracts are already at their addresses, nothing is sent (journal or not).
import { readFileSync, rmSync } from "node:fs";
import { join } from "node:path";
import type { NetworkConnection } from "hardhat/types/network";
import type { ArtifactManager } from "hardhat/types/artifacts";
import { type Abi, type Address, type Hex, encodeAbiParameters, encodeDeployData, getAddress, getContractAddress, keccak256, parseAbi } from "viem";
import { LEASH_CREATE2_SALT } from "../ignition/create2.js";
import FactoryStakerModule from "../ignition/modules/FactoryStaker.js";
import LeashModule from "../ignition/modules/Leash.js";
import { type ContractName, type Deployments, deploymentsPath, projectRoot, readDeployments, writeDeployments } from "../sdk/deployments.js";
import { FACTORY_STAKE, FACTORY_UNSTAKE_DELAY } from "../sdk/constants.js";
import { factoryStakerAbi } from "../sdk/generated/contracts.js";
import type { DeployClient } from "../sdk/userops.js";
import { CANONICAL_CONTRACTS, CREATEX, missingCanonical } from "../testkit/testbed/canonical.js";
import { deployTestBed } from "../testkit/testbed/deploy.js";

const LOCAL_CHAIN_ID = 31337;

const entryPointStakeAbi = parseAbi([
  "function getDepositInfo(address account) view returns ((uint256 deposit, bool staked, uint112 stake, uint32 unstakeDelaySec, uint48 withdrawTime) info)",
]);

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

/**
 * Where Ignition's create2 strategy puts `artifact` built with `args`: CreateX's deployCreate2 with
 * our salt, which CreateX guards as keccak256(salt) (no sender, no chain id).
 */
async function create2Address(artifacts: ArtifactManager, artifact: string, args: readonly unknown[] = []): Promise<Address> {
  const { abi, bytecode } = await artifacts.readArtifact(artifact);
  const salt = keccak256(encodeAbiParameters([{ type: "bytes32" }], [LEASH_CREATE2_SALT]));
  const initCode = encodeDeployData({ abi: abi as Abi, bytecode: bytecode as Hex, args: args as unknown[] });
  return getContractAddress({ opcode: "CREATE2", from: CREATEX, salt, bytecode: initCode });
}

/** Whether the deployed staker at `staker` has `kernelFactory` approved and at least FACTORY_STAKE staked. */
async function stakerReady(client: DeployClient, staker: Address, kernelFactory: Address, entryPoint: Address): Promise<boolean> {
  const [approved, deposit] = await Promise.all([
    client.readContract({ address: staker, abi: factoryStakerAbi, functionName: "approved", args: [kernelFactory] }),
    client.readContract({ address: entryPoint, abi: entryPointStakeAbi, functionName: "getDepositInfo", args: [staker] }),
  ]);
  return approved && deposit.staked && deposit.stake >= FACTORY_STAKE && deposit.unstakeDelaySec >= FACTORY_UNSTAKE_DELAY;
}

/**
 * The first block at or after `from` at which `address` has code (binary search; about log2 of the
 * blocks searched reads). Reading old blocks' state needs a node that keeps it (an archive node).
 */
export async function firstBlockWithCode(client: DeployClient, address: Address, from = 0n): Promise<number> {
  let high = await client.getBlockNumber();
  if (!(await hasCode(client, address, high))) throw new Error(`no contract at ${address}`);
  let low = from;
  try {
    while (low < high) {
      const mid = (low + high) / 2n;
      if (await hasCode(client, address, mid)) high = mid;
      else low = mid + 1n;
    }
  } catch (error) {
    throw new Error(
      `finding the block where ${address} was deployed needs the state of past blocks, which the RPC did not give ` +
        `(an archive node has it; so has the deployments file of the run that deployed it): ${(error as Error).message}`,
      { cause: error },
    );
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
  /** Hardhat's paths.ignition, where Ignition keeps its journals (default: the project's ignition/). */
  ignitionDir?: string;
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
    // (Ignition keeps no journal for the in-process network: nothing to check then.)
    const journal = join(opts.ignitionDir ?? join(projectRoot, "ignition"), "deployments", `chain-${chainId}`);
    let addresses: string[] = [];
    try {
      addresses = Object.values(JSON.parse(readFileSync(join(journal, "deployed_addresses.json"), "utf8")) as Record<string, string>);
    } catch {
      addresses = [];
    }
    const present = await Promise.all(addresses.map((a) => hasCode(client, getAddress(a))));
    const inProcess = connection.networkConfig.type === "edr-simulated";
    if (!inProcess && (addresses.length === 0 || present.includes(false))) rmSync(journal, { recursive: true, force: true });
  } else {
    const missing = await missingCanonical(client);
    if (missing.length > 0) {
      throw new Error(
        [
          `chain ${chainId} lacks ${missing.length} of the ${CANONICAL_CONTRACTS.length} contracts Leash is deployed on; nothing was sent. Missing:`,
          ...missing.map((c) => `  ${c.name.padEnd(28)} ${c.address}`),
        ].join("\n"),
      );
    }
    for (const contract of CANONICAL_CONTRACTS) {
      if (contract.deployment) base[contract.deployment] = contract.address;
      log(`  ${contract.name.padEnd(28)} ${contract.address} present`);
    }
  }

  const expected = {} as Record<ContractName, Address>;
  for (const name of Object.values(MODULE_KEYS)) expected[name] = await create2Address(opts.artifacts, name);
  const present = await Promise.all(Object.values(expected).map((address) => hasCode(client, address)));
  const own: Partial<Record<ContractName, Address>> = {};
  // Contracts deployed by this run have their first block after this one: a search over recent blocks only.
  const before = await client.getBlockNumber();
  if (!present.includes(false)) {
    log(`Leash's ${present.length} contracts are already at their addresses: nothing to send`);
    Object.assign(own, expected);
  } else {
    log("deploying Leash's contracts with Ignition (create2: the same address on every chain)");
    const deployed = (await connection.ignition.deploy(LeashModule, { strategy: "create2", displayUi: false })) as Record<
      string,
      { getAddress(): Promise<string> }
    >;
    for (const [key, name] of Object.entries(MODULE_KEYS)) {
      own[name] = getAddress(await deployed[key]!.getAddress());
      if (own[name] !== expected[name]) {
        throw new Error(`Ignition put ${name} at ${own[name]}, not at ${expected[name]} where CreateX with our salt puts it`);
      }
    }
  }
  for (const name of Object.values(MODULE_KEYS)) log(`  ${name.padEnd(18)} ${own[name]}`);

  const stakerAddress = await create2Address(opts.artifacts, "FactoryStaker", [client.account.address]);
  const stakerExisted = await hasCode(client, stakerAddress);
  if (stakerExisted && (await stakerReady(client, stakerAddress, base.KernelFactory!, base.EntryPoint!))) {
    log(`FactoryStaker is already deployed, approves KernelFactory and is staked: nothing to send`);
    own.FactoryStaker = stakerAddress;
  } else {
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
    if (own.FactoryStaker !== stakerAddress) throw new Error(`Ignition put FactoryStaker at ${own.FactoryStaker}, not at ${stakerAddress} where CreateX with our salt puts it`);
  }
  log(`  ${"FactoryStaker".padEnd(18)} ${own.FactoryStaker}`);

  let previous: Deployments | undefined;
  try {
    previous = readDeployments(path);
  } catch {
    previous = undefined;
  }
  const contracts = {} as Deployments["contracts"];
  const head = await client.getBlockNumber();
  const newlyDeployed = new Set(Object.values(expected).filter((_, i) => !present[i]));
  if (!stakerExisted) newlyDeployed.add(stakerAddress);
  for (const [name, address] of Object.entries({ ...base, ...own }) as [ContractName, Address][]) {
    const known = previous?.chainId === chainId ? previous.contracts[name] : undefined;
    let blockNumber: number;
    if (known?.address === address) blockNumber = known.blockNumber;
    else if (newlyDeployed.has(address)) blockNumber = await firstBlockWithCode(client, address, before);
    // Deployed by others on a public chain: the first sighting (the indexer reads none of their past).
    else if (!(name in own) && chainId !== LOCAL_CHAIN_ID) blockNumber = Number(head);
    else blockNumber = await firstBlockWithCode(client, address);
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
