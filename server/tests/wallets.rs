//! Wallets behind the PIN, against the real server over loopback (SQLite, and PostgreSQL when
//! `LATCHKEY_TEST_POSTGRES_URL` is set): wallet creation (INITIALIZE with blockchains,
//! CREATE_WALLET), every signing kind verified with alloy (the signer recovered from each
//! signature is the wallet's address; signed transactions decode to the right sender, chain
//! and fields), bad input (4xx + code, nothing stored), "what you see is what you sign",
//! rejection, cancel, expiry, the shared guess limit and lock, RESTORE_PIN keeping the key, and
//! 200 concurrent wrong PINs on signing challenges.

mod common;

use alloy_consensus::transaction::SignerRecoverable;
use alloy_consensus::{Transaction, TxEnvelope};
use alloy_eips::eip2718::Decodable2718;
use alloy_primitives::{hex, Address, Signature, B256, U256};
use common::*;
use latchkey_protocol::{ChallengeType, Step, StepPayload};
use reqwest::Method;
use serde_json::{json, Value};
use std::collections::HashMap;

const PIN: &str = "135790";

fn key() -> String {
    uuid::Uuid::new_v4().to_string()
}

fn mail() -> Value {
    json!({
        "types": {
            "EIP712Domain": [
                {"name": "name", "type": "string"}, {"name": "version", "type": "string"},
                {"name": "chainId", "type": "uint256"}, {"name": "verifyingContract", "type": "address"}
            ],
            "Person": [{"name": "name", "type": "string"}, {"name": "wallet", "type": "address"}],
            "Mail": [{"name": "from", "type": "Person"}, {"name": "to", "type": "Person"},
                     {"name": "contents", "type": "string"}]
        },
        "primaryType": "Mail",
        "domain": {"name": "Ether Mail", "version": "1", "chainId": 11155111,
                   "verifyingContract": "0xCcCCccccCCCCcCCCCCCcCcCccCcCCCcCcccccccC"},
        "message": {
            "from": {"name": "Cow", "wallet": "0xCD2a3d9F938E13CD947Ec05AbC7FE734Df8DD826"},
            "to": {"name": "Bob", "wallet": "0xbBbBBBBbbBBBbbbBbbBbbbbBBbBbbbbBbBbbBBbB"},
            "contents": "Hello, Bob!"
        }
    })
}

fn transfer(chain: u64) -> Value {
    json!({
        "chainId": chain, "nonce": 7, "to": "0xbBbBBBBbbBBBbbbBbbBbbbbBBbBbbbbBbBbbBBbB",
        "value": "10000000000000000", "data": "0x", "gas": 21000,
        "maxFeePerGas": "30000000000", "maxPriorityFeePerGas": "1000000000"
    })
}

/// Creates a challenge and checks 201.
async fn create(api: &Api, s: &Session, kind: ChallengeType, body: Value) -> String {
    let r = api.create_challenge(s, kind, body).await;
    r.expect_ok(201)["challengeId"].as_str().unwrap().to_owned()
}

/// Runs a PIN-gated challenge to COMPLETE with `pin` and returns the step reply's result.
async fn complete(api: &Api, s: &Session, kind: &ChallengeType, id: &str, pin_: &str) -> Value {
    api.descriptor(s, id).await.expect_ok(200);
    let r = api.step(s, id, kind, Step::Complete, pin(pin_)).await;
    let d = r.expect_ok(200).clone();
    assert_eq!(d["status"], "COMPLETE");
    // The same result is on the challenge.
    let c = api.get_challenge(s, id).await;
    assert_eq!(c.expect_ok(200)["result"], d["result"]);
    d["result"].clone()
}

fn challenge_count(api: &Api, s: &Session) -> impl std::future::Future<Output = usize> {
    let (api, s) = (api.clone(), s.clone());
    async move {
        let r = api
            .send(api.client(Method::GET, "/v1/user/challenges", &s))
            .await;
        r.expect_ok(200)["challenges"].as_array().unwrap().len()
    }
}

fn recover_personal(sig: &str, msg: &[u8]) -> Address {
    let bytes = hex::decode(sig).unwrap();
    assert_eq!(bytes.len(), 65);
    assert!(bytes[64] == 27 || bytes[64] == 28, "v is 27 or 28");
    Signature::from_raw(&bytes)
        .unwrap()
        .recover_address_from_msg(msg)
        .unwrap()
}

