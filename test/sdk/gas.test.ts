// The SDK's gas rules without a chain: the default cap per operation, and fees fitted under a
// session's cap before an operation is signed (or the operation refused with the policy's reason).
import { expect } from "chai";
import { parseEther, parseGwei } from "viem";
import { FEE_HEADROOM, OPERATION_GAS } from "../../sdk/constants.js";
import { UserOperationError, explainFailure } from "../../sdk/errors.js";
import { defaultFeeCap } from "../../sdk/request.js";
import { fitFees, operationMaxCost } from "../../sdk/userops.js";

describe("sdk: gas bounds", function () {
  const gas = { verificationGasLimit: 500_000n, callGasLimit: 200_000n, preVerificationGas: 50_000n };
  const at = (baseFeePerGas: bigint) => ({ getBlock: async () => ({ baseFeePerGas }) }) as never;

  it("the default cap is OPERATION_GAS at FEE_HEADROOM times today's fee, rounded up to two digits", function () {
    expect(defaultFeeCap(parseGwei("1"))).to.equal(OPERATION_GAS * FEE_HEADROOM * parseGwei("1"));
    expect(defaultFeeCap(parseGwei("1"))).to.equal(parseEther("0.008"));
    // 2M × 4 × 2.2 gwei = 0.0176 ETH: rounded up to 0.018.
    expect(defaultFeeCap(parseGwei("2.2"))).to.equal(parseEther("0.018"));
    expect(defaultFeeCap(123_456_789n)).to.equal(990_000_000_000_000n);
    // A chain quoting no fee still gets a cap.
    expect(defaultFeeCap(0n) > 0n).to.equal(true);
  });

  it("an operation within the cap is left as estimated", async function () {
    const op = { ...gas, maxFeePerGas: parseGwei("2"), maxPriorityFeePerGas: parseGwei("1") };
    expect(operationMaxCost(op)).to.equal(750_000n * parseGwei("2"));
    expect(await fitFees(op, operationMaxCost(op), at(parseGwei("1")))).to.equal(op);
  });

  it("an operation over the cap gets the highest fee that fits, while that still pays the base fee", async function () {
    const op = { ...gas, maxFeePerGas: parseGwei("10"), maxPriorityFeePerGas: parseGwei("3") };
    const cap = 750_000n * parseGwei("2");
    const fitted = await fitFees(op, cap, at(parseGwei("1")));
    expect(fitted.maxFeePerGas).to.equal(parseGwei("2"));
    expect(fitted.maxPriorityFeePerGas).to.equal(parseGwei("2"));
    expect(operationMaxCost(fitted)).to.be.at.most(cap);
  });

  it("an operation that cannot fit at the base fee is refused before signing, as the policy would", async function () {
    const op = { ...gas, maxFeePerGas: parseGwei("10"), maxPriorityFeePerGas: parseGwei("3") };
    const cap = 750_000n * parseGwei("1");
    let error: unknown;
    try {
      await fitFees(op, cap, at(parseGwei("1")));
    } catch (e) {
      error = e;
    }
    expect(error).to.be.instanceOf(UserOperationError);
    const failure = (error as UserOperationError).failure;
    expect(failure.error).to.deep.equal({ name: "FeeCapExceeded", args: [operationMaxCost(op), cap] });
    const refusal = explainFailure(failure);
    expect(refusal.kind).to.equal("fee-cap");
    expect(refusal.message).to.equal("this operation may cost up to 0.0075 ETH in gas; the session allows 0.00075 ETH");
  });
});
