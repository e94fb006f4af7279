// A thread's workspace: conversation and progress on the left, the app's views on the right.

import { useEffect, useRef, useState } from "react";
import type { Appgen } from "../lib/useAppgen";
import { isBusy } from "../lib/runMachine";
import { ChatPanel } from "./ChatPanel";
import { CheckView } from "./CheckView";
import { CodeView, type CodeSelection } from "./CodeView";
import { ContentPanel, type TabId } from "./ContentPanel";
import { PreviewView } from "./PreviewView";
import { TestsView } from "./TestsView";
import { VersionsView } from "./VersionsView";
import { WireframeView } from "./WireframeView";

export function Workspace({ app }: { app: Appgen }) {
  const m = app.machine;
  const [tab, setTab] = useState<TabId>("preview");
  const [previewVersion, setPreviewVersion] = useState<number | null>(null);
  const [code, setCode] = useState<CodeSelection>({ version: "current", base: null });
  const [pane, setPane] = useState<"chat" | "app">("chat");
  const versions = m.state?.versions ?? [];
  const busy = isBusy(m.phase);

  // Show what the run is working on: the wireframe, then the code, then the preview.
  const runSteps = m.steps.filter((s) => s.runId === m.runId);
  const activeStep = runSteps.find((s) => s.status === "active")?.name;
  const coding = activeStep === "code" || activeStep === "modify" || activeStep === "fix";
  // The wireframe was just drawn by this run and no code is being written yet.
  const drawn = runSteps.some((s) => s.name === "wireframe" && s.status === "ok") && !runSteps.some((s) => s.name === "code");
  const prev = useRef({ drawn, coding, phase: m.phase });
  useEffect(() => {
    const p = prev.current;
    if (drawn && !p.drawn) setTab("wireframe");
    if (coding && !p.coding) {
      setTab("code");
      setCode({ version: "current", base: null });
    }
    // Only a run that ends switches to the preview; a restore keeps the user where they are,
    // and so does a check run (its result is in the Tests tab).
    const checking = m.state?.lastRun?.kind === "check";
    if (m.phase === "done" && p.phase !== "done" && versions.length > 0 && !checking) {
      setTab("preview");
      setPreviewVersion(null);
    }
    prev.current = { drawn, coding, phase: m.phase };
  }, [drawn, coding, m.phase, versions.length, m.state?.lastRun?.kind]);

  const threadId = m.threadId ?? "";
  const badge = (n: number) => <span className="rounded-full bg-slate-100 px-1.5 text-[11px] text-slate-600">{n}</span>;
  return (
    <div className="flex min-h-0 min-w-0 flex-1 flex-col">
      <div role="group" aria-label="Show" className="flex shrink-0 gap-1 border-b border-slate-200 bg-white p-1.5 lg:hidden">
        {(["chat", "app"] as const).map((p) => (
          <button key={p} type="button" aria-pressed={pane === p} onClick={() => setPane(p)} className={`flex-1 rounded-md py-1.5 text-sm font-medium ${pane === p ? "bg-slate-900 text-white" : "text-slate-600"}`}>
            {p === "chat" ? "Chat" : "App"}
          </button>
        ))}
      </div>
      <div className="flex min-h-0 flex-1">
        <div className={`min-h-0 flex-col border-r border-slate-200 lg:flex lg:w-[420px] lg:shrink-0 ${pane === "chat" ? "flex w-full" : "hidden"}`}>
          <ChatPanel machine={m} team={app.team} onSend={app.sendMessage} onWithdraw={app.withdraw} onAnswer={app.answer} onRetry={app.retry} />
        </div>
        <div className={`min-h-0 min-w-0 flex-1 lg:flex ${pane === "app" ? "flex" : "hidden"}`}>
          <ContentPanel tab={tab} onTab={setTab} badges={{ versions: versions.length > 0 ? badge(versions.length) : null }}>
            {tab === "preview" && (
              <PreviewView
                threadId={threadId}
                versions={versions}
                version={previewVersion}
                onVersion={setPreviewVersion}
                building={busy}
                canResetData={app.team.role !== "viewer"}
              />
            )}
            {tab === "code" && <CodeView machine={m} selection={code} onSelect={setCode} />}
            {tab === "wireframe" && <WireframeView html={m.state?.wireframe} running={busy} />}
            {tab === "check" && <CheckView threadId={threadId} versions={versions} version={previewVersion} />}
            {tab === "tests" && (
              <TestsView
                threadId={threadId}
                scenarios={m.state?.scenarios ?? []}
                userChecks={m.state?.userChecks ?? {}}
                versions={versions}
                checking={m.state?.run?.kind === "check"}
                lastRun={m.state?.lastRun ?? null}
                onAddCheck={app.team.role === "viewer" || versions.length === 0 ? undefined : app.addCheck}
                onRemoveCheck={app.team.role === "viewer" ? undefined : app.removeCheck}
                busy={busy || Boolean(m.state?.run)}
              />
            )}
            {tab === "versions" && (
              <VersionsView
                threadId={threadId}
                versions={versions}
                usage={m.state?.usage ?? []}
                busy={busy}
                viewer={app.team.role === "viewer"}
                onPreview={(n) => {
                  setPreviewVersion(n);
                  setTab("preview");
                }}
                onCode={(n) => {
                  setCode({ version: n, base: null });
                  setTab("code");
                }}
                onCompare={(a, b) => {
                  setCode({ version: b, base: a });
                  setTab("code");
                }}
                onRestore={app.restore}
              />
            )}
          </ContentPanel>
        </div>
      </div>
    </div>
  );
}
