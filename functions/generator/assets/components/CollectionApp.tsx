import { useEffect, useMemo, useState } from "react";
import { config } from "../config";
import { useItems } from "../lib/items";
import { loadJson, newId, saveJson } from "../lib/storage";
import { todayIso } from "../lib/format";
import type { CollectionConfig, Item, Values } from "../lib/types";
import { ItemForm } from "./ItemForm";
import { ItemList } from "./ItemList";
import { ParentList } from "./ParentList";
import { Summary } from "./Summary";
import { Toolbar, type View } from "./Toolbar";

// Refuses a booking that overlaps another of the same resource on the same date.
function overlapProblem(spec: CollectionConfig, items: Item[], values: Values, editingId: string | null): string | null {
  const o = spec.overlap;
  if (!o) return null;
  const start = values[o.start] ?? "";
  const end = values[o.end] ?? "";
  if (start && end && end <= start) return "The end time must be after the start time.";
  const clash = items.find(
    (it) =>
      it.id !== editingId &&
      (o.resource === null || it.values[o.resource] === values[o.resource]) &&
      it.values[o.date] === values[o.date] &&
      (it.values[o.start] ?? "") < end &&
      start < (it.values[o.end] ?? ""),
  );
  if (!clash) return null;
  const what = o.resource ? `${values[o.resource]} is` : "That slot is";
  return `${what} already booked on ${values[o.date]} from ${clash.values[o.start]} to ${clash.values[o.end]}. Please pick another time.`;
}

// The parents added in their own list (none when the app has no parent list).
function useParents(key: string, enabled: boolean): [string[], (names: string[]) => void] {
  const [parents, setParents] = useState<string[]>(() => {
    const v = enabled ? loadJson(key, config.persist) : null;
    return Array.isArray(v) ? v.filter((x): x is string => typeof x === "string") : [];
  });
  useEffect(() => {
    if (enabled) saveJson(key, parents, config.persist);
  }, [key, parents, enabled]);
  return [parents, setParents];
}

export function CollectionApp({ spec: base }: { spec: CollectionConfig }) {
  const key = `${config.storageKey}:items`;
  const [items, setItems, dataNote] = useItems(base, key, config.persist, config.cloudCollection ?? null, config.accounts === true);
  const parentKey = base.parentList ?? null;
  const parentField = base.fields.find((f) => f.key === parentKey);
  const [parents, setParents] = useParents(`${key}:parents`, parentField !== undefined);
  // The parent field suggests the parents listed and those the records already name.
  const spec = useMemo(() => {
    if (!parentKey) return base;
    const named = items.map((it) => it.values[parentKey] ?? "").filter((n) => n !== "");
    const options = [...new Set([...parents, ...named])];
    return { ...base, fields: base.fields.map((f) => (f.key === parentKey ? { ...f, options } : f)) };
  }, [base, parentKey, parents, items]);
  const [editing, setEditing] = useState<Item | null>(null);
  const [view, setView] = useState<View>({ query: "", filter: "", sort: "", status: "all" });
  const [notice, setNotice] = useState<string | null>(null);

  function submit(values: Values): string | null {
    const refused = overlapProblem(spec, items, values, editing?.id ?? null);
    if (refused) return refused;
    const label = values[spec.primary] || spec.singular;
    if (editing) {
      setItems((prev) => prev.map((it) => (it.id === editing.id ? { ...it, values } : it)));
      setEditing(null);
      setNotice(`Saved changes to ${label}.`);
    } else {
      setItems((prev) => [{ id: newId(), created: Date.now(), values, done: false, log: [] }, ...prev]);
      setNotice(`Added ${label}.`);
    }
    return null;
  }

  const visible = useMemo(() => {
    const q = view.query.trim().toLowerCase();
    let out = items.filter((it) => {
      if (q && !spec.search.some((k) => (it.values[k] ?? "").toLowerCase().includes(q))) return false;
      if (view.filter && spec.filter && it.values[spec.filter] !== view.filter) return false;
      if (view.status === "active" && it.done) return false;
      if (view.status === "done" && !it.done) return false;
      return true;
    });
    if (view.sort) {
      const [k, dir] = view.sort.split(":");
      const field = spec.fields.find((f) => f.key === k);
      const numericSort = field && ["number", "money", "percent", "rating"].includes(field.type);
      out = [...out].sort((a, b) => {
        const x = a.values[k] ?? "";
        const y = b.values[k] ?? "";
        const c = numericSort ? Number(x) - Number(y) : x.localeCompare(y);
        return dir === "desc" ? -c : c;
      });
    }
    return out;
  }, [items, view, spec]);

  const showSummary =
    spec.count || spec.totals.length > 0 || spec.averages.length > 0 || spec.groupBy !== null || spec.computed !== null || spec.chart || spec.lowStock !== null;
  const activeCount = items.filter((it) => !it.done).length;

  return (
    <>
      {spec.variant === "dashboard" && showSummary ? <Summary spec={spec} items={items} /> : null}
      <ItemForm
        heading={editing ? `Edit ${spec.singular.toLowerCase()}` : `Add ${spec.singular.toLowerCase()}`}
        fields={spec.fields}
        submitLabel={editing ? "Save changes" : `Add ${spec.singular.toLowerCase()}`}
        editing={editing ? editing.values : null}
        onSubmit={submit}
        onCancel={editing ? () => setEditing(null) : undefined}
      />
      {notice ? (
        <p className="notice" role="status">{notice}</p>
      ) : null}
      {dataNote ? <p className="muted">{dataNote}</p> : null}
      {/* After the records' form: a control named like the parent field ("Project name") must
          not come first for a person (or a check) looking for that field. */}
      {parentField ? (
        <ParentList
          label={parentField.label}
          names={parents}
          onAdd={(n) => setParents(parents.includes(n) ? parents : [...parents, n])}
          onDelete={(n) => setParents(parents.filter((p) => p !== n))}
        />
      ) : null}
      {spec.variant !== "dashboard" && showSummary ? <Summary spec={spec} items={items} /> : null}
      <section aria-label={spec.plural} className="stack">
        <div className="section-head">
          <h2>{spec.plural}</h2>
          <span className="muted">
            {spec.done ? `${activeCount} active · ${items.length - activeCount} done` : `${items.length} ${items.length === 1 ? spec.singular.toLowerCase() : spec.plural.toLowerCase()}`}
          </span>
        </div>
        <Toolbar spec={spec} view={view} onChange={setView} />
        <ItemList
          spec={spec}
          items={visible}
          total={items.length}
          onEdit={(it) => setEditing(it)}
          onDelete={(it) => {
            setItems((prev) => prev.filter((x) => x.id !== it.id));
            if (editing?.id === it.id) setEditing(null);
          }}
          onToggleDone={(it) => setItems((prev) => prev.map((x) => (x.id === it.id ? { ...x, done: !x.done } : x)))}
          onToggleToday={(it, day) => {
            const today = day ?? todayIso();
            setItems((prev) =>
              prev.map((x) => {
                if (x.id !== it.id) return x;
                const log = x.log ?? [];
                return { ...x, log: log.includes(today) ? log.filter((d) => d !== today) : [...log, today] };
              }),
            );
          }}
        />
      </section>
    </>
  );
}
