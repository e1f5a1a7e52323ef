// A bundler's refusal keeps its reason: recorded JSON-RPC error bodies (alto's, ERC-7769 codes)
// answered by a stand-in bundler, received through the SDK's real sending path (viem's errors
// included), decoded and explained: the kind, the rule or the time, what to do; and whether the
// executor tries the slot again.
import { expect } from "chai";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { type Abi, encodeErrorResult, zeroAddress } from "viem";
import type { UserOperation } from "viem/account-abstraction";
import { classify } from "../../executor/send.js";
import { contractAbis } from "../../sdk/contracts.js";
import { explainFailure, isTemporaryRefusal, type Refusal, UserOperationError } from "../../sdk/errors.js";
import { sendSignedUserOperation } from "../../sdk/userops.js";

const OP: UserOperation<"0.7"> = {
  sender: "0x3D2F41c23d3863E83Cc6D495Dc8754901dc9A4e4",
  nonce: 1n,
  callData: "0x",
  callGasLimit: 100_000n,
  verificationGasLimit: 500_000n,
  preVerificationGas: 60_000n,
  maxFeePerGas: 2_000_000_000n,
  maxPriorityFeePerGas: 1_000_000_000n,
  signature: "0x",
};

const rateLimited = encodeErrorResult({ abi: contractAbis.SessionPolicy as Abi, errorName: "RateLimitExceeded", args: [3n, 1n, 1n, 1n] });

