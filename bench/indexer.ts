// `npm run bench:indexer`: the indexer's backfill throughput and live lag, on PGlite and Postgres.
//
// 1. A hardhat node with ≥ 50,000 real session executions (BENCH_OPERATIONS): SessionPolicy
//    sessions on Kernel accounts, each operation an ERC-20 transfer that emits SessionUsed, many
//    operations per handleOps bundle and several bundles per block.
// 2. Backfill: a fresh indexer per database indexes the whole chain; events per second from
//    Ponder's own backfill timing (first event fetched to last event indexed), and wall time
//    from process start to /ready. BENCH_RUNS runs per database; medians are printed.
// 3. Live lag: operations sent one at a time at random moments; for each, the time from its
//    receipt to its row being returned by the SQL route. p50 / p95 per database.
//
// Settings: BENCH_OPERATIONS (50000), BENCH_ACCOUNTS (8), BENCH_RUNS (3), BENCH_FANOUT (8 RPC
// buckets on the local node), BENCH_LAG_SAMPLES (40), BENCH_POLLING_MS (1000),
// BENCH_DATABASES ("pglite,postgres").
import hre from "hardhat";
import { mkdtempSync, rmSync } from "node:fs";
import { cpus, tmpdir } from "node:os";
import { join } from "node:path";
import { generateExecutions, nextOperation, prepareLoad, sendBundle } from "../testkit/indexer/load.js";
import { createTestDatabase, type TestDatabase } from "../testkit/indexer/postgres.js";
import { type Indexer, ponderLogEntries, sqlQuery, startIndexer, waitFor, waitForBlock } from "../testkit/indexer/process.js";
import { projectRoot, startChain } from "../testkit/chain.js";
import { median, quantile, seconds, setting } from "./stats.js";

const OPERATIONS = setting("BENCH_OPERATIONS", 50_000);
const ACCOUNTS = setting("BENCH_ACCOUNTS", 8);
const RUNS = setting("BENCH_RUNS", 3);
const FANOUT = setting("BENCH_FANOUT", 8);
const LAG_SAMPLES = setting("BENCH_LAG_SAMPLES", 40);
const POLLING_MS = setting("BENCH_POLLING_MS", 1_000);
const DATABASES = (process.env.BENCH_DATABASES ?? "pglite,postgres").split(",").map((d) => d.trim());
const OPS_PER_BUNDLE = 50;
const BLOCK_GAS = 60_000_000n;
const LOG_DIR = join(projectRoot, ".leash", "logs", "bench-indexer");

const log = (message: string) => console.log(`[bench:indexer] ${message}`);
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

const started = Date.now();
log(`${cpus().length} CPUs (${cpus()[0]?.model.trim()}), Node ${process.version}`);
log(`chain: hardhat node, ${OPERATIONS} operations over ${ACCOUNTS} accounts`);
const chain = await startChain({ logFile: join(LOG_DIR, "chain.log") });
const databases: TestDatabase[] = [];
const running: Indexer[] = [];
const directories: string[] = [];

