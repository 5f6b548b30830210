//! Webhooks: signed deliveries (`"{timestamp}.{body}"`) verified with the published public
//! key, retries with the same notificationId, outbox redelivery after a server restart, target
//! checks (no private addresses unless allowed, at subscription and at delivery), deleted
//! subscriptions stop their pending deliveries, dead letters (list, replay, purge) and signing
//! key rotation.

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
    timestamp: String,
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
                        timestamp: h("x-latchkey-timestamp"),
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
    // The receiver's check: the timestamp is recent (a 5-minute window), and the signature
    // covers "{timestamp}.{body}".
    let Ok(ts) = d.timestamp.parse::<i64>() else {
        return false;
    };
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs() as i64;
    if (now - ts).abs() > 300 {
        return false;
    }
    let signed = format!("{}.{}", d.timestamp, d.body);
    ring::signature::UnparsedPublicKey::new(&ring::signature::ECDSA_P256_SHA256_ASN1, point)
        .verify(signed.as_bytes(), &sig)
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
        let mut unsigned_ts = d.clone();
        unsigned_ts.timestamp = (d.timestamp.parse::<i64>().unwrap() - 1).to_string();
        assert!(
            !verify(&key, &unsigned_ts),
            "the timestamp is signed: another one fails verification"
        );
        // Signature over the body alone (the old scheme) does not verify.
        let spki = STANDARD.decode(&key).unwrap();
        let sig = STANDARD.decode(&d.signature).unwrap();
        assert!(ring::signature::UnparsedPublicKey::new(
            &ring::signature::ECDSA_P256_SHA256_ASN1,
            &spki[spki.len() - 65..]
        )
        .verify(d.body.as_bytes(), &sig)
        .is_err());
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

async fn create_sub(api: &Api, endpoint: &str) -> Reply {
    api.send(
        api.dev(Method::POST, "/v1/notifications/subscriptions")
            .json(&json!({"endpoint": endpoint, "notificationTypes": ["challenges.*"]})),
    )
    .await
}

async fn dead_letters(api: &Api) -> Vec<Value> {
    api.send(api.dev(Method::GET, "/v1/notifications/deadLetters"))
        .await
        .expect_ok(200)
        .as_array()
        .unwrap()
        .clone()
}

