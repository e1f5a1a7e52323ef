// The hooks and their store against a fake API, wallet and chain (fakes.ts): each step's requests,
// each state, each error, and the callbacks.
import { act, renderHook, waitFor } from "@testing-library/react";
import { Activity, type ReactNode, StrictMode } from "react";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { LeashError } from "../errors.js";
import { LeashProvider, useExecuteWithSession, useLeashSession, useRegisterSession, useSessionStatus } from "../hooks.js";
import { DEFAULT_DURATION, type LeashSettings, LeashStore, type SessionView, stateOf } from "../store.js";
import { ACCOUNT, FakeApi, FakeEngine, FakeWallet, NOW, OWNER, PERMISSION, sessionView } from "./fakes.js";

const REQUEST = { permissions: { chainId: 31337, contractAddress: "0x3333333333333333333333333333333333333333", allowedFunctions: ["transfer"], maxPerTransaction: "10", maxCalls: 100 } };
const CALL = [{ to: "0x3333333333333333333333333333333333333333" as const, data: "0xa9059cbb" as const }];

let api: FakeApi;
let wallet: FakeWallet;
let engine: FakeEngine;
let clock: number;

function settings(extra: Partial<LeashSettings> = {}): LeashSettings {
  return { chain: { id: 31337, rpcUrl: "http://chain.test" }, bundlerUrl: "http://bundler.test", apiUrl: "http://api.test", provider: wallet, engine, fetch: api.fetch as typeof fetch, now: () => clock, pollMs: 60_000, ...extra };
}

function wrapper(extra: Partial<LeashSettings> = {}) {
  return ({ children }: { children: ReactNode }) => <LeashProvider {...settings(extra)}>{children}</LeashProvider>;
}

beforeEach(() => {
  api = new FakeApi();
  wallet = new FakeWallet();
  engine = new FakeEngine();
  clock = NOW;
});

afterEach(() => {
  vi.useRealTimers();
});

