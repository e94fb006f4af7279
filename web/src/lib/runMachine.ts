// The run as an explicit state machine: idle → running → awaiting_answers → building →
// done | error. One reducer takes user intents and AG-UI events (live or replayed) alike, so a
// reload that replays the log lands in the same state as watching it live.

import type { TokenUsage } from "@ag-ui/core";
import type { AppEvent, ErrorCode, InterruptReason, RunResult, StepName, ThreadDetail, ThreadStatus, UiState } from "./contract";
import type { ApiFailureCode } from "./api";
import { applyPatch } from "./jsonPatch";
import { partialStringMember } from "./partialJson";
import type { AgUiEvent, AgUiEventOf } from "./types";

/** The machine's phases are the thread statuses the server reports (contract.ts). */
export type Phase = ThreadStatus;

export interface ChatMessage {
  id: string;
  role: "user" | "assistant";
  text: string;
  streaming: boolean;
  runId?: string;
  step?: string;
  /** The external agent that said it (its SUBAGENT_STARTED name), when one did. */
  agent?: string;
}

/** One run of an external agent inside a step (SUBAGENT_STARTED … FINISHED / ERROR). */
export interface SubagentView {
  id: string;
  /** Who it is, e.g. "LangGraph (team-planner)". */
  name: string;
  status: "active" | "ok" | "failed";
  /** Its latest narration line. */
  said: string;
  error?: string;
}

export interface StepView {
  id: string;
  runId: string;
  name: string;
  agent?: string;
  model?: string;
  /** The external AG-UI agent serving the step, e.g. "LangGraph (team-planner)". */
  external?: string;
  /** The run's fix round when the step started (0 before the first fix). */
  fixRound: number;
  startedAt: number;
  finishedAt?: number;
  durationMs?: number;
  status: "active" | "ok" | "failed";
  /** What the step is doing now: its latest narration line or the file it writes. */
  activity: string;
  files: string[];
  /** The external agent runs nested in the step, one per try. */
  subagents: SubagentView[];
  usage?: TokenUsage;
  error?: string;
}

export interface StreamedFile {
  path: string;
  content: string;
  done: boolean;
  runId: string;
}

export interface InterruptView {
  id: string;
  runId: string;
  message?: string;
  responseSchema: unknown;
}

export interface RunError {
  message: string;
  /** RUN_ERROR's code, or why the server refused the run. */
  code?: ErrorCode | ApiFailureCode;
  step?: string;
  runId?: string;
}

export interface RunMachine {
  phase: Phase;
  threadId: string | null;
  runId: string | null;
  /** Last applied seq per run, for resuming with `?after=`. */
  seq: Record<string, number>;
  state: UiState | null;
  messages: ChatMessage[];
  steps: StepView[];
  files: Record<string, StreamedFile>;
  toolCalls: Record<string, { name: string; args: string; runId: string }>;
  interrupt: InterruptView | null;
  /** The questions being answered by the run just requested, until the server accepts it. */
  answering: InterruptView | null;
  error: RunError | null;
  connection: "idle" | "live" | "reconnecting";
  result: { version?: number; previewUrl?: string; usage?: TokenUsage[] } | null;
}

export type RunAction =
  | { type: "reset" }
  | { type: "run_requested"; threadId: string; runId: string; userMessage?: { id: string; text: string } }
  | { type: "event"; runId: string; event: AgUiEvent; seq: number | null; at: number }
  | { type: "thread_loaded"; detail: ThreadDetail }
  | { type: "restored"; machine: RunMachine }
  | { type: "connection"; status: RunMachine["connection"] }
  | { type: "failed"; message: string; code?: ApiFailureCode };

export const initialMachine: RunMachine = {
  phase: "idle",
  threadId: null,
  runId: null,
  seq: {},
  state: null,
  messages: [],
  steps: [],
  files: {},
  toolCalls: {},
  interrupt: null,
  answering: null,
  error: null,
  connection: "idle",
  result: null,
};

const BUILD_STEPS: ReadonlySet<string> = new Set<StepName>(["build", "review"]);
const INPUT_REQUIRED: InterruptReason = "input_required";

/** Whether the machine is in a phase where a run is in flight. */
export function isBusy(phase: Phase): boolean {
  return phase === "running" || phase === "building";
}

export function phaseFromStatus(status: UiState["status"] | undefined): Phase {
  return status ?? "idle";
}

