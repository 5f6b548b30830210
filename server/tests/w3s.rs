//! Circle's user-controlled-wallets API under `/v1/w3s` (issue 14), driven over loopback the
//! way a backend written for Circle drives it: Circle's paths, Circle's request bodies (the
//! examples of Circle's API reference where it publishes them), Circle's API key form
//! (`TEST_API_KEY:id:secret`), and every reply checked field by field against Circle's models
//! (`user-controlled-wallets.yaml`: EndUser, Challenge, EOAWallet, Pin, UserTokenResponse,
//! Subscription, Error). The device side stays Latchkey's client API (`/v1/user/challenges/...`).
//!
//! When a Python with Circle's own SDK (`circle-user-controlled-wallets`, pinned in
//! scripts/requirements-test.txt) is in `target/py`, the replies are also deserialised into
//! Circle's generated models (server/tests/python/circle_models.py).

mod common;

use alloy_primitives::{hex, Signature};
use common::*;
use latchkey_protocol::{ChallengeType, SessionKey, Step};
use reqwest::Method;
use serde_json::{json, Value};

/// A key in Circle's documented form (`PREFIX:ID:SECRET`), configured as this server's key.
const CIRCLE_KEY: &str =
    "TEST_API_KEY:6b1f3e0e8c7a4f7f9d2b5a4c3e2d1f0a:9f8e7d6c5b4a39281706f5e4d3c2b1a0";
/// Circle's example user id (API reference, "Create a user").
const CIRCLE_USER: &str = "2f1dcb5e-312a-4b15-8240-abeffc0e3463";
const PIN: &str = "135790";

/// Replies recorded for the Circle-model check, by Circle model name.
#[derive(Default)]
struct Recorded(Vec<(String, Value)>);

impl Recorded {
    fn add(&mut self, model: &str, body: &Value) {
        self.0.push((model.to_owned(), body.clone()));
    }
}

struct W3s<'a> {
    api: &'a Api,
}

impl W3s<'_> {
    fn dev(&self, method: Method, path: &str) -> reqwest::RequestBuilder {
        self.api
            .http
            .request(method, self.api.url(&format!("/v1/w3s{path}")))
            .bearer_auth(CIRCLE_KEY)
    }
    fn user(&self, method: Method, path: &str, token: &str) -> reqwest::RequestBuilder {
        self.dev(method, path).header("X-User-Token", token)
    }
    async fn send(&self, r: reqwest::RequestBuilder) -> Reply {
        self.api.send(r).await
    }
}

#[track_caller]
fn is_date(v: &Value) {
    let s = v
        .as_str()
        .unwrap_or_else(|| panic!("not a date string: {v}"));
    humantime::parse_rfc3339(s).unwrap_or_else(|_| panic!("not ISO 8601 UTC: {s}"));
}

/// Circle's `EndUser`, field by field.
#[track_caller]
fn check_end_user(u: &Value, id: &str, pin_status: &str, q_status: &str) {
    assert_eq!(u["id"], id);
    is_date(&u["createDate"]);
    assert_eq!(u["status"], "ENABLED");
    assert_eq!(u["pinStatus"], pin_status);
    assert_eq!(u["securityQuestionStatus"], q_status);
    for d in ["pinDetails", "securityQuestionDetails"] {
        assert!(u[d]["failedAttempts"].is_u64(), "{d}.failedAttempts");
    }
    let keys: Vec<&String> = u.as_object().unwrap().keys().collect();
    for k in &keys {
        assert!(
            [
                "id",
                "createDate",
                "pinStatus",
                "status",
                "securityQuestionStatus",
                "pinDetails",
                "securityQuestionDetails"
            ]
            .contains(&k.as_str()),
            "EndUser has no field {k}"
        );
    }
}

/// Circle's `EOAWallet`, field by field.
#[track_caller]
fn check_wallet(w: &Value, user: &str, blockchain: &str) {
    assert!(uuid::Uuid::parse_str(w["id"].as_str().unwrap()).is_ok());
    let a = w["address"].as_str().unwrap();
    assert!(a.starts_with("0x") && a.len() == 42, "address {a}");
    assert_eq!(w["blockchain"], blockchain);
    is_date(&w["createDate"]);
    is_date(&w["updateDate"]);
    assert_eq!(w["custodyType"], "ENDUSER");
    assert_eq!(w["state"], "LIVE");
    assert_eq!(w["userId"], user);
    assert!(uuid::Uuid::parse_str(w["walletSetId"].as_str().unwrap()).is_ok());
    assert_eq!(w["accountType"], "EOA");
    for k in w.as_object().unwrap().keys() {
        assert!(
            [
                "id",
                "address",
                "blockchain",
                "createDate",
                "updateDate",
                "custodyType",
                "name",
                "refId",
                "state",
                "userId",
                "walletSetId",
                "initialPublicKey",
                "accountType"
            ]
            .contains(&k.as_str()),
            "EOAWallet has no field {k}"
        );
    }
}

