// The app's acceptance tests: each scenario of the suite with its result on every version,
// and for the chosen version the failure evidence and screenshot. Editors add a check in
// words; it joins the suite and runs on the current version (queued behind a run that is
// going), and remove the checks people wrote.

import { useId, useState, type FormEvent } from "react";
import { api } from "../lib/api";
import { resultsByScenario } from "../lib/acceptance";
import type { CheckStarted, LastRunView, Person, Scenario, VersionSummary } from "../lib/contract";
import { Badge, SignedImg } from "./ui";

type Props = {
  threadId: string;
  scenarios: Scenario[];
  /** Who wrote each scenario added in words, by name. */
  userChecks: Record<string, Person | undefined>;
  versions: VersionSummary[];
  /** A check run is going. */
  checking: boolean;
  /** The thread's last run: how the check added here ended. */
  lastRun: LastRunView | null;
  /** Absent for viewers and before the first version; answers how the check started. */
  onAddCheck?: (sentence: string) => Promise<CheckStarted | null>;
  /** Absent for viewers: removes a check someone wrote. */
  onRemoveCheck?: (name: string) => Promise<void>;
  /** A run is going: a check added now is queued behind it. */
  busy: boolean;
};

export function TestsView({ threadId, scenarios, userChecks, versions, checking, lastRun, onAddCheck, onRemoveCheck, busy }: Props) {
  const [picked, setPicked] = useState<number | null>(null);
  const version = versions.find((v) => v.number === picked) ?? versions[versions.length - 1];
  const rows = resultsByScenario(scenarios, versions);
  const add = onAddCheck && <AddCheck onAdd={onAddCheck} busy={busy} checking={checking} lastRun={lastRun} />;
  if (rows.length === 0) {
    return (
      <div className="p-6" data-testid="tests">
        <p className="text-sm text-muted">No acceptance tests yet: they are written from the requirements before the code, and listed here with their results.</p>
        {add}
      </div>
    );
  }
  const shown = versions.slice(-6);
  return (
    <div tabIndex={0} role="region" aria-label="Acceptance tests" className="h-full overflow-y-auto p-4" data-testid="tests">
      {add}
      <div className="mt-3 flex flex-wrap items-center gap-2">
        <h2 className="text-sm font-semibold text-slate-900">Acceptance tests</h2>
        {version && (
          <label className="ml-auto text-xs text-muted">
            Details for{" "}
            <select className="rounded border border-slate-300 px-1 py-0.5 text-xs" value={version.number} onChange={(e) => setPicked(Number(e.target.value))}>
              {versions.map((v) => (
                <option key={v.number} value={v.number}>
                  v{v.number}
                </option>
              ))}
            </select>
          </label>
        )}
      </div>
      <table className="mt-3 w-full text-sm" aria-label="Results per version">
        <thead>
          <tr className="text-left text-xs text-muted">
            <th scope="col" className="py-1 pr-2 font-medium">Scenario</th>
            {shown.map((v) => (
              <th scope="col" key={v.number} className="px-1 py-1 text-center font-medium">v{v.number}</th>
            ))}
          </tr>
        </thead>
        <tbody>
          {rows.map((r) => (
            <tr key={r.name} className="border-t border-slate-100 align-top">
              <th scope="row" className="py-1.5 pr-2 text-left font-normal">
                <span className="font-medium text-slate-800">{r.name}</span>
                {userChecks[r.name] ? (
                  <span className="block text-xs text-muted">
                    written by {userChecks[r.name]?.name}
                    {onRemoveCheck && !busy && (
                      <button type="button" className="ml-2 underline" onClick={() => void onRemoveCheck(r.name)} aria-label={`Remove the check: ${r.name}`}>
                        Remove
                      </button>
                    )}
                  </span>
                ) : (
                  <span className="block text-xs text-muted">{r.requirement}</span>
                )}
              </th>
              {shown.map((v) => {
                const res = r.results[v.number];
                const word = res === undefined ? "not run" : res.passed ? "passed" : "failed";
                return (
                  <td key={v.number} className="px-1 py-1.5 text-center" aria-label={`v${v.number}: ${word}`}>
                    <span aria-hidden className={res === undefined ? "text-slate-400" : res.passed ? "text-emerald-700" : "text-rose-700"}>
                      {res === undefined ? "–" : res.passed ? "✓" : "✕"}
                    </span>
                  </td>
                );
              })}
            </tr>
          ))}
        </tbody>
      </table>
      {version && <Failures threadId={threadId} version={version} />}
    </div>
  );
}

