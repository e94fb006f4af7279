// The code tab: file tree + highlighted read-only viewer, updating as files stream in, and a
// diff of any version against another (default: the previous one).

import { memo, useEffect, useMemo, useState } from "react";
import { api, fetchBlob } from "../lib/api";
import { diffLines, diffStats, type DiffLine } from "../lib/diff";
import { TOKEN_CLASS, highlight } from "../lib/highlight";
import type { RunMachine } from "../lib/runMachine";
import type { FileInfo } from "../lib/contract";
import { Badge } from "./ui";

export type VersionRef = number | "current";

export interface CodeSelection {
  version: VersionRef;
  /** When set, show the diff from this version to `version`. */
  base: number | null;
}

/** Files of a version (or the working tree), as path → ref. */
function useFiles(machine: RunMachine, version: VersionRef): Record<string, FileInfo> | null {
  const threadId = machine.threadId;
  const [byVersion, setByVersion] = useState<Record<string, Record<string, FileInfo>>>({});
  useEffect(() => {
    if (version === "current" || !threadId || byVersion[`${threadId}/${version}`]) return;
    let live = true;
    api.version(threadId, version).then(
      (v) => live && setByVersion((b) => ({ ...b, [`${threadId}/${version}`]: v.files })),
      () => undefined,
    );
    return () => {
      live = false;
    };
  }, [threadId, version, byVersion]);
  return useMemo(() => {
    if (version !== "current") return byVersion[`${threadId}/${version}`] ?? null;
    const out: Record<string, FileInfo> = {};
    for (const f of machine.state?.files ?? []) out[f.path] = { hash: f.hash, size: f.size };
    for (const f of Object.values(machine.files)) if (!out[f.path]) out[f.path] = { hash: "", size: f.content.length };
    return out;
  }, [version, byVersion, threadId, machine.state?.files, machine.files]);
}

/** A file's text: the streamed content while it is being written, else the blob. */
function useContent(machine: RunMachine, version: VersionRef, path: string | null, ref: FileInfo | undefined): string | null {
  const streamed = version === "current" && path ? machine.files[path] : undefined;
  const [text, setText] = useState<{ key: string; text: string } | null>(null);
  const key = `${machine.threadId}/${ref?.hash ?? ""}`;
  const writing = Boolean(streamed && !streamed.done);
  useEffect(() => {
    if (writing || !ref?.hash || !machine.threadId) return;
    let live = true;
    fetchBlob(machine.threadId, ref.hash).then(
      (t) => live && setText({ key, text: t }),
      () => live && setText({ key, text: "// Could not load this file." }),
    );
    return () => {
      live = false;
    };
  }, [writing, ref?.hash, machine.threadId, key]);
  if (streamed && (writing || !ref?.hash)) return streamed.content;
  if (!ref) return path ? "" : null;
  if (text?.key === key) return text.text;
  return streamed ? streamed.content : null;
}