/// Circle's `Challenge` (plus Latchkey's additive `result`).
#[track_caller]
fn check_challenge(c: &Value, id: &str, ty: &str, status: &str) {
    assert_eq!(c["id"], id);
    assert_eq!(c["type"], ty);
    assert_eq!(c["status"], status);
    assert!(c["correlationIds"].is_array());
    if status == "FAILED" {
        assert!(c["errorCode"].is_u64() && c["errorMessage"].is_string());
    }
    for k in c.as_object().unwrap().keys() {
        assert!(
            [
                "id",
                "correlationIds",
                "errorCode",
                "errorMessage",
                "status",
                "type",
                "result"
            ]
            .contains(&k.as_str()),
            "Challenge has no field {k}"
        );
    }
}

/// Circle's `Pin` / `Signature` reply: `{"data": {"challengeId"}}`, 201.
#[track_caller]
fn challenge_id(r: &Reply) -> String {
    let d = r.expect_ok(201);
    assert_eq!(d.as_object().unwrap().len(), 1, "only challengeId: {d}");
    d["challengeId"].as_str().unwrap().to_owned()
}

/// Circle's error body: `{"code": int, "message": string}` (plus Latchkey's optional
/// `attemptsLeft` / `lockedExpiryDate`).
#[track_caller]
fn check_error(r: &Reply, status: u16, code: u64) {
    r.expect_code(status, code);
    assert!(r.body["message"].as_str().is_some_and(|m| !m.is_empty()));
}

