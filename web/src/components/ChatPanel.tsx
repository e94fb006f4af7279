// The conversation column: messages, the run's progress, questions, errors and the composer.

import { useEffect, useId, useRef, useState, type FormEvent, type KeyboardEvent } from "react";
import { PROMPT_LIMIT } from "../lib/options";
import { isBusy, type ChatMessage, type RunMachine } from "../lib/runMachine";
import type { Answers } from "../lib/schemaForm";
import type { Person, QueuedMessage } from "../lib/contract";
import type { Team } from "../lib/useAppgen";
import { ProgressPanel } from "./ProgressPanel";
import { QuestionForm } from "./QuestionForm";
import { Button } from "./ui";

export function ChatPanel({
  machine,
  team,
  onSend,
  onWithdraw,
  onAnswer,
  onRetry,
}: {
  machine: RunMachine;
  team: Team;
  onSend: (text: string) => void;
  onWithdraw: (id: string) => Promise<void>;
  onAnswer: (a: Answers) => void;
  onRetry: () => void;
}) {
  const scroller = useRef<HTMLDivElement>(null);
  const stick = useRef(true);
  // Follow the stream while the user is at the bottom; stop if they scroll up to read.
  useEffect(() => {
    const el = scroller.current;
    if (el && stick.current) el.scrollTop = el.scrollHeight;
  });
  const runId = machine.runId;
  // A new run brings the view back to the bottom.
  useEffect(() => {
    stick.current = true;
  }, [runId]);
  const before = machine.messages.filter((m) => m.runId !== runId || m.role === "user");
  const narration = machine.messages.filter((m) => m.runId === runId && m.role === "assistant");
  const checkRun = machine.state?.lastRun?.kind === "check";

  return (
    <section aria-label="Conversation" className="flex min-h-0 flex-1 flex-col bg-slate-50">
      <div
        ref={scroller}
        onScroll={(e) => {
          const el = e.currentTarget;
          stick.current = el.scrollHeight - el.scrollTop - el.clientHeight < 40;
        }}
        // Focusable so keyboard users can scroll it (WCAG 2.1.1, axe scrollable-region-focusable).
        tabIndex={0}
        role="region"
        aria-label="Messages"
        className="min-h-0 flex-1 space-y-3 overflow-y-auto p-4"
        data-testid="chat"
      >
        {before.map((m) => (
          <MessageBubble key={m.id} message={m} author={otherAuthor(team, m.id)} />
        ))}
        {narration.length > 0 && (
          <div className="space-y-2" aria-live="polite">
            {narration.map((m) => (
              <MessageBubble key={m.id} message={m} author={null} />
            ))}
          </div>
        )}
        <ProgressPanel machine={machine} onRetry={onRetry} />
        {machine.phase === "awaiting_answers" && machine.interrupt && (
          <QuestionForm key={machine.interrupt.id} schema={machine.interrupt.responseSchema} message={machine.interrupt.message} onSubmit={onAnswer} />
        )}
        {/* A check run's failure is put right in the Tests tab (say it another way), not retried. */}
        {machine.phase === "error" && machine.error && <ErrorBanner error={machine.error} onRetry={checkRun ? undefined : onRetry} />}
        {machine.phase === "done" && machine.result?.version !== undefined && !checkRun && (
          <p role="status" className="rounded-xl bg-emerald-50 px-3 py-2 text-sm text-emerald-800">
            Version {machine.result.version} is ready. Ask for a change below.
          </p>
        )}
        {team.queued.length > 0 && <QueueList queued={team.queued} you={team.you} onWithdraw={onWithdraw} />}
      </div>
      <Composer blocked={blockedReason(machine, team)} busy={isBusy(machine.phase) || !!machine.state?.run} onSend={onSend} />
    </section>
  );
}

/** Why this member cannot send now, if they cannot. */
function blockedReason(machine: RunMachine, team: Team): string | null {
  if (team.role === "viewer") return "You are a viewer of this thread: you can follow it, but only its owner and editors can ask for changes.";
  if (machine.phase === "awaiting_answers") return "Answer the questions above first.";
  return null;
}

/** Who posted a message, when it was someone else. */
function otherAuthor(team: Team, id: string): Person | null {
  const a = team.authors[id];
  return a && a.principal !== team.you?.principal ? a : null;
}

function QueueList({ queued, you, onWithdraw }: { queued: QueuedMessage[]; you: Person | null; onWithdraw: (id: string) => Promise<void> }) {
  return (
    <section aria-label="Queued changes" className="rounded-xl border border-dashed border-slate-300 bg-white p-3">
      <h2 className="text-xs font-semibold tracking-wide text-slate-600 uppercase">Queued: runs after the current change</h2>
      <ol className="mt-2 space-y-2" data-testid="queued">
        {queued.map((q) => (
          <li key={q.id} className="flex items-start gap-2 text-sm" data-testid="queued-message">
            <Avatar person={q.author} />
            <span className="min-w-0 flex-1 [overflow-wrap:anywhere]">
              <span className="font-medium">{q.author.principal === you?.principal ? "You" : q.author.name}</span>
              {q.kind === "check" ? " (a check)" : ""}: {q.text}
            </span>
            {q.author.principal === you?.principal && (
              <Button size="sm" onClick={() => void onWithdraw(q.id)} aria-label={`Withdraw queued change: ${q.text}`}>
                Withdraw
              </Button>
            )}
          </li>
        ))}
      </ol>
    </section>
  );
}

