// `npm run session -- <command>`: the session lifecycle by hand, over the sdk/ module.
import { chmodSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { parseArgs } from "node:util";
import { type Address, type Hex, getAddress, http, isAddress, isHex } from "viem";
import { privateKeyToAccount } from "viem/accounts";
import { createOwnerAccount } from "../sdk/accounts.js";
import { deploymentsPath, projectRoot, readDeployments } from "../sdk/deployments.js";
import { formatSessionStatus } from "../sdk/describe.js";
import { chainNow } from "../sdk/rules.js";
import {
  type LeashChain,
  type Transport,
  approveSession,
  createSessionKey,
  executeWithSession,
  getSession,
  kernelAddresses,
  parseApproval,
  prepareSession,
  revokeSession,
  serializeApproval,
  SessionOperationError,
} from "../sdk/session.js";
import { SessionRequestError } from "../sdk/request.js";
import { localClient } from "../testkit/testbed/client.js";

const HELP = `Usage: npm run session -- <command> [options]

Commands:
  create                       make a session key pair; writes the private key to a file (mode 600)
      [--out FILE]             default .leash/keys/<address>.key
  account [--index N]          the owner's Kernel account address (OWNER_PRIVATE_KEY)
  approve                      the owner approves a session request (JSON, the chat shape)
      --request FILE           the request; its sessionKeyAddress is the key's address
      [--index N]              the owner's account index (default 0)
      [--out FILE]             where to write the approval (default: printed)
  exec                         send one call signed by the session key
      --approval FILE --key FILE --to ADDRESS [--data HEX] [--value WEI]
  status                       status and remaining limits, read from the policy
      --account ADDRESS --permission-id HEX   (or --approval FILE)
  revoke                       the owner's operation ending the session
      --approval FILE

Common options:
  --rpc URL                    the chain (default LEASH_RPC_URL or http://127.0.0.1:8545)
  --bundler URL                send through an ERC-4337 bundler (default: straight to the EntryPoint,
                               from the node's first unlocked account)
  --deployments FILE           default deployments/<chainId>.json (or LEASH_DEPLOYMENTS)
  -h, --help

The owner's key comes from OWNER_PRIVATE_KEY (approve, revoke). Session private keys never leave the
machine: the approval holds no secret.`;

class UsageError extends Error {}
class NotFoundError extends Error {}

const OPTIONS = {
  help: { type: "boolean", short: "h" },
  rpc: { type: "string" },
  bundler: { type: "string" },
  deployments: { type: "string" },
  out: { type: "string" },
  request: { type: "string" },
  index: { type: "string" },
  approval: { type: "string" },
  key: { type: "string" },
  to: { type: "string" },
  data: { type: "string" },
  value: { type: "string" },
  account: { type: "string" },
  "permission-id": { type: "string" },
} as const;

/** Levenshtein distance, to suggest the option a typo meant. */
function distance(a: string, b: string): number {
  let row = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const next = [i];
    for (let j = 1; j <= b.length; j++) next[j] = Math.min(row[j]! + 1, next[j - 1]! + 1, row[j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1));
    row = next;
  }
  return row[b.length]!;
}

const USAGE = "usage: npm run session -- <create|account|approve|exec|status|revoke> [options] (--help lists them)";

function closest(word: string, candidates: readonly string[]): string | undefined {
  const best = candidates.map((c) => ({ c, d: distance(word, c) })).sort((x, y) => x.d - y.d)[0];
  return best && best.d <= 2 ? best.c : undefined;
}

/** The command line, or a UsageError naming the option that is wrong. */
function parseCommandLine() {
  try {
    return parseArgs({ allowPositionals: true, strict: true, options: OPTIONS });
  } catch (error) {
    const code = (error as { code?: string }).code;
    const message = error instanceof Error ? error.message : String(error);
    if (code === "ERR_PARSE_ARGS_UNKNOWN_OPTION") {
      const option = /'(-{1,2}[^']+)'/.exec(message)?.[1] ?? "?";
      const guess = closest(option.replace(/^-+/, ""), Object.keys(OPTIONS));
      throw new UsageError(`unknown option ${option}${guess ? ` (did you mean --${guess}?)` : ""}; ${USAGE}`);
    }
    if (code === "ERR_PARSE_ARGS_INVALID_OPTION_VALUE") throw new UsageError(`${message.split(". ")[0]}; ${USAGE}`);
    throw new UsageError(`${message}; ${USAGE}`);
  }
}

let values: ReturnType<typeof parseCommandLine>["values"] = {};
let positionals: string[] = [];

function need(name: keyof typeof values): string {
  const value = values[name];
  if (typeof value !== "string" || value === "") throw new UsageError(`--${name} is required`);
  return value;
}

function readText(file: string, what: string): string {
  try {
    return readFileSync(file, "utf8").trim();
  } catch {
    throw new UsageError(`cannot read ${what} file ${file}`);
  }
}

function hexKey(text: string, what: string): Hex {
  if (!isHex(text) || text.length !== 66) throw new UsageError(`${what} must be a 32-byte hex private key`);
  return text;
}

function address(text: string, flag: string): Address {
  if (!isAddress(text, { strict: false })) throw new UsageError(`--${flag} must be an address, got "${text}"`);
  return getAddress(text);
}

