// ABIs of our contracts, read from Hardhat's compiled artifacts (the one source of truth) and typed
// by the declarations Hardhat generates beside them. Needs `npm run compile` first.
import { readFileSync } from "node:fs";
import { join } from "node:path";
import type { SessionKeySigner$Type } from "../artifacts/contracts/signers/SessionKeySigner.sol/artifacts.js";
import type { SessionPolicy$Type } from "../artifacts/contracts/policies/SessionPolicy.sol/artifacts.js";
import { projectRoot } from "./deployments.js";

export interface Artifact<Abi> {
  contractName: string;
  abi: Abi;
  bytecode: `0x${string}`;
}

/** Reads a compiled artifact of contracts/<path>.sol; the error says to compile when it is missing. */
export function readArtifact<T extends { abi: unknown }>(sourcePath: string, name: string): Artifact<T["abi"]> {
  const file = join(projectRoot, "artifacts", "contracts", sourcePath, `${name}.json`);
  try {
    return JSON.parse(readFileSync(file, "utf8")) as Artifact<T["abi"]>;
  } catch (error) {
    throw new Error(`cannot read the compiled artifact of ${name} (${file}): run npm run compile first`, { cause: error });
  }
}

export const sessionPolicyArtifact = readArtifact<SessionPolicy$Type>("policies/SessionPolicy.sol", "SessionPolicy");
export const sessionPolicyAbi = sessionPolicyArtifact.abi;
export const sessionKeySignerAbi = readArtifact<SessionKeySigner$Type>("signers/SessionKeySigner.sol", "SessionKeySigner").abi;
