import { describe, expect, it } from "vitest";
import { diffLines, diffStats } from "./diff";
import { applyPatch } from "./jsonPatch";
import { partialStringMember } from "./partialJson";

describe("diffLines", () => {
  it("finds the edit between two versions", () => {
    const d = diffLines("a\nb\nc\n", "a\nB\nc\nd\n");
    expect(d.map((l) => `${l.kind[0]}${l.text}`)).toEqual(["sa", "db", "aB", "sc", "ad"]);
    expect(diffStats(d)).toEqual({ added: 2, removed: 1 });
  });

  it("handles empty sides and identical text", () => {
    expect(diffLines("", "x\ny").map((l) => l.kind)).toEqual(["add", "add"]);
    expect(diffLines("x\ny", "").map((l) => l.kind)).toEqual(["del", "del"]);
    expect(diffLines("x\ny", "x\ny").every((l) => l.kind === "same")).toBe(true);
    expect(diffLines("", "")).toEqual([]);
  });

  it("numbers lines on both sides", () => {
    const d = diffLines("one\ntwo\nthree", "zero\none\nthree");
    expect(d).toEqual([
      { kind: "add", text: "zero", newNo: 1 },
      { kind: "same", text: "one", oldNo: 1, newNo: 2 },
      { kind: "del", text: "two", oldNo: 2 },
      { kind: "same", text: "three", oldNo: 3, newNo: 3 },
    ]);
  });

  it("reproduces the new text from its same+add lines", () => {
    const before = Array.from({ length: 200 }, (_, i) => `line ${i % 17}`).join("\n");
    const after = Array.from({ length: 180 }, (_, i) => `line ${(i * 7) % 19}`).join("\n");
    const d = diffLines(before, after);
    expect(d.filter((l) => l.kind !== "del").map((l) => l.text).join("\n")).toBe(after);
    expect(d.filter((l) => l.kind !== "add").map((l) => l.text).join("\n")).toBe(before);
  });
});

describe("applyPatch", () => {
  it("applies add/replace/remove/move without touching the input", () => {
    const doc = { a: 1, list: [1, 2], nested: { x: "y" } };
    const out = applyPatch(doc, [
      { op: "replace", path: "/a", value: 2 },
      { op: "add", path: "/list/-", value: 3 },
      { op: "add", path: "/list/0", value: 0 },
      { op: "remove", path: "/nested/x" },
      { op: "move", from: "/a", path: "/b" },
      { op: "add", path: "/we~1ird", value: true },
    ]);
    expect(out).toEqual({ b: 2, list: [0, 1, 2, 3], nested: {}, "we/ird": true });
    expect(doc).toEqual({ a: 1, list: [1, 2], nested: { x: "y" } });
  });

  it("throws on a bad path so the caller can refetch", () => {
    expect(() => applyPatch({}, [{ op: "remove", path: "/missing" }])).toThrow();
    expect(() => applyPatch({ a: 1 }, [{ op: "test", path: "/a", value: 2 }])).toThrow();
  });
});

describe("partialStringMember", () => {
  it("decodes a string that is still streaming", () => {
    expect(partialStringMember('{"path":"src/App.tsx","content":"line\\n  \\"q', "content")).toEqual({ value: 'line\n  "q', complete: false });
    expect(partialStringMember('{"path":"src/A', "path")).toEqual({ value: "src/A", complete: false });
    expect(partialStringMember('{"path":"a.ts"', "path")).toEqual({ value: "a.ts", complete: true });
    expect(partialStringMember('{"content":"x\\', "content")).toEqual({ value: "x", complete: false });
    expect(partialStringMember('{"content":"\\u00e9', "content")).toEqual({ value: "é", complete: false });
    expect(partialStringMember('{"pa', "path")).toBeNull();
  });
});