function Avatar({ person }: { person: Person }) {
  return (
    <span aria-hidden title={person.name} className="grid size-6 shrink-0 place-items-center rounded-full bg-indigo-100 text-[10px] font-semibold text-indigo-800">
      {person.initials}
    </span>
  );
}

function MessageBubble({ message: m, author }: { message: ChatMessage; author: Person | null }) {
  if (m.role === "user") {
    return (
      <div className="flex flex-col items-end">
        {author && <span className="mb-0.5 text-xs text-slate-600" data-testid="message-author">{author.name}</span>}
        <p className="max-w-[85%] rounded-2xl rounded-br-md bg-indigo-600 px-3.5 py-2 text-sm whitespace-pre-wrap [overflow-wrap:anywhere] text-white" data-testid="user-message">
          <span className="sr-only">{author ? `${author.name}: ` : "You: "}</span>
          {m.text}
        </p>
      </div>
    );
  }
  return (
    <div className="flex flex-col items-start">
      {m.agent && <span aria-hidden className="mb-0.5 text-xs text-slate-600" data-testid="message-agent">{m.agent}</span>}
      <p className={`max-w-[92%] rounded-2xl rounded-bl-md bg-white px-3.5 py-2 text-sm whitespace-pre-wrap break-words [overflow-wrap:anywhere] text-slate-800 ring-1 ring-slate-200 ${m.streaming ? "caret" : ""}`} data-testid="assistant-message">
        <span className="sr-only">{m.agent ? `${m.agent}: ` : "appgen: "}</span>
        {m.text}
      </p>
    </div>
  );
}

function ErrorBanner({ error, onRetry }: { error: NonNullable<RunMachine["error"]>; onRetry?: () => void }) {
  return (
    <div role="alert" className="rounded-2xl border border-rose-200 bg-rose-50 p-4">
      <p className="text-sm font-semibold text-rose-800">
        {error.step ? `The ${error.step} step failed` : "Something went wrong"}
        {error.code && <span className="ml-2 font-mono text-xs font-normal text-rose-700">{error.code}</span>}
      </p>
      <p className="mt-1 text-sm whitespace-pre-wrap text-rose-700">{error.message}</p>
      {onRetry && (
        <Button className="mt-3" variant="danger" onClick={onRetry}>
          Retry
        </Button>
      )}
    </div>
  );
}

function Composer({ blocked, busy, onSend }: { blocked: string | null; busy: boolean; onSend: (t: string) => void }) {
  const [text, setText] = useState("");
  const id = useId();
  const disabled = blocked !== null;
  const ok = text.trim().length > 0 && text.length <= PROMPT_LIMIT && !disabled;
  function submit(e?: FormEvent) {
    e?.preventDefault();
    if (!ok) return;
    onSend(text.trim());
    setText("");
  }
  function onKey(e: KeyboardEvent<HTMLTextAreaElement>) {
    if (e.key === "Enter" && !e.shiftKey && !e.nativeEvent.isComposing) {
      e.preventDefault();
      submit();
    }
  }
  return (
    <form onSubmit={submit} className="border-t border-slate-200 bg-white p-3">
      <label htmlFor={`${id}-msg`} className="sr-only">Ask for a change</label>
      <div className="flex items-end gap-2 rounded-xl border border-slate-300 p-1.5 focus-within:border-indigo-400 focus-within:ring-2 focus-within:ring-indigo-100">
        <textarea
          id={`${id}-msg`}
          rows={2}
          value={text}
          onChange={(e) => setText(e.target.value)}
          onKeyDown={onKey}
          disabled={disabled}
          placeholder={busy ? "A change is being made: yours will be queued and run next" : "Ask for a change, e.g. “add a search box”"}
          className="min-w-0 flex-1 resize-none border-0 bg-transparent px-1.5 py-1 text-sm focus:outline-none focus-visible:outline-none disabled:cursor-not-allowed"
          aria-describedby={blocked ? `${id}-why` : `${id}-count`}
        />
        <Button type="submit" variant="primary" size="sm" disabled={!ok} aria-label="Send change request">
          Send
        </Button>
      </div>
      {blocked ? (
        <p id={`${id}-why`} className="mt-1 text-xs text-slate-600" data-testid="composer-blocked">{blocked}</p>
      ) : (
        <span id={`${id}-count`} className="mt-1 block text-right text-[11px] text-muted">{text.length.toLocaleString()} / {PROMPT_LIMIT.toLocaleString()}</span>
      )}
    </form>
  );
}
