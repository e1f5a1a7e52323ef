// The owner's revocation of a session, prepared for the owner's wallet. The API reads the session's
// latest registration from the indexer and the account's state from the chain, rebuilds the call
// the SDK's revokeSession would send, and hands it over: it never signs anything.
import { type Address, type Hex, zeroAddress } from "viem";
import type { Deployments } from "../sdk/deployments.js";
import { prepareRevocation, sessionPolicyData } from "../sdk/session.js";
import { ApiError } from "./errors.js";
import type { SessionService } from "./sessions/service.js";
import type { ChainClient } from "./upstream.js";
import type { Explanation, RevocationView } from "./responses.js";


export class Revocations {
  constructor(
    private readonly sessions: SessionService,
    private readonly chain: ChainClient,
    private readonly deployments: Deployments,
  ) {}

  /**
   * The call revoking the latest registration of a session, or an approval not on chain yet; 404
   * unknown, 409 revoked already (or an unused approval that expired: nothing can use it).
   */
  async prepare(account: Address, permissionId: Hex): Promise<RevocationView> {
    const { session, config, request } = await this.sessions.registered(account, permissionId);
    if (session.status === "revoked" || session.status === "replaced") {
      const when = session.revoked ? ` in transaction ${session.revoked.transactionHash}` : "";
      throw new ApiError(
        "session_already_revoked",
        session.status === "revoked"
          ? `session ${session.permissionId} of ${account} was revoked already${when}; there is nothing left to revoke`
          : `session ${session.permissionId} of ${account} was replaced by a newer approval; revoke that one instead`,
        [{ field: "params.permissionId", message: `session ${session.status}` }],
      );
    }
    if (request && session.status === "expired") {
      throw new ApiError(
        "session_already_revoked",
        `session ${session.permissionId} of ${account} expired before its first operation: Kernel cannot enable it any more, and revoking it would only cancel the account's other unused approvals`,
        [{ field: "params.permissionId", message: "session expired unused" }],
      );
    }
    const policy = request
      ? (request.explanation as Explanation).toSign.policy
      : { address: this.deployments.contracts.SessionPolicy.address, data: sessionPolicyData(config!) };
    const prepared = await this.chain.call("reading the account's permission", () =>
      prepareRevocation(
        { client: this.chain.client, deployments: this.deployments },
        {
          account: session.account,
          permissionId: session.permissionId,
          // Kernel and both modules read only the permission id when uninstalling; the key is
          // there to rebuild the same install data (null only if another signer was installed).
          sessionKey: session.sessionKey ?? zeroAddress,
          policy,
        },
      ),
    );
    const id = session.permissionId;
    const uninstall = prepared.method === "uninstall";
    const effect = uninstall
      ? `It uninstalls the permission from the account: session key ${session.sessionKey ?? "(unknown)"} can no longer act for it.`
      : `The session's approval was never used, so the account does not hold it yet: this call invalidates the account's current validation nonce, which cancels every approval signed so far that has not been used yet, this one included.`;
    const already =
      session.status === "expired"
        ? " The session has expired already; revoking it removes it from the account."
        : session.status === "exhausted"
          ? " The session has used up its limits already; revoking it removes it from the account."
          : "";
    return {
      account: session.account,
      chainId: session.chainId,
      permissionId: id,
      registration: session.registration,
      status: session.status,
      method: prepared.method,
      call: { to: prepared.call.to, data: prepared.call.data, value: "0" },
      warning: `Revocation cannot be undone: to let an agent act for the account again, the owner must approve a new session.${
        uninstall ? "" : " It also cancels the account's other approvals that have not been used yet."
      }`,
      text: `To revoke session ${id}, sign this call with the owner's wallet on chain ${session.chainId}: it is sent from account ${session.account} to itself. ${effect}${already}`,
      asOf: session.asOf,
    };
  }
}
