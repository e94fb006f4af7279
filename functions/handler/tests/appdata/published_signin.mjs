// Sign-in on a published app (its own origin, `{slug}.localhost`, the live data space): the
// preview's accounts are not the live space's (A's preview password is refused), A signs up
// here, adds an entry, and after a reload is still signed in (the session is in localStorage,
// and the page does not say it will be forgotten); a fresh context is signed out.
//   node published_signin.mjs <publishedUrl> '<{"email","password"} of A in the preview>'
// playwright-core and Chromium as in signin.mjs. Prints one JSON line.
import { createRequire } from "node:module";
import path from "node:path";
import { fileURLToPath } from "node:url";

const here = path.dirname(fileURLToPath(import.meta.url));
const template = process.env.APPGEN_TEMPLATE_DIR || path.join(here, "../../../builder/template");
const { chromium } = createRequire(path.join(template, "package.json"))("playwright-core");

const url = process.argv[2];
const A = JSON.parse(process.argv[3]);
const entry = `Live entry ${Date.now().toString(36)}`;

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

async function enter(page, action) {
  await page.getByLabel("Email", { exact: true }).fill(A.email);
  await page.getByLabel("Password", { exact: true }).fill(A.password);
  await button(page, action).click();
}

async function ready(page) {
  await button(page, "Sign out").waitFor({ timeout: 5000 });
  await page.getByText("Private to your account").first().waitFor({ timeout: 5000 });
}

const browser = await chromium.launch({
  executablePath: process.env.APPGEN_CHROMIUM || "/usr/bin/chromium",
  args: ["--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage"],
});
const report = { ok: false };
try {
  const a = await open(browser);
  await enter(a.page, "Sign in");
  report.previewAccountRefused = (await a.page.getByRole("alert").first().textContent({ timeout: 5000 })) || "";
  a.errors.length = 0; // the refused sign-in's 401, logged by Chromium on purpose
  await enter(a.page, "Sign up");
  await ready(a.page);
  report.saysForgetful = (await a.page.getByText("You'll be signed out").count()) > 0;
  const form = a.page.locator("form").first();
  await form.locator("input").first().fill(entry);
  const stored = a.page.waitForResponse((r) => r.request().method() === "POST" && r.url().includes("/data/") && r.status() === 201);
  await form.locator('button[type="submit"]').first().click();
  await stored;
  await a.page.reload({ waitUntil: "load" });
  await ready(a.page);
  await a.page.getByText(entry).first().waitFor({ timeout: 5000 });
  report.signedInAfterReload = true;
  const fresh = await open(browser);
  report.freshContextSignedOut = (await button(fresh.page, "Sign out").count()) === 0;
  report.consoleErrors = [...a.errors, ...fresh.errors];
  report.ok = report.consoleErrors.length === 0;
} catch (e) {
  report.error = String(e && e.message ? e.message : e).split("\n")[0];
} finally {
  await browser.close();
}
console.log(JSON.stringify(report));
process.exit(report.ok ? 0 : 1);
