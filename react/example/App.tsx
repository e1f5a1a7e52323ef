// The example app: a session key made in this page, registered once with the owner's wallet, then
// paying USDC with no prompt, its calls, spend and time left shown as they change, revoked on demand.
import { useState } from "react";
import { type Address, encodeFunctionData, erc20Abi, getAddress, parseUnits } from "viem";
import { formatDuration } from "../../sdk/format.js";
import { type Eip1193Provider, LeashError, LeashProvider, type SessionRequest, useLeashSession } from "../index.js";

export interface ExampleSettings {
  chainId: number;
  rpcUrl: string;
  bundlerUrl: string;
  /** ?margins=0,5: the bundler's time margins (seconds before, after), when not the SDK's defaults. */
  bundlerMargins?: { validAfterSeconds: number; validUntilSeconds: number };
  apiUrl: string;
  /** The ERC-20 the session pays with (6 decimals, as USDC). */
  token: Address | null;
  /** Who receives the payments. */
  payee: Address;
}

/** Where the app's chain, bundler and token are: the page's query (npm start prints the URL), else npm start's ports. */
export function settingsFromUrl(url: URL): ExampleSettings {
  const q = url.searchParams;
  const token = q.get("token");
  const margins = q.get("margins")?.split(",").map(Number);
  return {
    ...(margins?.length === 2 && margins.every(Number.isInteger) ? { bundlerMargins: { validAfterSeconds: margins[0]!, validUntilSeconds: margins[1]! } } : {}),
    chainId: Number(q.get("chainId") ?? 31337),
    rpcUrl: q.get("rpc") ?? "http://127.0.0.1:8545",
    bundlerUrl: q.get("bundler") ?? "http://127.0.0.1:4337",
    apiUrl: q.get("api") ?? url.origin,
    token: token ? getAddress(token) : null,
    payee: getAddress(q.get("payee") ?? "0x000000000000000000000000000000000000bEEF"),
  };
}

export function App({ settings, provider }: { settings: ExampleSettings; provider: Eip1193Provider | undefined }) {
  const [notice, setNotice] = useState<string | null>(null);
  return (
    <LeashProvider
      chain={{ id: settings.chainId, rpcUrl: settings.rpcUrl }}
      bundlerUrl={settings.bundlerUrl}
      bundlerMargins={settings.bundlerMargins}
      apiUrl={settings.apiUrl}
      provider={provider}
      pollMs={2000}
      onLowCalls={(left) => setNotice(`Only ${left} calls left: register a new session soon.`)}
      onExpiring={(seconds) => setNotice(`The session ends in ${formatDuration(seconds)}: register a new one to keep going.`)}
    >
      <main>
        <h1>Pay with a session key</h1>
        {notice && <p role="status" data-testid="notice">{notice}</p>}
        <Session settings={settings} />
      </main>
    </LeashProvider>
  );
}

/** 100 calls of at most 10 USDC each, 50 USDC in all, for the default 6 hours. */
function requestFor(settings: ExampleSettings): SessionRequest {
  return {
    permissions: {
      chainId: settings.chainId,
      contractAddress: settings.token!,
      allowedFunctions: ["transfer"],
      maxPerTransaction: "10",
      maxTotal: "50",
      maxCalls: 100,
    },
  };
}

function Session({ settings }: { settings: ExampleSettings }) {
  const s = useLeashSession();
  const [amount, setAmount] = useState("1");
  const [paid, setPaid] = useState<string | null>(null);
  const busy = s.pending !== null;
  const run = (action: () => Promise<unknown>) => () => void action().catch(() => {}); // the error is shown from s.error

  const pay = async () => {
    setPaid(null);
    const data = encodeFunctionData({ abi: erc20Abi, functionName: "transfer", args: [settings.payee, parseUnits(amount, 6)] });
    const result = await s.executeWithSession([{ to: settings.token!, data }]);
    setPaid(`Paid ${amount} USDC in transaction ${result.transactionHash}`);
  };

  return (
    <>
      <section>
        <h2>Session</h2>
        <p>
          State: <span className="state" data-testid="state">{s.sessionState}</span>
        </p>
        {s.sessionKey && (
          <p>
            Session key: <code data-testid="session-key">{s.sessionKey}</code> (in this page's memory only: a reload forgets it)
          </p>
        )}
        {!settings.token && <p className="error">No token: open this page with ?token=0x… (npm start prints the link).</p>}
        <button onClick={() => s.createSession()} disabled={busy || s.hasActiveSession}>
          Create session key
        </button>
        <button onClick={run(() => s.registerSession(requestFor(settings)))} disabled={busy || !settings.token || (s.sessionState !== "created" && s.sessionState !== "none")}>
          {s.pending === "register" ? "Waiting for the wallet…" : "Register (sign once)"}
        </button>
        <button className="danger" onClick={run(() => s.revokeSession())} disabled={busy || s.sessionState === "none" || s.sessionState === "revoked"}>
          {s.pending === "revoke" ? "Revoking…" : "Revoke"}
        </button>
      </section>

      {s.request && (
        <section data-testid="explanation">
          <h2>What the session key can do</h2>
          <ul>{s.request.summary.can.map((line) => <li key={line}>{line}</li>)}</ul>
          <h2>What it cannot do</h2>
          <ul>{s.request.summary.cannot.map((line) => <li key={line}>{line}</li>)}</ul>
        </section>
      )}

      {s.hasActiveSession && (
        <section>
          <h2>Pay</h2>
          <label>
            USDC <input aria-label="amount" value={amount} onChange={(e) => setAmount(e.target.value)} />
          </label>{" "}
          <button onClick={run(pay)} disabled={busy}>
            {s.pending === "execute" ? "Sending…" : "Pay without a prompt"}
          </button>
          {paid && <p className="ok" data-testid="paid">{paid}</p>}
        </section>
      )}

      {s.session && (
        <section data-testid="status">
          <h2>What remains</h2>
          <p data-testid="calls">{s.callsText ?? "No limit on calls"}</p>
          <p data-testid="time-left">{s.timeLeft === null ? "No expiry" : `${formatDuration(s.timeLeft, "countdown")} left`}</p>
          {s.spendRemaining.map((t) => t.display.map((line) => <p key={line}>{line}</p>))}
        </section>
      )}

      {s.error && (
        <p className="error" role="alert" data-testid="error" data-kind={s.error.kind} data-reason={s.error.reason ?? ""}>
          {describe(s.error)}
        </p>
      )}
    </>
  );
}

function describe(error: LeashError): string {
  if (error.kind === "refused") return `Refused: ${error.message}`;
  if (error.kind === "wallet-declined") return error.message;
  return `${error.message}`;
}