function Failures({ threadId, version }: { threadId: string; version: VersionSummary }) {
  const results = version.check?.acceptance ?? [];
  const failed = results.map((r, i) => ({ r, i })).filter(({ r }) => !r.passed);
  if (results.length === 0) return <p className="mt-4 text-sm text-muted">v{version.number} ran no acceptance tests.</p>;
  if (failed.length === 0) {
    return (
      <p className="mt-4 text-sm">
        <Badge ok>all {results.length} pass on v{version.number}</Badge>
      </p>
    );
  }
  return (
    <ul className="mt-4 space-y-3" aria-label={`Failures on v${version.number}`}>
      {failed.map(({ r, i }) => (
        <li key={r.name} className="rounded-lg bg-rose-50 p-3 text-sm text-rose-900">
          <p className="font-medium">{r.name}</p>
          <p className="mt-1 text-xs">
            {r.failedStep ? `Step ${r.failedStep}: ` : ""}expected {r.expected ?? "—"}; saw {r.seen ?? "—"}
          </p>
          {r.screenshot ? (
            <SignedImg
              url={api.acceptanceShotUrl(threadId, version.number, i + 1)}
              alt={`The page when "${r.name}" failed on v${version.number}`}
              className="mt-2 max-w-full rounded ring-1 ring-rose-200"
            />
          ) : null}
        </li>
      ))}
    </ul>
  );
}

/// "Add a check": a sentence, read into a scenario by the qa step and run on the current version.
function AddCheck({ onAdd, busy, checking, lastRun }: { onAdd: (sentence: string) => Promise<CheckStarted | null>; busy: boolean; checking: boolean; lastRun: LastRunView | null }) {
  const [text, setText] = useState("");
  const [refused, setRefused] = useState<string | null>(null);
  const [sending, setSending] = useState(false);
  const [mine, setMine] = useState<CheckStarted | null>(null);
  const id = useId();
  // The run this form started ended without adding the check: say why (the reader's message).
  const failed = lastRun && lastRun.runId === mine?.runId ? lastRun.error : null;
  const error = refused ?? failed;
  const waiting = mine?.queued && busy && lastRun?.runId !== mine.runId;
  const submit = async (e: FormEvent) => {
    e.preventDefault();
    if (!text.trim()) return;
    setSending(true);
    setRefused(null);
    try {
      setMine(await onAdd(text.trim()));
      setText("");
    } catch (err) {
      setRefused(err instanceof Error ? err.message : String(err));
    } finally {
      setSending(false);
    }
  };
  return (
    <form onSubmit={(e) => void submit(e)} className="rounded-lg border border-slate-200 p-3" aria-label="Add a check">
      <label htmlFor={id} className="text-sm font-semibold text-slate-900">
        Add a check
      </label>
      <p className="text-xs text-muted">Say what should happen, e.g. “when I add a task with priority high it is listed first”. It joins the tests and runs on the current version.</p>
      <div className="mt-2 flex gap-2">
        <input
          id={id}
          value={text}
          onChange={(e) => setText(e.target.value)}
          maxLength={500}
          className="min-w-0 flex-1 rounded border border-slate-300 px-2 py-1 text-sm"
          placeholder="when I add a … it is listed first"
        />
        <button type="submit" disabled={sending || !text.trim()} className="rounded bg-slate-900 px-3 py-1 text-sm font-medium text-white disabled:opacity-50">
          Add check
        </button>
      </div>
      {waiting && (
        <p role="status" className="mt-2 text-xs text-muted">
          Queued: your check runs after the current change (you can withdraw it in the chat).
        </p>
      )}
      {checking && !waiting && (
        <p role="status" className="mt-2 text-xs text-muted">
          Running your check with the whole suite in the browser…
        </p>
      )}
      {error && (
        <p role="alert" className="mt-2 text-xs text-rose-700">
          {error}
        </p>
      )}
    </form>
  );
}
