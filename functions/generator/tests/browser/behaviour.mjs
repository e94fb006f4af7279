import http from "node:http"; import fs from "node:fs"; import path from "node:path";
// Drives the behaviour each kind of app promises (see tests/browser.rs). Args: APPS_DIR.
import { chromium } from "playwright-core";
const browser = await chromium.launch({ executablePath: "/usr/bin/chromium", args: ["--no-sandbox"] });
async function open(n) {
  const root = path.join(process.argv[2], String(n), "dist");
  const server = http.createServer((req, res) => { let f = path.join(root, req.url.split("?")[0]); if (fs.statSync(f, {throwIfNoEntry:false})?.isDirectory()) f = path.join(f, "index.html"); if (!fs.existsSync(f)) { res.writeHead(404).end(); return; } res.writeHead(200, {"content-type": f.endsWith(".js") ? "text/javascript" : f.endsWith(".css") ? "text/css" : "text/html"}); fs.createReadStream(f).pipe(res); });
  await new Promise(r => server.listen(0, "127.0.0.1", r));
  const page = await browser.newPage();
  const errs = []; page.on("console", m => m.type() === "error" && errs.push(m.text())); page.on("pageerror", e => errs.push(String(e)));
  await page.goto(`http://127.0.0.1:${server.address().port}/`);
  return { page, errs, close: () => { server.close(); } };
}
const text = (p) => p.evaluate(() => document.body.innerText);
let failures = 0;
const report = (name, ok, extra = "") => {
  if (!ok) failures++;
  console.log(ok ? "OK  " : "BAD ", name, extra);
};
{ // booking overlap
  const { page, errs, close } = await open(1);
  const fill = async (nm) => { await page.getByLabel("Date").fill("2026-03-01"); await page.getByLabel("Name").fill(nm); await page.getByRole("button", { name: /add booking/i }).click(); };
  await fill("Alice"); await fill("Bob");
  const t = await text(page);
  report("booking refuses overlap", t.includes("Alice") && !t.includes("Bob") && /already booked/i.test(t), JSON.stringify(errs));
  close();
}
{ // quiz
  const { page, errs, close } = await open(2);
  for (let i = 0; i < 5; i++) { await page.getByRole("radio").first().click(); await page.getByRole("button", { name: /next question|finish/i }).click(); }
  const t = await text(page);
  report("quiz shows score and restarts", /your score: \d \/ 5/i.test(t), t.match(/Your score.*/)?.[0]);
  await page.getByRole("button", { name: /restart quiz/i }).click();
  report("quiz restarted", /Question 1 of 5/.test(await text(page)), JSON.stringify(errs));
  close();
}
{ // board
  const { page, errs, close } = await open(3);
  await page.getByLabel("Title").fill("Card A"); await page.getByLabel("Owner").fill("Ana"); await page.getByRole("button", { name: /add card/i }).click();
  await page.getByRole("button", { name: /move card a to doing/i }).click();
  const doing = await page.locator('section[aria-label="Doing"]').innerText();
  report("board moves a card", doing.includes("Card A"), JSON.stringify(errs));
  close();
}
{ // tasks
  const { page, errs, close } = await open(4);
  await page.getByRole("textbox", { name: "Task", exact: true }).fill("Buy milk"); await page.getByRole("button", { name: /add task/i }).click();
  await page.getByRole("textbox", { name: "Task", exact: true }).fill("Call mom"); await page.getByRole("button", { name: /add task/i }).click();
  await page.getByLabel("Mark Buy milk done").check();
  await page.getByRole("button", { name: "Done", exact: true }).click();
  const rows = await page.locator("table tbody").innerText();
  report("tasks filter done", rows.includes("Buy milk") && !rows.includes("Call mom"), JSON.stringify(errs));
  close();
}
{ // habits
  const { page, errs, close } = await open(5);
  await page.getByRole("textbox", { name: "Habit", exact: true }).fill("Read"); await page.getByRole("button", { name: /add habit/i }).click();
  await page.getByRole("button", { name: /mark done today/i }).click();
  const t = await text(page);
  report("habit streak", /1 day/.test(t), JSON.stringify(errs));
  await page.reload(); report("habit persists", /1 day/.test(await text(page)));
  close();
}
{ // tip
  const { page, errs, close } = await open(6);
  await page.getByLabel(/bill amount/i).fill("100"); await page.getByLabel(/tip percentage/i).fill("20"); await page.getByLabel(/number of people/i).fill("4");
  const t = await text(page);
  report("tip per person", t.includes("$5.00") && t.includes("$30.00"), JSON.stringify(errs));
  close();
}
await browser.close();
process.exit(failures > 0 ? 1 : 0);
