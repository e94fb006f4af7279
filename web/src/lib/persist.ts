// Remembers the run view and its last seq per thread in sessionStorage, so a reload resumes the
// stream with `?after=<seq>` instead of starting over. The thread itself lives in the URL.

import type { RunMachine } from "./runMachine";

const KEY = (threadId: string) => `appgen:run:${threadId}`;

export function saveRun(m: RunMachine): void {
  if (!m.threadId || !m.runId) return;
  try {
    sessionStorage.setItem(KEY(m.threadId), JSON.stringify({ ...m, connection: "idle" }));
  } catch {
    // Storage full or disabled: a reload then replays the run from the start instead.
  }
}

export function loadRun(threadId: string): RunMachine | null {
  try {
    const raw = sessionStorage.getItem(KEY(threadId));
    if (!raw) return null;
    const m = JSON.parse(raw) as RunMachine;
    return m.threadId === threadId && m.runId ? m : null;
  } catch {
    return null;
  }
}

export function threadFromUrl(): string | null {
  const id = new URLSearchParams(location.search).get("thread");
  return id && /^[A-Za-z0-9._-]{1,100}$/.test(id) ? id : null;
}

export function setThreadInUrl(threadId: string | null): void {
  const url = new URL(location.href);
  if (threadId) url.searchParams.set("thread", threadId);
  else url.searchParams.delete("thread");
  if (url.href !== location.href) history.pushState(null, "", url);
}
