// The API's own database: Postgres with DATABASE_URL (schema leash_api, beside the indexer's), else
// the embedded PGlite in a directory of its own, as the indexer chooses. Migrations (migrations/,
// drizzle-kit) are applied at start-up, before the first request; a restart finds every request.
import { PGlite } from "@electric-sql/pglite";
import { drizzle as drizzlePglite } from "drizzle-orm/pglite";
import { migrate as migratePglite } from "drizzle-orm/pglite/migrator";
import { drizzle as drizzlePostgres } from "drizzle-orm/node-postgres";
import { migrate as migratePostgres } from "drizzle-orm/node-postgres/migrator";
import type { PgDatabase, PgQueryResultHKT } from "drizzle-orm/pg-core";
import { mkdirSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import pg from "pg";
import * as schema from "./schema.js";

export type StoreDb = PgDatabase<PgQueryResultHKT, typeof schema>;

export interface Store {
  db: StoreDb;
  /** "postgres (schema leash_api)" or "pglite (<dir>)": for logs. */
  describe: string;
  close(): Promise<void>;
}

const MIGRATIONS = join(dirname(fileURLToPath(import.meta.url)), "migrations");
const MIGRATION_LOG = { migrationsSchema: "leash_api", migrationsTable: "migrations" } as const;

/** pg_advisory_lock key held while migrating ("leash_api" in ASCII). */
const MIGRATION_LOCK = 0x6c65617368617069n.toString();

export class StoreError extends Error {
  override name = "StoreError";
}

/** Opens the store and brings its tables to the latest migration. */
export async function openStore(opts: { databaseUrl?: string; pgliteDir: string; poolSize: number; timeoutMs: number }): Promise<Store> {
  if (opts.databaseUrl) {
    const pool = new pg.Pool({ connectionString: opts.databaseUrl, max: opts.poolSize, connectionTimeoutMillis: opts.timeoutMs, application_name: "leash-api-store" });
    pool.on("error", () => {});
    const db = drizzlePostgres(pool, { schema });
    try {
      // Several API processes may start at once: one migrates, the others wait for it.
      const client = await pool.connect();
      try {
        await client.query("select pg_advisory_lock($1)", [MIGRATION_LOCK]);
        await migratePostgres(drizzlePostgres(client), { migrationsFolder: MIGRATIONS, ...MIGRATION_LOG });
      } finally {
        await client.query("select pg_advisory_unlock($1)", [MIGRATION_LOCK]).catch(() => {});
        client.release();
      }
    } catch (error) {
      await pool.end();
      throw new StoreError(`the API's tables in ${redact(opts.databaseUrl)} could not be created: ${(error as Error).message}`);
    }
    return { db: db as unknown as StoreDb, describe: "postgres (schema leash_api)", close: () => pool.end() };
  }
  const memory = opts.pgliteDir === "memory://";
  if (!memory) mkdirSync(opts.pgliteDir, { recursive: true });
  let client: PGlite;
  try {
    client = new PGlite(memory ? undefined : opts.pgliteDir);
    await client.waitReady;
  } catch (error) {
    throw new StoreError(`the API's embedded database in ${opts.pgliteDir} could not be opened: ${(error as Error).message}`);
  }
  const db = drizzlePglite(client, { schema });
  await migratePglite(db, { migrationsFolder: MIGRATIONS, ...MIGRATION_LOG });
  return { db: db as unknown as StoreDb, describe: `pglite (${opts.pgliteDir})`, close: () => client.close() };
}

/** A database URL without its password. */
function redact(url: string): string {
  return url.replace(/\/\/([^:/@]+):[^@]*@/, "//$1:***@");
}
