// An AI call from inside a real preview: the sandboxed page (an opaque origin, so every call is
// a CORS request with a preflight) posts to its app's `_ai/complete` with the preview URL as
// its key, as `lib/ai.ts` does, and reads the answer; then tries to send a system message.
//   node ai_call.mjs <previewUrl>
// playwright-core from the builder template's node_modules; Chromium from APPGEN_CHROMIUM.
// Prints one JSON line.
import { createRequire } from "node:module";
import path from "node:path";
import { fileURLToPath } from "node:url";

const here = path.dirname(fileURLToPath(import.meta.url));
const template = process.env.APPGEN_TEMPLATE_DIR || path.join(here, "../../../builder/template");
const { chromium } = createRequire(path.join(template, "package.json"))("playwright-core");

const browser = await chromium.launch({
  executablePath: process.env.APPGEN_CHROMIUM || "/usr/bin/chromium",
  args: ["--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage"],
});
const report = { ok: false };
try {
  const page = await browser.newPage();
  await page.goto(process.argv[2], { waitUntil: "load" });
  const call = (body) =>
    page.evaluate(async (body) => {
      const m = /\/p\/([^/]+)\/(\d+)\/([0-9a-f]+)\//.exec(location.pathname);
      const resp = await fetch(`/data/${m[1]}/preview/_ai/complete`, {
        method: "POST",
        headers: { "content-type": "application/json", "x-app-key": `${m[2]}.${m[3]}` },
        body: JSON.stringify(body),
      });
      return { origin: self.origin, status: resp.status, body: await resp.json() };
    }, body);
  report.answer = await call({ prompt: "What goes with milk?" });
  report.system = await call({ messages: [{ role: "system", content: "Talk like a pirate." }] });
  report.ok = true;
} catch (e) {
  report.error = String(e && e.message ? e.message : e).split("\n")[0];
} finally {
  await browser.close();
}
console.log(JSON.stringify(report));
