#!/usr/bin/env bash
# Prepares a Debian machine to run and test appgen: Chromium, bubblewrap, the resource-limit
# tools, the generated-app template's node_modules, the web UI's and the test tools' npm
# packages, Python's venv for the infrastructure tests, and the external-agent examples' venvs.
# Idempotent: a step that is already done says so and does nothing. Run as root (it installs system packages).
#
#   infra/local/setup.sh
#
# Add a step: write a step_<name> function and list it in STEPS.
set -euo pipefail

REPO="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
TEMPLATE="$REPO/functions/builder/template"
APT_UPDATED=0

log() { printf 'setup: %s\n' "$*"; }
die() { printf 'setup: error: %s\n' "$*" >&2; exit 1; }

is_installed() { dpkg-query -W -f='${Status}' "$1" 2>/dev/null | grep -q 'install ok installed'; }

# apt_install PKG...: installs the packages that are missing; `apt-get update` at most once.
apt_install() {
  local missing=()
  for p in "$@"; do is_installed "$p" || missing+=("$p"); done
  if [ "${#missing[@]}" -eq 0 ]; then
    log "already installed: $*"
    return 0
  fi
  [ "$(id -u)" -eq 0 ] || die "installing ${missing[*]} needs root"
  command -v apt-get >/dev/null || die "no apt-get: install ${missing[*]} by hand"
  export DEBIAN_FRONTEND=noninteractive
  if [ "$APT_UPDATED" -eq 0 ]; then
    log "apt-get update"
    apt-get update
    APT_UPDATED=1
  fi
  log "apt-get install -y ${missing[*]}"
  apt-get install -y "${missing[@]}"
}

step_node() {
  command -v node >/dev/null && command -v npm >/dev/null \
    || die "node and npm are required (Node 20 or newer)"
  local major
  major="$(node -p 'process.versions.node.split(".")[0]')"
  [ "$major" -ge 20 ] || die "Node $major is too old: Node 20 or newer is required"
  log "node $(node --version), npm $(npm --version)"
}

step_chromium_and_sandbox() {
  apt_install chromium bubblewrap
}

# prlimit and setpriv apply the build's resource limits and its throwaway uid.
step_limit_tools() {
  if command -v prlimit >/dev/null && command -v setpriv >/dev/null; then
    log "prlimit and setpriv present"
  else
    apt_install util-linux
  fi
}

