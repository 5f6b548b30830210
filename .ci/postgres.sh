#!/usr/bin/env bash
# Installs Debian's PostgreSQL (if missing), starts a cluster, creates the latchkey test role and
# database (idempotently) and prints the export line for the server's PostgreSQL tests:
#
#   eval "$(.ci/postgres.sh)"        # or: source <(.ci/postgres.sh)
#
# All diagnostics go to stderr; stdout carries only the export line.
set -euo pipefail

PGUSER_NAME="${LATCHKEY_PG_USER:-latchkey}"
PGPASS="${LATCHKEY_PG_PASSWORD:-latchkey-test}"
PGDB="${LATCHKEY_PG_DB:-latchkey_test}"
PGPORT="${LATCHKEY_PG_PORT:-5432}"

log() { echo "postgres.sh: $*" >&2; }

as_root() {
    if [ "$(id -u)" -eq 0 ]; then "$@"; else sudo "$@"; fi
}

if ! command -v pg_ctlcluster >/dev/null 2>&1 || ! ls /usr/lib/postgresql/*/bin/postgres >/dev/null 2>&1; then
    log "installing postgresql"
    as_root apt-get update -qq >&2
    DEBIAN_FRONTEND=noninteractive as_root apt-get install -y -qq postgresql >&2
fi

VERSION="$(ls /usr/lib/postgresql | sort -V | tail -1)"
if ! pg_lsclusters -h 2>/dev/null | awk '{print $1" "$2}' | grep -qx "$VERSION main"; then
    log "creating cluster $VERSION main"
    as_root pg_createcluster "$VERSION" main --port "$PGPORT" >&2
fi
STATUS="$(pg_lsclusters -h | awk -v v="$VERSION" '$1==v && $2=="main" {print $4}')"
if [ "$STATUS" != "online" ]; then
    log "starting cluster $VERSION main"
    as_root pg_ctlcluster "$VERSION" main start >&2
fi
PORT="$(pg_lsclusters -h | awk -v v="$VERSION" '$1==v && $2=="main" {print $3}')"

psql_admin() {
    if [ "$(id -u)" -eq 0 ]; then
        su postgres -c "psql -p $PORT -v ON_ERROR_STOP=1 -qAtX $(printf '%q ' "$@")"
    else
        sudo -u postgres psql -p "$PORT" -v ON_ERROR_STOP=1 -qAtX "$@"
    fi
}

for _ in $(seq 1 30); do
    if psql_admin -c 'SELECT 1' >/dev/null 2>&1; then break; fi
    sleep 1
done

if [ "$(psql_admin -c "SELECT 1 FROM pg_roles WHERE rolname = '$PGUSER_NAME'")" != "1" ]; then
    log "creating role $PGUSER_NAME"
    psql_admin -c "CREATE ROLE $PGUSER_NAME LOGIN CREATEDB PASSWORD '$PGPASS'" >&2
else
    psql_admin -c "ALTER ROLE $PGUSER_NAME LOGIN CREATEDB PASSWORD '$PGPASS'" >&2
fi
if [ "$(psql_admin -c "SELECT 1 FROM pg_database WHERE datname = '$PGDB'")" != "1" ]; then
    log "creating database $PGDB"
    psql_admin -c "CREATE DATABASE $PGDB OWNER $PGUSER_NAME" >&2
fi

# Databases left by earlier test runs (each test makes its own lk_test_<uuid>).
for db in $(psql_admin -c "SELECT datname FROM pg_database WHERE datname LIKE 'lk\_test\_%'"); do
    psql_admin -c "DROP DATABASE IF EXISTS $db" >&2 || true
done

URL="postgres://$PGUSER_NAME:$PGPASS@127.0.0.1:$PORT/$PGDB"
log "ready: PostgreSQL $VERSION on 127.0.0.1:$PORT"
echo "export LATCHKEY_TEST_POSTGRES_URL=$URL"