export function runReducer(m: RunMachine, a: RunAction): RunMachine {
  switch (a.type) {
    case "reset":
      return initialMachine;
    case "restored":
      // A view saved before steps had `subagents` (sessionStorage outlives a deploy).
      return { ...a.machine, steps: a.machine.steps.map((s) => ({ ...s, subagents: s.subagents ?? [] })) };
    case "run_requested": {
      // A retry of a refused request reuses its message id: move it rather than repeat it.
      const messages = a.userMessage
        ? [
            ...m.messages.filter((x) => x.id !== a.userMessage?.id),
            { id: a.userMessage.id, role: "user" as const, text: a.userMessage.text, streaming: false, runId: a.runId },
          ]
        : m.messages;
      return {
        ...m,
        phase: "running",
        threadId: a.threadId,
        runId: a.runId,
        messages,
        interrupt: null,
        answering: m.interrupt,
        error: null,
        result: null,
        files: {},
        seq: { ...m.seq, [a.runId]: 0 },
      };
    }
    case "thread_loaded":
      return {
        ...m,
        threadId: a.detail.state.threadId,
        state: a.detail.state,
        messages: mergeMessages(a.detail, m.messages),
        phase: m.phase === "idle" || m.threadId !== a.detail.state.threadId ? phaseFromStatus(a.detail.state.status) : m.phase,
      };
    case "connection":
      return { ...m, connection: a.status };
    case "failed":
      // The server refused the run, so questions it was answering are still open there.
      return {
        ...m,
        phase: "error",
        connection: "idle",
        interrupt: m.interrupt ?? m.answering,
        answering: null,
        error: { message: a.message, code: a.code, runId: m.runId ?? undefined },
      };
    case "event": {
      const seq = a.seq === null ? m.seq : { ...m.seq, [a.runId]: Math.max(a.seq, m.seq[a.runId] ?? 0) };
      return applyEvent({ ...m, seq }, a.runId, a.event, eventTime(a.event, a.at));
    }
  }
}

function eventTime(e: AgUiEvent, fallback: number): number {
  return e.timestamp ?? fallback;
}

function str(v: unknown): string | undefined {
  return typeof v === "string" ? v : undefined;
}

function obj(v: unknown): Record<string, unknown> | undefined {
  return v && typeof v === "object" && !Array.isArray(v) ? (v as Record<string, unknown>) : undefined;
}

/** appgen's CUSTOM event names (contract.ts `AppEvent`); the Record keeps the list complete. */
const APP_EVENTS: Record<AppEvent["name"], true> = { step: true, step_result: true, render_url: true, check_result: true };

/** A CUSTOM event as one of appgen's, or null for a name it does not send. */
function appEvent(e: AgUiEventOf<"CUSTOM">): AppEvent | null {
  return e.name in APP_EVENTS ? ({ name: e.name, value: e.value } as AppEvent) : null;
}

function activeStepIndex(steps: StepView[], runId: string): number {
  for (let i = steps.length - 1; i >= 0; i--) {
    const s = steps[i];
    if (s && s.runId === runId && s.status === "active") return i;
  }
  return -1;
}

function updateActiveStep(m: RunMachine, runId: string, f: (s: StepView) => StepView): RunMachine {
  const i = activeStepIndex(m.steps, runId);
  if (i === -1) return m;
  const steps = m.steps.slice();
  steps[i] = f(steps[i] as StepView);
  return { ...m, steps };
}

/** The open step's external agent run `id`, if the event is nested in one. */
function subagentOf(m: RunMachine, runId: string, id: string | undefined): SubagentView | undefined {
  if (!id) return undefined;
  return m.steps[activeStepIndex(m.steps, runId)]?.subagents.find((a) => a.id === id);
}

function lastLine(text: string): string {
  const lines = text.split("\n").map((l) => l.trim()).filter(Boolean);
  const l = lines[lines.length - 1] ?? "";
  return l.length > 140 ? `${l.slice(0, 137)}…` : l;
}

