// Compiles the contracts, then the Solidity tests in batches of at most MAX_BATCH files.
//
// The WASM build of solc (the only compiler that installs from the npm registry) crashes with
// "RuntimeError: memory access out of bounds" (Hardhat error HHE908) when Hardhat hands it all 21
// Solidity test files in one job; 12 of them in one job compile. Hardhat caches per file, so a later
// `hardhat test` or `hardhat build` finds everything compiled.
// Usage: node scripts/setup/compile.mjs [extra hardhat build flags, e.g. --force]
import { spawnSync } from "node:child_process";
import { readdirSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join, relative } from "node:path";
import { fileURLToPath } from "node:url";

const root = join(dirname(fileURLToPath(import.meta.url)), "..", "..");
const hardhatPackage = createRequire(import.meta.url).resolve("hardhat/package.json", { paths: [root] });
const hardhat = join(dirname(hardhatPackage), "dist", "src", "cli.js");

/** Solidity files under `dir`, relative to the repository root, grouped by their folder. */
function solidityByFolder(dir) {
  const groups = new Map();
  for (const entry of readdirSync(join(root, dir), { recursive: true, withFileTypes: true })) {
    if (!entry.isFile() || !entry.name.endsWith(".sol")) continue;
    const folder = relative(root, entry.parentPath).split("\\").join("/");
    if (!groups.has(folder)) groups.set(folder, []);
    groups.get(folder).push(`${folder}/${entry.name}`);
  }
  return [...groups.entries()].sort(([a], [b]) => a.localeCompare(b));
}

const MAX_BATCH = 12;

/** Test folders packed into batches of at most MAX_BATCH files; a folder is split only if larger. */
function testBatches() {
  const batches = [];
  for (const [folder, files] of solidityByFolder("test")) {
    for (let i = 0; i < files.length; i += MAX_BATCH) {
      const chunk = files.slice(i, i + MAX_BATCH);
      const last = batches.at(-1);
      if (last && last[1].length + chunk.length <= MAX_BATCH) {
        last[0] += ` + ${folder}`;
        last[1].push(...chunk);
      } else {
        batches.push([folder, chunk]);
      }
    }
  }
  return batches;
}

const batches = [["contracts", solidityByFolder("contracts").flatMap(([, files]) => files)], ...testBatches()];
const extra = process.argv.slice(2);
const started = Date.now();
for (const [index, [name, files]] of batches.entries()) {
  const t0 = Date.now();
  console.log(`[compile] ${index + 1}/${batches.length} ${name}: ${files.length} files`);
  const run = spawnSync(process.execPath, [hardhat, "build", "--quiet", ...extra, ...files.sort()], {
    cwd: root,
    stdio: "inherit",
  });
  if (run.status !== 0) {
    console.error(`[compile] ${name} failed (exit ${run.status ?? run.signal})`);
    process.exit(run.status || 1);
  }
  console.log(`[compile] ${name} done in ${((Date.now() - t0) / 1000).toFixed(1)} s`);
}
console.log(`[compile] all ${batches.length} batches in ${((Date.now() - started) / 1000).toFixed(1)} s`);
