// The indexer's HTTP API: GraphQL at /graphql and SQL over HTTP (@ponder/client) at /sql/*.
// Ponder itself serves /health, /ready, /status and /metrics.
import { db } from "ponder:api";
import schema from "ponder:schema";
import { Hono } from "hono";
import { client, graphql } from "ponder";

type Db = typeof db;
interface PgliteLike {
  query(text: string, params?: unknown[], options?: unknown): Promise<unknown>;
  transaction<T>(run: (tx: PgliteLike) => Promise<T>): Promise<T>;
}

/**
 * On PGlite, SQL over HTTP runs with the session's temporary tables searched last.
 *
 * PGlite is one connection shared by the indexer and the API. To update many rows at once Ponder
 * creates a temporary table named like the target table (and keeps it, empty, for the session);
 * temporary tables come first in the search path, so an unqualified `select … from execution`
 * would read that empty table. Each query runs in its own transaction (PGlite serialises them with
 * the indexer's) with pg_temp moved to the end of the path, for that transaction only.
 */
function realTablesFirst(readonly: Db): Db {
  const session = (readonly as unknown as { _: { session: { client: unknown } } })._.session;
  const pglite = session.client as PgliteLike;
  // A node-postgres pool has no transaction(): on Postgres the API has connections of its own.
  if (typeof pglite.transaction !== "function") return readonly;
  const query: PgliteLike["query"] = (text, params, options) =>
    pglite.transaction(async (tx) => {
      await tx.query("select set_config('search_path', current_setting('search_path') || ', pg_temp', true)");
      return tx.query(text, params, options);
    });
  const wrappedSession = Object.create(session as object, { client: { value: { query } } });
  const internals = (readonly as unknown as { _: object })._;
  return Object.create(readonly as object, { _: { value: { ...internals, session: wrappedSession } } }) as Db;
}

const app = new Hono();

app.use("/sql/*", client({ db: realTablesFirst(db), schema }));
app.use("/graphql", graphql({ db, schema }));

export default app;
