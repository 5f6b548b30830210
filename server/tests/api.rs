//! End-to-end tests of every endpoint and error code over loopback, on SQLite and (when
//! `LATCHKEY_TEST_POSTGRES_URL` is set) PostgreSQL.

mod common;

use common::*;
use latchkey_protocol::{ChallengeType, Step, StepPayload};
use reqwest::Method;
use serde_json::json;
use std::time::Duration;

async fn users_and_sessions(b: Backend) {
    let t = TestServer::start(&b, |c| c.token_ttl = Duration::from_secs(2)).await;
    let api = &t.api;
    let u = api.create_user("alice-1").await;
    let d = u.expect_ok(201);
    assert_eq!(d["id"], "alice-1");
    assert_eq!(d["pinStatus"], "UNSET");
    assert_eq!(d["securityQuestionStatus"], "UNSET");
    api.create_user("alice-1").await.expect_code(409, 155101);
    api.create_user("abcd").await.expect_code(400, 155801);
    api.create_user(&"x".repeat(51))
        .await
        .expect_code(400, 155801);
    api.send(api.dev(Method::POST, "/v1/users").body("{not json"))
        .await
        .expect_code(400, 155801);
    // API key required, and must be right.
    api.send(
        api.http
            .post(api.url("/v1/users"))
            .json(&json!({"userId": "bob-01"})),
    )
    .await
    .expect_code(401, 155802);
    api.send(
        api.http
            .post(api.url("/v1/users"))
            .bearer_auth("wrong-key")
            .json(&json!({"userId": "bob-01"})),
    )
    .await
    .expect_code(401, 155802);
    assert_eq!(api.get_user("alice-1").await["id"], "alice-1");
    api.send(api.dev(Method::GET, "/v1/users/nobody-here"))
        .await
        .expect_code(404, 155102);
    api.send(
        api.dev(Method::POST, "/v1/users/token")
            .json(&json!({"userId": "nobody-here"})),
    )
    .await
    .expect_code(404, 155102);

    let s = api.session("alice-1").await;
    assert!(s.token.len() >= 43, "token carries at least 256 bits");
    let me = api.send(api.client(Method::GET, "/v1/user", &s)).await;
    assert_eq!(me.expect_ok(200)["id"], "alice-1");
    // Token errors: missing / malformed 155105, unknown 155103, expired 155104.
    api.send(api.http.get(api.url("/v1/user")))
        .await
        .expect_code(401, 155105);
    api.send(
        api.http
            .get(api.url("/v1/user"))
            .header("X-User-Token", "short"),
    )
    .await
    .expect_code(401, 155105);
    api.send(
        api.http
            .get(api.url("/v1/user"))
            .header("X-User-Token", "A".repeat(43)),
    )
    .await
    .expect_code(401, 155103);
    // Challenge creation needs the API key as well as the token.
    api.send(
        api.client(Method::POST, "/v1/user/initialize", &s)
            .json(&json!({"idempotencyKey": "k-1"})),
    )
    .await
    .expect_code(401, 155802);
    tokio::time::sleep(Duration::from_millis(2100)).await;
    api.send(api.client(Method::GET, "/v1/user", &s))
        .await
        .expect_code(401, 155104);
    // Unknown route and method.
    api.send(api.dev(Method::GET, "/v1/nothing"))
        .await
        .expect_code(404, 155812);
    api.send(api.dev(Method::DELETE, "/v1/users"))
        .await
        .expect_code(404, 155812);
    api.send(api.http.get(api.url("/v1/health")))
        .await
        .expect_ok(200);
    t.stop().await;
}
both_backends!(users_sessions, users_and_sessions);

