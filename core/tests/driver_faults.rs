//! Faults between the SDK and the real server, injected by a TCP proxy written here: dropped
//! connections (before and after the server saw the request), lost replies, 503s, delays
//! beyond the request timeout, dropped futures and cancellation mid-flight. Retries must
//! finish the flow with no duplicate challenge and no extra guess counted.

mod net;

use latchkey_core::{
    AdminClient, ChallengeRun, ChallengeStatus, ChallengeType, Client, ClientConfig, ErrorCode,
    InputError, LatchkeyError, PinPurpose, Screen, Session,
};
use net::proxy::{Fault, Proxy};
use net::*;
use std::sync::Arc;
use std::time::Duration;

const PIN1: &str = "135790";
const PIN2: &str = "246801";
const WRONG: &str = "112358";

/// A server, a proxy in front of it, and an initialized user whose session goes through the
/// proxy.
async fn setup(user: &str, cfg: ClientConfig) -> (World, Proxy, Session, String) {
    let world = start_server(|_| {}).await;
    let proxy = Proxy::start(world.server.local_addr()).await;
    world.admin.create_user(user).await.unwrap();
    let t = world.admin.create_user_token(user).await.unwrap();
    let session = Client::new(ClientConfig {
        base_url: proxy.url(),
        ..cfg
    })
    .unwrap()
    .session(&t.user_token, &t.encryption_key)
    .unwrap();
    let id = create(&world, &t.user_token, ChallengeType::Initialize).await;
    let run = session.run_challenge(&id).await.unwrap();
    assert!(matches!(initialize(&run, PIN1).await, Screen::Done { .. }));
    proxy.clear_log();
    (world, proxy, session, t.user_token)
}

async fn failed_pins(world: &World, user: &str) -> u32 {
    world
        .admin
        .get_user(user)
        .await
        .unwrap()
        .pin_details
        .failed_attempts
}

async fn count_type(session: &Session, t: ChallengeType) -> usize {
    session
        .challenges()
        .await
        .unwrap()
        .iter()
        .filter(|c| c.challenge_type == t)
        .count()
}

#[tokio::test]
async fn lost_replies_and_drops_count_one_guess_and_finish() {
    let (world, proxy, session, token) = setup("fault-user-1", fast_config("http://x")).await;
    let id = create(&world, &token, ChallengeType::ChangePin).await;
    let run = session.run_challenge(&id).await.unwrap();

    // A wrong PIN whose reply is lost twice: delivered three times, counted once.
    proxy.inject("/steps", [Fault::DropAfterForward, Fault::DropAfterForward]);
    let s = run.submit(pin(WRONG)).await.unwrap();
    assert!(
        matches!(
            &s,
            Screen::EnterPin {
                purpose: PinPurpose::Current,
                error: Some(InputError::IncorrectPin),
                attempts_left: Some(2),
                ..
            }
        ),
        "{s:?}"
    );
    assert_eq!(proxy.count("/steps"), 3, "{:?}", proxy.log());
    assert_eq!(
        failed_pins(&world, "fault-user-1").await,
        1,
        "one guess counted"
    );

    // The right PIN through a dropped connection, a 503 and a lost reply.
    proxy.inject(
        "/steps",
        [
            Fault::DropBeforeForward,
            Fault::Reply503,
            Fault::DropAfterForward,
        ],
    );
    let s = run.submit(pin(PIN1)).await.unwrap();
    assert!(
        matches!(
            s,
            Screen::EnterPin {
                purpose: PinPurpose::New,
                ..
            }
        ),
        "{s:?}"
    );
    run.submit(pin(PIN2)).await.unwrap();
    // COMPLETE whose reply is lost: the resend gets the recorded reply.
    proxy.inject("/steps", [Fault::DropAfterForward]);
    let s = run.submit(pin(PIN2)).await.unwrap();
    assert!(matches!(s, Screen::Done { .. }), "{s:?}");
    let c = run.wait_for_result(Duration::from_secs(5)).await.unwrap();
    assert_eq!(c.status, ChallengeStatus::Complete);
    assert_eq!(failed_pins(&world, "fault-user-1").await, 0);
    assert_eq!(count_type(&session, ChallengeType::ChangePin).await, 1);

    // The new PIN is the one set.
    let id = create(&world, &token, ChallengeType::ChangePin).await;
    let run = session.run_challenge(&id).await.unwrap();
    let s = run.submit(pin(PIN2)).await.unwrap();
    assert!(
        matches!(
            s,
            Screen::EnterPin {
                purpose: PinPurpose::New,
                ..
            }
        ),
        "{s:?}"
    );
    run.cancel().await.unwrap();
    world.server.shutdown().await;
}

