//! Shared test helpers: the real reference server in-process (SQLite in a temp dir), a
//! developer-API client, and a small fault-injecting HTTP/1.1 proxy.
#![allow(dead_code)]

pub mod proxy;

use latchkey_core::{
    AdminClient, ChallengeRun, ChallengeType, Client, ClientConfig, Input, PinPurpose, Screen,
    Secret, Session,
};
use latchkey_server::{Config, RunningServer, Server};
use std::time::Duration;

pub const API_KEY: &str = "lk_test_api_key_for_driver_tests";

/// A running server plus everything a test needs to talk to it.
pub struct World {
    pub server: RunningServer,
    pub dir: tempfile::TempDir,
    pub admin: AdminClient,
}

/// Starts the reference server; `tweak` adjusts the test config (TTLs, attempts).
pub async fn start_server(tweak: impl FnOnce(&mut Config)) -> World {
    let dir = tempfile::tempdir().expect("tempdir");
    let mut cfg = Config::for_tests(dir.path());
    cfg.api_key = Some(API_KEY.into());
    tweak(&mut cfg);
    let server = Server::start(cfg).await.expect("server starts");
    let admin = AdminClient::new(ClientConfig::new(server.base_url()), API_KEY).expect("admin");
    World { server, dir, admin }
}

/// Fast retry settings for tests.
pub fn fast_config(base_url: &str) -> ClientConfig {
    ClientConfig {
        request_timeout: Duration::from_secs(5),
        connect_timeout: Duration::from_secs(2),
        max_retries: 4,
        initial_backoff: Duration::from_millis(20),
        max_backoff: Duration::from_millis(200),
        poll_interval: Duration::from_millis(20),
        ..ClientConfig::new(base_url)
    }
}

/// A user id and a session for it, through `base_url` (the server or a proxy).
pub async fn new_user(world: &World, user_id: &str, base_url: &str) -> (Session, String) {
    world.admin.create_user(user_id).await.expect("create user");
    let t = world.admin.create_user_token(user_id).await.expect("token");
    let client = Client::new(fast_config(base_url)).expect("client");
    let session = client
        .session(&t.user_token, &t.encryption_key)
        .expect("session");
    (session, t.user_token)
}

pub fn pin(p: &str) -> Input {
    Input::Pin(Secret::from_str_copy(p))
}

/// The answer the tests give to a question, by kind.
pub fn answer_for(q: &latchkey_core::Question) -> &'static str {
    match (q.kind.clone(), q.id.as_str()) {
        (latchkey_core::QuestionKind::Date, _) => "1994-07-15",
        (_, "q01") => "Rex",
        _ => "Springfield Elm Street",
    }
}

/// Creates a challenge through the developer API (directly at the server).
pub async fn create(world: &World, token: &str, t: ChallengeType) -> String {
    world
        .admin
        .create_challenge(token, t, &latchkey_core::new_idempotency_key())
        .await
        .expect("create challenge")
}

/// Walks INITIALIZE with `new_pin` and the first two catalogue questions; returns the final
/// screen.
pub async fn initialize(run: &ChallengeRun, new_pin: &str) -> Screen {
    assert!(matches!(
        run.screen(),
        Screen::EnterPin {
            purpose: PinPurpose::New,
            ..
        }
    ));
    run.submit(pin(new_pin)).await.expect("new pin");
    let s = run.submit(pin(new_pin)).await.expect("confirm");
    let mut s = s;
    loop {
        s = match s {
            Screen::ChooseQuestion { options, .. } => run
                .submit(Input::ChooseQuestion(options[0].id.clone()))
                .await
                .expect("choose"),
            Screen::AnswerQuestion { question, .. } => run
                .submit(Input::Answer {
                    answer: Secret::from_str_copy(answer_for(&question)),
                    hint: Some("think of home".into()),
                })
                .await
                .expect("answer"),
            Screen::Review { ref entries, .. } => {
                assert_eq!(entries.len(), 2);
                run.submit(Input::Acknowledge).await.expect("ack")
            }
            other => return other,
        };
    }
}

/// Answers RESTORE_PIN's questions with the test answers (or `wrong`), then sets `new_pin`.
pub async fn restore(run: &ChallengeRun, new_pin: &str) -> Screen {
    let mut s = run.screen();
    loop {
        s = match s {
            Screen::AnswerQuestion { question, .. } => run
                .submit(Input::Answer {
                    answer: Secret::from_str_copy(answer_for(&question)),
                    hint: None,
                })
                .await
                .expect("answer"),
            Screen::EnterPin { .. } => run.submit(pin(new_pin)).await.expect("pin"),
            other => return other,
        };
        if matches!(
            s,
            Screen::EnterPin {
                purpose: PinPurpose::Confirm,
                ..
            }
        ) {
            return run.submit(pin(new_pin)).await.expect("confirm");
        }
    }
}
