//! Issue 12 hardening (server): admission control under Argon2 load, the guess budget that
//! runs out, verified steps bound to the credential version they checked, and the
//! docs-vs-server decisions (malformed current PIN, locked vs finished). Real server over
//! loopback, SQLite and PostgreSQL.

mod common;

use common::*;
use latchkey_protocol::{ChallengeType, Step, StepPayload};
use std::collections::HashMap;
use std::time::Duration;

fn right_answers() -> latchkey_protocol::StepPayload {
    answers_payload(vec![
        answer("q01", "rex", None),
        answer("q10", "2004-07-14", None),
    ])
}

fn runs(t: &TestServer) -> u64 {
    t.server.as_ref().unwrap().argon2_runs()
}

/// Fires `envs` at once at one challenge's step and tallies (status, code).
async fn fire(
    api: &Api,
    s: &Session,
    id: &str,
    step: Step,
    envs: Vec<String>,
) -> HashMap<(u16, u64), usize> {
    let barrier = std::sync::Arc::new(tokio::sync::Barrier::new(envs.len()));
    let mut set = tokio::task::JoinSet::new();
    for env in envs {
        let (api, s, id, step, barrier) = (
            api.clone(),
            s.clone(),
            id.to_owned(),
            step.clone(),
            barrier.clone(),
        );
        set.spawn(async move {
            barrier.wait().await;
            api.post_envelope(&s, &id, &step, &env).await
        });
    }
    let mut counts = HashMap::new();
    while let Some(r) = set.join_next().await {
        let r = r.unwrap();
        *counts.entry((r.status, r.code())).or_default() += 1;
    }
    counts
}

/// N different COMPLETE envelopes at one challenge cost one Argon2 hash (two for INITIALIZE),
/// not N (2N): one is processed under the challenge's step lock, the others get 155816
/// without any Argon2, and after completion every later one gets 155804.
async fn flood_costs_a_handful(b: Backend) {
    let t = TestServer::start(&b, |_| {}).await;
    let api = &t.api;
    let s = api.new_user("flood-user").await;
    let ty = ChallengeType::Initialize;
    let id = api.challenge(&s, ty.clone()).await;
    let envs: Vec<String> = (0..100)
        .map(|_| api.seal(&s, &id, &ty, &Step::Complete, &init_payload("135790")))
        .collect();
    let before = runs(&t);
    let counts = fire(api, &s, &id, Step::Complete, envs).await;
    let cost = runs(&t) - before;
    assert_eq!(
        counts.get(&(200, 0)),
        Some(&1),
        "one completion: {counts:?}"
    );
    assert!(
        cost <= 2,
        "INITIALIZE flood cost {cost} Argon2 runs: {counts:?}"
    );

    let ty = ChallengeType::ChangePin;
    let id = api.challenge(&s, ty.clone()).await;
    api.step(&s, &id, &ty, Step::CurrentPin, pin("135790"))
        .await
        .expect_ok(200);
    let envs: Vec<String> = (0..100)
        .map(|_| api.seal(&s, &id, &ty, &Step::Complete, &new_pin("864201")))
        .collect();
    let before = runs(&t);
    let counts = fire(api, &s, &id, Step::Complete, envs).await;
    let cost = runs(&t) - before;
    assert_eq!(
        counts.get(&(200, 0)),
        Some(&1),
        "one completion: {counts:?}"
    );
    assert!(
        cost <= 1,
        "CHANGE_PIN flood cost {cost} Argon2 runs: {counts:?}"
    );

    // Right PIN in 100 different CURRENT_PIN envelopes: verified once, one Argon2 run.
    let id = api.challenge(&s, ty.clone()).await;
    let envs: Vec<String> = (0..100)
        .map(|_| api.seal(&s, &id, &ty, &Step::CurrentPin, &pin("864201")))
        .collect();
    let before = runs(&t);
    let counts = fire(api, &s, &id, Step::CurrentPin, envs).await;
    let cost = runs(&t) - before;
    assert_eq!(counts.get(&(200, 0)), Some(&1), "verified once: {counts:?}");
    assert!(
        cost <= 1,
        "CURRENT_PIN flood cost {cost} Argon2 runs: {counts:?}"
    );
    t.stop().await;
}
both_backends!(
    flood_of_envelopes_costs_few_argon2_runs,
    flood_costs_a_handful
);