async fn wallet_creation(b: Backend) {
    let t = TestServer::start(&b, |_| {}).await;
    let api = &t.api;
    let s = api.new_user("wallet-user-1").await;

    // Bad requests change nothing.
    for (body, status, code) in [
        (
            json!({"idempotencyKey": key(), "blockchains": ["SOL"]}),
            400,
            155817,
        ),
        (
            json!({"idempotencyKey": key(), "blockchains": ["ETH"], "accountType": "SCA"}),
            400,
            155818,
        ),
        (
            json!({"idempotencyKey": key(), "blockchains": "ETH"}),
            400,
            155801,
        ),
    ] {
        api.create_challenge(&s, ChallengeType::Initialize, body)
            .await
            .expect_code(status, code);
    }
    // CREATE_WALLET needs a PIN.
    api.create_challenge(
        &s,
        ChallengeType::CreateWallet,
        json!({"idempotencyKey": key(), "blockchains": ["ETH"]}),
    )
    .await
    .expect_code(409, 155110);
    assert_eq!(challenge_count(api, &s).await, 0);

    // INITIALIZE with three blockchains (a duplicate is dropped): wallets at completion.
    let body = json!({"idempotencyKey": key(), "blockchains": ["ETH-SEPOLIA", "BASE", "EVM", "BASE"],
                      "accountType": "EOA"});
    let id = create(api, &s, ChallengeType::Initialize, body).await;
    let d = api.descriptor(&s, &id).await;
    assert_eq!(
        d.expect_ok(200)["blockchains"],
        json!(["ETH-SEPOLIA", "BASE", "EVM"])
    );
    assert!(api.wallets(&s).await.is_empty(), "none before completion");
    let r = api
        .step(
            &s,
            &id,
            &ChallengeType::Initialize,
            Step::Complete,
            init_payload(PIN),
        )
        .await;
    let ids: Vec<String> =
        serde_json::from_value(r.expect_ok(200)["result"]["walletIds"].clone()).unwrap();
    assert_eq!(ids.len(), 3);
    let wallets = api.wallets(&s).await;
    assert_eq!(wallets.len(), 3);
    let address = wallets[0]["address"].as_str().unwrap().to_owned();
    Address::parse_checksummed(&address, None).expect("EIP-55 address");
    for (id, chain) in ids.iter().zip(["ETH-SEPOLIA", "BASE", "EVM"]) {
        let w = wallets
            .iter()
            .find(|w| w["id"] == id.as_str())
            .expect("every result id is listed");
        assert_eq!(w["blockchain"], chain);
        assert_eq!(w["address"], address.as_str(), "one key, one address");
        assert_eq!(w["accountType"], "EOA");
        assert_eq!(w["custodyType"], "ENDUSER");
        assert_eq!(w["state"], "LIVE");
        assert_eq!(w["userId"], "wallet-user-1");
        assert_eq!(w["walletSetId"], wallets[0]["walletSetId"]);
        let one = api
            .send(api.client(Method::GET, &format!("/v1/wallets/{id}"), &s))
            .await;
        assert_eq!(&one.expect_ok(200)["wallet"], w);
    }
    // Developer API listing.
    let dev = api
        .send(api.dev(Method::GET, "/v1/users/wallet-user-1/wallets"))
        .await;
    assert_eq!(dev.expect_ok(200)["wallets"].as_array().unwrap(), &wallets);
    api.send(api.dev(Method::GET, "/v1/users/nobody-here/wallets"))
        .await
        .expect_code(404, 155102);

    // CREATE_WALLET: PIN-gated; a wrong PIN counts; existing blockchains keep their wallet.
    let ty = ChallengeType::CreateWallet;
    let id = create(
        api,
        &s,
        ty.clone(),
        json!({"idempotencyKey": key(), "blockchains": ["MATIC", "ETH-SEPOLIA"]}),
    )
    .await;
    let d = api.descriptor(&s, &id).await;
    assert_eq!(
        d.expect_ok(200)["blockchains"],
        json!(["MATIC", "ETH-SEPOLIA"])
    );
    let r = api.step(&s, &id, &ty, Step::Complete, pin("000000")).await;
    r.expect_code(400, 155112);
    assert_eq!(r.body["attemptsLeft"], 2);
    assert_eq!(
        api.wallets(&s).await.len(),
        3,
        "nothing created on a wrong PIN"
    );
    let result = complete(api, &s, &ty, &id, PIN).await;
    let new_ids: Vec<String> = serde_json::from_value(result["walletIds"].clone()).unwrap();
    assert_eq!(new_ids[1], ids[0], "the existing ETH-SEPOLIA wallet");
    let wallets = api.wallets(&s).await;
    assert_eq!(wallets.len(), 4);
    assert!(wallets.iter().all(|w| w["address"] == address.as_str()));
    assert_eq!(
        api.get_user("wallet-user-1").await["pinDetails"]["failedAttempts"],
        0
    );

    // Another user's wallet is reported exactly like an unknown one.
    let other = api.new_user("wallet-user-2").await;
    let a = api
        .send(api.client(Method::GET, &format!("/v1/wallets/{}", ids[0]), &other))
        .await;
    a.expect_code(404, 155819);
    let u = api
        .send(api.client(Method::GET, "/v1/wallets/no-such-wallet", &other))
        .await;
    u.expect_code(404, 155819);
    assert_eq!(a.body, u.body);
    assert!(api.wallets(&other).await.is_empty());

    // Keys at rest: one sealed key (AES-256-GCM, versioned), nothing else stored per key; the
    // KEK file is private.
    sqlx::any::install_default_drivers();
    let mut db =
        <sqlx::AnyConnection as sqlx::Connection>::connect(&t.config.effective_database_url())
            .await
            .unwrap();
    let rows = sqlx::query("SELECT user_id, sealed_key FROM wallet_keys")
        .fetch_all(&mut db)
        .await
        .unwrap();
    assert_eq!(
        rows.len(),
        1,
        "one key for the user, none for the user without wallets"
    );
    let sealed: String = sqlx::Row::get(&rows[0], "sealed_key");
    assert!(sealed.starts_with("v1:"));
    assert_eq!(
        sealed.len(),
        3 + 80,
        "base64 of nonce (12) + scalar (32) + tag (16)"
    );
    if let Backend::Sqlite = b {
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(t.dir.path().join("wallet-kek"))
                .unwrap()
                .permissions()
                .mode();
            assert_eq!(mode & 0o777, 0o600);
        }
    }
    t.stop().await;
}
both_backends!(wallets_are_created, wallet_creation);

