// A JSON-RPC proxy that counts what passes through it, by method (each entry of a batch counts):
// put it between a program and the node to measure how many calls the program makes.
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";

export interface RpcCounter {
  /** The proxy's URL: use it instead of the node's. */
  url: string;
  /** Calls by method since the start or the last reset. */
  counts(): Record<string, number>;
  /** Calls in all, and response bytes, since the start or the last reset. */
  total(): { calls: number; bytes: number };
  reset(): void;
  stop(): Promise<void>;
}

/** Starts a counting proxy on 127.0.0.1 (a free port) in front of the HTTP JSON-RPC at `target`. */
export async function startRpcCounter(target: string): Promise<RpcCounter> {
  let counts = new Map<string, number>();
  let bytes = 0;
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (chunk: Buffer) => chunks.push(chunk));
    req.on("end", async () => {
      const body = Buffer.concat(chunks).toString("utf8");
      try {
        const parsed = JSON.parse(body) as { method?: string } | { method?: string }[];
        for (const call of Array.isArray(parsed) ? parsed : [parsed]) {
          const method = call.method ?? "(none)";
          counts.set(method, (counts.get(method) ?? 0) + 1);
        }
      } catch {
        counts.set("(unparsable)", (counts.get("(unparsable)") ?? 0) + 1);
      }
      try {
        const answer = await fetch(target, { method: "POST", headers: { "content-type": "application/json" }, body });
        const text = await answer.text();
        bytes += Buffer.byteLength(text);
        res.writeHead(answer.status, { "content-type": "application/json" }).end(text);
      } catch (error) {
        res.writeHead(502, { "content-type": "text/plain" }).end(`rpc counter: ${String(error)}`);
      }
    });
  });
  await new Promise<void>((resolve) => server.listen({ host: "127.0.0.1", port: 0 }, resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    counts: () => Object.fromEntries([...counts].sort(([a], [b]) => a.localeCompare(b))),
    total: () => ({ calls: [...counts.values()].reduce((a, b) => a + b, 0), bytes }),
    reset() {
      counts = new Map();
      bytes = 0;
    },
    stop: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
