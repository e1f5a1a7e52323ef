// Module resolution hooks, registered by start.mjs before anything else loads.
import { existsSync } from "node:fs";
import { fileURLToPath } from "node:url";

// One copy of graphql in the process. ponder@0.16.10 pins graphql 16.8.2, which npm nests under
// ponder/ beside the hoisted graphql the rest of the GraphQL stack uses (graphql-yoga,
// graphql-armor); and Ponder's build loads its own files through Vite, which imports graphql's
// ES-module files where Node's resolution gives the CommonJS ones. Two copies refuse each other's
// schema ("Cannot use GraphQLSchema from another module or realm"), so every graphql file is
// mapped to the hoisted CommonJS copy.
const GRAPHQL_FILE = /\/node_modules\/(?:ponder\/node_modules\/)?graphql\/(.*?)(?:\.mjs|\.js)?$/;

export async function resolve(specifier, context, nextResolve) {
  // Our TypeScript imports name their .ts siblings with .js (tsc's rule); Node's type stripping
  // needs the real file name. Only for our own files, never for packages.
  const parent = context.parentURL;
  if (parent?.endsWith(".ts") && !parent.includes("/node_modules/") && specifier.startsWith(".") && specifier.endsWith(".js")) {
    const ts = new URL(`${specifier.slice(0, -3)}.ts`, parent);
    if (existsSync(fileURLToPath(ts))) return nextResolve(ts.href, context);
  }

  const resolved = await nextResolve(specifier, context);
  const match = resolved.url.match(GRAPHQL_FILE);
  if (!match) return resolved;
  const url = `${resolved.url.slice(0, match.index)}/node_modules/graphql/${match[1]}.js`;
  return { ...resolved, url, format: "commonjs" };
}
