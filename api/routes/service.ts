// Service routes: is the process up, and is it ready (chain answering with the deployments' chain id,
// indexer past its backfill and close behind the chain). /ready also reports the shared Redis when
// REDIS_URL is set, without depending on it: the API answers while Redis is away (redis.ts).
import type { FastifyPluginAsync } from "fastify";
import type { Settings } from "../config.js";
import { ApiError, describeError } from "../errors.js";
import type { SharedRedis } from "../redis.js";
import { documented, healthSchema, readySchema } from "../responses.js";
import type { ChainClient, IndexerClient } from "../upstream.js";

export interface ServiceRoutesOptions {
  settings: Settings;
  chain: ChainClient;
  indexer: IndexerClient;
  redis?: SharedRedis;
}

export const serviceRoutes: FastifyPluginAsync<ServiceRoutesOptions> = async (app, { settings, chain, indexer, redis }) => {
  app.get("/health", { schema: { tags: ["service"], summary: "The process is up", response: documented("ok", healthSchema) }, config: { rateLimit: false } }, async () => ({
    status: "ok",
  }));

  app.get("/ready", { schema: { tags: ["service"], summary: "The indexer is in sync and the chain answers", response: documented("ready", readySchema) }, config: { rateLimit: false } }, async (_request, reply) => {
    const [[chainHead, progress], redisStatus] = await Promise.all([
      Promise.allSettled([chain.head().then(async (h) => (await chain.checkChainId(), h)), indexer.progress()]),
      redis ? redis.status() : null,
    ]);
    const problems: string[] = [];
    if (chainHead.status === "rejected") problems.push(describeError(chainHead.reason));
    if (progress.status === "rejected") problems.push(describeError(progress.reason));
    else if (!progress.value.ready) problems.push("the indexer is still backfilling");
    if (chainHead.status === "fulfilled" && progress.status === "fulfilled") {
      const lag = chainHead.value.number - progress.value.head.number;
      if (lag > BigInt(settings.LEASH_READY_MAX_LAG)) {
        problems.push(`the indexer is ${lag} blocks behind the chain (block ${progress.value.head.number} of ${chainHead.value.number})`);
      }
    }
    if (problems.length) {
      const error = new ApiError("not_ready", `not ready: ${problems.join("; ")}`, [], { "retry-after": "2" });
      return reply.status(error.status).headers(error.headers).send(error.toJSON());
    }
    return {
      status: "ready",
      chainBlock: chainHead.status === "fulfilled" ? chainHead.value.number.toString() : null,
      indexedBlock: progress.status === "fulfilled" ? progress.value.head.number.toString() : null,
      redis: redisStatus,
    };
  });
};
