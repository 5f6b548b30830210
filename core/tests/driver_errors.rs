//! Errors the driver reports against the real server: bad keys (no request), expired and
//! unknown tokens, expired challenges, misuse, an unreachable server, and a result deadline.

mod net;

use latchkey_core::{
    ChallengeStatus, ChallengeType, Client, CredentialStatus, ErrorCode, Input, LatchkeyError,
    LockedCredential, PinPurpose, Screen, Secret,
};
use net::proxy::Proxy;
use net::*;
use std::time::Duration;

#[tokio::test]
async fn bad_encryption_key_is_refused_without_a_request() {
    let world = start_server(|_| {}).await;
    let proxy = Proxy::start(world.server.local_addr()).await;
    world.admin.create_user("key-user").await.unwrap();
    let t = world.admin.create_user_token("key-user").await.unwrap();
    let client = Client::new(fast_config(&proxy.url())).unwrap();
    for bad in ["", "not base64!", "AAAAAAAAAAAAAAAAAAAAAA==", &t.user_token] {
        let e = client.session(&t.user_token, bad).unwrap_err();
        assert_eq!(e, LatchkeyError::InvalidKey);
        assert_eq!(e.code().code(), 155118);
        assert!(!e.to_string().contains(&t.user_token));
    }
    assert!(proxy.log().is_empty(), "no request: {:?}", proxy.log());
    let s = client.session(&t.user_token, &t.encryption_key).unwrap();
    assert!(!format!("{s:?}").contains(&t.user_token));
    assert!(!format!("{s:?}").contains(&t.encryption_key));
    world.server.shutdown().await;
}

#[tokio::test]
async fn expired_and_unknown_tokens() {
    let world = start_server(|c| c.token_ttl = Duration::from_secs(1)).await;
    let (session, token) = new_user(&world, "ttl-user", &world.server.base_url()).await;
    let id = create(&world, &token, ChallengeType::Initialize).await;
    tokio::time::sleep(Duration::from_millis(1300)).await;
    let e = session.run_challenge(&id).await.unwrap_err();
    assert_eq!(
        e,
        LatchkeyError::SessionExpired {
            code: ErrorCode::TokenExpired
        }
    );
    let e = session.pending_challenges().await.unwrap_err();
    assert_eq!(e.code(), ErrorCode::TokenExpired);

    let client = Client::new(fast_config(&world.server.base_url())).unwrap();
    let t = world.admin.create_user_token("ttl-user").await.unwrap();
    let unknown = client.session(&"A".repeat(43), &t.encryption_key).unwrap();
    assert_eq!(
        unknown.challenge(&id).await.unwrap_err(),
        LatchkeyError::SessionExpired {
            code: ErrorCode::TokenNotFound
        }
    );
    let malformed = client.session("short", &t.encryption_key).unwrap();
    assert_eq!(
        malformed.challenge(&id).await.unwrap_err().code(),
        ErrorCode::InvalidToken
    );
    assert!(matches!(
        client.session("", &t.encryption_key).unwrap_err(),
        LatchkeyError::SessionExpired {
            code: ErrorCode::InvalidToken
        }
    ));
    world.server.shutdown().await;
}

#[tokio::test]
async fn expired_challenges() {
    // 2 s, not 1: the client places the expiry on the server's clock through the `Date`
    // header, whose one-second resolution could make a 1 s challenge look expired at once.
    let world = start_server(|c| c.challenge_ttl = Duration::from_secs(2)).await;
    let (session, token) = new_user(&world, "exp-user", &world.server.base_url()).await;
    let started = create(&world, &token, ChallengeType::Initialize).await;
    let unstarted = create(&world, &token, ChallengeType::Initialize).await;
    let run = session.run_challenge(&started).await.unwrap();
    run.submit(pin("135790")).await.unwrap();
    tokio::time::sleep(Duration::from_millis(3100)).await;
    // An input after expiry ends the run on a Failed screen (a user-visible outcome).
    let s = run.submit(pin("135790")).await.unwrap();
    assert!(
        matches!(
            s,
            Screen::Failed {
                error: ErrorCode::ChallengeExpired,
                ..
            }
        ),
        "{s:?}"
    );
    let c = run.wait_for_result(Duration::from_secs(5)).await.unwrap();
    assert_eq!(c.status, ChallengeStatus::Expired);
    assert_eq!(c.error_code, Some(ErrorCode::ChallengeExpired));
    // A challenge that expired before it was started cannot be run.
    let e = session.run_challenge(&unstarted).await.unwrap_err();
    assert_eq!(e, LatchkeyError::ChallengeExpired);
    assert_eq!(e.code().code(), 155121);
    world.server.shutdown().await;
}

