import { useEffect, useState } from "react";
import type { MemoryConfig } from "../lib/types";

interface Tile {
  id: number;
  symbol: string;
}

// Each pair side by side, in the order of the symbols: the deck when shuffling is off.
function inPairs(symbols: string[]): Tile[] {
  return symbols.flatMap((s, i) => [{ id: 2 * i, symbol: s }, { id: 2 * i + 1, symbol: s }]);
}

function shuffled(symbols: string[]): Tile[] {
  const tiles = inPairs(symbols);
  for (let i = tiles.length - 1; i > 0; i--) {
    const j = Math.floor(Math.random() * (i + 1));
    const t = tiles[i];
    const u = tiles[j];
    if (t && u) {
      tiles[i] = u;
      tiles[j] = t;
    }
  }
  return tiles;
}

export function Memory({ spec }: { spec: MemoryConfig }) {
  const [shuffle, setShuffle] = useState(true);
  const [tiles, setTiles] = useState<Tile[]>(() => shuffled(spec.symbols));
  const [open, setOpen] = useState<number[]>([]);
  const [matched, setMatched] = useState<string[]>([]);
  const [moves, setMoves] = useState(0);
  const [started, setStarted] = useState<number | null>(null);
  const [now, setNow] = useState(() => Date.now());
  const won = matched.length === spec.symbols.length;

  useEffect(() => {
    if (!spec.timer || started === null || won) return;
    const t = window.setInterval(() => setNow(Date.now()), 500);
    return () => window.clearInterval(t);
  }, [spec.timer, started, won]);

  // Two open tiles that differ turn back after a moment (or at the next flip).
  useEffect(() => {
    if (open.length !== 2) return;
    const t = window.setTimeout(() => setOpen([]), 900);
    return () => window.clearTimeout(t);
  }, [open]);

  function flip(index: number) {
    const tile = tiles[index];
    if (!tile || won || matched.includes(tile.symbol) || open.includes(index)) return;
    if (started === null) setStarted(Date.now());
    const current = open.length === 2 ? [] : open;
    const next = [...current, index];
    setOpen(next);
    if (next.length === 2) {
      setMoves((m) => m + 1);
      const [a, b] = next.map((i) => tiles[i]?.symbol);
      if (a !== undefined && a === b) {
        setMatched((m) => [...m, a]);
        setOpen([]);
      }
    }
  }

  function restart(mix = shuffle) {
    setTiles(mix ? shuffled(spec.symbols) : inPairs(spec.symbols));
    setOpen([]);
    setMatched([]);
    setMoves(0);
    setStarted(null);
  }

  const seconds = started === null ? 0 : Math.floor(((won ? now : Math.max(now, started)) - started) / 1000);
  const columns = tiles.length % 4 === 0 ? 4 : tiles.length % 3 === 0 ? 3 : 4;
  return (
    <section className="card game" aria-label="Memory game">
      <p className="game-status stats" role="status" aria-live="polite">
        <span>{spec.counter}: <strong>{moves}</strong></span>
        <span>Pairs found: <strong>{matched.length} / {spec.symbols.length}</strong></span>
        {spec.timer ? <span>Time: <strong>{seconds}s</strong></span> : null}
      </p>
      {won ? (
        <p className="notice ok" role="alert">
          Well done — you found all {spec.symbols.length} pairs in {moves} {spec.counter.toLowerCase()}!
        </p>
      ) : null}
      <div className="memory-grid" style={{ gridTemplateColumns: `repeat(${Math.max(columns, Math.ceil(Math.sqrt(tiles.length)))}, minmax(0, 1fr))` }}>
        {tiles.map((t, i) => {
          const shown = open.includes(i) || matched.includes(t.symbol);
          return (
            <button
              key={t.id}
              type="button"
              className={`memory-tile${shown ? " shown" : ""}${matched.includes(t.symbol) ? " matched" : ""}`}
              aria-label={shown ? `Card ${i + 1}: ${t.symbol}` : `Card ${i + 1}, face down`}
              aria-pressed={shown}
              onClick={() => flip(i)}
            >
              {shown ? t.symbol : "?"}
            </button>
          );
        })}
      </div>
      <div className="actions">
        <button type="button" className="btn primary" onClick={() => restart()}>Play again</button>
        <div className="control checkbox">
          <input
            id="memory-shuffle"
            type="checkbox"
            checked={shuffle}
            onChange={(e) => {
              // A new deal either way: the cards are laid out anew.
              setShuffle(e.target.checked);
              restart(e.target.checked);
            }}
          />
          <label htmlFor="memory-shuffle">Shuffle the cards</label>
        </div>
      </div>
    </section>
  );
}
