// Shapes derived from the ABIs: a SessionConfig stored by the index as JSON reads back exactly.
import { expect } from "chai";
import fc from "fast-check";
import { getAddress, type Hex, toHex } from "viem";
import { type SessionConfig, sessionConfigFromJson } from "../../sdk/contracts.js";

const address = fc.uint8Array({ minLength: 20, maxLength: 20 }).map((b) => getAddress(toHex(b)));
const bytes = (n: number) => fc.uint8Array({ minLength: n, maxLength: n }).map((b) => toHex(b) as Hex);
const uint = (bits: number) => fc.bigInt({ min: 0n, max: 2n ** BigInt(bits) - 1n });
const small = (bits: number) => fc.integer({ min: 0, max: 2 ** bits - 1 });

const config: fc.Arbitrary<SessionConfig> = fc.record({
  validAfter: small(48),
  validUntil: small(48),
  window: small(32),
  callsPerWindow: small(16),
  maxCalls: small(32),
  maxFeePerOperation: uint(128),
  maxFeeTotal: uint(128),
  paymaster: address,
  signatureSenders: fc.array(address, { maxLength: 3 }),
  calls: fc.array(
    fc.record({
      target: address,
      selector: bytes(4),
      allowValue: fc.boolean(),
      amountArg: small(8),
      tokenArg: small(8),
      amountToken: address,
      accountArg: small(8),
      equalArg: small(8),
      equalValue: bytes(32),
    }),
    { maxLength: 3 },
  ),
  tokens: fc.array(fc.record({ token: address, perTransaction: uint(256), total: uint(256), perPeriod: uint(256), period: small(32) }), { maxLength: 3 }),
});

const asJson = (v: unknown) => JSON.parse(JSON.stringify(v, (_, x) => (typeof x === "bigint" ? x.toString() : x)));

describe("sdk: shapes derived from the ABIs", function () {
  it("reads back any SessionConfig the index stored as JSON", function () {
    fc.assert(
      fc.property(config, (c) => {
        expect(sessionConfigFromJson(asJson(c))).to.deep.equal(c);
      }),
      { numRuns: 200 },
    );
  });

  it("names what does not fit the ABI's shape", function () {
    const good = asJson(fc.sample(config, { numRuns: 1, seed: 1 })[0]);
    expect(() => sessionConfigFromJson({ ...good, tokens: {} })).to.throw(/config\.tokens: expected a list/);
    expect(() => sessionConfigFromJson({ ...good, paymaster: "0x12" })).to.throw(/config\.paymaster: expected an address/);
    expect(() => sessionConfigFromJson({ ...good, maxCalls: undefined })).to.throw(/config\.maxCalls: expected an integer/);
    expect(() => sessionConfigFromJson({ ...good, calls: [{ ...good.calls[0], allowValue: "yes" }] })).to.throw(/config\.calls\.0\.allowValue/);
  });
});
