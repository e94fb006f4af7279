// The collection's items, kept in this browser (localStorage when allowed) or, for an app whose
// data lives in the cloud, in appgen's backend (lib/backend.ts) with everyone's changes applied
// live. With accounts (`accounts`), the server shows each signed-in person only their own
// records; the hook is mounted once someone is signed in (components/Account.tsx).
// Components use one hook either way: [items, setItems, note].

import { useCallback, useEffect, useRef, useState, type Dispatch, type SetStateAction } from "react";
import { backend, collection, type Change } from "./backend";
import { loadItems, saveJson } from "./storage";
import type { CollectionConfig, Item } from "./types";

type Data = Record<string, string | number | boolean | null>;

const NUMERIC = ["number", "money", "percent", "rating"];

// The form keeps every value as a string; the backend stores them typed.
function toRecord(spec: CollectionConfig, it: Item): Data {
  const out: Data = {};
  for (const f of spec.fields) {
    const v = it.values[f.key] ?? "";
    if (v === "") out[f.key] = null;
    else if (NUMERIC.includes(f.type) && !Number.isNaN(Number(v))) out[f.key] = Number(v);
    else if (f.type === "boolean") out[f.key] = v === "true";
    else out[f.key] = v;
  }
  if (spec.done) out.done = it.done ?? false;
  return out;
}

function fromRecord(spec: CollectionConfig, r: Data & { id: string; createdAt: number }): Item {
  const values: Record<string, string> = {};
  for (const f of spec.fields) values[f.key] = r[f.key] === null || r[f.key] === undefined ? "" : String(r[f.key]);
  return { id: r.id, created: r.createdAt, values, done: r.done === true, log: [] };
}

function withoutNulls(d: Data): Data {
  return Object.fromEntries(Object.entries(d).filter(([, v]) => v !== null));
}

function applyChange(spec: CollectionConfig, items: Item[], c: Change<Data>): Item[] {
  if (c.kind === "deleted") return items.filter((x) => x.id !== c.id);
  if (!c.record) return items;
  const next = fromRecord(spec, c.record);
  if (items.some((x) => x.id === c.id)) return items.map((x) => (x.id === c.id ? { ...next, log: x.log } : x));
  return c.kind === "created" ? [next, ...items] : items;
}

export function useItems(
  spec: CollectionConfig,
  storageKey: string,
  persist: boolean,
  cloud: string | null,
  accounts = false,
): [Item[], Dispatch<SetStateAction<Item[]>>, string | null] {
  const remote = cloud !== null && backend.available ? cloud : null;
  const [items, setRaw] = useState<Item[]>(() => (remote ? [] : loadItems<Item>(storageKey, persist)));
  const [note, setNote] = useState<string | null>(() => {
    if (remote) return accounts ? "Loading your list…" : "Loading the shared list…";
    // An accounts app's sign-in screen already says the data stays on this page.
    return cloud === null || accounts ? null : "Shared data is not available in this copy; changes stay on this page.";
  });
  const readyNote = accounts
    ? "Private to your account: saved in the cloud, only you see these."
    : "Shared in the cloud: everyone with this app sees changes live.";
  const current = useRef(items);
  current.current = items;
  const pending = useRef(new Set<string>());
  const coll = useRef(remote ? collection<Data>(remote) : null);

  useEffect(() => {
    if (!remote) saveJson(storageKey, items, persist);
  }, [remote, storageKey, items, persist]);

  useEffect(() => {
    const c = coll.current;
    if (!c) return;
    let live = true;
    // `again`: changes were missed, so what is loaded replaces the list rather than joining it.
    const load = (again: boolean) =>
      c
        .all({ sort: "createdAt" })
        .then((records) => {
          if (!live) return;
          const loaded = records.map((r) => fromRecord(spec, r)).reverse();
          setRaw((prev) => (again ? loaded : [...prev.filter((x) => !loaded.some((l) => l.id === x.id)), ...loaded]));
          setNote(readyNote);
        })
        .catch((e: Error) => live && setNote(`Could not load the list: ${e.message}`));
    const stop = c.subscribe(
      (change) => setRaw((prev) => applyChange(spec, prev, change)),
      () => void load(true),
    );
    void load(false);
    return () => {
      live = false;
      stop();
    };
  }, [spec, readyNote]);

  const fail = (e: Error) => setNote(`Not saved: ${e.message}`);

  // Sends the difference between two lists: new items, changed ones, removed ones.
  const sync = useCallback(
    (prev: Item[], next: Item[]) => {
      const c = coll.current;
      if (!c) return;
      const before = new Map(prev.map((x) => [x.id, x]));
      for (const it of next) {
        const old = before.get(it.id);
        if (!old) {
          pending.current.add(it.id);
          c.create(withoutNulls(toRecord(spec, it)) as Data)
            .then((r) =>
              setRaw((cur) =>
                cur.some((x) => x.id === r.id)
                  ? cur.filter((x) => x.id !== it.id)
                  : cur.map((x) => (x.id === it.id ? { ...x, id: r.id, created: r.createdAt } : x)),
              ),
            )
            .catch((e: Error) => {
              setRaw((cur) => cur.filter((x) => x.id !== it.id));
              fail(e);
            })
            .finally(() => pending.current.delete(it.id));
        } else if (old !== it && !pending.current.has(it.id)) {
          c.update(it.id, toRecord(spec, it)).catch(fail);
        }
      }
      const kept = new Set(next.map((x) => x.id));
      for (const it of prev) if (!kept.has(it.id) && !pending.current.has(it.id)) c.remove(it.id).catch(fail);
    },
    [spec],
  );

  const setItems: Dispatch<SetStateAction<Item[]>> = useCallback(
    (action) => {
      const prev = current.current;
      const next = typeof action === "function" ? action(prev) : action;
      current.current = next;
      setRaw(next);
      sync(prev, next);
    },
    [sync],
  );

  return [items, setItems, note];
}
