import { describe, expect, it } from "vitest";
import { initialMachine, runReducer, type RunAction, type RunMachine } from "./runMachine";
import type { UiState } from "./contract";
import type { AgUiEvent } from "./types";

const state: UiState = {
  threadId: "t1",
  title: "Todo",
  status: "running",
  agent: "offline",
  run: null,
  lastRun: null,
  userChecks: {},
  questions: null,
  interruptId: null,
  answers: null,
  requirements: null,
  wireframe: null,
  files: [],
  versions: [],
  preview: null,
  usage: [], scenarios: [],
};

function feed(m: RunMachine, runId: string, events: AgUiEvent[], start = 1): RunMachine {
  return events.reduce<RunMachine>(
    (acc, event, i) => runReducer(acc, { type: "event", runId, event, seq: start + i, at: 1000 * (i + 1) } satisfies RunAction),
    m,
  );
}

const clarifyRun: AgUiEvent[] = [
  { type: "RUN_STARTED", threadId: "t1", runId: "r1" },
  { type: "STATE_SNAPSHOT", snapshot: state },
  { type: "STEP_STARTED", stepName: "clarify" },
  { type: "CUSTOM", name: "step", value: { step: "clarify", agent: "clarifier", model: "offline", fixRound: 0, seq: 1 } },
  { type: "TEXT_MESSAGE_START", messageId: "a1", role: "assistant" },
  { type: "TEXT_MESSAGE_CONTENT", messageId: "a1", delta: "A few questions\nbefore I start" },
  { type: "TEXT_MESSAGE_END", messageId: "a1" },
  { type: "STATE_DELTA", delta: [{ op: "replace", path: "/status", value: "awaiting_answers" }] },
  { type: "CUSTOM", name: "step_result", value: { step: "clarify", ok: true, durationMs: 120, usage: { model: "offline", totalTokens: 0 } } },
  { type: "STEP_FINISHED", stepName: "clarify" },
  {
    type: "RUN_FINISHED",
    threadId: "t1",
    runId: "r1",
    outcome: { type: "interrupt", interrupts: [{ id: "i1", reason: "input_required", message: "Questions", responseSchema: { type: "object" } }] },
  },
];

