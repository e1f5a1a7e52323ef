// `npm run bench:api`: requests per second and latency of the API's single-session route, side by
// side in one run with the same question asked of the indexer's GraphQL directly, on PGlite with
// 10,000 sessions and on Postgres with 100,000.
//
// 1. One hardhat node with Leash. BENCH_KERNEL_ACCOUNTS (20) Kernel accounts with a session
//    enabled by its key and 25 real executions each; the other sessions on more Kernel accounts
//    (100 each), whose owners install them with SessionPolicy.onInstall calls, BATCH per operation
//    (an account installing a module calls onInstall itself).
// 2. PGlite: the chain holds BENCH_PGLITE_SESSIONS (10,000); an indexer on PGlite backfills them,
//    the API processes read it over the indexer's SQL over HTTP. Then Postgres: the chain grows to
//    BENCH_POSTGRES_SESSIONS (100,000), an indexer on a fresh database of the local PostgreSQL
//    backfills them all, and the API processes read its views directly (DATABASE_URL).
// 3. For each, autocannon (BENCH_CONNECTIONS connections, BENCH_SECONDS each) asks for random
//    sessions of the whole set:
//    - "GraphQL direct": the indexer's GraphQL, the same session with its spends and latest
//      execution (the baseline);
//    - "API, cached": GET /v1/accounts/:account/sessions/:permissionId after one pass over every
//      session (reads are cached per indexed block; the chain does not move during the run);
//    - "API, no cache": a second API process with LEASH_CACHE_SIZE=0: one index query per request,
//      what a live chain costs when every request follows a new block;
//    - Postgres, with Redis on 127.0.0.1:6379 (REDIS_URL): "2 replicas, no cache", two API processes
//      without cache sharing one rate limit in Redis (counting, never reached), the connections
//      split between them.
//    BENCH_RUNS rounds, the targets in turn each round; medians printed, and ratios to GraphQL.
// BENCH_DATABASES=pglite or =postgres runs one half. API processes log at warn (no per-request
// lines); only the replicas count requests. BENCH_PROFILE=<dir> writes the API processes' V8 CPU
// profiles there; BENCH_HOLD=1 keeps each half's chain and indexer up until Ctrl-C.
import autocannon, { type Request, type Result } from "autocannon";
import hre from "hardhat";
import { Redis } from "ioredis";
import { spawn } from "node:child_process";
import { mkdtempSync } from "node:fs";
import { cpus, tmpdir } from "node:os";
import { join } from "node:path";
import { type Abi, type Address, type Hex, encodeAbiParameters, encodeFunctionData, http, numberToHex, parseEther, toHex, zeroAddress } from "viem";
import { generatePrivateKey, privateKeyToAccount } from "viem/accounts";
import { createOwnerAccount } from "../sdk/accounts.js";
import { sendUserOperationDirect } from "../sdk/userops.js";
import { sessionPolicyAbi } from "../sdk/contracts.js";
import { policyConfigType } from "../sdk/policies.js";
import type { SessionConfig } from "../sdk/request.js";
import { deployLeash } from "../testkit/indexer/deploy.js";
import { createLoadAccounts, generateExecutions, measureOperationGas } from "../testkit/indexer/load.js";
import { createTestDatabase } from "../testkit/indexer/postgres.js";
import { type Indexer, graphqlQuery, startIndexer, waitFor, waitForBlock } from "../testkit/indexer/process.js";
import { projectRoot, startChain } from "../testkit/chain.js";
import { freePort } from "../testkit/processes.js";
import { localClient } from "../testkit/testbed/client.js";
import { median, setting } from "./stats.js";

const KERNEL_ACCOUNTS = setting("BENCH_KERNEL_ACCOUNTS", 20);
const CONNECTIONS = setting("BENCH_CONNECTIONS", 16);
const SECONDS = setting("BENCH_SECONDS", 10);
const RUNS = setting("BENCH_RUNS", 3);
const DATABASES = (process.env.BENCH_DATABASES ?? "pglite,postgres").split(",").map((d) => d.trim());
for (const d of DATABASES) if (d !== "pglite" && d !== "postgres") throw new Error(`BENCH_DATABASES lists pglite and/or postgres, not ${d}`);
const SESSIONS = { pglite: setting("BENCH_PGLITE_SESSIONS", 10_000), postgres: setting("BENCH_POSTGRES_SESSIONS", 100_000) };
const REDIS_URL = process.env.REDIS_URL || "redis://127.0.0.1:6379";
/** Sessions per Kernel account, and permission ids registered per operation. */
const PER_ACCOUNT = 100;
const BATCH = 50;
const LOG_DIR = join(projectRoot, ".leash", "logs", "bench-api");

