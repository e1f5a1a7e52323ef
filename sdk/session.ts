// A session's whole life: a key made locally, the owner's one approval, operations signed by the
// session key, its status read from the policy's views, and the owner's revocation.
import { toPermissionValidator } from "@zerodev/permissions";
import { toEmptyECDSASigner } from "@zerodev/permissions/signers";
import { KernelV3_1AccountAbi } from "@zerodev/sdk";
import { toKernelPluginManager } from "@zerodev/sdk/accounts";
import {
  type Abi,
  type Address,
  type Client,
  type Hex,
  type LocalAccount,
  type PublicClient,
  concat,
  decodeAbiParameters,
  encodeAbiParameters,
  encodeFunctionData,
  getAddress,
  isHex,
  pad,
  zeroAddress,
} from "viem";
import { generatePrivateKey, privateKeyToAccount } from "viem/accounts";
import { z } from "zod";
import { sessionPolicyAbi } from "./contracts.js";
import { BUNDLER_MARGINS, type BundlerMargins, ClaimError, type ClaimChoice, chooseClaim, claimRange, NO_MARGINS, sessionClaimSchedule, withSkew } from "./claim.js";
import { createKernel, createOwnerAccount, type KernelAccount, type KernelAddresses, ownerValidator, sessionPermission } from "./accounts.js";
import { ENTRY_POINT, KERNEL_VERSION } from "./constants.js";
import { chainNow, NO_CALL_LIMIT, NO_WINDOW, type SessionStatusName, limitedAmount, statusName } from "./rules.js";
import type { Deployments } from "./deployments.js";
import { explainFailure, type Refusal, UserOperationError } from "./errors.js";
import { encodeTimeClaim, leashPolicy, policyConfigType } from "./policies.js";
import { addressSchema, type ReadClient, type ResolvedSession, type SessionConfig, type TokenInfo, readTokenInfo, resolveSessionRequest } from "./request.js";
import { type Call, type DeployClient, sendUserOperationDirect, sendUserOperationViaBundler, type UserOperationResult } from "./userops.js";

/** The chain a session lives on: a client and where our contracts are. */
export interface LeashChain {
  client: DeployClient;
  deployments: Deployments;
}

/**
 * Enough of a chain to read a session's state and build calls: any client of it, with or without an
 * account (the API's read-only client will do).
 */
export interface LeashReader {
  client: Client & Pick<PublicClient, "getCode" | "readContract" | "getBlock">;
  deployments: Deployments;
}

/** How an operation reaches the chain: a bundler URL, or straight to the EntryPoint from `client`. */
/** Where operations go: a bundler (with the time margins it wants; default BUNDLER_MARGINS), or the EntryPoint. */
export type Transport = { bundlerUrl: string; margins?: BundlerMargins } | { direct: true };

/** Where Kernel and Leash's modules are on a chain, from its deployments file. */
export function kernelAddresses(d: Deployments): KernelAddresses {
  return {
    kernelImplementation: d.contracts.KernelImplementation.address,
    kernelFactory: d.contracts.KernelFactory.address,
    factoryStaker: d.contracts.FactoryStaker.address,
    ownerValidator: d.contracts.OwnerValidator.address,
    sessionKeySigner: d.contracts.SessionKeySigner.address,
  };
}

const abis: Abi[] = [sessionPolicyAbi as Abi];

/*//////////////////////////////////////////////////////////////
                              CREATE
//////////////////////////////////////////////////////////////*/

/** A new session key pair, made locally. The private key goes to the executor only. */
export function createSessionKey(): { privateKey: Hex; address: Address } {
  const privateKey = generatePrivateKey();
  return { privateKey, address: privateKeyToAccount(privateKey).address };
}

/** A resolved request, with the permission the owner is asked to approve. */
export interface PreparedSession extends ResolvedSession {
  account: Address;
  sessionKeyAddress: Address;
  /** Kernel's permission id (bytes4); SessionPolicy sees it left-aligned in a bytes32. */
  permissionId: Hex;
  /** SessionPolicy's install data: abi.encode(SessionConfig). */
  policy: { address: Address; data: Hex };
  /** Kernel's install data of the whole permission: the policy's entry, then the signer's. */
  permissionData: Hex;
}

/** The claim's time: without one, the chain's latest block time (the EntryPoint's own check, no margins). */
type ClaimSource = () => Promise<number | bigint>;

