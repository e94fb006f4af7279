// Drives appgen with the official AG-UI client and fails on any schema error, ordering error or
// warning. Two modes:
//   node check.mjs flow   --base URL --thread T --prompt TEXT [--answers JSON] [--followup TEXT]...
//   node check.mjs replay --base URL --thread T --run R
// Prints one JSON object (runs, outcomes, failures) and exits 1 on any failure.
import { HttpAgent, EventType } from "@ag-ui/client";
import { EventSchema } from "@ag-ui/core/schemas";

const args = process.argv.slice(2);
const mode = args.shift();
const opt = (name, dflt) => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? args[i + 1] : dflt;
};
const all = (name) => args.flatMap((a, i) => (a === `--${name}` ? [args[i + 1]] : []));
const base = opt("base");
const threadId = opt("thread");
const headers = opt("headers") ? JSON.parse(opt("headers")) : {};

const fails = [];
console.warn = (...a) => fails.push("warn: " + a.join(" "));
console.error = (...a) => fails.push("error: " + a.join(" "));

/** A fetch that keeps the raw bytes for framing/schema checks; `rewrite` may turn the POST into a GET. */
function teeFetch(raw, rewrite) {
  return async (url, init) => {
    const [u, i] = rewrite ? rewrite(url, init) : [url, init];
    const r = await fetch(u, i);
    raw.status = r.status;
    raw.ct = r.headers.get("content-type");
    if (!r.body) return r;
    const [a, b] = r.body.tee();
    raw.done = (async () => {
      const d = new TextDecoder();
      for await (const c of b) raw.text += d.decode(c, { stream: true });
    })();
    return new Response(a, { status: r.status, headers: r.headers });
  };
}

function checkRaw(raw, label) {
  if (raw.status && raw.status >= 400) return; // the client reports it
  if (!raw.ct?.startsWith("text/event-stream")) fails.push(`${label}: content-type ${raw.ct}`);
  if (raw.text.includes("\r\n")) fails.push(`${label}: CRLF framing`);
  let lastId = 0;
  for (const f of raw.text.split("\n\n")) {
    const lines = f.split("\n");
    const id = lines.find((l) => l.startsWith("id:"));
    if (id) {
      const n = Number(id.slice(3).trim());
      if (!(n > lastId)) fails.push(`${label}: ids not increasing (${lastId} then ${n})`);
      lastId = n;
    }
    const d = lines.filter((l) => l.startsWith("data:")).map((l) => l.slice(5).replace(/^ /, "")).join("\n");
    if (!d) continue;
    let j;
    try {
      j = JSON.parse(d);
    } catch {
      fails.push(`${label}: non-JSON frame`);
      continue;
    }
    const r = EventSchema.safeParse(j);
    if (!r.success) fails.push(`${label}: schema: ${r.error.message}`);
  }
}

async function run(agent, raw, params, label) {
  const seen = [];
  let outcome = null;
  raw.text = "";
  try {
    const res = await agent.runAgent(params, {
      onEvent: ({ event }) => seen.push(event),
    });
    outcome = res;
  } catch (e) {
    fails.push(`${label}: runAgent rejected: ${e.message}`);
  }
  await raw.done;
  checkRaw(raw, label);
  const first = seen[0];
  if (first?.type !== EventType.RUN_STARTED || first.threadId !== threadId || (params.runId && first.runId !== params.runId))
    fails.push(`${label}: bad RUN_STARTED ${JSON.stringify(first)}`);
  const last = seen.at(-1);
  if (![EventType.RUN_FINISHED, EventType.RUN_ERROR].includes(last?.type)) fails.push(`${label}: no terminal event`);
  const counts = {};
  for (const e of seen) counts[e.type] = (counts[e.type] ?? 0) + 1;
  return { runId: params.runId, events: seen.length, counts, last, steps: seen.filter((e) => e.type === "STEP_STARTED").map((e) => e.stepName), subagents: seen.filter((e) => e.type === "SUBAGENT_STARTED").map((e) => e.name), result: outcome?.result };
}

/** Default answers from an interrupt's responseSchema (what a user accepting defaults sends). */
function defaults(schema) {
  const out = {};
  for (const [k, v] of Object.entries(schema?.properties ?? {})) out[k] = v.default;
  return out;
}

const report = { mode, threadId, runs: [] };
if (mode === "flow") {
  const raw = { text: "" };
  const agent = new HttpAgent({
    url: `${base}/api/agent`,
    headers,
    fetch: teeFetch(raw),
    threadId,
    initialMessages: [{ id: `u-${Date.now()}`, role: "user", content: opt("prompt") }],
  });
  const r1 = await run(agent, raw, { runId: `${threadId}-r1`, tools: [], context: [], forwardedProps: {} }, "initial");
  report.runs.push(r1);
  const interrupts = r1.last?.outcome?.type === "interrupt" ? r1.last.outcome.interrupts : [];
  if (interrupts.length) {
    const given = opt("answers") ? JSON.parse(opt("answers")) : null;
    const resume = interrupts.map((i) => ({ interruptId: i.id, status: "resolved", payload: given ?? defaults(i.responseSchema) }));
    report.runs.push(await run(agent, raw, { runId: `${threadId}-r2`, resume }, "answers"));
  }
  let n = 3;
  for (const text of all("followup")) {
    agent.addMessage({ id: `u-${Date.now()}-${n}`, role: "user", content: text });
    report.runs.push(await run(agent, raw, { runId: `${threadId}-r${n}` }, `followup ${n}`));
    n += 1;
  }
  report.state = { status: agent.state?.status, versions: agent.state?.versions?.length, preview: agent.state?.preview };
  report.messages = agent.messages.length;
} else if (mode === "replay") {
  const runId = opt("run");
  const raw = { text: "" };
  const url = `${base}/api/threads/${threadId}/runs/${runId}/events`;
  const agent = new HttpAgent({
    url,
    headers,
    threadId,
    fetch: teeFetch(raw, (u, init) => [u, { method: "GET", headers: { ...headers, Accept: "text/event-stream" }, signal: init.signal }]),
  });
  report.runs.push(await run(agent, raw, { runId }, "replay"));
} else {
  fails.push(`unknown mode ${mode}`);
}
report.fails = fails;
process.stdout.write(JSON.stringify(report) + "\n");
process.exit(fails.length ? 1 : 0);
