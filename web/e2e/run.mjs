// End-to-end test of the UI against a real `appgen serve` (offline generator), driving Debian's
// Chromium through playwright-core. Screenshots of each stage go to e2e/artifacts/.
//
//   APPGEN_BIN=../target/debug/appgen npm run e2e
//
// Prints a closing line "N passed, N failed" and exits non-zero on any failure.

import { spawn } from "node:child_process";
import { mkdtempSync, mkdirSync, readFileSync, readdirSync, rmSync, writeFileSync, existsSync } from "node:fs";
import { connect, createServer } from "node:net";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { gzipSync } from "node:zlib";
import { chromium } from "playwright-core";
import { axeViolations, describeViolations, expectNoViolations } from "./axe.mjs";

const here = dirname(fileURLToPath(import.meta.url));
const webDir = resolve(here, "..");
const dist = join(webDir, "dist");
const artifacts = join(here, "artifacts");
const bin = resolve(webDir, process.env.APPGEN_BIN ?? "../target/debug/appgen");
const RUN_TIMEOUT = Number(process.env.E2E_RUN_TIMEOUT_MS ?? 240_000);

const results = [];
/** axe results of states that pass too quickly to check in a step of their own. */
const axeSeen = {};
const metrics = {};
let shotNo = 0;
let currentPage = null;

function log(...a) {
  console.log(`[e2e ${new Date().toISOString().slice(11, 19)}]`, ...a);
}

async function freePort() {
  return new Promise((res, rej) => {
    const s = createServer();
    s.once("error", rej);
    s.listen(0, "127.0.0.1", () => {
      const { port } = s.address();
      s.close(() => res(port));
    });
  });
}

/**
 * A TCP pass-through in front of appgen, so the test can pull the cable: `cut(ms)` drops every
 * open connection (the streams die mid-response) and refuses new ones for a while.
 */
async function cablePull(upstreamPort) {
  const sockets = new Set();
  let downUntil = 0;
  const server = createServer((client) => {
    if (Date.now() < downUntil) return client.destroy();
    const up = connect(upstreamPort, "127.0.0.1");
    sockets.add(client).add(up);
    const drop = () => {
      client.destroy();
      up.destroy();
      sockets.delete(client);
      sockets.delete(up);
    };
    client.on("error", drop).on("close", drop);
    up.on("error", drop).on("close", drop);
    client.pipe(up).pipe(client);
  });
  await new Promise((r) => server.listen(0, "127.0.0.1", r));
  return {
    port: server.address().port,
    cut(ms) {
      downUntil = Date.now() + ms;
      for (const s of sockets) s.destroy();
      sockets.clear();
    },
    close: () => server.close(),
  };
}

async function waitForHealth(base, proc, ms = 60_000) {
  const end = Date.now() + ms;
  while (Date.now() < end) {
    if (proc.exitCode !== null) throw new Error(`appgen exited with ${proc.exitCode}`);
    try {
      const r = await fetch(`${base}/api/health`);
      if (r.ok) return;
    } catch {
      // not up yet
    }
    await new Promise((r) => setTimeout(r, 250));
  }
  throw new Error("GET /api/health did not answer in time");
}

async function shot(page, name) {
  shotNo += 1;
  const file = join(artifacts, `${String(shotNo).padStart(2, "0")}-${name}.png`);
  await page.screenshot({ path: file, fullPage: false }).catch((e) => log("screenshot failed", name, e.message));
  return file;
}

/** Runs one named check; later checks still run (and may fail for the same cause). */
async function check(name, fn) {
  const t0 = Date.now();
  try {
    await fn();
    results.push({ name, ok: true, ms: Date.now() - t0 });
    log(`PASS ${name} (${((Date.now() - t0) / 1000).toFixed(1)} s)`);
  } catch (e) {
    results.push({ name, ok: false, ms: Date.now() - t0, error: String(e?.stack ?? e) });
    log(`FAIL ${name}: ${e?.message ?? e}`);
    if (currentPage) await shot(currentPage, `FAILED-${name.replace(/[^a-z0-9]+/gi, "-").slice(0, 40)}`);
  }
}

function assert(cond, msg) {
  if (!cond) throw new Error(msg);
}

/** Presses Tab until the focused element matches, proving it is reachable by keyboard. */
async function tabTo(page, describe, predicate, max = 120) {
  for (let i = 0; i < max; i++) {
    await page.keyboard.press("Tab");
    if (await page.evaluate(predicate)) return i + 1;
  }
  throw new Error(`could not reach ${describe} with the Tab key`);
}

