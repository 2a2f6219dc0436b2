// The server's API as the portal calls it: the bearer token kept in sessionStorage (gone when
// the tab closes), JSON in and out, and the server's `{"error": {...}}` thrown as an ApiError.

const TOKEN_KEY = "ordo.token";

export class ApiError extends Error {
  constructor(status, error) {
    super(error?.message ?? `HTTP ${status}`);
    this.status = status;
    this.kind = error?.kind ?? "http";
    this.details = error ?? {};
  }
}

export function token() {
  return sessionStorage.getItem(TOKEN_KEY);
}

export function setToken(value) {
  if (value) sessionStorage.setItem(TOKEN_KEY, value);
  else sessionStorage.removeItem(TOKEN_KEY);
}

/** Calls the API; resolves to `{body, audit}` (the `x-ordo-audit-id` when there is one). */
export async function call(method, path, body) {
  const headers = { Accept: "application/json" };
  const saved = token();
  if (saved) headers.Authorization = `Bearer ${saved}`;
  const init = { method, headers };
  if (body !== undefined) {
    headers["Content-Type"] = "application/json";
    init.body = JSON.stringify(body);
  }
  const response = await fetch(path, init);
  const text = await response.text();
  let json = null;
  try {
    json = text ? JSON.parse(text) : null;
  } catch {
    json = null;
  }
  if (!response.ok) throw new ApiError(response.status, json?.error);
  return { body: json, audit: response.headers.get("x-ordo-audit-id") };
}

export const get = async (path) => (await call("GET", path)).body;
export const post = (path, body) => call("POST", path, body ?? {});

/** A query string of the defined, non-empty values of `params`. */
export function query(params) {
  const search = new URLSearchParams();
  for (const [key, value] of Object.entries(params)) {
    if (value !== undefined && value !== null && value !== "") search.set(key, String(value));
  }
  const text = search.toString();
  return text ? `?${text}` : "";
}

/** Every instance matching `filters`, page by page (at most `max`). */
export async function allInstances(filters = {}, max = 10000) {
  const instances = [];
  let cursor;
  do {
    const page = await get(`/v1/instances${query({ ...filters, limit: 1000, cursor })}`);
    instances.push(...page.instances);
    cursor = page.next_cursor;
  } while (cursor && instances.length < max);
  return instances;
}
