// Shared set-up for the SessionPolicy tests: one in-process chain per test file with the test bed,
// SessionPolicy, a mock USDC and WETH and a mock swap router; sessions on real Kernel v3.1 accounts.
import { expect } from "chai";
import hre, { network } from "hardhat";
import { KernelV3_1AccountAbi } from "@zerodev/sdk";
import {
  type Abi,
  type Address,
  type Hex,
  type LocalAccount,
  concat,
  custom,
  encodeFunctionData,
  erc20Abi,
  pad,
  parseEther,
  parseEventLogs,
  zeroAddress,
} from "viem";
import { generatePrivateKey, privateKeyToAccount } from "viem/accounts";
import { entryPoint07Abi } from "viem/account-abstraction";
import { createOwnerAccount, createSessionAccount, type KernelAccount, sessionPermission } from "../../sdk/accounts.js";
import { localClient } from "../../testkit/testbed/client.js";
import { type DeployClient, deployArtifact, deployTestBed } from "../../testkit/testbed/deploy.js";
import { OPERATION_TTL } from "../../sdk/constants.js";
import { UserOperationError, type UserOperationFailure } from "../../sdk/errors.js";
import { encodeTimeClaim, sessionPolicy } from "../../sdk/policies.js";
import { type Call, type DirectGas, sendUserOperationDirect, type UserOperationResult } from "../../sdk/userops.js";
import type { SessionConfig, SessionSnapshot, SessionStatus, SessionUsed, used } from "./config.js";
import { type ContractName, contractAbis } from "../../sdk/contracts.js";

export * from "./calls.js";
export * from "./config.js";

/*//////////////////////////////////////////////////////////////
                              WORLD
//////////////////////////////////////////////////////////////*/

export type World = Awaited<ReturnType<typeof createWorld>>;

/** A fresh in-process chain with the test bed, SessionPolicy, two tokens and the swap router. */
export async function createWorld() {
  const connection = await network.create();
  // No retries: the in-process chain never fails transiently, and viem would retry the EntryPoint's
  // deliberate revert in getSenderAddress (about a second per account).
  const client = await localClient(custom(connection.provider, { retryCount: 0 }));
  const bed = await deployTestBed({ client, artifacts: hre.artifacts });
  const read = async (name: ContractName) => contractAbis[name] as Abi;
  const abis = {
    policy: await read("SessionPolicy"),
    token: await read("MockLegacyERC20"),
    router: await read("MockSwapRouter"),
  };
  const world = {
    connection,
    helpers: connection.networkHelpers,
    client,
    bed,
    abis,
    errorAbis: [abis.policy, abis.token, abis.router] as Abi[],
    policy: await deployArtifact(client, hre.artifacts, "SessionPolicy"),
    usdc: await deployArtifact(client, hre.artifacts, "MockLegacyERC20", ["Mock USD Coin", "USDC", 6]),
    weth: await deployArtifact(client, hre.artifacts, "MockLegacyERC20", ["Mock Wrapped Ether", "WETH", 18]),
    router: await deployArtifact(client, hre.artifacts, "MockSwapRouter"),
    /** Latest block's timestamp: the chain's "now", from which every claim is made. */
    now: async () => Number((await client.getBlock()).timestamp),
    travelTo: (timestamp: number) => connection.networkHelpers.time.increaseTo(timestamp),
  };
  return world;
}

export async function mint(world: World, token: Address, to: Address, amount: bigint) {
  const hash = await world.client.writeContract({ address: token, abi: world.abis.token, functionName: "mint", args: [to, amount] });
  await world.client.waitForTransactionReceipt({ hash });
}

export async function balanceOf(world: World, token: Address, owner: Address): Promise<bigint> {
  return world.client.readContract({ address: token, abi: erc20Abi, functionName: "balanceOf", args: [owner] });
}

export async function allowanceOf(world: World, token: Address, owner: Address, spender: Address): Promise<bigint> {
  return world.client.readContract({ address: token, abi: erc20Abi, functionName: "allowance", args: [owner, spender] });
}

export const randomAddress = () => privateKeyToAccount(generatePrivateKey()).address;

/*//////////////////////////////////////////////////////////////
                              SESSIONS
//////////////////////////////////////////////////////////////*/

export interface SendOptions {
  /** Mine the operation at this timestamp (and claim it, unless `claim` says otherwise). */
  at?: number;
  /** The time the session key claims; defaults to `at`, else the latest block's timestamp. */
  claim?: number;
  /** Hand-built account calldata instead of encoding the calls. */
  callData?: Hex;
  /** Another view of the same account to sign with (e.g. the session key holder's). */
  account?: KernelAccount;
  /** The deadline the session key signs; defaults to OPERATION_TTL after the claim. */
  deadline?: number;
  /** Who calls handleOps and takes the fees (default: the chain's first account). */
  submitter?: DeployClient;
  /** Gas limits and fees the operation states. */
  gas?: DirectGas;
}