describe("useLeashSession: the lifecycle", () => {
  it("starts with no session; createSession makes a key in memory only", () => {
    const { result } = renderHook(() => useLeashSession(), { wrapper: wrapper() });
    expect(result.current.sessionState).toBe("none");
    expect(result.current.hasActiveSession).toBe(false);
    act(() => void result.current.createSession());
    expect(result.current.sessionState).toBe("created");
    expect(result.current.sessionKey).toMatch(/^0x[0-9a-fA-F]{40}$/);
    expect(localStorage.length + sessionStorage.length).toBe(0);
    // Nothing reached the API or the wallet.
    expect(api.calls).toEqual([]);
    expect(wallet.asked).toEqual([]);
  });

  it("the private key is reachable from nowhere: not the snapshot, not the store's properties", () => {
    const store = new LeashStore(settings());
    store.createSession();
    const key = /0x[0-9a-fA-F]{64}/;
    const seen = [...Object.values(store), ...Object.values(store.getSnapshot())].map((v) => (typeof v === "string" ? v : JSON.stringify(v) ?? ""));
    expect(seen.filter((v) => key.test(v))).toEqual([]);
    expect(store.getSnapshot().sessionKey).toMatch(/^0x[0-9a-fA-F]{40}$/);
  });

  it("registerSession: the API explains and stores the request, the wallet signs once, the approval is submitted", async () => {
    const { result } = renderHook(() => useLeashSession(), { wrapper: wrapper() });
    act(() => void result.current.createSession());
    const key = result.current.sessionKey;
    await act(() => result.current.registerSession(REQUEST));
    const [created] = api.posted("/v1/session-requests");
    expect(created!.body).toMatchObject({ walletAddress: ACCOUNT, sessionKeyAddress: key, duration: DEFAULT_DURATION, permissions: REQUEST.permissions });
    expect(DEFAULT_DURATION).toBe(6 * 3600);
    const signs = wallet.asked.filter((a) => a.method === "eth_signTypedData_v4");
    expect(signs).toHaveLength(1);
    expect(signs[0]!.params![0]).toBe(OWNER);
    expect(JSON.parse(signs[0]!.params![1] as string).primaryType).toBe("Enable");
    expect(api.posted("/approval")[0]!.body).toEqual({ signature: `0x${"ab".repeat(65)}` });
    expect(result.current.sessionState).toBe("approved");
    expect(result.current.hasActiveSession).toBe(true);
    expect(result.current.request?.summary.cannot).toEqual(["Spend more than 10 USDC at once"]);
  });

  it("a request's own duration is kept; a wallet on another chain is asked to switch", async () => {
    wallet.chainId = 1;
    const { result } = renderHook(() => useLeashSession(), { wrapper: wrapper() });
    await act(() => result.current.registerSession({ ...REQUEST, duration: 3600 }));
    expect(api.posted("/v1/session-requests")[0]!.body).toMatchObject({ duration: 3600 });
    expect(wallet.methods()).toContain("wallet_switchEthereumChain");
    // registerSession made the key itself.
    expect(result.current.sessionKey).not.toBeNull();
  });

  it("the owner declining in the wallet: a typed error, the stored request declined, the key kept for another try", async () => {
    wallet.refuse.add("eth_signTypedData_v4");
    const { result } = renderHook(() => useLeashSession(), { wrapper: wrapper() });
    act(() => void result.current.createSession());
    const key = result.current.sessionKey;
    const error = await act(() => result.current.registerSession(REQUEST).catch((e: unknown) => e));
    expect(error).toBeInstanceOf(LeashError);
    expect((error as LeashError).kind).toBe("wallet-declined");
    expect((error as LeashError).message).toMatch(/declined.*nothing was granted/);
    expect(api.posted("/decline")).toHaveLength(1);
    expect(api.posted("/approval")).toHaveLength(0);
    expect(result.current.sessionState).toBe("created");
    expect(result.current.sessionKey).toBe(key);
    expect(result.current.error?.kind).toBe("wallet-declined");
  });

  it("an approval the API could not take is sent again on the next try, with the same signature: the owner signs once", async () => {
    const { result } = renderHook(() => useLeashSession(), { wrapper: wrapper() });
    api.failing.set("/v1/session-requests/4b0c6a52-0c43-4c9b-9d0e-0f5b1f1c2a3d/approval", { status: 503, code: "upstream_unavailable", message: "the chain is unreachable" });
    const error = (await act(() => result.current.registerSession(REQUEST).catch((e: unknown) => e))) as LeashError;
    expect([error.kind, error.status]).toEqual(["api", 503]);
    expect(result.current.sessionState).toBe("created");
    api.failing.clear();
    await act(() => result.current.registerSession(REQUEST));
    expect(result.current.sessionState).toBe("approved");
    expect(wallet.methods().filter((m) => m === "eth_signTypedData_v4")).toHaveLength(1);
    expect(api.posted("/v1/session-requests")).toHaveLength(1);
    expect(api.posted("/approval").map((c) => c.body)).toEqual([{ signature: `0x${"ab".repeat(65)}` }, { signature: `0x${"ab".repeat(65)}` }]);
  });

  it("an approval the API refuses (4xx) is not kept: the next try is a new request, signed anew", async () => {
    const { result } = renderHook(() => useLeashSession(), { wrapper: wrapper() });
    api.failing.set("/v1/session-requests/4b0c6a52-0c43-4c9b-9d0e-0f5b1f1c2a3d/approval", { status: 422, code: "invalid_signature", message: "the signature is not the account owner's" });
    const error = (await act(() => result.current.registerSession(REQUEST).catch((e: unknown) => e))) as LeashError;
    expect([error.kind, error.code, error.message]).toEqual(["api", "invalid_signature", "the signature is not the account owner's"]);
    api.failing.clear();
    await act(() => result.current.registerSession(REQUEST));
    expect(wallet.methods().filter((m) => m === "eth_signTypedData_v4")).toHaveLength(2);
    expect(api.posted("/v1/session-requests")).toHaveLength(2);
  });

  it("confirm sees the explanation first and may stop before the wallet is asked", async () => {
    const { result } = renderHook(() => useLeashSession(), { wrapper: wrapper() });
    const seen: string[][] = [];
    const error = await act(() =>
      result.current.registerSession(REQUEST, { confirm: (r) => (seen.push(r.summary.can), false) }).catch((e: unknown) => e),
    );
    expect(seen).toEqual([["Call transfer on USDC"]]);
    expect((error as LeashError).kind).toBe("wallet-declined");
    expect(wallet.methods()).not.toContain("eth_signTypedData_v4");
    expect(api.posted("/decline")).toHaveLength(1);
  });

  it("executeWithSession signs with the page's key and needs no wallet; the session turns active", async () => {
    const { result } = renderHook(() => useLeashSession(), { wrapper: wrapper() });
    await act(() => result.current.registerSession(REQUEST));
    const asked = wallet.asked.length;
    api.session = sessionView({ remaining: 99 });
    const sent = await act(() => result.current.executeWithSession(CALL));
    expect(sent.success).toBe(true);
    expect(engine.executed).toHaveLength(1);
    expect(engine.executed[0]!.calls).toEqual(CALL);
    expect(wallet.asked.length).toBe(asked);
    expect(result.current.sessionState).toBe("active");
    expect(result.current.remainingCalls).toBe(99);
    expect(result.current.callsText).toBe("99 / 100 calls remaining");
    expect(result.current.spendRemaining).toEqual([
      { token: "0x3333333333333333333333333333333333333333", symbol: "USDC", total: "49000000", thisPeriod: null, display: ["1 USDC of 50 USDC spent"] },
    ]);
    expect(result.current.lastExecution?.transactionHash).toBe(`0x${"22".repeat(32)}`);
  });

  it("a refused operation: LeashError 'refused' with the SDK's reason; a first operation's failure is reported to the API", async () => {
    const { result } = renderHook(() => useLeashSession(), { wrapper: wrapper() });
    await act(() => result.current.registerSession(REQUEST));
    engine.refusal = { kind: "per-transaction-cap", message: "this operation spends 20 USDC; the limit is 10 USDC per transaction" };
    const error = (await act(() => result.current.executeWithSession(CALL).catch((e: unknown) => e))) as LeashError;
    expect(error.kind).toBe("refused");
    expect(error.reason).toBe("per-transaction-cap");
    expect(error.message).toBe("this operation spends 20 USDC; the limit is 10 USDC per transaction");
    expect(api.posted("/failure")[0]!.body).toEqual({ reason: error.message });
    expect(result.current.error).toBe(error);
    // Still approved: it can be tried again within the limits.
    expect(result.current.sessionState).toBe("approved");
  });

  it("executing before approval, or with no wallet to register, fails with a typed error naming what to do", async () => {
    const { result } = renderHook(() => useLeashSession(), { wrapper: wrapper({ provider: undefined }) });
    const early = (await act(() => result.current.executeWithSession(CALL).catch((e: unknown) => e))) as LeashError;
    expect(early.kind).toBe("state");
    expect(early.message).toMatch(/create one and have the owner register it/);
    const missing = (await act(() => result.current.registerSession(REQUEST).catch((e: unknown) => e))) as LeashError;
    expect(missing.kind).toBe("wallet-missing");
    expect(api.calls).toEqual([]);
  });

  it("a wallet's other failures in the dashboard's words (sdk/wallet.ts): a request already waiting, an unknown chain", async () => {
    const { result } = renderHook(() => useLeashSession(), { wrapper: wrapper() });
    const original = wallet.request;
    wallet.request = async (args) => {
      if (args.method === "eth_requestAccounts") throw Object.assign(new Error("Request already pending"), { code: -32002 });
      return original(args);
    };
    const pendingError = (await act(() => result.current.registerSession(REQUEST).catch((e: unknown) => e))) as LeashError;
    expect([pendingError.kind, pendingError.code, pendingError.message]).toEqual(["wallet-failed", "-32002", "Your wallet already has a request waiting: open the wallet, answer it, then try again."]);
    wallet.chainId = 1;
    wallet.request = async (args) => {
      if (args.method === "wallet_switchEthereumChain") throw Object.assign(new Error("Unrecognized chain"), { code: 4902 });
      return original(args);
    };
    const chainError = (await act(() => result.current.registerSession(REQUEST).catch((e: unknown) => e))) as LeashError;
    expect([chainError.kind, chainError.message]).toEqual(["wallet-failed", "Your wallet does not know chain 31337: add that network in the wallet, then try again."]);
    expect(api.calls).toEqual([]);
  });

  it("an API error keeps its code and words, and is no 500 in disguise", async () => {
    api.failing.set("/v1/session-requests", { status: 400, code: "invalid_request", message: "permissions.0.maxPerTransaction: must be more than 0" });
    const { result } = renderHook(() => useLeashSession(), { wrapper: wrapper() });
    const error = (await act(() => result.current.registerSession(REQUEST).catch((e: unknown) => e))) as LeashError;
    expect([error.kind, error.code, error.status]).toEqual(["api", "invalid_request", 400]);
    expect(error.message).toBe("permissions.0.maxPerTransaction: must be more than 0");
    expect(result.current.sessionState).toBe("created");
  });

  it("revokeSession sends the API's prepared call through the wallet, then forgets the key; a refused operation after it says revoked", async () => {
    const { result } = renderHook(() => useLeashSession(), { wrapper: wrapper() });
    await act(() => result.current.registerSession(REQUEST));
    api.session = sessionView({ status: "revoked" as SessionView["status"] });
    const { transactionHash } = await act(() => result.current.revokeSession());
    expect(transactionHash).toBe(`0x${"cd".repeat(32)}`);
    const sent = wallet.asked.find((a) => a.method === "eth_sendTransaction")!;
    expect(sent.params).toEqual([{ from: ACCOUNT, to: ACCOUNT, data: "0xdeadbeef", value: "0x0" }]);
    expect(api.posted(`/v1/accounts/${ACCOUNT}/sessions/${PERMISSION}/revocation?chainId=31337`)).toHaveLength(1);
    expect(result.current.sessionState).toBe("revoked");
    expect(result.current.hasActiveSession).toBe(false);
    const after = (await act(() => result.current.executeWithSession(CALL).catch((e: unknown) => e))) as LeashError;
    expect([after.kind, after.reason]).toEqual(["refused", "revoked"]);
    // Calling it again (a second logout) does nothing.
    expect(await act(() => result.current.revokeSession())).toEqual({ transactionHash: null });
  });

  it("revokeSession declined in the wallet keeps the session; a key never approved is just forgotten", async () => {
    const { result } = renderHook(() => useLeashSession(), { wrapper: wrapper() });
    act(() => void result.current.createSession());
    expect(await act(() => result.current.revokeSession())).toEqual({ transactionHash: null });
    expect(result.current.sessionState).toBe("none");
    expect(result.current.sessionKey).toBeNull();
    expect(wallet.asked).toEqual([]);

    await act(() => result.current.registerSession(REQUEST));
    wallet.refuse.add("eth_sendTransaction");
    const error = (await act(() => result.current.revokeSession().catch((e: unknown) => e))) as LeashError;
    expect(error.kind).toBe("wallet-declined");
    expect(error.message).toMatch(/nothing was revoked/);
    expect(result.current.sessionState).toBe("approved");
  });

  it("a revocation whose transaction fails on chain is an error, and the key is kept", async () => {
    const { result } = renderHook(() => useLeashSession(), { wrapper: wrapper() });
    await act(() => result.current.registerSession(REQUEST));
    engine.revertedRevocation = true;
    const error = (await act(() => result.current.revokeSession().catch((e: unknown) => e))) as LeashError;
    expect(error.kind).toBe("wallet-failed");
    expect(error.message).toMatch(/failed on chain; the session was not revoked/);
    expect(result.current.sessionState).toBe("approved");
    expect(result.current.sessionKey).not.toBeNull();
  });
});

