// ERC-7562 as a real bundler checks it: alto in safe mode (patched, docs/erc7562.md) on anvil, whose
// debug_traceCall runs alto's JavaScript tracer. Every validation path Leash has is sent with
// eth_sendUserOperation and must be accepted and included: SessionPolicy's enable mode (with the
// owner's approval checked through OwnerValidator's ERC-1271 entry point), plain and batched
// operations, the owner's own operation, an approved request's first operation, a period and a
// window rolling over, the standalone policies. Refusals show the validator checks: a policy reading the clock (OP-011), one
// whose sub-call runs out of gas (OP-020), an operation expiring within the bundler's margin, an
// account deployed through the unstaked KernelFactory (STO-022).
//
// alto checks validity against its own clock, so this chain runs on the wall clock (anvil's
// default) and time claims are made from it; the last case crosses a window boundary, once, with
// sessions whose hour-long window ends 60 s after they are made.
import { expect } from "chai";
import hre, { network } from "hardhat";
import { mkdtempSync, readFileSync } from "node:fs";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import {
  type Abi,
  type Address,
  decodeFunctionData,
  encodeFunctionData,
  erc20Abi,
  http,
  parseEther,
  parseUnits,
  type Hex,
  toFunctionSelector,
  zeroAddress,
  zeroHash,
} from "viem";
import { type LocalAccount, generatePrivateKey, privateKeyToAccount } from "viem/accounts";
import type { Policy } from "@zerodev/permissions";
import { KernelV3FactoryAbi } from "@zerodev/sdk";
import { toSudoPolicy } from "@zerodev/permissions/policies";
import { createOwnerAccount, createSessionAccount, type KernelAccount, type KernelAddresses } from "../sdk/accounts.js";
import { contractAbis, type ContractName } from "../sdk/contracts.js";
import { factoryStakerAbi } from "../sdk/generated/contracts.js";
import { readDeployments } from "../sdk/deployments.js";
import { explainFailure, type Refusal, UserOperationError } from "../sdk/errors.js";
import { configuredPolicy, encodeTimeClaim, sessionPolicy, type PolicySlices } from "../sdk/policies.js";
import { callPermission, chainNow, NO_ARG, sessionConfigOf, tokenLimit } from "../sdk/rules.js";
import { approveSession, createSessionKey, executeWithSession, kernelAddresses, type LeashChain, prepareSession, restoreSessionAccount } from "../sdk/session.js";
import { BUNDLER_MARGINS } from "../sdk/claim.js";
import { sendUserOperationDirect, sendUserOperationViaBundler, type UserOperationResult } from "../sdk/userops.js";
import { deployLeash } from "../scripts/deploy-leash.js";
import { type Bundler, startBundler } from "../testkit/bundler.js";
import { type LocalChain, startAnvil } from "../testkit/chain.js";
import { devKey, localClient } from "../testkit/testbed/client.js";
import { type DeployClient, deployArtifact } from "../testkit/testbed/deploy.js";

const DAY = 86_400;
const HOUR = 3600;
const TRANSFER = toFunctionSelector("transfer(address,uint256)");
const IS_VALID_SIGNATURE_WITH_SENDER = toFunctionSelector("isValidSignatureWithSender(address,bytes32,bytes)");
const STANDALONE = ["CallScopePolicy", "SpendLimitPolicy", "RateLimitPolicy", "ExpiryPolicy"] as const;
const abis = (Object.keys(contractAbis) as ContractName[]).map((n) => contractAbis[n] as Abi);

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const nowSeconds = () => Math.floor(Date.now() / 1000);

