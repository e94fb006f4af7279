"""Latency and cost model of appgen on Azure (docs/cloud-model.md), from infra/cloud/inputs.json.

    python3 infra/cloud/model.py                    # every profile: hops, run totals, costs
    python3 infra/cloud/model.py --readme           # the README's profile table (markdown)
    python3 infra/cloud/model.py --doc              # docs/cloud-model.md's hop and cost tables
    python3 infra/cloud/model.py --profile NAME     # one profile
    python3 infra/cloud/model.py --bicep-params NAME  # the Bicep parameters NAME sets, k=v per line
    python3 infra/cloud/model.py --json             # everything, machine-readable

Latency: each hop of a run is a sum of parts with a p50 and a p95. A hop that may find its
function's instance warm or cold is a mixture: its quantile q comes from the warm branch while
q <= P(warm), else from the cold branch (the cold branch is the warm one plus a start-up, so it
is always the slower); each branch is a log-normal through its p50 and p95. A phase's p50 is the
sum of its hops' p50s, its p95 the sum of their p95s (an upper bound: every hop slow at once).

Cost: per app made (prompt -> questions, answers -> v1, one follow-up -> v2) and per month at
each volume; fixed monthly costs (registry, Static Web App, always-ready baseline, polling) are
spread over the month's apps. Free grants are subtracted per month.
"""

from __future__ import annotations

import json
import math
import re
import sys
from dataclasses import dataclass, field
from pathlib import Path
from statistics import NormalDist

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[1]
AGENTS = ROOT / "functions" / "runtime" / "agents"
SECONDS_PER_MONTH = 30 * 86400
Z95 = NormalDist().inv_cdf(0.95)


def load(path: Path = HERE / "inputs.json") -> dict:
    return json.loads(path.read_text())


# ---- distributions ---------------------------------------------------------------------------

@dataclass(frozen=True)
class Dist:
    """A latency through its p50 and p95 (seconds)."""

    p50: float
    p95: float

    def __add__(self, other: "Dist") -> "Dist":
        return Dist(self.p50 + other.p50, self.p95 + other.p95)

    def scaled(self, k: float) -> "Dist":
        return Dist(self.p50 * k, self.p95 * k)

    def quantile(self, q: float) -> float:
        if self.p50 <= 0:
            return self.p95 * q / 0.95 if q < 0.95 else self.p95
        sigma = max(math.log(max(self.p95, self.p50) / self.p50), 1e-9) / Z95
        return math.exp(math.log(self.p50) + sigma * NormalDist().inv_cdf(min(max(q, 1e-9), 1 - 1e-9)))


ZERO = Dist(0.0, 0.0)


def uniform_wait(max_s: float) -> Dist:
    """Waiting for the next poll of a poller that polls every max_s seconds."""
    return Dist(0.5 * max_s, 0.95 * max_s)


def mixture(warm: Dist, cold: Dist, p_warm: float) -> Dist:
    def q(level: float) -> float:
        if p_warm >= 1 or (p_warm > 0 and level <= p_warm):
            return warm.quantile(level / p_warm if p_warm < 1 else level)
        return cold.quantile((level - p_warm) / (1 - p_warm))

    return Dist(q(0.5), q(0.95))


def dist(entry: dict) -> Dist:
    return Dist(entry["p50"], entry["p95"])


def duration_s(hms: str) -> float:
    h, m, s = hms.split(":")
    return int(h) * 3600 + int(m) * 60 + float(s)


# ---- tokens ----------------------------------------------------------------------------------

def agent_prompt(name: str) -> tuple[str, int]:
    """(route, characters of the prompt template + its JSON schema) for one agent."""
    text = (AGENTS / f"{name}.md").read_text()
    route = re.search(r"^route:\s*(\w+)", text, re.M)
    schema = (AGENTS / f"{name}.schema.json").read_text()
    return (route.group(1) if route else "fast"), len(text) + len(schema)


def call_tokens(inp: dict, name: str) -> dict:
    t = inp["tokens"]
    route, prompt_chars = agent_prompt(name)
    call = t["calls"][name]
    ctx = t["context_chars"]
    code_ctx = {"files", "requirements", "wireframe", "errors"}
    text_chars = prompt_chars + sum(ctx[c] for c in call["context"] if c not in code_ctx)
    code_chars = sum(ctx[c] for c in call["context"] if c in code_ctx)
    tokens_in = text_chars / t["chars_per_token_text"]["value"] + code_chars / t["chars_per_token_code"]["value"]
    tokens_out = call["output_chars"] / t["chars_per_token_code"]["value"]
    return {"route": route, "input": round(tokens_in), "output": round(tokens_out)}


