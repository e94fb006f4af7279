// A small SSE reader that keeps the `id:` of every frame: @ag-ui/client's own parser drops
// ids, and the UI needs them to resume a run exactly where it stopped (docs/api.md).

export interface SseFrame {
  /** The frame's `id:` as a sequence number, when it had one. */
  seq: number | null;
  data: string;
}

/** Incremental parser: feed text chunks, get whole frames back. */
export class SseParser {
  private buffer = "";

  push(chunk: string): SseFrame[] {
    // Tolerate CRLF framing even though the backend sends LF only.
    this.buffer += chunk.replace(/\r\n?/g, "\n");
    const frames: SseFrame[] = [];
    let end = this.buffer.indexOf("\n\n");
    while (end !== -1) {
      const raw = this.buffer.slice(0, end);
      this.buffer = this.buffer.slice(end + 2);
      const frame = parseFrame(raw);
      if (frame) frames.push(frame);
      end = this.buffer.indexOf("\n\n");
    }
    return frames;
  }
}

function parseFrame(raw: string): SseFrame | null {
  let seq: number | null = null;
  const data: string[] = [];
  for (const line of raw.split("\n")) {
    if (line === "" || line.startsWith(":")) continue; // comments are keepalives
    const colon = line.indexOf(":");
    const field = colon === -1 ? line : line.slice(0, colon);
    let value = colon === -1 ? "" : line.slice(colon + 1);
    if (value.startsWith(" ")) value = value.slice(1);
    if (field === "data") data.push(value);
    else if (field === "id") {
      const n = Number(value.trim());
      if (Number.isInteger(n) && n >= 0) seq = n;
    }
  }
  if (data.length === 0) return null;
  return { seq, data: data.join("\n") };
}

/** Reads a response body to the end, calling `onFrame` for each frame. */
export async function readSse(
  body: ReadableStream<Uint8Array>,
  onFrame: (frame: SseFrame) => void,
  signal?: AbortSignal,
): Promise<void> {
  const reader = body.getReader();
  const decoder = new TextDecoder();
  const parser = new SseParser();
  const onAbort = () => void reader.cancel().catch(() => undefined);
  signal?.addEventListener("abort", onAbort, { once: true });
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      for (const f of parser.push(decoder.decode(value, { stream: true }))) onFrame(f);
    }
    for (const f of parser.push(decoder.decode() + "\n\n")) onFrame(f);
  } finally {
    signal?.removeEventListener("abort", onAbort);
  }
}
