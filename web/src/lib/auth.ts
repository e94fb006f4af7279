// Signing in with an API key (local mode with named keys, docs/api.md "Callers"): the key is
// entered once, kept in this tab's sessionStorage and sent as `x-api-key` on every API request,
// so two people can share a thread from two browser windows on one machine. The server never
// sends keys: it only says whether it takes them (`GET /api/me`).

const STORAGE = "appgen.apiKey";

/** This tab's key, if one was entered. */
export function apiKey(): string | null {
  try {
    return sessionStorage.getItem(STORAGE);
  } catch {
    return null; // storage disabled: no key
  }
}

export function setApiKey(key: string | null): void {
  try {
    if (key) sessionStorage.setItem(STORAGE, key);
    else sessionStorage.removeItem(STORAGE);
  } catch {
    // Storage disabled: the key lasts as long as nothing needs it again.
  }
}

/** The header that signs a request in, when this tab has a key. */
export function authHeaders(): Record<string, string> {
  const key = apiKey();
  return key ? { "x-api-key": key } : {};
}

/** fetch, signed in with this tab's key (the caller's own headers kept). */
export function authFetch(input: string, init: RequestInit = {}): Promise<Response> {
  const headers = new Headers(init.headers);
  for (const [k, v] of Object.entries(authHeaders())) headers.set(k, v);
  return fetch(input, { credentials: "same-origin", ...init, headers });
}