def model_call(inp: dict, name: str) -> Dist:
    lat = inp["latency"]
    tok = call_tokens(inp, name)
    rate = lat["model_tokens_per_s"][tok["route"]]
    gen = tok["output"] / rate
    return dist(lat["model_first_token"]) + Dist(gen, gen * lat["model_slow_factor_p95"]["value"])


# ---- latency ---------------------------------------------------------------------------------

@dataclass
class Hop:
    name: str
    latency: Dist
    source: str


@dataclass
class Phase:
    name: str
    hops: list[Hop] = field(default_factory=list)

    @property
    def total(self) -> Dist:
        out = ZERO
        for h in self.hops:
            out = out + h.latency
        return out


def p_warm(inp: dict, executions_per_month: float, always_ready: int, ttl_key: str = "instance_keepalive") -> float:
    """Chance an execution finds an instance alive: always-ready, or another execution of the
    same function within the keep-alive before it (Poisson arrivals)."""
    if always_ready > 0:
        return 1.0
    rate = executions_per_month / SECONDS_PER_MONTH
    return 1 - math.exp(-rate * inp["latency"][ttl_key]["value"])


class Model:
    def __init__(self, inp: dict, profile: str, volume: float):
        self.inp = inp
        self.lat = inp["latency"]
        self.run = inp["run"]
        self.knobs = inp["profiles"][profile]["bicep"]
        self.profile = profile
        self.volume = volume

    # -- hop parts --
    def http_start(self, in_session: bool) -> Hop:
        warm = dist(self.lat["http_frontend"]) + dist(self.lat["handler_first_event"])
        cold = warm + dist(self.lat["flex_cold_start"])
        # Within a session the HTTP group served the previous phase think_time ago.
        p = 1.0 if in_session and self.run["think_time"]["value"] < self.lat["instance_keepalive"]["value"] else p_warm(
            self.inp, self.volume * self.run["http_requests_per_app"]["value"], self.knobs["alwaysReadyHttp"]
        )
        return Hop("HTTP start (request -> first event)", mixture(warm, cold, p), "http_frontend, flex_cold_start")

    def pickup(self, function: str, runs_per_app: float, in_session: bool = False) -> Hop:
        poll = duration_s(self.knobs["queueMaxPollingInterval"])
        warm = uniform_wait(poll) + dist(self.lat["queue_op"])
        cold = dist(self.lat["queue_scale_from_zero"]) + dist(self.lat["flex_cold_start"]) + dist(self.lat["queue_op"])
        p = 1.0 if in_session else p_warm(self.inp, self.volume * runs_per_app, self.knobs["alwaysReadySteps"])
        return Hop(f"queue pickup: {function}", mixture(warm, cold, p), "queue-trigger maxPollingInterval, flex_cold_start")

    def work(self, agent: str | None, label: str) -> Hop:
        d = dist(self.lat["step_overhead"])
        if agent:
            d = d + model_call(self.inp, agent)
        return Hop(f"step work: {label}", d, "model call (tokens / rate)" if agent else "readme-numbers")

    def build_pickup(self) -> Hop:
        poll = uniform_wait(self.knobs["buildPollingInterval"])
        start = dist(self.lat["job_container_start"])
        mbps = self.inp["image"]["registry_mbps"][self.knobs["registrySkuName"]]
        pull_s = self.inp["image"]["compressed_mb"]["value"] * 8 / mbps
        pull = Dist(pull_s, pull_s * self.lat["pull_slow_factor_p95"]["value"])
        builds = self.volume * self.builds_per_app()
        p_cached = 1.0 if self.knobs["buildMinExecutions"] > 0 else p_warm(self.inp, builds, 0, "image_cache_ttl")
        return Hop("build job start (poll + execution + image pull)", poll + mixture(start, start + pull, p_cached), "aca-jobs pollingInterval, acr-skus bandwidth, image-size")

    def relay(self) -> Hop:
        return Hop("relay to the browser", uniform_wait(self.lat["relay_poll"]["value"]) + dist(self.lat["blob_read"]), "code relay.rs POLL")

    def builds_per_app(self) -> float:
        f = self.run["followups_per_app"]["value"]
        return (1 + f) * (1 + self.run["fix_rounds_per_build"]["value"])

    # -- phases --
    def phases(self) -> list[Phase]:
        followups = self.run["followups_per_app"]["value"]
        build = [
            self.build_pickup(),
            Hop("step work: build + Chromium check", dist(self.lat["build_and_check"]), "readme-numbers"),
        ]
        review = [self.pickup("review", 1 + followups), self.work(None, "review")]
        a = Phase("prompt -> questions", [
            self.http_start(in_session=False),
            self.pickup("clarify", 1),
            self.work("clarify", "clarify (fast model)"),
            self.relay(),
        ])
        b = Phase("answers -> checked preview", [
            self.http_start(in_session=True),
            self.pickup("requirements", 1), self.work("requirements", "requirements (fast model)"),
            self.pickup("wireframe", 1), self.work("wireframe", "wireframe (fast model)"),
            self.pickup("code", 1), self.work("code", "code (strong model)"),
            *build,
            *review,
            self.relay(),
        ])
        c = Phase("follow-up -> v2", [
            self.http_start(in_session=True),
            self.pickup("modify", followups), self.work("modify", "modify (strong model)"),
            *build,
            self.pickup("review", 1 + followups, in_session=True), self.work(None, "review"),
            self.relay(),
        ])
        return [a, b, c]

    # -- cost --
    def tokens_per_app(self) -> dict:
        f = self.run["followups_per_app"]["value"]
        fixes = self.builds_per_app() - (1 + f)
        calls = {"clarify": 1, "requirements": 1, "wireframe": 1, "code": 1, "modify": f, "fix": fixes}
        out = {"fast": {"input": 0.0, "output": 0.0}, "strong": {"input": 0.0, "output": 0.0}, "calls": sum(calls.values())}
        for name, n in calls.items():
            t = call_tokens(self.inp, name)
            out[t["route"]]["input"] += n * t["input"]
            out[t["route"]]["output"] += n * t["output"]
        return out

    def monthly_cost(self) -> dict:
        pr = self.inp["prices"]
        run = self.run
        v = self.volume
        mem = run["instance_memory_gb"]["value"]
        phases = self.phases()
        f = run["followups_per_app"]["value"]

        # Function App. Flex bills an instance's memory while it runs at least one execution, so
        # overlapping executions on one instance are billed once: the busy time of a group with
        # Poisson arrivals is the month times P(at least one execution running) = 1 - exp(-rate * duration).
        # HTTP: busy while a run's stream is open (each phase). Steps: each function on its own.
        def busy_s(executions: float, seconds: float) -> float:
            return SECONDS_PER_MONTH * (1 - math.exp(-executions / SECONDS_PER_MONTH * seconds))

        stream_s = [max(1.0, p.total.p50) for p in phases]
        http_busy = sum(busy_s(v, s) for s in stream_s)
        step_work = [h for p in phases for h in p.hops if h.name.startswith("step work") and "build" not in h.name]
        fixes = self.builds_per_app() - (1 + f)
        step_busy = sum(busy_s(v, max(1.0, math.ceil(h.latency.p50 * 10) / 10)) for h in step_work) + busy_s(v * fixes, 60.0)
        executions = v * (run["http_requests_per_app"]["value"] + len(step_work) + fixes)
        ar_http, ar_steps = self.knobs["alwaysReadyHttp"], self.knobs["alwaysReadySteps"]
        n_steps = len(self.inp_step_functions())
        on_demand_gb_s = mem * ((0 if ar_http else http_busy) + (0 if ar_steps else step_busy))
        ar_exec_gb_s = mem * ((http_busy if ar_http else 0) + (step_busy if ar_steps else 0))
        baseline_gb_s = (ar_http + ar_steps * n_steps) * mem * SECONDS_PER_MONTH
        functions = (
            max(0.0, on_demand_gb_s - pr["flex_free_gb_s"]["value"]) * pr["flex_on_demand_gb_s"]["value"]
            + max(0.0, executions - pr["flex_free_executions"]["value"]) / 1e6 * pr["flex_on_demand_per_million"]["value"]
            + ar_exec_gb_s * pr["flex_always_ready_exec_gb_s"]["value"]
            + baseline_gb_s * pr["flex_always_ready_baseline_gb_s"]["value"]
        )

        # Storage: step operations, relay polls while streams are open, queue polls of live hosts
        # (an always-ready step instance polls all month; an on-demand one while it lingers).
        ops = run["storage_ops_per_step"]
        steps_per_app = len(step_work) + self.builds_per_app()
        relay_reads = v * sum(stream_s) / self.lat["relay_poll"]["value"]
        poll = duration_s(self.knobs["queueMaxPollingInterval"])
        keepalive = self.lat["instance_keepalive"]["value"]
        live_step_s = n_steps * SECONDS_PER_MONTH if ar_steps else n_steps * busy_s(v, keepalive)
        host_polls = live_step_s / poll
        keda_polls = SECONDS_PER_MONTH / self.knobs["buildPollingInterval"]
        storage = (
            v * steps_per_app * ops["write"] / 1e4 * pr["storage_write_per_10k"]["value"]
            + (v * steps_per_app * ops["read"] + relay_reads + keda_polls) / 1e4 * pr["storage_read_per_10k"]["value"]
            + host_polls / 1e4 * pr["queue_poll_per_10k"]["value"]
            + v * run["stored_mb_per_app"]["value"] / 1024 * pr["blob_gb_month"]["value"]
        )

        # Build job: each build execution, plus the warm builder's empty executions.
        build_s = self.inp["latency"]["build_and_check"]["p50"] + run["job_billed_overhead"]["value"]
        job_s = v * self.builds_per_app() * build_s + self.knobs["buildMinExecutions"] * keda_polls * run["job_billed_overhead"]["value"]
        vcpu_s, gib_s = job_s * run["job_vcpu"]["value"], job_s * run["job_memory_gib"]["value"]
        build_job = (
            max(0.0, vcpu_s - pr["aca_free_vcpu_s"]["value"]) * pr["aca_vcpu_s"]["value"]
            + max(0.0, gib_s - pr["aca_free_gib_s"]["value"]) * pr["aca_gib_s"]["value"]
        )

        registry = pr["acr_per_day"][self.knobs["registrySkuName"]] * 30
        monitoring = max(0.0, v * run["log_mb_per_app"]["value"] / 1024 - pr["log_free_gb"]["value"]) * pr["log_gb"]["value"]
        tok = self.tokens_per_app()
        m = pr["model"]
        model = v * sum(
            tok[r]["input"] / 1e6 * m[r]["input_per_m"] + tok[r]["output"] / 1e6 * m[r]["output_per_m"] for r in ("fast", "strong")
        )
        parts = {
            "function app": functions,
            "storage": storage,
            "build job": build_job,
            "registry": registry,
            "static web app": pr["swa_standard_month"]["value"],
            "monitoring": monitoring,
            "model tokens": model,
        }
        parts = {k: round(x, 4) for k, x in parts.items()}
        total = round(sum(parts.values()), 4)
        return {"parts": parts, "total": total, "per_app": round(total / v, 4) if v else None}

    def inp_step_functions(self) -> list[str]:
        # The Bicep's stepFunctionNames: the functions alwaysReadySteps keeps warm.
        text = (ROOT / "bicep" / "main.bicep").read_text()
        block = re.search(r"var stepFunctionNames = \[(.*?)\]", text, re.S)
        return re.findall(r"'([a-z]+)'", block.group(1)) if block else []


