// The rule of each folder (docs/architecture.md): what its code may import from the others. A
// relative import that breaks a rule fails here, naming the file and the import.
import { expect } from "chai";
import { execFileSync } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import { dirname, join, normalize } from "node:path";
import { projectRoot } from "../testkit/chain.js";

/** Folder → the other top-level folders its code may import from (packages are not restricted). */
const MAY_IMPORT: Record<string, readonly string[]> = {
  sdk: [],
  indexer: ["sdk", "ponder.config.js"],
  api: ["sdk"],
  mcp: ["sdk", "api"],
  react: ["sdk"],
  executor: ["sdk"],
  scripts: ["sdk", "testkit", "ignition"],
  testkit: ["sdk", "api", "indexer", "scripts"],
  bench: ["sdk", "testkit", "executor"],
  ignition: [],
  test: ["sdk", "api", "mcp", "executor", "indexer", "scripts", "testkit", "bench"],
};

/**
 * Single files a folder may import beyond its rule: the API's queries are typed by the indexer's
 * tables; the React hooks type the API's answers with its schemas; the executor opens its database as the API does and reads settings with its helpers;
 * the indexer's configuration before receipts (testkit/indexer/entrypoint-events) extends today's.
 */
const MAY_IMPORT_FILES: Record<string, readonly string[]> = {
  api: ["indexer/ponder.schema.js"],
  react: ["api/responses.js"],
  executor: ["api/store/db.js", "api/config.js"],
  testkit: ["ponder.config.js"],
};

describe("layout: what each folder may import", function () {
  it("every relative import follows its folder's rule", function () {
    const files = execFileSync("git", ["ls-files", "--cached", "--others", "--exclude-standard", "*.ts", "*.mjs", "*.js"], { cwd: projectRoot, encoding: "utf8" })
      .split("\n")
      .filter((f) => f && existsSync(join(projectRoot, f)) && f.includes("/"));
    expect(files.length).to.be.greaterThan(100);
    const broken: string[] = [];
    for (const file of files) {
      const folder = file.split("/")[0]!;
      const allowed = MAY_IMPORT[folder];
      if (!allowed) continue;
      const text = readFileSync(join(projectRoot, file), "utf8");
      for (const [, spec] of text.matchAll(/(?:from\s+|import\(\s*|import\s+)["'](\.{1,2}\/[^"']+)["']/g)) {
        const target = normalize(join(dirname(file), spec!));
        const top = target.split("/")[0]!.replace(/\.ts$/, ".js");
        const exact = target.replace(/\.ts$/, ".js");
        if (top !== folder && !allowed.includes(top) && !MAY_IMPORT_FILES[folder]?.includes(exact)) broken.push(`${file} imports ${spec} (${top}/)`);
      }
    }
    expect(broken).to.deep.equal([]);
  });

  it("contracts/: deployed code imports no mock, the building blocks import no contract built on them", function () {
    const files = execFileSync("git", ["ls-files", "--cached", "--others", "--exclude-standard", "contracts/*.sol"], { cwd: projectRoot, encoding: "utf8" })
      .split("\n")
      .filter((f) => f && existsSync(join(projectRoot, f)));
    expect(files.length).to.be.greaterThan(20);
    const PACKAGES = ["@account-abstraction/contracts/", "@openzeppelin/contracts/"];
    const BUILT_ON = ["policies", "signers", "validators", "mocks"];
    const broken: string[] = [];
    for (const file of files) {
      const folder = file.split("/")[1]!;
      const text = readFileSync(join(projectRoot, file), "utf8");
      for (const [, spec] of text.matchAll(/^import\s[^;]*?["']([^"']+)["']/gms)) {
        if (!spec!.startsWith(".")) {
          if (!PACKAGES.some((p) => spec!.startsWith(p))) broken.push(`${file} imports the package ${spec}`);
          continue;
        }
        const target = normalize(join(dirname(file), spec!)).split("/");
        if (target[0] !== "contracts") broken.push(`${file} imports ${spec} from outside contracts/`);
        else if (target[1] === "mocks" && folder !== "mocks") broken.push(`${file} imports the mock ${spec}`);
        else if (BUILT_ON.includes(target[1]!) && !BUILT_ON.includes(folder)) broken.push(`${file} (${folder}/) imports ${spec}`);
      }
    }
    expect(broken).to.deep.equal([]);
  });
});
