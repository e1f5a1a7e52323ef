// The executor's database: Postgres with DATABASE_URL (schema leash_executor, beside the API's), else
// its own embedded PGlite directory (PGlite is held by one process at a time, so never the API's).
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { type Database, type DatabaseOptions, openDatabase } from "../../api/store/db.js";
import * as schema from "./schema.js";

export type ExecutorDb = Database<typeof schema>;

export function openExecutorDb(opts: DatabaseOptions): Promise<ExecutorDb> {
  return openDatabase(
    {
      schema,
      schemaName: "leash_executor",
      migrations: join(dirname(fileURLToPath(import.meta.url)), "migrations"),
      owner: "the executor's",
      applicationName: "leash-executor",
    },
    opts,
  );
}
