// The testnet deploy path, run: `npm run deploy -- --network baseSepolia` against an anvil that carries
// Base Sepolia's chain id and the canonical contracts at their public addresses (the canonical table,
// placed as testkit/testbed/canonical.ts says). Leash lands where it lands on 31337; a second run
// sends nothing; a chain without the canonical contracts (an anvil as Sepolia) is refused, naming each
// one missing; the indexer and the API then follow the chain by its id and name, and see a session
// registered there. The network's URL and key come from the environment, as on a real testnet;
// deployments file and Ignition journal go to a temporary folder, so the checkout stays as it was.
import { expect } from "chai";
import { execFile } from "node:child_process";
import { execFileSync } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import hre, { network } from "hardhat";
import { type Address, custom, http } from "viem";
import { privateKeyToAccount } from "viem/accounts";
import { CONTRACT_NAMES, type Deployments, readDeployments } from "../sdk/deployments.js";
import { deployLeash } from "../scripts/deploy-leash.js";
import { type LocalChain, projectRoot, startAnvil, startChain } from "../testkit/chain.js";
import { LeashClient } from "../mcp/client.js";
import { sessionText } from "../mcp/text.js";
import { launchChromium, pageProblems } from "./api/fixture.js";
import { type Indexer, startIndexer, waitForBlock } from "../testkit/indexer/process.js";
import { startProcess } from "../testkit/processes.js";
import { type ApprovedSession, approveTwap, deployDemoContracts, fundedAccount, trade, twapRequest } from "../testkit/scenario.js";
import { CANONICAL_CONTRACTS, placeCanonical } from "../testkit/testbed/canonical.js";
import { devKey, localClient } from "../testkit/testbed/client.js";

const run = promisify(execFile);
const BASE_SEPOLIA = 84532;
const SEPOLIA = 11155111;
/** Leash's own contracts: the same address on every chain. */
const OWN = CONTRACT_NAMES.filter((name) => !CANONICAL_CONTRACTS.some((c) => c.deployment === name));

