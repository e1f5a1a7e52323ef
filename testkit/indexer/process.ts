// The indexer as a child process (what `npm run indexer` runs), and small clients of its HTTP API.
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { readDeployments } from "../../sdk/deployments.js";
import { projectRoot } from "../chain.js";
import { freePort, type ManagedProcess, startProcess } from "../processes.js";

/** One chain the indexer follows: its deployments file (which says its chain id) and RPC. */
export interface IndexerChain {
  deploymentsFile: string;
  rpcUrl: string;
  chainId: number;
}

export interface IndexerOptions {
  /** One chain: the deployments file's chain, at rpcUrl. */
  deploymentsFile?: string;
  rpcUrl?: string;
  /** Several chains at once (LEASH_CHAINS), instead of deploymentsFile and rpcUrl. */
  chains?: IndexerChain[];
  /** PGlite directory, or a Postgres URL. */
  database: { pgliteDir: string } | { postgresUrl: string };
  /** Database schema; the same schema and database resume after a restart. */
  schema: string;
  pollingIntervalMs?: number;
  /** Ponder rate-limits each RPC URL; a local node can take several (LEASH_RPC_FANOUT). */
  rpcFanout?: number;
  port?: number;
  logFile?: string;
  env?: NodeJS.ProcessEnv;
  /**
   * Another Ponder root (its ponder.config.ts, schema and handlers) instead of indexer/:
   * ENTRYPOINT_EVENTS_ROOT, the design that subscribed to every UserOperationEvent, for comparison.
   */
  root?: string;
}

/** The indexer as it was before outcomes came from receipts: every UserOperationEvent of the EntryPoint. */
export const ENTRYPOINT_EVENTS_ROOT = join(projectRoot, "testkit", "indexer", "entrypoint-events");

export interface Indexer {
  url: string;
  process: ManagedProcess;
  /** SIGTERM (SIGKILL after a grace period); resolves once it exited. */
  stop(): Promise<void>;
  /** SIGKILL at once, as a crash would; resolves once it exited. */
  kill(): Promise<void>;
}

/** The variables naming the chains to follow: LEASH_CHAINS and per-chain ones, or one chain's. */
function chainVariables(opts: IndexerOptions): NodeJS.ProcessEnv {
  // Unset, so that the runner's own environment cannot add to them.
  const cleared = { LEASH_CHAINS: "", LEASH_CHAIN_ID: "", LEASH_DEPLOYMENTS: "", LEASH_RPC_URL: "" };
  if (opts.chains) {
    if (opts.deploymentsFile !== undefined || opts.rpcUrl !== undefined) throw new Error("startIndexer: give chains, or deploymentsFile and rpcUrl, not both");
    if (opts.chains.length === 0) throw new Error("startIndexer: chains is empty");
    return {
      ...cleared,
      LEASH_CHAINS: opts.chains.map((chain) => chain.chainId).join(","),
      ...Object.fromEntries(
        opts.chains.flatMap((chain) => [
          [`LEASH_DEPLOYMENTS_${chain.chainId}`, chain.deploymentsFile],
          [`LEASH_RPC_URL_${chain.chainId}`, chain.rpcUrl],
        ]),
      ),
    };
  }
  if (opts.deploymentsFile === undefined || opts.rpcUrl === undefined) throw new Error("startIndexer: give deploymentsFile and rpcUrl, or chains");
  return {
    ...cleared,
    LEASH_CHAIN_ID: String(readDeployments(opts.deploymentsFile).chainId),
    LEASH_DEPLOYMENTS: opts.deploymentsFile,
    LEASH_RPC_URL: opts.rpcUrl,
  };
}

/** Starts the indexer on 127.0.0.1 on a free port; resolves once its HTTP server is up. */
export async function startIndexer(opts: IndexerOptions): Promise<Indexer> {
  const port = opts.port ?? (await freePort());
  const database =
    "postgresUrl" in opts.database
      ? { DATABASE_URL: opts.database.postgresUrl, LEASH_PGLITE_DIR: "" }
      : { DATABASE_URL: "", LEASH_PGLITE_DIR: opts.database.pgliteDir };
  const { process: proc, match } = await startProcess({
    name: "indexer",
    command: process.execPath,
    args: [
      join(projectRoot, "indexer", "start.mjs"),
      "--log-format",
      "json",
      // Ponder's options after its command override the ones start.mjs puts before it.
      ...(opts.root ? ["--root", opts.root, "--config", "ponder.config.ts"] : []),
    ],
    cwd: projectRoot,
    env: {
      ...chainVariables(opts),
      LEASH_RPC_FANOUT: String(opts.rpcFanout ?? 1),
      LEASH_POLLING_INTERVAL_MS: String(opts.pollingIntervalMs ?? 200),
      LEASH_INDEXER_PORT: String(port),
      LEASH_INDEXER_HOST: "127.0.0.1",
      DATABASE_SCHEMA: opts.schema,
      DATABASE_PRIVATE_URL: "",
      PONDER_TELEMETRY_DISABLED: "true",
      ...database,
      ...opts.env,
    },
    // Ponder moves to the next port when the one asked for is taken: the log says which.
    ready: /"msg":"Created HTTP server","port":(\d+)/,
    timeoutMs: 120_000,
    logFile: opts.logFile,
  });
  const exited = new Promise<void>((resolve) => {
    if (proc.child.exitCode !== null || proc.child.signalCode !== null) resolve();
    else proc.child.once("exit", () => resolve());
  });
  return {
    url: `http://127.0.0.1:${match[1]}`,
    process: proc,
    stop: () => proc.stop(10_000),
    async kill() {
      proc.child.kill("SIGKILL");
      await exited;
      await proc.stop();
    },
  };
}

