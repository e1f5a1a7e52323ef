import {
  type Address,
  type EIP1193Provider,
  type Hex,
  decodeFunctionResult,
  encodeFunctionData,
  getAddress,
  getContractAddress,
  hexToBigInt,
  keccak256,
  toHex,
} from "viem";
import { entryPoint07Abi, toPackedUserOperation, type UserOperation } from "viem/account-abstraction";

/**
 * ERC-7562 check of a user operation's validation, from a `debug_traceCall` struct-log trace of
 * `EntryPoint.handleOps`. Hardhat's simulator has no JS tracer, so bundlers cannot run their own
 * checks against it; this one covers the rules our contracts could break:
 * - banned opcodes (OP-011/012) inside the account's `validateUserOp` and everything it calls;
 * - storage (OP-054, STO-0xx): outside the account's own storage, every slot read or written must
 *   be associated with the account: `keccak256(account ‖ x) + n`, n ≤ 128 (preimages are taken from
 *   the KECCAK256 steps of the same trace).
 * - the factory's deployment of a new account (the EntryPoint's createSender frame): banned opcodes
 *   (CREATE2 once, for the account), and storage: the new account's own; slots associated with it in
 *   other contracts (e.g. its owner in OwnerValidator) and the factory's own storage only when the
 *   factory is staked in the EntryPoint (STO-022, STO-031), as bundlers report "unstaked factory
 *   accessed …"; nothing else.
 * Staked means, as alto reads it: stake ≥ minStake wei and unstake delay ≥ minUnstakeDelay seconds
 * (alto's defaults, 1 and 1, unless given).
 */

const BANNED = new Set([
  "GASPRICE", "GASLIMIT", "DIFFICULTY", "PREVRANDAO", "TIMESTAMP", "BASEFEE", "BLOCKHASH", "NUMBER",
  "SELFBALANCE", "BALANCE", "ORIGIN", "COINBASE", "CREATE", "CREATE2", "SELFDESTRUCT", "BLOBHASH", "BLOBBASEFEE",
  "INVALID",
]);
const CALLS = new Set(["CALL", "CALLCODE", "DELEGATECALL", "STATICCALL"]);
const STORAGE = new Set(["SLOAD", "SSTORE", "TLOAD", "TSTORE"]);
const VALIDATE_USER_OP = "19822f7c";
/** SenderCreator.createSender(bytes): the EntryPoint's call that runs the factory. */
const CREATE_SENDER = "570e1a36";
const MAX_ASSOCIATED_OFFSET = 128n;

interface StructLog {
  op: string;
  depth: number;
  pc: number;
  stack: Hex[];
  memory?: Hex[];
}

export interface ContractActivity {
  steps: number;
  opcodes: Set<string>;
  /** Slots read or written, in the storage of `storage` (differs from the code for delegatecalls). */
  slots: { op: string; storage: Address; slot: Hex; associated: boolean }[];
}

export interface ValidationReport {
  /** Each broken rule, in words. Empty when validation is ERC-7562 clean. */
  violations: string[];
  /** Per code address: what it executed during validation. */
  contracts: Map<Address, ContractActivity>;
  steps: number;
  /** The operation's factory, if it deploys the account, and whether it counted as staked. */
  factory?: { address: Address; staked: boolean; steps: number };
}

const word = (x: Hex) => hexToBigInt(x);
const top = (log: StructLog, n = 0) => log.stack[log.stack.length - 1 - n]!;
const asAddress = (x: Hex): Address => getAddress(`0x${word(x).toString(16).padStart(40, "0").slice(-40)}`);

function readMemory(memory: Hex[] | undefined, offset: bigint, size: bigint): Hex {
  const hex = (memory ?? []).map((w) => w.slice(2).padStart(64, "0")).join("");
  const start = Number(offset) * 2;
  return `0x${hex.slice(start, start + Number(size) * 2).padEnd(Number(size) * 2, "0")}`;
}