function permissionFor(
  chain: LeashReader,
  sessionKey: Address | LocalAccount,
  policy: { address: Address; data: Hex },
  permissionId?: Hex,
  claim: ClaimSource = async () => (await chain.client.getBlock()).timestamp,
) {
  const addresses = kernelAddresses(chain.deployments);
  if (typeof sessionKey === "string") {
    return toPermissionValidator(chain.client as Parameters<typeof toPermissionValidator>[0], {
      signer: toEmptyECDSASigner(sessionKey, addresses.sessionKeySigner),
      policies: [leashPolicy(policy.address, policy.data)],
      entryPoint: ENTRY_POINT,
      kernelVersion: KERNEL_VERSION,
      permissionId,
    });
  }
  return sessionPermission({
    client: chain.client,
    bed: addresses,
    sessionKey,
    policies: [leashPolicy(policy.address, policy.data)],
    permissionId,
    // The claim, which the policy turns into validity bounds (sdk/claim.ts chooses it for a bundler).
    policySlices: async () => [{ index: 0, data: encodeTimeClaim(await claim()) }],
  });
}

/** SessionPolicy's install data for `config`: abi.encode(SessionConfig). */
export function sessionPolicyData(config: SessionConfig): Hex {
  return encodeAbiParameters([policyConfigType(sessionPolicyAbi as Abi)], [config]);
}

/** Validates a session request against the chain and builds the permission to approve. */
export async function prepareSession(chain: LeashChain, request: unknown): Promise<PreparedSession> {
  const resolved = await resolveSessionRequest(chain.client, request);
  const policy = { address: chain.deployments.contracts.SessionPolicy.address, data: sessionPolicyData(resolved.config) };
  const permission = await permissionFor(chain, resolved.request.sessionKeyAddress, policy);
  return {
    ...resolved,
    account: resolved.request.walletAddress,
    sessionKeyAddress: resolved.request.sessionKeyAddress,
    permissionId: permission.getIdentifier(),
    policy,
    permissionData: await permission.getEnableData(resolved.request.walletAddress),
  };
}

/*//////////////////////////////////////////////////////////////
                             APPROVE
//////////////////////////////////////////////////////////////*/

const hex = z.string().refine((v) => isHex(v), { message: "must be 0x-prefixed hex" }).transform((v) => v as Hex);
const address = addressSchema;

/** What the owner approved, in a form that can be stored or sent to the executor (no private key). */
export const approvalSchema = z.object({
  version: z.literal(1),
  chainId: z.number().int().positive(),
  account: address,
  /** The account's index under its owner (the factory salt), for deploying it on first use. */
  index: z.string().regex(/^\d+$/),
  permissionId: hex.refine((v) => v.length === 10, { message: "must be 4 bytes" }),
  sessionKey: address,
  policy: z.object({ address, data: hex }),
  /** The owner's EIP-712 signature enabling the permission (Kernel's enable mode). */
  enableSignature: hex,
  /** The root validator's install data, for deploying the account on first use. */
  rootValidator: z.object({ validatorAddress: address, identifier: hex, enableData: hex }),
  tokens: z.array(z.object({ address, symbol: z.string(), decimals: z.number().int().min(0).max(255) })),
  validAfter: z.number().int(),
  validUntil: z.number().int(),
});
export type Approval = z.output<typeof approvalSchema>;

export class ApprovalError extends Error {
  override name = "ApprovalError";
}

/**
 * The owner approves a prepared session with one signature. The account must be the owner's Kernel
 * account at `index` (checked). The approval carries no secret: the session key's private key stays
 * with whoever made it.
 */
export async function approveSession(
  chain: LeashChain,
  opts: { prepared: PreparedSession; owner: LocalAccount; index?: bigint },
): Promise<Approval> {
  const { prepared, owner } = opts;
  const index = opts.index ?? 0n;
  const addresses = kernelAddresses(chain.deployments);
  const regular = await permissionFor(chain, prepared.sessionKeyAddress, prepared.policy, prepared.permissionId);
  const account = await createKernel(chain.client, addresses, {
    index,
    plugins: { sudo: await ownerValidator(chain.client, addresses, owner), regular },
  });
  if (account.address !== prepared.account) {
    throw new ApprovalError(
      `walletAddress ${prepared.account} is not this owner's account at index ${index} (that is ${account.address})`,
    );
  }
  const enableSignature = await account.kernelPluginManager.getPluginEnableSignature(account.address);
  const rootValidator = await account.kernelPluginManager.getValidatorInitData();
  return approvalSchema.parse({
    version: 1,
    chainId: chain.deployments.chainId,
    account: account.address,
    index: index.toString(),
    permissionId: prepared.permissionId,
    sessionKey: prepared.sessionKeyAddress,
    policy: prepared.policy,
    enableSignature,
    rootValidator,
    tokens: prepared.tokens,
    validAfter: prepared.config.validAfter,
    validUntil: prepared.config.validUntil,
  });
}

