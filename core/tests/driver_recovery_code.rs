//! Recovery codes through the driver against the real server over loopback (SQLite): set up a
//! code behind the PIN (shown, two groups retyped), then recover with it: a typo and a wrong
//! code are caught on the device (nothing sent, no attempt used), the right one sets a new PIN,
//! burns the code and logs the user's other sessions out.

mod net;

use latchkey_core::{
    ChallengeType, CredentialStatus, ErrorCode, Input, InputError, Screen, Secret,
};
use net::proxy::Proxy;
use net::*;

const PIN1: &str = "135790";
const PIN2: &str = "246801";

fn code(s: &str) -> Input {
    Input::RecoveryCode(Secret::from_str_copy(s))
}

#[tokio::test]
async fn set_up_a_code_then_recover_with_it() {
    let world = start_server(|_| {}).await;
    let proxy = Proxy::start(world.server.local_addr()).await;
    let (session, token) = new_user(&world, "code-user", &proxy.url()).await;
    let id = create(&world, &token, ChallengeType::Initialize).await;
    let run = session.run_challenge(&id).await.unwrap();
    assert!(matches!(initialize(&run, PIN1).await, Screen::Done { .. }));

    // ---- set up
    let id = create(&world, &token, ChallengeType::SetRecoveryCode).await;
    let run = session.run_challenge(&id).await.unwrap();
    let s = run.submit(pin(PIN1)).await.unwrap();
    let groups: Vec<String> = match &s {
        Screen::ShowRecoveryCode { groups, .. } => {
            groups.iter().map(|g| g.expose().to_owned()).collect()
        }
        other => panic!("expected the code, got {other:?}"),
    };
    assert_eq!(groups.len(), 7);
    let asked = match run.submit(Input::Acknowledge).await.unwrap() {
        Screen::ConfirmRecoveryCode { groups, .. } => groups,
        other => panic!("{other:?}"),
    };
    let typed: Vec<&str> = asked
        .iter()
        .map(|g| groups[*g as usize - 1].as_str())
        .collect();
    let s = run.submit(code(&typed.join(" "))).await.unwrap();
    assert!(matches!(s, Screen::Done { .. }), "{s:?}");
    let u = world.admin.get_user("code-user").await.unwrap();
    assert_eq!(u.recovery_code_status, CredentialStatus::Enabled);

    // ---- recover (the user "forgot" the PIN); another session of the user exists.
    let (other, _) = {
        let t = world.admin.create_user_token("code-user").await.unwrap();
        let c = latchkey_core::Client::new(fast_config(&proxy.url())).unwrap();
        (c.session(&t.user_token, &t.encryption_key).unwrap(), t)
    };
    assert!(other.challenges().await.is_ok());
    let id = world
        .admin
        .create_restore_pin_with_code(&token, &latchkey_core::new_idempotency_key())
        .await
        .unwrap();
    let run = session.run_challenge(&id).await.unwrap();
    assert!(matches!(run.screen(), Screen::EnterRecoveryCode { .. }));
    proxy.clear_log();
    // A typo in group 4: named, nothing sent.
    let mut typo = groups.clone();
    let c = typo[3].remove(0);
    typo[3].insert(0, if c == 'Z' { 'Y' } else { 'Z' });
    let s = run.submit(code(&typo.join("-"))).await.unwrap();
    match s.error() {
        Some(InputError::RecoveryCode(r)) => assert_eq!(r.group(), Some(4)),
        other => panic!("{other:?}"),
    }
    // Another well-formed code: does not open the key, nothing sent.
    let wrong =
        latchkey_protocol::recovery::RecoveryCode::generate(&ring::rand::SystemRandom::new())
            .unwrap();
    let s = run.submit(code(&wrong.display())).await.unwrap();
    assert_eq!(
        s.error().map(|e| e.code()),
        Some(ErrorCode::RecoveryCodeWrong)
    );
    assert!(proxy.log().is_empty(), "nothing sent: {:?}", proxy.log());
    // The right code (lower case, spaces): proof verified, then the new PIN.
    let s = run
        .submit(code(&groups.join(" ").to_lowercase()))
        .await
        .unwrap();
    assert!(matches!(s, Screen::EnterPin { .. }), "{s:?}");
    run.submit(pin(PIN2)).await.unwrap();
    let s = run.submit(pin(PIN2)).await.unwrap();
    assert!(matches!(s, Screen::Done { .. }), "{s:?}");
    let u = world.admin.get_user("code-user").await.unwrap();
    assert_eq!(u.recovery_code_status, CredentialStatus::Unset, "burnt");
    assert_eq!(
        other.challenges().await.unwrap_err().code(),
        ErrorCode::TokenExpired,
        "the other session is revoked"
    );
    // The new PIN works.
    let id = create(&world, &token, ChallengeType::ChangePin).await;
    let run = session.run_challenge(&id).await.unwrap();
    let s = run.submit(pin(PIN2)).await.unwrap();
    assert!(matches!(s, Screen::EnterPin { error: None, .. }), "{s:?}");
    world.server.shutdown().await;
}
