//! Client time and retries against the real server over loopback (issue 12): expiry judged by
//! the server's clock on a skewed device, `Retry` after a lost reply past local expiry, a
//! refusal the user can fix, no resend of calls without an idempotency key, and load shedding
//! (503/429 with `Retry-After`). The device clock is injected; nothing sleeps to make time pass.

mod net;

use latchkey_core::driver::Clock;
use latchkey_core::{
    AdminClient, ChallengeStatus, ChallengeType, Client, ClientConfig, CredentialStatus, ErrorCode,
    Input, InputError, LatchkeyError, PinPurpose, Screen, Secret, Session,
};
use net::proxy::{Fault, Proxy};
use net::*;
use std::sync::atomic::{AtomicI64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant, SystemTime};

const PIN1: &str = "135790";

/// A device clock `skew` seconds off the real one, adjustable while the test runs.
fn device_clock(skew: &Arc<AtomicI64>) -> Clock {
    let skew = skew.clone();
    Clock::from_fn(move || {
        let s = skew.load(Ordering::SeqCst);
        let d = Duration::from_secs(s.unsigned_abs());
        if s >= 0 {
            SystemTime::now() + d
        } else {
            SystemTime::now() - d
        }
    })
}

/// A session for a new user through `base_url` with the device clock `clock`.
async fn session_with(
    world: &World,
    user: &str,
    base_url: &str,
    clock: Clock,
) -> (Client, Session, String) {
    world.admin.create_user(user).await.unwrap();
    let t = world.admin.create_user_token(user).await.unwrap();
    let client = Client::new(ClientConfig {
        clock,
        ..fast_config(base_url)
    })
    .unwrap();
    let session = client.session(&t.user_token, &t.encryption_key).unwrap();
    (client, session, t.user_token)
}

#[tokio::test]
async fn a_device_clock_15_minutes_fast_still_runs_the_challenge() {
    let world = start_server(|_| {}).await;
    // Challenges live 15 minutes: by this device's clock every one is born expired.
    let skew = Arc::new(AtomicI64::new(15 * 60 + 5));
    let (client, session, token) = session_with(
        &world,
        "clock-fast-user",
        &world.server.base_url(),
        device_clock(&skew),
    )
    .await;
    let id = create(&world, &token, ChallengeType::Initialize).await;
    let run = session.run_challenge(&id).await.unwrap();
    assert!(
        matches!(
            run.screen(),
            Screen::EnterPin {
                purpose: PinPurpose::New,
                ..
            }
        ),
        "{:?}",
        run.screen()
    );
    let offset = client.server_clock_offset().expect("measured from Date");
    assert!(
        (-(15 * 60 + 7)..=-(15 * 60 + 3)).contains(&offset),
        "{offset}"
    );
    let s = initialize(&run, PIN1).await;
    assert!(matches!(s, Screen::Done { .. }), "{s:?}");

    // A device clock an hour slow: the offset follows (the latest reply wins).
    skew.store(-3600, Ordering::SeqCst);
    let id = create(&world, &token, ChallengeType::ChangePin).await;
    let run = session.run_challenge(&id).await.unwrap();
    assert!(matches!(run.screen(), Screen::EnterPin { .. }));
    let offset = client.server_clock_offset().unwrap();
    assert!((3597..=3603).contains(&offset), "{offset}");
    let c = session.challenge(&id).await.unwrap();
    assert_eq!(c.status, ChallengeStatus::InProgress);
}

#[tokio::test]
async fn retry_after_a_lost_complete_past_local_expiry_gets_the_servers_complete() {
    let world = start_server(|_| {}).await;
    let proxy = Proxy::start(world.server.local_addr()).await;
    let skew = Arc::new(AtomicI64::new(0));
    let (_, session, token) =
        session_with(&world, "retry-late-user", &proxy.url(), device_clock(&skew)).await;
    let id = create(&world, &token, ChallengeType::Initialize).await;
    let run = session.run_challenge(&id).await.unwrap();
    // INITIALIZE sends one step (COMPLETE). The server completes it, and every reply to it
    // (the first and the 4 automatic resends) is lost.
    proxy.inject("/steps", vec![Fault::DropAfterForward; 5]);
    let s = initialize(&run, PIN1).await;
    assert!(matches!(s, Screen::Interrupted { .. }), "{s:?}");
    assert_eq!(proxy.count("/steps"), 5, "{:?}", proxy.log());
    assert_eq!(
        session.challenge(&id).await.unwrap().status,
        ChallengeStatus::Complete
    );
    // The user comes back after the challenge's expiry (device and server agree on it).
    skew.store(3600, Ordering::SeqCst);
    let s = run.retry().await.unwrap();
    assert!(matches!(s, Screen::Done { .. }), "{s:?}");
    assert_eq!(proxy.count("/steps"), 6);
}