# ---- report ----------------------------------------------------------------------------------

def evaluate(inp: dict, profile: str, volume: float | None = None) -> dict:
    volume = inp["reference_volume"] if volume is None else volume
    m = Model(inp, profile, volume)
    phases = m.phases()
    return {
        "profile": profile,
        "volume": volume,
        "phases": [
            {
                "name": p.name,
                "hops": [{"name": h.name, "p50": round(h.latency.p50, 3), "p95": round(h.latency.p95, 3), "source": h.source} for h in p.hops],
                "p50": round(p.total.p50, 3),
                "p95": round(p.total.p95, 3),
            }
            for p in phases
        ],
        "cost": {str(v): Model(inp, profile, v).monthly_cost() for v in inp["volumes"]},
        "tokens_per_app": m.tokens_per_app(),
    }


def bicep_params(inp: dict, profile: str) -> list[str]:
    return [f"{k}={v}" for k, v in inp["profiles"][profile]["bicep"].items()]


def readme_table(inp: dict) -> str:
    vols = inp["volumes"]
    head = "| profile | what it sets | prompt → questions p50 | answers → checked preview p50 (p95) | follow-up → v2 p50 | " + " | ".join(
        f"$/month at {v:,} apps" for v in vols
    ) + " |"
    lines = [head, "|" + "---|" * (5 + len(vols))]
    for name in inp["profiles"]:
        r = evaluate(inp, name)
        a, b, c = r["phases"]
        knobs = ", ".join(bicep_params(inp, name))
        costs = " | ".join(f"{r['cost'][str(v)]['total']:,.0f} (${r['cost'][str(v)]['per_app']:.3g}/app)" for v in vols)
        lines.append(f"| **{name}** | `{knobs}` | {a['p50']:.1f} s | {b['p50']:.0f} s ({b['p95']:.0f} s) | {c['p50']:.0f} s | {costs} |")
    return "\n".join(lines)