describe("ERC-7562: alto's safe mode on anvil", function () {
  this.timeout(120_000);
  const dir = mkdtempSync(join(tmpdir(), "leash-erc7562-"));
  const bundlerLog = join(dir, "bundler.log");
  let chain: LocalChain;
  let bundler: Bundler;
  let client: DeployClient;
  let leash: LeashChain;
  let bed: KernelAddresses;
  let usdc: Address;
  const recipient = privateKeyToAccount(generatePrivateKey()).address;
  const standalone = {} as Record<(typeof STANDALONE)[number], Address>;

  before(async function () {
    chain = await startAnvil({ logFile: join(dir, "anvil.log") });
    client = await localClient(http(chain.rpcUrl, { retryCount: 0 }));
    const connection = await network.create({ network: "localhost", override: { url: chain.rpcUrl } } as never);
    try {
      await deployLeash({ connection, client, artifacts: hre.artifacts, networkName: "localhost", path: join(dir, "deployments.json") });
    } finally {
      await connection.close();
    }
    leash = { client, deployments: readDeployments(join(dir, "deployments.json")) };
    bed = kernelAddresses(leash.deployments);
    usdc = await deployArtifact(client, hre.artifacts, "MockERC20", ["Mock USD Coin", "USDC", 6]);
    for (const name of STANDALONE) standalone[name] = await deployArtifact(client, hre.artifacts, name);
    bundler = await startBundler({
      rpcUrl: chain.rpcUrl,
      executorPrivateKey: devKey(8),
      utilityPrivateKey: devKey(9),
      safeMode: true,
      logFile: bundlerLog,
    });
  });

  after(async function () {
    await bundler?.stop();
    await chain?.stop();
  });

  /** The calls alto's tracer saw in one traced validation: `to` and method selector of each frame. */
  type Trace = { calls: { type: string; to?: string; method?: string }[] };

  /** alto's safe validator logs each traced validation's result (one line of JSON each), in order. */
  function traces(): Trace[] {
    return readFileSync(bundlerLog, "utf8")
      .split("\n")
      .filter((line) => line.includes("tracerResult: {"))
      .map((line) => JSON.parse(line.slice(line.indexOf("tracerResult: ") + "tracerResult: ".length).replace(/\x1b\[[0-9;]*m/g, "")) as Trace);
  }

  /**
   * The traces once the log has caught up: alto writes its lines asynchronously, so the last trace of
   * an operation (the bundle's own validation) may land after its receipt. Waits until no new trace
   * has come for 300 ms (at most 5 s).
   */
  async function settledTraces(): Promise<Trace[]> {
    let last = traces();
    for (let quiet = 0, waited = 0; quiet < 300 && waited < 5000; waited += 50) {
      await sleep(50);
      const now = traces();
      quiet = now.length === last.length ? quiet + 50 : 0;
      last = now;
    }
    return last;
  }

  /** Whether a traced validation called `to` (with `method`, when given). */
  const called = (trace: Trace, to: Address, method?: Hex) =>
    trace.calls.some((c) => c.to?.toLowerCase() === to.toLowerCase() && (method === undefined || c.method === method));

  const transfer = (amount = "1") => ({
    to: usdc,
    data: encodeFunctionData({ abi: erc20Abi, functionName: "transfer", args: [recipient, parseUnits(amount, 6)] }),
  });

  /** A deployed account of a fresh owner (deployed directly, not through the bundler), with ETH and USDC. */
  async function deployedOwner(): Promise<{ owner: LocalAccount; address: Address }> {
    const owner = privateKeyToAccount(generatePrivateKey());
    const account = await createOwnerAccount({ client, bed, owner });
    await client.waitForTransactionReceipt({ hash: await client.sendTransaction({ to: account.address, value: parseEther("1") }) });
    const mint = await client.writeContract({ address: usdc, abi: contractAbis.MockERC20 as Abi, functionName: "mint", args: [account.address, parseUnits("1000", 6)] });
    await client.waitForTransactionReceipt({ hash: mint });
    await sendUserOperationDirect({ submitter: client, account, calls: [{ to: owner.address, value: 0n }] });
    return { owner, address: account.address };
  }

  /** The wall clock (alto's), or the latest block's time when it is ahead: what a claim must say. */
  const claimNow = (indices: number[]): PolicySlices => async () => {
    const data = encodeTimeClaim(chainNow((await client.getBlock()).timestamp));
    return indices.map((index) => ({ index, data }));
  };

  async function sessionOn(owner: LocalAccount, policies: Policy[], claims?: PolicySlices): Promise<KernelAccount> {
    return createSessionAccount({ client, bed, owner, sessionKey: privateKeyToAccount(generatePrivateKey()), policies, policySlices: claims });
  }

  /**
   * A block at the wall clock's time: the bundler's gas estimation simulates at the latest block,
   * which, on a chain that mines only on demand, may be from a minute (a window) ago.
   */
  const mineNow = () => client.request({ method: "evm_mine" as never, params: [] as never });

  /** Sends through the safe-mode bundler; the operation must be accepted, traced and executed. */
  async function accepted(account: KernelAccount, calls: ReturnType<typeof transfer>[]): Promise<UserOperationResult & { traces: Trace[] }> {
    await mineNow();
    const before = traces().length;
    const result = await sendUserOperationViaBundler({ account, bundlerUrl: bundler.url, client, calls, abis });
    expect(result.success, "the operation executed").to.equal(true);
    expect(result.receipt.status).to.equal("success");
    const now = await settledTraces();
    expect(now.length, "alto traced the operation's validation").to.be.greaterThan(before);
    return { ...result, traces: now.slice(before) };
  }

  /** Sends through the safe-mode bundler; the operation must be refused; the SDK's refusal. */
  async function refused(account: KernelAccount, calls: ReturnType<typeof transfer>[]): Promise<Refusal> {
    await mineNow();
    try {
      await sendUserOperationViaBundler({ account, bundlerUrl: bundler.url, client, calls, abis });
    } catch (error) {
      expect(error).to.be.instanceOf(UserOperationError);
      return explainFailure((error as UserOperationError).failure);
    }
    return expect.fail("the bundler accepted the operation");
  }

  function sessionConfig(overrides: Record<string, unknown> = {}) {
    return sessionConfigOf({
      // Windows and periods count from validAfter: the current hour-long window started half an
      // hour ago, well inside alto's margins.
      validAfter: nowSeconds() - 1_800,
      validUntil: nowSeconds() + DAY,
      maxFeePerOperation: parseEther("0.1"),
      calls: [callPermission(usdc, TRANSFER)],
      window: 3_600,
      callsPerWindow: 10,
      tokens: [tokenLimit(usdc, { perTransaction: parseUnits("50", 6), total: parseUnits("500", 6), perPeriod: parseUnits("100", 6), period: DAY })],
      ...overrides,
    });
  }

  const sessionPolicyAt = () => leash.deployments.contracts.SessionPolicy.address;
  const sessionPolicyAbi = contractAbis.SessionPolicy as Abi;


  it("SessionPolicy: enable mode (the owner's approval checked through ERC-1271), a plain operation, a batch", async function () {
    const { owner } = await deployedOwner();
    const account = await sessionOn(owner, [sessionPolicy(sessionPolicyAt(), sessionPolicyAbi, sessionConfig())], claimNow([0]));
    const enable = await accepted(account, [transfer()]);
    // Enable mode: Kernel asks the root validator (OwnerValidator) whether the owner signed the
    // approval, by ERC-1271 (isValidSignatureWithSender), inside the traced validation.
    const erc1271 = (t: Trace) => called(t, bed.ownerValidator, IS_VALID_SIGNATURE_WITH_SENDER);
    expect(enable.traces.some(erc1271), "OwnerValidator's ERC-1271 check ran in the traced validation").to.equal(true);
    const plain = await accepted(account, [transfer()]);
    expect(plain.traces.some(erc1271), "no approval to check in a plain operation").to.equal(false);
    await accepted(account, [transfer(), transfer("2"), transfer("3")]);
  });

  it("the owner's own operation (OwnerValidator as the root validator)", async function () {
    const { owner } = await deployedOwner();
    const op = await accepted(await createOwnerAccount({ client, bed, owner }), [transfer()]);
    expect(op.traces.some((t) => called(t, bed.ownerValidator)), "OwnerValidator ran in the traced validation").to.equal(true);
  });

  it("an approved session request's first operation (the approval built from the owner's signature)", async function () {
    const { owner, address } = await deployedOwner();
    const key = createSessionKey();
    const prepared = await prepareSession(leash, {
      walletAddress: address,
      sessionKeyAddress: key.address,
      duration: DAY,
      permissions: {
        chainId: leash.deployments.chainId,
        contractAddress: usdc,
        token: usdc,
        allowedFunctions: ["transfer(address,uint256)"],
        maxPerTransaction: "50",
        maxTotal: "120",
        rateLimit: { count: 3, period: 3_600 },
      },
    });
    const approval = await approveSession(leash, { prepared, owner });
    // The session starts as it is approved: a bundler takes its operations a few seconds later
    // (alto: validAfter at least 5 s in the past).
    while (nowSeconds() < approval.validAfter + 6) await sleep(250);
    await mineNow();
    const before = traces().length;
    const result = await executeWithSession(leash, { approval, sessionPrivateKey: key.privateKey, calls: [transfer("5")], via: { bundlerUrl: bundler.url } });
    expect(result.success).to.equal(true);
    expect(traces().length).to.be.greaterThan(before);
  });

  it("the four standalone policies in one permission (each one's validation): enable mode and a plain operation", async function () {
    const start = nowSeconds() - 1_800;
    const policies = [
      configuredPolicy(standalone.CallScopePolicy, contractAbis.CallScopePolicy as Abi, {
        calls: [{ target: usdc, selector: TRANSFER, allowValue: false, accountArg: NO_ARG, equalArg: NO_ARG, equalValue: zeroHash }],
      }),
      configuredPolicy(standalone.SpendLimitPolicy, contractAbis.SpendLimitPolicy as Abi, {
        start,
        maxFeePerOperation: parseEther("0.1"),
        maxFeeTotal: 0n,
        paymaster: zeroAddress,
        tokens: [tokenLimit(usdc, { perTransaction: parseUnits("50", 6), perPeriod: parseUnits("100", 6), period: DAY })],
        rules: [],
      }),
      configuredPolicy(standalone.RateLimitPolicy, contractAbis.RateLimitPolicy as Abi, { start, window: 3_600, callsPerWindow: 10, maxCalls: 100 }),
      configuredPolicy(standalone.ExpiryPolicy, contractAbis.ExpiryPolicy as Abi, { validAfter: start, validUntil: nowSeconds() + DAY }),
    ];
    const { owner } = await deployedOwner();
    const account = await sessionOn(owner, policies, claimNow([1, 2]));
    for (const op of [await accepted(account, [transfer()]), await accepted(account, [transfer()])]) {
      // Each policy ran inside the traced validation (Kernel calls checkUserOpPolicy on each).
      for (const name of STANDALONE) {
        expect(op.traces.some((t) => called(t, standalone[name])), `${name} ran in the traced validation`).to.equal(true);
      }
    }
  });

  it("refuses a policy that reads the clock and writes unassociated storage: OP-011, an ERC-7562 refusal", async function () {
    const bad = await deployArtifact(client, hre.artifacts, "ClockReadingPolicy");
    const { owner } = await deployedOwner();
    const account = await sessionOn(owner, [toSudoPolicy({ policyAddress: bad })]);
    const refusal = await refused(account, [transfer()]);
    expect(refusal.kind).to.equal("erc7562-rule");
    expect(refusal.details.rule).to.equal("OP-011");
    expect(refusal.details.bundlerCode).to.equal("-32502");
    expect(refusal.message).to.include("TIMESTAMP");
    expect(refusal.action).to.be.a("string");
  });

  it("refuses a policy whose sub-call runs out of gas: OP-020 (read from the frame's error on anvil)", async function () {
    const bad = await deployArtifact(client, hre.artifacts, "OutOfGasPolicy");
    const { owner } = await deployedOwner();
    const refusal = await refused(await sessionOn(owner, [toSudoPolicy({ policyAddress: bad })]), [transfer()]);
    expect(refusal.kind).to.equal("erc7562-rule");
    expect(refusal.details.rule).to.equal("OP-020");
    expect(refusal.message).to.include("oog");
  });

  it("refuses an operation whose validity ends within the bundler's margin: a time-range refusal with its clock", async function () {
    const { owner } = await deployedOwner();
    // ExpiryPolicy returns its bounds as validation data: the EntryPoint would still take the
    // operation for 20 seconds; alto wants 30 left.
    const validUntil = nowSeconds() + 20;
    const expiry = configuredPolicy(standalone.ExpiryPolicy, contractAbis.ExpiryPolicy as Abi, { validAfter: nowSeconds() - 1_800, validUntil });
    const refusal = await refused(await sessionOn(owner, [expiry]), [transfer()]);
    expect(refusal.kind).to.equal("time-range");
    expect(refusal.details.reason).to.equal("expires-too-soon");
    expect(refusal.details.bundlerCode).to.equal("-32503");
    expect(Number(refusal.details.validUntil)).to.equal(validUntil);
    expect(Math.abs(Number(refusal.details.bundlerTime) - nowSeconds())).to.be.lessThan(30);
    expect(refusal.action).to.match(/later/);
  });

  describe("account creation (the first operation deploys the account)", function () {
    /** A session account of a fresh owner, not deployed yet, with ETH and USDC at its address. */
    async function undeployedSession(): Promise<KernelAccount> {
      const owner = privateKeyToAccount(generatePrivateKey());
      const account = await sessionOn(owner, [sessionPolicy(sessionPolicyAt(), sessionPolicyAbi, sessionConfig())], claimNow([0]));
      await client.waitForTransactionReceipt({ hash: await client.sendTransaction({ to: account.address, value: parseEther("1") }) });
      const mint = await client.writeContract({ address: usdc, abi: contractAbis.MockERC20 as Abi, functionName: "mint", args: [account.address, parseUnits("10", 6)] });
      await client.waitForTransactionReceipt({ hash: mint });
      return account;
    }

    /** The same account with the plain KernelFactory in its initCode instead of the staker (same address). */
    function throughKernelFactory(account: KernelAccount): KernelAccount {
      return {
        ...account,
        async getFactoryArgs() {
          const { factoryData } = await account.getFactoryArgs();
          const { functionName, args } = decodeFunctionData({ abi: factoryStakerAbi, data: factoryData! });
          expect(functionName).to.equal("deployWithFactory");
          const [factory, createData, salt] = args as readonly [Address, Hex, Hex];
          expect(factory).to.equal(bed.kernelFactory);
          return { factory: bed.kernelFactory, factoryData: encodeFunctionData({ abi: KernelV3FactoryAbi, functionName: "createAccount", args: [createData, salt] }) };
        },
      } as KernelAccount;
    }

    it("through the unstaked KernelFactory: refused under STO-022 (associated storage needs a staked factory)", async function () {
      const refusal = await refused(throughKernelFactory(await undeployedSession()), [transfer()]);
      expect(refusal.kind).to.equal("erc7562-rule");
      expect(refusal.details.rule).to.equal("STO-022");
      expect(refusal.message).to.match(/unstaked factory/);
    });

    // The SDK deploys accounts through FactoryStaker, staked in the EntryPoint (a meta factory, as
    // Kernel accounts on public chains are deployed): an enable-mode operation that also deploys the
    // account, accepted and included.
    it("through the staked FactoryStaker: accepted", async function () {
      const account = await undeployedSession();
      const first = await accepted(account, [transfer()]);
      expect(await client.getCode({ address: account.address }), "the account was deployed").to.not.equal(undefined);
      expect(first.traces.some((t) => called(t, bed.ownerValidator, IS_VALID_SIGNATURE_WITH_SENDER)), "enable mode in the same operation").to.equal(true);
    });
  });

  // A window boundary crossed through the bundler, its margins kept by the SDK's time claim
  // (sdk/claim.ts): three sessions whose hour-long window ends 60 s after they are made. The
  // first has one call and 2 USDC per window and period: used up before the boundary, renewed after
  // it. The second, approved as a request, sends operations back to back with executeWithSession:
  // all go through, the one started in the boundary's dead seconds waits for the new window's sixth
  // second; a claim of the old window there is refused by the bundler itself. The third sends the
  // second before the dead seconds through a stand-in that holds eth_sendUserOperation 5 s (a slow
  // machine between choosing and sending): the bundler refuses the old window's claim, and the SDK
  // sends it again claiming the new one.
  it("across a window boundary: the SDK's claims all pass the bundler's margins, the dead seconds wait, a late send is sent again, the period and window roll over", async function () {
    this.timeout(180_000);
    // A block every second from here on, as on a public chain: the bundler estimates at the latest one.
    await client.request({ method: "evm_setIntervalMining" as never, params: [1] as never });
    const rolling = await deployedOwner();
    const sending = await deployedOwner();
    const late = await deployedOwner();
    const { validAfterSeconds: after, validUntilSeconds: until } = BUNDLER_MARGINS;
    const boundary = nowSeconds() + until + 30;
    const validAfter = boundary - HOUR;
    const rollover = await sessionOn(
      rolling.owner,
      [sessionPolicy(sessionPolicyAt(), sessionPolicyAbi, sessionConfig({ validAfter, window: HOUR, callsPerWindow: 1, tokens: [tokenLimit(usdc, { perPeriod: parseUnits("2", 6), period: HOUR })] }))],
      claimNow([0]),
    );
    const approved = async (walletAddress: Address, owner: LocalAccount) => {
      const key = createSessionKey();
      const prepared = await prepareSession(leash, {
        walletAddress,
        sessionKeyAddress: key.address,
        validAfter,
        duration: DAY,
        permissions: { chainId: leash.deployments.chainId, contractAddress: usdc, token: usdc, allowedFunctions: ["transfer(address,uint256)"], maxPerTransaction: "1", rateLimit: { count: 500, period: HOUR } },
      });
      return { key, approval: await approveSession(leash, { prepared, owner }) };
    };
    const { key, approval } = await approved(sending.address, sending.owner);
    const slow = await approved(late.address, late.owner);
    const via = { bundlerUrl: bundler.url, margins: BUNDLER_MARGINS };
    const deadFrom = boundary - until - 1;
    const deadTo = boundary + after + 1;
    const sent: { startedAt: number; attempts: number; claim: number; waitSeconds: number; validUntil: number }[] = [];
    const send = async () => {
      const startedAt = nowSeconds();
      const result = await executeWithSession(leash, { approval, sessionPrivateKey: key.privateKey, calls: [transfer("1")], via });
      expect(result.success, `sent at ${startedAt - boundary} s from the boundary`).to.equal(true);
      sent.push({ startedAt, attempts: result.attempts, ...result.claim });
    };

    // Before the dead seconds: the one call and the whole period allowance of the first session, and
    // the second session's operations, each sent at once.
    await accepted(rollover, [transfer("2")]);
    expect(nowSeconds(), "the first session's operation was in time").to.be.below(deadFrom);
    while (nowSeconds() < deadFrom - 4) await send();
    // The last second before them, through the slow stand-in: the old window's claim still passes
    // the SDK's margins (31 s of it left) but not the bundler's when it arrives 5 s later.
    const slowBundler = await delayingProxy(bundler.url, "eth_sendUserOperation", 5000);
    while (nowSeconds() < deadFrom - 1) await sleep(50);
    const slowStart = nowSeconds();
    const lateSend = executeWithSession(leash, { approval: slow.approval, sessionPrivateKey: slow.key.privateKey, calls: [transfer("1")], via: { ...via, bundlerUrl: slowBundler.url } });
    // In them, the old window's claim is refused by the bundler itself (its 30-second margin).
    while (nowSeconds() < deadFrom + 1) await sleep(100);
    const stale = await restoreSessionAccount(leash, approval, key.privateKey, { claim: nowSeconds() });
    const refusal = await refused(stale, [transfer("1")]);
    expect(refusal.kind).to.equal("time-range");
    expect(refusal.details.reason).to.equal("expires-too-soon");
    // The SDK's choice there: wait for the new window's sixth second.
    await send();
    // After: the first session's window and period have rolled over; the second sends at once again.
    await accepted(rollover, [transfer("2")]);
    for (let n = 0; n < 2 || nowSeconds() < deadTo + 3; n++) await send();
    const lateResult = await lateSend.finally(() => slowBundler.close());
    expect(slowStart, "the late send started the second before the dead seconds").to.equal(deadFrom - 1);
    expect(lateResult.success).to.equal(true);
    expect(slowBundler.calls, "sendUserOperation twice: the first held 5 s, the second passed at once").to.equal(2);
    expect(lateResult, "sent again, claiming the new window").to.deep.include({ attempts: 2 });
    expect(lateResult.claim).to.deep.include({ claim: boundary + after + 1, validAfter: boundary });

    const before = sent.filter((x) => x.startedAt < deadFrom);
    const inside = sent.filter((x) => x.startedAt >= deadFrom && x.startedAt < deadTo);
    const later = sent.filter((x) => x.startedAt >= deadTo);
    const counts = [before.length, inside.length, later.length];
    expect(counts, `operations before, in and after the dead seconds: ${counts.join(", ")}`).to.satisfy((n: number[]) => n.every((k) => k > 0));
    // Sent at once; unless estimating and signing took so long that the bundler refused the old
    // window's claim after all (a loaded machine): then the second send claimed the new window.
    for (const x of before) {
      if (x.attempts === 1) expect(x, "before").to.deep.include({ waitSeconds: 0, validUntil: boundary - 1 });
      else expect(x, "before, sent again").to.deep.include({ attempts: 2, claim: boundary + after + 1 });
    }
    expect(before.filter((x) => x.attempts === 1).length, "most of those before were sent at once").to.be.above(before.length / 2);
    for (const x of inside) {
      expect(x.claim, "claimed in the new window, once old enough").to.equal(boundary + after + 1);
      expect(x.waitSeconds).to.be.within(1, after + until + 2);
    }
    for (const x of later) expect(x.waitSeconds, "after").to.equal(0);
  });
});

/**
 * A stand-in in front of `target` that holds the first request calling `method` for `ms` before
 * passing it on (every other request passes at once): the time a slow machine takes between
 * choosing an operation's claim and the bundler reading it.
 */
async function delayingProxy(target: string, method: string, ms: number): Promise<{ url: string; calls: number; close: () => Promise<void> }> {
  const state = { calls: 0 };
  const server = createServer((req, res) => {
    let body = "";
    req.on("data", (chunk) => (body += chunk));
    req.on("end", async () => {
      if ((JSON.parse(body) as { method?: string }).method === method && state.calls++ === 0) await sleep(ms);
      const answer = await fetch(target, { method: "POST", headers: { "content-type": "application/json" }, body });
      res.setHeader("content-type", "application/json");
      res.end(await answer.text());
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    get calls() {
      return state.calls;
    },
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