#[tokio::test]
async fn an_answer_the_servers_rules_refuse_returns_to_the_screen() {
    let world = start_server(|_| {}).await;
    let proxy = Proxy::start(world.server.local_addr()).await;
    let (_, session, token) =
        session_with(&world, "fixable-user", &proxy.url(), Clock::system()).await;
    let id = create(&world, &token, ChallengeType::Initialize).await;
    // The SDK is told answers of 1 character are fine; the server wants 2 (its rules are
    // stricter than the client's).
    proxy.inject(
        "/descriptor",
        [Fault::Rewrite {
            from: r#""minAnswerChars":2"#.into(),
            to: r#""minAnswerChars":1"#.into(),
        }],
    );
    let run = session.run_challenge(&id).await.unwrap();
    run.submit(pin(PIN1)).await.unwrap();
    run.submit(pin(PIN1)).await.unwrap();
    for _ in 0..2 {
        let Screen::ChooseQuestion { options, .. } = run.screen() else {
            panic!("{:?}", run.screen())
        };
        let q = options
            .iter()
            .find(|q| q.kind == latchkey_core::QuestionKind::Text)
            .unwrap()
            .id
            .clone();
        run.submit(Input::ChooseQuestion(q)).await.unwrap();
        run.submit(Input::Answer {
            answer: Secret::from_str_copy("x"),
            hint: None,
        })
        .await
        .unwrap();
    }
    let s = run.submit(Input::Acknowledge).await.unwrap();
    match &s {
        Screen::EnterPin {
            purpose: PinPurpose::New,
            error: Some(e),
            ..
        } => {
            assert_eq!(*e, InputError::RefusedByServer(ErrorCode::InvalidAnswer));
        }
        other => panic!("expected the new-PIN screen with the server's refusal: {other:?}"),
    }
    // The user fixes it and the same challenge completes.
    let s = initialize(&run, PIN1).await;
    assert!(matches!(s, Screen::Done { .. }), "{s:?}");
}

#[tokio::test]
async fn calls_without_an_idempotency_key_are_not_resent_after_a_lost_reply() {
    let world = start_server(|_| {}).await;
    let proxy = Proxy::start(world.server.local_addr()).await;
    let admin = AdminClient::new(fast_config(&proxy.url()), API_KEY).unwrap();

    proxy.inject("/v1/users", [Fault::DropAfterForward]);
    let e = admin.create_user("lost-reply-user").await.unwrap_err();
    assert!(
        matches!(e, LatchkeyError::Network { attempts: 1, .. }),
        "{e:?}"
    );
    assert_eq!(proxy.count("POST /v1/users "), 1, "{:?}", proxy.log());
    // It was created: a resend would have been refused with 155101.
    world.admin.get_user("lost-reply-user").await.unwrap();

    proxy.inject("/v1/users/token", [Fault::DropAfterForward]);
    let e = admin
        .create_user_token("lost-reply-user")
        .await
        .unwrap_err();
    assert!(
        matches!(e, LatchkeyError::Network { attempts: 1, .. }),
        "{e:?}"
    );
    assert_eq!(proxy.count("POST /v1/users/token"), 1, "{:?}", proxy.log());

    // Idempotent calls are still resent.
    proxy.inject("/v1/users/", [Fault::DropAfterForward]);
    admin.get_user("lost-reply-user").await.unwrap();
    assert_eq!(proxy.count("GET /v1/users/lost-reply-user"), 2);
}

#[tokio::test]
async fn load_shedding_waits_for_retry_after_then_retries() {
    let world = start_server(|_| {}).await;
    let proxy = Proxy::start(world.server.local_addr()).await;
    let (_, session, token) =
        session_with(&world, "busy-user", &proxy.url(), Clock::system()).await;
    let id = create(&world, &token, ChallengeType::Initialize).await;

    // 503 "busy" (155830) with Retry-After: 1 on the descriptor: waited, then fetched.
    proxy.inject(
        "/descriptor",
        [Fault::Shed {
            status: 503,
            retry_after: 1,
            code: Some(155_830),
        }],
    );
    let t = Instant::now();
    let run = session.run_challenge(&id).await.unwrap();
    assert!(t.elapsed() >= Duration::from_secs(1), "{:?}", t.elapsed());
    assert_eq!(proxy.count("/descriptor"), 2);

    // 429 without a body on the sealed step: the same envelope is resent after the wait.
    proxy.inject(
        "/steps",
        [Fault::Shed {
            status: 429,
            retry_after: 1,
            code: None,
        }],
    );
    let t = Instant::now();
    let s = initialize(&run, PIN1).await;
    assert!(matches!(s, Screen::Done { .. }), "{s:?}");
    assert!(t.elapsed() >= Duration::from_secs(1), "{:?}", t.elapsed());
    assert_eq!(proxy.count("/steps"), 2);
}

