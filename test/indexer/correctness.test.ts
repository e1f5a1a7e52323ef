// The index against the chain, on PGlite and on Postgres at once: a run of mixed operations (part
// indexed by the backfill, part live), then a reorg, then time passing. Every table must hold
// exactly what the chain's logs call for (test/indexer/expected.ts), agree with SessionPolicy's
// own views, and keep nothing from blocks the reorg removed.
import { expect } from "chai";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import pg from "pg";
import { type Address, type Hex, encodeAbiParameters, encodeFunctionData, erc20Abi, parseEther, parseUnits, toFunctionSelector } from "viem";
import { generatePrivateKey, privateKeyToAccount } from "viem/accounts";
import { type SessionStatus, sessionStatusAt } from "../../indexer/lib/status.js";
import { createTestDatabase, type TestDatabase } from "../../testkit/indexer/postgres.js";
import { projectRoot } from "../../testkit/chain.js";
import { graphqlQuery, type Indexer, sqlQuery, startIndexer, waitForBlock } from "../../testkit/indexer/process.js";
import { configuredPolicy, encodeTimeClaim } from "../../sdk/policies.js";
import type { Call } from "../../sdk/userops.js";
import { STANDALONE_GAS } from "../policies/config.js";
import { INDEX_RELATIONS, actualIndex, chainIdsIn, expectedIndex, orphanTransactions } from "./expected.js";
import {
  DAY,
  NATIVE_TOKEN,
  NO_ARG,
  type Permission,
  type World,
  allow,
  installCall,
  limit,
  mint,
  openPermission,
  send,
  sendAsOwner,
  sendFailing,
  sendRefused,
  sessionConfig,
  sessionPolicyOf,
  startWorld,
  uninstallCall,
} from "./world.js";
import { statusName } from "../../sdk/rules.js";

const TRANSFER = toFunctionSelector("transfer(address,uint256)");
const APPROVE = toFunctionSelector("approve(address,uint256)");
const usdc = (amount: string) => parseUnits(amount, 6);
const LOG_DIR = join(projectRoot, ".leash", "logs", "indexer-tests");
/** The world's chain: Hardhat's. */
const CHAIN_ID = 31337;
/** SessionPolicy.getStatus's enum, in order. */

