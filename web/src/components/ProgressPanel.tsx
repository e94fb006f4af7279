// Every step of the run: agent, model, elapsed time, what it is doing, fix attempts, tokens and cost.

import { useEffect, useState } from "react";
import type { RunMachine, StepView, SubagentView } from "../lib/runMachine";
import { type Costed, formatSpend, spend } from "../lib/cost";
import { Badge, Button, Spinner, formatDuration } from "./ui";

const STEP_LABEL: Record<string, string> = {
  clarify: "Understanding your request",
  requirements: "Writing requirements",
  wireframe: "Sketching a wireframe",
  code: "Writing the code",
  build: "Building and checking in a browser",
  review: "Reviewing the result",
  fix: "Fixing what broke",
  modify: "Changing the app",
};

function useNow(active: boolean): number {
  const [now, setNow] = useState(() => Date.now());
  useEffect(() => {
    if (!active) return;
    const t = setInterval(() => setNow(Date.now()), 250);
    return () => clearInterval(t);
  }, [active]);
  return now;
}

export function ProgressPanel({ machine, onRetry }: { machine: RunMachine; onRetry: () => void }) {
  const runId = machine.runId;
  const steps = machine.steps.filter((s) => s.runId === runId);
  const active = steps.some((s) => s.status === "active");
  const now = useNow(active);
  if (steps.length === 0) return null;
  const fixRounds = steps.filter((s) => s.name === "fix").length;
  // The run's own total (RUN_FINISHED.usage, per model) when it has one, else the sum over its steps.
  const runUsage: Costed[] = machine.result?.usage ?? [];
  const total = runUsage.length ? spend(runUsage) : spend(steps.flatMap((s) => (s.usage ? [s.usage] : [])));
  const models = [...new Set([...runUsage.map((u) => u.model), ...steps.map((s) => s.model)].filter((x): x is string => Boolean(x)))];
  // With a model, a run has no spend to show until its first model step ends.
  const showSpend = total.calls > 0 || machine.state?.agent === "offline";
  return (
    <section aria-labelledby="progress-h" className="rounded-2xl border border-slate-200 bg-white p-4" data-testid="progress">
      <div className="flex items-center justify-between">
        <h2 id="progress-h" className="text-sm font-semibold text-slate-900">Progress</h2>
        <span className="text-xs text-muted">
          {fixRounds > 0 && <>{fixRounds} fix attempt{fixRounds === 1 ? "" : "s"} · </>}
          {showSpend && <span data-testid="run-spend">{formatSpend(total)}</span>}
          {total.calls > 0 && models.length > 0 && <> · {models.join(", ")}</>}
        </span>
      </div>
      <ol className="mt-3 space-y-2" aria-live="polite" aria-relevant="additions text">
        {steps.map((s) => (
          <StepRow key={s.id} step={s} now={now} onRetry={onRetry} canRetry={machine.phase === "error"} />
        ))}
      </ol>
    </section>
  );
}

function StepRow({ step: s, now, onRetry, canRetry }: { step: StepView; now: number; onRetry: () => void; canRetry: boolean }) {
  const elapsed = s.status === "active" ? now - s.startedAt : (s.durationMs ?? 0);
  const icon =
    s.status === "active" ? <Spinner /> : s.status === "ok" ? <span aria-hidden className="text-emerald-700">✓</span> : <span aria-hidden className="text-rose-700">✕</span>;
  return (
    <li className={`rounded-xl px-3 py-2 ${s.status === "failed" ? "bg-rose-50" : s.status === "active" ? "bg-indigo-50/60" : "bg-slate-50"}`} data-step={s.name} data-status={s.status}>
      <div className="flex items-center gap-2 text-sm">
        <span className="grid w-4 place-items-center">{icon}</span>
        <span className="font-medium text-slate-800">{STEP_LABEL[s.name] ?? s.name}</span>
        {s.external && <span className="text-slate-600" data-testid="external-agent">— {s.external}</span>}
        {s.fixRound > 0 && <Badge ok={null}>attempt {s.fixRound + 1}</Badge>}
        <span className="ml-auto font-mono text-xs text-muted tabular-nums" aria-label={`elapsed ${formatDuration(elapsed)}`}>{formatDuration(elapsed)}</span>
      </div>
      <div className="mt-0.5 pl-6 text-xs text-muted">
        {[s.agent && `agent ${s.agent}`, s.model && `model ${s.model}`, s.usage && formatSpend(spend([s.usage]))]
          .filter(Boolean)
          .join(" · ")}
      </div>
      {s.status === "active" && s.activity && <p className="mt-1 truncate pl-6 text-xs text-indigo-800" data-testid="activity">{s.activity}</p>}
      {s.subagents.length > 0 && <Subagents runs={s.subagents} />}
      {s.files.length > 0 && <p className="mt-1 pl-6 text-xs text-muted">{s.files.length} file{s.files.length === 1 ? "" : "s"} written</p>}
      {s.error && (
        <div className="mt-1.5 flex items-start gap-2 pl-6">
          <p role="alert" className="flex-1 text-xs whitespace-pre-wrap text-rose-700">{s.error}</p>
          {canRetry && <Button size="sm" variant="danger" onClick={onRetry}>Retry</Button>}
        </div>
      )}
    </li>
  );
}

/** The external agent runs nested in a step (SUBAGENT_STARTED …): who, how it went, what it said. */
function Subagents({ runs }: { runs: SubagentView[] }) {
  return (
    <ol className="mt-1 space-y-0.5 pl-6 text-xs" aria-label="External agent runs" data-testid="subagents">
      {runs.map((a, i) => (
        <li key={a.id} data-testid="subagent" data-status={a.status} className="text-slate-700">
          <span aria-hidden>↳ </span>
          <span className="font-medium" data-testid="subagent-name">{a.name}</span>
          {runs.length > 1 && <span className="text-muted"> · try {i + 1}</span>}
          <span className={a.status === "failed" ? "text-rose-700" : "text-muted"}>
            {" "}
            · {a.status === "active" ? "working" : a.status === "ok" ? "done" : `failed: ${a.error ?? "unknown error"}`}
          </span>
          {a.said && (
            <span className="block truncate text-slate-600" data-testid="subagent-said">
              “{a.said}”
            </span>
          )}
        </li>
      ))}
    </ol>
  );
}
