// The Leash dashboard: the sessions of one account, read from the API on this origin. Labels and
// amounts are the API's display strings; durations and times come from the SDK's formatters
// (sdk/format.ts, served as ./format.js).
// Every element is built with the DOM API (dom.js) and every value from the API goes in as text
// (textContent, text nodes, attribute values): nothing the API returns is ever parsed as HTML.

import { ApiFailure, api, failure, h, nextId, timeElement } from "./dom.js";
import { chainName, formatDuration } from "./format.js";
import { WalletFailure, connectWallet, holds, switchChain, walletChain, walletRequest } from "./wallet.js";

const ADDRESS = /^0x[0-9a-fA-F]{40}$/;
const PAGE_SIZE = 50;
const HISTORY_PAGE = 50;
/** While a sent revocation is awaited: how often the session is read, and for how long. */
const REVOKE_POLL_MS = 2000;
const REVOKE_WAIT_MS = 120_000;
const REVOKE_REFUSED = "You declined; nothing was revoked.";

const $ = (id) => /** @type {HTMLElement} */ (document.getElementById(id));

/** Spent as a percentage of a limit, from the raw base units (exact), to two decimals. */
function percent(spentRaw, limitRaw) {
  const limit = BigInt(limitRaw);
  if (limit === 0n) return 0;
  const basisPoints = (BigInt(spentRaw) * 10_000n) / limit;
  return Math.min(100, Number(basisPoints) / 100);
}

/*//////////////////////////////////////////////////////////////
                             COUNTDOWNS
//////////////////////////////////////////////////////////////*/

// One timer for every countdown on the page. A deadline is the API's secondsLeft (measured at its
// asOf.now: what the chain enforces next) added to the moment the answer arrived, on the monotonic
// clock.
const countdowns = new Set();

function countdown(secondsLeft) {
  const el = h("p", { class: "countdown", role: "timer" });
  const entry = { el, deadline: performance.now() / 1000 + secondsLeft, ended: secondsLeft <= 0 };
  countdowns.add(entry);
  renderCountdown(entry);
  return el;
}

function renderCountdown(entry) {
  const left = Math.max(0, Math.round(entry.deadline - performance.now() / 1000));
  entry.el.textContent = left > 0 ? `${formatDuration(left, "countdown")} remaining` : "expired";
  if (left === 0 && !entry.ended) {
    entry.ended = true;
    // The session has just run out: ask the API for its new status (once).
    scheduleReload();
  }
}

setInterval(() => {
  for (const entry of countdowns) {
    if (!entry.el.isConnected) countdowns.delete(entry);
    else renderCountdown(entry);
  }
}, 1000);

let reloadTimer;
function scheduleReload(delayMs = 2000) {
  clearTimeout(reloadTimer);
  reloadTimer = setTimeout(() => state.account && loadSessions(state.account), delayMs);
}

/*//////////////////////////////////////////////////////////////
                               CARDS
//////////////////////////////////////////////////////////////*/

function badge(status, label) {
  return h("span", { class: `badge badge-${status}`, text: label });
}

/** A bar of `spent` out of `limit` (Amount objects), with its numbers for assistive technology. */
function spendBar(label, spent, limit, text) {
  const id = nextId("spend");
  const pct = percent(spent.raw, limit.raw);
  const fill = h("div", { class: "fill" });
  fill.style.width = `${pct}%`;
  const numeric = (amount) => amount.formatted ?? amount.raw;
  return h(
    "div",
    { class: "meter" },
    h("div", { class: "meter-label" }, h("span", { id, class: "meter-name", text: label }), h("span", { class: "meter-text", text })),
    h(
      "div",
      {
        class: `bar${pct >= 90 ? " bar-high" : ""}`,
        role: "progressbar",
        "aria-labelledby": id,
        "aria-valuemin": "0",
        "aria-valuemax": numeric(limit),
        "aria-valuenow": numeric(spent),
        "aria-valuetext": text,
      },
      fill,
    ),
  );
}

