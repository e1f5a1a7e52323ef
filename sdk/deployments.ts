// The deployments file: where Leash's contracts live on one chain. Written by the deploy step
// (`npm run deploy`, `npm start`), read by the SDK, the indexer and the API.
// Path: deployments/<chainId>.json, or the file LEASH_DEPLOYMENTS names.
import { mkdirSync, readFileSync, renameSync, writeFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { getAddress, isAddress, type Address } from "viem";
import { z } from "zod";

export const CONTRACT_NAMES = [
  "EntryPoint",
  "KernelImplementation",
  "KernelFactory",
  "FactoryStaker",
  "OwnerValidator",
  "SessionKeySigner",
  "SessionPolicy",
  "CallScopePolicy",
  "SpendLimitPolicy",
  "RateLimitPolicy",
  "ExpiryPolicy",
] as const;
export type ContractName = (typeof CONTRACT_NAMES)[number];

const address = z
  .string()
  .refine((value) => isAddress(value, { strict: false }), { message: "not a 20-byte hex address" })
  .transform((value) => getAddress(value))
  // What it gives is a checksummed address: said so, the schema also describes answers (the API's OpenAPI).
  .pipe(z.templateLiteral(["0x", z.string().regex(/^[0-9a-fA-F]{40}$/)]));

const deployedContract = z.object({
  address,
  /** The block of the deployment (or of the first sighting, for contracts deployed by others). */
  blockNumber: z.number().int().nonnegative(),
});

export const deploymentsSchema = z.object({
  chainId: z.number().int().positive(),
  /** The Hardhat network name it was deployed with, e.g. "localhost", "sepolia". */
  network: z.string().min(1),
  contracts: z.object(Object.fromEntries(CONTRACT_NAMES.map((name) => [name, deployedContract])) as {
    [K in ContractName]: typeof deployedContract;
  }),
  /** Extra contracts of a local stack (mock tokens, router); not part of the product. */
  extras: z.record(z.string(), deployedContract).default({}),
  updatedAt: z.string(),
});
export type Deployments = z.output<typeof deploymentsSchema>;
export type DeployedContract = { address: Address; blockNumber: number };

export const projectRoot = resolve(dirname(fileURLToPath(import.meta.url)), "..");

/** The deployments file of `chainId`: LEASH_DEPLOYMENTS if set, else deployments/<chainId>.json. */
export function deploymentsPath(chainId: number | string, env: NodeJS.ProcessEnv = process.env): string {
  const explicit = env.LEASH_DEPLOYMENTS?.trim();
  return explicit ? resolve(explicit) : join(projectRoot, "deployments", `${chainId}.json`);
}

export class DeploymentsError extends Error {
  override name = "DeploymentsError";
}

/** Reads and validates a deployments file; the error names the file and the bad field. */
export function readDeployments(path: string): Deployments {
  let raw: unknown;
  try {
    raw = JSON.parse(readFileSync(path, "utf8"));
  } catch (error) {
    const reason = (error as NodeJS.ErrnoException).code === "ENOENT" ? "does not exist (run npm run deploy)" : String(error);
    throw new DeploymentsError(`deployments file ${path} ${reason}`);
  }
  const parsed = deploymentsSchema.safeParse(raw);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    throw new DeploymentsError(`deployments file ${path}: ${issue.path.join(".") || "(root)"}: ${issue.message}`);
  }
  return parsed.data;
}

/** Writes a deployments file atomically (a reader never sees half a file). */
export function writeDeployments(path: string, deployments: Deployments): void {
  const checked = deploymentsSchema.parse(deployments);
  mkdirSync(dirname(path), { recursive: true });
  const temporary = `${path}.${process.pid}.tmp`;
  writeFileSync(temporary, `${JSON.stringify(checked, null, 2)}\n`);
  renameSync(temporary, path);
}