/** A session (permission) of a Kernel account, driven with its session key. */
export class Session {
  private nextClaim?: number;
  private nextDeadline?: number;

  constructor(
    readonly world: World,
    readonly account: KernelAccount,
    readonly owner: LocalAccount,
    readonly sessionKey: LocalAccount,
    readonly config: SessionConfig,
    readonly index: bigint,
  ) {}

  get address(): Address {
    return this.account.address;
  }

  /** Kernel's 4-byte permission id. */
  get permissionId(): Hex {
    return `0x${this.account.kernelPluginManager.getIdentifier().slice(4, 12)}`;
  }

  /** The id as SessionPolicy sees it: the permission id left-aligned in a bytes32. */
  get id(): Hex {
    return pad(this.permissionId, { size: 32, dir: "right" });
  }

  /** Kernel's validation id of the permission (type 0x02 ‖ id, 21 bytes). */
  get validationId(): Hex {
    return pad(concat(["0x02", this.permissionId]), { size: 21, dir: "right" });
  }

  /** The time claim for the operation being signed (read by the account's policySlices). */
  async claimFor(): Promise<number> {
    return this.nextClaim ?? (await this.world.now());
  }

  /** The deadline the session key signs for the operation being signed. */
  async deadlineFor(): Promise<number> {
    return this.nextDeadline ?? (await this.claimFor()) + OPERATION_TTL;
  }

  async send(calls: readonly Call[], opts: SendOptions = {}): Promise<UserOperationResult> {
    if (opts.at !== undefined) await this.world.helpers.time.setNextBlockTimestamp(opts.at);
    this.nextClaim = opts.claim ?? opts.at;
    this.nextDeadline = opts.deadline;
    try {
      return await sendUserOperationDirect({
        submitter: opts.submitter ?? this.world.client,
        account: opts.account ?? this.account,
        calls,
        callData: opts.callData,
        gas: opts.gas,
        abis: this.world.errorAbis,
      });
    } finally {
      this.nextClaim = undefined;
      this.nextDeadline = undefined;
    }
  }

  getSession(): Promise<SessionSnapshot> {
    return this.read("getSession") as Promise<SessionSnapshot>;
  }

  getConfig(): Promise<SessionConfig> {
    return this.read("getConfig") as Promise<SessionConfig>;
  }

  async getStatus(): Promise<SessionStatus> {
    return Number(await this.read("getStatus")) as SessionStatus;
  }

  private read(functionName: "getSession" | "getConfig" | "getStatus") {
    return this.world.client.readContract({ address: this.world.policy, abi: this.world.abis.policy, functionName, args: [this.address, this.id] });
  }

  /** Everything a refused operation must leave as it was. */
  async observe(watch: readonly Address[] = []) {
    const { world } = this;
    const holders = [this.address, ...watch];
    return {
      session: await this.getSession(),
      balances: await Promise.all(
        holders.map(async (h) => [
          await world.client.getBalance({ address: h }),
          await balanceOf(world, world.usdc, h),
          await balanceOf(world, world.weth, h),
        ]),
      ),
      allowances: await Promise.all(
        watch.map((spender) => Promise.all([world.usdc, world.weth].map((t) => allowanceOf(world, t, this.address, spender)))),
      ),
    };
  }
}

export interface OpenOptions {
  owner?: LocalAccount;
  sessionKey?: LocalAccount;
  /** Kernel account index: a new account per index for the same owner. */
  index?: bigint;
  /** USDC minted to the account. */
  usdc?: bigint;
  /** WETH minted to the account. */
  weth?: bigint;
}

/** A session of a new Kernel account (funded); its first operation carries the owner's approval. */
export async function openSession(world: World, config: SessionConfig, opts: OpenOptions = {}): Promise<Session> {
  const owner = opts.owner ?? privateKeyToAccount(generatePrivateKey());
  const sessionKey = opts.sessionKey ?? privateKeyToAccount(generatePrivateKey());
  const index = opts.index ?? 0n;
  let session: Session | undefined;
  const account = await createSessionAccount({
    client: world.client,
    bed: world.bed,
    owner,
    sessionKey,
    index,
    policies: [sessionPolicy(world.policy, world.abis.policy, { ...config })],
    policySlices: async () => [{ index: 0, data: encodeTimeClaim(await session!.claimFor()) }],
    deadline: async () => session!.deadlineFor(),
  });
  session = new Session(world, account, owner, sessionKey, config, index);
  await world.helpers.setBalance(account.address, parseEther("10"));
  if (opts.usdc) await mint(world, world.usdc, account.address, opts.usdc);
  if (opts.weth) await mint(world, world.weth, account.address, opts.weth);
  return session;
}

/** The same account operated with its owner's key (root validator). */
export function ownerAccount(session: Session): Promise<KernelAccount> {
  return createOwnerAccount({ client: session.world.client, bed: session.world.bed, owner: session.owner, index: session.index });
}

