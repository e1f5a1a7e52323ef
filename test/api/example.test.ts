// The React example app's files as the API serves them (api/example.ts): from its build folder, with
// their types and the page's policy; and, before it is built, a 404 that says how to build it.
import { expect } from "chai";
import Fastify from "fastify";
import { mkdirSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { EXAMPLE_CSP, exampleRoutes } from "../../api/example.js";

async function serve(dir: string) {
  const app = Fastify({ ignoreTrailingSlash: true });
  await app.register(exampleRoutes, { dir });
  await app.ready();
  return app;
}

describe("api: the React example app's files", function () {
  it("serves the built page and its assets with their types, no-cache and a policy allowing scripts from itself only", async function () {
    const dir = mkdtempSync(join(tmpdir(), "leash-example-"));
    mkdirSync(join(dir, "assets"));
    writeFileSync(join(dir, "index.html"), '<script type="module" src="/example/assets/index-1.js"></script>');
    writeFileSync(join(dir, "assets", "index-1.js"), "export {};");
    writeFileSync(join(dir, "assets", "index-1.css"), "body{}");
    writeFileSync(join(dir, "notes.txt"), "not served");
    const app = await serve(dir);
    try {
      for (const url of ["/example/", "/example", "/example/?chainId=31337&token=0x01", "/example/index.html"]) {
        const page = await app.inject({ method: "GET", url });
        expect([page.statusCode, page.headers["content-type"]], url).to.deep.equal([200, "text/html; charset=utf-8"]);
        expect(page.body).to.include("/example/assets/index-1.js");
        expect(page.headers["content-security-policy"]).to.equal(EXAMPLE_CSP);
      }
      expect(EXAMPLE_CSP).to.include("script-src 'self'").and.include("default-src 'none'");
      const script = await app.inject({ method: "GET", url: "/example/assets/index-1.js" });
      expect([script.statusCode, script.headers["content-type"], script.body]).to.deep.equal([200, "text/javascript; charset=utf-8", "export {};"]);
      expect((await app.inject({ method: "GET", url: "/example/assets/index-1.css" })).headers["content-type"]).to.equal("text/css; charset=utf-8");
      expect((await app.inject({ method: "GET", url: "/example/notes.txt" })).statusCode).to.equal(404);
      expect((await app.inject({ method: "GET", url: "/example/../package.json" })).statusCode).to.equal(404);
    } finally {
      await app.close();
    }
  });

  it("before it is built: 404 naming the command that builds it", async function () {
    const app = await serve(mkdtempSync(join(tmpdir(), "leash-example-empty-")));
    try {
      const answer = await app.inject({ method: "GET", url: "/example/" });
      expect(answer.statusCode).to.equal(404);
      expect(answer.json().error.message).to.match(/npm run build:example/);
    } finally {
      await app.close();
    }
  });
});
