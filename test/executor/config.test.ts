// The executor's settings that shape time claims: the bundler's margins, parsed or refused by name.
import { expect } from "chai";
import { SettingsError } from "../../api/config.js";
import { readExecutorSettings } from "../../executor/config.js";

const base = { LEASH_BUNDLER_URL: "http://127.0.0.1:4337" };

describe("executor: LEASH_BUNDLER_MARGINS", function () {
  it("defaults to a safe-mode bundler's 5 s and 30 s, and reads another bundler's", function () {
    expect(readExecutorSettings(base).LEASH_BUNDLER_MARGINS).to.deep.equal({ validAfterSeconds: 5, validUntilSeconds: 30 });
    expect(readExecutorSettings({ ...base, LEASH_BUNDLER_MARGINS: "0,5" }).LEASH_BUNDLER_MARGINS).to.deep.equal({ validAfterSeconds: 0, validUntilSeconds: 5 });
  });

  it("refuses anything but two whole numbers of seconds, naming the variable", function () {
    for (const value of ["5", "5,30,1", "-1,30", "5.5,30", "five,thirty", "5, 30"]) {
      expect(() => readExecutorSettings({ ...base, LEASH_BUNDLER_MARGINS: value }), value).to.throw(SettingsError, /LEASH_BUNDLER_MARGINS must be two whole numbers of seconds/);
    }
  });
});