/**
 * The approval a signature made elsewhere amounts to: the owner signed the Enable typed data of a
 * prepared session (a wallet on the approval page, verified and stored by the API), and whoever
 * holds the session key needs the same Approval that approveSession would have made. `owner` is the
 * address the account's OwnerValidator holds; `index`, the account's index under it.
 */
export function approvalFromSignature(
  chain: LeashChain,
  opts: {
    account: Address;
    owner: Address;
    index?: bigint;
    permissionId: Hex;
    sessionKey: Address;
    policy: { address: Address; data: Hex };
    signature: Hex;
    tokens: Approval["tokens"];
    validAfter: number;
    validUntil: number;
  },
): Approval {
  const validator = kernelAddresses(chain.deployments).ownerValidator;
  return approvalSchema.parse({
    version: 1,
    chainId: chain.deployments.chainId,
    account: opts.account,
    index: (opts.index ?? 0n).toString(),
    permissionId: opts.permissionId,
    sessionKey: opts.sessionKey,
    policy: opts.policy,
    enableSignature: opts.signature,
    // As the ECDSA validator's plugin describes itself: Kernel's validation id (0x01 ‖ address)
    // and the owner, the install data.
    rootValidator: { validatorAddress: validator, identifier: concat(["0x01", validator]), enableData: getAddress(opts.owner) },
    tokens: opts.tokens,
    validAfter: opts.validAfter,
    validUntil: opts.validUntil,
  });
}

export function serializeApproval(approval: Approval): string {
  return JSON.stringify(approvalSchema.parse(approval));
}

/** Parses a stored approval; the error names the bad field. */
export function parseApproval(text: string): Approval {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch {
    throw new ApprovalError("the approval is not JSON");
  }
  const parsed = approvalSchema.safeParse(raw);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    throw new ApprovalError(`invalid approval: ${issue.path.join(".") || "(root)"}: ${issue.message}`);
  }
  return parsed.data;
}

/*//////////////////////////////////////////////////////////////
                             EXECUTE
//////////////////////////////////////////////////////////////*/

/**
 * The owner's account as the session key operates it, rebuilt from an approval and the session's
 * private key. Its first operation carries the approval (enable mode) and deploys the account if needed.
 */
/** The session key's account, if `sessionPrivateKey` is the approval's session key (else ApprovalError). */
function sessionKeyOf(approval: Approval, sessionPrivateKey: Hex): LocalAccount {
  const sessionKey = privateKeyToAccount(sessionPrivateKey);
  if (sessionKey.address !== approval.sessionKey) {
    throw new ApprovalError(`this private key is for ${sessionKey.address}, but the approval is for session key ${approval.sessionKey}`);
  }
  return sessionKey;
}

export async function restoreSessionAccount(
  chain: LeashChain,
  approval: Approval,
  sessionPrivateKey: Hex,
  /** The time its operations claim (usableClaim chooses one for a bundler); default: the chain's latest block time. */
  opts: { claim?: number } = {},
): Promise<KernelAccount> {
  const sessionKey = sessionKeyOf(approval, sessionPrivateKey);
  if (approval.chainId !== chain.deployments.chainId) {
    throw new ApprovalError(`the approval is for chain ${approval.chainId}, not ${chain.deployments.chainId}`);
  }
  const addresses = kernelAddresses(chain.deployments);
  const claim = opts.claim;
  const regular = await permissionFor(chain, sessionKey, approval.policy, approval.permissionId, claim === undefined ? undefined : async () => claim);
  const plugins = await toKernelPluginManager(chain.client as Parameters<typeof toKernelPluginManager>[0], {
    regular,
    pluginEnableSignature: approval.enableSignature,
    validatorInitData: approval.rootValidator,
    entryPoint: ENTRY_POINT,
    kernelVersion: KERNEL_VERSION,
  });
  return createKernel(chain.client, addresses, {
    index: BigInt(approval.index),
    address: approval.account,
    plugins,
  });
}

