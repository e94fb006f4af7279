"""infra/cloud/measure.py against a real HTTP server that speaks the API's SSE framing and cuts
the stream mid-run like the Static Web Apps proxy: the client resumes with Last-Event-ID, counts
the cut, and splits each step into pickup and work."""

from __future__ import annotations

import json
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from conftest import ROOT

sys.path.insert(0, str(ROOT / "infra" / "cloud"))
import measure  # noqa: E402

STEP_WORK = 0.2
PICKUP = 0.1


def script(run_id: str) -> list[tuple[float, dict]]:
    """(delay before, event) of each run; the first ends with questions."""
    step = {"-1": "clarify", "-2": "code", "-3": "modify"}[run_id[-2:]]
    end = {"type": "RUN_FINISHED"}
    if run_id.endswith("-1"):
        end["outcome"] = {"interrupts": [{"id": "questions-1"}]}
    return [
        (0.0, {"type": "RUN_STARTED"}),
        (PICKUP, {"type": "STEP_STARTED", "stepName": step}),
        (STEP_WORK, {"type": "STEP_FINISHED", "stepName": step}),
        (0.0, end),
    ]


class Api(BaseHTTPRequestHandler):
    seen: list[tuple[str, str, str | None]] = []

    def log_message(self, *args):
        pass

    def _stream(self, events: list[tuple[float, dict]], start: int, cut_after: int | None):
        self.send_response(200)
        self.send_header("Content-Type", "text/event-stream")
        self.end_headers()
        for seq, (delay, event) in enumerate(events, 1):
            if seq <= start:
                continue
            time.sleep(delay)
            self.wfile.write(f"id: {seq}\ndata: {json.dumps(event)}\n\n".encode())
            self.wfile.flush()
            if cut_after is not None and seq == cut_after:
                return  # the proxy's cut: the response ends without a terminal event

    def do_POST(self):
        body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
        Api.seen.append(("POST", body["runId"], self.headers.get("x-api-key")))
        # The answers run is cut after its STEP_STARTED (seq 2).
        self._stream(script(body["runId"]), 0, 2 if body["runId"].endswith("-2") else None)

    def do_GET(self):
        run = self.path.split("/runs/")[1].split("/")[0]
        Api.seen.append(("GET", run, self.headers.get("Last-Event-ID")))
        self._stream(script(run), int(self.headers.get("Last-Event-ID", "0")), None)


@pytest.fixture
def server():
    Api.seen = []
    srv = ThreadingHTTPServer(("127.0.0.1", 0), Api)
    threading.Thread(target=srv.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{srv.server_address[1]}"
    srv.shutdown()


def test_an_app_is_measured_hop_by_hop_across_a_cut_stream(server):
    result = measure.app(measure.Client(server, None, "k1"), "a tip calculator", "make it teal")
    a, b, c = result["prompt -> questions"], result["answers -> checked preview"], result["follow-up -> v2"]
    assert a["interrupt"] == "questions-1" and a["cuts"] == 0
    assert b["terminal"] == "RUN_FINISHED" and c["terminal"] == "RUN_FINISHED"
    # The cut answers run resumed once, from the last id it had.
    assert b["cuts"] == 1
    assert ("GET", result["thread"] + "-2", "2") in Api.seen
    assert [s for s in Api.seen if s[0] == "POST"] == [("POST", result["thread"] + f"-{i}", "k1") for i in (1, 2, 3)]
    # The resumed stream delivered the step's end once: work is the step's time, not doubled.
    for phase, step in ((a, "clarify"), (b, "code"), (c, "modify")):
        assert PICKUP * 0.8 <= phase["hops"][f"pickup: {step}"] < PICKUP + 0.15, phase
        assert STEP_WORK * 0.9 <= phase["hops"][f"work: {step}"] < STEP_WORK + 0.15, phase
        assert phase["total"] >= PICKUP + STEP_WORK


def test_summary_gives_p50_and_p95_per_hop():
    runs = [{"total": t, "first_event": 0.01, "cuts": 0, "hops": {"pickup: code": t / 10}} for t in (1.0, 2.0, 3.0, 4.0, 100.0)]
    apps = [{"prompt -> questions": r, "answers -> checked preview": r, "follow-up -> v2": r} for r in runs]
    s = measure.summarise(apps)["answers -> checked preview"]
    assert s["total"] == {"p50": 3.0, "p95": 100.0, "n": 5}
    assert s["hops"]["pickup: code"]["p50"] == 0.3
