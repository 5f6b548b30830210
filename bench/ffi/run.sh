#!/usr/bin/env bash
# FFI call cost (Python timeit + Kotlin warmed loop): builds the release-small liblatchkey.so,
# generates Python and Kotlin bindings from it into OUT, starts a release server and runs
# bench_ffi.py and the Kotlin Bench. Prints `ffi_*` result lines. Usage: run.sh OUT_DIR
set -euo pipefail
OUT="$1"
ROOT="$(cd "$(dirname "$0")/../.." && pwd)"
TARGET="${CARGO_TARGET_DIR:?}"
cd "$ROOT"
echo "ffi_load_before=$(cut -d' ' -f1-3 /proc/loadavg | tr ' ' ',')"
cargo build -q --profile release-small -p latchkey-ffi --lib >&2
cargo build -q --release -p latchkey-server --bin latchkey-server >&2
cargo build -q -p latchkey-ffi --bin uniffi-bindgen --features cli >&2
LIB="$TARGET/release-small/liblatchkey.so"  # the shipped profile
GEN="$OUT/ffi-gen"
rm -rf "$GEN"; mkdir -p "$GEN/python" "$GEN/kotlin"
(cd bindings/ffi && "$TARGET/debug/uniffi-bindgen" generate --no-format --language python --out-dir "$GEN/python" "$LIB" >&2)
(cd bindings/ffi && "$TARGET/debug/uniffi-bindgen" generate --no-format --language kotlin --out-dir "$GEN/kotlin" "$LIB" >&2)
cp "$LIB" "$GEN/python/"

KEY="lk_bench_ffi_$(head -c 8 /dev/urandom | od -An -tx1 | tr -d ' \n')"
DIR="$OUT/ffi-server"; rm -rf "$DIR"; mkdir -p "$DIR"
LATCHKEY_API_KEY="$KEY" "$TARGET/release/latchkey-server" --listen 127.0.0.1:0 --data-dir "$DIR/data" \
    --argon2-memory-kib 1024 --argon2-iterations 1 >"$DIR/stdout" 2>"$DIR/log" &
PID=$!
trap 'kill $PID 2>/dev/null || true' EXIT
for _ in $(seq 1 100); do [ -s "$DIR/stdout" ] && break; sleep 0.1; done
URL="$(head -1 "$DIR/stdout" | awk '{print $NF}')"

PYTHONPATH="$GEN/python" python3 bench/ffi/bench_ffi.py "$URL" "$KEY"

KDIR="$OUT/ffi-kotlin"; rm -rf "$KDIR"; mkdir -p "$KDIR"
cp -r bench/ffi/kotlin/pom.xml bench/ffi/kotlin/src "$KDIR/"
mvn -B -q -f "$KDIR/pom.xml" -Dlatchkey.generated.dir="$GEN/kotlin" compile \
    dependency:build-classpath -Dmdep.outputFile="$KDIR/cp.txt" >&2
java -Djna.library.path="$TARGET/release-small" \
    -Duniffi.component.latchkey.libraryOverride="$LIB" \
    -cp "$KDIR/target/classes:$(cat "$KDIR/cp.txt")" BenchKt "$URL" "$KEY"
