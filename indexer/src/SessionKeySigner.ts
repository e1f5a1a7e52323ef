// SessionKeySigner: the session key of each permission. Kernel installs the signer after the
// permission's policies, in the same transaction, so SessionRegistered comes first and this event
// completes the session row it created.
import { ponder } from "ponder:registry";
import { permission, session } from "ponder:schema";
import { audit, permissionOf, touchAccount } from "../lib/records.js";

const CONTRACT = "SessionKeySigner";

ponder.on("SessionKeySigner:SessionKeyRegistered", async ({ event, context: { db, chain } }) => {
  const chainId = chain.id;
  const { account, id, sessionKey } = event.args;
  const perm = await permissionOf(db, chainId, account, id);
  await db
    .update(permission, { chainId, account, permissionId: id })
    .set({ sessionKey, sessionKeyBlock: event.block.number });

  if (perm.sessionRegistration > 0) {
    const key = { chainId, account, permissionId: id, registration: perm.sessionRegistration };
    const current = await db.find(session, key);
    if (current && (current.status === "active" || current.status === "exhausted")) {
      await db.update(session, key).set({ sessionKey });
    }
  }

  await touchAccount(db, chainId, account, event);
  await audit(db, chainId, event, CONTRACT, "SessionKeyRegistered", { account, permissionId: id });
});

ponder.on("SessionKeySigner:SessionKeyRemoved", async ({ event, context: { db, chain } }) => {
  const chainId = chain.id;
  const { account, id } = event.args;
  await permissionOf(db, chainId, account, id);
  // Session rows keep the key they were used with; the permission no longer has one.
  await db.update(permission, { chainId, account, permissionId: id }).set({ sessionKey: null, sessionKeyBlock: event.block.number });
  await touchAccount(db, chainId, account, event);
  await audit(db, chainId, event, CONTRACT, "SessionKeyRemoved", { account, permissionId: id });
});