#[tokio::test]
async fn lost_reply_on_create_makes_no_second_challenge() {
    let (world, proxy, session, token) = setup("fault-user-2", fast_config("http://x")).await;
    let admin = AdminClient::new(fast_config(&proxy.url()), API_KEY).unwrap();
    proxy.inject(
        "/v1/user/pin",
        [
            Fault::DropAfterForward,
            Fault::Reply503,
            Fault::DropAfterForward,
        ],
    );
    let key = latchkey_core::new_idempotency_key();
    let id = admin
        .create_challenge(&token, ChallengeType::ChangePin, &key)
        .await
        .unwrap();
    assert_eq!(proxy.count("PUT /v1/user/pin"), 4, "{:?}", proxy.log());
    assert_eq!(count_type(&session, ChallengeType::ChangePin).await, 1);
    // Asking again with the same key returns the same challenge.
    let again = admin
        .create_challenge(&token, ChallengeType::ChangePin, &key)
        .await
        .unwrap();
    assert_eq!(again, id);
    let pending = session.pending_challenges().await.unwrap();
    assert_eq!(pending.len(), 1);
    assert_eq!(pending[0].id, id);
    world.server.shutdown().await;
}

#[tokio::test]
async fn delay_beyond_timeout_is_retried_with_the_same_envelope() {
    let cfg = ClientConfig {
        request_timeout: Duration::from_millis(700),
        ..fast_config("http://x")
    };
    let (world, proxy, session, token) = setup("fault-user-3", cfg).await;
    let id = create(&world, &token, ChallengeType::ChangePin).await;
    let run = session.run_challenge(&id).await.unwrap();
    // The first copy of the wrong PIN reaches the server late (after the client gave up and
    // resent it); both copies are one guess.
    proxy.inject("/steps", [Fault::Delay(Duration::from_millis(1200))]);
    let s = run.submit(pin(WRONG)).await.unwrap();
    assert_eq!(s.error(), Some(&InputError::IncorrectPin), "{s:?}");
    // Let the late copy arrive.
    tokio::time::sleep(Duration::from_millis(900)).await;
    // At least the late copy and one resend; on a loaded machine a resend can also outlive the
    // 700 ms timeout and be sent once more. However many copies arrive, they are one guess.
    assert!(proxy.count("/steps") >= 2, "{:?}", proxy.log());
    assert_eq!(failed_pins(&world, "fault-user-3").await, 1);
    world.server.shutdown().await;
}

