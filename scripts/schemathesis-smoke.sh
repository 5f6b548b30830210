#!/usr/bin/env bash
# schemathesis (PyPI, version pinned in reliability/requirements.txt) against the real
# latchkey-server binary's /v1/openapi.json: zero 5xx and every response matching the schema.
#
#   scripts/schemathesis-smoke.sh                    # SQLite, 25 examples per operation
#   ST_MAX_EXAMPLES=200 scripts/schemathesis-smoke.sh
#   LATCHKEY_TEST_POSTGRES_URL=postgres://... scripts/schemathesis-smoke.sh   # on PostgreSQL
#
# Uses $LATCHKEY_SERVER_BIN when set (test-all passes the workspace build's binary), else builds
# the server (cargo build -p latchkey-server); starts it on a free loopback port with a
# fresh data dir, creates a user with an initialized PIN and a session, runs schemathesis with
# the API key and the user token on every request, and stops the server (SIGTERM).
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
cd "$ROOT"
VENV="${ST_VENV:-$ROOT/target/schemathesis-venv}"
MAX_EXAMPLES="${ST_MAX_EXAMPLES:-25}"
API_KEY="lk_schemathesis_$(od -An -N8 -tx1 /dev/urandom | tr -d ' \n')"

if [ ! -x "$VENV/bin/schemathesis" ]; then
    python3 -m venv "$VENV"
    "$VENV/bin/pip" install -q -r reliability/requirements.txt
fi

BIN="${LATCHKEY_SERVER_BIN:-}"
if [ -z "$BIN" ]; then
    cargo build -q -p latchkey-server --bin latchkey-server
    BIN="$(cargo build -q -p latchkey-server --bin latchkey-server --message-format=json \
        | python3 -c 'import json,sys
for l in sys.stdin:
    m=json.loads(l)
    if m.get("reason")=="compiler-artifact" and m["target"]["name"]=="latchkey-server" and m.get("executable"):
        print(m["executable"])')"
fi

WORK="$(mktemp -d)"
DB_ARGS=()
if [ -n "${LATCHKEY_TEST_POSTGRES_URL:-}" ] && [ "${ST_BACKEND:-sqlite}" = postgres ]; then
    DB_ARGS=(--database-url "$LATCHKEY_TEST_POSTGRES_URL")
fi
LATCHKEY_API_KEY="$API_KEY" "$BIN" --listen 127.0.0.1:0 --data-dir "$WORK" "${DB_ARGS[@]}" \
    --argon2-memory-kib 1024 --argon2-iterations 1 --rate-limit-ip-per-sec 0 --rate-limit-user-per-sec 0 --log info \
    >"$WORK/stdout" 2>"$WORK/server.log" &
PID=$!
cleanup() {
    kill -TERM "$PID" 2>/dev/null && wait "$PID" 2>/dev/null || true
    rm -rf "$WORK"
}
trap cleanup EXIT
for _ in $(seq 1 100); do
    grep -q "listening on" "$WORK/stdout" 2>/dev/null && break
    sleep 0.1
done
BASE="$(sed -n 's/^latchkey-server listening on //p' "$WORK/stdout" | head -1)"
[ -n "$BASE" ] || { cat "$WORK/server.log" >&2; echo "server did not start" >&2; exit 1; }

# A user with a session (see reliability/scripts/setup_user.py).
USER_ID="st-user-$$"
TOKEN_JSON="$(python3 "$ROOT/reliability/scripts/setup_user.py" "$BASE" "$API_KEY" "$USER_ID")"
USER_TOKEN="$(python3 -c 'import json,sys; print(json.loads(sys.argv[1])["userToken"])' "$TOKEN_JSON")"

set +e
cd "$WORK"   # schemathesis keeps its example database in ./.schemathesis
"$VENV/bin/schemathesis" run "$BASE/v1/openapi.json" \
    --url "$BASE" \
    -H "Authorization: Bearer $API_KEY" \
    -H "X-User-Token: $USER_TOKEN" \
    --checks not_a_server_error,response_schema_conformance,status_code_conformance,content_type_conformance,response_headers_conformance \
    --max-examples "$MAX_EXAMPLES" \
    --seed "${ST_SEED:-20260401}" \
    --generation-deterministic \
    --workers 1 \
    --no-color ${ST_EXTRA:-}
RC=$?
set -e
if grep -q "panicked" "$WORK/server.log"; then
    echo "schemathesis-smoke: the server panicked" >&2
    grep -B2 -A5 panicked "$WORK/server.log" >&2
    exit 1
fi
exit $RC
