import { describe, expect, it } from "vitest";
import { resultsByScenario, verdictOk } from "./acceptance";

const result = (passed: boolean) => ({ name: "n", requirement: "r", passed });

describe("verdictOk", () => {
  it("is neutral for a version with no acceptance tests", () => {
    expect(verdictOk({ passed: true, acceptance: [] })).toBeNull();
  });
  it("is green only when every scenario passed", () => {
    expect(verdictOk({ passed: true, acceptance: [result(true), result(true)] })).toBe(true);
    expect(verdictOk({ passed: true, acceptance: [result(true), result(false)] })).toBe(false);
  });
  it("is red when the check failed", () => {
    expect(verdictOk({ passed: false, acceptance: [result(true)] })).toBe(false);
  });
});

describe("resultsByScenario", () => {
  it("lists the suite first, then retired scenarios, with each version's result", () => {
    const check = (acceptance: ReturnType<typeof result>[]) => ({ passed: true, checks: [], consoleErrors: 0, screenshot: false, verdict: "", acceptance });
    const named = (name: string, passed: boolean) => ({ ...result(passed), name });
    const rows = resultsByScenario(
      [{ name: "b", requirement: "r" }, { name: "new", requirement: "r" }],
      [
        { number: 1, check: check([named("a", true), named("b", false)]) },
        { number: 2, check: check([named("b", true)]) },
        { number: 3, check: null },
      ],
    );
    expect(rows.map((r) => r.name)).toEqual(["b", "new", "a"]);
    expect(rows[0]?.results[1]?.passed).toBe(false);
    expect(rows[0]?.results[2]?.passed).toBe(true);
    expect(rows[1]?.results).toEqual({});
    expect(rows[2]?.results[2]).toBeUndefined();
  });
});
