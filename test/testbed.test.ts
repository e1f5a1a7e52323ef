import { toSudoPolicy } from "@zerodev/permissions/policies";
import { expect } from "chai";
import hre, { network } from "hardhat";
import { KernelV3FactoryAbi } from "@zerodev/sdk";
import { type Address, custom, decodeFunctionData, http, keccak256, parseEther, toHex } from "viem";
import { entryPoint07Abi } from "viem/account-abstraction";
import { generatePrivateKey, privateKeyToAccount } from "viem/accounts";
import { startBundler, type Bundler } from "../testkit/bundler.js";
import { startChain, type LocalChain } from "../testkit/chain.js";
import { createOwnerAccount, createSessionAccount, type KernelAccount, sessionPermission } from "../sdk/accounts.js";
import { devKey, localClient, readAbis } from "../testkit/testbed/client.js";
import { type DeployClient, deployArtifact, deployTestBed, type TestBed } from "../testkit/testbed/deploy.js";
import { FACTORY_STAKE, FACTORY_UNSTAKE_DELAY } from "../sdk/constants.js";
import { factoryStakerAbi } from "../sdk/contracts.js";
import { UserOperationError } from "../sdk/errors.js";
import { sendUserOperationDirect, sendUserOperationViaBundler, type Call } from "../sdk/userops.js";
import { ENTRY_POINT } from "../testkit/testbed/constants.js";

const CONTRACTS = ["OwnerValidator", "SessionKeySigner", "PassThroughPolicy", "DenyAllPolicy"] as const;

async function fund(client: DeployClient, to: Address, value = parseEther("1")) {
  await client.waitForTransactionReceipt({ hash: await client.sendTransaction({ to, value }) });
}

async function expectRejected(promise: Promise<unknown>) {
  try {
    await promise;
  } catch (err) {
    expect(err).to.be.instanceOf(UserOperationError);
    return (err as UserOperationError).failure;
  }
  expect.fail("the operation was accepted");
}

/** Kernel encodes the validation mode in the nonce's top byte: 0x01 enable mode, 0x00 plain. */
async function validationMode(account: KernelAccount) {
  return Number((await account.getNonce()) >> 248n);
}

function people() {
  return {
    owner: privateKeyToAccount(generatePrivateKey()),
    sessionKey: privateKeyToAccount(generatePrivateKey()),
    recipient: privateKeyToAccount(generatePrivateKey()).address,
  };
}

