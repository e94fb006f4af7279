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
{ // tic-tac-toe: X takes the top row
  const { page, errs, close } = await open(7);
  for (const [r, c] of [[1, 1], [2, 1], [1, 2], [2, 2], [1, 3]]) await page.getByRole("button", { name: `Row ${r}, column ${c}`, exact: true }).click();
  report("grid game announces the winner", /X wins!/.test(await text(page)), JSON.stringify(errs));
  await page.getByRole("button", { name: "New game" }).click();
  report("grid game restarts", /'s turn/.test(await text(page)) && !/wins!/.test(await text(page)));
  close();
}
{ // connect four: discs fall, turns alternate, four in a column wins
  const { page, errs, close } = await open(8);
  await page.getByRole("button", { name: "Drop in column 1", exact: true }).first().click();
  report("disc drops to the bottom", (await page.locator(".game-cell").nth(35).getAttribute("aria-label")) === "Drop in column 1: Red" && /Yellow's turn/.test(await text(page)));
  for (const col of [2, 1, 2, 1, 2, 1]) await page.getByRole("button", { name: `Drop in column ${col}`, exact: true }).first().click();
  report("four in a row wins", /Red wins!/.test(await text(page)), JSON.stringify(errs));
  close();
}
{ // memory: two flips make a try
  const { page, errs, close } = await open(9);
  await page.getByRole("button", { name: /^Card 1,/ }).click(); await page.getByRole("button", { name: /^Card 2,/ }).click();
  const t = await text(page);
  report("memory counts tries", /Tries: 1/.test(t) && /Pairs found: [01] \/ 6/.test(t), JSON.stringify(errs));
  close();
}
{ // shop: the basket total follows the lines, with the fee
  const { page, errs, close } = await open(10);
  await page.getByRole("button", { name: "Add Roses to basket" }).click();
  report("basket total with the fee", (await text(page)).includes("$12.60"));
  await page.getByRole("button", { name: "One more Roses" }).click();
  report("quantity changes the total", (await text(page)).includes("$25.20"));
  await page.getByRole("button", { name: "Remove Roses" }).click();
  report("remove empties the basket", /basket is empty/i.test(await text(page)), JSON.stringify(errs));
  close();
}
{ // stopwatch ticks and records splits
  const { page, errs, close } = await open(11);
  await page.getByRole("button", { name: "Start" }).click(); await page.waitForTimeout(400);
  const shown = await page.getByRole("timer").innerText();
  await page.getByRole("button", { name: "Split" }).click();
  report("stopwatch ticks", shown !== "00:00.00", shown);
  report("split recorded", /Split 1: 00:00\.\d\d/.test(await text(page)), JSON.stringify(errs));
  close();
}
{ // flashcards: add one, reveal its back
  const { page, errs, close } = await open(12);
  await page.getByLabel("German word").fill("Hund"); await page.getByLabel("English meaning").fill("dog"); await page.getByRole("button", { name: "Add card" }).click();
  const before = await page.locator(".flashcard").innerText();
  await page.locator(".flashcard").click();
  report("card flips to its meaning", before.includes("Hund") && !before.includes("dog") && (await page.locator(".flashcard").innerText()).includes("dog"), JSON.stringify(errs));
  close();
}
{ // feed: newest first, likes count
  const { page, errs, close } = await open(13);
  for (const m of ["first post", "second post"]) { await page.getByLabel("Name").fill("Ana"); await page.getByLabel("Message").fill(m); await page.getByRole("button", { name: "Post", exact: true }).click(); }
  const posts = await page.locator("article.post").allInnerTexts();
  report("newest post on top", posts.length === 2 && posts[0].includes("second post"), JSON.stringify(posts));
  await page.getByRole("button", { name: /^Like this post/ }).first().click();
  report("like counts", /Like · 1/.test(await page.locator("article.post").first().innerText()), JSON.stringify(errs));
  close();
}
{ // recipe scaler: doubling the batch doubles every amount
  const { page, errs, close } = await open(14);
  await page.getByRole("textbox", { name: "Ingredient", exact: true }).fill("Flour"); await page.getByLabel("Amount").fill("200"); await page.getByLabel("Unit").fill("g");
  await page.getByRole("button", { name: "Add ingredient" }).click();
  await page.getByLabel("Original cookies").fill("12"); await page.getByLabel("New cookies").fill("24");
  report("amounts scale", (await text(page)).includes("400 g"), JSON.stringify(errs));
  close();
}
{ // split: a cost paid by one is owed by the others
  const { page, errs, close } = await open(15);
  for (const n of ["Ana", "Ben"]) { await page.getByLabel("Flatmate name").fill(n); await page.getByRole("button", { name: "Add flatmate" }).click(); }
  await page.getByLabel("What it was").fill("Dinner"); await page.getByLabel("Paid by").fill("Ana"); await page.getByLabel("Amount").fill("30");
  await page.getByRole("button", { name: "Add expense" }).click();
  const t = await text(page);
  report("balances split equally", t.includes("Ben: owes $15.00") && t.includes("Ana: is owed $15.00"), JSON.stringify(errs));
  close();
}
{ // roll-up: a sign-up takes its places from its workshop's capacity
  const { page, errs, close } = await open(16);
  const left = () => page.locator("ul.groups li").filter({ hasText: "Pottery" }).innerText();
  report("capacity before", /10 left of 10/.test(await left()), await left());
  await page.getByLabel("Workshop", { exact: true }).selectOption("Pottery"); await page.getByRole("textbox", { name: /^Name/ }).fill("Ana"); await page.getByLabel("Number of places", { exact: true }).fill("3");
  await page.getByRole("button", { name: /^add/i }).click();
  report("places left per workshop", /7 left of 10/.test(await left()) && /10 left of 10/.test(await page.locator("ul.groups li").filter({ hasText: "Painting" }).innerText()), JSON.stringify(errs));
  close();
}
{ // roll-up: a finished chapter raises its novel's percentage
  const { page, errs, close } = await open(17);
  const add = async (title, state) => { await page.getByRole("textbox", { name: /^Title/ }).fill(title); await page.getByRole("textbox", { name: /^Novel/ }).fill("Dune"); await page.getByLabel("State", { exact: true }).selectOption(state); await page.getByRole("button", { name: /^add/i }).click(); };
  await add("One", "Draft");
  const dune = () => page.locator("ul.groups li").filter({ hasText: "Dune" }).innerText();
  report("percent done before", /0% done \(0 of 1\)/.test(await dune()), await dune());
  await add("Two", "Finished");
  report("percent done per parent", /50% done \(1 of 2\)/.test(await dune()), JSON.stringify(errs));
  close();
}
await browser.close();
process.exit(failures > 0 ? 1 : 0);
