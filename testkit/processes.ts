import { type ChildProcess, spawn } from "node:child_process";
import { createWriteStream, mkdirSync, type WriteStream } from "node:fs";
import { createServer } from "node:net";
import { dirname } from "node:path";

/** A port that was free on 127.0.0.1 a moment ago (the OS picks it). */
export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.on("error", reject);
    server.listen({ host: "127.0.0.1", port: 0 }, () => {
      const address = server.address();
      server.close(() => {
        if (address && typeof address === "object") resolve(address.port);
        else reject(new Error("could not read the port the OS picked"));
      });
    });
  });
}

export interface ManagedProcess {
  readonly name: string;
  readonly child: ChildProcess;
  /** The last lines the process printed, for error messages. */
  tail(lines?: number): string;
  /** SIGTERM, then SIGKILL after `graceMs`. Resolves once the process has exited. */
  stop(graceMs?: number): Promise<void>;
}

export interface StartOptions {
  name: string;
  command: string;
  args: string[];
  env?: NodeJS.ProcessEnv;
  cwd?: string;
  /** Resolves the start once a line of output matches; its match is returned. */
  ready: RegExp;
  timeoutMs?: number;
  /** Also write all output to this file. */
  logFile?: string;
}

const running = new Set<ManagedProcess>();
let exitHookInstalled = false;

function installExitHook() {
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  // Never leave a chain or bundler behind: on Ctrl-C stop them gracefully, and on any other exit
  // (an uncaught error included) kill what is left.
  process.on("exit", () => {
    for (const p of running) p.child.kill("SIGKILL");
  });
  for (const signal of ["SIGINT", "SIGTERM"] as const) {
    process.once(signal, () => {
      void Promise.allSettled([...running].reverse().map((p) => p.stop(3_000))).then(() => process.exit(130));
    });
  }
}

/** Whether 127.0.0.1:`port` can be bound now. */
export async function portIsFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = createServer();
    server.once("error", () => resolve(false));
    server.listen({ host: "127.0.0.1", port }, () => server.close(() => resolve(true)));
  });
}

/**
 * Starts a long-running process and waits until it prints a line matching `ready`.
 * Fails with the process's last output when it exits early or takes too long.
 */
export async function startProcess(opts: StartOptions): Promise<{ process: ManagedProcess; match: RegExpMatchArray }> {
  installExitHook();
  const lines: string[] = [];
  let log: WriteStream | undefined;
  if (opts.logFile) {
    mkdirSync(dirname(opts.logFile), { recursive: true });
    log = createWriteStream(opts.logFile, { flags: "a" });
  }
  const child = spawn(opts.command, opts.args, {
    cwd: opts.cwd,
    env: { ...process.env, ...opts.env },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let exited = false;
  const exitPromise = new Promise<void>((resolve) => child.once("exit", () => ((exited = true), resolve())));

  const managed: ManagedProcess = {
    name: opts.name,
    child,
    tail: (n = 30) => lines.slice(-n).join("\n"),
    async stop(graceMs = 5_000) {
      running.delete(managed);
      if (!exited) {
        child.kill("SIGTERM");
        const timer = setTimeout(() => child.kill("SIGKILL"), graceMs);
        await exitPromise;
        clearTimeout(timer);
      }
      log?.end();
    },
  };
  running.add(managed);

  const match = await new Promise<RegExpMatchArray>((resolve, reject) => {
    let settled = false;
    const settle = (fn: () => void) => {
      if (!settled) {
        settled = true;
        clearTimeout(timer);
        fn();
      }
    };
    // One line buffer per stream: interleaved chunks of stdout and stderr must not splice lines.
    const reader = () => {
      let pending = "";
      return (chunk: Buffer) => {
        log?.write(chunk);
        pending += chunk.toString("utf8");
        let nl: number;
        while ((nl = pending.indexOf("\n")) >= 0) {
          const line = pending.slice(0, nl);
          pending = pending.slice(nl + 1);
          lines.push(line);
          if (lines.length > 500) lines.shift();
          const m = line.match(opts.ready);
          if (m) settle(() => resolve(m));
        }
      };
    };
    child.stdout!.on("data", reader());
    child.stderr!.on("data", reader());
    child.once("error", (err) => settle(() => reject(new Error(`${opts.name} could not start: ${err.message}`))));
    child.once("exit", (code, signal) =>
      settle(() =>
        reject(new Error(`${opts.name} exited (${signal ?? `code ${code}`}) before it was ready:\n${managed.tail()}`)),
      ),
    );
    const timer = setTimeout(
      () => settle(() => reject(new Error(`${opts.name} not ready after ${opts.timeoutMs ?? 60_000} ms:\n${managed.tail()}`))),
      opts.timeoutMs ?? 60_000,
    );
  }).catch(async (err) => {
    await managed.stop(1_000);
    throw err;
  });
  return { process: managed, match };
}
