#!/usr/bin/env python3
"""Makes each app of a prompt set, exports it, and shows the export stands on its own.

    python3 infra/local/export-check.py PROMPTS.jsonl [--appgen target/release/appgen] [--keep DIR]

For every prompt: `appgen new --yes` (offline generator), `appgen export`, then inside the
exported project only: `dist/` removed, `npm ci --offline` (the template's pinned lockfile,
from the npm cache infra/local/setup.sh filled), `npm run build`. Each deploy config is read
from the export and must send unknown paths to `/index.html` and publish `dist/`; the project
is then served the way its `.replit` runs it (`vite preview`), and a deep link must answer the
app's index.html while a hashed asset answers itself. Prints one line per app and a summary;
exits 1 if any app fails. Vercel, Netlify and Azure Static Web Apps themselves are not run
here (no accounts): their configs are read, not served by the vendors.
"""

import argparse
import json
import os
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import tomllib
import urllib.request
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]


def run(cmd, cwd=None, env=None):
    out = subprocess.run(cmd, cwd=cwd, env=env, capture_output=True, text=True)
    if out.returncode != 0:
        raise RuntimeError(f"{' '.join(cmd)}: {out.stderr.strip()[-400:] or out.stdout[-400:]}")
    return out.stdout


def configs_fall_back(project: Path) -> None:
    """Each config sends unknown paths to /index.html and publishes dist/."""
    swa = json.loads((project / "staticwebapp.config.json").read_text())
    assert swa["navigationFallback"]["rewrite"] == "/index.html", "staticwebapp.config.json"
    workflow = (project / ".github/workflows/azure-static-web-apps.yml").read_text()
    assert re.search(r"output_location:\s*['\"]?dist", workflow), "SWA workflow output"
    vercel = json.loads((project / "vercel.json").read_text())
    assert vercel.get("outputDirectory") == "dist", "vercel.json outputDirectory"
    assert any(r.get("destination") == "/index.html" for r in vercel.get("rewrites", [])), "vercel.json rewrites"
    netlify = tomllib.loads((project / "netlify.toml").read_text())
    assert netlify["build"]["publish"] == "dist", "netlify.toml publish"
    assert any(
        r.get("from") == "/*" and r.get("to") == "/index.html" and r.get("status") == 200
        for r in netlify.get("redirects", [])
    ), "netlify.toml redirects"
    replit = tomllib.loads((project / ".replit").read_text())
    assert "vite preview" in replit["run"], ".replit run"
    assert replit["deployment"]["publicDir"] == "dist", ".replit publicDir"
    assert any(
        r.get("from") == "/*" and r.get("to") == "/index.html"
        for r in replit["deployment"].get("rewrites", [])
    ), ".replit deployment rewrites"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def get(url: str) -> tuple[int, str, str]:
    with urllib.request.urlopen(url, timeout=5) as r:
        return r.status, r.headers.get("content-type", ""), r.read().decode("utf-8", "replace")


def served_with_fallback(project: Path) -> None:
    """Serves dist/ as .replit does and asks for a deep link and an asset."""
    port = free_port()
    vite = project / "node_modules/.bin/vite"
    server = subprocess.Popen(
        [str(vite), "preview", "--host", "127.0.0.1", "--port", str(port), "--strictPort"],
        cwd=project, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )
    try:
        base = f"http://127.0.0.1:{port}"
        for _ in range(100):
            try:
                get(base + "/")
                break
            except OSError:
                time.sleep(0.1)
        index = (project / "dist/index.html").read_text()
        status, _, body = get(base + "/some/deep/link")
        assert status == 200 and body == index, "a deep link answers index.html"
        asset = next((project / "dist/assets").glob("*.js"))
        status, kind, _ = get(f"{base}/assets/{asset.name}")
        assert status == 200 and "javascript" in kind, f"asset {asset.name}: {status} {kind}"
    finally:
        server.terminate()
        server.wait()


def check_one(appgen: str, prompt: str, work: Path, env: dict) -> None:
    data = work / "data"
    line = run([appgen, "new", "--yes", prompt, "--data", str(data), "--out", str(work / "app")], env=env)
    result = json.loads(line.strip().splitlines()[-1])
    if not result.get("ok"):
        raise RuntimeError(f"appgen new: {result}")
    project = work / "export"
    run([appgen, "export", "--thread", result["threadId"], "--out", str(project), "--data", str(data)], env=env)
    configs_fall_back(project)
    shutil.rmtree(project / "dist")
    run(["npm", "ci", "--offline", "--no-audit", "--no-fund"], cwd=project)
    run(["npm", "run", "build"], cwd=project)
    served_with_fallback(project)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("prompts")
    ap.add_argument("--appgen", default=str(REPO / "target/release/appgen"))
    ap.add_argument("--keep", help="keep each app's work directory under DIR")
    args = ap.parse_args()
    env = dict(os.environ)
    env.setdefault("APPGEN_TEMPLATE_DIR", str(REPO / "functions/builder/template"))
    root = Path(args.keep) if args.keep else Path(tempfile.mkdtemp(prefix="export-check-"))
    passed = failed = 0
    for n, text in enumerate(Path(args.prompts).read_text().splitlines()):
        if not text.strip():
            continue
        case = json.loads(text)
        started = time.time()
        try:
            check_one(args.appgen, case["prompt"], root / f"{n:02}-{case['id']}", env)
            passed += 1
            print(f"  {case['id']:<28} ok    {time.time() - started:5.1f}s", flush=True)
        except (AssertionError, RuntimeError, OSError, StopIteration, KeyError) as e:
            failed += 1
            print(f"  {case['id']:<28} FAIL  {type(e).__name__}: {e}", flush=True)
    if not args.keep:
        shutil.rmtree(root, ignore_errors=True)
    print(f"{passed} exported, built from the export alone and served with the SPA fallback; {failed} failed")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