/// A full Argon2 queue answers 503 155830 with Retry-After at once and counts nothing.
async fn busy_sheds(b: Backend) {
    let t = TestServer::start(&b, |c| {
        c.argon2_concurrency = 1;
        c.argon2_in_flight = 1;
        c.argon2_queue = 0;
        c.argon2_memory_kib = 16 * 1024;
        c.argon2_iterations = 2;
    })
    .await;
    let api = &t.api;
    let ty = ChallengeType::ChangePin;
    let mut prepared = Vec::new();
    for i in 0..8 {
        let user = format!("busy-user-{i}");
        let s = api.new_user(&user).await;
        api.initialize(&s, "135790").await;
        let id = api.challenge(&s, ty.clone()).await;
        let env = api.seal(&s, &id, &ty, &Step::CurrentPin, &pin("000001"));
        prepared.push((user, s, id, env));
    }
    let barrier = std::sync::Arc::new(tokio::sync::Barrier::new(prepared.len()));
    let mut set = tokio::task::JoinSet::new();
    for (user, s, id, env) in prepared {
        let (api, barrier) = (api.clone(), barrier.clone());
        set.spawn(async move {
            barrier.wait().await;
            let r = api
                .http
                .post(api.url(&format!("/v1/user/challenges/{id}/steps")))
                .header("X-User-Token", &s.token)
                .json(&serde_json::json!({"step": "CURRENT_PIN", "envelope": env}))
                .send()
                .await
                .unwrap();
            let retry = r.headers().get("retry-after").is_some();
            let status = r.status().as_u16();
            let body: serde_json::Value = r.json().await.unwrap();
            (user, status, body["code"].as_u64().unwrap_or(0), retry)
        });
    }
    let mut busy = 0;
    while let Some(r) = set.join_next().await {
        let (user, status, code, retry) = r.unwrap();
        let failed = api.get_user(&user).await["pinDetails"]["failedAttempts"].clone();
        match (status, code) {
            (503, 155830) => {
                assert!(retry, "503 without Retry-After");
                assert_eq!(failed, 0, "a refused request counted a guess");
                busy += 1;
            }
            (400, 155112) => assert_eq!(failed, 1),
            other => panic!("unexpected {other:?}"),
        }
    }
    assert!(busy > 0, "no request was shed");
    t.stop().await;
}
both_backends!(full_argon2_queue_answers_503, busy_sheds);

/// CHANGE_PIN verified against the old PIN cannot overwrite a PIN just restored by
/// RESTORE_PIN: the restore fails the open CHANGE_PIN (155831) and its completion is refused.
async fn bound_to_version(b: Backend) {
    let t = TestServer::start(&b, |_| {}).await;
    let api = &t.api;
    let s = api.new_user("bound-user").await;
    api.initialize(&s, "135790").await;
    // The thief knows the old PIN and verifies it in a CHANGE_PIN.
    let ct = ChallengeType::ChangePin;
    let change = api.challenge(&s, ct.clone()).await;
    api.step(&s, &change, &ct, Step::CurrentPin, pin("135790"))
        .await
        .expect_ok(200);
    // The user restores a new PIN with the answers.
    let rt = ChallengeType::RestorePin;
    let restore = api.challenge(&s, rt.clone()).await;
    api.step(&s, &restore, &rt, Step::Answers, right_answers())
        .await
        .expect_ok(200);
    api.step(&s, &restore, &rt, Step::Complete, new_pin("864201"))
        .await
        .expect_ok(200);
    // The CHANGE_PIN relied on the old PIN: failed with 155831, cannot complete.
    let c = api.get_challenge(&s, &change).await;
    assert_eq!(c.expect_ok(200)["challenge"]["status"], "FAILED");
    assert_eq!(c.body["data"]["challenge"]["errorCode"], 155831);
    api.step(&s, &change, &ct, Step::Complete, new_pin("246801"))
        .await
        .expect_code(409, 155804);
    // The restored PIN holds.
    let id = api.challenge(&s, ct.clone()).await;
    api.step(&s, &id, &ct, Step::CurrentPin, pin("864201"))
        .await
        .expect_ok(200);
    t.stop().await;
}
both_backends!(change_pin_cannot_overwrite_restored_pin, bound_to_version);