async function chain(): Promise<LeashChain> {
  const rpc = values.rpc ?? process.env.LEASH_RPC_URL ?? "http://127.0.0.1:8545";
  let client;
  try {
    client = await localClient(http(rpc, { retryCount: 0 }));
  } catch (error) {
    throw new UsageError(`cannot reach the chain at ${rpc}: ${error instanceof Error ? error.message.split("\n")[0] : error}`);
  }
  const path = values.deployments ?? deploymentsPath(await client.getChainId());
  return { client, deployments: readDeployments(path) };
}

const via = (): Transport => (values.bundler ? { bundlerUrl: values.bundler } : { direct: true });
const ownerKey = () => hexKey(process.env.OWNER_PRIVATE_KEY ?? "", "OWNER_PRIVATE_KEY");
const json = (value: unknown) => JSON.stringify(value, (_, v) => (typeof v === "bigint" ? v.toString() : v), 2);

const COMMANDS = ["create", "account", "approve", "exec", "status", "revoke"];

async function main(): Promise<void> {
  ({ values, positionals } = parseCommandLine());
  const command = positionals[0];
  if (values.help || !command) {
    console.log(HELP);
    return;
  }
  switch (command) {
    case "create": {
      const key = createSessionKey();
      const out = values.out ?? join(projectRoot, ".leash", "keys", `${key.address}.key`);
      mkdirSync(dirname(out), { recursive: true });
      writeFileSync(out, `${key.privateKey}\n`, { mode: 0o600 });
      chmodSync(out, 0o600);
      console.log(json({ sessionKeyAddress: key.address, privateKeyFile: out }));
      return;
    }
    case "account": {
      const c = await chain();
      const account = await createOwnerAccount({
        client: c.client,
        bed: kernelAddresses(c.deployments),
        owner: privateKeyToAccount(ownerKey()),
        index: BigInt(values.index ?? "0"),
      });
      console.log(json({ account: account.address, deployed: await account.isDeployed() }));
      return;
    }
    case "approve": {
      const request = JSON.parse(readText(need("request"), "request")) as unknown;
      const c = await chain();
      const prepared = await prepareSession(c, request);
      const approval = await approveSession(c, {
        prepared,
        owner: privateKeyToAccount(ownerKey()),
        index: BigInt(values.index ?? "0"),
      });
      const text = serializeApproval(approval);
      if (values.out) {
        writeFileSync(values.out, `${text}\n`);
        console.log(json({ account: approval.account, permissionId: approval.permissionId, approvalFile: values.out }));
      } else console.log(text);
      return;
    }
    case "exec": {
      const c = await chain();
      const approval = parseApproval(readText(need("approval"), "approval"));
      const key = hexKey(readText(need("key"), "session key"), "the session key file");
      const data = values.data ?? "0x";
      if (!isHex(data)) throw new UsageError("--data must be hex");
      if (values.value !== undefined && !/^\d+$/.test(values.value)) throw new UsageError("--value must be a whole number of wei");
      const result = await executeWithSession(c, {
        approval,
        sessionPrivateKey: key,
        calls: [{ to: address(need("to"), "to"), data, value: BigInt(values.value ?? "0") }],
        via: via(),
      });
      console.log(json({ userOpHash: result.userOpHash, transactionHash: result.transactionHash, success: result.success, actualGasCost: result.actualGasCost }));
      return;
    }
    case "status": {
      const c = await chain();
      const approval = values.approval ? parseApproval(readText(values.approval, "approval")) : undefined;
      const account = approval?.account ?? address(need("account"), "account");
      const permissionId = approval?.permissionId ?? (need("permission-id") as Hex);
      if (!isHex(permissionId) || permissionId.length !== 10) throw new UsageError("--permission-id must be 4 bytes of hex");
      const status = await getSession(c, { account, permissionId, tokens: approval?.tokens });
      if (status.status === "unknown") {
        throw new NotFoundError(`no session ${permissionId} of ${account} on SessionPolicy ${c.deployments.contracts.SessionPolicy.address}`);
      }
      const block = await c.client.getBlock({ blockNumber: status.blockNumber });
      console.log(formatSessionStatus(status, chainNow(block.timestamp)));
      console.log(json(status));
      return;
    }
    case "revoke": {
      const c = await chain();
      const approval = parseApproval(readText(need("approval"), "approval"));
      const result = await revokeSession(c, { approval, owner: privateKeyToAccount(ownerKey()), via: via() });
      console.log(json({ method: result.method, transactionHash: result.transactionHash }));
      return;
    }
    default: {
      const guess = closest(command, COMMANDS);
      throw new UsageError(`unknown command "${command}"${guess ? ` (did you mean ${guess}?)` : ""}; ${USAGE}`);
    }
  }
}

try {
  await main();
} catch (error) {
  if (error instanceof SessionOperationError) {
    console.error(`refused (${error.refusal.kind}): ${error.refusal.message}`);
    console.error(json(error.refusal.details));
  } else if (error instanceof SessionRequestError) {
    console.error(error.message);
    for (const issue of error.issues) console.error(`  ${issue.field}: ${issue.message}`);
  } else {
    console.error(`error: ${error instanceof Error ? error.message : String(error)}`);
  }
  process.exitCode = error instanceof UsageError ? 2 : 1;
}