#[tokio::test]
async fn exhausted_retries_show_interrupted_and_retry_resends() {
    let (world, proxy, session, token) = setup("fault-user-4", fast_config("http://x")).await;
    let id = create(&world, &token, ChallengeType::ChangePin).await;
    let run = session.run_challenge(&id).await.unwrap();
    // Every attempt (1 + max_retries = 5) delivers the wrong PIN but loses the reply.
    proxy.inject("/steps", vec![Fault::DropAfterForward; 5]);
    let s = run.submit(pin(WRONG)).await.unwrap();
    assert!(
        matches!(
            s,
            Screen::Interrupted {
                error: ErrorCode::NetworkError,
                ..
            }
        ),
        "{s:?}"
    );
    assert_eq!(proxy.count("/steps"), 5);
    // Input is refused while interrupted; retry resends the identical envelope.
    let e = run.submit(pin(PIN1)).await.unwrap_err();
    assert!(matches!(e, LatchkeyError::InvalidInput { .. }), "{e:?}");
    let s = run.retry().await.unwrap();
    assert!(
        matches!(
            &s,
            Screen::EnterPin {
                error: Some(InputError::IncorrectPin),
                attempts_left: Some(2),
                ..
            }
        ),
        "{s:?}"
    );
    assert_eq!(
        failed_pins(&world, "fault-user-4").await,
        1,
        "six deliveries, one guess"
    );

    // A server that stays unreachable: Interrupted again, then cancel.
    proxy.inject("/steps", vec![Fault::Reply503; 5]);
    let s = run.submit(pin(PIN1)).await.unwrap();
    assert!(matches!(s, Screen::Interrupted { .. }), "{s:?}");
    let s = run.cancel().await.unwrap();
    assert!(matches!(s, Screen::Cancelled { .. }));
    let c = session.challenge(&id).await.unwrap();
    assert_eq!(c.status, ChallengeStatus::Failed);
    assert_eq!(c.error_code, Some(ErrorCode::CancelledByUser));
    assert_eq!(failed_pins(&world, "fault-user-4").await, 1);
    world.server.shutdown().await;
}

#[tokio::test]
async fn dropped_future_leaves_a_retryable_run() {
    let (world, proxy, session, token) = setup("fault-user-5", fast_config("http://x")).await;
    let id = create(&world, &token, ChallengeType::ChangePin).await;
    let run = session.run_challenge(&id).await.unwrap();
    proxy.inject("/steps", [Fault::Delay(Duration::from_millis(1500))]);
    let dropped = tokio::time::timeout(Duration::from_millis(300), run.submit(pin(PIN1))).await;
    assert!(dropped.is_err(), "the submit was still in flight");
    assert!(
        matches!(run.screen(), Screen::Interrupted { .. }),
        "{:?}",
        run.screen()
    );
    let s = run.retry().await.unwrap();
    assert!(
        matches!(
            s,
            Screen::EnterPin {
                purpose: PinPurpose::New,
                ..
            }
        ),
        "{s:?}"
    );
    tokio::time::sleep(Duration::from_millis(1500)).await; // the delayed copy is replayed
    run.submit(pin(PIN2)).await.unwrap();
    assert!(matches!(
        run.submit(pin(PIN2)).await.unwrap(),
        Screen::Done { .. }
    ));
    assert_eq!(failed_pins(&world, "fault-user-5").await, 0);
    world.server.shutdown().await;
}

#[tokio::test]
async fn cancel_interrupts_a_call_in_flight() {
    let (world, proxy, session, token) = setup("fault-user-6", fast_config("http://x")).await;
    let id = create(&world, &token, ChallengeType::ChangePin).await;
    let run: Arc<ChallengeRun> = Arc::new(session.run_challenge(&id).await.unwrap());
    proxy.inject("/steps", [Fault::Delay(Duration::from_secs(3))]);
    let r = run.clone();
    let task = tokio::spawn(async move { r.submit(pin(PIN1)).await });
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert!(matches!(run.screen(), Screen::Working { .. }));
    assert_eq!(run.back().await.unwrap_err(), LatchkeyError::Busy);
    let s = run.cancel().await.unwrap();
    assert!(matches!(s, Screen::Cancelled { .. }), "{s:?}");
    let s = task.await.unwrap().unwrap();
    assert!(matches!(s, Screen::Cancelled { .. }), "{s:?}");
    let c = run.wait_for_result(Duration::from_secs(5)).await.unwrap();
    assert_eq!(c.status, ChallengeStatus::Failed);
    assert_eq!(c.error_code, Some(ErrorCode::CancelledByUser));
    // Cancel again: nothing changes.
    assert!(matches!(
        run.cancel().await.unwrap(),
        Screen::Cancelled { .. }
    ));
    world.server.shutdown().await;
}

