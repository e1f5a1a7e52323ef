// The real stack as the API's tests run it: `hardhat node` with Leash and the scenario's mocks, the
// indexer on PGlite, the API over HTTP with no rate limit and fast polling, and an owner's Kernel
// account funded with ETH and 2,000 USDC.
import hre from "hardhat";
import { join } from "node:path";
import type { Address, Hex, LocalAccount } from "viem";
import { generatePrivateKey, privateKeyToAccount } from "viem/accounts";
import { type Approval, approvalFromSignature } from "../../sdk/session.js";
import type { SessionRequestView } from "../../api/responses.js";
import { fundedAccount } from "../../testkit/scenario.js";
import { type Stack, startStack } from "../../testkit/stack.js";

export interface ApiStack {
  stack: Stack;
  owner: LocalAccount;
  account: Address;
  /** Waits until the indexer has the chain's head and the API sees both at that block. */
  synced(): Promise<void>;
}

/** Starts the stack in `dir` with the indexer's tables in `schema`. */
export async function startApiStack(opts: { dir: string; schema: string }): Promise<ApiStack> {
  const stack = await startStack({
    network: hre.network,
    artifacts: hre.artifacts,
    dir: opts.dir,
    database: { pgliteDir: join(opts.dir, "pglite") },
    schema: opts.schema,
    pollingIntervalMs: 100,
    apiEnv: { LEASH_RATE_LIMIT: "0", LEASH_POLL_MS: "50", LEASH_LOG_LEVEL: "warn" },
  });
  try {
    const owner = privateKeyToAccount(generatePrivateKey());
    const account = await fundedAccount({ leash: stack.leash, demo: stack.demo, owner, usdc: "2000" });
    const synced = async () => {
      await stack.synced();
      const head = await stack.leash.client.getBlockNumber({ cacheTime: 0 });
      for (let tries = 0; tries < 100; tries++) {
        const heads = await stack.api.sessions.heads();
        if (heads.chain.number >= head && heads.indexed.number >= head) return;
        await new Promise((r) => setTimeout(r, 20));
      }
      throw new Error("the API did not reach the chain's head");
    };
    return { stack, owner, account, synced };
  } catch (error) {
    await stack.stop();
    throw error;
  }
}

/**
 * What the session key's holder builds from a stored request and the owner's signature (the
 * request's own, once approved): the SDK's approval, whose root validator data deploys the account
 * on its first operation if it has no code yet.
 */
export function approvalOfRequest(
  leash: Stack["leash"],
  request: SessionRequestView,
  signed: { signer: Address; signature: Hex } = request.approval!,
): Approval {
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
