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
# later, so Maven cannot resolve the project yet: fetch its other dependencies one by one
# (transitively), read from its pom.
android_deps() {
    python3 - examples-android/ui/pom.xml <<'PY'
import re, sys, xml.etree.ElementTree as ET
ns = {"m": "http://maven.apache.org/POM/4.0.0"}
root = ET.parse(sys.argv[1]).getroot()
props = {p.tag.split("}")[1]: (p.text or "") for p in root.find("m:properties", ns)}
sub = lambda t: re.sub(r"\$\{([^}]+)\}", lambda m: props.get(m.group(1), m.group(0)), t or "")
for d in root.find("m:dependencies", ns):
    g, a, v = (sub(d.findtext(f"m:{k}", namespaces=ns)) for k in ("groupId", "artifactId", "version"))
    if g != "dev.latchkey" and "${" not in v:
        print(f"{g}:{a}:{v}")
PY
}
for artifact in $(android_deps); do
    try "maven: $artifact" mvn -B -q dependency:get -Dartifact="$artifact"
done
VENV="$TARGET/schemathesis-venv"
if [ ! -x "$VENV/bin/schemathesis" ]; then
    try "schemathesis venv" bash -c "python3 -m venv '$VENV' && '$VENV/bin/pip' install -q -r reliability/requirements.txt"
fi
try "uniffi-bindgen-react-native CLI build" env CARGO_TARGET_DIR="$TARGET/ubrn-cli" \
    bindings/react-native/node_modules/.bin/ubrn --help
