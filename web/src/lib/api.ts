// The thread API (docs/api.md). Same origin by default; VITE_API_BASE points the UI at an API
// on another host (e.g. the Function App when the UI is on Static Web Apps).

import { authFetch } from "./auth";
import type {
  ApiErrorBody,
  ApiErrorCode,
  CheckRequest,
  CheckStarted,
  DeployList,
  DeployRequest,
  DeployView,
  InviteAccepted,
  InviteCreated,
  Me,
  MemberList,
  PreviewDataReset,
  PublishRequest,
  PublishedView,
  QueuedMessage,
  QueueRequest,
  Restored,
  ThreadDetail,
  ThreadList,
  ThreadRole,
  VersionDetail,
} from "./contract";

export const API_BASE: string = (import.meta.env.VITE_API_BASE as string | undefined) ?? "";

/** The API's own codes, or what the UI calls an answer that is not one of its error bodies. */
export type ApiFailureCode = ApiErrorCode | `http_${number}` | "error";

export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: ApiFailureCode,
    message: string,
  ) {
    super(message);
    this.name = "ApiError";
  }
}

/** Turns an error body `{"error":{"code","message"}}` (or anything else) into an ApiError. */
export function apiErrorFrom(status: number, body: string): ApiError {
  try {
    // Checked, not trusted: a proxy in front of the API may answer with its own JSON.
    const j = JSON.parse(body) as Partial<ApiErrorBody> | null;
    if (j?.error && typeof j.error.message === "string") {
      return new ApiError(status, typeof j.error.code === "string" ? j.error.code : "error", j.error.message);
    }
  } catch {
    // Not JSON: fall through to the raw text.
  }
  return new ApiError(status, `http_${status}`, body.trim() || `The server answered ${status}.`);
}

/** HttpAgent rejects with `HTTP <status>: <body>`; recover the API error inside. */
export function apiErrorFromAgent(e: unknown): ApiError | null {
  const msg = e instanceof Error ? e.message : String(e);
  const m = /^HTTP (\d{3}): ([\s\S]*)$/.exec(msg);
  return m ? apiErrorFrom(Number(m[1]), m[2] ?? "") : null;
}

async function getJson<T>(path: string, init?: RequestInit): Promise<T> {
  const res = await authFetch(API_BASE + path, init);
  const text = await res.text();
  if (!res.ok) throw apiErrorFrom(res.status, text);
  return (text ? JSON.parse(text) : undefined) as T;
}

const send = (method: string, body?: unknown): RequestInit => ({
  method,
  ...(body === undefined ? {} : { headers: { "content-type": "application/json" }, body: JSON.stringify(body) }),
});

const enc = encodeURIComponent;