describe("useLeashSession: state kept current", () => {
  it("survives re-renders, and a re-rendered provider with new callbacks", async () => {
    let calls = 0;
    const { result, rerender } = renderHook(() => (calls++, useLeashSession()), { wrapper: wrapper() });
    await act(() => result.current.registerSession(REQUEST));
    const key = result.current.sessionKey;
    rerender();
    rerender();
    expect(calls).toBeGreaterThan(2);
    expect(result.current.sessionKey).toBe(key);
    expect(result.current.sessionState).toBe("approved");
  });

  it("polls while shown; hidden by <Activity> it stops, shown again it polls again with the same session; unmounted it stops", async () => {
    vi.useFakeTimers({ toFake: ["setInterval", "clearInterval"] });
    let mode: "visible" | "hidden" = "visible";
    const provider = settings({ pollMs: 5_000 });
    const wrap = ({ children }: { children: ReactNode }) => (
      <StrictMode>
        <Activity mode={mode}>
          <LeashProvider {...provider}>{children}</LeashProvider>
        </Activity>
      </StrictMode>
    );
    const { result, rerender, unmount } = renderHook(() => useLeashSession(), { wrapper: wrap });
    await act(() => result.current.registerSession(REQUEST));
    const key = result.current.sessionKey;
    api.session = sessionView({ remaining: 42 });
    await act(() => vi.advanceTimersByTimeAsync(5_000));
    expect(result.current.remainingCalls).toBe(42);

    mode = "hidden";
    rerender();
    let polled = api.calls.length;
    await act(() => vi.advanceTimersByTimeAsync(20_000));
    expect(api.calls.length).toBe(polled);

    mode = "visible";
    rerender();
    api.session = sessionView({ remaining: 41 });
    await act(() => vi.advanceTimersByTimeAsync(5_000));
    expect(result.current.remainingCalls).toBe(41);
    expect(result.current.sessionKey).toBe(key);

    unmount();
    polled = api.calls.length;
    await vi.advanceTimersByTimeAsync(20_000);
    expect(api.calls.length).toBe(polled);
  });

  it("every hook under one provider sees the same session; the per-step hooks show what is under way", async () => {
    const { result } = renderHook(() => ({ all: useLeashSession(), status: useSessionStatus(), register: useRegisterSession(), execute: useExecuteWithSession() }), { wrapper: wrapper() });
    let resolveSign!: (v: unknown) => void;
    const signing = new Promise((r) => (resolveSign = r));
    const original = wallet.request;
    wallet.request = async (args) => (args.method === "eth_signTypedData_v4" ? (await signing, original(args)) : original(args));
    let done!: Promise<unknown>;
    act(() => void (done = result.current.register.registerSession(REQUEST)));
    await waitFor(() => expect(result.current.register.isPending).toBe(true));
    expect(result.current.execute.isPending).toBe(false);
    resolveSign(null);
    await act(() => done);
    expect(result.current.register.isPending).toBe(false);
    expect(result.current.status.sessionState).toBe("approved");
    expect(result.current.all.sessionKey).not.toBeNull();
  });

  it("maps the API's statuses to the session's states", () => {
    const at = (status: string, expiresIn = 100) => stateOf(sessionView({ status: status as SessionView["status"], expiresIn }), NOW);
    expect(["approved", "pending", "active", "expired", "exhausted", "revoked", "replaced"].map((s) => at(s))).toEqual([
      "approved",
      "approved",
      "active",
      "expired",
      "exhausted",
      "revoked",
      "revoked",
    ]);
    // Past its end it is expired whatever the index last said; a revocation stays a revocation.
    expect(at("active", 0)).toBe("expired");
    expect(at("revoked", 0)).toBe("revoked");
  });

  it("polls the API, counts the time left down every second, and calls onLowCalls and onExpiring once each", async () => {
    vi.useFakeTimers({ toFake: ["setInterval", "clearInterval", "setTimeout", "clearTimeout"] });
    const low: number[] = [];
    const expiring: number[] = [];
    const store = new LeashStore(settings({ pollMs: 5_000, expiringSeconds: 30, onLowCalls: (n) => low.push(n), onExpiring: (s) => expiring.push(s) }));
    await store.registerSession(REQUEST);
    api.session = sessionView({ remaining: 11, max: 100, expiresIn: 40 });
    await store.refresh();
    expect(store.getSnapshot().timeLeft).toBe(40);
    expect(low).toEqual([]);

    api.session = sessionView({ remaining: 10, max: 100, expiresIn: 40 });
    await vi.advanceTimersByTimeAsync(5_000);
    expect(store.getSnapshot().remainingCalls).toBe(10);
    expect(low).toEqual([10]);

    clock += 11;
    await vi.advanceTimersByTimeAsync(1_000);
    expect(store.getSnapshot().timeLeft).toBe(29);
    expect(expiring).toEqual([29]);

    api.session = sessionView({ remaining: 3, max: 100, expiresIn: 29 });
    clock += 5;
    await vi.advanceTimersByTimeAsync(5_000);
    // Once each.
    expect(low).toEqual([10]);
    expect(expiring).toEqual([29]);

    clock = NOW + 40;
    await vi.advanceTimersByTimeAsync(1_000);
    expect(store.getSnapshot().sessionState).toBe("expired");
    expect(store.getSnapshot().timeLeft).toBe(0);
    const polled = api.calls.length;
    await vi.advanceTimersByTimeAsync(20_000);
    expect(api.calls.length).toBe(polled);
    store.stop();
  });
});
