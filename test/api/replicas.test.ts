// Two API processes (`tsx api/main.ts`, as `npm run api` runs it) on one index: a chain with Leash,
// one indexer on a fresh Postgres database, one client. With the same REDIS_URL the two share one
// rate-limit budget and give the same answers; without it each counts on its own; with a Redis that
// cannot be reached a process still starts and answers, and its log says why nothing is counted.
import { expect } from "chai";
import hre from "hardhat";
import { Redis } from "ioredis";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { generatePrivateKey, privateKeyToAccount } from "viem/accounts";
import { errorSchema, historyPageSchema, sessionPageSchema, sessionSchema } from "../../api/responses.js";
import { projectRoot } from "../../testkit/chain.js";
import { createTestDatabase, type TestDatabase } from "../../testkit/indexer/postgres.js";
import { freePort, type ManagedProcess, startProcess } from "../../testkit/processes.js";
import { approveTwap, fundedAccount, trade, twapRequest } from "../../testkit/scenario.js";
import { type Stack, startStack } from "../../testkit/stack.js";

const dir = mkdtempSync(join(tmpdir(), "leash-replicas-"));
const REDIS_URL = process.env.REDIS_URL || "redis://127.0.0.1:6379";
/** Requests per client per minute in every replica here. */
const LIMIT = 20;
/** This run's keys: nothing else in a shared Redis is read, written or deleted. */
const PREFIX = `leash-test-${Date.now().toString(36)}-${Math.random().toString(36).slice(2, 8)}:`;

interface Replica {
  name: string;
  url: string;
  process: ManagedProcess;
}

interface Answer {
  status: number;
  headers: Headers;
  body: any;
}

async function get(replica: Replica, path: string): Promise<Answer> {
  const response = await fetch(`${replica.url}${path}`);
  return { status: response.status, headers: response.headers, body: await response.json() };
}

/** The JSON log lines a replica has printed. */
function logLines(replica: Replica): Record<string, unknown>[] {
  return replica.process
    .tail(500)
    .split("\n")
    .filter((line) => line.startsWith("{"))
    .map((line) => JSON.parse(line) as Record<string, unknown>);
}

