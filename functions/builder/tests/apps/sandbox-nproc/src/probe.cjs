// Runs during the build: starts many processes and reports how many the limit allowed.
const { execFileSync } = require("node:child_process");

const probe = `
const { spawn } = require("node:child_process");
let ok = 0;
let failed = 0;
const children = [];
for (let i = 0; i < 200; i++) {
  try {
    const c = spawn("sleep", ["5"], { stdio: "ignore" });
    c.on("error", () => failed++);
    c.on("spawn", () => ok++);
    children.push(c);
  } catch {
    failed++;
  }
}
setTimeout(() => {
  console.log(JSON.stringify({ ok, failed }));
  for (const c of children) c.kill("SIGKILL");
  process.exit(0);
}, 1500);
`;

const result = execFileSync(process.execPath, ["-e", probe], { encoding: "utf8", timeout: 15000 }).trim();
throw new Error("PROBE " + result);
