// One indexer following two chains at once (LEASH_CHAINS): Hardhat's chain 31337 and anvil as chain
// 84532, Leash deployed on both at the same addresses (CREATE2). The same account, with the same
// permission id, has a session on each chain with other limits and executes on one only: the index
// keeps the two apart by chain_id, and each chain's rows are exactly what that chain's logs call for.
import { expect } from "chai";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type Address, type Hex, encodeFunctionData, erc20Abi, parseUnits, toFunctionSelector } from "viem";
import { generatePrivateKey, privateKeyToAccount } from "viem/accounts";
import { projectRoot } from "../../testkit/chain.js";
import { type Indexer, graphqlQuery, sqlQuery, startIndexer, waitForBlock } from "../../testkit/indexer/process.js";
import type { Call } from "../../sdk/userops.js";
import { INDEX_RELATIONS, actualIndex, chainIdsIn, expectedIndex } from "./expected.js";
import {
  type Permission,
  type World,
  allow,
  installCall,
  limit,
  mint,
  openPermission,
  send,
  sendAsOwner,
  sessionConfig,
  sessionPolicyOf,
  startWorld,
} from "./world.js";

const LOG_DIR = join(projectRoot, ".leash", "logs", "indexer-tests");
const TRANSFER = toFunctionSelector("transfer(address,uint256)");
const usdc = (amount: string) => parseUnits(amount, 6);
const HARDHAT = 31337;
const BASE_SEPOLIA = 84532;