describe("runReducer", () => {
  it("goes idle → running → awaiting_answers on a clarify run", () => {
    let m = runReducer(initialMachine, { type: "run_requested", threadId: "t1", runId: "r1", userMessage: { id: "u1", text: "todo app" } });
    expect(m.phase).toBe("running");
    expect(m.messages).toEqual([{ id: "u1", role: "user", text: "todo app", streaming: false, runId: "r1" }]);
    m = feed(m, "r1", clarifyRun);
    expect(m.phase).toBe("awaiting_answers");
    expect(m.interrupt).toEqual({ id: "i1", runId: "r1", message: "Questions", responseSchema: { type: "object" } });
    expect(m.seq.r1).toBe(clarifyRun.length);
    expect(m.state?.status).toBe("awaiting_answers");
    expect(m.messages[1]).toMatchObject({ id: "a1", text: "A few questions\nbefore I start", streaming: false, step: "clarify" });
    expect(m.steps).toHaveLength(1);
    expect(m.steps[0]).toMatchObject({ name: "clarify", agent: "clarifier", model: "offline", status: "ok", durationMs: 120, activity: "Done" });
  });

  it("enters building for build/review steps and done on success", () => {
    let m = runReducer(initialMachine, { type: "run_requested", threadId: "t1", runId: "r2" });
    m = feed(m, "r2", [
      { type: "RUN_STARTED", threadId: "t1", runId: "r2" },
      { type: "STEP_STARTED", stepName: "code" },
    ]);
    expect(m.phase).toBe("running");
    m = feed(m, "r2", [{ type: "STEP_FINISHED", stepName: "code" }, { type: "STEP_STARTED", stepName: "build" }], 3);
    expect(m.phase).toBe("building");
    m = feed(
      m,
      "r2",
      [
        { type: "CUSTOM", name: "render_url", value: { url: "http://p/1", version: 1 } },
        { type: "STEP_FINISHED", stepName: "build" },
        {
          type: "RUN_FINISHED",
          threadId: "t1",
          runId: "r2",
          outcome: { type: "success" },
          result: { version: 1, previewUrl: "http://p/1" },
          usage: [{ model: "gpt-x", totalTokens: 1200 }],
        },
      ],
      5,
    );
    expect(m.phase).toBe("done");
    expect(m.result).toEqual({ version: 1, previewUrl: "http://p/1", usage: [{ model: "gpt-x", totalTokens: 1200 }] });
  });

  it("streams a written file and records it on its step", () => {
    let m = runReducer(initialMachine, { type: "run_requested", threadId: "t1", runId: "r2" });
    const args = JSON.stringify({ path: "src/App.tsx", content: 'export default () => "hi";\n' });
    m = feed(m, "r2", [
      { type: "RUN_STARTED", threadId: "t1", runId: "r2" },
      { type: "STEP_STARTED", stepName: "code" },
      { type: "TOOL_CALL_START", toolCallId: "c1", toolCallName: "write_file" },
      { type: "TOOL_CALL_ARGS", toolCallId: "c1", delta: args.slice(0, 40) },
    ]);
    expect(m.files["src/App.tsx"]).toMatchObject({ done: false, content: "export " });
    expect(m.steps[0]?.activity).toBe("Writing src/App.tsx");
    m = feed(m, "r2", [{ type: "TOOL_CALL_ARGS", toolCallId: "c1", delta: args.slice(40) }, { type: "TOOL_CALL_END", toolCallId: "c1" }], 5);
    expect(m.files["src/App.tsx"]).toMatchObject({ done: true, content: 'export default () => "hi";\n' });
    expect(m.steps[0]?.files).toEqual(["src/App.tsx"]);
    expect(m.toolCalls).toEqual({});
  });

  it("shows an error where it happened", () => {
    let m = runReducer(initialMachine, { type: "run_requested", threadId: "t1", runId: "r3" });
    m = feed(m, "r3", [
      { type: "RUN_STARTED", threadId: "t1", runId: "r3" },
      { type: "STEP_STARTED", stepName: "build" },
      { type: "CUSTOM", name: "step_result", value: { step: "build", ok: false, durationMs: 900, usage: null } },
      { type: "RUN_ERROR", message: "build failed 3 times", code: "build_failed" },
    ]);
    expect(m.phase).toBe("error");
    expect(m.error).toEqual({ message: "build failed 3 times", code: "build_failed", step: "build", runId: "r3" });
    expect(m.steps[0]).toMatchObject({ status: "failed", error: "This step failed.", durationMs: 900 });
  });

  it("replaying a run from seq 0 lands in the same state as watching it live", () => {
    const live = feed(runReducer(initialMachine, { type: "run_requested", threadId: "t1", runId: "r1" }), "r1", clarifyRun);
    const replayed = feed(feed(initialMachine, "r1", clarifyRun.slice(0, 6)), "r1", clarifyRun);
    expect(replayed.phase).toBe(live.phase);
    expect(replayed.steps.map((s) => s.name)).toEqual(["clarify"]);
    expect(replayed.messages.filter((x) => x.role === "assistant")).toEqual(live.messages.filter((x) => x.role === "assistant"));
  });

  it("ignores CUSTOM events that are not appgen's", () => {
    const m = feed(initialMachine, "r1", [
      { type: "STEP_STARTED", stepName: "code" },
      { type: "CUSTOM", name: "someone_else", value: { agent: "x", fixRound: 9 } },
    ]);
    expect(m.steps[0]).toMatchObject({ name: "code", fixRound: 0 });
    expect(m.steps[0]?.agent).toBeUndefined();
  });

  it("ignores args of a tool call whose start came before the resume point", () => {
    const m = feed(initialMachine, "r1", [{ type: "TOOL_CALL_ARGS", toolCallId: "zz", delta: "{" }], 40);
    expect(m.toolCalls).toEqual({});
    expect(m.seq.r1).toBe(40);
  });

  it("keeps the last good state when a delta does not apply", () => {
    const m = feed(initialMachine, "r1", [
      { type: "STATE_SNAPSHOT", snapshot: state },
      { type: "STATE_DELTA", delta: [{ op: "remove", path: "/nope/x" }] },
    ]);
    expect(m.state).toEqual(state);
  });

  it("loads a thread: status becomes the phase and messages merge", () => {
    const m = runReducer(initialMachine, {
      type: "thread_loaded",
      detail: {
        state: { ...state, status: "done" },
        messages: [
          { id: "u1", role: "user", content: "todo app" },
          { id: "s1", role: "system", content: "x" },
          { id: "a1", role: "assistant", content: "ok" },
        ],
        runs: [],
        published: null,
        vercelDeploy: false,
        authors: {},
        queued: [],
        you: { principal: "local", name: "You", initials: "YO" },
        role: "owner",
      },
    });
    expect(m.phase).toBe("done");
    expect(m.messages.map((x) => [x.id, x.text])).toEqual([
      ["u1", "todo app"],
      ["a1", "ok"],
    ]);
  });

  it("a client-side failure (HTTP 409) is an error with a message", () => {
    const m = runReducer(runReducer(initialMachine, { type: "run_requested", threadId: "t", runId: "r" }), { type: "failed", message: "busy", code: "busy" });
    expect(m.phase).toBe("error");
    expect(m.error?.message).toBe("busy");
  });
});

