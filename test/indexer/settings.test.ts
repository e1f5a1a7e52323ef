// The indexer's settings: defaults for the local chain, several chains at once (LEASH_CHAINS), and
// one clear error per bad input, from readSettings and from `npm run indexer` itself.
import { expect } from "chai";
import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { CONTRACT_NAMES, type Deployments, writeDeployments } from "../../sdk/deployments.js";
import { fanOut, readSettings } from "../../indexer/lib/settings.js";
import { projectRoot } from "../../testkit/chain.js";
import { freePort } from "../../testkit/processes.js";

const ADDRESS = "0x1111111111111111111111111111111111111111";

describe("indexer settings", function () {
  let dir: string;
  let local: string;
  let sepolia: string;
  let baseSepolia: string;

  function deployments(chainId: number, network: string): Deployments {
    return {
      chainId,
      network,
      contracts: Object.fromEntries(CONTRACT_NAMES.map((name, i) => [name, { address: ADDRESS, blockNumber: 10 + i }])) as unknown as Deployments["contracts"],
      extras: {},
      updatedAt: new Date(0).toISOString(),
    };
  }

  before(function () {
    dir = mkdtempSync(join(tmpdir(), "leash-settings-"));
    local = join(dir, "31337.json");
    sepolia = join(dir, "11155111.json");
    writeDeployments(local, deployments(31337, "localhost"));
    writeDeployments(sepolia, deployments(11155111, "sepolia"));
    baseSepolia = join(dir, "84532.json");
    writeDeployments(baseSepolia, deployments(84532, "baseSepolia"));
  });

  after(function () {
    rmSync(dir, { recursive: true, force: true });
  });

  const errorOf = (env: NodeJS.ProcessEnv) => {
    try {
      readSettings(env);
    } catch (error) {
      expect((error as Error).name).to.equal("SettingsError");
      return (error as Error).message;
    }
    expect.fail("the settings were accepted");
  };

  it("defaults to the local chain: chain 31337, 127.0.0.1:8545, PGlite, 1 s polling", function () {
    const settings = readSettings({ LEASH_DEPLOYMENTS: local });
    expect(settings.chains).to.have.length(1);
    const [chain] = settings.chains;
    expect(chain!.chainId).to.equal(31337);
    expect(chain!.chainName).to.equal("localhost");
    expect(chain!.deploymentsFile).to.equal(local);
    expect(chain!.rpcUrls).to.deep.equal(["http://127.0.0.1:8545"]);
    expect(settings.database).to.deep.equal({ kind: "pglite", directory: undefined });
    expect(settings.pollingIntervalMs).to.equal(1_000);
    expect(chain!.disableRpcCache).to.equal(true);
  });

  it("takes a testnet's chain, RPC and Postgres from the environment", function () {
    const settings = readSettings({
      LEASH_CHAIN_ID: "11155111",
      LEASH_DEPLOYMENTS: sepolia,
      PONDER_RPC_URL_11155111: "https://rpc.one.example, https://rpc.two.example",
      LEASH_RPC_URL: "https://ignored.example",
      DATABASE_URL: "postgresql://u@db.example/leash",
      LEASH_POLLING_INTERVAL_MS: "4000",
    });
    const [chain] = settings.chains;
    expect(chain!.chainId).to.equal(11155111);
    expect(chain!.chainName).to.equal("sepolia");
    expect(chain!.rpcUrls).to.deep.equal(["https://rpc.one.example", "https://rpc.two.example"]);
    expect(settings.database).to.deep.equal({ kind: "postgres", connectionString: "postgresql://u@db.example/leash" });
    expect(settings.pollingIntervalMs).to.equal(4_000);
    expect(chain!.disableRpcCache).to.equal(false);
    expect(chain!.deployments.contracts.SessionPolicy.blockNumber).to.equal(10 + CONTRACT_NAMES.indexOf("SessionPolicy"));
  });

  it("repeats each RPC URL with distinct fragments for LEASH_RPC_FANOUT", function () {
    expect(fanOut(["http://a:1"], 1)).to.deep.equal(["http://a:1"]);
    expect(fanOut(["http://a:1", "http://b:2#x"], 2)).to.deep.equal(["http://a:1#1", "http://a:1#2", "http://b:2#1", "http://b:2#2"]);
    expect(readSettings({ LEASH_DEPLOYMENTS: local, LEASH_RPC_FANOUT: "3" }).chains[0]!.rpcUrls).to.have.length(3);
  });

  it("follows every chain of LEASH_CHAINS, each with its own deployments file and RPC", function () {
    const settings = readSettings({
      LEASH_CHAINS: "31337, 84532",
      LEASH_DEPLOYMENTS_31337: local,
      LEASH_DEPLOYMENTS_84532: baseSepolia,
      LEASH_RPC_URL_31337: "http://127.0.0.1:8545",
      LEASH_RPC_URL_84532: "https://base.example",
      PONDER_RPC_URL_84532: "https://ponder.example",
      LEASH_RPC_FANOUT: "2",
    });
    expect(settings.chains.map((c) => [c.chainId, c.chainName, c.deploymentsFile, c.disableRpcCache])).to.deep.equal([
      [31337, "localhost", local, true],
      [84532, "baseSepolia", baseSepolia, false],
    ]);
    expect(settings.chains[0]!.rpcUrls).to.deep.equal(["http://127.0.0.1:8545#1", "http://127.0.0.1:8545#2"]);
    // PONDER_RPC_URL_<id> is the most specific variable.
    expect(settings.chains[1]!.rpcUrls).to.deep.equal(["https://ponder.example#1", "https://ponder.example#2"]);
  });

  it("names the problem with several chains: a shared variable, a chain without RPC, one network name twice, another chain's file", function () {
    const two = { LEASH_CHAINS: "31337,84532", LEASH_DEPLOYMENTS_31337: local, LEASH_DEPLOYMENTS_84532: baseSepolia };
    const rpcs = { LEASH_RPC_URL_31337: "http://127.0.0.1:8545", LEASH_RPC_URL_84532: "https://base.example" };
    expect(errorOf({ ...two, ...rpcs, LEASH_RPC_URL: "http://127.0.0.1:8545" })).to.match(/LEASH_RPC_URL names one chain's RPC URL, but LEASH_CHAINS lists 2 chains: set LEASH_RPC_URL_<chain id> for each/);
    // Even a local chain needs its URL when it is not alone.
    expect(errorOf({ ...two, LEASH_RPC_URL_84532: "https://base.example" })).to.equal(
      "no RPC URL for chain 31337: set PONDER_RPC_URL_31337 or LEASH_RPC_URL_31337",
    );
    expect(errorOf({ ...two, LEASH_RPC_URL_31337: "http://127.0.0.1:8545" })).to.equal(
      "no RPC URL for chain 84532: set PONDER_RPC_URL_84532 or LEASH_RPC_URL_84532",
    );
    const alsoLocalhost = join(dir, "84532-localhost.json");
    writeDeployments(alsoLocalhost, deployments(84532, "localhost"));
    expect(errorOf({ ...two, ...rpcs, LEASH_DEPLOYMENTS_84532: alsoLocalhost })).to.match(/two chains have the network name "localhost" in their deployments files/);
    expect(errorOf({ ...two, ...rpcs, LEASH_DEPLOYMENTS_84532: sepolia })).to.match(
      /deployments file .*11155111\.json is for chain 11155111, but it was given for chain 84532 \(LEASH_DEPLOYMENTS_84532\)/,
    );
    expect(errorOf({ ...rpcs, LEASH_CHAINS: "31337,31337" })).to.equal("LEASH_CHAINS names chain 31337 twice");
  });

  it("names the problem: missing or bad deployments file, wrong chain, missing or bad RPC, bad numbers", function () {
    expect(errorOf({ LEASH_DEPLOYMENTS: join(dir, "none.json") })).to.match(/deployments file .*none\.json does not exist/);
    const bad = join(dir, "bad.json");
    writeFileSync(bad, JSON.stringify({ ...deployments(31337, "localhost"), contracts: { ...deployments(31337, "x").contracts, SessionPolicy: { address: "0x12", blockNumber: 1 } } }));
    expect(errorOf({ LEASH_DEPLOYMENTS: bad })).to.match(/bad\.json: contracts\.SessionPolicy\.address: not a 20-byte hex address/);
    expect(errorOf({ LEASH_DEPLOYMENTS: local, LEASH_CHAIN_ID: "5" })).to.match(/is for chain 31337, but LEASH_CHAIN_ID is 5/);
    expect(errorOf({ LEASH_CHAIN_ID: "11155111", LEASH_DEPLOYMENTS: sepolia })).to.equal(
      "no RPC URL for chain 11155111: set PONDER_RPC_URL_11155111 or LEASH_RPC_URL_11155111 or LEASH_RPC_URL",
    );
    expect(errorOf({ LEASH_DEPLOYMENTS: local, LEASH_RPC_URL: "ws://127.0.0.1:8545" })).to.match(/must be an http\(s\) URL/);
    expect(errorOf({ LEASH_DEPLOYMENTS: local, LEASH_RPC_URL: "not a url" })).to.match(/LEASH_RPC_URL: "not" is not a URL/);
    expect(errorOf({ LEASH_DEPLOYMENTS: local, LEASH_CHAIN_ID: "abc" })).to.equal('LEASH_CHAIN_ID="abc" must be an integer of at least 1');
    expect(errorOf({ LEASH_DEPLOYMENTS: local, LEASH_POLLING_INTERVAL_MS: "50" })).to.match(/LEASH_POLLING_INTERVAL_MS="50" must be an integer of at least 100/);
    expect(errorOf({ LEASH_DEPLOYMENTS: local, DATABASE_URL: "mysql://x" })).to.match(/DATABASE_URL must be a postgres/);
  });

  it("npm run indexer stops at once with one line naming the problem", async function () {
    const run = (env: NodeJS.ProcessEnv) =>
      spawnSync(process.execPath, [join(projectRoot, "indexer", "start.mjs")], {
        env: { PATH: process.env.PATH, ...env },
        encoding: "utf8",
        timeout: 30_000,
      });
    const missing = run({ LEASH_DEPLOYMENTS: join(dir, "none.json") });
    expect(missing.status).to.equal(1);
    expect(missing.stderr.trim()).to.match(/^indexer: deployments file .*none\.json does not exist/);
    // A port nobody listens on: the OS just handed it out and took it back.
    const port = await freePort();
    const unreachable = run({ LEASH_DEPLOYMENTS: local, LEASH_RPC_URL: `http://127.0.0.1:${port}` });
    expect(unreachable.status).to.equal(1);
    expect(unreachable.stderr.trim()).to.equal(`indexer: cannot reach the RPC at http://127.0.0.1:${port}: ECONNREFUSED`);
  });
});