#[tokio::test]
async fn client_vanishing_mid_request_counts_one_guess() {
    let (world, proxy, session, token) = setup("fault-user-7", fast_config("http://x")).await;
    let id = create(&world, &token, ChallengeType::ChangePin).await;
    let run = session.run_challenge(&id).await.unwrap();
    // The server sees its client go away while it verifies the wrong PIN; the resend (same
    // envelope) must get the one recorded verdict, whether it arrives during or after.
    proxy.inject("/steps", [Fault::AbortUpstream]);
    let s = run.submit(pin(WRONG)).await.unwrap();
    assert!(
        matches!(
            &s,
            Screen::EnterPin {
                error: Some(InputError::IncorrectPin),
                attempts_left: Some(2),
                ..
            }
        ),
        "{s:?}"
    );
    assert_eq!(failed_pins(&world, "fault-user-7").await, 1);
    proxy.inject("/steps", [Fault::AbortUpstream]);
    let s = run.submit(pin(PIN1)).await.unwrap();
    assert!(
        matches!(
            s,
            Screen::EnterPin {
                purpose: PinPurpose::New,
                ..
            }
        ),
        "{s:?}"
    );
    assert_eq!(failed_pins(&world, "fault-user-7").await, 0);
    world.server.shutdown().await;
}

#[tokio::test]
async fn in_progress_is_retried_and_out_of_order_is_final() {
    let (world, proxy, session, token) = setup("fault-user-8", fast_config("http://x")).await;
    let id = create(&world, &token, ChallengeType::ChangePin).await;
    let run = session.run_challenge(&id).await.unwrap();
    // "Still being processed" (155816, Retry-After) twice, even on the first send: the SDK
    // waits and resends the identical envelope; the third copy reaches the server.
    let in_progress = Fault::Reply409 {
        code: 155816,
        retry_after: true,
    };
    proxy.inject("/steps", [in_progress.clone(), in_progress]);
    let s = run.submit(pin(WRONG)).await.unwrap();
    assert!(
        matches!(
            &s,
            Screen::EnterPin {
                error: Some(InputError::IncorrectPin),
                attempts_left: Some(2),
                ..
            }
        ),
        "{s:?}"
    );
    assert_eq!(proxy.count("/steps"), 3, "{:?}", proxy.log());
    assert_eq!(failed_pins(&world, "fault-user-8").await, 1);

    // 155805 is final, also on a resend (the first copy was lost on the way): no third copy.
    proxy.clear_log();
    proxy.inject(
        "/steps",
        [
            Fault::DropBeforeForward,
            Fault::Reply409 {
                code: 155805,
                retry_after: false,
            },
        ],
    );
    let s = run.submit(pin(PIN1)).await.unwrap();
    assert!(
        matches!(
            s,
            Screen::Failed {
                error: ErrorCode::StepOutOfOrder,
                ..
            }
        ),
        "{s:?}"
    );
    assert_eq!(proxy.count("/steps"), 2, "{:?}", proxy.log());
    world.server.shutdown().await;
}

#[tokio::test]
async fn in_progress_on_every_attempt_interrupts_and_retry_resends() {
    let cfg = ClientConfig {
        max_retries: 1,
        ..fast_config("http://x")
    };
    let (world, proxy, session, token) = setup("fault-user-9", cfg).await;
    let id = create(&world, &token, ChallengeType::ChangePin).await;
    let run = session.run_challenge(&id).await.unwrap();
    let in_progress = Fault::Reply409 {
        code: 155816,
        retry_after: true,
    };
    proxy.inject("/steps", [in_progress.clone(), in_progress]);
    let s = run.submit(pin(PIN1)).await.unwrap();
    assert!(
        matches!(
            s,
            Screen::Interrupted {
                error: ErrorCode::StepInProgress,
                ..
            }
        ),
        "{s:?}"
    );
    assert!(LatchkeyError::from_code(ErrorCode::StepInProgress).is_retryable());
    // retry() resends the same envelope, which now reaches the server.
    let s = run.retry().await.unwrap();
    assert!(
        matches!(
            s,
            Screen::EnterPin {
                purpose: PinPurpose::New,
                ..
            }
        ),
        "{s:?}"
    );
    assert_eq!(proxy.count("/steps"), 3, "{:?}", proxy.log());
    assert_eq!(failed_pins(&world, "fault-user-9").await, 0);
    world.server.shutdown().await;
}
