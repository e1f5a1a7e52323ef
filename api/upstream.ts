// The heads of the API's two sources: the indexer's (/status, /ready; its tables are read through
// index-db.ts) and the chain's (JSON-RPC). Each head is read again at most once per polling
// interval, shared by all requests, so answers can be cached per block and the upstreams see a
// bounded load.
import { type Address, type Chain, type PublicClient, createPublicClient, defineChain, http } from "viem";
import { UpstreamError, describeError } from "./errors.js";

export interface Head {
  number: bigint;
  /** Unix seconds. */
  timestamp: number;
}

/** A value refreshed at most every `maxAgeMs`; concurrent readers share one refresh. */
class Polled<T> {
  private value: T | undefined;
  private at = 0;
  private pending: Promise<T> | undefined;
  constructor(private readonly maxAgeMs: number, private readonly read: () => Promise<T>) {}

  get(): Promise<T> {
    if (this.value !== undefined && Date.now() - this.at < this.maxAgeMs) return Promise.resolve(this.value);
    this.pending ??= this.read()
      .then((value) => {
        this.value = value;
        this.at = Date.now();
        return value;
      })
      .finally(() => {
        this.pending = undefined;
      });
    return this.pending;
  }
}

export class IndexerClient {
  private readonly status: Polled<{ heads: Map<number, Head>; ready: boolean }>;

  constructor(readonly url: string, private readonly opts: { timeoutMs: number; pollMs: number }) {
    this.status = new Polled(opts.pollMs, () => this.readStatus());
  }

  private async fetch(path: string, init: RequestInit = {}): Promise<Response> {
    try {
      return await fetch(`${this.url}${path}`, { ...init, signal: AbortSignal.timeout(this.opts.timeoutMs) });
    } catch (error) {
      throw new UpstreamError("indexer", `${this.url}${path}: ${describeError(error)}`);
    }
  }

  /** Ponder's /status: per chain (keyed by its name), its id and latest indexed block. */
  private async readStatus(): Promise<{ heads: Map<number, Head>; ready: boolean }> {
    const [status, ready] = await Promise.all([this.fetch("/status"), this.fetch("/ready")]);
    if (!status.ok) throw new UpstreamError("indexer", `GET /status answered ${status.status}`);
    const body = (await status.json().catch(() => null)) as Record<string, { id?: number; block?: { number: number; timestamp: number } }> | null;
    const heads = new Map<number, Head>();
    for (const chain of Object.values(body ?? {})) {
      if (typeof chain?.id === "number" && chain.block) heads.set(chain.id, { number: BigInt(chain.block.number), timestamp: chain.block.timestamp });
    }
    return { heads, ready: ready.status === 200 };
  }

  /** The latest indexed block of `chainId`, and whether the backfill (of every chain) is done. */
  async progress(chainId: number): Promise<{ head: Head; ready: boolean }> {
    const { heads, ready } = await this.status.get();
    const head = heads.get(chainId);
    if (!head) {
      const followed = [...heads.keys()];
      throw new UpstreamError(
        "indexer",
        followed.length ? `it does not index chain ${chainId} (it indexes ${followed.join(", ")})` : "it has not indexed any block yet",
      );
    }
    return { head, ready };
  }
}

export class ChainClient {
  readonly client: PublicClient;
  private readonly latest: Polled<Head>;

  constructor(readonly url: string, readonly chainId: number, opts: { timeoutMs: number; pollMs: number }) {
    const chain: Chain = defineChain({
      id: chainId,
      name: `chain-${chainId}`,
      nativeCurrency: { name: "Ether", symbol: "ETH", decimals: 18 },
      rpcUrls: { default: { http: [url] } },
    });
    // One retry, soon: a request can meet a kept-alive connection the node has just closed, which is
    // no outage (an endpoint really down still answers 503 within a tenth of a second more).
    this.client = createPublicClient({ chain, transport: http(url, { timeout: opts.timeoutMs, retryCount: 1, retryDelay: 100 }) });
    this.latest = new Polled(opts.pollMs, async () => {
      const block = await this.call("latest block", () => this.client.getBlock({ blockTag: "latest" }));
      return { number: block.number, timestamp: Number(block.timestamp) };
    });
  }

  /** Runs an RPC request; transport failures become 503s naming the chain. */
  async call<T>(what: string, run: () => Promise<T>): Promise<T> {
    try {
      return await run();
    } catch (error) {
      throw new UpstreamError("chain", `${what}: ${describeError(error)}`);
    }
  }

  head(): Promise<Head> {
    return this.latest.get();
  }

  /** Checks the RPC endpoint serves the chain the deployments are for. */
  async checkChainId(): Promise<void> {
    const id = await this.call("chain id", () => this.client.getChainId());
    if (id !== this.chainId) throw new UpstreamError("chain", `${this.url} serves chain ${id}, not ${this.chainId}`);
  }

  async code(address: Address, blockNumber: bigint) {
    return this.call("code", () => this.client.getCode({ address, blockNumber }));
  }
}