function spending(session) {
  if (session.tokens.length === 0) return null;
  const rows = session.tokens.flatMap((t) => {
    const name = t.symbol ?? t.token;
    const [totalText, periodText] = t.display;
    const out = [];
    if (t.limits.total) out.push(spendBar(`${name} in total`, t.spent.total, t.limits.total, totalText));
    else out.push(h("p", { class: "meter-text", text: `${name}: ${totalText}` }));
    if (t.limits.perPeriod && t.spent.thisPeriod && periodText) {
      out.push(spendBar(`${name} this period`, t.spent.thisPeriod, t.limits.perPeriod, periodText));
    }
    return out;
  });
  return h("section", { class: "spend", "aria-label": "Spending" }, rows);
}

/** What the session may do, in words: its calls, then its per-transaction caps. */
function permissions(session) {
  const items = session.display.permissions.map((text, i) => {
    const p = session.permissions[i];
    const extra = [];
    if (p?.recipientMustBeAccount) extra.push("proceeds only to your account");
    if (p?.allowValue) extra.push("may send ETH");
    return h("li", { text: extra.length ? `${text} (${extra.join(", ")})` : text });
  });
  for (const t of session.tokens) {
    if (t.limits.perTransaction) items.push(h("li", { text: `At most ${t.limits.perTransaction.display} per transaction` }));
  }
  // With a lifetime limit, the calls line shows that one; the rate limit is told here.
  if (session.display.rateLimit !== null && session.calls.max !== null) items.push(h("li", { text: session.display.rateLimit }));
  const id = nextId("perm");
  return h("section", { class: "permissions", "aria-labelledby": id }, h("h3", { id, text: "It may" }), h("ul", {}, items));
}

function timeLine(session) {
  const running = session.status === "active" || session.status === "approved";
  if (running && session.secondsLeft !== null) return countdown(session.secondsLeft);
  if (session.status === "revoked" && session.revoked) {
    return h("p", { class: "time" }, "Revoked ", timeElement(session.revoked.timestamp));
  }
  if (session.status === "expired" && session.expiresAt) return h("p", { class: "time" }, "Expired ", timeElement(session.expiresAt));
  if (session.status === "pending") return h("p", { class: "time", text: session.display.timeLeft });
  if (session.expiresAt) return h("p", { class: "time" }, "Valid until ", timeElement(session.expiresAt));
  return h("p", { class: "time", text: session.display.timeLeft });
}

function facts(session) {
  const request = session.request;
  const rows = [
    ["Session key", h("code", { text: session.sessionKey ?? "unknown" })],
    request?.approvedAt ? ["Approved", timeElement(request.approvedAt)] : null,
    // A session is on chain from its first operation; until then it exists as the owner's approval.
    ["On chain", session.approved ? timeElement(session.approved.timestamp) : "not yet: waiting for its first operation"],
    request ? ["Request", h("a", { href: request.approvalUrl, text: request.id })] : null,
    request?.failure
      ? ["First operation", `failed ${request.failure.count === 1 ? "once" : `${request.failure.count} times`}: ${request.failure.reason}`]
      : null,
    ["Executions", String(session.executions.count)],
    ["Gas", session.gas.display],
  ].filter((row) => row !== null);
  return h("dl", { class: "facts" }, rows.map(([term, value]) => [h("dt", { text: term }), h("dd", {}, value)]));
}

/** The automations the executor runs with this session (from /v1/accounts/:account/automations). */
function automationsOf(session) {
  const mine = state.automations.filter((a) => a.permissionId === session.permissionId);
  if (mine.length === 0) return null;
  const id = nextId("auto");
  return h(
    "section",
    { class: "automations", "aria-labelledby": id },
    h("h3", { id, text: "Automation" }),
    h(
      "ul",
      {},
      mine.map((a) =>
        h(
          "li",
          { class: `automation automation-${a.status}` },
          h("p", { class: "automation-head" }, h("strong", { text: a.kind === "twap" ? "TWAP" : "Stop-loss" }), ` · ${a.display.status}`),
          h("p", { class: "automation-progress", text: a.display.progress }),
          a.nextRunAt ? h("p", { class: "hint" }, "Next run ", timeElement(a.nextRunAt)) : null,
          a.display.lastResult ? h("p", { class: "hint", text: `Last: ${a.display.lastResult}` }) : null,
        ),
      ),
    ),
  );
}