async fn full_lifecycle(b: Backend) {
    let t = TestServer::start(&b, |_| {}).await;
    let api = &t.api;
    let s = api.new_user("carol-1").await;

    // Preconditions before any PIN.
    for (kind, code) in [
        (ChallengeType::ChangePin, 155110),
        (ChallengeType::RestorePin, 155111),
        (ChallengeType::SetSecurityQuestions, 155110),
        (ChallengeType::SignMessage, 155110),
    ] {
        let mut body = json!({"idempotencyKey": uuid::Uuid::new_v4().to_string()});
        body["message"] = json!("m");
        api.create_challenge(&s, kind, body)
            .await
            .expect_code(409, code);
    }

    // INITIALIZE.
    let id = api.challenge(&s, ChallengeType::Initialize).await;
    let c = api.get_challenge(&s, &id).await;
    assert_eq!(c.expect_ok(200)["status"], "PENDING");
    let d = api.descriptor(&s, &id).await;
    let d = d.expect_ok(200);
    assert_eq!(d["status"], "IN_PROGRESS");
    assert_eq!(d["type"], "INITIALIZE");
    assert_eq!(d["catalogue"].as_array().unwrap().len(), 12);
    assert_eq!(d["pinAttemptsLeft"], 3);
    let ty = ChallengeType::Initialize;
    // Every rule is re-checked by the server.
    api.step(&s, &id, &ty, Step::Complete, init_payload("123456"))
        .await
        .expect_code(400, 155704);
    let mut p = init_payload("135790");
    p.acknowledged = None;
    api.step(&s, &id, &ty, Step::Complete, p)
        .await
        .expect_code(400, 155813);
    let mut p = init_payload("135790");
    p.answers = Some(vec![
        answer("q01", "Rex", Some("my dog REX")),
        answer("q10", "2004-07-14", None),
    ]);
    api.step(&s, &id, &ty, Step::Complete, p)
        .await
        .expect_code(400, 155705);
    let mut p = init_payload("135790");
    p.answers = Some(vec![answer("q01", "Rex", None), answer("q01", "Max", None)]);
    api.step(&s, &id, &ty, Step::Complete, p)
        .await
        .expect_code(400, 155807);
    let mut p = init_payload("135790");
    p.answers = Some(vec![
        answer("q01", "Rex", None),
        answer("q10", "yesterday", None),
    ]);
    api.step(&s, &id, &ty, Step::Complete, p)
        .await
        .expect_code(400, 155806);
    api.step(&s, &id, &ty, Step::Complete, StepPayload::default())
        .await
        .expect_code(400, 155801);
    // Wrong step for the type.
    api.step(&s, &id, &ty, Step::CurrentPin, pin("135790"))
        .await
        .expect_code(409, 155805);
    // An envelope for another step, another challenge, or tampered, is rejected.
    let env = api.seal(&s, &id, &ty, &Step::CurrentPin, &init_payload("135790"));
    api.post_envelope(&s, &id, &Step::Complete, &env)
        .await
        .expect_code(400, 155808);
    api.post_envelope(&s, &id, &Step::Complete, "AQ==")
        .await
        .expect_code(400, 155808);
    api.post_envelope(
        &s,
        &id,
        &Step::Complete,
        "AgAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=",
    )
    .await
    .expect_code(400, 155814);
    let good = api.seal(&s, &id, &ty, &Step::Complete, &init_payload("135790"));
    let r1 = api.post_envelope(&s, &id, &Step::Complete, &good).await;
    let d = r1.expect_ok(200);
    assert_eq!(d["status"], "COMPLETE");
    // A retry of the same envelope gets the same reply; another envelope is refused.
    let r2 = api.post_envelope(&s, &id, &Step::Complete, &good).await;
    assert_eq!((r2.status, &r2.body), (r1.status, &r1.body));
    api.step(&s, &id, &ty, Step::Complete, init_payload("135790"))
        .await
        .expect_code(409, 155804);
    api.descriptor(&s, &id).await.expect_code(409, 155804);
    assert_eq!(
        api.get_challenge(&s, &id).await.expect_ok(200)["status"],
        "COMPLETE"
    );
    let u = api.get_user("carol-1").await;
    assert_eq!(u["pinStatus"], "ENABLED");
    assert_eq!(u["securityQuestionStatus"], "ENABLED");

    // Preconditions once set.
    for (kind, code) in [
        (ChallengeType::Initialize, 155106),
        (ChallengeType::SetPin, 155107),
        (ChallengeType::SetSecurityQuestions, 155108),
    ] {
        api.create_challenge(
            &s,
            kind,
            json!({"idempotencyKey": uuid::Uuid::new_v4().to_string()}),
        )
        .await
        .expect_code(409, code);
    }

    // CHANGE_PIN: completion needs CURRENT_PIN first; a wrong PIN reports attempts left.
    let ty = ChallengeType::ChangePin;
    let id = api.challenge(&s, ty.clone()).await;
    api.descriptor(&s, &id).await.expect_ok(200);
    api.step(&s, &id, &ty, Step::Complete, new_pin("246810"))
        .await
        .expect_code(409, 155805);
    let r = api
        .step(&s, &id, &ty, Step::CurrentPin, pin("000001"))
        .await;
    r.expect_code(400, 155112);
    assert_eq!(r.body["attemptsLeft"], 2);
    assert_eq!(
        api.get_user("carol-1").await["pinDetails"]["failedAttempts"],
        1
    );
    let r = api
        .step(&s, &id, &ty, Step::CurrentPin, pin("135790"))
        .await;
    assert_eq!(r.expect_ok(200)["verifiedSteps"], json!(["CURRENT_PIN"]));
    assert_eq!(
        api.get_user("carol-1").await["pinDetails"]["failedAttempts"],
        0,
        "success resets"
    );
    api.step(&s, &id, &ty, Step::CurrentPin, pin("135790"))
        .await
        .expect_code(409, 155805);
    let d = api.descriptor(&s, &id).await;
    assert_eq!(d.expect_ok(200)["verifiedSteps"], json!(["CURRENT_PIN"]));
    api.step(&s, &id, &ty, Step::Complete, new_pin("111111"))
        .await
        .expect_code(400, 155704);
    api.step(&s, &id, &ty, Step::Complete, new_pin("246810"))
        .await
        .expect_ok(200);

    // SIGN_MESSAGE with the new PIN.
    let ty = ChallengeType::SignMessage;
    let id = api.challenge(&s, ty.clone()).await;
    let d = api.descriptor(&s, &id).await;
    let d = d.expect_ok(200).clone();
    assert_eq!(
        d["signRequest"],
        r#"{"kind":"MESSAGE","message":"Send 1 ETH to 0xabc","encodedByHex":false,"memo":null}"#
    );
    assert_eq!(d["wallet"]["blockchain"], "ETH-SEPOLIA");
    api.step(&s, &id, &ty, Step::Complete, pin("135790"))
        .await
        .expect_code(400, 155112);
    api.step(&s, &id, &ty, Step::Complete, pin("246810"))
        .await
        .expect_ok(200);

    // RESTORE_PIN: the user's own questions and hints, never answers.
    let ty = ChallengeType::RestorePin;
    let id = api.challenge(&s, ty.clone()).await;
    let d = api.descriptor(&s, &id).await;
    let d = d.expect_ok(200).clone();
    assert_eq!(d["questions"][0]["id"], "q01");
    assert_eq!(d["questions"][1]["id"], "q10");
    assert_eq!(d["hints"], json!(["dog", null]));
    assert!(!d.to_string().to_lowercase().contains("rex"));
    api.step(&s, &id, &ty, Step::Complete, new_pin("975310"))
        .await
        .expect_code(409, 155805);
    let wrong = answers_payload(vec![
        answer("q01", "Max", None),
        answer("q10", "2004-07-14", None),
    ]);
    let r = api.step(&s, &id, &ty, Step::Answers, wrong).await;
    r.expect_code(400, 155115);
    assert_eq!(r.body["attemptsLeft"], 2);
    let order = answers_payload(vec![
        answer("q10", "2004-07-14", None),
        answer("q01", "rex", None),
    ]);
    api.step(&s, &id, &ty, Step::Answers, order)
        .await
        .expect_code(400, 155807);
    // Normalisation: case and spaces do not matter.
    let right = answers_payload(vec![
        answer("q01", "  REX ", None),
        answer("q10", "2004-07-14", None),
    ]);
    api.step(&s, &id, &ty, Step::Answers, right)
        .await
        .expect_ok(200);
    api.step(&s, &id, &ty, Step::Complete, new_pin("975310"))
        .await
        .expect_ok(200);
    // The restored PIN works.
    let ty = ChallengeType::SignMessage;
    let id = api.challenge(&s, ty.clone()).await;
    api.step(&s, &id, &ty, Step::Complete, pin("975310"))
        .await
        .expect_ok(200);

    // Listing with a status filter.
    let id = api.challenge(&s, ChallengeType::ChangePin).await;
    let l = api
        .send(api.client(Method::GET, "/v1/user/challenges?status=PENDING", &s))
        .await;
    let l = l.expect_ok(200)["challenges"].as_array().unwrap().clone();
    assert_eq!(l.len(), 1);
    assert_eq!(l[0]["id"], id.as_str());
    let all = api
        .send(api.client(Method::GET, "/v1/user/challenges", &s))
        .await;
    assert!(all.expect_ok(200)["challenges"].as_array().unwrap().len() >= 6);
    api.send(api.client(Method::GET, "/v1/user/challenges?status=NOPE", &s))
        .await
        .expect_code(400, 155801);

    // Cancel.
    let r = api
        .send(api.client(
            Method::POST,
            &format!("/v1/user/challenges/{id}/cancel"),
            &s,
        ))
        .await;
    let c = r.expect_ok(200);
    assert_eq!(c["status"], "FAILED");
    assert_eq!(c["errorCode"], 155701);
    api.send(api.client(
        Method::POST,
        &format!("/v1/user/challenges/{id}/cancel"),
        &s,
    ))
    .await
    .expect_code(409, 155804);
    api.step(
        &s,
        &id,
        &ChallengeType::ChangePin,
        Step::CurrentPin,
        pin("975310"),
    )
    .await
    .expect_code(409, 155804);
    t.stop().await;
}
both_backends!(lifecycle, full_lifecycle);