describe("npm run deploy on a testnet (a local stand-in of Base Sepolia and of Sepolia)", function () {
  this.timeout(240_000);
  const dir = mkdtempSync(join(tmpdir(), "leash-deploy-testnet-"));
  const deployer = privateKeyToAccount(devKey(7));
  const stops: (() => Promise<unknown>)[] = [];
  let base: LocalChain;
  let bare: LocalChain;
  let treeBefore: string;

  const gitStatus = () => execFileSync("git", ["status", "--porcelain", "--untracked-files=all"], { cwd: projectRoot, encoding: "utf8" });

  /** `npm run deploy -- --network <name>` as a person runs it, with the URL and key in the environment. */
  async function deploy(networkName: string, rpcVariable: string, rpcUrl: string, chainId: number) {
    const env = {
      ...process.env,
      [rpcVariable]: rpcUrl,
      DEPLOYER_PRIVATE_KEY: devKey(7),
      LEASH_DEPLOYMENTS: join(dir, `${chainId}.json`),
      LEASH_IGNITION_DIR: join(dir, "ignition"),
    };
    try {
      const { stdout, stderr } = await run("npm", ["run", "deploy", "--", "--network", networkName], { cwd: projectRoot, env, timeout: 120_000 });
      return { code: 0, output: stdout + stderr };
    } catch (error) {
      const failed = error as { code?: number; stdout?: string; stderr?: string };
      return { code: failed.code ?? -1, output: (failed.stdout ?? "") + (failed.stderr ?? "") };
    }
  }

  before(async function () {
    treeBefore = gitStatus();
    base = await startAnvil({ chainId: BASE_SEPOLIA, logFile: join(dir, "anvil-base-sepolia.log") });
    stops.push(() => base.stop());
    bare = await startAnvil({ chainId: SEPOLIA, logFile: join(dir, "anvil-sepolia.log") });
    stops.push(() => bare.stop());
    await placeCanonical(await localClient(http(base.rpcUrl, { retryCount: 0 })));
  });

  after(async function () {
    for (const stop of stops.reverse()) await stop().catch(() => {});
    rmSync(dir, { recursive: true, force: true });
  });

  let deployments: Deployments;

  it("deploys Leash to the addresses it has on 31337, the base at its public addresses", async function () {
    const first = await deploy("baseSepolia", "BASE_SEPOLIA_RPC_URL", base.rpcUrl, BASE_SEPOLIA);
    expect(first.code, first.output).to.equal(0);
    expect(first.output).to.match(/deploying Leash's contracts with Ignition/);
    deployments = readDeployments(join(dir, `${BASE_SEPOLIA}.json`));
    expect(deployments.chainId).to.equal(BASE_SEPOLIA);
    expect(deployments.network).to.equal("baseSepolia");
    for (const contract of CANONICAL_CONTRACTS) {
      if (contract.deployment) expect(deployments.contracts[contract.deployment].address).to.equal(contract.address);
    }
    // Each of ours is recorded at the block that deployed it: where the indexer starts.
    const client = await localClient(http(base.rpcUrl, { retryCount: 0 }));
    for (const name of OWN) {
      const { address, blockNumber } = deployments.contracts[name];
      expect(await client.getCode({ address, blockNumber: BigInt(blockNumber) }), name).to.match(/^0x[0-9a-f]+$/);
      expect(await client.getCode({ address, blockNumber: BigInt(blockNumber - 1) }), name).to.equal(undefined);
      // What deploys is what the tests and the gas figures ran: the artifact's runtime code, byte for byte.
      expect(await client.getCode({ address }), `${name}: the deployed code is the tested artifact's`).to.equal((await hre.artifacts.readArtifact(name)).deployedBytecode);
    }

    // The same deploy on the local chain (Hardhat's in-process network, 31337).
    const connection = await network.create();
    let local: Deployments;
    try {
      const client = await localClient(custom(connection.provider, { retryCount: 0 }));
      local = await deployLeash({ connection, client, artifacts: hre.artifacts, networkName: "default", path: join(dir, "31337.json") });
    } finally {
      await connection.close();
    }
    expect(local.chainId).to.equal(31337);
    // FactoryStaker is owned by its deployer, whose address is part of its own: the same on every
    // chain for the same deployer (another one here). The other seven are the same for anyone.
    const anyone = OWN.filter((name) => name !== "FactoryStaker");
    const addresses = (d: Deployments) => Object.fromEntries(anyone.map((name) => [name, d.contracts[name].address]));
    expect(anyone).to.have.length(7);
    expect(addresses(deployments)).to.deep.equal(addresses(local));
  });

  it("a second run sends nothing and says so", async function () {
    const client = await localClient(http(base.rpcUrl, { retryCount: 0 }));
    const nonce = await client.getTransactionCount({ address: deployer.address });
    const block = await client.getBlockNumber();
    expect(nonce).to.be.greaterThan(0);
    const second = await deploy("baseSepolia", "BASE_SEPOLIA_RPC_URL", base.rpcUrl, BASE_SEPOLIA);
    expect(second.code, second.output).to.equal(0);
    expect(second.output).to.match(/Leash's 7 contracts are already at their addresses: nothing to send/);
    expect(second.output).not.to.match(/deploying Leash's contracts/);
    expect(await client.getTransactionCount({ address: deployer.address })).to.equal(nonce);
    expect(await client.getBlockNumber()).to.equal(block);
    expect(readDeployments(join(dir, `${BASE_SEPOLIA}.json`)).contracts).to.deep.equal(deployments.contracts);
  });

  it("refuses a chain without the canonical contracts, naming each one, and sends nothing", async function () {
    const refused = await deploy("sepolia", "SEPOLIA_RPC_URL", bare.rpcUrl, SEPOLIA);
    expect(refused.code, refused.output).to.not.equal(0);
    expect(refused.output).to.match(/chain 11155111 lacks 4 of the 4 contracts Leash is deployed on; nothing was sent/);
    for (const contract of CANONICAL_CONTRACTS) {
      expect(refused.output).to.match(new RegExp(`${contract.name}\\s+${contract.address}`));
    }
    const client = await localClient(http(bare.rpcUrl, { retryCount: 0 }));
    expect(await client.getTransactionCount({ address: deployer.address })).to.equal(0);
  });

  /** The owner's account on the stand-in, and its session there (registered by its first trade). */
  let account: Address;
  let baseSession: ApprovedSession;

  it("the indexer and the API follow the chain by its id and name: a session registered there is seen", async function () {
    const deploymentsFile = join(dir, `${BASE_SEPOLIA}.json`);
    const client = await localClient(http(base.rpcUrl, { retryCount: 0 }));
    // A session on the deployed chain: an owner's Kernel account (the canonical factory and
    // implementation) and the session key's first trade, which registers it.
    const demo = await deployDemoContracts({ client, artifacts: hre.artifacts, deploymentsFile });
    const leash = { client, deployments: readDeployments(deploymentsFile) };
    const owner = privateKeyToAccount(devKey(6));
    account = await fundedAccount({ leash, demo, owner, usdc: "1000" });
    baseSession = await approveTwap(leash, { owner, request: (sessionKey) => twapRequest({ account, sessionKey, demo, chainId: BASE_SEPOLIA }) });
    const session = baseSession;
    const traded = await trade(leash, session, demo, "10", { direct: true });
    if (!traded.ok) expect.fail(`the session's first trade was refused: ${traded.refusal.message}`);

    const env = { LEASH_CHAIN_ID: String(BASE_SEPOLIA), LEASH_DEPLOYMENTS: deploymentsFile };
    const indexer: Indexer = await startIndexer({
      deploymentsFile,
      rpcUrl: base.rpcUrl,
      database: { pgliteDir: join(dir, "indexer-db") },
      schema: "deploy_testnet",
      logFile: join(dir, "indexer.log"),
      env,
    });
    stops.push(() => indexer.stop());
    await waitForBlock(indexer, await client.getBlockNumber({ cacheTime: 0 }));
    // Ponder names the chain as the deployments file does: the Hardhat network's name.
    const status = (await (await fetch(`${indexer.url}/status`)).json()) as Record<string, { id: number }>;
    expect(Object.keys(status)).to.deep.equal(["baseSepolia"]);
    expect(status.baseSepolia!.id).to.equal(BASE_SEPOLIA);

    // `npm run api` (api/main.ts) on the same chain id and deployments file; it checks they agree.
    const { process: api, match } = await startProcess({
      name: "api",
      command: process.execPath,
      args: ["--import", "tsx", join(projectRoot, "api", "main.ts")],
      cwd: projectRoot,
      env: { ...env, HOST: "127.0.0.1", PORT: "0", LEASH_RPC_URL: base.rpcUrl, LEASH_INDEXER_URL: indexer.url, LEASH_API_PGLITE_DIR: "memory://" },
      ready: /^(\{.*"msg":"Leash API listening".*\})$/,
      timeoutMs: 60_000,
      logFile: join(dir, "api.log"),
    });
    stops.push(() => api.stop());
    const listening = JSON.parse(match[1]!) as { url: string; chains: { chainId: number; deployments: string }[] };
    expect(listening.chains.map((c) => [c.chainId, c.deployments])).to.deep.equal([[BASE_SEPOLIA, deploymentsFile]]);
    const answer = await fetch(`${listening.url}/v1/accounts/${account}/sessions`);
    const text = await answer.text();
    expect(answer.status, text).to.equal(200);
    const body = JSON.parse(text) as { items: { permissionId: string; status: string }[] };
    expect(body.items.map((s) => s.permissionId)).to.deep.equal([session.approval.permissionId]);
    expect(body.items[0]!.status).to.equal("active");
  });

  it("one indexer and one API follow two chains at once (a Hardhat node as 31337, the stand-in as 84532): each session on its chain", async function () {
    // The local chain as `npm start` has it: a Hardhat node, Leash deployed with Ignition, the demo contracts.
    const node = await startChain({ logFile: join(dir, "hardhat-node.log") });
    stops.push(() => node.stop());
    const localFile = join(dir, "31337-node.json");
    const nodeClient = await localClient(http(node.rpcUrl, { retryCount: 0 }));
    const connection = await network.create({ network: "localhost", override: { url: node.rpcUrl } } as never);
    try {
      await deployLeash({ connection, client: nodeClient, artifacts: hre.artifacts, networkName: "localhost", path: localFile });
    } finally {
      await connection.close();
    }
    const localDemo = await deployDemoContracts({ client: nodeClient, artifacts: hre.artifacts, deploymentsFile: localFile });
    const local = { client: nodeClient, deployments: readDeployments(localFile) };
    // The same owner's account here (another address: the local chain's Kernel factory is the test
    // bed's, not the canonical one), with a session of other limits: 300 USDC in all, against 1,000.
    const owner = privateKeyToAccount(devKey(6));
    const localAccount = await fundedAccount({ leash: local, demo: localDemo, owner, usdc: "1000" });
    const localSession = await approveTwap(local, { owner, request: (sessionKey) => twapRequest({ account: localAccount, sessionKey, demo: localDemo, chainId: 31337, maxTotal: "300" }) });
    const traded = await trade(local, localSession, localDemo, "20", { direct: true });
    if (!traded.ok) expect.fail(`the local session's first trade was refused: ${traded.refusal.message}`);

    const baseFile = join(dir, `${BASE_SEPOLIA}.json`);
    const chains = {
      LEASH_CHAINS: `31337,${BASE_SEPOLIA}`,
      LEASH_DEPLOYMENTS_31337: localFile,
      LEASH_RPC_URL_31337: node.rpcUrl,
      [`LEASH_DEPLOYMENTS_${BASE_SEPOLIA}`]: baseFile,
      [`LEASH_RPC_URL_${BASE_SEPOLIA}`]: base.rpcUrl,
    };
    const indexer = await startIndexer({
      chains: [
        { chainId: 31337, deploymentsFile: localFile, rpcUrl: node.rpcUrl },
        { chainId: BASE_SEPOLIA, deploymentsFile: baseFile, rpcUrl: base.rpcUrl },
      ],
      database: { pgliteDir: join(dir, "indexer-two-chains") },
      schema: "two_chains",
      logFile: join(dir, "indexer-two-chains.log"),
    });
    stops.push(() => indexer.stop());
    const baseClient = await localClient(http(base.rpcUrl, { retryCount: 0 }));
    await waitForBlock(indexer, await nodeClient.getBlockNumber({ cacheTime: 0 }), 90_000, 31337);
    await waitForBlock(indexer, await baseClient.getBlockNumber({ cacheTime: 0 }), 90_000, BASE_SEPOLIA);

    const { process: api, match } = await startProcess({
      name: "api-two-chains",
      command: process.execPath,
      args: ["--import", "tsx", join(projectRoot, "api", "main.ts")],
      cwd: projectRoot,
      env: { ...chains, LEASH_CHAIN_ID: "", LEASH_DEPLOYMENTS: "", LEASH_RPC_URL: "", HOST: "127.0.0.1", PORT: "0", LEASH_INDEXER_URL: indexer.url, LEASH_API_PGLITE_DIR: "memory://" },
      ready: /^(\{.*"msg":"Leash API listening".*\})$/,
      timeoutMs: 60_000,
      logFile: join(dir, "api-two-chains.log"),
    });
    stops.push(() => api.stop());
    const { url } = JSON.parse(match[1]!) as { url: string };
    const get = async (path: string) => {
      const response = await fetch(`${url}${path}`);
      return { status: response.status, body: (await response.json()) as Record<string, unknown> & { error?: { code: string; message: string } } };
    };

    const listed = await get("/v1/chains");
    expect((listed.body.items as { chainId: number; network: string }[]).map((c) => [c.chainId, c.network])).to.deep.equal([
      [31337, "localhost"],
      [BASE_SEPOLIA, "baseSepolia"],
    ]);
    const ready = await get("/ready");
    expect(ready.status, JSON.stringify(ready.body)).to.equal(200);
    expect((ready.body.chains as { chainId: number }[]).map((c) => c.chainId)).to.deep.equal([31337, BASE_SEPOLIA]);

    // Each chain's sessions, with their own limits and their chain named.
    type Page = { items: { chainId: number; permissionId: string; status: string; tokens: { limits: { total: { raw: string } | null } }[] }[] };
    const onLocal = (await get(`/v1/accounts/${localAccount}/sessions?chainId=31337`)).body as unknown as Page;
    const onBase = (await get(`/v1/accounts/${account}/sessions?chainId=${BASE_SEPOLIA}`)).body as unknown as Page;
    expect(onLocal.items.map((s) => [s.chainId, s.permissionId, s.status])).to.deep.equal([[31337, localSession.approval.permissionId, "active"]]);
    expect(onBase.items.map((s) => [s.chainId, s.permissionId, s.status])).to.deep.equal([[BASE_SEPOLIA, baseSession.approval.permissionId, "active"]]);
    expect(onLocal.items[0]!.tokens[0]!.limits.total!.raw).to.equal("300000000");
    expect(onBase.items[0]!.tokens[0]!.limits.total!.raw).to.equal("1000000000");
    const one = await get(`/v1/accounts/${localAccount}/sessions/${localSession.approval.permissionId}?chainId=31337`);
    expect(one.status).to.equal(200);
    expect(one.body.chainId).to.equal(31337);
    // A session is looked for on the chain named, not on the other.
    const elsewhere = await get(`/v1/accounts/${account}/sessions/${localSession.approval.permissionId}?chainId=${BASE_SEPOLIA}`);
    expect(elsewhere.status).to.equal(404);
    expect(elsewhere.body.error!.message).to.match(new RegExp(`no session with permission id ${localSession.approval.permissionId} on chain ${BASE_SEPOLIA}`));
    const notThere = await get(`/v1/accounts/${localAccount}/sessions?chainId=${BASE_SEPOLIA}`);
    expect(notThere.status).to.equal(404);
    expect(notThere.body.error!.message).to.match(new RegExp(`no session of account ${localAccount} has been seen on chain ${BASE_SEPOLIA}`));
    // The revocation is prepared for the session's chain.
    const revocation = await fetch(`${url}/v1/accounts/${account}/sessions/${baseSession.approval.permissionId}/revocation?chainId=${BASE_SEPOLIA}`, { method: "POST" });
    expect(revocation.status).to.equal(200);
    expect(((await revocation.json()) as { chainId: number }).chainId).to.equal(BASE_SEPOLIA);

    // Following two chains, a route that names no chain, or one not followed, is refused in words.
    const unnamed = await get(`/v1/accounts/${account}/sessions`);
    expect(unnamed.status).to.equal(400);
    expect(unnamed.body.error).to.deep.include({ code: "chain_required", message: `this API follows chains 31337, ${BASE_SEPOLIA}: say which with chainId` });
    const unknown = await get(`/v1/accounts/${account}/sessions?chainId=1`);
    expect(unknown.status).to.equal(404);
    expect(unknown.body.error!.code).to.equal("chain_not_followed");
    const malformed = await get(`/v1/accounts/${account}/sessions?chainId=base`);
    expect(malformed.status).to.equal(400);
    expect(malformed.body.error!.code).to.equal("invalid_chain");

    // The MCP tools (through the API's client) name the chain too.
    const client = new LeashClient(url);
    const viaClient = await client.getSession(account, baseSession.approval.permissionId, { chainId: BASE_SEPOLIA });
    expect(viaClient.chainId).to.equal(BASE_SEPOLIA);
    expect(sessionText(viaClient)).to.include(`of account ${account} on Base Sepolia (chain ${BASE_SEPOLIA})`);
    expect(client.revocationLink(account, viaClient.permissionId, BASE_SEPOLIA)).to.match(new RegExp(`chain=${BASE_SEPOLIA}$`));

    // The dashboard offers both chains and shows the account's sessions on the one chosen.
    const browser = await launchChromium(this, "TWO-CHAIN DASHBOARD");
    try {
      const page = await browser.newPage();
      const problems = pageProblems(page);
      await page.goto(`${url}/dashboard?account=${localAccount}&chain=${BASE_SEPOLIA}`);
      const select = page.locator("#chain-select");
      await select.waitFor({ state: "visible" });
      expect(await select.locator("option").allTextContents()).to.deep.equal(["the local development chain (chain 31337)", "Base Sepolia (chain 84532)"]);
      expect(await select.inputValue()).to.equal(String(BASE_SEPOLIA));
      await page.locator("#error").getByText(`No session of ${localAccount} has been seen on Base Sepolia (chain 84532) yet.`).waitFor();
      await select.selectOption("31337");
      await page.locator(`article.card[data-permission-id="${localSession.approval.permissionId}"]`).waitFor();
      expect(new URL(page.url()).searchParams.get("chain")).to.equal("31337");
      expect(problems).to.deep.equal([]);
    } finally {
      await browser.close();
    }
  });

  it("leaves the checkout as it found it", function () {
    expect(gitStatus()).to.equal(treeBefore);
  });
});
