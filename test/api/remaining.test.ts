// What remains of a session, computed from the index alone (the API's typed reads of the indexer's
// tables, then sdk/rules.ts sessionSnapshotAt), equals SessionPolicy's own views (getSession,
// getStatus) at many times and in many states: sessions with rate windows, spending periods,
// lifetime call counts, totals, expiry and revocation, driven by real Kernel operations at chosen
// times, and read at random times and at every boundary (a window's last second and the next,
// a period's refill, expiry).
import { expect } from "chai";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type Abi, type Hex, encodeFunctionData, erc20Abi } from "viem";
import { generatePrivateKey, privateKeyToAccount } from "viem/accounts";
import { connectIndex, type IndexConnection } from "../../api/index-db.js";
import { IndexReads } from "../../api/sessions/index-reads.js";
import { sessionStateOf } from "../../api/sessions/view.js";
import type { SessionSnapshot } from "../../sdk/contracts.js";
import { encodeTimeClaim } from "../../sdk/policies.js";
import { NO_CALL_LIMIT, sessionSnapshotAt, statusName } from "../../sdk/rules.js";
import type { Call } from "../../sdk/userops.js";
import { seededRandom } from "../../testkit/random.js";
import { type Indexer, startIndexer, waitForBlock } from "../../testkit/indexer/process.js";
import { allow, limit, sessionConfig, usdc } from "../policies/config.js";
import { type Permission, type World, mint, openPermission, send, sendAsOwner, sessionPolicyOf, startWorld } from "../indexer/world.js";

const TRANSFER = "transfer(address,uint256)";
const dir = mkdtempSync(join(tmpdir(), "leash-remaining-"));

