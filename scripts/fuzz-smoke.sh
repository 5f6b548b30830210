#!/usr/bin/env bash
# Short libFuzzer run of every fuzz target in fuzz/ (the smoke run of the test command).
#
#   scripts/fuzz-smoke.sh                                # 20 s per target
#   FUZZ_SECONDS=600 scripts/fuzz-smoke.sh flow_events   # a longer run of one target
#   FUZZ_RUNS=10000000 scripts/fuzz-smoke.sh             # a fixed number of executions per target
#
# Builds the targets the way `cargo fuzz build` does (release, host target triple so build
# scripts and proc macros stay uninstrumented, SanitizerCoverage with inline 8-bit counters, pc
# table and compare tracing, `--cfg fuzzing`, debug assertions and overflow checks, ASan), but with
# plain cargo: no `cargo install cargo-fuzz` (three minutes of CI) is needed. Only stable Rust is
# installed, so the nightly flags (-Zsanitizer) are unlocked with RUSTC_BOOTSTRAP=1. ASan is used
# when its runtime links, else the script falls back to coverage without ASan (the crates fuzzed
# here forbid unsafe code). Each run starts from the committed corpus in fuzz/corpus/<target>;
# new inputs go to a scratch directory, so a smoke run leaves the tree as it was (use
# scripts/fuzz-long.sh to grow and minimise the committed corpus). Exits non-zero on the first
# crash, leak or failed assertion; the crashing input is left in fuzz/artifacts/<target>/.
set -euo pipefail
cd "$(dirname "$0")/../fuzz"
SECONDS_PER_TARGET="${FUZZ_SECONDS:-20}"
export RUSTC_BOOTSTRAP=1
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$PWD/target}"
HOST="$(rustc -vV | sed -n 's/^host: //p')"
BIN_DIR="$CARGO_TARGET_DIR/$HOST/release"

TARGETS=("$@")
[ ${#TARGETS[@]} -gt 0 ] || mapfile -t TARGETS < <(sed -n 's/^name = "\([a-z0-9_]*\)"$/\1/p' Cargo.toml | grep -v '^latchkey-fuzz$')

COVERAGE="-Cpasses=sancov-module -Cllvm-args=-sanitizer-coverage-level=4 \
-Cllvm-args=-sanitizer-coverage-inline-8bit-counters -Cllvm-args=-sanitizer-coverage-pc-table \
-Cllvm-args=-sanitizer-coverage-trace-compares --cfg fuzzing -Cdebug-assertions -Coverflow-checks"
build() {
    RUSTFLAGS="$COVERAGE $1" cargo build --locked --release --target "$HOST" --bins "${@:2}"
}
if ! build "-Zsanitizer=address" >/dev/null 2>&1; then
    echo "fuzz-smoke: ASan build failed; using coverage without ASan" >&2
    build ""
fi
[ -z "${FUZZ_BUILD_ONLY:-}" ] || exit 0
for t in "${TARGETS[@]}"; do
    [ -x "$BIN_DIR/$t" ] || { echo "fuzz-smoke: no target $t in fuzz/Cargo.toml" >&2; exit 2; }
    mkdir -p "corpus/$t" "artifacts/$t"
    scratch="$(mktemp -d)"
    log="$(mktemp)"
    started=$(date +%s)
    limit=(-max_total_time="$SECONDS_PER_TARGET")
    [ -n "${FUZZ_RUNS:-}" ] && limit=(-runs="$FUZZ_RUNS")
    if ! "$BIN_DIR/$t" "$scratch" "corpus/$t" "${limit[@]}" -artifact_prefix="artifacts/$t/" \
            -print_final_stats=1 >"$log" 2>&1; then
        tail -40 "$log" >&2
        echo "fuzz-smoke: $t FAILED" >&2
        exit 1
    fi
    runs="$(grep -Eo 'Done [0-9]+ runs' "$log" | grep -Eo '[0-9]+' || echo '?')"
    cov="$(grep -Eo 'cov: [0-9]+' "$log" | tail -1 | grep -Eo '[0-9]+' || echo '?')"
    echo "fuzz-smoke: $t ok: $runs execs in $(( $(date +%s) - started ))s, coverage $cov edges, corpus $(ls "corpus/$t" | wc -l) committed + $(ls "$scratch" | wc -l) new"
    rm -rf "$log" "$scratch"
done
