// `npm run mcp`: the Leash API's tools for chat clients (Claude Desktop and other MCP clients), over
// stdio. It calls the API at LEASH_API_URL (default http://127.0.0.1:4000) and holds no keys: start
// the API (`npm run api`) and point the chat client's MCP configuration here (api/README.md).
// stdout carries the protocol and nothing else: every log line goes to stderr.
import { StdioServerTransport } from "@modelcontextprotocol/sdk/server/stdio.js";
import { LeashClient, apiUrlSetting } from "./client.js";
import { SettingsError } from "../api/config.js";
import { createMcpServer } from "./server.js";

// A stray console.log from any module would corrupt the protocol stream: send it to stderr instead.
console.log = console.info = console.debug = console.error;

const log = (line: string) => process.stderr.write(`leash mcp: ${line}\n`);

async function main() {
  const apiUrl = apiUrlSetting();
  const server = createMcpServer({ client: new LeashClient(apiUrl), log });
  let closing = false;
  const close = () => {
    if (closing) return;
    closing = true;
    server.close().then(
      () => process.exit(0),
      () => process.exit(1),
    );
  };
  for (const signal of ["SIGINT", "SIGTERM"] as const) process.on(signal, close);
  // The chat client closing its end of the pipe is the usual way a stdio server is stopped.
  process.stdin.on("end", close);
  await server.connect(new StdioServerTransport());
  log(`serving tools over stdio for the Leash API at ${apiUrl}`);
}

main().catch((error: unknown) => {
  log(error instanceof SettingsError ? error.message : `failed to start: ${error instanceof Error ? error.message : String(error)}`);
  process.exit(1);
});