describe("api: what remains, from the index, equals SessionPolicy's views at any time", function () {
  this.timeout(300_000);
  const seed = Number(process.env.LEASH_TEST_SEED ?? Math.floor(Math.random() * 2 ** 31));
  const rnd = seededRandom(seed);
  let world: World;
  let indexer: Indexer;
  let index: IndexConnection;
  let reads: IndexReads;
  const recipient = privateKeyToAccount(generatePrivateKey()).address;
  const sessions: { name: string; permission: Permission; revoked: boolean }[] = [];
  /** The time the next block is stamped with, and the claim the session key signs with it. */
  let next = 0;
  let compared = 0;
  const outcomes = { sent: 0, refused: 0 };

  // Windows and periods are at least an hour (MIN_PERIOD): the run's times are in minutes, not seconds.
  const M = 60;

  before(async function () {
    world = await startWorld({ logFile: join(dir, "chain.log") });
    const { leash } = world;
    next = (await world.now()) + 10;
    const start = next - 30;
    const claim = async () => [{ index: 0, data: encodeTimeClaim(next) }];
    const transferOnly = [allow(leash.usdc, TRANSFER)];
    const configs = {
      // A rate window and a spending period of different lengths, an optional per-transaction cap.
      windowed: sessionConfig(start, {
        window: rnd.int(60, 300) * M,
        callsPerWindow: rnd.int(1, 3),
        calls: transferOnly,
        tokens: [limit(leash.usdc, { perTransaction: rnd.chance(0.5) ? usdc("40") : 0n, perPeriod: usdc(String(rnd.int(50, 150))), period: rnd.int(120, 600) * M })],
      }),
      // Lifetime calls and a total that run out.
      counted: sessionConfig(start, {
        maxCalls: rnd.int(3, 6),
        calls: transferOnly,
        tokens: [limit(leash.usdc, { total: usdc(String(rnd.int(100, 250))) })],
      }),
      // Everything at once, and an expiry within the run.
      expiring: sessionConfig(start, {
        validUntil: start + rnd.int(1_500, 3_000) * M,
        window: rnd.int(60, 240) * M,
        callsPerWindow: rnd.int(1, 4),
        maxCalls: rnd.int(5, 12),
        calls: transferOnly,
        tokens: [limit(leash.usdc, { perTransaction: usdc("80"), total: usdc("400"), perPeriod: usdc(String(rnd.int(80, 200))), period: rnd.int(60, 900) * M })],
      }),
      // Revoked half way.
      revoked: sessionConfig(start, {
        window: rnd.int(60, 600) * M,
        callsPerWindow: rnd.int(1, 2),
        calls: transferOnly,
        tokens: [limit(leash.usdc, { perPeriod: usdc("100"), period: rnd.int(60, 600) * M })],
      }),
    };
    for (const [name, config] of Object.entries(configs)) {
      const permission = await openPermission(world, [sessionPolicyOf(world, config)], { slices: claim });
      await mint(world, leash.usdc, permission.account.address, usdc("10000"));
      sessions.push({ name, permission, revoked: false });
    }
    // Each session's first operation enables it (the registration and a first use, in one operation).
    for (const { permission } of sessions) {
      await at(1);
      await send(permission, [transfer(usdc("1"))]);
    }
    indexer = await startIndexer({
      deploymentsFile: leash.deploymentsFile,
      rpcUrl: world.chain.rpcUrl,
      database: { pgliteDir: join(dir, "pglite") },
      schema: "leash_remaining_test",
      pollingIntervalMs: 100,
      logFile: join(dir, "indexer.log"),
    });
    // The API's own reads, over the indexer's SQL over HTTP, uncached.
    index = connectIndex({ indexerUrl: indexer.url, viewsSchema: "leash", poolSize: 1, timeoutMs: 10_000 });
    reads = new IndexReads(index.db, 31337, (_key, load) => load());
  });

  after(async function () {
    if (this.currentTest?.state === "failed" || this.test?.parent?.tests.some((t) => t.state === "failed")) {
      console.log(`    replay with LEASH_TEST_SEED=${seed}`);
    }
    await index?.close();
    await indexer?.stop();
    await world?.stop();
  });

  function transfer(amount: bigint): Call {
    return {
      to: world.leash.usdc,
      data: encodeFunctionData({ abi: erc20Abi, functionName: "transfer", args: [recipient, amount] }),
    };
  }

  /**
   * The next block at `next`, `seconds` later; the session key claims the same time. A block just
   * before it moves the chain's clock there, where the signer reads it for its deadline.
   */
  async function at(seconds: number) {
    const latest = await world.now();
    next = Math.max(next + seconds, latest + 1);
    if (next - 1 > latest) await world.rpc("evm_mine", [next - 1]);
    await world.rpc("evm_setNextBlockTimestamp", [next]);
  }

  /** Operations at random times: spends within or over the limits (refusals change nothing). */
  async function operate(steps: number) {
    for (let i = 0; i < steps; i++) {
      const session = rnd.pick(sessions);
      await at(rnd.chance(0.3) ? rnd.int(0, 5) : rnd.int(20, 400) * M);
      try {
        await send(session.permission, [transfer(usdc(String(rnd.int(1, 90))))]);
        outcomes.sent++;
      } catch (error) {
        if (process.env.DEBUG_REFUSALS) console.log(session.name, (error as Error).message.slice(0, 200));
        outcomes.refused++;
      }
    }
  }

  /** SessionPolicy's views in a block stamped `time` (the pending block; nothing is mined). */
  async function chainViews(permission: Permission, time: number): Promise<{ snapshot: SessionSnapshot; status: number }> {
    await world.rpc("evm_setNextBlockTimestamp", [time]);
    const read = (functionName: "getSession" | "getStatus") =>
      world.client.readContract({
        address: world.leash.sessionPolicy,
        abi: world.abis.SessionPolicy as Abi,
        functionName,
        args: [permission.account.address, permission.id],
        blockTag: "pending",
      });
    const [snapshot, status] = await Promise.all([read("getSession"), read("getStatus")]);
    return { snapshot: snapshot as SessionSnapshot, status: Number(status) };
  }

  /** Times to compare at: random ones, and each boundary the session has after `from`. */
  function timesToCheck(snapshot: SessionSnapshot, from: number): number[] {
    const times = new Set<number>();
    for (let i = 0; i < 6; i++) times.add(from + rnd.int(0, 3_000) * M);
    const edges = [snapshot.windowEndsAt, snapshot.validUntil, ...snapshot.tokens.map((t) => t.refillsAt - 1)];
    for (const edge of edges) {
      if (edge === 0 || edge < from) continue;
      for (const t of [edge, edge + 1]) times.add(t);
    }
    return [...times].filter((t) => t > from).sort((a, b) => a - b);
  }

  async function compareAll() {
    const head = await world.client.getBlock();
    await waitForBlock(indexer, head);
    const from = Number(head.timestamp);
    const indexed = { number: head.number, timestamp: from };
    for (const { name, permission } of sessions) {
      const [row] = await reads.sessionRows(permission.account.address, permission.id as Hex, undefined, indexed);
      expect(row, `${name}: indexed`).to.not.equal(undefined);
      const state = sessionStateOf(row!);
      const first = await chainViews(permission, from + 1);
      for (const time of timesToCheck(first.snapshot, from)) {
        const chain = await chainViews(permission, time);
        const computed = sessionSnapshotAt(state, time);
        expect(computed, `${name} at ${time} (${time - from} s after block ${head.number})`).to.deep.equal(chain.snapshot);
        expect(statusName(computed.status), `${name}: getStatus at ${time}`).to.equal(statusName(chain.status));
        compared++;
      }
    }
  }

  it("after the first operations: windows, periods and counts in use", async function () {
    await operate(12);
    await compareAll();
  });

  it("after more, across window and period rollovers, with a session exhausted or expired", async function () {
    await operate(14);
    await compareAll();
  });

  it("after a revocation and operations later than the expiry", async function () {
    const revoked = sessions.find((s) => s.name === "revoked")!;
    await at(30 * M);
    const revoke = encodeFunctionData({ abi: world.abis.SessionPolicy as Abi, functionName: "revoke", args: [revoked.permission.id] });
    await sendAsOwner(revoked.permission, [{ to: world.leash.sessionPolicy, data: revoke }]);
    revoked.revoked = true;
    await at(1_000 * M);
    await operate(10);
    await compareAll();
    const statuses = await Promise.all(sessions.map(async ({ permission }) => statusName((await chainViews(permission, next + 1)).status)));
    expect(statuses, "states the run must have reached").to.include.members(["revoked", "expired"]);
    expect(outcomes.sent, "operations that went through").to.be.greaterThan(10);
    expect(compared, "comparisons").to.be.greaterThan(60);
    console.log(`    ${compared} comparisons, ${outcomes.sent} operations sent, ${outcomes.refused} refused (seed ${seed})`);
  });

  it("an unlimited lifetime count reads as unlimited (NO_CALL_LIMIT) in both", async function () {
    const windowed = sessions.find((s) => s.name === "windowed")!;
    expect((await chainViews(windowed.permission, next + 1)).snapshot.callsLeft).to.equal(NO_CALL_LIMIT);
  });
});
