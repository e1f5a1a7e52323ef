import { createRequire } from "node:module";
import {
  type Address,
  type Hex,
  BaseError,
  type Abi,
  concat,
  encodeAbiParameters,
  encodeDeployData,
  getContractAddress,
} from "viem";
import type { DeployClient } from "../../sdk/userops.js";
import { ensureKernelBytecode } from "../../scripts/setup/kernel-bytecode.mjs";
import { entryPoint07Abi } from "viem/account-abstraction";
import { factoryStakerAbi } from "../../sdk/contracts.js";
import { FACTORY_STAKE, FACTORY_UNSTAKE_DELAY } from "../../sdk/constants.js";
import {
  CREATE2_DEPLOYER,
  CREATE2_DEPLOYER_RUNTIME,
  ENTRY_POINT,
  ENTRY_POINT_SALT,
  LEASH_SALT,
} from "./constants.js";

const require = createRequire(import.meta.url);

export type { DeployClient };

/** Reads compiled artifacts by contract name (Hardhat's `hre.artifacts` does). */
export interface ArtifactSource {
  readArtifact(name: string): Promise<{ abi: readonly unknown[]; bytecode: string }>;
}

/** Every address of the local ERC-4337 test bed. */
export interface TestBed {
  chainId: number;
  entryPoint: Address;
  kernelImplementation: Address;
  kernelFactory: Address;
  /** The staked factory new accounts are deployed through; KernelFactory approved on it. */
  factoryStaker: Address;
  ownerValidator: Address;
  sessionKeySigner: Address;
  passThroughPolicy: Address;
  denyAllPolicy: Address;
}

/** The contracts of ours that the test bed deploys, by artifact name. */
const OWN_CONTRACTS = {
  ownerValidator: "OwnerValidator",
  sessionKeySigner: "SessionKeySigner",
  passThroughPolicy: "PassThroughPolicy",
  denyAllPolicy: "DenyAllPolicy",
} as const;

async function hasCode(client: DeployClient, address: Address): Promise<boolean> {
  const code = await client.getCode({ address });
  return code !== undefined && code !== "0x";
}

/** Deploys `initCode` through the CREATE2 deployer unless it is already there; returns its address. */
export async function deployCreate2(
  client: DeployClient,
  initCode: Hex,
  salt: Hex = LEASH_SALT,
  label = "contract",
): Promise<Address> {
  const address = getContractAddress({ opcode: "CREATE2", from: CREATE2_DEPLOYER, salt, bytecode: initCode });
  if (await hasCode(client, address)) return address;
  let hash: Hex;
  try {
    hash = await client.sendTransaction({ to: CREATE2_DEPLOYER, data: concat([salt, initCode]) });
  } catch (err) {
    // viem's message repeats the whole init code; keep the cause, say what failed.
    const reason = err instanceof BaseError ? (err.details ?? err.shortMessage) : String(err);
    throw new Error(`deploying ${label} (${(initCode.length - 2) / 2} bytes) through the CREATE2 deployer failed: ${reason}`, {
      cause: err,
    });
  }
  const receipt = await client.waitForTransactionReceipt({ hash });
  if (receipt.status !== "success" || !(await hasCode(client, address))) {
    throw new Error(`deploying ${label} through the CREATE2 deployer failed (tx ${hash})`);
  }
  return address;
}

/** Deploys artifact `name` with constructor `args` through CREATE2 (same inputs, same address). */
export async function deployArtifact(
  client: DeployClient,
  artifacts: ArtifactSource,
  name: string,
  args: readonly unknown[] = [],
  salt: Hex = LEASH_SALT,
): Promise<Address> {
  const { abi, bytecode } = await artifacts.readArtifact(name);
  const initCode = encodeDeployData({ abi: abi as Abi, bytecode: bytecode as Hex, args });
  return deployCreate2(client, initCode, salt, name);
}

/** Places the CREATE2 deployer on a local chain that lacks it (Hardhat has none predeployed). */
async function ensureCreate2Deployer(client: DeployClient): Promise<void> {
  if (await hasCode(client, CREATE2_DEPLOYER)) return;
  await client.request({
    method: "hardhat_setCode" as never,
    params: [CREATE2_DEPLOYER, CREATE2_DEPLOYER_RUNTIME] as never,
  });
  if (!(await hasCode(client, CREATE2_DEPLOYER))) {
    throw new Error(`no CREATE2 deployer at ${CREATE2_DEPLOYER} and the chain refused hardhat_setCode`);
  }
}

