//! Recovery codes end to end over loopback (issue 10): SET_RECOVERY_CODE behind the PIN,
//! RESTORE_PIN with `method: RECOVERY_CODE`, the guess limit shared with the questions, the code
//! burnt and older tokens revoked after a recovery, and the "Done when" rule: after set-up the
//! database files and the server's logs hold nothing from which the code or the private key
//! follows (only the public key and the wrapped key).

mod common;

use base64::engine::general_purpose::STANDARD;
use base64::Engine as _;
use common::*;
use latchkey_protocol::recovery::{method, NewRecoveryCode, ProofContext, RecoveryKeyPair};
use latchkey_protocol::{ChallengeType, Step, StepPayload};
use reqwest::Method;
use ring::rand::SystemRandom;
use serde_json::{json, Value};

const PIN: &str = "135790";
const PIN2: &str = "246801";

fn binding(d: &Value) -> (String, String, u32, String) {
    let r = &d["recovery"];
    (
        r["method"].as_str().unwrap().to_owned(),
        r["userId"].as_str().unwrap().to_owned(),
        r["version"].as_u64().unwrap() as u32,
        r["nonce"].as_str().unwrap().to_owned(),
    )
}

fn proof_ctx<'a>(id: &'a str, b: &'a (String, String, u32, String)) -> ProofContext<'a> {
    ProofContext {
        challenge_id: id,
        method: &b.0,
        user_id: &b.1,
        version: b.2,
        nonce: &b.3,
    }
}

fn setup_payload(made: &NewRecoveryCode) -> StepPayload {
    StepPayload {
        recovery_public_key: Some(made.public_key.clone()),
        recovery_wrapped_key: Some(made.wrapped_key.clone()),
        recovery_signature: Some(made.signature.clone()),
        ..Default::default()
    }
}

fn proof(sig: String) -> StepPayload {
    StepPayload {
        recovery_signature: Some(sig),
        ..Default::default()
    }
}

/// SET_RECOVERY_CODE to completion; returns what the device made.
async fn set_up(api: &Api, s: &Session, current_pin: &str) -> NewRecoveryCode {
    let t = ChallengeType::SetRecoveryCode;
    let id = api.challenge(s, t.clone()).await;
    let d = api.descriptor(s, &id).await.expect_ok(200).clone();
    assert_eq!(d["type"], "SET_RECOVERY_CODE");
    assert!(d["recovery"]["wrappedKey"].is_null());
    let b = binding(&d);
    // COMPLETE before the PIN: out of order.
    let rng = SystemRandom::new();
    let made = NewRecoveryCode::create(&proof_ctx(&id, &b), &rng).unwrap();
    api.step(s, &id, &t, Step::Complete, setup_payload(&made))
        .await
        .expect_code(409, 155805);
    api.step(s, &id, &t, Step::CurrentPin, pin(current_pin))
        .await
        .expect_ok(200);
    // A malformed public key, and a proof of possession for another challenge: 155866.
    let mut bad = setup_payload(&made);
    bad.recovery_public_key = Some(STANDARD.encode([4u8; 10]));
    api.step(s, &id, &t, Step::Complete, bad)
        .await
        .expect_code(400, 155866);
    let other = NewRecoveryCode::create(&proof_ctx("another-challenge", &b), &rng).unwrap();
    api.step(s, &id, &t, Step::Complete, setup_payload(&other))
        .await
        .expect_code(400, 155866);
    let r = api
        .step(s, &id, &t, Step::Complete, setup_payload(&made))
        .await;
    assert_eq!(r.expect_ok(200)["status"], "COMPLETE");
    made
}

async fn restore(api: &Api, s: &Session, method_name: Option<&str>) -> Reply {
    let mut body = json!({"idempotencyKey": uuid::Uuid::new_v4().to_string()});
    if let Some(m) = method_name {
        body["method"] = json!(m);
    }
    api.create_challenge(s, ChallengeType::RestorePin, body)
        .await
}

async fn me(api: &Api, s: &Session) -> Reply {
    api.send(api.client(Method::GET, "/v1/user", s)).await
}