/// A malformed current PIN is 155704 and costs no guess.
async fn malformed(b: Backend) {
    let t = TestServer::start(&b, |_| {}).await;
    let api = &t.api;
    let s = api.new_user("format-user").await;
    api.initialize(&s, "135790").await;
    let ty = ChallengeType::ChangePin;
    let id = api.challenge(&s, ty.clone()).await;
    for bad in ["12345", "abcdef", "1234567"] {
        api.step(&s, &id, &ty, Step::CurrentPin, pin(bad))
            .await
            .expect_code(400, 155704);
    }
    let u = api.get_user("format-user").await;
    assert_eq!(u["pinDetails"]["failedAttempts"], 0);
    let d = api.descriptor(&s, &id).await;
    assert_eq!(d.expect_ok(200)["pinAttemptsLeft"], 3);
    api.step(&s, &id, &ty, Step::CurrentPin, pin("135790"))
        .await
        .expect_ok(200);
    t.stop().await;
}
both_backends!(malformed_current_pin_is_not_a_guess, malformed);

/// Once a lock fails a challenge, every later step on it is 409 155804 (finished), never 423;
/// 423 155119 is only for an active challenge (which it then fails).
async fn locked_vs_finished(b: Backend) {
    let t = TestServer::start(&b, |_| {}).await;
    let api = &t.api;
    let s = api.new_user("lockfin-user").await;
    api.initialize(&s, "135790").await;
    let ty = ChallengeType::ChangePin;
    let id = api.challenge(&s, ty.clone()).await;
    for (p, want) in [("000001", 400), ("000002", 400), ("000003", 423)] {
        assert_eq!(
            api.step(&s, &id, &ty, Step::CurrentPin, pin(p))
                .await
                .status,
            want
        );
    }
    for p in ["000004", "135790"] {
        api.step(&s, &id, &ty, Step::CurrentPin, pin(p))
            .await
            .expect_code(409, 155804);
    }
    let other = api.challenge(&s, ty.clone()).await;
    api.step(&s, &other, &ty, Step::CurrentPin, pin("135790"))
        .await
        .expect_code(423, 155119);
    api.step(&s, &other, &ty, Step::CurrentPin, pin("135790"))
        .await
        .expect_code(409, 155804);
    t.stop().await;
}
both_backends!(locked_then_finished_answers_155804, locked_vs_finished);

