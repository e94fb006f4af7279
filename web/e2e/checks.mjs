// "Add a check" in a real browser against a real `appgen serve` (offline generator, real
// builder and Chromium check). Alice has a task list that does not keep its data; in the Tests
// tab she types a check that passes and one that fails on it: each appears in the table with
// its result on v1 (no new version), the failing one with its evidence and screenshot. A
// sentence the reader cannot read gets its message, adds nothing and leaves the thread's
// status as it was. Carol, a
// viewer, sees the checks but no "Add a check".
//
//   npm run build && APPGEN_BIN=../target/debug/appgen node e2e/checks.mjs

import { spawn } from "node:child_process";
import { mkdtempSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { chromium } from "playwright-core";

const webDir = resolve(dirname(fileURLToPath(import.meta.url)), "..");
const bin = resolve(webDir, process.env.APPGEN_BIN ?? "../target/debug/appgen");
const freePort = () =>
  new Promise((res) => {
    const s = createServer().listen(0, "127.0.0.1", () => {
      const p = s.address().port;
      s.close(() => res(p));
    });
  });
// Its own apps port too: another server on this machine may hold the default one.
const [port, previewPort, appsPort] = [await freePort(), await freePort(), await freePort()];
const base = `http://127.0.0.1:${port}`;
const data = mkdtempSync(join(tmpdir(), "appgen-checks-"));
const proc = spawn(bin, ["serve", "--addr", `127.0.0.1:${port}`, "--preview-addr", `127.0.0.1:${previewPort}`, "--apps-port", String(appsPort), "--data", data, "--web-dir", join(webDir, "dist")], {
  stdio: ["ignore", "ignore", "inherit"],
  env: { ...process.env, APPGEN_API_KEYS: "Alice=alice,Carol=carol", RUST_BACKTRACE: "0" },
});
const results = [];
const check = (name, ok, detail = "") => {
  results.push(ok);
  console.log(`${ok ? "ok  " : "FAIL"} ${name}${ok ? "" : ` ${detail}`}`);
};

async function as(who, path, init = {}) {
  const res = await fetch(base + path, { ...init, headers: { "x-api-key": who, "content-type": "application/json", ...init.headers } });
  return { status: res.status, body: await res.text() };
}

async function idle(T) {
  for (let i = 0; i < 2400; i++) {
    const v = JSON.parse((await as("alice", `/api/threads/${T}`)).body);
    if (!v.state.run && v.state.status !== "idle") return v;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error("the thread did not settle");
}

const PASSES = "when I add a task with priority high it is listed first";
const FAILS = "when I add a task with title Milk it is still there after a reload";

let browser;
try {
  for (let i = 0; ; i++) {
    if ((await fetch(`${base}/api/health`).catch(() => null))?.ok) break;
    if (i > 200) throw new Error("appgen serve did not start");
    await new Promise((r) => setTimeout(r, 50));
  }
  const T = "t-checks";
  const desc = "A task list: each task has a title and a priority (low, medium, high). Add tasks and see them in a list.";
  const msg = (run, content) => ({ threadId: T, runId: run, messages: content ? [{ id: `${run}-m`, role: "user", content }] : [], tools: [], context: [], state: {}, forwardedProps: {} });
  await as("alice", "/api/agent", { method: "POST", body: JSON.stringify(msg("r1", desc)) });
  const asked = await idle(T);
  const answers = { ...msg("r2", null), resume: [{ interruptId: asked.state.interruptId, status: "resolved", payload: { persist: false } }] };
  await as("alice", "/api/agent", { method: "POST", body: JSON.stringify(answers) });
  const built = await idle(T);
  check("v1 is built", built.state.versions.length === 1, JSON.stringify(built.state.lastRun));
  const inv = JSON.parse((await as("alice", `/api/threads/${T}/invites`, { method: "POST", body: JSON.stringify({ role: "viewer" }) })).body);
  await as("carol", `/api/invites/${inv.token}/accept`, { method: "POST" });

  browser = await chromium.launch({ executablePath: "/usr/bin/chromium", args: ["--headless", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage"] });
  const pageOf = async (who) => (await browser.newContext({ viewport: { width: 1440, height: 900 }, extraHTTPHeaders: { "x-api-key": who } })).newPage();
  const alice = await pageOf("alice");
  await alice.goto(`${base}/?thread=${T}`);
  await alice.getByRole("tab", { name: "Tests" }).click();
  const tests = alice.getByTestId("tests");
  const input = alice.getByRole("textbox", { name: "Add a check" });
  const add = alice.getByRole("button", { name: "Add check" });

  // The row of a scenario and its result on v1, once the run that adds it has ended.
  const row = (name) => tests.getByRole("row").filter({ has: alice.getByRole("rowheader", { name }) });
  const resultOnV1 = async (name) => {
    const cell = row(name).getByRole("cell", { name: /^v1: (passed|failed)$/ });
    await cell.waitFor({ timeout: 180_000 });
    return cell.getAttribute("aria-label");
  };

  await input.fill(PASSES);
  await add.click();
  check("the passing check is listed with its result", (await resultOnV1(PASSES)) === "v1: passed");
  check("it says who wrote it", (await row(PASSES).innerText()).includes("written by Alice"), await row(PASSES).innerText());

  await input.fill(FAILS);
  await add.click();
  check("the failing check is listed as failed", (await resultOnV1(FAILS)) === "v1: failed");
  const failures = alice.getByRole("list", { name: "Failures on v1" });
  const failure = failures.getByRole("listitem").filter({ hasText: FAILS });
  await failure.waitFor();
  const shot = failure.getByRole("img");
  await shot.waitFor();
  const loaded = await shot.evaluate((img) => (img.complete ? img.naturalWidth : new Promise((r) => img.addEventListener("load", () => r(img.naturalWidth)))));
  check("its evidence and screenshot are shown", loaded > 0 && (await failure.innerText()).includes("expected"), await failure.innerText());

  const before = await tests.getByRole("rowheader").count();
  await input.fill("it should be nice");
  await add.click();
  const refused = alice.getByRole("form", { name: "Add a check" }).getByRole("alert");
  await refused.waitFor({ timeout: 60_000 });
  check("an unreadable check shows the reader's message", (await refused.innerText()).includes("when I add a task with"), await refused.innerText());
  await idle(T);
  check("and adds nothing", (await tests.getByRole("rowheader").count()) === before);
  const after = JSON.parse((await as("alice", `/api/threads/${T}`)).body);
  check("no new version was made", after.state.versions.length === 1, after.state.versions.length);
  check("and the thread is not in error", after.state.status === "done", after.state.status);

  const carol = await pageOf("carol");
  await carol.goto(`${base}/?thread=${T}`);
  await carol.getByRole("tab", { name: "Tests" }).click();
  await carol.getByRole("rowheader", { name: FAILS }).waitFor();
  check("a viewer sees the checks but cannot add one", (await carol.getByRole("button", { name: "Add check" }).count()) === 0);
} catch (e) {
  check("no exception", false, e.stack);
} finally {
  await browser?.close();
  proc.kill();
}
const failed = results.filter((r) => !r).length;
console.log(`${results.length - failed} passed, ${failed} failed`);
process.exit(failed ? 1 : 0);