async fn scenario(b: Backend) {
    let logs = logs();
    // Revocation on recovery switched off: a recovery by code revokes anyway.
    let t = TestServer::start(&b, |c| c.revoke_sessions_on_recovery = false).await;
    let api = &t.api;
    let rt = ChallengeType::RestorePin;
    let s = api.new_user("rc-user-01").await;
    api.initialize(&s, PIN).await;
    let mallory = api.new_user("rc-mallory").await;
    api.initialize(&mallory, PIN).await;
    assert_eq!(
        api.get_user("rc-user-01").await["recoveryCodeStatus"],
        "UNSET"
    );

    // No code yet; unknown method.
    restore(api, &s, Some("RECOVERY_CODE"))
        .await
        .expect_code(409, 155860);
    restore(api, &s, Some("CARRIER_PIGEON"))
        .await
        .expect_code(400, 155868);

    // ---- set up
    let made = set_up(api, &s, PIN).await;
    let u = api.get_user("rc-user-01").await;
    assert_eq!(u["recoveryCodeStatus"], "ENABLED");
    assert_eq!(u["securityQuestionStatus"], "ENABLED");

    // The "Done when" rule, checked on the database after set-up (SQLite: every file of the
    // data directory, WAL included; PostgreSQL: the rows) and on the logs so far.
    let code = made.code.expose().to_owned();
    let display = made.code.display().to_string();
    let wrapping = made.code.wrapping_key().unwrap().expose().to_vec();
    let mut forbidden: Vec<Vec<u8>> = vec![
        code.clone().into_bytes(),
        code.to_lowercase().into_bytes(),
        display.clone().into_bytes(),
        wrapping.clone(),
        hex(&wrapping).into_bytes(),
        STANDARD.encode(&wrapping).into_bytes(),
    ];
    // The private key itself (scalar), as the device holds it: opened here with the code.
    let pkcs8 = latchkey_protocol::recovery::unwrap(
        &made.code.wrapping_key().unwrap(),
        &latchkey_protocol::recovery::KeyContext {
            method: method::RECOVERY_CODE,
            user_id: "rc-user-01",
            version: 1,
        },
        &made.wrapped_key,
    )
    .unwrap();
    // PKCS#8 of P-256 as ring writes it: the 32-byte scalar follows `04 20` at offset 36.
    let scalar = pkcs8[36..68].to_vec();
    forbidden.push(scalar.clone());
    forbidden.push(hex(&scalar).into_bytes());
    forbidden.push(STANDARD.encode(&scalar).into_bytes());
    forbidden.push(STANDARD.encode(&pkcs8[..]).into_bytes());
    let stored = stored_rows(&t).await;
    assert_eq!(
        stored,
        vec![(
            "ACTIVE".to_owned(),
            made.public_key.clone(),
            made.wrapped_key.clone()
        )],
        "the server keeps the public key and the wrapped key, nothing else"
    );
    if let Backend::Sqlite = b {
        let mut bytes = Vec::new();
        for e in walk(t.dir.path()) {
            bytes.extend(std::fs::read(e).unwrap());
        }
        assert!(bytes
            .windows(made.public_key.len())
            .any(|w| w == made.public_key.as_bytes()));
        for f in &forbidden {
            assert!(
                !bytes.windows(f.len()).any(|w| w == &f[..]),
                "secret material found in the database files"
            );
        }
    }
    let text = logs.0.lock().unwrap().clone();
    assert!(!text.is_empty(), "logs were captured");
    for f in &forbidden {
        assert!(
            !text.windows(f.len()).any(|w| w == &f[..]),
            "secret in the logs"
        );
    }

    // ---- recover
    let older = api.session("rc-user-01").await;
    me(api, &older).await.expect_ok(200);
    let a = restore(api, &s, Some("RECOVERY_CODE")).await.expect_ok(201)["challengeId"]
        .as_str()
        .unwrap()
        .to_owned();
    let da = api.descriptor(&s, &a).await.expect_ok(200).clone();
    assert_eq!(da["questions"], json!([]));
    assert_eq!(da["recovery"]["wrappedKey"], made.wrapped_key.as_str());
    let ba = binding(&da);
    assert_eq!(ba.2, 1);
    let bid = restore(api, &s, Some("RECOVERY_CODE")).await.expect_ok(201)["challengeId"]
        .as_str()
        .unwrap()
        .to_owned();
    let db = api.descriptor(&s, &bid).await.expect_ok(200).clone();
    assert_ne!(binding(&db).3, ba.3, "each challenge gets a fresh nonce");

    let rng = SystemRandom::new();
    let sign = |id: &str, bd: &(String, String, u32, String)| {
        latchkey_protocol::recovery::prove_with_code(
            &display,
            &made.wrapped_key,
            &proof_ctx(id, bd),
            &rng,
        )
        .unwrap()
    };
    let proof_a = sign(&a, &ba);
    // Replayed on another challenge (another nonce): does not verify, counts one guess.
    api.step(&s, &bid, &rt, Step::RecoveryProof, proof(proof_a.clone()))
        .await
        .expect_code(400, 155861);
    assert_eq!(
        api.step(&s, &bid, &rt, Step::RecoveryProof, proof(proof_a.clone()))
            .await
            .body["attemptsLeft"],
        1
    );
    // Another user's challenge: 404 like a missing one.
    let env = api.seal(
        &mallory,
        &a,
        &rt,
        &Step::RecoveryProof,
        &proof(proof_a.clone()),
    );
    api.post_envelope(&mallory, &a, &Step::RecoveryProof, &env)
        .await
        .expect_code(404, 155116);
    // Malformed signature: 155866, not counted. Answers on a code challenge: out of order.
    api.step(&s, &a, &rt, Step::RecoveryProof, proof("AAAA".into()))
        .await
        .expect_code(400, 155866);
    api.step(&s, &a, &rt, Step::Answers, answers_payload(setup_answers()))
        .await
        .expect_code(409, 155805);
    // COMPLETE before the proof: out of order.
    api.step(&s, &a, &rt, Step::Complete, new_pin(PIN2))
        .await
        .expect_code(409, 155805);
    // The right proof; the count resets.
    let r = api
        .step(&s, &a, &rt, Step::RecoveryProof, proof(proof_a.clone()))
        .await;
    assert_eq!(r.expect_ok(200)["verifiedSteps"], json!(["RECOVERY_PROOF"]));
    assert_eq!(
        api.get_user("rc-user-01").await["securityQuestionDetails"]["failedAttempts"],
        0
    );
    // A second proof (a new envelope) on the same challenge: out of order.
    api.step(&s, &a, &rt, Step::RecoveryProof, proof(sign(&a, &ba)))
        .await
        .expect_code(409, 155805);
    api.step(&s, &a, &rt, Step::Complete, new_pin(PIN2))
        .await
        .expect_ok(200);
    let ch = api.get_challenge(&s, &a).await.expect_ok(200).clone();
    assert_eq!(ch["challenge"]["recoveryMethod"], "RECOVERY_CODE");
    // Burnt, older tokens revoked (this one kept), the new PIN works.
    let u = api.get_user("rc-user-01").await;
    assert_eq!(u["recoveryCodeStatus"], "UNSET");
    me(api, &older).await.expect_code(401, 155104);
    me(api, &s).await.expect_ok(200);
    let cp = api.challenge(&s, ChallengeType::ChangePin).await;
    api.descriptor(&s, &cp).await.expect_ok(200);
    api.step(
        &s,
        &cp,
        &ChallengeType::ChangePin,
        Step::CurrentPin,
        pin(PIN2),
    )
    .await
    .expect_ok(200);
    // The other challenge, bound to the burnt code: 409 155867; a new recovery: 155860.
    api.descriptor(&s, &bid).await.expect_code(409, 155867);
    api.step(
        &s,
        &bid,
        &rt,
        Step::RecoveryProof,
        proof(sign(&bid, &binding(&db))),
    )
    .await
    .expect_code(409, 155867);
    restore(api, &s, Some("RECOVERY_CODE"))
        .await
        .expect_code(409, 155860);
    // The questions flow is still the default.
    let q = restore(api, &s, None).await.expect_ok(201)["challengeId"]
        .as_str()
        .unwrap()
        .to_owned();
    let dq = api.descriptor(&s, &q).await.expect_ok(200).clone();
    assert!(dq["recovery"].is_null());
    assert_eq!(dq["questions"].as_array().unwrap().len(), 2);

    // ---- a new code replaces nothing until stored; then the guess limit, shared
    let made2 = set_up(api, &s, PIN2).await;
    assert_eq!(stored_rows(&t).await.len(), 2);
    let c = restore(api, &s, Some("RECOVERY_CODE")).await.expect_ok(201)["challengeId"]
        .as_str()
        .unwrap()
        .to_owned();
    let dc = api.descriptor(&s, &c).await.expect_ok(200).clone();
    let bc = binding(&dc);
    assert_eq!(bc.2, 2);
    assert_eq!(dc["recovery"]["wrappedKey"], made2.wrapped_key.as_str());
    // The burnt first code cannot open the new wrapped key (another key, another version).
    assert!(latchkey_protocol::recovery::prove_with_code(
        &display,
        &made2.wrapped_key,
        &proof_ctx(&c, &bc),
        &rng
    )
    .is_err());
    let stranger = RecoveryKeyPair::generate(&rng).unwrap();
    let bad = || proof(stranger.sign_proof(&proof_ctx(&c, &bc), &rng).unwrap());
    let r = api.step(&s, &c, &rt, Step::RecoveryProof, bad()).await;
    assert_eq!(r.expect_code(400, 155861).body["attemptsLeft"], 2);
    let r = api.step(&s, &c, &rt, Step::RecoveryProof, bad()).await;
    assert_eq!(r.expect_code(400, 155861).body["attemptsLeft"], 1);
    let r = api.step(&s, &c, &rt, Step::RecoveryProof, bad()).await;
    assert!(r.expect_code(423, 155863).body["lockedExpiryDate"].is_string());
    let u = api.get_user("rc-user-01").await;
    assert_eq!(u["recoveryCodeStatus"], "LOCKED");
    assert_eq!(
        u["securityQuestionStatus"], "LOCKED",
        "one count for every recovery method"
    );
    assert_eq!(
        api.get_challenge(&s, &c).await.expect_ok(200)["challenge"]["status"],
        "FAILED"
    );
    // Locked: even the right code is refused (and the questions too).
    let d = restore(api, &s, Some("RECOVERY_CODE")).await.expect_ok(201)["challengeId"]
        .as_str()
        .unwrap()
        .to_owned();
    let dd = api.descriptor(&s, &d).await.expect_ok(200).clone();
    assert_eq!(dd["answerAttemptsLeft"], 0);
    let good = latchkey_protocol::recovery::prove_with_code(
        made2.code.expose(),
        &made2.wrapped_key,
        &proof_ctx(&d, &binding(&dd)),
        &rng,
    )
    .unwrap();
    api.step(&s, &d, &rt, Step::RecoveryProof, proof(good))
        .await
        .expect_code(423, 155863);
    t.stop().await;
}
both_backends!(recovery_codes_end_to_end, scenario);

