#!/usr/bin/env bash
# Fetches ahead of time what the later test phases download or build apart from the workspace,
# so scripts/test-all.sh can run it in the background while the Rust workspace compiles: the npm
# packages of the React Native package and sample, the Maven dependencies and plugins of the
# Kotlin package and the Android sample's `ui` module, the schemathesis venv, and the
# uniffi-bindgen-react-native CLI (it compiles itself with cargo on first use, into
# <target>/ubrn-cli, the directory `cargo xtask` gives it). Best effort: a failed prefetch is
# reported and the phase that needs the thing fetches it itself (and fails there if it must).
set -uo pipefail
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
cd "$ROOT"
TARGET="${CARGO_TARGET_DIR:-$ROOT/target}"

try() {
    local what="$1" t0
    shift
    t0=$(date +%s)
    if "$@"; then
        echo "prefetch: $what ok ($(( $(date +%s) - t0 )) s)"
    else
        echo "prefetch: $what FAILED after $(( $(date +%s) - t0 )) s (the phase that needs it will retry)"
    fi
}

npm_ci() {
    local dir="$1"
    if [ ! -f "$dir/node_modules/.package-lock.json" ]; then
        try "npm ci in $dir" bash -c "cd '$dir' && npm ci --no-audit --no-fund --ignore-scripts"
    fi
}

npm_ci bindings/react-native
# The ubrn CLI build is CPU-bound and the rest of this script waits on the network: it starts
# as soon as its npm package is there and runs beside the downloads below (waited for at the
# end). At low priority, so it takes the cycles the foreground leaves. Without debug info (it
# only generates code); the settings must stay equal to xtask's `UBRN_CARGO_ENV`, or `cargo
# xtask test-bindings` builds the CLI again.
try "uniffi-bindgen-react-native CLI build" nice -n 10 env CARGO_TARGET_DIR="$TARGET/ubrn-cli" \
    CARGO_PROFILE_DEV_DEBUG=0 bindings/react-native/node_modules/.bin/ubrn --help &
UBRN_PID=$!
npm_ci examples-react-native
try "maven: bindings/kotlin" mvn -B -q dependency:go-offline -f bindings/kotlin/pom.xml
# The sample depends on the Kotlin package's jar, which `cargo xtask test-bindings` installs
# later, so Maven cannot resolve the project yet: resolve a copy of its pom without that
# dependency (same plugins, same other dependencies) in one Maven run.
UI_POM="$TARGET/prefetch/android-ui/pom.xml"
mkdir -p "$(dirname "$UI_POM")"
python3 - examples-android/ui/pom.xml "$UI_POM" <<'PY'
import sys, xml.etree.ElementTree as ET
NS = "http://maven.apache.org/POM/4.0.0"
ET.register_namespace("", NS)
tree = ET.parse(sys.argv[1])
deps = tree.getroot().find(f"{{{NS}}}dependencies")
for d in list(deps):
    if d.findtext(f"{{{NS}}}groupId") == "dev.latchkey":
        deps.remove(d)
tree.write(sys.argv[2], xml_declaration=True, encoding="utf-8")
PY
try "maven: examples-android/ui (without the Kotlin package)" \
    mvn -B -q dependency:go-offline -f "$UI_POM"
VENV="$TARGET/schemathesis-venv"
if [ ! -x "$VENV/bin/schemathesis" ]; then
    try "schemathesis venv" bash -c "python3 -m venv '$VENV' && '$VENV/bin/pip' install -q -r reliability/requirements.txt"
fi
wait "$UBRN_PID"
