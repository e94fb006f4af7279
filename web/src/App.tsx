import { useCallback, useEffect, useRef, useState } from "react";
import { Header } from "./components/Header";
import { ShareDialog } from "./components/ShareDialog";
import { SwitchUserDialog } from "./components/SignIn";
import { StartScreen } from "./components/StartScreen";
import { ThreadSidebar } from "./components/ThreadSidebar";
import { Workspace } from "./components/Workspace";
import type { Me } from "./lib/contract";
import { threadFromUrl } from "./lib/persist";
import { useAppgen } from "./lib/useAppgen";
import { DESKTOP, useMediaQuery } from "./lib/useMediaQuery";

export function App({ inviteError = null, me = null }: { inviteError?: string | null; me?: Me | null }) {
  const app = useAppgen(threadFromUrl());
  const [sharing, setSharing] = useState(false);
  const [switching, setSwitching] = useState(false);
  const [notice, setNotice] = useState(inviteError);
  const current = app.threads.find((t) => t.threadId === app.machine.threadId);
  const desktop = useMediaQuery(DESKTOP);
  // Open by default only where it fits beside a workspace; on a phone the conversation comes first.
  const [sidebar, setSidebar] = useState(() => typeof matchMedia === "function" && matchMedia("(min-width: 1280px)").matches);
  const toggle = useRef<HTMLButtonElement>(null);
  const main = useRef<HTMLDivElement>(null);

  // Closing the drawer must not leave focus on a control that just disappeared.
  const close = useCallback((focus: "toggle" | "main" = "toggle") => {
    const inside = document.getElementById("thread-sidebar")?.contains(document.activeElement);
    setSidebar(false);
    if (inside) (focus === "main" ? main : toggle).current?.focus();
  }, []);
  // Below the desktop breakpoint the drawer covers the chat: a window that narrows closes it.
  useEffect(() => {
    if (!desktop) close();
  }, [desktop, close]);

  return (
    <div className="relative flex h-dvh flex-col">
      <a href="#main" className="sr-only focus:not-sr-only focus:absolute focus:top-2 focus:left-2 focus:z-50 focus:rounded focus:bg-white focus:px-3 focus:py-2">
        Skip to content
      </a>
      <Header machine={app.machine} present={app.team.present} onShare={current?.role === "owner" ? () => setSharing(true) : undefined} onNew={() => app.openThread(null)} onToggleSidebar={() => (sidebar ? close() : setSidebar(true))} sidebarOpen={sidebar} toggleRef={toggle} you={me?.keys ? me.you : null} onSwitchUser={me?.keys ? () => setSwitching(true) : undefined} />
      {notice && (
        <p role="alert" className="flex items-center gap-2 bg-amber-50 px-4 py-2 text-sm text-amber-900">
          The invite did not work: {notice}
          <button type="button" className="ml-auto underline" onClick={() => setNotice(null)}>Dismiss</button>
        </p>
      )}
      {switching && <SwitchUserDialog onClose={() => setSwitching(false)} />}
      {sharing && app.machine.threadId && <ShareDialog threadId={app.machine.threadId} onClose={() => setSharing(false)} />}
      <div className="relative flex min-h-0 flex-1">
        {sidebar && !desktop && <div aria-hidden className="absolute inset-0 z-10 bg-slate-900/20" onClick={() => close()} />}
        <ThreadSidebar
          threads={app.threads}
          current={app.machine.threadId}
          onOpen={(id) => {
            app.openThread(id);
            // On narrow screens the list covers the workspace: get it out of the way.
            if (!desktop) close("main");
          }}
          onClose={() => close()}
          open={sidebar}
        />
        <div id="main" ref={main} tabIndex={-1} className="flex min-h-0 min-w-0 flex-1 focus:outline-none">
          {app.machine.threadId ? <Workspace app={app} /> : <StartScreen onStart={app.startApp} />}
        </div>
      </div>
    </div>
  );
}
