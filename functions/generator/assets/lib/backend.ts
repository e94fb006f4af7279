// The app's backend, served by appgen itself (docs/appdata.md): named collections of JSON
// records shared by everyone who opens the app, with live updates.
//
// Where the data lives is read from where the app is served: a preview
// (/p/{app}/{version}/{token}/) uses the app's preview space with its own URL as the key; a
// published app (and the build check's page) finds {base, app, space, key} in
// <meta name="appgen-data">. Anywhere else
// (a file server, a test harness) `backend.available` is false and the app keeps its data in
// memory. Inside the sandboxed preview there are no cookies or storage: the client id and the
// signed-in session live in memory for this visit only; where the app has its own origin
// (published) the session is kept in localStorage.

export interface Meta {
  id: string;
  createdAt: number;
  updatedAt: number;
  createdBy: string;
}

export type Stored<T> = T & Meta;

export interface Change<T> {
  kind: "created" | "updated" | "deleted";
  collection: string;
  id: string;
  record?: Stored<T>;
}

export interface ListOptions {
  where?: Record<string, string | number | boolean>;
  sort?: string;
  limit?: number;
  cursor?: string;
}

export interface Page<T> {
  records: Stored<T>[];
  nextCursor: string | null;
}

interface Where {
  base: string;
  app: string;
  space: string;
  key: string;
}

export class BackendError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

function locate(): Where | null {
  if (typeof window === "undefined") return null;
  const meta = document.querySelector('meta[name="appgen-data"]')?.getAttribute("content");
  if (meta) {
    try {
      const w = JSON.parse(meta) as Partial<Where>;
      if (w.base !== undefined && w.app && w.space && w.key) return w as Where;
    } catch {
      // A broken tag: fall through to the preview URL.
    }
  }
  const m = /\/p\/([A-Za-z0-9._-]+)\/(\d+)\/([0-9a-f]+)\//.exec(window.location.pathname);
  if (!m) return null;
  // location.origin is the URL's, even in an opaque-origin sandbox.
  const base = window.location.origin === "null" ? "" : window.location.origin;
  return { base, app: m[1], space: "preview", key: `${m[2]}.${m[3]}` };
}

const where = locate();
const clientId = Math.random().toString(36).slice(2, 12) + Date.now().toString(36);

export interface User {
  id: string;
  email: string;
}

interface Session {
  user: User;
  token: string;
  expiresAt: number;
}

// The session's place: localStorage where the origin has storage (a published app), else
// memory (the sandboxed preview denies storage; reading it throws there).
const sessionKey = where ? `appgen-session:${where.app}:${where.space}` : "";
const storage: Storage | null = (() => {
  try {
    const s = window.localStorage;
    s.getItem(sessionKey);
    return s;
  } catch {
    return null;
  }
})();

function isSession(v: unknown): v is Session {
  if (typeof v !== "object" || v === null) return false;
  const s = v as Partial<Session>;
  return typeof s.token === "string" && typeof s.expiresAt === "number" && typeof s.user?.id === "string" && typeof s.user.email === "string";
}

function storedSession(): Session | null {
  try {
    const raw = storage?.getItem(sessionKey);
    const s = raw ? (JSON.parse(raw) as unknown) : null;
    return isSession(s) && s.expiresAt > Date.now() ? s : null;
  } catch {
    return null;
  }
}

let session: Session | null = where ? storedSession() : null;

export const backend = {
  available: where !== null,
  space: where?.space ?? null,
  clientId,
};

function url(path: string): string {
  if (!where) throw new BackendError(0, "unavailable", "This copy of the app has no backend.");
  return `${where.base}/data/${encodeURIComponent(where.app)}/${where.space}/${path}`;
}

