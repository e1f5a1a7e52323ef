// Leash's standalone policies, by contract name: the names the config, the schema's enum and the
// handlers share.
export const STANDALONE_POLICIES = ["CallScopePolicy", "SpendLimitPolicy", "RateLimitPolicy", "ExpiryPolicy"] as const;
export type StandalonePolicy = (typeof STANDALONE_POLICIES)[number];
