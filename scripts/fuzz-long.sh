#!/usr/bin/env bash
# The long fuzzing run (issue 13: >= 10^7 executions per target), not part of CI. Runs each
# target from its committed corpus until it has made FUZZ_RUNS executions (default 10^7) in
# FUZZ_JOBS parallel processes, then minimises what it found into fuzz/corpus/<target> with
# libFuzzer's -merge=1 (only inputs that add coverage are kept) and prints one line per target
# (executions, coverage, corpus size, findings) for docs/reliability.md.
#
#   scripts/fuzz-long.sh                    # every target, 10^7 executions each
#   FUZZ_RUNS=1000000 scripts/fuzz-long.sh wire_json
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
RUNS="${FUZZ_RUNS:-10000000}"
JOBS="${FUZZ_JOBS:-$(nproc)}"
FUZZ_SECONDS=1 "$ROOT/scripts/fuzz-smoke.sh" "$@" >/dev/null   # builds the targets
cd "$ROOT/fuzz"
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$PWD/target}"
HOST="$(rustc -vV | sed -n 's/^host: //p')"
BIN_DIR="$CARGO_TARGET_DIR/$HOST/release"
TARGETS=("$@")
[ ${#TARGETS[@]} -gt 0 ] || mapfile -t TARGETS < <(sed -n 's/^name = "\([a-z_]*\)"$/\1/p' Cargo.toml | grep -v '^latchkey-fuzz$')
for t in "${TARGETS[@]}"; do
    work="$(mktemp -d)"
    mkdir -p "corpus/$t" "artifacts/$t" "$work/new"
    start=$(date +%s)
    per_job=$(( (RUNS + JOBS - 1) / JOBS ))
    pids=()
    for j in $(seq 1 "$JOBS"); do
        "$BIN_DIR/$t" "$work/new" "corpus/$t" -runs="$per_job" -seed="$j" \
            -artifact_prefix="artifacts/$t/" -print_final_stats=1 >"$work/log.$j" 2>&1 &
        pids+=($!)
    done
    status=0
    for p in "${pids[@]}"; do wait "$p" || status=1; done
    execs=0
    for j in $(seq 1 "$JOBS"); do
        n="$(grep -Eo 'Done [0-9]+ runs' "$work/log.$j" | grep -Eo '[0-9]+' || echo 0)"
        execs=$(( execs + n ))
    done
    cov="$(cat "$work"/log.* | grep -Eo 'cov: [0-9]+' | grep -Eo '[0-9]+' | sort -n | tail -1)"
    # Minimise: merge the old corpus and the new inputs into a fresh directory.
    mkdir -p "$work/min"
    "$BIN_DIR/$t" -merge=1 "$work/min" "corpus/$t" "$work/new" >"$work/merge.log" 2>&1
    rm -rf "corpus/$t" && mv "$work/min" "corpus/$t"
    findings="$(ls "artifacts/$t" | wc -l)"
    echo "fuzz-long: $t: $execs execs in $(( $(date +%s) - start ))s on $JOBS jobs, coverage $cov edges, corpus $(ls "corpus/$t" | wc -l) inputs ($(du -sh "corpus/$t" | cut -f1)), findings $findings, exit $status"
    [ "$status" -eq 0 ] || tail -30 "$work"/log.* >&2
    rm -rf "$work"
done
