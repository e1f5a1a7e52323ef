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
}

/** A JSON route of the API; its error answers become ApiFailure with the API's message. */
export async function api(path, init = {}) {
  let response;
  try {
    response = await fetch(path, { ...init, headers: { accept: "application/json" } });
  } catch {
    throw new ApiFailure("the API cannot be reached", "network", 0);
  }
  const body = await response.json().catch(() => null);
  if (!response.ok) {
    throw new ApiFailure(body?.error?.message ?? `the API answered ${response.status}`, body?.error?.code ?? "http", response.status);
  }
  return body;
}

export function timeElement(ts) {
  return h("time", { datetime: ts.iso, text: formatTime(ts.unix) });
}

let uid = 0;
export const nextId = (prefix) => `${prefix}-${++uid}`;
