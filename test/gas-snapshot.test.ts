// The committed gas snapshots hold: every scenario of bench/policy-gas-scenarios.ts measured again
// (gas, calldata bytes, steady and enable) and compared with snapshots/policy-gas/<scenario>.json.
// A figure more than 1% above its snapshot fails, unless the same commit updated the snapshot
// (`npm run gas`). Gas is exact here (fixed keys, fees and clock), so the margin is only for changes
// small enough not to matter.
import { expect } from "chai";
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { figuresOf, measurePolicyGas, rises, type Scenario } from "../bench/policy-gas-scenarios.js";

const SNAPSHOT_DIR = "snapshots/policy-gas";

describe("gas snapshots", function () {
  it("a rise above 1% is caught, a smaller one or a fall is not, and a figure missing from the snapshot is", function () {
    const before = { "steady.gas": 10_000, "steady.overhead": 0, "enable.gas": 400_000 };
    expect(rises(before, { "steady.gas": 10_100, "steady.overhead": 0, "enable.gas": 390_000 })).to.deep.equal([]);
    expect(rises(before, { "steady.gas": 10_101, "steady.overhead": 0, "enable.gas": 400_000 })).to.deep.equal(["steady.gas: 10000 -> 10101 (+1.01%)"]);
    expect(rises(before, { "steady.gas": 10_000, "steady.overhead": 1, "enable.gas": 400_000 })).to.have.length(1);
    expect(rises(before, { "steady.gas": 10_000, "steady.overhead": 0, "enable.gas": 400_000, "steady.bytes.calldata": 900 })).to.deep.equal([
      "steady.bytes.calldata: not in the snapshot",
    ]);
  });

  it("every scenario's gas and bytes are within 1% of snapshots/policy-gas/ (npm run gas rewrites it)", async function () {
    this.timeout(300_000);
    const scenarios = await measurePolicyGas();
    const files = readdirSync(SNAPSHOT_DIR).filter((f) => f.endsWith(".json"));
    expect(files.sort(), "one snapshot per scenario, none left over").to.deep.equal(scenarios.map((s) => `${s.slug}.json`).sort());
    const problems: string[] = [];
    for (const s of scenarios) {
      const file = join(SNAPSHOT_DIR, `${s.slug}.json`);
      if (!existsSync(file)) continue;
      const snapshot = JSON.parse(readFileSync(file, "utf8")) as Scenario;
      expect(snapshot.name, file).to.equal(s.name);
      problems.push(...rises(figuresOf(snapshot), figuresOf(s)).map((p) => `${s.name}: ${p}`));
    }
    expect(problems, "figures more than 1% above their snapshot: run npm run gas and commit snapshots/policy-gas/ with the change").to.deep.equal([]);
  });
});
