import { useEffect, useState, type FormEvent } from "react";
import { config } from "../config";
import { formatValue } from "../lib/format";
import { loadItems, newId, saveJson } from "../lib/storage";
import type { FeedConfig, Item, Values } from "../lib/types";
import { ItemForm } from "./ItemForm";

type Comment = { id: string; created: number; text: string; author?: string };
type Post = Item & { reactions?: number; comments?: Comment[] };

// Comments come from storage with the posts, so their shape is checked like the posts'.
function commentsOf(p: Post): Comment[] {
  if (!Array.isArray(p.comments)) return [];
  return p.comments.filter(
    (c): c is Comment =>
      typeof c === "object" && c !== null && typeof c.id === "string" && typeof c.text === "string" && typeof c.created === "number" && (c.author === undefined || typeof c.author === "string"),
  );
}

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
  const comment = (id: string, text: string, by: string) =>
    setPosts((prev) => prev.map((p) => (p.id === id ? { ...p, comments: [...commentsOf(p), { id: newId(), created: Date.now(), text, author: by || undefined }] } : p)));
  const uncomment = (id: string, commentId: string) =>
    setPosts((prev) => prev.map((p) => (p.id === id ? { ...p, comments: commentsOf(p).filter((c) => c.id !== commentId) } : p)));
  // Which post, in words: its author, with its first words when that author posted more than once.
  const nameOf = (p: Post) => {
    const by = (author ? p.values[author.key] : "") || "someone";
    const twice = author && posts.some((q) => q.id !== p.id && q.values[author.key] === p.values[author.key]);
    const words = others.map((f) => p.values[f.key]).find(Boolean) ?? "";
    return twice && words ? `the post by ${by}: ${words.slice(0, 40)}` : `the post by ${by}`;
  };

  return (
    <>
      <ItemForm heading="New post" fields={spec.fields} submitLabel="Post" editing={null} onSubmit={add} />
      <section className="feed" aria-label="Posts, newest first">
        <h2>Posts <span className="muted small">(newest first)</span></h2>
        <p className="muted small">
          Press {spec.icon} {spec.reaction} on a post to give it a {spec.reaction.toLowerCase()}; each post shows its count.{spec.comments ? " Comment under any post to reply to it." : ""}
        </p>
        {newest.length === 0 ? <p className="empty muted">No posts yet — be the first.</p> : null}
        {newest.map((p) => (
          <article key={p.id} className="card post" aria-label={spec.comments ? capitalize(nameOf(p)) : undefined}>
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
            {spec.comments ? <Comments post={nameOf(p)} comments={commentsOf(p)} onAdd={(text, by) => comment(p.id, text, by)} onDelete={(c) => uncomment(p.id, c)} /> : null}
          </article>
        ))}
      </section>
    </>
  );
}

const capitalize = (s: string) => s.charAt(0).toUpperCase() + s.slice(1);

// A post's comments, oldest first so a conversation reads down, each with who wrote it and
// its delete button, and the box to add one (the name is optional: "Anonymous" without one).
function Comments({ post, comments, onAdd, onDelete }: { post: string; comments: Comment[]; onAdd: (text: string, by: string) => void; onDelete: (id: string) => void }) {
  const [text, setText] = useState("");
  const [by, setBy] = useState("");
  const submit = (e: FormEvent) => {
    e.preventDefault();
    if (text.trim()) onAdd(text.trim(), by.trim());
    setText("");
  };
  return (
    <div className="comments">
      <p className="muted small">{comments.length === 1 ? "1 comment" : `${comments.length} comments`}</p>
      {comments.length > 0 ? (
        <ul className="comment-list" aria-label={`Comments on ${post}`}>
          {comments.map((c) => {
            const who = c.author || "Anonymous";
            return (
              <li key={c.id}>
                <strong>{who}</strong>: {c.text} <span className="muted small">{new Date(c.created).toLocaleString()}</span>{" "}
                <button type="button" className="btn ghost small" aria-label={`Delete comment by ${who}: ${c.text.slice(0, 40)}`} onClick={() => onDelete(c.id)}>
                  Delete
                </button>
              </li>
            );
          })}
        </ul>
      ) : null}
      <form className="comment-form" onSubmit={submit}>
        <label>
          Your name
          <input value={by} onChange={(e) => setBy(e.target.value)} aria-label={`Your name (comment on ${post})`} autoComplete="name" />
        </label>
        <label>
          Comment
          <input value={text} onChange={(e) => setText(e.target.value)} aria-label={`Comment on ${post}`} required />
        </label>
        <button type="submit" className="btn primary" aria-label={`Add comment to ${post}`}>Add comment</button>
      </form>
    </div>
  );
}
