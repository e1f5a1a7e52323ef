// The Fastify server: what every route shares (validation by zod, errors as JSON with stable codes,
// CORS, rate limiting, OpenAPI at /openapi.json and its docs at /docs, one structured log line per
// request), then one plugin per concern (routes/: service, sessions, session requests; the
// dashboard at /dashboard). With REDIS_URL, what API processes must share lives in Redis (redis.ts).
import cors from "@fastify/cors";
import rateLimit from "@fastify/rate-limit";
import swagger from "@fastify/swagger";
import swaggerUi from "@fastify/swagger-ui";
import Fastify, { type FastifyError, type FastifyInstance, type FastifyServerOptions, LogController } from "fastify";
import { z } from "zod";
import type { Deployments } from "../sdk/deployments.js";
import { SessionRequestError } from "../sdk/request.js";
import { ApprovalSignatures } from "./approval-signature.js";
import { type Settings, corsOrigins } from "./config.js";
import { dashboardRoutes } from "./dashboard.js";
import { exampleRoutes } from "./example.js";
import { ApiError, type FieldIssue } from "./errors.js";
import { RequestExplainer } from "./explain.js";
import { SharedRedis } from "./redis.js";
import { Revocations } from "./revocation.js";
import { serviceRoutes } from "./routes/service.js";
import { sessionRequestRoutes } from "./routes/session-requests.js";
import { automationRoutes } from "./routes/automations.js";
import { Automations } from "./automations.js";
import { sessionRoutes } from "./routes/sessions.js";
import { connectIndex } from "./index-db.js";
import { SessionRequests } from "./session-requests.js";
import { type Store, openStore } from "./store/db.js";
import { RequestReads } from "./store/requests.js";
import { errorCodeFor } from "./schemas.js";
import { SessionService } from "./sessions/service.js";
import { sessionRequest } from "./store/schema.js";
import { Chains, type FollowedChain } from "./chains.js";
import { isNull } from "drizzle-orm";
import { ChainClient, IndexerClient } from "./upstream.js";

export interface ServerOptions {
  settings: Settings;
  /** The chains to follow, each with its deployments and RPC URL (api/main.ts reads them with sdk/chains.ts). */
  chains?: { deployments: Deployments; rpcUrl: string }[];
  /** One chain only, at settings.LEASH_RPC_URL: the same as `chains` with one entry. */
  deployments?: Deployments;
  /** Fastify's logger option (default: JSON lines at settings.LEASH_LOG_LEVEL). */
  logger?: FastifyServerOptions["logger"];
  /** The clock "now" is read from (Date.now); tests fix it to compare answers. */
  clock?: () => number;
}

export interface LeashApi {
  app: FastifyInstance;
  /** The API's own database (session requests), opened and migrated on first use. */
  store(): Promise<Store>;
  /** Every chain followed, with what reads it. */
  chains: Chains;
  /** The first chain's sessions and RPC client (the only ones when it follows one chain). */
  sessions: SessionService;
  indexer: IndexerClient;
  chain: ChainClient;
  /** The Redis shared with other API processes; undefined without REDIS_URL. */
  redis?: SharedRedis;
}

type ZodPart = z.ZodType;

/** Turns zod issues into the API's field issues, "query.limit: must be at most 100". */
function fieldIssues(part: string, issues: z.core.$ZodIssue[]): FieldIssue[] {
  return issues.map((issue) => {
    if (issue.code === "unrecognized_keys") {
      const name = part === "querystring" ? "query" : part;
      return { field: `${name}.${issue.keys.join(",")}`, message: `unknown ${part === "querystring" ? "query parameter" : "field"}` };
    }
    const path = issue.path.map(String).join(".");
    return { field: path ? `${part === "querystring" ? "query" : part}.${path}` : part === "querystring" ? "query" : part, message: issue.message };
  });
}

function validationError(part: string, issues: z.core.$ZodIssue[]): ApiError {
  const fields = fieldIssues(part, issues);
  const first = issues[0];
  const key = first?.code === "unrecognized_keys" ? "" : String(first?.path[0] ?? "");
  const code = errorCodeFor(part === "querystring" ? "query" : part, key);
  const summary = fields.map((f) => `${f.field}: ${f.message}`).join("; ");
  return new ApiError(code, `invalid ${part === "querystring" ? "query" : part === "params" ? "path" : "request body"}: ${summary}`, fields);
}