# needs_npm_ci DIR: true unless DIR's node_modules match package.json + package-lock.json
# (a hash stamp inside node_modules, so `npm ci` emptying it also drops a stale stamp).
lock_hash() { cat "$1/package.json" "$1/package-lock.json" | sha256sum | cut -d' ' -f1; }
needs_npm_ci() {
  [ -f "$1/package-lock.json" ] || die "$1/package-lock.json is missing"
  local stamp="$1/node_modules/.appgen-lock.sha256"
  if [ -d "$1/node_modules" ] && [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$(lock_hash "$1")" ]; then
    log "node_modules of ${1#"$REPO"/} match package-lock.json"
    return 1
  fi
  log "npm ci in ${1#"$REPO"/}"
}
stamp_npm_ci() { lock_hash "$1" > "$1/node_modules/.appgen-lock.sha256"; }

# npm_ci DIR: `npm ci` in DIR when needed.
npm_ci() {
  if needs_npm_ci "$1"; then
    (cd "$1" && npm ci --no-audit --no-fund --prefer-offline)
    stamp_npm_ci "$1"
  fi
}

# Spelled out (not npm_ci) so the image's Dockerfile can be checked against this line.
step_template_node_modules() {
  if needs_npm_ci "$TEMPLATE"; then
    (cd "$TEMPLATE" && npm ci --no-audit --no-fund --prefer-offline)
    stamp_npm_ci "$TEMPLATE"
  fi
}

# The web UI (served by `appgen serve`) and the official AG-UI client the tests verify with.
step_web_and_test_node_modules() {
  npm_ci "$REPO/web"
  npm_ci "$REPO/functions/handler/tests/agui"
}

# infra/tests/run.sh makes a venv; Debian's python3 needs python3-venv for that.
step_python_venv() {
  if python3 -m venv --help >/dev/null 2>&1 && python3 -c 'import ensurepip' >/dev/null 2>&1; then
    log "python3 venv available"
  else
    apt_install python3-venv # dev-only
  fi
}

# uv (pinned, from PyPI into its own venv under infra/local/.tools) installs the agent examples'
# venvs: parallel downloads and installs, 27 s for CrewAI's 152 packages cold where pip took 4 to
# 8 minutes (docs/agents.md).
UV_VERSION=0.13.10
UV="$REPO/infra/local/.tools/uv-$UV_VERSION/bin/uv"
step_uv() {
  if [ -x "$UV" ]; then
    log "uv $UV_VERSION present"
    return 0
  fi
  log "uv $UV_VERSION into ${UV%/bin/uv}"
  python3 -m venv "${UV%/bin/uv}"
  "${UV%/bin/uv}/bin/pip" install --quiet --disable-pip-version-check "uv==$UV_VERSION"
}

# venv_from_pins VENV NAME REQUIREMENTS...: VENV holds the pinned REQUIREMENTS (installed by uv
# with their bytecode, so the examples' first import does not compile it), reinstalled when a
# pin changes (stamped by their hash). Fresh each time: a changed pin leaves nothing stale.
venv_from_pins() {
  local venv="$1" name="$2" stamp="$1/.installed" want
  shift 2
  want="$(cat "$@" | sha256sum | cut -d' ' -f1)"
  if [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$want" ]; then
    log "$name venv up to date"
    return 0
  fi
  step_uv
  log "$name venv: installing ${*#"$REPO"/}"
  UV_PYTHON_DOWNLOADS=never "$UV" venv --quiet --clear --python python3 "$venv"
  "$UV" pip install --quiet --compile-bytecode --python "$venv/bin/python" "${@/#/--requirement=}"
  echo "$want" >"$stamp"
}

# The external-agent examples CI runs (pinned) in one venv, which
# functions/handler/tests/external_agent.rs runs them from.
step_agent_examples() {
  venv_from_pins "$REPO/infra/local/.venv-agents" "agent examples" \
    "$REPO/examples/agents/langgraph/requirements.txt" "$REPO/examples/agents/pydantic-ai/requirements.txt"
}

# CrewAI's own venv (1.3 GB, 152 packages; ag-ui-crewai needs fastapi<0.116, LangGraph's
# example pins 0.165) from the lock of every package with its hashes (requirements.lock,
# compiled from requirements.txt by `uv pip compile`, see its header): nothing resolved here.
step_crewai_example() {
  venv_from_pins "$REPO/infra/local/.venv-crewai" "CrewAI example" "$REPO/examples/agents/crewai/requirements.lock"
}

STEPS=(step_node step_chromium_and_sandbox step_limit_tools step_template_node_modules step_web_and_test_node_modules step_python_venv step_uv step_agent_examples step_crewai_example)

# setup.sh                      every step
# setup.sh step_a step_b        only those steps
# setup.sh --without step_a     every step but those (test.sh runs the slow venv beside the build)
main() {
  local steps=("${STEPS[@]}") skip=() s
  if [ "${1:-}" = "--without" ]; then
    shift
    skip=("$@")
    steps=()
    for s in "${STEPS[@]}"; do
      [[ " ${skip[*]} " == *" $s "* ]] || steps+=("$s")
    done
  elif [ $# -gt 0 ]; then
    steps=("$@")
  fi
  for s in "${steps[@]}"; do
    declare -F "$s" >/dev/null || die "no such step: $s (steps: ${STEPS[*]})"
    "$s"
  done
  log "done"
}

main "$@"