#[tokio::test]
async fn load_shedding_past_the_bound_fails_clearly() {
    let world = start_server(|_| {}).await;
    let proxy = Proxy::start(world.server.local_addr()).await;
    let (_, session, _) = session_with(&world, "shed-user", &proxy.url(), Clock::system()).await;

    // A wait longer than max_retry_after (30 s): a clear error at once, no wait, no resend.
    proxy.inject(
        "/v1/user/challenges",
        [Fault::Shed {
            status: 503,
            retry_after: 3600,
            code: Some(155_830),
        }],
    );
    let t = Instant::now();
    let e = session.challenges().await.unwrap_err();
    assert!(t.elapsed() < Duration::from_secs(30), "{:?}", t.elapsed());
    assert_eq!(
        e,
        LatchkeyError::ServerBusy {
            code: ErrorCode::from_code(155_830),
            attempts: 1,
            retry_after_secs: Some(3600),
        }
    );
    assert!(e.is_retryable());
    assert_eq!(proxy.count("/v1/user/challenges"), 1);

    // Busy on every attempt (Retry-After: 0): the bound on retries ends it with the same error.
    proxy.clear_log();
    let shed = Fault::Shed {
        status: 429,
        retry_after: 0,
        code: Some(155_834),
    };
    proxy.inject("/v1/user/challenges", vec![shed; 5]);
    let e = session.challenges().await.unwrap_err();
    assert_eq!(
        e,
        LatchkeyError::ServerBusy {
            code: ErrorCode::from_code(155_834),
            attempts: 5,
            retry_after_secs: Some(0),
        }
    );
    assert_eq!(proxy.count("/v1/user/challenges"), 5);
    // Then the server answers again.
    session.challenges().await.unwrap();
}

/// The SDK against the real server's admission control, not an injected reply: the server runs
/// with one Argon2 slot and no wait queue (`--argon2-concurrency 1 --argon2-queue 0`), the test
/// holds that slot (`RunningServer::hold_argon2_permit`, the admission every PIN/answer check
/// takes) while three users complete INITIALIZE at once. The server sheds every COMPLETE (503
/// 155830, `Retry-After: 1`) and runs no Argon2 for it; the slot is freed once all three were
/// shed, and each run's resend after `Retry-After` completes (before issue 12 the waiting
/// queue was unbounded; before the client half, a 503 was resent after the 20 ms backoff).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_full_argon2_queue_on_the_real_server_is_waited_out() {
    let world = start_server(|c| {
        c.argon2_concurrency = 1;
        c.argon2_in_flight = 1;
        c.argon2_queue = 0;
    })
    .await;
    let proxy = Proxy::start(world.server.local_addr()).await;
    let mut runs = Vec::new();
    for i in 0..3 {
        let (_, session, token) = session_with(
            &world,
            &format!("queue-user-{i}"),
            &proxy.url(),
            Clock::system(),
        )
        .await;
        let id = create(&world, &token, ChallengeType::Initialize).await;
        runs.push(session.run_challenge(&id).await.unwrap());
    }
    let slot = world
        .server
        .hold_argon2_permit()
        .await
        .expect("the server's only Argon2 slot");
    let mut tasks = tokio::task::JoinSet::new();
    for run in runs {
        tasks.spawn(async move {
            let t = Instant::now();
            let s = initialize(&run, PIN1).await;
            (s, t.elapsed())
        });
    }
    // Every user's COMPLETE met the full server and was shed (not queued).
    while proxy.replies("/steps", 503) < 3 {
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    let runs_before = world.server.argon2_runs();
    drop(slot);
    while let Some(r) = tasks.join_next().await {
        let (s, elapsed) = r.unwrap();
        assert!(matches!(s, Screen::Done { .. }), "{s:?}");
        assert!(elapsed >= Duration::from_secs(1), "{elapsed:?}");
    }
    assert_eq!(proxy.replies("/steps", 200), 3, "{:?}", proxy.log());
    assert!(proxy.count("/steps") >= 6, "{:?}", proxy.log());
    // INITIALIZE hashes the PIN and the answers: 2 runs per completion, none for a shed one.
    assert_eq!(world.server.argon2_runs() - runs_before, 6);
    for i in 0..3 {
        let u = world
            .admin
            .get_user(&format!("queue-user-{i}"))
            .await
            .unwrap();
        assert_eq!(u.pin_status, CredentialStatus::Enabled);
    }
}
