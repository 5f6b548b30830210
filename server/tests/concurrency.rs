//! The guess limit under concurrency: 200 wrong PINs sent at once count exactly
//! `max_attempts`; every other one is refused as locked. On SQLite, on PostgreSQL, and with two
//! server instances sharing one PostgreSQL database.

mod common;

use common::*;
use latchkey_protocol::{ChallengeType, Step};
use std::collections::HashMap;

const N: usize = 200;

/// Fires N wrong CURRENT_PIN envelopes at once (one CHANGE_PIN challenge each, so every one
/// is a real guess), spread over `apis`, and checks the counts.
async fn storm(apis: &[Api], s: &Session, user: &str, max: u32) {
    let ty = ChallengeType::ChangePin;
    let mut prepared = Vec::with_capacity(N);
    for i in 0..N {
        let api = &apis[i % apis.len()];
        let id = api.challenge(s, ty.clone()).await;
        let env = api.seal(s, &id, &ty, &Step::CurrentPin, &pin("000001"));
        prepared.push((api.clone(), id, env));
    }
    let barrier = std::sync::Arc::new(tokio::sync::Barrier::new(N));
    let mut set = tokio::task::JoinSet::new();
    for (api, id, env) in prepared {
        let s = s.clone();
        let barrier = barrier.clone();
        set.spawn(async move {
            barrier.wait().await;
            api.post_envelope(&s, &id, &Step::CurrentPin, &env).await
        });
    }
    let mut counts: HashMap<(u16, u64), usize> = HashMap::new();
    while let Some(r) = set.join_next().await {
        let r = r.unwrap();
        *counts.entry((r.status, r.code())).or_default() += 1;
    }
    let wrong = counts.get(&(400, 155112)).copied().unwrap_or(0);
    let locked = counts.get(&(423, 155119)).copied().unwrap_or(0);
    assert_eq!(wrong, max as usize - 1, "replies: {counts:?}");
    assert_eq!(locked, N - (max as usize - 1), "replies: {counts:?}");
    let u = apis[0].get_user(user).await;
    assert_eq!(
        u["pinDetails"]["failedAttempts"], max,
        "exactly max guesses counted"
    );
    assert_eq!(u["pinStatus"], "LOCKED");
}

async fn one_instance(b: Backend) {
    let t = TestServer::start(&b, |c| c.max_attempts = 3).await;
    let s = t.api.new_user("storm-user").await;
    t.api.initialize(&s, "135790").await;
    storm(std::slice::from_ref(&t.api), &s, "storm-user", 3).await;
    t.stop().await;
}
both_backends!(concurrent_guesses, one_instance);

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn concurrent_guesses_two_instances_postgres() {
    let Some(url) = fresh_postgres().await else {
        eprintln!("LATCHKEY_TEST_POSTGRES_URL unset: PostgreSQL variant skipped");
        return;
    };
    let b = Backend::Postgres(url);
    let a = TestServer::start(&b, |c| c.max_attempts = 5).await;
    let bb = TestServer::start(&b, |c| c.max_attempts = 5).await;
    let s = a.api.new_user("storm-two").await;
    a.api.initialize(&s, "135790").await;
    storm(&[a.api.clone(), bb.api.clone()], &s, "storm-two", 5).await;
    a.stop().await;
    bb.stop().await;
}

/// The same envelope sent 20 times at once is one guess: every reply is the recorded 155112 or
/// "still being processed" (155816), and the count goes up by exactly one.
async fn duplicate_envelopes(b: Backend) {
    let t = TestServer::start(&b, |_| {}).await;
    let s = t.api.new_user("dup-user").await;
    t.api.initialize(&s, "135790").await;
    let ty = ChallengeType::ChangePin;
    let id = t.api.challenge(&s, ty.clone()).await;
    let env = t.api.seal(&s, &id, &ty, &Step::CurrentPin, &pin("000001"));
    let mut set = tokio::task::JoinSet::new();
    for _ in 0..20 {
        let (api, s, id, env) = (t.api.clone(), s.clone(), id.clone(), env.clone());
        set.spawn(async move { api.post_envelope(&s, &id, &Step::CurrentPin, &env).await });
    }
    let mut wrong = 0;
    while let Some(r) = set.join_next().await {
        let r = r.unwrap();
        match (r.status, r.code()) {
            (400, 155112) => {
                assert_eq!(r.body["attemptsLeft"], 2);
                wrong += 1;
            }
            (409, 155816) => {}
            other => panic!("unexpected reply {other:?} {:?}", r.body),
        }
    }
    assert!(wrong >= 1);
    let u = t.api.get_user("dup-user").await;
    assert_eq!(u["pinDetails"]["failedAttempts"], 1, "one guess counted");
    // Once processed, the retry gets the recorded reply.
    t.api
        .post_envelope(&s, &id, &Step::CurrentPin, &env)
        .await
        .expect_code(400, 155112);
    t.stop().await;
}
both_backends!(duplicate_envelope_storm, duplicate_envelopes);
