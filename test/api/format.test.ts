// Amounts as people read them: dollars for stablecoins, four significant digits of a small fraction
// (gas fees), everything else as the token's units; the raw value always carries the exact amount.
import { expect } from "chai";
import { parseEther, parseUnits } from "viem";
import { amount, displayAmount, nativeMeta } from "../../api/format.js";

describe("api: amounts in words", function () {
  const eth = nativeMeta();
  const usdc = { address: "0x00000000000000000000000000000000000005dC", symbol: "USDC", decimals: 6 } as const;
  const weth = { address: "0x0000000000000000000000000000000000000E7E", symbol: "WETH", decimals: 18 } as const;

  it("stablecoins as dollars, rounded to cents", function () {
    expect(displayAmount(parseUnits("41.666667", 6), usdc)).to.equal("$41.67");
    expect(displayAmount(parseUnits("1000", 6), usdc)).to.equal("$1,000.00");
  });

  it("a small fraction to four significant digits, trailing zeros dropped", function () {
    expect(displayAmount(1_334_424_431_770_883n, eth)).to.equal("0.001334 ETH");
    expect(displayAmount(48_343_731_749_694_580n, eth)).to.equal("0.04834 ETH");
    expect(displayAmount(parseEther("0.0084"), eth)).to.equal("0.0084 ETH");
    expect(displayAmount(parseEther("0.5"), weth)).to.equal("0.5 WETH");
    expect(displayAmount(1n, eth)).to.equal("0.000000000000000001 ETH");
  });

  it("whole amounts with at most four places, grouped", function () {
    expect(displayAmount(parseEther("1234.56789"), weth)).to.equal("1,234.5679 WETH");
    expect(displayAmount(parseEther("2"), weth)).to.equal("2 WETH");
  });

  it("the raw and formatted values stay exact", function () {
    const a = amount(1_334_424_431_770_883n, eth)!;
    expect(a).to.deep.equal({ raw: "1334424431770883", formatted: "0.001334424431770883", symbol: "ETH", decimals: 18, display: "0.001334 ETH" });
  });

  it("unknown decimals in base units", function () {
    expect(displayAmount(12_000n, { address: weth.address, symbol: null, decimals: null })).to.equal(`12,000 base units of ${weth.address}`);
  });
});
