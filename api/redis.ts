// The Redis that the API's processes share (REDIS_URL). What must be the same whichever process
// answers lives there: the rate limit's counters (@fastify/rate-limit's Redis store, one key per
// client under `<LEASH_REDIS_PREFIX>rate:`), so a client has one budget across replicas. Answers
// cached per block stay in each process: every process reads the same index and the same chain, so
// their caches hold the same answers. List and history cursors carry their position in themselves.
//
// Redis is never needed to answer. While it is away, commands fail at once (no offline queue, a short
// timeout) instead of holding requests, the rate limiter lets requests through uncounted (fail-open,
// server.ts), one structured warning per outage says so, and the client reconnects in the background.
import type { FastifyBaseLogger } from "fastify";
import { Redis } from "ioredis";
import { withoutPassword } from "./config.js";
import { describeError } from "./errors.js";
import type { RedisStatus } from "./responses.js";

/** Longest a rate-limit count may wait for Redis before the request is answered uncounted. */
const COMMAND_TIMEOUT_MS = 500;

export class SharedRedis {
  readonly client: Redis;
  /** REDIS_URL without its password, for logs. */
  readonly where: string;
  /** Why Redis was last unreachable; null while it answers. */
  private lastError: string | null = null;
  /** One warning per outage. */
  private warned = false;
  private closing = false;

  constructor(url: string, private readonly log: FastifyBaseLogger) {
    this.where = withoutPassword(url);
    this.client = new Redis(url, {
      lazyConnect: true,
      enableOfflineQueue: false,
      maxRetriesPerRequest: 0,
      commandTimeout: COMMAND_TIMEOUT_MS,
      connectTimeout: 2_000,
      retryStrategy: (attempt) => Math.min(attempt * 200, 2_000),
    });
    // A listener on "error" also keeps ioredis from printing its own stack traces.
    this.client.on("error", (error: Error) => this.unavailable(describeError(error)));
    this.client.on("close", () => this.unavailable(this.lastError ?? "the connection was closed"));
    this.client.on("ready", () => {
      const outage = this.lastError;
      this.lastError = null;
      this.warned = false;
      this.log.info({ redis: this.where }, outage ? "Redis answers again: rate limits are shared" : "Redis connected: rate limits are shared");
    });
  }

  private unavailable(reason: string) {
    if (this.closing) return;
    this.lastError = reason;
    if (this.warned) return;
    this.warned = true;
    this.log.warn({ redis: this.where, reason }, "Redis unavailable: requests are answered without counting them against the rate limit until it answers");
  }

  /** Connects, at most connectTimeout long. An unreachable Redis is logged, never thrown: ioredis keeps retrying. */
  async connect(): Promise<void> {
    await this.client.connect().catch(() => {});
  }

  /** Whether Redis answers now (a PING), for /ready. */
  async status(): Promise<RedisStatus> {
    try {
      await this.client.ping();
      return { status: "ok", error: null };
    } catch (error) {
      // While disconnected, the connection's own error says more than "Stream isn't writeable".
      return { status: "unavailable", error: this.lastError ?? describeError(error) };
    }
  }

  async close(): Promise<void> {
    this.closing = true;
    if (this.client.status === "ready") await this.client.quit().catch(() => this.client.disconnect());
    else this.client.disconnect();
  }
}
