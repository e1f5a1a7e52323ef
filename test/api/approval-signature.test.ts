// Session requests for accounts not deployed yet: their factory data is checked when the request is
// made (the deployments' FactoryStaker or Kernel factory, creating exactly walletAddress, with OwnerValidator as root
// validator), the owner's approval is verified by OwnerValidator's own code on the state the
// deployment will give it, and the approval then really deploys the account and enables the session.
// Addresses that are not Kernel v3 accounts are refused, and so are owners OwnerValidator cannot
// verify (contracts: ERC-1271, ERC-6492).
import { expect } from "chai";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type Address, type Hex, concat, decodeFunctionData, encodeFunctionData, erc20Abi, hashTypedData, parseEther, parseUnits, zeroAddress } from "viem";
import { type LocalAccount, generatePrivateKey, privateKeyToAccount, toAccount } from "viem/accounts";
import { KernelV3FactoryAbi, KernelV3_1AccountAbi } from "@zerodev/sdk";
import { createOwnerAccount } from "../../sdk/accounts.js";
import { factoryStakerAbi, ownerValidatorAbi } from "../../sdk/contracts.js";
import { sendUserOperationDirect } from "../../sdk/userops.js";
import { type Approval, SessionOperationError, createSessionKey, executeWithSession, kernelAddresses } from "../../sdk/session.js";
import { fundedAccount } from "../../testkit/scenario.js";
import type { Stack } from "../../testkit/stack.js";
import { approvalOfRequest, signRequest } from "../../testkit/requests.js";
import { injectJson, sharedApiStack } from "./fixture.js";

const dir = mkdtempSync(join(tmpdir(), "leash-approval-signature-"));