async fn signing_kinds(b: Backend) {
    let t = TestServer::start(&b, |_| {}).await;
    let api = &t.api;
    let s = api.new_user("signer-01").await;
    api.initialize(&s, PIN).await; // a wallet on ETH-SEPOLIA
    let w = api.first_wallet(&s).await;
    let wallet_id = w["id"].as_str().unwrap().to_owned();
    let address: Address = w["address"].as_str().unwrap().parse().unwrap();

    // EIP-191 text message, with a memo shown on the review screen.
    let ty = ChallengeType::SignMessage;
    let id = create(
        api,
        &s,
        ty.clone(),
        json!({"idempotencyKey": key(), "walletId": wallet_id, "message": "I agree ✓",
               "memo": "terms v2"}),
    )
    .await;
    let d = api.descriptor(&s, &id).await;
    let d = d.expect_ok(200).clone();
    assert_eq!(d["wallet"]["id"], wallet_id.as_str());
    assert_eq!(d["wallet"]["address"], w["address"]);
    assert_eq!(
        d["signRequest"],
        r#"{"kind":"MESSAGE","message":"I agree ✓","encodedByHex":false,"memo":"terms v2"}"#
    );
    let result = complete(api, &s, &ty, &id, PIN).await;
    let sig = result["signature"].as_str().unwrap();
    assert_eq!(sig.len(), 132);
    assert_eq!(recover_personal(sig, "I agree ✓".as_bytes()), address);
    assert!(result.get("signedTransaction").is_none());

    // EIP-191 hex bytes.
    let id = create(
        api,
        &s,
        ty.clone(),
        json!({"idempotencyKey": key(), "walletId": wallet_id, "message": "0xDEADbeef00",
               "encodedByHex": true}),
    )
    .await;
    let result = complete(api, &s, &ty, &id, PIN).await;
    assert_eq!(
        recover_personal(
            result["signature"].as_str().unwrap(),
            &[0xde, 0xad, 0xbe, 0xef, 0x00]
        ),
        address
    );

    // EIP-712 typed data (a JSON string, Circle's spelling).
    let ty = ChallengeType::SignTypedData;
    let id = create(
        api,
        &s,
        ty.clone(),
        json!({"idempotencyKey": key(), "walletId": wallet_id, "data": mail().to_string()}),
    )
    .await;
    let d = api.descriptor(&s, &id).await;
    let req: Value =
        serde_json::from_str(d.expect_ok(200)["signRequest"].as_str().unwrap()).unwrap();
    assert_eq!(req["kind"], "TYPED_DATA");
    assert_eq!(req["data"]["domain"]["chainId"], "11155111");
    let result = complete(api, &s, &ty, &id, PIN).await;
    let typed: alloy_dyn_abi::TypedData = serde_json::from_value(mail()).unwrap();
    let digest = typed.eip712_signing_hash().unwrap();
    let sig =
        Signature::from_raw(&hex::decode(result["signature"].as_str().unwrap()).unwrap()).unwrap();
    assert_eq!(sig.recover_address_from_prehash(&digest).unwrap(), address);

    // EIP-1559 transaction, as an object and as a JSON string.
    let ty = ChallengeType::SignTransaction;
    for tx_input in [
        transfer(11155111),
        Value::String(transfer(11155111).to_string()),
    ] {
        let id = create(
            api,
            &s,
            ty.clone(),
            json!({"idempotencyKey": key(), "walletId": wallet_id, "transaction": tx_input,
                   "memo": "rent"}),
        )
        .await;
        let result = complete(api, &s, &ty, &id, PIN).await;
        let raw = hex::decode(result["signedTransaction"].as_str().unwrap()).unwrap();
        assert_eq!(raw[0], 0x02, "EIP-1559 envelope");
        let env = TxEnvelope::decode_2718(&mut raw.as_slice()).unwrap();
        let TxEnvelope::Eip1559(signed) = &env else {
            panic!("not EIP-1559: {env:?}");
        };
        assert_eq!(signed.recover_signer().unwrap(), address);
        let tx = signed.tx();
        assert_eq!(tx.chain_id, 11155111);
        assert_eq!(tx.nonce, 7);
        assert_eq!(tx.gas_limit, 21000);
        assert_eq!(tx.max_fee_per_gas, 30_000_000_000);
        assert_eq!(tx.max_priority_fee_per_gas, 1_000_000_000);
        assert_eq!(tx.value, U256::from(10_000_000_000_000_000u64));
        assert_eq!(
            tx.to(),
            Some(
                "0xbBbBBBBbbBBBbbbBbbBbbbbBBbBbbbbBbBbbBBbB"
                    .parse()
                    .unwrap()
            )
        );
        let tx_hash: B256 = result["txHash"].as_str().unwrap().parse().unwrap();
        assert_eq!(tx_hash, *signed.hash());
        assert_eq!(tx_hash, alloy_primitives::keccak256(&raw));
    }

    // A generic EVM wallet signs for any chain id.
    let id = create(
        api,
        &s,
        ChallengeType::CreateWallet,
        json!({"idempotencyKey": key(), "blockchains": ["EVM-TESTNET"]}),
    )
    .await;
    let r = complete(api, &s, &ChallengeType::CreateWallet, &id, PIN).await;
    let evm_wallet = r["walletIds"][0].as_str().unwrap().to_owned();
    let id = create(
        api,
        &s,
        ty.clone(),
        json!({"idempotencyKey": key(), "walletId": evm_wallet, "transaction": transfer(31337)}),
    )
    .await;
    let result = complete(api, &s, &ty, &id, PIN).await;
    let raw = hex::decode(result["signedTransaction"].as_str().unwrap()).unwrap();
    let env = TxEnvelope::decode_2718(&mut raw.as_slice()).unwrap();
    assert_eq!(env.chain_id(), Some(31337));
    assert_eq!(env.recover_signer().unwrap(), address);
    t.stop().await;
}
both_backends!(every_signing_kind, signing_kinds);

