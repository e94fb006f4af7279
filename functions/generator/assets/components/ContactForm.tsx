import { useEffect, useId, useState, type FormEvent } from "react";
import { config } from "../config";
import { loadItems, newId, saveJson } from "../lib/storage";

interface Message {
  id: string;
  values: Record<string, string>;
}

const EMAIL = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;

export function ContactForm() {
  const uid = useId();
  const key = `${config.storageKey}:messages`;
  const [form, setForm] = useState({ name: "", email: "", message: "" });
  const [sent, setSent] = useState<Message[]>(() => loadItems<Message>(key, config.persist));
  const [error, setError] = useState<string | null>(null);
  const [thanks, setThanks] = useState<string | null>(null);

  useEffect(() => saveJson(key, sent, config.persist), [key, sent]);

  function submit(e: FormEvent<HTMLFormElement>) {
    e.preventDefault();
    if (!form.name.trim()) return setError("Please enter your name.");
    if (!EMAIL.test(form.email.trim())) return setError("Please enter a valid email address.");
    if (!form.message.trim()) return setError("Please write a message.");
    setError(null);
    setSent((prev) => [{ id: newId(), values: { ...form } }, ...prev]);
    setThanks(`Thanks, ${form.name.trim()}! We will reply to ${form.email.trim()} soon.`);
    setForm({ name: "", email: "", message: "" });
  }

  const field = (name: "name" | "email" | "message", label: string, type: string) => (
    <div className={name === "message" ? "control wide" : "control"}>
      <label htmlFor={`${uid}-${name}`}>{label}</label>
      {type === "textarea" ? (
        <textarea id={`${uid}-${name}`} name={name} rows={4} required value={form[name]} onChange={(e) => setForm({ ...form, [name]: e.target.value })} />
      ) : (
        <input id={`${uid}-${name}`} name={name} type={type} required value={form[name]} onChange={(e) => setForm({ ...form, [name]: e.target.value })} />
      )}
    </div>
  );

  return (
    <section id="contact" className="section" aria-label="Contact">
      <h2>Contact us</h2>
      <form className="card form" onSubmit={submit} noValidate aria-label="Contact form">
        <div className="form-grid">
          {field("name", "Name", "text")}
          {field("email", "Email", "email")}
          {field("message", "Message", "textarea")}
        </div>
        {error ? <p className="error" role="alert">{error}</p> : null}
        <div className="actions">
          <button type="submit" className="btn primary">Send message</button>
        </div>
        {thanks ? <p className="notice" role="status">{thanks}</p> : null}
      </form>
      {sent.length ? (
        <div className="stack">
          <h3>Messages sent</h3>
          <ul className="history">
            {sent.map((m) => (
              <li key={m.id} className="card">
                <strong>{m.values.name}</strong> ({m.values.email}): {m.values.message}
              </li>
            ))}
          </ul>
        </div>
      ) : null}
    </section>
  );
}
