"""A minimal appgen step agent over AG-UI, standard library only: a fixed plan for `requirements`.

    python3 agent.py 8123   # then APPGEN_AGENT_REQUIREMENTS_URL=http://127.0.0.1:8123/
"""
import json, sys, uuid
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


def events(body):
    thread, run, state = body["threadId"], body["runId"], body.get("state") or {}
    plan = {"title": state.get("description", "An app")[:60], "summary": "Planned by my agent.",
            "features": ["Add items", "See all items"]}  # the shape of context's JSON Schema
    msg = str(uuid.uuid4())
    yield {"type": "RUN_STARTED", "threadId": thread, "runId": run}
    yield {"type": "TEXT_MESSAGE_START", "messageId": msg, "role": "assistant"}
    yield {"type": "TEXT_MESSAGE_CONTENT", "messageId": msg, "delta": "Planning it my way."}
    yield {"type": "TEXT_MESSAGE_END", "messageId": msg}
    yield {"type": "STATE_SNAPSHOT", "snapshot": {"output": plan}}
    yield {"type": "RUN_FINISHED", "threadId": thread, "runId": run}


class Agent(BaseHTTPRequestHandler):
    def do_POST(self):
        body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
        self.send_response(200)
        self.send_header("Content-Type", "text/event-stream")
        self.end_headers()
        for event in events(body):
            self.wfile.write(f"data: {json.dumps(event)}\n\n".encode())
            self.wfile.flush()


ThreadingHTTPServer(("127.0.0.1", int(sys.argv[1])), Agent).serve_forever()
