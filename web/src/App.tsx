import { useState } from "react";
import { Header } from "./components/Header";
import { StartScreen } from "./components/StartScreen";
import { ThreadSidebar } from "./components/ThreadSidebar";
import { Workspace } from "./components/Workspace";
import { threadFromUrl } from "./lib/persist";
import { useAppgen } from "./lib/useAppgen";

export function App() {
  const app = useAppgen(threadFromUrl());
  const [sidebar, setSidebar] = useState(() => typeof matchMedia === "function" && matchMedia("(min-width: 1280px)").matches);
  return (
    <div className="relative flex h-dvh flex-col">
      <a href="#main" className="sr-only focus:not-sr-only focus:absolute focus:top-2 focus:left-2 focus:z-50 focus:rounded focus:bg-white focus:px-3 focus:py-2">
        Skip to content
      </a>
      <Header machine={app.machine} onNew={() => app.openThread(null)} onToggleSidebar={() => setSidebar((s) => !s)} sidebarOpen={sidebar} />
      <div className="flex min-h-0 flex-1">
        <ThreadSidebar
          threads={app.threads}
          current={app.machine.threadId}
          onOpen={(id) => {
            app.openThread(id);
            // On narrow screens the list covers the workspace: get it out of the way.
            if (!matchMedia("(min-width: 1024px)").matches) setSidebar(false);
          }}
          onClose={() => setSidebar(false)}
          open={sidebar}
        />
        <div id="main" className="flex min-h-0 min-w-0 flex-1">
          {app.machine.threadId ? <Workspace app={app} /> : <StartScreen onStart={app.startApp} />}
        </div>
      </div>
    </div>
  );
}
