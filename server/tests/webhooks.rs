//! Webhooks: signed deliveries verified with the published public key, retries with the same
//! notificationId, and outbox redelivery after a server restart.

mod common;

use axum::http::{HeaderMap, StatusCode};
use base64::engine::general_purpose::STANDARD;
use base64::Engine as _;
use common::*;
use latchkey_protocol::ChallengeType;
use reqwest::Method;
use serde_json::{json, Value};
use std::net::SocketAddr;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

#[derive(Clone, Debug)]
struct Delivery {
    status_returned: u16,
    signature: String,
    key_id: String,
    body: String,
}

#[derive(Clone, Default)]
struct Receiver {
    got: Arc<Mutex<Vec<Delivery>>>,
    fail_first: Arc<AtomicUsize>,
}

impl Receiver {
    /// Serves on `addr` (port 0 for any) and returns the bound address.
    async fn serve(&self, addr: SocketAddr) -> (SocketAddr, tokio::task::JoinHandle<()>) {
        let me = self.clone();
        let app = axum::Router::new().route(
            "/hook",
            axum::routing::post(move |headers: HeaderMap, body: String| {
                let me = me.clone();
                async move {
                    let fail = me
                        .fail_first
                        .fetch_update(Ordering::SeqCst, Ordering::SeqCst, |n| n.checked_sub(1))
                        .is_ok();
                    let status = if fail {
                        StatusCode::INTERNAL_SERVER_ERROR
                    } else {
                        StatusCode::OK
                    };
                    let h = |n: &str| {
                        headers
                            .get(n)
                            .and_then(|v| v.to_str().ok())
                            .unwrap_or("")
                            .to_owned()
                    };
                    me.got.lock().unwrap().push(Delivery {
                        status_returned: status.as_u16(),
                        signature: h("x-latchkey-signature"),
                        key_id: h("x-latchkey-key-id"),
                        body,
                    });
                    status
                }
            }),
        );
        let listener = tokio::net::TcpListener::bind(addr).await.unwrap();
        let bound = listener.local_addr().unwrap();
        let task = tokio::spawn(async move {
            axum::serve(listener, app).await.ok();
        });
        (bound, task)
    }

    fn deliveries(&self) -> Vec<Delivery> {
        self.got.lock().unwrap().clone()
    }

