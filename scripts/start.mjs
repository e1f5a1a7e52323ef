// `npm start [-- --postgres]`: `hardhat run` takes no arguments of its own script, so the options
// reach scripts/start.ts through the environment. Signals are passed on; the exit code comes back.
import { spawn } from "node:child_process";

const usage = `usage: npm start [-- --postgres]

Starts a local chain with Leash deployed, a bundler, the indexer, the API and the executor on 127.0.0.1, then plays
the TWAP scenario once. --postgres indexes into the local PostgreSQL (database leash_local, recreated at each start;
PGHOST/PGPORT/PGUSER name the server, 127.0.0.1:5432 as postgres by default) instead of PGlite.
Ports: CHAIN_PORT (8545), BUNDLER_PORT (4337), INDEXER_PORT (42069), PORT (4000), LEASH_EXECUTOR_PORT (4100).`;

const args = process.argv.slice(2);
if (args.includes("--help") || args.includes("-h")) {
  console.log(usage);
  process.exit(0);
}
const unknown = args.filter((a) => a !== "--postgres");
if (unknown.length) {
  console.error(`npm start: unknown option ${unknown.join(" ")}\n\n${usage}`);
  process.exit(2);
}
const env = { ...process.env, ...(args.includes("--postgres") ? { LEASH_START_POSTGRES: "1" } : {}) };
// Hardhat compiles the contracts first when they changed (on a fresh clone, about 20 s of silence).
console.log("[leash] compiling the contracts if they changed (about 20 s on a fresh clone), then starting");
const child = spawn("hardhat", ["run", "scripts/start.ts"], { stdio: "inherit", env });
for (const signal of ["SIGINT", "SIGTERM"]) process.on(signal, () => child.kill(signal));
child.on("exit", (code, signal) => process.exit(code ?? (signal ? 130 : 1)));
