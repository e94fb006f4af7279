import type { RefObject } from "react";
import type { Person } from "../lib/contract";
import type { RunMachine } from "../lib/runMachine";
import { Button, PhasePill } from "./ui";

export function Header({
  machine,
  present = [],
  onNew,
  onShare,
  onToggleSidebar,
  sidebarOpen,
  toggleRef,
  you = null,
  onSwitchUser,
}: {
  machine: RunMachine;
  /** Who has the thread open (you included). */
  present?: Person[];
  onNew: () => void;
  /** Opens the sharing panel; absent unless the caller owns the thread. */
  onShare?: () => void;
  onToggleSidebar: () => void;
  sidebarOpen: boolean;
  /** The drawer's toggle, where focus goes back when the drawer closes. */
  toggleRef?: RefObject<HTMLButtonElement | null>;
  /** Who this tab is signed in as, shown where the server takes API keys. */
  you?: Person | null;
  /** Signs in with another key (local mode with named keys). */
  onSwitchUser?: () => void;
}) {
  const title = machine.state?.title || (machine.threadId ? "New app" : "");
  return (
    <header className="flex h-14 shrink-0 items-center gap-3 border-b border-slate-200 bg-white px-3 sm:px-4">
      <Button ref={toggleRef} variant="ghost" size="sm" aria-label={sidebarOpen ? "Hide your apps" : "Show your apps"} aria-expanded={sidebarOpen} aria-controls="thread-sidebar" onClick={onToggleSidebar}>
        <svg aria-hidden viewBox="0 0 20 20" className="size-5" fill="currentColor"><path d="M3 5h14v2H3zm0 4h14v2H3zm0 4h14v2H3z" /></svg>
      </Button>
      <a href="/" onClick={(e) => { e.preventDefault(); onNew(); }} className="flex items-center gap-2 rounded-md font-semibold tracking-tight text-slate-900" aria-label="appgen home">
        <span aria-hidden className="grid size-7 place-items-center rounded-lg bg-indigo-600 text-white">
          <svg viewBox="0 0 32 32" className="size-4" fill="currentColor"><path d="M9 22l7-12 7 12z" /></svg>
        </span>
        {/* On a phone the thread's title needs the room; the link keeps its name. */}
        <span className={title ? "max-sm:hidden" : ""}>appgen</span>
      </a>
      {title && (
        <>
          <span aria-hidden className="text-slate-300 max-sm:hidden">/</span>
          <h1 className="min-w-0 truncate text-sm font-medium text-slate-700" data-testid="thread-title">{title}</h1>
          <PhasePill phase={machine.phase} />
        </>
      )}
      <div className="ml-auto flex items-center gap-2">
        {present.length > 0 && (
          <ul aria-label="Here now" className="flex -space-x-1.5" data-testid="presence">
            {present.slice(0, 5).map((p) => (
              <li key={p.principal} title={p.name} className="grid size-7 place-items-center rounded-full bg-indigo-100 text-[11px] font-semibold text-indigo-800 ring-2 ring-white">
                <span aria-hidden>{p.initials}</span>
                <span className="sr-only">{p.name}</span>
              </li>
            ))}
            {present.length > 5 && <li className="pl-3 text-xs text-slate-600">+{present.length - 5}</li>}
          </ul>
        )}
        {machine.connection === "reconnecting" && (
          <span role="status" className="rounded-full bg-amber-50 px-2.5 py-0.5 text-xs font-medium text-amber-800">Reconnecting…</span>
        )}
        {machine.state?.agent && (
          <span className="hidden rounded-full bg-slate-100 px-2.5 py-0.5 text-xs text-slate-600 md:inline" title="Which agent writes this app">
            {machine.state.agent === "offline" ? "Offline generator (no LLM)" : machine.state.agent}
          </span>
        )}
        {onSwitchUser && (
          <span className="flex items-center gap-1.5 text-xs text-slate-600">
            {you && <span data-testid="signed-in-as" className="max-sm:hidden">{you.name}</span>}
            <Button variant="ghost" size="sm" onClick={onSwitchUser}>{you ? "Switch user" : "Sign in"}</Button>
          </span>
        )}
        {onShare && <Button size="sm" onClick={onShare}>Share</Button>}
        <Button variant="primary" size="sm" className="whitespace-nowrap" onClick={onNew}>New app</Button>
      </div>
    </header>
  );
}
