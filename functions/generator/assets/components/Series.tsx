import { useEffect, useState } from "react";
import { config } from "../config";
import { formatMoney, formatNumber, formatValue, numeric } from "../lib/format";
import { loadItems, newId, saveJson } from "../lib/storage";
import type { Field, Item, SeriesConfig, Values } from "../lib/types";
import { ItemForm } from "./ItemForm";

type Stat = SeriesConfig["stats"][number];

// The figures over the entries' values in date order: the change is the last minus the first.
function figure(stat: Stat, values: number[]): number {
  if (stat === "lowest") return Math.min(...values);
  if (stat === "highest") return Math.max(...values);
  if (stat === "average") return values.reduce((a, b) => a + b, 0) / values.length;
  return (values[values.length - 1] ?? 0) - (values[0] ?? 0);
}

function statLabel(stat: Stat, value: Field): string {
  const v = value.label.toLowerCase();
  return stat === "change" ? "Change since the first entry" : `${stat.charAt(0).toUpperCase()}${stat.slice(1)} ${v}`;
}

export function Series({ spec }: { spec: SeriesConfig }) {
  const key = `${config.storageKey}:entries`;
  const [items, setItems] = useState<Item[]>(() => loadItems<Item>(key, config.persist));
  useEffect(() => saveJson(key, items, config.persist), [key, items]);
  const [date, value, note] = spec.fields;
  if (!date || !value) return null;
  const entries = items
    .filter((it) => (it.values[value.key] ?? "").trim() !== "")
    .sort((a, b) => (a.values[date.key] ?? "").localeCompare(b.values[date.key] ?? "") || a.created - b.created);
  const values = entries.map((it) => numeric(it.values[value.key]));
  const show = (n: number) => (value.type === "money" ? formatMoney(n) : `${formatNumber(n)}${value.unit ? ` ${value.unit}` : ""}`);

  function add(values: Values): string | null {
    setItems((prev) => [...prev, { id: newId(), created: Date.now(), values }]);
    return null;
  }

  return (
    <>
      <ItemForm heading="Add an entry" fields={spec.fields} submitLabel="Add entry" editing={null} onSubmit={add} />
      <section className="card summary" aria-label="Figures">
        <h2>{value.label} over time</h2>
        {entries.length === 0 ? <p className="empty muted">No entries yet — add the first one above.</p> : <Chart line={spec.line} label={`${value.label} by date`} values={values} dates={entries.map((e) => e.values[date.key] ?? "")} show={show} />}
        <dl className="stats">
          {spec.stats.map((s) => {
            const n = values.length ? figure(s, values) : null;
            return (
              <div className="stat" key={s}>
                <dt>{statLabel(s, value)}</dt>
                <dd>{n === null ? "—" : `${s === "change" && n > 0 ? "+" : ""}${show(n)}`}</dd>
              </div>
            );
          })}
        </dl>
      </section>
      <section className="card" aria-label="Entries">
        <h2>Entries <span className="muted small">(by date)</span></h2>
        <ul className="entries">
          {entries.map((it) => (
            <li key={it.id}>
              <span>{formatValue(date, it.values[date.key])}</span> <strong>{formatValue(value, it.values[value.key])}</strong>{" "}
              {note && it.values[note.key] ? <span className="muted">{it.values[note.key]}</span> : null}{" "}
              <button type="button" className="btn small danger" aria-label={`Delete the entry of ${it.values[date.key] ?? ""}`} onClick={() => setItems((prev) => prev.filter((x) => x.id !== it.id))}>
                Delete
              </button>
            </li>
          ))}
        </ul>
      </section>
    </>
  );
}

// A dependency-free chart of the values in date order: a line through them, or a bar each.
function Chart({ line, label, values, dates, show }: { line: boolean; label: string; values: number[]; dates: string[]; show: (n: number) => string }) {
  const [w, h, pad] = [420, 160, 24];
  const lo = Math.min(0, ...values);
  const hi = Math.max(lo + 1, ...values);
  const x = (i: number) => pad + (values.length === 1 ? (w - 2 * pad) / 2 : (i * (w - 2 * pad)) / (values.length - 1));
  const y = (v: number) => h - pad - ((v - lo) / (hi - lo)) * (h - 2 * pad);
  const slot = (w - 2 * pad) / values.length;
  return (
    <figure className="chart">
      <svg viewBox={`0 0 ${w} ${h}`} role="img" aria-label={label} className="chart-svg" preserveAspectRatio="xMinYMin meet">
        {line ? (
          <>
            <polyline fill="none" className="chart-line" strokeWidth="2" points={values.map((v, i) => `${x(i)},${y(v)}`).join(" ")} />
            {values.map((v, i) => (
              <circle key={i} cx={x(i)} cy={y(v)} r="3" className="chart-point">
                <title>{`${dates[i]}: ${show(v)}`}</title>
              </circle>
            ))}
          </>
        ) : (
          values.map((v, i) => (
            <rect key={i} x={pad + i * slot + slot * 0.15} y={y(v)} width={slot * 0.7} height={Math.max(1, y(lo) - y(v))} rx="2" className="chart-bar">
              <title>{`${dates[i]}: ${show(v)}`}</title>
            </rect>
          ))
        )}
      </svg>
    </figure>
  );
}