export function CodeView({
  machine,
  selection,
  onSelect,
}: {
  machine: RunMachine;
  selection: CodeSelection;
  onSelect: (s: CodeSelection) => void;
}) {
  const versions = machine.state?.versions ?? [];
  // What "the previous version" is: the one before a picked version, or the latest for the
  // working copy (which shows a change while it is being made).
  const latest = versions[versions.length - 1]?.number ?? null;
  const previous = selection.version === "current" ? latest : selection.version > 1 ? selection.version - 1 : null;
  const files = useFiles(machine, selection.version);
  const baseFiles = useFiles(machine, selection.base ?? "current");
  const diffing = selection.base !== null;
  const paths = useMemo(() => {
    const set = new Set(Object.keys(files ?? {}));
    if (diffing) for (const p of Object.keys(baseFiles ?? {})) set.add(p);
    return [...set].sort();
  }, [files, baseFiles, diffing]);
  const [path, setPath] = useState<string | null>(null);
  // A new comparison starts at its first changed file.
  useEffect(() => setPath(null), [selection.base, selection.version]);
  const streamingPath = Object.values(machine.files).find((f) => !f.done)?.path ?? null;
  // Follow the file being written, like watching an editor; otherwise keep the user's pick.
  useEffect(() => {
    if (selection.version === "current" && streamingPath) setPath(streamingPath);
  }, [streamingPath, selection.version]);

  const changes = useMemo(() => {
    if (!diffing || !files || !baseFiles) return {} as Record<string, "added" | "removed" | "modified">;
    const out: Record<string, "added" | "removed" | "modified"> = {};
    for (const p of paths) {
      const a = baseFiles[p];
      const b = files[p];
      if (!a && b) out[p] = "added";
      else if (a && !b) out[p] = "removed";
      else if (a && b && a.hash !== b.hash) out[p] = "modified";
    }
    return out;
  }, [diffing, files, baseFiles, paths]);
  const firstChanged = paths.find((p) => changes[p]);
  const current =
    path && paths.includes(path) ? path : ((diffing ? firstChanged : undefined) ?? paths.find((p) => p.endsWith("App.tsx")) ?? paths[0] ?? null);

  return (
    <div className="flex h-full min-h-0 flex-col">
      <div className="flex flex-wrap items-center gap-3 border-b border-slate-200 bg-white px-3 py-2 text-sm">
        <label className="flex items-center gap-1.5 text-slate-600">
          Version
          <select
            className="rounded-md border border-slate-300 bg-white px-2 py-1 text-sm"
            value={String(selection.version)}
            onChange={(e) => onSelect({ ...selection, version: e.target.value === "current" ? "current" : Number(e.target.value) })}
          >
            <option value="current">Latest (working copy)</option>
            {versions.map((v) => (
              <option key={v.number} value={v.number}>v{v.number}</option>
            ))}
          </select>
        </label>
        <label className="flex items-center gap-1.5 text-slate-600">
          Compare with
          <select
            className="rounded-md border border-slate-300 bg-white px-2 py-1 text-sm"
            value={selection.base === null ? "" : String(selection.base)}
            onChange={(e) => onSelect({ ...selection, base: e.target.value === "" ? null : Number(e.target.value) })}
          >
            <option value="">Nothing (view file)</option>
            {versions.map((v) => (
              <option key={v.number} value={v.number}>v{v.number}</option>
            ))}
          </select>
        </label>
        {previous !== null && selection.base !== previous && (
          <button
            type="button"
            onClick={() => onSelect({ ...selection, base: previous })}
            className="rounded-md px-2 py-1 text-xs font-medium text-indigo-700 ring-1 ring-indigo-200 hover:bg-indigo-50"
          >
            Changes since v{previous}
          </button>
        )}
        {diffing && (
          <span className="text-xs text-muted" role="status">
            {files && baseFiles ? `${Object.keys(changes).length} file(s) changed` : "Comparing…"}
          </span>
        )}
      </div>
      <div className="flex min-h-0 flex-1">
        <FileTree paths={paths} current={current} onPick={setPath} changes={changes} streaming={selection.version === "current" ? machine.files : {}} />
        <div tabIndex={0} role="region" aria-label={current ? `${diffing ? "Changes in" : "Contents of"} ${current}` : "File contents"} className="min-w-0 flex-1 overflow-auto bg-white" data-testid="code-viewer">
          {current ? (
            diffing ? (
              <FileDiff machine={machine} path={current} base={selection.base as number} baseRef={baseFiles?.[current]} version={selection.version} ref_={files?.[current]} />
            ) : (
              <FileViewer machine={machine} path={current} version={selection.version} ref_={files?.[current]} />
            )
          ) : (
            <p className="p-6 text-sm text-muted">{files === null ? "Loading files…" : "No files yet. They appear here as the code is written."}</p>
          )}
        </div>
      </div>
    </div>
  );
}

function FileTree({
  paths,
  current,
  onPick,
  changes,
  streaming,
}: {
  paths: string[];
  current: string | null;
  onPick: (p: string) => void;
  changes: Record<string, string>;
  streaming: RunMachine["files"];
}) {
  return (
    <nav aria-label="Files" className="w-56 shrink-0 overflow-y-auto border-r border-slate-200 bg-slate-50 py-2 max-sm:w-40">
      <ul>
        {paths.map((p) => {
          const depth = p.split("/").length - 1;
          const name = p.slice(p.lastIndexOf("/") + 1);
          const change = changes[p];
          const writing = streaming[p] && !streaming[p].done;
          return (
            <li key={p}>
              <button
                type="button"
                onClick={() => onPick(p)}
                aria-current={p === current ? "true" : undefined}
                title={p}
                className={`flex w-full items-center gap-1.5 truncate py-1 pr-2 text-left font-mono text-xs hover:bg-slate-200/60 ${p === current ? "bg-indigo-100 text-indigo-900" : "text-slate-700"}`}
                style={{ paddingLeft: 8 + depth * 12 }}
              >
                <span className="truncate">{depth > 0 ? <span className="text-muted">{p.slice(0, p.lastIndexOf("/") + 1)}</span> : null}{name}</span>
                {writing && <span aria-hidden className="ml-auto size-1.5 animate-pulse rounded-full bg-indigo-500" />}
                {/* The name is the visible path plus what happened to it (WCAG 2.5.3, label in name); the
                    letter is drawn by CSS so it is not part of either. */}
                <span className="sr-only">{`${change ? `, ${change}` : ""}${writing ? ", being written" : ""}`}</span>
                {change && <span aria-hidden data-letter={change[0]?.toUpperCase()} className={`ml-auto text-[10px] font-semibold after:content-[attr(data-letter)] ${change === "added" ? "text-emerald-700" : change === "removed" ? "text-rose-700" : "text-amber-700"}`} />}
              </button>
            </li>
          );
        })}
      </ul>
    </nav>
  );
}