/** A session's card; `note`, when given, is shown where a revocation's progress goes. */
function sessionCard(session, note = null) {
  const titleId = nextId("session");
  const reg = session.registration !== null && session.registration > 1 ? ` (registration ${session.registration})` : "";
  const revocable = session.status !== "revoked" && session.status !== "replaced";
  const result = h("section", { class: "revocation", "aria-live": "polite", hidden: !note }, note);
  return h(
    "article",
    {
      class: `card card-${session.status}`,
      "aria-labelledby": titleId,
      "data-permission-id": session.permissionId,
      "data-status": session.status,
    },
    h(
      "header",
      { class: "card-head" },
      h("h2", { id: titleId }, "Session ", h("code", { text: session.permissionId }), reg),
      badge(session.status, session.display.status),
    ),
    timeLine(session),
    h("p", { class: "calls", text: session.display.calls ?? "No limit on the number of calls" }),
    spending(session),
    automationsOf(session),
    permissions(session),
    facts(session),
    historySection(session),
    revocable
      ? h(
          "div",
          { class: "actions" },
          h("button", {
            type: "button",
            class: "danger revoke",
            "aria-haspopup": "dialog",
            text: "Revoke…",
            onclick: (event) => askRevocation(session, result, event.currentTarget),
          }),
        )
      : null,
    result,
  );
}

/*//////////////////////////////////////////////////////////////
                              HISTORY
//////////////////////////////////////////////////////////////*/

function historyEntry(entry) {
  const ok = entry.type !== "execution" || entry.execution?.success !== false;
  return h(
    "li",
    { class: `entry entry-${entry.type}${ok ? "" : " entry-failed"}` },
    h("div", { class: "entry-line" }, timeElement(entry.timestamp), h("span", { class: "entry-text", text: entry.text })),
    // Entries of the session's request happened off chain: no transaction.
    entry.transactionHash ? h("code", { class: "tx", title: "Transaction hash", text: entry.transactionHash }) : null,
  );
}

/** The audit trail, loaded from the API when first opened. */
function historySection(session) {
  const list = h("ol", { class: "history-list" });
  const status = h("p", { class: "hint", role: "status" });
  const more = h("button", { type: "button", class: "secondary", hidden: true, text: "Older entries…" });
  const details = h(
    "details",
    { class: "history" },
    h("summary", { text: `History (${session.executions.count} execution${session.executions.count === 1 ? "" : "s"})` }),
    status,
    list,
    more,
  );
  let cursor = null;
  let loaded = false;
  const path = `/v1/accounts/${session.account}/sessions/${session.permissionId}/history`;
  async function load() {
    status.textContent = "Loading…";
    more.hidden = true;
    try {
      const query = new URLSearchParams({ limit: String(HISTORY_PAGE), chainId: String(session.chainId) });
      if (session.registration !== null) query.set("registration", String(session.registration));
      if (cursor) query.set("cursor", cursor);
      const page = await api(`${path}?${query}`);
      list.append(...page.items.map(historyEntry));
      cursor = page.nextCursor;
      more.hidden = !cursor;
      status.textContent = list.childElementCount === 0 ? "No entries yet." : "";
    } catch (error) {
      status.textContent = `The history could not be loaded: ${error.message}`;
    }
  }
  details.addEventListener("toggle", () => {
    if (details.open && !loaded) {
      loaded = true;
      load();
    }
  });
  more.addEventListener("click", load);
  return details;
}

/*//////////////////////////////////////////////////////////////
                             REVOCATION
//////////////////////////////////////////////////////////////*/

let pendingRevocation = null;

function askRevocation(session, result, opener) {
  pendingRevocation = { session, result, opener };
  $("revoke-id").textContent = session.permissionId;
  /** @type {HTMLDialogElement} */ ($("revoke-dialog")).showModal();
}

function closeDialog() {
  /** @type {HTMLDialogElement} */ ($("revoke-dialog")).close();
}

