// The executor's settings, from the environment. A bad value stops it with one line naming it.
import { z } from "zod";
import { SettingsError, withoutPassword } from "../api/config.js";

const url = (name: string) =>
  z
    .string()
    .refine((v) => /^https?:\/\/[^\s/]+/.test(v), { message: `${name} must be an http(s) URL` })
    .transform((v) => v.replace(/\/+$/, ""));

const int = (name: string, min: number) =>
  z.coerce.number({ error: `${name} must be a number` }).int(`${name} must be a whole number`).min(min, `${name} must be at least ${min}`);

const settingsSchema = z.object({
  HOST: z.string().min(1, "HOST must not be empty").default("127.0.0.1"),
  /** Where the executor's own HTTP surface listens (automations: create, list, read, cancel). */
  LEASH_EXECUTOR_PORT: int("LEASH_EXECUTOR_PORT", 0).max(65_535, "LEASH_EXECUTOR_PORT must be at most 65535").default(4100),
  /** The API where session requests are stored and approved. */
  LEASH_API_URL: url("LEASH_API_URL").default("http://127.0.0.1:4000"),
  LEASH_RPC_URL: url("LEASH_RPC_URL").default("http://127.0.0.1:8545"),
  LEASH_CHAIN_ID: int("LEASH_CHAIN_ID", 1).default(31337),
  LEASH_DEPLOYMENTS: z.string().optional(),
  /** 32 bytes, hex: the key that seals session keys at rest. */
  LEASH_EXECUTOR_KEY: z.string().optional(),
  /** "1" on the local stack: without LEASH_EXECUTOR_KEY, one is made and kept in .leash/executor.key. */
  LEASH_EXECUTOR_LOCAL: z.enum(["0", "1"], { error: "LEASH_EXECUTOR_LOCAL must be 0 or 1" }).default("0"),
  LEASH_EXECUTOR_STATE_DIR: z.string().min(1).default(".leash"),
  /** An ERC-4337 bundler: operations are sent to it (eth_sendUserOperation) rather than to the EntryPoint. */
  LEASH_BUNDLER_URL: url("LEASH_BUNDLER_URL").optional(),
  /**
   * The bundler's time margins, "validAfter,validUntil" in seconds: it refuses an operation whose
   * validity starts less than the first before its clock or ends less than the second after it.
   * Claims are chosen to keep them (sdk/claim.ts). alto in safe mode: 5,30 (the default); unsafe: 0,5.
   */
  LEASH_BUNDLER_MARGINS: z
    .string()
    .regex(/^\d{1,3},\d{1,3}$/, "LEASH_BUNDLER_MARGINS must be two whole numbers of seconds, validAfter,validUntil (e.g. 5,30)")
    .default("5,30")
    .transform((v) => {
      const [validAfterSeconds, validUntilSeconds] = v.split(",").map(Number) as [number, number];
      return { validAfterSeconds, validUntilSeconds };
    }),
  /** Without a bundler: the account that submits operations to the EntryPoint (it pays their gas up front and is refunded). */
  LEASH_EXECUTOR_SUBMITTER_KEY: z
    .string()
    .regex(/^0x[0-9a-fA-F]{64}$/, "LEASH_EXECUTOR_SUBMITTER_KEY must be a 0x-prefixed 32-byte hex private key")
    .optional(),
  /** Postgres shared with the API (schema leash_executor); else PGlite in LEASH_EXECUTOR_PGLITE_DIR. */
  DATABASE_URL: z
    .string()
    .refine((v) => /^postgres(ql)?:\/\/\S+$/.test(v), { message: "DATABASE_URL must be a postgres:// or postgresql:// URL" })
    .optional(),
  LEASH_EXECUTOR_PGLITE_DIR: z.string().min(1).optional(),
  /** How often due slots and pending approvals are looked at. */
  LEASH_EXECUTOR_POLL_MS: int("LEASH_EXECUTOR_POLL_MS", 20).default(1_000),
  /** First wait after a transient failure; it doubles each time, up to 30 s. */
  LEASH_EXECUTOR_RETRY_MS: int("LEASH_EXECUTOR_RETRY_MS", 10).default(1_000),
  /** Attempts at one slot before the automation is stopped and the failure reported. */
  LEASH_EXECUTOR_MAX_ATTEMPTS: int("LEASH_EXECUTOR_MAX_ATTEMPTS", 1).default(8),
  /** Slots run at once (of different automations: an automation's slots always run in order). */
  LEASH_EXECUTOR_CONCURRENCY: int("LEASH_EXECUTOR_CONCURRENCY", 1).default(8),
  /** How long a claimed slot is held by the process sending it before another may resolve it. */
  LEASH_EXECUTOR_LEASE_SECONDS: int("LEASH_EXECUTOR_LEASE_SECONDS", 5).default(120),
}).superRefine((s, ctx) => {
  if (!s.LEASH_BUNDLER_URL && !s.LEASH_EXECUTOR_SUBMITTER_KEY) {
    ctx.addIssue({ code: "custom", path: ["LEASH_EXECUTOR_SUBMITTER_KEY"], message: "LEASH_EXECUTOR_SUBMITTER_KEY must be set when LEASH_BUNDLER_URL is not: operations are sent to the EntryPoint from it" });
  }
});

export type ExecutorSettings = z.output<typeof settingsSchema>;

export function readExecutorSettings(env: NodeJS.ProcessEnv = process.env): ExecutorSettings {
  const present = Object.fromEntries(Object.entries(env).filter(([, v]) => v !== undefined && v !== ""));
  const parsed = settingsSchema.safeParse(present);
  if (parsed.success) return parsed.data;
  const issue = parsed.error.issues[0]!;
  const field = issue.path.join(".");
  // Secrets are named, never echoed.
  const secret = /KEY$/.test(field);
  const shown = secret ? "(hidden)" : JSON.stringify(withoutPassword(present[field] ?? ""));
  throw new SettingsError(`invalid setting ${field}=${shown}: ${issue.message}`);
}
