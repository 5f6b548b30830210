#!/usr/bin/env bash
# FFI call cost (Python timeit + Kotlin warmed loop): builds the release-small liblatchkey.so
# (the device build: default features, no AdminClient), generates Python and Kotlin bindings
# from it into OUT, starts a release server and runs bench_ffi.py and the Kotlin Bench (each on
# its own SET_PIN challenge made over plain HTTP by setup.py). Prints `ffi_*` result lines.
#
# Before/after in one run: FFI_BASELINE_LIB=/path/to/an/older/liblatchkey.so measures that
# library too, interleaved with the current one on the same server (`ffi_baseline_*` lines).
# Then the SDK's overhead on a step that goes to the server (the SET_PIN confirmation: sealed,
# sent, Argon2id on the server): `latchkey-bench net-step --mode bare` (a plain reqwest POST of
# the same sealed step) vs the Kotlin bench's `net` mode (`ChallengeRun.submit`), plus the core
# driver from Rust (`--mode sdk`), each on its own fresh challenges, in FFI_NET_ROUNDS (3)
# rounds of FFI_NET_STEPS (220, the first 20 uncounted) steps (`net_r<i>_*` lines).
# FFI_SKIP_CALLS=1 skips the call-cost part, FFI_SKIP_NET=1 the network part.
# Usage: run.sh OUT_DIR
set -euo pipefail
OUT="$1"
ROOT="$(cd "$(dirname "$0")/../.." && pwd)"
TARGET="${CARGO_TARGET_DIR:?}"
cd "$ROOT"
# Builds run at the lowest CPU priority (the machine may be shared); the timed loops do not.
build() { nice -n 19 "$@"; }
echo "ffi_load_before=$(cut -d' ' -f1-3 /proc/loadavg | tr ' ' ',')"
build cargo build -q --profile release-small -p latchkey-ffi --lib >&2
# FFI_SERVER_BIN: use an already built server (the timed loops send nothing; it only serves
# the setup requests and run_challenge).
SERVER="${FFI_SERVER_BIN:-$TARGET/release/latchkey-server}"
[ -n "${FFI_SERVER_BIN:-}" ] || build cargo build -q --release -p latchkey-server --bin latchkey-server >&2
build cargo build -q -p latchkey-ffi --bin uniffi-bindgen --features cli >&2
# The bench binary in the library's own profile: its reqwest is compiled as the SDK's is, so
# the bare client and the SDK differ only by the SDK.
[ -n "${FFI_SKIP_NET:-}" ] || build cargo build -q --profile release-small -p latchkey-bench --bin latchkey-bench >&2
BENCH_BIN="$TARGET/release-small/latchkey-bench"
LIB="$TARGET/release-small/liblatchkey.so"  # the shipped profile

# gen NAME LIB: Python + Kotlin bindings for LIB (library mode) into $OUT/NAME.
gen() {
    local g="$OUT/$1"
    rm -rf "$g"; mkdir -p "$g/python" "$g/kotlin" "$g/lib"
    cp "$2" "$g/lib/liblatchkey.so"
    (cd bindings/ffi && "$TARGET/debug/uniffi-bindgen" generate --no-format --language python --out-dir "$g/python" "$g/lib/liblatchkey.so" >&2)
    (cd bindings/ffi && "$TARGET/debug/uniffi-bindgen" generate --no-format --language kotlin --out-dir "$g/kotlin" "$g/lib/liblatchkey.so" >&2)
    cp "$g/lib/liblatchkey.so" "$g/python/"
    local k="$g/kotlin-bench"
    mkdir -p "$k"; cp -r bench/ffi/kotlin/pom.xml bench/ffi/kotlin/src "$k/"
    build mvn -B -q -f "$k/pom.xml" -Dlatchkey.generated.dir="$g/kotlin" compile \
        dependency:build-classpath -Dmdep.outputFile="$k/cp.txt" >&2
}
gen ffi-gen "$LIB"
RUNS=(ffi-gen:ffi)
if [ -n "${FFI_BASELINE_LIB:-}" ]; then
    gen ffi-gen-baseline "$FFI_BASELINE_LIB"
    RUNS=(ffi-gen-baseline:ffi_baseline ffi-gen:ffi)
