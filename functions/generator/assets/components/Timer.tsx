import { useEffect, useState } from "react";
import { config } from "../config";
import { loadJson, saveJson } from "../lib/storage";
import type { TimerConfig } from "../lib/types";

function clock(ms: number, hundredths: boolean): string {
  const total = Math.max(0, ms);
  const m = Math.floor(total / 60000);
  const s = Math.floor((total % 60000) / 1000);
  const pad = (n: number) => String(n).padStart(2, "0");
  const base = `${pad(m)}:${pad(s)}`;
  return hundredths ? `${base}.${pad(Math.floor((total % 1000) / 10))}` : base;
}

// Elapsed milliseconds of a clock that can be paused: the time banked plus the running stretch.
function useClock() {
  const [banked, setBanked] = useState(0);
  const [since, setSince] = useState<number | null>(null);
  const [now, setNow] = useState(() => Date.now());
  useEffect(() => {
    if (since === null) return;
    const t = window.setInterval(() => setNow(Date.now()), 50);
    return () => window.clearInterval(t);
  }, [since]);
  const elapsed = banked + (since === null ? 0 : Math.max(0, now - since));
  return {
    elapsed,
    running: since !== null,
    start: () => {
      setNow(Date.now());
      setSince(Date.now());
    },
    stop: () => {
      setBanked(elapsed);
      setSince(null);
    },
    reset: () => {
      setBanked(0);
      setSince(null);
    },
  };
}

// A soft two-note chime made with Web Audio (no sound file): sine tones that fade in and out.
// `false` where the browser has no Web Audio or refuses to play.
let audio: AudioContext | null = null;
function chime(): boolean {
  try {
    audio ??= new AudioContext();
    void audio.resume();
    const at = audio.currentTime;
    [660, 880].forEach((freq, i) => {
      if (!audio) return;
      const start = at + i * 0.2;
      const tone = audio.createOscillator();
      const gain = audio.createGain();
      tone.type = "sine";
      tone.frequency.value = freq;
      gain.gain.setValueAtTime(0.0001, start);
      gain.gain.exponentialRampToValueAtTime(0.12, start + 0.03);
      gain.gain.exponentialRampToValueAtTime(0.0001, start + 0.7);
      tone.connect(gain).connect(audio.destination);
      tone.start(start);
      tone.stop(start + 0.75);
    });
    return true;
  } catch {
    return false;
  }
}

// The end of a phase: a chime unless muted, and a visual bell saying what happened (for
// whoever cannot hear it). `mute` is kept like the app's other settings.
function useChime() {
  const key = `${config.storageKey}:muted`;
  const [muted, setMuted] = useState(() => loadJson(key, config.persist) === true);
  const [bell, setBell] = useState("");
  useEffect(() => saveJson(key, muted, config.persist), [key, muted]);
  return {
    ring: () => setBell(muted ? "🔕 Sound muted" : chime() ? "🔔 Chime" : "🔔 No sound on this device"),
    clear: () => setBell(""),
    controls: (
      <>
        <div className="control checkbox">
          <input id="timer-mute" type="checkbox" checked={muted} onChange={(e) => setMuted(e.target.checked)} />
          <label htmlFor="timer-mute">Mute the chime</label>
        </div>
        <p className="muted" role="status" aria-label="Chime">{bell}</p>
      </>
    ),
  };
}

function Stopwatch({ spec }: { spec: TimerConfig }) {
  const c = useClock();
  const [laps, setLaps] = useState<number[]>([]);
  const lapTimes = laps.map((t, i) => t - (laps[i - 1] ?? 0));
  const fastest = lapTimes.length > 1 ? Math.min(...lapTimes) : null;
  const average = lapTimes.length > 0 ? lapTimes.reduce((a, b) => a + b, 0) / lapTimes.length : null;
  return (
    <section className="card timer" aria-label="Stopwatch">
      <p className="timer-display" role="timer" aria-label="Elapsed time">{clock(c.elapsed, true)}</p>
      <div className="actions">
        <button type="button" className="btn primary" onClick={c.running ? c.stop : c.start}>{c.running ? "Stop" : "Start"}</button>
        <button type="button" className="btn ghost" onClick={() => setLaps((l) => [...l, c.elapsed])} disabled={c.elapsed === 0}>{spec.lap}</button>
        <button type="button" className="btn ghost" onClick={() => { c.reset(); setLaps([]); }}>Reset</button>
      </div>
      {average !== null ? <p className="muted">Average {spec.lap.toLowerCase()}: {clock(average, true)}</p> : null}
      <ol className="laps" aria-label={`${spec.lap}s`}>
        {lapTimes.map((t, i) => (
          <li key={i} className={t === fastest ? "fastest" : undefined}>
            {spec.lap} {i + 1}: {clock(t, true)} {t === fastest ? <strong>· fastest</strong> : null}
          </li>
        ))}
      </ol>
    </section>
  );
}

