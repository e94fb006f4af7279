"""The build job's image and the machine the tests run on are set up the same way.

Contract with infra/local/setup.sh (owned by the builder engineer):
  * it installs with its helper `apt_install PKG...` (literal names, or $VARS assigned once in
    the file); a call commented `# dev-only` (packages only the tests need, e.g. python3-venv)
    is not part of the image. Or, alternatively,
  * it declares the apt packages the build job needs on ONE line:
        APT_PACKAGES="chromium bubblewrap ..."
    (optionally prefixed by `readonly`, `export` or `local`), and apt-get installs them from
    "$APT_PACKAGES" (all of them, or the ones missing). Packages only the tests need (e.g.
    python3-venv) go in another variable (say APT_DEV_PACKAGES), which the image ignores;
  * it installs the template with `npm ci` in functions/builder/template (the path on the
    same line, e.g. `(cd "$ROOT/functions/builder/template" && npm ci)` or
    `npm ci --prefix "$ROOT/functions/builder/template"`).
infra/Dockerfile declares `ARG APT_PACKAGES="..."` with the same set, uses it in
`apt-get install`, COPYs functions/builder/template and runs `npm ci` with the same flags.
Its NODE_MAJOR is the Node version CI runs on (the node:<major>-bookworm job containers).
"""

from __future__ import annotations

import re
import shlex

import pytest
import yaml

from conftest import DOCKERFILE, ROOT, SETUP_SH, WORKFLOWS

TEMPLATE = "functions/builder/template"
# npm flags that change logging only, not what gets installed.
COSMETIC_NPM_FLAGS = {"--no-audit", "--no-fund", "--silent", "--quiet", "--no-progress", "--prefer-offline"}


# ---- parsing ---------------------------------------------------------------------------------

def _join_continuations(text: str) -> str:
    return re.sub(r"\\\n", " ", text)


def apt_packages_dockerfile(text: str) -> set[str]:
    m = re.findall(r'^ARG APT_PACKAGES="([^"]*)"\s*$', text, re.M)
    assert len(m) == 1, "Dockerfile must declare exactly one ARG APT_PACKAGES=\"...\""
    runs = [l for l in _join_continuations(text).splitlines() if l.startswith("RUN ")]
    assert any(re.search(r"apt-get install\b.*\$\{?APT_PACKAGES\}?", r) for r in runs), (
        "Dockerfile must apt-get install ${APT_PACKAGES}"
    )
    return set(m[0].split())


_ASSIGN = r'^\s*(?:(?:readonly|export|local|declare(?: -r)?)\s+)?{name}="([^"]*)"\s*(?:#.*)?$'
_PKG = re.compile(r"^[a-z0-9][a-z0-9+.-]*$")


def _resolve(words: str, text: str, strict: bool = True, depth: int = 0) -> str:
    """Expands $NAME / ${NAME} from NAME="..." assignments in the script (no other expansion).
    strict: a name that is not assigned exactly once is an error (else it is left as is)."""
    def sub(m):
        found = re.findall(_ASSIGN.format(name=m.group(1)), text, re.M)
        if len(found) != 1:
            assert not strict, f"setup.sh: cannot resolve ${m.group(1)} (assigned {len(found)} times)"
            return m.group(0)
        return _resolve(found[0], text, strict, depth + 1) if depth < 5 else found[0]
    return re.sub(r"\$\{?([A-Za-z_][A-Za-z0-9_]*)\}?", sub, words)


def apt_packages_setup(text: str) -> set[str]:
    """The apt packages setup.sh installs, from either form:
      * a one-line marker APT_PACKAGES="..." that apt-get installs, or
      * calls of its helper `apt_install PKG...` (literal names or $VARS assigned in the file).
    """
    text = _join_continuations(text)
    marker = re.findall(_ASSIGN.format(name="APT_PACKAGES"), text, re.M)
    assert len(marker) <= 1, "setup.sh declares APT_PACKAGES more than once"
    calls = [
        m.group(1)
        for m in re.finditer(r"^\s*(?:[^#\n]*?(?:&&|\|\||;|then|else)\s*)?apt_install\s+([^;&|#\n]*)(.*)$", text, re.M)
        # Packages only the tests need (python3-venv, ...) are marked so and stay out of the image.
        if "# dev-only" not in m.group(2)
    ]
    if marker:
        uses = re.findall(r"\$\{?APT_PACKAGES\b", text)
        assert uses and re.search(r"apt-get\b[^\n]*\binstall\b|\bapt_install\b", text), (
            'setup.sh must install the packages of "$APT_PACKAGES"'
        )
        pkgs = set(marker[0].split())
    else:
        assert calls, 'setup.sh must declare APT_PACKAGES="..." or install with `apt_install PKG...`'
        pkgs = set()
        for args in calls:
            for word in _resolve(args.replace('"', " "), text).split():
                pkgs.add(word)
    bad = [p for p in pkgs if not _PKG.match(p)]
    assert not bad, f"setup.sh: not literal package names: {bad}"
    return pkgs