/** Traces `handleOps([op])` as `from` would send it and checks the validation of `op`. */
export async function checkValidation(opts: {
  provider: { request: EIP1193Provider["request"] } | { request(args: { method: string; params?: unknown }): Promise<unknown> };
  entryPoint: Address;
  userOperation: UserOperation<"0.7">;
  from: Address;
  /** A bundler's minimum stake (wei) and unstake delay (seconds) for a staked entity; alto's defaults. */
  minStake?: bigint;
  minUnstakeDelay?: number;
}): Promise<ValidationReport> {
  const sender = getAddress(opts.userOperation.sender);
  const request = (opts.provider.request as (a: { method: string; params: unknown[] }) => Promise<unknown>).bind(opts.provider);
  let factory: ValidationReport["factory"];
  if (opts.userOperation.factory) {
    const address = getAddress(opts.userOperation.factory);
    const info = decodeFunctionResult({
      abi: entryPoint07Abi,
      functionName: "getDepositInfo",
      data: (await request({
        method: "eth_call",
        params: [{ to: opts.entryPoint, data: encodeFunctionData({ abi: entryPoint07Abi, functionName: "getDepositInfo", args: [address] }) }, "latest"],
      })) as Hex,
    });
    const staked = info.staked && info.stake >= (opts.minStake ?? 1n) && info.unstakeDelaySec >= (opts.minUnstakeDelay ?? 1);
    factory = { address, staked, steps: 0 };
  }
  const data = encodeFunctionData({
    abi: entryPoint07Abi,
    functionName: "handleOps",
    args: [[toPackedUserOperation(opts.userOperation)], opts.from],
  });
  const trace = (await request({
    method: "debug_traceCall",
    params: [{ from: opts.from, to: opts.entryPoint, data, gas: toHex(30_000_000) }, "latest", { enableMemory: true, disableStorage: true }],
  })) as { failed: boolean; structLogs: StructLog[] };
  if (trace.failed) throw new Error("handleOps fails under the trace: the operation is not valid");
  return analyse(trace.structLogs, sender, getAddress(opts.entryPoint), factory);
}

