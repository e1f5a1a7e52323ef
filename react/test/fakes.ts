// What the hooks talk to, faked: the API (fetch), the owner's wallet (EIP-1193) and the chain side
// (LeashEngine). Each records what it was asked, and can be told to refuse.
import type { Address, Hex } from "viem";
import { SessionOperationError } from "../../sdk/session.js";
import { UserOperationError } from "../../sdk/errors.js";
import type { LeashEngine } from "../engine.js";
import type { SessionView } from "../store.js";

export const OWNER: Address = "0x1111111111111111111111111111111111111111";
export const ACCOUNT: Address = "0x2222222222222222222222222222222222222222";
export const PERMISSION: Hex = "0xa1b2c3d4";
export const NOW = 1_800_000_000;

/** A session as the API answers it, `change`d. */
export function sessionView(change: Partial<SessionView> & { remaining?: number | null; max?: number | null; expiresIn?: number } = {}): SessionView {
  const { remaining = 100, max = 100, expiresIn = 6 * 3600, ...rest } = change;
  return {
    account: ACCOUNT,
    chainId: 31337,
    permissionId: PERMISSION,
    registration: 1,
    status: "active",
    sessionKey: null,
    validAfter: { unix: NOW - 10, iso: "" },
    expiresAt: { unix: NOW + expiresIn, iso: "" },
    secondsLeft: expiresIn,
    permissions: [],
    tokens: [
      {
        token: "0x3333333333333333333333333333333333333333",
        symbol: "USDC",
        decimals: 6,
        limits: { perTransaction: null, total: null, perPeriod: null, periodSeconds: null },
        spent: { total: { raw: "0", formatted: "0", display: "0 USDC" }, thisPeriod: null },
        remaining: { total: { raw: "49000000", formatted: "49", display: "49 USDC" }, thisPeriod: null },
        refillsAt: null,
        executionCount: 1,
        display: ["1 USDC of 50 USDC spent"],
      },
    ],
    calls: { remaining, max, remainingInWindow: null, perWindow: null, windowSeconds: null, windowEndsAt: null },
    display: { status: "", timeLeft: "", calls: remaining === null ? null : `${remaining} / ${max} calls remaining`, rateLimit: null, spend: [], permissions: [] },
    ...rest,
  } as unknown as SessionView;
}

export class FakeApi {
  calls: { method: string; path: string; body: unknown }[] = [];
  session: SessionView = sessionView({ status: "approved" as SessionView["status"] });
  /** Paths answered with this error instead. */
  failing = new Map<string, { status: number; code: string; message: string }>();

  fetch = async (url: string | URL | Request, init?: RequestInit): Promise<Response> => {
    const path = String(url).replace("http://api.test", "");
    const method = init?.method ?? "GET";
    const body = init?.body ? JSON.parse(String(init.body)) : undefined;
    this.calls.push({ method, path, body });
    const failure = [...this.failing].find(([p]) => path.startsWith(p))?.[1];
    if (failure) return Response.json({ error: { code: failure.code, message: failure.message } }, { status: failure.status });
    if (method === "POST" && path === "/v1/session-requests") return Response.json(this.request("awaiting_approval", body), { status: 201 });
    if (method === "POST" && path.endsWith("/approval")) return Response.json(this.request("approved", body));
    if (method === "POST" && (path.endsWith("/decline") || path.endsWith("/failure"))) return Response.json(this.request("declined", body));
    if (method === "POST" && path.endsWith("/revocation?chainId=31337")) return Response.json({ call: { to: ACCOUNT, data: "0xdeadbeef", value: "0" } });
    if (method === "GET" && path.startsWith(`/v1/accounts/${ACCOUNT}/sessions/${PERMISSION}`)) return Response.json(this.session);
    return Response.json({ error: { code: "not_found", message: `no route ${method} ${path}` } }, { status: 404 });
  };

  request(status: string, _body: unknown) {
    return {
      id: "4b0c6a52-0c43-4c9b-9d0e-0f5b1f1c2a3d",
      status,
      summary: { can: ["Call transfer on USDC"], cannot: ["Spend more than 10 USDC at once"], text: "" },
      warnings: [],
      toSign: { account: ACCOUNT, permissionId: PERMISSION, sessionKey: OWNER, policy: { address: OWNER, data: "0x" }, typedData: { primaryType: "Enable", domain: {}, types: {}, message: {} } },
      session: { tokens: [], validAfter: { unix: NOW }, expiresAt: { unix: NOW + 6 * 3600 } },
      approval: status === "approved" ? { signer: OWNER, signature: "0x01" } : null,
    };
  }

  posted(suffix: string) {
    return this.calls.filter((c) => c.method === "POST" && c.path.endsWith(suffix));
  }
}

export class FakeWallet {
  asked: { method: string; params?: unknown[] }[] = [];
  refuse = new Set<string>();
  chainId = 31337;

  request = async ({ method, params }: { method: string; params?: unknown[] }): Promise<unknown> => {
    this.asked.push({ method, params });
    if (this.refuse.has(method)) throw Object.assign(new Error("User rejected the request."), { code: 4001 });
    switch (method) {
      case "eth_requestAccounts":
        return [OWNER];
      case "eth_chainId":
        return `0x${this.chainId.toString(16)}`;
      case "wallet_switchEthereumChain":
        this.chainId = Number((params![0] as { chainId: string }).chainId);
        return null;
      case "eth_signTypedData_v4":
        return `0x${"ab".repeat(65)}`;
      case "eth_sendTransaction":
        return `0x${"cd".repeat(32)}`;
      default:
        throw Object.assign(new Error(`${method} is not supported`), { code: 4200 });
    }
  };

  methods() {
    return this.asked.map((a) => a.method);
  }
}

export class FakeEngine implements LeashEngine {
  executed: { key: Hex; calls: unknown }[] = [];
  /** The next execute throws the policy's refusal of this kind. */
  refusal: { kind: "per-transaction-cap" | "expired"; message: string } | null = null;
  revertedRevocation = false;

  async ownerAccount(owner: Address) {
    void owner;
    return { address: ACCOUNT };
  }

  async execute(_request: unknown, key: Hex, calls: readonly unknown[]) {
    if (this.refusal) {
      const refusal = { ...this.refusal, details: {} };
      this.refusal = null;
      throw new SessionOperationError(refusal, new UserOperationError({ message: refusal.message } as never));
    }
    this.executed.push({ key, calls });
    return { userOpHash: `0x${"11".repeat(32)}` as Hex, transactionHash: `0x${"22".repeat(32)}` as Hex, success: true };
  }

  async waitForTransaction() {
    return { success: !this.revertedRevocation };
  }
}