describe("thread_loaded keeps local messages in place", () => {
  it("puts the answers note back after the message it followed", () => {
    let m = runReducer(initialMachine, { type: "run_requested", threadId: "t1", runId: "r0", userMessage: { id: "u1", text: "todo" } });
    m = feed(m, "r0", [{ type: "TEXT_MESSAGE_START", messageId: "a1" }, { type: "TEXT_MESSAGE_CONTENT", messageId: "a1", delta: "q?" }, { type: "TEXT_MESSAGE_END", messageId: "a1" }]);
    m = runReducer(m, { type: "run_requested", threadId: "t1", runId: "r1", userMessage: { id: "answers-r1", text: "Keep data? Yes" } });
    m = feed(m, "r1", [{ type: "TEXT_MESSAGE_START", messageId: "a2" }, { type: "TEXT_MESSAGE_CONTENT", messageId: "a2", delta: "done" }, { type: "TEXT_MESSAGE_END", messageId: "a2" }]);
    m = runReducer(m, {
      type: "thread_loaded",
      detail: {
        state,
        messages: [
          { id: "u1", role: "user", content: "todo" },
          { id: "a1", role: "assistant", content: "q?" },
          { id: "a2", role: "assistant", content: "done" },
        ],
        runs: [],
        published: null,
        vercelDeploy: false,
        authors: {},
        queued: [],
        you: { principal: "local", name: "You", initials: "YO" },
        role: "owner",
      },
    });
    expect(m.messages.map((x) => x.id)).toEqual(["u1", "a1", "answers-r1", "a2"]);
  });
});

it("a refused answers run keeps its questions open for a retry", () => {
  let m = feed(runReducer(initialMachine, { type: "run_requested", threadId: "t1", runId: "r1" }), "r1", clarifyRun);
  m = runReducer(m, { type: "run_requested", threadId: "t1", runId: "r2" });
  expect(m.interrupt).toBeNull();
  m = runReducer(m, { type: "failed", message: "busy", code: "busy" });
  expect(m.phase).toBe("error");
  expect(m.interrupt?.id).toBe("i1");
});

it("a view saved before steps had sub-agent runs still takes them after a reload", () => {
  const live = feed(initialMachine, "r1", [
    { type: "RUN_STARTED", threadId: "t1", runId: "r1" },
    { type: "STEP_STARTED", stepName: "code" },
  ]);
  // What an older build saved: steps without `subagents`.
  const saved = JSON.parse(JSON.stringify({ ...live, steps: live.steps.map(({ subagents: _, ...s }) => s) })) as RunMachine;
  let m = runReducer(initialMachine, { type: "restored", machine: saved });
  m = feed(m, "r1", [{ type: "SUBAGENT_STARTED", subagentRunId: "s1", name: "CrewAI (team-coder)" }], 3);
  expect(m.steps[0]?.subagents.map((a) => a.name)).toEqual(["CrewAI (team-coder)"]);
});
