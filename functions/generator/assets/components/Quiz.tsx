import { useEffect, useId, useState } from "react";
import { config } from "../config";
import { loadJson, saveJson } from "../lib/storage";
import type { QuizConfig } from "../lib/types";

export function Quiz({ spec }: { spec: QuizConfig }) {
  const uid = useId();
  const key = `${config.storageKey}:best`;
  const [index, setIndex] = useState(0);
  const [selected, setSelected] = useState<number | null>(null);
  const [answers, setAnswers] = useState<number[]>([]);
  const [best, setBest] = useState<number>(() => {
    const v = loadJson(key, config.persist);
    return typeof v === "number" ? v : 0;
  });
  const total = spec.questions.length;
  const finished = answers.length === total;
  const score = answers.filter((a, i) => a === spec.questions[i]?.answer).length;

  useEffect(() => {
    if (finished && score > best) {
      setBest(score);
      saveJson(key, score, config.persist);
    }
  }, [finished, score, best, key]);

  function restart() {
    setIndex(0);
    setSelected(null);
    setAnswers([]);
  }

  if (finished) {
    return (
      <section className="card quiz" aria-label="Result">
        <h2>Your score: {score} / {total}</h2>
        <p className="muted">
          {score === total ? "Perfect — well done!" : score >= total / 2 ? "Nice work!" : "Keep practising and try again."} Best score: {Math.max(best, score)} / {total}
        </p>
        <ol className="review">
          {spec.questions.map((q, i) => (
            <li key={q.question}>
              <span>{q.question}</span>{" "}
              <strong className={answers[i] === q.answer ? "ok" : "bad"}>
                {answers[i] === q.answer ? "Correct" : `Answer: ${q.choices[q.answer] ?? ""}`}
              </strong>
            </li>
          ))}
        </ol>
        <button type="button" className="btn primary" onClick={restart}>Restart quiz</button>
      </section>
    );
  }

  const q = spec.questions[index];
  if (!q) return null;
  return (
    <form
      className="card quiz"
      onSubmit={(e) => {
        e.preventDefault();
        if (selected === null) return;
        setAnswers((prev) => [...prev, selected]);
        setSelected(null);
        setIndex((i) => i + 1);
      }}
    >
      <p className="muted">
        Question {index + 1} of {total} · Score so far: {score}
      </p>
      <fieldset>
        <legend id={`${uid}-q`}>{q.question}</legend>
        <div role="radiogroup" aria-labelledby={`${uid}-q`} className="choices">
          {q.choices.map((c, ci) => (
            <button
              type="button"
              role="radio"
              aria-checked={selected === ci}
              className={`btn chip choice${selected === ci ? " selected" : ""}`}
              key={c}
              onClick={() => setSelected(ci)}
            >
              {c}
            </button>
          ))}
        </div>
      </fieldset>
      <div className="actions">
        <button type="submit" className="btn primary" disabled={selected === null}>
          {index + 1 === total ? "Finish" : "Next question"}
        </button>
        <button type="button" className="btn ghost" onClick={restart}>Restart</button>
      </div>
    </form>
  );
}
