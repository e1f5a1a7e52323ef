// `npm start`: the whole product on 127.0.0.1 — a local chain with Leash deployed, the alto bundler,
// the indexer on its embedded database (PGlite; `npm start -- --postgres` for the local Postgres),
// the API with its dashboard and the executor (its own child process, sending through the bundler) —
// then the TWAP scenario played once so there is real data to see, a session request left waiting
// for the owner's approval on its page (once signed there, this process, holding the session key as
// a chat backend would, makes the session's first operation), and a TWAP automation created on the
// executor, waiting for the same owner: once approved, its slices run live every few seconds.
// Prints the URLs and what to try next; Ctrl-C stops everything. A second `npm start` stops the
// first one and replaces it.
import hre from "hardhat";
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { generatePrivateKey, privateKeyToAccount } from "viem/accounts";
import { build } from "vite";
import { deploymentsPath } from "../sdk/deployments.js";
import { recreateDatabase } from "../testkit/indexer/postgres.js";
import { createAutomation, createTwap, readAutomation, startExecutorProcess } from "../testkit/executor.js";
import { DEV_OWNER_KEY, leaveRequestWaiting } from "../testkit/requests.js";
import { approveTwap, deployEthFeed, fundedAccount, setEthPrice, trade, twapRequest } from "../testkit/scenario.js";
import { startStack, type Stack } from "../testkit/stack.js";
import { projectRoot } from "../testkit/chain.js";
import { freePort, portIsFree } from "../testkit/processes.js";

const STEPS = 5;
/** The live automation's compressed schedule: 6 slices of 10 USDC, one every 5 s. */
const LIVE_TWAP = { totalAmount: "60", slices: 6, intervalSeconds: 5 };
/** The live stop-loss: sell 0.5 WETH once ETH / USD reads below $2,800 (checked every 3 s); the scenario moves it to $2,700. */
const LIVE_STOP_LOSS = { amount: "0.5", threshold: "2800", maxAgeSeconds: 3_600, checkIntervalSeconds: 3 };
const MOVED_PRICE = 2_700n;
/** Seconds the stop-loss watches the price at $3,000 before the scenario moves it. */
const PRICE_MOVES_AFTER = 15;

// Logs, the embedded database and the pid file (LEASH_STATE_DIR moves them, e.g. for tests).
const stateDir = process.env.LEASH_STATE_DIR ? resolve(process.env.LEASH_STATE_DIR) : join(projectRoot, ".leash");
const logDir = join(stateDir, "logs");
const pidFile = join(stateDir, "start.pid");
const postgres = process.env.LEASH_START_POSTGRES === "1";
let step = 0;
const log = (message: string) => console.log(`[leash] ${message}`);
const progress = (message: string) => log(`[${++step}/${STEPS}] ${message}`);
const started = Date.now();
const elapsed = () => `${((Date.now() - started) / 1000).toFixed(1)} s`;

/** A previous `npm start` still running is stopped first: its chain is about to be replaced. */
async function replacePrevious() {
  if (!existsSync(pidFile)) return;
  const pid = Number(readFileSync(pidFile, "utf8"));
  if (!Number.isInteger(pid) || pid === process.pid) return;
  // Only ever signal a process that is an `npm start` of ours (a stale pid may have been reused).
  let command = "";
  try {
    command = readFileSync(`/proc/${pid}/cmdline`, "utf8");
  } catch {
    command = "";
  }
  if (!command.includes("scripts/start.ts")) return;
  try {
    process.kill(pid, "SIGTERM");
  } catch {
    return; // not running any more
  }
  log(`another npm start is running (pid ${pid}): stopping it to start afresh`);
  for (let i = 0; i < 150; i++) {
    await new Promise((r) => setTimeout(r, 100));
    try {
      process.kill(pid, 0);
    } catch {
      return;
    }
  }
  throw new Error(`npm start (pid ${pid}) did not stop within 15 s; stop it with Ctrl-C in its terminal`);
}

