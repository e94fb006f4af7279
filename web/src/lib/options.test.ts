import { expect, it } from "vitest";
import { defaultOptions, optionsToContext } from "./options";

it("turns options into AG-UI context entries", () => {
  expect(optionsToContext({ ...defaultOptions, color: "rose", authReady: true, data: "cloud" })).toEqual([
    { description: "mobile-first", value: "true" },
    { description: "persistence", value: "localStorage" },
    { description: "data", value: "cloud" },
    { description: "auth-ready", value: "true" },
    { description: "colors", value: "rose" },
  ]);
});
