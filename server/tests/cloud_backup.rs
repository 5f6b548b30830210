//! Cloud backup end to end over loopback (issue 10), on SQLite and PostgreSQL: SET_CLOUD_BACKUP
//! behind the PIN registers a PENDING version (`REGISTER_CLOUD_BACKUP`), `COMPLETE`
//! acknowledges it (ACTIVE, the previous one REPLACED, in one transaction); RESTORE_PIN with
//! `method: CLOUD_BACKUP` proves possession like a recovery code, counts wrong proofs on the
//! shared recovery counter and keeps the backup usable; racing, cancelled and stale set-ups
//! never disturb the active version; the database holds nothing that opens the key.

mod common;

use base64::engine::general_purpose::STANDARD;
use base64::Engine as _;
use common::*;
use latchkey_protocol::recovery::{
    method, prove_with_backup, NewCloudBackup, ProofContext, RecoveryKeyPair,
};
use latchkey_protocol::{ChallengeType, Step, StepPayload};
use ring::rand::SystemRandom;
use serde_json::{json, Value};

const PIN: &str = "135790";
const PIN2: &str = "246801";
const SET: ChallengeType = ChallengeType::SetCloudBackup;

struct Binding {
    method: String,
    user_id: String,
    version: u32,
    nonce: String,
}

fn binding(d: &Value) -> Binding {
    let r = &d["recovery"];
    Binding {
        method: r["method"].as_str().unwrap().to_owned(),
        user_id: r["userId"].as_str().unwrap().to_owned(),
        version: r["version"].as_u64().unwrap() as u32,
        nonce: r["nonce"].as_str().unwrap().to_owned(),
    }
}

fn ctx<'a>(id: &'a str, b: &'a Binding) -> ProofContext<'a> {
    ProofContext {
        challenge_id: id,
        method: &b.method,
        user_id: &b.user_id,
        version: b.version,
        nonce: &b.nonce,
    }
}

fn register_payload(made: &NewCloudBackup) -> StepPayload {
    StepPayload {
        recovery_public_key: Some(made.public_key.clone()),
        recovery_wrapped_key: Some(made.wrapped_key.clone()),
        recovery_signature: Some(made.signature.clone()),
        ..Default::default()
    }
}

fn ack(version: u32) -> StepPayload {
    StepPayload {
        cloud_backup_version: Some(version),
        ..Default::default()
    }
}

fn proof(sig: String) -> StepPayload {
    StepPayload {
        recovery_signature: Some(sig),
        ..Default::default()
    }
}

/// A set-up taken to the pending phase: (challenge id, binding, what the device made).
async fn register(api: &Api, s: &Session, current_pin: &str) -> (String, Binding, NewCloudBackup) {
    let id = api.challenge(s, SET).await;
    let d = api.descriptor(s, &id).await.expect_ok(200).clone();
    assert_eq!(d["type"], "SET_CLOUD_BACKUP");
    assert!(d["recovery"]["wrappedKey"].is_null());
    let b = binding(&d);
    assert_eq!(b.method, method::CLOUD_BACKUP);
    let made = NewCloudBackup::create(&ctx(&id, &b), &SystemRandom::new()).unwrap();
    api.step(s, &id, &SET, Step::CurrentPin, pin(current_pin))
        .await
        .expect_ok(200);
    let r = api
        .step(
            s,
            &id,
            &SET,
            Step::RegisterCloudBackup,
            register_payload(&made),
        )
        .await;
    assert_eq!(
        r.expect_ok(200)["verifiedSteps"],
        json!(["CURRENT_PIN", "REGISTER_CLOUD_BACKUP"])
    );
    (id, b, made)
}

async fn restore(api: &Api, s: &Session) -> Reply {
    api.create_challenge(
        s,
        ChallengeType::RestorePin,
        json!({"idempotencyKey": uuid::Uuid::new_v4().to_string(), "method": "CLOUD_BACKUP"}),
    )
    .await
}

/// RESTORE_PIN by cloud backup to completion with `made`'s key; the new PIN `new`.
async fn recover(api: &Api, s: &Session, made: &NewCloudBackup, version: u32, new: &str) {
    recover_with(api, s, made, version, Some(new)).await
}

