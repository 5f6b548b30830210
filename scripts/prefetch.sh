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

for dir in bindings/react-native examples-react-native; do
    if [ ! -f "$dir/node_modules/.package-lock.json" ]; then
        try "npm ci in $dir" bash -c "cd '$dir' && npm ci --no-audit --no-fund --ignore-scripts"
    fi
done
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
# CPU-bound: at low priority, so it takes the cycles the foreground leaves.
try "uniffi-bindgen-react-native CLI build" nice -n 10 env CARGO_TARGET_DIR="$TARGET/ubrn-cli" \
    bindings/react-native/node_modules/.bin/ubrn --help
