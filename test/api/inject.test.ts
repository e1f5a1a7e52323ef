// The API without its upstreams, through Fastify's inject: validation errors name the field and
// carry stable codes, upstream outages are 503s, rate limiting, CORS, OpenAPI, settings errors.
import { expect } from "chai";
import { type Address, getAddress } from "viem";
import { readSettings, SettingsError } from "../../api/config.js";
import { buildServer, type LeashApi } from "../../api/server.js";
import { CONTRACT_NAMES, type Deployments } from "../../sdk/deployments.js";

const ACCOUNT = "0x1111111111111111111111111111111111111111";
/** Ports nothing listens on: every upstream request fails at once. */
const DOWN = { LEASH_INDEXER_URL: "http://127.0.0.1:9", LEASH_RPC_URL: "http://127.0.0.1:9", LEASH_API_PGLITE_DIR: "memory://" };

export const fakeDeployments: Deployments = {
  chainId: 31337,
  network: "localhost",
  contracts: Object.fromEntries(
    CONTRACT_NAMES.map((name, i) => [name, { address: `0x${(i + 1).toString(16).padStart(40, "0")}` as Address, blockNumber: 0 }]),
  ) as Deployments["contracts"],
  extras: {},
  updatedAt: new Date(0).toISOString(),
};

async function server(env: Record<string, string> = {}): Promise<LeashApi> {
  const settings = readSettings({ ...DOWN, LEASH_LOG_LEVEL: "silent", LEASH_UPSTREAM_TIMEOUT_MS: "1000", ...env });
  const api = await buildServer({ settings, deployments: fakeDeployments });
  await api.app.ready();
  return api;
}

