import { formatSpend } from "../lib/cost";
import type { ThreadListItem } from "../lib/contract";
import { formatTime } from "./ui";

const STATUS_DOT: Record<string, string> = {
  running: "bg-indigo-500",
  building: "bg-sky-500",
  awaiting_answers: "bg-amber-500",
  done: "bg-emerald-500",
  error: "bg-rose-500",
  idle: "bg-slate-300",
};

export function ThreadSidebar({
  threads,
  current,
  onOpen,
  onClose,
  open,
}: {
  /** Each item's `spend` is the thread's model usage so far (`GET /api/threads`). */
  threads: ThreadListItem[];
  current: string | null;
  onOpen: (id: string) => void;
  onClose: () => void;
  open: boolean;
}) {
  return (
    <nav
      id="thread-sidebar"
      aria-label="Your apps"
      hidden={!open}
      onKeyDown={(e) => e.key === "Escape" && onClose()}
      className="w-64 shrink-0 overflow-y-auto border-r border-slate-200 bg-white p-2 max-lg:absolute max-lg:inset-y-0 max-lg:left-0 max-lg:z-20 max-lg:max-w-[85vw] max-lg:shadow-xl"
    >
      <h2 className="px-2 pt-1 pb-2 text-xs font-semibold tracking-wide text-muted uppercase">Your apps</h2>
      {threads.length === 0 && <p className="px-2 text-sm text-muted">No apps yet. Describe one to start.</p>}
      <ul className="space-y-0.5">
        {threads.map((t) => (
          <li key={t.threadId}>
            <button
              type="button"
              onClick={() => onOpen(t.threadId)}
              aria-current={t.threadId === current ? "page" : undefined}
              className={`w-full rounded-lg px-2 py-2 text-left text-sm hover:bg-slate-100 ${t.threadId === current ? "bg-indigo-50 text-indigo-900" : "text-slate-700"}`}
            >
              <span className="flex items-center gap-2">
                <span aria-hidden className={`size-2 shrink-0 rounded-full ${STATUS_DOT[t.status] ?? "bg-slate-300"}`} />
                <span className="truncate font-medium">{t.title || "Untitled app"}</span>
              </span>
              <span className="mt-0.5 block pl-4 text-xs text-muted">
                {t.versions} version{t.versions === 1 ? "" : "s"} · {t.status.replace("_", " ")} · {formatTime(t.updatedAt)}
              </span>
              {t.role !== "owner" && (
                <span className="block pl-4 text-xs text-indigo-700" data-testid="thread-list-role">
                  shared with you · {t.role}
                </span>
              )}
              {t.spend.calls > 0 && (
                <span className="block pl-4 text-xs text-muted" data-testid="thread-list-spend">
                  {formatSpend({ calls: t.spend.calls, tokens: t.spend.tokens, usd: t.spend.costUsd })}
                </span>
              )}
            </button>
          </li>
        ))}
      </ul>
    </nav>
  );
}
