// The chat backend's side of a stored session request: what whoever holds the session key builds
// from the approved request the API returns (the SDK's Approval), and the owner's wallet signing the
// typed data as eth_signTypedData_v4 would.
import type { Address, Hex, LocalAccount } from "viem";
import type { SessionRequestView } from "../api/responses.js";
import { type Approval, type LeashChain, approvalFromSignature } from "../sdk/session.js";

/**
 * An owner a person can sign with on a local chain: Hardhat's development account #1, whose key is
 * published with Hardhat and known to local wallet set-ups (never use it on a real network).
 */
export const DEV_OWNER_KEY = "0x59c6995e998f97a5a0044966f0945389dc9e86dae88c7a8412f4603b6b78690d";

/** The owner's signature of a request's typed data (the JSON carries the nonce as it was read). */
export function signRequest(owner: LocalAccount, typedData: SessionRequestView["toSign"]["typedData"]): Promise<Hex> {
  const typed = typedData as Parameters<LocalAccount["signTypedData"]>[0] & { message: { nonce: unknown } };
  return owner.signTypedData({ ...typed, message: { ...typed.message, nonce: Number(typed.message.nonce) } });
}

/**
 * What the session key's holder builds from a stored request and the owner's signature (the
 * request's own, once approved): the SDK's approval, whose root validator data deploys the account
 * on its first operation if it has no code yet.
 */
export function approvalOfRequest(
  leash: LeashChain,
  request: SessionRequestView,
  signed: { signer: Address; signature: Hex } | null = request.approval,
): Approval {
  if (!signed) throw new Error(`session request ${request.id} is ${request.status}, not approved`);
  return approvalFromSignature(leash, {
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
