import { useEffect, useState } from "react";
import { config } from "../config";
import { formatValue } from "../lib/format";
import { loadItems, newId, saveJson } from "../lib/storage";
import type { FeedConfig, Item, Values } from "../lib/types";
import { ItemForm } from "./ItemForm";

type Post = Item & { reactions?: number };

export function Feed({ spec }: { spec: FeedConfig }) {
  const key = `${config.storageKey}:posts`;
  const [posts, setPosts] = useState<Post[]>(() => loadItems<Post>(key, config.persist));
  useEffect(() => saveJson(key, posts, config.persist), [key, posts]);
  const author = spec.fields.find((f) => f.type === "text");
  const others = spec.fields.filter((f) => f !== author);
  const newest = [...posts].sort((a, b) => b.created - a.created);

  function add(values: Values): string | null {
    setPosts((prev) => [...prev, { id: newId(), created: Date.now(), values, reactions: 0 }]);
    return null;
  }

  const react = (id: string) => setPosts((prev) => prev.map((p) => (p.id === id ? { ...p, reactions: (p.reactions ?? 0) + 1 } : p)));
  const remove = (id: string) => setPosts((prev) => prev.filter((p) => p.id !== id));

  return (
    <>
      <ItemForm heading="New post" fields={spec.fields} submitLabel="Post" editing={null} onSubmit={add} />
      <section className="feed" aria-label="Posts, newest first">
        <h2>Posts <span className="muted small">(newest first)</span></h2>
        <p className="muted small">
          Press {spec.icon} {spec.reaction} on a post to give it a {spec.reaction.toLowerCase()}; each post shows its count.
        </p>
        {newest.length === 0 ? <p className="empty muted">No posts yet — be the first.</p> : null}
        {newest.map((p) => (
          <article key={p.id} className="card post">
            <header className="item-head">
              <strong>{author ? p.values[author.key] : ""}</strong>
              <span className="muted small">{new Date(p.created).toLocaleString()}</span>
            </header>
            {others.map((f) => (
              <p key={f.key}>
                {f.type === "longtext" ? null : <span className="muted">{f.label}: </span>}
                {formatValue(f, p.values[f.key])}
              </p>
            ))}
            <div className="actions">
              <button type="button" className="btn chip" aria-label={`${spec.reaction} this post (${p.reactions ?? 0})`} onClick={() => react(p.id)}>
                {spec.icon} {spec.reaction} · {p.reactions ?? 0}
              </button>
              <button type="button" className="btn ghost small" onClick={() => remove(p.id)}>Delete</button>
            </div>
          </article>
        ))}
      </section>
    </>
  );
}
