import { expect, it } from "vitest";
import { apiErrorFrom, apiErrorFromAgent, newId } from "./api";

it("reads the API's JSON errors, also out of HttpAgent's rejection", () => {
  const body = '{"error":{"code":"busy","message":"run r1 is still in progress"}}';
  expect(apiErrorFrom(409, body)).toMatchObject({ status: 409, code: "busy", message: "run r1 is still in progress" });
  expect(apiErrorFromAgent(new Error(`HTTP 409: ${body}`))).toMatchObject({ code: "busy" });
  expect(apiErrorFromAgent(new Error("Failed to fetch"))).toBeNull();
  expect(apiErrorFrom(502, "Bad Gateway")).toMatchObject({ code: "http_502", message: "Bad Gateway" });
});

it("makes ids the backend accepts", () => {
  const id = newId("run");
  expect(id).toMatch(/^run-[0-9a-f]{18}$/);
  expect(newId("t")).not.toBe(newId("t"));
});