def _npm_ci_flags(line: str) -> set[str]:
    tail = line.split("npm ci", 1)[1]
    tail = re.split(r"&&|\|\||;|\||\)", tail, maxsplit=1)[0]
    words = shlex.split(tail, comments=True)
    flags, skip = set(), False
    for w in words:
        if skip:
            skip = False
            continue
        if w in ("--prefix", "-C"):
            skip = True
            continue
        if w.startswith("--prefix="):
            continue
        if w.startswith("-"):
            flags.add(w)
    return {f for f in flags if f not in COSMETIC_NPM_FLAGS and not f.startswith("--loglevel")}


def template_install_setup(text: str) -> set[str]:
    """Flags of the `npm ci` that installs functions/builder/template: the path is on the same
    line, literally or through a variable assigned in the file (e.g. cd "$TEMPLATE")."""
    joined = _join_continuations(text)
    # `npm ci` as a command (not inside a log message or a comment).
    lines = [
        l for l in joined.splitlines()
        if re.search(r"(?:^|[;&|(]|\bthen|\bdo)\s*npm ci\b", l) and not l.lstrip().startswith("#")
    ]
    hits = [l for l in lines if TEMPLATE in _resolve(l, joined, strict=False)]
    assert hits, f"setup.sh must run `npm ci` in {TEMPLATE} (path, or a variable holding it, on the same line)"
    return _npm_ci_flags(hits[0])


def template_install_dockerfile(text: str) -> set[str]:
    joined = _join_continuations(text)
    copy = re.search(r"^COPY\s+" + re.escape(TEMPLATE) + r"/?\s+(\S+)\s*$", joined, re.M)
    assert copy, f"Dockerfile must COPY {TEMPLATE}/ into the image"
    after = joined[copy.end():]
    run = re.search(r"^RUN .*npm ci.*$", after, re.M)
    assert run, "Dockerfile must RUN npm ci after copying the template"
    return _npm_ci_flags(run.group(0))


def node_major_dockerfile(text: str) -> str:
    m = re.search(r"^ARG NODE_MAJOR=(\d+)\s*$", text, re.M)
    assert m, "Dockerfile must declare ARG NODE_MAJOR=<n>"
    assert re.search(r"^FROM node:\$\{NODE_MAJOR\}-bookworm-slim\b", text, re.M), "runtime stage must be node:${NODE_MAJOR}-bookworm-slim"
    return m.group(1)


def drift(dockerfile: str, setup: str) -> list[str]:
    """Every way the image and setup.sh disagree (empty: no drift)."""
    problems = []
    d, s = apt_packages_dockerfile(dockerfile), apt_packages_setup(setup)
    if d != s:
        problems.append(f"apt packages: only in Dockerfile {sorted(d - s)}, only in setup.sh {sorted(s - d)}")
    df, sf = template_install_dockerfile(dockerfile), template_install_setup(setup)
    if df != sf:
        problems.append(f"template `npm ci` flags: Dockerfile {sorted(df)} vs setup.sh {sorted(sf)}")
    return problems


# ---- the real files ------------------------------------------------------------------------------

def test_dockerfile_and_setup_sh_install_the_same_things():
    if not SETUP_SH.exists():
        pytest.skip("infra/local/setup.sh has not landed yet (the synthetic tests below still run)")
    assert drift(DOCKERFILE.read_text(), SETUP_SH.read_text()) == []


def test_dockerfile_installs_the_template_with_its_lockfile():
    text = DOCKERFILE.read_text()
    template_install_dockerfile(text)
    assert (ROOT / TEMPLATE / "package.json").is_file()
    assert (ROOT / TEMPLATE / "package-lock.json").is_file(), "npm ci needs the lockfile"
    assert {"chromium", "bubblewrap"} <= apt_packages_dockerfile(text)


