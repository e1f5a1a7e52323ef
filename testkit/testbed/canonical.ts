// The contracts Leash expects at their public addresses on every chain it is deployed to (other than a
// local one, where the test bed deploys its own): ONE table, which `npm run deploy` checks before it
// sends anything and which a local stand-in of a public chain is built from. Each entry says how a
// local chain gets the contract: exactly as the public chains got it where we can (the same
// presigned transaction, the same CREATE2 deployer, salt and init code), with `anvil_setCode`
// where the public deployment's own bytecode is not available.
import { createRequire } from "node:module";
import { readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { constants as zerodev } from "@zerodev/sdk";
import { type Address, type Hex, concat, encodeAbiParameters, getAddress, keccak256, parseEther } from "viem";
import type { ContractName } from "../../sdk/deployments.js";
import { ensureKernelBytecode } from "../../scripts/setup/kernel-bytecode.mjs";
import { CREATE2_DEPLOYER, ENTRY_POINT, ENTRY_POINT_SALT, KERNEL_VERSION } from "./constants.js";
import type { DeployClient } from "../../sdk/userops.js";

const require = createRequire(import.meta.url);
const kernel = zerodev.KernelVersionToAddressesMap[KERNEL_VERSION];

/** CreateX v0.1.0, through which Hardhat Ignition's create2 strategy deploys our contracts. */
export const CREATEX: Address = "0xba5Ed099633D3B313e4D5F7bdc1305d3c28ba5Ed";
/** The keccak256 of CreateX's runtime code, as Ignition checks it. */
const CREATEX_CODE_HASH: Hex = "0xbd8a7ea8cfca7b4e5f5041d7d4b17bc317c5ce42cfbc42066a00cf26b43eb53f";
/** The keyless account of CreateX's presigned deployment (the same transaction on every chain). */
const CREATEX_PRESIGNED_DEPLOYER: Address = "0xeD456e05CaAb11d66C4c797dD6c1D6f9A7F352b5";

export interface CanonicalContract {
  /** What messages call it. */
  name: string;
  /** Its entry in the deployments file, if the SDK and the indexer use it. */
  deployment?: ContractName;
  address: Address;
  /** How `placeCanonical` puts it on a local chain. */
  local: string;
  place(client: DeployClient): Promise<void>;
}

async function codeAt(client: DeployClient, address: Address): Promise<Hex> {
  return (await client.getCode({ address })) ?? "0x";
}

async function setCode(client: DeployClient, address: Address, code: Hex): Promise<void> {
  await client.request({ method: "anvil_setCode" as never, params: [address, code] as never });
}

/** The runtime code that `initCode` would leave behind (the creation run as a call; nothing is sent). */
async function runtimeOf(client: DeployClient, initCode: Hex, label: string): Promise<Hex> {
  const { data } = await client.call({ data: initCode, gas: 30_000_000n });
  if (!data || data === "0x") throw new Error(`running ${label}'s creation code returned no runtime code`);
  return data;
}

/** CreateX's presigned deployment transaction, as Hardhat Ignition ships it (not exported: read from its file). */
function createxPresignedTransaction(): Hex {
  const root = dirname(require.resolve("@nomicfoundation/ignition-core/package.json"));
  const file = join(root, "dist", "src", "internal", "execution", "strategy", "createx-artifact.js");
  const match = readFileSync(file, "utf8").match(/presignedTx\s*=\s*"(0x[0-9a-fA-F]+)"/);
  if (!match) throw new Error(`CreateX's presigned transaction not found in ${file}`);
  return match[1] as Hex;
}

async function kernelInitCode(): Promise<Hex> {
  const { kernel: code } = await ensureKernelBytecode();
  return concat([code as Hex, encodeAbiParameters([{ type: "address" }], [ENTRY_POINT.address])]);
}

export const CANONICAL_CONTRACTS: readonly CanonicalContract[] = [
  {
    name: "CreateX",
    address: CREATEX,
    local: "its presigned deployment transaction, as on public chains",
    async place(client) {
      await client.request({ method: "anvil_setBalance" as never, params: [CREATEX_PRESIGNED_DEPLOYER, `0x${parseEther("0.4").toString(16)}`] as never });
      const hash = await client.sendRawTransaction({ serializedTransaction: createxPresignedTransaction() });
      const receipt = await client.waitForTransactionReceipt({ hash });
      if (receipt.status !== "success" || keccak256(await codeAt(client, CREATEX)) !== CREATEX_CODE_HASH) {
        throw new Error(`CreateX's presigned deployment (tx ${hash}) did not leave CreateX at ${CREATEX}`);
      }
    },
  },
  {
    name: "EntryPoint v0.7",
    deployment: "EntryPoint",
    address: ENTRY_POINT.address,
    local: "CREATE2 through the deterministic deployer with the public salt, as on public chains",
    async place(client) {
      if ((await codeAt(client, CREATE2_DEPLOYER)) === "0x") {
        throw new Error(`no CREATE2 deployer at ${CREATE2_DEPLOYER} (anvil has one from the start)`);
      }
      const artifact = require("@account-abstraction/contracts/artifacts/EntryPoint.json") as { bytecode: Hex };
      const hash = await client.sendTransaction({ to: CREATE2_DEPLOYER, data: concat([ENTRY_POINT_SALT, artifact.bytecode]) });
      await client.waitForTransactionReceipt({ hash });
    },
  },
  {
    name: `Kernel v${KERNEL_VERSION.slice(2)} implementation`,
    deployment: "KernelImplementation",
    address: getAddress(kernel.accountImplementationAddress),
    // The public build's bytecode is in no package; @rhinestone/modulekit's build of the same source
    // is (scripts/setup/kernel-bytecode.mjs). Its constructor's storage write (the implementation's
    // own root-validator sentinel) is not copied: accounts are proxies with storage of their own.
    local: "anvil_setCode: the runtime of modulekit's Kernel v3.1 build, constructed for EntryPoint v0.7",
    async place(client) {
      await setCode(client, this.address, await runtimeOf(client, await kernelInitCode(), this.name));
    },
  },
  {
    name: `KernelFactory v${KERNEL_VERSION.slice(2)}`,
    deployment: "KernelFactory",
    address: getAddress(kernel.factoryAddress),
    local: "anvil_setCode: the runtime of modulekit's KernelFactory build, constructed for the canonical implementation",
    async place(client) {
      const { factory } = await ensureKernelBytecode();
      const initCode = concat([factory as Hex, encodeAbiParameters([{ type: "address" }], [getAddress(kernel.accountImplementationAddress)])]);
      await setCode(client, this.address, await runtimeOf(client, initCode, this.name));
    },
  },
];

/** The canonical contracts that have no code on the connected chain. */
export async function missingCanonical(client: DeployClient): Promise<CanonicalContract[]> {
  const present = await Promise.all(CANONICAL_CONTRACTS.map(async (c) => (await codeAt(client, c.address)) !== "0x"));
  return CANONICAL_CONTRACTS.filter((_, i) => !present[i]);
}

/**
 * Makes a local chain (anvil) a stand-in for a public one: places every canonical contract it lacks,
 * in the table's order, each as its `local` says. Idempotent.
 */
export async function placeCanonical(client: DeployClient, log: (message: string) => void = () => {}): Promise<void> {
  for (const contract of CANONICAL_CONTRACTS) {
    if ((await codeAt(client, contract.address)) !== "0x") {
      log(`${contract.name} already at ${contract.address}`);
      continue;
    }
    await contract.place(client);
    if ((await codeAt(client, contract.address)) === "0x") {
      throw new Error(`placing ${contract.name} (${contract.local}) left no code at ${contract.address}`);
    }
    log(`${contract.name} at ${contract.address} (${contract.local})`);
  }
}
