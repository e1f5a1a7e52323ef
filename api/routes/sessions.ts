// An account's sessions, under /v1: the list, one session, its history, the account's activity, and
// the owner's revocation prepared for the wallet.
import type { FastifyPluginAsync } from "fastify";
import type { z } from "zod";
import { documented, historyPageSchema, revocationSchema, sessionPageSchema, sessionSchema } from "../responses.js";
import type { Chains } from "../chains.js";
import { accountParams, activityQuery, chainQuery, historyQuery, listQuery, sessionParams, sessionQuery } from "../schemas.js";

export interface SessionRoutesOptions {
  /** Each route reads the chain its query names (chainId), or the only one followed. */
  chains: Chains;
}

export const sessionRoutes: FastifyPluginAsync<SessionRoutesOptions> = async (app, { chains }) => {
  app.get(
    "/accounts/:account/sessions",
    { schema: { tags: ["sessions"], summary: "Every session of an account, newest first", params: accountParams, querystring: listQuery, response: documented("A page of sessions", sessionPageSchema) } },
    async (request) => {
      const { account } = request.params as z.output<typeof accountParams>;
      const { chainId, ...query } = request.query as z.output<typeof listQuery>;
      return chains.get(chainId).sessions.listSessions(account, query);
    },
  );

  app.get(
    "/accounts/:account/sessions/:permissionId",
    {
      schema: {
        tags: ["sessions"],
        summary: "One session: status, limits, spend to date, what remains, time left",
        params: sessionParams,
        querystring: sessionQuery,
        response: documented("The session", sessionSchema),
      },
    },
    async (request) => {
      const { account, permissionId } = request.params as z.output<typeof sessionParams>;
      const { registration, chainId } = request.query as z.output<typeof sessionQuery>;
      return chains.get(chainId).sessions.getSession(account, permissionId, registration);
    },
  );

  app.get(
    "/accounts/:account/sessions/:permissionId/history",
    {
      schema: {
        tags: ["sessions"],
        summary: "A session's audit trail: approval, executions, revocation, oldest first",
        params: sessionParams,
        querystring: historyQuery,
        response: documented("A page of history entries", historyPageSchema),
      },
    },
    async (request) => {
      const { account, permissionId } = request.params as z.output<typeof sessionParams>;
      const { chainId, ...query } = request.query as z.output<typeof historyQuery>;
      return chains.get(chainId).sessions.history(account, permissionId, query);
    },
  );

  app.get(
    "/accounts/:account/activity",
    {
      schema: {
        tags: ["sessions"],
        summary: "The audit trail across every session of an account, oldest first",
        params: accountParams,
        querystring: activityQuery,
        response: documented("A page of history entries", historyPageSchema),
      },
    },
    async (request) => {
      const { account } = request.params as z.output<typeof accountParams>;
      const { chainId, ...query } = request.query as z.output<typeof activityQuery>;
      return chains.get(chainId).sessions.activity(account, query);
    },
  );

  app.post(
    "/accounts/:account/sessions/:permissionId/revocation",
    {
      schema: {
        tags: ["sessions"],
        summary: "Prepare the owner's revocation of a session: the call for the owner's wallet to sign (the API never signs)",
        params: sessionParams,
        querystring: chainQuery,
        response: documented("The call revoking the session's latest registration", revocationSchema),
      },
    },
    async (request) => {
      const { account, permissionId } = request.params as z.output<typeof sessionParams>;
      const { chainId } = request.query as z.output<typeof chainQuery>;
      return chains.get(chainId).revocations.prepare(account, permissionId);
    },
  );
};
