// The UI's controller: turns user intents into AG-UI runs (HttpAgent), follows run logs with
// resume, follows the thread's own stream (what other members do, who is here), keeps the
// thread list fresh, and feeds everything to the run state machine.

import { useCallback, useEffect, useReducer, useRef, useState } from "react";
import { API_BASE, api, apiErrorFromAgent, newId } from "./api";
import type { ContextEntry } from "./options";
import { loadRun, saveRun, setThreadInUrl } from "./persist";
import { initialMachine, isBusy, runReducer, type RunMachine } from "./runMachine";
import { announceDeploy } from "./deploys";
import { authHeaders } from "./auth";
import { followRun, followThread, isTerminal, QueuedInstead, seqTrackingFetch } from "./stream";
import type { CheckStarted, Person, QueuedMessage, ThreadDetail, ThreadListItem, ThreadRole } from "./contract";
import type { AgUiEvent } from "./types";
import { fieldsFromSchema, summarizeAnswers, type Answers } from "./schemaForm";

interface UserMessage {
  id: string;
  role: "user";
  content: string;
}

/** What the user asked for last, so "Retry" can ask again with fresh ids. */
type Intent =
  | { kind: "message"; text: string; context: ContextEntry[] }
  | { kind: "answers"; interruptId: string; answers: Answers };

/** After the thread stream fails, open it again this much later. */
const REOPEN_MS = 2000;

/** Working together on the open thread: who you are there, who else is, what waits to run. */
export interface Team {
  you: Person | null;
  role: ThreadRole | null;
  /** Who posted each user message, by message id. */
  authors: Record<string, Person>;
  queued: QueuedMessage[];
  /** Who has the thread open now (from the thread stream). */
  present: Person[];
}

const noTeam: Team = { you: null, role: null, authors: {}, queued: [], present: [] };

function teamOf(detail: ThreadDetail, present: Person[]): Team {
  return { you: detail.you, role: detail.role, authors: detail.authors, queued: detail.queued, present };
}

export interface Appgen {
  machine: RunMachine;
  threads: ThreadListItem[];
  team: Team;
  /** Takes one of your queued messages back before it runs. */
  withdraw: (id: string) => Promise<void>;
  startApp: (prompt: string, context: ContextEntry[]) => void;
  sendMessage: (text: string) => void;
  answer: (answers: Answers) => void;
  retry: () => void;
  openThread: (threadId: string | null) => void;
  restore: (n: number) => Promise<number | null>;
  /** Adds a check in words (queued while a run is going); answers how it started. */
  addCheck: (sentence: string) => Promise<CheckStarted | null>;
  /** Removes a check someone wrote from the suite. */
  removeCheck: (name: string) => Promise<void>;
}