async fn circle_flow(b: Backend) {
    let t = TestServer::start(&b, |c| c.api_key = Some(CIRCLE_KEY.into())).await;
    let w = W3s { api: &t.api };
    let mut rec = Recorded::default();

    // --- Authorization: Circle's key form, compared whole.
    let r = w
        .send(
            w.api
                .http
                .get(w.api.url("/v1/w3s/users"))
                .bearer_auth("TEST_API_KEY:6b1f3e0e8c7a4f7f9d2b5a4c3e2d1f0a:wrong"),
        )
        .await;
    check_error(&r, 401, 155802);
    rec.add("NotAuthorizedResponse", &r.body);
    let r = w.send(w.api.http.get(w.api.url("/v1/w3s/users"))).await;
    check_error(&r, 401, 155802);

    // --- POST /users (Circle's example body) -> 201 {"data": EndUser}
    let r = w
        .send(
            w.dev(Method::POST, "/users")
                .json(&json!({"userId": CIRCLE_USER})),
        )
        .await;
    check_end_user(r.expect_ok(201), CIRCLE_USER, "UNSET", "UNSET");
    rec.add("UserResponse", &r.body);
    let r = w
        .send(
            w.dev(Method::POST, "/users")
                .json(&json!({"userId": CIRCLE_USER})),
        )
        .await;
    check_error(&r, 409, 155101);
    rec.add("BadRequestResponse", &r.body);
    let r = w
        .send(
            w.dev(Method::POST, "/users")
                .json(&json!({"userId": "abc"})),
        )
        .await;
    check_error(&r, 400, 155801);

    // --- GET /users/{id} -> {"data": {"user": EndUser}}
    let r = w
        .send(w.dev(Method::GET, &format!("/users/{CIRCLE_USER}")))
        .await;
    check_end_user(&r.expect_ok(200)["user"], CIRCLE_USER, "UNSET", "UNSET");
    rec.add("GetUserByIDResponse", &r.body);
    let r = w.send(w.dev(Method::GET, "/users/nobody-here")).await;
    check_error(&r, 404, 155102);
    rec.add("NotFoundResponse", &r.body);

    // --- POST /users/token -> {"data": {"userToken", "encryptionKey"}}
    let r = w
        .send(
            w.dev(Method::POST, "/users/token")
                .json(&json!({"userId": CIRCLE_USER})),
        )
        .await;
    let d = r.expect_ok(200).clone();
    assert_eq!(d.as_object().unwrap().len(), 2);
    rec.add("UserTokenResponse", &r.body);
    let token = d["userToken"].as_str().unwrap().to_owned();
    let s = Session {
        user_id: CIRCLE_USER.into(),
        token: token.clone(),
        key: SessionKey::from_base64(d["encryptionKey"].as_str().unwrap()).unwrap(),
    };

    // --- GET /user -> {"data": EndUser}; the API key is required, as at Circle.
    let r = w.send(w.user(Method::GET, "/user", &token)).await;
    check_end_user(r.expect_ok(200), CIRCLE_USER, "UNSET", "UNSET");
    rec.add("UserResponse", &r.body);
    let r = w
        .send(
            w.api
                .http
                .get(w.api.url("/v1/w3s/user"))
                .header("X-User-Token", &token),
        )
        .await;
    check_error(&r, 401, 155802);

    // --- POST /user/initialize with blockchains, accountType and metadata (acted on).
    let idem = uuid::Uuid::new_v4().to_string();
    let init_body = json!({
        "idempotencyKey": idem, "accountType": "EOA",
        "blockchains": ["ETH-SEPOLIA", "MATIC-AMOY"],
        "metadata": [{"name": "Main wallet", "refId": "custref-1"}]
    });
    let r = w
        .send(
            w.user(Method::POST, "/user/initialize", &token)
                .header("X-Request-Id", "2adba88e-9d63-44bc-b975-9b6ae3440dde")
                .json(&init_body),
        )
        .await;
    let init_id = challenge_id(&r);
    rec.add("Pin", &r.body);
    // Circle's X-Request-Id comes back.
    let raw = w
        .dev(Method::GET, "/users")
        .header("X-Request-Id", "2adba88e-9d63-44bc-b975-9b6ae3440dde")
        .send()
        .await
        .unwrap();
    assert_eq!(
        raw.headers()["x-request-id"],
        "2adba88e-9d63-44bc-b975-9b6ae3440dde"
    );
    // Same key, same body: the same challenge.
    let again = w
        .send(
            w.user(Method::POST, "/user/initialize", &token)
                .json(&init_body),
        )
        .await;
    assert_eq!(challenge_id(&again), init_id);
    // accountType SCA and unknown blockchains are refused, never ignored.
    let r = w
        .send(w.user(Method::POST, "/user/initialize", &token).json(
            &json!({"idempotencyKey": uuid::Uuid::new_v4().to_string(), "accountType": "SCA",
                    "blockchains": ["ETH-SEPOLIA"]}),
        ))
        .await;
    check_error(&r, 400, 155818);
    let r = w
        .send(w.user(Method::POST, "/user/initialize", &token).json(
            &json!({"idempotencyKey": uuid::Uuid::new_v4().to_string(), "blockchains": ["SOL-DEVNET"]}),
        ))
        .await;
    check_error(&r, 400, 155817);

    // --- GET /user/challenges/{id} -> {"data": {"challenge": {...}}}
    let r = w
        .send(w.user(Method::GET, &format!("/user/challenges/{init_id}"), &token))
        .await;
    check_challenge(
        &r.expect_ok(200)["challenge"],
        &init_id,
        "INITIALIZE",
        "PENDING",
    );
    rec.add("ChallengeResponse", &r.body);

    // The device completes it through Latchkey's client API.
    t.api.descriptor(&s, &init_id).await.expect_ok(200);
    t.api
        .step(
            &s,
            &init_id,
            &ChallengeType::Initialize,
            Step::Complete,
            init_payload(PIN),
        )
        .await
        .expect_ok(200);
    let r = w
        .send(w.user(Method::GET, &format!("/user/challenges/{init_id}"), &token))
        .await;
    let c = r.expect_ok(200)["challenge"].clone();
    check_challenge(&c, &init_id, "INITIALIZE", "COMPLETE");
    rec.add("ChallengeResponse", &r.body);
    // correlationIds: the wallets it created (Circle: "For type CREATE_WALLET, the wallet id").
    let created: Vec<String> = c["correlationIds"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_str().unwrap().to_owned())
        .collect();
    assert_eq!(created.len(), 2);

    // --- GET /user/challenges[?status=] -> {"data": {"challenges": [...]}}
    let r = w
        .send(w.user(Method::GET, "/user/challenges?status=COMPLETE", &token))
        .await;
    let list = r.expect_ok(200)["challenges"].as_array().unwrap().clone();
    assert_eq!(list.len(), 1);
    check_challenge(&list[0], &init_id, "INITIALIZE", "COMPLETE");
    rec.add("Challenges", &r.body);

    // --- GET /wallets -> {"data": {"wallets": [EOAWallet]}}, newest first by default.
    let r = w.send(w.user(Method::GET, "/wallets", &token)).await;
    let wallets = r.expect_ok(200)["wallets"].as_array().unwrap().clone();
    rec.add("Wallets", &r.body);
    assert_eq!(wallets.len(), 2);
    let by_chain = |c: &str| {
        wallets
            .iter()
            .find(|w| w["blockchain"] == c)
            .unwrap()
            .clone()
    };
    let eth = by_chain("ETH-SEPOLIA");
    let matic = by_chain("MATIC-AMOY");
    check_wallet(&eth, CIRCLE_USER, "ETH-SEPOLIA");
    check_wallet(&matic, CIRCLE_USER, "MATIC-AMOY");
    assert_eq!(eth["name"], "Main wallet");
    assert_eq!(eth["refId"], "custref-1");
    assert!(matic.get("name").is_none() && matic.get("refId").is_none());
    assert_eq!(eth["address"], matic["address"], "one key, one address");
    assert_eq!(eth["walletSetId"], matic["walletSetId"]);
    let mut ids = vec![
        eth["id"].as_str().unwrap().to_owned(),
        matic["id"].as_str().unwrap().to_owned(),
    ];
    ids.sort();
    let mut c_ids = created.clone();
    c_ids.sort();
    assert_eq!(ids, c_ids);

    // Circle's filters.
    let lower = eth["address"].as_str().unwrap().to_lowercase();
    let set = eth["walletSetId"].as_str().unwrap().to_owned();
    for (q, n) in [
        ("blockchain=MATIC-AMOY".to_owned(), 1),
        ("refId=custref-1".to_owned(), 1),
        (format!("address={lower}"), 2),
        (format!("walletSetId={set}"), 2),
        (
            "walletSetId=00000000-0000-0000-0000-000000000000".to_owned(),
            0,
        ),
        ("scaCore=circle_6900_singleowner_v1".to_owned(), 0),
        ("pageSize=1".to_owned(), 1),
        (
            "from=2000-01-01T00:00:00Z&to=2100-01-01T00:00:00Z".to_owned(),
            2,
        ),
        ("to=2000-01-01T00:00:00Z".to_owned(), 0),
    ] {
        let r = w
            .send(w.user(Method::GET, &format!("/wallets?{q}"), &token))
            .await;
        assert_eq!(
            r.expect_ok(200)["wallets"].as_array().unwrap().len(),
            n,
            "{q}"
        );
    }
    // Paging walks the list in order, both ways.
    let page = |q: String| {
        let w = &w;
        let token = token.clone();
        async move {
            let r = w
                .send(w.user(Method::GET, &format!("/wallets?{q}"), &token))
                .await;
            r.expect_ok(200)["wallets"]
                .as_array()
                .unwrap()
                .iter()
                .map(|x| x["id"].as_str().unwrap().to_owned())
                .collect::<Vec<_>>()
        }
    };
    let asc = page("order=ASC".into()).await;
    let desc = page(String::new()).await;
    assert_eq!(asc.iter().rev().cloned().collect::<Vec<_>>(), desc);
    assert_eq!(
        page(format!("order=ASC&pageSize=1&pageAfter={}", asc[0])).await,
        vec![asc[1].clone()]
    );
    assert_eq!(
        page(format!("order=ASC&pageSize=1&pageBefore={}", asc[1])).await,
        vec![asc[0].clone()]
    );
    for bad in ["pageSize=0", "pageSize=51", "order=UP", "from=yesterday"] {
        let r = w
            .send(w.user(Method::GET, &format!("/wallets?{bad}"), &token))
            .await;
        check_error(&r, 400, 155801);
    }

    // --- GET /wallets/{id} -> {"data": {"wallet": EOAWallet}}
    let eth_id = eth["id"].as_str().unwrap().to_owned();
    let r = w
        .send(w.user(Method::GET, &format!("/wallets/{eth_id}"), &token))
        .await;
    check_wallet(&r.expect_ok(200)["wallet"], CIRCLE_USER, "ETH-SEPOLIA");
    rec.add("WalletResponse", &r.body);
    let r = w
        .send(w.user(
            Method::GET,
            "/wallets/00000000-0000-4000-8000-000000000000",
            &token,
        ))
        .await;
    check_error(&r, 404, 155819);

    // --- PUT /wallets/{id} {name, refId}
    let r = w
        .send(
            w.user(Method::PUT, &format!("/wallets/{eth_id}"), &token)
                .json(&json!({"name": "Renamed"})),
        )
        .await;
    let upd = r.expect_ok(200)["wallet"].clone();
    assert_eq!(upd["name"], "Renamed");
    assert_eq!(upd["refId"], "custref-1", "an absent field is kept");
    rec.add("WalletResponse", &r.body);

    // --- GET /users with Circle's filters.
    let r = w.send(w.dev(Method::GET, "/users?pinStatus=ENABLED")).await;
    let users = r.expect_ok(200)["users"].as_array().unwrap().clone();
    rec.add("Users", &r.body);
    assert_eq!(users.len(), 1);
    check_end_user(&users[0], CIRCLE_USER, "ENABLED", "ENABLED");
    w.send(
        w.dev(Method::POST, "/users")
            .json(&json!({"userId": "second-user-1"})),
    )
    .await
    .expect_ok(201);
    for (q, n) in [
        ("", 2),
        ("pinStatus=UNSET", 1),
        ("securityQuestionStatus=ENABLED", 1),
        ("pageSize=1", 1),
        ("pinStatus=LOCKED", 0),
    ] {
        let r = w.send(w.dev(Method::GET, &format!("/users?{q}"))).await;
        assert_eq!(
            r.expect_ok(200)["users"].as_array().unwrap().len(),
            n,
            "{q}"
        );
    }
    let r = w.send(w.dev(Method::GET, "/users?pageSize=1")).await;
    assert_eq!(
        r.expect_ok(200)["users"][0]["id"],
        "second-user-1",
        "newest first (Circle's default order)"
    );
    let r = w.send(w.dev(Method::GET, "/users?pinStatus=MAYBE")).await;
    check_error(&r, 400, 155801);

    // --- POST /user/sign/message: Circle's published example body (no idempotencyKey).
    let r = w
        .send(
            w.user(Method::POST, "/user/sign/message", &token)
                .json(&json!({
                    "walletId": eth_id,
                    "message": "I agree with this transfer",
                    "encodedByHex": false,
                    "memo": "Transfer USDC to Sam"
                })),
        )
        .await;
    let sign_id = challenge_id(&r);
    rec.add("Signature", &r.body);
    let ty = ChallengeType::SignMessage;
    t.api.descriptor(&s, &sign_id).await.expect_ok(200);
    let done = t
        .api
        .step(&s, &sign_id, &ty, Step::Complete, pin(PIN))
        .await;
    let sig = done.expect_ok(200)["result"]["signature"]
        .as_str()
        .unwrap()
        .to_owned();
    let sig = Signature::from_raw(&hex::decode(sig).unwrap()).unwrap();
    assert_eq!(
        sig.recover_address_from_msg("I agree with this transfer")
            .unwrap()
            .to_checksum(None),
        eth["address"].as_str().unwrap()
    );
    let r = w
        .send(w.user(Method::GET, &format!("/user/challenges/{sign_id}"), &token))
        .await;
    check_challenge(
        &r.expect_ok(200)["challenge"],
        &sign_id,
        "SIGN_MESSAGE",
        "COMPLETE",
    );

    // The same body again is a new challenge (Circle's signing requests carry no key).
    let r = w
        .send(
            w.user(Method::POST, "/user/sign/message", &token)
                .json(&json!({
                    "walletId": eth_id, "message": "I agree with this transfer",
                    "encodedByHex": false, "memo": "Transfer USDC to Sam"
                })),
        )
        .await;
    assert_ne!(challenge_id(&r), sign_id);
    // With an idempotencyKey it is idempotent.
    let k = uuid::Uuid::new_v4().to_string();
    let body = json!({"idempotencyKey": k, "walletId": eth_id, "message": "0x48656c6c6f", "encodedByHex": true});
    let a = challenge_id(
        &w.send(
            w.user(Method::POST, "/user/sign/message", &token)
                .json(&body),
        )
        .await,
    );
    let b2 = challenge_id(
        &w.send(
            w.user(Method::POST, "/user/sign/message", &token)
                .json(&body),
        )
        .await,
    );
    assert_eq!(a, b2);

    // blockchain + walletAddress instead of walletId (address in any case).
    let r = w
        .send(
            w.user(Method::POST, "/user/sign/message", &token)
                .json(&json!({
                    "blockchain": "MATIC-AMOY", "walletAddress": lower, "message": "hi"
                })),
        )
        .await;
    let id = challenge_id(&r);
    let d = t.api.descriptor(&s, &id).await;
    assert_eq!(d.expect_ok(200)["wallet"]["id"], matic["id"]);
    let r = w
        .send(
            w.user(Method::POST, "/user/sign/message", &token)
                .json(&json!({
                    "blockchain": "BASE", "walletAddress": lower, "message": "hi"
                })),
        )
        .await;
    check_error(&r, 404, 155819);
    let r = w
        .send(
            w.user(Method::POST, "/user/sign/message", &token)
                .json(&json!({"message": "hi"})),
        )
        .await;
    check_error(&r, 400, 155801);

    // --- POST /user/sign/typedData: `data` is a JSON string, as in Circle's model.
    let typed = json!({
        "types": {
            "EIP712Domain": [{"name": "name", "type": "string"}, {"name": "chainId", "type": "uint256"}],
            "Mail": [{"name": "contents", "type": "string"}]
        },
        "primaryType": "Mail",
        "domain": {"name": "Ether Mail", "chainId": 11155111},
        "message": {"contents": "Hello, Bob!"}
    });
    let r = w
        .send(
            w.user(Method::POST, "/user/sign/typedData", &token)
                .json(&json!({
                    "walletId": eth_id, "data": typed.to_string(), "memo": "mail"
                })),
        )
        .await;
    let id = challenge_id(&r);
    let ty = ChallengeType::SignTypedData;
    t.api.descriptor(&s, &id).await.expect_ok(200);
    let done = t.api.step(&s, &id, &ty, Step::Complete, pin(PIN)).await;
    assert!(done.expect_ok(200)["result"]["signature"].is_string());

    // --- POST /user/sign/transaction: `transaction` is a JSON string; rawTransaction refused.
    let tx = json!({
        "chainId": 11155111, "nonce": 31, "to": "0xbBbBBBBbbBBBbbbBbbBbbbbBBbBbbbbBbBbbBBbB",
        "value": "10000000000", "gas": "21000", "maxFeePerGas": "5935224468",
        "maxPriorityFeePerGas": "1022783914"
    });
    let r = w
        .send(
            w.user(Method::POST, "/user/sign/transaction", &token)
                .json(&json!({
                    "walletId": eth_id, "transaction": tx.to_string(), "memo": "rent"
                })),
        )
        .await;
    let id = challenge_id(&r);
    rec.add("SignTransactionResponse", &r.body);
    let ty = ChallengeType::SignTransaction;
    t.api.descriptor(&s, &id).await.expect_ok(200);
    let done = t.api.step(&s, &id, &ty, Step::Complete, pin(PIN)).await;
    assert!(done.expect_ok(200)["result"]["signedTransaction"]
        .as_str()
        .unwrap()
        .starts_with("0x02"));
    let r = w
        .send(
            w.user(Method::POST, "/user/sign/transaction", &token)
                .json(&json!({
                    "walletId": eth_id, "rawTransaction": "0x02f86c"
                })),
        )
        .await;
    check_error(&r, 400, 155852);
    rec.add("BadRequestResponse", &r.body);

    // --- POST /user/wallets with metadata.
    let r = w
        .send(w.user(Method::POST, "/user/wallets", &token).json(&json!({
            "idempotencyKey": uuid::Uuid::new_v4().to_string(),
            "accountType": "EOA", "blockchains": ["BASE-SEPOLIA"],
            "metadata": [{"name": "Base wallet", "refId": "custref-2"}]
        })))
        .await;
    let id = challenge_id(&r);
    rec.add("CreateEndUserWallet", &r.body);
    let ty = ChallengeType::CreateWallet;
    t.api.descriptor(&s, &id).await.expect_ok(200);
    t.api
        .step(&s, &id, &ty, Step::Complete, pin(PIN))
        .await
        .expect_ok(200);
    let r = w
        .send(w.user(Method::GET, &format!("/user/challenges/{id}"), &token))
        .await;
    let c = r.expect_ok(200)["challenge"].clone();
    check_challenge(&c, &id, "CREATE_WALLET", "COMPLETE");
    let new_id = c["correlationIds"][0].as_str().unwrap().to_owned();
    let r = w
        .send(w.user(Method::GET, &format!("/wallets/{new_id}"), &token))
        .await;
    let nw = r.expect_ok(200)["wallet"].clone();
    check_wallet(&nw, CIRCLE_USER, "BASE-SEPOLIA");
    assert_eq!(nw["name"], "Base wallet");
    assert_eq!(nw["refId"], "custref-2");
    let r = w
        .send(w.user(Method::POST, "/user/wallets", &token).json(&json!({
            "idempotencyKey": uuid::Uuid::new_v4().to_string(),
            "blockchains": ["BASE"], "metadata": [{"name": "a"}, {"name": "b"}]
        })))
        .await;
    check_error(&r, 400, 155801);

    // --- PIN challenges: set (already set), change, restore.
    let r = w
        .send(
            w.user(Method::POST, "/user/pin", &token)
                .json(&json!({"idempotencyKey": uuid::Uuid::new_v4().to_string()})),
        )
        .await;
    check_error(&r, 409, 155107);
    let r = w
        .send(
            w.user(Method::PUT, "/user/pin", &token)
                .json(&json!({"idempotencyKey": uuid::Uuid::new_v4().to_string()})),
        )
        .await;
    let id = challenge_id(&r);
    let r = w
        .send(w.user(Method::GET, &format!("/user/challenges/{id}"), &token))
        .await;
    check_challenge(&r.expect_ok(200)["challenge"], &id, "CHANGE_PIN", "PENDING");
    let r = w
        .send(
            w.user(Method::POST, "/user/pin/restore", &token)
                .json(&json!({"idempotencyKey": uuid::Uuid::new_v4().to_string()})),
        )
        .await;
    let id = challenge_id(&r);
    // A cancelled challenge reads FAILED with errorCode and errorMessage.
    t.api
        .send(t.api.client(
            Method::POST,
            &format!("/v1/user/challenges/{id}/cancel"),
            &s,
        ))
        .await
        .expect_ok(200);
    let r = w
        .send(w.user(Method::GET, &format!("/user/challenges/{id}"), &token))
        .await;
    check_challenge(&r.expect_ok(200)["challenge"], &id, "RESTORE_PIN", "FAILED");
    rec.add("ChallengeResponse", &r.body);

    // --- GET /config/entity -> {"data": {"appId"}} (stable).
    let r = w.send(w.dev(Method::GET, "/config/entity")).await;
    let app = r.expect_ok(200)["appId"].as_str().unwrap().to_owned();
    assert!(uuid::Uuid::parse_str(&app).is_ok());
    let r = w.send(w.dev(Method::GET, "/config/entity")).await;
    assert_eq!(r.expect_ok(200)["appId"], app.as_str());

    // Latchkey's own /v1 routes keep their shapes on the same data.
    let own = t.api.get_user(CIRCLE_USER).await;
    assert_eq!(own["id"], CIRCLE_USER);
    assert!(own.get("status").is_none());
    assert_eq!(t.api.wallets(&s).await.len(), 3);

    circle_models(&rec);
    t.stop().await;
}
both_backends!(circle_backend_flow, circle_flow);

