import { useEffect, useState } from "react";
import { config } from "../config";
import { loadItems, newId, saveJson } from "../lib/storage";
import type { FlashcardsConfig, Item, Values } from "../lib/types";
import { ItemForm } from "./ItemForm";

type Card = Item & { known?: boolean };

export function Flashcards({ spec }: { spec: FlashcardsConfig }) {
  const key = `${config.storageKey}:cards`;
  const [cards, setCards] = useState<Card[]>(() => loadItems<Card>(key, config.persist));
  const [index, setIndex] = useState(0);
  const [revealed, setRevealed] = useState(false);
  useEffect(() => saveJson(key, cards, config.persist), [key, cards]);
  const [front, back] = spec.fields;
  const card = cards[Math.min(index, cards.length - 1)];
  const at = Math.min(index, cards.length - 1);
  const known = cards.filter((c) => c.known).length;

  function go(to: number) {
    if (cards.length === 0) return;
    setIndex((to + cards.length) % cards.length);
    setRevealed(false);
  }

  function add(values: Values): string | null {
    setCards((prev) => [...prev, { id: newId(), created: Date.now(), values }]);
    setIndex(cards.length);
    setRevealed(false);
    return null;
  }

  function mark(isKnown: boolean) {
    if (!card) return;
    setCards((prev) => prev.map((c) => (c.id === card.id ? { ...c, known: isKnown } : c)));
    go(at + 1);
  }

  function remove() {
    if (!card) return;
    setCards((prev) => prev.filter((c) => c.id !== card.id));
    setIndex(Math.max(0, at - 1));
    setRevealed(false);
  }

  return (
    <>
      <section className="card flashcard-view" aria-label="Study">
        {card && front && back ? (
          <>
            <p className="muted">
              Card {at + 1} of {cards.length} · Known: {known} · Still learning: {cards.length - known}
              {card.known ? <span className="badge">known</span> : null}
            </p>
            <button type="button" className="flashcard" aria-pressed={revealed} onClick={() => setRevealed((r) => !r)}>
              <span className="muted small">{front.label}</span>
              <strong className="flashcard-front">{card.values[front.key]}</strong>
              {revealed ? (
                <span className="flashcard-back">
                  <span className="muted small">{back.label}</span> {card.values[back.key]}
                </span>
              ) : (
                <span className="muted">Tap to reveal the {back.label.toLowerCase()}</span>
              )}
            </button>
            <div className="actions">
              <button type="button" className="btn ghost" onClick={() => go(at - 1)}>Previous</button>
              <button type="button" className="btn primary" onClick={() => setRevealed((r) => !r)}>{revealed ? "Hide" : "Reveal"} {back.label.toLowerCase()}</button>
              <button type="button" className="btn ghost" onClick={() => go(at + 1)}>Next</button>
            </div>
            <div className="actions">
              <button type="button" className="btn chip" onClick={() => mark(true)}>I knew it</button>
              <button type="button" className="btn chip" onClick={() => mark(false)}>Still learning</button>
              <button type="button" className="btn danger small" onClick={remove}>Delete card</button>
            </div>
          </>
        ) : (
          <p className="empty muted">No cards yet — add your first card below.</p>
        )}
      </section>
      <ItemForm heading="Add a card" fields={spec.fields} submitLabel="Add card" editing={null} onSubmit={add} />
    </>
  );
}
