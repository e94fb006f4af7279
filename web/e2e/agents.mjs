// Who served a step, in a real browser: against an `appgen serve` whose requirements step an
// external AG-UI agent serves (functions/handler/tests/external_agent.rs starts one of
// examples/agents/ and the server, then runs this), a user starts an app in Chromium and the run
// timeline names the agent on the step, nests its run (SUBAGENT_STARTED … FINISHED) under it with
// what it said, and the chat attributes its narration to it; the steps appgen did itself name
// no agent.
//
//   node e2e/agents.mjs --base http://127.0.0.1:PORT --agent "Pydantic AI (team-planner)"
//
// Prints "ok"/"FAIL" lines and exits non-zero on any failure; screenshots go to e2e/artifacts/.

import { mkdirSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { chromium } from "playwright-core";
import { axeViolations, describeViolations } from "./axe.mjs";

const args = process.argv.slice(2);
const opt = (name) => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? args[i + 1] : undefined;
};
const base = opt("base");
const agent = opt("agent");
if (!base || !agent) {
  console.error("usage: node e2e/agents.mjs --base URL --agent NAME");
  process.exit(2);
}
const TIMEOUT = Number(process.env.E2E_RUN_TIMEOUT_MS ?? 240_000);
const artifacts = join(dirname(fileURLToPath(import.meta.url)), "artifacts");
mkdirSync(artifacts, { recursive: true });

const results = [];
const check = (name, ok, detail = "") => {
  results.push(ok);
  console.log(`${ok ? "ok  " : "FAIL"} ${name}${ok ? "" : `: ${detail}`}`);
};

let browser;
try {
  browser = await chromium.launch({ executablePath: "/usr/bin/chromium", args: ["--headless", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage"] });
  const page = await (await browser.newContext({ viewport: { width: 1440, height: 900 } })).newPage();
  const errors = [];
  page.on("pageerror", (e) => errors.push(e.message));
  await page.goto(`${base}/`);
  await page.getByRole("heading", { name: "What do you want to build?" }).waitFor();
  await page.keyboard.type("A todo list with a title and a due date for each task");
  await page.keyboard.press("Enter");
  await page.getByRole("button", { name: /Continue with these answers/ }).click({ timeout: TIMEOUT });

  const requirements = page.locator("[data-testid=progress] [data-step=requirements]");
  const served = requirements.locator("[data-testid=subagent][data-status=ok]");
  await served.first().waitFor({ timeout: TIMEOUT });
  await page.locator("[data-testid=phase][data-phase=done]").waitFor({ timeout: TIMEOUT });
  await page.screenshot({ path: join(artifacts, "agents-attribution.png") });

  const named = await requirements.locator("[data-testid=external-agent]").textContent();
  check("the requirements step names the agent that served it", named?.trim() === `— ${agent}`, named);
  const runs = await requirements.locator("[data-testid=subagent-name]").allTextContents();
  check("its run is nested under the step, by the same name", runs.length >= 1 && runs.every((r) => r === agent), JSON.stringify(runs));
  const said = await requirements.locator("[data-testid=subagent-said]").allTextContents();
  check("what the agent said is shown under its run", said.some((s) => s.length > 2), JSON.stringify(said));
  const authors = await page.locator("[data-testid=message-agent]").allTextContents();
  check("its narration in the chat is attributed to it", authors.length >= 1 && authors.every((a) => a === agent), JSON.stringify(authors));
  const others = await page.locator("[data-testid=progress] [data-step]:not([data-step=requirements]) [data-testid=external-agent], [data-testid=progress] [data-step]:not([data-step=requirements]) [data-testid=subagent]").count();
  const steps = await page.locator("[data-testid=progress] [data-step]").count();
  check("the steps appgen did itself name no external agent", steps > 1 && others === 0, `${others} of ${steps} steps`);
  const violations = await axeViolations(page);
  check("axe: the timeline with a nested agent run, 0 WCAG 2.1 AA violations", violations.length === 0, describeViolations(violations));
  check("no page errors", errors.length === 0, errors.join("\n"));
} catch (e) {
  check("the run in the browser", false, e?.message ?? String(e));
} finally {
  await browser?.close();
}
const failed = results.filter((ok) => !ok).length;
console.log(`${results.length - failed} passed, ${failed} failed`);
process.exit(failed ? 1 : 0);