/// Every Circle endpoint Latchkey does not serve answers its documented 1558[5x] code (never
/// a bare 404); a path Circle does not have is an ordinary 404 155812.
async fn unsupported(b: Backend) {
    let t = TestServer::start(&b, |c| c.api_key = Some(CIRCLE_KEY.into())).await;
    let w = W3s { api: &t.api };
    let cases: &[(Method, &str, u16, u64)] = &[
        (
            Method::GET,
            "/wallets/0b4d1d34-5a5e-4b63-9f6c-2d1c1b0a9e8f/balances",
            400,
            155850,
        ),
        (
            Method::GET,
            "/wallets/0b4d1d34-5a5e-4b63-9f6c-2d1c1b0a9e8f/nfts",
            400,
            155850,
        ),
        (Method::POST, "/user/transactions/transfer", 400, 155850),
        (
            Method::POST,
            "/user/transactions/contractExecution",
            400,
            155850,
        ),
        (
            Method::POST,
            "/user/transactions/0b4d1d34/accelerate",
            400,
            155850,
        ),
        (
            Method::POST,
            "/user/transactions/0b4d1d34/cancel",
            400,
            155850,
        ),
        (
            Method::POST,
            "/transactions/transfer/estimateFee",
            400,
            155850,
        ),
        (
            Method::POST,
            "/transactions/contractExecution/estimateFee",
            400,
            155850,
        ),
        (Method::POST, "/transactions/validateAddress", 400, 155850),
        (
            Method::GET,
            "/transactions/lowestNonceTransaction",
            400,
            155850,
        ),
        (Method::GET, "/transactions", 400, 155850),
        (Method::GET, "/transactions/0b4d1d34", 400, 155850),
        (Method::GET, "/tokens/0b4d1d34", 400, 155850),
        (Method::POST, "/users/social/token", 400, 155851),
        (Method::POST, "/users/email/token", 400, 155851),
        (Method::POST, "/users/email/resendOTP", 400, 155851),
        (Method::POST, "/users/token/refresh", 400, 155851),
        (
            Method::POST,
            "/user/transactions/walletUpgrade",
            400,
            155853,
        ),
        (Method::GET, "/config/entity/publicKey", 400, 155853),
        (Method::GET, "/config/entity/monitoredTokens", 400, 155853),
        (
            Method::POST,
            "/config/entity/monitoredTokens/delete",
            400,
            155853,
        ),
        (
            Method::PUT,
            "/config/entity/monitoredTokens/scope",
            400,
            155853,
        ),
    ];
    for (m, path, status, code) in cases {
        let r = w.send(w.dev(m.clone(), path).json(&json!({}))).await;
        r.expect_code(*status, *code);
        let msg = r.body["message"].as_str().unwrap();
        assert!(
            msg.starts_with("Not supported by Latchkey") && msg.contains("circle-compat.md"),
            "{path}: {msg}"
        );
    }
    let r = w.send(w.dev(Method::GET, "/no/such/thing")).await;
    r.expect_code(404, 155812);
    t.stop().await;
}
both_backends!(unsupported_circle_endpoints, unsupported);