/// RESTORE_PIN by cloud backup: the proof, then `COMPLETE` with `new` (or a cancel, so that
/// set-ups in progress are not failed by a PIN change).
async fn recover_with(
    api: &Api,
    s: &Session,
    made: &NewCloudBackup,
    version: u32,
    new: Option<&str>,
) {
    let rt = ChallengeType::RestorePin;
    let id = restore(api, s).await.expect_ok(201)["challengeId"]
        .as_str()
        .unwrap()
        .to_owned();
    let d = api.descriptor(s, &id).await.expect_ok(200).clone();
    assert_eq!(d["recovery"]["wrappedKey"], made.wrapped_key.as_str());
    let b = binding(&d);
    assert_eq!(b.version, version);
    let sig = prove_with_backup(
        &made.entry(),
        &made.wrapped_key,
        &ctx(&id, &b),
        &SystemRandom::new(),
    )
    .unwrap();
    api.step(s, &id, &rt, Step::RecoveryProof, proof(sig))
        .await
        .expect_ok(200);
    let Some(new) = new else {
        api.send(api.client(
            reqwest::Method::POST,
            &format!("/v1/user/challenges/{id}/cancel"),
            s,
        ))
        .await
        .expect_ok(200);
        return;
    };
    api.step(s, &id, &rt, Step::Complete, new_pin(new))
        .await
        .expect_ok(200);
    let ch = api.get_challenge(s, &id).await.expect_ok(200).clone();
    assert_eq!(ch["challenge"]["recoveryMethod"], "CLOUD_BACKUP");
}

/// (version, status) of every stored cloud-backup row.
async fn rows(t: &TestServer) -> Vec<(i64, String)> {
    use sqlx::{Connection, Row};
    sqlx::any::install_default_drivers();
    let mut conn = sqlx::AnyConnection::connect(&t.config.effective_database_url())
        .await
        .unwrap();
    let rows = sqlx::query(
        "SELECT version, status FROM recovery_credentials WHERE method = 'CLOUD_BACKUP' \
         ORDER BY version",
    )
    .fetch_all(&mut conn)
    .await
    .unwrap();
    let out = rows
        .iter()
        .map(|r| (r.get::<i64, _>("version"), r.get::<String, _>("status")))
        .collect();
    conn.close().await.ok();
    out
}

fn st(v: &[(i64, &str)]) -> Vec<(i64, String)> {
    v.iter().map(|(n, s)| (*n, (*s).to_owned())).collect()
}

