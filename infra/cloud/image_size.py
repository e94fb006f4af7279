"""Estimates the build job image's size from infra/Dockerfile without Docker.

    python3 infra/cloud/image_size.py [--json] [--modules DIR] [--apt "PKG ..."]

    --modules DIR   a template node_modules installed elsewhere (e.g. another checkout's)
    --apt "..."     price a different package list (e.g. chromium-headless-shell) against the same base

How: the image is node:<NODE_MAJOR>-bookworm-slim + the Dockerfile's APT_PACKAGES (installed
with --no-install-recommends) + the template's node_modules + the appgen-builder binary.
  * apt layer: this Debian bookworm machine's own package index (`apt-cache dumpavail`). The
    dependency closure of APT_PACKAGES is resolved (first alternative of each `a | b`, virtual
    packages through Provides), minus the closure of Priority: required packages (what
    debian:bookworm-slim is made of). Installed-Size (unpacked) and Size (the .deb, xz/zstd
    compressed) are summed. A registry layer is gzip, so its compressed size is a little larger
    than the .deb sum: the figure is a lower bound on the pull.
  * node_modules: `du --apparent-size` of functions/builder/template/node_modules as
    infra/local/setup.sh installed it (the same `npm ci` as the Dockerfile), if present.
  * base image and binary: constants, stated below (no registry access here).
"""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
DOCKERFILE = ROOT / "infra" / "Dockerfile"
TEMPLATE_MODULES = ROOT / "functions" / "builder" / "template" / "node_modules"

# node:20-bookworm-slim, linux/amd64: Docker Hub lists ~70 MB compressed, ~200 MB unpacked
# (debian:bookworm-slim ~28/75 MB + the Node 20 release binary ~100 MB unpacked and npm). This
# machine's /usr/bin/node 20.20 is 98.9 MB and its npm 14.1 MB, which agrees.
BASE_MB = {"compressed": 70.0, "unpacked": 200.0}
# appgen-builder, release: the README puts the appgen binary's code at ~6.8 MB; the builder
# links the same runtime crates. Not built here (no release target on this machine).
BINARY_MB = {"compressed": 4.0, "unpacked": 10.0}


def dockerfile_apt_packages() -> list[str]:
    m = re.search(r'^ARG APT_PACKAGES="([^"]+)"', DOCKERFILE.read_text(), re.M)
    if not m:
        raise SystemExit("infra/Dockerfile has no ARG APT_PACKAGES")
    return m.group(1).split()


def load_index() -> tuple[dict[str, dict], dict[str, str]]:
    out = subprocess.run(["apt-cache", "dumpavail"], capture_output=True, text=True, check=True).stdout
    pkgs: dict[str, dict] = {}
    provides: dict[str, str] = {}
    for stanza in out.split("\n\n"):
        fields = dict(re.findall(r"^([A-Za-z-]+): (.*)$", stanza, re.M))
        name = fields.get("Package")
        if not name or fields.get("Architecture") not in ("amd64", "all") or name in pkgs:
            continue
        pkgs[name] = fields
        for p in fields.get("Provides", "").split(","):
            if p.strip():
                provides.setdefault(p.strip().split()[0], name)
    return pkgs, provides


def closure(roots: list[str], pkgs: dict[str, dict], provides: dict[str, str]) -> set[str]:
    seen: set[str] = set()
    todo = list(roots)
    while todo:
        name = todo.pop()
        name = name if name in pkgs else provides.get(name, "")
        if not name or name in seen:
            continue
        seen.add(name)
        deps = ",".join(pkgs[name].get(k, "") for k in ("Pre-Depends", "Depends"))
        for group in deps.split(","):
            alts = [a.strip().split()[0].split(":")[0] for a in group.split("|") if a.strip()]
            pick = next((a for a in alts if a in pkgs or a in provides), None)
            if pick:
                todo.append(pick)
    return seen


def apt_layer(packages: list[str]) -> dict:
    pkgs, provides = load_index()
    base = closure([n for n, f in pkgs.items() if f.get("Priority") == "required"], pkgs, provides)
    added = closure(packages, pkgs, provides) - base
    unpacked = sum(int(pkgs[n].get("Installed-Size", 0)) for n in added) / 1024  # KiB -> MiB
    debs = sum(int(pkgs[n].get("Size", 0)) for n in added) / 2**20
    biggest = sorted(added, key=lambda n: -int(pkgs[n].get("Installed-Size", 0)))[:8]
    return {
        "packages": len(added),
        "unpacked": round(unpacked, 1),
        "compressed": round(debs, 1),
        "largest": {n: round(int(pkgs[n]["Installed-Size"]) / 1024, 1) for n in biggest},
    }


def node_modules_mb(modules: Path) -> float | None:
    if not modules.is_dir():
        return None
    out = subprocess.run(["du", "-s", "-B1", "--apparent-size", str(modules)], capture_output=True, text=True, check=True)
    return round(int(out.stdout.split()[0]) / 2**20, 1)


def estimate(packages: list[str], modules_dir: Path) -> dict:
    apt = apt_layer(packages)
    modules = node_modules_mb(modules_dir)
    # node_modules compresses about 3:1 with gzip (JavaScript text plus a few native binaries).
    modules_c = None if modules is None else round(modules / 3, 1)
    layers = {
        "base node:bookworm-slim": BASE_MB,
        f"apt: {' '.join(packages)} ({apt['packages']} packages)": {"unpacked": apt["unpacked"], "compressed": apt["compressed"]},
        "template node_modules": {"unpacked": modules, "compressed": modules_c},
        "appgen-builder": BINARY_MB,
    }
    total = {k: round(sum((v[k] or 0) for v in layers.values()), 1) for k in ("unpacked", "compressed")}
    return {"layers": layers, "total_mb": total, "apt_largest_mb": apt["largest"]}


def arg(flag: str) -> str | None:
    return sys.argv[sys.argv.index(flag) + 1] if flag in sys.argv else None


def main() -> None:
    apt = arg("--apt")
    est = estimate(apt.split() if apt else dockerfile_apt_packages(), Path(arg("--modules") or TEMPLATE_MODULES))
    if "--json" in sys.argv:
        json.dump(est, sys.stdout, indent=2)
        print()
        return
    print(f"{'layer':<58} {'unpacked MB':>12} {'compressed MB':>14}")
    for name, v in est["layers"].items():
        print(f"{name:<58} {v['unpacked'] or '?':>12} {v['compressed'] or '?':>14}")
    print(f"{'total':<58} {est['total_mb']['unpacked']:>12} {est['total_mb']['compressed']:>14}")
    print("largest apt packages (MB unpacked):", est["apt_largest_mb"])


if __name__ == "__main__":
    main()
