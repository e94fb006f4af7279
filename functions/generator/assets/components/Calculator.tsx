import { useEffect, useId, useState, type FormEvent } from "react";
import { inputs, outputs } from "../calculator";
import { config } from "../config";
import { formatMoney, formatNumber } from "../lib/format";
import { loadJson, newId, saveJson } from "../lib/storage";

export interface CalcInput {
  key: string;
  label: string;
  unit: string | null;
  initial: string;
  min: number | null;
}

export interface CalcOutput {
  label: string;
  format: "money" | "number" | "percent" | "text";
  compute: (v: Record<string, number>) => number | string;
}

interface Entry {
  id: string;
  summary: string;
}

function show(o: CalcOutput, v: Record<string, number>): string {
  const r = o.compute(v);
  if (typeof r === "string") return r;
  if (!Number.isFinite(r)) return "—";
  if (o.format === "money") return formatMoney(r);
  if (o.format === "percent") return `${formatNumber(r)}%`;
  return formatNumber(r);
}

export function Calculator() {
  const uid = useId();
  const key = `${config.storageKey}:history`;
  const [values, setValues] = useState<Record<string, string>>(() => Object.fromEntries(inputs.map((i) => [i.key, i.initial])));
  const [history, setHistory] = useState<Entry[]>(() => {
    const v = loadJson(key, config.persist);
    return Array.isArray(v) ? v.filter((e): e is Entry => typeof e === "object" && e !== null && typeof (e as Entry).summary === "string") : [];
  });
  const [error, setError] = useState<string | null>(null);

  useEffect(() => saveJson(key, history, config.persist), [key, history]);

  const numbers = Object.fromEntries(inputs.map((i) => [i.key, Number(values[i.key])]));
  const invalid = inputs.find((i) => values[i.key]?.trim() === "" || !Number.isFinite(numbers[i.key]) || (i.min !== null && (numbers[i.key] ?? 0) < i.min));

  function save(e: FormEvent<HTMLFormElement>) {
    e.preventDefault();
    if (invalid) {
      setError(`Please enter a valid ${invalid.label.toLowerCase()}${invalid.min !== null ? ` (at least ${invalid.min})` : ""}.`);
      return;
    }
    setError(null);
    const summary = `${inputs.map((i) => `${i.label} ${values[i.key]}`).join(", ")} → ${outputs.map((o) => `${o.label} ${show(o, numbers)}`).join(", ")}`;
    setHistory((prev) => [{ id: newId(), summary }, ...prev].slice(0, 20));
  }

  return (
    <>
      <form className="card form" onSubmit={save} noValidate aria-label="Calculator">
        <h2>Inputs</h2>
        <div className="form-grid">
          {inputs.map((i) => (
            <div className="control" key={i.key}>
              <label htmlFor={`${uid}-${i.key}`}>{i.unit ? `${i.label} (${i.unit})` : i.label}</label>
              <input
                id={`${uid}-${i.key}`}
                name={i.key}
                type="number"
                inputMode="decimal"
                step="any"
                min={i.min ?? undefined}
                required
                value={values[i.key] ?? ""}
                onChange={(e) => setValues((prev) => ({ ...prev, [i.key]: e.target.value }))}
              />
            </div>
          ))}
        </div>
        {error ? <p className="error" role="alert">{error}</p> : null}
        <div className="actions">
          <button type="submit" className="btn primary">Calculate and save</button>
          <button type="button" className="btn ghost" onClick={() => setValues(Object.fromEntries(inputs.map((i) => [i.key, i.initial])))}>
            Reset
          </button>
        </div>
      </form>
      <section className="card summary" aria-label="Results" aria-live="polite">
        <h2>Results</h2>
        <dl className="stats">
          {outputs.map((o) => (
            <div className="stat" key={o.label}>
              <dt>{o.label}</dt>
              <dd>{invalid ? "—" : show(o, numbers)}</dd>
            </div>
          ))}
        </dl>
      </section>
      <section className="stack" aria-label="History">
        <div className="section-head">
          <h2>History</h2>
          {history.length ? (
            <button type="button" className="btn small ghost" onClick={() => setHistory([])}>Clear history</button>
          ) : null}
        </div>
        {history.length === 0 ? (
          <p className="empty card">No saved calculations yet.</p>
        ) : (
          <ul className="history">
            {history.map((h) => (
              <li key={h.id} className="card">{h.summary}</li>
            ))}
          </ul>
        )}
      </section>
    </>
  );
}
