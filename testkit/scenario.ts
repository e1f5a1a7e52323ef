// The TWAP scenario on a local chain: a mock USDC and a mock swap router, an owner's Kernel account
// funded with both, a session approved to swap on the router only (per-trade, total and rate limits,
// 24 hours), trades signed by the session key, and one trade refused for exceeding the per-trade cap.
import { type Abi, type Address, type Hex, type LocalAccount, encodeFunctionData, erc20Abi, maxUint256, parseAbiItem, parseEther, parseUnits } from "viem";
import { createOwnerAccount } from "../sdk/accounts.js";
import { type Deployments, readDeployments, writeDeployments } from "../sdk/deployments.js";
import type { ClaimChoice } from "../sdk/claim.js";
import type { Refusal } from "../sdk/errors.js";
import {
  type Approval,
  type LeashChain,
  type Transport,
  approveSession,
  createSessionKey,
  executeWithSession,
  kernelAddresses,
  prepareSession,
  SessionOperationError,
} from "../sdk/session.js";
import { EXACT_INPUT_SINGLE, minimumOutput as swapMinimum, swapCall as sdkSwapCall } from "../sdk/swap.js";
import { sendUserOperationDirect, type UserOperationResult } from "../sdk/userops.js";
import { type ArtifactSource, type DeployClient, deployArtifact } from "./testbed/deploy.js";

export { EXACT_INPUT_SINGLE } from "../sdk/swap.js";

/** USDC→WETH at $3,000 an ether: WETH base units per USDC base unit, scaled by 1e18. */
export const ETH_PRICE_RATE = 10n ** 30n / 3_000n;

export interface DemoContracts {
  usdc: Address;
  weth: Address;
  router: Address;
}

/**
 * Deploys the scenario's mocks (CREATE2: a second run finds them in place) and records them in the
 * deployments file as extras, so that the API can name them.
 */
export async function deployDemoContracts(opts: { client: DeployClient; artifacts: ArtifactSource; deploymentsFile: string }): Promise<DemoContracts> {
  const { client, artifacts } = opts;
  const block = Number(await client.getBlockNumber());
  const usdc = await deployArtifact(client, artifacts, "MockLegacyERC20", ["Mock USD Coin", "USDC", 6]);
  const weth = await deployArtifact(client, artifacts, "MockLegacyERC20", ["Mock Wrapped Ether", "WETH", 18]);
  const router = await deployArtifact(client, artifacts, "MockSwapRouter");
  // The market: 1 WETH for 3,000 USDC, in base units (6 and 18 decimals), scaled by 1e18.
  const setRate = [parseAbiItem("function setRate(address tokenIn, address tokenOut, uint256 rate)")];
  await client.waitForTransactionReceipt({
    hash: await client.writeContract({ address: router, abi: setRate, functionName: "setRate", args: [usdc, weth, ETH_PRICE_RATE] }),
  });
  const deployments: Deployments = readDeployments(opts.deploymentsFile);
  // A contract already recorded at the same address keeps its block.
  const keep = (name: string, address: Address) => {
    const known = deployments.extras[name];
    return known && known.address === address ? known : { address, blockNumber: block };
  };
  writeDeployments(opts.deploymentsFile, {
    ...deployments,
    extras: { ...deployments.extras, USDC: keep("USDC", usdc), WETH: keep("WETH", weth), MockSwapRouter: keep("MockSwapRouter", router) },
    updatedAt: new Date().toISOString(),
  });
  return { usdc, weth, router };
}

/**
 * The market's price of ether on chain, for a stop-loss to watch: an ETH / USD feed shaped like
 * Chainlink's (8 decimals) at `usd`, and the router quoting WETH→USDC at the same price.
 */
export async function deployEthFeed(client: DeployClient, artifacts: ArtifactSource, demo: DemoContracts, usd = 3_000n): Promise<Address> {
  const { abi, bytecode } = await artifacts.readArtifact("MockPriceFeed");
  const hash = await client.deployContract({ abi: abi as Abi, bytecode: bytecode as Hex, args: [8, "ETH / USD", usd * 10n ** 8n] });
  const feed = (await client.waitForTransactionReceipt({ hash })).contractAddress!;
  await setEthPrice(client, demo, feed, usd);
  return feed;
}

/** Moves the market: the feed opens a round at `usd` and the router quotes both ways at that price. */
export async function setEthPrice(client: DeployClient, demo: DemoContracts, feed: Address, usd: bigint) {
  const setRate = [parseAbiItem("function setRate(address tokenIn, address tokenOut, uint256 rate)")];
  const setAnswer = [parseAbiItem("function setAnswer(int256 answer)")];
  // USDC base units per WETH base unit, scaled by 1e18 (6 and 18 decimals); and the other way.
  for (const [address, abi, functionName, args] of [
    [demo.router, setRate, "setRate", [demo.weth, demo.usdc, usd * 10n ** 6n]],
    [demo.router, setRate, "setRate", [demo.usdc, demo.weth, 10n ** 30n / usd]],
    [feed, setAnswer, "setAnswer", [usd * 10n ** 8n]],
  ] as const) {
    await client.waitForTransactionReceipt({ hash: await client.writeContract({ address, abi, functionName, args } as never) });
  }
}

const mintAbi = [parseAbiItem("function mint(address to, uint256 amount)")];