/** Polls `check` until it returns a value other than undefined; fails after `timeoutMs` saying `what`. */
export async function waitFor<T>(what: string, check: () => Promise<T | undefined>, timeoutMs = 60_000, everyMs = 50): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let lastError: unknown;
  while (Date.now() < deadline) {
    try {
      const value = await check();
      if (value !== undefined) return value;
    } catch (error) {
      lastError = error;
    }
    await new Promise((resolve) => setTimeout(resolve, everyMs));
  }
  throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}${lastError ? ` (last error: ${String(lastError)})` : ""}`);
}

/**
 * The block the indexer has indexed up to (from /status) on the chain of id `chainId` (default: the
 * only or first chain it follows), or undefined before it has one.
 */
export async function indexedBlock(url: string, chainId?: number): Promise<{ number: number; timestamp: number } | undefined> {
  const response = await fetch(`${url}/status`, { signal: AbortSignal.timeout(5_000) });
  if (!response.ok) return undefined;
  const status = (await response.json()) as Record<string, { id: number; block?: { number: number; timestamp: number } }>;
  const chains = Object.values(status);
  return (chainId === undefined ? chains[0] : chains.find((chain) => chain.id === chainId))?.block;
}

/**
 * Waits until the indexer is past its backfill and has indexed `block` (a number, or a block
 * whose timestamp must match too: after a reorg to the same height, the number alone says nothing).
 */
export async function waitForBlock(
  indexer: Indexer,
  block: bigint | number | { number: bigint; timestamp: bigint },
  timeoutMs = 90_000,
  chainId?: number,
) {
  const target = typeof block === "object" ? block : { number: BigInt(block), timestamp: undefined };
  await waitFor(
    `the indexer to reach block ${target.number}${chainId === undefined ? "" : ` of chain ${chainId}`}\n${indexer.process.tail(10)}`,
    async () => {
      const ready = await fetch(`${indexer.url}/ready`, { signal: AbortSignal.timeout(5_000) });
      if (ready.status !== 200) return undefined;
      const indexed = await indexedBlock(indexer.url, chainId);
      if (!indexed || indexed.number < Number(target.number)) return undefined;
      if (indexed.number === Number(target.number) && target.timestamp !== undefined && indexed.timestamp !== Number(target.timestamp)) {
        return undefined;
      }
      return indexed;
    },
    timeoutMs,
  );
}

/** Runs a read-only SQL query through the indexer's /sql route (what @ponder/client sends). */
export async function sqlQuery<Row = Record<string, unknown>>(url: string, text: string): Promise<Row[]> {
  // @ponder/client's wire format: superjson of { sql, params }; plain JSON when there are no params.
  const payload = encodeURIComponent(JSON.stringify({ json: { sql: text, params: [] } }));
  const get = () => fetch(`${url}/sql/db?sql=${payload}`, { signal: AbortSignal.timeout(30_000) });
  // Once more after a socket the server had just closed ("fetch failed: other side closed"): a
  // kept-alive connection meeting its end, not an indexer that cannot answer.
  const response = await get().catch((error: unknown) => {
    if (error instanceof TypeError && error.message === "fetch failed") return get();
    throw error;
  });
  if (!response.ok) throw new Error(`SQL query failed (${response.status}): ${await response.text()}\n${text}`);
  return ((await response.json()) as { rows: Row[] }).rows;
}

/** Runs a GraphQL query against the indexer's /graphql route. */
export async function graphqlQuery<T = Record<string, unknown>>(url: string, query: string, variables: object = {}): Promise<T> {
  const response = await fetch(`${url}/graphql`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ query, variables }),
    signal: AbortSignal.timeout(30_000),
  });
  const body = (await response.json()) as { data?: T; errors?: { message: string }[] };
  if (body.errors?.length) throw new Error(`GraphQL: ${body.errors.map((e) => e.message).join("; ")}`);
  return body.data as T;
}

/** The indexer's JSON log lines (--log-format json) whose `msg` is `message`. */
export function ponderLogEntries(file: string, message: string): Record<string, unknown>[] {
  return readFileSync(file, "utf8")
    .split("\n")
    .flatMap((line) => {
      try {
        const entry = JSON.parse(line) as Record<string, unknown>;
        return entry.msg === message ? [entry] : [];
      } catch {
        return [];
      }
    });
}