def doc_tables(inp: dict) -> str:
    """docs/cloud-model.md's two generated tables: every hop of each phase, and the monthly
    cost by part, for the three profiles at the reference volume."""
    results = {n: evaluate(inp, n) for n in inp["profiles"]}
    names = list(results)
    lines = [
        f"Hops at {inp['reference_volume']:,} apps a month, seconds, p50 / p95:",
        "",
        "| phase | hop | " + " | ".join(names) + " |",
        "|" + "---|" * (2 + len(names)),
    ]
    first = results[names[0]]
    for pi, phase in enumerate(first["phases"]):
        for hi, hop in enumerate(phase["hops"]):
            cells = []
            for n in names:
                h = results[n]["phases"][pi]["hops"][hi]
                cells.append(f"{h['p50']:.2f} / {h['p95']:.2f}")
            lines.append(f"| {phase['name'] if hi == 0 else ''} | {hop['name']} | " + " | ".join(cells) + " |")
        totals = " | ".join(f"**{results[n]['phases'][pi]['p50']:.1f} / {results[n]['phases'][pi]['p95']:.1f}**" for n in names)
        lines.append(f"| | **total** | {totals} |")
    lines += ["", "Monthly cost by part, USD (per app in brackets):", ""]
    vols = inp["volumes"]
    lines.append("| part | " + " | ".join(f"{n} at {v:,}" for n in names for v in vols) + " |")
    lines.append("|" + "---|" * (1 + len(names) * len(vols)))
    parts = list(first["cost"][str(vols[0])]["parts"])
    for part in parts + ["total"]:
        cells = []
        for n in names:
            for v in vols:
                c = results[n]["cost"][str(v)]
                x = c["total"] if part == "total" else c["parts"][part]
                cells.append(f"{x:,.2f}" + (f" ({c['per_app']:.3g})" if part == "total" else ""))
        label = f"**{part}**" if part == "total" else part
        lines.append(f"| {label} | " + " | ".join(cells) + " |")
    t = first["tokens_per_app"]
    lines += [
        "",
        f"Tokens per app ({t['calls']:.1f} calls): fast model {t['fast']['input']:,.0f} in / {t['fast']['output']:,.0f} out, "
        f"strong model {t['strong']['input']:,.0f} in / {t['strong']['output']:,.0f} out.",
    ]
    return "\n".join(lines)


