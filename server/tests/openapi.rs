//! The served OpenAPI document equals the checked-in `docs/openapi.json`.
//! Regenerate the file with `UPDATE_OPENAPI=1 cargo test -p latchkey-server --test openapi`.

mod common;

use common::*;
use reqwest::Method;

#[tokio::test]
async fn served_document_matches_checked_in_file() {
    let t = TestServer::start(&Backend::Sqlite, |_| {}).await;
    let r = t
        .api
        .http
        .request(Method::GET, t.api.url("/v1/openapi.json"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    let served = r.text().await.unwrap();
    let v: serde_json::Value = serde_json::from_str(&served).unwrap();
    assert!(v["openapi"].as_str().unwrap().starts_with("3.1"));
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../docs/openapi.json");
    if std::env::var("UPDATE_OPENAPI").is_ok_and(|v| v == "1") {
        std::fs::write(&path, &served).unwrap();
    }
    let file = std::fs::read_to_string(&path)
        .expect("docs/openapi.json exists (UPDATE_OPENAPI=1 writes it)");
    assert!(
        file == served,
        "docs/openapi.json is stale; run UPDATE_OPENAPI=1 cargo test -p latchkey-server --test openapi"
    );
    t.stop().await;
}
