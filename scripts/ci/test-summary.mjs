// Reads the output of `npm test` and prints one line CI can read: "N passed, N failed".
// `hardhat test` ends with totals over both runners ("18 passing (9 solidity, 9 mocha)"); when a
// runner dies before that line, the per-runner "N passing / N failing" lines are summed instead.
// Vitest's line for the React hooks ("Tests  1 failed | 15 passed (16)") is added to both.
// Exits non-zero when anything failed or no test ran at all.
import { readFileSync } from "node:fs";

const log = readFileSync(process.argv[2] ?? 0, "utf8").replace(/\x1b\[[0-9;]*m/g, "");
const count = (pattern) => [...log.matchAll(pattern)].reduce((n, m) => n + Number(m[1]), 0);
const totals = (word) => count(new RegExp(`^(\\d+) ${word} \\(.*(?:solidity|mocha|nodejs).*\\)\\s*$`, "gm"));
const perRunner = (word) => count(new RegExp(`^\\s+(\\d+) ${word}\\b`, "gm"));
const hasTotals = /^\d+ passing \(.*(?:solidity|mocha|nodejs)/m.test(log);

const vitest = (word) => count(new RegExp(`^\\s*Tests\\s+.*?(\\d+) ${word}\\b`, "gm"));

const passed = (hasTotals ? totals("passing") : perRunner("passing")) + vitest("passed");
const failed = (hasTotals ? totals("failing") : perRunner("failing")) + vitest("failed");
console.log(`${passed} passed, ${failed} failed`);
process.exit(failed > 0 || passed === 0 ? 1 : 0);
