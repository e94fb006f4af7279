#!/usr/bin/env bash
# Prepares a Debian machine to build and check generated apps: Chromium, bubblewrap, the
# resource-limit tools, and the template's node_modules. Idempotent: a step that is already
# done says so and does nothing. Run as root (it installs system packages).
#
#   infra/local/setup.sh
#
# Add a step: write a step_<name> function and list it in STEPS.
set -euo pipefail

REPO="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
TEMPLATE="$REPO/functions/builder/template"
# Inside node_modules, so `npm ci` (which empties node_modules) also drops a stale stamp.
STAMP="$TEMPLATE/node_modules/.appgen-lock.sha256"
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

step_template_node_modules() {
  [ -f "$TEMPLATE/package-lock.json" ] || die "$TEMPLATE/package-lock.json is missing"
  local want
  want="$(cat "$TEMPLATE/package.json" "$TEMPLATE/package-lock.json" | sha256sum | cut -d' ' -f1)"
  if [ -d "$TEMPLATE/node_modules" ] && [ -f "$STAMP" ] && [ "$(cat "$STAMP")" = "$want" ]; then
    log "template node_modules match package-lock.json"
    return 0
  fi
  log "npm ci in $TEMPLATE"
  (cd "$TEMPLATE" && npm ci --no-audit --no-fund --prefer-offline)
  printf '%s\n' "$want" > "$STAMP"
}

STEPS=(step_node step_chromium_and_sandbox step_limit_tools step_template_node_modules)

main() {
  for step in "${STEPS[@]}"; do
    "$step"
  done
  log "done"
}

main "$@"