describe("sdk: a bundler's refusals, each as its own kind", function () {
  let server: Server;
  let url: string;
  let answer: { code: number; message: string; data?: unknown };

  before(async function () {
    server = createServer((req, res) => {
      let body = "";
      req.on("data", (chunk) => (body += chunk));
      req.on("end", () => {
        const { id } = JSON.parse(body) as { id: number };
        res.setHeader("content-type", "application/json");
        res.end(JSON.stringify({ jsonrpc: "2.0", id, error: answer }));
      });
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });

  after(async function () {
    await new Promise((resolve) => server.close(resolve));
  });

  /** Sends OP to the stand-in bundler answering `error`; the error thrown, and its refusal. */
  async function refusalFor(error: typeof answer): Promise<{ thrown: UserOperationError; refusal: Refusal }> {
    answer = error;
    try {
      await sendSignedUserOperation({ userOperation: OP, bundlerUrl: url, abis: [contractAbis.SessionPolicy as Abi] });
    } catch (thrown) {
      expect(thrown).to.be.instanceOf(UserOperationError);
      return { thrown: thrown as UserOperationError, refusal: explainFailure((thrown as UserOperationError).failure) };
    }
    return expect.fail("the stand-in bundler's refusal was not thrown");
  }

  const temporary = (thrown: UserOperationError) => {
    const outcome = classify(thrown, []);
    expect(outcome.type, "the executor counts it as a refusal").to.equal("refused");
    return outcome.type === "refused" && outcome.temporary;
  };

  it("-32502: an ERC-7562 rule, named by the bundler; permanent", async function () {
    const message = "[STO-022] unstaked factory accessed 0xd57fb0956e3940febede4fede44d979155a05816 slot 0x3dc2723aca1e167ae2ad3df5b1ba0c7eedaf1ed17bd785513925194cbb0c763f";
    const { thrown, refusal } = await refusalFor({ code: -32502, message, data: { factory: "0xC6D2Ce2aB3FC9Ac378AF780A6A92842de2D4422b" } });
    expect(thrown.failure.bundler).to.deep.include({ code: -32502, message, rule: "STO-022" });
    expect(refusal.kind).to.equal("erc7562-rule");
    expect(refusal.details).to.deep.include({ rule: "STO-022", bundlerCode: "-32502", bundlerMessage: message });
    expect(refusal.message).to.include("rule STO-022").and.to.include("unstaked factory");
    expect(refusal.action).to.match(/staked factory/);
    expect(temporary(thrown)).to.equal(false);
  });

  it("-32502: the rule from the wording when the bundler does not name it", async function () {
    const cases: [string, string | undefined][] = [
      ["account uses banned opcode: TIMESTAMP", "OP-011"],
      ["paymaster uses banned opcode: GAS", "OP-012"],
      ["account internally reverts on oog", "OP-020"],
      ["illegal call into EntryPoint during validation 0x12345678", "OP-054"],
      ["unstaked factory accessed 0xd57fb0956e3940febede4fede44d979155a05816 slot 0x01", "STO-022"],
      ["something no rule matches", undefined],
    ];
    for (const [message, rule] of cases) {
      const { refusal } = await refusalFor({ code: -32502, message });
      expect(refusal.kind, message).to.equal("erc7562-rule");
      expect(refusal.details.rule, message).to.equal(rule);
      expect(refusal.action, message).to.be.a("string");
    }
  });

  it("-32503: not valid yet, with validAfter and the bundler's clock; temporary", async function () {
    const { thrown, refusal } = await refusalFor({ code: -32503, message: "User operation is not valid yet, validAfter=1796379866, now=1796379869" });
    expect(refusal.kind).to.equal("time-range");
    expect(refusal.details).to.deep.include({ reason: "not-valid-yet", validAfter: "1796379866", bundlerTime: "1796379869" });
    expect(refusal.message).to.equal(
      "the bundler refused the operation as not valid yet until 2026-12-04T10:24:26.000Z (bundler's clock 2026-12-04T10:24:29.000Z)",
    );
    expect(refusal.action).to.match(/try again/);
    expect(temporary(thrown)).to.equal(true);
    expect(isTemporaryRefusal("time-range")).to.equal(true);
  });

  it("-32503: expires too soon, with validUntil; and the bare wording of the unsafe mode", async function () {
    const { thrown, refusal } = await refusalFor({ code: -32503, message: "UserOperation expires too soon, validUntil=1796380000, now=1796379990" });
    expect(refusal.kind).to.equal("time-range");
    expect(refusal.details).to.deep.include({ reason: "expires-too-soon", validUntil: "1796380000", bundlerTime: "1796379990" });
    expect(refusal.message).to.include("expiring too soon: its validity ends 2026-12-04T10:26:40.000Z");
    expect(temporary(thrown)).to.equal(true);

    const bare = await refusalFor({ code: -32503, message: "expires too soon" });
    expect(bare.refusal.kind).to.equal("time-range");
    expect(bare.refusal.details.reason).to.equal("expires-too-soon");
    expect(bare.refusal.details.validUntil).to.equal(undefined);
  });

  it("-32500: a policy's own error keeps its kind; EntryPoint's code otherwise", async function () {
    const policy = await refusalFor({ code: -32500, message: `UserOperation reverted with reason: AA23 reverted ${rateLimited}` });
    expect(policy.refusal.kind).to.equal("rate-limit");
    expect(policy.thrown.failure.bundler?.code).to.equal(-32500);
    expect(temporary(policy.thrown)).to.equal(true);

    const expired = await refusalFor({ code: -32500, message: "UserOperation reverted with reason: AA22 expired or not due" });
    expect(expired.refusal.kind).to.equal("expired");

    const creation = await refusalFor({ code: -32500, message: "UserOperation reverted with reason: AA13 initCode failed or OOG" });
    expect(creation.refusal.kind).to.equal("validation-failed");
    expect(creation.refusal.details).to.deep.include({ code: "AA13", bundlerCode: "-32500" });
    expect(creation.refusal.message).to.include("(AA13)");
    expect(temporary(creation.thrown)).to.equal(false);
  });

  it("-32501 and -32508: the paymaster; -32507: the signature", async function () {
    for (const error of [
      { code: -32501, message: `paymaster validation failed: AA33 reverted ${zeroAddress}` },
      { code: -32508, message: "Paymaster deposit too low" },
    ]) {
      const { thrown, refusal } = await refusalFor(error);
      expect(refusal.kind, error.message).to.equal("paymaster-refused");
      expect(temporary(thrown)).to.equal(false);
    }
    const signature = await refusalFor({ code: -32507, message: "Invalid UserOp signature" });
    expect(signature.refusal.kind).to.equal("not-approved");
  });

  it("-32504: reputation, temporary; -32505: stake, permanent", async function () {
    const throttled = await refusalFor({ code: -32504, message: "paymaster 0x0000000000000000000000000000000000000001 is throttled by the pimlico" });
    expect(throttled.refusal.kind).to.equal("reputation");
    expect(throttled.refusal.action).to.match(/later/);
    expect(temporary(throttled.thrown)).to.equal(true);

    const stake = await refusalFor({ code: -32505, message: "factory 0x0000000000000000000000000000000000000002 is unstaked and must stake minimum 1 to use pimlico" });
    expect(stake.refusal.kind).to.equal("stake-required");
    expect(stake.refusal.details.bundlerMessage).to.include("unstaked");
    expect(temporary(stake.thrown)).to.equal(false);
  });

  it("a bundler that does not answer is not a refusal (the executor retries)", async function () {
    let thrown: unknown;
    try {
      await sendSignedUserOperation({ userOperation: OP, bundlerUrl: "http://127.0.0.1:1" });
    } catch (error) {
      thrown = error;
    }
    expect(thrown).to.be.instanceOf(UserOperationError);
    expect((thrown as UserOperationError).failure.bundler).to.equal(undefined);
    expect(classify(thrown, []).type).to.equal("transient");
  });
});
