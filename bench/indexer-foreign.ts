// `npm run bench:indexer-foreign`: what other people's traffic through the EntryPoint costs the
// indexer, in both designs, in one run.
//
// 1. A hardhat node where 99% of the EntryPoint's operations are not ours (BENCH_FOREIGN_SHARE):
//    blocks of trivial accounts' operations (testkit/indexer/load.ts generateMixedTraffic), and in
//    one block of BENCH_EVERY_BLOCKS a bundle holding session operations (each an ERC-20 transfer
//    that emits SessionUsed) between others' operations, as a public bundler mixes them.
// 2. Each design backfills the whole chain into a fresh Postgres database, through a counting
//    JSON-RPC proxy: before, every UserOperationEvent of the EntryPoint (testkit/indexer/
//    entrypoint-events); now, the receipts of our own transactions (indexer/).
// 3. Per design: events handled (Ponder's metrics), our events per second over Ponder's backfill
//    timing, RPC calls by method, rows written in Ponder's raw store (ponder_sync) and in our tables
//    (Postgres's statistics), and a check that both wrote the same index.
//
// Settings: BENCH_OPERATIONS (500 session operations), BENCH_FOREIGN_SHARE (99, percent of all
// operations), BENCH_FOREIGN_PER_BLOCK (500), BENCH_EVERY_BLOCKS (4), BENCH_FANOUT (8),
// BENCH_POLLING_MS (1000).
import hre from "hardhat";
import { rmSync } from "node:fs";
import { cpus } from "node:os";
import { join } from "node:path";
import { createForeignSenders, generateMixedTraffic, measureForeignGas, prepareLoad } from "../testkit/indexer/load.js";
import { createTestDatabase, type TestDatabase } from "../testkit/indexer/postgres.js";
import {
  ENTRYPOINT_EVENTS_ROOT,
  type Indexer,
  ponderLogEntries,
  sqlQuery,
  startIndexer,
  waitForBlock,
} from "../testkit/indexer/process.js";
import { startRpcCounter } from "../testkit/rpc-counter.js";
import { projectRoot, startChain } from "../testkit/chain.js";
import { seconds, setting } from "./stats.js";

const OPERATIONS = setting("BENCH_OPERATIONS", 500);
const FOREIGN_SHARE = setting("BENCH_FOREIGN_SHARE", 99);
const FOREIGN_PER_BLOCK = setting("BENCH_FOREIGN_PER_BLOCK", 500);
const EVERY_BLOCKS = setting("BENCH_EVERY_BLOCKS", 4);
const FANOUT = setting("BENCH_FANOUT", 8);
const POLLING_MS = setting("BENCH_POLLING_MS", 1_000);
const ACCOUNTS = 4;
const FOREIGN_SENDERS = 200;
const FOREIGN_PER_BUNDLE = 100;
const LOG_DIR = join(projectRoot, ".leash", "logs", "bench-indexer-foreign");
if (FOREIGN_SHARE >= 100) throw new Error("BENCH_FOREIGN_SHARE must be below 100");

const log = (message: string) => console.log(`[bench:indexer-foreign] ${message}`);
const thousands = (n: number) => Math.round(n).toLocaleString("en-US");

/** The event counts Ponder's /metrics reports, by event name ("SessionPolicy:SessionUsed", …). */
async function completedEvents(url: string): Promise<Record<string, number>> {
  const text = await (await fetch(`${url}/metrics`)).text();
  const counts: Record<string, number> = {};
  for (const [, event, value] of text.matchAll(/^ponder_indexing_completed_events\{event="([^"]+)"\} (\d+)/gm)) {
    counts[event!] = Number(value);
  }
  return counts;
}

/** What both designs must agree on: the index itself. */
const FINGERPRINT = [
  "select count(*) as n, sum(actual_gas_cost) as cost, sum(actual_gas_used) as used, count(success) as known from execution",
  "select count(*) as n, sum(actual_gas_cost) as cost, count(paymaster) as paymasters from user_operation",
  "select count(*) as n, sum(fee_paid) as paid, sum(execution_count) as executions from session",
  "select count(*) as n, count(distinct contract || event) as kinds from audit_event",
];

