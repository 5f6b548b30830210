//! The server's imports run one way: `http` -> `domain` -> `webhooks` -> `store`, with `state`,
//! `crypto`, `config` and `error` as leaves every layer may use (see docs/server.md, "Code
//! layout"). This test reads the sources and fails when a lower layer names a higher one or
//! axum's routing and extractors, so the direction stays true as modules are added.

use std::path::{Path, PathBuf};

fn rust_files(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    for entry in std::fs::read_dir(dir).unwrap_or_else(|e| panic!("{}: {e}", dir.display())) {
        let p = entry.unwrap().path();
        if p.is_dir() {
            out.extend(rust_files(&p));
        } else if p.extension().is_some_and(|e| e == "rs") {
            out.push(p);
        }
    }
    out.sort();
    out
}

fn src() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("src")
}

/// What no layer below `http` may mention: axum routing, extractors, responses, the `http`
/// module. Checked on every line, comments included; the `//!` module header is skipped (it may
/// point at the layer above).
const HTTP_ONLY: &[&str] = &[
    "crate::http",
    "super::http",
    "axum::extract",
    "axum::routing",
    "axum::Router",
    "axum::middleware",
    "FromRequest",
    "IntoResponse",
    "axum::response",
];

fn rules() -> Vec<(&'static str, Vec<&'static str>)> {
    let mut domain = HTTP_ONLY.to_vec();
    domain.push("axum::");
    let mut webhooks = domain.clone();
    webhooks.push("crate::domain");
    let mut store = webhooks.clone();
    store.extend([
        "crate::webhooks",
        "crate::state",
        "crate::crypto",
        "crate::error",
    ]);
    let mut leaves = store.clone();
    leaves.push("crate::store::");
    let eth: Vec<&str> = leaves
        .iter()
        .copied()
        .filter(|f| *f != "crate::crypto")
        .collect();
    vec![
        ("domain", domain),
        ("webhooks", webhooks),
        ("store", store),
        ("state.rs", state_rule()),
        ("crypto.rs", leaves.clone()),
        // Ethereum keys and signing: a leaf like crypto.rs (it may use crypto.rs).
        ("eth", eth),
        ("config.rs", leaves),
    ]
}

fn state_rule() -> Vec<&'static str> {
    let mut v = HTTP_ONLY.to_vec();
    v.extend(["crate::domain", "crate::webhooks", "axum::"]);
    v
}

fn violations(path: &Path, forbidden: &[&str]) -> Vec<String> {
    let text = std::fs::read_to_string(path).unwrap();
    let mut out = Vec::new();
    for (n, line) in text.lines().enumerate() {
        if line.trim_start().starts_with("//!") {
            continue;
        }
        for f in forbidden {
            if line.contains(f) {
                out.push(format!(
                    "{}:{}: mentions `{f}`: {}",
                    path.display(),
                    n + 1,
                    line.trim()
                ));
            }
        }
    }
    out
}

#[test]
fn imports_run_one_way() {
    let mut bad = Vec::new();
    let mut checked = 0;
    for (part, forbidden) in rules() {
        let p = src().join(part);
        let files = if p.is_dir() { rust_files(&p) } else { vec![p] };
        assert!(!files.is_empty(), "{part}: no sources found");
        for f in files {
            checked += 1;
            bad.extend(violations(&f, &forbidden));
        }
    }
    assert!(checked >= 20, "only {checked} files checked");
    assert!(bad.is_empty(), "layering violations:\n{}", bad.join("\n"));
}

/// The checker itself finds a violation (so the test above can fail).
#[test]
fn checker_detects_an_upward_import() {
    let dir = tempfile::tempdir().unwrap();
    let f = dir.path().join("x.rs");
    std::fs::write(
        &f,
        "//! doc: crate::http is fine here\nuse crate::http::auth::ApiKey;\n",
    )
    .unwrap();
    let v = violations(&f, HTTP_ONLY);
    assert_eq!(v.len(), 1, "{v:?}");
    assert!(v[0].contains(":2:"));
}