const phaseOf = (page) => page.locator("[data-testid=phase]").getAttribute("data-phase").catch(() => null);

async function waitPhase(page, phases, ms = RUN_TIMEOUT) {
  await page.waitForFunction(
    (ps) => ps.includes(document.querySelector("[data-testid=phase]")?.getAttribute("data-phase")),
    phases,
    { timeout: ms, polling: 200 },
  );
  return phaseOf(page);
}

async function versionCount(page) {
  const badge = await page.locator("#tab-versions span").textContent().catch(() => null);
  return badge ? Number(badge) : 0;
}

async function openTab(page, name) {
  await page.getByRole("tab", { name }).click();
}

/** Elements a user operates that have no accessible name. */
async function unnamedControls(page) {
  return page.evaluate(() => {
    const sel = "button, a[href], input:not([type=hidden]), select, textarea, iframe, [role=tab], [role=radio], [role=checkbox], [tabindex]:not([tabindex='-1'])";
    const bad = [];
    for (const el of document.querySelectorAll(sel)) {
      if (el.closest("[hidden]") || el.getClientRects().length === 0 && el.type !== "radio" && el.type !== "checkbox") continue;
      const byIds = (el.getAttribute("aria-labelledby") ?? "").split(/\s+/).filter(Boolean).map((id) => document.getElementById(id)?.textContent ?? "").join(" ");
      const labels = el.labels ? [...el.labels].map((l) => l.textContent).join(" ") : "";
      const name = [el.getAttribute("aria-label"), byIds, labels, el.getAttribute("title"), el.tagName === "IMG" ? el.alt : "", ["BUTTON", "A"].includes(el.tagName) || el.getAttribute("role") === "tab" ? el.textContent : ""]
        .filter(Boolean)
        .join(" ")
        .trim();
      if (!name) bad.push(el.outerHTML.slice(0, 120));
    }
    return bad;
  });
}