describe("indexer: the index matches the chain (PGlite and Postgres)", function () {
  let world: World;
  const indexers: { name: string; indexer: Indexer }[] = [];
  let pgliteDir: string;
  let database: TestDatabase | undefined;
  let postgresSkipped = "";
  const recipient = privateKeyToAccount(generatePrivateKey()).address;
  const spender = privateKeyToAccount(generatePrivateKey()).address;
  let A1: Permission, A2: Permission, B1: Permission, C: Permission, D: Permission;
  let refusedTx: Hex;

  const transfer = (token: Address, amount: bigint): Call => ({
    to: token,
    data: encodeFunctionData({ abi: erc20Abi, functionName: "transfer", args: [recipient, amount] }),
  });
  const revokeCall = (policy: Address, abi: readonly unknown[], id: Hex): Call => ({
    to: policy,
    data: encodeFunctionData({ abi: abi as never, functionName: "revoke", args: [id] } as never),
  });

  async function indexedUpToHead() {
    const head = await world.client.getBlock();
    await Promise.all(indexers.map(({ indexer }) => waitForBlock(indexer, head)));
  }

  async function expectIndexMatchesChain() {
    await indexedUpToHead();
    const expected = await expectedIndex(world);
    for (const { name, indexer } of indexers) {
      const actual = await actualIndex(indexer.url, CHAIN_ID);
      for (const table of Object.keys(expected) as (keyof typeof expected)[]) {
        expect(actual[table], `${name}: table ${table}`).to.deep.equal(expected[table]);
      }
    }
    return expected;
  }

  before(async function () {
    for (const log of ["chain", "pglite", "postgres"]) rmSync(join(LOG_DIR, `correctness-${log}.log`), { force: true });
    world = await startWorld({ logFile: join(LOG_DIR, "correctness-chain.log") });
    const { leash } = world;
    const start = (await world.now()) - 60;

    // A: two sessions on one account. A1 spends three tokens; A2 has two calls in all.
    const ownerA = privateKeyToAccount(generatePrivateKey());
    A1 = await openPermission(
      world,
      [
        sessionPolicyOf(
          world,
          sessionConfig(start, {
            maxCalls: 20,
            // A gas budget: the index follows what remains of it, and what the account paid.
            maxFeeTotal: parseEther("1"),
            calls: [
              allow(leash.usdc, TRANSFER),
              allow(leash.weth, TRANSFER),
              allow(leash.usdc, APPROVE),
              allow(recipient, "0x00000000", { allowValue: true }),
            ],
            tokens: [
              limit(leash.usdc, { perTransaction: usdc("100"), total: usdc("1000"), perPeriod: usdc("300"), period: DAY }),
              limit(leash.weth, { total: parseEther("5") }),
              limit(NATIVE_TOKEN, { total: parseEther("1") }),
            ],
          }),
        ),
      ],
      { owner: ownerA },
    );
    await mint(world, leash.usdc, A1.account.address, usdc("100"));
    await mint(world, leash.weth, A1.account.address, parseEther("10"));
    A2 = await openPermission(
      world,
      [sessionPolicyOf(world, sessionConfig(start, { maxCalls: 2, calls: [allow(leash.usdc, TRANSFER)], tokens: [limit(leash.usdc)] }))],
      { owner: ownerA },
    );

    // B: a session revoked, uninstalled and registered again; its second registration spends all.
    B1 = await openPermission(world, [
      sessionPolicyOf(
        world,
        sessionConfig(start, { validUntil: start + 10 * DAY, calls: [allow(leash.usdc, TRANSFER)], tokens: [limit(leash.usdc, { total: usdc("100") })] }),
      ),
    ]);
    await mint(world, leash.usdc, B1.account.address, usdc("1000"));

    // C: the four standalone policies in one permission (slices for spend #1 and rate #2).
    const standalone = leash.standalone;
    C = await openPermission(
      world,
      [
        configuredPolicy(standalone.CallScopePolicy, world.abis.CallScopePolicy, {
          calls: [{ target: leash.usdc, selector: TRANSFER, allowValue: false, accountArg: NO_ARG, equalArg: 0, equalValue: encodeAbiParameters([{ type: "address" }], [recipient]) }],
        }),
        configuredPolicy(standalone.SpendLimitPolicy, world.abis.SpendLimitPolicy, {
          start,
          ...STANDALONE_GAS,
          tokens: [{ token: leash.usdc, perTransaction: usdc("60"), total: usdc("100"), perPeriod: usdc("100"), period: DAY }],
          rules: [],
        }),
        configuredPolicy(standalone.RateLimitPolicy, world.abis.RateLimitPolicy, { start, window: 3_600, callsPerWindow: 3, maxCalls: 10 }),
        configuredPolicy(standalone.ExpiryPolicy, world.abis.ExpiryPolicy, { validAfter: start, validUntil: start + 2 * DAY }),
      ],
      {
        slices: async () => {
          const claim = encodeTimeClaim(await world.now());
          return [{ index: 1, data: claim }, { index: 2, data: claim }];
        },
      },
    );
    await mint(world, leash.usdc, C.account.address, usdc("100"));

    // D: valid for ten minutes of chain time.
    D = await openPermission(world, [
      sessionPolicyOf(world, sessionConfig(start, { validUntil: (await world.now()) + 600, calls: [allow(leash.usdc, TRANSFER)], tokens: [limit(leash.usdc)] })),
    ]);
    await mint(world, leash.usdc, D.account.address, usdc("100"));

    // Before the indexers start, and final (30 blocks deep on this chain): these go through the
    // backfill, the rest through live indexing.
    await send(A1, [transfer(leash.usdc, usdc("50"))]);
    await send(A1, [transfer(leash.weth, parseEther("1"))]);
    await send(B1, [transfer(leash.usdc, usdc("30"))]);
    for (let i = 0; i < 31; i++) await world.mine();

    pgliteDir = mkdtempSync(join(tmpdir(), "leash-indexer-pglite-"));
    const created = await createTestDatabase();
    database = created.database;
    if (!database) {
      postgresSkipped = created.reason!;
      console.warn(`\n  !!! POSTGRES TESTS SKIPPED: ${postgresSkipped}\n`);
    }
    const common = { deploymentsFile: leash.deploymentsFile, rpcUrl: world.chain.rpcUrl, schema: "leash_test", pollingIntervalMs: 100 };
    const log = (name: string) => join(LOG_DIR, `correctness-${name}.log`);
    const started = await Promise.all([
      startIndexer({ ...common, database: { pgliteDir }, logFile: log("pglite") }).then((indexer) => ({ name: "PGlite", indexer })),
      ...(database
        ? [startIndexer({ ...common, database: { postgresUrl: database.url }, logFile: log("postgres") }).then((indexer) => ({ name: "Postgres", indexer }))]
        : []),
    ]);
    indexers.push(...started);
  });

  after(async function () {
    await Promise.allSettled(indexers.map(({ indexer }) => indexer.stop()));
    await database?.drop().catch((error) => console.warn(`could not drop test database ${database?.name}: ${error}`));
    await world?.stop();
    if (pgliteDir) rmSync(pgliteDir, { recursive: true, force: true });
  });

  it("runs on Postgres too", function () {
    if (postgresSkipped) {
      console.warn(`  !!! Postgres not tested: ${postgresSkipped}`);
      this.skip();
    }
    expect(indexers.map((i) => i.name)).to.deep.equal(["PGlite", "Postgres"]);
  });

  it("indexes registrations, executions of several tokens, failures, revocation and re-registration exactly", async function () {
    const { leash } = world;
    // A1: two tokens in one operation, the native coin, an approval that spends nothing, an
    // operation the policy refuses (mined, reverted: no row), one whose call reverts.
    await send(A1, [transfer(leash.usdc, usdc("10")), transfer(leash.weth, parseEther("0.5"))]);
    await send(A1, [{ to: recipient, value: parseEther("0.1") }]);
    await send(A1, [{ to: leash.usdc, data: encodeFunctionData({ abi: erc20Abi, functionName: "approve", args: [spender, 0n] }) }]);
    refusedTx = await sendRefused(A1, [transfer(leash.usdc, usdc("101"))]);
    await sendFailing(A1, [transfer(leash.usdc, usdc("90"))]);
    // A2 uses its two calls: exhausted.
    await send(A2, [transfer(leash.usdc, 1n)]);
    await send(A2, [transfer(leash.usdc, 1n)]);
    // B1: revoked, uninstalled (the key is removed), installed again, then spends its whole total.
    await sendAsOwner(B1, [revokeCall(leash.sessionPolicy, world.abis.SessionPolicy, B1.id)]);
    await sendAsOwner(B1, [await uninstallCall(B1)]);
    await sendAsOwner(B1, [await installCall(B1)]);
    await send(B1, [transfer(leash.usdc, usdc("100"))]);
    // C: one use through the standalone policies, then the owner revokes its expiry policy.
    await send(C, [transfer(leash.usdc, usdc("10"))]);
    await sendAsOwner(C, [revokeCall(leash.standalone.ExpiryPolicy, world.abis.ExpiryPolicy, C.id)]);
    await send(D, [transfer(leash.usdc, 1n)]);

    const expected = await expectIndexMatchesChain();
    // The scenario produced what it was meant to (so the comparison above is not vacuous).
    const sessions = Object.values(expected.session);
    expect(sessions.map((s) => s.status).sort()).to.deep.equal(["active", "active", "exhausted", "exhausted", "revoked"]);
    expect(Object.values(expected.execution).filter((e) => e.success === "false")).to.have.length(1);
    expect(Object.values(expected.user_operation).filter((o) => o.execution_count === "2")).to.have.length(1);
    expect(Object.values(expected.execution).some((e) => e.token === "0x0000000000000000000000000000000000000000")).to.equal(true);
    expect(Object.keys(expected.revocation)).to.have.length(1);
    expect(Object.keys(expected.policy_use)).to.have.length(4);
    for (const { name, indexer } of indexers) {
      const refused = await sqlQuery(indexer.url, `select id from audit_event where transaction_hash = '${refusedTx}'`);
      expect(refused, "rows of the refused operation's transaction").to.deep.equal([]);
      // Every row of every table and view is on the chain followed, and says so.
      const chains = await chainIdsIn(indexer.url);
      for (const table of INDEX_RELATIONS) expect(chains[table], `${name}: chain ids in ${table}`).to.deep.equal([CHAIN_ID]);
    }
  });

  it("agrees with SessionPolicy's views on status and what remains", async function () {
    await indexedUpToHead();
    await compareWithPolicyViews();
  });

  it("leaves no orphan rows after a reorg", async function () {
    const { leash } = world;
    const snapshot = await world.rpc<Hex>("evm_snapshot");
    const dropped = [
      (await send(A1, [transfer(leash.weth, parseEther("0.2"))])).transactionHash,
      (await send(D, [transfer(leash.usdc, 2n)])).transactionHash,
    ];
    await indexedUpToHead();
    for (const { name, indexer } of indexers) {
      const rows = await sqlQuery(indexer.url, `select nonce from execution where transaction_hash in ('${dropped.join("','")}')`);
      expect(rows, `${name}: the operations about to be dropped were indexed`).to.have.length(2);
    }

    expect(await world.rpc<boolean>("evm_revert", [snapshot])).to.equal(true);
    await send(A1, [{ to: recipient, value: parseEther("0.05") }]);
    await send(D, [transfer(leash.usdc, 3n)]);
    // The new branch outgrows the old one.
    for (let i = 0; i < 3; i++) await world.mine();

    await expectIndexMatchesChain();
    for (const { name, indexer } of indexers) {
      expect(await orphanTransactions(world, indexer.url), `${name}: rows from removed blocks`).to.deep.equal([]);
    }
  });

  it("gives other readers stable views in schema leash (Postgres)", async function () {
    if (!database) this.skip();
    const client = new pg.Client({ connectionString: database!.url });
    await client.connect();
    try {
      const postgres = indexers.find((i) => i.name === "Postgres")!.indexer;
      for (const table of ["execution", "session", "spend", "audit_event", "session_state"]) {
        const viaView = await client.query<{ n: string }>(`select count(*) as n from leash.${table}`);
        const viaApi = await sqlQuery<{ n: string }>(postgres.url, `select count(*) as n from ${table}`);
        expect(viaView.rows[0]!.n, table).to.equal(String(viaApi[0]!.n));
      }
    } finally {
      await client.end();
    }
  });

  it("derives expiry from time alone, as the chain does", async function () {
    await world.rpc("evm_increaseTime", [3_600]);
    await world.mine();
    await indexedUpToHead();
    const statuses = await compareWithPolicyViews();
    expect(statuses[`${D.account.address.toLowerCase()}:${D.id}`]).to.equal("expired");
  });

  it("answers GraphQL queries: by account and status, by (account, permission id), history by cursor", async function () {
    for (const { name, indexer } of indexers) {
      const account = A1.account.address.toLowerCase();
      const bySession = await graphqlQuery<{ sessions: { items: { permissionId: string; status: string; registration: number }[] } }>(
        indexer.url,
        `query ($account: String!) { sessions(where: { account: $account, status: active }, orderBy: "createdBlock") { items { permissionId status registration } } }`,
        { account },
      );
      expect(bySession.sessions.items.map((s) => s.permissionId), name).to.deep.equal([A1.id]);

      const one = await graphqlQuery<{ session: { executionCount: number; spends: { items: { token: string; spent: string }[] }; executions: { totalCount: number } } }>(
        indexer.url,
        `query ($account: String!, $id: String!) { session(chainId: ${CHAIN_ID}, account: $account, permissionId: $id, registration: 1) {
           executionCount spends { items { token spent } } executions { totalCount } } }`,
        { account, id: A1.id },
      );
      expect(one.session.executions.totalCount, name).to.equal(one.session.executionCount);

      // History of the account, ten rows at a time by cursor, equals the same history over SQL.
      const viaSql = await sqlQuery<{ id: string }>(indexer.url, `select id from audit_event where account = '${account}' order by id`);
      const pages: string[] = [];
      let after: string | null = null;
      for (;;) {
        const page: { auditEvents: { items: { id: string }[]; pageInfo: { hasNextPage: boolean; endCursor: string | null } } } = await graphqlQuery(
          indexer.url,
          `query ($account: String!, $after: String) { auditEvents(where: { account: $account }, orderBy: "id", limit: 10, after: $after) {
             items { id } pageInfo { hasNextPage endCursor } } }`,
          { account, after },
        );
        pages.push(...page.auditEvents.items.map((e) => e.id));
        if (!page.auditEvents.pageInfo.hasNextPage) break;
        after = page.auditEvents.pageInfo.endCursor;
      }
      expect(pages, name).to.deep.equal(viaSql.map((r) => r.id));
      expect(pages.length, name).to.be.greaterThan(10);
    }
  });

  /** Compares the latest registration of each session with getStatus/getSession at the chain's time. */
  async function compareWithPolicyViews(): Promise<Record<string, SessionStatus>> {
    const { client, leash } = world;
    const now = await world.now();
    const statuses: Record<string, SessionStatus> = {};
    for (const { name, indexer } of indexers) {
      const sessions = await sqlQuery<{ account: Address; permission_id: Hex; registration: number; status: string; valid_after: string; valid_until: string; calls_left: string; fee_left: string }>(
        indexer.url,
        `select s.account, s.permission_id, s.registration, s.status, s.valid_after, s.valid_until, s.calls_left, s.fee_left from session s join permission p on p.chain_id = s.chain_id and p.account = s.account and p.permission_id = s.permission_id and p.session_registration = s.registration where s.chain_id = ${CHAIN_ID}`,
      );
      expect(sessions, name).to.have.length(4);
      for (const s of sessions) {
        const args = [s.account, s.permission_id] as const;
        const derived = sessionStatusAt({ status: s.status as never, validAfter: BigInt(s.valid_after), validUntil: BigInt(s.valid_until) }, now);
        const onChain = Number(await client.readContract({ address: leash.sessionPolicy, abi: world.abis.SessionPolicy, functionName: "getStatus", args }));
        expect(derived, `${name}: status of ${s.account} ${s.permission_id}`).to.equal(statusName(onChain));
        statuses[`${s.account}:${s.permission_id}`] = derived;

        const view = (await client.readContract({ address: leash.sessionPolicy, abi: world.abis.SessionPolicy, functionName: "getSession", args })) as {
          callsLeft: number;
          feeLeft: bigint;
          tokens: readonly { token: Address; remainingTotal: bigint; remainingInPeriod: bigint }[];
        };
        expect(s.calls_left, `${name}: calls left`).to.equal(String(view.callsLeft));
        expect(s.fee_left, `${name}: gas budget left`).to.equal(String(view.feeLeft));
        const spends = await sqlQuery<{ token: string; remaining_total: string; remaining_in_period: string; last_period: string | null }>(
          indexer.url,
          `select token, remaining_total, remaining_in_period, last_period from spend where chain_id = ${CHAIN_ID} and account = '${s.account}' and permission_id = '${s.permission_id}' and registration = ${s.registration}`,
        );
        for (const token of view.tokens) {
          const spend = spends.find((row) => row.token === token.token.toLowerCase());
          expect(spend, `${name}: spend of ${token.token}`).to.not.equal(undefined);
          expect(spend!.remaining_total, `${name}: remaining total of ${token.token}`).to.equal(String(token.remainingTotal));
          // The test stays within one period, so the view has not refilled any allowance.
          expect(spend!.remaining_in_period, `${name}: remaining in period of ${token.token}`).to.equal(String(token.remainingInPeriod));
        }
      }
    }
    return statuses;
  }
});
