// The MCP server as a chat client starts it: a child process over stdio (tsx mcp/main.ts) told
// where the API is, and one tool call as a chat model makes it.
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StdioClientTransport, getDefaultEnvironment } from "@modelcontextprotocol/sdk/client/stdio.js";
import type { CallToolResult } from "@modelcontextprotocol/sdk/types.js";
import { join } from "node:path";
import { fileURLToPath } from "node:url";

export const root = fileURLToPath(new URL("../..", import.meta.url));
export const tsx = join(root, "node_modules", ".bin", "tsx");
export const entry = join(root, "mcp", "main.ts");

export interface Mcp {
  client: Client;
  /** Everything the server wrote to stderr so far. */
  stderr(): string;
  /** Protocol errors seen by the client, e.g. a line on stdout that is not JSON-RPC. */
  errors: Error[];
}

/** The MCP server started as a chat client starts it, with LEASH_API_URL pointing at `apiUrl`. */
export async function startMcp(apiUrl: string): Promise<Mcp> {
  const transport = new StdioClientTransport({
    command: tsx,
    args: [entry],
    cwd: root,
    env: { ...getDefaultEnvironment(), LEASH_API_URL: apiUrl },
    stderr: "pipe",
  });
  let stderr = "";
  transport.stderr?.on("data", (chunk: Buffer) => (stderr += chunk.toString()));
  const client = new Client({ name: "leash-mcp-test", version: "1.0.0" });
  const errors: Error[] = [];
  client.onerror = (error) => errors.push(error);
  await client.connect(transport);
  return { client, stderr: () => stderr, errors };
}

/** One tool call: its text (all text parts), structured content, and whether it is an error. */
export async function call(mcp: Mcp, name: string, args: Record<string, unknown>) {
  const result = (await mcp.client.callTool({ name, arguments: args })) as CallToolResult;
  const text = result.content.map((c) => (c.type === "text" ? c.text : "")).join("\n");
  return { text, data: result.structuredContent as any, isError: result.isError === true };
}