function analyse(logs: StructLog[], sender: Address, entryPoint: Address, factory: ValidationReport["factory"]): ValidationReport {
  const violations: string[] = [];
  const contracts = new Map<Address, ContractActivity>();
  const preimages = new Map<bigint, Hex>();
  const senderWord = sender.slice(2).toLowerCase().padStart(64, "0");
  // Frames: code and storage address per depth (depth 1 = the EntryPoint).
  const frames: { code: Address; storage: Address }[] = [{ code: entryPoint, storage: entryPoint }];
  let validationDepth = 0; // depth of the account's validateUserOp frame while inside it
  let deploymentDepth = 0; // depth of the SenderCreator's frame (the factory runs below it) while inside it
  let creates = 0;
  let steps = 0;

  const isAssociated = (slot: bigint): boolean => {
    for (const [hash, preimage] of preimages) {
      if (slot >= hash && slot - hash <= MAX_ASSOCIATED_OFFSET && preimage.slice(2, 66).toLowerCase() === senderWord) {
        return true;
      }
    }
    return false;
  };

  for (let i = 0; i < logs.length; i++) {
    const log = logs[i]!;
    frames.length = Math.min(frames.length, log.depth);
    if (validationDepth && log.depth < validationDepth) validationDepth = 0;
    if (deploymentDepth && log.depth < deploymentDepth) deploymentDepth = 0;
    const frame = frames[log.depth - 1]!;

    if (deploymentDepth && log.depth >= deploymentDepth && factory) {
      factory.steps++;
      const who = `factory ${factory.address}`;
      if (log.op === "CREATE2" && ++creates > 1) violations.push(`${who} ran CREATE2 more than once (pc ${log.pc} in ${frame.code})`);
      else if (BANNED.has(log.op) && log.op !== "CREATE2") violations.push(`${log.op} at pc ${log.pc} in ${frame.code}, deploying through ${who}`);
      if (log.op === "KECCAK256") {
        const preimage = readMemory(log.memory, word(top(log)), word(top(log, 1)));
        preimages.set(hexToBigInt(keccak256(preimage)), preimage);
      }
      if (STORAGE.has(log.op) && frame.storage !== sender) {
        const slot = toHex(word(top(log)));
        const own = frame.storage === factory.address;
        if (!own && !isAssociated(word(top(log)))) {
          violations.push(`${log.op} of slot ${slot} in ${frame.storage} (code ${frame.code}), deploying through ${who}, is not associated with ${sender}`);
        } else if (!factory.staked) {
          violations.push(`unstaked ${who} accessed ${own ? "its own" : `${frame.storage}`} slot ${slot} (${own ? "STO-031" : "STO-022"})`);
        }
      }
    }

    if (validationDepth && log.depth >= validationDepth) {
      steps++;
      const activity = contracts.get(frame.code) ?? { steps: 0, opcodes: new Set<string>(), slots: [] };
      contracts.set(frame.code, activity);
      activity.steps++;
      activity.opcodes.add(log.op);
      if (BANNED.has(log.op)) violations.push(`${log.op} at pc ${log.pc} in ${frame.code}`);
      if (log.op === "GAS" && !CALLS.has(logs[i + 1]?.op ?? "")) {
        violations.push(`GAS not followed by a call at pc ${log.pc} in ${frame.code}`);
      }
      if (log.op === "KECCAK256") {
        const preimage = readMemory(log.memory, word(top(log)), word(top(log, 1)));
        preimages.set(hexToBigInt(keccak256(preimage)), preimage);
      }
      if (STORAGE.has(log.op)) {
        const slot = word(top(log));
        const associated = frame.storage === sender || isAssociated(slot);
        activity.slots.push({ op: log.op, storage: frame.storage, slot: toHex(slot, { size: 32 }), associated });
        if (!associated) {
          violations.push(`${log.op} of slot ${toHex(slot)} in ${frame.storage} (code ${frame.code}) is not associated with ${sender}`);
        }
      }
    }

    if (CALLS.has(log.op) && logs[i + 1]?.depth === log.depth + 1) {
      const target = asAddress(top(log, 1));
      const next = log.op === "DELEGATECALL" || log.op === "CALLCODE" ? { code: target, storage: frame.storage } : { code: target, storage: target };
      frames[log.depth] = next;
      if (!validationDepth && !deploymentDepth && log.depth === 1) {
        const selector = readMemory(log.memory, word(top(log, log.op === "CALL" ? 3 : 2)), 4n).slice(2);
        if (target === sender && selector === VALIDATE_USER_OP) validationDepth = log.depth + 1;
        if (factory && log.op === "CALL" && selector === CREATE_SENDER) deploymentDepth = log.depth + 1;
      }
    } else if ((log.op === "CREATE" || log.op === "CREATE2") && logs[i + 1]?.depth === log.depth + 1) {
      // CREATE2's address from its inputs (the factory creating the account); CREATE's is not needed.
      let created: Address = "0x0000000000000000000000000000000000000000";
      if (log.op === "CREATE2") {
        const initCode = readMemory(log.memory, word(top(log, 1)), word(top(log, 2)));
        created = getContractAddress({ opcode: "CREATE2", from: frame.storage, salt: toHex(word(top(log, 3)), { size: 32 }), bytecode: initCode });
      }
      frames[log.depth] = { code: created, storage: created };
    }
  }
  if (steps === 0) violations.push(`no validateUserOp call into ${sender} found in the trace`);
  if (factory && factory.steps === 0) violations.push(`no deployment through factory ${factory.address} found in the trace`);
  return { violations, contracts, steps, factory };
}
