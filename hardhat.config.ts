import hardhatToolboxMochaEthers from "@nomicfoundation/hardhat-toolbox-mocha-ethers";
import { configVariable, defineConfig } from "hardhat/config";
import { createRequire } from "node:module";
import { LEASH_CREATE2_SALT } from "./ignition/create2.js";

// Compile offline with the WASM build of the pinned `solc` npm package: a
// compiler entry with `path` makes Hardhat download nothing. The version must
// match the installed package exactly.
const require = createRequire(import.meta.url);
const SOLC_VERSION = "0.8.28";
const solcPackage = require("solc/package.json") as { version: string };
if (solcPackage.version !== SOLC_VERSION) {
  throw new Error(
    `solc npm package is ${solcPackage.version}, hardhat.config.ts expects ${SOLC_VERSION}: run npm install`,
  );
}
const solcSettings = {
  version: SOLC_VERSION,
  path: require.resolve("solc/soljson.js"),
  settings: {
    evmVersion: "cancun",
    optimizer: { enabled: true, runs: 200 },
  },
};
// SessionPolicy is built through the IR pipeline: its registration, views and both validation paths
// pass EIP-170's 24,576 bytes otherwise (26,340 against 22,678), and its operations cost less
// (README, Benchmarks). It is compiled once, here: its Solidity tests deploy this artifact
// (`deployCode`) and call it through an interface, so they never compile it again and run the very
// bytecode that deploys. The test-only copy with its hand-written path off is built the same way.
const sessionPolicySettings = { ...solcSettings, settings: { ...solcSettings.settings, viaIR: true } };
const overrides = {
  "contracts/policies/SessionPolicy.sol": sessionPolicySettings,
  "contracts/mocks/SessionPolicySolidityPath.sol": sessionPolicySettings,
};

// Solidity test run counts: CI's defaults, overridable for longer campaigns, e.g.
// `FUZZ_RUNS=100000 INVARIANT_RUNS=100000 npx hardhat test solidity`. The seed stays fixed.
function runCount(variable: string, fallback: number): number {
  const raw = process.env[variable];
  if (raw === undefined || raw.trim() === "") return fallback;
  const count = Number(raw);
  if (!Number.isSafeInteger(count) || count < 1) {
    throw new Error(`${variable} must be a positive integer, got "${raw}"`);
  }
  return count;
}

// Kernel v3.1's runtime is 28,581 bytes, over EIP-170's limit.
const localChain = {
  type: "edr-simulated",
  chainType: "l1",
  chainId: 31337,
  hardfork: "prague",
  allowUnlimitedContractSize: true,
} as const;

export default defineConfig({
  plugins: [hardhatToolboxMochaEthers],
  solidity: {
    // Tests compile apart from the contracts; `npm run compile` feeds them to solc folder by folder
    // (scripts/setup/compile.mjs says why).
    splitTestsCompilation: true,
    // Identical profiles: tests, gas figures and deployments use the same bytecode.
    profiles: {
      default: { compilers: [solcSettings], overrides },
      production: { compilers: [solcSettings], overrides },
    },
  },
  paths: {
    sources: "contracts",
    // Where Ignition keeps its journals (deployments/chain-<id>/); LEASH_IGNITION_DIR moves them, e.g.
    // for a rehearsal against a local stand-in of a public chain.
    ignition: process.env.LEASH_IGNITION_DIR?.trim() || "ignition",
    tests: { mocha: "test", solidity: "test" },
  },
  test: {
    mocha: { timeout: 300_000 },
    solidity: {
      fuzz: { runs: runCount("FUZZ_RUNS", 1_000), seed: "0x1ea5" },
      invariant: {
        runs: runCount("INVARIANT_RUNS", 1_000),
        depth: runCount("INVARIANT_DEPTH", 40),
      },
    },
  },
  ignition: {
    // ignition/create2.ts says how CreateX reads it.
    strategyConfig: { create2: { salt: LEASH_CREATE2_SALT } },
  },
  networks: {
    // The in-process network that tests and `hardhat run` use.
    default: localChain,
    // `hardhat node` serves the network named `node`.
    node: localChain,
    // A local node (`npm start`, `hardhat node`); LEASH_RPC_URL points elsewhere.
    localhost: { type: "http", chainType: "l1", url: process.env.LEASH_RPC_URL ?? "http://127.0.0.1:8545" },
    // chainId: Hardhat refuses an RPC URL that serves another chain.
    sepolia: {
      type: "http",
      chainType: "l1",
      chainId: 11155111,
      url: configVariable("SEPOLIA_RPC_URL"),
      accounts: [configVariable("DEPLOYER_PRIVATE_KEY")],
    },
    baseSepolia: {
      type: "http",
      chainType: "op",
      chainId: 84532,
      url: configVariable("BASE_SEPOLIA_RPC_URL"),
      accounts: [configVariable("DEPLOYER_PRIVATE_KEY")],
    },
  },
});