async fn set_pin_then_questions(b: Backend) {
    let t = TestServer::start(&b, |_| {}).await;
    let api = &t.api;
    let s = api.new_user("dave-01").await;
    let ty = ChallengeType::SetPin;
    let id = api.challenge(&s, ty.clone()).await;
    api.step(&s, &id, &ty, Step::Complete, new_pin("135790"))
        .await
        .expect_ok(200);
    let u = api.get_user("dave-01").await;
    assert_eq!(
        (
            u["pinStatus"].as_str(),
            u["securityQuestionStatus"].as_str()
        ),
        (Some("ENABLED"), Some("UNSET"))
    );
    let ty = ChallengeType::SetSecurityQuestions;
    let id = api.challenge(&s, ty.clone()).await;
    let d = api.descriptor(&s, &id).await;
    assert_eq!(d.expect_ok(200)["catalogue"].as_array().unwrap().len(), 12);
    let p = StepPayload {
        answers: Some(setup_answers()),
        acknowledged: Some(true),
        ..Default::default()
    };
    api.step(&s, &id, &ty, Step::Complete, p.clone())
        .await
        .expect_code(409, 155805);
    api.step(&s, &id, &ty, Step::CurrentPin, pin("135790"))
        .await
        .expect_ok(200);
    api.step(&s, &id, &ty, Step::Complete, p)
        .await
        .expect_ok(200);
    assert_eq!(
        api.get_user("dave-01").await["securityQuestionStatus"],
        "ENABLED"
    );
    t.stop().await;
}
both_backends!(set_pin_and_questions, set_pin_then_questions);

