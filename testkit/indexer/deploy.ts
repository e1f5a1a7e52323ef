// A local chain for the indexer's tests and benchmark: the test bed, SessionPolicy, the four
// standalone policies and two mock tokens, and the deployments file the indexer reads.
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Address } from "viem";
import { STANDALONE_POLICIES, type StandalonePolicy } from "../../indexer/lib/policies.js";
import { CONTRACT_NAMES, type Deployments, writeDeployments } from "../../sdk/deployments.js";
import { type ArtifactSource, type DeployClient, deployArtifact, deployTestBed, type TestBed } from "../testbed/deploy.js";


export interface LeashChain {
  bed: TestBed;
  sessionPolicy: Address;
  standalone: Record<StandalonePolicy, Address>;
  usdc: Address;
  weth: Address;
  deployments: Deployments;
  /** The deployments file written for this chain (point LEASH_DEPLOYMENTS at it). */
  deploymentsFile: string;
}

/**
 * Deploys everything (idempotent: CREATE2) and writes a deployments file in a fresh temporary folder.
 * `network` names the chain there (default "localhost"): an indexer following several chains needs
 * a distinct name for each.
 */
export async function deployLeash(opts: { client: DeployClient; artifacts: ArtifactSource; network?: string }): Promise<LeashChain> {
  const { client, artifacts } = opts;
  // Everything lands after this block: a safe start block for every contract.
  const startBlock = Number(await client.getBlockNumber());
  const bed = await deployTestBed({ client, artifacts });
  const sessionPolicy = await deployArtifact(client, artifacts, "SessionPolicy");
  const standalone = {} as LeashChain["standalone"];
  for (const name of STANDALONE_POLICIES) standalone[name] = await deployArtifact(client, artifacts, name);
  const usdc = await deployArtifact(client, artifacts, "MockLegacyERC20", ["Mock USD Coin", "USDC", 6]);
  const weth = await deployArtifact(client, artifacts, "MockLegacyERC20", ["Mock Wrapped Ether", "WETH", 18]);

  const addresses: Record<(typeof CONTRACT_NAMES)[number], Address> = {
    EntryPoint: bed.entryPoint,
    KernelImplementation: bed.kernelImplementation,
    KernelFactory: bed.kernelFactory,
    FactoryStaker: bed.factoryStaker,
    OwnerValidator: bed.ownerValidator,
    SessionKeySigner: bed.sessionKeySigner,
    SessionPolicy: sessionPolicy,
    ...standalone,
  };
  const deployments: Deployments = {
    chainId: bed.chainId,
    network: opts.network ?? "localhost",
    contracts: Object.fromEntries(
      CONTRACT_NAMES.map((name) => [name, { address: addresses[name], blockNumber: startBlock }]),
    ) as Deployments["contracts"],
    extras: {
      USDC: { address: usdc, blockNumber: startBlock },
      WETH: { address: weth, blockNumber: startBlock },
    },
    updatedAt: new Date().toISOString(),
  };
  const deploymentsFile = join(mkdtempSync(join(tmpdir(), "leash-deployments-")), `${bed.chainId}.json`);
  writeDeployments(deploymentsFile, deployments);
  return { bed, sessionPolicy, standalone, usdc, weth, deployments, deploymentsFile };
}