    /// Waits until `pred` holds for the deliveries so far.
    async fn wait_for(&self, what: &str, pred: impl Fn(&[Delivery]) -> bool) -> Vec<Delivery> {
        for _ in 0..150 {
            let d = self.deliveries();
            if pred(&d) {
                return d;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        panic!("timed out waiting for {what}: {:?}", self.deliveries());
    }
}

fn body_json(d: &Delivery) -> Value {
    serde_json::from_str(&d.body).unwrap()
}

fn verify(public_key_b64: &str, d: &Delivery) -> bool {
    let spki = STANDARD.decode(public_key_b64).unwrap();
    assert_eq!(spki.len(), 91, "P-256 SubjectPublicKeyInfo");
    let point = &spki[spki.len() - 65..];
    let sig = STANDARD.decode(&d.signature).unwrap();
    ring::signature::UnparsedPublicKey::new(&ring::signature::ECDSA_P256_SHA256_ASN1, point)
        .verify(d.body.as_bytes(), &sig)
        .is_ok()
}

async fn subscribe(api: &Api, endpoint: &str) -> Value {
    let r = api
        .send(
            api.dev(Method::POST, "/v1/notifications/subscriptions")
                .json(&json!({"endpoint": endpoint, "notificationTypes": ["challenges.*"]})),
        )
        .await;
    r.expect_ok(201).clone()
}

async fn public_key(api: &Api, key_id: &str) -> String {
    let r = api
        .send(api.dev(
            Method::GET,
            &format!("/v1/notifications/publicKey/{key_id}"),
        ))
        .await;
    let d = r.expect_ok(200);
    assert_eq!(d["algorithm"], "ECDSA_SHA_256");
    assert_eq!(d["id"], key_id);
    d["publicKey"].as_str().unwrap().to_owned()
}

async fn signed_and_retried(b: Backend) {
    let rx = Receiver::default();
    rx.fail_first.store(1, Ordering::SeqCst);
    let (addr, _task) = rx.serve("127.0.0.1:0".parse().unwrap()).await;
    let t = TestServer::start(&b, |_| {}).await;
    let api = &t.api;
    // Validation of subscriptions.
    api.send(
        api.dev(Method::POST, "/v1/notifications/subscriptions")
            .json(&json!({"endpoint": "ftp://example.invalid/x"})),
    )
    .await
    .expect_code(400, 155801);
    api.send(api.dev(Method::GET, "/v1/notifications/publicKey/nope"))
        .await
        .expect_code(404, 155812);
    let sub = subscribe(api, &format!("http://{addr}/hook")).await;
    let subs = api
        .send(api.dev(Method::GET, "/v1/notifications/subscriptions"))
        .await;
    assert_eq!(subs.expect_ok(200).as_array().unwrap().len(), 1);

    let s = api.new_user("webhook-user").await;
    let id = api.challenge(&s, ChallengeType::Initialize).await;
    api.descriptor(&s, &id).await.expect_ok(200);
    api.send(api.client(
        Method::POST,
        &format!("/v1/user/challenges/{id}/cancel"),
        &s,
    ))
    .await
    .expect_ok(200);

    let got = rx
        .wait_for("three accepted notifications", |d| {
            d.iter().filter(|x| x.status_returned == 200).count() >= 3
        })
        .await;
    // The first attempt was refused with 500 and retried with the same notificationId.
    let first = body_json(&got[0]);
    assert_eq!(got[0].status_returned, 500);
    let retried = got[1..].iter().any(|d| {
        d.status_returned == 200 && body_json(d)["notificationId"] == first["notificationId"]
    });
    assert!(retried, "retry keeps the notificationId: {got:?}");

    let key = public_key(api, &got[0].key_id).await;
    let mut statuses = vec![];
    for d in got.iter().filter(|d| d.status_returned == 200) {
        assert!(verify(&key, d), "signature verifies");
        let mut tampered = d.clone();
        tampered.body = tampered.body.replacen("webhook-user", "webhook-usex", 1);
        assert!(
            !verify(&key, &tampered),
            "a changed body fails verification"
        );
        let n = body_json(d);
        assert_eq!(n["subscriptionId"], sub["id"]);
        assert_eq!(n["notificationType"], "challenges.initialize");
        assert_eq!(n["version"], 1);
        assert_eq!(n["notification"]["id"], id.as_str());
        assert_eq!(n["notification"]["userId"], "webhook-user");
        assert_eq!(n["notification"]["type"], "INITIALIZE");
        statuses.push(n["notification"]["status"].as_str().unwrap().to_owned());
        if n["notification"]["status"] == "FAILED" {
            assert_eq!(n["notification"]["errorCode"], 155701);
        }
    }
    statuses.sort();
    assert_eq!(statuses, ["FAILED", "IN_PROGRESS", "PENDING"]);
    // Unsubscribe: no more deliveries.
    api.send(api.dev(
        Method::DELETE,
        &format!(
            "/v1/notifications/subscriptions/{}",
            sub["id"].as_str().unwrap()
        ),
    ))
    .await;
    let before = rx.deliveries().len();
    api.challenge(&s, ChallengeType::Initialize).await;
    tokio::time::sleep(Duration::from_millis(500)).await;
    assert_eq!(rx.deliveries().len(), before);
    t.stop().await;
}
both_backends!(signed_deliveries, signed_and_retried);

async fn outbox_survives_restart(b: Backend) {
    // A port with nobody listening yet.
    let port = {
        let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        l.local_addr().unwrap()
    };
    let mut t = TestServer::start(&b, |_| {}).await;
    let key_id = t.server.as_ref().unwrap().signing_key_id().to_owned();
    let key = public_key(&t.api, &key_id).await;
    subscribe(&t.api, &format!("http://{port}/hook")).await;
    let s = t.api.new_user("outbox-user").await;
    let id = t.api.challenge(&s, ChallengeType::Initialize).await;
    // Let a few deliveries fail against the closed port, then stop the server.
    tokio::time::sleep(Duration::from_millis(400)).await;
    if let Some(srv) = t.server.take() {
        srv.shutdown().await;
    }
    let rx = Receiver::default();
    let (_addr, _task) = rx.serve(port).await;
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert!(
        rx.deliveries().is_empty(),
        "nothing is sent while the server is down"
    );
    t.restart().await;
    assert_eq!(
        t.server.as_ref().unwrap().signing_key_id(),
        key_id,
        "signing key persists"
    );
    let got = rx
        .wait_for("redelivery after restart", |d| {
            d.iter()
                .any(|x| body_json(x)["notification"]["id"] == id.as_str())
        })
        .await;
    let d = got
        .iter()
        .find(|x| body_json(x)["notification"]["id"] == id.as_str())
        .unwrap();
    assert_eq!(d.key_id, key_id);
    assert!(
        verify(&key, d),
        "signature made after restart verifies with the old public key"
    );
    assert_eq!(body_json(d)["notification"]["status"], "PENDING");
    let ids: Vec<_> = got
        .iter()
        .map(|x| body_json(x)["notificationId"].clone())
        .collect();
    let mut dedup = ids.clone();
    dedup.dedup();
    assert_eq!(ids.len(), dedup.len(), "delivered once after success");
    t.stop().await;
}
both_backends!(outbox_restart, outbox_survives_restart);

/// The COMPLETE webhook of a signing challenge carries its result (the signature), and the
/// one of INITIALIZE with blockchains the wallet ids; earlier statuses carry none.
async fn results_in_webhooks(b: Backend) {
    let rx = Receiver::default();
    let (addr, _task) = rx.serve("127.0.0.1:0".parse().unwrap()).await;
    let t = TestServer::start(&b, |_| {}).await;
    let api = &t.api;
    subscribe(api, &format!("http://{addr}/hook")).await;
    let s = api.new_user("webhook-signer").await;
    api.initialize(&s, "135790").await;
    let wallet = api.first_wallet(&s).await;
    let ty = ChallengeType::SignMessage;
    let id = api.challenge(&s, ty.clone()).await;
    let r = api
        .step(
            &s,
            &id,
            &ty,
            latchkey_protocol::Step::Complete,
            pin("135790"),
        )
        .await;
    let result = r.expect_ok(200)["result"].clone();
    assert!(result["signature"].as_str().unwrap().starts_with("0x"));
    let complete = |d: &Delivery, kind: &str| {
        let n = body_json(d);
        n["notification"]["type"] == kind && n["notification"]["status"] == "COMPLETE"
    };
    let got = rx
        .wait_for("both COMPLETE notifications", |d| {
            d.iter().any(|x| complete(x, "SIGN_MESSAGE"))
                && d.iter().any(|x| complete(x, "INITIALIZE"))
        })
        .await;
    for d in &got {
        let n = body_json(d);
        let note = &n["notification"];
        match (note["type"].as_str(), note["status"].as_str()) {
            (Some("SIGN_MESSAGE"), Some("COMPLETE")) => assert_eq!(note["result"], result),
            (Some("INITIALIZE"), Some("COMPLETE")) => {
                assert_eq!(note["result"]["walletIds"], json!([wallet["id"]]))
            }
            _ => assert!(note.get("result").is_none(), "{note}"),
        }
    }
    t.stop().await;
}
both_backends!(webhook_results, results_in_webhooks);
