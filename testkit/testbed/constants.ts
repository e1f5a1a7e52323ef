import { type Address, type Hex, keccak256, toHex } from "viem";
export { ENTRY_POINT, KERNEL_VERSION } from "../../sdk/constants.js";

/** Arachnid's deterministic deployment proxy, present on nearly every EVM chain. */
export const CREATE2_DEPLOYER: Address = "0x4e59b44847b379578588920cA78FbF26c0B4956C";
/** Its runtime code, placed with `hardhat_setCode` where a local chain lacks it. */
export const CREATE2_DEPLOYER_RUNTIME: Hex =
  "0x7fffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffe03601600081602082378035828234f58015156039578182fd5b8082525050506014600cf3";
/** The salt with which EntryPoint v0.7 lands at its canonical address. */
export const ENTRY_POINT_SALT: Hex = "0x90d8084deab30c2a37c45e8d47f49f2f7965183cb6990a98943ef94940681de3";
/** Our contracts' CREATE2 salt: same bytecode, same address on every chain. */
export const LEASH_SALT: Hex = keccak256(toHex("leash.v1"));
