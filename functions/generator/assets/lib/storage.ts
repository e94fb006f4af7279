// localStorage access that never throws: a sandboxed preview or private mode denies storage,
// and the app must keep working in memory then.

export function loadJson(key: string, enabled: boolean): unknown {
  if (!enabled) return null;
  try {
    const raw = window.localStorage.getItem(key);
    return raw === null ? null : (JSON.parse(raw) as unknown);
  } catch {
    return null;
  }
}

export function saveJson(key: string, value: unknown, enabled: boolean): void {
  if (!enabled) return;
  try {
    window.localStorage.setItem(key, JSON.stringify(value));
  } catch {
    // Storage is unavailable; the data stays in memory for this visit.
  }
}

export function newId(): string {
  return Date.now().toString(36) + Math.random().toString(36).slice(2, 8);
}

function isRecordOfStrings(v: unknown): v is Record<string, string> {
  return typeof v === "object" && v !== null && Object.values(v).every((x) => typeof x === "string");
}

// Items from storage are untrusted (older versions of the app may have written other shapes).
export function loadItems<T extends { id: string; values: Record<string, string> }>(
  key: string,
  enabled: boolean,
): T[] {
  const data = loadJson(key, enabled);
  if (!Array.isArray(data)) return [];
  return data.filter(
    (x: unknown): x is T =>
      typeof x === "object" &&
      x !== null &&
      typeof (x as { id?: unknown }).id === "string" &&
      isRecordOfStrings((x as { values?: unknown }).values),
  );
}