const log = (message: string) => console.log(`[bench:api] ${message}`);
const dir = mkdtempSync(join(tmpdir(), "leash-bench-api-"));
log(
  `${DATABASES.map((d) => `${d}: ${SESSIONS[d as keyof typeof SESSIONS].toLocaleString("en-US")} sessions`).join(", ")}; ` +
    `${CONNECTIONS} connections, ${SECONDS} s x ${RUNS} rounds; ${cpus().length} CPUs (${cpus()[0]?.model})`,
);

type Session = { account: Address; permissionId: Hex };
type Target = { urls: string[]; request: () => Request };
type Summary = { rps: number; p50: number; p99: number };

const chain = await startChain({ port: 0, logFile: join(LOG_DIR, "chain.log") });
const stops: (() => Promise<unknown>)[] = [() => chain.stop()];
const tables: string[] = [];
const figures: Record<string, Record<string, Summary>> = {};
try {
  const client = await localClient(http(chain.rpcUrl, { retryCount: 0 }));
  const rpc = <T>(method: string, params: unknown[] = []) => client.request({ method: method as never, params: params as never }) as Promise<T>;
  const leash = await deployLeash({ client, artifacts: hre.artifacts });
  const sessions: Session[] = [];

  // Real Kernel sessions, each with executions.
  log(`creating ${KERNEL_ACCOUNTS} Kernel accounts with sessions`);
  const accounts = await createLoadAccounts({ client, artifacts: hre.artifacts, chain: leash, count: KERNEL_ACCOUNTS, recipient: leash.weth });
  const gasPerOperation = await measureOperationGas(client, accounts[0]!, 10);
  await generateExecutions({ client, accounts, operations: KERNEL_ACCOUNTS * 25, opsPerBundle: 25, bundlesPerBlock: 4, gasPerOperation });
  for (const a of accounts) {
    const logs = await client.getLogs({
      address: leash.sessionPolicy,
      event: (sessionPolicyAbi as Abi).find((e) => e.type === "event" && e.name === "SessionRegistered") as never,
      args: { account: a.account.address } as never,
      fromBlock: 0n,
    });
    for (const entry of logs) sessions.push({ account: a.account.address, permissionId: (entry as { args: { id: Hex } }).args.id.slice(0, 10) as Hex });
  }

  // The rest: owners' Kernel accounts register sessions on themselves, as an ERC-7579 account
  // installs a module, BATCH permission ids per operation (one executeBatch of onInstall calls).
  const now = Number((await client.getBlock()).timestamp);
  const transfer = "0xa9059cbb" as const;
  const config = (i: number): SessionConfig => ({
    validAfter: now - 3_600,
    validUntil: now + 30 * 86_400 + (i % 86_400),
    window: 3_600,
    callsPerWindow: 100,
    maxCalls: 10_000,
    maxFeePerOperation: 10n ** 16n,
    maxFeeTotal: 0n,
    paymaster: zeroAddress,
    signatureSenders: [],
    calls: [{ target: leash.usdc, selector: transfer, allowValue: false, amountArg: 255, tokenArg: 255, amountToken: zeroAddress, accountArg: 255, equalArg: 255, equalValue: toHex(0, { size: 32 }) }],
    tokens: [{ token: leash.usdc, perTransaction: 50_000_000n, total: 1_000_000_000n, perPeriod: 200_000_000n, period: 86_400 }],
  });
  const configType = policyConfigType(sessionPolicyAbi as Abi);
  let registered = 0;

  /** Registers sessions until the chain holds `total`. */
  async function growTo(total: number) {
    const wanted = total - sessions.length;
    if (wanted <= 0) return;
    const owners = Math.ceil(wanted / PER_ACCOUNT);
    log(`registering ${wanted.toLocaleString("en-US")} sessions on ${owners} more Kernel accounts (${BATCH} per operation)`);
    const started = Date.now();
    let done = 0;
    for (let o = 0; o < owners; o++) {
      const owner = await createOwnerAccount({ client, bed: leash.bed, owner: privateKeyToAccount(generatePrivateKey()) });
      await rpc("hardhat_setBalance", [owner.address, numberToHex(parseEther("100"))]);
      const mine = Math.min(PER_ACCOUNT, wanted - done);
      for (let b = 0; b < mine; b += BATCH) {
        const calls = [];
        for (let i = b; i < Math.min(b + BATCH, mine); i++) {
          const n = ++registered;
          const permissionId = toHex(n, { size: 4 });
          const data = `${permissionId}${"0".repeat(56)}${encodeAbiParameters([configType], [config(n)]).slice(2)}` as Hex;
          calls.push({ to: leash.sessionPolicy, data: encodeFunctionData({ abi: sessionPolicyAbi as Abi, functionName: "onInstall", args: [data] }) });
          sessions.push({ account: owner.address, permissionId });
        }
        const result = await sendUserOperationDirect({ submitter: client, account: owner, calls, gas: { callGasLimit: BigInt(calls.length) * 400_000n + 200_000n } });
        if (!result.success) throw new Error(`registering sessions on ${owner.address} failed`);
      }
      done += mine;
      if (o % 50 === 49 || done === wanted) log(`  ${done.toLocaleString("en-US")} / ${wanted.toLocaleString("en-US")} (${((Date.now() - started) / 1000).toFixed(0)} s)`);
    }
  }

  for (const database of DATABASES as ("pglite" | "postgres")[]) {
    await growTo(SESSIONS[database]);
    const head = await client.getBlockNumber({ cacheTime: 0 });
    const count = sessions.length;
    log(`${database}: ${count.toLocaleString("en-US")} sessions on chain, at block ${head}`);
    const half: (() => Promise<unknown>)[] = [];
    try {
      const result = await measure(database, count, head, half);
      figures[database] = result.figures;
      tables.push(result.table);
    } finally {
      for (const stop of half.reverse()) await stop().catch(() => {});
    }
  }

  /** One half of the run: an indexer on `database`, the API processes, the rounds. */
  async function measure(database: "pglite" | "postgres", count: number, head: bigint, half: (() => Promise<unknown>)[]) {
    let indexerDatabase: { pgliteDir: string } | { postgresUrl: string } = { pgliteDir: join(dir, "pglite") };
    if (database === "postgres") {
      const created = await createTestDatabase("leash_bench_api");
      if (!created.database) throw new Error(`Postgres: ${created.reason}`);
      const db = created.database;
      half.push(() => db.drop());
      indexerDatabase = { postgresUrl: db.url };
    }
    log(`starting the indexer (${database}) and waiting for its backfill`);
    const backfillStart = Date.now();
    const indexer: Indexer = await startIndexer({
      deploymentsFile: leash.deploymentsFile,
      rpcUrl: chain.rpcUrl,
      database: indexerDatabase,
      schema: "leash_bench_api",
      rpcFanout: 8,
      logFile: join(LOG_DIR, `indexer-${database}.log`),
    });
    half.push(() => indexer.stop());
    await waitForBlock(indexer, head, 3_600_000);
    const indexed = await graphqlQuery<{ sessions: { totalCount: number } }>(indexer.url, "{ sessions { totalCount } }");
    if (indexed.sessions.totalCount !== count) throw new Error(`expected ${count} sessions indexed, found ${indexed.sessions.totalCount}`);
    log(`${count.toLocaleString("en-US")} sessions indexed in ${((Date.now() - backfillStart) / 1000).toFixed(1)} s`);
    const postgresUrl = "postgresUrl" in indexerDatabase ? indexerDatabase.postgresUrl : "";
    if (process.env.BENCH_HOLD) {
      log(`holding: chain ${chain.rpcUrl}, indexer ${indexer.url}${postgresUrl ? `, ${postgresUrl}` : ""}, deployments ${leash.deploymentsFile} (Ctrl-C goes on)`);
      await new Promise((resolve) => process.once("SIGINT", resolve));
    }

    async function startApi(name: string, env: Record<string, string>) {
      const port = await freePort();
      const child = spawn(join(projectRoot, "node_modules", ".bin", "tsx"), ["api/main.ts"], {
        cwd: projectRoot,
        env: {
          ...process.env,
          HOST: "127.0.0.1",
          PORT: String(port),
          LEASH_INDEXER_URL: indexer.url,
          LEASH_RPC_URL: chain.rpcUrl,
          LEASH_DEPLOYMENTS: leash.deploymentsFile,
          LEASH_RATE_LIMIT: "0",
          LEASH_LOG_LEVEL: "warn",
          // On Postgres the API reads the indexer's views directly; on PGlite over /sql.
          DATABASE_URL: postgresUrl,
          DATABASE_VIEWS_SCHEMA: "leash",
          REDIS_URL: "",
          LEASH_API_PGLITE_DIR: "memory://",
          ...(process.env.BENCH_PROFILE ? { NODE_OPTIONS: `--cpu-prof --cpu-prof-dir=${process.env.BENCH_PROFILE}` } : {}),
          ...env,
        },
        stdio: ["ignore", "ignore", "inherit"],
      });
      half.push(
        () =>
          new Promise<void>((resolve) => {
            if (child.exitCode !== null) return resolve();
            child.once("exit", () => resolve());
            child.kill("SIGTERM");
          }),
      );
      const url = `http://127.0.0.1:${port}`;
      await waitFor(`the ${name} API on ${url}`, async () => ((await fetch(`${url}/ready`).catch(() => null))?.ok ? true : undefined), 120_000, 200);
      return url;
    }
    // Every read of every session cached: its row and its frame.
    const cachedUrl = await startApi("cached", { LEASH_CACHE_SIZE: String(3 * count) });
    const uncachedUrl = await startApi("uncached", { LEASH_CACHE_SIZE: "0" });
    const replicaUrls: string[] = [];
    let redis: Redis | undefined;
    if (database === "postgres") {
      redis = new Redis(REDIS_URL, { lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null });
      const up = await redis.connect().then(
        () => true,
        () => false,
      );
      if (up) {
        const prefix = `leash-bench-${process.pid}:`;
        half.push(async () => {
          const keys = await redis!.keys(`${prefix}*`);
          if (keys.length) await redis!.del(...keys);
          redis!.disconnect();
        });
        for (const name of ["replica-a", "replica-b"]) {
          replicaUrls.push(await startApi(name, { LEASH_CACHE_SIZE: "0", REDIS_URL, LEASH_REDIS_PREFIX: prefix, LEASH_RATE_LIMIT: "1000000000" }));
        }
      } else {
        redis.disconnect();
        log(`Redis at ${REDIS_URL} is not reachable: no replica run`);
      }
    }

    // Every answer must be right before it is timed.
    const pick = () => sessions[Math.floor(Math.random() * count)]!;
    const sessionPath = (s: Session) => `/v1/accounts/${s.account}/sessions/${s.permissionId}`;
    for (let i = 0; i < 20; i++) {
      const s = pick();
      const answers = (await Promise.all([cachedUrl, uncachedUrl, ...replicaUrls].map((u) => fetch(`${u}${sessionPath(s)}`).then((r) => r.json())))) as {
        status?: string;
        asOf?: { now?: unknown };
      }[];
      const same = answers.map(({ asOf: _asOf, ...rest }) => JSON.stringify(rest));
      if (answers[0]!.status !== "active" || same.some((a) => a !== same[0])) {
        throw new Error(`unexpected answer for ${s.account} ${s.permissionId}: ${JSON.stringify(answers[0]).slice(0, 300)}`);
      }
    }
    log(`warming the cache: one request per session (${count.toLocaleString("en-US")})`);
    let next = 0;
    const warm = await autocannon({
      url: cachedUrl,
      connections: CONNECTIONS,
      amount: count,
      requests: [{ setupRequest: (req) => ({ ...req, path: sessionPath(sessions[next++ % count]!) }) }],
    });
    if (warm.non2xx || warm.errors) throw new Error(`warm-up: ${warm.non2xx} non-2xx, ${warm.errors} errors`);

    const sessionQuery = `query ($where: sessionFilter) { sessions(where: $where, orderBy: "registration", orderDirection: "desc", limit: 1) { items {
      account permissionId registration sessionKey status validAfter validUntil windowLength callsPerWindow maxCalls maxFeePerOperation maxFeeTotal
      feeLeft feePaid paymaster signatureSenders config calls tokens callsLeft callsInWindow operationCount executionCount createdBlock
      createdTimestamp createdTransactionHash createdLogIndex lastUsedTimestamp revokedBlock revokedTimestamp revokedTransactionHash replacedBlock
      spends(limit: 100) { items { token spent executionCount remainingTotal remainingInPeriod lastPeriod } }
      executions(orderBy: "blockNumber", orderDirection: "desc", limit: 1) { items { transactionHash blockNumber blockTimestamp success userOpHash } } } } }`;
    const targets: Record<string, Target> = {
      "indexer's GraphQL directly (baseline)": {
        urls: [indexer.url],
        request: () => {
          const s = pick();
          return {
            method: "POST",
            path: "/graphql",
            headers: { "content-type": "application/json" },
            body: JSON.stringify({ query: sessionQuery, variables: { where: { account: s.account.toLowerCase(), permissionId: `${s.permissionId}${"0".repeat(56)}` } } }),
          };
        },
      },
      "`GET /v1/accounts/:a/sessions/:id`, cached": { urls: [cachedUrl], request: () => ({ method: "GET", path: sessionPath(pick()) }) },
      "the same, `LEASH_CACHE_SIZE=0`": { urls: [uncachedUrl], request: () => ({ method: "GET", path: sessionPath(pick()) }) },
      ...(replicaUrls.length ? { "2 replicas, no cache, rate limit shared in Redis": { urls: replicaUrls, request: () => ({ method: "GET", path: sessionPath(pick()) }) } } : {}),
    };
    const results = new Map<string, Summary[]>();
    for (let round = 1; round <= RUNS; round++) {
      for (const [name, target] of Object.entries(targets)) {
        const summary = await load(name, target);
        results.set(name, [...(results.get(name) ?? []), summary]);
        log(`${database} round ${round} ${name}: ${Math.round(summary.rps)} req/s, p50 ${summary.p50} ms, p99 ${summary.p99} ms`);
      }
    }
    const medians = Object.fromEntries(
      [...results].map(([name, r]) => [name, { rps: median(r.map((x) => x.rps)), p50: median(r.map((x) => x.p50)), p99: median(r.map((x) => x.p99)) }]),
    );
    const base = Object.values(medians)[0]!;
    const table = [
      `${database === "pglite" ? "PGlite (the API reads over the indexer's SQL over HTTP)" : "Postgres (the API reads the indexer's views directly)"}, ${count.toLocaleString("en-US")} sessions:`,
      "",
      "| single-session question | requests/s | p50 | p99 | vs GraphQL |",
      "| --- | ---: | ---: | ---: | ---: |",
      ...Object.entries(medians).map(
        ([name, s]) => `| ${name} | ${Math.round(s.rps).toLocaleString("en-US")} | ${s.p50} ms | ${s.p99} ms | ${(s.rps / base.rps).toFixed(2)}x |`,
      ),
    ].join("\n");
    return { figures: medians, table };
  }

  /** One timed load: the connections split between the target's URLs, their requests summed. */
  async function load(name: string, target: Target): Promise<Summary> {
    const per = Math.max(1, Math.floor(CONNECTIONS / target.urls.length));
    const runs: Result[] = await Promise.all(
      target.urls.map((url) =>
        autocannon({ url, connections: per, duration: SECONDS, requests: [{ setupRequest: (req) => ({ ...req, ...target.request() }) }] }),
      ),
    );
    for (const r of runs) {
      if (r.non2xx || r.errors || r.timeouts) throw new Error(`${name}: ${r.non2xx} non-2xx, ${r.errors} errors, ${r.timeouts} timeouts`);
    }
    // Latency: the slower of the URLs' quantiles.
    return {
      rps: runs.reduce((sum, r) => sum + r.requests.average, 0),
      p50: Math.max(...runs.map((r) => r.latency.p50)),
      p99: Math.max(...runs.map((r) => r.latency.p99)),
    };
  }

  console.log(
    `\n${CONNECTIONS} connections, ${SECONDS} s per run, median of ${RUNS} rounds; ${cpus().length} CPUs shared by the load generator, ` +
      `the API processes, the indexer and the database:\n\n${tables.join("\n\n")}\n`,
  );
  console.log(JSON.stringify({ connections: CONNECTIONS, seconds: SECONDS, runs: RUNS, sessions: SESSIONS, results: figures }));
} finally {
  for (const stop of stops.reverse()) await stop().catch(() => {});
}
