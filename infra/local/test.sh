#!/usr/bin/env bash
# Every test of the project, as CI runs it (.ci/run calls this): formatting and lints, the Rust
# unit/integration/end-to-end suites (embedded backend and Azurite), the web UI's unit and
# browser tests, and the infrastructure checks. Installs what it needs first (setup.sh).
set -euo pipefail
cd "$(dirname "$0")/../.."
export CARGO_TERM_COLOR=never
start=$(date +%s)
step() { printf '\n==> [%4ss] %s\n' "$(( $(date +%s) - start ))" "$*"; }

step "setup (system packages, template and test node_modules; the agent examples' and the infrastructure tests' venvs beside the build)"
bash infra/local/setup.sh --without step_uv step_agent_examples step_crewai_example
# The examples' two venvs (CrewAI's is 152 packages) and uv, which installs them, are downloads
# that need nothing of the build: they install while clippy and the first compile run, and
# cargo test waits for them (docs/agents.md has the times). So do the infrastructure tests' two
# venvs (Checkov's is ~100 packages, ~50 s), waited for at the end.
mkdir -p target
bash infra/local/setup.sh step_agent_examples step_crewai_example >target/setup-agents.log 2>&1 &
agents_venv=$!
bash infra/tests/run.sh --venvs-only >target/setup-infra.log 2>&1 &
infra_venvs=$!

step "cargo fmt --check"
cargo fmt --all -- --check

step "cargo clippy (all targets, warnings are errors)"
cargo clippy --workspace --all-targets --quiet -- -D warnings

step "Azurite (real Blob and Queue APIs on loopback)"
bash infra/local/azurite.sh start
trap 'bash infra/local/azurite.sh stop >/dev/null 2>&1 || true' EXIT
export APPGEN_AZURITE=1

step "web UI: build (the e2e tests serve it) and unit tests"
(cd web && npm run build --silent && npm test --silent)

step "agent examples' venvs (installed beside the build)"
wait "$agents_venv" || { cat target/setup-agents.log; exit 1; }
cat target/setup-agents.log

step "cargo test (unit, integration, end-to-end against the real binary, external AG-UI agents and the AWS Lambda adapter included)"
cargo test --workspace --quiet -- --test-threads=2

step "web UI: browser end-to-end tests (playwright-core + Debian chromium)"
(cd web && APPGEN_BIN="$PWD/../target/debug/appgen" npm run e2e --silent)
(cd web && APPGEN_BIN="$PWD/../target/debug/appgen" node e2e/share.mjs)
(cd web && APPGEN_BIN="$PWD/../target/debug/appgen" node e2e/checks.mjs)

step "web UI: publishing end-to-end (apps on their own *.localhost origins)"
(cd web && APPGEN_BIN="$PWD/../target/debug/appgen" npm run e2e:publish --silent)

step "chaos: concurrent threads while the server is killed and restarted"
(cd functions/handler/tests/agui && node chaos.mjs --bin "$PWD/../../../../target/debug/appgen" --threads 3 --kills 4)

step "fuzzing: every cargo-fuzz target, 15 s each, from the seed corpus"
bash infra/local/fuzz.sh 15

step "infrastructure: Bicep syntax (pycep), names shared with the code, deploy dry run"
wait "$infra_venvs" || { cat target/setup-infra.log; exit 1; }
bash infra/tests/run.sh

step "all tests passed in $(( $(date +%s) - start ))s"