/// Locks grow (lock_duration, then lock_schedule) and a lifetime cap of consecutive wrong
/// guesses disables the PIN (155832, recoveryRequired) until RESTORE_PIN.
async fn budget_runs_out(b: Backend) {
    let t = TestServer::start(&b, |c| {
        c.max_attempts = 1;
        c.lock_duration = Duration::from_secs(1);
        c.lock_schedule = vec![Duration::from_secs(3)];
        c.max_failed_total = 3;
    })
    .await;
    let api = &t.api;
    let s = api.new_user("budget-user").await;
    api.initialize(&s, "135790").await;
    let ty = ChallengeType::ChangePin;
    let mut lengths = Vec::new();
    for round in 1..=2 {
        let id = api.challenge(&s, ty.clone()).await;
        api.step(&s, &id, &ty, Step::CurrentPin, pin("000001"))
            .await
            .expect_code(423, 155119);
        let u = api.get_user("budget-user").await;
        let d = &u["pinDetails"];
        assert_eq!(d["lockLevel"], round);
        assert_eq!(d["failedAttemptsTotal"], round);
        assert_eq!(d["recoveryRequired"], false);
        let at = humantime::parse_rfc3339(d["lockedDate"].as_str().unwrap()).unwrap();
        let until = humantime::parse_rfc3339(d["lockedExpiryDate"].as_str().unwrap()).unwrap();
        let len = until.duration_since(at).unwrap();
        lengths.push(len);
        // Dates have whole seconds: wait a second more than the lock.
        tokio::time::sleep(len + Duration::from_millis(1100)).await;
    }
    assert!(lengths[1] > lengths[0], "locks grow: {lengths:?}");
    // The third wrong PIN in a row reaches the cap: disabled, recovery required.
    let id = api.challenge(&s, ty.clone()).await;
    api.step(&s, &id, &ty, Step::CurrentPin, pin("000001"))
        .await
        .expect_code(423, 155832);
    let u = api.get_user("budget-user").await;
    assert_eq!(u["pinStatus"], "LOCKED");
    assert_eq!(u["pinDetails"]["recoveryRequired"], true);
    assert!(u["pinDetails"]["lockedExpiryDate"].is_null());
    // Even the right PIN, much later, is refused: the budget does not come back.
    tokio::time::sleep(Duration::from_millis(3500)).await;
    let id = api.challenge(&s, ty.clone()).await;
    api.step(&s, &id, &ty, Step::CurrentPin, pin("135790"))
        .await
        .expect_code(423, 155832);
    // RESTORE_PIN sets a new PIN and clears everything.
    let rt = ChallengeType::RestorePin;
    let id = api.challenge(&s, rt.clone()).await;
    api.step(&s, &id, &rt, Step::Answers, right_answers())
        .await
        .expect_ok(200);
    api.step(&s, &id, &rt, Step::Complete, new_pin("864201"))
        .await
        .expect_ok(200);
    let u = api.get_user("budget-user").await;
    assert_eq!(u["pinStatus"], "ENABLED");
    assert_eq!(u["pinDetails"]["recoveryRequired"], false);
    assert_eq!(u["pinDetails"]["failedAttemptsTotal"], 0);
    assert_eq!(u["pinDetails"]["lockLevel"], 0);
    t.stop().await;
}
both_backends!(guess_budget_runs_out, budget_runs_out);

/// Wrong recovery answers have their own budget with the same rules: growing locks (155120
/// with the lock end), then a lifetime cap that disables the answers (155833,
/// `recoveryRequired`), separate from the PIN's budget; even the right answers are refused
/// after the cap.
async fn answer_budget_runs_out(b: Backend) {
    let t = TestServer::start(&b, |c| {
        c.max_attempts = 1;
        c.lock_duration = Duration::from_secs(1);
        c.lock_schedule = vec![Duration::from_secs(3)];
        c.max_failed_total = 3;
    })
    .await;
    let api = &t.api;
    let s = api.new_user("answer-budget").await;
    api.initialize(&s, "135790").await;
    let rt = ChallengeType::RestorePin;
    let wrong = || {
        answers_payload(vec![
            answer("q01", "max", None),
            answer("q10", "2004-07-15", None),
        ])
    };
    let mut lengths = Vec::new();
    for round in 1..=2 {
        let id = api.challenge(&s, rt.clone()).await;
        api.step(&s, &id, &rt, Step::Answers, wrong())
            .await
            .expect_code(423, 155120);
        let u = api.get_user("answer-budget").await;
        let d = &u["securityQuestionDetails"];
        assert_eq!(u["securityQuestionStatus"], "LOCKED");
        assert_eq!(d["lockLevel"], round);
        assert_eq!(d["failedAttemptsTotal"], round);
        assert_eq!(d["recoveryRequired"], false);
        // The PIN's budget is untouched.
        assert_eq!(u["pinDetails"]["failedAttemptsTotal"], 0);
        assert_eq!(u["pinStatus"], "ENABLED");
        let at = humantime::parse_rfc3339(d["lockedDate"].as_str().unwrap()).unwrap();
        let until = humantime::parse_rfc3339(d["lockedExpiryDate"].as_str().unwrap()).unwrap();
        let len = until.duration_since(at).unwrap();
        lengths.push(len);
        tokio::time::sleep(len + Duration::from_millis(1100)).await;
    }
    assert!(lengths[1] > lengths[0], "answer locks grow: {lengths:?}");
    let id = api.challenge(&s, rt.clone()).await;
    api.step(&s, &id, &rt, Step::Answers, wrong())
        .await
        .expect_code(423, 155833);
    let u = api.get_user("answer-budget").await;
    assert_eq!(u["securityQuestionDetails"]["recoveryRequired"], true);
    assert!(u["securityQuestionDetails"]["lockedExpiryDate"].is_null());
    assert_eq!(u["pinDetails"]["recoveryRequired"], false);
    tokio::time::sleep(Duration::from_millis(3500)).await;
    let id = api.challenge(&s, rt.clone()).await;
    api.step(&s, &id, &rt, Step::Answers, right_answers())
        .await
        .expect_code(423, 155833);
    // The PIN still works (its own budget).
    let ty = ChallengeType::ChangePin;
    let id = api.challenge(&s, ty.clone()).await;
    api.step(&s, &id, &ty, Step::CurrentPin, pin("135790"))
        .await
        .expect_ok(200);
    t.stop().await;
}
both_backends!(wrong_answers_budget_runs_out, answer_budget_runs_out);

