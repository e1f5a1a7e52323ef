// `npm run indexer`: checks the settings, then runs `ponder start` in this process (so a signal
// reaches Ponder itself) with the project's layout and safe defaults:
// - root indexer/ (schema, handlers, API), config ../ponder.config.ts;
// - HTTP on 127.0.0.1 (LEASH_INDEXER_HOST) and port LEASH_INDEXER_PORT (default 42069);
// - database schema DATABASE_SCHEMA, else leash_<chain ids>_<hash of the indexer's code and the
//   deployed addresses>: a restart of the same version resumes where it stopped, a new version
//   (or another set of chains) indexes into a fresh schema;
// - with Postgres (DATABASE_URL), views of the latest ready version in DATABASE_VIEWS_SCHEMA
//   (default "leash"): the stable names other readers use.
// Extra arguments go to `ponder start` (e.g. --log-level debug).
import { createHash } from "node:crypto";
import { readdirSync, readFileSync } from "node:fs";
import { register } from "node:module";
import { dirname, join, relative } from "node:path";
import { fileURLToPath } from "node:url";

register("./resolve-hooks.mjs", import.meta.url);

const indexerDir = dirname(fileURLToPath(import.meta.url));
const root = join(indexerDir, "..");
const env = process.env;

function fail(message) {
  console.error(`indexer: ${message}`);
  process.exit(1);
}

/** Files whose content defines what the indexer writes. */
function codeFiles() {
  const files = [join(root, "ponder.config.ts")];
  for (const entry of readdirSync(indexerDir, { recursive: true, withFileTypes: true })) {
    const path = join(entry.parentPath, entry.name);
    const rel = relative(indexerDir, path);
    if (!entry.isFile() || rel.startsWith(".ponder") || rel.startsWith("generated")) continue;
    if (/\.(ts|mts|js|mjs)$/.test(entry.name) && entry.name !== "ponder-env.d.ts") files.push(path);
  }
  return files.sort();
}

/** The RPC answers and is the configured chain: a clear message now rather than retries later. */
async function checkRpc(url, chainId, variable) {
  let answer;
  try {
    const response = await fetch(url, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ jsonrpc: "2.0", id: 1, method: "eth_chainId", params: [] }),
      signal: AbortSignal.timeout(10_000),
    });
    answer = await response.json();
  } catch (error) {
    fail(`cannot reach the RPC at ${url}: ${error.cause?.code ?? error.message}`);
  }
  if (Number(answer?.result) !== chainId) {
    fail(`the RPC at ${url} is chain ${Number(answer?.result)}, not chain ${chainId} (${variable})`);
  }
}

let settings;
try {
  const { readSettings } = await import("./lib/settings.ts");
  settings = readSettings(env);
} catch (error) {
  fail(error.name === "SettingsError" ? error.message : String(error));
}
const chainsVariable = env.LEASH_CHAINS?.trim() ? "LEASH_CHAINS" : "LEASH_CHAIN_ID";
for (const chain of settings.chains) {
  for (const url of new Set(chain.rpcUrls.map((u) => u.split("#")[0]))) await checkRpc(url, chain.chainId, chainsVariable);
}

function defaultSchema() {
  const hash = createHash("sha256");
  for (const file of codeFiles()) hash.update(relative(root, file)).update(readFileSync(file));
  for (const chain of settings.chains) hash.update(JSON.stringify([chain.chainId, chain.chainName, chain.deployments.contracts]));
  return `leash_${settings.chains.map((chain) => chain.chainId).join("_")}_${hash.digest("hex").slice(0, 12)}`;
}

const schema = env.DATABASE_SCHEMA?.trim() || defaultSchema();
const viewsSchema = settings.database.kind === "postgres" ? env.DATABASE_VIEWS_SCHEMA?.trim() || "leash" : undefined;
const host = env.LEASH_INDEXER_HOST?.trim() || "127.0.0.1";
const port = env.LEASH_INDEXER_PORT?.trim() || "42069";
if (!/^\d+$/.test(port) || Number(port) > 65_535) fail(`LEASH_INDEXER_PORT="${port}" is not a port number`);

env.PONDER_TELEMETRY_DISABLED ??= "true";
// Ponder reads PORT before --port; ours decides.
delete env.PORT;

process.argv = [
  process.argv[0],
  "ponder",
  "--root",
  indexerDir,
  "--config",
  "../ponder.config.ts",
  "start",
  "--schema",
  schema,
  ...(viewsSchema ? ["--views-schema", viewsSchema] : []),
  "--hostname",
  host,
  "--port",
  port,
  ...process.argv.slice(2),
];

await import(new URL("./bin/ponder.js", import.meta.resolve("ponder")).href);
