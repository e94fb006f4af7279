import { useState } from "react";
import type { GridGameConfig } from "../lib/types";

type Cell = 0 | 1 | null;

// The winning line through `at`, if the player there has `win` in a row in any direction.
function lineThrough(cells: Cell[], spec: GridGameConfig, at: number): number[] | null {
  const { columns, rows, win } = spec;
  const who = cells[at];
  if (who === null || who === undefined) return null;
  const x0 = at % columns;
  const y0 = Math.floor(at / columns);
  for (const [dx, dy] of [[1, 0], [0, 1], [1, 1], [1, -1]] as const) {
    const line = [at];
    for (const sign of [1, -1]) {
      let x = x0 + dx * sign;
      let y = y0 + dy * sign;
      while (x >= 0 && y >= 0 && x < columns && y < rows && cells[y * columns + x] === who) {
        line.push(y * columns + x);
        x += dx * sign;
        y += dy * sign;
      }
    }
    if (line.length >= win) return line;
  }
  return null;
}

export function GridGame({ spec }: { spec: GridGameConfig }) {
  const size = spec.columns * spec.rows;
  const empty = (): Cell[] => Array.from({ length: size }, () => null);
  const [cells, setCells] = useState<Cell[]>(empty);
  const [turn, setTurn] = useState<0 | 1>(0);
  const [line, setLine] = useState<number[] | null>(null);
  const [tally, setTally] = useState<[number, number, number]>([0, 0, 0]);
  const full = cells.every((c) => c !== null);
  const over = line !== null || full;
  const winner = line !== null ? cells[line[0] ?? 0] : null;

  // The cell a move in column `x` (or on cell `at`) fills, or -1 when it cannot be played.
  function target(at: number): number {
    if (!spec.gravity) return cells[at] === null ? at : -1;
    const x = at % spec.columns;
    for (let y = spec.rows - 1; y >= 0; y--) if (cells[y * spec.columns + x] === null) return y * spec.columns + x;
    return -1;
  }

  function play(at: number) {
    if (over) return;
    const t = target(at);
    if (t < 0) return;
    const next = cells.slice();
    next[t] = turn;
    const won = lineThrough(next, spec, t);
    setCells(next);
    if (won) {
      setLine(won);
      setTally(([a, b, d]) => (turn === 0 ? [a + 1, b, d] : [a, b + 1, d]));
    } else if (next.every((c) => c !== null)) {
      setTally(([a, b, d]) => [a, b, d + 1]);
    } else {
      setTurn(turn === 0 ? 1 : 0);
    }
  }

  function reset() {
    setCells(empty());
    setLine(null);
    setTurn(winner === 0 ? 1 : 0);
  }

  const status =
    winner !== null && winner !== undefined
      ? `${spec.players[winner]} wins!`
      : full
        ? "It's a draw."
        : `${spec.players[turn]}'s turn`;
  const mark = (c: Cell) => (c === null ? "" : spec.gravity ? "●" : spec.players[c].length <= 2 ? spec.players[c] : "●");

  return (
    <section className="card game" aria-label={spec.name}>
      <p className="game-status" role="status" aria-live="polite">
        <strong>{status}</strong> <span className="muted">· Player: {spec.players[0]} vs {spec.players[1]} · {spec.win} in a row wins</span>
      </p>
      <div
        className={`game-grid${spec.gravity ? " drop" : ""}`}
        style={{ gridTemplateColumns: `repeat(${spec.columns}, minmax(0, 1fr))`, maxWidth: `${Math.min(spec.columns * 64, 640)}px` }}
      >
        {cells.map((c, i) => {
          const x = i % spec.columns;
          const y = Math.floor(i / spec.columns);
          const name = spec.gravity ? `Drop in column ${x + 1}` : `Row ${y + 1}, column ${x + 1}`;
          return (
            <button
              key={i}
              type="button"
              className={`game-cell${c !== null ? ` p${c}` : ""}${line?.includes(i) ? " win" : ""}`}
              aria-label={c === null ? name : `${name}: ${spec.players[c]}`}
              onClick={() => play(i)}
              disabled={over || (!spec.gravity && c !== null)}
            >
              {mark(c)}
            </button>
          );
        })}
      </div>
      <div className="actions">
        <button type="button" className="btn primary" onClick={reset}>New game</button>
      </div>
      {spec.score ? (
        <p className="stats muted" aria-label="Score">
          {spec.players[0]}: {tally[0]} · {spec.players[1]}: {tally[1]} · Draws: {tally[2]}
        </p>
      ) : null}
    </section>
  );
}
