// The browser check of a version: what passed, console errors, and the screenshot.

import { useEffect, useState } from "react";
import { api } from "../lib/api";
import type { VersionDetail, VersionSummary } from "../lib/contract";
import { Badge, formatDuration, SignedImg } from "./ui";

export function CheckView({ threadId, versions, version }: { threadId: string; versions: VersionSummary[]; version: number | null }) {
  const v = versions.find((x) => x.number === version) ?? versions[versions.length - 1];
  const [detail, setDetail] = useState<VersionDetail | null>(null);
  useEffect(() => {
    if (!v) return;
    let live = true;
    setDetail(null);
    api.version(threadId, v.number).then((d) => live && setDetail(d), () => undefined);
    return () => {
      live = false;
    };
  }, [threadId, v?.number]); // by number: a new summary object of the same version needs no refetch
  if (!v) return <p className="p-6 text-sm text-muted">The check report appears after the first build.</p>;
  // The full report once fetched; until then the state's summary (counts only).
  const report = detail?.check ?? null;
  const check = report ?? v.check;
  const screenshot = report ? Boolean(report.screenshot) : Boolean(v.check?.screenshot);
  return (
    <div tabIndex={0} role="region" aria-label={`Browser check of v${v.number}`} className="h-full overflow-y-auto p-4" data-testid="check-report">
      <div className="flex items-center gap-2">
        <h2 className="text-sm font-semibold text-slate-900">Browser check of v{v.number}</h2>
        {check ? <Badge ok={check.passed}>{check.passed ? "passed" : "failed"}</Badge> : <Badge ok={null}>not checked</Badge>}
        {report && <span className="text-xs text-muted">{formatDuration(report.durationMs)}</span>}
      </div>
      {check?.checks && check.checks.length > 0 && (
        <ul className="mt-3 space-y-1.5">
          {check.checks.map((c, i) => (
            <li key={i} className="flex items-start gap-2 text-sm">
              <span aria-hidden className={c.passed ? "text-emerald-700" : "text-rose-700"}>{c.passed ? "✓" : "✕"}</span>
              <span className="font-medium text-slate-800">{c.kind.replace(/_/g, " ")}</span>
              <span className="sr-only">{c.passed ? "passed" : "failed"}</span>
              {c.detail && <span className="text-muted">— {c.detail}</span>}
            </li>
          ))}
        </ul>
      )}
      {(["consoleErrors", "pageErrors", "failedRequests"] as const).map((k) => {
        const items = report?.[k] ?? [];
        if (items.length === 0) return null;
        return (
          <details key={k} className="mt-3 rounded-lg bg-rose-50 p-2 text-xs text-rose-800" open>
            <summary className="cursor-pointer font-medium">{k === "consoleErrors" ? "Console errors" : k === "pageErrors" ? "Page errors" : "Failed requests"} ({items.length})</summary>
            <ul className="mt-1 space-y-1 font-mono whitespace-pre-wrap">{items.map((e, i) => <li key={i}>{e}</li>)}</ul>
          </details>
        );
      })}
      {screenshot ? (
        <figure className="mt-4">
          <SignedImg url={api.screenshotUrl(threadId, v.number)} alt={`Screenshot of version ${v.number} taken by the browser check`} className="max-w-full rounded-lg shadow-sm ring-1 ring-slate-200" />
          <figcaption className="mt-1 text-xs text-muted">Headless Chromium, after load and the main interaction.</figcaption>
        </figure>
      ) : null}
    </div>
  );
}
