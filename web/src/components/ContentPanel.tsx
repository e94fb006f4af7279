// The right side: tabs for the preview, code, wireframe, check report, acceptance tests and versions.

import { useRef, type KeyboardEvent, type ReactNode } from "react";

export type TabId = "preview" | "code" | "wireframe" | "check" | "tests" | "versions";

const TABS: { id: TabId; label: string }[] = [
  { id: "preview", label: "Preview" },
  { id: "code", label: "Code" },
  { id: "wireframe", label: "Wireframe" },
  { id: "check", label: "Check" },
  { id: "tests", label: "Tests" },
  { id: "versions", label: "Versions" },
];

export function ContentPanel({
  tab,
  onTab,
  badges,
  children,
}: {
  tab: TabId;
  onTab: (t: TabId) => void;
  badges: Partial<Record<TabId, ReactNode>>;
  children: ReactNode;
}) {
  const refs = useRef<Partial<Record<TabId, HTMLButtonElement | null>>>({});
  // WAI-ARIA tabs: arrows move between tabs, Home/End jump to the ends.
  function onKey(e: KeyboardEvent) {
    const i = TABS.findIndex((t) => t.id === tab);
    let next = i;
    if (e.key === "ArrowRight") next = (i + 1) % TABS.length;
    else if (e.key === "ArrowLeft") next = (i - 1 + TABS.length) % TABS.length;
    else if (e.key === "Home") next = 0;
    else if (e.key === "End") next = TABS.length - 1;
    else return;
    e.preventDefault();
    const id = (TABS[next] as (typeof TABS)[number]).id;
    onTab(id);
    refs.current[id]?.focus();
  }
  return (
    <section aria-label="Your app" className="flex min-h-0 min-w-0 flex-1 flex-col bg-white">
      <div role="tablist" aria-label="App views" className="flex shrink-0 gap-1 overflow-x-auto border-b border-slate-200 px-2 pt-2" onKeyDown={onKey}>
        {TABS.map((t) => (
          <button
            key={t.id}
            ref={(el) => {
              refs.current[t.id] = el;
            }}
            id={`tab-${t.id}`}
            role="tab"
            type="button"
            aria-selected={tab === t.id}
            aria-controls={`panel-${t.id}`}
            tabIndex={tab === t.id ? 0 : -1}
            onClick={() => onTab(t.id)}
            className={`-mb-px flex items-center gap-1.5 rounded-t-lg border-b-2 px-3 py-2 text-sm font-medium whitespace-nowrap ${tab === t.id ? "border-indigo-600 text-indigo-700" : "border-transparent text-slate-600 hover:text-slate-900"}`}
          >
            {t.label}
            {badges[t.id]}
          </button>
        ))}
      </div>
      <div id={`panel-${tab}`} role="tabpanel" aria-labelledby={`tab-${tab}`} className="min-h-0 flex-1">
        {children}
      </div>
    </section>
  );
}
