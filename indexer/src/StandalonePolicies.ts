// The standalone policies (call scope, spend limit, rate limit, expiry): registrations, uses and
// revocations, one row each (lib/standalone.ts).
import { ponder } from "ponder:registry";
import { registerPolicy, revokePolicy, usePolicy } from "../lib/standalone.js";

ponder.on("CallScopePolicy:CallScopeRegistered", ({ event, context }) =>
  registerPolicy(context, "CallScopePolicy", "CallScopeRegistered", event),
);
ponder.on("CallScopePolicy:CallScopeUsed", ({ event, context }) =>
  usePolicy(context, "CallScopePolicy", "CallScopeUsed", event, { calls: event.args.calls }),
);
ponder.on("CallScopePolicy:CallScopeRevoked", ({ event, context }) =>
  revokePolicy(context, "CallScopePolicy", "CallScopeRevoked", event),
);

ponder.on("SpendLimitPolicy:SpendLimitRegistered", ({ event, context }) =>
  registerPolicy(context, "SpendLimitPolicy", "SpendLimitRegistered", event),
);
ponder.on("SpendLimitPolicy:SpendLimitUsed", ({ event, context }) => {
  const { token, amount, period, remainingTotal, remainingInPeriod } = event.args;
  return usePolicy(context, "SpendLimitPolicy", "SpendLimitUsed", event, {
    token,
    amount,
    period: BigInt(period),
    remainingTotal,
    remainingInPeriod,
  });
});
ponder.on("SpendLimitPolicy:SpendLimitRevoked", ({ event, context }) =>
  revokePolicy(context, "SpendLimitPolicy", "SpendLimitRevoked", event),
);

ponder.on("RateLimitPolicy:RateLimitRegistered", ({ event, context }) =>
  registerPolicy(context, "RateLimitPolicy", "RateLimitRegistered", event),
);
ponder.on("RateLimitPolicy:RateLimitUsed", ({ event, context }) => {
  const { calls, window, callsInWindow, callsLeft } = event.args;
  return usePolicy(context, "RateLimitPolicy", "RateLimitUsed", event, {
    calls,
    windowIndex: BigInt(window),
    callsInWindow,
    callsLeft: BigInt(callsLeft),
  });
});
ponder.on("RateLimitPolicy:RateLimitRevoked", ({ event, context }) =>
  revokePolicy(context, "RateLimitPolicy", "RateLimitRevoked", event),
);

ponder.on("ExpiryPolicy:ExpiryRegistered", ({ event, context }) =>
  registerPolicy(context, "ExpiryPolicy", "ExpiryRegistered", event),
);
ponder.on("ExpiryPolicy:ExpiryUsed", ({ event, context }) =>
  usePolicy(context, "ExpiryPolicy", "ExpiryUsed", event, {}),
);
ponder.on("ExpiryPolicy:ExpiryRevoked", ({ event, context }) =>
  revokePolicy(context, "ExpiryPolicy", "ExpiryRevoked", event),
);