describe("indexer: one process follows two chains, rows kept apart by chain_id", function () {
  let hardhat: World;
  let anvil: World;
  let indexer: Indexer | undefined;
  let pgliteDir: string;
  let onHardhat: Permission;
  let onAnvil: Permission;
  const recipient = privateKeyToAccount(generatePrivateKey()).address;

  const transfer = (token: Address, amount: bigint): Call => ({
    to: token,
    data: encodeFunctionData({ abi: erc20Abi, functionName: "transfer", args: [recipient, amount] }),
  });

  before(async function () {
    for (const log of ["hardhat", "anvil", "indexer"]) rmSync(join(LOG_DIR, `chains-${log}.log`), { force: true });
    [hardhat, anvil] = await Promise.all([
      startWorld({ logFile: join(LOG_DIR, "chains-hardhat.log") }),
      // Another network name than Hardhat's "localhost": Ponder names each chain by it.
      startWorld({ anvil: { chainId: BASE_SEPOLIA }, network: "anvil-base-sepolia", logFile: join(LOG_DIR, "chains-anvil.log") }),
    ]);
    pgliteDir = mkdtempSync(join(tmpdir(), "leash-indexer-chains-"));
    indexer = await startIndexer({
      chains: [
        { chainId: HARDHAT, deploymentsFile: hardhat.leash.deploymentsFile, rpcUrl: hardhat.chain.rpcUrl },
        { chainId: BASE_SEPOLIA, deploymentsFile: anvil.leash.deploymentsFile, rpcUrl: anvil.chain.rpcUrl },
      ],
      database: { pgliteDir },
      schema: "leash_chains",
      pollingIntervalMs: 100,
      logFile: join(LOG_DIR, "chains-indexer.log"),
    });

    // The same owner, account index, session key and permission id on both chains; other limits.
    const owner = privateKeyToAccount(generatePrivateKey());
    const sessionKey = privateKeyToAccount(generatePrivateKey());
    const permissionId: Hex = "0x1ea5e001";
    const open = async (world: World, maxCalls: number, total: string) =>
      openPermission(
        world,
        [
          sessionPolicyOf(
            world,
            sessionConfig((await world.now()) - 60, { maxCalls, calls: [allow(world.leash.usdc, TRANSFER)], tokens: [limit(world.leash.usdc, { total: usdc(total) })] }),
          ),
        ],
        { owner, sessionKey, permissionId },
      );
    onHardhat = await open(hardhat, 5, "100");
    onAnvil = await open(anvil, 9, "250");

    // On Hardhat: the session's first operation registers it and transfers.
    await mint(hardhat, hardhat.leash.usdc, onHardhat.account.address, usdc("100"));
    await send(onHardhat, [transfer(hardhat.leash.usdc, usdc("10"))]);
    // On anvil: the owner deploys the account and installs the permission; the session never runs.
    await sendAsOwner(onAnvil, [{ to: owner.address, value: 0n }]);
    await sendAsOwner(onAnvil, [await installCall(onAnvil)]);

    await Promise.all(
      ([[hardhat, HARDHAT], [anvil, BASE_SEPOLIA]] as const).map(async ([world, chainId]) => waitForBlock(indexer!, await world.client.getBlock(), 60_000, chainId)),
    );
  });

  after(async function () {
    await indexer?.stop();
    await Promise.allSettled([hardhat?.stop(), anvil?.stop()]);
    if (pgliteDir) rmSync(pgliteDir, { recursive: true, force: true });
  });

  it("has Leash at the same addresses on both chains, and the same account", function () {
    for (const name of ["SessionPolicy", "SessionKeySigner", "EntryPoint", "KernelFactory"] as const) {
      expect(anvil.leash.deployments.contracts[name].address, name).to.equal(hardhat.leash.deployments.contracts[name].address);
    }
    expect(onAnvil.account.address).to.equal(onHardhat.account.address);
    expect(onAnvil.id).to.equal(onHardhat.id);
  });

  it("keeps one session row per chain for the same (account, permission id, registration), each with its own limits", async function () {
    const account = onHardhat.account.address.toLowerCase();
    const sessions = await sqlQuery<{ chain_id: number; account: string; permission_id: string; registration: number; max_calls: string; calls_left: string; execution_count: number }>(
      indexer!.url,
      `select chain_id, account, permission_id, registration, max_calls, calls_left, execution_count from session where account = '${account}' order by chain_id`,
    );
    expect(sessions.map((s) => ({ ...s, chain_id: Number(s.chain_id), registration: Number(s.registration), execution_count: Number(s.execution_count) }))).to.deep.equal([
      { chain_id: HARDHAT, account, permission_id: onHardhat.id, registration: 1, max_calls: "5", calls_left: "4", execution_count: 1 },
      { chain_id: BASE_SEPOLIA, account, permission_id: onHardhat.id, registration: 1, max_calls: "9", calls_left: "9", execution_count: 0 },
    ]);

    const spends = await sqlQuery<{ chain_id: number; total: string; spent: string }>(
      indexer!.url,
      `select chain_id, total, spent from spend where account = '${account}' order by chain_id`,
    );
    expect(spends.map((s) => [Number(s.chain_id), s.total, s.spent])).to.deep.equal([
      [HARDHAT, String(usdc("100")), String(usdc("10"))],
      [BASE_SEPOLIA, String(usdc("250")), "0"],
    ]);

    // The view too, and GraphQL's one session by its whole key.
    const states = await sqlQuery<{ chain_id: number; status: string }>(indexer!.url, `select chain_id, status from session_state where account = '${account}' order by chain_id`);
    expect(states.map((s) => [Number(s.chain_id), s.status])).to.deep.equal([[HARDHAT, "active"], [BASE_SEPOLIA, "active"]]);
    for (const [chainId, maxCalls] of [[HARDHAT, "5"], [BASE_SEPOLIA, "9"]] as const) {
      const one = await graphqlQuery<{ session: { chainId: number; maxCalls: string } }>(
        indexer!.url,
        `query ($chainId: Float!, $account: String!, $id: String!) { session(chainId: $chainId, account: $account, permissionId: $id, registration: 1) { chainId maxCalls } }`,
        { chainId, account, id: onHardhat.id },
      );
      expect(one.session).to.deep.equal({ chainId, maxCalls });
    }
  });

  it("records the execution on its own chain only", async function () {
    const account = onHardhat.account.address.toLowerCase();
    const executions = await sqlQuery<{ chain_id: number; n: string }>(
      indexer!.url,
      `select chain_id, count(*) as n from execution where account = '${account}' group by chain_id`,
    );
    expect(executions.map((e) => [Number(e.chain_id), Number(e.n)])).to.deep.equal([[HARDHAT, 1]]);
    const accounts = await sqlQuery<{ chain_id: number; execution_count: number; session_count: number }>(
      indexer!.url,
      `select chain_id, execution_count, session_count from account where address = '${account}' order by chain_id`,
    );
    expect(accounts.map((a) => [Number(a.chain_id), Number(a.session_count), Number(a.execution_count)])).to.deep.equal([
      [HARDHAT, 1, 1],
      [BASE_SEPOLIA, 1, 0],
    ]);
  });

  it("holds exactly what each chain's logs call for, every table and view on both chains", async function () {
    for (const [world, chainId] of [[hardhat, HARDHAT], [anvil, BASE_SEPOLIA]] as const) {
      const expected = await expectedIndex(world);
      const actual = await actualIndex(indexer!.url, chainId);
      for (const table of Object.keys(expected) as (keyof typeof expected)[]) {
        expect(actual[table], `chain ${chainId}: table ${table}`).to.deep.equal(expected[table]);
      }
    }
    // The chain ids of each table's rows: the session ran on Hardhat only (its operation, execution
    // and spend by period are there), and no standalone policy or revocation was used anywhere.
    const ranOnHardhat: readonly string[] = ["execution", "user_operation", "period_spend"];
    const unused: readonly string[] = ["revocation", "policy_registration", "policy_use"];
    const chains = await chainIdsIn(indexer!.url);
    for (const table of INDEX_RELATIONS) {
      const expected = ranOnHardhat.includes(table) ? [HARDHAT] : unused.includes(table) ? [] : [HARDHAT, BASE_SEPOLIA];
      expect(chains[table], `chain ids in ${table}`).to.deep.equal(expected);
    }
  });
});
