// ERC-1271 through real Kernel v3.1 accounts: a session signs nothing unless the owner listed the
// verifying contract, and only verification requested by a listed contract passes. Signatures are
// made by the SDK (0x02 ‖ permission id ‖ 0xff ‖ session key's signature over Kernel's wrapped hash).
import { expect } from "chai";
import { KernelV3_1AccountAbi } from "@zerodev/sdk";
import { type Address, type Hex, encodeFunctionData, hashMessage, hashTypedData } from "viem";
import { decodeUserOperationError } from "../../sdk/errors.js";
import {
  HOUR,
  type Session,
  type SessionConfig,
  type World,
  allow,
  createWorld,
  erc20,
  ownerAccount,
  openSession,
  randomAddress,
  sendAsOwner,
  sessionConfig,
} from "./fixtures.js";

const VALID = "0x1626ba7e";
const INVALID = "0xffffffff";

describe("SessionPolicy through Kernel: ERC-1271 signatures", function () {
  let world: World;
  const verifier = randomAddress();
  const stranger = randomAddress();
  const message = "sign in to the app";

  before(async function () {
    world = await createWorld();
  });

  /** An enabled session that may transfer USDC (0 units: nothing is spent). */
  async function enabledSession(opts: Partial<SessionConfig> = {}) {
    const config = sessionConfig(await world.now(), { calls: [allow(world.usdc, "transfer(address,uint256)")], ...opts });
    const session = await openSession(world, config);
    await session.send([erc20.transfer(world.usdc, stranger, 0n)]);
    return session;
  }

  /** Kernel's isValidSignature as `requester` asks it: the magic value, or the error it reverts with. */
  async function verify(session: Session, hash: Hex, signature: Hex, requester: Address): Promise<string> {
    try {
      return await world.client.readContract({
        address: session.address,
        abi: KernelV3_1AccountAbi,
        functionName: "isValidSignature",
        args: [hash, signature],
        account: requester,
      });
    } catch (err) {
      const failure = decodeUserOperationError(err, world.errorAbis);
      return failure.error ? `${failure.error.name}(${failure.error.args.join(",")})` : failure.message;
    }
  }

  it("by default a session cannot sign; the owner's signature verifies (same hash wrapping)", async function () {
    const session = await enabledSession();
    const signature = await session.account.signMessage({ message });
    expect(signature.slice(0, 14)).to.equal(`0x02${session.permissionId.slice(2)}ff`);
    // SessionPolicy refuses: Kernel reports policy #0 failed.
    expect(await verify(session, hashMessage(message), signature, verifier)).to.equal("PolicyFailed(0)");

    const owned = await (await ownerAccount(session)).signMessage({ message });
    expect(await verify(session, hashMessage(message), owned, verifier)).to.equal(VALID);
  });

  it("with signatureSenders = [X], only verification requested by X passes", async function () {
    const session = await enabledSession({ signatureSenders: [verifier] });
    const signature = await session.account.signMessage({ message });
    expect(await verify(session, hashMessage(message), signature, verifier)).to.equal(VALID);
    expect(await verify(session, hashMessage(message), signature, stranger)).to.equal("PolicyFailed(0)");
    // The policy lets X ask; the session key's signature must still match the hash.
    expect(await verify(session, hashMessage("something else"), signature, verifier)).to.equal(INVALID);

    const typedData = {
      domain: { name: "App", version: "1", chainId: world.bed.chainId, verifyingContract: verifier },
      types: { Login: [{ name: "nonce", type: "uint256" }] },
      primaryType: "Login",
      message: { nonce: 7n },
    } as const;
    const typed = await session.account.signTypedData(typedData);
    expect(await verify(session, hashTypedData(typedData), typed, verifier)).to.equal(VALID);

    // Revoked: nothing verifies any more.
    const revoke = { to: world.policy, data: encodeFunctionData({ abi: world.abis.policy, functionName: "revoke", args: [session.id] }) };
    await sendAsOwner(session, [revoke]);
    expect(await verify(session, hashMessage(message), signature, verifier)).to.equal("PolicyFailed(0)");
  });

  it("ends signing with the session: after validUntil (Kernel's time check) and with no calls left", async function () {
    const start = await world.now();
    const expiring = await enabledSession({ signatureSenders: [verifier], validUntil: start + HOUR });
    const signature = await expiring.account.signMessage({ message });
    expect(await verify(expiring, hashMessage(message), signature, verifier)).to.equal(VALID);
    await world.travelTo(start + HOUR + 1);
    expect(await verify(expiring, hashMessage(message), signature, verifier)).to.equal(INVALID);

    // The enabling operation took the only call.
    const spent = await enabledSession({ signatureSenders: [verifier], maxCalls: 1 });
    const spentSignature = await spent.account.signMessage({ message });
    expect(await verify(spent, hashMessage(message), spentSignature, verifier)).to.equal("PolicyFailed(0)");
  });
});
