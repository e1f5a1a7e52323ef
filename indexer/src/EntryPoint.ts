// EntryPoint v0.7: whether an operation that used our policies succeeded and what it cost. The
// policies' events come from validation, the UserOperationEvent after execution, in the same
// transaction: the pair is matched by (sender, nonce) and the transaction hash.
import { ponder } from "ponder:registry";
import { execution, policyUse, userOperation } from "ponder:schema";
import { audit } from "../lib/records.js";

ponder.on("EntryPoint:UserOperationEvent", async ({ event, context: { db } }) => {
  const { userOpHash, sender, paymaster, nonce, success, actualGasCost, actualGasUsed } = event.args;
  const key = { account: sender, nonce };
  const op = await db.find(userOperation, key);
  // Every other operation on the chain goes through the same EntryPoint: not ours.
  if (!op || op.transactionHash !== event.transaction.hash) return;

  const outcome = { userOpHash, success, actualGasCost, actualGasUsed };
  await db.update(userOperation, key).set({ ...outcome, paymaster });
  for (const id of op.executionIds) await db.update(execution, { id }).set(outcome);
  for (const id of op.policyUseIds) await db.update(policyUse, { id }).set(outcome);
  await audit(db, event, "EntryPoint", "UserOperationEvent", { account: sender, permissionId: op.permissionId });
});
