// The first screen: describe the app, pick options, go.

import { useId, useState, type FormEvent, type KeyboardEvent } from "react";
import { COLORS, EXAMPLE_PROMPTS, PROMPT_LIMIT, defaultOptions, optionsToContext, type ContextEntry, type DataChoice, type GenerationOptions } from "../lib/options";
import { Button } from "./ui";

export function StartScreen({ onStart }: { onStart: (prompt: string, context: ContextEntry[]) => void }) {
  const [prompt, setPrompt] = useState("");
  const [opts, setOpts] = useState<GenerationOptions>(defaultOptions);
  const id = useId();
  const trimmed = prompt.trim();
  const tooLong = prompt.length > PROMPT_LIMIT;
  const canSubmit = trimmed.length >= 3 && !tooLong;

  function submit(e?: FormEvent) {
    e?.preventDefault();
    if (canSubmit) onStart(trimmed, optionsToContext(opts));
  }
  function onKey(e: KeyboardEvent<HTMLTextAreaElement>) {
    // Enter sends, Shift+Enter makes a new line (as in bolt.new and v0).
    if (e.key === "Enter" && !e.shiftKey && !e.nativeEvent.isComposing) {
      e.preventDefault();
      submit();
    }
  }

  return (
    <main className="flex flex-1 justify-center overflow-y-auto px-4 py-10 sm:py-16">
      <div className="w-full max-w-2xl">
        <h1 className="text-center text-3xl font-semibold tracking-tight text-slate-900 sm:text-4xl">What do you want to build?</h1>
        <p className="mt-3 text-center text-slate-600">Describe a web app in plain words. I’ll ask a few questions, then write, build and check it.</p>

        <form onSubmit={submit} className="mt-8 rounded-2xl border border-slate-200 bg-white p-3 shadow-sm focus-within:border-indigo-400 focus-within:ring-4 focus-within:ring-indigo-100">
          <label htmlFor={`${id}-prompt`} className="sr-only">Describe your app</label>
          <textarea
            id={`${id}-prompt`}
            autoFocus
            rows={4}
            value={prompt}
            onChange={(e) => setPrompt(e.target.value)}
            onKeyDown={onKey}
            placeholder="A todo list with due dates and priorities…"
            aria-describedby={`${id}-count`}
            className="w-full resize-none border-0 bg-transparent p-2 text-base text-slate-900 placeholder:text-slate-500 focus:outline-none focus-visible:outline-none"
          />
          <div className="flex items-center justify-between gap-3 px-1">
            <span id={`${id}-count`} className={`text-xs ${tooLong ? "font-medium text-rose-700" : "text-muted"}`} aria-live="polite">
              {prompt.length.toLocaleString()} / {PROMPT_LIMIT.toLocaleString()} characters
            </span>
            <Button type="submit" variant="primary" disabled={!canSubmit}>
              Generate app
              <svg aria-hidden viewBox="0 0 20 20" className="size-4" fill="currentColor"><path d="M3 10h11l-4-4 1.4-1.4L17.8 11l-6.4 6.4L10 16l4-4H3z" /></svg>
            </Button>
          </div>
        </form>

        <OptionsPanel opts={opts} onChange={setOpts} />

        <section aria-labelledby={`${id}-examples`} className="mt-8">
          <h2 id={`${id}-examples`} className="text-xs font-semibold tracking-wide text-muted uppercase">Try an example</h2>
          <ul className="mt-3 grid gap-2 sm:grid-cols-2">
            {EXAMPLE_PROMPTS.map((p) => (
              <li key={p}>
                <button
                  type="button"
                  onClick={() => setPrompt(p)}
                  className="h-full w-full rounded-xl border border-slate-200 bg-white p-3 text-left text-sm text-slate-700 hover:border-indigo-300 hover:bg-indigo-50/40"
                >
                  {p}
                </button>
              </li>
            ))}
          </ul>
        </section>
      </div>
    </main>
  );
}

function OptionsPanel({ opts, onChange }: { opts: GenerationOptions; onChange: (o: GenerationOptions) => void }) {
  const id = useId();
  return (
    <fieldset className="mt-4 flex flex-wrap items-center gap-x-6 gap-y-3 rounded-xl px-1 text-sm text-slate-700">
      <legend className="sr-only">Generation options</legend>
      <label className="inline-flex items-center gap-2">
        <input type="checkbox" className="size-4 accent-indigo-600" checked={opts.mobileFirst} onChange={(e) => onChange({ ...opts, mobileFirst: e.target.checked })} />
        Mobile-first
      </label>
      <label className="inline-flex items-center gap-2">
        <input type="checkbox" className="size-4 accent-indigo-600" checked={opts.persistence === "localStorage"} onChange={(e) => onChange({ ...opts, persistence: e.target.checked ? "localStorage" : "none" })} />
        Save data in the browser
      </label>
      <label className="inline-flex items-center gap-2">
        Data
        <select
          className="rounded-md border border-slate-300 bg-white px-2 py-1"
          value={opts.data}
          onChange={(e) => onChange({ ...opts, data: e.target.value as DataChoice })}
        >
          <option value="auto">As described</option>
          <option value="device">This device</option>
          <option value="cloud">Shared in the cloud</option>
        </select>
      </label>
      <label className="inline-flex items-center gap-2">
        <input type="checkbox" className="size-4 accent-indigo-600" checked={opts.authReady} onChange={(e) => onChange({ ...opts, authReady: e.target.checked })} />
        Auth-ready
      </label>
      <div role="radiogroup" aria-labelledby={`${id}-color`} className="inline-flex items-center gap-2">
        <span id={`${id}-color`}>Colour</span>
        {COLORS.map((c) => (
          <label key={c.id} className="relative cursor-pointer" title={c.label}>
            <input type="radio" name={`${id}-color`} value={c.id} checked={opts.color === c.id} onChange={() => onChange({ ...opts, color: c.id })} className="peer sr-only" aria-label={c.label} />
            <span aria-hidden className="block size-5 rounded-full ring-2 ring-transparent ring-offset-2 peer-checked:ring-slate-800 peer-focus-visible:ring-indigo-500" style={{ background: c.swatch }} />
          </label>
        ))}
      </div>
    </fieldset>
  );
}
