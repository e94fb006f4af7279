// The app's acceptance tests: each scenario of the suite with its result on every version,
// and for the chosen version the failure evidence and screenshot.

import { useState } from "react";
import { api } from "../lib/api";
import { resultsByScenario } from "../lib/acceptance";
import type { Scenario, VersionSummary } from "../lib/contract";
import { Badge } from "./ui";

export function TestsView({ threadId, scenarios, versions }: { threadId: string; scenarios: Scenario[]; versions: VersionSummary[] }) {
  const [picked, setPicked] = useState<number | null>(null);
  const version = versions.find((v) => v.number === picked) ?? versions[versions.length - 1];
  const rows = resultsByScenario(scenarios, versions);
  if (rows.length === 0) {
    return (
      <p className="p-6 text-sm text-muted" data-testid="tests">
        No acceptance tests yet: they are written from the requirements before the code, and listed here with their results.
      </p>
    );
  }
  const shown = versions.slice(-6);
  return (
    <div tabIndex={0} role="region" aria-label="Acceptance tests" className="h-full overflow-y-auto p-4" data-testid="tests">
      <div className="flex flex-wrap items-center gap-2">
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
                <span className="block text-xs text-muted">{r.requirement}</span>
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
            <img
              src={api.acceptanceShotUrl(threadId, version.number, i + 1)}
              alt={`The page when "${r.name}" failed on v${version.number}`}
              className="mt-2 max-w-full rounded ring-1 ring-rose-200"
              loading="lazy"
            />
          ) : null}
        </li>
      ))}
    </ul>
  );
}
