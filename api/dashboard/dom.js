// What the dashboard's pages share: elements built with the DOM API (values go in as text or
// attribute values, never parsed as HTML), the API on this origin, and times as the SDK writes them.

import { formatTime } from "./format.js";

/**
 * An element: `props` are attributes (strings), `class`, `text` (textContent), `on…` listeners;
 * children are elements or strings (appended as text nodes), in arrays nested to any depth.
 */
export function h(tag, props = {}, ...children) {
  const el = document.createElement(tag);
  for (const [key, value] of Object.entries(props)) {
    if (value === undefined || value === null || value === false) continue;
    if (key === "class") el.className = value;
    else if (key === "text") el.textContent = String(value);
    else if (key.startsWith("on") && typeof value === "function") el.addEventListener(key.slice(2), value);
    else el.setAttribute(key, value === true ? "" : String(value));
  }
  for (const child of children.flat(Infinity)) {
    if (child !== null && child !== undefined && child !== false) el.append(child);
  }
  return el;
}

export class ApiFailure extends Error {
  constructor(message, code, status) {
    super(message);
    this.code = code;
    this.status = status;
  }

  /** The API could not be reached, or could not answer for now: the same request may work later. */
  get transient() {
    return this.status === 0 || this.status >= 500;
  }
}

/**
 * A JSON route of the API; `body` is sent as JSON. Error answers become ApiFailure with the API's
 * message and code; no answer at all is the code "network".
 */
export async function api(path, { method = "GET", body } = {}) {
  const headers = { accept: "application/json" };
  if (body !== undefined) headers["content-type"] = "application/json";
  let response;
  try {
    response = await fetch(path, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
  } catch {
    throw new ApiFailure("the API cannot be reached", "network", 0);
  }
  const answer = await response.json().catch(() => null);
  if (!response.ok) {
    throw new ApiFailure(answer?.error?.message ?? `the API answered ${response.status}`, answer?.error?.code ?? "http", response.status);
  }
  return answer;
}

export function timeElement(ts) {
  return h("time", { datetime: ts.iso, text: formatTime(ts.unix) });
}

let uid = 0;
export const nextId = (prefix) => `${prefix}-${++uid}`;

/** A failure in words, with the buttons that try again ({label, run}): an alert, read out at once. */
export function failure(message, ...actions) {
  return h(
    "div",
    { class: "error failure", role: "alert" },
    h("p", { text: message }),
    actions.length ? h("div", { class: "actions" }, actions.map(({ label, run, kind = "secondary" }) => h("button", { type: "button", class: kind, text: label, onclick: run }))) : null,
  );
}