describe("api: requests checked before any upstream", function () {
  let api: LeashApi;
  before(async () => {
    api = await server();
  });
  after(async () => api.app.close());

  const get = (url: string) => api.app.inject({ method: "GET", url });
  const post = (url: string, payload: string, contentType = "application/json") =>
    api.app.inject({ method: "POST", url, payload, headers: { "content-type": contentType } });

  const cases: [string, number, string, string][] = [
    ["/v1/accounts/0x1234/sessions", 400, "invalid_address", "params.account"],
    ["/v1/accounts/not-an-address/sessions", 400, "invalid_address", "params.account"],
    [`/v1/accounts/${ACCOUNT}/sessions?status=sleeping`, 400, "invalid_query", "query.status"],
    [`/v1/accounts/${ACCOUNT}/sessions?limit=0`, 400, "invalid_query", "query.limit"],
    [`/v1/accounts/${ACCOUNT}/sessions?limit=101`, 400, "invalid_query", "query.limit"],
    [`/v1/accounts/${ACCOUNT}/sessions?limit=ten`, 400, "invalid_query", "query.limit"],
    [`/v1/accounts/${ACCOUNT}/sessions?colour=red`, 400, "invalid_query", "query.colour"],
    [`/v1/accounts/${ACCOUNT}/sessions?cursor=garbage`, 400, "invalid_cursor", "query.cursor"],
    [`/v1/accounts/${ACCOUNT}/sessions/0x1234`, 400, "invalid_permission_id", "params.permissionId"],
    [`/v1/accounts/${ACCOUNT}/sessions/0x1234abcd?registration=0`, 400, "invalid_query", "query.registration"],
    [`/v1/accounts/${ACCOUNT}/sessions/0x1234abcd1111111111111111111111111111111111111111111111111111111`, 400, "invalid_permission_id", "params.permissionId"],
    [`/v1/accounts/${ACCOUNT}/sessions/0x1234abcd/history?cursor=aDoxMjM`, 400, "invalid_cursor", "query.cursor"],
    [`/v1/accounts/${ACCOUNT}/activity?limit=-1`, 400, "invalid_query", "query.limit"],
    [`/v1/accounts/${ACCOUNT}/sessions?chainId=base`, 400, "invalid_chain", "query.chainId"],
    [`/v1/accounts/${ACCOUNT}/sessions/0x1234abcd?chainId=0`, 400, "invalid_chain", "query.chainId"],
    // The API follows one chain here: another is not followed.
    [`/v1/accounts/${ACCOUNT}/sessions/0x1234abcd/history?chainId=84532`, 404, "chain_not_followed", "query.chainId"],
    [`/v1/accounts/${ACCOUNT}/session-requests?chainId=1`, 404, "chain_not_followed", "query.chainId"],
    ["/v1/chains/base/deployments", 400, "invalid_chain", "params.chainId"],
    ["/v1/chains/84532/deployments", 404, "chain_not_followed", "params.chainId"],
  ];
  for (const [url, status, code, field] of cases) {
    it(`${url} -> ${status} ${code} naming ${field}`, async function () {
      const response = await get(url);
      expect(response.statusCode, response.body).to.equal(status);
      const body = response.json();
      expect(body.error.code).to.equal(code);
      expect(body.error.message).to.be.a("string").and.not.empty;
      expect(body.error.issues.map((i: { field: string }) => i.field)).to.include(field);
    });
  }

  it("addresses: one issue each; a mixed-case address with a wrong EIP-55 checksum is refused, lowercase is not", async function () {
    const good = getAddress("0x5aaeb6053f3e94c9b9a09f33669435e7ef1beaed"); // one of EIP-55's examples
    const flipped = good.replace(/[a-f]/, (c) => c.toUpperCase());
    expect(flipped).not.to.equal(good);
    let response = await get(`/v1/accounts/${flipped}/sessions`);
    expect(response.statusCode).to.equal(400);
    expect(response.json().error.code).to.equal("invalid_address");
    expect(response.json().error.issues).to.have.length(1);
    expect(response.json().error.issues[0].message).to.include("wrong EIP-55 checksum");
    response = await get("/v1/accounts/0x1234/sessions");
    expect(response.json().error.issues.map((i: { message: string }) => i.message)).to.deep.equal(["must be a 0x-prefixed 20-byte hex address"]);
    for (const accepted of [good, good.toLowerCase()]) {
      expect((await get(`/v1/accounts/${accepted}/sessions?status=sleeping`)).json().error.code, accepted).to.equal("invalid_query");
    }
    response = await post("/v1/session-requests", JSON.stringify({ walletAddress: flipped, duration: 3600, permissions: [] }));
    const walletIssues = response.json().error.issues.filter((i: { field: string }) => i.field.endsWith("walletAddress"));
    expect(walletIssues).to.have.length(1);
    expect(walletIssues[0].message).to.include("wrong EIP-55 checksum");
  });

  it("a cursor of one route is refused by another", async function () {
    const listCursor = Buffer.from("s:12.3").toString("base64url");
    const response = await get(`/v1/accounts/${ACCOUNT}/activity?cursor=${listCursor}`);
    expect(response.statusCode).to.equal(400);
    expect(response.json().error.code).to.equal("invalid_cursor");
  });

  it("unknown routes are 404 route_not_found; the JSON says where the docs are", async function () {
    const response = await get("/v2/nothing");
    expect(response.statusCode).to.equal(404);
    expect(response.json().error).to.include({ code: "route_not_found" });
    expect(response.json().error.message).to.include("/docs");
  });

  it("bodies: not JSON 400, empty 400, wrong media type 415, too large 413, bad shape 422 naming fields", async function () {
    let response = await post("/v1/session-requests", "{not json");
    expect([response.statusCode, response.json().error.code]).to.deep.equal([400, "invalid_json"]);
    response = await post("/v1/session-requests", "");
    expect([response.statusCode, response.json().error.code]).to.deep.equal([400, "invalid_json"]);
    response = await post("/v1/session-requests", "walletAddress=0x", "application/x-www-form-urlencoded");
    expect([response.statusCode, response.json().error.code]).to.deep.equal([415, "unsupported_media_type"]);
    response = await post("/v1/session-requests", JSON.stringify({ pad: "x".repeat(70_000) }));
    expect([response.statusCode, response.json().error.code]).to.deep.equal([413, "body_too_large"]);
    response = await post("/v1/session-requests", JSON.stringify({ walletAddress: "0x12", duration: 5, permissions: [] }));
    expect(response.statusCode).to.equal(422);
    const error = response.json().error;
    expect(error.code).to.equal("invalid_session_request");
    const fields = error.issues.map((i: { field: string }) => i.field);
    expect(fields).to.include.members(["body.walletAddress", "body.sessionKeyAddress", "body.duration", "body.permissions"]);
    response = await post("/v1/session-requests", "[1,2]");
    expect([response.statusCode, response.json().error.code]).to.deep.equal([422, "invalid_session_request"]);
  });

  it("upstreams down: 503 naming the indexer or the chain, with retry-after; /health 200, /ready 503", async function () {
    const response = await get(`/v1/accounts/${ACCOUNT}/sessions`);
    expect(response.statusCode).to.equal(503);
    expect(response.headers["retry-after"]).to.equal("2");
    expect(response.json().error.code).to.be.oneOf(["indexer_unavailable", "chain_unavailable"]);
    expect(response.json().error.message).to.match(/unavailable: .*127\.0\.0\.1:9/);
    expect((await get("/health")).statusCode).to.equal(200);
    const ready = await get("/ready");
    expect(ready.statusCode).to.equal(503);
    expect(ready.json().error.code).to.equal("not_ready");
    expect(ready.json().error.message).to.include("indexer").and.include("chain");
  });

  it("GET /v1/chains/:chainId/deployments answers the chain's deployments as the SDK reads them", async function () {
    const answer = await get("/v1/chains/31337/deployments");
    expect(answer.statusCode).to.equal(200);
    expect(answer.json()).to.deep.equal(fakeDeployments);
  });

  it("OpenAPI at /openapi.json lists every route with its parameters; docs at /docs", async function () {
    const spec = (await get("/openapi.json")).json();
    expect(spec.openapi).to.equal("3.1.0");
    expect(Object.keys(spec.paths)).to.include.members([
      "/health",
      "/ready",
      "/v1/accounts/{account}/sessions",
      "/v1/accounts/{account}/sessions/{permissionId}",
      "/v1/accounts/{account}/sessions/{permissionId}/history",
      "/v1/accounts/{account}/activity",
      "/v1/session-requests",
      "/v1/chains/{chainId}/deployments",
    ]);
    const list = spec.paths["/v1/accounts/{account}/sessions"].get;
    expect(list.parameters.map((p: { name: string }) => p.name)).to.include.members(["account", "status", "cursor", "limit"]);
    // Answers are documented with their shapes, not as free-form objects.
    const session = spec.paths["/v1/accounts/{account}/sessions/{permissionId}"].get.responses["200"].content["application/json"].schema;
    expect(session.required).to.include.members(["status", "tokens", "calls", "display", "asOf"]);
    expect(session.properties.tokens.items.properties.spent.required).to.deep.equal(["total", "thisPeriod"]);
    const body = spec.paths["/v1/session-requests"].post.requestBody.content["application/json"].schema;
    expect(body.required).to.include.members(["walletAddress", "sessionKeyAddress", "duration", "permissions"]);
    const docs = await get("/docs/");
    expect(docs.statusCode).to.equal(200);
    expect(docs.headers["content-type"]).to.include("text/html");
  });
});