/** A session's operation was refused or failed; `refusal` says what was exceeded, with the numbers. */
export class SessionOperationError extends Error {
  override name = "SessionOperationError";
  constructor(readonly refusal: Refusal, readonly failure: UserOperationError) {
    super(refusal.message, { cause: failure });
  }
}

async function send(chain: LeashChain, account: KernelAccount, calls: readonly Call[], via: Transport, maxCost?: bigint): Promise<UserOperationResult> {
  return "bundlerUrl" in via
    ? sendUserOperationViaBundler({ account, bundlerUrl: via.bundlerUrl, client: chain.client, calls, abis, maxCost })
    : sendUserOperationDirect({ submitter: chain.client, account, calls, abis });
}

/** The SessionConfig an approval installs (decoded from its policy data). */
export function approvalConfig(approval: Pick<Approval, "policy">): SessionConfig {
  const [config] = decodeAbiParameters([policyConfigType(sessionPolicyAbi as Abi)], approval.policy.data);
  return config as SessionConfig;
}

const BLOCK_POLL_MS = 250;

/** The margins a claim for `via` keeps: the bundler's, plus a second of clock skew each side; none straight to the EntryPoint. */
export function marginsOf(via: Transport): BundlerMargins {
  return "bundlerUrl" in via ? withSkew(via.margins ?? BUNDLER_MARGINS) : NO_MARGINS;
}

/**
 * The claim for an operation of `approval` sent through `via` now, after waiting (at most
 * `maxWaitSeconds`) for a moment a bundler accepts: not the first seconds of a window or period, nor
 * its last ~30 s. "Now" is the later of this machine's clock and the chain's latest block (a bundler
 * judges by its own clock). Straight to the EntryPoint: the chain's latest block time, no wait.
 * Throws ClaimError, saying when an operation can be sent, if that is further away.
 */
export async function usableClaim(
  chain: LeashReader,
  approval: Pick<Approval, "policy">,
  via: Transport,
  opts: {
    maxWaitSeconds?: number;
    sleep?: (ms: number) => Promise<void>;
    /** A time "now" is at least: the bundler's clock as its last refusal reported it. */
    notBefore?: number;
  } = {},
): Promise<ClaimChoice> {
  const latest = Number((await chain.client.getBlock()).timestamp);
  const schedule = sessionClaimSchedule(approvalConfig(approval));
  // Straight to the EntryPoint: the block's time decides, and the policy explains a refusal.
  if (!("bundlerUrl" in via)) return { claim: latest, waitSeconds: 0, ...claimRange(schedule, latest) };
  const now = Math.max(chainNow(latest), opts.notBefore ?? 0);
  const choice = chooseClaim(schedule, now, marginsOf(via));
  const maxWait = opts.maxWaitSeconds ?? 60;
  if (choice.waitSeconds > maxWait) {
    throw new ClaimError(`no operation of this session can be sent before ${new Date(choice.claim * 1000).toISOString()} (in ${choice.waitSeconds} s)`, choice.claim);
  }
  const sleep = opts.sleep ?? ((ms) => new Promise<void>((r) => setTimeout(r, ms)));
  if (choice.waitSeconds > 0) await sleep(choice.waitSeconds * 1000);
  // The bundler estimates and simulates at the chain's latest block, where the EntryPoint refuses a
  // range not yet begun: after a boundary, wait (a block time or so) for a block inside the new range.
  for (let head = latest, waited = 0; head < choice.validAfter && waited < maxWait * 1000; waited += BLOCK_POLL_MS) {
    await sleep(BLOCK_POLL_MS);
    head = Number((await chain.client.getBlock({ blockTag: "latest" })).timestamp);
  }
  return choice;
}

/**
 * Sends `calls` signed by the session key; a refusal is thrown as SessionOperationError. Through a
 * bundler it first waits for a claim the bundler accepts (usableClaim). The claim is chosen before the
 * operation is estimated and signed; should that take longer than the second of skew allowed, so that
 * the bundler refuses its time range, nothing was spent: the claim is chosen again from the bundler's
 * clock (waiting for the next window if it must) and the operation sent once more (`attempts`: 2).
 */
