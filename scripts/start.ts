// `npm start`: a local chain with the whole ERC-4337 test bed deployed, and a bundler.
// Prints the addresses and URLs, and stops everything cleanly on Ctrl-C.
import hre from "hardhat";
import { join } from "node:path";
import { http } from "viem";
import { startBundler } from "./lib/bundler.js";
import { projectRoot, startChain } from "./lib/chain.js";
import { freePort, portIsFree } from "./lib/processes.js";
import { devKey, localClient } from "./testbed/client.js";
import { deployTestBed } from "./testbed/deploy.js";

const log = (message: string) => console.log(`[leash] ${message}`);
const logDir = join(projectRoot, ".leash", "logs");

async function pickPort(name: string, variable: string, preferred: number): Promise<number> {
  const wanted = process.env[variable] ? Number(process.env[variable]) : preferred;
  if (!Number.isInteger(wanted) || wanted < 0 || wanted > 65_535) {
    throw new Error(`${variable}=${process.env[variable]} is not a port number`);
  }
  if (wanted === 0 || (await portIsFree(wanted))) return wanted;
  const port = await freePort();
  log(`port ${wanted} is taken; the ${name} uses ${port} instead (set ${variable} to choose)`);
  return port;
}

const started = Date.now();
log("starting the chain (hardhat node)");
const chain = await startChain({ port: await pickPort("chain", "CHAIN_PORT", 8545), logFile: join(logDir, "chain.log") });
log(`chain ready at ${chain.rpcUrl}`);

const client = await localClient(http(chain.rpcUrl));
const bed = await deployTestBed({ client, artifacts: hre.artifacts, log: (m) => log(`deploying ${m}`) });

log("starting the alto bundler");
const bundler = await startBundler({
  rpcUrl: chain.rpcUrl,
  executorPrivateKey: devKey(8),
  utilityPrivateKey: devKey(9),
  port: await pickPort("bundler", "BUNDLER_PORT", 4337),
  logFile: join(logDir, "bundler.log"),
});

console.log(`
Leash local test bed is up (${((Date.now() - started) / 1000).toFixed(1)} s)

  chain    ${chain.rpcUrl}   (chain id ${bed.chainId})
  bundler  ${bundler.url}

  EntryPoint v0.7         ${bed.entryPoint}
  Kernel v3.1             ${bed.kernelImplementation}
  KernelFactory v3.1      ${bed.kernelFactory}
  OwnerValidator          ${bed.ownerValidator}
  SessionKeySigner        ${bed.sessionKeySigner}
  PassThroughPolicy       ${bed.passThroughPolicy}   (tests only)
  DenyAllPolicy           ${bed.denyAllPolicy}   (tests only)

  logs in ${logDir}
  Press Ctrl-C to stop.
`);
console.log(JSON.stringify({ rpcUrl: chain.rpcUrl, bundlerUrl: bundler.url, ...bed }));

// Stay up until a signal; processes.ts stops the chain and the bundler on Ctrl-C.
await new Promise(() => {});
