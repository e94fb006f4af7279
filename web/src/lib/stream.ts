// Following a run's event log: replay + follow with `?after=<seq>` and reconnect with backoff
// when the connection drops (docs/api.md "GET …/runs/{runId}/events").

import { authFetch } from "./auth";
import type { ThreadEvent } from "./contract";
import { SseParser, readSse, type SseFrame } from "./sse";
import type { AgUiEvent } from "./types";

export type ConnectionStatus = "live" | "reconnecting";

export interface FollowOptions {
  threadId: string;
  runId: string;
  /** Last seq already applied; the server sends only what comes after it. */
  after: number;
  onEvent: (event: AgUiEvent, seq: number | null) => void;
  onStatus?: (status: ConnectionStatus) => void;
  signal: AbortSignal;
  fetchFn?: typeof fetch;
  /** Delay before reconnect attempt n (1-based). */
  backoffMs?: (attempt: number) => number;
  base?: string;
}

export type FollowResult = "finished" | "aborted" | "gone";

export const defaultBackoff = (attempt: number): number => Math.min(500 * 2 ** (attempt - 1), 5000);

export function eventsUrl(base: string, threadId: string, runId: string, after: number): string {
  return `${base}/api/threads/${encodeURIComponent(threadId)}/runs/${encodeURIComponent(runId)}/events?after=${after}`;
}

export function isTerminal(event: AgUiEvent): boolean {
  return event.type === "RUN_FINISHED" || event.type === "RUN_ERROR";
}

/** Parses one SSE frame into an event; null for frames that are not AG-UI events. */
export function frameToEvent(frame: SseFrame): AgUiEvent | null {
  try {
    const v: unknown = JSON.parse(frame.data);
    if (v && typeof v === "object" && typeof (v as { type?: unknown }).type === "string") return v as AgUiEvent;
  } catch {
    // A malformed frame is skipped rather than ending the stream.
  }
  return null;
}

/**
 * Follows a run until its terminal event, reconnecting from the last seen seq whenever the
 * stream ends early or the network fails. Duplicate frames (seq ≤ last) are dropped.
 */
export async function followRun(opts: FollowOptions): Promise<FollowResult> {
  const fetchFn = opts.fetchFn ?? ((input, init) => authFetch(String(input), init));
  const backoff = opts.backoffMs ?? defaultBackoff;
  let last = opts.after;
  let attempt = 0;
  while (!opts.signal.aborted) {
    let finished = false;
    try {
      const res = await fetchFn(eventsUrl(opts.base ?? "", opts.threadId, opts.runId, last), {
        headers: { Accept: "text/event-stream", "Last-Event-ID": String(last) },
        signal: opts.signal,
      });
      if (res.status === 404) return "gone";
      if (!res.ok || !res.body) throw new Error(`HTTP ${res.status}`);
      opts.onStatus?.("live");
      attempt = 0;
      await readSse(
        res.body,
        (frame) => {
          if (frame.seq !== null && frame.seq <= last) return;
          const event = frameToEvent(frame);
          if (frame.seq !== null) last = frame.seq;
          if (!event) return;
          opts.onEvent(event, frame.seq);
          if (isTerminal(event)) finished = true;
        },
        opts.signal,
      );
    } catch (e) {
      if (opts.signal.aborted) return "aborted";
      void e;
    }
    if (finished) return "finished";
    if (opts.signal.aborted) return "aborted";
    attempt += 1;
    opts.onStatus?.("reconnecting");
    await sleep(backoff(attempt), opts.signal);
  }
  return "aborted";
}

export interface ThreadFollowOptions {
  threadId: string;
  onEvent: (event: ThreadEvent) => void;
  signal: AbortSignal;
  /** After the stream fails or is refused (the thread does not exist yet), open it again this
   * much later. */
  reopenMs: number;
  fetchFn?: typeof fetch;
  base?: string;
}

/**
 * Follows a thread's stream (docs/api.md "Working together"), signed in as this tab, resuming
 * from the last id after a drop. Ends when aborted, or when the server says this tab's access
 * ended (the member was removed): then it does not open again.
 */
export async function followThread(opts: ThreadFollowOptions): Promise<"aborted" | "access_ended"> {
  const fetchFn = opts.fetchFn ?? ((input, init) => authFetch(String(input), init));
  const url = `${opts.base ?? ""}/api/threads/${encodeURIComponent(opts.threadId)}/events`;
  let last: number | null = null;
  while (!opts.signal.aborted) {
    let ended = false;
    try {
      const headers: Record<string, string> = { Accept: "text/event-stream" };
      if (last !== null) headers["Last-Event-ID"] = String(last);
      // Cookies too when the API is on another origin (as EventSource withCredentials sent them).
      const res = await fetchFn(url, { headers, signal: opts.signal, credentials: "include" });
      if (res.ok && res.body) {
        await readSse(
          res.body,
          (frame) => {
            if (frame.seq !== null) last = frame.seq;
            let e: ThreadEvent;
            try {
              e = JSON.parse(frame.data) as ThreadEvent;
            } catch {
              return; // a malformed frame is skipped
            }
            if (e.type === "access_ended") ended = true;
            opts.onEvent(e);
          },
          opts.signal,
        );
      }
    } catch {
      // Dropped or refused: open it again below.
    }
    if (opts.signal.aborted) return "aborted";
    if (ended) return "access_ended";
    await sleep(opts.reopenMs, opts.signal);
  }
  return "aborted";
}

function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const t = setTimeout(done, ms);
    function done() {
      clearTimeout(t);
      signal.removeEventListener("abort", done);
      resolve();
    }
    signal.addEventListener("abort", done, { once: true });
  });
}

/**
 * Wraps fetch so the seq ids of a POST /api/agent stream are seen even though HttpAgent's own
 * parser drops them. A dropped connection ends the body cleanly instead of erroring it: the
 * caller then resumes from the last seq (and @ag-ui/client 1.0.0 would otherwise rethrow the
 * error from its teardown as an unhandled rejection).
 */
/** The server queued the message (202: another member's run started first) instead of running it. */
export class QueuedInstead extends Error {
  constructor() {
    super("queued: another run is in progress");
    this.name = "QueuedInstead";
  }
}

export function seqTrackingFetch(onSeq: (seq: number) => void, fetchFn: typeof fetch = fetch) {
  return async (url: string, init: RequestInit): Promise<Response> => {
    const res = await fetchFn(url, init);
    if (res.status === 202) throw new QueuedInstead();
    if (!res.ok || !res.body) return res;
    const reader = res.body.getReader();
    const decoder = new TextDecoder();
    const parser = new SseParser();
    const see = (text: string) => {
      for (const f of parser.push(text)) if (f.seq !== null) onSeq(f.seq);
    };
    const body = new ReadableStream<Uint8Array>({
      async pull(controller) {
        try {
          const { done, value } = await reader.read();
          if (done) {
            see(decoder.decode());
            controller.close();
            return;
          }
          // Seen before HttpAgent parses the same bytes, so a seq never lags its event.
          see(decoder.decode(value, { stream: true }));
          controller.enqueue(value);
        } catch {
          controller.close();
        }
      },
      cancel(reason) {
        return reader.cancel(reason).catch(() => undefined);
      },
    });
    return new Response(body, { status: res.status, statusText: res.statusText, headers: res.headers });
  };
}