describe("api: two replicas on one index", function () {
  this.timeout(180_000);
  let database: TestDatabase | undefined;
  let redis: Redis | undefined;
  let stack: Stack | undefined;
  const replicas: Replica[] = [];
  let shared: [Replica, Replica];
  let separate: [Replica, Replica];
  let unreachable: Replica;
  let sessionPath: string;
  let listPath: string;

  before(async function () {
    const created = await createTestDatabase("leash_replicas");
    database = created.database;
    redis = new Redis(REDIS_URL, { lazyConnect: true, enableOfflineQueue: false, maxRetriesPerRequest: 0, connectTimeout: 2_000, retryStrategy: () => null });
    let redisError = "";
    redis.on("error", (error: Error) => (redisError ||= error.message));
    const redisUp = await redis.connect().then(
      () => true,
      () => false,
    );
    const missing = [database ? "" : created.reason, redisUp ? "" : `Redis at ${REDIS_URL} is not reachable (${redisError})`].filter(Boolean);
    if (missing.length) {
      console.warn(`\n  !!! REPLICA TESTS SKIPPED: ${missing.join("; ")}\n`);
      this.skip();
    }

    stack = await startStack({
      network: hre.network,
      artifacts: hre.artifacts,
      dir,
      database: { postgresUrl: database!.url },
      schema: "leash_replicas",
      pollingIntervalMs: 100,
      apiEnv: { LEASH_RATE_LIMIT: "0", LEASH_LOG_LEVEL: "warn" },
    });
    // A session with one trade: an approval and an execution in its history.
    const owner = privateKeyToAccount(generatePrivateKey());
    const account = await fundedAccount({ leash: stack.leash, demo: stack.demo, owner, usdc: "2000" });
    const session = await approveTwap(stack.leash, {
      owner,
      request: (sessionKey) => twapRequest({ account, sessionKey, demo: stack!.demo, chainId: stack!.leash.deployments.chainId }),
    });
    const traded = await trade(stack.leash, session, stack.demo, "25", { direct: true });
    if (!traded.ok) expect.fail(traded.refusal.message);
    await stack.synced();
    listPath = `/v1/accounts/${account}/sessions`;
    sessionPath = `${listPath}/${session.approval.permissionId}`;

    const start = async (name: string, env: Record<string, string>): Promise<Replica> => {
      const { process: proc, match } = await startProcess({
        name,
        command: process.execPath,
        args: [join(projectRoot, "node_modules", "tsx", "dist", "cli.mjs"), join(projectRoot, "api", "main.ts")],
        cwd: projectRoot,
        env: {
          HOST: "127.0.0.1",
          PORT: "0",
          LEASH_INDEXER_URL: stack!.indexer.url,
          // Replicas read the indexer's Postgres views directly, as they would in production.
          DATABASE_URL: database!.url,
          DATABASE_VIEWS_SCHEMA: "leash",
          LEASH_RPC_URL: stack!.chain.rpcUrl,
          LEASH_CHAIN_ID: String(stack!.leash.deployments.chainId),
          LEASH_DEPLOYMENTS: stack!.deploymentsFile,
          LEASH_RATE_LIMIT: String(LIMIT),
          LEASH_POLL_MS: "50",
          LEASH_LOG_LEVEL: "info",
          REDIS_URL: "",
          LEASH_REDIS_PREFIX: "",
          ...env,
        },
        ready: /"url":"(http:\/\/127\.0\.0\.1:\d+)".*"msg":"Leash API listening"/,
        timeoutMs: 90_000,
        logFile: join(dir, `${name}.log`),
      });
      const replica = { name, url: match[1]!, process: proc };
      replicas.push(replica);
      return replica;
    };
    const withRedis = { REDIS_URL, LEASH_REDIS_PREFIX: PREFIX };
    const closedPort = await freePort();
    const started = await Promise.all([
      start("shared-a", withRedis),
      start("shared-b", withRedis),
      start("separate-a", {}),
      start("separate-b", {}),
      start("unreachable", { REDIS_URL: `redis://127.0.0.1:${closedPort}` }),
    ]);
    shared = [started[0], started[1]];
    separate = [started[2], started[3]];
    unreachable = started[4];
  });

  after(async function () {
    await Promise.all(replicas.map((r) => r.process.stop()));
    await stack?.stop();
    await database?.drop();
    if (redis?.status === "ready") {
      await freshBudget();
      await redis.quit();
    } else redis?.disconnect();
  });

  /** This run's keys in Redis (SCAN, not KEYS: the server may be shared). */
  async function ourKeys(): Promise<string[]> {
    const keys: string[] = [];
    let cursor = "0";
    do {
      const [next, found] = await redis!.scan(cursor, "MATCH", `${PREFIX}*`, "COUNT", 1000);
      cursor = next;
      keys.push(...found);
    } while (cursor !== "0");
    return keys;
  }

  /** Deletes this run's rate-limit counters: the next request starts a fresh budget. */
  async function freshBudget() {
    const keys = await ourKeys();
    if (keys.length) await redis!.del(...keys);
  }

  it("both replicas answer one session, the list and the history identically, at the same indexed block", async function () {
    const head = (await stack!.leash.client.getBlockNumber({ cacheTime: 0 })).toString();
    // /ready is not rate limited: wait there until both see the chain's head, indexed.
    for (const replica of shared) {
      for (let tries = 0; ; tries++) {
        const ready = await get(replica, "/ready");
        if (ready.status === 200 && ready.body.chainBlock === head && ready.body.indexedBlock === head) {
          expect(ready.body.redis).to.deep.equal({ status: "ok", error: null });
          break;
        }
        if (tries > 200) expect.fail(`${replica.name} did not reach block ${head}: ${JSON.stringify(ready.body)}`);
        await new Promise((r) => setTimeout(r, 50));
      }
    }
    const checks = [
      [sessionPath, sessionSchema],
      [listPath, sessionPageSchema],
      [`${sessionPath}/history`, historyPageSchema],
    ] as const;
    for (const [path, schema] of checks) {
      // Answers are computed for "now" (asOf.now, whole seconds): compare two given in the same
      // second; a pair that straddles a second is asked again once.
      let [a, b] = await Promise.all(shared.map((replica) => get(replica, path)));
      if (a!.body.asOf?.now?.unix !== b!.body.asOf?.now?.unix) [a, b] = await Promise.all(shared.map((replica) => get(replica, path)));
      expect([a!.status, b!.status], path).to.deep.equal([200, 200]);
      expect(a!.body.asOf.indexedBlock, path).to.equal(head);
      expect(b!.body, path).to.deep.equal(a!.body);
      expect(schema.parse(a!.body), path).to.deep.equal(a!.body);
    }
    const history = (await get(shared[1], `${sessionPath}/history`)).body;
    expect(history.items.map((e: { type: string }) => e.type)).to.deep.equal(["registration", "execution"]);
  });

  it(`with one REDIS_URL, requests alternating between the replicas share one budget of ${LIMIT}: the next is 429 on either`, async function () {
    await freshBudget();
    for (let i = 0; i < LIMIT; i++) {
      const answer = await get(shared[i % 2]!, sessionPath);
      expect(answer.status, `request ${i + 1} to ${shared[i % 2]!.name}`).to.equal(200);
      // Each replica sees the other's requests counted.
      expect(answer.headers.get("x-ratelimit-remaining"), `request ${i + 1}`).to.equal(String(LIMIT - 1 - i));
    }
    for (const replica of shared) {
      const limited = await get(replica, sessionPath);
      expect(limited.status, replica.name).to.equal(429);
      expect(errorSchema.parse(limited.body)).to.deep.equal(limited.body);
      expect(limited.body.error.code).to.equal("rate_limited");
      expect(limited.body.error.message).to.match(new RegExp(`^more than ${LIMIT} requests per minute from this client; retry in `));
      expect(Number(limited.headers.get("retry-after"))).to.be.within(1, 60);
    }
    // One counter for this client, in Redis under the prefix, with every request counted.
    const keys = await ourKeys();
    expect(keys).to.deep.equal([`${PREFIX}rate:127.0.0.1`]);
    expect(await redis!.get(keys[0]!)).to.equal(String(LIMIT + 2));
  });

  it(`without REDIS_URL each replica has its own budget: ${2 * LIMIT} alternating requests pass`, async function () {
    for (let i = 0; i < 2 * LIMIT; i++) {
      const answer = await get(separate[i % 2]!, sessionPath);
      expect(answer.status, `request ${i + 1} to ${separate[i % 2]!.name}`).to.equal(200);
      expect(answer.headers.get("x-ratelimit-remaining"), `request ${i + 1}`).to.equal(String(LIMIT - 1 - Math.floor(i / 2)));
    }
    for (const replica of separate) expect((await get(replica, sessionPath)).status, replica.name).to.equal(429);
  });

  it("with REDIS_URL on a closed port, a replica starts, answers uncounted and logs one structured warning naming Redis", async function () {
    const [reference, health] = await Promise.all([get(shared[0], "/ready"), get(unreachable, "/health")]);
    expect(health.status).to.equal(200);
    // Fail-open: more requests than the limit, all answered, as the replicas with Redis answer them.
    let last: Answer | undefined;
    for (let i = 0; i <= LIMIT; i++) {
      last = await get(unreachable, sessionPath);
      expect(last.status, `request ${i + 1}`).to.equal(200);
    }
    expect(last!.body.asOf.indexedBlock).to.equal(reference.body.indexedBlock);
    const ready = await get(unreachable, "/ready");
    expect(ready.status, JSON.stringify(ready.body)).to.equal(200);
    expect(ready.body.redis.status).to.equal("unavailable");
    expect(ready.body.redis.error).to.match(/ECONNREFUSED 127\.0\.0\.1:\d+/);

    const warnings = logLines(unreachable).filter((entry) => entry.level === 40 && "redis" in entry);
    expect(warnings, unreachable.process.tail(10)).to.have.length(1);
    expect(warnings[0]!.redis).to.match(/^redis:\/\/127\.0\.0\.1:\d+$/);
    expect(warnings[0]!.reason).to.match(/ECONNREFUSED/);
    expect(warnings[0]!.msg).to.match(/^Redis unavailable: requests are answered without counting them/);
    // No stack trace and nothing ioredis printed by itself.
    expect(unreachable.process.tail(500)).not.to.match(/\n\s+at |Unhandled error event/);
  });
});
