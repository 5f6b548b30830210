#!/usr/bin/env bash
# Latchkey benchmarks (issue 6, "Speed and size"); figures and method in docs/benchmarks.md.
#
#   scripts/bench.sh [core] [size] [server] [scaling] [trips] [ffi]   # default: all, in order
#   cargo xtask bench [same sections]                          # the same
#
# Env: CARGO_TARGET_DIR (default: the workspace target dir), BENCH_SECS (wrk run length, 20),
# BENCH_SERVER_BIN (server binary to measure instead of the fresh release build),
# LATCHKEY_TEST_POSTGRES_URL (server section also on PostgreSQL when set; `eval "$(bash
# .ci/postgres.sh)"` gives one; a fresh database is created for the run).
# Needs: wrk (Debian package; installed with apt-get when missing), python3, strip, and for ffi
# Java 17 + Maven; optional for size: gcc-aarch64-linux-gnu (Debian) and `rustup target add
# aarch64-unknown-linux-gnu` for the arm64 figure. Every figure lands in $OUT/results.txt and the
# tables are printed at the end.
set -euo pipefail

ROOT="$(cd "$(dirname "$0")/.." && pwd)"
cd "$ROOT"
TARGET="${CARGO_TARGET_DIR:-$(cargo metadata --format-version 1 --no-deps | python3 -c 'import json,sys; print(json.load(sys.stdin)["target_directory"])')}"
export CARGO_TARGET_DIR="$TARGET"
OUT="$TARGET/bench-results"
mkdir -p "$OUT"
RESULTS="$OUT/results.txt"
SECS="${BENCH_SECS:-20}"
SECTIONS=("$@")
[ ${#SECTIONS[@]} -eq 0 ] && SECTIONS=(core size server scaling trips ffi)
API_KEY="lk_bench_$(head -c 12 /dev/urandom | od -An -tx1 | tr -d ' \n')"
PIDS=()

log() { echo "==> $*" >&2; }
record() { echo "$*" | tee -a "$RESULTS"; }
load() { cut -d' ' -f1-3 /proc/loadavg; }
cleanup() {
    for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null || true; done
}
trap cleanup EXIT

: > "$RESULTS"
record "date=$(date -u +%Y-%m-%dT%H:%M:%SZ) cores=$(nproc) mem_gib=$(awk '/MemTotal/ {printf "%.0f", $2/1048576}' /proc/meminfo) load=$(load)"

want() { local s; for s in "${SECTIONS[@]}"; do [ "$s" = "$1" ] && return 0; done; return 1; }

# ---------------------------------------------------------------------------------------------
if want core; then
    log "core: criterion (cargo bench -p latchkey-bench --bench core)"
    record "core_load_before=$(load)"
    cargo bench -q -p latchkey-bench --bench core -- --warm-up-time 2 --measurement-time 5 2>&1 | tee "$OUT/criterion.txt" >&2
    python3 - "$TARGET/criterion" <<'EOF' | tee -a "$RESULTS"
import json, os, sys
base = sys.argv[1]
for group, name in [("envelope", "seal"), ("envelope", "open"), ("pin", "check_ok"),
                    ("pin", "check_sequential"), ("answer", "normalize_text"),
                    ("answer", "normalize_date"), ("answer", "check_hint"),
                    ("flow", "change_pin_whole"), ("flow", "restore_pin_whole")]:
    est = json.load(open(os.path.join(base, group, name, "new", "estimates.json")))
    print(f"core_{group}_{name}_ns={est['mean']['point_estimate']:.1f}")
EOF
    record "core_load_after=$(load)"
fi

# ---------------------------------------------------------------------------------------------
if want size; then
    log "size: release-small liblatchkey.so vs bench/size-floor"
    record "size_load_before=$(load)"
    cargo build -q --profile release-small -p latchkey-ffi --lib
    cargo build -q --profile release-small -p latchkey-size-floor --lib
    for lib in liblatchkey liblatchkey_size_floor; do
        so="$TARGET/release-small/$lib.so"
        cp "$so" "$OUT/$lib.strip-x.so"; strip -x "$OUT/$lib.strip-x.so"
        cp "$so" "$OUT/$lib.strip-all.so"; strip --strip-all "$OUT/$lib.strip-all.so"
        record "size_${lib}_unstripped=$(stat -c %s "$so")"
        record "size_${lib}_strip_x=$(stat -c %s "$OUT/$lib.strip-x.so")"
        record "size_${lib}_strip_all=$(stat -c %s "$OUT/$lib.strip-all.so")"
    done
    # Where the bytes are: symbol bytes by crate and ELF sections, library vs floor (unstripped).
    python3 "$ROOT/bench/size_by_crate.py" "$TARGET/release-small/liblatchkey_size_floor.so" \
        "$TARGET/release-small/liblatchkey.so" > "$OUT/size-by-crate.md"
    # arm64: the ISA of Android's arm64-v8a. Built for aarch64-unknown-linux-gnu with Debian's
    # cross gcc (gcc-aarch64-linux-gnu) as linker: the Android target itself needs the NDK's
    # bionic sysroot, which Debian does not package (docs/benchmarks.md, "Library size").
    A64=aarch64-unknown-linux-gnu
    if command -v aarch64-linux-gnu-gcc >/dev/null && rustup target list --installed 2>/dev/null | grep -qx "$A64"; then
        export CARGO_TARGET_AARCH64_UNKNOWN_LINUX_GNU_LINKER=aarch64-linux-gnu-gcc
        cargo build -q --profile release-small --target "$A64" -p latchkey-ffi --lib
        cargo build -q --profile release-small --target "$A64" -p latchkey-size-floor --lib
        for lib in liblatchkey liblatchkey_size_floor; do
            so="$TARGET/$A64/release-small/$lib.so"
            cp "$so" "$OUT/$lib.arm64.strip-x.so"; aarch64-linux-gnu-strip -x "$OUT/$lib.arm64.strip-x.so"
            cp "$so" "$OUT/$lib.arm64.strip-all.so"; aarch64-linux-gnu-strip --strip-all "$OUT/$lib.arm64.strip-all.so"
            record "size_arm64_${lib}_unstripped=$(stat -c %s "$so")"
            record "size_arm64_${lib}_strip_x=$(stat -c %s "$OUT/$lib.arm64.strip-x.so")"
            record "size_arm64_${lib}_strip_all=$(stat -c %s "$OUT/$lib.arm64.strip-all.so")"
        done
    else
        record "size_arm64: skipped (needs aarch64-linux-gnu-gcc and rustup target $A64)"
    fi
fi

# ---------------------------------------------------------------------------------------------
if want server || want scaling || want trips; then
    log "building the release server and latchkey-bench"
    cargo build -q --release -p latchkey-server -p latchkey-bench --bins
    command -v wrk >/dev/null || { apt-get update -qq >&2; DEBIAN_FRONTEND=noninteractive apt-get install -y -qq wrk >&2; }
fi
SERVER="${BENCH_SERVER_BIN:-$TARGET/release/latchkey-server}"  # BENCH_SERVER_BIN: A/B an older build
BENCH="$TARGET/release/latchkey-bench"

# start_server NAME ARGS... : starts the release binary, sets URL and SERVER_PID, log in $OUT/NAME.log
start_server() {
    local name="$1"; shift
    local dir="$OUT/$name"
    rm -rf "$dir"; mkdir -p "$dir"
    LATCHKEY_API_KEY="$API_KEY" "$SERVER" --listen 127.0.0.1:0 --data-dir "$dir/data" \
        --rate-limit-ip-per-sec 0 --rate-limit-user-per-sec 0 "$@" \
        >"$dir/stdout" 2>"$OUT/$name.log" &
    SERVER_PID=$!
    PIDS+=("$SERVER_PID")
    for _ in $(seq 1 100); do
        if [ -s "$dir/stdout" ]; then break; fi
        sleep 0.1
    done
    URL="$(head -1 "$dir/stdout" | awk '{print $NF}')"
    [ -n "$URL" ] || { cat "$OUT/$name.log" >&2; echo "server $name did not start" >&2; exit 1; }
}
stop_server() {
    kill "$SERVER_PID" 2>/dev/null || true
    wait "$SERVER_PID" 2>/dev/null || true
}

# wrk_rps NAME URL HEADER : 2 threads, 64 connections, prints Requests/sec and non-2xx count
wrk_rps() {
    local name="$1" url="$2" header="$3"
    local l; l="$(load)"
    wrk -t2 -c64 -d"${READ_SECS:-10}s" --latency -H "$header" "$url" > "$OUT/wrk-$name.txt"
    local rps non2xx p99
    rps="$(awk '/^Requests\/sec/ {print $2}' "$OUT/wrk-$name.txt")"
    non2xx="$(awk '/Non-2xx/ {print $NF}' "$OUT/wrk-$name.txt")"
    p99="$(awk '$1=="99%" {print $2}' "$OUT/wrk-$name.txt")"
    record "${name}_rps=$rps ${name}_non2xx=${non2xx:-0} ${name}_p99=$p99 ${name}_load_before=${l// /,}"
}

server_bench() {
    local db="$1"; shift
    start_server "server-$db" "$@"
    log "server ($db) at $URL"
    local single expected n_sat
    single="$(awk -F= '/argon2_single_ms_min/ {print $2}' "$RESULTS" | tail -1)"
    expected="$(python3 -c "print($(nproc) * 1000 / $single)")"
    n_sat="$(python3 -c "print(int($expected * $SECS * 1.5) + 200)")"
    local n_rate; n_rate="$(python3 -c "print(int($expected * 0.7 * $SECS * 1.3) + 100)")"
    "$BENCH" setup --base "$URL" --api-key "$API_KEY" --out "$OUT/setup-$db" \
        --verifications "$n_sat" --verifications "$n_rate" --signatures "$n_sat" >&2
    # shellcheck disable=SC1091
    . "$OUT/setup-$db/env.sh"

    # Raw Argon2id again, just before the saturated run (the server idle), so the ratio
    # compares figures taken a minute apart on a shared machine, not ten.
    "$BENCH" argon2-single --runs 20 | grep parallel | sed "s/argon2_/${db}_argon2_/g" | tee -a "$RESULTS"
    log "$db: Argon2id verifications, saturated (wrk -t1 -c8, ${SECS}s)"
    local l; l="$(load)"
    wrk -t1 -c8 -d"${SECS}s" --timeout 30s -s "$OUT/setup-$db/verify-0.lua" "$URL" > "$OUT/wrk-verify-sat-$db.txt"
    local sat; sat="$(grep '^LK ' "$OUT/wrk-verify-sat-$db.txt")"
    local rps; rps="$(echo "$sat" | sed -E 's/.* rps=([0-9.]+).*/\1/')"
    record "verify_sat_$db: $sat expected_rps=$expected ratio=$(python3 -c "print(round($rps / $expected, 3))") load_before=${l// /,}"

    log "$db: PIN-gated EIP-191 signatures, saturated (wrk -t1 -c8, ${SECS}s)"
    l="$(load)"
    wrk -t1 -c8 -d"${SECS}s" --timeout 30s -s "$OUT/setup-$db/sign.lua" "$URL" > "$OUT/wrk-sign-sat-$db.txt"
    local sign; sign="$(grep '^LK ' "$OUT/wrk-sign-sat-$db.txt")"
    local sign_rps; sign_rps="$(echo "$sign" | sed -E 's/.* rps=([0-9.]+).*/\1/')"
    record "sign_sat_$db: $sign expected_rps=$expected ratio=$(python3 -c "print(round($sign_rps / $expected, 3))") vs_verify=$(python3 -c "print(round($sign_rps / $rps, 3))") load_before=${l// /,}"

    local rate; rate="$(python3 -c "print(round($rps * 0.7, 2))")"
    log "$db: verifications at 70% ($rate/s, wrk -t1 -c16, ${SECS}s)"
    l="$(load)"
    RATE="$rate" wrk -t1 -c16 -d"${SECS}s" --timeout 30s -s "$OUT/setup-$db/verify-1.lua" "$URL" > "$OUT/wrk-verify-rate-$db.txt"
    record "verify_rate_$db: target_rps=$rate $(grep '^LK ' "$OUT/wrk-verify-rate-$db.txt") load_before=${l// /,}"

    log "$db: endpoints without a KDF (wrk -t2 -c64)"
    wrk_rps "read_challenge_$db" "$URL/v1/user/challenges/$READ_CHALLENGE" "X-User-Token: $READ_TOKEN"
    wrk_rps "read_descriptor_$db" "$URL/v1/user/challenges/$READ_CHALLENGE/descriptor" "X-User-Token: $READ_TOKEN"
    wrk_rps "read_user_$db" "$URL/v1/users/$READ_USER" "Authorization: Bearer $API_KEY"
    wrk_rps "read_health_$db" "$URL/v1/health" "Accept: application/json"
    stop_server
}

if want server; then
    log "Argon2id single-core baseline"
    record "argon2_load_before=$(load)"
    "$BENCH" argon2-single --runs 30 | tee -a "$RESULTS"
    server_bench sqlite
    if [ -n "${LATCHKEY_TEST_POSTGRES_URL:-}" ]; then
        PGDB="latchkey_bench_$(date +%s)"
        psql "$LATCHKEY_TEST_POSTGRES_URL" -qAtX -c "CREATE DATABASE $PGDB" >&2
        PGURL="$(python3 -c "import sys,urllib.parse as u; p=u.urlsplit(sys.argv[1]); print(u.urlunsplit(p._replace(path='/$PGDB')))" "$LATCHKEY_TEST_POSTGRES_URL")"
        server_bench postgres --database-url "$PGURL"
        psql "$LATCHKEY_TEST_POSTGRES_URL" -qAtX -c "DROP DATABASE $PGDB" >&2 || true
    else
        record "postgres: skipped (LATCHKEY_TEST_POSTGRES_URL not set)"
    fi
fi

# ---------------------------------------------------------------------------------------------
# Scaling on PostgreSQL: one vs two server processes on one database (same pepper, same API
# key; wrk splits the connections), then the cost per verification as the users table grows
# to 1,000 and 100,000 users (each seeded user has a PIN verifier and one finished challenge,
# bulk-inserted with SQL: creating them through the API would cost an Argon2id hash each).
# Every measurement sends fresh envelopes (made by one `latchkey-bench setup`).
if want scaling; then
    if [ -z "${LATCHKEY_TEST_POSTGRES_URL:-}" ]; then
        record "scaling: skipped (LATCHKEY_TEST_POSTGRES_URL not set)"
    else
        [ -n "$(awk -F= '/argon2_single_ms_min/ {print $2}' "$RESULTS")" ] || "$BENCH" argon2-single --runs 30 | tee -a "$RESULTS"
        single="$(awk -F= '/argon2_single_ms_min/ {print $2}' "$RESULTS" | tail -1)"
        n="$(python3 -c "print(int($(nproc) * 1000 / $single * $SECS * 1.5) + 200)")"
        PGDB="latchkey_scaling_$(date +%s)"
        psql "$LATCHKEY_TEST_POSTGRES_URL" -qAtX -c "CREATE DATABASE $PGDB" >&2
        PGURL="$(python3 -c "import sys,urllib.parse as u; p=u.urlsplit(sys.argv[1]); print(u.urlunsplit(p._replace(path='/$PGDB')))" "$LATCHKEY_TEST_POSTGRES_URL")"
        export LATCHKEY_PEPPER; LATCHKEY_PEPPER="$(head -c 32 /dev/urandom | base64 -w0)"
        start_server scale-a --database-url "$PGURL"; URL_A="$URL"; PID_A="$SERVER_PID"
        start_server scale-b --database-url "$PGURL"; URL_B="$URL"; PID_B="$SERVER_PID"
        unset LATCHKEY_PEPPER
        log "scaling: servers at $URL_A and $URL_B on $PGDB"
        "$BENCH" setup --base "$URL_A" --api-key "$API_KEY" --out "$OUT/setup-scaling" \
            --verifications "$n" --verifications "$n" --verifications "$n" \
            --verifications "$n" --verifications "$n" >&2
        S="$OUT/setup-scaling"
        users() { psql "$PGURL" -qAtX -c "SELECT COUNT(*) FROM users"; }
        rps_of() { grep '^LK ' "$1" | sed -E 's/.* rps=([0-9.]+).*/\1/'; }
        l="$(load)"
        wrk -t1 -c8 -d"${SECS}s" --timeout 30s -s "$S/verify-0.lua" "$URL_A" > "$OUT/wrk-scale-one.txt"
        record "scale_one_process: $(grep '^LK ' "$OUT/wrk-scale-one.txt") users=$(users) load_before=${l// /,}"
        l="$(load)"
        wrk -t1 -c4 -d"${SECS}s" --timeout 30s -s "$S/verify-1.lua" "$URL_A" > "$OUT/wrk-scale-two-a.txt" &
        WA=$!
        wrk -t1 -c4 -d"${SECS}s" --timeout 30s -s "$S/verify-2.lua" "$URL_B" > "$OUT/wrk-scale-two-b.txt"
        wait "$WA"
        two="$(python3 -c "print(round($(rps_of "$OUT/wrk-scale-two-a.txt") + $(rps_of "$OUT/wrk-scale-two-b.txt"), 2))")"
        record "scale_two_processes: rps=$two a=[$(grep '^LK ' "$OUT/wrk-scale-two-a.txt")] b=[$(grep '^LK ' "$OUT/wrk-scale-two-b.txt")] vs_one=$(python3 -c "print(round($two / $(rps_of "$OUT/wrk-scale-one.txt"), 3))") load_before=${l// /,}"
        kill "$PID_B" 2>/dev/null || true; wait "$PID_B" 2>/dev/null || true
        i=3
        for total in 1000 100000; do
            have="$(users)"
            psql "$PGURL" -qAtX >&2 <<SQL
INSERT INTO users (id, created_at, pin_verifier, pin_version)
  SELECT 'bench-seed-' || g, created_at, pin_verifier, pin_version
  FROM (SELECT created_at, pin_verifier, pin_version FROM users WHERE pin_verifier IS NOT NULL LIMIT 1) t,
       generate_series($have + 1, $total) g;
INSERT INTO challenges (id, user_id, kind, status, verified_steps, created_at, updated_at, expires_at)
  SELECT 'bench-seed-ch-' || id, id, 'CHANGE_PIN', 'COMPLETE', '', created_at, created_at, created_at
  FROM users WHERE id LIKE 'bench-seed-%' AND NOT EXISTS (SELECT 1 FROM challenges c WHERE c.user_id = users.id);
VACUUM ANALYZE;
SQL
            l="$(load)"
            wrk -t1 -c8 -d"${SECS}s" --timeout 30s -s "$S/verify-$i.lua" "$URL_A" > "$OUT/wrk-scale-users-$total.txt"
            record "scale_users_$total: $(grep '^LK ' "$OUT/wrk-scale-users-$total.txt") users=$(users) challenges=$(psql "$PGURL" -qAtX -c "SELECT COUNT(*) FROM challenges") load_before=${l// /,}"
            i=$((i + 1))
        done
        kill "$PID_A" 2>/dev/null || true; wait "$PID_A" 2>/dev/null || true
        psql "$LATCHKEY_TEST_POSTGRES_URL" -qAtX -c "DROP DATABASE $PGDB" >&2 || true
    fi
fi

if want trips; then
    log "round trips per flow (server request log)"
    start_server trips
    "$BENCH" round-trips --base "$URL" --api-key "$API_KEY" --log "$OUT/trips.log" | tee -a "$RESULTS"
    stop_server
fi

# ---------------------------------------------------------------------------------------------
if want ffi; then
    log "ffi: submit (locally refused PIN, no IO) vs noop, Python and Kotlin"
    bash "$ROOT/bench/ffi/run.sh" "$OUT" | tee -a "$RESULTS"
fi

record "load_at_end=$(load)"
echo
python3 "$ROOT/bench/report.py" "$RESULTS"