async function confirmRevocation() {
  const pending = pendingRevocation;
  pendingRevocation = null;
  closeDialog();
  if (!pending) return;
  const { session, result, opener } = pending;
  result.hidden = false;
  result.replaceChildren(h("p", { class: "hint", text: "Preparing the revocation…" }));
  try {
    const prepared = await api(`/v1/accounts/${session.account}/sessions/${session.permissionId}/revocation?chainId=${session.chainId}`, { method: "POST" });
    result.replaceChildren(...preparedCall(prepared, session, result));
  } catch (error) {
    result.replaceChildren(h("p", { class: "error", role: "alert", text: `The revocation could not be prepared: ${error.message}` }));
  }
  opener.focus();
}

/**
 * Sends the prepared call with the owner's wallet: the call is the account's call to itself, so the
 * wallet must be one that sends from the smart account (eth_sendTransaction from its address). Then
 * the session is read until it is revoked, and its card drawn again.
 */
function walletSend(prepared, session, result) {
  const progress = h("div", { class: "send-progress" });
  const button = h("button", { type: "button", class: "danger send", text: "Send with my wallet" });
  const say = (...children) => progress.replaceChildren(h("p", { class: "hint", role: "status" }, children));
  let sending = false;

  async function send() {
    if (sending) return;
    sending = true;
    button.disabled = true;
    try {
      say("Waiting for your wallet…");
      const accounts = await connectWallet(REVOKE_REFUSED);
      if (!holds(accounts, session.account)) {
        progress.replaceChildren(
          failure(
            `Your wallet is connected as ${accounts[0]}, not as the account ${session.account}. The revocation is a call of the account to itself: send it from a wallet that operates the smart account, or have the owner's key sign the call below.`,
            { label: "Try again", run: send },
          ),
        );
        return;
      }
      // The revocation is sent on the session's chain: the wallet is asked to switch when on another.
      if ((await walletChain()) !== session.chainId) {
        say(`Switching your wallet to ${chainName(session.chainId)}…`);
        await switchChain(session.chainId);
      }
      say("Confirm the transaction in your wallet…");
      const hash = await walletRequest("eth_sendTransaction", [{ from: session.account, to: prepared.call.to, data: prepared.call.data, value: "0x0" }], REVOKE_REFUSED);
      await awaitRevocation(String(hash));
    } catch (error) {
      if (!(error instanceof WalletFailure)) throw error;
      progress.replaceChildren(failure(error.message, { label: "Try again", run: send }));
    } finally {
      sending = false;
      button.disabled = false;
    }
  }

  /** Reads the session until the index has its revocation, then draws its card again. */
  async function awaitRevocation(hash) {
    const tx = () => h("code", { class: "send-hash", text: hash });
    const deadline = performance.now() + REVOKE_WAIT_MS;
    progress.replaceChildren(h("p", { class: "waiting", role: "status" }, h("span", { class: "spinner", "aria-hidden": "true" }), "Sent in transaction ", tx(), "; waiting for the revocation on chain…"));
    const pinned = session.registration === null ? "" : `&registration=${session.registration}`;
    const path = `/v1/accounts/${session.account}/sessions/${session.permissionId}?chainId=${session.chainId}${pinned}`;
    let last = "";
    while (performance.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, REVOKE_POLL_MS));
      try {
        const view = await api(path);
        if (view.status === "revoked") {
          const note = h("p", { class: "done", role: "status", tabindex: "-1" }, "Revoked in transaction ", tx(), ".");
          result.closest("article")?.replaceWith(sessionCard(view, note));
          note.focus();
          return;
        }
        last = "";
      } catch (error) {
        if (!(error instanceof ApiFailure)) throw error;
        last = ` (the last read failed: ${error.message})`;
      }
    }
    progress.replaceChildren(
      failure(`The session is not revoked yet${last}. Transaction ${hash} may still be pending, or it failed: check it in your wallet.`, {
        label: "Check again",
        run: () => awaitRevocation(hash),
      }),
    );
  }

  button.addEventListener("click", send);
  return h(
    "div",
    { class: "send-box" },
    h("div", { class: "actions" }, button, h("span", { class: "hint", text: `Your wallet sends it from ${session.account}.` })),
    progress,
  );
}