async fn scenario(b: Backend) {
    let logs = logs();
    let t = TestServer::start(&b, |_| {}).await;
    let api = &t.api;
    let rt = ChallengeType::RestorePin;
    let s = api.new_user("cb-user-01").await;
    api.initialize(&s, PIN).await;
    let u = api.get_user("cb-user-01").await;
    assert_eq!(u["cloudBackupStatus"], "UNSET");
    restore(api, &s).await.expect_code(409, 155871);

    // ---- phase 1: register, in order only
    let id = api.challenge(&s, SET).await;
    let d = api.descriptor(&s, &id).await.expect_ok(200).clone();
    assert!(d["recovery"]["previousVersion"].is_null());
    let b1 = binding(&d);
    assert_eq!(b1.version, 1);
    let rng = SystemRandom::new();
    let made1 = NewCloudBackup::create(&ctx(&id, &b1), &rng).unwrap();
    api.step(
        &s,
        &id,
        &SET,
        Step::RegisterCloudBackup,
        register_payload(&made1),
    )
    .await
    .expect_code(409, 155805);
    api.step(&s, &id, &SET, Step::Complete, ack(1))
        .await
        .expect_code(409, 155805);
    api.step(&s, &id, &SET, Step::CurrentPin, pin(PIN))
        .await
        .expect_ok(200);
    // Acknowledging before registering: out of order.
    api.step(&s, &id, &SET, Step::Complete, ack(1))
        .await
        .expect_code(409, 155805);
    // Malformed key, and a proof of possession for another challenge: 155866.
    let mut bad = register_payload(&made1);
    bad.recovery_public_key = Some(STANDARD.encode([4u8; 10]));
    api.step(&s, &id, &SET, Step::RegisterCloudBackup, bad)
        .await
        .expect_code(400, 155866);
    let other = NewCloudBackup::create(&ctx("another-challenge", &b1), &rng).unwrap();
    api.step(
        &s,
        &id,
        &SET,
        Step::RegisterCloudBackup,
        register_payload(&other),
    )
    .await
    .expect_code(400, 155866);
    api.step(
        &s,
        &id,
        &SET,
        Step::RegisterCloudBackup,
        register_payload(&made1),
    )
    .await
    .expect_ok(200);
    // Pending: not usable, not reported, but the descriptor (a resumed set-up) names it.
    assert_eq!(rows(&t).await, st(&[(1, "PENDING")]));
    assert_eq!(
        api.get_user("cb-user-01").await["cloudBackupStatus"],
        "UNSET"
    );
    restore(api, &s).await.expect_code(409, 155871);
    let d = api.descriptor(&s, &id).await.expect_ok(200).clone();
    assert_eq!(d["recovery"]["wrappedKey"], made1.wrapped_key.as_str());

    // ---- phase 2: acknowledge the registered version only
    api.step(&s, &id, &SET, Step::Complete, ack(2))
        .await
        .expect_code(400, 155873);
    let r = api.step(&s, &id, &SET, Step::Complete, ack(1)).await;
    assert_eq!(r.expect_ok(200)["status"], "COMPLETE");
    assert_eq!(rows(&t).await, st(&[(1, "ACTIVE")]));
    assert_eq!(
        api.get_user("cb-user-01").await["cloudBackupStatus"],
        "ENABLED"
    );

    // Nothing reversible at rest or in the logs: the backup key (raw, hex, base64) is in no
    // database file and no log line.
    let key = made1.key.expose().to_vec();
    let hex: String = key.iter().map(|x| format!("{x:02x}")).collect();
    let forbidden = [
        key.clone(),
        hex.into_bytes(),
        STANDARD.encode(&key).into_bytes(),
        made1.entry().to_vec(),
    ];
    if let Backend::Sqlite = b {
        let mut bytes = Vec::new();
        for e in walk(t.dir.path()) {
            bytes.extend(std::fs::read(e).unwrap());
        }
        assert!(bytes
            .windows(made1.public_key.len())
            .any(|w| w == made1.public_key.as_bytes()));
        for f in &forbidden {
            assert!(!bytes.windows(f.len()).any(|w| w == &f[..]));
        }
    }
    let text = logs.0.lock().unwrap().clone();
    assert!(!text.is_empty(), "logs were captured");
    for f in &forbidden {
        assert!(
            !text.windows(f.len()).any(|w| w == &f[..]),
            "key in the logs"
        );
    }

    // ---- a second set-up: pending v2 leaves v1 active (recovery works with v1 meanwhile)
    let (id2, b2, made2) = register(api, &s, PIN).await;
    assert_eq!(b2.version, 2);
    let d2 = api.descriptor(&s, &id2).await.expect_ok(200).clone();
    assert_eq!(d2["recovery"]["previousVersion"], 1);
    assert_eq!(rows(&t).await, st(&[(1, "ACTIVE"), (2, "PENDING")]));
    // (Proof only: completing a recovery changes the PIN, which fails set-ups whose PIN step
    // checked the old one, 155831.)
    recover_with(api, &s, &made1, 1, None).await;
    assert_eq!(rows(&t).await, st(&[(1, "ACTIVE"), (2, "PENDING")]));
    // The ack makes v2 active and v1 replaced, in one transaction.
    api.step(&s, &id2, &SET, Step::Complete, ack(2))
        .await
        .expect_ok(200);
    assert_eq!(rows(&t).await, st(&[(1, "REPLACED"), (2, "ACTIVE")]));
    recover(api, &s, &made2, 2, PIN2).await;
    // The backup stays usable after a recovery.
    assert_eq!(
        api.get_user("cb-user-01").await["cloudBackupStatus"],
        "ENABLED"
    );
    recover(api, &s, &made2, 2, PIN2).await;

    // ---- cancelled after registering: the pending version is abandoned, v2 stays
    let (id3, _, _) = register(api, &s, PIN2).await;
    api.send(api.client(
        reqwest::Method::POST,
        &format!("/v1/user/challenges/{id3}/cancel"),
        &s,
    ))
    .await
    .expect_ok(200);
    assert_eq!(
        rows(&t).await,
        st(&[(1, "REPLACED"), (2, "ACTIVE"), (3, "ABANDONED")])
    );

    // ---- two set-ups created together get the same version: the second registration loses
    let ia = api.challenge(&s, SET).await;
    let ib = api.challenge(&s, SET).await;
    let da = api.descriptor(&s, &ia).await.expect_ok(200).clone();
    let db = api.descriptor(&s, &ib).await.expect_ok(200).clone();
    let (ba, bb) = (binding(&da), binding(&db));
    assert_eq!((ba.version, bb.version), (4, 4));
    let ma = NewCloudBackup::create(&ctx(&ia, &ba), &rng).unwrap();
    let mb = NewCloudBackup::create(&ctx(&ib, &bb), &rng).unwrap();
    for i in [&ia, &ib] {
        api.step(&s, i, &SET, Step::CurrentPin, pin(PIN2))
            .await
            .expect_ok(200);
    }
    api.step(
        &s,
        &ia,
        &SET,
        Step::RegisterCloudBackup,
        register_payload(&ma),
    )
    .await
    .expect_ok(200);
    api.step(
        &s,
        &ib,
        &SET,
        Step::RegisterCloudBackup,
        register_payload(&mb),
    )
    .await
    .expect_code(409, 155872);
    assert_eq!(
        api.get_challenge(&s, &ib).await.expect_ok(200)["challenge"]["status"],
        "FAILED"
    );
    // ---- a newer set-up acknowledged first: the older pending one can no longer become active
    let (ic, bc, mc) = register(api, &s, PIN2).await;
    assert_eq!(bc.version, 5);
    api.step(&s, &ic, &SET, Step::Complete, ack(5))
        .await
        .expect_ok(200);
    api.step(&s, &ia, &SET, Step::Complete, ack(4))
        .await
        .expect_code(409, 155872);
    assert_eq!(
        rows(&t).await,
        st(&[
            (1, "REPLACED"),
            (2, "REPLACED"),
            (3, "ABANDONED"),
            (4, "ABANDONED"),
            (5, "ACTIVE")
        ])
    );
    // A recovery bound to v5 fails cleanly if v5 is replaced before it completes.
    let r = restore(api, &s).await.expect_ok(201)["challengeId"]
        .as_str()
        .unwrap()
        .to_owned();
    let dr = api.descriptor(&s, &r).await.expect_ok(200).clone();
    let br = binding(&dr);
    let (i6, _, _) = register(api, &s, PIN2).await;
    api.step(&s, &i6, &SET, Step::Complete, ack(6))
        .await
        .expect_ok(200);
    let sig = prove_with_backup(&mc.entry(), &mc.wrapped_key, &ctx(&r, &br), &rng).unwrap();
    api.step(&s, &r, &rt, Step::RecoveryProof, proof(sig))
        .await
        .expect_code(409, 155872);

    // ---- wrong proofs count on the shared recovery counter
    let r = restore(api, &s).await.expect_ok(201)["challengeId"]
        .as_str()
        .unwrap()
        .to_owned();
    let dr = api.descriptor(&s, &r).await.expect_ok(200).clone();
    let br = binding(&dr);
    assert_eq!(br.version, 6);
    let stranger = RecoveryKeyPair::generate(&rng).unwrap();
    let bad = || proof(stranger.sign_proof(&ctx(&r, &br), &rng).unwrap());
    let x = api.step(&s, &r, &rt, Step::RecoveryProof, bad()).await;
    assert_eq!(x.expect_code(400, 155861).body["attemptsLeft"], 2);
    assert_eq!(
        api.get_user("cb-user-01").await["securityQuestionDetails"]["failedAttempts"],
        1,
        "one count for every recovery method"
    );
    let x = api.step(&s, &r, &rt, Step::RecoveryProof, bad()).await;
    assert_eq!(x.expect_code(400, 155861).body["attemptsLeft"], 1);
    let x = api.step(&s, &r, &rt, Step::RecoveryProof, bad()).await;
    x.expect_code(423, 155863);
    assert_eq!(
        api.get_user("cb-user-01").await["cloudBackupStatus"],
        "LOCKED"
    );
    t.stop().await;
}
both_backends!(cloud_backup_end_to_end, scenario);

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
