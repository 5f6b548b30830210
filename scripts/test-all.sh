#!/usr/bin/env bash
# Runs every Latchkey test: formatting, lints, the Rust workspace (protocol, core, server, driver,
# terminal app, reliability), the independent Python envelope implementation, every language
# binding, the sample apps, and the fuzz and schemathesis smoke runs.
#
#   ./scripts/test-all.sh
#
# PostgreSQL variants run when LATCHKEY_TEST_POSTGRES_URL is set; `.ci/run` (and `eval "$(bash
# .ci/postgres.sh)"` on a Debian machine) sets it. Python tools go into a virtualenv under target/.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT="$PWD"
SECONDS=0
step() { printf '\n==> [%4ss] %s\n' "$SECONDS" "$*"; }

if [ -z "${LATCHKEY_TEST_POSTGRES_URL:-}" ]; then
    echo "note: LATCHKEY_TEST_POSTGRES_URL is not set: PostgreSQL variants are skipped" \
         "(run: eval \"\$(bash .ci/postgres.sh)\")" >&2
fi

step "python tools (virtualenv in target/py)"
VENV="$ROOT/target/py"
if [ ! -x "$VENV/bin/python" ]; then
    python3 -m venv "$VENV"
fi
"$VENV/bin/python" -m pip install -q --disable-pip-version-check -r scripts/requirements-test.txt
export PATH="$VENV/bin:$PATH"

step "cargo fmt --check"
cargo fmt --all -- --check

step "cargo clippy (all targets, -D warnings)"
cargo clippy --workspace --all-targets --locked -- -D warnings

step "cargo test (workspace)"
cargo test --workspace --locked

step "protocol vectors and Ethereum signing: independent Python implementations (eth-account)"
python -m pytest -q protocol/tests/python server/tests/python

step "bindings: Python, Kotlin, Swift checks, React Native + Node; sample apps (Android ui on the JVM + screenshots, React Native hook on Node, iOS parse)"
cargo xtask test-bindings

step "fuzz smoke (cargo-fuzz on stable via RUSTC_BOOTSTRAP, ${FUZZ_SECONDS:=15} s per target)"
if ! command -v cargo-fuzz >/dev/null; then
    cargo install --locked cargo-fuzz --version 0.13.2
fi
FUZZ_SECONDS="$FUZZ_SECONDS" scripts/fuzz-smoke.sh

step "schemathesis smoke (real server, /v1/openapi.json)"
scripts/schemathesis-smoke.sh

step "all tests passed"
