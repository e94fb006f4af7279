// Sign-in in real browsers, on one private-per-person app's preview (a sandboxed, opaque origin):
// user A signs up and adds an entry; user B, in a fresh context, signs up and does not see it;
// A signs in again in a fresh context (after a wrong password, shown in place) and sees it, and
// an entry A adds there appears live in A's first context but never in B's; signing out hides it.
//   node signin.mjs <previewUrl>
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
const stamp = Date.now().toString(36);
const A = { email: `ann.${stamp}@example.com`, password: "ann's long secret" };
const B = { email: `bob.${stamp}@example.com`, password: "bob's long secret" };
const PRIVATE_NOTE = "Private to your account";

async function open(browser) {
  const context = await browser.newContext();
  const page = await context.newPage();
  const errors = [];
  page.on("console", (m) => m.type() === "error" && errors.push(m.text()));
  await page.goto(url, { waitUntil: "load" });
  await page.getByLabel("Email", { exact: true }).waitFor({ timeout: 10000 });
  return { context, page, errors };
}

function button(page, name) {
  return page.getByRole("button", { name, exact: true });
}

async function enter(page, who, action) {
  await page.getByLabel("Email", { exact: true }).fill(who.email);
  await page.getByLabel("Password", { exact: true }).fill(who.password);
  await button(page, action).click();
}

// Signed in and the person's own list loaded from the server.
async function ready(page) {
  await button(page, "Sign out").waitFor({ timeout: 5000 });
  await page.getByText(PRIVATE_NOTE).first().waitFor({ timeout: 5000 });
}

// Adds an entry through the app's form and waits for the server to store it.
async function add(page, text) {
  const form = page.locator("form").first();
  const inputs = form.locator("input, textarea");
  for (let i = 0; i < (await inputs.count()); i++) {
    const input = inputs.nth(i);
    // A textarea has no type attribute: it counts as text.
    const type = (await input.getAttribute("type")) || "text";
    if (type === "date") await input.fill("2026-12-07");
    else if (type === "number") await input.fill("2");
    else if (type === "text") await input.fill(i === 0 ? text : `About ${text}`);
  }
  const stored = page.waitForResponse((r) => r.request().method() === "POST" && r.url().includes("/data/") && r.status() === 201);
  await form.locator('button[type="submit"]').first().click();
  await stored;
}

async function shows(page, text) {
  return (await page.getByText(text).count()) > 0;
}

async function absent(page, text) {
  const n = await page.getByText(text).count();
  if (n !== 0) throw new Error(`"${text}" is visible to the wrong person`);
}

const browser = await chromium.launch({
  executablePath: process.env.APPGEN_CHROMIUM || "/usr/bin/chromium",
  args: ["--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage"],
});
const report = { ok: false, userA: A };
try {
  const a = await open(browser);
  report.saysMemoryOnly = await shows(a.page, "You'll be signed out when you close this preview");
  await enter(a.page, A, "Sign up");
  await ready(a.page);
  const entryA = `Entry A ${stamp}`;
  await add(a.page, entryA);

  const b = await open(browser);
  await enter(b.page, B, "Sign up");
  await ready(b.page);
  await absent(b.page, entryA);
  report.otherUserSeesIt = false;
  const entryB = `Entry B ${stamp}`;
  await add(b.page, entryB);

  const again = await open(browser);
  await enter(again.page, { ...A, password: "not the password" }, "Sign in");
  report.wrongPassword = (await again.page.getByRole("alert").first().textContent({ timeout: 5000 })) || "";
  again.errors.length = 0; // the refused sign-in's 401, logged by Chromium on purpose
  await enter(again.page, A, "Sign in");
  await ready(again.page);
  await again.page.getByText(entryA).first().waitFor({ timeout: 5000 });
  report.ownerSeesItAgain = true;
  await absent(again.page, entryB);

  // A's own changes reach A's other context live; B's never do.
  const entryA2 = `Entry A2 ${stamp}`;
  await add(again.page, entryA2);
  const t0 = Date.now();
  await a.page.getByText(entryA2).first().waitFor({ timeout: LIVE_MS });
  report.ownLiveMs = Date.now() - t0;
  await b.page.waitForTimeout(300); // as long again for a leak to reach B
  await absent(b.page, entryA2);
  await absent(a.page, entryB);

  await button(again.page, "Sign out").click();
  await button(again.page, "Sign in").waitFor({ timeout: 5000 });
  await absent(again.page, entryA);
  report.signedOut = true;

  report.consoleErrors = [...a.errors, ...b.errors, ...again.errors];
  report.ok = report.saysMemoryOnly && report.consoleErrors.length === 0;
} catch (e) {
  report.error = String(e && e.message ? e.message : e).split("\n")[0];
} finally {
  await browser.close();
}
console.log(JSON.stringify(report));
process.exit(report.ok ? 0 : 1);