try {
  const { client, leash, accounts, gasPerOperation } = await prepareLoad({ rpcUrl: chain.rpcUrl, artifacts: hre.artifacts, accounts: ACCOUNTS });
  const bundlesPerBlock = Number(BLOCK_GAS / (gasPerOperation * BigInt(OPS_PER_BUNDLE) + 200_000n));
  log(`about ${gasPerOperation} gas per operation in a bundle: ${bundlesPerBlock} bundles of ${OPS_PER_BUNDLE} per block`);

  let generated = Date.now();
  let lastReport = 0;
  const range = await generateExecutions({
    client,
    accounts,
    operations: OPERATIONS,
    opsPerBundle: OPS_PER_BUNDLE,
    bundlesPerBlock,
    gasPerOperation,
    onBlock: (done, block) => {
      if (Date.now() - lastReport > 10_000 || done === OPERATIONS) {
        lastReport = Date.now();
        log(`  ${done} / ${OPERATIONS} operations, block ${block} (${seconds(Date.now() - generated)})`);
      }
    },
  });
  // Every block with events final (30 deep on this chain): the whole chain is backfill.
  for (let i = 0; i < 31; i++) await client.request({ method: "evm_mine" as never });
  const head = await client.getBlock();
  generated = Date.now() - generated;
  log(`generated ${OPERATIONS} operations in ${range.blocks} blocks (${range.firstBlock}..${range.lastBlock}) in ${seconds(generated)}`);

  async function database(kind: string): Promise<{ database: { pgliteDir: string } | { postgresUrl: string }; name: string } | undefined> {
    if (kind === "pglite") {
      const dir = mkdtempSync(join(tmpdir(), "leash-bench-pglite-"));
      directories.push(dir);
      return { database: { pgliteDir: dir }, name: "PGlite" };
    }
    const created = await createTestDatabase("leash_bench");
    if (!created.database) {
      log(`!!! Postgres skipped: ${created.reason}`);
      return undefined;
    }
    databases.push(created.database);
    return { database: { postgresUrl: created.database.url }, name: "Postgres" };
  }

  interface Result {
    name: string;
    events: number;
    sessionUsed: number;
    backfillMs: number[];
    fetchMs: number[];
    wallMs: number[];
    lag: number[];
    live?: Indexer;
  }
  const results: Result[] = [];
  for (const kind of DATABASES) {
    const result: Result = { name: kind, events: 0, sessionUsed: 0, backfillMs: [], fetchMs: [], wallMs: [], lag: [] };
    for (let run = 1; run <= RUNS; run++) {
      const target = await database(kind);
      if (!target) break;
      result.name = target.name;
      const logFile = join(LOG_DIR, `${kind}-${run}.log`);
      rmSync(logFile, { force: true });
      const t0 = Date.now();
      const indexer = await startIndexer({
        deploymentsFile: leash.deploymentsFile,
        rpcUrl: chain.rpcUrl,
        rpcFanout: FANOUT,
        pollingIntervalMs: POLLING_MS,
        schema: "leash_bench",
        logFile,
        ...target,
      });
      running.push(indexer);
      let lastProgress = Date.now();
      await waitFor(
        `${target.name} backfill`,
        async () => {
          const ready = await fetch(`${indexer.url}/ready`).catch(() => undefined);
          if (Date.now() - lastProgress > 10_000) {
            lastProgress = Date.now();
            const progress = ponderLogEntries(logFile, "Updated backfill indexing progress").at(-1)?.progress;
            log(`  ${target.name} run ${run}: backfilling${progress ? `, ${progress}` : ""} (${seconds(Date.now() - t0)})`);
          }
          return ready?.status === 200 ? true : undefined;
        },
        30 * 60_000,
        100,
      );
      await waitForBlock(indexer, head);
      result.wallMs.push(Date.now() - t0);
      const completed = ponderLogEntries(logFile, "Completed backfill indexing across all chains")[0];
      const fetched = ponderLogEntries(logFile, "Finished fetching backfill JSON-RPC data")[0];
      result.backfillMs.push(Number(completed?.duration));
      result.fetchMs.push(Number(fetched?.duration));
      const count = async (table: string) => Number((await sqlQuery<{ n: string }>(indexer.url, `select count(*) as n from ${table}`))[0]!.n);
      result.events = await count("audit_event");
      result.sessionUsed = await count("execution");
      log(
        `  ${target.name} run ${run}: ${result.events} events (${result.sessionUsed} SessionUsed) backfilled in ` +
          `${seconds(result.backfillMs.at(-1)!)} = ${Math.round(result.events / (result.backfillMs.at(-1)! / 1000))} events/s ` +
          `(RPC fetch ${seconds(result.fetchMs.at(-1)!)}; start to ready ${seconds(result.wallMs.at(-1)!)})`,
      );
      // The last run's indexer stays up for the live lag.
      if (run < RUNS) {
        await indexer.stop();
        running.splice(running.indexOf(indexer), 1);
      } else {
        result.live = indexer;
      }
    }
    if (result.backfillMs.length > 0) results.push(result);
  }

  // Live lag: one operation at a time, at a random moment of the polling interval; every live
  // indexer is watched for the same operation.
  const live = results.filter((r) => r.live);
  log(`live lag over ${LAG_SAMPLES} operations (polling every ${POLLING_MS} ms): ${live.map((r) => r.name).join(", ")}`);
  const chainId = await client.getChainId();
  for (let i = 0; i < LAG_SAMPLES; i++) {
    await sleep(Math.random() * POLLING_MS);
    const load = accounts[i % accounts.length]!;
    const op = await nextOperation(load, chainId, Number((await client.getBlock()).timestamp) + 1);
    const nonce = await client.getTransactionCount({ address: client.account.address, blockTag: "pending" });
    // Automine: the transaction is in a block, with its receipt, when the call returns.
    const hash = await sendBundle(client, [op], { gas: 1_000_000n, nonce });
    const sent = performance.now();
    await Promise.all(
      live.map(async (result) => {
        await waitFor(
          `the row of ${hash} on ${result.name}`,
          async () => ((await sqlQuery(result.live!.url, `select nonce from execution where transaction_hash = '${hash}'`)).length > 0 ? true : undefined),
          30_000,
          5,
        );
        result.lag.push(performance.now() - sent);
      }),
    );
  }
  for (const result of live) {
    log(`  ${result.name}: lag p50 ${Math.round(median(result.lag))} ms, p95 ${Math.round(quantile(result.lag, 0.95))} ms, max ${Math.round(Math.max(...result.lag))} ms`);
  }

  console.log(`
Indexer benchmark (${cpus().length} CPUs, ${OPERATIONS} operations in ${range.blocks} blocks, RPC fan-out ${FANOUT}, polling ${POLLING_MS} ms, ${RUNS} run(s) per database)

| database | events | SessionUsed | backfill (median) | events/s (median) | SessionUsed/s | RPC fetch | start to ready | lag p50 | lag p95 |
| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |
${results
  .map((r) => {
    const backfill = median(r.backfillMs);
    const lag = (q: number) => (r.lag.length ? `${Math.round(quantile(r.lag, q))} ms` : "-");
    return `| ${r.name} | ${r.events} | ${r.sessionUsed} | ${seconds(backfill)} | ${Math.round(r.events / (backfill / 1000))} | ${Math.round(r.sessionUsed / (backfill / 1000))} | ${seconds(median(r.fetchMs))} | ${seconds(median(r.wallMs))} | ${lag(0.5)} | ${lag(0.95)} |`;
  })
  .join("\n")}

backfill runs (s): ${results.map((r) => `${r.name} ${r.backfillMs.map((ms) => (ms / 1000).toFixed(1)).join(", ")}`).join("; ")}
generation of the chain: ${seconds(generated)}; whole benchmark: ${seconds(Date.now() - started)}
`);
} finally {
  await Promise.allSettled(running.map((indexer) => indexer.stop()));
  for (const database of databases) await database.drop().catch((error) => log(`could not drop ${database.name}: ${error}`));
  for (const dir of directories) rmSync(dir, { recursive: true, force: true });
  await chain.stop();
}
process.exit(0);
