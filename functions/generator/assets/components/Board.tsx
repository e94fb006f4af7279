import { useEffect, useState, type DragEvent } from "react";
import { config } from "../config";
import { formatValue } from "../lib/format";
import { loadItems, newId, saveJson } from "../lib/storage";
import type { BoardConfig, Item, Values } from "../lib/types";
import { ItemForm } from "./ItemForm";

const COLUMN_KEY = "__column";

export function Board({ spec }: { spec: BoardConfig }) {
  const key = `${config.storageKey}:cards`;
  const [cards, setCards] = useState<Item[]>(() => loadItems<Item>(key, config.persist));
  const [dragging, setDragging] = useState<string | null>(null);

  useEffect(() => saveJson(key, cards, config.persist), [key, cards]);

  const columnOf = (c: Item) => (c.column && spec.columns.includes(c.column) ? c.column : (spec.columns[0] ?? ""));
  const move = (id: string, column: string) => setCards((prev) => prev.map((c) => (c.id === id ? { ...c, column } : c)));

  function add(values: Values): string | null {
    const column = values[COLUMN_KEY] || spec.columns[0] || "";
    const { [COLUMN_KEY]: _ignored, ...rest } = values;
    setCards((prev) => [...prev, { id: newId(), created: Date.now(), values: rest, column }]);
    return null;
  }

  function drop(e: DragEvent<HTMLElement>, column: string) {
    e.preventDefault();
    const id = e.dataTransfer.getData("text/plain") || dragging;
    if (id) move(id, column);
    setDragging(null);
  }

  return (
    <>
      <ItemForm
        heading={`Add ${spec.singular.toLowerCase()}`}
        fields={spec.fields}
        submitLabel={`Add ${spec.singular.toLowerCase()}`}
        editing={null}
        onSubmit={add}
        extra={{ label: "Column", key: COLUMN_KEY, options: spec.columns }}
      />
      <div className="board" style={{ gridTemplateColumns: `repeat(${spec.columns.length}, minmax(220px, 1fr))` }}>
        {spec.columns.map((col, ci) => {
          const inColumn = cards.filter((c) => columnOf(c) === col);
          return (
            <section
              key={col}
              className="column card"
              aria-label={col}
              onDragOver={(e) => e.preventDefault()}
              onDrop={(e) => drop(e, col)}
            >
              <h2>
                {col} <span className="muted">({inColumn.length})</span>
              </h2>
              {inColumn.length === 0 ? <p className="muted empty-col">No cards</p> : null}
              <ul className="column-cards">
                {inColumn.map((c) => {
                  const title = c.values[spec.primary] || spec.singular;
                  return (
                    <li
                      key={c.id}
                      className="board-card"
                      draggable
                      onDragStart={(e) => {
                        e.dataTransfer.setData("text/plain", c.id);
                        setDragging(c.id);
                      }}
                    >
                      <strong>{title}</strong>
                      {spec.fields
                        .filter((f) => f.key !== spec.primary && (c.values[f.key] ?? "") !== "")
                        .map((f) => (
                          <span key={f.key} className="muted small">
                            {f.label}: {formatValue(f, c.values[f.key])}
                          </span>
                        ))}
                      <div className="row-actions">
                        {ci > 0 ? (
                          <button type="button" className="btn small ghost" onClick={() => move(c.id, spec.columns[ci - 1] ?? col)} aria-label={`Move ${title} to ${spec.columns[ci - 1]}`}>
                            ← {spec.columns[ci - 1]}
                          </button>
                        ) : null}
                        {ci < spec.columns.length - 1 ? (
                          <button type="button" className="btn small primary" onClick={() => move(c.id, spec.columns[ci + 1] ?? col)} aria-label={`Move ${title} to ${spec.columns[ci + 1]}`}>
                            {spec.columns[ci + 1]} →
                          </button>
                        ) : null}
                        <button type="button" className="btn small danger" onClick={() => setCards((prev) => prev.filter((x) => x.id !== c.id))} aria-label={`Delete ${title}`}>
                          Delete
                        </button>
                      </div>
                    </li>
                  );
                })}
              </ul>
            </section>
          );
        })}
      </div>
    </>
  );
}