/// Endpoints resolving to non-public addresses are refused at subscription time unless the
/// operator allows private targets; one allowed earlier is refused again at delivery time
/// (the operator turned the flag off) and dead-letters after `webhook_max_attempts`.
async fn private_targets(b: Backend) {
    let rx = Receiver::default();
    let (addr, _task) = rx.serve("127.0.0.1:0".parse().unwrap()).await;
    let mut t = TestServer::start(&b, |c| c.webhook_max_attempts = 2).await;
    // Allowed (the test default): the loopback receiver subscribes.
    create_sub(&t.api, &format!("http://{addr}/hook"))
        .await
        .expect_ok(201);
    t.config.allow_private_webhook_targets = false;
    t.restart().await;
    let api = &t.api;
    for endpoint in [
        format!("http://{addr}/hook"),
        format!("http://localhost:{}/hook", addr.port()),
        "http://169.254.169.254/latest/meta-data/".to_owned(),
        "http://[::1]/x".to_owned(),
        "http://10.0.0.7/x".to_owned(),
        "http://[fd00:ec2::254]/x".to_owned(),
        "http://0.0.0.0:80/x".to_owned(),
        "https://224.0.0.1/x".to_owned(),
    ] {
        create_sub(api, &endpoint).await.expect_code(400, 155840);
    }
    // At delivery time: the earlier subscription's target is refused, nothing reaches it.
    let s = api.new_user("ssrf-user-1").await;
    api.challenge(&s, ChallengeType::Initialize).await;
    for _ in 0..100 {
        if !dead_letters(api).await.is_empty() {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let dead = dead_letters(api).await;
    assert_eq!(dead.len(), 1, "{dead:?}");
    assert_eq!(dead[0]["attempts"], 2);
    assert_eq!(dead[0]["lastStatus"], 0);
    assert!(rx.deliveries().is_empty(), "refused at delivery time");
    t.stop().await;
}
both_backends!(private_targets_refused, private_targets);

/// Deleting a subscription drops its pending deliveries: nothing reaches the endpoint later.
async fn delete_stops_pending(b: Backend) {
    let port = {
        let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        l.local_addr().unwrap()
    };
    let t = TestServer::start(&b, |_| {}).await;
    let api = &t.api;
    let sub = subscribe(api, &format!("http://{port}/hook")).await;
    let s = api.new_user("delete-user-1").await;
    api.challenge(&s, ChallengeType::Initialize).await;
    // Fails against the closed port for a while, then the subscription goes.
    tokio::time::sleep(Duration::from_millis(300)).await;
    api.send(api.dev(
        Method::DELETE,
        &format!(
            "/v1/notifications/subscriptions/{}",
            sub["id"].as_str().unwrap()
        ),
    ))
    .await;
    let rx = Receiver::default();
    let (_addr, _task) = rx.serve(port).await;
    tokio::time::sleep(Duration::from_millis(2500)).await;
    assert!(
        rx.deliveries().is_empty(),
        "a deleted subscription's pending deliveries are not sent: {:?}",
        rx.deliveries()
    );
    t.stop().await;
}
both_backends!(deleted_subscription_stops_pending, delete_stops_pending);

/// Retries end: after `webhook_max_attempts` a delivery is dead-lettered, listed, and can be
/// replayed (same notificationId); dead and delivered rows are purged after the retention.
async fn dead_letter_replay_purge(b: Backend) {
    let rx = Receiver::default();
    rx.fail_first.store(3, Ordering::SeqCst);
    let (addr, _task) = rx.serve("127.0.0.1:0".parse().unwrap()).await;
    let t = TestServer::start(&b, |c| {
        c.webhook_max_attempts = 3;
        c.webhook_retention = Duration::from_secs(3);
    })
    .await;
    let api = &t.api;
    let sub = subscribe(api, &format!("http://{addr}/hook")).await;
    let s = api.new_user("dead-user-1").await;
    api.challenge(&s, ChallengeType::Initialize).await;
    rx.wait_for("three refused attempts", |d| d.len() >= 3)
        .await;
    let mut dead = vec![];
    for _ in 0..50 {
        dead = dead_letters(api).await;
        if !dead.is_empty() {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert_eq!(dead.len(), 1, "{dead:?}");
    let d = &dead[0];
    assert_eq!(d["attempts"], 3);
    assert_eq!(d["lastStatus"], 500);
    assert_eq!(d["subscriptionId"], sub["id"]);
    tokio::time::sleep(Duration::from_millis(500)).await;
    assert_eq!(rx.deliveries().len(), 3, "no retry after the dead letter");
    let nid = d["notificationId"].as_str().unwrap().to_owned();
    // Replay: delivered (the receiver accepts now), same notificationId.
    let r = api
        .send(api.dev(
            Method::POST,
            &format!("/v1/notifications/deadLetters/{nid}/replay"),
        ))
        .await;
    assert_eq!(r.status, 204, "{r:?}");
    let got = rx
        .wait_for("the replayed delivery", |d| {
            d.iter().any(|x| x.status_returned == 200)
        })
        .await;
    let ok = got.iter().find(|x| x.status_returned == 200).unwrap();
    assert_eq!(body_json(ok)["notificationId"], nid.as_str());
    assert!(dead_letters(api).await.is_empty());
    api.send(api.dev(
        Method::POST,
        &format!("/v1/notifications/deadLetters/{nid}/replay"),
    ))
    .await
    .expect_code(404, 155812);
    // Purge after the retention period: a new dead letter disappears from the list.
    rx.fail_first.store(1000, Ordering::SeqCst);
    api.challenge(&s, ChallengeType::Initialize).await;
    let mut seen = false;
    for _ in 0..100 {
        let n = dead_letters(api).await.len();
        if n == 1 {
            seen = true;
        }
        if seen && n == 0 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert!(seen, "dead-lettered");
    assert!(dead_letters(api).await.is_empty(), "purged after retention");
    t.stop().await;
}
both_backends!(dead_letters_replay_and_purge, dead_letter_replay_purge);

/// Rotating the signing key: deliveries from then on carry the new key id and verify with the
/// new public key; the old key is still published.
async fn rotation(b: Backend) {
    let rx = Receiver::default();
    let (addr, _task) = rx.serve("127.0.0.1:0".parse().unwrap()).await;
    let t = TestServer::start(&b, |_| {}).await;
    let api = &t.api;
    let old_id = t.server.as_ref().unwrap().signing_key_id().to_owned();
    subscribe(api, &format!("http://{addr}/hook")).await;
    let s = api.new_user("rotate-user-1").await;
    api.challenge(&s, ChallengeType::Initialize).await;
    let got = rx.wait_for("one delivery", |d| !d.is_empty()).await;
    assert_eq!(got[0].key_id, old_id);
    let r = api
        .send(api.dev(Method::POST, "/v1/notifications/signingKeys/rotate"))
        .await;
    let new = r.expect_ok(201).clone();
    let new_id = new["id"].as_str().unwrap().to_owned();
    assert_ne!(new_id, old_id);
    api.challenge(&s, ChallengeType::Initialize).await;
    let got = rx.wait_for("a second delivery", |d| d.len() >= 2).await;
    let d = &got[1];
    assert_eq!(d.key_id, new_id);
    assert!(verify(new["publicKey"].as_str().unwrap(), d));
    // The old key is still published, and verifies the earlier delivery.
    let old = public_key(api, &old_id).await;
    assert!(verify(&old, &got[0]));
    assert!(!verify(&old, d));
    t.stop().await;
}
both_backends!(signing_key_rotation, rotation);

/// The Python receiver check in docs/server.md, run for real (python3 with `cryptography`)
/// against a live delivery: it accepts it, and refuses a changed body and a stale timestamp.
/// Skipped (with a line) when python3 or `cryptography` is missing.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn documented_python_check_verifies_a_delivery() {
    let ok = std::process::Command::new("python3")
        .args(["-c", "import cryptography"])
        .status()
        .is_ok_and(|s| s.success());
    if !ok {
        eprintln!("python3 with cryptography missing: documented Python check skipped");
        return;
    }
    let docs = std::fs::read_to_string(
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../docs/server.md"),
    )
    .unwrap();
    let start = docs
        .find("```python\n")
        .expect("a Python example in docs/server.md")
        + 10;
    let snippet = &docs[start..start + docs[start..].find("```").unwrap()];
    assert!(snippet.contains("def verify("));

    let rx = Receiver::default();
    let (addr, _task) = rx.serve("127.0.0.1:0".parse().unwrap()).await;
    let t = TestServer::start(&Backend::Sqlite, |_| {}).await;
    let api = &t.api;
    subscribe(api, &format!("http://{addr}/hook")).await;
    let s = api.new_user("python-user").await;
    api.challenge(&s, ChallengeType::Initialize).await;
    let d = rx.wait_for("one delivery", |d| !d.is_empty()).await[0].clone();
    let spki = public_key(api, &d.key_id).await;
    let script = format!(
        "{snippet}\nimport json, sys\nv = json.load(sys.stdin)\nh = {{'X-Latchkey-Timestamp': v['ts'], 'X-Latchkey-Signature': v['sig']}}\nb = v['body'].encode()\nstale = dict(h, **{{'X-Latchkey-Timestamp': str(int(v['ts']) - 600)}})\nprint(json.dumps([verify(h, b, v['spki']), verify(h, b + b' ', v['spki']), verify(stale, b, v['spki'])]))\n"
    );
    let input = json!({"ts": d.timestamp, "sig": d.signature, "body": d.body, "spki": spki});
    let mut child = std::process::Command::new("python3")
        .args(["-c", &script])
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    use std::io::Write as _;
    child
        .stdin
        .take()
        .unwrap()
        .write_all(input.to_string().as_bytes())
        .unwrap();
    let out = child.wait_with_output().unwrap();
    assert!(out.status.success());
    let res: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(
        res,
        json!([true, false, false]),
        "accepts the delivery; refuses a changed body and a stale timestamp"
    );
    t.stop().await;
}

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

/// Issue 12 ("steps bound to what they verified"): when the PIN changes, the user's other open
/// challenges whose verified steps relied on the old PIN are failed at once with 155831, each
/// with its FAILED webhook; open challenges that relied on nothing, or on the answers (which did
/// not change), stay open, and the one relying on the answers still completes. (Answers are set
/// once: no challenge changes them after they are set.)
async fn status_of(api: &Api, s: &Session, id: &str) -> (Value, Value) {
    let r = api.get_challenge(s, id).await;
    let d = r.expect_ok(200)["challenge"].clone();
    (d["status"].clone(), d["errorCode"].clone())
}

async fn stale_challenges_fail_with_webhook(b: Backend) {
    use latchkey_protocol::Step;
    let rx = Receiver::default();
    let (addr, _task) = rx.serve("127.0.0.1:0".parse().unwrap()).await;
    let t = TestServer::start(&b, |_| {}).await;
    let api = &t.api;
    subscribe(api, &format!("http://{addr}/hook")).await;
    let s = api.new_user("stale-user").await;
    api.initialize(&s, "135790").await;
    let answers = || {
        answers_payload(vec![
            answer("q01", "rex", None),
            answer("q10", "2004-07-14", None),
        ])
    };
    let (cp, rp) = (ChallengeType::ChangePin, ChallengeType::RestorePin);
    // Relying on the old PIN: two CHANGE_PINs past CURRENT_PIN.
    let change = api.challenge(&s, cp.clone()).await;
    api.step(&s, &change, &cp, Step::CurrentPin, pin("135790"))
        .await
        .expect_ok(200);
    let change2 = api.challenge(&s, cp.clone()).await;
    api.step(&s, &change2, &cp, Step::CurrentPin, pin("135790"))
        .await
        .expect_ok(200);
    // Relying on the answers: a second RESTORE_PIN past ANSWERS. Relying on nothing: a
    // CHANGE_PIN not started.
    let restore2 = api.challenge(&s, rp.clone()).await;
    api.step(&s, &restore2, &rp, Step::Answers, answers())
        .await
        .expect_ok(200);
    let fresh = api.challenge(&s, cp.clone()).await;
    // The PIN changes (a recovery).
    let restore = api.challenge(&s, rp.clone()).await;
    api.step(&s, &restore, &rp, Step::Answers, answers())
        .await
        .expect_ok(200);
    api.step(&s, &restore, &rp, Step::Complete, new_pin("864201"))
        .await
        .expect_ok(200);
    for id in [&change, &change2] {
        assert_eq!(
            status_of(api, &s, id).await,
            (json!("FAILED"), json!(155831))
        );
    }
    assert_eq!(status_of(api, &s, &restore2).await.0, json!("IN_PROGRESS"));
    assert_eq!(status_of(api, &s, &fresh).await.0, json!("PENDING"));
    // Completing the CHANGE_PIN that verified the old PIN is refused.
    api.step(&s, &change, &cp, Step::Complete, new_pin("246801"))
        .await
        .expect_code(409, 155804);
    // The RESTORE_PIN relying on the (unchanged) answers still completes.
    api.step(&s, &restore2, &rp, Step::Complete, new_pin("975310"))
        .await
        .expect_ok(200);
    // Each failure reached the webhook with its code.
    let failed = |d: &Delivery, id: &str| {
        let n = body_json(d);
        n["notification"]["id"] == id
            && n["notification"]["status"] == "FAILED"
            && n["notification"]["errorCode"] == 155831
    };
    rx.wait_for("the two FAILED 155831 notifications", |d| {
        [&change, &change2]
            .iter()
            .all(|id| d.iter().any(|x| failed(x, id)))
    })
    .await;
    t.stop().await;
}
both_backends!(
    credential_change_fails_stale_challenges_with_webhook,
    stale_challenges_fail_with_webhook
);

/// The operator's reset of disabled answers (`POST /v1/users/{userId}/securityQuestions/reset`):
/// before it the right answers are refused (155833, no way back); after it the same answers
/// restore the PIN with a fresh budget. Idempotent: a repeat changes nothing and sends no
/// second `users.securityQuestionsReset` notification. Unknown user 155102; no answers 155111.
async fn operator_resets_disabled_answers(b: Backend) {
    use latchkey_protocol::Step;
    let rx = Receiver::default();
    let (addr, _task) = rx.serve("127.0.0.1:0".parse().unwrap()).await;
    let t = TestServer::start(&b, |c| {
        c.max_attempts = 1;
        c.max_failed_total = 1;
    })
    .await;
    let api = &t.api;
    api.send(
        api.dev(Method::POST, "/v1/notifications/subscriptions")
            .json(&json!({"endpoint": format!("http://{addr}/hook"),
                "notificationTypes": ["users.*"]})),
    )
    .await
    .expect_ok(201);
    let s = api.new_user("reset-user").await;
    api.initialize(&s, "135790").await;
    let rt = ChallengeType::RestorePin;
    let right = || {
        answers_payload(vec![
            answer("q01", "rex", None),
            answer("q10", "2004-07-14", None),
        ])
    };
    let id = api.challenge(&s, rt.clone()).await;
    api.step(
        &s,
        &id,
        &rt,
        Step::Answers,
        answers_payload(vec![
            answer("q01", "max", None),
            answer("q10", "2004-07-15", None),
        ]),
    )
    .await
    .expect_code(423, 155833);
    let id = api.challenge(&s, rt.clone()).await;
    api.step(&s, &id, &rt, Step::Answers, right())
        .await
        .expect_code(423, 155833);

    let reset = |user: &str| {
        api.dev(
            Method::POST,
            &format!("/v1/users/{user}/securityQuestions/reset"),
        )
    };
    for _ in 0..2 {
        let r = api.send(reset("reset-user")).await;
        let u = r.expect_ok(200);
        assert_eq!(u["securityQuestionStatus"], "ENABLED");
        assert_eq!(u["securityQuestionDetails"]["recoveryRequired"], false);
        assert_eq!(u["securityQuestionDetails"]["failedAttemptsTotal"], 0);
    }
    api.send(reset("nobody-here"))
        .await
        .expect_code(404, 155102);
    api.new_user("no-answers-user").await;
    api.send(reset("no-answers-user"))
        .await
        .expect_code(409, 155111);

    // The same answers work again.
    let id = api.challenge(&s, rt.clone()).await;
    api.step(&s, &id, &rt, Step::Answers, right())
        .await
        .expect_ok(200);
    api.step(&s, &id, &rt, Step::Complete, new_pin("864201"))
        .await
        .expect_ok(200);

    // Exactly one notification for the two resets, signed like every delivery.
    let got = rx
        .wait_for("the reset notification", |d| !d.is_empty())
        .await;
    let n = body_json(&got[0]);
    assert_eq!(n["notificationType"], "users.securityQuestionsReset");
    assert_eq!(n["notification"]["userId"], "reset-user");
    assert_eq!(n["notification"]["securityQuestionStatus"], "ENABLED");
    assert_eq!(n["notification"]["previousRecoveryRequired"], true);
    assert_eq!(n["notification"]["previousFailedAttemptsTotal"], 1);
    assert!(verify(&public_key(api, &got[0].key_id).await, &got[0]));
    // The notification is written in the resetting transaction, so the outbox holds exactly
    // what was sent and will be: one row for the three resets.
    api.send(reset("reset-user")).await.expect_ok(200);
    sqlx::any::install_default_drivers();
    let mut db =
        <sqlx::AnyConnection as sqlx::Connection>::connect(&t.config.effective_database_url())
            .await
            .unwrap();
    let rows: i64 = sqlx::query_scalar(
        "SELECT COUNT(*) FROM outbox WHERE body LIKE '%users.securityQuestionsReset%'",
    )
    .fetch_one(&mut db)
    .await
    .unwrap();
    let bodies: Vec<String> = sqlx::query_scalar("SELECT body FROM outbox")
        .fetch_all(&mut db)
        .await
        .unwrap();
    assert_eq!(rows, 1, "one notification for three resets: {bodies:#?}");
    t.stop().await;
}
both_backends!(
    operator_reset_of_disabled_answers,
    operator_resets_disabled_answers
);