/// Answers disabled by the lifetime cap (155833) come back through a PIN-gated
/// SET_SECURITY_QUESTIONS: creating it is allowed (before: 409 155108, no way back), its
/// COMPLETE needs the verified CURRENT_PIN, replaces the questions and answers and resets the
/// answers' counts; the new answers then restore the PIN. Without the PIN it cannot complete.
async fn disabled_answers_come_back(b: Backend) {
    let t = TestServer::start(&b, |c| {
        c.max_attempts = 1;
        c.max_failed_total = 1;
    })
    .await;
    let api = &t.api;
    let s = api.new_user("answers-back").await;
    api.initialize(&s, "135790").await;
    let rt = ChallengeType::RestorePin;
    let id = api.challenge(&s, rt.clone()).await;
    let wrong = answers_payload(vec![
        answer("q01", "max", None),
        answer("q10", "2004-07-15", None),
    ]);
    api.step(&s, &id, &rt, Step::Answers, wrong)
        .await
        .expect_code(423, 155833);
    let u = api.get_user("answers-back").await;
    assert_eq!(u["securityQuestionDetails"]["recoveryRequired"], true);

    // Answers that are set but not disabled still cannot be replaced (155108): see the test
    // `set_pin_and_questions`. Disabled ones can, with the PIN.
    let st = ChallengeType::SetSecurityQuestions;
    let id = api.challenge(&s, st.clone()).await;
    let new_answers = StepPayload {
        answers: Some(vec![
            answer("q02", "Lisbon", None),
            answer("q10", "1999-01-31", None),
        ]),
        acknowledged: Some(true),
        ..Default::default()
    };
    // No COMPLETE before the PIN, and a wrong PIN counts against the PIN's own budget.
    api.step(&s, &id, &st, Step::Complete, new_answers.clone())
        .await
        .expect_code(409, 155805);
    api.step(&s, &id, &st, Step::CurrentPin, pin("135790"))
        .await
        .expect_ok(200);
    api.step(&s, &id, &st, Step::Complete, new_answers)
        .await
        .expect_ok(200);
    let u = api.get_user("answers-back").await;
    assert_eq!(u["securityQuestionStatus"], "ENABLED");
    let d = &u["securityQuestionDetails"];
    assert_eq!(d["recoveryRequired"], false);
    assert_eq!(d["failedAttemptsTotal"], 0);
    assert_eq!(d["failedAttempts"], 0);
    assert_eq!(d["lockLevel"], 0);
    // Now set and enabled: a second replacement is refused again.
    api.create_challenge(
        &s,
        st.clone(),
        serde_json::json!({"idempotencyKey": "answers-back-2"}),
    )
    .await
    .expect_code(409, 155108);
    // The old questions are gone (the old answers no longer fit: 155807, no guess counted);
    // the new answers restore the PIN.
    let id = api.challenge(&s, rt.clone()).await;
    api.step(&s, &id, &rt, Step::Answers, right_answers())
        .await
        .expect_code(400, 155807);
    let id = api.challenge(&s, rt.clone()).await;
    let right_new = answers_payload(vec![
        answer("q02", "lisbon", None),
        answer("q10", "1999-01-31", None),
    ]);
    api.step(&s, &id, &rt, Step::Answers, right_new)
        .await
        .expect_ok(200);
    api.step(&s, &id, &rt, Step::Complete, new_pin("864201"))
        .await
        .expect_ok(200);
    t.stop().await;

    // `--answers-reset-with-pin false`: only the operator's reset remains.
    let t = TestServer::start(&b, |c| {
        c.max_attempts = 1;
        c.max_failed_total = 1;
        c.answers_reset_with_pin = false;
    })
    .await;
    let api = &t.api;
    let s = api.new_user("answers-stay").await;
    api.initialize(&s, "135790").await;
    let id = api.challenge(&s, rt.clone()).await;
    let wrong = answers_payload(vec![
        answer("q01", "max", None),
        answer("q10", "2004-07-15", None),
    ]);
    api.step(&s, &id, &rt, Step::Answers, wrong)
        .await
        .expect_code(423, 155833);
    api.create_challenge(
        &s,
        st.clone(),
        serde_json::json!({"idempotencyKey": "answers-stay-1"}),
    )
    .await
    .expect_code(409, 155108);
    t.stop().await;
}
both_backends!(
    disabled_answers_come_back_with_the_pin,
    disabled_answers_come_back
);

