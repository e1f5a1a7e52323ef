// `npm run bench:executor`: one executor process driving many TWAP automations at once on the local
// stack. For each size in BENCH_AUTOMATIONS (default 1,100,1000): that many automations of
// BENCH_SLICES slices (3) every BENCH_INTERVAL_SECONDS (10), spread over Kernel accounts of one
// owner (at most 100 sessions each), created through the executor, their requests approved with the
// owner's signature through the API, then run to the end. Reported from the executor's own records:
// operations per second while it runs (operations included / the span from the first due slot to the
// last inclusion) and the scheduling delay of every slot (its first attempt against its due time),
// p50 and p99. Operations go through the stack's bundler when the executor has a bundler setting,
// else straight to the EntryPoint (said in the output).
import hre from "hardhat";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { asc, inArray } from "drizzle-orm";
import { privateKeyToAccount } from "viem/accounts";
import { readExecutorSettings } from "../executor/config.js";
import { startExecutor } from "../executor/executor.js";
import { jsonLog } from "../executor/log.js";
import { attempt, automation, slot } from "../executor/store/schema.js";
import { signRequest } from "../testkit/requests.js";
import { fundedAccount } from "../testkit/scenario.js";
import { startStack } from "../testkit/stack.js";
import { devKey } from "../testkit/testbed/client.js";
import { median, quantile, setting } from "./stats.js";

const SIZES = (process.env.BENCH_AUTOMATIONS ?? "1,100,1000").split(",").map((v) => {
  const n = Number(v);
  if (!Number.isSafeInteger(n) || n < 1) throw new Error("BENCH_AUTOMATIONS must be positive integers separated by commas");
  return n;
});
const SLICES = setting("BENCH_SLICES", 3);
const INTERVAL = setting("BENCH_INTERVAL_SECONDS", 10);
const PER_ACCOUNT = 100;
const log = (line: string) => console.log(`[bench:executor] ${line}`);

const dir = mkdtempSync(join(tmpdir(), "leash-bench-executor-"));
const stack = await startStack({
  network: hre.network,
  artifacts: hre.artifacts,
  dir,
  database: { pgliteDir: join(dir, "pglite") },
  schema: "leash_bench_executor",
  bundlerPort: 0,
  pollingIntervalMs: 200,
  apiEnv: { LEASH_RATE_LIMIT: "0", LEASH_LOG_LEVEL: "warn", LEASH_POLL_MS: "100" },
});
const owner = privateKeyToAccount(devKey(8));
const env: Record<string, string> = {
  LEASH_API_URL: stack.apiUrl,
  LEASH_RPC_URL: stack.chain.rpcUrl,
  LEASH_DEPLOYMENTS: stack.deploymentsFile,
  LEASH_EXECUTOR_PORT: "0",
  LEASH_EXECUTOR_KEY: "22".repeat(32),
  LEASH_EXECUTOR_STATE_DIR: join(dir, "executor"),
  LEASH_EXECUTOR_SUBMITTER_KEY: devKey(9),
  LEASH_EXECUTOR_POLL_MS: "100",
  LEASH_EXECUTOR_RETRY_MS: "200",
  LEASH_BUNDLER_URL: stack.bundler!.url,
  LEASH_BUNDLER_MARGINS: `${stack.bundler!.margins.validAfterSeconds},${stack.bundler!.margins.validUntilSeconds}`,
};
const settings = readExecutorSettings(env);
const viaBundler = "LEASH_BUNDLER_URL" in settings;
const executor = await startExecutor(settings, stack.leash.deployments, jsonLog(() => {}));
const rows: string[] = [];

async function json(url: string, method: "GET" | "POST" = "GET", body?: unknown): Promise<any> {
  const response = await fetch(url, { method, headers: body === undefined ? {} : { "content-type": "application/json" }, body: body === undefined ? undefined : JSON.stringify(body) });
  const answer = await response.json();
  if (!response.ok) throw new Error(`${method} ${url}: ${response.status} ${JSON.stringify(answer)}`);
  return answer;
}

/** Runs `work` over `items`, `width` at a time. */
async function inParallel<T>(items: T[], width: number, work: (item: T, i: number) => Promise<void>) {
  let next = 0;
  await Promise.all(Array.from({ length: Math.min(width, items.length) }, async () => {
    while (next < items.length) {
      const i = next++;
      await work(items[i]!, i);
    }
  }));
}

