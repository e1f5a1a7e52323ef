// The API's settings, from the environment. A bad value stops the server with one line naming it.
import { z } from "zod";

const port = (name: string) =>
  z.coerce
    .number({ error: `${name} must be a port number` })
    .int(`${name} must be a whole port number`)
    .min(0, `${name} must be between 0 and 65535`)
    .max(65_535, `${name} must be between 0 and 65535`);

const url = (name: string) =>
  z
    .string()
    .refine((v) => /^https?:\/\/[^\s/]+/.test(v), { message: `${name} must be an http(s) URL` })
    .transform((v) => v.replace(/\/+$/, ""));

const redisUrl = (name: string) =>
  z.string().refine(
    (v) => {
      try {
        const parsed = new URL(v);
        return (parsed.protocol === "redis:" || parsed.protocol === "rediss:") && parsed.hostname !== "";
      } catch {
        return false;
      }
    },
    { message: `${name} must be a redis:// or rediss:// URL` },
  );

const positiveInt = (name: string, min = 1) =>
  z.coerce.number({ error: `${name} must be a number` }).int(`${name} must be a whole number`).min(min, `${name} must be at least ${min}`);

const settingsSchema = z.object({
  HOST: z.string().min(1, "HOST must not be empty").default("127.0.0.1"),
  PORT: port("PORT").default(4000),
  /** The indexer's HTTP server (SQL over HTTP at /sql, /status, /ready). */
  LEASH_INDEXER_URL: url("LEASH_INDEXER_URL").default("http://127.0.0.1:42069"),
  /** The executor whose automations the API shows and cancels (npm run executor). */
  LEASH_EXECUTOR_URL: url("LEASH_EXECUTOR_URL").default("http://127.0.0.1:4100"),
  /**
   * The Postgres database the indexer writes (as its DATABASE_URL): when set, the API reads the
   * indexer's views schema there directly instead of over the indexer's /sql route.
   */
  DATABASE_URL: z
    .string()
    .refine((v) => /^postgres(ql)?:\/\/\S+$/.test(v), { message: "DATABASE_URL must be a postgres:// or postgresql:// URL" })
    .optional(),
  /** The indexer's views schema in that database (the indexer's DATABASE_VIEWS_SCHEMA). */
  DATABASE_VIEWS_SCHEMA: z.string().regex(/^[A-Za-z_][A-Za-z0-9_]{0,62}$/, "DATABASE_VIEWS_SCHEMA must be a schema name").default("leash"),
  /**
   * Where the API keeps session requests without DATABASE_URL: an embedded PGlite database in this
   * directory ("memory://" keeps them in memory only, for tests). With DATABASE_URL, in Postgres.
   */
  LEASH_API_PGLITE_DIR: z.string().min(1, "LEASH_API_PGLITE_DIR must not be empty").default(".leash/api-db"),
  /** How long a session request waits for the owner's signature. */
  LEASH_REQUEST_TTL_SECONDS: positiveInt("LEASH_REQUEST_TTL_SECONDS", 60).max(7 * 86_400, "LEASH_REQUEST_TTL_SECONDS must be at most a week").default(900),
  /** Connections the API may hold to that database. */
  LEASH_INDEX_POOL_SIZE: positiveInt("LEASH_INDEX_POOL_SIZE").default(10),
  /** The chain's JSON-RPC endpoint. */
  LEASH_RPC_URL: url("LEASH_RPC_URL").default("http://127.0.0.1:8545"),
  /** Chain id of the deployments file to read (deployments/<id>.json unless LEASH_DEPLOYMENTS). */
  LEASH_CHAIN_ID: positiveInt("LEASH_CHAIN_ID").default(31337),
  LEASH_DEPLOYMENTS: z.string().optional(),
  /** Origins allowed by CORS: a comma-separated list, "*" for any, empty for none (same origin only). */
  LEASH_CORS_ORIGINS: z.string().default(""),
  /** Requests per client address per minute; 0 turns the limit off. */
  LEASH_RATE_LIMIT: z.coerce.number({ error: "LEASH_RATE_LIMIT must be a number" }).int().min(0).default(600),
  /** How often the chain head and the indexer's progress are polled. */
  LEASH_POLL_MS: positiveInt("LEASH_POLL_MS", 20).default(250),
  /** /ready fails when the indexer is more than this many blocks behind the chain. */
  LEASH_READY_MAX_LAG: z.coerce.number({ error: "LEASH_READY_MAX_LAG must be a number" }).int().min(0).default(5),
  /** Answers kept per block (chain views and indexer queries); 0 turns the cache off. */
  LEASH_CACHE_SIZE: z.coerce.number({ error: "LEASH_CACHE_SIZE must be a number" }).int().min(0).default(50_000),
  /** Most bytes a request body may have. */
  LEASH_BODY_LIMIT: positiveInt("LEASH_BODY_LIMIT", 1024).default(65_536),
  /** Upstream (indexer, chain) request timeout. */
  LEASH_UPSTREAM_TIMEOUT_MS: positiveInt("LEASH_UPSTREAM_TIMEOUT_MS", 100).default(5_000),
  LEASH_LOG_LEVEL: z.enum(["fatal", "error", "warn", "info", "debug", "trace", "silent"]).default("info"),
  /** The Redis that API processes share (rate-limit counters); unset = each process keeps its own in memory. */
  REDIS_URL: redisUrl("REDIS_URL").optional(),
  /** Prefix of every key the API writes in Redis, so that several deployments can share one server. */
  LEASH_REDIS_PREFIX: z
    .string()
    .regex(/^[A-Za-z0-9:_.-]{1,64}$/, "LEASH_REDIS_PREFIX must be 1 to 64 letters, digits or : _ . -")
    .default("leash:"),
});

export type Settings = z.output<typeof settingsSchema>;

export class SettingsError extends Error {
  override name = "SettingsError";
}

/** Reads the settings from `env`; empty strings count as unset. */
export function readSettings(env: NodeJS.ProcessEnv = process.env): Settings {
  const present = Object.fromEntries(Object.entries(env).filter(([, v]) => v !== undefined && v !== ""));
  if (env.LEASH_CORS_ORIGINS !== undefined) present.LEASH_CORS_ORIGINS = env.LEASH_CORS_ORIGINS;
  const parsed = settingsSchema.safeParse(present);
  if (parsed.success) return parsed.data;
  const issue = parsed.error.issues[0]!;
  const field = issue.path.join(".");
  throw new SettingsError(`invalid setting ${field}=${JSON.stringify(withoutPassword(present[field] ?? ""))}: ${issue.message}`);
}

/** A URL with its password masked, for messages and logs (REDIS_URL may carry one). */
export function withoutPassword(url: string): string {
  return url.replace(/^([a-z][a-z0-9+.-]*:\/\/[^:/@\s]*):[^@/\s]*@/i, "$1:***@");
}

/** LEASH_CORS_ORIGINS as @fastify/cors understands it. */
export function corsOrigins(value: string): boolean | string[] {
  const trimmed = value.trim();
  if (trimmed === "") return false;
  if (trimmed === "*") return true;
  return trimmed.split(",").map((o) => o.trim()).filter(Boolean);
}