async fn idempotency(b: Backend) {
    let t = TestServer::start(&b, |_| {}).await;
    let api = &t.api;
    let s = api.new_user("erin-01").await;
    let body = json!({"idempotencyKey": "6a1d3c6e-0000-4000-8000-000000000001"});
    let a = api
        .create_challenge(&s, ChallengeType::Initialize, body.clone())
        .await;
    let b2 = api
        .create_challenge(&s, ChallengeType::Initialize, body.clone())
        .await;
    assert_eq!(a.status, 201);
    assert_eq!(a.body, b2.body, "same key and body: the original reply");
    let l = api
        .send(api.client(Method::GET, "/v1/user/challenges", &s))
        .await;
    assert_eq!(
        l.expect_ok(200)["challenges"].as_array().unwrap().len(),
        1,
        "no second challenge"
    );
    // Same key, different request (another operation, another body): 409 155803.
    api.create_challenge(&s, ChallengeType::SetPin, body.clone())
        .await
        .expect_code(409, 155803);
    let k2 = json!({"idempotencyKey": "k-sign-1", "message": "one"});
    api.create_challenge(
        &s,
        ChallengeType::Initialize,
        json!({"idempotencyKey": "k-sign-1"}),
    )
    .await
    .expect_ok(201);
    api.create_challenge(&s, ChallengeType::SignMessage, k2)
        .await
        .expect_code(409, 155803);
    // Another user reusing the key is a different request too.
    let s2 = api.new_user("frank-01").await;
    api.create_challenge(&s2, ChallengeType::Initialize, body.clone())
        .await
        .expect_code(409, 155803);
    // Missing or empty key.
    api.create_challenge(&s, ChallengeType::Initialize, json!({}))
        .await
        .expect_code(400, 155801);
    api.create_challenge(&s, ChallengeType::Initialize, json!({"idempotencyKey": ""}))
        .await
        .expect_code(400, 155801);
    // Keys survive a restart.
    let mut t = t;
    t.restart().await;
    let c = t
        .api
        .create_challenge(&s, ChallengeType::Initialize, body)
        .await;
    assert_eq!(c.body, a.body);
    t.stop().await;
}
both_backends!(idempotency_keys, idempotency);

