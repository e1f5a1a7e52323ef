// Registration, views and revocation through real Kernel v3.1 accounts: the owner's approval
// registers the full configuration, the owner revokes (Kernel uninstall or SessionPolicy.revoke),
// re-registration starts clean, and the owner's old approval cannot bring a revoked session back.
import { expect } from "chai";
import { type Hex, encodeFunctionData, parseEther, zeroAddress } from "viem";
import { generatePrivateKey, privateKeyToAccount } from "viem/accounts";
import { createKernel, ownerValidator, sessionPermission } from "../../sdk/accounts.js";
import { encodeTimeClaim, sessionPolicy } from "../../sdk/policies.js";
import {
  DAY,
  HOUR,
  NATIVE_TOKEN,
  type Session,
  SessionStatus,
  type SessionConfig,
  UNLIMITED,
  type World,
  allow,
  createWorld,
  erc20,
  expectRefused,
  installCall,
  limit,
  openSession,
  randomAddress,
  remaining,
  sendAsOwner,
  sessionConfig,
  sessionEvents,
  uninstallCall,
  usdc,
} from "./fixtures.js";

describe("SessionPolicy through Kernel: registration, views and revocation", function () {
  let world: World;
  const to = randomAddress();

  before(async function () {
    world = await createWorld();
  });

  describe("registration", function () {
    it("registers the full configuration with the owner's approval; getConfig returns it exactly", async function () {
      const start = await world.now();
      const config = sessionConfig(start, {
        validUntil: start + 30 * DAY,
        window: HOUR,
        callsPerWindow: 10,
        maxCalls: 100,
        maxFeePerOperation: parseEther("1"),
        paymaster: randomAddress(),
        signatureSenders: [randomAddress()],
        calls: [
          allow(world.usdc, "transfer(address,uint256)"),
          allow(world.router, "exactInputSingle((address,address,uint24,address,uint256,uint256))", { amountArg: 4, tokenArg: 0, accountArg: 3 }),
          allow(randomAddress(), "deposit(uint256)", { amountArg: 0, amountToken: world.usdc }),
          allow(world.weth, "transfer(address,uint256)", { equalArg: 0, equalValue: `0x${to.slice(2).toLowerCase().padStart(64, "0")}` }),
          allow(to, "0x00000000", { allowValue: true }),
        ],
        tokens: [
          limit(world.usdc, { perTransaction: usdc("50"), total: usdc("1000"), perPeriod: usdc("200"), period: DAY }),
          limit(NATIVE_TOKEN, { perTransaction: parseEther("1"), total: parseEther("2") }),
        ],
      });
      const session = await openSession(world, config, { usdc: usdc("100") });
      expect(await session.getStatus()).to.equal(SessionStatus.Unknown);
      expect(await session.getConfig()).to.deep.equal(emptyConfig());

      const result = await session.send([erc20.transfer(world.usdc, to, usdc("50"))]);
      expect(sessionEvents(world, result).registered).to.deep.equal([{ account: session.address, id: session.id, config }]);
      expect(await session.getConfig()).to.deep.equal(config);
      expect(await session.getSession()).to.deep.equal({
        status: SessionStatus.Active,
        validAfter: start,
        validUntil: start + 30 * DAY,
        callsLeftInWindow: 9,
        windowEndsAt: start + HOUR - 1,
        callsLeft: 99,
        feeLeft: UNLIMITED,
        tokens: [
          remaining(world.usdc, { perTransaction: usdc("50"), remainingTotal: usdc("950"), remainingInPeriod: usdc("150"), refillsAt: start + DAY }),
          remaining(NATIVE_TOKEN, { perTransaction: parseEther("1"), remainingTotal: parseEther("2") }),
        ],
      });
    });

    it("refuses invalid configurations in the enabling operation itself", async function () {
      const start = await world.now();
      const calls = [allow(world.usdc, "transfer(address,uint256)")];
      const cases: [SessionConfig, string, readonly unknown[]][] = [
        [sessionConfig(start, { calls: [] }), "InvalidSessionConfig", ["no call permission"]],
        [sessionConfig(start, { calls, window: HOUR }), "InvalidSessionConfig", ["window and callsPerWindow must be set together"]],
        [sessionConfig(start, { calls, tokens: [limit(world.usdc, { perTransaction: 2n, total: 1n })] }), "InvalidTokenLimit", [0n, "perTransaction exceeds total"]],
        [sessionConfig(start, { calls, tokens: [limit(world.usdc, { total: 1n })], signatureSenders: [world.usdc] }), "InvalidSessionConfig", ["a signature sender is zero or a limited token"]],
        // amountToken without amountArg would be ignored: refused rather than silently dropped.
        [
          sessionConfig(start, { calls: [...calls, allow(randomAddress(), "deposit(uint256)", { amountToken: world.usdc })], tokens: [limit(world.usdc, { total: 1n })] }),
          "InvalidCallPermission",
          [1n, "amountToken needs amountArg and no tokenArg"],
        ],
      ];
      for (const [config, error, args] of cases) {
        const session = await openSession(world, config, { usdc: usdc("1") });
        await expectRefused(session, [erc20.transfer(world.usdc, to, 1n)], { error, args });
        expect(await session.getStatus()).to.equal(SessionStatus.Unknown);
      }
    });
  });

  describe("revocation", function () {
    async function usedSession() {
      const config = sessionConfig(await world.now(), {
        calls: [allow(world.usdc, "transfer(address,uint256)")],
        tokens: [limit(world.usdc, { total: usdc("100") })],
        maxCalls: 10,
      });
      const session = await openSession(world, config, { usdc: usdc("1000") });
      await session.send([erc20.transfer(world.usdc, to, usdc("60"))]);
      // What the session key holder kept: the owner's approval, carried by the first operation.
      const approval = await session.account.kernelPluginManager.getPluginEnableSignature(session.address);
      return { session, approval };
    }

    it("(a) the owner uninstalls the permission through Kernel: SessionRevoked, status Revoked, operations fail", async function () {
      const { session, approval } = await usedSession();
      const result = await sendAsOwner(session, [await uninstallCall(session)]);
      expect(sessionEvents(world, result).revoked).to.deep.equal([{ account: session.address, id: session.id }]);
      expect(await session.getStatus()).to.equal(SessionStatus.Revoked);
      expect((await session.getSession()).status).to.equal(SessionStatus.Revoked);
      expect(await world.client.readContract({ address: world.policy, abi: world.abis.policy, functionName: "isInitialized", args: [session.address] })).to.equal(false);

      // Kernel no longer knows the permission's policies nor its signer.
      await expectRefused(session, [erc20.transfer(world.usdc, to, 1n)], { error: "SignerPrefixNotPresent" }, {
        account: await holder(session),
        watch: [to],
      });
      await expectReplayRefused(session, approval, "InvalidNonce");
    });

    it("(b) the owner calls SessionPolicy.revoke: SessionRevoked, status Revoked, operations refused by the policy", async function () {
      const { session, approval } = await usedSession();
      const revoke = { to: world.policy, data: encodeFunctionData({ abi: world.abis.policy, functionName: "revoke", args: [session.id] }) };
      const result = await sendAsOwner(session, [revoke]);
      expect(sessionEvents(world, result).revoked).to.deep.equal([{ account: session.address, id: session.id }]);
      expect(await session.getStatus()).to.equal(SessionStatus.Revoked);

      await expectRefused(session, [erc20.transfer(world.usdc, to, 1n)], {
        error: "SessionNotActive",
        args: [session.id, SessionStatus.Revoked],
      }, { watch: [to] });
      await expectReplayRefused(session, approval, "InvalidNonce");
    });

    it("(c) re-registering the same permission id starts clean, and the old approval stays dead", async function () {
      const { session, approval } = await usedSession();
      await sendAsOwner(session, [await uninstallCall(session)]);
      const result = await sendAsOwner(session, [await installCall(session, session.config)]);
      expect(sessionEvents(world, result).registered).to.deep.equal([{ account: session.address, id: session.id, config: session.config }]);
      const view = await session.getSession();
      expect([view.status, view.callsLeft, view.tokens]).to.deep.equal([SessionStatus.Active, 10, [remaining(world.usdc, { remainingTotal: usdc("100") })]]);

      // The full total is back (60 had been spent before): spend all of it.
      await session.send([erc20.transfer(world.usdc, to, usdc("100"))]);
      expect(await session.getStatus()).to.equal(SessionStatus.Exhausted);

      // Revoked again: the old approval was signed for an older Kernel nonce.
      await sendAsOwner(session, [await uninstallCall(session)]);
      await expectReplayRefused(session, approval, "EnableNotApproved");
    });
  });

  /**
   * The account as the session key holder sees it, without the owner's key: in plain mode, or in
   * enable mode replaying the owner's old approval to install the permission again.
   */
  async function holder(session: Session, replay?: Hex) {
    const regular = await sessionPermission({
      client: world.client,
      bed: world.bed,
      sessionKey: session.sessionKey,
      policies: [sessionPolicy(world.policy, world.abis.policy, { ...session.config })],
      policySlices: async () => [{ index: 0, data: encodeTimeClaim(await session.claimFor()) }],
      deadline: () => session.deadlineFor(),
    });
    expect(regular.getIdentifier()).to.equal(session.permissionId);
    const account = await createKernel(world.client, world.bed, {
      address: session.address,
      plugins: {
        // Any key will do for the root validator: it never signs here.
        sudo: await ownerValidator(world.client, world.bed, privateKeyToAccount(generatePrivateKey())),
        regular: { ...regular, isEnabled: async () => replay === undefined },
        pluginEnableSignature: replay,
      },
    });
    expect(Number((await account.getNonce()) >> 248n), "validation mode").to.equal(replay === undefined ? 0 : 1);
    return account;
  }

  /** The replayed approval is refused by Kernel and the session stays revoked. */
  async function expectReplayRefused(session: Session, approval: Hex, kernelError: string) {
    await expectRefused(session, [erc20.transfer(world.usdc, to, 1n)], { error: kernelError }, {
      account: await holder(session, approval),
      watch: [to],
    });
    expect(await session.getStatus()).to.equal(SessionStatus.Revoked);
  }
});

function emptyConfig(): SessionConfig {
  return { ...sessionConfig(0, { calls: [] }), maxFeePerOperation: 0n, paymaster: zeroAddress };
}