export async function executeWithSession(
  chain: LeashChain,
  opts: { approval: Approval; sessionPrivateKey: Hex; calls: readonly Call[]; via: Transport; maxWaitSeconds?: number },
): Promise<UserOperationResult & { claim: ClaimChoice; attempts: number }> {
  sessionKeyOf(opts.approval, opts.sessionPrivateKey);
  const cap = approvalConfig(opts.approval).maxFeePerOperation;
  let notBefore: number | undefined;
  for (let attempts = 1; ; attempts++) {
    const claim = await usableClaim(chain, opts.approval, opts.via, { maxWaitSeconds: opts.maxWaitSeconds, notBefore });
    const account = await restoreSessionAccount(chain, opts.approval, opts.sessionPrivateKey, { claim: claim.claim });
    try {
      return { ...(await send(chain, account, opts.calls, opts.via, cap === 0n ? undefined : cap)), claim, attempts };
    } catch (error) {
      if (!(error instanceof UserOperationError)) throw error;
      const refusal = explainFailure(error.failure, opts.approval.tokens);
      if (refusal.kind === "time-range" && "bundlerUrl" in opts.via && attempts < TIME_RANGE_ATTEMPTS) {
        const bundlerTime = Number(refusal.details.bundlerTime);
        notBefore = Number.isFinite(bundlerTime) ? bundlerTime + 1 : undefined;
        continue;
      }
      throw new SessionOperationError(refusal, error);
    }
  }
}

/** Sends of one operation whose time range a bundler refused (the claim is chosen anew for each). */
const TIME_RANGE_ATTEMPTS = 2;

/*//////////////////////////////////////////////////////////////
                              STATUS
//////////////////////////////////////////////////////////////*/

export interface TokenStatus {
  token: Address;
  symbol?: string;
  decimals?: number;
  /** null = no such limit. */
  perTransaction: bigint | null;
  remainingTotal: bigint | null;
  remainingInPeriod: bigint | null;
  periodIndex: number;
  refillsAt: number | null;
}

export interface SessionStatus {
  account: Address;
  permissionId: Hex;
  status: SessionStatusName;
  validAfter: number;
  validUntil: number | null;
  callsLeftInWindow: number | null;
  windowEndsAt: number | null;
  callsLeft: number | null;
  /** What remains of the gas fee budget (wei); null without a budget. */
  feeLeft: bigint | null;
  tokens: TokenStatus[];
  config: SessionConfig;
  /** Whether Kernel holds the permission (false before its first use and after revocation). */
  installed: boolean;
  blockNumber: bigint;
}

import type { SessionSnapshot } from "./contracts.js";
export type { SessionSnapshot };


/** The session's status and what remains, read from SessionPolicy's views at the latest block. */
export async function getSession(
  chain: LeashChain,
  opts: { account: Address; permissionId: Hex; tokens?: readonly TokenInfo[] },
): Promise<SessionStatus> {
  const policy = chain.deployments.contracts.SessionPolicy.address;
  const id = pad(opts.permissionId, { size: 32, dir: "right" });
  const blockNumber = await chain.client.getBlockNumber();
  const read = <T>(functionName: string, address: Address, abi: Abi, args: readonly unknown[]) =>
    chain.client.readContract({ address, abi, functionName, args, blockNumber } as never) as Promise<T>;
  const [snapshot, config, installed] = await Promise.all([
    read<SessionSnapshot>("getSession", policy, sessionPolicyAbi as Abi, [opts.account, id]),
    read<SessionConfig>("getConfig", policy, sessionPolicyAbi as Abi, [opts.account, id]),
    isInstalled(chain, opts.account, opts.permissionId, blockNumber),
  ]);
  // Symbols and decimals: from the caller, else from the token itself (none when it does not answer).
  const infos = await Promise.all(
    snapshot.tokens.map(
      (t) =>
        opts.tokens?.find((k) => k.address.toLowerCase() === t.token.toLowerCase()) ??
        readTokenInfo(chain.client as ReadClient, t.token).catch(() => undefined),
    ),
  );
  return {
    account: opts.account,
    permissionId: opts.permissionId,
    status: statusName(snapshot.status),
    validAfter: snapshot.validAfter,
    validUntil: snapshot.validUntil === 0 ? null : snapshot.validUntil,
    callsLeftInWindow: snapshot.callsLeftInWindow === NO_WINDOW ? null : snapshot.callsLeftInWindow,
    windowEndsAt: snapshot.callsLeftInWindow === NO_WINDOW ? null : snapshot.windowEndsAt,
    callsLeft: snapshot.callsLeft === NO_CALL_LIMIT ? null : snapshot.callsLeft,
    feeLeft: limitedAmount(snapshot.feeLeft),
    tokens: snapshot.tokens.map((t, i) => {
      const info = infos[i];
      return {
        token: t.token,
        symbol: info?.symbol,
        decimals: info?.decimals,
        perTransaction: limitedAmount(t.perTransaction),
        remainingTotal: limitedAmount(t.remainingTotal),
        remainingInPeriod: limitedAmount(t.remainingInPeriod),
        periodIndex: t.periodIndex,
        refillsAt: t.refillsAt === 0 ? null : t.refillsAt,
      };
    }),
    config: { ...config, signatureSenders: [...config.signatureSenders], calls: [...config.calls], tokens: [...config.tokens] },
    installed,
    blockNumber,
  };
}

