// Sharing in a real browser: four principals (named API keys) against a real `appgen serve`.
// Alice invites bob as editor and carol as viewer through the Share dialog; each opens the link
// in their own browser context and sees the thread (bob signs in by typing his key into the
// UI's sign-in form; alice's and carol's contexts send theirs as a header); carol's answer is refused with the 403's
// message and her message box is disabled with the reason; dave, never invited, gets 404.
// Then alice answers the questions and, while her run is going, bob's change is queued (both
// windows show it, with his name), runs next, and both windows show the two versions with
// their authors, without a reload (the thread stream).
//
//   npm run build && APPGEN_BIN=../target/debug/appgen node e2e/share.mjs

import { spawn } from "node:child_process";
import { mkdtempSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { chromium } from "playwright-core";
import { axeViolations } from "./axe.mjs";

const webDir = resolve(dirname(fileURLToPath(import.meta.url)), "..");
const bin = resolve(webDir, process.env.APPGEN_BIN ?? "../target/debug/appgen");
const freePort = () =>
  new Promise((res) => {
    const s = createServer().listen(0, "127.0.0.1", () => {
      const p = s.address().port;
      s.close(() => res(p));
    });
  });
const [port, previewPort] = [await freePort(), await freePort()];
const base = `http://127.0.0.1:${port}`;
const data = mkdtempSync(join(tmpdir(), "appgen-share-"));
const proc = spawn(bin, ["serve", "--addr", `127.0.0.1:${port}`, "--preview-addr", `127.0.0.1:${previewPort}`, "--data", data, "--web-dir", join(webDir, "dist")], {
  stdio: ["ignore", "ignore", "inherit"],
  env: { ...process.env, APPGEN_API_KEYS: "Alice=alice,Bob=bob,Carol=carol,Dave=dave", RUST_BACKTRACE: "0" },
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

let browser;
try {
  for (let i = 0; ; i++) {
    if ((await fetch(`${base}/api/health`).catch(() => null))?.ok) break;
    if (i > 200) throw new Error("appgen serve did not start");
    await new Promise((r) => setTimeout(r, 50));
  }
  const T = "t-share";
  const msg = { threadId: T, runId: "r1", messages: [{ id: "m1", role: "user", content: "A reading list with a title and an author per book" }], tools: [], context: [], state: {}, forwardedProps: {} };
  const started = await as("alice", "/api/agent", { method: "POST", body: JSON.stringify(msg) });
  check("alice starts a thread", started.status === 200, started.status);

  browser = await chromium.launch({ executablePath: "/usr/bin/chromium", args: ["--headless", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage"] });
  const pageOf = async (who) => (await browser.newContext({ viewport: { width: 1440, height: 900 }, extraHTTPHeaders: { "x-api-key": who } })).newPage();
  // Bob says who he is in the UI: his key typed once into the sign-in form, no header injected.
  const freshPage = async () => (await browser.newContext({ viewport: { width: 1440, height: 900 } })).newPage();

  const alice = await pageOf("alice");
  await alice.goto(`${base}/?thread=${T}`);
  await alice.getByRole("button", { name: "Share", exact: true }).click();
  const links = {};
  let shown = "";
  for (const role of ["editor", "viewer"]) {
    await alice.getByLabel("Invite as").selectOption(role);
    await alice.getByRole("button", { name: "Create link" }).click();
    // Wait for this link, not the one shown before it.
    const link = await alice.waitForFunction((prev) => {
      const v = document.querySelector("[data-testid=invite-link]")?.value;
      return v && v !== prev ? v : null;
    }, shown);
    shown = links[role] = await link.jsonValue();
  }
  check("alice makes two different links", links.editor !== links.viewer && links.viewer.startsWith(base), JSON.stringify(links));

  const bob = await freshPage();
  await bob.goto(links.editor);
  await bob.getByRole("heading", { name: "Sign in with your key" }).waitFor();
  const signInIssues = await axeViolations(bob);
  check("the sign-in page has no WCAG A/AA violations", signInIssues.length === 0, JSON.stringify(signInIssues));
  await bob.getByLabel("Your key", { exact: true }).fill("not-a-key");
  await bob.getByRole("button", { name: "Sign in" }).click();
  const unknown = await bob.getByRole("alert").filter({ hasText: "does not know that key" }).waitFor({ timeout: 10_000 }).then(() => true, () => false);
  check("a wrong key is refused in the sign-in form", unknown);
  await bob.getByLabel("Your key", { exact: true }).fill("bob");
  await bob.getByRole("button", { name: "Sign in" }).click();
  await bob.getByTestId("thread-title").waitFor();
  check("bob, signed in with his key, is named in the header", (await bob.getByTestId("signed-in-as").textContent()) === "Bob");
  check("the key stays in bob's tab only", (await bob.evaluate(() => sessionStorage.getItem("appgen.apiKey"))) === "bob");
  check("bob lands on the thread", new URL(bob.url()).searchParams.get("thread") === T, bob.url());
  await bob.getByTestId("thread-list-role").waitFor();
  check("bob's list marks it shared as editor", (await bob.getByTestId("thread-list-role").textContent()).includes("editor"));
  check("bob has no Share button", (await bob.getByRole("button", { name: "Share", exact: true }).count()) === 0);

  const carol = await pageOf("carol");
  await carol.goto(links.viewer);
  await carol.getByRole("button", { name: "Continue with these answers" }).click();
  const refused = await carol.getByText("your role on this thread is viewer").first().waitFor({ timeout: 10_000 }).then(() => true, () => false);
  check("carol's answer is refused with the 403's message", refused);
  const why = await carol.getByTestId("composer-blocked").textContent().catch(() => "");
  const box = await carol.getByLabel("Ask for a change").isDisabled();
  check("carol's message box is disabled, saying why", box && why.includes("viewer"), `${box} ${why}`);

  // Alice answers (a run that builds); bob, seeing it run, asks for a change: it is queued.
  await alice.getByRole("dialog").getByRole("button", { name: "Close" }).click();
  await alice.getByRole("button", { name: "Continue with these answers" }).click();
  await bob.getByPlaceholder(/will be queued/).waitFor({ timeout: 20_000 });
  await bob.getByLabel("Ask for a change").fill("Add a rating from 1 to 5");
  await bob.getByLabel("Ask for a change").press("Enter");
  const queuedIn = async (page) =>
    page.getByTestId("queued-message").filter({ hasText: "Add a rating from 1 to 5" }).waitFor({ timeout: 20_000 }).then(() => true, () => false);
  check("bob's change shows as queued in his window", await queuedIn(bob));
  check("and in alice's, without a reload", await queuedIn(alice));
  const queuedBy = await alice.getByTestId("queued-message").first().textContent();
  check("alice sees who queued it, by the name of bob's key", queuedBy.includes("Bob"), queuedBy);

  // It runs next; both windows end with v1 (alice's answers) and v2 (bob's change).
  // A run's end switches the workspace to the preview (maybe between two looks): open the
  // Versions tab and read it until both versions show their authors and nothing is queued.
  const versionsOf = async (page) => {
    const until = Date.now() + 150_000;
    for (;;) {
      await page.getByRole("tab", { name: "Versions" }).click();
      const authors = await page.getByTestId("version-author").allTextContents();
      if (authors.length >= 2 && (await page.getByTestId("queued-message").count()) === 0) return authors;
      if (Date.now() > until) throw new Error(`the second version did not show its author: ${authors}`);
      await page.waitForTimeout(500);
    }
  };
  const [inAlice, inBob] = await Promise.all([versionsOf(alice), versionsOf(bob)]).catch(async (e) => {
    const t = JSON.parse((await as("alice", `/api/threads/${T}`)).body);
    const shown = await Promise.all([alice, bob].map((p) => p.locator("[data-testid=versions] > li").count()));
    throw new Error(`${e.message}\nruns: ${JSON.stringify(t.runs.map((r) => [r.runId, r.status, r.version, r.error]))} queued: ${t.queued.length} shown: ${shown}`);
  });
  const api = JSON.parse((await as("alice", `/api/threads/${T}`)).body).state.versions.map((v) => v.author?.name);
  check("both windows show two versions with authors", inAlice.length === 2 && JSON.stringify(inAlice) === JSON.stringify(inBob), `${inAlice} | ${inBob} | api: ${api} | ${await alice.getByTestId("versions").innerHTML()}`);
  check("v2 is bob's, v1 alice's", inAlice.length === 2 && inAlice[0] !== inAlice[1] && inAlice.some((a) => a.includes("Bob")), JSON.stringify(inAlice));
  const present = await alice.getByTestId("presence").getByRole("listitem").count();
  check("alice's header shows who is here", present >= 2, present);

  const reused = await as("dave", new URL(links.editor).pathname.replace("/invite/", "/api/invites/") + "/accept", { method: "POST" });
  check("a used single-use link refuses dave", reused.status === 409, reused.body);
  const dave = await as("dave", `/api/threads/${T}`);
  check("dave gets 404", dave.status === 404, dave.status);

  await alice.reload();
  await alice.getByRole("button", { name: "Share", exact: true }).click();
  const members = alice.getByRole("list", { name: "Members" }).getByRole("listitem");
  await members.nth(2).waitFor();
  check("alice sees owner, editor and viewer", (await members.count()) === 3);

  // Alice removes carol while carol has the thread open: carol's window is told at once.
  const carolId = JSON.parse((await as("carol", "/api/me")).body).you.principal;
  const removed = await as("alice", `/api/threads/${T}/members/${encodeURIComponent(carolId)}`, { method: "DELETE" });
  check("alice removes carol", removed.status === 204, removed.body);
  const told = await carol.getByText("You can no longer open this thread").first().waitFor({ timeout: 10_000 }).then(() => true, () => false);
  check("carol's open window says her access ended", told);
} catch (e) {
  check("no exception", false, e.stack);
} finally {
  await browser?.close();
  proc.kill();
}
const failed = results.filter((r) => !r).length;
console.log(`${results.length - failed} passed, ${failed} failed`);
process.exit(failed ? 1 : 0);