#[tokio::test]
async fn misuse_and_server_refusals() {
    let world = start_server(|_| {}).await;
    let (session, token) = new_user(&world, "misuse-user", &world.server.base_url()).await;
    // CHANGE_PIN without a PIN: the developer API refuses (155110).
    let e = world
        .admin
        .create_challenge(&token, ChallengeType::ChangePin, "k-1")
        .await
        .unwrap_err();
    assert_eq!(e.code(), ErrorCode::PinNotSet);
    assert!(matches!(e, LatchkeyError::Server { .. }));
    // Not an id / nobody's challenge.
    assert_eq!(
        session.run_challenge("../users").await.unwrap_err().code(),
        ErrorCode::InvalidChallenge
    );
    let e = session
        .run_challenge("9b2f7c3e-1d4a-4f7e-9a51-0c3d2e1f4a5b")
        .await
        .unwrap_err();
    assert_eq!(e.code(), ErrorCode::InvalidChallenge);

    let id = create(&world, &token, ChallengeType::Initialize).await;
    let run = session.run_challenge(&id).await.unwrap();
    // Back on the first screen, and an input that does not fit: Err, nothing changes.
    let before = run.screen();
    assert_eq!(
        run.back().await.unwrap_err().code(),
        ErrorCode::UnexpectedInput
    );
    let e = run
        .submit(Input::ChooseQuestion("q01".into()))
        .await
        .unwrap_err();
    assert!(matches!(e, LatchkeyError::InvalidInput { .. }));
    assert_eq!(run.screen(), before);
    let e = run.retry().await.unwrap_err();
    assert_eq!(e.code(), ErrorCode::UnexpectedInput);
    // The run is IN_PROGRESS on the server: the result deadline passes.
    let e = run
        .wait_for_result(Duration::from_millis(200))
        .await
        .unwrap_err();
    assert_eq!(
        e,
        LatchkeyError::Timeout {
            status: ChallengeStatus::InProgress
        }
    );
    // A finished challenge cannot be run again.
    run.cancel().await.unwrap();
    let e = session.run_challenge(&id).await.unwrap_err();
    assert_eq!(e.code(), ErrorCode::ChallengeNotActive);
    world.server.shutdown().await;
}

#[tokio::test]
async fn unreachable_server_is_a_network_error_after_retries() {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    drop(listener); // nothing listens there now
    let client = Client::new(fast_config(&url)).unwrap();
    let s = client
        .session(
            &"A".repeat(43),
            "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=",
        )
        .unwrap();
    let e = s.run_challenge("abc-123").await.unwrap_err();
    match e {
        LatchkeyError::Network { code, attempts, .. } => {
            assert_eq!(code, ErrorCode::NetworkError);
            assert_eq!(attempts, 5);
        }
        other => panic!("expected Network, got {other:?}"),
    }
    assert!(Client::new(latchkey_core::ClientConfig::new("ftp://x")).is_err());
}

