// `npm run bench:api`: requests per second and latency of the API's single-session route, with
// 10,000 sessions indexed, side by side in the same run with the same question asked of the
// indexer's GraphQL directly.
//
// 1. A hardhat node with Leash and BENCH_SESSIONS sessions (10,000): BENCH_KERNEL_ACCOUNTS Kernel
//    accounts with a session enabled by its key and 25 real executions each, and the rest on more
//    Kernel accounts (100 each) whose owners install them with SessionPolicy.onInstall calls, 25
//    per operation (an account installing a module calls onInstall itself).
// 2. The indexer (PGlite, the default) backfills them; the API runs as its own process.
// 3. autocannon (BENCH_CONNECTIONS connections, BENCH_SECONDS each) asks for random sessions:
//    - "GraphQL direct": the indexer's GraphQL, the session query the API itself sends;
//    - "API, cached": GET /v1/accounts/:account/sessions/:permissionId after one pass over every
//      session (answers are cached per block; the chain does not move during the run);
//    - "API, no cache": the same route on a second API process with LEASH_CACHE_SIZE=0: two
//      GraphQL queries and one eth_call per request.
//    BENCH_RUNS rounds, the three in turn each round; medians printed, and ratios to GraphQL.
// BENCH_DATABASE=postgres indexes into a fresh database on the local PostgreSQL instead of PGlite.
// Both API processes run with LEASH_RATE_LIMIT=0 and LEASH_LOG_LEVEL=warn (no per-request lines).
import autocannon, { type Result } from "autocannon";
import hre from "hardhat";
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
import { graphqlQuery, startIndexer, waitFor, waitForBlock } from "../testkit/indexer/process.js";
import { projectRoot, startChain } from "../testkit/chain.js";
import { freePort } from "../testkit/processes.js";
import { localClient } from "../testkit/testbed/client.js";
import { median, setting } from "./stats.js";

const SESSIONS = setting("BENCH_SESSIONS", 10_000);
const KERNEL_ACCOUNTS = setting("BENCH_KERNEL_ACCOUNTS", 20);
const CONNECTIONS = setting("BENCH_CONNECTIONS", 16);
const SECONDS = setting("BENCH_SECONDS", 10);
const RUNS = setting("BENCH_RUNS", 3);
/** Sessions per Kernel account, and permission ids registered per operation. */
const PER_ACCOUNT = 100;
const BATCH = 25;
const DATABASE = process.env.BENCH_DATABASE ?? "pglite";
if (DATABASE !== "pglite" && DATABASE !== "postgres") throw new Error(`BENCH_DATABASE must be pglite or postgres, not ${DATABASE}`);
const LOG_DIR = join(projectRoot, ".leash", "logs", "bench-api");

const log = (message: string) => console.log(`[bench:api] ${message}`);
const rpcOf = (client: Awaited<ReturnType<typeof localClient>>) => <T>(method: string, params: unknown[] = []) =>
  client.request({ method: method as never, params: params as never }) as Promise<T>;

const dir = mkdtempSync(join(tmpdir(), "leash-bench-api-"));
log(`${SESSIONS} sessions (${KERNEL_ACCOUNTS} on Kernel accounts), ${CONNECTIONS} connections, ${SECONDS} s x ${RUNS} rounds; ${cpus().length} CPUs (${cpus()[0]?.model})`);