function preparedCall(prepared, session, result) {
  const headingId = nextId("revocation");
  const data = h("textarea", { class: "call-data", readonly: true, rows: "4", "aria-label": "Call data", spellcheck: "false" });
  data.value = prepared.call.data;
  const json = JSON.stringify(prepared.call, null, 2);
  const copied = h("span", { class: "hint", role: "status" });
  const copy = h("button", {
    type: "button",
    class: "secondary",
    text: "Copy call",
    onclick: async () => {
      try {
        await navigator.clipboard.writeText(json);
        copied.textContent = "Copied.";
      } catch {
        data.select();
        copied.textContent = "Select and copy the data above.";
      }
    },
  });
  return [
    h("h3", { id: headingId, text: "Revoke with the owner's wallet" }),
    h("p", { class: "warning", text: prepared.warning }),
    h("p", { class: "call-text", text: prepared.text }),
    walletSend(prepared, session, result),
    h("p", { class: "hint", text: "Or, when your wallet cannot send it, have it sign and send this call from the account:" }),
    h(
      "dl",
      { class: "call", "aria-labelledby": headingId },
      h("dt", { text: "Method" }),
      h("dd", { class: "call-method", text: prepared.method }),
      h("dt", { text: "To" }),
      h("dd", {}, h("code", { class: "call-to", text: prepared.call.to })),
      h("dt", { text: "Value" }),
      h("dd", { class: "call-value", text: prepared.call.value }),
      h("dt", { text: "Data" }),
      h("dd", {}, data),
    ),
    h("div", { class: "actions" }, copy, copied),
  ];
}

/*//////////////////////////////////////////////////////////////
                               PAGE
//////////////////////////////////////////////////////////////*/

/**
 * `revoke`: a session to offer revoking once the page has loaded (?revoke=<permission id>, the chat's
 * revocation link). `chainId`: the chain shown (?chain=), null while the API follows one chain only.
 */
const state = { account: null, chainId: null, cursor: null, loading: 0, revoke: null, automations: [] };

function showError(message) {
  const el = $("error");
  el.textContent = message;
  el.hidden = !message;
}

async function loadSessions(account, { append = false } = {}) {
  const ticket = ++state.loading;
  const cards = $("sessions");
  $("summary").textContent = append ? "Loading more sessions…" : "Loading sessions…";
  showError("");
  try {
    const query = new URLSearchParams({ limit: String(PAGE_SIZE) });
    if (state.chainId !== null) query.set("chainId", String(state.chainId));
    if (append && state.cursor) query.set("cursor", state.cursor);
    const [page, automations] = await Promise.all([api(`/v1/accounts/${account}/sessions?${query}`), loadAutomations(account)]);
    if (ticket !== state.loading) return;
    state.automations = automations;
    if (!append) cards.replaceChildren();
    cards.append(...page.items.map((session) => sessionCard(session)));
    // Counters move with time alone: reload when the next window ends, a period refills or a
    // pending session starts.
    const wait = secondsToNextChange(page);
    if (wait !== null) scheduleReload(Math.min(wait + 1, 3600) * 1000);
    state.cursor = page.nextCursor;
    $("more").hidden = !page.nextCursor;
    if (state.revoke) offerRevocation(state.revoke);
    const count = cards.childElementCount;
    $("summary").textContent =
      `${count} session${count === 1 ? "" : "s"} of ${account}${page.nextCursor ? " so far" : ""}${state.chainId === null ? "" : ` on ${chainName(state.chainId)}`} · chain block ${page.asOf.chainBlock}` +
      (page.asOf.indexedBlock === page.asOf.chainBlock ? "" : ` (indexed up to ${page.asOf.indexedBlock})`);
  } catch (error) {
    if (ticket !== state.loading) return;
    if (!append) cards.replaceChildren();
    $("summary").textContent = "";
    const where = state.chainId === null ? "on chain" : `on ${chainName(state.chainId)}`;
    showError(error.code === "account_not_found" ? `No session of ${account} has been seen ${where} yet.` : error.message);
  }
}

/** The account's automations; none when the executor cannot be asked (said under the summary). */
async function loadAutomations(account) {
  try {
    $("automations-note").hidden = true;
    return (await api(`/v1/accounts/${account}/automations`)).items;
  } catch (error) {
    const note = $("automations-note");
    note.textContent = `Automations cannot be shown: ${error.message}`;
    note.hidden = false;
    return [];
  }
}