async function pickPort(name: string, variable: string, preferred: number): Promise<number> {
  const wanted = process.env[variable] ? Number(process.env[variable]) : preferred;
  if (!Number.isInteger(wanted) || wanted < 0 || wanted > 65_535) {
    throw new Error(`${variable}=${process.env[variable]} is not a port number`);
  }
  if (wanted === 0 || (await portIsFree(wanted))) return wanted;
  const port = await freePort();
  log(`port ${wanted} is taken; the ${name} uses ${port} instead (set ${variable} to choose)`);
  return port;
}

async function main() {
  mkdirSync(logDir, { recursive: true });
  await replacePrevious();
  writeFileSync(pidFile, String(process.pid));
  process.on("exit", () => {
    if (existsSync(pidFile) && readFileSync(pidFile, "utf8") === String(process.pid)) rmSync(pidFile);
  });
  const ports = {
    chain: await pickPort("chain", "CHAIN_PORT", 8545),
    bundler: await pickPort("bundler", "BUNDLER_PORT", 4337),
    indexer: await pickPort("indexer", "INDEXER_PORT", 42069),
    api: await pickPort("API", "PORT", 4000),
    executor: await pickPort("executor", "LEASH_EXECUTOR_PORT", 4100),
  };
  const pgliteDir = join(stateDir, "pglite");
  rmSync(pgliteDir, { recursive: true, force: true });
  // The executor's automations belong to the chain that is about to be replaced too.
  rmSync(join(stateDir, "executor-db"), { recursive: true, force: true });
  // The chain starts empty every time, so does the index.
  const database = postgres ? { postgresUrl: await recreateDatabase("leash_local") } : { pgliteDir };

  // The React example app, which the API serves at /example/ (it reads the files when it starts).
  log("      building the React example app (react/example)");
  await build({ configFile: join(projectRoot, "react", "example", "vite.config.ts"), logLevel: "warn" });
  progress(`starting chain, bundler, indexer (${postgres ? "Postgres" : "PGlite"}), API and executor`);
  const stack: Stack = await startStack({
    network: hre.network,
    artifacts: hre.artifacts,
    dir: logDir,
    chainPort: ports.chain,
    bundlerPort: ports.bundler,
    indexerPort: ports.indexer,
    apiPort: ports.api,
    database,
    schema: "leash_local",
    // The usual place, so that `npm run session`, `npm run api` and `npm run indexer` find it too.
    deploymentsFile: deploymentsPath(31337),
    apiLogFile: join(logDir, "api.log"),
    // The API shows the executor's automations.
    apiEnv: { LEASH_EXECUTOR_URL: `http://127.0.0.1:${ports.executor}` },
    log: (m) => log(`      ${m}`),
  });
  log("      starting the executor");
  const executor = await startExecutorProcess({ stack, port: ports.executor, stateDir, logFile: join(logDir, "executor.log") }).catch(async (error: unknown) => {
    await stack.stop();
    throw error;
  });
  let stopping = false;
  const shutdown = (signal: string) => {
    if (stopping) return;
    stopping = true;
    log(`${signal}: stopping everything`);
    void executor
      .stop()
      .catch(() => {})
      .then(() => stack.stop())
      .finally(() => process.exit(0));
  };
  process.on("SIGINT", () => shutdown("Ctrl-C"));
  process.on("SIGTERM", () => shutdown("SIGTERM"));

  progress("playing the TWAP scenario: an account, its owner's approval, trades through the bundler");
  const { leash, demo } = stack;
  const owner = privateKeyToAccount(generatePrivateKey());
  const account = await fundedAccount({ leash, demo, owner, usdc: "2000" });
  const request = (sessionKey: `0x${string}`) => twapRequest({ account, sessionKey, demo, chainId: leash.deployments.chainId });
  const preview = await fetch(`${stack.apiUrl}/v1/session-requests`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify(request(privateKeyToAccount(generatePrivateKey()).address)),
  }).then((r) => r.json() as Promise<{ summary: { text: string } }>);
  log(`      the chat asks: "${preview.summary.text}"`);
  const session = await approveTwap(leash, { owner, request });
  log(`      approved: session ${session.approval.permissionId} for key ${session.sessionKey.address}`);
  const via = { bundlerUrl: stack.bundler!.url, margins: stack.bundler!.margins };
  for (const amount of ["41.67", "50", "30"]) {
    const outcome = await trade(leash, session, demo, amount, via);
    if (!outcome.ok) throw new Error(`trade of ${amount} USDC was refused: ${outcome.refusal.message}`);
    log(`      traded ${amount} USDC for WETH (tx ${outcome.result.transactionHash})`);
  }
  const refused = await trade(leash, session, demo, "60", via);
  if (refused.ok) throw new Error("a 60 USDC trade went through a 50 USDC per-trade cap");
  log(`      refused as it should be: ${refused.refusal.message}`);

  progress("waiting for the indexer and the API to show it");
  await stack.synced();
  const shown = await fetch(`${stack.apiUrl}/v1/accounts/${account}/sessions/${session.approval.permissionId}`).then(
    (r) => r.json() as Promise<{ status: string; display: { timeLeft: string; calls: string | null; spend: string[] } }>,
  );
  log(`      session ${session.approval.permissionId}: ${shown.status}, ${shown.display.timeLeft}, ${shown.display.calls}, ${shown.display.spend.join(", ")}`);

  progress("a session request and a TWAP automation left waiting for the owner's approval");
  const pending = await leaveRequestWaiting(stack, log);
  log(`      request ${pending.id}: ${pending.display.status}`);
  log(`      approve it at ${stack.apiUrl}${pending.approvalUrl} (owner: Hardhat's development account #1, ${pending.approvalOwner})`);
  const devOwner = privateKeyToAccount(DEV_OWNER_KEY);
  const liveAccount = await fundedAccount({ leash, demo, owner: devOwner, index: 1n, usdc: "1000", weth: "1" });
  const live = await createTwap(executor.url, stack, { account: liveAccount, ...LIVE_TWAP });
  log(`      automation ${live.id}: a TWAP of ${LIVE_TWAP.totalAmount} USDC for WETH in ${LIVE_TWAP.slices} slices, one every ${LIVE_TWAP.intervalSeconds} s, for account ${liveAccount}`);
  log(`      approve it at ${live.approvalUrl} (owner: Hardhat's development account #1, ${devOwner.address})`);
  void followAutomation(executor.url, live.id);
  const feed = await deployEthFeed(leash.client, hre.artifacts, demo);
  const stopLoss = await createAutomation(executor.url, {
    kind: "stop_loss",
    account: liveAccount,
    router: demo.router,
    tokenIn: demo.weth,
    tokenOut: demo.usdc,
    feed,
    ...LIVE_STOP_LOSS,
  });
  log(`      automation ${stopLoss.id}: a stop-loss selling ${LIVE_STOP_LOSS.amount} WETH below $${LIVE_STOP_LOSS.threshold} (ETH / USD feed ${feed}, now $3,000), for account ${liveAccount}`);
  log(`      approve it at ${stopLoss.approvalUrl} (owner: Hardhat's development account #1, ${devOwner.address})`);
  void followAutomation(executor.url, stopLoss.id, async () => {
    // Once it watches, the market falls: the scenario moves the feed (and the router) to $2,700.
    await new Promise((r) => setTimeout(r, PRICE_MOVES_AFTER * 1000));
    await setEthPrice(leash.client, demo, feed, MOVED_PRICE);
    log(`automation ${stopLoss.id}: the scenario moves ETH / USD to $${MOVED_PRICE.toLocaleString("en-US")}`);
  });
  // Its account was funded just now: ready means the index has it too.
  await stack.synced();

  progress(`ready in ${elapsed()}`);
  const api = stack.apiUrl;
  const { margins } = stack.bundler!;
  const exampleUrl = `${api}/example/?${new URLSearchParams({
    chainId: String(leash.deployments.chainId),
    rpc: stack.chain.rpcUrl,
    bundler: stack.bundler!.url,
    token: stack.demo.usdc,
    margins: `${margins.validAfterSeconds},${margins.validUntilSeconds}`,
  })}`;
  console.log(`
Leash is running on 127.0.0.1 (${postgres ? "indexer on Postgres, database leash_local" : "indexer on PGlite"}):

  dashboard   ${api}/dashboard?account=${account}
  React app   ${exampleUrl}
  API docs    ${api}/docs           (OpenAPI: ${api}/openapi.json)
  GraphQL     ${stack.indexer.url}/graphql
  chain       ${stack.chain.rpcUrl}   (chain id ${leash.deployments.chainId})
  bundler     ${stack.bundler!.url}
  executor    ${executor.url}/v1/automations

The scenario's account is ${account}; its session ${session.approval.permissionId} swaps USDC on the
mock router, at most $50 a trade and $1,000 in all, 10 trades an hour, for 24 hours.

Try:
  curl -s ${api}/v1/accounts/${account}/sessions | jq '.items[0].display'
  curl -s ${api}/v1/accounts/${account}/sessions/${session.approval.permissionId}/history | jq '.items[].text'
  curl -s -X POST ${api}/v1/session-requests -H 'content-type: application/json' \\
       -d '${JSON.stringify(request(privateKeyToAccount(generatePrivateKey()).address))}' | jq .summary.text

A session request waits for its owner (account ${pending.account}): open
  ${api}${pending.approvalUrl}
with a wallet on this chain (chain id ${leash.deployments.chainId}, RPC ${stack.chain.rpcUrl}) holding Hardhat's development
account #1 (${pending.approvalOwner}), and sign. This process holds the session key: once the request is
approved it makes the session's first operation, and the dashboard shows it approved, then active.

The executor holds a TWAP automation for account ${liveAccount} (the same owner): approve it at
  ${live.approvalUrl}
and its ${LIVE_TWAP.slices} slices run live through the bundler, one every ${LIVE_TWAP.intervalSeconds} s:
  curl -s ${executor.url}/v1/automations/${live.id} | jq '{status, progress}'
and a stop-loss on the same account: approve it at
  ${stopLoss.approvalUrl}
and it watches ETH / USD every ${LIVE_STOP_LOSS.checkIntervalSeconds} s; ${PRICE_MOVES_AFTER} s after it starts, the scenario moves the price to
$${MOVED_PRICE.toLocaleString("en-US")} and it sells ${LIVE_STOP_LOSS.amount} WETH once. The dashboard shows both on their sessions' cards.

The React app (react/example, the hooks of react/) makes a session key in the page, has the owner sign
once, then pays USDC with no prompt, showing the calls, spend and time left; revoke it there too. Open
  ${exampleUrl}
with a wallet on this chain holding Hardhat's development account #1: the session is for that owner's
Kernel account ${pending.account}, which holds the scenario's USDC.

MCP server for a chat client: npm run mcp${ports.api === 4000 ? "" : `, with LEASH_API_URL=${api} (the API is not on its default port 4000)`}.

Deployments: ${stack.deploymentsFile}. Logs (chain, bundler, indexer, API, executor): ${logDir}.
Press Ctrl-C to stop.
`);
  await new Promise(() => {});
}

