#!/usr/bin/env bash
# Runs every Latchkey test: formatting, lints, the Rust workspace (protocol, core, server, driver,
# terminal app, reliability), the independent Python envelope implementation, every language
# binding, the sample apps, and the fuzz and schemathesis smoke runs.
#
#   ./scripts/test-all.sh
#
# PostgreSQL variants run when LATCHKEY_TEST_POSTGRES_URL is set; `.ci/run` (and `eval "$(bash
# .ci/postgres.sh)"` on a Debian machine) sets it. Python tools go into virtualenvs under target/.
#
# Time (issue 13): the Rust workspace is compiled once for everything. clippy and `cargo test`
# run with the FFI crate's `cli` and `admin` features, which is exactly the build `cargo xtask
# test-bindings` asks for (its library, uniffi-bindgen and server binary come out of that one
# `cargo test` build; a per-package `cargo build -p` would resolve features differently and
# compile tokio, hyper, reqwest, clap ... a second time). Downloads (npm, Maven, pip) and the
# fuzz build run in the background from the start, at low CPU priority, so they fill the gaps of
# the foreground (linking, tests waiting on sockets) instead of adding to the wall time. Each
# phase's time is printed at the end; background logs are in target/test-all/.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT="$PWD"
SECONDS=0
START="$(date +%s)"
LOGS="$ROOT/target/test-all"
mkdir -p "$LOGS"
# Must stay equal to xtask's `Features::Admin.workspace_features()`.
FEATURES="latchkey-ffi/cli,latchkey-ffi/admin"
TIMES=()
declare -A BG_PID BG_T0
step() { printf '\n==> [%4ss] %s\n' "$SECONDS" "$*"; }
now() { echo $(( $(date +%s) - START )); }

# phase NAME CMD... : runs CMD in the foreground and records its time.
phase() {
    local name="$1" t0=$SECONDS
    shift
    step "$name"
    "$@"
    TIMES+=("$(printf '%5ss  %s' $((SECONDS - t0)) "$name")")
}

# background NAME CMD... : runs CMD in the background at CPU priority $NICE (default 10: it
# takes the cycles the foreground leaves); output in target/test-all/NAME.log.
background() {
    local name="$1"
    shift
    step "background: $name (log: target/test-all/$name.log)"
    BG_T0[$name]="$(now)"
    ( nice -n "${NICE:-10}" "$@"; rc=$?; now > "$LOGS/$name.end"; exit $rc ) >"$LOGS/$name.log" 2>&1 &
    BG_PID[$name]=$!
}

# await NAME : waits for a background job; on failure prints its log and stops.
await() {
    local name="$1" t0=$SECONDS
    step "waiting for background: $name"
    if ! wait "${BG_PID[$name]}"; then
        tail -80 "$LOGS/$name.log" >&2
        echo "test-all: background job '$name' FAILED (full log: $LOGS/$name.log)" >&2
        exit 1
    fi
    unset "BG_PID[$name]"
    grep -E '^(fuzz-smoke|schemathesis|prefetch):|^test result' "$LOGS/$name.log" || true
    local end; end="$(cat "$LOGS/$name.end" 2>/dev/null || now)"
    TIMES+=("$(printf '%5ss  %s (background from %ss to %ss; waited %ss)' \
        $((end - BG_T0[$name])) "$name" "${BG_T0[$name]}" "$end" $((SECONDS - t0)))")
}

cleanup() {
    local p
    for p in "${BG_PID[@]}"; do kill -- "$p" 2>/dev/null || true; done
}
trap cleanup EXIT

if [ -z "${LATCHKEY_TEST_POSTGRES_URL:-}" ]; then
    echo "note: LATCHKEY_TEST_POSTGRES_URL is not set: PostgreSQL variants are skipped" \
         "(run: eval \"\$(bash .ci/postgres.sh)\")" >&2
fi

