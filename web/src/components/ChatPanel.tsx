// The conversation column: messages, the run's progress, questions, errors and the composer.

import { useEffect, useId, useRef, useState, type FormEvent, type KeyboardEvent } from "react";
import { PROMPT_LIMIT } from "../lib/options";
import { isBusy, type ChatMessage, type RunMachine } from "../lib/runMachine";
import type { Answers } from "../lib/schemaForm";
import { ProgressPanel } from "./ProgressPanel";
import { QuestionForm } from "./QuestionForm";
import { Button } from "./ui";

export function ChatPanel({
  machine,
  onSend,
  onAnswer,
  onRetry,
}: {
  machine: RunMachine;
  onSend: (text: string) => void;
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
          <MessageBubble key={m.id} message={m} />
        ))}
        {narration.length > 0 && (
          <div className="space-y-2" aria-live="polite">
            {narration.map((m) => (
              <MessageBubble key={m.id} message={m} />
            ))}
          </div>
        )}
        <ProgressPanel machine={machine} onRetry={onRetry} />
        {machine.phase === "awaiting_answers" && machine.interrupt && (
          <QuestionForm key={machine.interrupt.id} schema={machine.interrupt.responseSchema} message={machine.interrupt.message} onSubmit={onAnswer} />
        )}
        {machine.phase === "error" && machine.error && <ErrorBanner error={machine.error} onRetry={onRetry} />}
        {machine.phase === "done" && machine.result?.version !== undefined && (
          <p role="status" className="rounded-xl bg-emerald-50 px-3 py-2 text-sm text-emerald-800">
            Version {machine.result.version} is ready. Ask for a change below.
          </p>
        )}
      </div>
      <Composer disabled={isBusy(machine.phase) || machine.phase === "awaiting_answers"} busy={isBusy(machine.phase)} onSend={onSend} />
    </section>
  );
}

function MessageBubble({ message: m }: { message: ChatMessage }) {
  if (m.role === "user") {
    return (
      <div className="flex justify-end">
        <p className="max-w-[85%] rounded-2xl rounded-br-md bg-indigo-600 px-3.5 py-2 text-sm whitespace-pre-wrap [overflow-wrap:anywhere] text-white" data-testid="user-message">
          <span className="sr-only">You: </span>
          {m.text}
        </p>
      </div>
    );
  }
  return (
    <div className="flex">
      <p className={`max-w-[92%] rounded-2xl rounded-bl-md bg-white px-3.5 py-2 text-sm whitespace-pre-wrap break-words [overflow-wrap:anywhere] text-slate-800 ring-1 ring-slate-200 ${m.streaming ? "caret" : ""}`} data-testid="assistant-message">
        <span className="sr-only">appgen: </span>
        {m.text}
      </p>
    </div>
  );
}

function ErrorBanner({ error, onRetry }: { error: NonNullable<RunMachine["error"]>; onRetry: () => void }) {
  return (
    <div role="alert" className="rounded-2xl border border-rose-200 bg-rose-50 p-4">
      <p className="text-sm font-semibold text-rose-800">
        {error.step ? `The ${error.step} step failed` : "Something went wrong"}
        {error.code && <span className="ml-2 font-mono text-xs font-normal text-rose-700">{error.code}</span>}
      </p>
      <p className="mt-1 text-sm whitespace-pre-wrap text-rose-700">{error.message}</p>
      <Button className="mt-3" variant="danger" onClick={onRetry}>Retry</Button>
    </div>
  );
}

function Composer({ disabled, busy, onSend }: { disabled: boolean; busy: boolean; onSend: (t: string) => void }) {
  const [text, setText] = useState("");
  const id = useId();
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
          placeholder={busy ? "Working… you can type your next change" : "Ask for a change, e.g. “add a search box”"}
          className="min-w-0 flex-1 resize-none border-0 bg-transparent px-1.5 py-1 text-sm focus:outline-none focus-visible:outline-none"
          aria-describedby={`${id}-count`}
        />
        <Button type="submit" variant="primary" size="sm" disabled={!ok} aria-label="Send change request">
          Send
        </Button>
      </div>
      <span id={`${id}-count`} className="mt-1 block text-right text-[11px] text-muted">{text.length.toLocaleString()} / {PROMPT_LIMIT.toLocaleString()}</span>
    </form>
  );
}
