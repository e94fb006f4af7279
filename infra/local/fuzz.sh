#!/usr/bin/env bash
# Runs every cargo-fuzz target (functions/fuzz) for SECONDS each (default 15), starting from the
# seed corpus in the repo; new inputs go to a scratch dir so the repo stays clean. A crash
# fails the script and leaves the reproducer under functions/fuzz/artifacts/.
#   infra/local/fuzz.sh [SECONDS] [TARGET...]
# cargo-fuzz needs unstable compiler flags; RUSTC_BOOTSTRAP lets the stable toolchain (the only
# one these machines have) accept them for this build only.
set -euo pipefail
cd "$(dirname "$0")/../.."
secs="${1:-15}"
shift || true
targets=("$@")
[[ ${#targets[@]} -gt 0 ]] || targets=(run_agent_input edits paths appdata accounts)
command -v cargo-fuzz >/dev/null || cargo install cargo-fuzz --locked --version 0.13.2
scratch="$(mktemp -d)"
trap 'rm -rf "$scratch"' EXIT
for t in "${targets[@]}"; do
    mkdir -p "$scratch/$t"
    echo "fuzz: $t for ${secs}s"
    status=0
    RUSTC_BOOTSTRAP=1 cargo fuzz run --fuzz-dir functions/fuzz "$t" "$scratch/$t" "functions/fuzz/corpus/$t" \
        -- -max_total_time="$secs" -print_final_stats=1 >"$scratch/$t.log" 2>&1 || status=$?
    grep -E "^Done|panicked|SUMMARY|ERROR" "$scratch/$t.log" || true
    if [[ $status -ne 0 ]]; then
        tail -40 "$scratch/$t.log"
        echo "fuzz: $t failed (exit $status); reproducer under functions/fuzz/artifacts/$t"
        exit 1
    fi
done
