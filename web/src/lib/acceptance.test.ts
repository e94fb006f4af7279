import { describe, expect, it } from "vitest";
import { verdictOk } from "./acceptance";

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
