// The owner's dashboard and the approval page: static files (api/dashboard/) served by the API
// itself, so that the pages call the JSON routes on their own origin and need no CORS. No build step: the files are sent as
// they are, read once when the server starts; and the SDK's formatters (sdk/format.ts) and wallet
// words (sdk/wallet.ts) with their types stripped, so that the pages format durations and times, and
// word a wallet's refusals, as everything else does.
import { transform } from "esbuild";
import type { FastifyPluginAsync } from "fastify";
import { readFile } from "node:fs/promises";

const DIR = new URL("./dashboard/", import.meta.url);

const HTML = "text/html; charset=utf-8";
const JS = "text/javascript; charset=utf-8";
const SVG = "image/svg+xml";

/**
 * The files, by the path they are served at, with their content types. The approval page is one
 * file for every request id: the page reads the id from its URL (and says so when it is not one).
 */
const FILES = {
  "/dashboard": { file: "index.html", type: HTML },
  "/approve": { file: "approve.html", type: HTML },
  "/approve/:requestId": { file: "approve.html", type: HTML },
  "/dashboard/app.js": { file: "app.js", type: JS },
  "/dashboard/approve.js": { file: "approve.js", type: JS },
  "/dashboard/dom.js": { file: "dom.js", type: JS },
  "/dashboard/wallet.js": { file: "wallet.js", type: JS },
  "/dashboard/style.css": { file: "style.css", type: "text/css; charset=utf-8" },
  "/dashboard/icon.svg": { file: "icon.svg", type: SVG },
  "/dashboard/shield.svg": { file: "shield.svg", type: SVG },
} as const;

/** The SDK's modules the pages load, their types stripped: the formatters, and the wallet's refusals in words. */
const SDK_MODULES = { "/dashboard/format.js": "../sdk/format.ts", "/dashboard/wallet-words.js": "../sdk/wallet.ts" } as const;

/**
 * Scripts and styles from this origin only, no inline code, no other origin to talk to: API data
 * the page shows cannot run as code even if it were rendered carelessly.
 */
export const DASHBOARD_CSP = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self'",
  "connect-src 'self'",
  "base-uri 'none'",
  "form-action 'self'",
  "frame-ancestors 'none'",
].join("; ");

const HEADERS = {
  "content-security-policy": DASHBOARD_CSP,
  "x-content-type-options": "nosniff",
  "referrer-policy": "no-referrer",
  // Served from memory: revalidating is cheap and an upgraded server is seen at once.
  "cache-control": "no-cache",
};

export const dashboardRoutes: FastifyPluginAsync = async (app) => {
  const routes: { path: string; type: string; body: Buffer | string }[] = await Promise.all(
    Object.entries(FILES).map(async ([path, { file, type }]) => ({ path, type, body: await readFile(new URL(file, DIR)) })),
  );
  for (const [path, source] of Object.entries(SDK_MODULES)) {
    const { code } = await transform(await readFile(new URL(source, import.meta.url), "utf8"), { loader: "ts", format: "esm", target: "es2022" });
    routes.push({ path, type: JS, body: code });
  }
  for (const { path, type, body } of routes) {
    app.get(path, { schema: { hide: true }, config: { rateLimit: false } }, async (_request, reply) => reply.headers(HEADERS).type(type).send(body));
  }
  // The root is the dashboard; a query such as ?account=0x… is kept.
  app.get("/", { schema: { hide: true }, config: { rateLimit: false } }, async (request, reply) => {
    const query = request.url.indexOf("?");
    return reply.redirect(`/dashboard${query === -1 ? "" : request.url.slice(query)}`, 302);
  });
};
