#!/usr/bin/env bash
# Runs the infrastructure tests: Bicep syntax (pycep-parser), names shared with the Rust code,
# no secrets in outputs, Dockerfile vs infra/local/setup.sh drift, deploy.sh --dry-run, workflows.
#
#   bash infra/tests/run.sh [pytest args...]
#
# Creates infra/.venv on first use and installs infra/requirements-test.txt (pinned) into it;
# later runs reinstall only when that file changes, so they start in well under a second.
set -euo pipefail

INFRA="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
VENV="$INFRA/.venv"
REQ="$INFRA/requirements-test.txt"
STAMP="$VENV/.requirements.sha256"

if [[ ! -x "$VENV/bin/python" ]]; then
  if ! python3 -m venv "$VENV"; then
    rm -rf "$VENV"
    echo "infra/tests/run.sh: 'python3 -m venv' failed; on Debian install python3-venv (apt-get install python3-venv)" >&2
    exit 1
  fi
fi
# The venv ignores itself, so no .gitignore entry is needed.
[[ -f "$VENV/.gitignore" ]] || printf '*\n' >"$VENV/.gitignore"

want="$(sha256sum "$REQ" | cut -d' ' -f1)"
if [[ ! -f "$STAMP" || "$(cat "$STAMP")" != "$want" ]]; then
  "$VENV/bin/python" -m pip install --quiet --disable-pip-version-check --requirement "$REQ"
  printf '%s\n' "$want" >"$STAMP"
fi

cd "$INFRA/.."
exec "$VENV/bin/python" -m pytest -q -p no:cacheprovider "$INFRA/tests" "$@"
