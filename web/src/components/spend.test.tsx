// The progress panel and the versions list show tokens and cost as the backend sends them: a
// scripted run's events through the real reducer, rendered with React's server renderer.

import { renderToStaticMarkup } from "react-dom/server";
import { describe, expect, it } from "vitest";
import { initialMachine, runReducer, type RunMachine } from "../lib/runMachine";
import type { StepName, StepUsageView, VersionSummary } from "../lib/contract";
import type { AgUiEvent } from "../lib/types";
import { ProgressPanel } from "./ProgressPanel";
import { ThreadSidebar } from "./ThreadSidebar";
import { VersionsView } from "./VersionsView";

const PRICE = { "gpt-4.1-mini": [0.4, 1.6], "gpt-4.1": [2, 8] } as const;
type Model = keyof typeof PRICE;

/** What the backend reports for one step: tokens and their cost at the prices above. */
function usage(model: Model, input: number, output: number) {
  const [i, o] = PRICE[model];
  return { provider: "azure-openai", model, inputTokens: input, outputTokens: output, totalTokens: input + output, costUsd: (input * i + output * o) / 1e6 };
}

const STEPS: [StepName, Model, number, number][] = [
  ["requirements", "gpt-4.1-mini", 1200, 800],
  ["code", "gpt-4.1", 3000, 9000],
];

function scriptedRun(): RunMachine {
  let m = runReducer(initialMachine, { type: "run_requested", threadId: "t1", runId: "r1" });
  const send = (event: AgUiEvent) => {
    m = runReducer(m, { type: "event", runId: "r1", event, seq: null, at: 1000 });
  };
  send({ type: "RUN_STARTED", threadId: "t1", runId: "r1" });
  for (const [step, model, i, o] of STEPS) {
    send({ type: "STEP_STARTED", stepName: step });
    send({ type: "CUSTOM", name: "step", value: { step, agent: step, model } });
    send({ type: "CUSTOM", name: "step_result", value: { step, ok: true, durationMs: 10, usage: usage(model, i, o) } });
    send({ type: "STEP_FINISHED", stepName: step });
  }
  send({ type: "STEP_STARTED", stepName: "build" });
  send({ type: "CUSTOM", name: "step_result", value: { step: "build", ok: true, durationMs: 10, usage: null } });
  send({ type: "STEP_FINISHED", stepName: "build" });
  return m;
}

const text = (html: string) => html.replace(/<[^>]+>/g, " ").replace(/\s+/g, " ");

