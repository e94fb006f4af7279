import { describe, expect, it } from "vitest";
import type { StepUsageView } from "./contract";
import { formatSpend, formatUsd, runSpend, spend } from "./cost";

describe("spend", () => {
  it("adds tokens and dollars, unknown as soon as one price is", () => {
    const a = { model: "m", inputTokens: 1000, outputTokens: 500, totalTokens: 1500, costUsd: 0.006 };
    const b = { model: "n", inputTokens: 10, outputTokens: 10, costUsd: 0.001 };
    expect(spend([a, b])).toEqual({ calls: 2, tokens: 1520, usd: 0.007 });
    expect(spend([a, { model: "x", totalTokens: 5 }]).usd).toBeNull();
    expect(spend([])).toEqual({ calls: 0, tokens: 0, usd: 0 });
  });

  it("picks one run's steps out of the thread's usage", () => {
    const usage: StepUsageView[] = [
      { runId: "r1", step: "code", calls: 2, usage: { totalTokens: 2000, costUsd: 0.02 } },
      { runId: "r2", step: "modify", calls: 1, usage: { totalTokens: 100, costUsd: 0.5 } },
      { runId: "r1", step: "fix", calls: 1, usage: { totalTokens: 300, costUsd: 0.01 } },
    ];
    const r1 = runSpend(usage, "r1");
    expect(r1.tokens).toBe(2300);
    expect(r1.usd).toBeCloseTo(0.03, 12);
    expect(runSpend(usage, "r3").calls).toBe(0);
  });
});

describe("formatting", () => {
  it("says what it cost, that it is unknown, or that no model was used", () => {
    expect(formatUsd(0.0034)).toBe("$0.0034");
    expect(formatUsd(0.5)).toBe("$0.5");
    expect(formatUsd(12.345)).toBe("$12.35");
    expect(formatUsd(0.00001)).toBe("<$0.0001");
    expect(formatSpend({ calls: 3, tokens: 12345, usd: 0.0123 })).toBe("12.3k tokens · $0.012");
    expect(formatSpend({ calls: 1, tokens: 42, usd: null })).toBe("42 tokens · cost unknown");
    expect(formatSpend({ calls: 0, tokens: 0, usd: 0 })).toBe("no model used, no cost");
  });
});
