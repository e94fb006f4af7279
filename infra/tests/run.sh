#!/usr/bin/env bash
# Runs the infrastructure tests: Bicep syntax (pycep-parser), Checkov, names shared with the Rust code,
# no secrets in outputs, Dockerfile vs infra/local/setup.sh drift, deploy.sh --dry-run, workflows.
#
#   bash infra/tests/run.sh [pytest args...]
#   bash infra/tests/run.sh --venvs-only    make the venvs and stop (infra/local/test.sh runs
#                                           this beside the Rust build, so the tests start at once)
#
# Creates infra/.venv (infra/requirements-test.txt) and infra/.venv-checkov
# (infra/requirements-checkov.txt) on first use, both pinned; later runs reinstall only when
# those files change, so they start in well under a second.
set -euo pipefail

INFRA="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"

# ensure_venv DIR REQUIREMENTS: a venv at DIR with exactly REQUIREMENTS installed (reinstalled
# only when that file changes, so later runs start in well under a second).
ensure_venv() {
  local venv="$1" req="$2" stamp="$1/.requirements.sha256" want
  if [[ ! -x "$venv/bin/python" ]]; then
    if ! python3 -m venv "$venv"; then
      rm -rf "$venv"
      echo "infra/tests/run.sh: 'python3 -m venv' failed; on Debian install python3-venv (apt-get install python3-venv)" >&2
      exit 1
    fi
  fi
  # The venv ignores itself, so no .gitignore entry is needed.
  [[ -f "$venv/.gitignore" ]] || printf '*\n' >"$venv/.gitignore"
  want="$(sha256sum "$req" | cut -d' ' -f1)"
  if [[ ! -f "$stamp" || "$(cat "$stamp")" != "$want" ]]; then
    "$venv/bin/python" -m pip install --quiet --disable-pip-version-check --requirement "$req"
    printf '%s\n' "$want" >"$stamp"
  fi
}

ensure_venv "$INFRA/.venv" "$INFRA/requirements-test.txt"
# Checkov in its own venv (it pins an older pycep-parser than the tests use).
ensure_venv "$INFRA/.venv-checkov" "$INFRA/requirements-checkov.txt"
export APPGEN_CHECKOV="$INFRA/.venv-checkov/bin/checkov"
[[ "${1:-}" != "--venvs-only" ]] || exit 0

cd "$INFRA/.."
exec "$INFRA/.venv/bin/python" -m pytest -q -p no:cacheprovider "$INFRA/tests" "$@"