fn hex(b: &[u8]) -> String {
    b.iter().map(|x| format!("{x:02x}")).collect()
}

fn walk(dir: &std::path::Path) -> Vec<std::path::PathBuf> {
    let mut out = Vec::new();
    for e in std::fs::read_dir(dir).unwrap() {
        let p = e.unwrap().path();
        if p.is_dir() {
            out.extend(walk(&p));
        } else {
            out.push(p);
        }
    }
    out
}

/// (status, public key, wrapped key) of every stored recovery credential, by version.
async fn stored_rows(t: &TestServer) -> Vec<(String, String, String)> {
    use sqlx::{Connection, Row};
    sqlx::any::install_default_drivers();
    let mut conn = sqlx::AnyConnection::connect(&t.config.effective_database_url())
        .await
        .unwrap();
    // Every column of the table, so a new column holding more would show up here.
    let rows = sqlx::query("SELECT * FROM recovery_credentials ORDER BY version")
        .fetch_all(&mut conn)
        .await
        .unwrap();
    let out = rows
        .iter()
        .map(|r| {
            assert_eq!(
                r.len(),
                10,
                "user_id, method, version, status, keys, times, challenge_id, acknowledged_at"
            );
            (
                r.get::<String, _>("status"),
                r.get::<String, _>("public_key"),
                r.get::<String, _>("wrapped_key"),
            )
        })
        .collect();
    conn.close().await.ok();
    out
}