describe("test bed: Kernel v3.1 accounts on the in-process network", function () {
  let client: DeployClient;
  let bed: TestBed;
  let abis: Awaited<ReturnType<typeof readAbis>>;

  before(async function () {
    const connection = await network.create();
    client = await localClient(custom(connection.provider));
    bed = await deployTestBed({ client, artifacts: hre.artifacts });
    abis = readAbis(CONTRACTS);
  });

  async function send(account: KernelAccount, calls: Call[]) {
    return sendUserOperationDirect({ submitter: client, account, calls, abis });
  }

  it("places EntryPoint v0.7 at its canonical address and is idempotent", async function () {
    expect(bed.entryPoint).to.equal(ENTRY_POINT.address);
    const again = await deployTestBed({ client, artifacts: hre.artifacts });
    expect(again).to.deep.equal(bed);
  });

  it("stakes FactoryStaker in the EntryPoint with KernelFactory approved, and creates accounts through it at KernelFactory's address", async function () {
    const info = await client.readContract({ address: bed.entryPoint, abi: entryPoint07Abi, functionName: "getDepositInfo", args: [bed.factoryStaker] });
    expect(info.staked).to.equal(true);
    expect(info.stake).to.equal(FACTORY_STAKE);
    expect(info.unstakeDelaySec).to.equal(FACTORY_UNSTAKE_DELAY);
    const read = (address: Address, factory: Address) => client.readContract({ address, abi: factoryStakerAbi, functionName: "approved", args: [factory] });
    expect(await read(bed.factoryStaker, bed.kernelFactory)).to.equal(true);
    expect(await client.readContract({ address: bed.factoryStaker, abi: factoryStakerAbi, functionName: "owner" })).to.equal(client.account.address);

    const owner = privateKeyToAccount(generatePrivateKey());
    const account = await createOwnerAccount({ client, bed, owner });
    const { factory, factoryData } = await account.getFactoryArgs();
    expect(factory).to.equal(bed.factoryStaker);
    const call = decodeFunctionData({ abi: factoryStakerAbi, data: factoryData! });
    if (call.functionName !== "deployWithFactory") throw new Error(call.functionName);
    const [inner, initData, salt] = call.args;
    expect(inner).to.equal(bed.kernelFactory);
    expect(salt).to.equal(`0x${"00".repeat(32)}`);
    expect(await client.readContract({ address: bed.kernelFactory, abi: KernelV3FactoryAbi, functionName: "getAddress", args: [initData, salt] })).to.equal(account.address);

    // A staker that has not approved KernelFactory gives no account: the SDK would quietly fall back
    // to the unstaked factory, whose first operation bundlers refuse; account creation refuses instead.
    const unapproved = await deployArtifact(client, hre.artifacts, "FactoryStaker", [client.account.address], keccak256(toHex("unapproved")));
    expect(await read(unapproved, bed.kernelFactory)).to.equal(false);
    let refused: unknown;
    await createOwnerAccount({ client, bed: { ...bed, factoryStaker: unapproved }, owner }).catch((error: unknown) => (refused = error));
    expect(String(refused)).to.include(`FactoryStaker ${unapproved} does not deploy accounts through KernelFactory ${bed.kernelFactory}`);
  });

  it("runs an owner-signed operation that deploys the account and moves value", async function () {
    const { owner, recipient } = people();
    const account = await createOwnerAccount({ client, bed, owner });
    await fund(client, account.address);
    const result = await send(account, [{ to: recipient, value: 12345n }]);
    expect(result.success).to.equal(true);
    expect(await account.isDeployed()).to.equal(true);
    expect(await client.getBalance({ address: recipient })).to.equal(12345n);
  });

  it("runs session-key operations under a pass-through policy, first in enable mode then plain", async function () {
    const { owner, sessionKey, recipient } = people();
    const account = await createSessionAccount({
      client, bed, owner, sessionKey, policies: [toSudoPolicy({ policyAddress: bed.passThroughPolicy })],
    });
    await fund(client, account.address);
    expect(await validationMode(account)).to.equal(1);
    await send(account, [{ to: recipient, value: 1n }]);
    expect(await validationMode(account)).to.equal(0);
    await send(account, [{ to: recipient, value: 2n }, { to: recipient, value: 3n }]);
    expect(await client.getBalance({ address: recipient })).to.equal(6n);
    const signer = await client.readContract({
      address: bed.sessionKeySigner,
      abi: abis[1]!,
      functionName: "installedCount",
      args: [account.address],
    });
    expect(signer).to.equal(1n);
  });

  it("rejects a session operation refused by a policy, with the reason decoded", async function () {
    const { owner, sessionKey, recipient } = people();
    const account = await createSessionAccount({
      client, bed, owner, sessionKey, policies: [toSudoPolicy({ policyAddress: bed.denyAllPolicy })],
    });
    await fund(client, account.address);
    const failure = await expectRejected(send(account, [{ to: recipient, value: 1n }]));
    expect(failure.code).to.equal("AA23");
    expect(failure.error?.name).to.equal("PolicyFailed");
    expect(failure.error?.args).to.deep.equal([0n]);
    expect(failure.message).to.equal("the account's validation reverted: policy #0 of the session's permission refused the operation");
    expect(await client.getBalance({ address: recipient })).to.equal(0n);
  });

  it("rejects a session key signing for an account that did not approve it", async function () {
    const alice = people();
    const bob = people();
    const policies = [toSudoPolicy({ policyAddress: bed.passThroughPolicy })];
    // Both accounts approve a session; Alice's key then tries Bob's permission.
    const aliceAccount = await createSessionAccount({ client, bed, owner: alice.owner, sessionKey: alice.sessionKey, policies });
    const bobAccount = await createSessionAccount({ client, bed, owner: bob.owner, sessionKey: bob.sessionKey, policies });
    for (const a of [aliceAccount, bobAccount]) {
      await fund(client, a.address);
      await send(a, [{ to: alice.recipient, value: 1n }]);
    }
    // The attacker holds Alice's session key but not Bob's owner key.
    const bobPermissionId = (await sessionPermission({ client, bed, sessionKey: bob.sessionKey, policies })).getIdentifier();
    const forged = await createSessionAccount({
      client, bed, owner: people().owner, sessionKey: alice.sessionKey, policies,
      permissionId: bobPermissionId, address: bobAccount.address,
    });
    const nonce = await forged.getNonce();
    // Normal (not enable) mode with Bob's permission: 0x00 mode, 0x02 permission type, then the id.
    expect(`0x${nonce.toString(16).padStart(64, "0")}`.slice(0, 14)).to.equal(`0x0002${bobPermissionId.slice(2)}`);
    const failure = await expectRejected(send(forged, [{ to: alice.recipient, value: 10n }]));
    expect(failure.code).to.equal("AA24");

    // The same key's signature on Alice's op, re-aimed at Bob's account, fails too.
    const failure2 = await expectRejected(
      sendUserOperationDirect({
        submitter: client, account: aliceAccount, calls: [{ to: alice.recipient, value: 10n }], abis,
        tamper: (op) => ({ ...op, sender: bobAccount.address }),
      }),
    );
    expect(failure2.code).to.be.oneOf(["AA23", "AA24", "AA25"]);
    expect(await client.getBalance({ address: alice.recipient })).to.equal(2n);
  });
});

