import { describe, expect, it } from "vitest";
import { SseParser } from "./sse";
import { followRun, followThread, seqTrackingFetch } from "./stream";
import type { ThreadEvent } from "./contract";
import { dispositionName } from "./signed";
import type { AgUiEvent } from "./types";

describe("SseParser", () => {
  it("keeps ids, joins data lines, skips keepalives and survives split chunks", () => {
    const p = new SseParser();
    expect(p.push('id: 1\ndata: {"type":"RUN_STARTED"}\n\n: keepalive\n\nid: 2\nda')).toEqual([
      { seq: 1, data: '{"type":"RUN_STARTED"}' },
    ]);
    expect(p.push('ta: {"a":\ndata: 1}\n\n')).toEqual([{ seq: 2, data: '{"a":\n1}' }]);
  });

  it("tolerates CRLF and frames without id", () => {
    const p = new SseParser();
    expect(p.push("data: x\r\n\r\n")).toEqual([{ seq: null, data: "x" }]);
  });
});

function sseResponse(frames: string[], status = 200): Response {
  const enc = new TextEncoder();
  const body = new ReadableStream<Uint8Array>({
    start(c) {
      for (const f of frames) c.enqueue(enc.encode(f));
      c.close();
    },
  });
  return new Response(body, { status, headers: { "Content-Type": "text/event-stream" } });
}

const frame = (seq: number, e: AgUiEvent) => `id: ${seq}\ndata: ${JSON.stringify(e)}\n\n`;

describe("followRun", () => {
  it("resumes after a dropped stream from the last seq and stops at the terminal event", async () => {
    const calls: string[] = [];
    const responses = [
      () => sseResponse([frame(3, { type: "STEP_STARTED", stepName: "code" }), frame(4, { type: "TEXT_MESSAGE_START", messageId: "m" })]),
      () => {
        throw new TypeError("network down");
      },
      // The server repeats seq 4; it must be dropped.
      () => sseResponse([frame(4, { type: "TEXT_MESSAGE_START", messageId: "m" }), frame(5, { type: "RUN_FINISHED", threadId: "t", runId: "r" })]),
    ];
    const seen: Array<[string, number | null]> = [];
    const statuses: string[] = [];
    const fetchFn = (async (url: string | URL | Request, init?: RequestInit) => {
      calls.push(`${String(url)} ${(init?.headers as Record<string, string>)["Last-Event-ID"]}`);
      const next = responses.shift();
      if (!next) throw new Error("too many calls");
      return next();
    }) as typeof fetch;
    const result = await followRun({
      threadId: "t",
      runId: "r",
      after: 2,
      onEvent: (e, s) => seen.push([e.type, s]),
      onStatus: (s) => statuses.push(s),
      signal: new AbortController().signal,
      fetchFn,
      backoffMs: () => 1,
    });
    expect(result).toBe("finished");
    expect(calls).toEqual([
      "/api/threads/t/runs/r/events?after=2 2",
      "/api/threads/t/runs/r/events?after=4 4",
      "/api/threads/t/runs/r/events?after=4 4",
    ]);
    expect(seen).toEqual([
      ["STEP_STARTED", 3],
      ["TEXT_MESSAGE_START", 4],
      ["RUN_FINISHED", 5],
    ]);
    expect(statuses).toEqual(["live", "reconnecting", "reconnecting", "live"]);
  });

  it("reports a run the server does not know", async () => {
    const fetchFn = (async () => new Response("{}", { status: 404 })) as typeof fetch;
    const r = await followRun({ threadId: "t", runId: "r", after: 0, onEvent: () => undefined, signal: new AbortController().signal, fetchFn });
    expect(r).toBe("gone");
  });

  it("stops when aborted", async () => {
    const ac = new AbortController();
    const fetchFn = (async () => {
      ac.abort();
      throw new DOMException("aborted", "AbortError");
    }) as typeof fetch;
    const r = await followRun({ threadId: "t", runId: "r", after: 0, onEvent: () => undefined, signal: ac.signal, fetchFn });
    expect(r).toBe("aborted");
  });
});

describe("seqTrackingFetch", () => {
  it("sees every id while passing the body through untouched", async () => {
    const body = frame(1, { type: "RUN_STARTED", threadId: "t", runId: "r" }) + frame(2, { type: "RUN_FINISHED", threadId: "t", runId: "r" });
    const seqs: number[] = [];
    const f = seqTrackingFetch((s) => seqs.push(s), (async () => sseResponse([body])) as typeof fetch);
    const res = await f("/api/agent", {});
    expect(await res.text()).toBe(body);
    await new Promise((r) => setTimeout(r, 10));
    expect(seqs).toEqual([1, 2]);
  });
});

it("seqTrackingFetch ends the body cleanly when the connection drops", async () => {
  const enc = new TextEncoder();
  let n = 0;
  const body = new ReadableStream<Uint8Array>({
    pull(c) {
      n += 1;
      if (n === 1) c.enqueue(enc.encode(frame(7, { type: "STEP_STARTED", stepName: "build" })));
      else c.error(new TypeError("network error"));
    },
  });
  const seqs: number[] = [];
  const f = seqTrackingFetch((s) => seqs.push(s), (async () => new Response(body)) as typeof fetch);
  const res = await f("/api/agent", {});
  expect(await res.text()).toBe(frame(7, { type: "STEP_STARTED", stepName: "build" }));
  expect(seqs).toEqual([7]);
});

describe("followThread", () => {
  it("resumes from the last id after a drop and stops for good when access ends", async () => {
    const asked: (string | null)[] = [];
    const withdrawn = (seq: number, id: string) => `id: ${seq}\ndata: ${JSON.stringify({ type: "withdrawn", data: { id } })}\n\n`;
    const opens = [
      () => sseResponse([withdrawn(1, "a"), withdrawn(2, "b")]), // then the connection drops
      () => new Response("{}", { status: 503 }),
      () => sseResponse([withdrawn(3, "c"), `data: ${JSON.stringify({ type: "access_ended", data: { message: "removed" } })}\n\n`]),
    ];
    const fetchFn = (async (_url: string, init: RequestInit) => {
      asked.push(new Headers(init.headers).get("Last-Event-ID"));
      const next = opens.shift();
      if (!next) throw new Error("opened again after access ended");
      return next();
    }) as unknown as typeof fetch;
    const seen: ThreadEvent[] = [];
    const end = await followThread({ threadId: "t", onEvent: (e) => seen.push(e), signal: new AbortController().signal, reopenMs: 1, fetchFn });
    expect(end).toBe("access_ended");
    expect(asked).toEqual([null, "2", "2"]);
    expect(seen.map((e) => e.type)).toEqual(["withdrawn", "withdrawn", "withdrawn", "access_ended"]);
  });
});

describe("dispositionName", () => {
  it("reads the zip's file name", () => {
    expect(dispositionName('attachment; filename="reading-list-v2.zip"')).toBe("reading-list-v2.zip");
    expect(dispositionName(null)).toBeNull();
  });
});