fi

KEY="lk_bench_ffi_$(head -c 8 /dev/urandom | od -An -tx1 | tr -d ' \n')"
DIR="$OUT/ffi-server"; rm -rf "$DIR"; mkdir -p "$DIR"
# The database on tmpfs when there is one: a step's SQLite commit then costs no disk flush, so
# the network steps vary less (the difference measured is the client's, not the disk's).
DATA="$DIR/data"
if [ -d /dev/shm ] && [ -w /dev/shm ]; then DATA="$(mktemp -d /dev/shm/latchkey-bench-ffi.XXXXXX)"; fi
LATCHKEY_API_KEY="$KEY" "$SERVER" --listen 127.0.0.1:0 --data-dir "$DATA" \
    --argon2-memory-kib 1024 --argon2-iterations 1 \
    --rate-limit-ip-per-sec 0 --rate-limit-user-per-sec 0 >"$DIR/stdout" 2>"$DIR/log" &
PID=$!
trap 'kill $PID 2>/dev/null || true; [ "$DATA" = "$DIR/data" ] || rm -rf "$DATA"' EXIT
for _ in $(seq 1 100); do [ -s "$DIR/stdout" ] && break; sleep 0.1; done
URL="$(head -1 "$DIR/stdout" | awk '{print $NF}')"

# FFI_CALL_ROUNDS (1): repeat the whole interleaved sequence (each line printed once per round;
# take the best per line, as within a round).
for _round in $(seq 1 "${FFI_CALL_ROUNDS:-1}"); do
for lang in python kotlin; do
    [ -z "${FFI_SKIP_CALLS:-}" ] || break
    echo "ffi_${lang}_load_before=$(cut -d' ' -f1-3 /proc/loadavg | tr ' ' ',')"
    for r in "${RUNS[@]}"; do
        g="$OUT/${r%%:*}"; prefix="${r##*:}"
        if [ "$lang" = python ]; then
            FFI_PREFIX="$prefix" PYTHONPATH="$g/python:$ROOT/bench/ffi" \
                python3 bench/ffi/bench_ffi.py "$URL" "$KEY"
        else
            # shellcheck disable=SC2046
            java -Djna.library.path="$g/lib" \
                -Duniffi.component.latchkey.libraryOverride="$g/lib/liblatchkey.so" \
                -cp "$g/kotlin-bench/target/classes:$(cat "$g/kotlin-bench/cp.txt")" BenchKt \
                "$URL" $(python3 bench/ffi/setup.py "$URL" "$KEY") "$prefix"
        fi
    done
done
done

[ -z "${FFI_SKIP_NET:-}" ] || exit 0
g="$OUT/ffi-gen"
for i in $(seq 1 "${FFI_NET_ROUNDS:-3}"); do
    echo "net_r${i}_load_before=$(cut -d' ' -f1-3 /proc/loadavg | tr ' ' ',')"
    for side in bare kotlin sdk; do
        f="$OUT/net-r$i-$side.txt"
        "$BENCH_BIN" net-setup --base "$URL" --api-key "$KEY" --count "${FFI_NET_STEPS:-220}" --out "$f"
        if [ "$side" = kotlin ]; then
            # shellcheck disable=SC2046
            java -Djna.library.path="$g/lib" \
                -Duniffi.component.latchkey.libraryOverride="$g/lib/liblatchkey.so" \
                -cp "$g/kotlin-bench/target/classes:$(cat "$g/kotlin-bench/cp.txt")" BenchKt \
                net "$URL" "$f" "net_r$i" 20
        else
            "$BENCH_BIN" net-step --base "$URL" --file "$f" --mode "$side" --warm 20 --prefix "net_r$i"
        fi
    done
done
echo "net_load_after=$(cut -d' ' -f1-3 /proc/loadavg | tr ' ' ',')"
