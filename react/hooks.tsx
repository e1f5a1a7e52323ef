// LeashProvider and the hooks: a LeashStore (store.ts) per provider, read with useSyncExternalStore,
// so every component sees the same session and a re-render changes nothing of it.
import { type ReactNode, createContext, useContext, useEffect, useMemo, useRef, useSyncExternalStore } from "react";
import { LeashStore, type LeashSettings, type LeashSnapshot, type SessionRequest, type SessionRequestView } from "./store.js";
import type { Call, ExecutionResult } from "./engine.js";

const Context = createContext<LeashStore | null>(null);

export type LeashProviderProps = LeashSettings & { children?: ReactNode };

/**
 * The chain (id and RPC URL), the bundler, the Leash API and the owner's EIP-1193 provider for every
 * hook below it. Its session lives as long as the provider stays mounted (and the page loaded).
 */
export function LeashProvider({ children, ...settings }: LeashProviderProps) {
  const store = useRef<LeashStore | null>(null);
  store.current ??= new LeashStore(settings);
  // New callbacks or a new wallet on each render are taken as they come; the session stays.
  useEffect(() => {
    store.current!.configure(settings);
  });
  useEffect(() => {
    store.current!.resume();
    return () => store.current!.stop();
  }, []);
  return <Context.Provider value={store.current}>{children}</Context.Provider>;
}

function useStore(): LeashStore {
  const store = useContext(Context);
  if (!store) throw new Error("Leash hooks must be used inside <LeashProvider>");
  return store;
}

function useSnapshot(): LeashSnapshot {
  const store = useStore();
  return useSyncExternalStore(store.subscribe, store.getSnapshot, store.getSnapshot);
}

export interface LeashSession extends LeashSnapshot {
  createSession(): { sessionKey: `0x${string}` };
  registerSession(request: SessionRequest, opts?: { confirm?: (request: SessionRequestView) => boolean | Promise<boolean> }): Promise<SessionRequestView>;
  executeWithSession(calls: readonly Call[]): Promise<ExecutionResult>;
  revokeSession(): Promise<{ transactionHash: `0x${string}` | null }>;
  refresh(): Promise<void>;
}

/** Everything at once: the state, what remains, and the four steps. */
export function useLeashSession(): LeashSession {
  const store = useStore();
  const snapshot = useSnapshot();
  const actions = useActions(store);
  return useMemo(() => ({ ...snapshot, ...actions }), [snapshot, actions]);
}

function useActions(store: LeashStore) {
  return useMemo(
    () => ({
      createSession: () => store.createSession(),
      registerSession: (request: SessionRequest, opts?: { confirm?: (request: SessionRequestView) => boolean | Promise<boolean> }) => store.registerSession(request, opts),
      executeWithSession: (calls: readonly Call[]) => store.executeWithSession(calls),
      revokeSession: () => store.revokeSession(),
      refresh: () => store.refresh(),
    }),
    [store],
  );
}

/** Makes the session key, in this page's memory only. */
export function useCreateSession() {
  const store = useStore();
  const { sessionKey, sessionState } = useSnapshot();
  return { createSession: useActions(store).createSession, sessionKey, sessionState };
}

/** Explanation, the owner's one signature, the stored approval. */
export function useRegisterSession() {
  const store = useStore();
  const { pending, error, request } = useSnapshot();
  return { registerSession: useActions(store).registerSession, isPending: pending === "register", error, request };
}

/** An operation signed by the session key, with no prompt. */
export function useExecuteWithSession() {
  const store = useStore();
  const { pending, error, lastExecution } = useSnapshot();
  return { executeWithSession: useActions(store).executeWithSession, isPending: pending === "execute", error, lastExecution };
}

/** The owner's revocation, through the wallet. */
export function useRevokeSession() {
  const store = useStore();
  const { pending, error } = useSnapshot();
  return { revokeSession: useActions(store).revokeSession, isPending: pending === "revoke", error };
}

/** Where the session stands and what it has left, kept current from the API. */
export function useSessionStatus() {
  const store = useStore();
  const { sessionState, hasActiveSession, remainingCalls, callsText, spendRemaining, timeLeft, session } = useSnapshot();
  return { sessionState, hasActiveSession, remainingCalls, callsText, spendRemaining, timeLeft, session, refresh: useActions(store).refresh };
}