const started = Date.now();
log(`${cpus().length} CPUs (${cpus()[0]?.model.trim()}), Node ${process.version}`);
const chain = await startChain({ logFile: join(LOG_DIR, "chain.log") });
const counter = await startRpcCounter(chain.rpcUrl);
const running: Indexer[] = [];
const databases: TestDatabase[] = [];

try {
  const { client, leash, accounts, gasPerOperation } = await prepareLoad({ rpcUrl: chain.rpcUrl, artifacts: hre.artifacts, accounts: ACCOUNTS });
  const senders = await createForeignSenders(client, FOREIGN_SENDERS);
  const gasPerForeign = ((await measureForeignGas(client, senders, FOREIGN_PER_BUNDLE)) * 12n) / 10n;
  const foreignTotal = Math.ceil((OPERATIONS * FOREIGN_SHARE) / (100 - FOREIGN_SHARE));
  const blocks = Math.ceil(foreignTotal / FOREIGN_PER_BLOCK);
  const perBlock = Math.ceil(OPERATIONS / Math.ceil(blocks / EVERY_BLOCKS));
  log(
    `${OPERATIONS} session operations among about ${foreignTotal} others' (${FOREIGN_SHARE}%): ${FOREIGN_PER_BLOCK} others' per block, ` +
      `${perBlock} of ours in one block of ${EVERY_BLOCKS}; gas ${gasPerOperation} per session operation, ${gasPerForeign} per other`,
  );

  let generated = Date.now();
  let lastReport = 0;
  const range = await generateMixedTraffic({
    client,
    accounts,
    senders,
    operations: OPERATIONS,
    foreign: foreignTotal,
    foreignPerBlock: FOREIGN_PER_BLOCK,
    foreignPerBundle: FOREIGN_PER_BUNDLE,
    everyBlocks: EVERY_BLOCKS,
    perBlock,
    gasPerOperation,
    gasPerForeign,
    onBlock: (done, block) => {
      if (Date.now() - lastReport > 10_000 || done === OPERATIONS) {
        lastReport = Date.now();
        log(`  ${done} / ${OPERATIONS} session operations, block ${block} (${seconds(Date.now() - generated)})`);
      }
    },
  });
  // Every block with events final (30 deep on this chain): the whole chain is backfill.
  for (let i = 0; i < 31; i++) await client.request({ method: "evm_mine" as never });
  const head = await client.getBlock();
  generated = Date.now() - generated;
  const share = (100 * range.foreign) / (range.foreign + OPERATIONS);
  log(
    `generated ${OPERATIONS} session operations and ${range.foreign} others' (${share.toFixed(1)}% others') in ${range.blocks} blocks ` +
      `(${range.firstBlock}..${range.lastBlock}) in ${seconds(generated)}`,
  );

  interface Result {
    design: string;
    events: Record<string, number>;
    backfillMs: number;
    fetchMs: number;
    readyMs: number;
    rpc: Record<string, number>;
    rpcCalls: number;
    rpcBytes: number;
    rawRows: number;
    ourRows: number;
    fingerprint: string;
  }
  const results: Result[] = [];
  const designs = [
    { design: "before: every UserOperationEvent", root: ENTRYPOINT_EVENTS_ROOT, name: "entrypoint-events" },
    { design: "now: receipts of our transactions", root: undefined, name: "receipts" },
  ];
  for (const { design, root, name } of designs) {
    const created = await createTestDatabase("leash_bench_foreign");
    if (!created.database) throw new Error(`this benchmark counts rows with Postgres's statistics: ${created.reason}`);
    const database = created.database;
    databases.push(database);
    const logFile = join(LOG_DIR, `${name}.log`);
    rmSync(logFile, { force: true });
    counter.reset();
    const t0 = Date.now();
    const indexer = await startIndexer({
      deploymentsFile: leash.deploymentsFile,
      rpcUrl: counter.url,
      rpcFanout: FANOUT,
      pollingIntervalMs: POLLING_MS,
      schema: "leash_bench",
      database: { postgresUrl: database.url },
      logFile,
      root,
    });
    running.push(indexer);
    await waitForBlock(indexer, head, 30 * 60_000);
    const readyMs = Date.now() - t0;
    const events = await completedEvents(indexer.url);
    const fingerprint = JSON.stringify(await Promise.all(FINGERPRINT.map((query) => sqlQuery(indexer.url, query))));
    await indexer.stop();
    running.splice(running.indexOf(indexer), 1);
    const rpc = counter.counts();
    const { calls, bytes } = counter.total();
    const rows = await database.rowsWritten();
    const written = (schema: string) => (rows[schema]?.inserted ?? 0) + (rows[schema]?.updated ?? 0);
    const result: Result = {
      design,
      events,
      backfillMs: Number(ponderLogEntries(logFile, "Completed backfill indexing across all chains")[0]?.duration),
      fetchMs: Number(ponderLogEntries(logFile, "Finished fetching backfill JSON-RPC data")[0]?.duration),
      readyMs,
      rpc,
      rpcCalls: calls,
      rpcBytes: bytes,
      rawRows: written("ponder_sync"),
      ourRows: written("leash_bench"),
      fingerprint,
    };
    results.push(result);
    log(`  ${design}: ${JSON.stringify({ ...result, fingerprint: undefined })}`);
  }
  if (results[0]!.fingerprint !== results[1]!.fingerprint) {
    throw new Error(`the two designs wrote different indexes:\n${results.map((r) => `${r.design}: ${r.fingerprint}`).join("\n")}`);
  }

  const ours = (r: Result) => Object.entries(r.events).filter(([event]) => !event.startsWith("EntryPoint:")).reduce((sum, [, n]) => sum + n, 0);
  const all = (r: Result) => Object.values(r.events).reduce((sum, n) => sum + n, 0);
  const methods = [...new Set(results.flatMap((r) => Object.keys(r.rpc)))].sort();
  console.log(`
Indexer: others' traffic through the EntryPoint (${cpus().length} CPUs; ${OPERATIONS} session operations and ${range.foreign} others' ` +
    `(${share.toFixed(1)}%) in ${range.blocks} blocks; ours in one block of ${EVERY_BLOCKS}; Postgres; RPC fan-out ${FANOUT})

| design | events handled | of them ours | backfill | our events/s | start to ready | RPC calls | RPC bytes received | rows written: raw store | rows written: our tables |
| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |
${results
  .map(
    (r) =>
      `| ${r.design} | ${thousands(all(r))} | ${thousands(ours(r))} | ${seconds(r.backfillMs)} | ${thousands(ours(r) / (r.backfillMs / 1000))} | ${seconds(r.readyMs)} | ` +
      `${thousands(r.rpcCalls)} | ${(r.rpcBytes / 1e6).toFixed(1)} MB | ${thousands(r.rawRows)} | ${thousands(r.ourRows)} |`,
  )
  .join("\n")}

RPC calls by method:

| method | ${results.map((r) => r.design).join(" | ")} |
| --- | ${results.map(() => "---:").join(" | ")} |
${methods.map((m) => `| ${m} | ${results.map((r) => thousands(r.rpc[m] ?? 0)).join(" | ")} |`).join("\n")}

Both designs wrote the same index (executions, operations, sessions, audit log: counts and gas sums).
RPC fetch (Ponder's log): ${results.map((r) => `${r.design} ${seconds(r.fetchMs)}`).join("; ")}
generation of the chain: ${seconds(generated)}; whole benchmark: ${seconds(Date.now() - started)}
`);
} finally {
  await Promise.allSettled(running.map((indexer) => indexer.stop()));
  for (const database of databases) await database.drop().catch((error) => log(`could not drop ${database.name}: ${error}`));
  await counter.stop();
  await chain.stop();
}
process.exit(0);
