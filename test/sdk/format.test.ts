// Values as people read them (sdk/format.ts): dollars for stablecoins, four significant digits of a
// small fraction (gas fees), everything else as the token's units, the raw value always exact; and
// durations in their three styles; chains by name.
import { expect } from "chai";
import fc from "fast-check";
import { formatUnits, parseEther, parseUnits } from "viem";
import { amount, nativeMeta } from "../../sdk/describe.js";
import { chainName, formatAmount, formatDuration, formatTime, perDuration, timeLeftText, unitsText } from "../../sdk/format.js";

describe("sdk: amounts in words", function () {
  const eth = nativeMeta();
  const usdc = { address: "0x00000000000000000000000000000000000005dC", symbol: "USDC", decimals: 6 } as const;
  const weth = { address: "0x0000000000000000000000000000000000000E7E", symbol: "WETH", decimals: 18 } as const;

  it("stablecoins as dollars, rounded to cents", function () {
    expect(formatAmount(parseUnits("41.666667", 6), usdc)).to.equal("$41.67");
    expect(formatAmount(parseUnits("1000", 6), usdc)).to.equal("$1,000.00");
  });

  it("a small fraction to four significant digits, trailing zeros dropped", function () {
    expect(formatAmount(1_334_424_431_770_883n, eth)).to.equal("0.001334 ETH");
    expect(formatAmount(48_343_731_749_694_580n, eth)).to.equal("0.04834 ETH");
    expect(formatAmount(parseEther("0.0084"), eth)).to.equal("0.0084 ETH");
    expect(formatAmount(parseEther("0.5"), weth)).to.equal("0.5 WETH");
    expect(formatAmount(1n, eth)).to.equal("0.000000000000000001 ETH");
  });

  it("whole amounts with at most four places, grouped", function () {
    expect(formatAmount(parseEther("1234.56789"), weth)).to.equal("1,234.5679 WETH");
    expect(formatAmount(parseEther("2"), weth)).to.equal("2 WETH");
  });

  it("the raw and formatted values stay exact", function () {
    const a = amount(1_334_424_431_770_883n, eth)!;
    expect(a).to.deep.equal({ raw: "1334424431770883", formatted: "0.001334424431770883", symbol: "ETH", decimals: 18, display: "0.001334 ETH" });
  });

  it("unknown decimals in base units", function () {
    expect(formatAmount(12_000n, { address: weth.address, symbol: null, decimals: null })).to.equal(`12,000 base units of ${weth.address}`);
  });
});

describe("sdk: exact amounts and durations in words", function () {
  it("exact amounts keep every digit, as viem's formatUnits", function () {
    const usdc = { address: "0x00000000000000000000000000000000000005dC", symbol: "USDC", decimals: 6 };
    expect(formatAmount(parseUnits("41.666667", 6), usdc, "exact")).to.equal("41.666667 USDC");
    expect(formatAmount(1n, nativeMeta(), "exact")).to.equal("0.000000000000000001 ETH");
    fc.assert(
      fc.property(fc.bigInt({ min: -(2n ** 256n), max: 2n ** 256n }), fc.integer({ min: 0, max: 36 }), (raw, decimals) => {
        expect(unitsText(raw, decimals)).to.equal(formatUnits(raw, decimals));
      }),
    );
  });

  it("long: whole days as hours or weeks, else the two largest units, stopping at a zero", function () {
    const cases: [number, string][] = [
      [0, "0 seconds"], [1, "1 second"], [90, "1 minute 30 seconds"], [3_600, "1 hour"], [5_400, "1 hour 30 minutes"],
      [7_200, "2 hours"], [86_400, "24 hours"], [172_800, "2 days"], [604_800, "1 week"], [1_209_600, "2 weeks"],
      [29 * 86_400, "29 days"], [90_000, "1 day 1 hour"], [86_460, "1 day"], [400 * 86_400, "1 year 35 days"], [2_000 * 365 * 86_400, "2,000 years"],
    ];
    for (const [seconds, text] of cases) expect(formatDuration(seconds), String(seconds)).to.equal(text);
    expect(perDuration(3_600)).to.equal("per hour");
    expect(perDuration(5_400)).to.equal("per 1 hour 30 minutes");
  });

  it("short: the largest two units for time left", function () {
    const cases: [number, string][] = [[-5, "0s"], [0, "0s"], [45, "45s"], [3_599, "59m 59s"], [86_399, "23h 59m"], [86_400, "1d"], [190_000, "2d 4h"], [400 * 86_400, "400d"]];
    for (const [seconds, text] of cases) expect(formatDuration(seconds, "short"), String(seconds)).to.equal(text);
    expect(timeLeftText(86_399)).to.equal("23h 59m remaining");
    expect(timeLeftText(0)).to.equal("expired");
    expect(timeLeftText(null)).to.equal("no expiry");
  });

  it("countdown: three units from the largest, zeros kept, so that it ticks", function () {
    const cases: [number, string][] = [[0, "0s"], [12, "12s"], [243, "4m 3s"], [18_012, "5h 0m 12s"], [187_920, "2d 4h 12m"]];
    for (const [seconds, text] of cases) expect(formatDuration(seconds, "countdown"), String(seconds)).to.equal(text);
  });

  it("times in UTC to the minute", function () {
    expect(formatTime(1_795_456_800)).to.equal("2026-11-23 18:00 UTC");
  });

  it("chains by name where people know one, always with the id", function () {
    expect(chainName(11155111)).to.equal("Sepolia (chain 11155111)");
    expect(chainName(31337)).to.equal("the local development chain (chain 31337)");
    expect(chainName(4242)).to.equal("chain 4242");
  });
});
