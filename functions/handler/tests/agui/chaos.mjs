// Chaos test: N threads go through appgen serve (questions → answers → app → follow-up →
// version 2) while the server is SIGKILLed and restarted at random moments on the same data
// directory. Then every run's event stream must verify with the official @ag-ui/client (replay),
// and no user message, answer or version may be missing.
//
//   node chaos.mjs --bin ../../../../target/debug/appgen [--threads 3] [--kills 4] [--seed 7]
//
// Prints a summary and a closing "N passed, N failed" line; exits 1 on any failure.
import { spawn, spawnSync } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, dirname } from "node:path";
import { fileURLToPath } from "node:url";
import net from "node:net";

const here = dirname(fileURLToPath(import.meta.url));
const args = process.argv.slice(2);
const opt = (name, dflt) => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? args[i + 1] : dflt;
};
const bin = opt("bin");
const threads = Number(opt("threads", 3));
const kills = Number(opt("kills", 4));
let seed = Number(opt("seed", Date.now() % 100000));
const rand = () => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const deadline = Date.now() + Number(opt("timeout-secs", 600)) * 1000;

const freePort = () =>
  new Promise((resolve) => {
    const s = net.createServer();
    s.listen(0, "127.0.0.1", () => {
      const p = s.address().port;
      s.close(() => resolve(p));
    });
  });

const data = mkdtempSync(join(tmpdir(), "appgen-chaos-"));
const [api, preview, apps] = [await freePort(), await freePort(), await freePort()];
const base = `http://127.0.0.1:${api}`;
let server = null;
let restarts = 0;

function start() {
  server = spawn(bin, ["serve", "--local", "--addr", `127.0.0.1:${api}`, "--preview-addr", `127.0.0.1:${preview}`, "--apps-port", String(apps), "--data", data], {
    stdio: ["ignore", "ignore", "ignore"],
    env: { ...process.env, RUST_LOG: "warn", APPGEN_RUNS_PER_MINUTE: "10000" },
  });
}

async function up() {
  for (let i = 0; i < 400; i++) {
    try {
      const r = await fetch(`${base}/api/health`);
      if (r.ok) return;
    } catch {}
    await sleep(25);
  }
  throw new Error("server did not come back");
}

/** POST a run; tolerate the server dying under it. Returns once the run is known to exist. */
async function post(body) {
  for (;;) {
    if (Date.now() > deadline) throw new Error("timed out posting a run");
    try {
      const r = await fetch(`${base}/api/agent`, {
        method: "POST",
        headers: { "content-type": "application/json", accept: "text/event-stream" },
        body: JSON.stringify(body),
      });
      if (r.ok) {
        // Read until the end or until the connection drops with the server.
        try {
          await r.text();
        } catch {}
        return;
      }
      const e = await r.json().catch(() => ({}));
      if (e?.error?.code === "duplicate_run") return; // accepted before a kill
      if (r.status === 409) {
        await sleep(200); // a previous run still going
        continue;
      }
      throw new Error(`POST ${r.status}: ${JSON.stringify(e)}`);
    } catch (e) {
      if (String(e.message).startsWith("POST ")) throw e;
      await sleep(100 + rand() * 300); // connection refused / reset: the server is down
    }
  }
}

async function thread(t) {
  for (;;) {
    if (Date.now() > deadline) throw new Error(`timed out reading ${t}`);
    try {
      const r = await fetch(`${base}/api/threads/${t}`);
      if (r.ok) return await r.json();
    } catch {}
    await sleep(150);
  }
}

async function settle(t, want) {
  for (;;) {
    const v = await thread(t);
    if (!v.state.run && want.includes(v.state.status)) return v;
    if (Date.now() > deadline) throw new Error(`${t} stuck in ${v.state.status}`);
    await sleep(200);
  }
}

const prompts = [
  "A reading log with book title, author and pages read; show the total pages",
  "A chore list where each chore has a name, who does it and a due date",
  "A simple expense splitter: description, amount and who paid",
  "A contact list with name, phone and a favourite checkbox",
];

async function drive(i) {
  const t = `chaos-${i}`;
  await post({ threadId: t, runId: `${t}-r1`, messages: [{ id: `${t}-u1`, role: "user", content: prompts[i % prompts.length] }] });
  const asked = await settle(t, ["awaiting_answers", "error", "done"]);
  if (asked.state.status !== "awaiting_answers") throw new Error(`${t}: no questions (${asked.state.status})`);
  const interrupt = asked.state.interruptId;
  await post({ threadId: t, runId: `${t}-r2`, messages: [], resume: [{ interruptId: interrupt, status: "resolved", payload: {} }] });
  await settle(t, ["done", "error"]);
  await post({ threadId: t, runId: `${t}-r3`, messages: [{ id: `${t}-u2`, role: "user", content: "Rename the app to Chaos Tracker" }] });
  return await settle(t, ["done", "error"]);
}

async function chaos(stop) {
  let done = 0;
  while (done < kills && !stop.done) {
    await sleep(800 + rand() * 3000);
    if (stop.done) break;
    server.kill("SIGKILL");
    await new Promise((r) => server.once("exit", r));
    await sleep(100 + rand() * 600);
    start();
    restarts++;
    done++;
    await up().catch(() => {});
  }
}

const failures = [];
start();
await up();
const stop = { done: false };
const killer = chaos(stop);
const results = await Promise.allSettled(Array.from({ length: threads }, (_, i) => drive(i)));
stop.done = true;
await killer;
await up();

let checks = 0;
for (const [i, r] of results.entries()) {
  const t = `chaos-${i}`;
  checks++;
  if (r.status === "rejected") {
    failures.push(`${t}: ${r.reason?.message ?? r.reason}`);
    continue;
  }
  const v = await thread(t);
  const users = v.messages.filter((m) => m.role === "user").map((m) => m.id);
  for (const [what, ok] of [
    ["both user messages kept once", users.length === 2 && new Set(users).size === 2],
    ["answers kept", v.state.answers && typeof v.state.answers === "object"],
    ["two versions", v.state.versions.length === 2],
    ["every run ended", v.runs.every((run) => run.status !== "running")],
    ["three runs", v.runs.length === 3],
  ]) {
    checks++;
    if (!ok) failures.push(`${t}: ${what} (${JSON.stringify({ users, versions: v.state.versions.length, runs: v.runs.map((r) => r.status) })})`);
  }
  for (const run of v.runs) {
    checks++;
    const out = spawnSync("node", [join(here, "check.mjs"), "replay", "--base", base, "--thread", t, "--run", run.runId], { encoding: "utf8" });
    if (out.status !== 0) failures.push(`${t} ${run.runId}: stream does not verify: ${out.stdout.slice(0, 600)}`);
  }
}
server.kill("SIGKILL");
rmSync(data, { recursive: true, force: true });
console.log(JSON.stringify({ threads, kills: restarts, seed, failures }, null, 1));
console.log(`${checks - failures.length} passed, ${failures.length} failed`);
process.exit(failures.length ? 1 : 0);
