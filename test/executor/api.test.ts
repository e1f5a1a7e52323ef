// The executor's automations through the API and the MCP tools: an account's automations with their
// progress in words ("2 of 3 trades, $20.00 of $30.00"), the next run and the latest result;
// "cancel my TWAP" stops the executor and prepares the owner's revocation; an executor that cannot
// be reached is a 503 naming it, an unknown automation 404, a second cancellation 409.
import { expect } from "chai";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { LocalAccount } from "viem";
import { readSettings } from "../../api/config.js";
import { automationCancelSchema, automationListSchema } from "../../api/responses.js";
import { buildServer } from "../../api/server.js";
import { fundedAccount } from "../../testkit/scenario.js";
import type { Stack } from "../../testkit/stack.js";
import { freePort } from "../../testkit/processes.js";
import { launchChromium, pageProblems, startApiStack } from "../api/fixture.js";
import { type Mcp, call, startMcp } from "../mcp/fixture.js";
import { createApproved, json, startInProcess, twapSpec, waitFor } from "./fixture.js";

const dir = mkdtempSync(join(tmpdir(), "leash-executor-api-"));

describe("executor: automations shown and cancelled through the API and the MCP tools", function () {
  this.timeout(240_000);
  let stack: Stack;
  let owner: LocalAccount;
  let running: Awaited<ReturnType<typeof startInProcess>>;
  let mcp: Mcp;
  let port: number;

  before(async function () {
    port = await freePort();
    ({ stack, owner } = await startApiStack({ dir, schema: "leash_executor_api_test", apiEnv: { LEASH_EXECUTOR_URL: `http://127.0.0.1:${port}` } }));
    running = await startInProcess(stack, join(dir, "state"), { LEASH_EXECUTOR_PORT: String(port) });
    mcp = await startMcp(stack.apiUrl);
  });

  after(async function () {
    await mcp?.client.close();
    await running?.executor.stop();
    await stack?.stop();
  });

  it("lists an account's automations with their progress, next run and latest result; cancelling prepares the owner's revocation", async function () {
    const account = await fundedAccount({ leash: stack.leash, demo: stack.demo, owner, index: 3n, usdc: "100" });
    const url = running.executor.url;
    const { id } = await createApproved(stack, url, owner, twapSpec(stack, account, { totalAmount: "30", slices: 3, intervalSeconds: 6 }));
    await waitFor(url, id, (a) => a.progress.executed >= 1);

    const listed = await json(`${stack.apiUrl}/v1/accounts/${account}/automations`);
    expect(listed.status, JSON.stringify(listed.body)).to.equal(200);
    expect(automationListSchema.parse(listed.body)).to.deep.equal(listed.body);
    const [twap] = listed.body.items;
    expect([twap.id, twap.kind, twap.status]).to.deep.equal([id, "twap", "running"]);
    expect(twap.display.progress).to.match(/^[12] of 3 trades, \$(10|20)\.00 of \$30\.00$/);
    expect(twap.permissionId).to.match(/^0x[0-9a-f]{8}$/);
    expect(twap.lastResult.result).to.equal("included");
    expect(twap.display.lastResult).to.match(/^slot [12]: included in transaction 0x[0-9a-f]{64}, \d{4}-\d\d-\d\d \d\d:\d\d UTC$/);

    // The dashboard shows it on its session's card.
    const browser = await launchChromium(this, "AUTOMATIONS ON THE DASHBOARD");
    try {
      const page = await browser.newPage();
      const problems = pageProblems(page);
      await page.goto(`${stack.apiUrl}/dashboard?account=${account}`);
      const box = page.locator(`article.card[data-permission-id="${twap.permissionId}"] .automation`);
      await box.waitFor();
      expect(await box.locator(".automation-head").textContent()).to.equal("TWAP · Running");
      expect(await box.locator(".automation-progress").textContent()).to.match(/^[123] of 3 trades, \$(10|20|30)\.00 of \$30\.00$/);
      expect(problems).to.deep.equal([]);
    } finally {
      await browser.close();
    }

    // "Show my automations", "cancel my TWAP".
    const shown = await call(mcp, "list_automations", { account });
    expect(shown.isError, shown.text).to.equal(false);
    expect(shown.text).to.match(new RegExp(`^- TWAP ${id}: Running; [12] of 3 trades, \\$(10|20)\\.00 of \\$30\\.00; `, "m"));
    const cancelled = await call(mcp, "cancel_automation", { account, id });
    expect(cancelled.isError, cancelled.text).to.equal(false);
    expect(automationCancelSchema.parse(cancelled.data)).to.deep.equal(cancelled.data);
    expect(cancelled.data.automation.status).to.equal("cancelled");
    expect(cancelled.data.revocation.method).to.equal("uninstall");
    expect(cancelled.text).to.include(`Automation ${id} is cancelled: the executor will not act again and has deleted its session key.`);
    expect(cancelled.text).to.include(`The owner revokes it on this page, with their wallet: ${stack.apiUrl}/dashboard?account=${account}&revoke=${twap.permissionId}`);
    // Cancelled means no slot after it: what ran stays, nothing more runs.
    const executed = cancelled.data.automation.progress.executed;
    await new Promise((r) => setTimeout(r, 5_000));
    const after = (await json(`${stack.apiUrl}/v1/accounts/${account}/automations`)).body.items[0];
    expect([after.status, after.progress.executed]).to.deep.equal(["cancelled", executed]);

    const again = await json(`${stack.apiUrl}/v1/accounts/${account}/automations/${id}/cancel`, "POST");
    expect([again.status, again.body.error.code]).to.deep.equal([409, "automation_already_final"]);
    const unknown = await json(`${stack.apiUrl}/v1/accounts/${account}/automations/00000000-0000-4000-8000-000000000000/cancel`, "POST");
    expect([unknown.status, unknown.body.error.code]).to.deep.equal([404, "automation_not_found"]);
  });

  it("an executor that cannot be reached is a 503 naming it", async function () {
    const closed = await freePort();
    const settings = readSettings({ ...stack.settings, PORT: "0", LEASH_API_PGLITE_DIR: "memory://", LEASH_EXECUTOR_URL: `http://127.0.0.1:${closed}` } as unknown as NodeJS.ProcessEnv);
    const api = await buildServer({ settings, deployments: stack.leash.deployments, logger: false });
    try {
      const answer = await api.app.inject({ method: "GET", url: `/v1/accounts/${owner.address}/automations` });
      expect(answer.statusCode).to.equal(503);
      expect(answer.json().error.code).to.equal("executor_unavailable");
      expect(answer.json().error.message).to.include(`the executor at http://127.0.0.1:${closed} is unavailable`);
    } finally {
      await api.app.close();
    }
  });
});