describe("test bed: through the alto bundler against hardhat node", function () {
  let chain: LocalChain | undefined;
  let bundler: Bundler | undefined;
  let client: DeployClient;
  let bed: TestBed;
  let abis: Awaited<ReturnType<typeof readAbis>>;

  before(async function () {
    chain = await startChain();
    client = await localClient(http(chain.rpcUrl));
    bed = await deployTestBed({ client, artifacts: hre.artifacts });
    abis = readAbis(CONTRACTS);
    bundler = await startBundler({ rpcUrl: chain.rpcUrl, executorPrivateKey: devKey(8), utilityPrivateKey: devKey(9) });
  });

  after(async function () {
    await bundler?.stop();
    await chain?.stop();
  });

  it("binds the chain and the bundler to 127.0.0.1 on ports the OS picked", function () {
    expect(chain!.rpcUrl).to.match(/^http:\/\/127\.0\.0\.1:\d+$/);
    expect(bundler!.url).to.match(/^http:\/\/127\.0\.0\.1:\d+$/);
    expect(chain!.port).to.not.equal(8545);
  });

  it("bundles an owner-signed operation", async function () {
    const { owner, recipient } = people();
    const account = await createOwnerAccount({ client, bed, owner });
    await fund(client, account.address);
    const result = await sendUserOperationViaBundler({ account, bundlerUrl: bundler!.url, client, calls: [{ to: recipient, value: 7n }], abis });
    expect(result.success).to.equal(true);
    expect(await client.getBalance({ address: recipient })).to.equal(7n);
  });

  it("bundles session-key operations (enable mode, then plain) under a pass-through policy", async function () {
    const { owner, sessionKey, recipient } = people();
    const account = await createSessionAccount({
      client, bed, owner, sessionKey, policies: [toSudoPolicy({ policyAddress: bed.passThroughPolicy })],
    });
    await fund(client, account.address);
    for (const [value, mode] of [[1n, 1], [2n, 0]] as const) {
      expect(await validationMode(account)).to.equal(mode);
      const r = await sendUserOperationViaBundler({ account, bundlerUrl: bundler!.url, client, calls: [{ to: recipient, value }], abis });
      expect(r.success).to.equal(true);
    }
    expect(await client.getBalance({ address: recipient })).to.equal(3n);
  });

  it("has the bundler refuse an operation a policy rejects, with the reason decoded", async function () {
    const { owner, sessionKey, recipient } = people();
    const account = await createSessionAccount({
      client, bed, owner, sessionKey, policies: [toSudoPolicy({ policyAddress: bed.denyAllPolicy })],
    });
    await fund(client, account.address);
    const failure = await expectRejected(
      sendUserOperationViaBundler({ account, bundlerUrl: bundler!.url, client, calls: [{ to: recipient, value: 1n }], abis }),
    );
    expect(failure.code).to.equal("AA23");
    expect(failure.error).to.deep.equal({ name: "PolicyFailed", args: [0n] });
    expect(failure.message).to.equal("the account's validation reverted: policy #0 of the session's permission refused the operation");
    expect(await client.getBalance({ address: recipient })).to.equal(0n);
  });
});
