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

# One build of every target (cargo fuzz run would build each on its own): release with debug
# assertions and overflow checks, as cargo fuzz's default, but
# - no AddressSanitizer: appgen-core has no `unsafe` code, so ASan had nothing of ours to watch,
#   and it was about a third of the build (what a target asserts and every panic still fail it);
# - 16 codegen units, not cargo fuzz's 1, which made appgen-core one long single-threaded compile.
# Together 2m34 of CPU instead of 4m25 for a clean build, and without ASan's bookkeeping each
# target runs 3 to 5 times as many inputs in its seconds.
RUSTC_BOOTSTRAP=1 cargo fuzz build --fuzz-dir functions/fuzz --sanitizer none --codegen-units 16
bins="${CARGO_TARGET_DIR:-functions/fuzz/target}/x86_64-unknown-linux-gnu/release"

# run TARGET: what `cargo fuzz run` does once built, its exit status in $scratch/TARGET.rc.
run() {
    local t="$1" status=0
    mkdir -p "$scratch/$t" "functions/fuzz/artifacts/$t"
    "$bins/$t" -artifact_prefix="functions/fuzz/artifacts/$t/" -max_total_time="$secs" \
        -print_final_stats=1 "$scratch/$t" "functions/fuzz/corpus/$t" >"$scratch/$t.log" 2>&1 || status=$?
    echo "$status" >"$scratch/$t.rc"
}

# libFuzzer runs on one core: as many targets at once as there are cores.
lanes="$(nproc)"
for t in "${targets[@]}"; do
    [[ -x "$bins/$t" ]] || { echo "fuzz: no such target: $t"; exit 1; }
    while [[ $(jobs -rp | wc -l) -ge $lanes ]]; do wait -n || true; done
    echo "fuzz: $t for ${secs}s"
    run "$t" &
done
wait

failed=0
for t in "${targets[@]}"; do
    grep -E "^Done|panicked|SUMMARY|ERROR" "$scratch/$t.log" | sed "s/^/$t: /" || true
    status="$(cat "$scratch/$t.rc")"
    if [[ $status -ne 0 ]]; then
        tail -40 "$scratch/$t.log"
        echo "fuzz: $t failed (exit $status); reproducer under functions/fuzz/artifacts/$t"
        failed=1
    fi
done
exit "$failed"
