// The chains a Leash service follows, read from the environment: one rule for the indexer, the API
// and the executor. Leash has the same addresses on every chain (CREATE2), so a service follows
// several with the same code; each chain has its deployments file and its RPC endpoint.
//
//   LEASH_CHAINS                 chain ids, comma-separated ("31337,84532"); default LEASH_CHAIN_ID
//   LEASH_CHAIN_ID               the one chain when LEASH_CHAINS is unset (default 31337)
//   LEASH_DEPLOYMENTS_<id>       that chain's deployments file (default deployments/<id>.json)
//   LEASH_RPC_URL_<id>           that chain's JSON-RPC URL(s)
//   LEASH_DEPLOYMENTS, LEASH_RPC_URL   the same, for a service that follows one chain only
//
// A local chain (31337, 1337) followed alone defaults to http://127.0.0.1:8545. Every problem is one
// ChainSettingsError naming the variable or file.
import { type Deployments, deploymentsPath, readDeployments } from "./deployments.js";

/** Chains we run ourselves: a default RPC URL is fine there, and block numbers are reused. */
export const LOCAL_CHAIN_IDS: readonly number[] = [31337, 1337];
export const DEFAULT_LOCAL_RPC_URL = "http://127.0.0.1:8545";

export class ChainSettingsError extends Error {
  override name = "ChainSettingsError";
}

export interface ChainSetting {
  chainId: number;
  deploymentsFile: string;
  deployments: Deployments;
  /** The RPC URL(s) as given (comma or space separated), and the variable they came from. */
  rpc: { urls: string[]; variable: string };
  /** One of LOCAL_CHAIN_IDS. */
  local: boolean;
}

function chainIdOf(variable: string, raw: string): number {
  const value = Number(raw);
  if (!/^\d+$/.test(raw) || !Number.isSafeInteger(value) || value < 1) {
    throw new ChainSettingsError(`${variable}: "${raw}" is not a chain id (a positive whole number)`);
  }
  return value;
}

/** The chain ids to follow, in the order given, each once. */
export function chainIds(env: NodeJS.ProcessEnv = process.env): number[] {
  const list = env.LEASH_CHAINS?.trim();
  if (list) {
    const ids = list.split(/[\s,]+/).filter(Boolean).map((raw) => chainIdOf("LEASH_CHAINS", raw));
    const repeated = ids.find((id, i) => ids.indexOf(id) !== i);
    if (repeated !== undefined) throw new ChainSettingsError(`LEASH_CHAINS names chain ${repeated} twice`);
    return ids;
  }
  const one = env.LEASH_CHAIN_ID?.trim();
  return [one ? chainIdOf("LEASH_CHAIN_ID", one) : 31337];
}

function rpcUrls(variable: string, raw: string): string[] {
  const urls = raw.split(/[\s,]+/).filter(Boolean);
  if (urls.length === 0) throw new ChainSettingsError(`${variable} is set but empty`);
  for (const url of urls) {
    let parsed: URL;
    try {
      parsed = new URL(url);
    } catch {
      throw new ChainSettingsError(`${variable}: "${url}" is not a URL`);
    }
    if (parsed.protocol !== "http:" && parsed.protocol !== "https:") {
      throw new ChainSettingsError(`${variable}: "${url}" must be an http(s) URL`);
    }
  }
  return urls;
}

/**
 * Every chain to follow with its deployments and RPC URLs. `rpcVariables` are the names a chain's
 * own URL may have, most specific first (the indexer also takes Ponder's PONDER_RPC_URL_<id>).
 */
export function readChainSettings(
  env: NodeJS.ProcessEnv = process.env,
  opts: { rpcVariables?: (chainId: number) => string[] } = {},
): ChainSetting[] {
  const ids = chainIds(env);
  const single = ids.length === 1;
  if (!single) {
    for (const shared of ["LEASH_DEPLOYMENTS", "LEASH_RPC_URL"]) {
      if (env[shared]?.trim()) {
        throw new ChainSettingsError(`${shared} names one chain's ${shared === "LEASH_RPC_URL" ? "RPC URL" : "deployments file"}, but LEASH_CHAINS lists ${ids.length} chains: set ${shared}_<chain id> for each`);
      }
    }
  }
  const settings = ids.map((chainId): ChainSetting => {
    const local = LOCAL_CHAIN_IDS.includes(chainId);
    const ownFile = env[`LEASH_DEPLOYMENTS_${chainId}`]?.trim();
    const deploymentsFile = ownFile ? deploymentsPath(chainId, { LEASH_DEPLOYMENTS: ownFile }) : deploymentsPath(chainId, single ? env : {});
    let deployments: Deployments;
    try {
      deployments = readDeployments(deploymentsFile);
    } catch (error) {
      throw new ChainSettingsError((error as Error).message);
    }
    if (deployments.chainId !== chainId) {
      const given = single && !env.LEASH_CHAINS?.trim() ? `LEASH_CHAIN_ID is ${chainId}` : `it was given for chain ${chainId}${ownFile ? ` (LEASH_DEPLOYMENTS_${chainId})` : ""}`;
      throw new ChainSettingsError(`deployments file ${deploymentsFile} is for chain ${deployments.chainId}, but ${given}`);
    }
    const variables = [...(opts.rpcVariables?.(chainId) ?? []), `LEASH_RPC_URL_${chainId}`, ...(single ? ["LEASH_RPC_URL"] : [])];
    const variable = variables.find((name) => env[name]?.trim());
    let rpc: ChainSetting["rpc"];
    if (variable) rpc = { urls: rpcUrls(variable, env[variable]!.trim()), variable };
    else if (local && single) rpc = { urls: [DEFAULT_LOCAL_RPC_URL], variable: "default" };
    else throw new ChainSettingsError(`no RPC URL for chain ${chainId}: set ${variables.join(" or ")}`);
    return { chainId, deploymentsFile, deployments, rpc, local };
  });
  const names = settings.map((s) => s.deployments.network);
  const clash = names.find((name, i) => names.indexOf(name) !== i);
  if (clash !== undefined) {
    const both = settings.filter((s) => s.deployments.network === clash).map((s) => `${s.deploymentsFile} (chain ${s.chainId})`);
    throw new ChainSettingsError(`two chains have the network name "${clash}" in their deployments files: ${both.join(", ")}; names must differ (deploy with another --network name)`);
  }
  return settings;
}
