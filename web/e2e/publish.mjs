// End-to-end test of publishing: a real `appgen serve` (offline generator), Debian's Chromium
// through playwright-core. Two apps are made through the official AG-UI client; the UI
// publishes v1 of the first, a fresh browser context opens it on its own origin
// (`http://{slug}.localhost:{port}`, which Chromium resolves itself) and uses it; v2 is then
// served at the same URL; the two apps cannot read each other's storage, neither can read
// appgen's /api/threads; Unpublish makes the URL answer 404; "Deploy to Vercel" (the server has
// a token) deploys to a minimal stand-in of Vercel's API whose build takes a few seconds: the UI
// shows the stage and then the URL from the thread stream (the API's faults are
// functions/handler/tests/deploy.rs's, against functions/testkit/src/vercel.rs).
//
//   APPGEN_BIN=../target/debug/appgen npm run e2e:publish

import { spawn, execFileSync } from "node:child_process";
import { createHash } from "node:crypto";
import { mkdtempSync } from "node:fs";
import { createServer as createHttpServer } from "node:http";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { chromium } from "playwright-core";
import { expectNoViolations } from "./axe.mjs";

const here = dirname(fileURLToPath(import.meta.url));
const webDir = resolve(here, "..");
const bin = resolve(webDir, process.env.APPGEN_BIN ?? "../target/debug/appgen");
const agui = resolve(webDir, "../functions/handler/tests/agui/check.mjs");
const results = [];
const log = (...a) => console.log(`[publish ${new Date().toISOString().slice(11, 19)}]`, ...a);

function freePort() {
  return new Promise((res, rej) => {
    const s = createServer();
    s.once("error", rej);
    s.listen(0, "127.0.0.1", () => {
      const { port } = s.address();
      s.close(() => res(port));
    });
  });
}

function assert(cond, msg) {
  if (!cond) throw new Error(msg);
}

async function check(name, fn) {
  const t0 = Date.now();
  try {
    await fn();
    results.push({ name, ok: true });
    log(`PASS ${name} (${((Date.now() - t0) / 1000).toFixed(1)} s)`);
  } catch (e) {
    results.push({ name, ok: false, error: String(e?.stack ?? e) });
    log(`FAIL ${name}: ${e?.message ?? e}`);
  }
}

async function waitForHealth(base, proc) {
  const end = Date.now() + 60_000;
  while (Date.now() < end) {
    if (proc.exitCode !== null) throw new Error(`appgen exited with ${proc.exitCode}`);
    const ok = await fetch(`${base}/api/health`).then((r) => r.ok, () => false);
    if (ok) return;
    await new Promise((r) => setTimeout(r, 250));
  }
  throw new Error("GET /api/health did not answer in time");
}

/** A minimal Vercel API on loopback: files by SHA-1, a deployment that is BUILDING for 3 s. */
function vercelStandIn(token) {
  const uploads = new Map();
  const deployments = [];
  const server = createHttpServer((req, res) => {
    const chunks = [];
    req.on("data", (c) => chunks.push(c));
    req.on("end", () => {
      const body = Buffer.concat(chunks);
      const json = (status, v) => res.writeHead(status, { "content-type": "application/json" }).end(JSON.stringify(v));
      if (req.headers.authorization !== `Bearer ${token}`) return json(401, { error: { code: "forbidden", message: "Not authorized" } });
      if (req.method === "POST" && req.url.startsWith("/v2/files")) {
        const sha = createHash("sha1").update(body).digest("hex");
        if (sha !== req.headers["x-vercel-digest"]) return json(400, { error: { code: "invalid_sha", message: "SHA1 mismatch" } });
        uploads.set(sha, body);
        return json(200, {});
      }
      if (req.method === "POST" && req.url.startsWith("/v13/deployments")) {
        const d = JSON.parse(body.toString());
        const missing = d.files.filter((f) => !uploads.has(f.sha)).map((f) => f.sha);
        if (missing.length) return json(400, { error: { code: "missing_files", message: "Missing files", missing } });
        d.created = Date.now();
        deployments.push(d);
        return json(200, { id: `dpl_${deployments.length}`, url: `${d.name}-${deployments.length}.vercel.app`, readyState: "QUEUED" });
      }
      const m = /^\/v13\/deployments\/dpl_(\d+)$/.exec(req.url);
      const d = m && deployments[Number(m[1]) - 1];
      const readyState = d && Date.now() - d.created >= 3000 ? "READY" : "BUILDING";
      if (req.method === "GET" && d) return json(200, { id: `dpl_${m[1]}`, url: `${d.name}-${m[1]}.vercel.app`, readyState });
      json(404, { error: { code: "not_found", message: "Not found" } });
    });
  });
  return new Promise((res) => server.listen(0, "127.0.0.1", () => res({ server, deployments, base: `http://127.0.0.1:${server.address().port}` })));
}