async fn bad_inputs(b: Backend) {
    let t = TestServer::start(&b, |_| {}).await;
    let api = &t.api;
    let s = api.new_user("bad-input-1").await;
    api.initialize(&s, PIN).await;
    let other = api.new_user("bad-input-2").await;
    api.initialize(&other, PIN).await;
    let mine = api.first_wallet(&s).await["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let theirs = api.first_wallet(&other).await["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let before = challenge_count(api, &s).await;
    let msg = ChallengeType::SignMessage;
    let typed = ChallengeType::SignTypedData;
    let txk = ChallengeType::SignTransaction;
    let mut missing_nonce = transfer(11155111);
    missing_nonce.as_object_mut().unwrap().remove("nonce");
    let mut bad_typed = mail();
    bad_typed["types"]
        .as_object_mut()
        .unwrap()
        .remove("EIP712Domain");
    let idem = key();
    let cases: Vec<(&str, ChallengeType, Value, u16, u64)> = vec![
        (
            "unknown wallet",
            msg.clone(),
            json!({"idempotencyKey": idem, "walletId": "no-such-wallet", "message": "hi"}),
            404,
            155819,
        ),
        (
            "someone else's wallet",
            msg.clone(),
            json!({"idempotencyKey": idem, "walletId": theirs, "message": "hi"}),
            404,
            155819,
        ),
        (
            "malformed hex",
            msg.clone(),
            json!({"idempotencyKey": idem, "walletId": mine, "message": "0xabc", "encodedByHex": true}),
            400,
            155820,
        ),
        (
            "oversized message",
            msg.clone(),
            json!({"idempotencyKey": idem, "walletId": mine, "message": "x".repeat(8 * 1024 + 1)}),
            400,
            155824,
        ),
        (
            "invalid typed data",
            typed.clone(),
            json!({"idempotencyKey": idem, "walletId": mine, "data": bad_typed.to_string()}),
            400,
            155821,
        ),
        (
            "typed data that is not JSON",
            typed.clone(),
            json!({"idempotencyKey": idem, "walletId": mine, "data": "{not json"}),
            400,
            155821,
        ),
        (
            "chain id of another blockchain",
            txk.clone(),
            json!({"idempotencyKey": idem, "walletId": mine, "transaction": transfer(1)}),
            400,
            155822,
        ),
        (
            "missing transaction field",
            txk.clone(),
            json!({"idempotencyKey": idem, "walletId": mine, "transaction": missing_nonce}),
            400,
            155823,
        ),
        (
            "malformed call data",
            txk.clone(),
            json!({"idempotencyKey": idem, "walletId": mine,
                "transaction": {"chainId": 11155111, "nonce": 0, "gas": 21000, "maxFeePerGas": 1,
                                "maxPriorityFeePerGas": 1, "data": "0xzz"}}),
            400,
            155820,
        ),
        (
            "missing walletId",
            msg.clone(),
            json!({"idempotencyKey": idem, "message": "hi"}),
            400,
            155801,
        ),
    ];
    let mut unknown_body = None;
    for (name, kind, body, status, code) in cases {
        let r = api.create_challenge(&s, kind, body).await;
        assert_eq!((r.status, r.code()), (status, code), "{name}: {:?}", r.body);
        assert!(
            !r.body.to_string().contains(&theirs),
            "{name}: the reply names no other user's wallet"
        );
        if name == "unknown wallet" {
            unknown_body = Some(r.body.clone());
        } else if name == "someone else's wallet" {
            assert_eq!(Some(r.body.clone()), unknown_body, "no leak that it exists");
        }
        assert_eq!(
            challenge_count(api, &s).await,
            before,
            "{name}: nothing stored"
        );
    }
    // The idempotency key was not used up by the refused requests.
    create(
        api,
        &s,
        msg,
        json!({"idempotencyKey": idem, "walletId": mine, "message": "hi"}),
    )
    .await;
    assert_eq!(challenge_count(api, &s).await, before + 1);
    // The other user's wallets and challenges are untouched.
    assert_eq!(api.wallets(&other).await.len(), 1);
    t.stop().await;
}
both_backends!(bad_input_is_refused_and_changes_nothing, bad_inputs);

async fn review_and_rejection(b: Backend) {
    let t = TestServer::start(&b, |c| c.max_attempts = 3).await;
    let api = &t.api;
    let s = api.new_user("reviewer-1").await;
    api.initialize(&s, PIN).await;
    let wallet = api.first_wallet(&s).await;
    let wallet_id = wallet["id"].as_str().unwrap().to_owned();
    let address: Address = wallet["address"].as_str().unwrap().parse().unwrap();
    let ty = ChallengeType::SignMessage;
    let new = |m: &str| json!({"idempotencyKey": key(), "walletId": wallet_id, "message": m});

    // A digest of something else, or none: 409 155825, no guess counted, still active.
    let id = create(api, &s, ty.clone(), new("pay 1")).await;
    let other_digest = latchkey_protocol::review_digest(
        r#"{"kind":"MESSAGE","message":"pay 1000","encodedByHex":false,"memo":null}"#,
    );
    let mut p = pin(PIN);
    p.review_digest = Some(other_digest);
    api.step(&s, &id, &ty, Step::Complete, p)
        .await
        .expect_code(409, 155825);
    let env = api.seal(&s, &id, &ty, &Step::Complete, &pin("000000"));
    api.post_envelope(&s, &id, &Step::Complete, &env)
        .await
        .expect_code(409, 155825);
    assert_eq!(
        api.get_user("reviewer-1").await["pinDetails"]["failedAttempts"],
        0,
        "a digest mismatch is not a PIN guess"
    );
    let c = api.get_challenge(&s, &id).await;
    assert_eq!(c.expect_ok(200)["status"], "IN_PROGRESS");
    assert!(c.body["data"].get("result").is_none());
    // The right digest signs.
    let result = complete(api, &s, &ty, &id, PIN).await;
    assert_eq!(
        recover_personal(result["signature"].as_str().unwrap(), b"pay 1"),
        address
    );

    // The user rejects on the review screen: FAILED 155826, nothing signed, no more steps.
    let id = create(api, &s, ty.clone(), new("pay 2")).await;
    api.descriptor(&s, &id).await.expect_ok(200);
    let r = api
        .send(
            api.client(
                Method::POST,
                &format!("/v1/user/challenges/{id}/cancel"),
                &s,
            )
            .json(&json!({"reason": "USER_REJECTED"})),
        )
        .await;
    let c = r.expect_ok(200);
    assert_eq!(c["status"], "FAILED");
    assert_eq!(c["errorCode"], 155826);
    assert!(c.get("result").is_none());
    let p = StepPayload {
        review_digest: Some(latchkey_protocol::review_digest(
            r#"{"kind":"MESSAGE","message":"pay 2","encodedByHex":false,"memo":null}"#,
        )),
        ..pin(PIN)
    };
    api.step(&s, &id, &ty, Step::Complete, p)
        .await
        .expect_code(409, 155804);
    assert!(api.get_challenge(&s, &id).await.body["data"]
        .get("result")
        .is_none());
    // A plain cancel (no body) is 155701; an unknown reason is refused.
    let id = create(api, &s, ty.clone(), new("pay 3")).await;
    api.send(
        api.client(
            Method::POST,
            &format!("/v1/user/challenges/{id}/cancel"),
            &s,
        )
        .json(&json!({"reason": "BORED"})),
    )
    .await
    .expect_code(400, 155801);
    let r = api
        .send(api.client(
            Method::POST,
            &format!("/v1/user/challenges/{id}/cancel"),
            &s,
        ))
        .await;
    assert_eq!(r.expect_ok(200)["errorCode"], 155701);

    // Wrong PINs on signing challenges share CHANGE_PIN's limit: 2 wrong here, 1 on a
    // CHANGE_PIN, and the user is locked; a locked user cannot sign, even with the right PIN.
    for m in ["w1", "w2"] {
        let id = create(api, &s, ty.clone(), new(m)).await;
        api.step(&s, &id, &ty, Step::Complete, pin("000000"))
            .await
            .expect_code(400, 155112);
        assert!(api.get_challenge(&s, &id).await.body["data"]
            .get("result")
            .is_none());
    }
    let cp = api.challenge(&s, ChallengeType::ChangePin).await;
    api.step(
        &s,
        &cp,
        &ChallengeType::ChangePin,
        Step::CurrentPin,
        pin("000000"),
    )
    .await
    .expect_code(423, 155119);
    let id = create(api, &s, ty.clone(), new("while locked")).await;
    api.step(&s, &id, &ty, Step::Complete, pin(PIN))
        .await
        .expect_code(423, 155119);
    let c = api.get_challenge(&s, &id).await;
    let c = c.expect_ok(200);
    assert_eq!(c["status"], "FAILED");
    assert!(c.get("result").is_none(), "no signature for a locked user");

    // RESTORE_PIN: a new PIN, the same key and address.
    let rp = ChallengeType::RestorePin;
    let id = api.challenge(&s, rp.clone()).await;
    api.step(
        &s,
        &id,
        &rp,
        Step::Answers,
        answers_payload(setup_answers()),
    )
    .await
    .expect_ok(200);
    api.step(&s, &id, &rp, Step::Complete, new_pin("246810"))
        .await
        .expect_ok(200);
    let id = create(api, &s, ty.clone(), new("after restore")).await;
    let result = complete(api, &s, &ty, &id, "246810").await;
    assert_eq!(
        recover_personal(result["signature"].as_str().unwrap(), b"after restore"),
        address
    );
    assert_eq!(api.first_wallet(&s).await["address"], wallet["address"]);
    t.stop().await;
}
both_backends!(what_you_see_is_what_you_sign, review_and_rejection);

async fn expiry(b: Backend) {
    let t = TestServer::start(&b, |c| {
        c.challenge_ttl = std::time::Duration::from_millis(1500);
    })
    .await;
    let api = &t.api;
    let s = api.new_user("expiring-1").await;
    api.initialize(&s, PIN).await;
    let wallet_id = api.first_wallet(&s).await["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let ty = ChallengeType::SignMessage;
    let id = create(
        api,
        &s,
        ty.clone(),
        json!({"idempotencyKey": key(), "walletId": wallet_id, "message": "late"}),
    )
    .await;
    let digest = api.review_digest(&s, &id).await;
    tokio::time::sleep(std::time::Duration::from_millis(1800)).await;
    let p = StepPayload {
        review_digest: Some(digest),
        ..pin(PIN)
    };
    api.step(&s, &id, &ty, Step::Complete, p)
        .await
        .expect_code(410, 155121);
    let c = api.get_challenge(&s, &id).await;
    let c = c.expect_ok(200);
    assert_eq!(c["status"], "EXPIRED");
    assert!(
        c.get("result").is_none(),
        "no signature for an expired challenge"
    );
    t.stop().await;
}
both_backends!(expired_signing_challenge_signs_nothing, expiry);

const N: usize = 200;

/// 200 wrong PINs at once, each on its own SIGN_MESSAGE challenge: exactly `max` guesses are
/// counted, the rest refused as locked, and no challenge carries a signature.
async fn storm(b: Backend) {
    let t = TestServer::start(&b, |c| c.max_attempts = 3).await;
    let api = &t.api;
    let s = api.new_user("sign-storm").await;
    api.initialize(&s, PIN).await;
    let wallet_id = api.first_wallet(&s).await["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let ty = ChallengeType::SignMessage;
    let mut prepared = Vec::with_capacity(N);
    for i in 0..N {
        let id = create(
            api,
            &s,
            ty.clone(),
            json!({"idempotencyKey": key(), "walletId": wallet_id, "message": format!("m{i}")}),
        )
        .await;
        let p = StepPayload {
            review_digest: Some(api.review_digest(&s, &id).await),
            ..pin("000001")
        };
        let env = api.seal(&s, &id, &ty, &Step::Complete, &p);
        prepared.push((id, env));
    }
    let barrier = std::sync::Arc::new(tokio::sync::Barrier::new(N));
    let mut set = tokio::task::JoinSet::new();
    for (id, env) in prepared {
        let (api, s, barrier) = (api.clone(), s.clone(), barrier.clone());
        set.spawn(async move {
            barrier.wait().await;
            api.post_envelope(&s, &id, &Step::Complete, &env).await
        });
    }
    let mut counts: HashMap<(u16, u64), usize> = HashMap::new();
    while let Some(r) = set.join_next().await {
        let r = r.unwrap();
        assert!(r.body["data"].get("result").is_none());
        *counts.entry((r.status, r.code())).or_default() += 1;
    }
    assert_eq!(
        counts.get(&(400, 155112)).copied().unwrap_or(0),
        2,
        "{counts:?}"
    );
    assert_eq!(
        counts.get(&(423, 155119)).copied().unwrap_or(0),
        N - 2,
        "{counts:?}"
    );
    let u = api.get_user("sign-storm").await;
    assert_eq!(
        u["pinDetails"]["failedAttempts"], 3,
        "exactly max guesses counted"
    );
    assert_eq!(u["pinStatus"], "LOCKED");
    let all = api
        .send(api.client(Method::GET, "/v1/user/challenges", &s))
        .await;
    for c in all.expect_ok(200)["challenges"].as_array().unwrap() {
        if c["type"] == "SIGN_MESSAGE" {
            assert!(c.get("result").is_none(), "no signature anywhere: {c}");
            assert_ne!(c["status"], "COMPLETE");
        }
    }
    t.stop().await;
}
both_backends!(concurrent_wrong_pins_on_signing, storm);
