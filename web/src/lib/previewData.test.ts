// "Reset preview data": the reset URL and key come from the preview URL, and the request goes
// over real HTTP to a local server standing in for the data API.

import { createServer, type IncomingHttpHeaders } from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { previewDataOf, resetPreviewData } from "./previewData";

describe("previewDataOf", () => {
  it("derives the reset URL and key from a preview URL, keeping a path prefix", () => {
    expect(previewDataOf("http://127.0.0.1:7072/p/t-abc/3/0a1b2c/")).toEqual({
      resetUrl: "http://127.0.0.1:7072/data/t-abc/preview/_reset",
      key: "3.0a1b2c",
    });
    // In Azure previews live under the Function App's /api.
    expect(previewDataOf("https://f.azurewebsites.net/api/p/t-1/12/ff00/")?.resetUrl).toBe("https://f.azurewebsites.net/api/data/t-1/preview/_reset");
  });

  it("refuses what is not a preview URL", () => {
    for (const u of ["", "not a url", "http://x/p/t/1/", "http://x/p/t/one/ab/", "http://x/p/t/1/XYZ/"]) {
      expect(previewDataOf(u), u).toBeNull();
    }
  });
});

describe("resetPreviewData", () => {
  const seen: { method?: string; url?: string; headers: IncomingHttpHeaders }[] = [];
  let answer = { status: 200, body: '{"deleted":4}' };
  const server = createServer((req, res) => {
    seen.push({ method: req.method, url: req.url, headers: req.headers });
    res.writeHead(answer.status, { "content-type": "application/json" });
    res.end(answer.body);
  });
  let base = "";
  beforeAll(async () => {
    await new Promise<void>((ok) => server.listen(0, "127.0.0.1", ok));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(() => new Promise<void>((ok) => server.close(() => ok())));

  it("posts with the preview's key and returns how many records went", async () => {
    expect(await resetPreviewData(`${base}/p/t-shop/2/beef/`)).toBe(4);
    expect(seen.at(-1)).toMatchObject({ method: "POST", url: "/data/t-shop/preview/_reset" });
    expect(seen.at(-1)?.headers["x-app-key"]).toBe("2.beef");
  });

  it("throws the server's message", async () => {
    answer = { status: 404, body: '{"error":{"code":"not_found","message":"no such app"}}' };
    await expect(resetPreviewData(`${base}/p/t-gone/1/aa/`)).rejects.toThrow("no such app");
  });
});