/** Sends `calls` signed by the account's owner. */
export async function sendAsOwner(session: Session, calls: readonly Call[]): Promise<UserOperationResult> {
  return sendUserOperationDirect({
    submitter: session.world.client,
    account: await ownerAccount(session),
    calls,
    abis: session.world.errorAbis,
  });
}

/** Kernel's data for the session's permission: abi.encode(bytes[]), the policy's entry then the signer's. */
export async function permissionData(session: Session, config: SessionConfig = session.config): Promise<Hex> {
  const { world } = session;
  const permission = await sessionPermission({
    client: world.client,
    bed: world.bed,
    sessionKey: session.sessionKey,
    policies: [sessionPolicy(world.policy, world.abis.policy, { ...config })],
    permissionId: session.permissionId,
  });
  return permission.getEnableData(session.address);
}

/** The owner's call uninstalling the session's permission from Kernel (one deinit entry per module). */
export async function uninstallCall(session: Session): Promise<Call> {
  return {
    to: session.address,
    data: encodeFunctionData({
      abi: KernelV3_1AccountAbi,
      functionName: "uninstallValidation",
      args: [session.validationId, await permissionData(session), "0x"],
    }),
  };
}

/**
 * The owner's call installing the session's permission id again with `config`, without enable mode.
 * Kernel wants the next validation nonce when this id already holds the current one.
 */
export async function installCall(session: Session, config: SessionConfig): Promise<Call> {
  const read = <T>(functionName: "currentNonce" | "validationConfig", args: readonly unknown[] = []) =>
    session.world.client.readContract({ address: session.address, abi: KernelV3_1AccountAbi, functionName, args } as never) as Promise<T>;
  const current = await read<number>("currentNonce");
  const stored = (await read<{ nonce: number }>("validationConfig", [session.validationId])).nonce;
  return {
    to: session.address,
    data: encodeFunctionData({
      abi: KernelV3_1AccountAbi,
      functionName: "installValidations",
      args: [
        [session.validationId],
        [{ nonce: stored === current ? current + 1 : current, hook: zeroAddress }],
        [await permissionData(session, config)],
        ["0x"],
      ],
    }),
  };
}

/*//////////////////////////////////////////////////////////////
                        REFUSALS AND EVENTS
//////////////////////////////////////////////////////////////*/

export interface ExpectedRefusal {
  /** EntryPoint code; AA23 (validation reverted) unless said otherwise. */
  code?: string;
  /** Decoded error name and arguments (omitted for EntryPoint-only refusals such as AA22). */
  error?: string;
  args?: readonly unknown[];
}

/**
 * Sends an operation that must be refused, checks the decoded reason, and that nothing changed:
 * the session's views, the balances of the account and of `watch`, the account's allowances to `watch`.
 */
export async function expectRefused(
  session: Session,
  calls: readonly Call[],
  expected: ExpectedRefusal,
  opts: SendOptions & { watch?: readonly Address[] } = {},
): Promise<UserOperationFailure> {
  const before = await session.observe(opts.watch);
  let failure: UserOperationFailure | undefined;
  try {
    await session.send(calls, opts);
  } catch (err) {
    expect(err).to.be.instanceOf(UserOperationError);
    failure = (err as UserOperationError).failure;
  }
  if (!failure) expect.fail("the operation was accepted");
  expect(failure.code, failure.message).to.equal(expected.code ?? "AA23");
  if (expected.error) {
    expect(failure.error, failure.message).to.deep.equal({ name: expected.error, args: expected.args ?? [] });
  } else {
    expect(failure.error, failure.message).to.equal(undefined);
  }
  expect(await session.observe(opts.watch)).to.deep.equal(before);
  return failure;
}

export function sessionEvents(world: World, result: UserOperationResult) {
  const logs = parseEventLogs({ abi: world.abis.policy, logs: result.receipt.logs });
  const named = (name: string) => logs.filter((l) => (l as { eventName?: string }).eventName === name).map((l) => (l as unknown as { args: unknown }).args);
  return {
    used: named("SessionUsed") as SessionUsed[],
    registered: named("SessionRegistered") as { account: Address; id: Hex; config: SessionConfig }[],
    revoked: named("SessionRevoked") as { account: Address; id: Hex }[],
  };
}

/** The operation emitted exactly these SessionUsed events (account, id and nonce filled in). */
export function expectUsed(session: Session, result: UserOperationResult, expected: ReturnType<typeof used>[]) {
  const nonce = operationNonce(result);
  expect(sessionEvents(session.world, result).used).to.deep.equal(
    expected.map((e) => ({ account: session.address, id: session.id, nonce, ...e })),
  );
}

/** The nonce of the operation a result comes from (SessionUsed carries it). */
export function operationNonce(result: UserOperationResult): bigint {
  const [event] = parseEventLogs({ abi: entryPoint07Abi, eventName: "UserOperationEvent", logs: result.receipt.logs });
  if (!event) throw new Error("no UserOperationEvent in the receipt");
  return event.args.nonce;
}