async fn expiry(b: Backend) {
    let t = TestServer::start(&b, |c| {
        c.challenge_ttl = Duration::from_millis(700);
        c.sweep_interval = Duration::from_secs(3600);
    })
    .await;
    let api = &t.api;
    let s = api.new_user("gina-01").await;
    let ty = ChallengeType::Initialize;
    let id = api.challenge(&s, ty.clone()).await;
    let id2 = api.challenge(&s, ty.clone()).await;
    let id3 = api.challenge(&s, ty.clone()).await;
    tokio::time::sleep(Duration::from_millis(900)).await;
    api.step(&s, &id, &ty, Step::Complete, init_payload("135790"))
        .await
        .expect_code(410, 155121);
    let c = api.get_challenge(&s, &id).await;
    let c = c.expect_ok(200);
    assert_eq!(c["status"], "EXPIRED");
    assert_eq!(c["errorCode"], 155121);
    api.descriptor(&s, &id2).await.expect_code(410, 155121);
    let l = api
        .send(api.client(Method::GET, "/v1/user/challenges?status=EXPIRED", &s))
        .await;
    let ids: Vec<_> = l.expect_ok(200)["challenges"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["id"].as_str().unwrap().to_owned())
        .collect();
    assert!(ids.contains(&id3), "listing brings expiries up to date");
    assert_eq!(api.get_user("gina-01").await["pinStatus"], "UNSET");
    t.stop().await;
}
both_backends!(challenge_expiry, expiry);

async fn sweeper_expires(b: Backend) {
    let t = TestServer::start(&b, |c| c.challenge_ttl = Duration::from_millis(300)).await;
    let api = &t.api;
    let s = api.new_user("hank-01").await;
    let id = api.challenge(&s, ChallengeType::Initialize).await;
    // The background sweep (100 ms in tests) expires it without any request touching it.
    let mut status = String::new();
    for _ in 0..50 {
        tokio::time::sleep(Duration::from_millis(100)).await;
        let l = api
            .send(api.client(Method::GET, "/v1/user/challenges?status=EXPIRED", &s))
            .await;
        if let Some(c) = l.expect_ok(200)["challenges"].as_array().unwrap().first() {
            status = c["status"].as_str().unwrap().to_owned();
            assert_eq!(c["id"], id.as_str());
            break;
        }
    }
    assert_eq!(status, "EXPIRED");
    t.stop().await;
}
both_backends!(background_expiry, sweeper_expires);

async fn cross_user(b: Backend) {
    let t = TestServer::start(&b, |_| {}).await;
    let api = &t.api;
    let a = api.new_user("ivan-01").await;
    let m = api.new_user("mallory").await;
    let id = api.challenge(&a, ChallengeType::Initialize).await;
    let ty = ChallengeType::Initialize;
    api.get_challenge(&m, &id).await.expect_code(404, 155116);
    api.get_challenge(&m, "no-such-challenge")
        .await
        .expect_code(404, 155116);
    api.descriptor(&m, &id).await.expect_code(404, 155116);
    api.step(&m, &id, &ty, Step::Complete, init_payload("135790"))
        .await
        .expect_code(404, 155116);
    api.send(api.client(
        Method::POST,
        &format!("/v1/user/challenges/{id}/cancel"),
        &m,
    ))
    .await
    .expect_code(404, 155116);
    let l = api
        .send(api.client(Method::GET, "/v1/user/challenges", &m))
        .await;
    assert!(l.expect_ok(200)["challenges"]
        .as_array()
        .unwrap()
        .is_empty());
    // An envelope sealed with another session's key does not open (155808).
    let env = api.seal(&m, &id, &ty, &Step::Complete, &init_payload("135790"));
    api.post_envelope(&a, &id, &Step::Complete, &env)
        .await
        .expect_code(400, 155808);
    // The owner is unaffected.
    assert_eq!(
        api.get_challenge(&a, &id).await.expect_ok(200)["status"],
        "PENDING"
    );
    t.stop().await;
}
both_backends!(cross_user_access, cross_user);

