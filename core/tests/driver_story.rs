//! The whole story against the real server over loopback (SQLite): initialize with a PIN and
//! two questions, change the PIN, three wrong PINs lock it, recover with the answers, and the
//! new PIN works. A counting proxy checks the round trips.

mod net;

use latchkey_core::{
    ChallengeStatus, ChallengeType, CredentialStatus, ErrorCode, Input, InputError, PinPurpose,
    Screen,
};
use net::proxy::Proxy;
use net::*;
use std::time::Duration;

const PIN1: &str = "135790";
const PIN2: &str = "246801";
const PIN3: &str = "975310";
const WRONG: &str = "112358";

#[tokio::test]
async fn full_story() {
    let world = start_server(|_| {}).await;
    let proxy = Proxy::start(world.server.local_addr()).await;
    let (session, token) = new_user(&world, "story-user", &proxy.url()).await;

    // ---- INITIALIZE: PIN + 2 questions (an insecure PIN and a mismatch first, sent nowhere).
    let id = create(&world, &token, ChallengeType::Initialize).await;
    proxy.clear_log();
    let run = session.run_challenge(&id).await.expect("run");
    assert_eq!(run.challenge_type(), ChallengeType::Initialize);
    let s = run
        .submit(pin("123456"))
        .await
        .expect("insecure pin is a screen");
    assert!(
        matches!(
            &s,
            Screen::EnterPin {
                purpose: PinPurpose::New,
                error: Some(InputError::InsecurePin(_)),
                ..
            }
        ),
        "{s:?}"
    );
    run.submit(pin(PIN1)).await.expect("new");
    let s = run.submit(pin(PIN2)).await.expect("mismatch is a screen");
    assert_eq!(s.error(), Some(&InputError::PinMismatch));
    // A PIN on a question screen is misuse: Err, nothing changes.
    let s = initialize(&run, PIN1).await;
    assert!(matches!(s, Screen::Done { .. }), "{s:?}");
    assert_eq!(proxy.count("/descriptor"), 1);
    assert_eq!(proxy.count("/steps"), 1, "INITIALIZE completes in one step");
    let c = run
        .wait_for_result(Duration::from_secs(5))
        .await
        .expect("result");
    assert_eq!(c.status, ChallengeStatus::Complete);
    let u = world.admin.get_user("story-user").await.unwrap();
    assert_eq!(u.pin_status, CredentialStatus::Enabled);
    assert_eq!(u.security_question_status, CredentialStatus::Enabled);
    // Input after the end is misuse.
    let e = run.submit(pin(PIN1)).await.unwrap_err();
    assert_eq!(e.code(), ErrorCode::ChallengeNotActive);

    // ---- CHANGE_PIN PIN1 -> PIN2 in 3 requests before the poll.
    let id = create(&world, &token, ChallengeType::ChangePin).await;
    proxy.clear_log();
    let run = session.run_challenge(&id).await.unwrap();
    let e = run.submit(Input::Acknowledge).await.unwrap_err();
    assert_eq!(e.code(), ErrorCode::UnexpectedInput, "{e}");
    assert_eq!(run.pin_length(), 6);
    assert!(!run.can_go_back(), "nothing before the current PIN");
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
    assert!(!run.can_go_back(), "the verified PIN is not asked again");
    run.submit(pin(PIN2)).await.unwrap();
    assert!(run.can_go_back(), "confirmation -> new PIN");
    let s = run.submit(pin(PIN2)).await.unwrap();
    assert!(matches!(s, Screen::Done { .. }), "{s:?}");
    assert!(!run.can_go_back(), "ended");
    assert_eq!(
        proxy.log().len(),
        3,
        "CHANGE_PIN round trips: {:?}",
        proxy.log()
    );
    assert_eq!(
        run.wait_for_result(Duration::from_secs(5))
            .await
            .unwrap()
            .status,
        ChallengeStatus::Complete
    );

    // ---- three wrong current PINs -> locked with an expiry.
    let id = create(&world, &token, ChallengeType::ChangePin).await;
    let run = session.run_challenge(&id).await.unwrap();
    let mut rx = run.subscribe();
    for left in [2u32, 1] {
        let s = run.submit(pin(WRONG)).await.unwrap();
        match s {
            Screen::EnterPin {
                purpose: PinPurpose::Current,
                error: Some(InputError::IncorrectPin),
                attempts_left,
                ..
            } => assert_eq!(attempts_left, Some(left)),
            other => panic!("expected wrong-PIN screen, got {other:?}"),
        }
    }
    let s = run.submit(pin(WRONG)).await.unwrap();
    let Screen::Locked {
        code,
        until,
        until_unix,
        ..
    } = &s
    else {
        panic!("expected Locked, got {s:?}")
    };
    assert_eq!(*code, ErrorCode::PinLocked);
    assert!(until.is_some());
    let remaining = s.lock_remaining(now()).expect("lock expiry");
    assert!(remaining > 60, "lock lasts: {remaining}s ({until_unix:?})");
    assert!(rx.has_changed().unwrap());
    assert_eq!(
        *rx.borrow_and_update(),
        s,
        "subscribers see the latest screen"
    );
    let c = run.wait_for_result(Duration::from_secs(5)).await.unwrap();
    assert_eq!(c.status, ChallengeStatus::Failed);
    assert_eq!(c.error_code, Some(ErrorCode::PinLocked));
    let u = world.admin.get_user("story-user").await.unwrap();
    assert_eq!(u.pin_status, CredentialStatus::Locked);
    assert_eq!(u.pin_details.failed_attempts, 3);
    assert!(u.pin_details.locked_expiry_date.is_some());
    // The device sees the same status with its session (no API key): `Session::user`.
    assert_eq!(session.user().await.expect("GET /v1/user"), u);
    assert_eq!(s.message(), Some(ErrorCode::PinLocked.description()));

    // While locked, a PIN guess is refused as locked (even the right PIN). (Before issue 9 this
    // was a SIGN_MESSAGE; signing now needs a wallet: see driver_wallets.rs.)
    let id = create(&world, &token, ChallengeType::ChangePin).await;
    let run = session.run_challenge(&id).await.unwrap();
    let s = run.submit(pin(PIN2)).await.unwrap();
    assert!(
        matches!(
            s,
            Screen::Locked {
                code: ErrorCode::PinLocked,
                ..
            }
        ),
        "{s:?}"
    );

    // ---- RESTORE_PIN with the answers (hints shown), in 3 requests before the poll.
    let id = create(&world, &token, ChallengeType::RestorePin).await;
    proxy.clear_log();
    let run = session.run_challenge(&id).await.unwrap();
    match run.screen() {
        Screen::AnswerQuestion {
            saved_hint,
            hint_allowed,
            ..
        } => {
            assert_eq!(saved_hint.as_deref(), Some("think of home"));
            assert!(!hint_allowed);
        }
        other => panic!("expected a recovery question, got {other:?}"),
    }
    let s = restore(&run, PIN3).await;
    assert!(matches!(s, Screen::Done { .. }), "{s:?}");
    assert_eq!(
        proxy.log().len(),
        3,
        "RESTORE_PIN round trips: {:?}",
        proxy.log()
    );
    assert_eq!(
        run.wait_for_result(Duration::from_secs(5))
            .await
            .unwrap()
            .status,
        ChallengeStatus::Complete
    );
    let u = world.admin.get_user("story-user").await.unwrap();
    assert_eq!(
        u.pin_status,
        CredentialStatus::Enabled,
        "restore clears the lock"
    );
    assert_eq!(u.pin_details.failed_attempts, 0);

    // ---- the new PIN works, the old one does not (CHANGE_PIN PIN3 -> PIN1).
    let id = create(&world, &token, ChallengeType::ChangePin).await;
    let run = session.run_challenge(&id).await.unwrap();
    let s = run.submit(pin(PIN2)).await.unwrap();
    assert!(
        matches!(
            &s,
            Screen::EnterPin {
                error: Some(InputError::IncorrectPin),
                attempts_left: Some(2),
                ..
            }
        ),
        "old PIN refused: {s:?}"
    );
    run.submit(pin(PIN3)).await.unwrap();
    run.submit(pin(PIN1)).await.unwrap();
    assert!(matches!(
        run.submit(pin(PIN1)).await.unwrap(),
        Screen::Done { .. }
    ));
    assert_eq!(
        world
            .admin
            .get_user("story-user")
            .await
            .unwrap()
            .pin_details
            .failed_attempts,
        0
    );

    // Nothing left pending; the list shows every challenge.
    assert!(session.pending_challenges().await.unwrap().is_empty());
    assert_eq!(session.challenges().await.unwrap().len(), 6);
    world.server.shutdown().await;
}

fn now() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs() as i64
}
