// Session requests, under /v1: a requested session explained in plain words, with its warnings and
// the typed data the owner signs.
import type { FastifyPluginAsync } from "fastify";
import type { RequestExplainer } from "../explain.js";
import { documented, explanationSchema } from "../responses.js";
import { sessionRequestBody } from "../schemas.js";

export interface SessionRequestRoutesOptions {
  explainer: RequestExplainer;
}

export const sessionRequestRoutes: FastifyPluginAsync<SessionRequestRoutesOptions> = async (app, { explainer }) => {
  app.post(
    "/session-requests",
    {
      schema: {
        tags: ["requests"],
        summary: "Explain a requested session in plain words, with warnings and what the owner must sign",
        body: sessionRequestBody,
        response: documented("The explanation", explanationSchema),
      },
    },
    async (request) => explainer.explain(request.body),
  );
};
