// Exact gas and bytes of our policies on one ERC-20 transfer user operation, against the same
// operation under a pass-through policy (bench/policy-gas-scenarios.ts says how).
// Run: npm run bench:policies (prints, with the change against the committed snapshots), npm run gas
// (also rewrites snapshots/policy-gas/, one file per scenario; test/gas-snapshot.test.ts fails when
// a figure rises more than 1% above them).
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { figuresOf, measurePolicyGas, rises, type Scenario } from "./policy-gas-scenarios.js";

export const SNAPSHOT_DIR = "snapshots/policy-gas";
const snapshotFile = (slug: string) => join(SNAPSHOT_DIR, `${slug}.json`);

const scenarios = await measurePolicyGas((m) => console.log(`[bench] ${m}`));

const fmt = (n: number) => n.toLocaleString("en-US").padStart(9);
console.log("\nhandleOps gas, one ERC-20 transfer user operation, session key signer (Kernel v3.1):");
console.log(`  ${"".padEnd(44)}    steady  overhead    enable  overhead`);
for (const s of scenarios) {
  console.log(`  ${s.name.padEnd(44)} ${fmt(s.steady.gas)} ${fmt(s.steady.overhead)} ${fmt(s.enable.gas)} ${fmt(s.enable.overhead)}`);
}
console.log("\nbytes of the handleOps calldata (signature bytes over the pass-through policy's):");
console.log(`  ${"".padEnd(44)}  steady: bytes   L1 gas  brotli  sig+ | enable: bytes   L1 gas  brotli   sig+`);
for (const s of scenarios) {
  const b = (f: Scenario["steady"]) =>
    `${String(f.bytes.calldata).padStart(6)} ${fmt(f.bytes.l1Gas)} ${String(f.bytes.compressed).padStart(7)} ${String(f.signatureOverhead).padStart(5)}`;
  console.log(`  ${s.name.padEnd(44)}  ${b(s.steady)} |        ${b(s.enable)}`);
}
console.log("  goal: full set steady overhead <= 12,000, call scope <= 6,000, enable <= 150,000");

for (const s of scenarios) {
  const file = snapshotFile(s.slug);
  if (!existsSync(file)) {
    console.log(`  new scenario: ${s.name}`);
    continue;
  }
  const before = figuresOf(JSON.parse(readFileSync(file, "utf8")) as Scenario);
  const now = figuresOf(s);
  const changed = Object.keys(now).filter((k) => before[k] !== now[k]);
  for (const k of changed) console.log(`  changed: ${s.name}: ${k} ${before[k]} -> ${now[k]} (${now[k]! - before[k]! >= 0 ? "+" : ""}${now[k]! - before[k]!})`);
  const up = rises(before, now);
  if (up.length > 0) console.log(`  more than 1% above the snapshot: ${s.name}: ${up.join("; ")}`);
}
if (process.env.GAS_SNAPSHOT === "write") {
  mkdirSync(SNAPSHOT_DIR, { recursive: true });
  for (const s of scenarios) writeFileSync(snapshotFile(s.slug), `${JSON.stringify(s, null, 2)}\n`);
  console.log(`  wrote ${SNAPSHOT_DIR}/ (${scenarios.length} scenarios)`);
}