/// A client that never finishes its request headers (slowloris) is disconnected after the
/// header-read timeout.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn half_sent_headers_are_dropped() {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let t = TestServer::start(&Backend::Sqlite, |c| {
        c.header_read_timeout = Duration::from_millis(500)
    })
    .await;
    let addr = t.server.as_ref().unwrap().local_addr();
    let mut sock = tokio::net::TcpStream::connect(addr).await.unwrap();
    sock.write_all(b"GET /v1/health HTTP/1.1\r\nHost: x\r\nX-Slow: 1")
        .await
        .unwrap();
    let mut buf = [0u8; 512];
    let closed = tokio::time::timeout(Duration::from_secs(5), async {
        loop {
            match sock.read(&mut buf).await {
                Ok(0) | Err(_) => return true,
                Ok(_) => continue,
            }
        }
    })
    .await;
    assert_eq!(closed, Ok(true), "the half-sent request was not dropped");
    // A complete request is served as usual.
    let r = t.api.send(t.api.http.get(t.api.url("/v1/health"))).await;
    r.expect_ok(200);
    t.stop().await;
}

/// A right guess whose own reservation reaches the lifetime cap clears the cap (the guesser
/// has just proved the PIN). Before, the step succeeded but the credential stayed disabled:
/// the next right PIN got 423 155832, and a RESTORE_PIN that answered right at the cap left
/// the answers disabled.
async fn right_guess_at_the_cap(b: Backend) {
    let t = TestServer::start(&b, |c| c.max_failed_total = 2).await;
    let api = &t.api;
    let s = api.new_user("cap-right-user").await;
    api.initialize(&s, "135790").await;
    let ty = ChallengeType::ChangePin;
    let id = api.challenge(&s, ty.clone()).await;
    api.step(&s, &id, &ty, Step::CurrentPin, pin("000001"))
        .await
        .expect_code(400, 155112);
    // The second guess in a row reaches the cap (2), and is right.
    api.step(&s, &id, &ty, Step::CurrentPin, pin("135790"))
        .await
        .expect_ok(200);
    let u = api.get_user("cap-right-user").await;
    assert_eq!(u["pinStatus"], "ENABLED");
    assert_eq!(u["pinDetails"]["recoveryRequired"], false);
    assert_eq!(u["pinDetails"]["failedAttemptsTotal"], 0);
    let id = api.challenge(&s, ty.clone()).await;
    api.step(&s, &id, &ty, Step::CurrentPin, pin("135790"))
        .await
        .expect_ok(200);
    // The same for the answers, through a RESTORE_PIN.
    let rt = ChallengeType::RestorePin;
    let id = api.challenge(&s, rt.clone()).await;
    let wrong = answers_payload(vec![
        answer("q01", "max", None),
        answer("q10", "2004-07-15", None),
    ]);
    api.step(&s, &id, &rt, Step::Answers, wrong)
        .await
        .expect_code(400, 155115);
    api.step(&s, &id, &rt, Step::Answers, right_answers())
        .await
        .expect_ok(200);
    api.step(&s, &id, &rt, Step::Complete, new_pin("864201"))
        .await
        .expect_ok(200);
    let u = api.get_user("cap-right-user").await;
    assert_eq!(u["securityQuestionStatus"], "ENABLED");
    assert_eq!(u["securityQuestionDetails"]["recoveryRequired"], false);
    t.stop().await;
}
both_backends!(right_guess_at_the_cap_clears_it, right_guess_at_the_cap);

