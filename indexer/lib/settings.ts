// What the indexer indexes, read from the environment and the deployments file. Every problem is
// reported as one SettingsError naming the variable or file and what is wrong with it.
import { type DeployedContract, type Deployments, deploymentsPath, readDeployments } from "../../sdk/deployments.js";

export class SettingsError extends Error {
  override name = "SettingsError";
}

/** Chains we run ourselves: a default RPC URL is fine there, and block numbers are reused. */
export const LOCAL_CHAIN_IDS: readonly number[] = [31337, 1337];
export const DEFAULT_LOCAL_RPC_URL = "http://127.0.0.1:8545";
export const DEFAULT_POLLING_INTERVAL_MS = 1_000;

export interface IndexerSettings {
  chainId: number;
  /** Ponder's name for the chain: the deployments file's network name. */
  chainName: string;
  deploymentsFile: string;
  deployments: Deployments;
  /** RPC URLs, each repeated `rpcFanout` times (Ponder rate-limits each URL on its own). */
  rpcUrls: string[];
  rpcFanout: number;
  pollingIntervalMs: number;
  /** Local chains reuse block numbers after a restart: Ponder's RPC cache would serve stale blocks. */
  disableRpcCache: boolean;
  database: { kind: "postgres"; connectionString: string } | { kind: "pglite"; directory?: string };
}

function positiveInteger(env: NodeJS.ProcessEnv, name: string, fallback: number, min = 1): number {
  const raw = env[name]?.trim();
  if (raw === undefined || raw === "") return fallback;
  const value = Number(raw);
  if (!Number.isSafeInteger(value) || value < min) {
    throw new SettingsError(`${name}="${raw}" must be an integer of at least ${min}`);
  }
  return value;
}

function parseRpcUrls(variable: string, raw: string): string[] {
  const urls = raw.split(/[\s,]+/).filter(Boolean);
  if (urls.length === 0) throw new SettingsError(`${variable} is set but empty`);
  for (const url of urls) {
    let parsed: URL;
    try {
      parsed = new URL(url);
    } catch {
      throw new SettingsError(`${variable}: "${url}" is not a URL`);
    }
    // Polling over HTTP: Hardhat's WebSocket endpoint made Ponder miss blocks.
    if (parsed.protocol !== "http:" && parsed.protocol !== "https:") {
      throw new SettingsError(`${variable}: "${url}" must be an http(s) URL (the indexer polls over HTTP)`);
    }
  }
  return urls;
}

/** Repeats each URL `fanout` times with a distinct fragment (never sent): one Ponder rate bucket each. */
export function fanOut(urls: readonly string[], fanout: number): string[] {
  if (fanout === 1) return [...urls];
  return urls.flatMap((url) => Array.from({ length: fanout }, (_, i) => `${url.split("#")[0]}#${i + 1}`));
}

/** Reads and checks the indexer's settings; throws a SettingsError naming the problem. */
export function readSettings(env: NodeJS.ProcessEnv = process.env): IndexerSettings {
  const chainId = positiveInteger(env, "LEASH_CHAIN_ID", 31337);
  const deploymentsFile = deploymentsPath(chainId, env);
  let deployments: Deployments;
  try {
    deployments = readDeployments(deploymentsFile);
  } catch (error) {
    throw new SettingsError((error as Error).message);
  }
  if (deployments.chainId !== chainId) {
    throw new SettingsError(
      `deployments file ${deploymentsFile} is for chain ${deployments.chainId}, but LEASH_CHAIN_ID is ${chainId}`,
    );
  }

  const local = LOCAL_CHAIN_IDS.includes(chainId);
  const rpcVariable = env[`PONDER_RPC_URL_${chainId}`]?.trim() ? `PONDER_RPC_URL_${chainId}` : "LEASH_RPC_URL";
  const rpcRaw = env[rpcVariable]?.trim();
  if (!rpcRaw && !local) {
    throw new SettingsError(`no RPC URL for chain ${chainId}: set PONDER_RPC_URL_${chainId} or LEASH_RPC_URL`);
  }
  const rpcFanout = positiveInteger(env, "LEASH_RPC_FANOUT", 1);
  const rpcUrls = fanOut(rpcRaw ? parseRpcUrls(rpcVariable, rpcRaw) : [DEFAULT_LOCAL_RPC_URL], rpcFanout);

  const pollingIntervalMs = positiveInteger(env, "LEASH_POLLING_INTERVAL_MS", DEFAULT_POLLING_INTERVAL_MS, 100);

  const databaseUrl = env.DATABASE_URL?.trim();
  let database: IndexerSettings["database"];
  if (databaseUrl) {
    if (!/^postgres(ql)?:\/\//.test(databaseUrl)) {
      throw new SettingsError(`DATABASE_URL must be a postgres:// or postgresql:// URL`);
    }
    database = { kind: "postgres", connectionString: databaseUrl };
  } else {
    database = { kind: "pglite", directory: env.LEASH_PGLITE_DIR?.trim() || undefined };
  }

  return {
    chainId,
    chainName: deployments.network,
    deploymentsFile,
    deployments,
    rpcUrls,
    rpcFanout,
    pollingIntervalMs,
    disableRpcCache: local,
    database,
  };
}

/** A contract of the deployments file as Ponder wants it: address and the block to start from. */
export function source(contract: DeployedContract): { address: DeployedContract["address"]; startBlock: number } {
  return { address: contract.address, startBlock: contract.blockNumber };
}
