// A crash in the middle of the backfill: the indexer is killed (SIGKILL) while it works through
// thousands of executions, restarted on the same database and schema, and must end with every row
// exactly once, on PGlite and on Postgres.
import { expect } from "chai";
import hre from "hardhat";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createLoadAccounts, generateExecutions, measureOperationGas } from "../../testkit/indexer/load.js";
import { createTestDatabase, type TestDatabase } from "../../testkit/indexer/postgres.js";
import { type Indexer, type IndexerOptions, indexedBlock, sqlQuery, startIndexer, waitFor, waitForBlock } from "../../testkit/indexer/process.js";
import { projectRoot } from "../../testkit/chain.js";
import { actualIndex, expectedIndex } from "./expected.js";
import { type World, startWorld } from "./world.js";

const LOG_DIR = join(projectRoot, ".leash", "logs", "indexer-tests");
/** Enough blocks that the backfill takes seconds: Ponder fetches each block with events. */
const BLOCKS = 80;
const OPS_PER_BLOCK = 40;

describe("indexer: killed mid-backfill and restarted (PGlite and Postgres)", function () {
  let world: World;
  let pgliteDir: string;
  let database: TestDatabase | undefined;
  let skipped = "";
  const running: Indexer[] = [];
  let range: { firstBlock: bigint; lastBlock: bigint };

  before(async function () {
    world = await startWorld({ logFile: join(LOG_DIR, "crash-chain.log") });
    const accounts = await createLoadAccounts({
      client: world.client,
      artifacts: hre.artifacts,
      chain: world.leash,
      count: 4,
      recipient: "0x000000000000000000000000000000000000dEaD",
    });
    const gas = (await measureOperationGas(world.client, accounts[0]!, 10)) * 2n;
    range = await generateExecutions({
      client: world.client,
      accounts,
      operations: BLOCKS * OPS_PER_BLOCK,
      opsPerBundle: OPS_PER_BLOCK / 2,
      bundlesPerBlock: 2,
      gasPerOperation: gas,
    });
    // Every block with events final (30 deep): all of it is backfill.
    for (let i = 0; i < 31; i++) await world.mine();

    pgliteDir = mkdtempSync(join(tmpdir(), "leash-indexer-crash-"));
    const created = await createTestDatabase();
    database = created.database;
    if (!database) {
      skipped = created.reason!;
      console.warn(`\n  !!! POSTGRES CRASH TEST SKIPPED: ${skipped}\n`);
    }
  });

  after(async function () {
    await Promise.allSettled(running.map((indexer) => indexer.stop()));
    await database?.drop().catch((error) => console.warn(`could not drop test database ${database?.name}: ${error}`));
    await world?.stop();
    if (pgliteDir) rmSync(pgliteDir, { recursive: true, force: true });
  });

  /**
   * Starts the indexer and SIGKILLs it while it works on the backfill, after its first checkpoint
   * (so the restart has work both behind and ahead of it); restarts it and waits for the end.
   */
  async function crashAndRecover(name: string, options: IndexerOptions) {
    for (const run of [1, 2]) rmSync(join(LOG_DIR, `crash-${name}-${run}.log`), { force: true });
    const first = await startIndexer({ ...options, logFile: join(LOG_DIR, `crash-${name}-1.log`) });
    running.push(first);
    await waitFor(
      `${name} to index part of the backfill`,
      async () => {
        const block = await indexedBlock(first.url).catch(() => undefined);
        return block && block.number >= Number(range.firstBlock) ? block.number : undefined;
      },
      120_000,
      20,
    );
    // Into the next batch of blocks, which is not committed yet.
    await new Promise((resolve) => setTimeout(resolve, 300));
    const ready = await fetch(`${first.url}/ready`);
    const killedAt = (await indexedBlock(first.url))!.number;
    await first.kill();
    expect(ready.status, `${name}: killed during the backfill`).to.equal(503);
    expect(killedAt, `${name}: killed before the end of the backfill`).to.be.lessThan(Number(range.lastBlock));

    // The schema stays locked until the dead process's heartbeat expires (up to 25 s).
    const second = await startIndexer({ ...options, logFile: join(LOG_DIR, `crash-${name}-2.log`) });
    running.push(second);
    await waitForBlock(second, await world.head(), 150_000);
    return { indexer: second, killedAt };
  }

  it("ends with every row exactly once", async function () {
    const common = { deploymentsFile: world.leash.deploymentsFile, rpcUrl: world.chain.rpcUrl, schema: "leash_crash", pollingIntervalMs: 200 };
    const runs = await Promise.all([
      crashAndRecover("pglite", { ...common, database: { pgliteDir } }),
      ...(database ? [crashAndRecover("postgres", { ...common, database: { postgresUrl: database.url } })] : []),
    ]);
    const expected = await expectedIndex(world);
    expect(Object.keys(expected.execution)).to.have.length(BLOCKS * OPS_PER_BLOCK + 4 + 10);
    for (const [i, run] of runs.entries()) {
      const name = i === 0 ? "PGlite" : "Postgres";
      const actual = await actualIndex(run.indexer.url, world.leash.deployments.chainId);
      for (const table of Object.keys(expected) as (keyof typeof expected)[]) {
        expect(actual[table], `${name}: table ${table}`).to.deep.equal(expected[table]);
      }
      const [{ n }] = (await sqlQuery<{ n: string }>(run.indexer.url, "select count(*) as n from execution")) as [{ n: string }];
      expect(Number(n), `${name}: executions`).to.equal(Object.keys(expected.execution).length);
      console.log(`    ${name}: killed at block ${run.killedAt} of ${range.firstBlock}..${range.lastBlock}, recovered`);
    }
    if (skipped) console.warn(`  !!! Postgres not tested: ${skipped}`);
  });
});
