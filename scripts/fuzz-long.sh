#!/usr/bin/env bash
# The long fuzzing run (issue 13: >= 10^7 executions per target), not part of CI.
#
# For each target, one at a time, at the lowest CPU priority (nice 19): run libFuzzer from the
# committed corpus fuzz/corpus/<target> for FUZZ_RUNS executions (default 10^7; with
# FUZZ_MAX_SECONDS also stop after that many seconds), then minimise the old corpus plus
# everything new into fuzz/corpus/<target> with libFuzzer's -merge=1 (what `cargo fuzz cmin`
# does; cargo-fuzz itself is not needed), and print one line per target: executions, exec/s,
# the final cov:/ft: of libFuzzer's output, corpus size before -> after, crashes.
#
# Resumable: each target's result goes to $FUZZ_OUT/<target>.result (default
# fuzz/target/fuzz-long), and a target with a result there is skipped (its line is printed
# again); inputs found by an interrupted run are kept in $FUZZ_OUT/<target>.new and merged
# too. Start a fresh run with another FUZZ_OUT or by deleting it. A crashing target gets no
# result (it runs again next time); its input is in fuzz/artifacts/<target>/; the script goes on
# with the other targets and exits 1 at the end.
#
#   scripts/fuzz-long.sh                                  # every target, 10^7 executions each
#   scripts/fuzz-long.sh eth_typed_data recovery_code     # some targets
#   FUZZ_RUNS=1000000 scripts/fuzz-long.sh wire_json      # fewer executions
#   FUZZ_MAX_SECONDS=1800 scripts/fuzz-long.sh flow_events  # at most 30 minutes
#   FUZZ_OUT=/tmp/run2 scripts/fuzz-long.sh               # a second, separate run
set -euo pipefail
if [ "$(nice)" -lt 19 ]; then exec nice -n 19 "$0" "$@"; fi
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
RUNS="${FUZZ_RUNS:-10000000}"
FUZZ_BUILD_ONLY=1 "$ROOT/scripts/fuzz-smoke.sh"   # builds every target (ASan when it links)
cd "$ROOT/fuzz"
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$PWD/target}"
OUT="${FUZZ_OUT:-$CARGO_TARGET_DIR/fuzz-long}"
HOST="$(rustc -vV | sed -n 's/^host: //p')"
BIN_DIR="$CARGO_TARGET_DIR/$HOST/release"
TARGETS=("$@")
[ ${#TARGETS[@]} -gt 0 ] || mapfile -t TARGETS < <(sed -n 's/^name = "\([a-z0-9_]*\)"$/\1/p' Cargo.toml | grep -v '^latchkey-fuzz$')
mkdir -p "$OUT"
size() { echo "$(find "$1" -type f | wc -l) inputs, $(find "$1" -type f -printf "%s\n" | awk "{s+=\$1} END {print s+0}") B"; }
failed=0
for t in "${TARGETS[@]}"; do
    if [ -s "$OUT/$t.result" ]; then
        echo "$(cat "$OUT/$t.result") (done earlier)"
        continue
    fi
    [ -x "$BIN_DIR/$t" ] || { echo "fuzz-long: no target $t" >&2; exit 2; }
    mkdir -p "corpus/$t" "artifacts/$t" "$OUT/$t.new"
    before="$(size "corpus/$t")"
    crashes_before="$(find "artifacts/$t" -type f | wc -l)"
    limit=(-runs="$RUNS")
    [ -n "${FUZZ_MAX_SECONDS:-}" ] && limit+=(-max_total_time="$FUZZ_MAX_SECONDS")
    start=$(date +%s)
    status=0
    "$BIN_DIR/$t" "$OUT/$t.new" "corpus/$t" "${limit[@]}" -artifact_prefix="artifacts/$t/" \
        -print_final_stats=1 >"$OUT/$t.log" 2>&1 || status=$?
    secs=$(( $(date +%s) - start ))
    log="$OUT/$t.log"
    execs="$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -1)"
    eps="$(sed -n 's/^stat::average_exec_per_sec: *//p' "$log" | tail -1)"
    cov="$(grep -Eo 'cov: [0-9]+ ft: [0-9]+' "$log" | tail -1)"
    crashes=$(( $(find "artifacts/$t" -type f | wc -l) - crashes_before ))
    # Minimise: old corpus + new inputs -> a fresh directory that replaces the corpus.
    rm -rf "$OUT/$t.min" && mkdir -p "$OUT/$t.min"
    "$BIN_DIR/$t" -merge=1 "$OUT/$t.min" "corpus/$t" "$OUT/$t.new" >"$OUT/$t.merge.log" 2>&1
    rm -rf "corpus/$t" && mv "$OUT/$t.min" "corpus/$t"
    # The coverage of the minimised corpus, as a fresh run measures it.
    merged="$(grep -Eo 'cov: [0-9]+ ft: [0-9]+' "$OUT/$t.merge.log" | tail -1)"
    line="fuzz-long: $t: ${execs:-?} execs in ${secs}s (${eps:-?} exec/s), final ${cov:-cov: ? ft: ?}, corpus $before -> $(size "corpus/$t") (merge: ${merged:-?}), crashes $crashes, libFuzzer exit $status"
    echo "$line"
    if [ "$status" -eq 0 ] && [ "$crashes" -eq 0 ]; then
        echo "$line" >"$OUT/$t.result"
        rm -rf "$OUT/$t.new"
    else
        failed=1
        grep -E 'ERROR|panicked|SUMMARY|Test unit written' "$log" | head -20 >&2 || true
    fi
done
exit "$failed"
