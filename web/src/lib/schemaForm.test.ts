import { describe, expect, it } from "vitest";
import { defaultAnswers, fieldsFromSchema, summarizeAnswers, toggleOption } from "./schemaForm";

// The shape appgen-core's response_schema() sends.
const schema = {
  type: "object",
  properties: {
    persist: { type: "boolean", title: "Keep data after reload?", default: true },
    fields: { type: "array", items: { type: "string", enum: ["title", "due date", "priority"] }, uniqueItems: true, title: "Which fields?", default: ["title", "due date"] },
    colors: { type: "string", enum: ["indigo", "emerald", "rose"], title: "Colour scheme", default: "emerald", description: "Used for buttons." },
    name: { type: "string", title: "App name", default: "Todos" },
  },
  required: [],
  "x-order": ["name", "fields", "colors", "persist"],
};

describe("fieldsFromSchema", () => {
  it("maps each kind in x-order with the proposed defaults", () => {
    const fields = fieldsFromSchema(schema);
    expect(fields.map((f) => [f.id, f.kind])).toEqual([
      ["name", "text"],
      ["fields", "multiple_choice"],
      ["colors", "single_choice"],
      ["persist", "yes_no"],
    ]);
    expect(fields[2]?.help).toBe("Used for buttons.");
    expect(fields[1]?.options).toEqual(["title", "due date", "priority"]);
    expect(defaultAnswers(fields)).toEqual({ name: "Todos", fields: ["title", "due date"], colors: "emerald", persist: true });
  });

  it("copes with missing order, titles and defaults", () => {
    const fields = fieldsFromSchema({ properties: { b: { type: "string", enum: ["x", "y"] }, a: { type: "boolean" }, c: {} } });
    expect(fields.map((f) => f.id)).toEqual(["b", "a", "c"]);
    expect(defaultAnswers(fields)).toEqual({ b: "x", a: false, c: "" });
    expect(fields[0]?.label).toBe("b");
    expect(fieldsFromSchema(null)).toEqual([]);
    expect(fieldsFromSchema({ type: "object" })).toEqual([]);
  });

  it("toggles multiple-choice options in schema order", () => {
    const f = fieldsFromSchema(schema)[1]!;
    expect(toggleOption(f, ["due date"], "title")).toEqual(["title", "due date"]);
    expect(toggleOption(f, ["title", "due date"], "title")).toEqual(["due date"]);
  });
});

it("summarizes answers for the transcript", () => {
  const fields = fieldsFromSchema(schema);
  expect(summarizeAnswers(fields, { name: "Todos", fields: [], colors: "rose", persist: false })).toBe(
    "App name: Todos\nWhich fields? none\nColour scheme: rose\nKeep data after reload? No",
  );
});
