// Structured logs: one JSON line per event on stdout. Callers pass ids, addresses, hashes and
// amounts; never a private key or a sealed one.
export type Log = (event: string, fields?: Record<string, unknown>, level?: "info" | "warn" | "error") => void;

export function jsonLog(write: (line: string) => void = (line) => process.stdout.write(`${line}\n`)): Log {
  return (event, fields = {}, level = "info") => {
    write(JSON.stringify({ time: new Date().toISOString(), level, event, ...fields }, (_, v) => (typeof v === "bigint" ? v.toString() : v)));
  };
}
