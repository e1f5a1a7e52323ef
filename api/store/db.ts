// The API's own database: Postgres with DATABASE_URL (schema leash_api, beside the indexer's), else
// the embedded PGlite in a directory of its own, as the indexer chooses; openDatabase opens the
// executor's tables (schema leash_executor) the same way. Migrations (migrations/, drizzle-kit) are
// applied at start-up, before the first request; a restart finds every request.
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

/** A database of our own tables in one schema, as its owner (the API, the executor) opens it. */
export interface Database<S extends Record<string, unknown>> {
  db: PgDatabase<PgQueryResultHKT, S>;
  describe: string;
  close(): Promise<void>;
}

export interface DatabaseTables<S extends Record<string, unknown>> {
  /** The drizzle schema module, its Postgres schema name and its drizzle-kit migrations folder. */
  schema: S;
  schemaName: string;
  migrations: string;
  /** Whose tables, for messages ("the API's"), and the application_name of its connections. */
  owner: string;
  applicationName: string;
}

export interface DatabaseOptions {
  databaseUrl?: string;
  pgliteDir: string;
  poolSize: number;
  timeoutMs: number;
}

export class StoreError extends Error {
  override name = "StoreError";
}

/** pg_advisory_lock key held while migrating a schema: its name without "_", 8 bytes of ASCII ("leashapi"). */
function migrationLock(schemaName: string): string {
  return BigInt(`0x${Buffer.from(schemaName.replaceAll("_", "").padEnd(8, "_").slice(0, 8)).toString("hex")}`).toString();
}

/**
 * Opens Postgres (databaseUrl) or the embedded PGlite in its own directory, and brings the tables to
 * the latest migration (the migrations' log in the same schema).
 */
export async function openDatabase<S extends Record<string, unknown>>(tables: DatabaseTables<S>, opts: DatabaseOptions): Promise<Database<S>> {
  const log = { migrationsSchema: tables.schemaName, migrationsTable: "migrations" } as const;
  if (opts.databaseUrl) {
    const pool = new pg.Pool({ connectionString: opts.databaseUrl, max: opts.poolSize, connectionTimeoutMillis: opts.timeoutMs, application_name: tables.applicationName });
    pool.on("error", () => {});
    const db = drizzlePostgres(pool, { schema: tables.schema });
    try {
      // Several processes may start at once: one migrates, the others wait for it.
      const client = await pool.connect();
      const lock = migrationLock(tables.schemaName);
      try {
        await client.query("select pg_advisory_lock($1)", [lock]);
        await migratePostgres(drizzlePostgres(client), { migrationsFolder: tables.migrations, ...log });
      } finally {
        await client.query("select pg_advisory_unlock($1)", [lock]).catch(() => {});
        client.release();
      }
    } catch (error) {
      await pool.end();
      throw new StoreError(`${tables.owner} tables in ${redact(opts.databaseUrl)} could not be created: ${(error as Error).message}`);
    }
    return { db: db as unknown as Database<S>["db"], describe: `postgres (schema ${tables.schemaName})`, close: () => pool.end() };
  }
  const memory = opts.pgliteDir === "memory://";
  if (!memory) mkdirSync(opts.pgliteDir, { recursive: true });
  let client: PGlite;
  try {
    client = new PGlite(memory ? undefined : opts.pgliteDir);
    await client.waitReady;
  } catch (error) {
    throw new StoreError(`${tables.owner} embedded database in ${opts.pgliteDir} could not be opened: ${(error as Error).message}`);
  }
  const db = drizzlePglite(client, { schema: tables.schema });
  await migratePglite(db, { migrationsFolder: tables.migrations, ...log });
  return { db: db as unknown as Database<S>["db"], describe: `pglite (${opts.pgliteDir})`, close: () => client.close() };
}

const API_TABLES: DatabaseTables<typeof schema> = {
  schema,
  schemaName: "leash_api",
  migrations: join(dirname(fileURLToPath(import.meta.url)), "migrations"),
  owner: "the API's",
  applicationName: "leash-api-store",
};

/** Opens the API's store and brings its tables to the latest migration. */
export function openStore(opts: DatabaseOptions): Promise<Store> {
  return openDatabase(API_TABLES, opts);
}

/** A database URL without its password. */
function redact(url: string): string {
  return url.replace(/\/\/([^:/@]+):[^@]*@/, "//$1:***@");
}