/// A client that sends its headers but stalls in the body is answered 408 155801 after the
/// request timeout (before issue 12 nothing bounded it) and the connection is not held.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn stalled_body_gets_408() {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let t = TestServer::start(&Backend::Sqlite, |c| {
        c.request_timeout = Duration::from_millis(500)
    })
    .await;
    let addr = t.server.as_ref().unwrap().local_addr();
    let mut sock = tokio::net::TcpStream::connect(addr).await.unwrap();
    let head =
        "POST /v1/users HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer test-api-key-0123456789\r\n\
                Content-Type: application/json\r\nContent-Length: 60\r\n\r\n{\"userId\": \"slow";
    sock.write_all(head.as_bytes()).await.unwrap();
    let mut reply = Vec::new();
    let read = tokio::time::timeout(Duration::from_secs(10), async {
        let mut buf = [0u8; 1024];
        loop {
            match sock.read(&mut buf).await {
                Ok(0) | Err(_) => break,
                Ok(n) => {
                    reply.extend_from_slice(&buf[..n]);
                    if reply.windows(6).any(|w| w == b"155801") {
                        break;
                    }
                }
            }
        }
    })
    .await;
    assert!(read.is_ok(), "no reply to a stalled body");
    let text = String::from_utf8_lossy(&reply);
    assert!(text.starts_with("HTTP/1.1 408"), "{text}");
    assert!(text.contains("155801"), "{text}");
    t.stop().await;
}

/// Every endpoint is rate limited per client IP and per user credential: 429 155834 with
/// Retry-After; another user is not affected by one user's limit.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn rate_limits_answer_429() {
    let t = TestServer::start(&Backend::Sqlite, |c| {
        c.rate_limit_user_per_sec = 1;
        c.rate_limit_user_burst = 3;
    })
    .await;
    let api = &t.api;
    let a = api.new_user("rate-user-c").await;
    let b = api.new_user("rate-user-d").await;
    let mut limited = 0;
    for _ in 0..10 {
        let r = api
            .client(reqwest::Method::GET, "/v1/user/challenges", &a)
            .send()
            .await
            .unwrap();
        if r.status().as_u16() == 429 {
            assert!(r.headers().get("retry-after").is_some());
            let body: serde_json::Value = r.json().await.unwrap();
            assert_eq!(body["code"], 155834);
            limited += 1;
        }
    }
    assert!(
        limited >= 5,
        "per-user limit not applied ({limited} limited)"
    );
    api.send(api.client(reqwest::Method::GET, "/v1/user/challenges", &b))
        .await
        .expect_ok(200);
    t.stop().await;

    let t = TestServer::start(&Backend::Sqlite, |c| {
        c.rate_limit_ip_per_sec = 1;
        c.rate_limit_ip_burst = 5;
    })
    .await;
    let mut codes = Vec::new();
    for _ in 0..15 {
        let r = t.api.send(t.api.http.get(t.api.url("/v1/health"))).await;
        codes.push((r.status, r.code()));
    }
    assert!(
        codes.iter().filter(|c| **c == (429, 155834)).count() >= 5,
        "per-IP limit not applied: {codes:?}"
    );
    t.stop().await;
}