/// Circle's webhook subscription endpoints (Configurations API, `/v2/notifications/...`):
/// Circle's `Subscription` shape, PATCH name and enabled, DELETE, and the public key.
async fn subscriptions(b: Backend) {
    let t = TestServer::start(&b, |c| c.api_key = Some(CIRCLE_KEY.into())).await;
    let api = &t.api;
    let v2 = |m: Method, p: &str| {
        api.http
            .request(m, api.url(&format!("/v2/notifications{p}")))
            .bearer_auth(CIRCLE_KEY)
    };
    let check = |s: &Value, name: &str, enabled: bool, restricted: bool| {
        assert!(uuid::Uuid::parse_str(s["id"].as_str().unwrap()).is_ok());
        assert_eq!(s["name"], name);
        assert_eq!(s["endpoint"], "http://127.0.0.1:9/hook");
        assert_eq!(s["enabled"], enabled);
        is_date(&s["createDate"]);
        is_date(&s["updateDate"]);
        assert!(s["notificationTypes"].is_array());
        assert_eq!(s["restricted"], restricted);
    };
    let r = api
        .send(v2(Method::POST, "/subscriptions").json(&json!({
            "endpoint": "http://127.0.0.1:9/hook",
            "notificationTypes": ["challenges.initialize", "challenges.changePin"]
        })))
        .await;
    let sub = r.expect_ok(200).clone();
    check(&sub, "", true, true);
    let id = sub["id"].as_str().unwrap().to_owned();
    let r = api
        .send(
            v2(Method::POST, "/subscriptions")
                .json(&json!({"endpoint": "http://127.0.0.1:9/hook"})),
        )
        .await;
    check(r.expect_ok(200), "", true, false);
    let r = api.send(v2(Method::GET, "/subscriptions")).await;
    assert_eq!(r.expect_ok(200).as_array().unwrap().len(), 2);
    let r = api
        .send(
            v2(Method::PATCH, &format!("/subscriptions/{id}"))
                .json(&json!({"name": "prod hook", "enabled": false})),
        )
        .await;
    check(r.expect_ok(200), "prod hook", false, true);
    let r = api
        .send(v2(Method::GET, &format!("/subscriptions/{id}")))
        .await;
    check(r.expect_ok(200), "prod hook", false, true);
    // A disabled subscription gets no new notifications.
    let s = api.new_user("hooked-user-1").await;
    api.challenge(&s, ChallengeType::Initialize).await;
    let own = api
        .send(api.dev(Method::GET, "/v1/notifications/deadLetters"))
        .await;
    own.expect_ok(200);
    let pending: i64 = pending_rows(&t, &id).await;
    assert_eq!(pending, 0, "no row for the disabled subscription");
    let r = api
        .send(
            v2(Method::PATCH, &format!("/subscriptions/{id}"))
                .json(&json!({"name": "prod hook", "enabled": true})),
        )
        .await;
    check(r.expect_ok(200), "prod hook", true, true);
    api.challenge(&s, ChallengeType::Initialize).await;
    assert_eq!(pending_rows(&t, &id).await, 1, "enabled again: notified");
    let r = api
        .send(v2(Method::DELETE, &format!("/subscriptions/{id}")))
        .await;
    assert_eq!(r.status, 204);
    let r = api
        .send(v2(Method::GET, &format!("/subscriptions/{id}")))
        .await;
    r.expect_code(404, 155812);
    let r = api
        .send(
            v2(Method::PATCH, &format!("/subscriptions/{id}"))
                .json(&json!({"name": "x", "enabled": true})),
        )
        .await;
    r.expect_code(404, 155812);
    let r = api.send(v2(Method::GET, "/publicKey/nope")).await;
    r.expect_code(404, 155812);
    t.stop().await;
}
both_backends!(circle_subscriptions, subscriptions);