export const api = {
  /** Who this tab is signed in as, and whether the server takes API keys. */
  me: () => getJson<Me>("/api/me"),
  threads: () => getJson<ThreadList>("/api/threads").then((r) => r.threads),
  thread: (id: string) => getJson<ThreadDetail>(`/api/threads/${enc(id)}`),
  version: (id: string, n: number) => getJson<VersionDetail>(`/api/threads/${enc(id)}/versions/${n}`),
  restore: (id: string, n: number) =>
    getJson<Restored>(`/api/threads/${enc(id)}/versions/${n}/restore`, { method: "POST" }),
  /** Empties the app's preview data space (editors only); how many records went. */
  resetPreviewData: (id: string) =>
    getJson<PreviewDataReset>(`/api/threads/${enc(id)}/preview/reset`, { method: "POST" }).then((r) => r.deleted),
  /** Publishes a checked version (default: the latest checked) at the app's own origin. */
  publish: (id: string, version?: number) => {
    const body: PublishRequest = { version: version ?? null };
    return getJson<PublishedView>(`/api/threads/${enc(id)}/publish`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify(body),
    });
  },
  /** Starts a deploy of a checked version to Vercel with the server's token; answers at once
   *  (202) with the deploy, whose stages then arrive on the thread's stream. */
  deployVercel: (id: string, version?: number) => {
    const body: DeployRequest = { version: version ?? null, token: null };
    return getJson<DeployView>(`/api/threads/${enc(id)}/deploy/vercel`, send("POST", body));
  },
  /** The thread's deploys to Vercel, newest first. */
  deploys: (id: string) => getJson<DeployList>(`/api/threads/${enc(id)}/deploy/vercel`),
  unpublish: async (id: string): Promise<void> => {
    const res = await authFetch(`${API_BASE}/api/threads/${enc(id)}/publish`, { method: "DELETE" });
    if (!res.ok) throw apiErrorFrom(res.status, await res.text());
  },
  invite: (id: string, role: ThreadRole, multiUse: boolean) =>
    getJson<InviteCreated>(`/api/threads/${enc(id)}/invites`, send("POST", { role, multiUse })),
  revokeInvite: (id: string, invite: string) => getJson<void>(`/api/threads/${enc(id)}/invites/${enc(invite)}`, send("DELETE")),
  acceptInvite: (token: string) => getJson<InviteAccepted>(`/api/invites/${enc(token)}/accept`, send("POST")),
  members: (id: string) => getJson<MemberList>(`/api/threads/${enc(id)}/members`),
  setRole: (id: string, principal: string, role: ThreadRole) =>
    getJson<void>(`/api/threads/${enc(id)}/members/${enc(principal)}`, send("PATCH", { role })),
  removeMember: (id: string, principal: string) => getJson<void>(`/api/threads/${enc(id)}/members/${enc(principal)}`, send("DELETE")),
  /** Queues a message to run after the active run. */
  queue: (id: string, text: string) => {
    const body: QueueRequest = { text };
    return getJson<QueuedMessage>(`/api/threads/${enc(id)}/queue`, send("POST", body));
  },
  withdraw: (id: string, queued: string) => getJson<void>(`/api/threads/${enc(id)}/queue/${enc(queued)}`, send("DELETE")),
  /** Adds a check written in words: it joins the suite and runs on the current version. */
  addCheck: (id: string, sentence: string) => {
    const body: CheckRequest = { sentence };
    return getJson<CheckStarted>(`/api/threads/${enc(id)}/checks`, send("POST", body));
  },
  /** Removes a check someone wrote (agents never do). */
  removeCheck: (id: string, name: string) => getJson<void>(`/api/threads/${enc(id)}/checks/${enc(name)}`, send("DELETE")),
  zipUrl: (id: string, n: number) => `${API_BASE}/api/threads/${enc(id)}/versions/${n}/zip`,
  screenshotUrl: (id: string, n: number) => `${API_BASE}/api/threads/${enc(id)}/versions/${n}/screenshot`,
  /// The failure screenshot of acceptance scenario `i` (1-based, in the version's results).
  acceptanceShotUrl: (id: string, n: number, i: number) => `${API_BASE}/api/threads/${enc(id)}/versions/${n}/acceptance/${i}/screenshot`,
};

const blobCache = new Map<string, Promise<string>>();

/** A file's content by content hash; immutable, so cached for the page's lifetime. */
export function fetchBlob(threadId: string, hash: string): Promise<string> {
  const key = `${threadId}/${hash}`;
  let p = blobCache.get(key);
  if (!p) {
    p = authFetch(`${API_BASE}/api/threads/${enc(threadId)}/blobs/${enc(hash)}`).then(async (res) => {
      const text = await res.text();
      if (!res.ok) throw apiErrorFrom(res.status, text);
      return text;
    });
    p.catch(() => blobCache.delete(key));
    blobCache.set(key, p);
  }
  return p;
}

/** A random id valid for the backend (letters, digits, '-', '_', '.'). */
export function newId(prefix: string): string {
  const bytes = new Uint8Array(9);
  crypto.getRandomValues(bytes);
  return prefix + "-" + Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");
}