describe("api: approvals of accounts not deployed yet, and accounts the API refuses", function () {
  this.timeout(180_000);
  let stack: Stack;
  /** The fixture's owner and its deployed Kernel account. */
  let owner: LocalAccount;
  let deployedAccount: Address;
  let synced: () => Promise<void>;

  before(async function () {
    ({ stack, owner, account: deployedAccount, synced } = await sharedApiStack({ dir, schema: "leash_approval_signature_test" }));
  });

  after(async function () {
    await stack?.stop();
  });

  const call = (method: "GET" | "POST", path: string, body?: unknown) => injectJson(stack.api.app, method, path, body);

  /** The owner's wallet signing what the request asks (eth_signTypedData_v4 of toSign.typedData). */
  const sign = signRequest;

  /** `owner`'s Kernel account at `index`, not deployed: its address and factory data (viem's getFactoryArgs). */
  async function undeployed(accountOwner: LocalAccount, index = 0n) {
    const kernel = await createOwnerAccount({ client: stack.leash.client, bed: kernelAddresses(stack.leash.deployments), owner: accountOwner, index });
    const { factory, factoryData } = await kernel.getFactoryArgs();
    expect(await stack.leash.client.getCode({ address: kernel.address })).to.equal(undefined);
    return { kernel, address: kernel.address, factory: factory!, factoryData: factoryData! };
  }

  /** A session that may transfer USDC (10 at a time, 100 in all), for `walletAddress`, with `extra` fields. */
  function transferRequest(walletAddress: Address, sessionKey: Address, extra: Record<string, unknown> = {}) {
    return {
      walletAddress,
      sessionKeyAddress: sessionKey,
      duration: 86_400,
      maxFeeTotal: "0.05",
      permissions: { chainId: 31337, contractAddress: stack.demo.usdc, allowedFunctions: ["transfer"], maxPerTransaction: "10", maxTotal: "100" },
      ...extra,
    };
  }

  /** A USDC transfer, as the session sends it. */
  const transferCall = (to: Address, amount: string) => ({
    to: stack.demo.usdc,
    data: encodeFunctionData({ abi: erc20Abi, functionName: "transfer", args: [to, parseUnits(amount, 6)] }),
  });

  /** The session's first operation with `approval`: Kernel refuses the owner's approval (EnableNotApproved, from _checkEnableSig). */
  async function expectKernelRefuses(approval: Approval, sessionPrivateKey: Hex) {
    const calls = [transferCall(privateKeyToAccount(generatePrivateKey()).address, "1")];
    const sent = await executeWithSession(stack.leash, { approval, sessionPrivateKey, calls, via: { direct: true } }).then(
      () => expect.fail("the chain took an approval the API refused"),
      (error: unknown) => error,
    );
    expect(sent).to.be.instanceOf(SessionOperationError);
    expect((sent as SessionOperationError).refusal).to.deep.include({ kind: "not-approved", details: { error: "EnableNotApproved" } });
  }

  /** An address's Kernel account owned by `address` (a contract, say): a signer that only has an address. */
  const addressOnly = (address: Address) =>
    toAccount({
      address,
      signMessage: () => Promise.reject(new Error("no key")),
      signTransaction: () => Promise.reject(new Error("no key")),
      signTypedData: () => Promise.reject(new Error("no key")),
    });

  it("an account not deployed yet, with its factory data: created; the owner's approval is 200 (signer the owner), another key's is 422", async function () {
    const accountOwner = privateKeyToAccount(generatePrivateKey());
    const { address, factory, factoryData } = await undeployed(accountOwner);
    expect(factory).to.equal(stack.leash.deployments.contracts.FactoryStaker.address);
    const created = await call("POST", "/v1/session-requests", transferRequest(address, createSessionKey().address, { factory, factoryData }));
    expect(created.status, JSON.stringify(created.body)).to.equal(201);
    const r = created.body;
    expect(r.toSign.account).to.equal(address);
    expect(Number(r.toSign.typedData.message.nonce)).to.equal(1);

    const stranger = privateKeyToAccount(generatePrivateKey());
    const forged = await call("POST", `/v1/session-requests/${r.id}/approval`, { signature: await sign(stranger, r.toSign.typedData) });
    expect(forged.status, JSON.stringify(forged.body)).to.equal(422);
    expect(forged.body.error.code).to.equal("invalid_signature");
    expect(forged.body.error.message).to.match(/not the account owner's/);
    // The fixture's owner signs for its own account, not this one.
    expect((await call("POST", `/v1/session-requests/${r.id}/approval`, { signature: await sign(owner, r.toSign.typedData) })).status).to.equal(422);
    // The owner's signature of other typed data (the next nonce) is not the approval either.
    const tampered = { ...r.toSign.typedData, message: { ...r.toSign.typedData.message, nonce: 2 } };
    expect((await call("POST", `/v1/session-requests/${r.id}/approval`, { signature: await sign(accountOwner, tampered) })).status).to.equal(422);
    // A high-s form of the owner's signature: OpenZeppelin's recovery, which OwnerValidator uses, refuses it.
    const good = await sign(accountOwner, r.toSign.typedData);
    expect((await call("POST", `/v1/session-requests/${r.id}/approval`, { signature: highS(good) })).status).to.equal(422);
    expect((await call("GET", `/v1/session-requests/${r.id}`)).body.status).to.equal("awaiting_approval");

    const approved = await call("POST", `/v1/session-requests/${r.id}/approval`, { signature: good });
    expect(approved.status, JSON.stringify(approved.body)).to.equal(200);
    expect(approved.body.status).to.equal("approved");
    expect(approved.body.approval.signer).to.equal(accountOwner.address);
    expect(approved.body.approval.signature).to.equal(good);
    // Nothing was deployed by the checks (they are eth_calls).
    expect(await stack.leash.client.getCode({ address })).to.equal(undefined);
  });

  it("the owner's EIP-191 signature of the digest is accepted as OwnerValidator accepts it", async function () {
    const accountOwner = privateKeyToAccount(generatePrivateKey());
    const { address, factory, factoryData } = await undeployed(accountOwner);
    const { body: r } = await call("POST", "/v1/session-requests", transferRequest(address, createSessionKey().address, { factory, factoryData }));
    const digest = hashTypedData({ ...r.toSign.typedData, message: { ...r.toSign.typedData.message, nonce: Number(r.toSign.typedData.message.nonce) } });
    const personal = await accountOwner.signMessage({ message: { raw: digest } });
    const approved = await call("POST", `/v1/session-requests/${r.id}/approval`, { signature: personal });
    expect(approved.status, JSON.stringify(approved.body)).to.equal(200);
    expect(approved.body.approval.signer).to.equal(accountOwner.address);
  });

  it("factory data of another index or another owner, or another factory, is refused at creation, naming the field", async function () {
    const accountOwner = privateKeyToAccount(generatePrivateKey());
    const mine = await undeployed(accountOwner);
    const otherIndex = await undeployed(accountOwner, 1n);
    const otherOwner = await undeployed(privateKeyToAccount(generatePrivateKey()));
    for (const other of [otherIndex, otherOwner]) {
      const refused = await call("POST", "/v1/session-requests", transferRequest(mine.address, createSessionKey().address, { factory: other.factory, factoryData: other.factoryData }));
      expect(refused.status, JSON.stringify(refused.body)).to.equal(422);
      expect(refused.body.error.code).to.equal("invalid_session_request");
      expect(refused.body.error.issues).to.deep.equal([{ field: "body.factoryData", message: "deploys another account" }]);
      expect(refused.body.error.message).to.include(`factoryData deploys account ${other.address}, not walletAddress ${mine.address}`);
    }
    const foreign = await call("POST", "/v1/session-requests", transferRequest(mine.address, createSessionKey().address, { factory: stack.demo.router, factoryData: mine.factoryData }));
    expect(foreign.status).to.equal(422);
    expect(foreign.body.error.issues).to.deep.equal([{ field: "body.factory", message: "not the Kernel factory" }]);
    const half = await call("POST", "/v1/session-requests", transferRequest(mine.address, createSessionKey().address, { factory: mine.factory }));
    expect(half.body.error.issues).to.deep.equal([{ field: "body.factoryData", message: "required with factory" }]);
    const garbage = await call("POST", "/v1/session-requests", transferRequest(mine.address, createSessionKey().address, { factory: mine.factory, factoryData: "0x1234" }));
    expect(garbage.body.error.issues).to.deep.equal([{ field: "body.factoryData", message: "not a deployWithFactory call" }]);
    const malformed = await call("POST", "/v1/session-requests", transferRequest(mine.address, createSessionKey().address, { factory: mine.factory, factoryData: "0xzz" }));
    expect(malformed.status).to.equal(422);
    expect(malformed.body.error.issues).to.deep.equal([{ field: "body.factoryData", message: "must be 0x-prefixed hex bytes" }]);
  });

  it("the FactoryStaker's deployWithFactory(KernelFactory, …) and KernelFactory's own createAccount(…) describe the account; the staker through another factory, or another call, is refused", async function () {
    const { deployments } = stack.leash;
    const kernelFactory = deployments.contracts.KernelFactory.address;
    const mine = await undeployed(privateKeyToAccount(generatePrivateKey()));
    expect(mine.factory).to.equal(deployments.contracts.FactoryStaker.address);
    const staked = decodeFunctionData({ abi: factoryStakerAbi, data: mine.factoryData });
    if (staked.functionName !== "deployWithFactory") throw new Error(staked.functionName);
    const [inner, init, salt] = staked.args;
    expect(inner).to.equal(kernelFactory);
    const request = (factory: Address, factoryData: Hex) =>
      call("POST", "/v1/session-requests", transferRequest(mine.address, createSessionKey().address, { factory, factoryData }));

    expect((await request(mine.factory, mine.factoryData)).status).to.equal(201);
    const direct = encodeFunctionData({ abi: KernelV3FactoryAbi, functionName: "createAccount", args: [init, salt] });
    const plain = await request(kernelFactory, direct);
    expect(plain.status, JSON.stringify(plain.body)).to.equal(201);

    // The staker asked to create through another contract (approved or not, the API does not ask).
    const elsewhere = await request(mine.factory, encodeFunctionData({ abi: factoryStakerAbi, functionName: "deployWithFactory", args: [stack.demo.router, init, salt] }));
    expect(elsewhere.status).to.equal(422);
    expect(elsewhere.body.error.issues).to.deep.equal([{ field: "body.factoryData", message: "not the Kernel factory" }]);
    expect(elsewhere.body.error.message).to.include(`deploys through factory ${stack.demo.router}`);
    // Each contract with the other's call, or a non-canonical encoding, is refused.
    const swapped = await request(mine.factory, direct);
    expect(swapped.body.error.issues).to.deep.equal([{ field: "body.factoryData", message: "not a deployWithFactory call" }]);
    const crossed = await request(kernelFactory, mine.factoryData);
    expect(crossed.body.error.issues).to.deep.equal([{ field: "body.factoryData", message: "not a createAccount call" }]);
    const padded = await request(mine.factory, concat([mine.factoryData, "0x00"]));
    expect(padded.body.error.issues).to.deep.equal([{ field: "body.factoryData", message: "not a deployWithFactory call" }]);
  });

  it("a root validator the API cannot verify (here OwnerValidator with an init call) is refused at creation, naming the validator", async function () {
    const { deployments } = stack.leash;
    const ownerValidator = deployments.contracts.OwnerValidator.address;
    const accountOwner = privateKeyToAccount(generatePrivateKey());
    // Kernel runs each init call from the account on itself: accountId() changes nothing, but the API
    // does not read what such calls do, so it does not guess.
    const init = encodeFunctionData({
      abi: KernelV3_1AccountAbi,
      functionName: "initialize",
      args: [concat(["0x01", ownerValidator]), zeroAddress, accountOwner.address, "0x", [encodeFunctionData({ abi: KernelV3_1AccountAbi, functionName: "accountId" })]],
    });
    const salt = `0x${"00".repeat(32)}` as Hex;
    const factory = deployments.contracts.KernelFactory.address;
    const address = await stack.leash.client.readContract({ address: factory, abi: KernelV3FactoryAbi, functionName: "getAddress", args: [init, salt] });
    const factoryData = encodeFunctionData({ abi: KernelV3FactoryAbi, functionName: "createAccount", args: [init, salt] });
    const refused = await call("POST", "/v1/session-requests", transferRequest(address, createSessionKey().address, { factory, factoryData }));
    expect(refused.status, JSON.stringify(refused.body)).to.equal(422);
    expect(refused.body.error.issues).to.deep.equal([{ field: "body.factoryData", message: "a root validator this API cannot verify" }]);
    expect(refused.body.error.message).to.include(`cannot verify approvals for validator ${concat(["0x01", ownerValidator]).toLowerCase()}`);
  });

  it("refuses an address with no code and no factory data, an EOA, and a contract that is not a Kernel account, saying which accounts work", async function () {
    const { address } = await undeployed(privateKeyToAccount(generatePrivateKey()));
    const bare = await call("POST", "/v1/session-requests", transferRequest(address, createSessionKey().address));
    expect(bare.status, JSON.stringify(bare.body)).to.equal(422);
    expect(bare.body.error.code).to.equal("invalid_session_request");
    expect(bare.body.error.issues).to.deep.equal([{ field: "body.factory", message: "required for an account not deployed yet" }]);
    expect(bare.body.error.message).to.match(/has no code .*work with Kernel v3\.1 smart accounts, not with plain addresses; .*send factory and factoryData/);
    // An EOA (the fixture's owner, which holds no code) is an address with no code either.
    const eoa = await call("POST", "/v1/session-requests", transferRequest(owner.address, createSessionKey().address));
    expect(eoa.status).to.equal(422);
    expect(eoa.body.error.message).to.match(/work with Kernel v3\.1 smart accounts, not with plain addresses/);
    // ...and factory data of some Kernel account does not make it one.
    const { factory, factoryData } = await undeployed(privateKeyToAccount(generatePrivateKey()));
    const posing = await call("POST", "/v1/session-requests", transferRequest(owner.address, createSessionKey().address, { factory, factoryData }));
    expect(posing.body.error.issues).to.deep.equal([{ field: "body.factoryData", message: "deploys another account" }]);
    const router = await call("POST", "/v1/session-requests", transferRequest(stack.demo.router, createSessionKey().address));
    expect(router.status).to.equal(422);
    expect(router.body.error.issues).to.deep.equal([{ field: "body.walletAddress", message: "not a Kernel v3 account" }]);
    expect(router.body.error.message).to.match(/is not a ZeroDev Kernel v3 account .*work with Kernel v3\.1 smart accounts/);
  });

  it("an owner that is a contract: its ERC-1271 (deployed) or ERC-6492 (not deployed) signature is valid, but OwnerValidator accepts ECDSA only, so the approval is refused with that reason", async function () {
    const client = stack.leash.client;
    const bed = kernelAddresses(stack.leash.deployments);
    // The fixture's deployed Kernel account owns a new account; its owner's key signs for it (ERC-1271).
    const contractOwner = await createOwnerAccount({ client, bed, owner });
    expect(contractOwner.address).to.equal(deployedAccount);
    // A Kernel account not deployed yet owns another; its signature is wrapped as ERC-6492.
    const counterfactualOwner = await createOwnerAccount({ client, bed, owner: privateKeyToAccount(generatePrivateKey()) });
    for (const [ownerAccount, reason] of [
      [contractOwner, new RegExp(`owner ${deployedAccount} is a contract, and OwnerValidator accepts only ECDSA signatures .*ERC-1271`)],
      [counterfactualOwner, /ERC-6492 signature .*OwnerValidator accepts only an ECDSA signature/],
    ] as const) {
      const { address, factory, factoryData } = await undeployed(addressOnly(ownerAccount.address));
      const sessionKey = createSessionKey();
      const created = await call("POST", "/v1/session-requests", transferRequest(address, sessionKey.address, { factory, factoryData }));
      expect(created.status, JSON.stringify(created.body)).to.equal(201);
      const typed = { ...created.body.toSign.typedData, message: { ...created.body.toSign.typedData.message, nonce: Number(created.body.toSign.typedData.message.nonce) } };
      const signature = await ownerAccount.signTypedData(typed);
      // The owner's signature is good by ERC-1271 / ERC-6492 (viem's verifier)...
      expect(await client.verifyTypedData({ address: ownerAccount.address, ...typed, signature })).to.equal(true);
      // ...but the chain asks OwnerValidator, which would refuse it: so does the API.
      const refused = await call("POST", `/v1/session-requests/${created.body.id}/approval`, { signature });
      expect(refused.status, JSON.stringify(refused.body)).to.equal(422);
      expect(refused.body.error.code).to.equal("invalid_signature");
      expect(refused.body.error.message).to.match(reason);
      expect(refused.body.error.issues).to.deep.equal([{ field: "body.signature", message: "OwnerValidator accepts ECDSA signatures by its owner's key only" }]);

      // The chain: the session's first operation with that signature deploys nothing and enables nothing.
      await client.waitForTransactionReceipt({ hash: await client.sendTransaction({ to: address, value: parseEther("0.1") }) });
      await expectKernelRefuses(approvalOfRequest(stack.leash, created.body, { signer: ownerAccount.address, signature }), sessionKey.privateKey);
      expect(await client.getCode({ address })).to.equal(undefined);
    }
  });

  it("a deployed account whose validation nonce moved on since the request: the owner's approval is refused, as Kernel refuses it", async function () {
    const client = stack.leash.client;
    const accountOwner = privateKeyToAccount(generatePrivateKey());
    const address = await fundedAccount({ leash: stack.leash, demo: stack.demo, owner: accountOwner, usdc: "50" });
    const sessionKey = createSessionKey();
    const { body: r } = await call("POST", "/v1/session-requests", transferRequest(address, sessionKey.address));
    expect(Number(r.toSign.typedData.message.nonce)).to.equal(1);
    // The owner cancels every unused approval (what revoking an approval never used does).
    const kernel = await createOwnerAccount({ client, bed: kernelAddresses(stack.leash.deployments), owner: accountOwner });
    await sendUserOperationDirect({
      submitter: client,
      account: kernel,
      calls: [{ to: address, data: encodeFunctionData({ abi: KernelV3_1AccountAbi, functionName: "invalidateNonce", args: [2] }) }],
    });
    const signature = await sign(accountOwner, r.toSign.typedData);
    const refused = await call("POST", `/v1/session-requests/${r.id}/approval`, { signature });
    expect(refused.status, JSON.stringify(refused.body)).to.equal(422);
    expect(refused.body.error.code).to.equal("invalid_signature");
    expect(refused.body.error.issues).to.deep.equal([{ field: "body.signature", message: "typed data of another nonce" }]);
    expect(refused.body.error.message).to.match(/the typed data's nonce is 1, but the account's validation nonce is now 2/);
    // The chain: Kernel's Enable digest holds nonce 2, so this signature enables nothing.
    await expectKernelRefuses(approvalOfRequest(stack.leash, r, { signer: accountOwner.address, signature }), sessionKey.privateKey);
  });

  it("the approved session's first operation deploys the account and enables the session with exactly the stored signature", async function () {
    const client = stack.leash.client;
    const accountOwner = privateKeyToAccount(generatePrivateKey());
    const { address, factory, factoryData } = await undeployed(accountOwner);
    // Money sent to the address before it has code: ETH for gas, USDC to transfer.
    await client.waitForTransactionReceipt({ hash: await client.sendTransaction({ to: address, value: parseEther("1") }) });
    const mint = [{ type: "function", name: "mint", stateMutability: "nonpayable", inputs: [{ name: "to", type: "address" }, { name: "amount", type: "uint256" }], outputs: [] }] as const;
    await client.waitForTransactionReceipt({ hash: await client.writeContract({ address: stack.demo.usdc, abi: mint, functionName: "mint", args: [address, parseUnits("50", 6)] }) });

    const sessionKey = createSessionKey();
    const { body: r } = await call("POST", "/v1/session-requests", transferRequest(address, sessionKey.address, { factory, factoryData }));
    const { body: approved } = await call("POST", `/v1/session-requests/${r.id}/approval`, { signature: await sign(accountOwner, r.toSign.typedData) });
    expect(approved.status).to.equal("approved");

    // What the session key's holder builds from the stored request: the SDK's approval, whose root
    // validator data deploys the account on its first operation.
    const approval = approvalOfRequest(stack.leash, approved);
    const recipient = privateKeyToAccount(generatePrivateKey()).address;
    const result = await executeWithSession(stack.leash, { approval, sessionPrivateKey: sessionKey.privateKey, calls: [transferCall(recipient, "5")], via: { direct: true } });
    expect(result.success).to.equal(true);

    expect(await client.getCode({ address })).to.not.equal(undefined);
    expect(await client.readContract({ address, abi: KernelV3_1AccountAbi, functionName: "accountId" })).to.match(/^kernel\.advanced\.v0\.3\./);
    expect(await client.readContract({ address: stack.leash.deployments.contracts.OwnerValidator.address, abi: ownerValidatorAbi, functionName: "ownerOf", args: [address] })).to.equal(accountOwner.address);
    expect(await client.readContract({ address: stack.demo.usdc, abi: erc20Abi, functionName: "balanceOf", args: [recipient] })).to.equal(parseUnits("5", 6));
    await synced();
    expect((await call("GET", `/v1/session-requests/${r.id}`)).body.status).to.equal("active");
  });
});

/** The same ECDSA signature with s replaced by n - s (and v flipped): valid for ecrecover, refused by OpenZeppelin. */
function highS(signature: Hex): Hex {
  const n = 0xfffffffffffffffffffffffffffffffebaaedce6af48a03bbfd25e8cd0364141n;
  const r = signature.slice(2, 66);
  const s = BigInt(`0x${signature.slice(66, 130)}`);
  const v = parseInt(signature.slice(130, 132), 16);
  return `0x${r}${(n - s).toString(16).padStart(64, "0")}${(v === 27 ? 28 : 27).toString(16)}` as Hex;
}