def test_dockerfile_node_matches_ci():
    """CI runs on node:<major>-bookworm (or sets up that Node major); so does the image."""
    major = node_major_dockerfile(DOCKERFILE.read_text())
    versions = []
    for wf in ("ci.yml", "deploy.yml"):
        doc = yaml.safe_load((WORKFLOWS / wf).read_text())
        for job in doc["jobs"].values():
            container = job.get("container")
            image = container.get("image") if isinstance(container, dict) else container
            if image:
                m = re.fullmatch(r"node:(\d+)(?:\.[\d.]+)?-bookworm(?:-slim)?", str(image))
                assert m, f"{wf}: container {image} is not node:<major>-bookworm"
                versions.append((wf, m.group(1)))
            for step in job.get("steps", []):
                if str(step.get("uses", "")).startswith("actions/setup-node"):
                    versions.append((wf, str(step.get("with", {}).get("node-version")).split(".")[0]))
    assert versions, "the workflows pin no Node version"
    assert all(v == major for _, v in versions), f"workflows {versions} vs Dockerfile NODE_MAJOR={major}"


def test_dockerfile_builds_and_runs_appgen_builder_as_non_root():
    text = DOCKERFILE.read_text()
    assert re.search(r"^FROM rust:\S*bookworm AS build$", text, re.M), "multi-stage: a rust:*-bookworm builder"
    assert re.search(r"cargo build --release --locked -p appgen-builder", text)
    assert re.search(r"^COPY --from=build \S*appgen-builder /usr/local/bin/appgen-builder$", text, re.M)
    users = re.findall(r"^USER (\S+)$", text, re.M)
    assert users and users[-1] not in ("root", "0"), "the image must run as a non-root user"
    assert re.search(r'^ENTRYPOINT \["appgen-builder", "job"\]$', text, re.M)
    # Debian packages only: no curl | sh installers, no extra apt repositories.
    assert not re.search(r"curl[^\n]*\|\s*(ba)?sh|sources\.list|apt-key|deb\.nodesource", text)


# ---- the check itself can fail ---------------------------------------------------------------------

GOOD_SETUP = """#!/usr/bin/env bash
set -euo pipefail
APT_PACKAGES="chromium bubblewrap util-linux"
sudo apt-get install -y --no-install-recommends $APT_PACKAGES
(cd "$ROOT/functions/builder/template" && npm ci --no-audit --no-fund)
"""


HELPER_SETUP = """#!/usr/bin/env bash
set -euo pipefail
REPO="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
TEMPLATE="$REPO/functions/builder/template"
# apt_install PKG...: installs the packages that are missing
apt_install() { apt-get install -y "$@"; }
step_chromium() {
  apt_install chromium bubblewrap
}
step_tools() {
  if command -v prlimit >/dev/null; then :; else
    apt_install util-linux
  fi
}
step_template() {
  log "npm ci in $TEMPLATE"
  (cd "$TEMPLATE" && npm ci --no-audit --no-fund --prefer-offline)
}
"""


def test_drift_check_passes_on_a_matching_setup_script():
    assert drift(DOCKERFILE.read_text(), GOOD_SETUP) == []
    assert drift(DOCKERFILE.read_text(), HELPER_SETUP) == []


def test_dev_only_packages_stay_out_of_the_comparison():
    dev = HELPER_SETUP + "step_dev() {\n  apt_install python3-venv  # dev-only: infra/tests/run.sh\n}\n"
    assert drift(DOCKERFILE.read_text(), dev) == []
    unmarked = HELPER_SETUP + "step_dev() {\n  apt_install python3-venv\n}\n"
    assert "python3-venv" in drift(DOCKERFILE.read_text(), unmarked)[0]


@pytest.mark.parametrize(
    "mutate, expect",
    [
        (lambda s: s.replace("apt_install chromium bubblewrap", "apt_install chromium"), "apt packages"),
        (lambda s: s.replace("apt_install util-linux", "apt_install util-linux xvfb"), "apt packages"),
        (lambda s: s.replace("npm ci --no-audit", "npm ci --omit=dev --no-audit"), "npm ci"),
    ],
)
def test_drift_check_catches_a_difference_in_the_helper_form(mutate, expect):
    problems = drift(DOCKERFILE.read_text(), mutate(HELPER_SETUP))
    assert problems and expect in problems[0]


