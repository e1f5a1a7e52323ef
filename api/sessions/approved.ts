// Sessions the owner approved whose first operation has not reached the chain yet. Kernel registers
// a session only when its first operation enables it, so until then the stored request is all there
// is: the session is shown from the configuration the owner signed, as SessionPolicy will start it
// (sdk/rules.ts registeredSession), under the same permission id it will have on chain.
import { type Hex, getAddress, zeroHash } from "viem";
import { timestamp } from "../../sdk/describe.js";
import { registeredSession } from "../../sdk/rules.js";
import { approvalConfig } from "../../sdk/session.js";
import type { Explanation, SessionView } from "../responses.js";
import type { RequestRow } from "../store/requests.js";
import { type SessionHeader, type SessionRow, policyId } from "./index-reads.js";

const json = <T>(value: T): unknown => JSON.parse(JSON.stringify(value, (_, v) => (typeof v === "bigint" ? v.toString() : v)));

/**
 * Whether the index holds the session of an approved request: a registration of its permission id
 * made after the request was created (the permission id commits to the session key and the
 * policy's configuration, so an older registration is an earlier approval of the same session).
 */
export function registeredAfter(request: Pick<RequestRow, "permissionId" | "createdAt">, header: Pick<SessionHeader, "permissionId" | "createdTimestamp">): boolean {
  return header.permissionId === policyId(request.permissionId as Hex) && Number(header.createdTimestamp) >= Math.floor(request.createdAt.getTime() / 1000);
}

/** The Kernel validation nonce the owner's Enable signature commits to. */
export function signedNonce(request: RequestRow): number {
  const typed = (request.explanation as Explanation).toSign.typedData as { message: { nonce?: unknown } };
  return Number(typed.message.nonce);
}

/**
 * An approval Kernel will no longer accept: its Enable signature commits to the account's validation
 * nonce at signing, and Kernel enables a permission only while that is still the account's current
 * nonce. The owner's revocation of an unused approval moves it (invalidateNonce). An account not
 * deployed yet (`currentNonce` null) has cancelled nothing.
 */
export function cancelled(request: RequestRow, currentNonce: number | null): boolean {
  return currentNonce !== null && currentNonce !== signedNonce(request);
}

/**
 * The session of an approved request as the index will hold it after its first operation: its
 * configuration, nothing used, not revoked (or, once cancelled, revoked: nothing remains).
 */
export function approvedSessionRow(request: RequestRow, isCancelled: boolean): SessionRow {
  const explanation = request.explanation as Explanation;
  const config = approvalConfig({ policy: explanation.toSign.policy });
  const approvedAt = Math.floor((request.approvedAt ?? request.createdAt).getTime() / 1000);
  return {
    account: request.account as Hex,
    // Read through a chain's reads (RequestReads.forChain), which return that chain's rows only.
    chainId: request.chainId!,
    permissionId: policyId(request.permissionId as Hex),
    registration: 0,
    sessionKey: request.sessionKey as Hex,
    status: isCancelled ? "revoked" : "active",
    ...registeredSession(config),
    config: json(config),
    calls: json(config.calls) as SessionRow["calls"],
    tokens: json(config.tokens) as SessionRow["tokens"],
    createdBlock: 0n,
    createdTimestamp: BigInt(approvedAt),
    createdTransactionHash: zeroHash,
    createdLogIndex: 0,
    spends: [],
    executions: [],
  };
}

/** What a session view says of the request it came through. */
export function requestLink(request: RequestRow): NonNullable<SessionView["request"]> {
  const at = (d: Date) => timestamp(Math.floor(d.getTime() / 1000))!;
  return {
    id: request.id,
    approvalUrl: `/approve/${request.id}`,
    approvedAt: request.approvedAt ? at(request.approvedAt) : null,
    signer: request.signer ? getAddress(request.signer) : null,
    failure: request.failedAt && request.failureReason ? { reason: request.failureReason, at: at(request.failedAt), count: request.failureCount } : null,
  };
}

/**
 * The view of an approved session not on chain yet, from the view its configuration gives at this
 * moment: "approved" while it may still start (its validity has not ended), else what it became.
 */
export function approvedView(view: SessionView, request: RequestRow): SessionView {
  const link = requestLink(request);
  const waiting = view.status === "active" || view.status === "pending";
  const status = waiting ? "approved" : view.status;
  const text = waiting
    ? link.failure
      ? `Approved; its first operation failed (${link.failure.reason}) and can be tried again`
      : "Approved, waiting for its first operation"
    : view.status === "revoked"
      ? "Revoked before its first operation"
      : view.status === "expired"
        ? "Expired before its first operation"
        : view.display.status;
  return { ...view, status, registration: null, approved: null, request: link, display: { ...view.display, status: text } };
}
