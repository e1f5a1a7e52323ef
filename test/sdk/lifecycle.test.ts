// The session lifecycle of sdk/ on a real `hardhat node` with Leash deployed by its deploy step:
// requests validated, approval serialised and used from another process (the CLI) through the
// alto bundler, every refusal explained with its numbers, status read, revocation.
import { expect } from "chai";
import hre, { network } from "hardhat";
import { execFile } from "node:child_process";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { type Address, type Hex, encodeFunctionData, erc20Abi, http, maxUint256, parseAbiItem, parseEther, parseUnits, zeroAddress } from "viem";
import { generatePrivateKey, privateKeyToAccount } from "viem/accounts";
import { createOwnerAccount } from "../../sdk/accounts.js";
import { readDeployments } from "../../sdk/deployments.js";
import { SessionRequestError, defaultFeeCap } from "../../sdk/request.js";
import {
  type Approval,
  type LeashChain,
  approveSession,
  createSessionKey,
  executeWithSession,
  getSession,
  kernelAddresses,
  parseApproval,
  prepareSession,
  revokeSession,
  serializeApproval,
  SessionOperationError,
} from "../../sdk/session.js";
import { deployLeash } from "../../scripts/deploy-leash.js";
import { EXACT_INPUT_SINGLE } from "../../testkit/scenario.js";
import { startBundler } from "../../testkit/bundler.js";
import { freePort } from "../../testkit/processes.js";
import { projectRoot, startChain } from "../../testkit/chain.js";
import { devKey, localClient } from "../../testkit/testbed/client.js";
import { deployArtifact } from "../../testkit/testbed/deploy.js";
import { sendUserOperationDirect } from "../../sdk/userops.js";
import { contractAbis } from "../../sdk/contracts.js";
import { UNSAFE_BUNDLER_MARGINS } from "../../sdk/claim.js";

const run = promisify(execFile);
const dir = mkdtempSync(join(tmpdir(), "leash-sdk-"));
const deploymentsFile = join(dir, "deployments.json");