export async function call<R>(method: string, path: string, body?: unknown, ifMatch?: string): Promise<{ value: R; etag: string | null }> {
  const headers: Record<string, string> = { "x-app-key": where?.key ?? "", "x-client-id": clientId };
  if (session) headers.authorization = `Bearer ${session.token}`;
  if (body !== undefined) headers["content-type"] = "application/json";
  if (ifMatch) headers["if-match"] = ifMatch;
  const resp = await fetch(url(path), { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
  if (!resp.ok) {
    let code = "error";
    let message = `The server answered ${resp.status}.`;
    try {
      const e = (await resp.json()) as { error?: { code?: string; message?: string } };
      code = e.error?.code ?? code;
      message = e.error?.message ?? message;
    } catch {
      // Not JSON: keep the status.
    }
    // The server no longer knows this session (expired, or signed out elsewhere).
    if (resp.status === 401 && code === "sign_in_required" && session) setSession(null);
    throw new BackendError(resp.status, code, message);
  }
  const value = resp.status === 204 ? (undefined as R) : ((await resp.json()) as R);
  return { value, etag: resp.headers.get("etag") };
}

export interface Collection<T> {
  list(options?: ListOptions): Promise<Page<T>>;
  /** Every record, following cursors. */
  all(options?: Omit<ListOptions, "cursor">): Promise<Stored<T>[]>;
  get(id: string): Promise<Stored<T>>;
  create(data: T): Promise<Stored<T>>;
  /** Changes the given fields. Sends If-Match from the last read; on a conflict reads again and retries once. */
  update(id: string, patch: Partial<T>): Promise<Stored<T>>;
  remove(id: string): Promise<void>;
  /**
   * Calls `onChange` for every change from now on (any client); returns the unsubscribe.
   * `onReload` is called when changes were missed that the server no longer keeps (a long time
   * offline): read the records again, the stream goes on from now.
   */
  subscribe(onChange: (change: Change<T>) => void, onReload?: () => void): () => void;
}

export function collection<T extends object>(name: string): Collection<T> {
  const etags = new Map<string, string>();
  const remember = (r: { value: Stored<T>; etag: string | null }) => {
    if (r.etag) etags.set(r.value.id, r.etag);
    return r.value;
  };
  const self: Collection<T> = {
    async list(options = {}) {
      const q = new URLSearchParams();
      for (const [k, v] of Object.entries(options.where ?? {})) q.set(k, String(v));
      if (options.sort) q.set("sort", options.sort);
      if (options.limit) q.set("limit", String(options.limit));
      if (options.cursor) q.set("cursor", options.cursor);
      const qs = q.toString();
      return (await call<Page<T>>("GET", `${name}${qs ? `?${qs}` : ""}`)).value;
    },
    async all(options = {}) {
      const out: Stored<T>[] = [];
      let cursor: string | undefined;
      do {
        const page = await self.list({ ...options, limit: 200, cursor });
        out.push(...page.records);
        cursor = page.nextCursor ?? undefined;
      } while (cursor);
      return out;
    },
    async get(id) {
      return remember(await call<Stored<T>>("GET", `${name}/${id}`));
    },
    async create(data) {
      return remember(await call<Stored<T>>("POST", name, data));
    },
    async update(id, patch) {
      try {
        return remember(await call<Stored<T>>("PATCH", `${name}/${id}`, patch, etags.get(id)));
      } catch (e) {
        if (!(e instanceof BackendError && e.status === 412)) throw e;
        await self.get(id);
        return remember(await call<Stored<T>>("PATCH", `${name}/${id}`, patch, etags.get(id)));
      }
    },
    async remove(id) {
      await call<void>("DELETE", `${name}/${id}`);
      etags.delete(id);
    },
    subscribe(onChange, onReload) {
      if (!where) return () => {};
      let source: EventSource | null = null;
      let stopped = false;
      let failures = 0;
      const open = (reload: boolean) => {
        // EventSource sends no headers: the key and the session go in the query.
        const q = new URLSearchParams({ key: where.key });
        if (session) q.set("token", session.token);
        const s = new EventSource(`${url("_changes")}?${q.toString()}`);
        s.onopen = () => {
          failures = 0;
          if (reload) onReload?.();
        };
        s.addEventListener("change", (ev) => {
          try {
            const change = JSON.parse((ev as MessageEvent<string>).data) as Change<T>;
            if (change.collection === name) onChange(change);
          } catch {
            // A frame that is not a change: ignore it.
          }
        });
        // This client fell behind what the server keeps: read again; the stream goes on.
        s.addEventListener("reset", () => onReload?.());
        // EventSource gives up on an answer that is not a stream: 410 when it resumed from
        // changes no longer kept. Follow from now instead (and read again), a few times at most.
        s.onerror = () => {
          if (s.readyState !== EventSource.CLOSED || stopped || ++failures > 3) return;
          setTimeout(() => !stopped && open(true), 1000 * failures);
        };
        source = s;
      };
      open(false);
      return () => {
        stopped = true;
        source?.close();
      };
    },
  };
  return self;
}

type Listener = (user: User | null) => void;
const listeners = new Set<Listener>();

function setSession(next: Session | null): void {
  const changed = session?.token !== next?.token;
  session = next;
  try {
    if (next) storage?.setItem(sessionKey, JSON.stringify(next));
    else storage?.removeItem(sessionKey);
  } catch {
    // Storage refused the write: the session stays in memory.
  }
  if (changed) for (const l of listeners) l(next?.user ?? null);
}

async function open(path: "signup" | "signin", email: string, password: string): Promise<User> {
  const s = (await call<Session>("POST", `_auth/${path}`, { email, password })).value;
  setSession(s);
  return s.user;
}

/** Accounts of this app's users (docs/appdata.md, "The client"). */
export const auth = {
  /** Whether sign-in can work here (the app is served by appgen). */
  available: where !== null,
  /** Whether a session outlives this page: false in the sandboxed preview, which has no storage. */
  persistent: storage !== null,
  /** The signed-in user, or null. */
  user(): User | null {
    return session?.user ?? null;
  },
  signUp(email: string, password: string): Promise<User> {
    return open("signup", email, password);
  },
  signIn(email: string, password: string): Promise<User> {
    return open("signin", email, password);
  },
  /** Ends the session on the server too; signed out here even when the server cannot be reached. */
  async signOut(): Promise<void> {
    if (!session) return;
    try {
      await call<void>("POST", "_auth/signout");
    } catch (e) {
      // 401: the server had already ended it. Anything else is worth saying.
      if (!(e instanceof BackendError && e.status === 401)) throw e;
    } finally {
      setSession(null);
    }
  },
  /** Asks the server whether a kept session still holds; signs out here when it does not. */
  async check(): Promise<User | null> {
    if (!session) return null;
    try {
      await call<{ user: User }>("GET", "_auth/me");
    } catch (e) {
      if (e instanceof BackendError && e.status === 401) setSession(null);
    }
    return session?.user ?? null;
  },
  /** Calls `listener` whenever the signed-in user changes; returns the unsubscribe. */
  onChange(listener: Listener): () => void {
    listeners.add(listener);
    return () => listeners.delete(listener);
  },
};
