// The chains the API follows (sdk/chains.ts reads which): for each, its deployments, its RPC client
// and what reads or prepares anything of that chain (sessions, explanations, approvals,
// revocations). One indexer and one store serve them all; every route that names a session takes
// `chainId`, which may be left out when the API follows a single chain.
import type { Deployments } from "../sdk/deployments.js";
import type { ApprovalSignatures } from "./approval-signature.js";
import { ApiError } from "./errors.js";
import type { RequestExplainer } from "./explain.js";
import type { Revocations } from "./revocation.js";
import type { SessionService } from "./sessions/service.js";
import type { ChainClient } from "./upstream.js";

export interface FollowedChain {
  chainId: number;
  deployments: Deployments;
  chain: ChainClient;
  sessions: SessionService;
  explainer: RequestExplainer;
  approvals: ApprovalSignatures;
  revocations: Revocations;
}

export class Chains {
  private readonly byId = new Map<number, FollowedChain>();

  constructor(readonly list: readonly FollowedChain[]) {
    for (const chain of list) this.byId.set(chain.chainId, chain);
  }

  get ids(): number[] {
    return this.list.map((c) => c.chainId);
  }

  /** Whether the API follows `chainId`. */
  has(chainId: number): boolean {
    return this.byId.has(chainId);
  }

  /**
   * The chain a request names (`field` says where, for the error): left out, the one chain the API
   * follows; 400 when it follows several, 404 for a chain it does not follow.
   */
  get(chainId: number | undefined, field = "query.chainId"): FollowedChain {
    if (chainId === undefined) {
      if (this.list.length === 1) return this.list[0]!;
      throw new ApiError("chain_required", `this API follows chains ${this.ids.join(", ")}: say which with chainId`, [
        { field, message: `required: one of ${this.ids.join(", ")}` },
      ]);
    }
    const found = this.byId.get(chainId);
    if (!found) {
      throw new ApiError("chain_not_followed", `this API does not follow chain ${chainId}; it follows ${this.ids.join(", ")}`, [
        { field, message: `not one of ${this.ids.join(", ")}` },
      ]);
    }
    return found;
  }
}