@pytest.mark.parametrize(
    "mutate, expect",
    [
        (lambda s: s.replace('"chromium bubblewrap util-linux"', '"chromium bubblewrap util-linux xvfb"'), "apt packages"),
        (lambda s: s.replace('"chromium bubblewrap util-linux"', '"chromium util-linux"'), "apt packages"),
        (lambda s: s.replace("npm ci --no-audit", "npm ci --omit=dev --no-audit"), "npm ci"),
        (lambda s: s.replace("npm ci --no-audit", "npm ci --ignore-scripts --no-audit"), "npm ci"),
    ],
)
def test_drift_check_catches_a_difference(mutate, expect):
    problems = drift(DOCKERFILE.read_text(), mutate(GOOD_SETUP))
    assert problems and expect in problems[0]


def test_drift_check_requires_the_marker():
    no_packages = GOOD_SETUP.replace('APT_PACKAGES="chromium bubblewrap util-linux"\n', "")
    with pytest.raises(AssertionError, match="APT_PACKAGES"):
        drift(DOCKERFILE.read_text(), no_packages)
    with pytest.raises(AssertionError, match="npm ci"):
        drift(DOCKERFILE.read_text(), GOOD_SETUP.replace("builder/template", "elsewhere"))


def test_every_copy_source_is_in_the_build_context():
    """deploy.sh builds from `git archive HEAD`: every COPY source must be a tracked path
    (untracked files such as node_modules or target/ never reach the image)."""
    import subprocess

    tracked = subprocess.run(
        ["git", "ls-files"], cwd=ROOT, capture_output=True, text=True, check=True
    ).stdout.splitlines()
    text = _join_continuations(DOCKERFILE.read_text())
    sources = []
    for line in text.splitlines():
        m = re.match(r"^COPY\s+(?!--from)(.+)$", line)
        if m:
            sources += m.group(1).split()[:-1]
    assert sources
    for src in sources:
        src = src.rstrip("/")
        assert any(t == src or t.startswith(src + "/") for t in tracked), f"COPY {src}: not tracked by git"
    assert not any("/node_modules/" in t for t in tracked if t.startswith("functions/builder/template/"))


# ---- what the builder embeds is in the image's build context ---------------------------------------

_EMBED = re.compile(r'include_(?:str|bytes)!\(\s*"([^"]+)"\s*\)')


def builder_crate_dirs() -> list:
    """The workspace crates `cargo build -p appgen-builder` compiles: it and its path dependencies."""
    import tomllib

    crates = {}
    for manifest in (ROOT / "functions").glob("*/Cargo.toml"):
        doc = tomllib.loads(manifest.read_text())
        crates[doc["package"]["name"]] = (manifest.parent, doc.get("dependencies", {}))
    todo, seen = ["appgen-builder"], set()
    while todo:
        name = todo.pop()
        if name in seen or name not in crates:
            continue
        seen.add(name)
        todo += [dep for dep in crates[name][1] if dep in crates]
    return [crates[name][0] for name in sorted(seen)]


def embedded_files() -> set[str]:
    """Repository paths the image's crates embed at compile time (include_str!/include_bytes!)."""
    found = set()
    for src in (s for d in builder_crate_dirs() for s in d.glob("src/**/*.rs")):
        for rel in _EMBED.findall(src.read_text()):
            found.add((src.parent / rel).resolve().relative_to(ROOT).as_posix())
    return found


def build_stage_copies(dockerfile: str) -> list[str]:
    """COPY sources of the first (compile) stage."""
    text = _join_continuations(dockerfile)
    stage = re.split(r"^FROM ", text, flags=re.M)[1]
    sources = []
    for line in stage.splitlines():
        m = re.match(r"^COPY\s+(?!--from)(.+)$", line)
        if m:
            sources += [s.rstrip("/") for s in m.group(1).split()[:-1]]
    return sources


def test_files_the_crates_embed_are_copied_into_the_build_stage():
    """check.mjs and the colour table it reads are compiled into appgen-builder (include_str!),
    so the image's compile stage must have them: a data file moved outside the copied folders
    would break `az acr build` but no local build."""
    embedded = embedded_files()
    assert {"functions/builder/check/check.mjs", "functions/core/data/named-colors.json"} <= embedded
    copies = build_stage_copies(DOCKERFILE.read_text())
    missing = [f for f in sorted(embedded) if not any(f == c or f.startswith(c + "/") for c in copies)]
    assert not missing, f"embedded but not copied into the build stage ({copies}): {missing}"


def test_the_embed_check_sees_a_file_outside_the_build_context():
    narrow = DOCKERFILE.read_text().replace("COPY functions ./functions", "COPY functions/handler ./functions/handler")
    copies = build_stage_copies(narrow)
    assert "functions/handler" in copies and "functions" not in copies
    assert not any("functions/core/data/named-colors.json".startswith(c + "/") for c in copies)