/// Eight wrong proofs sent at once on one challenge count exactly the limit (3): each guess is
/// reserved by one conditional UPDATE before its signature is checked, on SQLite and PostgreSQL
/// (envelopes that meet the step lock, 409 155816, are resent until they get an answer).
async fn concurrent_wrong_proofs(b: Backend) {
    let t = TestServer::start(&b, |_| {}).await;
    let api = &t.api;
    let rt = ChallengeType::RestorePin;
    let s = api.new_user("rc-conc-01").await;
    api.initialize(&s, PIN).await;
    set_up(api, &s, PIN).await;
    let c = restore(api, &s, Some("RECOVERY_CODE")).await.expect_ok(201)["challengeId"]
        .as_str()
        .unwrap()
        .to_owned();
    let dc = api.descriptor(&s, &c).await.expect_ok(200).clone();
    let bc = binding(&dc);
    let rng = SystemRandom::new();
    let stranger = RecoveryKeyPair::generate(&rng).unwrap();
    let envelopes: Vec<String> = (0..8)
        .map(|_| {
            let p = proof(stranger.sign_proof(&proof_ctx(&c, &bc), &rng).unwrap());
            api.seal(&s, &c, &rt, &Step::RecoveryProof, &p)
        })
        .collect();
    let mut tasks = Vec::new();
    for env in envelopes {
        let (api, s, c) = (api.clone(), s.clone(), c.clone());
        tasks.push(tokio::spawn(async move {
            // The step lock answers 409 155816 while another envelope of this challenge is
            // being checked (nothing counted): resend the same envelope, as the SDK does.
            loop {
                let r = api.post_envelope(&s, &c, &Step::RecoveryProof, &env).await;
                if r.code() != 155816 {
                    return r;
                }
                tokio::time::sleep(std::time::Duration::from_millis(10)).await;
            }
        }));
    }
    let mut codes = Vec::new();
    for task in tasks {
        codes.push(task.await.unwrap().code());
    }
    let wrong = codes.iter().filter(|c| **c == 155861).count();
    let locked = codes.iter().filter(|c| **c == 155863).count();
    assert_eq!(
        wrong + locked + codes.iter().filter(|c| **c == 155804).count(),
        8,
        "{codes:?}"
    );
    assert_eq!(
        wrong, 2,
        "exactly max - 1 wrong answers before the lock: {codes:?}"
    );
    assert!(locked >= 1, "{codes:?}");
    let u = api.get_user("rc-conc-01").await;
    assert_eq!(u["securityQuestionDetails"]["failedAttempts"], 3);
    assert_eq!(u["recoveryCodeStatus"], "LOCKED");
    t.stop().await;
}
both_backends!(
    recovery_guess_limit_under_concurrency,
    concurrent_wrong_proofs
);

