// Leash's contracts: the session-key signer, SessionPolicy and the four standalone policies. None has
// constructor arguments, so with the create2 strategy each lands at the same address on every chain.
import { buildModule } from "@nomicfoundation/hardhat-ignition/modules";

export default buildModule("Leash", (m) => ({
  sessionKeySigner: m.contract("SessionKeySigner"),
  ownerValidator: m.contract("OwnerValidator"),
  sessionPolicy: m.contract("SessionPolicy"),
  callScopePolicy: m.contract("CallScopePolicy"),
  spendLimitPolicy: m.contract("SpendLimitPolicy"),
  rateLimitPolicy: m.contract("RateLimitPolicy"),
  expiryPolicy: m.contract("ExpiryPolicy"),
}));
