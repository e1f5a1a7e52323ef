// An account's automations, under /v1: listed with their progress, and cancelled (which also
// prepares the owner's revocation of the automation's session).
import type { FastifyPluginAsync } from "fastify";
import { z } from "zod";
import type { Automations } from "../automations.js";
import { automationCancelSchema, automationListSchema, documented } from "../responses.js";
import { accountParams, addressParam } from "../schemas.js";

export interface AutomationRoutesOptions {
  automations: Automations;
}

const automationParams = z.object({
  account: addressParam,
  id: z.string().uuid("must be an automation id (a UUID)").meta({ description: "Automation id" }),
});

export const automationRoutes: FastifyPluginAsync<AutomationRoutesOptions> = async (app, { automations }) => {
  app.get(
    "/accounts/:account/automations",
    {
      schema: {
        tags: ["automations"],
        summary: "An account's automations (TWAP, stop-loss) as the executor runs them: status, progress, next run, latest result",
        params: accountParams,
        response: documented("The account's automations, newest first", automationListSchema),
      },
    },
    async (request) => {
      const { account } = request.params as z.output<typeof accountParams>;
      return { items: await automations.list(account) };
    },
  );

  app.post(
    "/accounts/:account/automations/:id/cancel",
    {
      schema: {
        tags: ["automations"],
        summary: "Cancel an automation: the executor stops and deletes its session key; the owner's revocation of its session is prepared",
        params: automationParams,
        response: documented("The cancelled automation and the revocation for the owner's wallet", automationCancelSchema),
      },
    },
    async (request) => {
      const { account, id } = request.params as z.output<typeof automationParams>;
      return automations.cancel(account, id);
    },
  );
};