export async function buildServer(opts: ServerOptions): Promise<LeashApi> {
  const { settings } = opts;
  const followed = opts.chains ?? (opts.deployments ? [{ deployments: opts.deployments, rpcUrl: settings.LEASH_RPC_URL }] : []);
  if (followed.length === 0) throw new Error("buildServer needs the chains to follow (chains or deployments)");
  const app = Fastify({
    logger: opts.logger ?? { level: settings.LEASH_LOG_LEVEL },
    bodyLimit: settings.LEASH_BODY_LIMIT,
    // One line per request is written by the onResponse hook below instead of Fastify's two.
    logController: new LogController({ disableRequestLogging: true }),
    // Route parameters longer than this are refused by the router (404) before any handler runs.
    routerOptions: { ignoreTrailingSlash: true, maxParamLength: 200 },
  });
  const indexer = new IndexerClient(settings.LEASH_INDEXER_URL, { timeoutMs: settings.LEASH_UPSTREAM_TIMEOUT_MS, pollMs: settings.LEASH_POLL_MS });
  const index = connectIndex({
    indexerUrl: settings.LEASH_INDEXER_URL,
    databaseUrl: settings.DATABASE_URL,
    viewsSchema: settings.DATABASE_VIEWS_SCHEMA,
    poolSize: settings.LEASH_INDEX_POOL_SIZE,
    timeoutMs: settings.LEASH_UPSTREAM_TIMEOUT_MS,
  });
  app.addHook("onClose", () => index.close());
  app.log.info({ index: index.describe }, "reading the index");
  let opened: Promise<Store> | undefined;
  const store = () => {
    opened ??= openStore({
      databaseUrl: settings.DATABASE_URL,
      pgliteDir: settings.LEASH_API_PGLITE_DIR,
      poolSize: settings.LEASH_INDEX_POOL_SIZE,
      timeoutMs: settings.LEASH_UPSTREAM_TIMEOUT_MS,
    }).then(async (ready) => {
      // Requests stored before they recorded their chain are of the one chain then followed.
      if (followed.length === 1) {
        await ready.db.update(sessionRequest).set({ chainId: followed[0]!.deployments.chainId }).where(isNull(sessionRequest.chainId));
      }
      return ready;
    });
    // A failed opening is tried again by the next request.
    opened.catch(() => (opened = undefined));
    return opened;
  };
  app.addHook("onClose", async () => {
    if (opened) await (await opened.catch(() => undefined))?.close();
  });
  const stored = new RequestReads(store);
  const chains = new Chains(
    followed.map(({ deployments, rpcUrl }): FollowedChain => {
      const chain = new ChainClient(rpcUrl, deployments.chainId, { timeoutMs: settings.LEASH_UPSTREAM_TIMEOUT_MS, pollMs: settings.LEASH_POLL_MS });
      const sessions = new SessionService({ indexer, index: index.db, requests: stored, chain, deployments, cacheSize: settings.LEASH_CACHE_SIZE, clock: opts.clock });
      return {
        chainId: deployments.chainId,
        deployments,
        chain,
        sessions,
        explainer: new RequestExplainer(chain, deployments, sessions),
        approvals: new ApprovalSignatures(chain, deployments),
        revocations: new Revocations(sessions, chain, deployments),
      };
    }),
  );
  const requests = new SessionRequests({ stored, chains, ttlSeconds: settings.LEASH_REQUEST_TTL_SECONDS, clock: opts.clock });
  const automations = new Automations(settings.LEASH_EXECUTOR_URL, settings.LEASH_UPSTREAM_TIMEOUT_MS, chains);

  // zod validates every part; its issues become one ApiError naming each bad field.
  app.setValidatorCompiler(({ schema, httpPart }) => {
    const part = httpPart ?? "request";
    return (data: unknown) => {
      const parsed = (schema as unknown as ZodPart).safeParse(data);
      return parsed.success ? { value: parsed.data } : { error: validationError(part, parsed.error.issues) };
    };
  });
  // Responses are plain objects built by the handlers: no schema-driven serialisation.
  app.setSerializerCompiler(() => (data) => JSON.stringify(data));

  app.setErrorHandler((error: FastifyError | ApiError | Error, request, reply) => {
    const api = toApiError(error);
    if (api.status >= 500 && api.code === "internal_error") request.log.error({ err: error }, "unhandled error");
    else if (api.status >= 500) request.log.warn({ code: api.code, reason: api.message }, "upstream unavailable");
    reply.headers(api.headers).status(api.status).send(api.toJSON());
  });
  app.setNotFoundHandler((request, reply) => {
    const api = new ApiError("route_not_found", `no route ${request.method} ${request.url.split("?")[0]}; see /docs`);
    reply.status(api.status).send(api.toJSON());
  });

  app.addHook("onResponse", (request, reply, done) => {
    request.log.info(
      { method: request.method, url: request.url, status: reply.statusCode, ms: Math.round(reply.elapsedTime * 100) / 100 },
      "request",
    );
    done();
  });

  const redis = settings.REDIS_URL ? new SharedRedis(settings.REDIS_URL, app.log) : undefined;
  if (redis) {
    app.addHook("onClose", () => redis.close());
    await redis.connect();
  }

  await app.register(cors, { origin: corsOrigins(settings.LEASH_CORS_ORIGINS), methods: ["GET", "POST", "OPTIONS"] });
  if (settings.LEASH_RATE_LIMIT > 0) {
    await app.register(rateLimit, {
      max: settings.LEASH_RATE_LIMIT,
      timeWindow: 60_000,
      // With REDIS_URL every process counts in Redis, so a client has one budget whichever process
      // answers; without it, each process counts in its own memory. Fail-open: while Redis cannot
      // count, requests are answered uncounted (redis.ts logs the outage) rather than refused, since
      // the API only reads and a Redis outage should not take it down.
      ...(redis ? { redis: redis.client, nameSpace: `${settings.LEASH_REDIS_PREFIX}rate:`, skipOnError: true } : {}),
      errorResponseBuilder: (_request, context) =>
        new ApiError("rate_limited", `more than ${context.max} requests per minute from this client; retry in ${context.after}`, [], {
          "retry-after": String(Math.ceil(context.ttl / 1000)),
        }),
    });
  }

  await app.register(swagger, {
    openapi: {
      openapi: "3.1.0",
      info: {
        title: "Leash API",
        version: "1.0.0",
        description:
          "Session keys of ERC-4337 smart accounts: status, spend to date and what remains, the audit trail, and plain-language explanations of a requested session before the owner approves it.",
      },
      tags: [
        { name: "sessions", description: "Sessions of an account" },
        { name: "requests", description: "Explaining a session request before approval" },
        { name: "automations", description: "Automations the executor runs with session keys: progress, cancellation" },
        { name: "service", description: "Health and readiness" },
      ],
    },
    transform: ({ schema, url }) => {
      if (!schema) return { schema, url };
      const converted: Record<string, unknown> = { ...schema };
      for (const part of ["params", "querystring", "body"] as const) {
        const s = (schema as Record<string, unknown>)[part];
        if (s && typeof (s as ZodPart).safeParse === "function") {
          converted[part] = z.toJSONSchema(s as ZodPart, { io: "input", unrepresentable: "any", target: "draft-2020-12" });
        }
      }
      return { schema: converted as typeof schema, url };
    },
  });
  await app.register(swaggerUi, { routePrefix: "/docs" });
  app.get("/openapi.json", { schema: { hide: true } }, async () => app.swagger());

  // One plugin per concern; the versioned routes under /v1.
  await app.register(serviceRoutes, { settings, chains, indexer, redis });
  await app.register(sessionRoutes, { prefix: "/v1", chains });
  await app.register(sessionRequestRoutes, { prefix: "/v1", requests });
  await app.register(automationRoutes, { prefix: "/v1", automations });
  await app.register(dashboardRoutes);
  await app.register(exampleRoutes);

  const [first] = chains.list;
  return { app, store, chains, sessions: first!.sessions, indexer, chain: first!.chain, redis };
}

