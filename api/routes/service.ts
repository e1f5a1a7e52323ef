// Service routes: is the process up, and is it ready (each chain followed answering with its
// deployments' chain id, indexer past its backfill and close behind each chain). /ready also reports the shared Redis when
// REDIS_URL is set, without depending on it: the API answers while Redis is away (redis.ts).
import type { FastifyPluginAsync } from "fastify";
import type { Settings } from "../config.js";
import { ApiError, describeError } from "../errors.js";
import type { SharedRedis } from "../redis.js";
import type { z } from "zod";
import { chainListSchema, deploymentsResponseSchema, documented, healthSchema, readySchema } from "../responses.js";
import { chainParams } from "../schemas.js";
import type { Chains } from "../chains.js";
import type { IndexerClient } from "../upstream.js";

export interface ServiceRoutesOptions {
  settings: Settings;
  chains: Chains;
  indexer: IndexerClient;
  redis?: SharedRedis;
}

export const serviceRoutes: FastifyPluginAsync<ServiceRoutesOptions> = async (app, { settings, chains, indexer, redis }) => {
  app.get("/health", { schema: { tags: ["service"], summary: "The process is up", response: documented("ok", healthSchema) }, config: { rateLimit: false } }, async () => ({
    status: "ok",
  }));

  app.get(
    "/v1/chains",
    { schema: { tags: ["service"], summary: "The chains this API follows: the chainId every session route takes", response: documented("The chains", chainListSchema) } },
    async () => ({
      items: chains.list.map(({ chainId, deployments }) => ({ chainId, network: deployments.network, sessionPolicy: deployments.contracts.SessionPolicy.address })),
    }),
  );

  app.get(
    "/v1/chains/:chainId/deployments",
    {
      schema: {
        tags: ["service"],
        summary: "Where Kernel and Leash's contracts are on a chain: what a browser app builds the SDK's chain from",
        params: chainParams,
        response: documented("The chain's deployments", deploymentsResponseSchema),
      },
    },
    async (request) => chains.get((request.params as z.output<typeof chainParams>).chainId, "params.chainId").deployments,
  );

  app.get(
    "/ready",
    { schema: { tags: ["service"], summary: "Every chain followed answers and the indexer is in sync with each", response: documented("ready", readySchema) }, config: { rateLimit: false } },
    async (_request, reply) => {
      const [states, redisStatus] = await Promise.all([
        Promise.all(
          chains.list.map(async ({ chainId, chain }) => {
            const [head, progress] = await Promise.allSettled([chain.head().then(async (h) => (await chain.checkChainId(), h)), indexer.progress(chainId)]);
            return { chainId, head, progress };
          }),
        ),
        redis ? redis.status() : null,
      ]);
      const problems: string[] = [];
      const several = states.length > 1;
      for (const { chainId, head, progress } of states) {
        const on = several ? `chain ${chainId}: ` : "";
        if (head.status === "rejected") problems.push(on + describeError(head.reason));
        if (progress.status === "rejected") problems.push(on + describeError(progress.reason));
        else if (!progress.value.ready) problems.push("the indexer is still backfilling");
        if (head.status === "fulfilled" && progress.status === "fulfilled") {
          const lag = head.value.number - progress.value.head.number;
          if (lag > BigInt(settings.LEASH_READY_MAX_LAG)) {
            problems.push(`${on}the indexer is ${lag} blocks behind the chain (block ${progress.value.head.number} of ${head.value.number})`);
          }
        }
      }
      if (problems.length) {
        const error = new ApiError("not_ready", `not ready: ${[...new Set(problems)].join("; ")}`, [], { "retry-after": "2" });
        return reply.status(error.status).headers(error.headers).send(error.toJSON());
      }
      const blocks = states.map(({ chainId, head, progress }) => ({
        chainId,
        chainBlock: head.status === "fulfilled" ? head.value.number.toString() : "",
        indexedBlock: progress.status === "fulfilled" ? progress.value.head.number.toString() : "",
      }));
      return { status: "ready", chainBlock: blocks[0]!.chainBlock, indexedBlock: blocks[0]!.indexedBlock, chains: blocks, redis: redisStatus };
    },
  );
};
