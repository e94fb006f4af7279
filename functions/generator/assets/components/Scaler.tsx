import { useEffect, useState } from "react";
import { config } from "../config";
import { formatNumber, numeric } from "../lib/format";
import { loadItems, loadJson, newId, saveJson } from "../lib/storage";
import type { Item, ScalerConfig, Values } from "../lib/types";
import { ItemForm } from "./ItemForm";

export function Scaler({ spec }: { spec: ScalerConfig }) {
  const key = `${config.storageKey}:ingredients`;
  const [items, setItems] = useState<Item[]>(() => loadItems<Item>(key, config.persist));
  const [from, setFrom] = useState(() => {
    const v = loadJson(`${key}:from`, config.persist);
    return typeof v === "string" ? v : "4";
  });
  const [to, setTo] = useState("8");
  useEffect(() => saveJson(key, items, config.persist), [key, items]);
  useEffect(() => saveJson(`${key}:from`, from, config.persist), [key, from]);
  const [name, amount, unit] = spec.fields;
  const factor = numeric(from) > 0 ? numeric(to) / numeric(from) : 1;
  const yields = spec.yields.toLowerCase();

  function add(values: Values): string | null {
    setItems((prev) => [...prev, { id: newId(), created: Date.now(), values }]);
    return null;
  }

  return (
    <>
      <ItemForm heading="Add an ingredient" fields={spec.fields} submitLabel="Add ingredient" editing={null} onSubmit={add} />
      <section className="card" aria-label="Scale">
        <div className="form-grid">
          <label>
            Original {yields}
            <input type="number" min={1} value={from} onChange={(e) => setFrom(e.target.value)} />
          </label>
          <label>
            New {yields}
            <input type="number" min={1} value={to} onChange={(e) => setTo(e.target.value)} />
          </label>
        </div>
        <p className="muted">Scale factor: × {formatNumber(factor)}</p>
        {items.length === 0 || !name || !amount || !unit ? (
          <p className="empty muted">No ingredients yet — add the first one above.</p>
        ) : (
          <div className="table-wrap">
            <table>
              <thead>
                <tr>
                  <th scope="col">{name.label}</th>
                  <th scope="col">For {from} {yields}</th>
                  <th scope="col">For {to} {yields}</th>
                  <th scope="col">Actions</th>
                </tr>
              </thead>
              <tbody>
                {items.map((it) => (
                  <tr key={it.id}>
                    <td>{it.values[name.key]}</td>
                    <td>{it.values[amount.key]} {it.values[unit.key]}</td>
                    <td><strong>{formatNumber(numeric(it.values[amount.key]) * factor)} {it.values[unit.key]}</strong></td>
                    <td>
                      <button type="button" className="btn small danger" onClick={() => setItems((prev) => prev.filter((x) => x.id !== it.id))}>Delete</button>
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        )}
      </section>
    </>
  );
}
