// Every version of the app: preview, compare, restore (as a new version), publish or download.

import { useState } from "react";
import { api } from "../lib/api";
import { signedDownload } from "../lib/signed";
import { formatSpend, runSpend, spend } from "../lib/cost";
import type { StepUsageView, VersionSummary } from "../lib/contract";
import { PublishBar, publishable, usePublished } from "./Publish";
import { verdictOk } from "../lib/acceptance";
import { Badge, Button, formatTime } from "./ui";

export function VersionsView({
  threadId,
  versions,
  usage,
  busy,
  viewer = false,
  onPreview,
  onCode,
  onCompare,
  onRestore,
}: {
  threadId: string;
  versions: VersionSummary[];
  /** The thread's model usage per step (`state.usage`): each version's run and the thread's total. */
  usage: StepUsageView[];
  busy: boolean;
  /** The caller only views this thread: restoring is an editor's. */
  viewer?: boolean;
  onPreview: (n: number) => void;
  onCode: (n: number) => void;
  onCompare: (base: number, target: number) => void;
  onRestore: (n: number) => Promise<number | null>;
}) {
  const [picked, setPicked] = useState<number[]>([]);
  const [status, setStatus] = useState<string>("");
  const publishing = usePublished(threadId, `${versions.length}:${busy}`);
  const live = publishing.published?.version;
  const latest = versions[versions.length - 1]?.number;
  if (versions.length === 0) return <p className="p-6 text-sm text-muted">Versions appear here after each successful build.</p>;

  function toggle(n: number) {
    setPicked((p) => (p.includes(n) ? p.filter((x) => x !== n) : [...p, n].slice(-2)));
  }
  async function restore(n: number) {
    setStatus(`Restoring v${n}…`);
    try {
      const made = await onRestore(n);
      setStatus(made ? `Restored v${n} as v${made}.` : `Restored v${n}.`);
    } catch (e) {
      setStatus(e instanceof Error ? e.message : String(e));
    }
  }
  const [a, b] = [...picked].sort((x, y) => x - y);
  return (
    <div tabIndex={0} role="region" aria-label="Versions" className="h-full overflow-y-auto p-4">
      <div className="mb-3 flex flex-wrap items-center gap-2">
        <h2 className="text-sm font-semibold text-slate-900">Versions</h2>
        <span className="text-xs text-muted">Restoring makes a new version; history is never deleted.</span>
        <span className="text-xs text-muted" data-testid="thread-spend">This app so far: {formatSpend(spend(usage.map((u) => u.usage)))}</span>
        <Button size="sm" className="ml-auto" disabled={picked.length !== 2} onClick={() => a !== undefined && b !== undefined && onCompare(a, b)}>
          {picked.length === 2 ? `Compare v${a} → v${b}` : "Pick two to compare"}
        </Button>
      </div>
      <PublishBar p={publishing} versions={versions} />
      <p role="status" className="sr-only">{status}</p>
      {status && <p className="mb-3 rounded-lg bg-slate-100 px-3 py-2 text-sm text-slate-700" aria-hidden>{status}</p>}
      <ol className="space-y-2" data-testid="versions">
        {[...versions].reverse().map((v) => (
          <li key={v.number} className="rounded-xl border border-slate-200 bg-white p-3" data-version={v.number}>
            <div className="flex flex-wrap items-center gap-2">
              <input type="checkbox" className="size-4 accent-indigo-600" checked={picked.includes(v.number)} onChange={() => toggle(v.number)} aria-label={`Select version ${v.number} to compare`} />
              <span className="font-semibold text-slate-900">v{v.number}</span>
              {v.number === latest && <Badge ok={null}>latest</Badge>}
              {v.number === live && <Badge ok={true}>published</Badge>}
              {v.restoredFrom != null && <Badge ok={null}>restored from v{v.restoredFrom}</Badge>}
              {v.check ? <Badge ok={verdictOk(v.check)}>{v.check.verdict}</Badge> : <Badge ok={null}>not checked</Badge>}
              <span className="ml-auto text-xs text-muted">{formatTime(v.createdAt)}</span>
            </div>
            <p className="mt-1 line-clamp-2 text-sm text-slate-700">{v.request || "—"}</p>
            {v.author && (
              <p className="mt-0.5 text-xs text-slate-600" data-testid="version-author">
                {v.restoredFrom != null ? "Restored" : "Asked"} by {v.author.name}
              </p>
            )}
            <p className="mt-0.5 text-xs text-muted" data-testid="version-spend">{formatSpend(runSpend(usage, v.runId))}</p>
            <div className="mt-2 flex flex-wrap gap-1.5">
              <Button size="sm" onClick={() => onPreview(v.number)} aria-label={`Preview version ${v.number}`}>Preview</Button>
              <Button size="sm" onClick={() => onCode(v.number)} aria-label={`Code of version ${v.number}`}>Code</Button>
              {v.number > 1 && <Button size="sm" onClick={() => onCompare(v.number - 1, v.number)} aria-label={`Changes in version ${v.number}`}>Changes</Button>}
              <Button size="sm" disabled={busy || viewer || v.number === latest} title={viewer ? "Viewers cannot restore: only the owner and editors can" : undefined} onClick={() => void restore(v.number)} aria-label={`Restore version ${v.number}`}>Restore</Button>
              {publishable(v) && v.number !== live && (
                <Button size="sm" onClick={() => void publishing.publish(v.number)}>
                  Publish this version<span className="sr-only"> (v{v.number})</span>
                </Button>
              )}
              <a href={api.zipUrl(threadId, v.number)} download onClick={signedDownload} className="inline-flex items-center rounded-lg px-2.5 py-1 text-xs font-medium text-slate-700 ring-1 ring-slate-300 hover:bg-slate-50">
                Download zip<span className="sr-only"> of version {v.number}</span>
              </a>
            </div>
          </li>
        ))}
      </ol>
    </div>
  );
}
