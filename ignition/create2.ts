// The create2 strategy's salt (hardhat.config.ts gives it to Ignition; the deploy computes our
// addresses from it). CreateX reads it as: 20 zero bytes (anyone may deploy), 0x00 (no chain id
// in the salt: the same address on every chain), then "leash.v1".
export const LEASH_CREATE2_SALT = "0x0000000000000000000000000000000000000000006c656173682e7631000000" as const;