/**
 * The owner's Kernel account (index `index`), funded with ETH for gas and `usdc` USDC (and `weth`
 * WETH if given), which lets the router pull them (the owner's own operation; sessions then only swap).
 */
export async function fundedAccount(opts: {
  leash: LeashChain;
  demo: DemoContracts;
  owner: LocalAccount;
  index?: bigint;
  usdc?: string;
  weth?: string;
  eth?: string;
}): Promise<Address> {
  const { leash, demo, owner } = opts;
  const client = leash.client;
  const ownerAccount = await createOwnerAccount({ client, bed: kernelAddresses(leash.deployments), owner, index: opts.index });
  const account = ownerAccount.address;
  await client.waitForTransactionReceipt({ hash: await client.sendTransaction({ to: account, value: parseEther(opts.eth ?? "1") }) });
  await client.waitForTransactionReceipt({
    hash: await client.writeContract({ address: demo.usdc, abi: mintAbi, functionName: "mint", args: [account, parseUnits(opts.usdc ?? "10000", 6)] }),
  });
  if (opts.weth) {
    await client.waitForTransactionReceipt({
      hash: await client.writeContract({ address: demo.weth, abi: mintAbi, functionName: "mint", args: [account, parseUnits(opts.weth, 18)] }),
    });
  }
  const approve = encodeFunctionData({ abi: erc20Abi, functionName: "approve", args: [demo.router, maxUint256] });
  await sendUserOperationDirect({
    submitter: client,
    account: ownerAccount,
    calls: [{ to: demo.usdc, data: approve }, ...(opts.weth ? [{ to: demo.weth, data: approve }] : [])],
  });
  return account;
}

/** A chat backend's TWAP request: swaps on the router only, in USDC, with the given limits. */
export function twapRequest(opts: {
  account: Address;
  sessionKey: Address;
  demo: DemoContracts;
  chainId: number;
  maxPerTransaction?: string;
  maxTotal?: string;
  rateLimit?: { count: number; period: number };
  maxCalls?: number;
  duration?: number;
  /** Gas budget over the session's life, in ETH (the cap per operation comes from the chain's fees). */
  maxFeeTotal?: string;
}) {
  return {
    walletAddress: opts.account,
    sessionKeyAddress: opts.sessionKey,
    duration: opts.duration ?? 86_400,
    maxFeeTotal: opts.maxFeeTotal ?? "0.05",
    permissions: {
      chainId: opts.chainId,
      contractAddress: opts.demo.router,
      token: opts.demo.usdc,
      allowedFunctions: [EXACT_INPUT_SINGLE],
      maxPerTransaction: opts.maxPerTransaction ?? "50",
      maxTotal: opts.maxTotal ?? "1000",
      rateLimit: opts.rateLimit ?? { count: 10, period: 3600 },
      ...(opts.maxCalls ? { maxCalls: opts.maxCalls } : {}),
    },
  };
}

/** Slippage a trade accepts below the router's quote: 0.5%. */
export const SLIPPAGE_BPS = 50n;

/** The least WETH a swap of `amountIn` USDC may give: the router's quote now, less SLIPPAGE_BPS. */
export function minimumOutput(client: Pick<DeployClient, "readContract">, demo: DemoContracts, amountIn: bigint): Promise<bigint> {
  return swapMinimum(client, { router: demo.router, tokenIn: demo.usdc, tokenOut: demo.weth }, amountIn, SLIPPAGE_BPS);
}

/** One swap of `amount` USDC for WETH, output to `recipient`, refused by the router below `amountOutMinimum`. */
export function swapCall(demo: DemoContracts, amount: string, recipient: Address, amountOutMinimum: bigint) {
  return sdkSwapCall({ router: demo.router, tokenIn: demo.usdc, tokenOut: demo.weth, fee: 3000, recipient }, parseUnits(amount, 6), amountOutMinimum);
}

export interface ApprovedSession {
  approval: Approval;
  sessionKey: { privateKey: Hex; address: Address };
}

/** A new session key and the owner's approval of `request` (built for that key). */
export async function approveTwap(
  leash: LeashChain,
  opts: { owner: LocalAccount; request: (sessionKey: Address) => unknown; index?: bigint },
): Promise<ApprovedSession> {
  const sessionKey = createSessionKey();
  const prepared = await prepareSession(leash, opts.request(sessionKey.address));
  const approval = await approveSession(leash, { prepared, owner: opts.owner, index: opts.index });
  return { approval, sessionKey };
}

/** A trade by the session key: its result, or the refusal explained. */
export async function trade(
  leash: LeashChain,
  session: ApprovedSession,
  demo: DemoContracts,
  amount: string,
  via: Transport,
): Promise<{ ok: true; result: UserOperationResult & { claim: ClaimChoice } } | { ok: false; refusal: Refusal }> {
  try {
    const minimum = await minimumOutput(leash.client, demo, parseUnits(amount, 6));
    const result = await executeWithSession(leash, {
      approval: session.approval,
      sessionPrivateKey: session.sessionKey.privateKey,
      calls: [swapCall(demo, amount, session.approval.account, minimum)],
      via,
    });
    return { ok: true, result };
  } catch (error) {
    if (error instanceof SessionOperationError) return { ok: false, refusal: error.refusal };
    throw error;
  }
}
