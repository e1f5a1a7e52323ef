// @vitest-environment node
// The module as apps get it: `npm run build:react` (Vite's library mode) gives one ES entry point
// exporting the provider, the hooks and the error class, with React, viem, zod and ZeroDev left to the app.
import { mkdtempSync, readFileSync, readdirSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { build } from "vite";
import { describe, expect, it } from "vitest";

describe("the library build", () => {
  it("one entry point with every hook; React and the chain libraries stay external", async () => {
    const outDir = mkdtempSync(join(tmpdir(), "leash-react-build-"));
    await build({ configFile: fileURLToPath(new URL("../vite.config.ts", import.meta.url)), logLevel: "silent", build: { outDir } });
    const entry = readFileSync(join(outDir, "leash-react.js"), "utf8");
    const exported = entry.match(/export \{([^}]*)\}/)![1]!.split(",").map((e) => e.trim().split(/\s+as\s+/).pop());
    for (const name of ["LeashProvider", "useLeashSession", "useCreateSession", "useRegisterSession", "useExecuteWithSession", "useRevokeSession", "useSessionStatus", "LeashError", "LeashStore"]) {
      expect(exported).toContain(name);
    }
    const code = readdirSync(outDir).filter((f) => f.endsWith(".js")).map((f) => readFileSync(join(outDir, f), "utf8")).join("\n");
    expect(code).toMatch(/from "react"/);
    expect(code).toMatch(/from "viem"/);
    // Not bundled: React's own source and ZeroDev's are the app's.
    expect(code).not.toMatch(/react\.production|__SECRET_INTERNALS/);
    expect(code).toMatch(/from "@zerodev\/sdk/);
  }, 60_000);
});