/** An app made through the official client (prompt, default answers, optional follow-up). */
function makeApp(base, thread, prompt, followup) {
  const args = [agui, "flow", "--base", base, "--thread", thread, "--prompt", prompt];
  if (followup) args.push("--followup", followup);
  execFileSync("node", args, { cwd: dirname(agui), stdio: ["ignore", "ignore", "inherit"], timeout: 300_000 });
}

/** Opens `url` in a fresh context (no shared storage or cache with anything before). */
async function fresh(browser, url) {
  const context = await browser.newContext();
  const page = await context.newPage();
  const errors = [];
  page.on("pageerror", (e) => errors.push(e.message));
  const res = await page.goto(url, { waitUntil: "load" });
  return { context, page, status: res?.status() ?? 0, errors };
}

/** The app works: a record typed into its form shows up. */
async function useApp(page, marker) {
  const form = page.locator("form").first();
  await form.waitFor({ timeout: 30_000 });
  await form.locator("input[type=text], input:not([type]), textarea").first().fill(marker);
  for (const el of await form.locator("input[required]").all()) {
    if (await el.inputValue()) continue;
    const type = await el.getAttribute("type");
    await el.fill(type === "date" ? "2030-01-02" : type === "number" ? "3" : "x");
  }
  await form.locator("button[type=submit], button:not([type]), input[type=submit]").first().click();
  await page.getByText(marker).first().waitFor({ timeout: 10_000 });
}

const scriptSrc = (page) => page.locator("script[type=module]").first().getAttribute("src");

