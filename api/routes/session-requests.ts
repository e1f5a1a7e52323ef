// Session requests, under /v1: created (explained in plain words, with warnings and the typed data
// the owner signs, and stored), read, approved with the owner's signature, or declined.
import type { FastifyPluginAsync } from "fastify";
import type { z } from "zod";
import { declineSchema, documented, sessionRequestListSchema, sessionRequestSchema } from "../responses.js";
import type { SessionRequests } from "../session-requests.js";
import { accountParams, approvalBody, declineBody, failureBody, idempotencyHeaders, requestIdParams, requestListQuery, sessionRequestBody } from "../schemas.js";

export interface SessionRequestRoutesOptions {
  requests: SessionRequests;
}

export const sessionRequestRoutes: FastifyPluginAsync<SessionRequestRoutesOptions> = async (app, { requests }) => {
  app.post(
    "/session-requests",
    {
      schema: {
        tags: ["requests"],
        summary: "Create a session request: explained in plain words, with warnings and what the owner must sign; stored until approved, declined or expired",
        headers: idempotencyHeaders,
        body: sessionRequestBody,
        response: { ...documented("The request a retry with the same Idempotency-Key finds again", sessionRequestSchema), ...documented201() },
      },
    },
    async (request, reply) => {
      const headers = request.headers as z.output<typeof idempotencyHeaders>;
      const { view, created } = await requests.create(request.body, headers["idempotency-key"]);
      reply.status(created ? 201 : 200);
      return view;
    },
  );

  app.get(
    "/accounts/:account/session-requests",
    {
      schema: {
        tags: ["requests"],
        summary: "An account's session requests, newest first, each with where it stands (awaiting approval, approved, declined, expired, active)",
        params: accountParams,
        querystring: requestListQuery,
        response: documented("The account's requests", sessionRequestListSchema),
      },
    },
    async (request) => {
      const { account } = request.params as z.output<typeof accountParams>;
      const { limit, chainId } = request.query as z.output<typeof requestListQuery>;
      return { items: await requests.listFor(account, limit, chainId) };
    },
  );

  app.get(
    "/session-requests/:id",
    { schema: { tags: ["requests"], summary: "A session request and where it stands", params: requestIdParams, response: documented("The request", sessionRequestSchema) } },
    async (request) => requests.get((request.params as z.output<typeof requestIdParams>).id),
  );

  app.post(
    "/session-requests/:id/approval",
    {
      schema: {
        tags: ["requests"],
        summary: "Approve a session request with the owner's signature of its typed data (verified as the account will verify it)",
        params: requestIdParams,
        body: approvalBody,
        response: documented("The approved request", sessionRequestSchema),
      },
    },
    async (request) => {
      const { id } = request.params as z.output<typeof requestIdParams>;
      return requests.approve(id, (request.body as z.output<typeof approvalBody>).signature);
    },
  );

  app.post(
    "/session-requests/:id/decline",
    {
      schema: {
        tags: ["requests"],
        summary: "Decline a session request; the answer says how to do the same by hand",
        params: requestIdParams,
        body: declineBody,
        response: documented("The declined request, and what to do by hand instead", declineSchema),
      },
    },
    async (request) => {
      const { id } = request.params as z.output<typeof requestIdParams>;
      return requests.decline(id, (request.body as z.output<typeof declineBody> | undefined)?.reason);
    },
  );

  app.post(
    "/session-requests/:id/failure",
    {
      schema: {
        tags: ["requests"],
        summary:
          "Record that an approved session's first operation failed (by whoever holds its key): the session stays approved, shows the reason, and can be tried again",
        params: requestIdParams,
        body: failureBody,
        response: documented("The request, with the failure recorded", sessionRequestSchema),
      },
    },
    async (request) => {
      const { id } = request.params as z.output<typeof requestIdParams>;
      return requests.reportFailure(id, (request.body as z.output<typeof failureBody>).reason);
    },
  );
};

function documented201() {
  return { 201: documented("The new request", sessionRequestSchema)[200] };
}
