import { useState, type FormEvent } from "react";

// The parents of the records (projects of tasks, courses of lessons) as a list of their own:
// add one here, then pick it in the records' form.
export function ParentList({ label, names, onAdd, onDelete }: { label: string; names: string[]; onAdd: (name: string) => void; onDelete: (name: string) => void }) {
  const [name, setName] = useState("");
  const lower = label.toLowerCase();
  const submit = (e: FormEvent) => {
    e.preventDefault();
    if (name.trim()) onAdd(name.trim());
    setName("");
  };
  return (
    <section className="card" aria-label={`${label} list`}>
      <h2>{label} list</h2>
      <form className="comment-form" onSubmit={submit}>
        <label>
          {label} name
          <input value={name} onChange={(e) => setName(e.target.value)} aria-label={`${label} name`} required />
        </label>
        <button type="submit" className="btn primary">Add {lower}</button>
      </form>
      {names.length === 0 ? <p className="muted">No {lower} yet — add one, then add what belongs to it.</p> : null}
      <ul className="entries">
        {names.map((n) => (
          <li key={n}>
            <strong>{n}</strong>{" "}
            <button type="button" className="btn small ghost" aria-label={`Delete ${lower} ${n}`} onClick={() => onDelete(n)}>
              Delete
            </button>
          </li>
        ))}
      </ul>
    </section>
  );
}