function applyEvent(m: RunMachine, runId: string, e: AgUiEvent, at: number): RunMachine {
  switch (e.type) {
    case "RUN_STARTED": {
      // A replayed run restarts its own view: drop steps of this run seen before.
      return {
        ...m,
        runId: e.runId,
        threadId: e.threadId,
        phase: "running",
        error: null,
        interrupt: null,
        answering: null,
        result: null,
        connection: "live",
        steps: m.steps.filter((s) => s.runId !== runId),
      };
    }
    case "STATE_SNAPSHOT": {
      // The state is appgen's (contract.ts); AG-UI leaves its shape open.
      const snapshot = obj(e.snapshot) as UiState | undefined;
      return snapshot ? { ...m, state: snapshot } : m;
    }
    case "STATE_DELTA": {
      if (!m.state) return m;
      try {
        return { ...m, state: applyPatch(m.state, e.delta) };
      } catch {
        // Keep the last good state; the UI refetches the thread when a run ends.
        return m;
      }
    }
    case "STEP_STARTED": {
      const name = e.stepName;
      const step: StepView = {
        id: `${runId}:${m.steps.length}:${name}`,
        runId,
        name,
        fixRound: 0,
        startedAt: at,
        status: "active",
        activity: "Starting…",
        files: [],
        subagents: [],
      };
      const phase: Phase = BUILD_STEPS.has(name) ? "building" : "running";
      return { ...m, steps: [...m.steps, step], phase: m.phase === "error" ? m.phase : phase };
    }
    case "STEP_FINISHED": {
      const i = activeStepIndex(m.steps, runId);
      if (i === -1) return m;
      const steps = m.steps.slice();
      const s = steps[i] as StepView;
      steps[i] = {
        ...s,
        status: s.error ? "failed" : "ok",
        finishedAt: at,
        durationMs: s.durationMs ?? Math.max(0, at - s.startedAt),
        activity: s.error ? s.activity : "Done",
      };
      return { ...m, steps };
    }
    case "CUSTOM": {
      const app = appEvent(e);
      return app ? applyCustom(m, runId, app) : m;
    }
    case "TEXT_MESSAGE_START": {
      const id = e.messageId;
      const role = e.role === "user" ? "user" : "assistant";
      const step = m.steps[activeStepIndex(m.steps, runId)]?.name;
      const agent = subagentOf(m, runId, e.subagentRunId)?.name;
      const msg: ChatMessage = { id, role, text: "", streaming: true, runId, step, ...(agent ? { agent } : {}) };
      const exists = m.messages.findIndex((x) => x.id === id);
      const messages = m.messages.slice();
      if (exists === -1) messages.push(msg);
      else messages[exists] = msg;
      return { ...m, messages };
    }
    case "TEXT_MESSAGE_CONTENT": {
      const id = e.messageId;
      const delta = e.delta;
      let text = "";
      const messages = m.messages.map((x) => {
        if (x.id !== id) return x;
        text = x.text + delta;
        return { ...x, text };
      });
      const line = lastLine(text);
      const sub = e.subagentRunId;
      return updateActiveStep({ ...m, messages }, runId, (s) => ({
        ...s,
        activity: line || s.activity,
        subagents: sub && line ? s.subagents.map((a) => (a.id === sub ? { ...a, said: line } : a)) : s.subagents,
      }));
    }
    case "SUBAGENT_STARTED": {
      const sub: SubagentView = { id: e.subagentRunId, name: e.name, status: "active", said: "" };
      return updateActiveStep(m, runId, (s) => ({ ...s, subagents: [...s.subagents.filter((a) => a.id !== sub.id), sub] }));
    }
    case "SUBAGENT_FINISHED":
    case "SUBAGENT_ERROR": {
      const error = e.type === "SUBAGENT_ERROR" ? e.message : undefined;
      const status = error === undefined ? "ok" : "failed";
      return updateActiveStep(m, runId, (s) => ({
        ...s,
        subagents: s.subagents.map((a) => (a.id === e.subagentRunId ? { ...a, status, ...(error ? { error } : {}) } : a)),
      }));
    }
    case "TEXT_MESSAGE_END": {
      const id = e.messageId;
      return { ...m, messages: m.messages.map((x) => (x.id === id ? { ...x, streaming: false } : x)) };
    }
    case "TOOL_CALL_START": {
      const id = e.toolCallId;
      const name = e.toolCallName;
      return updateActiveStep({ ...m, toolCalls: { ...m.toolCalls, [id]: { name, args: "", runId } } }, runId, (s) => ({
        ...s,
        activity: name === "write_file" ? "Writing a file…" : `Calling ${name}…`,
      }));
    }
    case "TOOL_CALL_ARGS": {
      const id = e.toolCallId;
      const call = m.toolCalls[id];
      if (!call) return m; // its start came before a resume point; the state delta brings the file
      const args = call.args + e.delta;
      let next: RunMachine = { ...m, toolCalls: { ...m.toolCalls, [id]: { ...call, args } } };
      if (call.name === "write_file") {
        const path = partialStringMember(args, "path");
        const content = partialStringMember(args, "content");
        if (path?.complete) {
          next = { ...next, files: { ...next.files, [path.value]: { path: path.value, content: content?.value ?? "", done: false, runId } } };
          next = updateActiveStep(next, runId, (s) => ({ ...s, activity: `Writing ${path.value}` }));
        }
      }
      return next;
    }
    case "TOOL_CALL_END": {
      const id = e.toolCallId;
      const call = m.toolCalls[id];
      if (!call) return m;
      const toolCalls = { ...m.toolCalls };
      delete toolCalls[id];
      let next: RunMachine = { ...m, toolCalls };
      if (call.name === "write_file") {
        let parsed: { path?: unknown; content?: unknown } = {};
        try {
          parsed = JSON.parse(call.args) as typeof parsed;
        } catch {
          // Fall back to what the partial reader saw.
        }
        const path = str(parsed.path) ?? partialStringMember(call.args, "path")?.value;
        const content = str(parsed.content) ?? partialStringMember(call.args, "content")?.value ?? "";
        if (path) {
          next = { ...next, files: { ...next.files, [path]: { path, content, done: true, runId } } };
          next = updateActiveStep(next, runId, (s) => ({ ...s, files: s.files.includes(path) ? s.files : [...s.files, path] }));
        }
      }
      return next;
    }
    case "RUN_FINISHED":
      return finishRun(m, runId, e, at);
    case "RUN_ERROR": {
      const step = m.steps[activeStepIndex(m.steps, runId)]?.name;
      const message = e.message || "The run failed.";
      return {
        ...m,
        steps: closeSteps(m.steps, runId, at, true, message),
        phase: "error",
        connection: "idle",
        // appgen sends one of its ErrorCodes (contract.ts); AG-UI types it as any string.
        error: { message, code: e.code as ErrorCode | undefined, step, runId },
      };
    }
    default:
      return m;
  }
}