describe("tokens and cost in the UI", () => {
  it("shows each step's and the run's tokens and cost", () => {
    let m = scriptedRun();
    const step = (model: Model, i: number, o: number) => usage(model, i, o).costUsd;
    // requirements: 1200 × 0.4 + 800 × 1.6 = 1760 µ$; code: 3000 × 2 + 9000 × 8 = 78000 µ$.
    expect(step("gpt-4.1-mini", 1200, 800)).toBeCloseTo(0.00176, 12);
    let shown = text(renderToStaticMarkup(<ProgressPanel machine={m} onRetry={() => undefined} />));
    expect(shown).toContain("2.0k tokens · $0.0018");
    expect(shown).toContain("12.0k tokens · $0.078");
    // Before RUN_FINISHED the run's total is the sum of its steps.
    expect(shown).toContain("14.0k tokens · $0.08");

    const total = STEPS.map(([, model, i, o]) => usage(model, i, o));
    m = runReducer(m, { type: "event", runId: "r1", event: { type: "RUN_FINISHED", threadId: "t1", runId: "r1", usage: total }, seq: null, at: 2000 });
    shown = text(renderToStaticMarkup(<ProgressPanel machine={m} onRetry={() => undefined} />));
    expect(shown).toMatch(/14\.0k tokens · \$0\.08 · /);
  });

  it("says the cost is unknown for a model without a price, and that the offline generator costs nothing", () => {
    let m = scriptedRun();
    const unpriced = { model: "mystery", inputTokens: 5, outputTokens: 5, totalTokens: 10 };
    m = runReducer(m, { type: "event", runId: "r1", event: { type: "RUN_FINISHED", threadId: "t1", runId: "r1", usage: [unpriced] }, seq: null, at: 2000 });
    expect(text(renderToStaticMarkup(<ProgressPanel machine={m} onRetry={() => undefined} />))).toContain("10 tokens · cost unknown");

    const offline = { ...m, result: null, steps: m.steps.map((s) => ({ ...s, usage: undefined })), state: { agent: "offline" } as RunMachine["state"] };
    expect(text(renderToStaticMarkup(<ProgressPanel machine={offline} onRetry={() => undefined} />))).toContain("no model used, no cost");
  });

  it("shows each version's run and the whole thread in the versions list", () => {
    const version = (number: number, runId: string): VersionSummary => ({ number, request: `v${number}`, runId, createdAt: 1, restoredFrom: null, files: 3, check: null, previewUrl: "", author: null });
    const stepUsage: StepUsageView[] = [
      ...STEPS.map(([step, model, i, o]) => ({ runId: "r1", step, calls: 1, usage: usage(model, i, o) })),
      { runId: "r2", step: "modify", calls: 1, usage: usage("gpt-4.1", 1000, 1000) },
    ];
    const html = renderToStaticMarkup(
      <VersionsView threadId="t1" versions={[version(1, "r1"), version(2, "r2"), version(3, "restore")]} usage={stepUsage} busy={false} onPreview={() => undefined} onCode={() => undefined} onCompare={() => undefined} onRestore={async () => null} />,
    );
    const shown = text(html);
    expect(shown).toContain("14.0k tokens · $0.08");
    expect(shown).toContain("2.0k tokens · $0.01");
    // A restore calls no model.
    expect(shown).toContain("no model used, no cost");
    expect(shown).toContain("This app so far: 16.0k tokens · $0.09");
  });

  it("shows each thread's spend in the threads list, and nothing for one that used no model", () => {
    const item = (threadId: string, spend: { calls: number; tokens: number; costUsd: number | null }) => ({ threadId, title: threadId, status: "done" as const, updatedAt: 1, versions: 1, spend, role: threadId === "b" ? ("viewer" as const) : ("owner" as const), owned: threadId !== "b" });
    const html = renderToStaticMarkup(
      <ThreadSidebar threads={[item("a", { calls: 3, tokens: 15200, costUsd: 0.0421 }), item("b", { calls: 1, tokens: 10, costUsd: null }), item("c", { calls: 0, tokens: 0, costUsd: 0 })]} current={null} onOpen={() => undefined} onClose={() => undefined} open />,
    );
    const shown = text(html);
    expect(shown).toContain("15.2k tokens · $0.042");
    expect(shown).toContain("10 tokens · cost unknown");
    expect(html.match(/thread-list-spend/g)?.length).toBe(2);
    // A thread shared with the caller says so, with their role; their own threads do not.
    expect(html.match(/thread-list-role/g)?.length).toBe(1);
    expect(shown).toContain("shared with you · viewer");
  });

  it("names the external agent serving a step", () => {
    let m = runReducer(initialMachine, { type: "run_requested", threadId: "t1", runId: "r1" });
    const send = (event: AgUiEvent) => {
      m = runReducer(m, { type: "event", runId: "r1", event, seq: null, at: 1000 });
    };
    send({ type: "RUN_STARTED", threadId: "t1", runId: "r1" });
    send({ type: "STEP_STARTED", stepName: "requirements" });
    const external = { name: "team-planner", framework: "LangGraph" };
    send({ type: "CUSTOM", name: "step", value: { step: "requirements", agent: "planner", model: "offline", external, fixRound: 0, seq: 1 } });
    send({ type: "STEP_STARTED", stepName: "qa" });
    send({ type: "CUSTOM", name: "step", value: { step: "qa", agent: "qa", model: "offline", fixRound: 0, seq: 2 } });
    const html = renderToStaticMarkup(<ProgressPanel machine={m} onRetry={() => undefined} />);
    expect(text(html)).toContain("— LangGraph (team-planner)");
    expect(html.match(/data-testid="external-agent"/g)?.length).toBe(1);
  });

  it("nests each try of an external agent under its step, with what it said", () => {
    let m = runReducer(initialMachine, { type: "run_requested", threadId: "t1", runId: "r1" });
    const send = (event: AgUiEvent) => {
      m = runReducer(m, { type: "event", runId: "r1", event, seq: null, at: 1000 });
    };
    const name = "Pydantic AI (team-planner)";
    send({ type: "RUN_STARTED", threadId: "t1", runId: "r1" });
    send({ type: "STEP_STARTED", stepName: "requirements" });
    send({ type: "SUBAGENT_STARTED", subagentRunId: "s1", name });
    send({ type: "SUBAGENT_ERROR", subagentRunId: "s1", message: "could not be reached" });
    send({ type: "SUBAGENT_STARTED", subagentRunId: "s2", name });
    send({ type: "TEXT_MESSAGE_START", messageId: "n1", role: "assistant", subagentRunId: "s2" });
    send({ type: "TEXT_MESSAGE_CONTENT", messageId: "n1", delta: "Planning it my way.", subagentRunId: "s2" });
    send({ type: "TEXT_MESSAGE_END", messageId: "n1", subagentRunId: "s2" });
    send({ type: "SUBAGENT_FINISHED", subagentRunId: "s2" });
    send({ type: "TEXT_MESSAGE_START", messageId: "n2", role: "assistant" });
    const html = renderToStaticMarkup(<ProgressPanel machine={m} onRetry={() => undefined} />);
    const shown = text(html);
    expect(html.match(/data-testid="subagent"/g)?.length).toBe(2);
    expect(shown).toContain(`${name} · try 1 · failed: could not be reached`);
    expect(shown).toContain(`${name} · try 2 · done`);
    expect(shown).toContain("“Planning it my way.”");
    // The narration is the agent's; appgen's own message after it is not.
    expect(m.messages.map((x) => x.agent)).toEqual([name, undefined]);
  });
});
