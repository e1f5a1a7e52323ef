// Kernel v3.1 (ZeroDev) creation bytecode, fetched from the npm registry and cached.
//
// No npm package ships ZeroDev's compiled Kernel, but the registry tarball of
// @rhinestone/modulekit@0.5.9 carries Kernel v3.1 and its factory as hex constants in
// src/deployment/precompiles/KernelPrecompiles.sol. That package cannot be installed (its
// dependencies are git URLs), so `npm pack` fetches only its tarball. The bytecode is never
// committed; the hashes below pin exactly what was audited against.
import { execFileSync } from "node:child_process";
import { createHash } from "node:crypto";
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const PACKAGE = "@rhinestone/modulekit@0.5.9";
const SOURCE = "package/src/deployment/precompiles/KernelPrecompiles.sol";
export const KERNEL_VERSION = "0.3.1";

const root = join(dirname(fileURLToPath(import.meta.url)), "..", "..");
const defaultCachePath = join(root, "node_modules", ".cache", "leash", "kernel-v3.1.json");

// sha256 of the creation code (hex string without 0x, lowercase) of each constant.
const EXPECTED_SHA256 = {
  KERNEL_BYTECODE: "4ce4ca284fabfaaf96aa510c12b35ccd10092171e2128744c93f1cad0c1c0e75",
  KERNEL_FACTORY_BYTECODE: "06d3f18fd501ee6269a75cad243284bc4aaca35e98244d73ea81b7905ca30e2f",
};

const sha256 = (hex) => createHash("sha256").update(hex).digest("hex");

function extractConstant(source, name) {
  const match = source.match(new RegExp(`${name}\\s*=\\s*hex"([0-9a-fA-F]+)"`));
  if (!match) throw new Error(`${name} not found in ${SOURCE} of ${PACKAGE}`);
  return match[1].toLowerCase();
}

function verify(name, hex) {
  const expected = EXPECTED_SHA256[name];
  if (expected && sha256(hex) !== expected) {
    throw new Error(`${name} from ${PACKAGE} has sha256 ${sha256(hex)}, expected ${expected}: refusing to use it`);
  }
}

function npmCommand() {
  // Inside npm lifecycle scripts npm says where it is; elsewhere it is on PATH.
  return process.env.npm_execpath
    ? { file: process.env.npm_node_execpath || process.execPath, pre: [process.env.npm_execpath] }
    : { file: process.platform === "win32" ? "npm.cmd" : "npm", pre: [] };
}

/**
 * Returns `{ kernel, factory }` creation bytecode (0x-prefixed), fetching it once.
 * @param {{ cachePath?: string, log?: (message: string) => void }} [options]
 * @returns {Promise<{ kernel: string, factory: string, kernelVersion: string, source: string, cachePath: string }>}
 */
export async function ensureKernelBytecode({ cachePath = defaultCachePath, log = () => {} } = {}) {
  if (existsSync(cachePath)) {
    const cached = JSON.parse(readFileSync(cachePath, "utf8"));
    verify("KERNEL_BYTECODE", cached.kernel.slice(2));
    verify("KERNEL_FACTORY_BYTECODE", cached.factory.slice(2));
    return { ...cached, cachePath };
  }
  log(`fetching ${PACKAGE} from the npm registry for Kernel v3.1 bytecode`);
  const work = mkdtempSync(join(tmpdir(), "leash-kernel-"));
  try {
    const npm = npmCommand();
    const out = execFileSync(npm.file, [...npm.pre, "pack", PACKAGE, "--silent", "--pack-destination", work], {
      encoding: "utf8",
      stdio: ["ignore", "pipe", "pipe"],
    });
    const tarball = join(work, out.trim().split("\n").pop());
    const source = execFileSync("tar", ["-xzOf", tarball, SOURCE], { encoding: "utf8", maxBuffer: 64 << 20 });
    const kernel = extractConstant(source, "KERNEL_BYTECODE");
    const factory = extractConstant(source, "KERNEL_FACTORY_BYTECODE");
    verify("KERNEL_BYTECODE", kernel);
    verify("KERNEL_FACTORY_BYTECODE", factory);
    const result = { source: `${PACKAGE}:${SOURCE}`, kernelVersion: KERNEL_VERSION, kernel: `0x${kernel}`, factory: `0x${factory}` };
    mkdirSync(dirname(cachePath), { recursive: true });
    writeFileSync(cachePath, JSON.stringify(result));
    return { ...result, cachePath };
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const r = await ensureKernelBytecode({ log: console.log });
  console.log(`kernel ${(r.kernel.length - 2) / 2} bytes, factory ${(r.factory.length - 2) / 2} bytes, sha256`, {
    kernel: sha256(r.kernel.slice(2)),
    factory: sha256(r.factory.slice(2)),
  });
}
