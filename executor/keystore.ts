// The vault key from Hardhat's encrypted keystore (`npx hardhat keystore set LEASH_EXECUTOR_KEY`, or
// `--dev` for the development keystore), read the way Hardhat resolves a configuration variable: the
// development keystore first (its password is in a file), then the production one (its password asked
// on the terminal, once). Hardhat is loaded only when the environment has no key.
import type { HardhatRuntimeEnvironment } from "hardhat/types/hre";

/** The keystore's value of `name`, or undefined when no keystore holds it. */
export async function readKeystore(name: string): Promise<string | undefined> {
  // Hardhat reads a variable set in the environment, even empty, from there and not from a keystore;
  // here an empty one counts as unset.
  if (process.env[name] === "") delete process.env[name];
  const { configVariable } = await import("hardhat/config");
  const hre: HardhatRuntimeEnvironment = (await import("hardhat")).default;
  // With a default, a production keystore that does not list the name is not unlocked (no password
  // asked for nothing). The chain's last handler, reached when no keystore holds it, answers empty.
  const value = await hre.hooks.runHandlerChain("configurationVariables", "fetchValue", [configVariable(name, { default: "" })], async () => "");
  return value === "" ? undefined : value;
}
