// The approval page, /approve/<request id>: a stored session request in words (what the session key
// can and cannot do, how often and for how long, its limits and warnings), approved with the owner's
// wallet (eth_signTypedData_v4 of the request's typed data, posted to the API) or declined, then
// followed until the key's first operation makes the session active.
// Built like the dashboard (dom.js): every value from the API goes in as text, never as HTML.

import { ApiFailure, api, failure, h, nextId, timeElement } from "./dom.js";
import { chainName, formatDuration, groupDigits } from "./format.js";
import { WalletFailure, connectWallet, switchChain, walletChain, walletRequest, wrongChainText } from "./wallet.js";

/** A UUID as the API issues them (and its route accepts): version 1 to 8, RFC 9562's variant. */
const REQUEST_ID = /^[0-9a-f]{8}-[0-9a-f]{4}-[1-8][0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/i;
const POLL_MS = 2000;
const REFUSED = "You declined; nothing was granted.";
const ASK_AGAIN = "This request expired; ask again in the chat.";

const $ = (id) => /** @type {HTMLElement} */ (document.getElementById(id));

const state = {
  /** The request id from the URL. */
  id: "",
  /** The request as the API last answered. */
  request: null,
  /** The wallet account that signs, once connected. */
  account: null,
  /** What to do by hand instead, from the decline's answer. */
  manual: null,
  busy: false,
  pollTimer: 0,
  /** Where the current attempt's progress and failures are shown. */
  attempt: h("div", { class: "attempt" }),
};

/*//////////////////////////////////////////////////////////////
                   THE SIGNATURE, KEPT IN THIS TAB
//////////////////////////////////////////////////////////////*/

// A signature the API has not confirmed yet is kept for the tab's life: when the API cannot be
// reached, trying again (or reloading the page) sends the same signature, and the wallet is never
// asked to sign the same request twice. The API answers a signature it has stored already with the
// stored approval.
const kept = {
  key: () => `leash:approval:${state.id}`,
  get() {
    try {
      return sessionStorage.getItem(kept.key());
    } catch {
      return null;
    }
  },
  set(signature) {
    try {
      sessionStorage.setItem(kept.key(), signature);
    } catch {
      // Storage refused (a private mode): the signature lives in this page only.
    }
    kept.memory = signature;
  },
  clear() {
    kept.memory = null;
    try {
      sessionStorage.removeItem(kept.key());
    } catch {
      // Nothing was stored.
    }
  },
  memory: null,
  current: () => kept.get() ?? kept.memory,
};

/*//////////////////////////////////////////////////////////////
                               STEPS
//////////////////////////////////////////////////////////////*/

/** Each status's progress: Generate → Approve → Active. */
const STEPS = {
  awaiting_approval: ["done", "current", "todo"],
  approved: ["done", "done", "current"],
  active: ["done", "done", "done"],
  declined: ["done", "stopped", "todo"],
  expired: ["done", "stopped", "todo"],
};
const STEP_NAMES = ["generate", "approve", "active"];
const STEP_WORDS = { done: "done", current: "current step", todo: "not yet", stopped: "stopped here" };
const STEP_MARKS = { done: "✓", stopped: "✕" };

function renderSteps(status) {
  // A status this page does not know yet: only what is certain, that the request exists.
  const steps = STEPS[status] ?? ["done", "todo", "todo"];
  steps.forEach((step, i) => {
    const li = $(`step-${STEP_NAMES[i]}`);
    li.className = `step step-${step}`;
    if (step === "current") li.setAttribute("aria-current", "step");
    else li.removeAttribute("aria-current");
    li.querySelector(".step-mark").textContent = STEP_MARKS[step] ?? String(i + 1);
    li.querySelector(".step-state").textContent = ` (${STEP_WORDS[step]})`;
  });
  $("steps").hidden = false;
}

/*//////////////////////////////////////////////////////////////
                            THE REQUEST
//////////////////////////////////////////////////////////////*/

/** "This authorizes up to 250 transactions for 24 hours without asking you again." */
function authorizes(request) {
  const duration = formatDuration(request.session.durationSeconds);
  const atMost = request.session.calls?.atMost;
  if (atMost === undefined) return `This authorizes transactions for ${duration} without asking you again, as often as the limits below allow.`;
  if (atMost === null) {
    return `This authorizes any number of transactions for ${duration} without asking you again: no call limit or rate limit bounds how often the key acts.`;
  }
  return `This authorizes up to ${groupDigits(String(atMost))} transaction${atMost === 1 ? "" : "s"} for ${duration} without asking you again.`;
}

function list(title, items, kind) {
  const id = nextId(kind);
  return h("section", { class: `scope scope-${kind}`, "aria-labelledby": id }, h("h3", { id, text: title }), h("ul", {}, items.map((text) => h("li", { text }))));
}

function facts(request) {
  const { session, toSign } = request;
  const gas = [
    session.gas.perOperation ? `at most ${session.gas.perOperation.display} per operation` : null,
    session.gas.total ? `${session.gas.total.display} in total` : null,
  ].filter(Boolean);
  const rows = [
    ["Account", h("code", { text: toSign.account })],
    ["Session key", h("code", { text: toSign.sessionKey })],
    ["Starts", timeElement(session.validAfter)],
    ["Ends", [timeElement(session.expiresAt), `, ${formatDuration(session.durationSeconds)} after it starts`]],
    ["Gas", gas.length ? gas.join(", ") : session.gas.paymaster ? "paid by the paymaster" : "no limit"],
    ["Request", request.status === "awaiting_approval" ? ["waits for you until ", timeElement(request.expiresAt)] : request.display.status],
  ];
  return h("dl", { class: "facts" }, rows.map(([term, value]) => [h("dt", { text: term }), h("dd", { class: `fact-${term.toLowerCase().replace(/ /g, "-")}` }, value)]));
}

function warnings(request) {
  if (request.warnings.length === 0) return null;
  const id = nextId("warnings");
  const title = request.warnings.length === 1 ? "Read this before approving" : `Read these ${request.warnings.length} points before approving`;
  return h(
    "section",
    { class: "warning warnings", role: "note", "aria-labelledby": id },
    h("h3", { id, text: title }),
    h("ul", {}, request.warnings.map((w) => h("li", { "data-code": w.code, text: w.message }))),
  );
}

function requestCard(request) {
  const titleId = nextId("request");
  return h(
    "article",
    { class: "card approval-card", "aria-labelledby": titleId, "data-status": request.status },
    h(
      "header",
      { class: "card-head" },
      h("div", { class: "card-title" }, h("img", { src: "/dashboard/shield.svg", alt: "", width: "40", height: "40", class: "shield" }), h("h2", { id: titleId, text: "What the session key may do" })),
    ),
    h("p", { class: "authorizes", text: authorizes(request) }),
    h("div", { class: "scopes" }, list("It can", request.summary.can, "can"), list("It cannot", request.summary.cannot, "cannot")),
    warnings(request),
    facts(request),
  );
}

/*//////////////////////////////////////////////////////////////
                            THE DECISION
//////////////////////////////////////////////////////////////*/

function say(text) {
  state.attempt.replaceChildren(h("p", { class: "hint", role: "status", text }));
}

function fail(message, ...actions) {
  state.attempt.replaceChildren(failure(message, ...actions));
}

function setBusy(busy) {
  state.busy = busy;
  for (const button of $("decision").querySelectorAll("button")) button.disabled = busy;
  $("decision").setAttribute("aria-busy", String(busy));
}

/**
 * Runs one step of the decision, one at a time, showing a wallet's refusal or failure, or the API's,
 * in words with `retry`. True when the step ran to its end.
 */
async function step(run, retry) {
  if (state.busy) return false;
  setBusy(true);
  try {
    await run();
    return true;
  } catch (error) {
    if (error instanceof WalletFailure) fail(error.message, { label: "Try again", run: retry });
    else if (error instanceof ApiFailure) fail(`Leash could not answer: ${error.message}.`, { label: "Try again", run: retry });
    else throw error;
    return false;
  } finally {
    setBusy(false);
  }
}

function connect() {
  return step(async () => {
    say("Waiting for your wallet…");
    const [account] = await connectWallet(REFUSED);
    state.account = account;
    renderDecision();
    $("approve")?.focus();
  }, connect);
}

/** Approve: the kept signature if there is one; else the wallet's, on the request's chain. */
function approve() {
  return step(async () => {
    let signature = kept.current();
    if (!signature) {
      // Decided or expired since the page was drawn: show where it stands, and ask for no signature.
      const current = await api(`/v1/session-requests/${state.id}`);
      if (current.status !== "awaiting_approval") {
        show(current);
        return;
      }
      if (!state.account) [state.account] = await connectWallet(REFUSED);
      const typedData = state.request.toSign.typedData;
      const needed = Number(typedData.domain.chainId);
      const actual = await walletChain();
      if (actual !== needed) {
        fail(wrongChainText(actual, needed), { label: `Switch to ${chainName(needed)}`, kind: "primary", run: () => switchThenApprove(needed) }, { label: "Try again", run: approve });
        return;
      }
      say("Sign the request in your wallet…");
      signature = await walletRequest("eth_signTypedData_v4", [state.account, JSON.stringify(typedData)], REFUSED);
      kept.set(signature);
    }
    await deliver(signature);
  }, approve);
}

async function switchThenApprove(chainId) {
  const switched = await step(async () => {
    say(`Switching your wallet to ${chainName(chainId)}…`);
    await switchChain(chainId);
  }, () => switchThenApprove(chainId));
  if (switched) await approve();
}

/** Posts the signature; a transient failure keeps it for the next try. */
async function deliver(signature) {
  say("Sending your approval…");
  let approved;
  try {
    approved = await api(`/v1/session-requests/${state.id}/approval`, { method: "POST", body: { signature } });
  } catch (error) {
    if (!(error instanceof ApiFailure)) throw error;
    if (error.transient) {
      fail(`Your approval is signed but did not reach Leash (${error.message}). It is kept in this tab: sending it again needs no new signature.`, {
        label: "Send again",
        kind: "primary",
        run: approve,
      });
      return;
    }
    kept.clear();
    if (error.code === "invalid_signature") {
      const who = state.account ? `The wallet account ${state.account} may not be the owner of ${state.request.toSign.account}: ` : "";
      fail(`Leash refused the signature: ${error.message}. ${who}connect the owner's wallet, then approve again.`, { label: "Approve again", run: approve });
      return;
    }
    // Decided, expired or gone meanwhile: show where it stands now.
    await refresh(`Your approval was not recorded: ${error.message}.`);
    return;
  }
  kept.clear();
  show(approved);
}

function openDecline() {
  /** @type {HTMLTextAreaElement} */ ($("decline-reason")).value = "";
  /** @type {HTMLDialogElement} */ ($("decline-dialog")).showModal();
}

function decline(reason) {
  return step(async () => {
    say("Declining…");
    let declined;
    try {
      declined = await api(`/v1/session-requests/${state.id}/decline`, { method: "POST", body: reason ? { reason } : {} });
    } catch (error) {
      if (!(error instanceof ApiFailure)) throw error;
      if (error.transient) {
        fail(`Your refusal did not reach Leash (${error.message}); nothing was granted.`, { label: "Decline again", run: () => decline(reason) });
        return;
      }
      await refresh(`Your refusal was not recorded: ${error.message}.`);
      return;
    }
    kept.clear();
    state.manual = declined.manual;
    show(declined);
  }, () => decline(reason));
}

function manualSteps(manual) {
  if (!manual?.length) return null;
  const id = nextId("manual");
  return h(
    "section",
    { class: "manual", "aria-labelledby": id },
    h("h3", { id, text: "Doing it by hand instead" }),
    h(
      "ul",
      {},
      manual.map((m) => h("li", {}, h("p", { text: m.text }), h("p", { class: "hint" }, h("code", { text: m.function }), " on ", h("code", { text: m.target })))),
    ),
  );
}

function dashboardLink(text) {
  return h("a", { href: `/dashboard?account=${state.request.toSign.account}`, text });
}

/** The decision panel for the request's status; returns its heading. */
function renderDecision() {
  const request = state.request;
  const headingId = nextId("decision");
  const heading = h("h2", { id: headingId, tabindex: "-1", text: "Your decision" });
  const parts = [];
  switch (request.status) {
    case "awaiting_approval":
      parts.push(
        h("p", { class: "hint", text: "Approving signs this request in your wallet, the owner's of the account. Nothing is sent to the chain until the session key's first operation." }),
        h("p", { class: "wallet-line" }, state.account ? ["Connected as ", h("code", { class: "wallet-account", text: state.account })] : "Wallet not connected."),
        h(
          "div",
          { class: "actions" },
          state.account || kept.current()
            ? h("button", { type: "button", id: "approve", text: "Approve", onclick: approve })
            : h("button", { type: "button", id: "connect", text: "Connect wallet", onclick: connect }),
          h("button", { type: "button", id: "decline", class: "secondary", "aria-haspopup": "dialog", text: "Decline…", onclick: openDecline }),
        ),
      );
      break;
    case "approved":
      parts.push(h("p", { class: "waiting", role: "status" }, h("span", { class: "spinner", "aria-hidden": "true" }), request.display.status));
      parts.push(h("p", { class: "hint", text: "The session starts with the session key's first operation, which carries your approval. This page follows it." }));
      break;
    case "active":
      parts.push(h("p", { class: "done", text: `${request.display.status}: the session key acts within these limits until it ends or you revoke it.` }));
      parts.push(h("p", {}, dashboardLink("See it with your account's sessions")));
      break;
    case "declined":
      parts.push(h("p", { class: "done" }, "This request was declined", request.decline ? [" on ", timeElement(request.decline.at)] : null, ". Nothing was granted."));
      if (request.decline?.reason) parts.push(h("p", { class: "hint", text: `Reason: ${request.decline.reason}` }));
      parts.push(manualSteps(state.manual));
      break;
    case "expired":
      parts.push(h("p", { class: "error", text: ASK_AGAIN }));
      break;
    default:
      parts.push(h("p", { text: request.display.status }));
  }
  $("decision").replaceChildren(heading, ...parts.filter(Boolean), state.attempt);
  $("decision").setAttribute("aria-labelledby", headingId);
  $("decision").hidden = false;
  return heading;
}

/*//////////////////////////////////////////////////////////////
                               PAGE
//////////////////////////////////////////////////////////////*/

/** The request as the API answered: the page drawn again when its status changed. */
function show(request) {
  const previous = state.request?.status;
  const changed = previous !== request.status;
  state.request = request;
  clearTimeout(state.pollTimer);
  if (request.status === "approved") state.pollTimer = setTimeout(poll, POLL_MS);
  if (!changed) return;
  state.attempt.replaceChildren();
  $("problem").hidden = true;
  $("summary").textContent = request.display.status;
  /** @type {HTMLAnchorElement} */ ($("dashboard-link")).href = `/dashboard?account=${request.toSign.account}`;
  renderSteps(request.status);
  $("request").replaceChildren(requestCard(request));
  $("request").hidden = false;
  const heading = renderDecision();
  // The button just used is gone with the old panel: the new one takes the focus.
  if (previous && (!document.activeElement || document.activeElement === document.body)) heading.focus();
  // A signature kept from an earlier try, not confirmed: send it, without a new signature.
  if (request.status === "awaiting_approval" && kept.current()) approve();
  else if (request.status !== "awaiting_approval") kept.clear();
}

/** Until the session is active: the request read again every POLL_MS. */
async function poll() {
  try {
    const request = await api(`/v1/session-requests/${state.id}`);
    state.attempt.replaceChildren();
    show(request);
  } catch (error) {
    if (!(error instanceof ApiFailure)) throw error;
    say(`Leash cannot be reached right now (${error.message}); still trying.`);
    state.pollTimer = setTimeout(poll, POLL_MS);
  }
}

/** Reads the request again after an answer that says it changed; `note` says what happened. */
async function refresh(note) {
  try {
    show(await api(`/v1/session-requests/${state.id}`));
  } catch (error) {
    if (!(error instanceof ApiFailure)) throw error;
  }
  state.attempt.replaceChildren(h("p", { class: "error", role: "alert", text: `${note} ${state.request.display.status}.` }));
}

function problem(message, ...actions) {
  $("summary").textContent = "";
  $("request").hidden = true;
  $("decision").hidden = true;
  $("steps").hidden = true;
  $("problem").replaceChildren(failure(message, ...actions));
  $("problem").hidden = false;
}

async function load() {
  $("summary").textContent = "Loading the request…";
  $("problem").hidden = true;
  try {
    show(await api(`/v1/session-requests/${state.id}`));
  } catch (error) {
    if (!(error instanceof ApiFailure)) throw error;
    if (error.code === "request_not_found") {
      problem(`There is no session request ${state.id}. Check that the link is complete, or ask again in the chat.`);
    } else {
      problem(`The request could not be loaded: ${error.message}.`, { label: "Try again", kind: "primary", run: load });
    }
  }
}

function start() {
  const match = location.pathname.match(/^\/approve\/?([^/]*)\/?$/);
  try {
    state.id = decodeURIComponent(match?.[1] ?? "");
  } catch {
    state.id = match?.[1] ?? "";
  }
  $("decline-cancel").addEventListener("click", () => /** @type {HTMLDialogElement} */ ($("decline-dialog")).close());
  $("decline-form").addEventListener("submit", (event) => {
    event.preventDefault();
    const reason = /** @type {HTMLTextAreaElement} */ ($("decline-reason")).value.trim();
    /** @type {HTMLDialogElement} */ ($("decline-dialog")).close();
    decline(reason);
  });
  if (!REQUEST_ID.test(state.id)) {
    problem(
      state.id
        ? `"${state.id}" is not a session request id: the link should end in /approve/ and an id such as 4b0c6a52-0c43-4c9b-9d0e-0f5b1f1c2a3d. Copy the whole link from the chat again.`
        : "This link names no session request: it should end in /approve/ and the request's id. Copy the whole link from the chat again.",
    );
    return;
  }
  load();
}

start();