/// Load figures for docs/reliability.md (run with `--ignored --nocapture`; prints, asserts
/// only the Argon2 count): 1,000 different COMPLETE envelopes at one CHANGE_PIN challenge,
/// 200 in flight at a time, with production Argon2 cost, while another task times
/// `GET /v1/health` one request after another. Once with the rate limits off (the step lock
/// alone) and once with the production admission defaults.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore]
async fn flood_figures() {
    for production_limits in [false, true] {
        let t = TestServer::start(&Backend::Sqlite, |c| {
            c.argon2_memory_kib = 19456;
            c.argon2_iterations = 2;
            if production_limits {
                let d = latchkey_server::Config::new("unused");
                c.argon2_queue = d.argon2_queue;
                c.kdf_per_user = d.kdf_per_user;
                c.rate_limit_ip_per_sec = d.rate_limit_ip_per_sec;
                c.rate_limit_ip_burst = d.rate_limit_ip_burst;
                c.rate_limit_user_per_sec = d.rate_limit_user_per_sec;
                c.rate_limit_user_burst = d.rate_limit_user_burst;
            }
        })
        .await;
        let api = t.api.clone();
        let s = api.new_user("flood-figures").await;
        api.initialize(&s, "135790").await;
        let ty = ChallengeType::ChangePin;
        let id = api.challenge(&s, ty.clone()).await;
        api.step(&s, &id, &ty, Step::CurrentPin, pin("135790"))
            .await
            .expect_ok(200);
        let envs: Vec<String> = (0..1000)
            .map(|_| api.seal(&s, &id, &ty, &Step::Complete, &new_pin("864201")))
            .collect();
        let before = runs(&t);
        let stop = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
        let pinger = {
            let (api, stop) = (api.clone(), stop.clone());
            tokio::spawn(async move {
                let mut lat = Vec::new();
                while !stop.load(std::sync::atomic::Ordering::SeqCst) {
                    let t0 = std::time::Instant::now();
                    let r = api.http.get(api.url("/v1/health")).send().await;
                    if r.map(|r| r.status().is_success()).unwrap_or(false) {
                        lat.push(t0.elapsed());
                    }
                }
                lat
            })
        };
        let gate = std::sync::Arc::new(tokio::sync::Semaphore::new(200));
        let started = std::time::Instant::now();
        let mut set = tokio::task::JoinSet::new();
        for env in envs {
            let (api, s, id, gate) = (api.clone(), s.clone(), id.clone(), gate.clone());
            set.spawn(async move {
                let _p = gate.acquire_owned().await.unwrap();
                api.post_envelope(&s, &id, &Step::Complete, &env).await
            });
        }
        let mut counts: HashMap<(u16, u64), usize> = HashMap::new();
        while let Some(r) = set.join_next().await {
            let r = r.unwrap();
            *counts.entry((r.status, r.code())).or_default() += 1;
        }
        let flood_time = started.elapsed();
        stop.store(true, std::sync::atomic::Ordering::SeqCst);
        let mut lat = pinger.await.unwrap();
        lat.sort();
        let pct = |p: f64| lat[((lat.len() as f64 - 1.0) * p) as usize];
        let cost = runs(&t) - before;
        println!(
            "FLOOD limits={} envelopes=1000 argon2_runs={cost} replies={counts:?} flood_time={flood_time:?} \
             health_n={} p50={:?} p99={:?} max={:?}",
            if production_limits { "production" } else { "off" },
            lat.len(),
            pct(0.5),
            pct(0.99),
            lat.last().unwrap()
        );
        assert!(cost <= 2, "flood cost {cost} Argon2 runs");
        t.stop().await;
    }
}