/**
 * Makes `staker` (a FactoryStaker owned by `client`'s account) deploy through `kernelFactory` and hold
 * FACTORY_STAKE in the EntryPoint for FACTORY_UNSTAKE_DELAY; does only what is missing.
 */
export async function readyFactoryStaker(
  client: DeployClient,
  addresses: { entryPoint: Address; kernelFactory: Address; factoryStaker: Address },
): Promise<void> {
  const { entryPoint, kernelFactory, factoryStaker } = addresses;
  const send = async (label: string, hash: Hex) => {
    const receipt = await client.waitForTransactionReceipt({ hash });
    if (receipt.status !== "success") throw new Error(`FactoryStaker ${factoryStaker}: ${label} failed (tx ${hash})`);
  };
  const approved = await client.readContract({ address: factoryStaker, abi: factoryStakerAbi, functionName: "approved", args: [kernelFactory] });
  if (!approved) {
    await send(
      "approving KernelFactory",
      await client.writeContract({ address: factoryStaker, abi: factoryStakerAbi, functionName: "approveFactory", args: [kernelFactory, true] }),
    );
  }
  const info = await client.readContract({ address: entryPoint, abi: entryPoint07Abi, functionName: "getDepositInfo", args: [factoryStaker] });
  if (!info.staked || info.stake < FACTORY_STAKE || info.unstakeDelaySec < FACTORY_UNSTAKE_DELAY) {
    const topUp = info.stake < FACTORY_STAKE ? FACTORY_STAKE - info.stake : 0n;
    await send(
      "staking in the EntryPoint",
      await client.writeContract({
        address: factoryStaker,
        abi: factoryStakerAbi,
        functionName: "stake",
        args: [entryPoint, FACTORY_UNSTAKE_DELAY],
        value: topUp,
      }),
    );
  }
}

/**
 * Deploys the test bed (idempotent): EntryPoint v0.7 at its canonical address, Kernel v3.1 and its
 * factory, the staked FactoryStaker that deploys accounts through it, our owner validator and session-key signer, and the test policies. Everything goes
 * through CREATE2, so the addresses are the same on every run and every chain.
 */
export async function deployTestBed(opts: {
  client: DeployClient;
  artifacts: ArtifactSource;
  log?: (message: string) => void;
}): Promise<TestBed> {
  const { client, artifacts } = opts;
  const log = opts.log ?? (() => {});
  await ensureCreate2Deployer(client);

  log("EntryPoint v0.7");
  const entryPointArtifact = require("@account-abstraction/contracts/artifacts/EntryPoint.json") as { bytecode: Hex };
  const entryPoint = await deployCreate2(client, entryPointArtifact.bytecode, ENTRY_POINT_SALT, "EntryPoint v0.7");
  if (entryPoint.toLowerCase() !== ENTRY_POINT.address.toLowerCase()) {
    throw new Error(`EntryPoint landed at ${entryPoint}, not at the canonical ${ENTRY_POINT.address}`);
  }

  log("Kernel v3.1 implementation and factory");
  const kernel = await ensureKernelBytecode({ log });
  const kernelImplementation = await deployCreate2(
    client,
    concat([kernel.kernel as Hex, encodeAbiParameters([{ type: "address" }], [entryPoint])]),
    LEASH_SALT,
    "Kernel v3.1",
  );
  const kernelFactory = await deployCreate2(
    client,
    concat([kernel.factory as Hex, encodeAbiParameters([{ type: "address" }], [kernelImplementation])]),
    LEASH_SALT,
    "KernelFactory v3.1",
  );

  log("FactoryStaker, approving KernelFactory, staked in the EntryPoint");
  const factoryStaker = await deployArtifact(client, artifacts, "FactoryStaker", [client.account.address]);
  await readyFactoryStaker(client, { entryPoint, kernelFactory, factoryStaker });

  const own = {} as Record<keyof typeof OWN_CONTRACTS, Address>;
  for (const [key, name] of Object.entries(OWN_CONTRACTS) as [keyof typeof OWN_CONTRACTS, string][]) {
    log(name);
    const { bytecode } = await artifacts.readArtifact(name);
    own[key] = await deployCreate2(client, bytecode as Hex, LEASH_SALT, name);
  }

  return { chainId: await client.getChainId(), entryPoint, kernelImplementation, kernelFactory, factoryStaker, ...own };
}
