// The index database as the API reads it, typed by the indexer's own schema objects
// (indexer/ponder.schema.ts), so that a column renamed there breaks the API's build, not its answers.
// - By default, Ponder's SQL over HTTP (@ponder/client, the indexer's /sql route): works with the
//   embedded PGlite and with Postgres, and needs nothing but the indexer's URL.
// - With DATABASE_URL (the Postgres the indexer writes), the API reads the indexer's views schema
//   (DATABASE_VIEWS_SCHEMA, "leash" as the indexer names it) over its own connections: one query
//   per read instead of an HTTP request the indexer's process must serve.
import { createClient } from "@ponder/client";
import type { ExtractTablesWithRelations } from "drizzle-orm";
import { drizzle } from "drizzle-orm/node-postgres";
import type { PgDatabase, PgQueryResultHKT } from "drizzle-orm/pg-core";
import pg from "pg";
import * as schema from "../indexer/ponder.schema.js";

export type IndexSchema = typeof schema;
export type IndexDb = PgDatabase<PgQueryResultHKT, IndexSchema, ExtractTablesWithRelations<IndexSchema>>;

export interface IndexConnection {
  db: IndexDb;
  /** "sql over http (…/sql)" or "postgres (schema leash)": for logs. */
  describe: string;
  close(): Promise<void>;
}

export interface IndexDbOptions {
  indexerUrl: string;
  databaseUrl?: string;
  viewsSchema: string;
  /** Most connections the API holds to Postgres. */
  poolSize: number;
  timeoutMs: number;
}

export function connectIndex(opts: IndexDbOptions): IndexConnection {
  if (!opts.databaseUrl) {
    const url = `${opts.indexerUrl}/sql`;
    const client = createClient(url, { schema });
    return { db: client.db as unknown as IndexDb, describe: `sql over http (${url})`, close: async () => {} };
  }
  const config: pg.PoolConfig & { options: string } = {
    connectionString: opts.databaseUrl,
    max: opts.poolSize,
    connectionTimeoutMillis: opts.timeoutMs,
    statement_timeout: opts.timeoutMs,
    // Unqualified table names are the views of the indexer's latest ready version.
    options: `-c search_path="${opts.viewsSchema.replaceAll('"', '""')}" -c default_transaction_read_only=on`,
    application_name: "leash-api",
  };
  const pool = new pg.Pool(config);
  // A dropped idle connection must not take the process down; the next query reconnects.
  pool.on("error", () => {});
  const db = drizzle(pool, { schema, casing: "snake_case" });
  return { db: db as unknown as IndexDb, describe: `postgres (schema ${opts.viewsSchema})`, close: () => pool.end() };
}
