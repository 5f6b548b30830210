//! Regression test for a schemathesis finding: the error replies every call can give (400 for a
//! malformed body/path/query, 401 for missing credentials, 413 for an oversized body) were not
//! in the OpenAPI document. Each operation is called without credentials and with a malformed
//! body, and the status the server answers must be documented for that operation.

mod common;

use common::*;
use serde_json::Value;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_error_status_the_server_gives_is_documented() {
    let ts = TestServer::start(&Backend::Sqlite, |c| c.max_body_bytes = 1024).await;
    let http = reqwest::Client::new();
    let doc: Value = http
        .get(ts.api.url("/v1/openapi.json"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let s = ts.api.new_user("openapi-errors").await;
    let mut checked = 0;
    for (path, item) in doc["paths"].as_object().unwrap() {
        for (method, op) in item.as_object().unwrap() {
            let documented = op["responses"].as_object().unwrap();
            let concrete = path
                .replace("{userId}", "openapi-errors")
                .replace("{id}", "00000000-0000-4000-8000-000000000000")
                .replace("{keyId}", "nope");
            let m: reqwest::Method = method.to_uppercase().parse().unwrap();
            let has_body = op.get("requestBody").is_some();
            let mut cases = vec![(
                "no credentials",
                http.request(m.clone(), ts.api.url(&concrete)),
            )];
            if has_body {
                let with_auth = || {
                    http.request(m.clone(), ts.api.url(&concrete))
                        .bearer_auth(&ts.api.api_key)
                        .header("X-User-Token", &s.token)
                        .header("content-type", "application/json")
                };
                cases.push(("malformed JSON", with_auth().body("{not json")));
                cases.push(("wrong field types", with_auth().body(r#"{"userId": 5, "idempotencyKey": [], "step": 1, "envelope": {}, "endpoint": 7}"#)));
                cases.push((
                    "oversized body",
                    with_auth().body(format!("{{\"x\":\"{}\"}}", "a".repeat(4096))),
                ));
            }
            for (what, req) in cases {
                let r = req.send().await.unwrap();
                let status = r.status().as_u16();
                if path == "/v1/openapi.json" || path == "/v1/health" {
                    continue;
                }
                assert!(
                    documented.contains_key(&status.to_string()),
                    "{method} {path} ({what}) answered {status}, documented: {:?}",
                    documented.keys().collect::<Vec<_>>()
                );
                assert!(status < 500, "{method} {path} ({what}) answered {status}");
                let body: Value = r.json().await.unwrap_or(Value::Null);
                if status >= 400 {
                    assert!(body["code"].is_u64(), "{method} {path} ({what}): {body}");
                }
                checked += 1;
            }
        }
    }
    assert!(checked >= 40, "only {checked} requests checked");
    ts.stop().await;
}