function Countdown({ spec }: { spec: TimerConfig }) {
  const c = useClock();
  const [length, setLength] = useState(spec.presets[0]?.seconds ?? 300);
  const left = length * 1000 - c.elapsed;
  const done = left <= 0;
  const { running, stop } = c;
  const sound = useChime();
  const { ring } = sound;
  useEffect(() => {
    if (done && running) {
      stop();
      ring();
    }
  }, [done, running, stop, ring]);
  const set = (seconds: number) => {
    sound.clear();
    c.reset();
    setLength(Math.max(1, Math.round(seconds)));
  };
  const minutes = Math.floor(length / 60);
  const seconds = length % 60;
  return (
    <section className="card timer" aria-label="Countdown">
      <div className="actions" aria-label="Presets">
        {spec.presets.map((p) => (
          <button key={p.label} type="button" className={`btn chip${length === p.seconds ? " selected" : ""}`} aria-pressed={length === p.seconds} onClick={() => set(p.seconds)}>
            {p.label} · {clock(p.seconds * 1000, false)}
          </button>
        ))}
      </div>
      <div className="form-grid">
        <label>Minutes <input type="number" min={0} max={999} value={minutes} onChange={(e) => set(Number(e.target.value) * 60 + seconds)} /></label>
        <label>Seconds <input type="number" min={0} max={59} value={seconds} onChange={(e) => set(minutes * 60 + Math.min(59, Number(e.target.value)))} /></label>
      </div>
      <p className="timer-display" role="timer" aria-label="Time left">{clock(left + 999, false)}</p>
      {done ? <p className="notice ok" role="alert">Time's up!</p> : null}
      <div className="actions">
        <button type="button" className="btn primary" onClick={c.running ? c.stop : c.start} disabled={done}>{c.running ? "Pause" : "Start"}</button>
        <button type="button" className="btn ghost" onClick={() => { sound.clear(); c.reset(); }}>Reset</button>
      </div>
      {sound.controls}
    </section>
  );
}

function Pomodoro({ spec }: { spec: TimerConfig }) {
  const c = useClock();
  const key = `${config.storageKey}:sessions`;
  const [phase, setPhase] = useState(0);
  const [sessions, setSessions] = useState(() => {
    const v = loadJson(key, config.persist);
    return typeof v === "number" ? v : 0;
  });
  useEffect(() => saveJson(key, sessions, config.persist), [key, sessions]);
  const current = spec.presets[phase] ?? { label: "Focus", seconds: 1500 };
  const left = current.seconds * 1000 - c.elapsed;
  const next = () => {
    if (phase === 0) setSessions((s) => s + 1);
    const longBreak = spec.presets.length > 2 && phase === 0 && (sessions + 1) % 4 === 0;
    setPhase(phase === 0 ? (longBreak ? 2 : 1) : 0);
    c.reset();
  };
  const { running } = c;
  const sound = useChime();
  useEffect(() => {
    if (left <= 0 && running) {
      sound.ring(); // the phase ran out (a skip is not an end)
      next();
    }
  });
  return (
    <section className="card timer" aria-label="Pomodoro">
      <p className="segmented" aria-label="Phases">
        {spec.presets.map((p, i) => (
          <span key={p.label} className={`badge${i === phase ? " selected" : ""}`}>{p.label} {Math.round(p.seconds / 60)} min</span>
        ))}
      </p>
      <h2>{current.label === "Focus" ? "Focus — work time" : `${current.label} time`}</h2>
      <p className="timer-display" role="timer" aria-label="Time left">{clock(left + 999, false)}</p>
      <div className="actions">
        <button type="button" className="btn primary" onClick={c.running ? c.stop : c.start}>{c.running ? "Pause" : "Start"}</button>
        <button type="button" className="btn ghost" onClick={next}>Skip to {phase === 0 ? "break" : "focus"}</button>
        <button type="button" className="btn ghost" onClick={() => { c.reset(); setPhase(0); }}>Reset</button>
      </div>
      <p className="muted">Completed sessions: <strong>{sessions}</strong></p>
      {sound.controls}
    </section>
  );
}

export function Timer({ spec }: { spec: TimerConfig }) {
  if (spec.mode === "stopwatch") return <Stopwatch spec={spec} />;
  if (spec.mode === "pomodoro") return <Pomodoro spec={spec} />;
  return <Countdown spec={spec} />;
}
