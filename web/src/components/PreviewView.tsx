// The live preview: the version's build on the preview origin, in a sandbox without
// allow-same-origin so generated code can never reach this page or its session.

import { useState } from "react";
import type { VersionSummary } from "../lib/contract";
import { api } from "../lib/api";
import { Button } from "./ui";

export const PREVIEW_SANDBOX = "allow-scripts allow-forms allow-modals allow-popups";

export function PreviewView({
  threadId,
  versions,
  version,
  onVersion,
  building,
  canResetData,
}: {
  threadId: string;
  versions: VersionSummary[];
  version: number | null;
  onVersion: (n: number) => void;
  building: boolean;
  /** The preview data is the app's editors' to empty (the server asks the access rule too). */
  canResetData: boolean;
}) {
  const [reloadKey, setReloadKey] = useState(0);
  const [width, setWidth] = useState<"desktop" | "mobile">("desktop");
  const [dataNote, setDataNote] = useState<string | null>(null);
  const [resetting, setResetting] = useState(false);
  const v = versions.find((x) => x.number === version) ?? versions[versions.length - 1];
  if (!v) {
    return (
      <div className="grid h-full place-items-center p-8 text-center text-sm text-muted">
        <p>{building ? "Building your app… the preview opens here when the check passes." : "No preview yet. It appears after the first successful build."}</p>
      </div>
    );
  }
  return (
    <div className="flex h-full min-h-0 flex-col">
      <div className="flex flex-wrap items-center gap-2 border-b border-slate-200 bg-white px-3 py-2">
        <label className="flex items-center gap-1.5 text-sm text-slate-600">
          Version
          <select className="rounded-md border border-slate-300 bg-white px-2 py-1 text-sm" value={v.number} onChange={(e) => onVersion(Number(e.target.value))}>
            {versions.map((x) => (
              <option key={x.number} value={x.number}>v{x.number}{x.number === versions[versions.length - 1]?.number ? " (latest)" : ""}</option>
            ))}
          </select>
        </label>
        <div role="group" aria-label="Preview width" className="ml-auto inline-flex rounded-lg bg-slate-100 p-0.5">
          {(["desktop", "mobile"] as const).map((w) => (
            <button
              key={w}
              type="button"
              aria-pressed={width === w}
              onClick={() => setWidth(w)}
              className={`rounded-md px-2.5 py-1 text-xs font-medium capitalize ${width === w ? "bg-white text-slate-900 shadow-sm" : "text-slate-600"}`}
            >
              {w}
            </button>
          ))}
        </div>
        <Button size="sm" onClick={() => setReloadKey((k) => k + 1)} aria-label="Reload preview">Reload</Button>
        {canResetData && (
          <Button
            size="sm"
            disabled={resetting}
            onClick={async () => {
              // Every version's preview shares this data; the published app's is separate.
              if (!window.confirm("Delete every record this app keeps in its preview data? The published app's data is not touched.")) return;
              setResetting(true);
              try {
                const n = await api.resetPreviewData(threadId);
                setDataNote(`Preview data reset: ${n} ${n === 1 ? "record" : "records"} deleted.`);
                setReloadKey((k) => k + 1);
              } catch (e) {
                setDataNote(`Could not reset the preview data: ${e instanceof Error ? e.message : String(e)}`);
              } finally {
                setResetting(false);
              }
            }}
          >
            Reset preview data
          </Button>
        )}
        <a href={v.previewUrl} target="_blank" rel="noopener noreferrer" className="rounded-lg px-2.5 py-1 text-xs font-medium text-indigo-700 ring-1 ring-indigo-200 hover:bg-indigo-50">
          Open in new tab<span className="sr-only"> (version {v.number})</span>
        </a>
      </div>
      {dataNote && (
        <p role="status" className="border-b border-slate-200 bg-amber-50 px-3 py-1.5 text-xs text-slate-700">
          {dataNote}
        </p>
      )}
      <div className="min-h-0 flex-1 overflow-auto bg-slate-100 p-3">
        <iframe
          key={`${v.number}-${reloadKey}`}
          title={`Preview of version ${v.number}`}
          src={v.previewUrl}
          sandbox={PREVIEW_SANDBOX}
          referrerPolicy="no-referrer"
          data-testid="preview-frame"
          className={`mx-auto block h-full rounded-lg bg-white shadow-sm ring-1 ring-slate-200 ${width === "mobile" ? "w-[390px]" : "w-full"}`}
        />
      </div>
    </div>
  );
}