def print_profile(inp: dict, name: str) -> None:
    r = evaluate(inp, name)
    print(f"== {name} at {r['volume']:,} apps/month: {inp['profiles'][name]['about']}")
    for p in r["phases"]:
        print(f"  {p['name']}: p50 {p['p50']:.2f} s, p95 {p['p95']:.2f} s")
        for h in p["hops"]:
            print(f"    {h['name']:<52} p50 {h['p50']:>7.3f} s  p95 {h['p95']:>7.3f} s   [{h['source']}]")
    for v, c in r["cost"].items():
        parts = ", ".join(f"{k} {x:,.2f}" for k, x in c["parts"].items())
        print(f"  {int(v):>7,} apps/month: ${c['total']:,.2f}/month, ${c['per_app']:.4f}/app ({parts})")
    t = r["tokens_per_app"]
    print(f"  tokens per app: fast {t['fast']['input']:.0f} in / {t['fast']['output']:.0f} out, strong {t['strong']['input']:.0f} in / {t['strong']['output']:.0f} out, {t['calls']:.1f} calls")


def main(argv: list[str]) -> int:
    inp = load()
    if "--bicep-params" in argv:
        name = argv[argv.index("--bicep-params") + 1]
        if name not in inp["profiles"]:
            print(f"unknown profile {name!r}: {', '.join(inp['profiles'])}", file=sys.stderr)
            return 2
        print("\n".join(bicep_params(inp, name)))
        return 0
    if "--readme" in argv:
        print(readme_table(inp))
        return 0
    if "--doc" in argv:
        print(doc_tables(inp))
        return 0
    names = [argv[argv.index("--profile") + 1]] if "--profile" in argv else list(inp["profiles"])
    if "--json" in argv:
        json.dump([evaluate(inp, n) for n in names], sys.stdout, indent=2)
        print()
        return 0
    for n in names:
        print_profile(inp, n)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