const chain = await startChain({ port: 0, logFile: join(LOG_DIR, "chain.log") });
const stops: (() => Promise<unknown>)[] = [() => chain.stop()];
try {
  const client = await localClient(http(chain.rpcUrl, { retryCount: 0 }));
  const rpc = rpcOf(client);
  const leash = await deployLeash({ client, artifacts: hre.artifacts });
  const sessions: { account: Address; permissionId: Hex }[] = [];

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
    for (const entry of logs) sessions.push({ account: a.account.address, permissionId: ((entry as { args: { id: Hex } }).args.id).slice(0, 10) as Hex });
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
  const direct = SESSIONS - sessions.length;
  const owners = Math.ceil(direct / PER_ACCOUNT);
  log(`registering ${direct} sessions on ${owners} more Kernel accounts (${BATCH} per operation)`);
  const started = Date.now();
  let done = 0;
  for (let o = 0; o < owners; o++) {
    const owner = await createOwnerAccount({ client, bed: leash.bed, owner: privateKeyToAccount(generatePrivateKey()) });
    await rpc("hardhat_setBalance", [owner.address, numberToHex(parseEther("100"))]);
    const mine = Math.min(PER_ACCOUNT, direct - done);
    for (let b = 0; b < mine; b += BATCH) {
      const calls = [];
      for (let i = b; i < Math.min(b + BATCH, mine); i++) {
        const n = done + i + 1;
        const permissionId = toHex(n, { size: 4 });
        const data = `${permissionId}${"0".repeat(56)}${encodeAbiParameters([configType], [config(n)]).slice(2)}` as Hex;
        calls.push({ to: leash.sessionPolicy, data: encodeFunctionData({ abi: sessionPolicyAbi as Abi, functionName: "onInstall", args: [data] }) });
        sessions.push({ account: owner.address, permissionId });
      }
      const result = await sendUserOperationDirect({ submitter: client, account: owner, calls, gas: { callGasLimit: BigInt(calls.length) * 400_000n + 200_000n } });
      if (!result.success) throw new Error(`registering sessions on ${owner.address} failed`);
    }
    done += mine;
    if (o % 10 === 9 || done === direct) log(`  ${done} / ${direct} (${((Date.now() - started) / 1000).toFixed(0)} s)`);
  }
  const head = await client.getBlockNumber({ cacheTime: 0 });
  log(`${sessions.length} sessions sent, chain at block ${head}`);

  let database: { pgliteDir: string } | { postgresUrl: string } = { pgliteDir: join(dir, "pglite") };
  if (DATABASE === "postgres") {
    const created = await createTestDatabase("leash_bench_api");
    if (!created.database) throw new Error(`BENCH_DATABASE=postgres: ${created.reason}`);
    const db = created.database;
    stops.push(() => db.drop());
    database = { postgresUrl: db.url };
  }
  log(`starting the indexer (${DATABASE}) and waiting for its backfill`);
  const backfillStart = Date.now();
  const indexer = await startIndexer({
    deploymentsFile: leash.deploymentsFile,
    rpcUrl: chain.rpcUrl,
    database,
    schema: "leash_bench_api",
    rpcFanout: 8,
    logFile: join(LOG_DIR, "indexer.log"),
  });
  stops.push(() => indexer.stop());
  await waitForBlock(indexer, head, 600_000);
  const indexed = await graphqlQuery<{ sessions: { totalCount: number } }>(indexer.url, "{ sessions { totalCount } }");
  if (indexed.sessions.totalCount !== SESSIONS) throw new Error(`expected ${SESSIONS} sessions indexed, found ${indexed.sessions.totalCount}`);
  log(`${indexed.sessions.totalCount} sessions indexed in ${((Date.now() - backfillStart) / 1000).toFixed(1)} s`);

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
        // On Postgres the API reads the indexer's views directly.
        DATABASE_URL: "postgresUrl" in database ? database.postgresUrl : "",
        DATABASE_VIEWS_SCHEMA: "leash",
        // BENCH_PROFILE=<dir>: each API process writes a V8 CPU profile there when it stops.
        ...(process.env.BENCH_PROFILE ? { NODE_OPTIONS: `--cpu-prof --cpu-prof-dir=${process.env.BENCH_PROFILE}` } : {}),
        ...env,
      },
      stdio: ["ignore", "ignore", "inherit"],
    });
    stops.push(
      () =>
        new Promise<void>((resolve) => {
          if (child.exitCode !== null) return resolve();
          child.once("exit", () => resolve());
          child.kill("SIGTERM");
        }),
    );
    const url = `http://127.0.0.1:${port}`;
    await waitFor(`the ${name} API on ${url}`, async () => ((await fetch(`${url}/ready`)).ok ? true : undefined), 60_000, 200);
    return url;
  }
  if (process.env.BENCH_HOLD) {
    // BENCH_HOLD=1: keep the chain and the indexer up for manual runs (Ctrl-C stops them).
    log(`holding: chain ${chain.rpcUrl}, indexer ${indexer.url}${"postgresUrl" in database ? `, ${database.postgresUrl}` : ""}, deployments ${leash.deploymentsFile}`);
    await new Promise((resolve) => process.once("SIGINT", resolve));
  }
  const cachedUrl = await startApi("cached", {});
  const uncachedUrl = await startApi("uncached", { LEASH_CACHE_SIZE: "0" });

  // Every answer must be right before it is timed.
  const pick = () => sessions[Math.floor(Math.random() * sessions.length)]!;
  for (let i = 0; i < 20; i++) {
    const s = pick();
    const [a, b] = await Promise.all([cachedUrl, uncachedUrl].map((u) => fetch(`${u}/v1/accounts/${s.account}/sessions/${s.permissionId}`).then((r) => r.json())));
    if ((a as { status?: string }).status !== "active" || JSON.stringify(a) !== JSON.stringify(b)) {
      throw new Error(`unexpected answer for ${s.account} ${s.permissionId}: ${JSON.stringify(a).slice(0, 300)}`);
    }
  }
  log("warming the cache: one request per session");
  let next = 0;
  const warm = await autocannon({
    url: cachedUrl,
    connections: CONNECTIONS,
    amount: sessions.length,
    requests: [{ setupRequest: (req) => ({ ...req, path: sessionPath(sessions[next++ % sessions.length]!) }) }],
  });
  if (warm.non2xx || warm.errors) throw new Error(`warm-up: ${warm.non2xx} non-2xx, ${warm.errors} errors`);

  function sessionPath(s: { account: Address; permissionId: Hex }) {
    return `/v1/accounts/${s.account}/sessions/${s.permissionId}`;
  }
  const sessionQuery = `query ($where: sessionFilter) { sessions(where: $where, orderBy: "registration", orderDirection: "desc", limit: 1) { items {
    account permissionId registration sessionKey status validAfter validUntil windowLength callsPerWindow maxCalls maxFeePerOperation paymaster calls tokens
    callsLeft operationCount executionCount createdBlock createdTimestamp createdTransactionHash createdLogIndex revokedBlock revokedTimestamp
    revokedTransactionHash replacedBlock spends(limit: 100) { items { token spent executionCount } }
    executions(orderBy: "blockNumber", orderDirection: "desc", limit: 1) { items { transactionHash blockNumber blockTimestamp success userOpHash } } } } }`;

  const targets = {
    "GraphQL direct": {
      url: indexer.url,
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
    "API, cached": { url: cachedUrl, request: () => ({ method: "GET", path: sessionPath(pick()) }) },
    "API, no cache": { url: uncachedUrl, request: () => ({ method: "GET", path: sessionPath(pick()) }) },
  } as const;
  type Name = keyof typeof targets;
  const results = new Map<Name, Result[]>();
  for (let round = 1; round <= RUNS; round++) {
    for (const [name, target] of Object.entries(targets) as [Name, (typeof targets)[Name]][]) {
      const result = await autocannon({
        url: target.url,
        connections: CONNECTIONS,
        duration: SECONDS,
        requests: [{ setupRequest: (req) => ({ ...req, ...target.request() }) }],
      });
      if (result.non2xx || result.errors || result.timeouts) {
        throw new Error(`${name}: ${result.non2xx} non-2xx, ${result.errors} errors, ${result.timeouts} timeouts`);
      }
      results.set(name, [...(results.get(name) ?? []), result]);
      log(`round ${round} ${name}: ${Math.round(result.requests.average)} req/s, p50 ${result.latency.p50} ms, p99 ${result.latency.p99} ms`);
    }
  }

  const summary = (name: Name) => {
    const r = results.get(name)!;
    return { rps: median(r.map((x) => x.requests.average)), p50: median(r.map((x) => x.latency.p50)), p99: median(r.map((x) => x.latency.p99)) };
  };
  const base = summary("GraphQL direct");
  const lines = [
    `| target | requests/s (median) | p50 | p99 | rps vs GraphQL |`,
    `| --- | --- | --- | --- | --- |`,
    ...(Object.keys(targets) as Name[]).map((name) => {
      const s = summary(name);
      return `| ${name} | ${Math.round(s.rps).toLocaleString("en-US")} | ${s.p50} ms | ${s.p99} ms | ${(s.rps / base.rps).toFixed(2)}x |`;
    }),
  ];
  console.log(`\n${SESSIONS.toLocaleString("en-US")} sessions indexed (${DATABASE}), ${CONNECTIONS} connections, ${SECONDS} s per run, median of ${RUNS} rounds:\n\n${lines.join("\n")}\n`);
  console.log(JSON.stringify({ database: DATABASE, sessions: SESSIONS, connections: CONNECTIONS, seconds: SECONDS, runs: RUNS, results: Object.fromEntries((Object.keys(targets) as Name[]).map((n) => [n, summary(n)])) }));
} finally {
  for (const stop of stops.reverse()) await stop().catch(() => {});
}
