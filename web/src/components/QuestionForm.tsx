// Clarifying questions, rendered from the interrupt's responseSchema with the proposed defaults
// filled in; submitted as an AG-UI `resume`.

import { useEffect, useId, useMemo, useRef, useState, type FormEvent } from "react";
import { defaultAnswers, fieldsFromSchema, toggleOption, type AnswerValue, type Answers, type FormField } from "../lib/schemaForm";
import { Button } from "./ui";

export function QuestionForm({
  schema,
  message,
  onSubmit,
  disabled,
}: {
  schema: unknown;
  message?: string;
  onSubmit: (answers: Answers) => void;
  disabled?: boolean;
}) {
  const fields = useMemo(() => fieldsFromSchema(schema), [schema]);
  const [answers, setAnswers] = useState<Answers>(() => defaultAnswers(fields));
  const headingRef = useRef<HTMLHeadingElement>(null);
  const id = useId();

  useEffect(() => setAnswers(defaultAnswers(fields)), [fields]);
  // Bring keyboard and screen-reader users to the questions when they appear.
  useEffect(() => headingRef.current?.focus(), []);

  const set = (fid: string, v: AnswerValue) => setAnswers((a) => ({ ...a, [fid]: v }));

  function submit(e: FormEvent) {
    e.preventDefault();
    onSubmit(answers);
  }

  return (
    <form onSubmit={submit} aria-labelledby={`${id}-h`} className="rounded-2xl border border-amber-200 bg-amber-50/60 p-4" data-testid="questions">
      <h2 id={`${id}-h`} ref={headingRef} tabIndex={-1} className="text-sm font-semibold text-slate-900 focus:outline-none">
        A few questions before I build
      </h2>
      {message && <p className="mt-1 text-sm text-slate-600">{message}</p>}
      <p className="mt-1 text-xs text-muted">The proposed answers are filled in. Change what you like, or just continue.</p>
      <div className="mt-4 space-y-5">
        {fields.map((f) => (
          <QuestionField key={f.id} field={f} value={answers[f.id]} onChange={(v) => set(f.id, v)} />
        ))}
      </div>
      <div className="mt-5 flex justify-end">
        <Button type="submit" variant="primary" disabled={disabled}>Continue with these answers</Button>
      </div>
    </form>
  );
}

function QuestionField({ field: f, value, onChange }: { field: FormField; value: AnswerValue | undefined; onChange: (v: AnswerValue) => void }) {
  const id = useId();
  const help = f.help ? <p id={`${id}-help`} className="mt-0.5 text-xs text-muted">{f.help}</p> : null;
  const describedBy = f.help ? `${id}-help` : undefined;
  if (f.kind === "text") {
    return (
      <div>
        <label htmlFor={id} className="block text-sm font-medium text-slate-800">{f.label}</label>
        {help}
        <input
          id={id}
          type="text"
          value={typeof value === "string" ? value : ""}
          onChange={(e) => onChange(e.target.value)}
          aria-describedby={describedBy}
          className="mt-1.5 w-full rounded-lg border border-slate-300 bg-white px-3 py-2 text-sm focus:border-indigo-500 focus:ring-2 focus:ring-indigo-200 focus:outline-none"
        />
      </div>
    );
  }
  const options = f.kind === "yes_no" ? ["Yes", "No"] : f.options;
  const multiple = f.kind === "multiple_choice";
  const checked = (o: string) =>
    f.kind === "yes_no" ? (o === "Yes") === (value === true) : multiple ? Array.isArray(value) && value.includes(o) : value === o;
  const pick = (o: string) => {
    if (f.kind === "yes_no") onChange(o === "Yes");
    else if (multiple) onChange(toggleOption(f, value, o));
    else onChange(o);
  };
  return (
    <fieldset aria-describedby={describedBy}>
      <legend className="text-sm font-medium text-slate-800">{f.label}</legend>
      {help}
      <div className="mt-2 flex flex-wrap gap-2">
        {options.map((o) => (
          <label
            key={o}
            className="inline-flex cursor-pointer items-center gap-2 rounded-lg border border-slate-300 bg-white px-3 py-1.5 text-sm text-slate-700 has-checked:border-indigo-500 has-checked:bg-indigo-50 has-checked:text-indigo-900 has-focus-visible:ring-2 has-focus-visible:ring-indigo-400"
          >
            <input
              type={multiple ? "checkbox" : "radio"}
              name={id}
              value={o}
              checked={checked(o)}
              onChange={() => pick(o)}
              className="size-3.5 accent-indigo-600"
            />
            {o}
          </label>
        ))}
      </div>
    </fieldset>
  );
}