describe("api: rate limit, CORS and settings", function () {
  it("answers 429 rate_limited past LEASH_RATE_LIMIT requests per minute, with retry-after", async function () {
    const api = await server({ LEASH_RATE_LIMIT: "3" });
    try {
      const statuses: number[] = [];
      for (let i = 0; i < 4; i++) statuses.push((await api.app.inject({ method: "GET", url: "/v1/accounts/0x12/sessions" })).statusCode);
      expect(statuses).to.deep.equal([400, 400, 400, 429]);
      const limited = await api.app.inject({ method: "GET", url: "/v1/accounts/0x12/sessions" });
      expect(limited.json().error.code).to.equal("rate_limited");
      expect(Number(limited.headers["retry-after"])).to.be.within(1, 60);
      // Health checks are not counted.
      expect((await api.app.inject({ method: "GET", url: "/health" })).statusCode).to.equal(200);
    } finally {
      await api.app.close();
    }
  });

  it("CORS: allows the configured origins only; none by default", async function () {
    const preflight = (api: LeashApi, origin: string) =>
      api.app.inject({ method: "OPTIONS", url: "/v1/session-requests", headers: { origin, "access-control-request-method": "POST" } });
    const open = await server({ LEASH_CORS_ORIGINS: "https://chat.example" });
    const closed = await server();
    try {
      expect((await preflight(open, "https://chat.example")).headers["access-control-allow-origin"]).to.equal("https://chat.example");
      expect((await preflight(open, "https://evil.example")).headers["access-control-allow-origin"]).to.equal(undefined);
      expect((await preflight(closed, "https://chat.example")).headers["access-control-allow-origin"]).to.equal(undefined);
    } finally {
      await open.app.close();
      await closed.app.close();
    }
  });

  it("bad settings stop the server with one line naming the setting", function () {
    const cases: [Record<string, string>, RegExp][] = [
      [{ PORT: "99999" }, /PORT="99999": PORT must be between 0 and 65535/],
      [{ PORT: "http" }, /PORT="http": PORT must be a port number/],
      [{ LEASH_INDEXER_URL: "localhost:42069" }, /LEASH_INDEXER_URL.*must be an http\(s\) URL/],
      [{ LEASH_POLL_MS: "5" }, /LEASH_POLL_MS.*at least 20/],
      [{ LEASH_LOG_LEVEL: "loud" }, /LEASH_LOG_LEVEL/],
      [{ REDIS_URL: "localhost:6379" }, /REDIS_URL="localhost:6379": REDIS_URL must be a redis:\/\/ or rediss:\/\/ URL/],
      [{ REDIS_URL: "http://127.0.0.1:6379" }, /REDIS_URL.*must be a redis:\/\/ or rediss:\/\/ URL/],
      [{ REDIS_URL: "redis://" }, /REDIS_URL.*must be a redis:\/\/ or rediss:\/\/ URL/],
      [{ LEASH_REDIS_PREFIX: "leash rate" }, /LEASH_REDIS_PREFIX="leash rate": LEASH_REDIS_PREFIX must be 1 to 64 letters/],
    ];
    for (const [env, message] of cases) {
      expect(() => readSettings(env), JSON.stringify(env)).to.throw(SettingsError, message);
    }
    const defaults = readSettings({});
    expect(defaults).to.include({ HOST: "127.0.0.1", PORT: 4000, LEASH_INDEXER_URL: "http://127.0.0.1:42069", LEASH_RPC_URL: "http://127.0.0.1:8545" });
    // No Redis unless REDIS_URL names one: each process keeps its own rate-limit counters.
    expect(defaults.REDIS_URL).to.equal(undefined);
    expect(defaults.LEASH_REDIS_PREFIX).to.equal("leash:");
    const shared = readSettings({ REDIS_URL: "rediss://:secret@cache.example:6380/2", LEASH_REDIS_PREFIX: "leash-eu:" });
    expect(shared).to.include({ REDIS_URL: "rediss://:secret@cache.example:6380/2", LEASH_REDIS_PREFIX: "leash-eu:" });
    // A password in a bad value is not repeated in the message.
    expect(() => readSettings({ REDIS_URL: "redis://admin:secret@" })).to.throw(SettingsError, /REDIS_URL="redis:\/\/admin:\*\*\*@"/);
  });

  it("with REDIS_URL unreachable: starts, answers uncounted (fail-open) and logs one warning naming Redis", async function () {
    const lines: string[] = [];
    const settings = readSettings({ ...DOWN, LEASH_RATE_LIMIT: "2", REDIS_URL: "redis://127.0.0.1:9" });
    const api = await buildServer({ settings, deployments: fakeDeployments, logger: { level: "warn", stream: { write: (line: string) => lines.push(line) } } });
    try {
      await api.app.ready();
      const statuses: number[] = [];
      for (let i = 0; i < 4; i++) statuses.push((await api.app.inject({ method: "GET", url: "/v1/accounts/0x12/sessions" })).statusCode);
      expect(statuses).to.deep.equal([400, 400, 400, 400]);
      const warnings = lines.map((line) => JSON.parse(line)).filter((entry) => entry.redis);
      expect(warnings).to.have.length(1);
      expect(warnings[0]).to.include({ level: 40, redis: "redis://127.0.0.1:9" });
      expect(warnings[0].reason).to.match(/ECONNREFUSED 127\.0\.0\.1:9/);
      expect(warnings[0].msg).to.match(/^Redis unavailable: requests are answered without counting them/);
      expect(await api.redis!.status()).to.deep.include({ status: "unavailable" });
    } finally {
      await api.app.close();
    }
  });
});
