// RFC 6902 JSON Patch, enough for STATE_DELTA. Returns a new document; throws on a bad op so
// the caller can fall back to refetching the state.

export interface PatchOp {
  op: "add" | "remove" | "replace" | "move" | "copy" | "test";
  path: string;
  from?: string;
  value?: unknown;
}

type Container = Record<string, unknown> | unknown[];

function parsePointer(pointer: string): string[] {
  if (pointer === "") return [];
  if (!pointer.startsWith("/")) throw new Error(`bad JSON pointer ${pointer}`);
  return pointer
    .slice(1)
    .split("/")
    .map((s) => s.replace(/~1/g, "/").replace(/~0/g, "~"));
}

function get(doc: unknown, tokens: string[]): unknown {
  let cur = doc;
  for (const t of tokens) {
    if (Array.isArray(cur)) cur = cur[Number(t)];
    else if (cur && typeof cur === "object") cur = (cur as Record<string, unknown>)[t];
    else return undefined;
  }
  return cur;
}

function parentOf(doc: unknown, tokens: string[]): { parent: Container; key: string } {
  const parent = get(doc, tokens.slice(0, -1));
  if (!parent || typeof parent !== "object") throw new Error(`no parent for /${tokens.join("/")}`);
  return { parent: parent as Container, key: tokens[tokens.length - 1] ?? "" };
}

function add(doc: unknown, tokens: string[], value: unknown): unknown {
  if (tokens.length === 0) return value;
  const { parent, key } = parentOf(doc, tokens);
  if (Array.isArray(parent)) {
    const i = key === "-" ? parent.length : Number(key);
    if (!Number.isInteger(i) || i < 0 || i > parent.length) throw new Error(`bad index ${key}`);
    parent.splice(i, 0, value);
  } else parent[key] = value;
  return doc;
}

function remove(doc: unknown, tokens: string[]): unknown {
  const { parent, key } = parentOf(doc, tokens);
  if (Array.isArray(parent)) {
    const i = Number(key);
    if (!Number.isInteger(i) || i < 0 || i >= parent.length) throw new Error(`bad index ${key}`);
    parent.splice(i, 1);
  } else {
    if (!(key in parent)) throw new Error(`no member ${key}`);
    delete parent[key];
  }
  return doc;
}

export function applyPatch<T>(document: T, ops: readonly PatchOp[]): T {
  let doc: unknown = structuredClone(document);
  for (const op of ops) {
    const tokens = parsePointer(op.path);
    switch (op.op) {
      case "add":
        doc = add(doc, tokens, structuredClone(op.value));
        break;
      case "remove":
        doc = remove(doc, tokens);
        break;
      case "replace":
        if (tokens.length === 0) doc = structuredClone(op.value);
        else {
          doc = remove(doc, tokens);
          doc = add(doc, tokens, structuredClone(op.value));
        }
        break;
      case "move": {
        const from = parsePointer(op.from ?? "");
        const v = get(doc, from);
        doc = remove(doc, from);
        doc = add(doc, tokens, v);
        break;
      }
      case "copy":
        doc = add(doc, tokens, structuredClone(get(doc, parsePointer(op.from ?? ""))));
        break;
      case "test":
        if (JSON.stringify(get(doc, tokens)) !== JSON.stringify(op.value)) throw new Error(`test failed at ${op.path}`);
        break;
    }
  }
  return doc as T;
}
