// The chat backend's side of a stored session request: the SDK's Approval from the approved request
// the API returns (sdk/approved-request.ts), the owner's wallet signing the typed data as
// eth_signTypedData_v4 would, and a request left waiting for its owner (npm start).
import type { Hex, LocalAccount } from "viem";
import { privateKeyToAccount } from "viem/accounts";
import type { SessionRequestView } from "../api/responses.js";
import { approvalOfRequest } from "../sdk/approved-request.js";
import { createSessionKey } from "../sdk/session.js";
import { fundedAccount, trade, twapRequest } from "./scenario.js";
import { devKey } from "./testbed/client.js";
import type { Stack } from "./stack.js";

/**
 * An owner a person can sign with on a local chain: Hardhat's development account #1, whose key is
 * published with Hardhat and known to local wallet set-ups (never use it on a real network).
 */
export const DEV_OWNER_KEY = devKey(1);

/** The owner's signature of a request's typed data (the JSON carries the nonce as it was read). */
export function signRequest(owner: LocalAccount, typedData: SessionRequestView["toSign"]["typedData"]): Promise<Hex> {
  const typed = typedData as Parameters<LocalAccount["signTypedData"]>[0] & { message: { nonce: unknown } };
  return owner.signTypedData({ ...typed, message: { ...typed.message, nonce: Number(typed.message.nonce) } });
}

export { approvalOfRequest } from "../sdk/approved-request.js";

/**
 * A TWAP session request for an account of the development owner, explained and stored by the API;
 * then, in the background, what a chat backend does: wait for the owner's answer, and once
 * approved, make the session's first operation with the key it holds (never sent anywhere).
 */
export async function leaveRequestWaiting(stack: Stack, log: (line: string) => void) {
  const { leash, demo } = stack;
  const owner = privateKeyToAccount(DEV_OWNER_KEY);
  const account = await fundedAccount({ leash, demo, owner, usdc: "2000" });
  const sessionKey = createSessionKey();
  const response = await fetch(`${stack.apiUrl}/v1/session-requests`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify(twapRequest({ account, sessionKey: sessionKey.address, demo, chainId: leash.deployments.chainId })),
  });
  const request = (await response.json()) as SessionRequestView;
  if (response.status !== 201) throw new Error(`the API refused the waiting session request: ${JSON.stringify(request)}`);
  const read = async () => (await (await fetch(`${stack.apiUrl}/v1/session-requests/${request.id}`)).json()) as SessionRequestView;
  const follow = async () => {
    let current = request;
    while (current.status === "awaiting_approval") {
      await new Promise((r) => setTimeout(r, 2_000));
      current = await read();
    }
    log(`request ${request.id}: ${current.display.status}`);
    if (current.status !== "approved") return;
    const outcome = await trade(leash, { approval: approvalOfRequest(leash, current), sessionKey }, demo, "25", { bundlerUrl: stack.bundler!.url, margins: stack.bundler!.margins });
    if (!outcome.ok) {
      // As a backend would: the failure is recorded with the request, and the session stays approved.
      await fetch(`${stack.apiUrl}/v1/session-requests/${request.id}/failure`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ reason: outcome.refusal.message }),
      });
      log(`request ${request.id}: its first operation failed: ${outcome.refusal.message}`);
      return;
    }
    log(`request ${request.id}: first operation, traded 25 USDC for WETH (tx ${outcome.result.transactionHash})`);
    while ((current = await read()).status !== "active") await new Promise((r) => setTimeout(r, 500));
    log(`request ${request.id}: ${current.display.status}; session ${current.toSign.permissionId} is ${current.sessionStatus}`);
  };
  follow().catch((error: unknown) => log(`request ${request.id}: ${error instanceof Error ? error.message : String(error)}`));
  return { ...request, account, approvalOwner: owner.address };
}