async function main() {
  rmSync(artifacts, { recursive: true, force: true });
  mkdirSync(artifacts, { recursive: true });
  if (!existsSync(join(dist, "index.html"))) throw new Error("web/dist is missing: run `npm run build` first");
  if (!existsSync(bin)) throw new Error(`backend binary ${bin} not found (set APPGEN_BIN)`);

  // Bundle size: what `/` loads before any interaction (the AG-UI client is a lazy chunk).
  const html = readFileSync(join(dist, "index.html"), "utf8");
  const initial = [...html.matchAll(/(?:src|href)="\/(assets\/[^"]+)"/g)].map((m) => m[1]);
  const gz = (f) => gzipSync(readFileSync(join(dist, f)), { level: 9 }).length;
  metrics.initialGzipBytes = initial.reduce((n, f) => n + gz(f), gz("index.html"));
  metrics.allAssetsGzipBytes = readdirSync(join(dist, "assets")).reduce((n, f) => n + gz(`assets/${f}`), gz("index.html"));
  log(`bundle: initial ${(metrics.initialGzipBytes / 1024).toFixed(1)} KiB gzipped, all assets ${(metrics.allAssetsGzipBytes / 1024).toFixed(1)} KiB gzipped`);

  const [port, previewPort, appsPort] = [await freePort(), await freePort(), await freePort()];
  const data = mkdtempSync(join(tmpdir(), "appgen-e2e-"));
  const direct = `http://127.0.0.1:${port}`;
  const cable = await cablePull(port);
  // The browser reaches the API through the cable, so the test can cut the network.
  const base = `http://127.0.0.1:${cable.port}`;
  log(`starting ${bin} on ${base} (previews on :${previewPort}), data ${data}`);
  const serverLog = [];
  const proc = spawn(bin, ["serve", "--local", "--addr", `127.0.0.1:${port}`, "--preview-addr", `127.0.0.1:${previewPort}`, "--apps-port", String(appsPort), "--data", data, "--web-dir", dist], {
    stdio: ["ignore", "pipe", "pipe"],
    env: { ...process.env, RUST_BACKTRACE: "0" },
  });
  proc.stdout.on("data", (d) => serverLog.push(String(d)));
  proc.stderr.on("data", (d) => serverLog.push(String(d)));

  let browser;
  try {
    await waitForHealth(direct, proc);
    browser = await chromium.launch({
      executablePath: "/usr/bin/chromium",
      args: ["--headless", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--disable-background-networking", "--disable-component-update", "--disable-sync", "--no-first-run", "--disable-quic"],
    });
    const context = await browser.newContext({ viewport: { width: 1440, height: 900 } });
    const page = await context.newPage();
    currentPage = page;
    const pageErrors = [];
    const previewErrors = [];
    page.on("pageerror", (e) => pageErrors.push(`${e.message}\n${e.stack ?? ""}`));
    const previewOrigin = `http://127.0.0.1:${previewPort}`;
    page.on("console", (m) => {
      if (m.type() !== "error") return;
      if ((m.location()?.url ?? "").startsWith(previewOrigin) || m.text().includes(previewOrigin)) previewErrors.push(m.text());
      else pageErrors.push(`console: ${m.text()}`);
    });
    const eventRequests = [];
    page.on("request", (r) => {
      const m = /\/runs\/([^/]+)\/events\?after=(\d+)/.exec(r.url());
      if (m) eventRequests.push({ run: m[1], after: Number(m[2]) });
    });

    await check("first paint of / is fast", async () => {
      const t0 = Date.now();
      await page.goto(base + "/", { waitUntil: "load" });
      metrics.loadMs = Date.now() - t0;
      await page.waitForFunction(() => performance.getEntriesByName("first-contentful-paint").length > 0, null, { timeout: 5000 }).catch(() => undefined);
      const paint = await page.evaluate(() => Object.fromEntries(performance.getEntriesByType("paint").map((e) => [e.name, Math.round(e.startTime)])));
      metrics.firstPaintMs = paint["first-paint"];
      metrics.firstContentfulPaintMs = paint["first-contentful-paint"];
      log(`first paint ${metrics.firstPaintMs} ms, first contentful paint ${metrics.firstContentfulPaintMs} ms, load ${metrics.loadMs} ms`);
      assert(metrics.firstContentfulPaintMs !== undefined && metrics.firstContentfulPaintMs < 2000, `FCP ${metrics.firstContentfulPaintMs} ms`);
    });

    await check("start screen: every control has an accessible name", async () => {
      await page.getByRole("heading", { name: "What do you want to build?" }).waitFor();
      const bad = await unnamedControls(page);
      assert(bad.length === 0, `unnamed controls: ${bad.join("\n")}`);
    });

    await check("axe: start screen (threads list open), 0 WCAG 2.1 AA violations", () => expectNoViolations(page, "the start screen"));

    await check("axe fails on a low-contrast element (the check can fail)", async () => {
      await page.evaluate(() => {
        const p = document.createElement("p");
        p.id = "axe-probe";
        p.textContent = "Deliberately low contrast";
        p.style.cssText = "color:#c8ccd2;background:#ffffff;font-size:14px";
        document.getElementById("main")?.prepend(p);
      });
      try {
        const v = await axeViolations(page);
        const contrast = v.find((x) => x.id === "color-contrast");
        assert(contrast?.nodes.some((n) => n.startsWith("#axe-probe")), `axe did not report the probe: ${describeViolations(v) || "no violations"}`);
      } finally {
        await page.evaluate(() => document.getElementById("axe-probe")?.remove());
      }
      await expectNoViolations(page, "the start screen after the probe was removed");
    });

    const prompt = "A todo list with a title, due date and priority for each task, and a filter for done tasks";
    await check("type a prompt (keyboard only) and start", async () => {
      // The prompt box has focus on load; type and press Enter like a user would.
      const focused = await page.evaluate(() => document.activeElement?.tagName);
      assert(focused === "TEXTAREA", `focus is on ${focused}, not the prompt box`);
      await page.keyboard.type(prompt, { delay: 2 });
      const count = await page.getByText(/characters$/).textContent();
      assert(count.startsWith(`${prompt.length} /`), `character count shows ${count}`);
      await shot(page, "start-prompt");
      await page.keyboard.press("Enter");
      await page.waitForURL(/\?thread=/);
    });

    await check("clarifying questions render as a form with defaults", async () => {
      await page.locator("[data-testid=questions]").waitFor({ timeout: RUN_TIMEOUT });
      const fields = await page.locator("[data-testid=questions] input").count();
      assert(fields > 0, "the questions form has no inputs");
      const checked = await page.locator("[data-testid=questions] input:checked").count();
      const texts = await page.locator("[data-testid=questions] input[type=text]").evaluateAll((els) => els.filter((e) => e.value).length);
      assert(checked + texts > 0, "no default is filled in");
      await shot(page, "questions");
      const bad = await unnamedControls(page);
      assert(bad.length === 0, `unnamed controls: ${bad.join("\n")}`);
    });

    await check("axe: questions form, 0 violations", () => expectNoViolations(page, "the questions form"));

    await check("answer the questions with the keyboard (resume)", async () => {
      const presses = await tabTo(page, "the Continue button", () => document.activeElement?.textContent?.includes("Continue with these answers"));
      log(`Continue reached after ${presses} Tab presses`);
      await page.keyboard.press("Enter");
      await waitPhase(page, ["running", "building"], 30_000);
      // The answers stay in the transcript.
      await page.locator("[data-testid=user-message]").nth(1).waitFor({ timeout: 5_000 });
    });

    await check("progress shows each step with agent and elapsed time", async () => {
      await page.locator("[data-testid=progress] [data-step]").first().waitFor({ timeout: 30_000 });
      axeSeen.running = { phase: await phaseOf(page), violations: await axeViolations(page) };
      await page.locator("[data-testid=progress] [data-step=code], [data-testid=progress] [data-step=build]").first().waitFor({ timeout: RUN_TIMEOUT });
      await shot(page, "progress");
      const steps = await page.locator("[data-testid=progress] [data-step]").evaluateAll((els) => els.map((e) => `${e.dataset.step}:${e.dataset.status}`));
      log("steps:", steps.join(", "));
      assert(steps.some((s) => s.startsWith("requirements")), "no requirements step");
      const text = await page.locator("[data-testid=progress]").textContent();
      assert(/\d+(\.\d)? (ms|s)/.test(text), "no elapsed time shown");
    });

    await check("axe: a run in progress, 0 violations", async () => {
      assert(axeSeen.running, "the running state was not checked");
      assert(["running", "building"].includes(axeSeen.running.phase), `checked in phase ${axeSeen.running.phase}, not while running`);
      assert(axeSeen.running.violations.length === 0, describeViolations(axeSeen.running.violations));
    });

    await check("the run finishes with a version", async () => {
      const phase = await waitPhase(page, ["done", "error"]);
      await shot(page, "run-done");
      assert(phase === "done", `run ended in ${phase}: ${await page.locator("[role=alert]").allTextContents()}`);
      await page.waitForFunction(() => Number(document.querySelector("#tab-versions span")?.textContent ?? 0) >= 1, null, { timeout: 10_000 });
    });

    await check("the offline generator's run says it used no model and cost nothing", async () => {
      const spend = await page.locator("[data-testid=run-spend]").textContent();
      assert(spend === "no model used, no cost", `the progress panel says ${JSON.stringify(spend)}`);
      await openTab(page, "Versions");
      const v1 = await page.locator("[data-version='1'] [data-testid=version-spend]").textContent();
      assert(v1 === "no model used, no cost", `version 1 says ${JSON.stringify(v1)}`);
      assert((await page.locator("[data-testid=thread-spend]").textContent()).endsWith("no model used, no cost"), "the thread total is not shown");
    });

    await check("wireframe renders in a sandboxed iframe", async () => {
      await openTab(page, "Wireframe");
      const frame = page.locator("[data-testid=wireframe-frame]");
      await frame.waitFor();
      assert((await frame.getAttribute("sandbox")) === "", "wireframe iframe is not fully sandboxed");
      const body = await page.frameLocator("[data-testid=wireframe-frame]").locator("body").textContent();
      assert(body.trim().length > 0, "wireframe is empty");
      await shot(page, "wireframe");
    });

    await check("code tab shows the file tree and a highlighted file", async () => {
      await openTab(page, "Code");
      await page.getByRole("navigation", { name: "Files" }).getByRole("button").first().waitFor();
      const files = await page.getByRole("navigation", { name: "Files" }).getByRole("button").allTextContents();
      assert(files.some((f) => f.endsWith("App.tsx")), `no App.tsx in ${files.join(", ")}`);
      await page.getByRole("navigation", { name: "Files" }).getByRole("button", { name: /src\/App\.tsx/ }).click();
      await page.waitForFunction(() => document.querySelector("[data-testid=code-viewer] table tr:nth-child(3)") !== null, null, { timeout: 15_000 });
      assert((await page.locator("[data-testid=code-viewer] .text-violet-700").count()) > 0, "no highlighted keywords");
      await shot(page, "code");
    });

    await check("preview works: submit a form inside the sandboxed iframe", async () => {
      await openTab(page, "Preview");
      const iframe = page.locator("[data-testid=preview-frame]");
      await iframe.waitFor();
      const sandbox = await iframe.getAttribute("sandbox");
      assert(!sandbox.includes("allow-same-origin"), `preview sandbox has allow-same-origin: ${sandbox}`);
      const src = await iframe.getAttribute("src");
      assert(new URL(src).port === String(previewPort), `preview is not on the preview origin: ${src}`);
      const app = page.frameLocator("[data-testid=preview-frame]");
      const form = app.locator("form").first();
      await form.waitFor({ timeout: 30_000 }).catch((e) => {
        throw new Error(`${e.message}\nerrors inside the preview: ${previewErrors.slice(0, 4).join("\n")}`);
      });
      const marker = `E2E task ${Date.now() % 100000}`;
      const input = form.locator("input[type=text], input:not([type]), textarea").first();
      await input.fill(marker);
      // Fill other required fields with something valid.
      for (const el of await form.locator("input[required]").all()) {
        if (await el.inputValue()) continue;
        const type = await el.getAttribute("type");
        await el.fill(type === "date" ? "2030-01-02" : type === "number" ? "3" : "x");
      }
      await form.locator("button[type=submit], button:not([type]), input[type=submit]").first().click();
      await app.getByText(marker).first().waitFor({ timeout: 10_000 });
      await shot(page, "preview-after-submit");
    });

    await check("reset preview data asks first, then empties the preview space", async () => {
      const button = page.getByRole("button", { name: "Reset preview data" });
      const done = page.getByText(/^Preview data reset: \d+ records? deleted\.$/);
      page.once("dialog", (d) => d.dismiss());
      await button.click();
      await page.waitForTimeout(300);
      assert((await done.count()) === 0, "reset without the user's confirmation");
      page.once("dialog", (d) => d.accept());
      await button.click();
      // Through appgen's own API, as the thread's owner: an app's key cannot reset its data.
      await done.waitFor({ timeout: 10_000 });
    });

    await check("check report shows the screenshot", async () => {
      await openTab(page, "Check");
      await page.locator("[data-testid=check-report]").waitFor();
      const img = page.locator("[data-testid=check-report] img");
      if ((await img.count()) > 0) await img.evaluate((el) => el.decode().catch(() => undefined));
      await shot(page, "check-report");
      const text = await page.locator("[data-testid=check-report]").textContent();
      assert(/passed|failed/.test(text), "no check result shown");
    });

    await check("tests tab lists each acceptance scenario with its result on v1", async () => {
      await openTab(page, "Tests");
      const tests = page.locator("[data-testid=tests]");
      await tests.waitFor();
      await shot(page, "tests");
      const rows = tests.locator("tbody tr");
      const n = await rows.count();
      assert(n >= 2, `expected the suite's scenarios, saw ${n} row(s): ${await tests.textContent()}`);
      const passed = await tests.locator('td[aria-label="v1: passed"]').count();
      assert(passed === n, `expected every scenario to pass on v1, ${passed} of ${n} did`);
      assert(/all \d+ pass on v1/.test(await tests.textContent()), "no summary for v1");
    });

    await check("axe: workspace with each tab, 0 violations", async () => {
      const found = [];
      for (const t of ["Preview", "Code", "Wireframe", "Check", "Tests", "Versions"]) {
        await openTab(page, t);
        await page.locator(`#panel-${t.toLowerCase()} > *`).first().waitFor();
        if (t === "Code") await page.locator("[data-testid=code-viewer] table").first().waitFor({ timeout: 15_000 });
        const v = await axeViolations(page);
        if (v.length) found.push(`${t} tab:\n${describeViolations(v)}`);
      }
      assert(found.length === 0, found.join("\n"));
    });

    await check("workspace: every control has an accessible name", async () => {
      for (const t of ["Preview", "Code", "Versions"]) {
        await openTab(page, t);
        const bad = await unnamedControls(page);
        assert(bad.length === 0, `${t}: unnamed controls: ${bad.join("\n")}`);
      }
    });

    // A second tab on the same thread watches the change live.
    const page2 = await context.newPage();
    await check("ask for a change (keyboard); a second tab sees the run live; v2 appears", async () => {
      await page2.goto(page.url());
      await waitPhase(page2, ["done"], 30_000);
      const before = await versionCount(page);
      await page.locator("body").click({ position: { x: 5, y: 300 } }).catch(() => undefined);
      await page.evaluate(() => document.activeElement instanceof HTMLElement && document.activeElement.blur());
      await tabTo(page, "the change request box", () => document.activeElement?.tagName === "TEXTAREA");
      await page.keyboard.type("Add a search box to filter tasks by title", { delay: 2 });
      await page.keyboard.press("Enter");
      await waitPhase(page, ["running", "building"], 30_000);
      await waitPhase(page2, ["running", "building"], 30_000);
      await shot(page2, "second-tab-live");
      await waitPhase(page, ["done", "error"]);
      assert((await phaseOf(page)) === "done", "the change run failed");
      await page.waitForFunction((n) => Number(document.querySelector("#tab-versions span")?.textContent ?? 0) > n, before, { timeout: 10_000 });
      await waitPhase(page2, ["done"], 30_000);
      await page2.waitForFunction((n) => Number(document.querySelector("#tab-versions span")?.textContent ?? 0) > n, before, { timeout: 15_000 });
      await openTab(page, "Versions");
      await shot(page, "versions-after-change");
    });
    await page2.close();

    await check("diff of v1 → v2 shows changes", async () => {
      await openTab(page, "Versions");
      await page.getByRole("button", { name: "Changes in version 2" }).click();
      await page.locator("[data-testid=diff], [data-testid=code-viewer] p").first().waitFor({ timeout: 15_000 });
      await page.getByText(/^[1-9]\d* file\(s\) changed/).waitFor({ timeout: 15_000 });
      // The first changed file opens with its added and removed lines.
      await page.locator("[data-testid=diff] table tr.bg-emerald-50, [data-testid=diff] table tr.bg-rose-50").first().waitFor({ timeout: 15_000 });
      await shot(page, "diff-v1-v2");
      await expectNoViolations(page, "the diff of v1 → v2");
      await openTab(page, "Versions");
      await expectNoViolations(page, "the versions list after a change");
    });

    await check("restore v1 creates a new version", async () => {
      await openTab(page, "Versions");
      const before = await versionCount(page);
      await page.getByRole("button", { name: "Restore version 1" }).click();
      await page.waitForFunction((n) => Number(document.querySelector("#tab-versions span")?.textContent ?? 0) === n + 1, before, { timeout: 30_000 });
      await page.locator(`[data-version="${before + 1}"]`).getByText("restored from v1").waitFor({ timeout: 10_000 });
      assert((await page.locator("[data-version='1']").count()) === 1, "v1 disappeared from history");
      await shot(page, "restored-v1");
    });

    await check("download a version as a zip", async () => {
      await openTab(page, "Versions");
      const href = await page.getByRole("link", { name: "Download zip of version 1" }).getAttribute("href");
      const res = await page.request.get(new URL(href, base).href);
      assert(res.ok(), `zip answered ${res.status()}`);
      const body = await res.body();
      assert(res.headers()["content-type"]?.includes("zip") && body.subarray(0, 2).toString() === "PK", "not a zip");
    });

    await check("tabs work with the arrow keys", async () => {
      await page.getByRole("tab", { name: /Versions/ }).focus();
      await page.keyboard.press("Home");
      assert((await page.getByRole("tab", { selected: true }).textContent()).startsWith("Preview"), "Home did not select the first tab");
      await page.keyboard.press("ArrowRight");
      assert((await page.getByRole("tab", { selected: true }).textContent()).startsWith("Code"), "ArrowRight did not move to Code");
      assert(await page.evaluate(() => document.activeElement?.getAttribute("role") === "tab"), "focus left the tab list");
    });

    await check("reload mid-run resumes the stream with ?after=", async () => {
      const before = await versionCount(page);
      const composer = page.getByLabel("Ask for a change");
      await composer.fill("Rename it to My Tasks");
      await composer.press("Enter");
      await waitPhase(page, ["running", "building"], 30_000);
      // Wait until some events have been seen, then reload.
      await page.locator("[data-testid=progress] [data-step]").first().waitFor({ timeout: 30_000 });
      await page.waitForTimeout(300);
      eventRequests.length = 0;
      await shot(page, "before-reload");
      await page.reload();
      await page.locator("[data-testid=phase]").waitFor();
      await page.waitForFunction(() => document.querySelectorAll("[data-testid=progress] [data-step]").length > 0, null, { timeout: 30_000 });
      await shot(page, "after-reload");
      const resumed = eventRequests.find((r) => r.after > 0);
      log("events requests after reload:", JSON.stringify(eventRequests));
      const phase = await waitPhase(page, ["done", "error"]);
      assert(phase === "done", `resumed run ended in ${phase}`);
      await page.waitForFunction((n) => Number(document.querySelector("#tab-versions span")?.textContent ?? 0) > n, before, { timeout: 15_000 });
      assert(resumed, `the reloaded page did not resume with ?after=<seq> (requests: ${JSON.stringify(eventRequests)}); the run may have ended before the reload`);
      await shot(page, "resumed-done");
    });

    await check("network loss mid-run: the stream reconnects and the run finishes", async () => {
      const before = await versionCount(page);
      const composer = page.getByLabel("Ask for a change");
      await composer.fill("Add a notes field");
      await composer.press("Enter");
      await waitPhase(page, ["running", "building"], 30_000);
      await page.locator("[data-testid=progress] [data-step]").first().waitFor({ timeout: 30_000 });
      eventRequests.length = 0;
      cable.cut(2500);
      await page.getByText("Reconnecting…").waitFor({ timeout: 5_000 });
      await shot(page, "network-lost-reconnecting");
      const phase = await waitPhase(page, ["done", "error"]);
      assert(phase === "done", `run ended in ${phase} after the network came back`);
      await page.waitForFunction((n) => Number(document.querySelector("#tab-versions span")?.textContent ?? 0) > n, before, { timeout: 15_000 });
      log("events requests after going offline:", JSON.stringify(eventRequests));
      assert(eventRequests.some((r) => r.after > 0), "did not resume with ?after=<seq>");
      await shot(page, "online-again-done");
    });

    await check("an error shows where it happened, and Retry recovers", async () => {
      const before = await versionCount(page);
      // The API refuses the next run once (as when storage is briefly unavailable).
      let refused = 0;
      await page.route("**/api/agent", async (route) => {
        if (refused++ > 0) return route.continue();
        await route.fulfill({ status: 503, contentType: "application/json", body: JSON.stringify({ error: { code: "storage_unavailable", message: "storage is unavailable; try again" } }) });
      });
      const composer = page.getByLabel("Ask for a change");
      await composer.fill("Add a priority field");
      await composer.press("Enter");
      const alert = page.getByRole("alert").filter({ hasText: "storage is unavailable" });
      await alert.waitFor({ timeout: 10_000 });
      assert((await phaseOf(page)) === "error", "phase is not error");
      await shot(page, "error-with-retry");
      axeSeen.error = await axeViolations(page);
      await alert.getByRole("button", { name: "Retry" }).focus();
      await page.keyboard.press("Enter");
      const phase = await waitPhase(page, ["done"], RUN_TIMEOUT).catch(() => phaseOf(page));
      await page.unroute("**/api/agent");
      assert(phase === "done", `retry ended in ${phase}`);
      const asked = await page.locator("[data-testid=user-message]", { hasText: "Add a priority field" }).count();
      assert(asked === 1, `the retried request shows ${asked} times`);
      await page.waitForFunction((n) => Number(document.querySelector("#tab-versions span")?.textContent ?? 0) > n, before, { timeout: 15_000 });
    });

    await check("axe: an error with Retry, 0 violations", async () => {
      assert(axeSeen.error, "the error state was not checked");
      assert(axeSeen.error.length === 0, describeViolations(axeSeen.error));
    });

    await check("phone 390×844: conversation and input first, drawer closed, app one tap away, preview fits", async () => {
      const phone = await browser.newContext({ viewport: { width: 390, height: 844 }, isMobile: true, hasTouch: true });
      const p = await phone.newPage();
      try {
        await p.goto(page.url());
        await waitPhase(p, ["done"], 30_000);
        const overflow = await p.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
        assert(overflow <= 1, `page scrolls sideways by ${overflow}px`);
        assert(await p.locator("#thread-sidebar").isHidden(), "the threads drawer is open on a phone");
        assert((await p.getByRole("button", { name: "Chat", exact: true }).getAttribute("aria-pressed")) === "true", "the chat is not what shows first");
        const composer = p.getByLabel("Ask for a change");
        const box = await composer.boundingBox();
        assert(box && box.y >= 0 && box.y + box.height <= 844 && box.x >= 0 && box.x + box.width <= 390, `the input is not on screen: ${JSON.stringify(box)}`);
        await composer.tap();
        await p.keyboard.type("make it blue", { delay: 2 });
        assert((await composer.inputValue()) === "make it blue", "typing into the input did not work");
        await composer.fill("");
        assert((await p.locator("[data-testid=user-message]").count()) > 0, "the conversation is not visible");
        await shot(p, "phone-chat");
        await expectNoViolations(p, "the phone chat pane");

        // The drawer: opens over the chat, Escape closes it and gives focus back to its toggle.
        const toggle = p.getByRole("button", { name: "Show your apps" });
        await toggle.tap();
        await p.locator("#thread-sidebar").waitFor();
        await shot(p, "phone-drawer");
        await expectNoViolations(p, "the phone threads drawer");
        await p.locator("#thread-sidebar button").first().focus();
        await p.keyboard.press("Escape");
        assert(await p.locator("#thread-sidebar").isHidden(), "Escape did not close the drawer");
        assert(await p.evaluate(() => document.activeElement?.getAttribute("aria-controls") === "thread-sidebar"), "focus did not go back to the drawer's toggle");
        // Picking a thread closes it too.
        await toggle.tap();
        await p.locator("#thread-sidebar [aria-current=page]").tap();
        assert(await p.locator("#thread-sidebar").isHidden(), "picking a thread did not close the drawer");

        await p.getByRole("button", { name: "App", exact: true }).tap();
        const frame = p.locator("[data-testid=preview-frame]");
        await frame.waitFor();
        const fb = await frame.boundingBox();
        assert(fb && fb.x >= 0 && fb.x + fb.width <= 390 + 0.5, `the preview does not fit the width: ${JSON.stringify(fb)}`);
        assert(await p.getByRole("tab", { name: "Code" }).isVisible(), "the app tabs are not shown");
        await shot(p, "phone-app");
        await expectNoViolations(p, "the phone app pane");
      } finally {
        await phone.close();
      }
    });

    await check("a window that narrows below the desktop breakpoint closes the drawer", async () => {
      await page.setViewportSize({ width: 1440, height: 900 });
      if (await page.locator("#thread-sidebar").isHidden()) await page.getByRole("button", { name: "Show your apps" }).click();
      await page.locator("#thread-sidebar").waitFor();
      await page.setViewportSize({ width: 390, height: 844 });
      await page.waitForFunction(() => document.getElementById("thread-sidebar")?.hidden === true, null, { timeout: 5_000 });
      assert(await page.getByLabel("Ask for a change").isVisible(), "the input is not visible after narrowing");
      await page.setViewportSize({ width: 1440, height: 900 });
    });

    await check("no page errors in the UI", async () => {
      const relevant = pageErrors.filter((e) => !/favicon|ERR_ABORTED|net::ERR|status of 503/.test(e));
      assert(relevant.length === 0, relevant.join("\n"));
    });
  } catch (e) {
    results.push({ name: "setup", ok: false, error: String(e?.stack ?? e) });
    log("setup failed:", e?.message ?? e);
  } finally {
    await browser?.close().catch(() => undefined);
    cable.close();
    proc.kill("SIGTERM");
    await new Promise((r) => setTimeout(r, 300));
    if (proc.exitCode === null) proc.kill("SIGKILL");
    writeFileSync(join(artifacts, "server.log"), serverLog.join(""));
    writeFileSync(join(artifacts, "results.json"), JSON.stringify({ results, metrics }, null, 2));
    if (!process.env.E2E_KEEP_DATA) rmSync(data, { recursive: true, force: true });
  }
  const passed = results.filter((r) => r.ok).length;
  const failed = results.length - passed;
  for (const r of results.filter((x) => !x.ok)) console.log(`\n--- FAILED: ${r.name}\n${r.error}`);
  console.log(`\nmetrics: ${JSON.stringify(metrics)}`);
  console.log(`${passed} passed, ${failed} failed`);
  process.exit(failed ? 1 : 0);
}

main().catch((e) => {
  console.error(e);
  console.log("0 passed, 1 failed");
  process.exit(1);
});
