//! Statements per request on the hot paths (issue 13): the descriptor of an active challenge
//! reads with one statement (challenge, owner, recovery binding and the session's revocation
//! check together), and a verified CURRENT_PIN step runs at most 14 statements in three write
//! transactions (claim + step lock; guess reservation; verified step + reset + lock release +
//! reply). Counted from sqlx's
//! own statement log (target `sqlx::query`, debug level), captured in memory; one test runs
//! both backends in turn so nothing else in this binary logs meanwhile.

mod common;

use common::{pin, Api, Backend, Session, TestServer};
use latchkey_protocol::{ChallengeType, Step};
use std::time::Duration;

/// The `sqlx::query` log lines written while `f` runs.
async fn statements_during<F: std::future::Future<Output = ()>>(f: F) -> Vec<String> {
    let logs = common::logs();
    let start = logs.0.lock().unwrap().len();
    f.await;
    let text = String::from_utf8_lossy(&logs.0.lock().unwrap()[start..]).into_owned();
    text.lines()
        .filter(|l| l.contains("sqlx::query"))
        .map(str::to_owned)
        .collect()
}

async fn scenario(backend: Backend) {
    common::logs();
    // No background sweep or webhook poll between the measured requests.
    let t = TestServer::start(&backend, |c| c.sweep_interval = Duration::from_secs(3600)).await;
    let api: &Api = &t.api;
    let s: Session = api.new_user("statements-user").await;
    api.initialize(&s, "135790").await;
    let id = api.challenge(&s, ChallengeType::ChangePin).await;
    api.descriptor(&s, &id).await.expect_ok(200); // PENDING -> IN_PROGRESS
                                                  // That status change woke the webhook outbox worker: let it finish its reads first.
    tokio::time::sleep(Duration::from_millis(300)).await;

    let read = statements_during(async {
        api.descriptor(&s, &id).await.expect_ok(200);
    })
    .await;
    assert_eq!(
        read.len(),
        1,
        "{backend:?}: descriptor statements: {read:#?}"
    );

    let step = statements_during(async {
        api.step(
            &s,
            &id,
            &ChallengeType::ChangePin,
            Step::CurrentPin,
            pin("135790"),
        )
        .await
        .expect_ok(200);
    })
    .await;
    // Session revocation check, challenge, recorded reply?, [claim, step lock], challenge
    // under the lock, user, lock still held?, [guess mark, reservation], Argon2, [verified
    // step, reset, lock release, reply]: 14 statements, the brackets being the three
    // transactions (before issue 13: 16 statements, 6 committing writes).
    let commits = step
        .iter()
        .filter(|l| l.contains("summary=\"COMMIT\""))
        .count();
    let statements = step.len() - commits;
    assert!(
        statements <= 14,
        "{backend:?}: {statements} statements for a verified step: {step:#?}"
    );
    // sqlx logs the PostgreSQL driver's COMMITs (not SQLite's): exactly three there.
    if matches!(backend, Backend::Postgres(_)) {
        assert_eq!(commits, 3, "{backend:?}: commits: {step:#?}");
    }
    t.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn hot_paths_statement_budget() {
    scenario(Backend::Sqlite).await;
    match common::fresh_postgres().await {
        Some(url) => scenario(Backend::Postgres(url)).await,
        None => eprintln!("LATCHKEY_TEST_POSTGRES_URL unset: PostgreSQL variant skipped"),
    }
}
