"""Measures the hops of docs/cloud-model.md on a deployment, from the client side.

    python3 infra/cloud/measure.py --base https://<static web app host> \
        --cookie "$STATIC_WEB_APPS_AUTH_COOKIE" [--runs 5] [--out measured.json]
    python3 infra/cloud/measure.py --base http://127.0.0.1:7071 --local   # against appgen serve --local

One *app made* per repetition, exactly the model's: a prompt until its questions, the answers
(the defaults) until RUN_FINISHED, one follow-up until RUN_FINISHED. Every AG-UI event is
timestamped on arrival; a step's *pickup* is the time from the previous step's STEP_FINISHED
(or from sending the request) to its STEP_STARTED, its *work* the time to its STEP_FINISHED. The
event stream is resumed with Last-Event-ID whenever it is cut (the Static Web Apps proxy cuts at
45 s): `cuts` counts them. Prints, per phase and hop, p50 and p95 over the repetitions, in the
shape of infra/cloud/inputs.json (docs/first-deployment.md says which input each one replaces).
Standard library only.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
import urllib.request
import uuid
from typing import Iterator

TERMINAL = {"RUN_FINISHED", "RUN_ERROR"}


class Client:
    def __init__(self, base: str, cookie: str | None, api_key: str | None):
        self.base = base.rstrip("/")
        self.headers = {"Accept": "text/event-stream"}
        if cookie:
            self.headers["Cookie"] = f"StaticWebAppsAuthCookie={cookie}"
        if api_key:
            self.headers["x-api-key"] = api_key

    def _open(self, method: str, path: str, body: dict | None = None, extra: dict | None = None):
        data = json.dumps(body).encode() if body is not None else None
        headers = dict(self.headers, **(extra or {}))
        if data is not None:
            headers["Content-Type"] = "application/json"
        req = urllib.request.Request(self.base + path, data=data, method=method, headers=headers)
        return urllib.request.urlopen(req, timeout=600)

    def events(self, thread: str, run: str, body: dict) -> Iterator[tuple[float, dict]]:
        """(arrival time, event) of one run until its terminal event, resuming after cuts."""
        last_id: str | None = None
        resp = self._open("POST", "/api/agent", body)
        self.cuts = 0
        while True:
            frame: list[str] = []
            for raw in resp:
                line = raw.decode("utf-8", "replace").rstrip("\n")
                if line:
                    frame.append(line)
                    continue
                data = "\n".join(l[6:] for l in frame if l.startswith("data: "))
                ids = [l[4:] for l in frame if l.startswith("id: ")]
                frame = []
                if ids:
                    last_id = ids[-1]
                if not data:
                    continue
                event = json.loads(data)
                yield time.monotonic(), event
                if event.get("type") in TERMINAL or event.get("outcome", {}).get("interrupts"):
                    return
            # The stream ended without a terminal event: the proxy cut it. Resume.
            self.cuts += 1
            extra = {"Last-Event-ID": last_id} if last_id else {}
            resp = self._open("GET", f"/api/threads/{thread}/runs/{run}/events", extra=extra)


def phase(client: Client, thread: str, run: str, body: dict) -> dict:
    sent = time.monotonic()
    hops: dict[str, float] = {}
    last_finish = sent
    first_event = None
    interrupt = None
    started: dict[str, float] = {}
    end = None
    terminal = None
    for at, ev in client.events(thread, run, body):
        first_event = first_event if first_event is not None else at - sent
        kind = ev.get("type")
        if kind == "STEP_STARTED":
            name = ev.get("stepName", "?")
            started[name] = at
            hops[f"pickup: {name}"] = hops.get(f"pickup: {name}", 0.0) + (at - last_finish)
        elif kind == "STEP_FINISHED":
            name = ev.get("stepName", "?")
            hops[f"work: {name}"] = hops.get(f"work: {name}", 0.0) + (at - started.get(name, at))
            last_finish = at
        if kind in TERMINAL or ev.get("outcome", {}).get("interrupts"):
            terminal = kind
            end = at
            interrupts = (ev.get("outcome") or {}).get("interrupts") or []
            interrupt = interrupts[0]["id"] if interrupts else None
    return {
        "first_event": first_event,
        "hops": hops,
        "total": (end or time.monotonic()) - sent,
        "terminal": terminal,
        "interrupt": interrupt,
        "cuts": client.cuts,
    }


def app(client: Client, prompt: str, followup: str) -> dict:
    thread = f"m{uuid.uuid4().hex[:10]}"
    a = phase(client, thread, f"{thread}-1", {"threadId": thread, "runId": f"{thread}-1", "messages": [{"id": "m1", "role": "user", "content": prompt}]})
    if not a["interrupt"]:
        raise SystemExit(f"expected questions, got {a['terminal']}")
    b = phase(client, thread, f"{thread}-2", {"threadId": thread, "runId": f"{thread}-2", "messages": [], "resume": [{"interruptId": a["interrupt"], "status": "resolved", "payload": {}}]})
    c = phase(client, thread, f"{thread}-3", {"threadId": thread, "runId": f"{thread}-3", "messages": [{"id": "m2", "role": "user", "content": followup}]})
    return {"thread": thread, "prompt -> questions": a, "answers -> checked preview": b, "follow-up -> v2": c}


def percentiles(xs: list[float]) -> dict:
    xs = sorted(xs)
    p95 = xs[min(len(xs) - 1, max(0, round(0.95 * len(xs)) - 1))]
    return {"p50": round(statistics.median(xs), 3), "p95": round(p95, 3), "n": len(xs)}


def summarise(apps: list[dict]) -> dict:
    out: dict = {}
    for name in ("prompt -> questions", "answers -> checked preview", "follow-up -> v2"):
        runs = [a[name] for a in apps]
        hops = sorted({h for r in runs for h in r["hops"]})
        out[name] = {
            "total": percentiles([r["total"] for r in runs]),
            "first_event": percentiles([r["first_event"] for r in runs]),
            "cuts": sum(r["cuts"] for r in runs),
            "hops": {h: percentiles([r["hops"][h] for r in runs if h in r["hops"]]) for h in hops},
        }
    return out


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--base", required=True)
    ap.add_argument("--cookie", help="the StaticWebAppsAuthCookie value of a signed-in browser session")
    ap.add_argument("--api-key", help="an APPGEN_API_KEYS key (x-api-key)")
    ap.add_argument("--local", action="store_true", help="appgen serve --local: no credentials")
    ap.add_argument("--runs", type=int, default=1)
    ap.add_argument("--idle", type=float, default=0, help="seconds to wait before each app (cold starts: > instance keep-alive)")
    ap.add_argument("--prompt", default="A reading list: title, author and a 1-5 rating; show the average")
    ap.add_argument("--followup", default="make the buttons teal")
    ap.add_argument("--out")
    args = ap.parse_args()
    if not (args.cookie or args.api_key or args.local):
        ap.error("one of --cookie, --api-key or --local")
    client = Client(args.base, args.cookie, args.api_key)
    apps = []
    for i in range(args.runs):
        if args.idle and i:
            time.sleep(args.idle)
        apps.append(app(client, args.prompt, args.followup))
        print(f"app {i + 1}/{args.runs}: " + ", ".join(f"{k} {v['total']:.1f} s" for k, v in apps[-1].items() if k != "thread"), file=sys.stderr)
    result = {"base": args.base, "measured_at": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()), "summary": summarise(apps), "apps": apps}
    text = json.dumps(result, indent=2)
    if args.out:
        with open(args.out, "w") as f:
            f.write(text + "\n")
    print(json.dumps(result["summary"], indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
