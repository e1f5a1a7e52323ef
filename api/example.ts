// The React example app (react/example), served at /example/ next to the dashboard once it is built
// (`npm run build:example`; `npm start` builds it). Its files are read once when the server starts.
// Unlike the dashboard, the page talks to the chain's RPC and the bundler too, which are other
// origins: its policy allows connections to any http(s) origin, and scripts from this one only.
import type { FastifyPluginAsync, FastifyReply } from "fastify";
import { existsSync } from "node:fs";
import { readFile, readdir } from "node:fs/promises";
import { extname, join } from "node:path";
import { fileURLToPath } from "node:url";

export const EXAMPLE_DIR = fileURLToPath(new URL("../react/example/dist/", import.meta.url));

const TYPES: Record<string, string> = {
  ".html": "text/html; charset=utf-8",
  ".js": "text/javascript; charset=utf-8",
  ".css": "text/css; charset=utf-8",
  ".svg": "image/svg+xml",
  ".map": "application/json",
};

export const EXAMPLE_CSP = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self'",
  "connect-src 'self' http: https:",
  "base-uri 'none'",
  "form-action 'none'",
  "frame-ancestors 'none'",
].join("; ");

const HEADERS = { "content-security-policy": EXAMPLE_CSP, "x-content-type-options": "nosniff", "referrer-policy": "no-referrer", "cache-control": "no-cache" };

async function filesUnder(dir: string, prefix = ""): Promise<string[]> {
  const out: string[] = [];
  for (const entry of await readdir(dir, { withFileTypes: true })) {
    if (entry.isDirectory()) out.push(...(await filesUnder(join(dir, entry.name), `${prefix}${entry.name}/`)));
    else out.push(`${prefix}${entry.name}`);
  }
  return out;
}

export const exampleRoutes: FastifyPluginAsync<{ dir?: string }> = async (app, opts) => {
  const dir = opts.dir ?? EXAMPLE_DIR;
  if (!existsSync(join(dir, "index.html"))) {
    const notBuilt = async (_request: unknown, reply: FastifyReply) =>
      reply.status(404).send({ error: { code: "not_found", message: "the example app is not built: run `npm run build:example` (npm start builds it), then restart the API" } });
    for (const path of ["/example", "/example/*"]) app.get(path, { schema: { hide: true }, config: { rateLimit: false } }, notBuilt);
    return;
  }
  const files = await filesUnder(dir);
  for (const file of files) {
    const type = TYPES[extname(file)];
    if (!type) continue;
    const body = await readFile(join(dir, file));
    // The server ignores trailing slashes: "/example/" is "/example" too.
    const paths = file === "index.html" ? ["/example/", "/example/index.html"] : [`/example/${file}`];
    for (const path of paths) {
      app.get(path, { schema: { hide: true }, config: { rateLimit: false } }, async (_request, reply) => reply.headers(HEADERS).type(type).send(body));
    }
  }
};
