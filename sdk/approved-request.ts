// The SDK's Approval from a session request the API stored and the owner approved: what whoever
// holds the session key (a chat backend, the executor) builds from GET /v1/session-requests/:id.
import type { Address, Hex } from "viem";
import { type Approval, type LeashChain, approvalFromSignature } from "./session.js";

/** The fields of the API's stored request (api/responses.ts sessionRequestSchema) an approval needs. */
export interface ApprovedRequest {
  id: string;
  status: string;
  toSign: { account: Address; permissionId: Hex; sessionKey: Address; policy: { address: Address; data: Hex } };
  session: { tokens: Approval["tokens"]; validAfter: { unix: number }; expiresAt: { unix: number } };
  approval: { signer: Address; signature: Hex } | null;
}

/**
 * The approval a stored request amounts to, once signed (by default, the request's own signature):
 * its root validator data deploys the account on its first operation if it has no code yet.
 */
export function approvalOfRequest(
  chain: LeashChain,
  request: ApprovedRequest,
  signed: { signer: Address; signature: Hex } | null = request.approval,
): Approval {
  if (!signed) throw new Error(`session request ${request.id} is ${request.status}, not approved`);
  return approvalFromSignature(chain, {
    account: request.toSign.account,
    owner: signed.signer,
    permissionId: request.toSign.permissionId,
    sessionKey: request.toSign.sessionKey,
    policy: request.toSign.policy,
    signature: signed.signature,
    tokens: request.session.tokens,
    validAfter: request.session.validAfter.unix,
    validUntil: request.session.expiresAt.unix,
  });
}