export function useAppgen(initialThread: string | null): Appgen {
  const [machine, dispatch] = useReducer(runReducer, initialMachine);
  const [threads, setThreads] = useState<ThreadListItem[]>([]);
  const [team, setTeam] = useState<Team>(noTeam);
  const ref = useRef(machine);
  ref.current = machine;
  const stream = useRef<AbortController | null>(null);
  /** The run this tab is streaming, if any. */
  const following = useRef<string | null>(null);
  const lastIntent = useRef<Intent | null>(null);
  const lastSave = useRef(0);
  /** Runs whose terminal event this tab has seen: never follow those again (the relay would
   * wait for events that will not come). */
  const ended = useRef(new Set<string>());

  // Persist the run view (throttled) so a reload resumes from its seq.
  useEffect(() => {
    const now = Date.now();
    if (now - lastSave.current > 400) {
      lastSave.current = now;
      saveRun(machine);
      return;
    }
    const t = setTimeout(() => {
      lastSave.current = Date.now();
      saveRun(ref.current);
    }, 400);
    return () => clearTimeout(t);
  }, [machine]);
  useEffect(() => {
    const save = () => saveRun(ref.current);
    addEventListener("pagehide", save);
    return () => removeEventListener("pagehide", save);
  }, []);

  const refreshThreads = useCallback(() => {
    api.threads().then(setThreads, () => undefined);
  }, []);

  const stopStream = useCallback(() => {
    stream.current?.abort();
    stream.current = null;
    following.current = null;
  }, []);

  const syncThread = useCallback(async (threadId: string) => {
    try {
      const detail = await api.thread(threadId);
      if (ref.current.threadId === threadId || ref.current.threadId === null) {
        dispatch({ type: "thread_loaded", detail });
        setTeam((t) => teamOf(detail, t.present));
      }
    } catch {
      // The next poll tries again.
    }
  }, []);

  const follow = useCallback(
    async (threadId: string, runId: string, after: number) => {
      stopStream();
      const ac = new AbortController();
      stream.current = ac;
      following.current = runId;
      dispatch({ type: "connection", status: "live" });
      const result = await followRun({
        threadId,
        runId,
        after,
        base: API_BASE,
        signal: ac.signal,
        onEvent: (event, seq) => {
          if (isTerminal(event)) ended.current.add(runId);
          dispatch({ type: "event", runId, event, seq, at: Date.now() });
        },
        onStatus: (status) => dispatch({ type: "connection", status }),
      });
      if (ac.signal.aborted) return;
      following.current = null;
      stream.current = null;
      dispatch({ type: "connection", status: "idle" });
      if (result !== "aborted") await syncThread(threadId);
      refreshThreads();
    },
    [stopStream, syncThread, refreshThreads],
  );

  const run = useCallback(
    async (threadId: string, intent: Intent, userMessage: UserMessage | null, note?: string) => {
      stopStream();
      lastIntent.current = intent;
      const runId = newId("run");
      const ac = new AbortController();
      stream.current = ac;
      following.current = runId;
      dispatch({
        type: "run_requested",
        threadId,
        runId,
        userMessage: userMessage
          ? { id: userMessage.id, text: userMessage.content }
          : note
            ? { id: `answers-${runId}`, text: note }
            : undefined,
      });
      const seqs: number[] = [];
      let count = 0;
      let terminal = false;
      let failure: unknown = null;
      try {
        // Loaded on first use: keeps the AG-UI client (and zod, rxjs) out of the first paint.
        const { HttpAgent } = await import("@ag-ui/client");
        const agent = new HttpAgent({
          url: `${API_BASE}/api/agent`,
          threadId,
          initialMessages: userMessage ? [userMessage] : [],
          headers: authHeaders(),
          fetch: seqTrackingFetch((s) => seqs.push(s)),
        });
        await agent.runAgent(
          {
            runId,
            tools: [],
            context: intent.kind === "message" ? intent.context : [],
            forwardedProps: {},
            abortController: ac,
            ...(intent.kind === "answers"
              ? { resume: [{ interruptId: intent.interruptId, status: "resolved" as const, payload: intent.answers }] }
              : {}),
          },
          {
            // Handled below, without the client's console.error: a dropped connection is
            // expected and ends in a resume, not an error. The 1.0.0 runtime honours
            // stopPropagation here although its type omits it.
            onRunFailed: ({ error }) => {
              failure = error;
              return { stopPropagation: true } as unknown as void;
            },
            onEvent: ({ event }) => {
              count += 1;
              const e = event as unknown as AgUiEvent;
              if (isTerminal(e)) {
                terminal = true;
                ended.current.add(runId);
              }
              dispatch({ type: "event", runId, event: e, seq: seqs[count - 1] ?? count, at: Date.now() });
            },
          },
        );
      } catch (e) {
        failure = e;
      }
      if (failure !== null) {
        if (ac.signal.aborted) return;
        if (failure instanceof QueuedInstead || (failure instanceof Error && failure.name === "QueuedInstead")) {
          // Someone else's run started first: the message waits in the queue, and the thread
          // stream brings their run (and then this one) to this tab.
          following.current = null;
          stream.current = null;
          await syncThread(threadId);
          return;
        }
        const apiErr = apiErrorFromAgent(failure);
        if (apiErr) {
          following.current = null;
          stream.current = null;
          dispatch({ type: "failed", message: apiErr.message, code: apiErr.code });
          void syncThread(threadId);
          return;
        }
        // A dropped connection or a stream the client refused: the log on the server is the
        // truth, so carry on from there.
      }
      if (ac.signal.aborted) return;
      if (!terminal) {
        await follow(threadId, runId, seqs[count - 1] ?? count);
        if (count === 0 && ref.current.phase !== "done" && ref.current.phase !== "awaiting_answers" && ref.current.phase !== "error" && !ref.current.seq[runId]) {
          dispatch({ type: "failed", message: "Could not reach the server. Check your connection and retry." });
        }
        return;
      }
      following.current = null;
      stream.current = null;
      await syncThread(threadId);
      refreshThreads();
    },
    [stopStream, follow, syncThread, refreshThreads],
  );

  const openThread = useCallback(
    async (threadId: string | null) => {
      stopStream();
      setThreadInUrl(threadId);
      dispatch({ type: "reset" });
      setTeam(noTeam);
      if (!threadId) return;
      try {
        const detail = await api.thread(threadId);
        setTeam(teamOf(detail, []));
        const latest = detail.state.run?.runId ?? detail.runs[detail.runs.length - 1]?.runId ?? null;
        const saved = loadRun(threadId);
        if (latest && saved && saved.runId === latest) {
          // Resume exactly where this tab stopped.
          dispatch({ type: "restored", machine: saved });
          if (isBusy(saved.phase) || (detail.state.run && saved.phase === "idle")) {
            void follow(threadId, latest, saved.seq[latest] ?? 0);
          } else dispatch({ type: "thread_loaded", detail });
          return;
        }
        dispatch({ type: "thread_loaded", detail });
        // Replay the latest run from its start: its steps, questions and outcome.
        if (latest) void follow(threadId, latest, 0);
      } catch (e) {
        dispatch({ type: "failed", message: e instanceof Error ? e.message : String(e) });
      }
    },
    [stopStream, follow],
  );

  // Open the thread in the URL once, and follow browser back/forward.
  useEffect(() => {
    void openThread(initialThread);
    refreshThreads();
    const onPop = () => void openThread(new URLSearchParams(location.search).get("thread"));
    addEventListener("popstate", onPop);
    return () => {
      removeEventListener("popstate", onPop);
      stopStream();
    };
    // Once per page: later navigation goes through openThread itself.
  }, []);

  // What someone else (another member, another tab) does on this thread arrives on the
  // thread's stream: load the thread again, and follow a run this tab is not following. Opened
  // once the thread is known to exist (its state arrived), not for a new thread's first request.
  const threadId = machine.state?.threadId === machine.threadId ? machine.threadId : null;
  useEffect(() => {
    if (!threadId) return;
    const ac = new AbortController();
    let pending: ReturnType<typeof setTimeout> | undefined;
    const reload = async () => {
      try {
        const detail = await api.thread(threadId);
        if (ac.signal.aborted || ref.current.threadId !== threadId) return;
        setTeam((t) => teamOf(detail, t.present));
        if (following.current) return;
        const active = detail.state.run?.runId;
        dispatch({ type: "thread_loaded", detail });
        if (!active || ended.current.has(active)) return;
        if (active !== ref.current.runId) void follow(threadId, active, 0);
        else if (!isBusy(ref.current.phase)) void follow(threadId, active, ref.current.seq[active] ?? 0);
      } catch {
        // Offline for now; the next event (or the stream reopening) tries again.
      }
    };
    // Resumes from its last id by itself; a replay of the log on the first open costs one
    // reload, coalesced below. Reopened after a failure (the thread does not exist yet, the
    // server restarts), but not once this tab's access ended.
    void followThread({
      threadId,
      base: API_BASE,
      signal: ac.signal,
      reopenMs: REOPEN_MS,
      onEvent: (e) => {
        if (e.type === "presence") {
          setTeam((t) => ({ ...t, present: e.data.people }));
          return;
        }
        if (e.type === "deploy") {
          announceDeploy(threadId, e.data);
          return;
        }
        if (e.type === "access_ended") {
          stopStream();
          setTeam(noTeam);
          dispatch({ type: "failed", message: `You can no longer open this thread: ${e.data.message}.` });
          refreshThreads();
          return;
        }
        clearTimeout(pending);
        pending = setTimeout(() => {
          void reload();
          refreshThreads();
        }, 50);
      },
    });
    return () => {
      ac.abort();
      clearTimeout(pending);
    };
  }, [threadId, follow, refreshThreads, stopStream]);

  const startApp = useCallback(
    (prompt: string, context: ContextEntry[]) => {
      const threadId = newId("t");
      stopStream();
      dispatch({ type: "reset" });
      setThreadInUrl(threadId);
      void run(threadId, { kind: "message", text: prompt, context }, { id: newId("m"), role: "user", content: prompt }).then(refreshThreads);
      setTimeout(refreshThreads, 500);
    },
    [run, stopStream, refreshThreads],
  );

  const sendMessage = useCallback(
    (text: string) => {
      const m = ref.current;
      const threadId = m.threadId;
      if (!threadId) return;
      // One run at a time: while one is going (this member's or another's), the message waits
      // in the thread's queue and runs next.
      if (isBusy(m.phase) || m.state?.run) {
        api.queue(threadId, text).then(
          () => syncThread(threadId),
          (e: unknown) => dispatch({ type: "failed", message: e instanceof Error ? e.message : String(e) }),
        );
        return;
      }
      void run(threadId, { kind: "message", text, context: [] }, { id: newId("m"), role: "user", content: text });
    },
    [run, syncThread],
  );

  const withdraw = useCallback(
    async (id: string) => {
      const threadId = ref.current.threadId;
      if (!threadId) return;
      await api.withdraw(threadId, id);
      await syncThread(threadId);
    },
    [syncThread],
  );

  const answer = useCallback(
    (answers: Answers) => {
      const m = ref.current;
      if (!m.threadId || !m.interrupt) return;
      // The answers show in the transcript like a message of the user's (local to this tab).
      const summary = summarizeAnswers(fieldsFromSchema(m.interrupt.responseSchema), answers);
      void run(m.threadId, { kind: "answers", interruptId: m.interrupt.id, answers }, null, summary);
    },
    [run],
  );

  const retry = useCallback(() => {
    const m = ref.current;
    if (!m.threadId) return;
    const intent = lastIntent.current;
    // Answers can be sent again only while their questions are still pending (the request
    // never reached the server); once a run used them, asking again starts from a message.
    if (intent?.kind === "answers" && m.interrupt?.id === intent.interruptId) {
      void run(m.threadId, intent, null);
      return;
    }
    // Ask again with the request that failed (after a reload there is no intent in memory).
    const text =
      (intent?.kind === "message" ? intent.text : undefined) ??
      [...m.messages].reverse().find((x) => x.role === "user" && !x.id.startsWith("answers-"))?.text ??
      "";
    if (!text) return;
    // A request the server refused (no event of its run arrived) was never recorded there, so
    // it keeps its id and its place in the transcript.
    const refused = m.runId !== null && !m.seq[m.runId];
    const last = [...m.messages].reverse().find((x) => x.role === "user" && x.text === text && !x.id.startsWith("answers-"));
    const id = refused && last ? last.id : newId("m");
    void run(m.threadId, { kind: "message", text, context: intent?.kind === "message" ? intent.context : [] }, { id, role: "user", content: text });
  }, [run]);

  const restore = useCallback(
    async (n: number) => {
      const threadId = ref.current.threadId;
      if (!threadId) return null;
      const r = await api.restore(threadId, n);
      await syncThread(threadId);
      refreshThreads();
      return r.version;
    },
    [syncThread, refreshThreads],
  );

  const addCheck = useCallback(
    async (sentence: string) => {
      const threadId = ref.current.threadId;
      if (!threadId) return null;
      const started = await api.addCheck(threadId, sentence);
      await syncThread(threadId);
      return started;
    },
    [syncThread],
  );

  const removeCheck = useCallback(
    async (name: string) => {
      const threadId = ref.current.threadId;
      if (!threadId) return;
      await api.removeCheck(threadId, name);
      await syncThread(threadId);
    },
    [syncThread],
  );

  return {
    machine,
    threads,
    team,
    addCheck,
    removeCheck,
    withdraw,
    startApp,
    sendMessage,
    answer,
    retry,
    openThread: (id) => void openThread(id),
    restore,
  };
}
