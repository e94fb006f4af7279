// Two real browser contexts on one cloud app's preview: a record added in the first appears in
// a second, fresh context without a reload (live updates), and in a third after a reload.
//   node two_browsers.mjs <previewUrl>
// playwright-core comes from the builder template's node_modules (APPGEN_TEMPLATE_DIR);
// Chromium from APPGEN_CHROMIUM (default /usr/bin/chromium). Prints one JSON line.
import { createRequire } from "node:module";
import path from "node:path";
import { fileURLToPath } from "node:url";

const here = path.dirname(fileURLToPath(import.meta.url));
const template = process.env.APPGEN_TEMPLATE_DIR || path.join(here, "../../../builder/template");
const { chromium } = createRequire(path.join(template, "package.json"))("playwright-core");

const url = process.argv[2];
const LIVE_MS = 2000;
const unique = `Item ${Date.now().toString(36)}`;

async function open(browser) {
  const context = await browser.newContext();
  const page = await context.newPage();
  const errors = [];
  page.on("console", (m) => m.type() === "error" && errors.push(m.text()));
  await page.goto(url, { waitUntil: "load" });
  await page.getByText("Shared in the cloud").first().waitFor({ timeout: 10000 });
  return { context, page, errors };
}

async function add(page) {
  const form = page.locator("form").first();
  const inputs = form.locator("input");
  for (let i = 0; i < (await inputs.count()); i++) {
    const input = inputs.nth(i);
    const type = (await input.getAttribute("type")) || "text";
    if (type === "number") await input.fill("2");
    else if (type === "text" || type === "search") await input.fill(i === 0 ? unique : "Ann");
  }
  await form.locator('button[type="submit"]').first().click();
}

const browser = await chromium.launch({
  executablePath: process.env.APPGEN_CHROMIUM || "/usr/bin/chromium",
  args: ["--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage"],
});
const report = { ok: false, item: unique };
try {
  const a = await open(browser);
  const b = await open(browser);
  await add(a.page);
  const t0 = Date.now();
  await b.page.getByText(unique).first().waitFor({ timeout: LIVE_MS });
  report.liveMs = Date.now() - t0;
  const c = await open(browser);
  await c.page.getByText(unique).first().waitFor({ timeout: 5000 });
  await b.page.reload({ waitUntil: "load" });
  await b.page.getByText(unique).first().waitFor({ timeout: 5000 });
  report.afterReload = true;
  report.consoleErrors = [...a.errors, ...b.errors, ...c.errors];
  report.ok = report.consoleErrors.length === 0;
} catch (e) {
  report.error = String(e && e.message ? e.message : e).split("\n")[0];
} finally {
  await browser.close();
}
console.log(JSON.stringify(report));
process.exit(report.ok ? 0 : 1);
