#!/usr/bin/env bash
# Short libFuzzer run of every cargo-fuzz target in fuzz/ (the smoke run of the test command).
#
#   scripts/fuzz-smoke.sh                 # 20 s per target
#   FUZZ_SECONDS=600 scripts/fuzz-smoke.sh flow_events   # a longer run of one target
#
# Only stable Rust is installed, so cargo-fuzz's nightly flags (-Zsanitizer, -Cpasses=sancov)
# are unlocked with RUSTC_BOOTSTRAP=1. AddressSanitizer is used when its runtime links, else
# the script falls back to `--sanitizer none` (libFuzzer coverage without ASan; the crates
# fuzzed here forbid unsafe code). Needs `cargo install cargo-fuzz`. Exits non-zero on the
# first crash, leak or failed assertion; the crashing input is left in fuzz/artifacts/<target>/.
set -euo pipefail
cd "$(dirname "$0")/../fuzz"
SECONDS_PER_TARGET="${FUZZ_SECONDS:-20}"
export RUSTC_BOOTSTRAP=1
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$PWD/target}"
command -v cargo-fuzz >/dev/null || { echo "fuzz-smoke: cargo-fuzz missing (cargo install cargo-fuzz)" >&2; exit 2; }

TARGETS=("$@")
[ ${#TARGETS[@]} -gt 0 ] || mapfile -t TARGETS < <(cargo fuzz list)

SAN=()
if ! cargo fuzz build >/dev/null 2>&1; then
    echo "fuzz-smoke: ASan build failed; using --sanitizer none" >&2
    SAN=(--sanitizer none)
    cargo fuzz build "${SAN[@]}"
fi
for t in "${TARGETS[@]}"; do
    mkdir -p "corpus/$t"
    log="$(mktemp)"
    if ! cargo fuzz run "${SAN[@]}" "$t" "corpus/$t" -- -max_total_time="$SECONDS_PER_TARGET" \
            -print_final_stats=1 >"$log" 2>&1; then
        tail -40 "$log" >&2
        echo "fuzz-smoke: $t FAILED" >&2
        exit 1
    fi
    runs="$(grep -Eo 'Done [0-9]+ runs' "$log" | grep -Eo '[0-9]+' || echo '?')"
    cov="$(grep -Eo 'cov: [0-9]+' "$log" | tail -1 | grep -Eo '[0-9]+' || echo '?')"
    echo "fuzz-smoke: $t ok: $runs execs in ${SECONDS_PER_TARGET}s, coverage $cov edges, corpus $(ls "corpus/$t" | wc -l)"
    rm -f "$log"
done