let accountIndex = 100n;
try {
  log(`${SLICES} slices every ${INTERVAL} s per automation; operations ${viaBundler ? "through the bundler" : "straight to the EntryPoint (the executor has no bundler setting)"}`);
  for (const size of SIZES) {
    const accounts = await Promise.all(
      Array.from({ length: Math.ceil(size / PER_ACCOUNT) }, () =>
        fundedAccount({ leash: stack.leash, demo: stack.demo, owner, index: accountIndex++, usdc: String(PER_ACCOUNT * SLICES + 10) }),
      ),
    );
    const ids: string[] = [];
    const started = Date.now();
    await inParallel(Array.from({ length: size }, (_, i) => i), 8, async (i) => {
      const account = accounts[Math.floor(i / PER_ACCOUNT)]!;
      const created = await json(`${executor.url}/v1/automations`, "POST", {
        kind: "twap",
        account,
        router: stack.demo.router,
        tokenIn: stack.demo.usdc,
        tokenOut: stack.demo.weth,
        totalAmount: String(SLICES),
        slices: SLICES,
        intervalSeconds: INTERVAL,
      });
      // The executor asks the API for the session request; an API that was busy is asked again.
      let requestId: string | null = created.requestId;
      for (let tries = 0; !requestId; tries++) {
        if (tries > 600) throw new Error(`automation ${created.id} never got its session request`);
        await new Promise((r) => setTimeout(r, 100));
        requestId = (await json(`${executor.url}/v1/automations/${created.id}`)).requestId;
      }
      const request = await json(`${stack.apiUrl}/v1/session-requests/${requestId}`);
      await json(`${stack.apiUrl}/v1/session-requests/${requestId}/approval`, "POST", { signature: await signRequest(owner, request.toSign.typedData) });
      ids.push(created.id);
      if (ids.length % 100 === 0) log(`  ${size}: ${ids.length} approved (${((Date.now() - started) / 1000).toFixed(0)} s)`);
    });
    log(`${size}: all approved in ${((Date.now() - started) / 1000).toFixed(1)} s; running`);
    const db = executor.store.db;
    for (;;) {
      const states = await db.select({ status: automation.status }).from(automation).where(inArray(automation.id, ids));
      const open = states.filter((s) => !["completed", "stopped", "cancelled"].includes(s.status)).length;
      if (open === 0) break;
      await new Promise((r) => setTimeout(r, 1_000));
    }
    const slots = await db.select().from(slot).where(inArray(slot.automationId, ids));
    const attempts = await db.select().from(attempt).where(inArray(attempt.automationId, ids)).orderBy(asc(attempt.id));
    const stopped = (await db.select({ status: automation.status }).from(automation).where(inArray(automation.id, ids))).filter((s) => s.status !== "completed").length;
    const first = new Map<string, number>();
    for (const a of attempts) {
      const key = `${a.automationId}:${a.slotIndex}`;
      if (!first.has(key)) first.set(key, a.at.getTime());
    }
    const delays = slots.filter((s) => first.has(`${s.automationId}:${s.index}`)).map((s) => first.get(`${s.automationId}:${s.index}`)! - s.dueAt.getTime());
    const included = attempts.filter((a) => a.result === "included");
    const span = (Math.max(...included.map((a) => (a.finishedAt ?? a.at).getTime())) - Math.min(...slots.map((s) => s.dueAt.getTime()))) / 1000;
    const row = `| ${size.toLocaleString("en-US")} | ${included.length} | ${(included.length / span).toFixed(1)} | ${median(delays).toLocaleString("en-US")} ms | ${quantile(delays, 0.99).toLocaleString("en-US")} ms | ${stopped} |`;
    rows.push(row);
    log(`${size}: ${included.length} operations in ${span.toFixed(1)} s; delay p50 ${median(delays)} ms, p99 ${quantile(delays, 0.99)} ms; ${stopped} not completed`);
  }
  console.log(`
One executor process, ${SLICES} slices every ${INTERVAL} s per automation, operations ${viaBundler ? "through the local bundler" : "straight to the EntryPoint"}; 2 CPUs shared by the chain, ${viaBundler ? "the bundler, " : ""}the indexer, the API and the executor:

| automations | operations | operations/s | scheduling delay p50 | p99 | not completed |
| ---: | ---: | ---: | ---: | ---: | ---: |
${rows.join("\n")}
`);
} finally {
  await executor.stop();
  await stack.stop();
}
