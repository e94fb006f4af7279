// Reads a string member out of a JSON object that is still streaming in (TOOL_CALL_ARGS
// deltas), so a file can be shown while it is being written.

const ESCAPES: Record<string, string> = { '"': '"', "\\": "\\", "/": "/", b: "\b", f: "\f", n: "\n", r: "\r", t: "\t" };

/** The (possibly incomplete) value of `"key": "…"` in `text`, or null if it has not started. */
export function partialStringMember(text: string, key: string): { value: string; complete: boolean } | null {
  const m = new RegExp(`"${key}"\\s*:\\s*"`).exec(text);
  if (!m) return null;
  let i = m.index + m[0].length;
  let out = "";
  while (i < text.length) {
    const c = text[i] as string;
    if (c === '"') return { value: out, complete: true };
    if (c === "\\") {
      const n = text[i + 1];
      if (n === undefined) break; // escape split across deltas
      if (n === "u") {
        const hex = text.slice(i + 2, i + 6);
        if (hex.length < 4) break;
        out += String.fromCharCode(parseInt(hex, 16));
        i += 6;
        continue;
      }
      out += ESCAPES[n] ?? n;
      i += 2;
      continue;
    }
    out += c;
    i += 1;
  }
  return { value: out, complete: false };
}
