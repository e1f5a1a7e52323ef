// The vault of session keys: each private key sealed with AES-256-GCM under the executor's key (32
// bytes from LEASH_EXECUTOR_KEY, in the environment or Hardhat's keystore, or on the local stack a file of its own), a fresh IV per key and the
// automation's id as associated data, so that a sealed key moved to another automation does not open.
// Private keys are never logged, never sent anywhere, and their sealed copy is deleted when the session ends.
import { createCipheriv, createDecipheriv, randomBytes } from "node:crypto";
import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { dirname } from "node:path";
import type { Hex } from "viem";

const VERSION = "v1";

export class VaultError extends Error {
  override name = "VaultError";
}

export class Vault {
  readonly #key: Buffer;

  constructor(key: Buffer) {
    if (key.length !== 32) throw new VaultError("the executor's key must be 32 bytes");
    this.#key = Buffer.from(key);
  }

  /** "v1.<iv>.<tag>.<ciphertext>", base64url: the 32 raw bytes of `privateKey`, sealed for `automationId`. */
  seal(automationId: string, privateKey: Hex): string {
    const iv = randomBytes(12);
    const cipher = createCipheriv("aes-256-gcm", this.#key, iv);
    cipher.setAAD(Buffer.from(automationId, "utf8"));
    const raw = Buffer.from(privateKey.slice(2), "hex");
    const sealed = Buffer.concat([cipher.update(raw), cipher.final()]);
    raw.fill(0);
    return [VERSION, iv, cipher.getAuthTag(), sealed].map((p) => (typeof p === "string" ? p : p.toString("base64url"))).join(".");
  }

  open(automationId: string, sealed: string): Hex {
    const [version, iv, tag, data] = sealed.split(".");
    if (version !== VERSION || !iv || !tag || !data) throw new VaultError(`the sealed key of automation ${automationId} is not in the ${VERSION} format`);
    try {
      const decipher = createDecipheriv("aes-256-gcm", this.#key, Buffer.from(iv, "base64url"));
      decipher.setAAD(Buffer.from(automationId, "utf8"));
      decipher.setAuthTag(Buffer.from(tag, "base64url"));
      const raw = Buffer.concat([decipher.update(Buffer.from(data, "base64url")), decipher.final()]);
      return `0x${raw.toString("hex")}`;
    } catch {
      throw new VaultError(`the sealed key of automation ${automationId} does not open with this executor's key (another LEASH_EXECUTOR_KEY?)`);
    }
  }
}

/**
 * The executor's key: LEASH_EXECUTOR_KEY (64 hex digits) from the environment; else, on the local stack,
 * the one in `localFile` (made on first start, mode 0600); else the one in Hardhat's keystore
 * (`keystore`, which reads it). Without any of them the executor refuses to start.
 */
export async function loadVaultKey(opts: {
  hex?: string;
  local: boolean;
  localFile: string;
  keystore: (name: string) => Promise<string | undefined>;
}): Promise<{ key: Buffer; source: string }> {
  const parse = (hex: string, source: string) => {
    const digits = hex.trim().replace(/^0x/, "");
    if (!/^[0-9a-fA-F]{64}$/.test(digits)) throw new VaultError(`LEASH_EXECUTOR_KEY (${source}) must be 32 bytes in hex (64 hex digits)`);
    return { key: Buffer.from(digits, "hex"), source };
  };
  if (opts.hex) return parse(opts.hex, "environment");
  if (!opts.local) {
    let stored: string | undefined;
    try {
      stored = await opts.keystore("LEASH_EXECUTOR_KEY");
    } catch (error) {
      throw new VaultError(`LEASH_EXECUTOR_KEY could not be read from Hardhat's keystore: ${(error as Error).message}`);
    }
    if (stored) return parse(stored, "Hardhat keystore");
    throw new VaultError(
      "LEASH_EXECUTOR_KEY is not set: the executor seals session keys with it and will not start without one. Set it in the environment or in Hardhat's keystore (npx hardhat keystore set LEASH_EXECUTOR_KEY); LEASH_EXECUTOR_LOCAL=1 makes one on the local stack",
    );
  }
  if (!existsSync(opts.localFile)) {
    mkdirSync(dirname(opts.localFile), { recursive: true });
    writeFileSync(opts.localFile, `${randomBytes(32).toString("hex")}\n`, { mode: 0o600, flag: "wx" });
  }
  chmodSync(opts.localFile, 0o600);
  const digits = readFileSync(opts.localFile, "utf8").trim();
  if (!/^[0-9a-fA-F]{64}$/.test(digits)) throw new VaultError(`${opts.localFile} does not hold a 32-byte hex key`);
  return { key: Buffer.from(digits, "hex"), source: `local file ${opts.localFile}` };
}