/// Outbox rows of a subscription (read from the real database).
async fn pending_rows(t: &TestServer, sub: &str) -> i64 {
    use sqlx::{Connection, Row};
    sqlx::any::install_default_drivers();
    let url = t.config.effective_database_url();
    let mut c = sqlx::AnyConnection::connect(&url).await.unwrap();
    let n: i64 = sqlx::query("SELECT COUNT(*) AS n FROM outbox WHERE subscription_id = $1")
        .bind(sub)
        .fetch_one(&mut c)
        .await
        .unwrap()
        .try_get("n")
        .unwrap();
    c.close().await.ok();
    n
}

/// The served OpenAPI document covers every Circle-compatible route.
#[tokio::test]
async fn openapi_covers_w3s_routes() {
    let t = TestServer::start(&Backend::Sqlite, |_| {}).await;
    let r = t
        .api
        .send(t.api.http.get(t.api.url("/v1/openapi.json")))
        .await;
    let doc = r.expect_ok(200);
    let _ = doc;
    let v = &r.body;
    for (m, p) in [
        ("post", "/v1/w3s/users"),
        ("get", "/v1/w3s/users"),
        ("get", "/v1/w3s/users/{id}"),
        ("post", "/v1/w3s/users/token"),
        ("get", "/v1/w3s/user"),
        ("post", "/v1/w3s/user/initialize"),
        ("post", "/v1/w3s/user/pin"),
        ("put", "/v1/w3s/user/pin"),
        ("post", "/v1/w3s/user/pin/restore"),
        ("get", "/v1/w3s/user/challenges"),
        ("get", "/v1/w3s/user/challenges/{id}"),
        ("get", "/v1/w3s/wallets"),
        ("get", "/v1/w3s/wallets/{id}"),
        ("put", "/v1/w3s/wallets/{id}"),
        ("post", "/v1/w3s/user/wallets"),
        ("post", "/v1/w3s/user/sign/message"),
        ("post", "/v1/w3s/user/sign/typedData"),
        ("post", "/v1/w3s/user/sign/transaction"),
        ("get", "/v1/w3s/config/entity"),
        ("post", "/v2/notifications/subscriptions"),
        ("get", "/v2/notifications/subscriptions"),
        ("get", "/v2/notifications/subscriptions/{id}"),
        ("patch", "/v2/notifications/subscriptions/{id}"),
        ("delete", "/v2/notifications/subscriptions/{id}"),
        ("get", "/v2/notifications/publicKey/{id}"),
        ("get", "/v1/w3s/wallets/{id}/balances"),
        ("post", "/v1/w3s/users/social/token"),
        ("post", "/v1/w3s/user/transactions/walletUpgrade"),
    ] {
        assert!(
            v["paths"][p][m].is_object(),
            "{m} {p} missing from the OpenAPI document"
        );
    }
    let s = &v["components"]["schemas"];
    for name in [
        "EndUser",
        "CircleWallet",
        "CircleSubscription",
        "W3sSignMessageRequest",
    ] {
        assert!(s[name].is_object(), "schema {name}");
    }
    t.stop().await;
}

/// Deserialises the recorded replies into Circle's own models (Circle's Python SDK), when a
/// Python with it is at `target/py` (scripts/test-all.sh makes it); otherwise says so.
fn circle_models(rec: &Recorded) {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    let py = root.join("target/py/bin/python");
    let script = root.join("server/tests/python/circle_models.py");
    let ok = py.exists()
        && std::process::Command::new(&py)
            .args(["-c", "import circle.web3.user_controlled_wallets"])
            .output()
            .is_ok_and(|o| o.status.success());
    if !ok {
        eprintln!("target/py has no circle-user-controlled-wallets: Circle-model check skipped");
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("replies.json");
    let cases: Vec<Value> = rec
        .0
        .iter()
        .map(|(m, b)| json!({"model": m, "body": b}))
        .collect();
    std::fs::write(&file, serde_json::to_string(&cases).unwrap()).unwrap();
    let out = std::process::Command::new(&py)
        .arg(&script)
        .arg(&file)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "Circle's models refused a reply:\n{}\n{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    let said = String::from_utf8_lossy(&out.stdout);
    assert!(said.contains(&format!("{} replies", cases.len())), "{said}");
}