describe("sdk: session lifecycle on hardhat node", function () {
  let chain: Awaited<ReturnType<typeof startChain>>;
  let bundlerUrl: string;
  let leash: LeashChain;
  let usdc: Address;
  let router: Address;
  let weth: Address;
  let stop: (() => Promise<void>)[] = [];
  const owner = privateKeyToAccount(generatePrivateKey());
  let account: Address;

  before(async function () {
    chain = await startChain({ port: 0, logFile: join(dir, "chain.log") });
    stop.push(() => chain.stop());
    const connection = await network.create({ network: "localhost", override: { url: chain.rpcUrl } } as never);
    const client = await localClient(http(chain.rpcUrl, { retryCount: 0 }));
    const first = await deployLeash({ connection, client, artifacts: hre.artifacts, networkName: "localhost", path: deploymentsFile });
    const second = await deployLeash({ connection, client, artifacts: hre.artifacts, networkName: "localhost", path: deploymentsFile });
    expect(second.contracts, "a second deploy changes nothing").to.deep.equal(first.contracts);
    await connection.close();
    leash = { client, deployments: readDeployments(deploymentsFile) };
    usdc = await deployArtifact(client, hre.artifacts, "MockLegacyERC20", ["Mock USD Coin", "USDC", 6]);
    weth = await deployArtifact(client, hre.artifacts, "MockLegacyERC20", ["Mock Wrapped Ether", "WETH", 18]);
    router = await deployArtifact(client, hre.artifacts, "MockSwapRouter");
    const bundler = await startBundler({
      rpcUrl: chain.rpcUrl,
      executorPrivateKey: devKey(8),
      utilityPrivateKey: devKey(9),
      port: await freePort(),
      logFile: join(dir, "bundler.log"),
    });
    stop.push(() => bundler.stop());
    bundlerUrl = bundler.url;
    const bed = kernelAddresses(leash.deployments);
    const ownerAccount = await createOwnerAccount({ client, bed, owner });
    account = ownerAccount.address;
    await client.sendTransaction({ to: account, value: parseEther("5") });
    const mintAbi = contractAbis.MockLegacyERC20;
    await client.waitForTransactionReceipt({
      hash: await client.writeContract({ address: usdc, abi: mintAbi, functionName: "mint", args: [account, parseUnits("10000", 6)] }),
    });
    // The owner lets the router pull USDC once; sessions then only swap.
    await sendUserOperationDirect({
      submitter: client,
      account: ownerAccount,
      calls: [{ to: usdc, data: encodeFunctionData({ abi: erc20Abi, functionName: "approve", args: [router, maxUint256] }) }],
    });
  });

  after(async function () {
    for (const s of stop.reverse()) await s().catch(() => {});
    stop = [];
  });

  /** The TWAP request of a chat backend: swaps on the router only, 50 USDC per trade, 120 in total. */
  function twapRequest(sessionKeyAddress: Address, extra: Record<string, unknown> = {}) {
    return {
      walletAddress: account,
      sessionKeyAddress,
      duration: 86_400,
      permissions: {
        chainId: 31337,
        contractAddress: router,
        token: usdc,
        allowedFunctions: [EXACT_INPUT_SINGLE],
        maxPerTransaction: "50",
        maxTotal: "120",
        rateLimit: { count: 3, period: 3600 },
        ...extra,
      },
    };
  }

  const swap = (amount: string, recipient: Address = account) => ({
    to: router,
    data: encodeFunctionData({
      abi: [parseAbiItem(`function ${EXACT_INPUT_SINGLE}`)],
      functionName: "exactInputSingle",
      // The router swaps 1:1 until a rate is set: the minimum output is the whole amount.
      args: [{ tokenIn: usdc, tokenOut: weth, fee: 3000, recipient, amountIn: parseUnits(amount, 6), amountOutMinimum: parseUnits(amount, 6) }],
    }),
  });

  async function approved(extra: Record<string, unknown> = {}) {
    const key = createSessionKey();
    const prepared = await prepareSession(leash, twapRequest(key.address, extra));
    const approval = await approveSession(leash, { prepared, owner });
    return { key, approval, prepared };
  }

  async function refusal(approval: Approval, key: Hex, calls: ReturnType<typeof swap>[]) {
    try {
      await executeWithSession(leash, { approval, sessionPrivateKey: key, calls, via: { direct: true } });
    } catch (error) {
      expect(error).to.be.instanceOf(SessionOperationError);
      return (error as SessionOperationError).refusal;
    }
    expect.fail("the operation was not refused");
  }

  it("refuses invalid requests, naming each field", async function () {
    const key = createSessionKey().address;
    const cases: [Record<string, unknown>, string][] = [
      [{ ...twapRequest(key), duration: 0 }, "duration"],
      [twapRequest(key, { maxPerTransaction: "200" }), "permissions.0.maxPerTransaction"],
      [twapRequest(key, { token: "0x000000000000000000000000000000000000dEaD" }), "permissions.0.token"],
      [twapRequest(key, { contractAddress: "0x000000000000000000000000000000000000bEEF" }), "permissions.0.contractAddress"],
      [twapRequest(key, { maxTotal: "-3" }), "permissions.0.maxTotal"],
      [twapRequest(key, { allowedFunctions: ["exactInputSingle"] }), "permissions.0.allowedFunctions.0"],
      [twapRequest(key, { chainId: 1 }), "permissions.0.chainId"],
      [{ ...twapRequest(key), walletAddress: "0x1234" }, "walletAddress"],
      // Gas and signatures: Permit2, a token the session caps, an address without code, a budget below the cap.
      [{ ...twapRequest(key), signatureSenders: ["0x000000000022D473030F116dDEE9F6B43aC78BA3"] }, "signatureSenders.0"],
      [{ ...twapRequest(key), signatureSenders: [router, usdc] }, "signatureSenders.1"],
      [{ ...twapRequest(key), signatureSenders: ["0x000000000000000000000000000000000000bEEF"] }, "signatureSenders.0"],
      [{ ...twapRequest(key), maxFeePerOperation: "0.1", maxFeeTotal: "0.05" }, "maxFeePerOperation"],
      [{ ...twapRequest(key), paymaster: "0x000000000000000000000000000000000000bEEF" }, "paymaster"],
    ];
    for (const [request, field] of cases) {
      const error = await prepareSession(leash, request).then(
        () => undefined,
        (e: unknown) => e,
      );
      expect(error, field).to.be.instanceOf(SessionRequestError);
      expect((error as SessionRequestError).issues.map((i) => i.field), field).to.include(field);
    }
  });

  it("resolves a request: decimals read on-chain, amount/token/recipient arguments found by name", async function () {
    const { prepared } = await approved();
    expect(prepared.tokens).to.deep.equal([{ address: usdc, symbol: "USDC", decimals: 6 }]);
    expect(prepared.config.tokens[0]).to.include({ token: usdc, perTransaction: 50_000_000n, total: 120_000_000n });
    expect(prepared.config.calls[0]).to.include({ target: router, amountArg: 4, tokenArg: 0, accountArg: 3 });
    expect(prepared.config).to.include({ window: 3600, callsPerWindow: 3 });
    expect(prepared.config.validUntil - prepared.config.validAfter).to.equal(86_400);
  });

  it("bounds gas by default: a cap per operation from the chain's current fee; a request's own bounds are kept", async function () {
    const { prepared } = await approved();
    expect(prepared.feeCap.source).to.equal("default");
    const fee = (prepared.feeCap as { maxFeePerGas: bigint }).maxFeePerGas;
    expect(prepared.config.maxFeePerOperation).to.equal(defaultFeeCap(fee));
    expect(prepared.config).to.include({ maxFeeTotal: 0n, paymaster: zeroAddress });
    expect(prepared.config.signatureSenders).to.deep.equal([]);

    const key = createSessionKey().address;
    const own = await prepareSession(leash, { ...twapRequest(key), maxFeePerOperation: "0.01", maxFeeTotal: "0.2", signatureSenders: [weth] });
    expect(own.feeCap.source).to.equal("request");
    expect(own.config).to.include({ maxFeePerOperation: parseEther("0.01"), maxFeeTotal: parseEther("0.2") });
    expect(own.config.signatureSenders).to.deep.equal([weth]);
    // A budget alone: the default cap stays under it.
    const budget = await prepareSession(leash, { ...twapRequest(key), maxFeeTotal: "0.000000000001" });
    expect(budget.config.maxFeePerOperation).to.equal(1_000_000n);
    // A paymaster: every operation must use it, and the default cap still bounds what a token
    // paymaster could charge the account.
    const sponsored = await prepareSession(leash, { ...twapRequest(key), paymaster: router });
    expect(sponsored.feeCap.source).to.equal("default");
    const sponsoredFee = (sponsored.feeCap as { maxFeePerGas: bigint }).maxFeePerGas;
    expect(sponsored.config).to.include({ maxFeePerOperation: defaultFeeCap(sponsoredFee), paymaster: router });
  });

  it("runs the whole lifecycle: approval used from another process through the bundler, status, revocation", async function () {
    const { key, approval } = await approved();
    const approvalFile = join(dir, "approval.json");
    const keyFile = join(dir, "session.key");
    writeFileSync(approvalFile, serializeApproval(approval));
    writeFileSync(keyFile, key.privateKey, { mode: 0o600 });
    expect(parseApproval(serializeApproval(approval))).to.deep.equal(approval);
    expect(serializeApproval(approval)).not.to.include(key.privateKey.slice(2));

    // Another process restores the approval with the session key and trades through the bundler.
    const trade = swap("40");
    const env = { ...process.env, LEASH_DEPLOYMENTS: deploymentsFile };
    const cli = (...args: string[]) =>
      run(join(projectRoot, "node_modules", ".bin", "tsx"), ["scripts/session.ts", ...args, "--rpc", chain.rpcUrl], { cwd: projectRoot, env });
    const { stdout } = await cli("exec", "--approval", approvalFile, "--key", keyFile, "--to", trade.to, "--data", trade.data, "--bundler", bundlerUrl);
    expect(JSON.parse(stdout)).to.include({ success: true });

    const status = await getSession(leash, { account, permissionId: approval.permissionId, tokens: approval.tokens });
    expect(status).to.include({ status: "active", installed: true, callsLeftInWindow: 2 });

    // The CLI's status without the approval reads the token's symbol and decimals itself.
    const printed = (await cli("status", "--account", account, "--permission-id", approval.permissionId)).stdout;
    expect(printed).to.include("USDC: 80 USDC left in total");
    expect(printed).not.to.include("base units");
    // A permission id never registered is no session: said so, exit code 1.
    const missing = await cli("status", "--account", account, "--permission-id", "0xdeadbeef").then(
      () => undefined,
      (e: { code: number; stderr: string }) => e,
    );
    expect(missing?.code).to.equal(1);
    expect(missing?.stderr.trim()).to.match(/^error: no session 0xdeadbeef of 0x[0-9a-fA-F]{40} on SessionPolicy 0x[0-9a-fA-F]{40}$/);
    // A misspelt option or command: one line naming it and the usage, exit code 2, no stack trace.
    for (const [args, expected] of [
      [["status", "--acount", account], "error: unknown option --acount (did you mean --account?); usage: npm run session -- "],
      [["stauts"], 'error: unknown command "stauts" (did you mean status?); usage: npm run session -- '],
    ] as const) {
      const wrong = await cli(...args).then(
        () => undefined,
        (e: { code: number; stderr: string }) => e,
      );
      expect(wrong?.code).to.equal(2);
      expect(wrong?.stderr.trim().split("\n")).to.have.length(1);
      expect(wrong?.stderr).to.include(expected);
    }
    expect(status.tokens[0]).to.include({ token: usdc, symbol: "USDC", remainingTotal: 80_000_000n, perTransaction: 50_000_000n });

    // A second trade in this process, through the bundler too.
    await executeWithSession(leash, { approval, sessionPrivateKey: key.privateKey, calls: [swap("30")], via: { bundlerUrl, margins: UNSAFE_BUNDLER_MARGINS } });
    expect((await getSession(leash, { account, permissionId: approval.permissionId })).tokens[0]!.remainingTotal).to.equal(50_000_000n);

    const revoked = await revokeSession(leash, { approval, owner, via: { bundlerUrl, margins: UNSAFE_BUNDLER_MARGINS } });
    expect(revoked.method).to.equal("uninstall");
    expect((await getSession(leash, { account, permissionId: approval.permissionId })).status).to.equal("revoked");
    expect((await refusal(approval, key.privateKey, [swap("1")])).kind).to.equal("revoked");
  });

  it("explains every refusal with its numbers", async function () {
    const { key, approval } = await approved({ maxTotal: "100", rateLimit: { count: 3, period: 3600 } });
    const over = await refusal(approval, key.privateKey, [swap("50.000001")]);
    expect(over.kind).to.equal("per-transaction-cap");
    expect(over.message).to.equal("this operation spends 50.000001 USDC; the session allows at most 50 USDC per transaction");
    expect(over.details).to.deep.equal({ token: usdc, amount: "50000001", cap: "50000000" });

    await executeWithSession(leash, { approval, sessionPrivateKey: key.privateKey, calls: [swap("50")], via: { direct: true } });
    await executeWithSession(leash, { approval, sessionPrivateKey: key.privateKey, calls: [swap("45")], via: { direct: true } });
    const total = await refusal(approval, key.privateKey, [swap("6")]);
    expect(total.kind).to.equal("total-cap");
    expect(total.message).to.equal("this operation spends 6 USDC; only 5 USDC of the session's total is left");

    await executeWithSession(leash, { approval, sessionPrivateKey: key.privateKey, calls: [swap("1")], via: { direct: true } });
    const rate = await refusal(approval, key.privateKey, [swap("1")]);
    expect(rate.kind).to.equal("rate-limit");
    expect(rate.message).to.equal("rate limit reached: at most 3 calls per window, 3 already made in this one (window #0), this operation makes 1");
    expect(rate.details).to.deep.equal({ window: "0", limit: "3", used: "3", calls: "1" });

    const recipient = await refusal(approval, key.privateKey, [swap("1", "0x000000000000000000000000000000000000bEEF")]);
    expect(recipient.kind).to.equal("recipient-not-allowed");

    const transfer = {
      to: usdc,
      data: encodeFunctionData({ abi: erc20Abi, functionName: "transfer", args: ["0x000000000000000000000000000000000000bEEF", 1n] }),
    };
    const notAllowed = await refusal(approval, key.privateKey, [transfer]);
    expect(notAllowed.kind).to.equal("not-allowed-function");
    expect(notAllowed.details).to.deep.equal({ target: usdc, selector: "0xa9059cbb" });

    await leash.client.request({ method: "evm_increaseTime", params: [86_401] } as never);
    await leash.client.request({ method: "evm_mine", params: [] } as never);
    expect((await refusal(approval, key.privateKey, [swap("1")])).kind).to.equal("expired");
    expect((await getSession(leash, { account, permissionId: approval.permissionId })).status).to.equal("expired");
  });

  it("revokes an approval that was never used by invalidating Kernel's nonce", async function () {
    const { key, approval } = await approved();
    const revoked = await revokeSession(leash, { approval, owner, via: { direct: true } });
    expect(revoked.method).to.equal("invalidate-nonce");
    expect((await refusal(approval, key.privateKey, [swap("1")])).kind).to.be.oneOf(["not-approved", "revoked"]);
  });

  it("refuses an approval restored with the wrong session key", async function () {
    const { approval } = await approved();
    const error = await executeWithSession(leash, { approval, sessionPrivateKey: generatePrivateKey(), calls: [swap("1")], via: { direct: true } }).then(
      () => undefined,
      (e: unknown) => e as Error,
    );
    expect(error?.message).to.match(/this private key is for 0x[0-9a-fA-F]{40}, but the approval is for session key/);
  });
});
