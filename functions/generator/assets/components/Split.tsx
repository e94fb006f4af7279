import { useEffect, useId, useState, type FormEvent } from "react";
import { config } from "../config";
import { formatMoney } from "../lib/format";
import { loadJson, newId, saveJson } from "../lib/storage";
import type { SplitConfig } from "../lib/types";

interface Cost {
  id: string;
  what: string;
  paidBy: string;
  amount: number;
}

interface Data {
  people: string[];
  costs: Cost[];
}

// Stored data is untrusted: keep only the shapes this version writes.
function load(): Data {
  const raw = loadJson(`${config.storageKey}:split`, config.persist) as Partial<Data> | null;
  const people = Array.isArray(raw?.people) ? raw.people.filter((p): p is string => typeof p === "string") : [];
  const costs = Array.isArray(raw?.costs)
    ? raw.costs.filter((c): c is Cost => typeof c === "object" && c !== null && typeof c.what === "string" && typeof c.paidBy === "string" && typeof c.amount === "number")
    : [];
  return { people, costs };
}

export function Split({ spec }: { spec: SplitConfig }) {
  const uid = useId();
  const [data, setData] = useState<Data>(load);
  const [name, setName] = useState("");
  const [what, setWhat] = useState("");
  const [paidBy, setPaidBy] = useState("");
  const [amount, setAmount] = useState("");
  useEffect(() => saveJson(`${config.storageKey}:split`, data, config.persist), [data]);
  const person = spec.person.toLowerCase();
  const cost = spec.cost.toLowerCase();
  const total = data.costs.reduce((s, c) => s + c.amount, 0);
  const share = data.people.length > 0 ? total / data.people.length : 0;
  const balance = (p: string) => data.costs.filter((c) => c.paidBy === p).reduce((s, c) => s + c.amount, 0) - share;

  function addPerson(e: FormEvent) {
    e.preventDefault();
    const n = name.trim();
    if (n && !data.people.includes(n)) setData((d) => ({ ...d, people: [...d.people, n] }));
    setName("");
  }

  // A cost paid by someone not yet listed adds them: nobody has to be added twice.
  function addCost(e: FormEvent) {
    e.preventDefault();
    const a = Number(amount);
    const by = paidBy.trim();
    if (!what.trim() || !by || !Number.isFinite(a) || a <= 0) return;
    setData((d) => ({
      people: d.people.includes(by) ? d.people : [...d.people, by],
      costs: [{ id: newId(), what: what.trim(), paidBy: by, amount: a }, ...d.costs],
    }));
    setWhat("");
    setAmount("");
  }

  return (
    <>
      <form className="card" onSubmit={addPerson} aria-label={`Add a ${person}`}>
        <h2>{spec.person}s</h2>
        <label htmlFor={`${uid}-name`}>{spec.person} name</label>
        <div className="actions">
          <input id={`${uid}-name`} value={name} onChange={(e) => setName(e.target.value)} required />
          <button type="submit" className="btn primary">Add {person}</button>
        </div>
        <p className="muted">{data.people.length === 0 ? `No ${person}s yet.` : data.people.join(", ")}</p>
      </form>
      <form className="card form-grid" onSubmit={addCost} aria-label={`Add a ${cost}`}>
        <h2>Add a {cost}</h2>
        <label>What it was <input value={what} onChange={(e) => setWhat(e.target.value)} required /></label>
        <label>
          Paid by
          <input list={`${uid}-people`} value={paidBy} onChange={(e) => setPaidBy(e.target.value)} placeholder={data.people[0] ?? `a ${person}'s name`} required />
          <datalist id={`${uid}-people`}>
            {data.people.map((p) => <option key={p} value={p} />)}
          </datalist>
        </label>
        <label>Amount <input type="number" min={0.01} step={0.01} value={amount} onChange={(e) => setAmount(e.target.value)} required /></label>
        <button type="submit" className="btn primary">Add {cost}</button>
      </form>
      <section className="card" aria-label="Balances">
        <h2>Who owes what</h2>
        <p className="muted">Total {formatMoney(total)} · each {person}'s equal share {formatMoney(share)}</p>
        <ul>
          {data.people.map((p) => {
            const b = balance(p);
            return (
              <li key={p}>
                <strong>{p}</strong>: {Math.abs(b) < 0.005 ? "settled up" : b > 0 ? `is owed ${formatMoney(b)}` : `owes ${formatMoney(-b)}`}
              </li>
            );
          })}
        </ul>
        <ul className="history">
          {data.costs.map((c) => (
            <li key={c.id}>
              {c.what} — {formatMoney(c.amount)} paid by {c.paidBy}{" "}
              <button type="button" className="btn small ghost" onClick={() => setData((d) => ({ ...d, costs: d.costs.filter((x) => x.id !== c.id) }))}>Delete</button>
            </li>
          ))}
        </ul>
      </section>
    </>
  );
}