/** Kernel's validation id of a permission: type 0x02 ‖ permission id, 21 bytes. */
export function validationId(permissionId: Hex): Hex {
  return pad(concat(["0x02", permissionId]), { size: 21, dir: "right" });
}

async function isInstalled(chain: LeashReader, account: Address, permissionId: Hex, blockNumber?: bigint): Promise<boolean> {
  const code = await chain.client.getCode({ address: account, blockNumber });
  if (!code || code === "0x") return false;
  const config = (await chain.client.readContract({
    address: account,
    abi: KernelV3_1AccountAbi,
    functionName: "validationConfig",
    args: [validationId(permissionId)],
    blockNumber,
  } as never)) as { hook: Address };
  return config.hook !== zeroAddress;
}

/*//////////////////////////////////////////////////////////////
                              REVOKE
//////////////////////////////////////////////////////////////*/

/** What a revocation needs to know of a session: where it lives and what it was installed with. */
export interface RevocationTarget {
  account: Address;
  /** Kernel's permission id (bytes4). */
  permissionId: Hex;
  sessionKey: Address;
  /** SessionPolicy's install data: abi.encode(SessionConfig). */
  policy: { address: Address; data: Hex };
}

/** The owner's call ending a session, to be sent from the account itself (a self-call). */
export interface PreparedRevocation {
  account: Address;
  permissionId: Hex;
  method: "uninstall" | "invalidate-nonce";
  call: { to: Address; data: Hex };
}

/**
 * The owner's call ending a session, read from the chain at its latest block. A permission Kernel
 * holds is uninstalled (SessionPolicy clears it and emits SessionRevoked). An approval never used
 * cannot be uninstalled: the owner invalidates Kernel's current validation nonce instead, which
 * cancels every approval signed before it that has not been used yet. Reads only: nothing is signed.
 */
export async function prepareRevocation(chain: LeashReader, target: RevocationTarget): Promise<PreparedRevocation> {
  const { account, permissionId } = target;
  if (await isInstalled(chain, account, permissionId)) {
    const permission = await permissionFor(chain, target.sessionKey, target.policy, permissionId);
    const data = encodeFunctionData({
      abi: KernelV3_1AccountAbi,
      functionName: "uninstallValidation",
      args: [validationId(permissionId), await permission.getEnableData(account), "0x"],
    });
    return { account, permissionId, method: "uninstall", call: { to: account, data } };
  }
  const deployed = (await chain.client.getCode({ address: account })) ?? "0x";
  const current =
    deployed === "0x" ? 1 : ((await chain.client.readContract({ address: account, abi: KernelV3_1AccountAbi, functionName: "currentNonce" } as never)) as number);
  const data = encodeFunctionData({ abi: KernelV3_1AccountAbi, functionName: "invalidateNonce", args: [current + 1] });
  return { account, permissionId, method: "invalidate-nonce", call: { to: account, data } };
}

/** The owner's operation ending a session (see prepareRevocation), sent with the owner's key. */
export async function revokeSession(
  chain: LeashChain,
  opts: { approval: Approval; owner: LocalAccount; via: Transport },
): Promise<UserOperationResult & { method: "uninstall" | "invalidate-nonce" }> {
  const { approval } = opts;
  const addresses = kernelAddresses(chain.deployments);
  const account = await createOwnerAccount({ client: chain.client, bed: addresses, owner: opts.owner, index: BigInt(approval.index) });
  if (account.address !== approval.account) {
    throw new ApprovalError(`this owner's account at index ${approval.index} is ${account.address}, not ${approval.account}`);
  }
  const { method, call } = await prepareRevocation(chain, approval);
  const result = await send(chain, account, [call], opts.via);
  return { ...result, method };
}
