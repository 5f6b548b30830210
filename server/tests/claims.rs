//! Envelope claims and their lease. A process killed between claiming an envelope's digest and
//! recording its reply leaves a claim with no reply; these tests write exactly that row into the
//! real database (SQLite, or PostgreSQL when `LATCHKEY_TEST_POSTGRES_URL` is set) and show that
//! a resend of the identical envelope
//! * while the claim is young gets 409 155816 with `Retry-After: 1` (and changes nothing),
//! * after the lease takes the claim over and gets a final answer, counting no guess beyond the
//!   one the dead attempt reserved (and exactly one when it died before reserving),
//! * of several at once, only one takes the claim over,
//! * and that a taken-over COMPLETE completes once.

mod common;

use common::*;
use latchkey_protocol::{ChallengeType, Step};
use sqlx::{AnyConnection, Connection};
use std::time::Duration;

const PIN: &str = "135790";
const WRONG: &str = "000001";
const LEASE: Duration = Duration::from_millis(400);

fn digest(envelope: &str) -> String {
    ring::digest::digest(&ring::digest::SHA256, envelope.as_bytes())
        .as_ref()
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

fn now_ms() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_millis() as i64
}

async fn db(t: &TestServer) -> AnyConnection {
    sqlx::any::install_default_drivers();
    AnyConnection::connect(&t.config.effective_database_url())
        .await
        .expect("second connection to the test database")
}

/// What a process killed mid-request leaves behind: the claim (no reply) taken at
/// `claimed_at`, and, if it got that far, the committed guess reservation (count + 1, marked on
/// the claim).
async fn dead_claim(
    t: &TestServer,
    challenge: &str,
    envelope: &str,
    claimed_at: i64,
    reserved_pin_guess: Option<&str>,
) {
    let mut c = db(t).await;
    sqlx::query(
        "INSERT INTO envelope_replies (challenge_id, digest, http_status, body, created_at, claimed_at, guess_reserved) \
         VALUES ($1, $2, 0, '', $3, $3, $4)",
    )
    .bind(challenge)
    .bind(digest(envelope))
    .bind(claimed_at)
    .bind(i64::from(reserved_pin_guess.is_some()))
    .execute(&mut c)
    .await
    .unwrap();
    if let Some(user) = reserved_pin_guess {
        sqlx::query("UPDATE users SET pin_failed = pin_failed + 1 WHERE id = $1")
            .bind(user)
            .execute(&mut c)
            .await
            .unwrap();
    }
    c.close().await.ok();
}

async fn failed(t: &TestServer, user: &str) -> u64 {
    t.api.get_user(user).await["pinDetails"]["failedAttempts"]
        .as_u64()
        .unwrap()
}

/// A user with PIN `PIN` and a CHANGE_PIN challenge past its descriptor.
async fn change_pin(t: &TestServer, user: &str) -> (Session, String) {
    let s = t.api.new_user(user).await;
    t.api.initialize(&s, PIN).await;
    let id = t.api.challenge(&s, ChallengeType::ChangePin).await;
    t.api.descriptor(&s, &id).await.expect_ok(200);
    (s, id)
}

async fn young_claim_answers_in_progress(b: Backend) {
    let t = TestServer::start(&b, |c| c.claim_lease = Duration::from_secs(30)).await;
    let (s, id) = change_pin(&t, "claim-young").await;
    let env = t.api.seal(
        &s,
        &id,
        &ChallengeType::ChangePin,
        &Step::CurrentPin,
        &pin(PIN),
    );
    dead_claim(&t, &id, &env, now_ms(), None).await;

    let resp = t
        .api
        .client(
            reqwest::Method::POST,
            &format!("/v1/user/challenges/{id}/steps"),
            &s,
        )
        .json(&serde_json::json!({"step": "CURRENT_PIN", "envelope": env}))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status().as_u16(), 409);
    assert_eq!(
        resp.headers()
            .get("retry-after")
            .and_then(|v| v.to_str().ok()),
        Some("1")
    );
    let body: serde_json::Value = resp.json().await.unwrap();
    assert_eq!(body["code"], 155816, "{body}");
    // Nothing happened: no guess, step not verified.
    assert_eq!(failed(&t, "claim-young").await, 0);
    let d = t.api.descriptor(&s, &id).await;
    assert_eq!(d.data()["verifiedSteps"], serde_json::json!([]));
    assert_eq!(d.data()["pinAttemptsLeft"], 3);

    // A different envelope for an already verified step is still the final 155805.
    t.api
        .step(
            &s,
            &id,
            &ChallengeType::ChangePin,
            Step::CurrentPin,
            pin(PIN),
        )
        .await
        .expect_ok(200);
    t.api
        .step(
            &s,
            &id,
            &ChallengeType::ChangePin,
            Step::CurrentPin,
            pin(PIN),
        )
        .await
        .expect_code(409, 155805);
    t.stop().await;
}
both_backends!(young_claim, young_claim_answers_in_progress);