async fn locks(b: Backend) {
    let t = TestServer::start(&b, |c| c.lock_duration = Duration::from_secs(3)).await;
    let api = &t.api;
    let s = api.new_user("judy-01").await;
    api.initialize(&s, "135790").await;
    let ty = ChallengeType::ChangePin;
    let id = api.challenge(&s, ty.clone()).await;
    api.step(&s, &id, &ty, Step::CurrentPin, pin("000001"))
        .await
        .expect_code(400, 155112);
    let r = api
        .step(&s, &id, &ty, Step::CurrentPin, pin("000002"))
        .await;
    assert_eq!(r.expect_code(400, 155112).body["attemptsLeft"], 1);
    let r = api
        .step(&s, &id, &ty, Step::CurrentPin, pin("000003"))
        .await;
    r.expect_code(423, 155119);
    assert!(r.body["lockedExpiryDate"].as_str().unwrap().ends_with('Z'));
    let c = api.get_challenge(&s, &id).await;
    assert_eq!(c.expect_ok(200)["status"], "FAILED");
    assert_eq!(c.body["data"]["errorCode"], 155119);
    let u = api.get_user("judy-01").await;
    assert_eq!(u["pinStatus"], "LOCKED");
    assert_eq!(u["pinDetails"]["failedAttempts"], 3);
    assert!(u["pinDetails"]["lockedExpiryDate"].is_string());
    // While locked even the right PIN is refused.
    let id = api.challenge(&s, ty.clone()).await;
    let d = api.descriptor(&s, &id).await;
    assert_eq!(d.expect_ok(200)["pinAttemptsLeft"], 0);
    api.step(&s, &id, &ty, Step::CurrentPin, pin("135790"))
        .await
        .expect_code(423, 155119);
    // RESTORE_PIN is allowed while locked and clears the lock.
    let rt = ChallengeType::RestorePin;
    let id = api.challenge(&s, rt.clone()).await;
    api.step(
        &s,
        &id,
        &rt,
        Step::Answers,
        answers_payload(vec![
            answer("q01", "rex", None),
            answer("q10", "2004-07-14", None),
        ]),
    )
    .await
    .expect_ok(200);
    api.step(&s, &id, &rt, Step::Complete, new_pin("864201"))
        .await
        .expect_ok(200);
    let u = api.get_user("judy-01").await;
    assert_eq!(u["pinStatus"], "ENABLED");
    assert_eq!(u["pinDetails"]["failedAttempts"], 0);

    // Answers lock alike (155115 then 155120).
    let wrong = || {
        answers_payload(vec![
            answer("q01", "max", None),
            answer("q10", "2004-07-14", None),
        ])
    };
    let id = api.challenge(&s, rt.clone()).await;
    api.step(&s, &id, &rt, Step::Answers, wrong())
        .await
        .expect_code(400, 155115);
    api.step(&s, &id, &rt, Step::Answers, wrong())
        .await
        .expect_code(400, 155115);
    api.step(&s, &id, &rt, Step::Answers, wrong())
        .await
        .expect_code(423, 155120);
    assert_eq!(
        api.get_user("judy-01").await["securityQuestionStatus"],
        "LOCKED"
    );
    let id = api.challenge(&s, rt.clone()).await;
    api.step(&s, &id, &rt, Step::Answers, wrong())
        .await
        .expect_code(423, 155120);
    // After the lock runs out, guessing is allowed again and counting restarts.
    tokio::time::sleep(Duration::from_millis(3100)).await;
    let id = api.challenge(&s, rt.clone()).await;
    let r = api.step(&s, &id, &rt, Step::Answers, wrong()).await;
    assert_eq!(r.expect_code(400, 155115).body["attemptsLeft"], 2);
    t.stop().await;
}
both_backends!(guess_limits, locks);

async fn replayed_wrong_guess_counts_once(b: Backend) {
    let t = TestServer::start(&b, |_| {}).await;
    let api = &t.api;
    let s = api.new_user("kate-01").await;
    api.initialize(&s, "135790").await;
    let ty = ChallengeType::ChangePin;
    let id = api.challenge(&s, ty.clone()).await;
    let env = api.seal(&s, &id, &ty, &Step::CurrentPin, &pin("000001"));
    for _ in 0..5 {
        let r = api.post_envelope(&s, &id, &Step::CurrentPin, &env).await;
        assert_eq!(r.expect_code(400, 155112).body["attemptsLeft"], 2);
    }
    assert_eq!(
        api.get_user("kate-01").await["pinDetails"]["failedAttempts"],
        1
    );
    t.stop().await;
}
both_backends!(replay, replayed_wrong_guess_counts_once);

async fn limits(b: Backend) {
    let t = TestServer::start(&b, |c| c.max_body_bytes = 4096).await;
    let api = &t.api;
    let big = json!({"userId": "x".repeat(10_000)});
    api.send(api.dev(Method::POST, "/v1/users").json(&big))
        .await
        .expect_code(413, 155810);
    t.stop().await;
}
both_backends!(body_limit, limits);
