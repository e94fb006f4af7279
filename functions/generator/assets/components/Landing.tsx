import { useEffect, useState, type FormEvent } from "react";
import { config } from "../config";
import { loadJson, saveJson } from "../lib/storage";
import type { LandingConfig, LandingSection } from "../lib/types";
import { ContactForm } from "./ContactForm";

// The newsletter signup: the addresses are kept in the browser (no emails are sent from here).
function Newsletter() {
  const key = `${config.storageKey}:subscribers`;
  const [emails, setEmails] = useState<string[]>(() => {
    const v = loadJson(key, config.persist);
    return Array.isArray(v) ? v.filter((x): x is string => typeof x === "string") : [];
  });
  const [email, setEmail] = useState("");
  const [thanks, setThanks] = useState<string | null>(null);
  useEffect(() => saveJson(key, emails, config.persist), [key, emails]);
  const submit = (e: FormEvent) => {
    e.preventDefault();
    const v = email.trim();
    if (!v) return;
    setEmails((prev) => (prev.includes(v) ? prev : [...prev, v]));
    setThanks(`Thanks — ${v} is on the list.`);
    setEmail("");
  };
  return (
    <form className="comment-form" onSubmit={submit}>
      <label>
        Email
        <input type="email" required value={email} onChange={(e) => setEmail(e.target.value)} aria-label="Email for the newsletter" />
      </label>
      <button type="submit" className="btn primary">Subscribe</button>
      {thanks ? <p role="status">{thanks}</p> : null}
    </form>
  );
}

function Section({ s }: { s: LandingSection }) {
  return (
    <section id={s.id} className="section" aria-label={s.title}>
      <h2>{s.title}</h2>
      {s.intro ? <p className="muted">{s.intro}</p> : null}
      {s.kind === "newsletter" ? (
        <Newsletter />
      ) : s.kind === "schedule" || s.kind === "hours" ? (
        <div className="table-wrap card">
          <table>
            <thead>
              <tr>
                <th scope="col">{s.kind === "hours" ? "Day" : "Class"}</th>
                <th scope="col">{s.kind === "hours" ? "Hours" : "When"}</th>
                <th scope="col">{s.kind === "hours" ? "Note" : "With"}</th>
              </tr>
            </thead>
            <tbody>
              {s.items.map((it) => (
                <tr key={it.title + it.meta}>
                  <td>{it.title}</td>
                  <td>{it.meta}</td>
                  <td>{it.text}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      ) : s.kind === "faq" ? (
        <div className="stack">
          {s.items.map((it) => (
            <details key={it.title} className="card">
              <summary>{it.title}</summary>
              <p>{it.text}</p>
            </details>
          ))}
        </div>
      ) : s.kind === "testimonials" ? (
        <div className="grid">
          {s.items.map((it) => (
            <blockquote key={it.title} className="card">
              <p>“{it.text}”</p>
              <footer className="muted">— {it.title}{it.meta ? `, ${it.meta}` : ""}</footer>
            </blockquote>
          ))}
        </div>
      ) : s.kind === "gallery" ? (
        <div className="grid gallery">
          {s.items.map((it, i) => (
            <figure key={it.title} className="card tile">
              <svg viewBox="0 0 160 100" role="img" aria-label={it.title}>
                <rect width="160" height="100" className="tile-bg" />
                <circle cx={40 + ((i * 37) % 80)} cy="45" r="22" className="tile-shape" />
                <rect x="20" y="72" width={60 + ((i * 23) % 70)} height="10" rx="5" className="tile-shape" />
              </svg>
              <figcaption>{it.title}</figcaption>
            </figure>
          ))}
        </div>
      ) : (
        <div className="grid">
          {s.items.map((it) => (
            <article key={it.title} className={s.kind === "pricing" ? "card plan" : "card"}>
              <h3>{it.title}</h3>
              {it.meta ? <p className={s.kind === "pricing" ? "price" : "muted"}>{it.meta}</p> : null}
              <p>{it.text}</p>
              {s.kind === "pricing" ? (
                <a className="btn primary" href="#contact">Choose {it.title}</a>
              ) : null}
            </article>
          ))}
        </div>
      )}
    </section>
  );
}

export function Landing({ spec, title, tagline }: { spec: LandingConfig; title: string; tagline: string }) {
  return (
    <>
      <nav className="nav" aria-label="Sections">
        {spec.sections.map((s) => (
          <a key={s.id} href={`#${s.id}`}>{s.title}</a>
        ))}
        {spec.contact ? <a href="#contact">Contact</a> : null}
      </nav>
      <section className="hero" aria-label="Welcome">
        <h2 className="hero-title">{tagline}</h2>
        <p className="hero-text">Welcome to {title}.</p>
        <a className="btn primary" href={spec.contact ? "#contact" : `#${spec.sections[0]?.id ?? ""}`}>{spec.cta}</a>
      </section>
      {spec.sections.map((s) => (
        <Section key={s.id} s={s} />
      ))}
      {spec.contact ? <ContactForm /> : null}
    </>
  );
}