function FileViewer({ machine, path, version, ref_ }: { machine: RunMachine; path: string; version: VersionRef; ref_: FileInfo | undefined }) {
  const text = useContent(machine, version, path, ref_);
  if (text === null) return <p className="p-6 text-sm text-muted">Loading {path}…</p>;
  return <HighlightedCode path={path} text={text} />;
}

const HighlightedCode = memo(function HighlightedCode({ path, text }: { path: string; text: string }) {
  const lines = useMemo(() => {
    // Highlight line by line so a token never spans two rows of the table.
    return text.split("\n").map((l) => highlight(l, path));
  }, [path, text]);
  return (
    <div role="region" aria-label={`Contents of ${path}`} tabIndex={0} className="min-w-max font-mono text-xs leading-5">
      <div className="sticky top-0 z-10 border-b border-slate-200 bg-white/95 px-4 py-1.5 font-sans text-xs font-medium text-slate-600">{path}</div>
      <table className="border-collapse">
        <tbody>
          {lines.map((tokens, i) => (
            <tr key={i}>
              <td className="px-3 text-right text-muted select-none">{i + 1}</td>
              <td className="pr-6 whitespace-pre text-slate-800">
                {tokens.map((t, j) => (t.kind === "plain" ? t.text : <span key={j} className={TOKEN_CLASS[t.kind]}>{t.text}</span>))}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
});

function FileDiff({
  machine,
  path,
  base,
  baseRef,
  version,
  ref_,
}: {
  machine: RunMachine;
  path: string;
  base: number;
  baseRef: FileInfo | undefined;
  version: VersionRef;
  ref_: FileInfo | undefined;
}) {
  const before = useContent(machine, base, path, baseRef);
  const after = useContent(machine, version, path, ref_);
  const lines = useMemo(() => (before === null || after === null ? null : diffLines(before, after)), [before, after]);
  if (!lines) return <p className="p-6 text-sm text-muted">Loading diff…</p>;
  const stats = diffStats(lines);
  return (
    <div role="region" aria-label={`Changes to ${path} from v${base}`} tabIndex={0} className="min-w-max font-mono text-xs leading-5" data-testid="diff">
      <div className="sticky top-0 z-10 flex items-center gap-2 border-b border-slate-200 bg-white/95 px-4 py-1.5 font-sans text-xs text-slate-600">
        <span className="font-medium">{path}</span>
        <Badge ok>+{stats.added}</Badge>
        <Badge ok={false}>−{stats.removed}</Badge>
        <span>v{base} → {version === "current" ? "latest" : `v${version}`}</span>
      </div>
      {stats.added + stats.removed === 0 ? <p className="p-6 font-sans text-sm text-muted">No changes in this file.</p> : <DiffTable lines={lines} />}
    </div>
  );
}

function DiffTable({ lines }: { lines: DiffLine[] }) {
  return (
    <table className="border-collapse">
      <tbody>
        {lines.map((l, i) => (
          <tr key={i} className={l.kind === "add" ? "bg-emerald-50" : l.kind === "del" ? "bg-rose-50" : ""}>
            <td className="px-2 text-right text-muted select-none">{l.kind !== "add" ? l.oldNo : ""}</td>
            <td className="px-2 text-right text-muted select-none">{l.kind !== "del" ? l.newNo : ""}</td>
            <td className={`w-4 text-center select-none ${l.kind === "add" ? "text-emerald-700" : l.kind === "del" ? "text-rose-700" : "text-slate-300"}`}>
              {l.kind === "add" ? "+" : l.kind === "del" ? "−" : " "}
              <span className="sr-only">{l.kind === "add" ? "added" : l.kind === "del" ? "removed" : ""}</span>
            </td>
            <td className="pr-6 whitespace-pre text-slate-800">{l.text}</td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}
