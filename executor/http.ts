// The executor's HTTP surface (for the chat backend and tests): create a TWAP or a stop-loss, list, read, cancel.
// Bodies are validated (zod); errors are {"error": {"code", "message", "issues"}} with stable codes.
import Fastify, { type FastifyInstance } from "fastify";
import { z } from "zod";
import { addressSchema } from "../sdk/request.js";
import { PlanError } from "./twap.js";
import { type AutomationService, automationSpecSchema, RequestRefused } from "./service.js";

const idSchema = z.object({ id: z.string().uuid("must be an automation id (a UUID)") });

function fail(code: string, message: string, issues: { field: string; message: string }[] = []) {
  return { error: { code, message, issues } };
}

export function buildHttp(service: AutomationService): FastifyInstance {
  const app = Fastify({ logger: false, bodyLimit: 65_536 });

  app.post("/v1/automations", async (req, reply) => {
    const parsed = automationSpecSchema.safeParse(req.body);
    if (!parsed.success) {
      const issues = parsed.error.issues.map((i) => ({ field: ["body", ...i.path.map(String)].join("."), message: i.message }));
      return reply.code(422).send(fail("invalid_automation", `invalid automation: ${issues.map((i) => `${i.field}: ${i.message}`).join("; ")}`, issues));
    }
    try {
      return reply.code(201).send(await service.create(parsed.data));
    } catch (error) {
      if (error instanceof PlanError) return reply.code(422).send(fail("invalid_automation", error.message));
      if (error instanceof RequestRefused) return reply.code(422).send({ ...fail("session_request_refused", error.message), api: error.body });
      throw error;
    }
  });

  app.get("/v1/automations", async () => ({ items: await service.list() }));

  // An account's automations in short: what the API's GET /v1/accounts/:account/automations serves.
  app.get("/v1/accounts/:account/automations", async (req, reply) => {
    const params = z.object({ account: addressSchema }).safeParse(req.params);
    if (!params.success) return reply.code(400).send(fail("invalid_address", "account must be a 0x-prefixed 20-byte hex address", [{ field: "params.account", message: params.error.issues[0]!.message }]));
    return { items: await service.summaries(params.data.account) };
  });

  app.get("/v1/automations/:id", async (req, reply) => {
    const params = idSchema.safeParse(req.params);
    if (!params.success) return reply.code(400).send(fail("invalid_id", "the automation id must be a UUID", [{ field: "params.id", message: params.error.issues[0]!.message }]));
    const found = await service.get(params.data.id);
    return found ? found : reply.code(404).send(fail("automation_not_found", `no automation ${params.data.id}`));
  });

  app.post("/v1/automations/:id/cancel", async (req, reply) => {
    const params = idSchema.safeParse(req.params);
    if (!params.success) return reply.code(400).send(fail("invalid_id", "the automation id must be a UUID", [{ field: "params.id", message: params.error.issues[0]!.message }]));
    const found = await service.get(params.data.id);
    if (!found) return reply.code(404).send(fail("automation_not_found", `no automation ${params.data.id}`));
    if (!(await service.cancel(params.data.id))) return reply.code(409).send(fail("automation_already_final", `automation ${params.data.id} is ${found.status} already`));
    return service.get(params.data.id);
  });

  app.get("/health", async () => ({ status: "ok" }));
  return app;
}