function closeSteps(steps: StepView[], runId: string, at: number, failed: boolean, error?: string): StepView[] {
  return steps.map((s) =>
    s.runId === runId && s.status === "active"
      ? { ...s, status: failed ? "failed" : "ok", finishedAt: at, durationMs: s.durationMs ?? at - s.startedAt, error: failed ? (s.error ?? error) : s.error }
      : s,
  );
}

/** RUN_FINISHED: questions to answer (an interrupt), or the run's result. */
function finishRun(m: RunMachine, runId: string, e: AgUiEventOf<"RUN_FINISHED">, at: number): RunMachine {
  const steps = closeSteps(m.steps, runId, at, false);
  const outcome = e.outcome;
  if (outcome?.type === "interrupt") {
    const first = outcome.interrupts.find((i) => i.reason === INPUT_REQUIRED) ?? outcome.interrupts[0];
    if (first) {
      return {
        ...m,
        steps,
        phase: "awaiting_answers",
        connection: "idle",
        interrupt: { id: first.id, runId, message: first.message, responseSchema: first.responseSchema },
      };
    }
  }
  // The result is appgen's (contract.ts `RunResult`); AG-UI leaves its shape open.
  const result = obj(e.result) as RunResult | undefined;
  return {
    ...m,
    steps,
    phase: "done",
    connection: "idle",
    interrupt: null,
    result: {
      ...m.result,
      ...(result ? { version: result.version ?? undefined, previewUrl: result.previewUrl ?? undefined } : {}),
      ...(e.usage ? { usage: e.usage } : {}),
    },
  };
}

function applyCustom(m: RunMachine, runId: string, e: AppEvent): RunMachine {
  switch (e.name) {
    case "step": {
      const v = e.value;
      const external = v.external && (v.external.framework ? `${v.external.framework} (${v.external.name})` : v.external.name);
      return updateActiveStep(m, runId, (s) => ({ ...s, agent: v.agent, model: v.model, external: external || undefined, fixRound: v.fixRound }));
    }
    case "step_result": {
      const v = e.value;
      return updateActiveStep(m, runId, (s) => ({
        ...s,
        durationMs: v.durationMs,
        usage: v.usage ?? s.usage,
        error: v.ok ? s.error : (s.error ?? "This step failed."),
      }));
    }
    case "render_url":
      return { ...m, result: { ...m.result, previewUrl: e.value.url, version: e.value.version } };
    // The check's result is in the state (the version's acceptance results) and the message.
    case "check_result":
      return m;
  }
}

/** Thread messages (user + assistant text) merged with ones still streaming here. */
function mergeMessages(detail: ThreadDetail, current: ChatMessage[]): ChatMessage[] {
  const out: ChatMessage[] = [];
  const seen = new Set<string>();
  for (const r of detail.messages) {
    if (r.role !== "user" && r.role !== "assistant") continue;
    const text = contentText(r.content);
    if (!text) continue;
    const live = current.find((c) => c.id === r.id);
    out.push(live && live.text.length >= text.length ? live : { id: r.id, role: r.role, text, streaming: false, runId: live?.runId, step: live?.step });
    seen.add(r.id);
  }
  // Messages only this tab has (being streamed, or the answers note) keep their place: right
  // after the message they followed here.
  current.forEach((c, i) => {
    if (seen.has(c.id)) return;
    const before = i > 0 ? (current[i - 1] as ChatMessage).id : null;
    const at = before === null ? -1 : out.findIndex((o) => o.id === before);
    if (before !== null && at === -1) out.push(c);
    else out.splice(at + 1, 0, c);
    seen.add(c.id);
  });
  return out;
}

export function contentText(content: unknown): string {
  if (typeof content === "string") return content;
  if (Array.isArray(content))
    return content
      .map((p) => (obj(p)?.type === "text" ? (str(obj(p)?.text) ?? "") : ""))
      .join("");
  return "";
}
