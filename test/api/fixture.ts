// The real stack as the API's tests run it: `hardhat node` with Leash and the scenario's mocks, the
// indexer on PGlite, the API over HTTP with no rate limit and fast polling, and an owner's Kernel
// account funded with ETH and 2,000 USDC; and Chromium for the pages.
import hre from "hardhat";
import { join } from "node:path";
import { type Browser, type Page, chromium } from "playwright-core";
import type { Address, LocalAccount } from "viem";
import { generatePrivateKey, privateKeyToAccount } from "viem/accounts";
import { fundedAccount } from "../../testkit/scenario.js";
import { type Stack, startStack } from "../../testkit/stack.js";

export interface ApiStack {
  stack: Stack;
  owner: LocalAccount;
  account: Address;
  /** Waits until the indexer has the chain's head and the API sees both at that block. */
  synced(): Promise<void>;
}

type ApiStackOptions = { dir: string; schema: string; owner?: LocalAccount; bundler?: boolean | "safe"; chain?: "hardhat" | "anvil"; apiEnv?: Record<string, string> };

/**
 * The stack of the test files that need nothing of their own (no bundler, no settings, no moving of
 * the chain's clock): started by the first of them, in its `dir`, and stopped once every file has run
 * (a hook of mocha's root suite). Each file still gets a new owner and account of its own, so their
 * sessions, requests and automations never meet; its `stop` leaves the stack to the others.
 */
let shared: Promise<Stack> | undefined;
if (typeof after === "function") {
  after(async function () {
    const stack = await shared?.catch(() => undefined);
    shared = undefined;
    await stack?.stop();
  });
}

/** The shared stack (above), with a new funded account of `owner` (or of a new key). */
export async function sharedApiStack(opts: { dir: string; schema: string; owner?: LocalAccount }): Promise<ApiStack> {
  shared ??= newStack(opts);
  // A failed start is tried again by the next file.
  shared.catch(() => (shared = undefined));
  const stack = await shared;
  return withAccount({ ...stack, stop: async () => {} }, opts.owner);
}

/** Starts the stack in `dir` with the indexer's tables in `schema`; the account's owner is `owner`, or a new key. */
export async function startApiStack(opts: ApiStackOptions): Promise<ApiStack> {
  const stack = await newStack(opts);
  try {
    return await withAccount(stack, opts.owner);
  } catch (error) {
    await stack.stop();
    throw error;
  }
}

function newStack(opts: ApiStackOptions): Promise<Stack> {
  return startStack({
    network: hre.network,
    artifacts: hre.artifacts,
    dir: opts.dir,
    database: { pgliteDir: join(opts.dir, "pglite") },
    schema: opts.schema,
    pollingIntervalMs: 100,
    chain: opts.chain,
    ...(opts.bundler ? { bundlerPort: 0, bundlerSafeMode: opts.bundler === "safe" } : {}),
    apiEnv: { LEASH_RATE_LIMIT: "0", LEASH_POLL_MS: "50", LEASH_LOG_LEVEL: "warn", ...opts.apiEnv },
  });
}

/** An owner's Kernel account on `stack`, funded with ETH and 2,000 USDC. */
async function withAccount(stack: Stack, owner: LocalAccount = privateKeyToAccount(generatePrivateKey())): Promise<ApiStack> {
  const account = await fundedAccount({ leash: stack.leash, demo: stack.demo, owner, usdc: "2000" });
  const synced = async () => {
    await stack.synced();
    const head = await stack.leash.client.getBlockNumber({ cacheTime: 0 });
    for (let tries = 0; tries < 100; tries++) {
      const heads = await stack.api.sessions.heads();
      if (heads.chain.number >= head && heads.indexed.number >= head) return;
      await new Promise((r) => setTimeout(r, 20));
    }
    throw new Error("the API did not reach the chain's head");
  };
  return { stack, owner, account, synced };
}

/** Debian's Chromium (apt-get install chromium), as the browser tests drive it. */
export const CHROMIUM = "/usr/bin/chromium";
const CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync"];

/** Chromium for the tests of `suite`; when it cannot start, the suite is skipped, loudly, naming `what`. */
export async function launchChromium(suite: Mocha.Context, what: string): Promise<Browser> {
  try {
    return await chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS });
  } catch (error) {
    console.warn(`\n  !!! ${what} BROWSER TESTS SKIPPED: Chromium cannot be launched from ${CHROMIUM}: ${(error as Error).message.split("\n")[0]}\n`);
    suite.skip();
  }
}

/**
 * What goes wrong in `page`, collected for a test to expect none: script errors and console errors
 * (CSP violations among them). Failed requests are not counted: the browser logs every error answer,
 * which the pages show in words.
 */
export function pageProblems(page: Page): string[] {
  const problems: string[] = [];
  page.on("console", (message) => {
    if (message.type() === "error" && !message.text().startsWith("Failed to load resource")) problems.push(`console: ${message.text()}`);
  });
  page.on("pageerror", (error) => problems.push(`page error: ${error.message}`));
  return problems;
}

/** One JSON request to an API in this process (Fastify's inject): its status and parsed body. */
export async function injectJson(app: Stack["api"]["app"], method: "GET" | "POST", path: string, body?: unknown, headers: Record<string, string> = {}) {
  const response = await app.inject({
    method,
    url: path,
    payload: body === undefined ? undefined : JSON.stringify(body),
    headers: body === undefined ? headers : { "content-type": "application/json", ...headers },
  });
  return { status: response.statusCode, body: response.json() as any };
}
