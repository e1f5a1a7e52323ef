// EntryPoint v0.7's UserOperationEvent, every one of them (the design before outcomes were read
// from receipts): whether an operation that used our policies succeeded and what it cost. The
// policies' events come from validation and the UserOperationEvent after execution, in the same
// transaction: the operation is matched by (sender, nonce) and the transaction hash, and its row
// says how many uses of each kind to complete.
import { ponder } from "ponder:registry";
import { execution, policyUse, session, userOperation } from "ponder:schema";
import { type Address, type Hex, zeroAddress } from "viem";
import { type ChainEvent, type Db, USE_COUNT, audit } from "../../../../indexer/lib/records.js";
import { STANDALONE_POLICIES } from "../../../../indexer/lib/policies.js";

interface UserOperationEvent extends ChainEvent {
  args: { userOpHash: Hex; sender: Address; paymaster: Address; nonce: bigint; success: boolean; actualGasCost: bigint; actualGasUsed: bigint };
}
// The product's configuration, which types ponder:registry, has no EntryPoint source; this one does.
const on = ponder.on.bind(ponder) as unknown as (
  name: string,
  handler: (arg: { event: UserOperationEvent; context: { db: Db; chain: { id: number } } }) => Promise<void>,
) => void;

on("EntryPoint:UserOperationEvent", async ({ event, context: { db, chain } }) => {
  const chainId = chain.id;
  const { userOpHash, sender: account, paymaster, nonce, success, actualGasCost, actualGasUsed } = event.args;
  const op = await db.find(userOperation, { chainId, account, nonce });
  // Every other operation on the chain goes through the same EntryPoint: not ours.
  if (!op || op.transactionHash !== event.transaction.hash) return;

  const outcome = { userOpHash, success, actualGasCost, actualGasUsed };
  await db.update(userOperation, { chainId, account, nonce }).set({ ...outcome, paymaster });
  for (let useIndex = 0; useIndex < op.executionCount; useIndex++) {
    await db.update(execution, { chainId, account, nonce, useIndex }).set(outcome);
  }
  // What the account really paid for its session's operation (a paymaster pays from its own deposit).
  if (op.registration !== null && paymaster === zeroAddress) {
    const key = { chainId, account, permissionId: op.permissionId, registration: op.registration };
    const row = await db.find(session, key);
    if (row) await db.update(session, key).set({ feePaid: row.feePaid + actualGasCost });
  }
  for (const policy of STANDALONE_POLICIES) {
    for (let useIndex = 0; useIndex < op[USE_COUNT[policy]]; useIndex++) {
      await db.update(policyUse, { chainId, policy, account, nonce, useIndex }).set(outcome);
    }
  }
  await audit(db, chainId, event, "EntryPoint", "UserOperationEvent", { account, permissionId: op.permissionId });
});