# Downloads first (network-bound, they overlap with the compilers): npm packages for the React
# Native package and sample, the Maven dependencies of the Kotlin package and the Android sample,
# the schemathesis venv; then the uniffi-bindgen-react-native CLI, which compiles itself with
# cargo on first use (its own target dir).
# At normal priority (mostly waiting on the network; the CLI build inside runs at nice 10).
NICE=0 background prefetch scripts/prefetch.sh
# The fuzz targets' build (release, ASan, its own target dir) and the smoke run of the 10
# targets, each from its committed corpus (fuzz/corpus), 8 s each. It is awaited
# only at the very end, so it runs at a lower priority (nice 15) than the ubrn CLI build inside
# the prefetch (nice 10), which test-bindings waits for. For a short smoke run the build is most
# of the cost: it is optimised at opt-level 1 instead of 3 and keeps only line tables (file:line
# in ASan reports) instead of `debug = 1`; same targets, same ASan and coverage instrumentation
# (docs/benchmarks.md, section 6). scripts/fuzz-long.sh keeps the full release profile.
NICE=15 background fuzz env FUZZ_SECONDS="${FUZZ_SECONDS:=8}" CARGO_PROFILE_RELEASE_OPT_LEVEL=1 \
    CARGO_PROFILE_RELEASE_DEBUG=line-tables-only scripts/fuzz-smoke.sh

phase "python tools (virtualenv in target/py)" bash -c '
    VENV=target/py
    [ -x "$VENV/bin/python" ] || python3 -m venv "$VENV"
    "$VENV/bin/python" -m pip install -q --disable-pip-version-check -r scripts/requirements-test.txt'
export PATH="$ROOT/target/py/bin:$PATH"

phase "cargo fmt --check" cargo fmt --all -- --check

# clippy without a second compile of the dependencies: `cargo clippy` type-checks every
# dependency in check mode (metadata only), which the test build cannot reuse, and that was ~7
# of a cold CI run's minutes. Instead the workspace's own crates are compiled by clippy-driver
# (the compiler `cargo clippy` uses, with the same lints; `CLIPPY_ARGS` is how `cargo clippy`
# hands it `-D warnings`) for every cargo call from here on, and dependencies by plain rustc,
# once. `--all-targets` covers what `cargo clippy --all-targets` covers (lib, bins, tests,
# benches and examples, each with cfg(test) where cargo test builds it so). A lint fails the
# build exactly as it fails `cargo clippy -- -D warnings`; the commands to run by hand stay
# `cargo clippy --workspace --all-targets --features ... -- -D warnings` and `cargo test`.
CLIPPY_DRIVER="$(rustc --print sysroot)/bin/clippy-driver"
[ -x "$CLIPPY_DRIVER" ] || { echo "clippy-driver not found at $CLIPPY_DRIVER (rustup component add clippy)" >&2; exit 1; }
export RUSTC_WORKSPACE_WRAPPER="$CLIPPY_DRIVER"
export CLIPPY_ARGS="-D__CLIPPY_HACKERY__warnings__CLIPPY_HACKERY__"

phase "cargo test --no-run --all-targets: build + clippy in one compile (features $FEATURES, -D warnings)" \
    cargo test --workspace --all-targets --locked --features "$FEATURES" --no-run
# Every test that starts the server as a process (reliability/, the Python tests, schemathesis,
# the bindings) uses this build's binary; without it each would run `cargo build -p
# latchkey-server`, whose per-package feature resolution compiles hyper, reqwest, sqlx ... again.
export LATCHKEY_SERVER_BIN="$ROOT/target/debug/latchkey-server"
# The kill -9 crash test (reliability/tests/crash.rs, ~2 min of mostly waiting on restarts and
# webhook retries) runs beside the rest of the workspace's tests; cargo holds no lock while
# tests run.
NICE=0 background crash-test cargo test --workspace --locked --features "$FEATURES" --test crash
phase "cargo test (workspace, features $FEATURES; the crash test runs in the background)" \
    cargo test --workspace --locked --no-fail-fast --features "$FEATURES" -- --skip kill9_loses_nothing
await crash-test

phase "protocol vectors and Ethereum signing: independent Python implementations (eth-account)" \
    python -m pytest -q protocol/tests/python server/tests/python

await prefetch
# The server binary of the `cargo test` build; at normal priority, since it runs a server whose
# replies schemathesis waits for (after prefetch: that made its venv).
NICE=0 background schemathesis scripts/schemathesis-smoke.sh
phase "bindings: Python, Kotlin, Swift checks, React Native + Node; sample apps (Android ui on the JVM + screenshots, React Native hook on Node, iOS parse)" \
    cargo xtask test-bindings

await schemathesis
await fuzz

step "all tests passed"
echo "==> phase times (wall clock; total $SECONDS s)"
printf '%s\n' "${TIMES[@]}"