/// INITIALIZE created with `recoveryCode: true`: the descriptor carries a set-up binding, the
/// single COMPLETE stores the PIN, the answers and the code together (a completion without the
/// code's key, or with a bad proof, stores nothing), and the code then recovers the account.
/// Without the flag INITIALIZE is as before (no binding, no code).
async fn initialize_with_code(b: Backend) {
    let t = TestServer::start(&b, |_| {}).await;
    let api = &t.api;
    let it = ChallengeType::Initialize;
    let s = api.new_user("rc-init-01").await;
    let body = json!({"idempotencyKey": uuid::Uuid::new_v4().to_string(), "recoveryCode": true});
    let id = api
        .create_challenge(&s, it.clone(), body)
        .await
        .expect_ok(201)["challengeId"]
        .as_str()
        .unwrap()
        .to_owned();
    let d = api.descriptor(&s, &id).await.expect_ok(200).clone();
    assert_eq!(d["type"], "INITIALIZE");
    assert!(d["recovery"]["wrappedKey"].is_null());
    let bi = binding(&d);
    assert_eq!(
        (bi.0.as_str(), bi.1.as_str(), bi.2),
        ("RECOVERY_CODE", "rc-init-01", 1)
    );
    let rng = SystemRandom::new();
    let made = NewRecoveryCode::create(&proof_ctx(&id, &bi), &rng).unwrap();
    let with_code = |m: &NewRecoveryCode| {
        let mut p = init_payload(PIN);
        p.recovery_public_key = Some(m.public_key.clone());
        p.recovery_wrapped_key = Some(m.wrapped_key.clone());
        p.recovery_signature = Some(m.signature.clone());
        p
    };
    // Without the code's key, or with a proof made for another challenge: nothing stored.
    api.step(&s, &id, &it, Step::Complete, init_payload(PIN))
        .await
        .expect_code(400, 155801);
    let other = NewRecoveryCode::create(&proof_ctx("another-challenge", &bi), &rng).unwrap();
    api.step(&s, &id, &it, Step::Complete, with_code(&other))
        .await
        .expect_code(400, 155866);
    let u = api.get_user("rc-init-01").await;
    assert_eq!(
        (u["pinStatus"].as_str(), u["recoveryCodeStatus"].as_str()),
        (Some("UNSET"), Some("UNSET"))
    );
    let r = api
        .step(&s, &id, &it, Step::Complete, with_code(&made))
        .await;
    assert_eq!(r.expect_ok(200)["status"], "COMPLETE");
    let u = api.get_user("rc-init-01").await;
    assert_eq!(u["pinStatus"], "ENABLED");
    assert_eq!(u["securityQuestionStatus"], "ENABLED");
    assert_eq!(u["recoveryCodeStatus"], "ENABLED");
    assert_eq!(
        stored_rows(&t).await,
        vec![(
            "ACTIVE".to_owned(),
            made.public_key.clone(),
            made.wrapped_key.clone()
        )]
    );
    // The code recovers the account.
    let rt = ChallengeType::RestorePin;
    let c = restore(api, &s, Some("RECOVERY_CODE")).await.expect_ok(201)["challengeId"]
        .as_str()
        .unwrap()
        .to_owned();
    let dc = api.descriptor(&s, &c).await.expect_ok(200).clone();
    let sig = latchkey_protocol::recovery::prove_with_code(
        made.code.expose(),
        dc["recovery"]["wrappedKey"].as_str().unwrap(),
        &proof_ctx(&c, &binding(&dc)),
        &rng,
    )
    .unwrap();
    api.step(&s, &c, &rt, Step::RecoveryProof, proof(sig))
        .await
        .expect_ok(200);
    api.step(&s, &c, &rt, Step::Complete, new_pin(PIN2))
        .await
        .expect_ok(200);
    assert_eq!(
        api.get_user("rc-init-01").await["recoveryCodeStatus"],
        "UNSET"
    );
    // Without the flag: no binding, and the plain completion works.
    let plain = api.new_user("rc-init-02").await;
    let pid = api.challenge(&plain, it.clone()).await;
    assert!(api.descriptor(&plain, &pid).await.expect_ok(200)["recovery"].is_null());
    api.step(&plain, &pid, &it, Step::Complete, init_payload(PIN))
        .await
        .expect_ok(200);
    assert_eq!(
        api.get_user("rc-init-02").await["recoveryCodeStatus"],
        "UNSET"
    );
    t.stop().await;
}
both_backends!(initialize_can_set_up_a_recovery_code, initialize_with_code);
