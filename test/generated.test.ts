// sdk/generated/contracts.ts is generated from the compiled artifacts and committed: it must not
// drift, and what runs in production (API, MCP server, indexer) needs nothing but it.
import { expect } from "chai";
import { execFileSync, spawnSync } from "node:child_process";
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync } from "node:fs";
import { dirname, join, relative } from "node:path";
import { renderContracts, target } from "../scripts/setup/generate-contracts.mjs";
import { projectRoot } from "../testkit/chain.js";

/** Every project file `entry` imports, directly or not (relative imports only). */
function importGraph(entry: string, seen = new Set<string>()): Set<string> {
  if (seen.has(entry)) return seen;
  seen.add(entry);
  const text = readFileSync(entry, "utf8");
  for (const [, spec] of text.matchAll(/(?:from\s+|import\(\s*|import\s+)["'](\.{1,2}\/[^"']+)["']/g)) {
    const base = join(dirname(entry), spec!);
    const file = [base, base.replace(/\.js$/, ".ts"), base.replace(/\.mjs$/, ".mjs")].find((f) => existsSync(f));
    if (file) importGraph(file, seen);
  }
  return seen;
}

describe("generated contract surface", function () {
  it("sdk/generated/contracts.ts matches the compiled artifacts (npm run generate rewrites it)", function () {
    expect(readFileSync(target, "utf8")).to.equal(renderContracts());
  });

  it("is not ignored by git, so a clean clone has it", function () {
    // `git check-ignore` exits 1 when no rule ignores the path.
    const ignored = (() => {
      try {
        return execFileSync("git", ["check-ignore", "-v", relative(projectRoot, target)], { cwd: projectRoot, encoding: "utf8" }).trim();
      } catch (err) {
        if ((err as { status?: number }).status === 1) return "";
        throw err;
      }
    })();
    expect(ignored, "a .gitignore rule hides the generated file").to.equal("");
  });

  it("the API, the MCP server and the indexer read no compiled artifact and load no Hardhat", function () {
    const entries = ["api/main.ts", "mcp/main.ts", "ponder.config.ts", "indexer/src/SessionPolicy.ts", "indexer/lib/outcome.ts", "indexer/src/SessionKeySigner.ts", "indexer/src/StandalonePolicies.ts", "indexer/src/api/index.ts"];
    const files = new Set<string>();
    for (const entry of entries) for (const f of importGraph(join(projectRoot, entry))) files.add(f);
    expect(files.size).to.be.greaterThan(20);
    const offending = [...files].filter((f) => /artifacts\/|readArtifact|from "hardhat|testkit\//.test(readFileSync(f, "utf8").replace(/^\s*(\/\/|\*).*$/gm, "")));
    expect(offending.map((f) => relative(projectRoot, f))).to.deep.equal([]);
  });
});

/** The migrations in `folder` are what drizzle-kit generates from `schema` (nothing new to generate). */
function expectMigrationsCurrent(schema: string, folder: string) {
  // Generated into a copy: a schema change with no migration shows up as a new file there.
  // drizzle-kit takes the folder relative to the project (it is under .leash/, which git ignores).
  mkdirSync(join(projectRoot, ".leash"), { recursive: true });
  const copy = mkdtempSync(join(projectRoot, ".leash", "migrations-"));
  cpSync(join(projectRoot, folder), copy, { recursive: true });
  const before = readdirSync(copy).sort();
  const drizzleKit = join(projectRoot, "node_modules", "drizzle-kit", "bin.cjs");
  const args = [drizzleKit, "generate", "--dialect", "postgresql", "--schema", schema, "--out", relative(projectRoot, copy)];
  const run = spawnSync(process.execPath, args, { cwd: projectRoot, encoding: "utf8" });
  const output = `${run.stdout}${run.stderr}`;
  expect(readdirSync(copy).sort(), output).to.deep.equal(before);
  rmSync(copy, { recursive: true, force: true });
  expect(output).to.match(/No schema changes/);
}

describe("the API's and the executor's migrations", function () {
  this.timeout(60_000);
  it("api/store/migrations are what drizzle-kit generates from api/store/schema.ts (npm run db:generate)", function () {
    expectMigrationsCurrent("api/store/schema.ts", "api/store/migrations");
  });

  it("executor/store/migrations are what drizzle-kit generates from executor/store/schema.ts (npm run db:generate:executor)", function () {
    expectMigrationsCurrent("executor/store/schema.ts", "executor/store/migrations");
  });
});