async function main() {
  const [port, previewPort, appsPort] = [await freePort(), await freePort(), await freePort()];
  const data = mkdtempSync(join(tmpdir(), "appgen-publish-"));
  const base = `http://127.0.0.1:${port}`;
  const vercel = await vercelStandIn("e2e-vercel-token");
  const proc = spawn(bin, ["serve", "--local", "--addr", `127.0.0.1:${port}`, "--preview-addr", `127.0.0.1:${previewPort}`, "--apps-port", String(appsPort), "--data", data, "--web-dir", join(webDir, "dist")], {
    stdio: ["ignore", "ignore", "inherit"],
    env: { ...process.env, RUST_LOG: "warn", APPGEN_VERCEL_TOKEN: "e2e-vercel-token", APPGEN_VERCEL_API: vercel.base, APPGEN_VERCEL_POLL_MS: "50" },
  });
  let browser;
  try {
    await waitForHealth(base, proc);
    log("making two apps through the official client");
    makeApp(base, "t-one", "A task list: each task has a title and a done checkbox.", "Change the background to lavender");
    makeApp(base, "t-two", "A reading list: each book has a title and an author.");
    browser = await chromium.launch({ executablePath: "/usr/bin/chromium", args: ["--headless", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--no-first-run"] });
    const ui = await (await browser.newContext({ viewport: { width: 1440, height: 900 } })).newPage();
    await ui.goto(`${base}/?thread=t-one`, { waitUntil: "load" });
    await ui.getByRole("tab", { name: /Versions/ }).click();
    let url = "";
    let v1Script = "";

    await check("the versions list publishes v1; the URL is on its own origin", async () => {
      await ui.getByRole("button", { name: "Publish this version (v1)" }).click();
      const link = ui.locator("[data-testid=published-url]");
      await link.waitFor({ timeout: 10_000 });
      url = (await link.getAttribute("href")) ?? "";
      assert(new RegExp(`^http://[a-z0-9-]+\\.localhost:${appsPort}/$`).test(url), `not an apps URL: ${url}`);
      await ui.locator("[data-version='1']").getByText("published").waitFor();
      await ui.getByRole("button", { name: "Copy the published URL" }).waitFor();
      await expectNoViolations(ui, "the versions list with a published version");
    });

    await check("a fresh context opens the published app and it works", async () => {
      const { context, page, status, errors } = await fresh(browser, url);
      assert(status === 200, `answered ${status}`);
      await useApp(page, `Published task ${Date.now() % 100000}`);
      v1Script = (await scriptSrc(page)) ?? "";
      assert(errors.length === 0, `page errors: ${errors.join("\n")}`);
      await page.evaluate(() => localStorage.setItem("e2e-secret", "from app one"));
      await context.close();
    });

    await check("publish v2: the same URL serves v2", async () => {
      await ui.getByRole("button", { name: "Publish this version (v2)" }).click();
      await ui.locator("[data-version='2']").getByText("published").waitFor({ timeout: 10_000 });
      assert((await ui.locator("[data-testid=published-url]").getAttribute("href")) === url, "the URL changed");
      const { context, page, status } = await fresh(browser, url);
      assert(status === 200, `answered ${status}`);
      const v2Script = await scriptSrc(page);
      assert(v2Script && v2Script !== v1Script, `still v1's assets: ${v2Script}`);
      await useApp(page, `Version two task ${Date.now() % 100000}`);
      await context.close();
    });

    await check("two published apps cannot read each other's storage", async () => {
      const res = await ui.request.post(`${base}/api/threads/t-two/publish`, { data: {} });
      assert(res.ok(), `publishing t-two answered ${res.status()}`);
      const other = (await res.json()).url;
      assert(other !== url, "two apps share a URL");
      const ctx = await browser.newContext();
      const one = await ctx.newPage();
      await one.goto(url);
      await one.evaluate(() => localStorage.setItem("e2e-secret", "from app one"));
      const two = await ctx.newPage();
      await two.goto(other, { waitUntil: "load" });
      await two.locator("form").first().waitFor({ timeout: 30_000 });
      const seen = await two.evaluate(() => localStorage.getItem("e2e-secret"));
      assert(seen === null, `app two read app one's storage: ${seen}`);
      assert((await one.evaluate(() => localStorage.getItem("e2e-secret"))) === "from app one", "the write did not stick");
      await ctx.close();
    });

    await check("a published app cannot read appgen's /api/threads", async () => {
      const { context, page } = await fresh(browser, url);
      const tries = await page.evaluate(async (api) => {
        const out = [];
        for (const target of [`${api}/api/threads`, "/api/threads"]) {
          try {
            const r = await fetch(target, { credentials: "include" });
            const text = await r.text();
            // The app's own page names its thread (its data space); appgen's list is JSON.
            out.push(text.includes('"threads"') ? `read ${target}` : `no threads from ${target}`);
          } catch {
            out.push(`blocked ${target}`);
          }
        }
        return out;
      }, base);
      assert(tries[0] === `blocked ${base}/api/threads`, tries.join("; "));
      assert(!tries[1].startsWith("read"), tries.join("; "));
      await context.close();
    });

    await check("Unpublish: the URL answers 404", async () => {
      await ui.getByRole("button", { name: "Unpublish" }).click();
      await ui.getByRole("button", { name: "Publish", exact: true }).waitFor({ timeout: 10_000 });
      const { context, status } = await fresh(browser, url);
      assert(status === 404, `answered ${status}`);
      await context.close();
    });

    await check("Download zip is offered next to publishing", async () => {
      const href = await ui.getByRole("link", { name: "Download zip of version 2" }).getAttribute("href");
      const res = await ui.request.get(new URL(href, base).href);
      assert(res.ok() && (await res.body()).subarray(0, 2).toString() === "PK", `zip answered ${res.status()}`);
    });

    await check("Deploy to Vercel shows its stages, then the URL, from the thread stream", async () => {
      await ui.getByRole("button", { name: "Deploy to Vercel" }).click();
      await ui.getByText("Vercel is making v2 live…").waitFor({ timeout: 10_000 });
      const link = ui.locator("[data-testid=vercel-url]");
      await link.waitFor({ timeout: 30_000 });
      const href = (await link.getAttribute("href")) ?? "";
      assert(/^https:\/\/[a-z0-9-]+-1\.vercel\.app$/.test(href), `not the deployment's URL: ${href}`);
      const files = vercel.deployments[0]?.files.map((f) => f.file) ?? [];
      assert(files.includes("index.html") && files.includes("vercel.json"), files.join(", "));
      await ui.getByText("v2 is live on Vercel.").waitFor();
    });
  } finally {
    await browser?.close();
    proc.kill();
    vercel.server.close();
  }
  const failed = results.filter((r) => !r.ok);
  for (const r of failed) console.log(`\n--- FAILED: ${r.name}\n${r.error}`);
  console.log(`${results.length - failed.length} passed, ${failed.length} failed`);
  process.exit(failed.length ? 1 : 0);
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