/** Opens the revocation dialog of the session the link named, once; says so when it cannot be revoked. */
function offerRevocation(permissionId) {
  state.revoke = null;
  const card = [...$("sessions").querySelectorAll("article.card")].find((el) => el.getAttribute("data-permission-id") === permissionId.toLowerCase());
  const button = card?.querySelector("button.revoke");
  if (!card) showError(`Session ${permissionId} is not among this account's sessions.`);
  else if (!button) showError(`Session ${permissionId} is ${card.getAttribute("data-status")}: there is nothing to revoke.`);
  else {
    card.scrollIntoView({ block: "center" });
    button.click();
  }
}

/** Seconds from the page's asOf.now to the first time one of its sessions changes without an event. */
function secondsToNextChange(page) {
  const now = page.asOf.now.unix;
  const times = page.items.flatMap((s) => [
    s.status === "pending" ? s.validAfter.unix : null,
    s.calls.windowEndsAt?.unix ?? null,
    ...s.tokens.map((t) => t.refillsAt?.unix ?? null),
  ]);
  const later = times.filter((t) => t !== null && t > now);
  return later.length === 0 ? null : Math.min(...later) - now;
}

function selectAccount(value, { push }) {
  const account = value.trim();
  const input = /** @type {HTMLInputElement} */ ($("account-input"));
  input.value = account;
  if (!ADDRESS.test(account)) {
    input.setAttribute("aria-invalid", "true");
    showError(account ? `${account} is not an address: expected 0x and 40 hexadecimal digits.` : "");
    $("summary").textContent = account ? "" : "Enter an account address to see its sessions.";
    $("sessions").replaceChildren();
    $("refresh").hidden = true;
    return;
  }
  input.removeAttribute("aria-invalid");
  state.account = account;
  state.cursor = null;
  $("refresh").hidden = false;
  if (push) {
    const url = new URL(location.href);
    url.searchParams.set("account", account);
    if (state.chainId !== null) url.searchParams.set("chain", String(state.chainId));
    history.pushState(null, "", url);
  }
  loadSessions(account);
}

/**
 * The chains the API follows (GET /v1/chains): with several, a choice of chain beside the account,
 * starting on ?chain= (the chat's revocation link names it) or the first. One chain: nothing to choose.
 */
async function loadChains(wanted) {
  let chains = [];
  try {
    chains = (await api("/v1/chains")).items;
  } catch (error) {
    showError(`The chains this API follows could not be read: ${error.message}`);
  }
  if (chains.length < 2) return;
  const select = /** @type {HTMLSelectElement} */ ($("chain-select"));
  select.replaceChildren(...chains.map((c) => h("option", { value: String(c.chainId), text: chainName(c.chainId) })));
  const chosen = chains.find((c) => String(c.chainId) === wanted) ?? chains[0];
  state.chainId = chosen.chainId;
  select.value = String(chosen.chainId);
  select.hidden = false;
  select.addEventListener("change", () => {
    state.chainId = Number(select.value);
    if (state.account) selectAccount(state.account, { push: true });
  });
}

async function start() {
  $("account-form").addEventListener("submit", (event) => {
    event.preventDefault();
    selectAccount(/** @type {HTMLInputElement} */ ($("account-input")).value, { push: true });
  });
  $("refresh").addEventListener("click", () => state.account && loadSessions(state.account));
  $("more").addEventListener("click", () => state.account && loadSessions(state.account, { append: true }));
  $("revoke-cancel").addEventListener("click", () => {
    pendingRevocation = null;
    closeDialog();
  });
  $("revoke-confirm").addEventListener("click", confirmRevocation);
  // Escape closes the dialog without a revocation.
  $("revoke-dialog").addEventListener("close", () => {
    pendingRevocation = null;
  });
  window.addEventListener("popstate", () => selectAccount(new URLSearchParams(location.search).get("account") ?? "", { push: false }));
  const query = new URLSearchParams(location.search);
  state.revoke = query.get("revoke");
  await loadChains(query.get("chain"));
  selectAccount(query.get("account") ?? "", { push: false });
}

start();