/** Says each slice the executor runs for a live automation, and how it ends; `onRunning` once it runs. */
async function followAutomation(executorUrl: string, id: string, onRunning?: () => Promise<void>) {
  let said = 0;
  let status = "";
  try {
    for (;;) {
      await new Promise((r) => setTimeout(r, 1_000));
      const a = await readAutomation(executorUrl, id);
      for (const s of a.slots.filter((s) => s.status !== "pending" && s.status !== "sending").slice(said)) {
        log(`automation ${id}: slice ${s.index + 1} of ${a.progress.of} ${s.status} (tx ${s.transactionHash})`);
        said++;
      }
      if (a.status !== status) {
        status = a.status;
        log(`automation ${id}: ${status}${a.stopReason ? `: ${a.stopReason}` : ""}`);
        if (status === "running" && onRunning) void onRunning().catch((error: unknown) => log(`automation ${id}: ${(error as Error).message}`));
      }
      if (["completed", "stopped", "cancelled"].includes(status)) return;
    }
  } catch (error) {
    log(`automation ${id}: no longer followed: ${error instanceof Error ? error.message : String(error)}`);
  }
}

main().catch((error: unknown) => {
  console.error(`[leash] npm start failed: ${error instanceof Error ? error.message : String(error)}`);
  console.error(`[leash] logs are in ${logDir}`);
  process.exit(1);
});