async fn stale_claim_is_taken_over(b: Backend) {
    let t = TestServer::start(&b, |c| c.claim_lease = LEASE).await;
    let (s, id) = change_pin(&t, "claim-stale").await;
    let kind = ChallengeType::ChangePin;
    let old = now_ms() - 60_000;

    // 1. A wrong PIN whose process died after reserving its guess: the resend answers it, and
    //    the count stays at the one reserved guess.
    let wrong = t.api.seal(&s, &id, &kind, &Step::CurrentPin, &pin(WRONG));
    dead_claim(&t, &id, &wrong, old, Some("claim-stale")).await;
    assert_eq!(failed(&t, "claim-stale").await, 1);
    let r = t
        .api
        .post_envelope(&s, &id, &Step::CurrentPin, &wrong)
        .await;
    r.expect_code(400, 155112);
    assert_eq!(r.body["attemptsLeft"], 2, "{:?}", r.body);
    assert_eq!(failed(&t, "claim-stale").await, 1, "no second guess");
    // The reply is now recorded: resends replay it, still one guess.
    let r = t
        .api
        .post_envelope(&s, &id, &Step::CurrentPin, &wrong)
        .await;
    r.expect_code(400, 155112);
    assert_eq!(r.body["attemptsLeft"], 2);
    assert_eq!(failed(&t, "claim-stale").await, 1);

    // 2. A wrong PIN whose process died before reserving: the takeover counts exactly one.
    let wrong2 = t
        .api
        .seal(&s, &id, &kind, &Step::CurrentPin, &pin("000002"));
    dead_claim(&t, &id, &wrong2, old, None).await;
    let r = t
        .api
        .post_envelope(&s, &id, &Step::CurrentPin, &wrong2)
        .await;
    r.expect_code(400, 155112);
    assert_eq!(r.body["attemptsLeft"], 1);
    assert_eq!(failed(&t, "claim-stale").await, 2);

    // 3. The right PIN, reserved by the dead attempt (count 3 = max: the reservation locked):
    //    the takeover verifies it without a new reservation, and success resets the count.
    let right = t.api.seal(&s, &id, &kind, &Step::CurrentPin, &pin(PIN));
    let mut c = db(&t).await;
    let until = now_ms() + 60_000;
    sqlx::query("UPDATE users SET pin_locked_at = $1, pin_locked_until = $2 WHERE id = $3")
        .bind(now_ms())
        .bind(until)
        .bind("claim-stale")
        .execute(&mut c)
        .await
        .unwrap();
    c.close().await.ok();
    dead_claim(&t, &id, &right, old, Some("claim-stale")).await;
    assert_eq!(failed(&t, "claim-stale").await, 3);
    let r = t
        .api
        .post_envelope(&s, &id, &Step::CurrentPin, &right)
        .await;
    let d = r.expect_ok(200);
    assert_eq!(d["verifiedSteps"], serde_json::json!(["CURRENT_PIN"]));
    assert_eq!(failed(&t, "claim-stale").await, 0);
    assert_eq!(
        t.api.get_user("claim-stale").await["pinStatus"],
        "ENABLED",
        "lock cleared by the successful guess"
    );

    // 4. COMPLETE whose process died before completing: the takeover completes, once.
    let done = t
        .api
        .seal(&s, &id, &kind, &Step::Complete, &new_pin("246801"));
    dead_claim(&t, &id, &done, old, None).await;
    let r = t.api.post_envelope(&s, &id, &Step::Complete, &done).await;
    assert_eq!(r.expect_ok(200)["status"], "COMPLETE");
    let again = t.api.post_envelope(&s, &id, &Step::Complete, &done).await;
    assert_eq!(again.expect_ok(200)["status"], "COMPLETE", "recorded reply");
    t.api
        .step(&s, &id, &kind, Step::Complete, new_pin("975310"))
        .await
        .expect_code(409, 155804);
    // The new PIN is the one that took effect.
    let id2 = t.api.challenge(&s, ChallengeType::ChangePin).await;
    t.api.descriptor(&s, &id2).await.expect_ok(200);
    t.api
        .step(&s, &id2, &kind, Step::CurrentPin, pin("246801"))
        .await
        .expect_ok(200);
    t.stop().await;
}
both_backends!(stale_claim, stale_claim_is_taken_over);

/// Twelve resends of an envelope whose claim is stale, at once: exactly one takes it over; the
/// others get 155816 or the reply it recorded; one guess counted in total.
async fn concurrent_takeover_is_single(b: Backend) {
    let t = TestServer::start(&b, |c| c.claim_lease = LEASE).await;
    let (s, id) = change_pin(&t, "claim-race").await;
    let env = t.api.seal(
        &s,
        &id,
        &ChallengeType::ChangePin,
        &Step::CurrentPin,
        &pin(WRONG),
    );
    dead_claim(&t, &id, &env, now_ms() - 60_000, Some("claim-race")).await;
    let mut set = tokio::task::JoinSet::new();
    for _ in 0..12 {
        let (api, s, id, env) = (t.api.clone(), s.clone(), id.clone(), env.clone());
        set.spawn(async move { api.post_envelope(&s, &id, &Step::CurrentPin, &env).await });
    }
    let mut answered = 0;
    while let Some(r) = set.join_next().await {
        let r = r.unwrap();
        match (r.status, r.code()) {
            (400, 155112) => {
                assert_eq!(r.body["attemptsLeft"], 2);
                answered += 1;
            }
            (409, 155816) => {}
            other => panic!("unexpected reply {other:?} {:?}", r.body),
        }
    }
    assert!(answered >= 1);
    assert_eq!(failed(&t, "claim-race").await, 1, "one guess in total");
    t.stop().await;
}
both_backends!(concurrent_takeover, concurrent_takeover_is_single);