/// Load shedding is retried after the server's `Retry-After`: with a per-IP limit of 1
/// request per second (burst 1) every call after the first is refused with 429 155834 and
/// `Retry-After: 1`; the driver waits that long and sends it again, so every call succeeds
/// (before, a 429 was a final error). A refused request changed nothing on the server, so even
/// `create_user` may be sent again.
#[tokio::test]
async fn rate_limited_calls_are_retried_after_retry_after() {
    let world = start_server(|c| {
        c.rate_limit_ip_per_sec = 1;
        c.rate_limit_ip_burst = 1;
    })
    .await;
    let cfg = latchkey_core::ClientConfig {
        max_backoff: Duration::from_secs(2),
        ..fast_config(&world.server.base_url())
    };
    let admin = latchkey_core::AdminClient::new(cfg, API_KEY).unwrap();
    for user in ["throttled-1", "throttled-2", "throttled-3"] {
        let u = admin
            .create_user(user)
            .await
            .expect("created after Retry-After");
        assert_eq!(u.id, user);
    }
    assert_eq!(
        admin.get_user("throttled-2").await.unwrap().id,
        "throttled-2"
    );
}

/// Answers disabled by the lifetime cap (155833) through the SDK: the run ends `Locked` with
/// `recovery_required`, its message says what to do, and a SET_SECURITY_QUESTIONS run (current
/// PIN, new questions and answers) brings recovery by answers back; RESTORE_PIN then works.
#[tokio::test]
async fn disabled_answers_come_back_with_the_pin() {
    let world = start_server(|c| {
        c.max_attempts = 1;
        c.max_failed_total = 1;
    })
    .await;
    let (session, token) = new_user(&world, "answers-sdk-user", &world.server.base_url()).await;
    let id = create(&world, &token, ChallengeType::Initialize).await;
    let run = session.run_challenge(&id).await.unwrap();
    assert!(matches!(
        initialize(&run, "135790").await,
        Screen::Done { .. }
    ));

    // One wrong answer set reaches the cap (1).
    let id = create(&world, &token, ChallengeType::RestorePin).await;
    let run = session.run_challenge(&id).await.unwrap();
    let mut s = run.screen();
    while let Screen::AnswerQuestion { .. } = s {
        s = run
            .submit(Input::Answer {
                answer: Secret::from_str_copy("not the answer"),
                hint: None,
            })
            .await
            .unwrap();
    }
    match &s {
        Screen::Locked {
            code,
            recovery_required,
            until,
            ..
        } => {
            assert_eq!(*code, ErrorCode::AnswersDisabled);
            assert!(*recovery_required);
            assert_eq!(*until, None);
        }
        other => panic!("expected Locked, got {other:?}"),
    }
    assert_eq!(
        s.locked_credential(),
        Some(LockedCredential::SecurityQuestions)
    );
    assert!(
        s.message().unwrap().contains("set new ones with your PIN"),
        "{:?}",
        s.message()
    );

    // New questions and answers with the PIN.
    let id = create(&world, &token, ChallengeType::SetSecurityQuestions).await;
    let run = session.run_challenge(&id).await.unwrap();
    assert!(matches!(
        run.screen(),
        Screen::EnterPin {
            purpose: PinPurpose::Current,
            ..
        }
    ));
    let mut s = run.submit(pin("135790")).await.unwrap();
    loop {
        s = match s {
            Screen::ChooseQuestion { options, .. } => run
                .submit(Input::ChooseQuestion(options[0].id.clone()))
                .await
                .unwrap(),
            Screen::AnswerQuestion { question, .. } => run
                .submit(Input::Answer {
                    answer: Secret::from_str_copy(answer_for(&question)),
                    hint: None,
                })
                .await
                .unwrap(),
            Screen::Review { .. } => run.submit(Input::Acknowledge).await.unwrap(),
            other => break assert!(matches!(other, Screen::Done { .. }), "{other:?}"),
        };
    }
    let u = world.admin.get_user("answers-sdk-user").await.unwrap();
    assert_eq!(u.security_question_status, CredentialStatus::Enabled);

    // Recovery by answers works again.
    let id = create(&world, &token, ChallengeType::RestorePin).await;
    let run = session.run_challenge(&id).await.unwrap();
    assert!(matches!(restore(&run, "864201").await, Screen::Done { .. }));
    world.server.shutdown().await;
}
