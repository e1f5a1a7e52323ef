// indexer/abis.ts is generated from the compiled artifacts and committed: it must not drift.
import { expect } from "chai";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { renderAbis } from "../../indexer/generate-abis.mjs";
import { projectRoot } from "../../testkit/chain.js";

describe("indexer ABIs", function () {
  it("indexer/abis.ts matches the compiled artifacts (npm run indexer:abis rewrites it)", function () {
    expect(readFileSync(join(projectRoot, "indexer", "abis.ts"), "utf8")).to.equal(renderAbis());
  });
});
