// Leash for React: a session key in the browser, from creation to revocation.
export {
  LeashProvider,
  type LeashProviderProps,
  type LeashSession,
  useCreateSession,
  useExecuteWithSession,
  useLeashSession,
  useRegisterSession,
  useRevokeSession,
  useSessionStatus,
} from "./hooks.js";
export {
  DEFAULT_DURATION,
  DEFAULT_EXPIRING_SECONDS,
  DEFAULT_POLL_MS,
  type Eip1193Provider,
  type LeashSettings,
  type LeashSnapshot,
  LeashStore,
  type SessionRequest,
  type SessionRequestView,
  type SessionState,
  type SessionView,
  type TokenLeft,
  stateOf,
} from "./store.js";
export { LeashError, type LeashErrorKind } from "./errors.js";
export type { Call, ChainSettings, ExecutionResult, LeashEngine } from "./engine.js";
export type { RefusalKind } from "../sdk/errors.js";