/** Any error as the API's error: client mistakes keep their 4xx, the unknown become 500. */
function toApiError(error: FastifyError | ApiError | Error): ApiError {
  if (error instanceof ApiError) return error;
  if (error instanceof SessionRequestError) {
    return new ApiError(
      "invalid_session_request",
      error.message,
      error.issues.map((i) => ({ field: i.field ? `body.${i.field}` : "body", message: i.message })),
    );
  }
  const fastify = error as FastifyError;
  switch (fastify.code) {
    case "FST_ERR_CTP_BODY_TOO_LARGE":
      return new ApiError("body_too_large", `the request body is larger than the ${fastify.message.match(/\d+/)?.[0] ?? ""} bytes allowed`.replace("  ", " "));
    case "FST_ERR_CTP_INVALID_MEDIA_TYPE":
      return new ApiError("unsupported_media_type", "send the body as application/json");
    case "FST_ERR_CTP_EMPTY_JSON_BODY":
      return new ApiError("invalid_json", "the body is empty; send a JSON object", [{ field: "body", message: "empty" }]);
    case "FST_ERR_CTP_INVALID_JSON_BODY":
      return new ApiError("invalid_json", `the body is not valid JSON: ${fastify.message}`, [{ field: "body", message: "not JSON" }]);
  }
  if (fastify.statusCode === 400 && error instanceof SyntaxError) {
    return new ApiError("invalid_json", `the body is not valid JSON: ${error.message}`, [{ field: "body", message: "not JSON" }]);
  }
  if (fastify.statusCode && fastify.statusCode >= 400 && fastify.statusCode < 500) {
    return new ApiError("invalid_request", fastify.message);
  }
  return new ApiError("internal_error", "an internal error occurred; it has been logged");
}
