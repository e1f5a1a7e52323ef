// `npm start`, the README's first command, as a person runs it: everything comes up, the scenario's
// session is shown by the API with a refused trade, a session request waits for its owner, who
// approves it (as the approval page does: the development owner's signature, posted) and sees it
// approved then active; the executor's TWAP automation, approved the same way, runs its slices live;
// a second start replaces the first, and Ctrl-C leaves nothing listening.
import { expect } from "chai";
import { type ChildProcess, spawn } from "node:child_process";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { privateKeyToAccount } from "viem/accounts";
import type { SessionRequestView, SessionView } from "../api/responses.js";
import { projectRoot } from "../testkit/chain.js";
import { DEV_OWNER_KEY, signRequest } from "../testkit/requests.js";
import { freePort, portIsFree } from "../testkit/processes.js";

interface Run {
  child: ChildProcess;
  output: () => string;
  exited: Promise<number | null>;
}

describe("npm start", function () {
  this.timeout(300_000);
  const state = mkdtempSync(join(tmpdir(), "leash-start-"));
  let ports: Record<string, number>;
  const runs: Run[] = [];

  before(async function () {
    ports = { CHAIN_PORT: await freePort(), BUNDLER_PORT: await freePort(), INDEXER_PORT: await freePort(), PORT: await freePort(), LEASH_EXECUTOR_PORT: await freePort() };
  });

  after(async function () {
    for (const run of runs) {
      if (run.child.exitCode !== null) continue;
      try {
        process.kill(-run.child.pid!, "SIGKILL");
      } catch {
        // already gone
      }
    }
  });

  function start(): Run {
    const child = spawn("npm", ["start"], {
      cwd: projectRoot,
      env: {
        ...process.env,
        ...Object.fromEntries(Object.entries(ports).map(([k, v]) => [k, String(v)])),
        LEASH_STATE_DIR: state,
        LEASH_DEPLOYMENTS: join(state, "deployments.json"),
      },
      stdio: ["ignore", "pipe", "pipe"],
      // Its own process group, so that "Ctrl-C" below reaches every process of it, as in a terminal.
      detached: true,
    });
    let text = "";
    child.stdout!.on("data", (d) => (text += d));
    child.stderr!.on("data", (d) => (text += d));
    const exited = new Promise<number | null>((resolve) => child.once("exit", (code) => resolve(code)));
    const run = { child, output: () => text, exited };
    runs.push(run);
    return run;
  }

  async function until(run: Run, pattern: RegExp, timeoutMs = 120_000): Promise<RegExpMatchArray> {
    const deadline = Date.now() + timeoutMs;
    while (Date.now() < deadline) {
      const match = run.output().match(pattern);
      if (match) return match;
      if (run.child.exitCode !== null) throw new Error(`npm start exited (${run.child.exitCode}):\n${run.output()}`);
      await new Promise((r) => setTimeout(r, 200));
    }
    throw new Error(`npm start did not print ${pattern} in ${timeoutMs} ms:\n${run.output()}`);
  }

  /** What the approval page does: the development owner signs the request's typed data, posted. */
  async function approveAsDevOwner(api: string, requestId: string): Promise<SessionRequestView> {
    const request = (await (await fetch(`${api}/v1/session-requests/${requestId}`)).json()) as SessionRequestView;
    expect(request.status).to.equal("awaiting_approval");
    const signature = await signRequest(privateKeyToAccount(DEV_OWNER_KEY), request.toSign.typedData);
    const approved = await fetch(`${api}/v1/session-requests/${requestId}/approval`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ signature }),
    });
    expect(approved.status).to.equal(200);
    return request;
  }

  it("starts everything, plays the scenario with one refused trade, and the API shows the session", async function () {
    const run = start();
    for (let step = 1; step <= 5; step++) await until(run, new RegExp(`\\[${step}/5\\]`));
    await until(run, /Press Ctrl-C to stop/);
    const out = run.output();
    // Said before the silent compile, not after it.
    const compiling = out.indexOf("[leash] compiling the contracts if they changed");
    expect(compiling).to.be.within(0, out.indexOf("[1/5]"));
    expect(out).to.match(/the chat asks: "To run this automation I need your approval for a session key\./);
    expect(out.match(/traded [\d.]+ USDC for WETH/g)).to.have.length(3);
    expect(out).to.include("refused as it should be: this operation spends 60 USDC; the session allows at most 50 USDC per transaction");
    const [, account, permissionId] = out.match(/\/v1\/accounts\/(0x[0-9a-fA-F]{40})\/sessions\/(0x[0-9a-f]{8})\/history/)!;
    const api = `http://127.0.0.1:${ports.PORT}`;
    expect(out).to.include(`${api}/docs`).and.include(`http://127.0.0.1:${ports.INDEXER_PORT}/graphql`).and.include(`${api}/dashboard?account=${account}`);
    // Off port 4000, the MCP server needs to be told where the API is.
    expect(out).to.include(`MCP server for a chat client: npm run mcp, with LEASH_API_URL=${api} (the API is not on its default port 4000)`);
    const session = (await (await fetch(`${api}/v1/accounts/${account}/sessions/${permissionId}`)).json()) as { status: string; display: { spend: string[]; calls: string } };
    expect(session.status).to.equal("active");
    expect(session.display.spend).to.deep.equal(["$121.67 of $1,000.00 spent"]);
    expect(session.display.calls).to.equal("7 / 10 calls remaining this window (per hour)");
    expect((await fetch(`${api}/ready`)).status).to.equal(200);
    // The React example app, built and served next to the dashboard, its link naming the stack's chain, bundler and token.
    const [exampleUrl] = out.match(new RegExp(`${api}/example/\\?chainId=31337&rpc=http%3A%2F%2F127\\.0\\.0\\.1%3A${ports.CHAIN_PORT}&bundler=http%3A%2F%2F127\\.0\\.0\\.1%3A${ports.BUNDLER_PORT}&token=0x[0-9a-fA-F]{40}&margins=\\d+%2C\\d+`))!;
    const example = await fetch(exampleUrl!);
    expect([example.status, example.headers.get("content-type")]).to.deep.equal([200, "text/html; charset=utf-8"]);
    const script = (await example.text()).match(/src="(\/example\/assets\/[^"]+\.js)"/)![1];
    expect((await fetch(`${api}${script}`)).status).to.equal(200);

    // The request left waiting: its page, then the owner's approval, then the first operation.
    const [, requestId] = out.match(new RegExp(`approve it at ${api}/approve/([0-9a-f-]{36}) \\(owner: Hardhat's development account #1, (0x[0-9a-fA-F]{40})\\)`))!;
    expect(out).to.include(`${api}/approve/${requestId}\nwith a wallet on this chain`);
    const page = await fetch(`${api}/approve/${requestId}`);
    expect(page.status).to.equal(200);
    const request = await approveAsDevOwner(api, requestId!);
    await until(run, new RegExp(`request ${requestId}: first operation, traded 25 USDC for WETH \\(tx 0x[0-9a-f]{64}\\)`));
    await until(run, new RegExp(`request ${requestId}: Approved and active on chain; session ${request.toSign.permissionId} is active`));
    const waited = (await (await fetch(`${api}/v1/accounts/${request.toSign.account}/sessions/${request.toSign.permissionId}`)).json()) as SessionView;
    expect([waited.status, waited.request?.id, waited.display.spend]).to.deep.equal(["active", requestId, ["$25.00 of $1,000.00 spent"]]);

    // The executor's TWAP, waiting for the same owner: approved, its slices run live through the bundler.
    const executor = `http://127.0.0.1:${ports.LEASH_EXECUTOR_PORT}`;
    expect(out).to.include(`executor    ${executor}/v1/automations`);
    const [, automationId, automationRequestId] = out.match(
      new RegExp(`automation ([0-9a-f-]{36}): a TWAP of 60 USDC for WETH in 6 slices, one every 5 s, for account 0x[0-9a-fA-F]{40}\\n\\[leash\\]\\s+approve it at ${api}/approve/([0-9a-f-]{36}) \\(owner: Hardhat's development account #1`),
    )!;
    await approveAsDevOwner(api, automationRequestId!);
    const deadline = Date.now() + 90_000;
    let automation: { status: string; progress: { executed: number; of: number }; slots: { status: string }[] };
    for (;;) {
      automation = (await (await fetch(`${executor}/v1/automations/${automationId}`)).json()) as typeof automation;
      if (automation.progress.executed >= 3 || automation.status === "stopped" || Date.now() > deadline) break;
      await new Promise((r) => setTimeout(r, 500));
    }
    expect([automation.status, automation.progress.of], JSON.stringify(automation)).to.deep.equal(["running", 6]);
    expect(automation.progress.executed).to.be.at.least(3);
    expect(automation.slots.slice(0, 3).map((s) => s.status)).to.deep.equal(["done", "done", "done"]);
    await until(run, new RegExp(`automation ${automationId}: slice 3 of 6 done \\(tx 0x[0-9a-f]{64}\\)`));

    // The stop-loss on the same account: approved, it watches $3,000; the scenario moves ETH to
    // $2,700 and it sells once.
    const [, stopLossId, stopLossRequestId] = out.match(
      new RegExp(`automation ([0-9a-f-]{36}): a stop-loss selling 0\\.5 WETH below \\$2800 \\(ETH / USD feed 0x[0-9a-fA-F]{40}, now \\$3,000\\), for account 0x[0-9a-fA-F]{40}\\n\\[leash\\]\\s+approve it at ${api}/approve/([0-9a-f-]{36})`),
    )!;
    await approveAsDevOwner(api, stopLossRequestId!);
    await until(run, new RegExp(`automation ${stopLossId}: the scenario moves ETH / USD to \\$2,700`), 60_000);
    await until(run, new RegExp(`automation ${stopLossId}: slice 1 of 1 done \\(tx 0x[0-9a-f]{64}\\)`), 60_000);
    await until(run, new RegExp(`automation ${stopLossId}: completed`), 30_000);
    // The API shows both automations of the account, with their progress.
    const liveAccount = out.match(new RegExp(`automation ${stopLossId}: a stop-loss .* for account (0x[0-9a-fA-F]{40})`))![1];
    const listed = (await (await fetch(`${api}/v1/accounts/${liveAccount}/automations`)).json()) as { items: { id: string; status: string; display: { progress: string } }[] };
    const sold = listed.items.find((a) => a.id === stopLossId)!;
    expect([sold.status, sold.display.progress]).to.deep.equal(["completed", "1 of 1 sales, 0.5 WETH of 0.5 WETH"]);
    expect(listed.items.map((a) => a.id)).to.include(automationId);
  });

  it("a second npm start stops the first and replaces it; Ctrl-C then stops everything", async function () {
    const first = runs[0]!;
    const second = start();
    await until(second, /another npm start is running \(pid \d+\): stopping it/);
    expect(await first.exited).to.be.oneOf([0, 130]);
    await until(second, /Press Ctrl-C to stop/);
    expect((await fetch(`http://127.0.0.1:${ports.PORT}/health`)).status).to.equal(200);
    // Ctrl-C: SIGINT to the whole process group, as a terminal sends it.
    process.kill(-second.child.pid!, "SIGINT");
    await second.exited;
    // Every process of the group is gone (kill(-pgid, 0) fails once none is left), within 20 s.
    const groupAlive = () => {
      try {
        process.kill(-second.child.pid!, 0);
        return true;
      } catch {
        return false;
      }
    };
    for (let i = 0; i < 100 && groupAlive(); i++) await new Promise((r) => setTimeout(r, 200));
    expect(groupAlive(), "processes of npm start still running").to.equal(false);
    expect(second.output()).to.include("Ctrl-C: stopping everything");
    for (const [name, port] of Object.entries(ports)) expect(await portIsFree(port), `${name} ${port} still taken`).to.equal(true);
  });
});
