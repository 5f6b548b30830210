#!/usr/bin/env bash
# Runs every Latchkey test: formatting, lints, the Rust workspace (protocol, core, server, driver,
# terminal app, reliability), the independent Python envelope implementation, every language
# binding, and the fuzz and schemathesis smoke runs.
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

step "protocol vectors: independent Python implementation"
python -m pytest -q protocol/tests/python

step "bindings: Python, Kotlin, Swift checks, React Native + Node"
cargo xtask test-bindings

if [ -x scripts/fuzz-smoke.sh ]; then
    step "fuzz smoke"
    scripts/fuzz-smoke.sh
fi

if [ -x scripts/schemathesis-smoke.sh ]; then
    step "schemathesis smoke"
    scripts/schemathesis-smoke.sh
fi

step "all tests passed"
