// A fresh Postgres database for one test or benchmark run, on the machine's PostgreSQL
// (127.0.0.1:5432, user postgres, trust auth; PGHOST/PGPORT/PGUSER override). When the server is
// down, one attempt is made to start the local cluster; otherwise the caller skips, loudly.
import { spawnSync } from "node:child_process";
import { readdirSync } from "node:fs";
import pg from "pg";

export interface TestDatabase {
  url: string;
  name: string;
  drop(): Promise<void>;
  /**
   * Rows inserted and updated so far in each schema of the database (Postgres's statistics; a
   * process's counts are complete once it has exited).
   */
  rowsWritten(): Promise<Record<string, { inserted: number; updated: number }>>;
}

const host = process.env.PGHOST ?? "127.0.0.1";
const port = Number(process.env.PGPORT ?? 5432);
const user = process.env.PGUSER ?? "postgres";
const serverUrl = (database: string) => `postgresql://${user}@${host}:${port}/${database}`;

async function connect(database: string): Promise<pg.Client> {
  const client = new pg.Client({ connectionString: serverUrl(database), connectionTimeoutMillis: 3_000 });
  await client.connect();
  return client;
}

/** Starts the local cluster with pg_ctlcluster (Debian), bounded in time. */
function startLocalCluster(): string {
  let versions: string[];
  try {
    versions = readdirSync("/etc/postgresql");
  } catch {
    return "no /etc/postgresql (PostgreSQL is not installed here)";
  }
  for (const version of versions) {
    const run = spawnSync("pg_ctlcluster", ["--skip-systemctl-redirect", version, "main", "start"], {
      encoding: "utf8",
      timeout: 20_000,
    });
    if (run.status === 0) return "";
    if (run.error) return `pg_ctlcluster ${version} main start: ${run.error.message}`;
  }
  return `pg_ctlcluster could not start the cluster (${versions.join(", ")})`;
}

/**
 * Creates database `<prefix>_<random>`. Returns undefined, with the reason, when PostgreSQL is not
 * reachable even after trying to start it.
 */
/** A connection to the server's "postgres" database; one attempt to start the cluster if it is down. */
async function connectAdmin(): Promise<{ admin?: pg.Client; reason?: string }> {
  try {
    return { admin: await connect("postgres") };
  } catch (first) {
    const started = startLocalCluster();
    try {
      return { admin: await connect("postgres") };
    } catch (second) {
      return { reason: `PostgreSQL at ${host}:${port} is not reachable (${(first as Error).message}; ${started || (second as Error).message})` };
    }
  }
}

export async function createTestDatabase(prefix = "leash_indexer"): Promise<{ database?: TestDatabase; reason?: string }> {
  const { admin, reason } = await connectAdmin();
  if (!admin) return { reason };
  const name = `${prefix}_${Date.now().toString(36)}_${Math.random().toString(36).slice(2, 8)}`;
  try {
    await admin.query(`CREATE DATABASE "${name}"`);
  } finally {
    await admin.end();
  }
  return {
    database: {
      name,
      url: serverUrl(name),
      async drop() {
        const client = await connect("postgres");
        try {
          await client.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
        } finally {
          await client.end();
        }
      },
      async rowsWritten() {
        const client = await connect(name);
        try {
          const { rows } = await client.query<{ schema: string; inserted: string; updated: string }>(
            "select schemaname as schema, sum(n_tup_ins) as inserted, sum(n_tup_upd) as updated from pg_stat_user_tables group by schemaname",
          );
          return Object.fromEntries(rows.map((r) => [r.schema, { inserted: Number(r.inserted), updated: Number(r.updated) }]));
        } finally {
          await client.end();
        }
      },
    },
  };
}

/**
 * Drops and creates database `name` (for `npm start -- --postgres`, whose chain starts empty every
 * time); returns its URL. Fails with a message naming the server when it cannot be reached.
 */
export async function recreateDatabase(name: string): Promise<string> {
  const { admin, reason } = await connectAdmin();
  if (!admin) throw new Error(`${reason}; set PGHOST/PGPORT/PGUSER`);
  try {
    await admin.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
    await admin.query(`CREATE DATABASE "${name}"`);
  } finally {
    await admin.end();
  }
  return serverUrl(name);
}
