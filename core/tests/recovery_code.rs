//! SET_RECOVERY_CODE and RESTORE_PIN with `method: RECOVERY_CODE`: one test per transition
//! (drawn in `docs/flows.md`), with real crypto (a code set up by one flow recovers in the
//! other).

mod common;

use common::*;
use latchkey_core::{Event, Flow, InputError, Screen};
use latchkey_protocol::recovery::{
    method, verify_proof, CodeRejection, NewRecoveryCode, ProofContext, RecoveryCode,
};
use latchkey_protocol::{ChallengeStatus, ChallengeType, ErrorCode, RecoveryDescriptor, Step};

const T: ChallengeType = ChallengeType::SetRecoveryCode;

fn code_event(s: &str) -> Event {
    Event::RecoveryCodeEntered(secret(s))
}

/// SET_RECOVERY_CODE up to ShowRecoveryCode.
fn at_show() -> Flow {
    let mut f = start(T);
    assert_eq!(f.state_name(), "EnterCurrentPin");
    let sub = submission(&feed(&mut f, pin(PIN))).clone();
    assert_eq!(sub.step, Step::CurrentPin);
    assert_eq!(f.state_name(), "VerifyingCurrentPin");
    feed(
        &mut f,
        accepted(Step::CurrentPin, ChallengeStatus::InProgress),
    );
    f
}

fn shown_groups(f: &Flow) -> Vec<String> {
    match f.screen() {
        Screen::ShowRecoveryCode {
            groups, warning, ..
        } => {
            assert!(warning.contains("Nobody"));
            groups.iter().map(|g| g.expose().to_owned()).collect()
        }
        other => panic!("expected ShowRecoveryCode, got {other:?}"),
    }
}

fn asked_groups(f: &Flow) -> Vec<u32> {
    match f.screen() {
        Screen::ConfirmRecoveryCode { groups, .. } => groups,
        other => panic!("expected ConfirmRecoveryCode, got {other:?}"),
    }
}

#[test]
fn set_up_pin_verified_shows_a_fresh_code_in_seven_groups() {
    let f = at_show();
    assert_eq!(f.state_name(), "ShowRecoveryCode");
    let groups = shown_groups(&f);
    assert_eq!(groups.len(), 7);
    let code = RecoveryCode::parse(&groups.join("-")).expect("the shown code parses");
    // Never in Debug: neither the flow's nor the screen's.
    assert!(!format!("{f:?}").contains(&groups[0]));
    assert!(!format!("{:?}", f.screen()).contains(code.expose()));
    assert_eq!(f.screen().progress().step, 2);
}

#[test]
fn set_up_acknowledged_asks_for_two_distinct_groups() {
    let mut f = at_show();
    feed(&mut f, Event::Acknowledged);
    assert_eq!(f.state_name(), "ConfirmRecoveryCode");
    let asked = asked_groups(&f);
    assert_eq!(asked.len(), 2);
    assert!(asked[0] < asked[1] && asked[1] <= 7 && asked[0] >= 1);
}

#[test]
fn set_up_confirm_back_shows_the_same_code_again() {
    let mut f = at_show();
    let before = shown_groups(&f);
    feed(&mut f, Event::Acknowledged);
    feed(&mut f, Event::Back);
    assert_eq!(f.state_name(), "ShowRecoveryCode");
    assert_eq!(shown_groups(&f), before);
}

#[test]
fn set_up_wrong_groups_stay_with_an_error_and_send_nothing() {
    let mut f = at_show();
    let groups = shown_groups(&f);
    feed(&mut f, Event::Acknowledged);
    let asked = asked_groups(&f);
    // The other groups, not the ones asked for.
    let wrong: Vec<&str> = (1..=7u32)
        .filter(|g| !asked.contains(g))
        .take(2)
        .map(|g| groups[g as usize - 1].as_str())
        .collect();
    let effects = feed(&mut f, code_event(&wrong.join(" ")));
    assert!(effects.is_empty());
    assert_eq!(f.state_name(), "ConfirmRecoveryCode");
    assert_eq!(
        error_of(&f),
        Some(ErrorCode::RecoveryCodeConfirmationMismatch)
    );
}

#[test]
fn set_up_confirmed_sends_public_key_wrapped_key_and_proof_only() {
    let mut f = at_show();
    let groups = shown_groups(&f);
    feed(&mut f, Event::Acknowledged);
    let asked = asked_groups(&f);
    let typed: Vec<String> = asked
        .iter()
        .map(|g| groups[*g as usize - 1].to_lowercase())
        .collect();
    let sub = submission(&feed(&mut f, code_event(&typed.join("-")))).clone();
    assert_eq!(f.state_name(), "Submitting");
    assert_eq!(sub.step, Step::Complete);
    let p = open(&T, &sub);
    let public_key = p.recovery_public_key.expect("public key");
    let b = setup_binding();
    let ctx = ProofContext {
        challenge_id: CHALLENGE_ID,
        method: &b.method,
        user_id: &b.user_id,
        version: b.version,
        nonce: &b.nonce,
    };
    verify_proof(&public_key, &ctx, &p.recovery_signature.expect("proof")).unwrap();
    assert!(p.recovery_wrapped_key.is_some());
    assert!(p.pin.is_none() && p.new_pin.is_none() && p.answers.is_none());
    // The code is nowhere in what is sent.
    let code: String = groups.concat();
    assert!(!sub.envelope.contains(&code));
    feed(&mut f, accepted(Step::Complete, ChallengeStatus::Complete));
    assert_eq!(f.state_name(), "Done");
}

#[test]
fn set_up_resumed_after_the_pin_fails_clearly() {
    let mut d = descriptor(T);
    d.verified_steps = vec![Step::CurrentPin];
    let f = Flow::start(d, key(), NOW).unwrap();
    assert_eq!(f.state_name(), "Failed");
    assert_eq!(
        f.screen().outcome_code(),
        Some(ErrorCode::RecoveryCodeSetupInterrupted)
    );
}

// ------------------------------------------------------------------------- recovery

/// A code set up for RECOVERY_USER version 3, and a RESTORE_PIN-by-code flow for it.
fn restore_flow() -> (Flow, NewRecoveryCode) {
    let rng = rng();
    let setup = ProofContext {
        challenge_id: "setup",
        method: method::RECOVERY_CODE,
        user_id: RECOVERY_USER,
        version: 3,
        nonce: RECOVERY_NONCE,
    };
    let made = NewRecoveryCode::create(&setup, &rng).unwrap();
    let mut d = descriptor(ChallengeType::RestorePin);
    d.questions.clear();
    d.hints.clear();
    d.recovery = Some(RecoveryDescriptor {
        method: method::RECOVERY_CODE.into(),
        user_id: RECOVERY_USER.into(),
        version: 3,
        nonce: RECOVERY_NONCE.into(),
        wrapped_key: Some(made.wrapped_key.clone()),
        previous_version: None,
    });
    (Flow::start(d, key(), NOW).unwrap(), made)
}

#[test]
fn recover_starts_at_enter_recovery_code() {
    let (f, _) = restore_flow();
    assert_eq!(f.state_name(), "EnterRecoveryCode");
    match f.screen() {
        Screen::EnterRecoveryCode {
            groups,
            group_length,
            attempts_left,
            error,
            progress,
        } => {
            assert_eq!((groups, group_length), (7, 5));
            assert_eq!(attempts_left, Some(3));
            assert!(error.is_none());
            assert_eq!((progress.step, progress.of), (1, 3));
        }
        other => panic!("{other:?}"),
    }
}

#[test]
fn recover_typo_names_the_group_and_sends_nothing() {
    let (mut f, made) = restore_flow();
    let mut groups: Vec<String> = made.code.groups().iter().map(|g| g.to_string()).collect();
    let c = groups[3].remove(1);
    groups[3].insert(1, if c == 'Z' { 'Y' } else { 'Z' });
    let effects = feed(&mut f, code_event(&groups.join("-")));
    assert!(effects.is_empty());
    assert_eq!(f.state_name(), "EnterRecoveryCode");
    match f.screen().error() {
        Some(InputError::RecoveryCode(CodeRejection::Typo { group: 4 })) => {}
        other => panic!("{other:?}"),
    }
    assert_eq!(
        f.screen().error().unwrap().to_string(),
        "the recovery code has a typo in group 4"
    );
}

#[test]
fn recover_wrong_code_fails_locally_and_sends_nothing() {
    let (mut f, _) = restore_flow();
    let other = RecoveryCode::generate(&rng()).unwrap();
    let effects = feed(&mut f, code_event(&other.display()));
    assert!(effects.is_empty());
    assert_eq!(f.state_name(), "EnterRecoveryCode");
    assert_eq!(error_of(&f), Some(ErrorCode::RecoveryCodeWrong));
}

#[test]
fn recover_tampered_wrapped_key_fails_locally() {
    let (f0, made) = restore_flow();
    drop(f0);
    let mut d = descriptor(ChallengeType::RestorePin);
    d.questions.clear();
    let mut w = made.wrapped_key.clone().into_bytes();
    w[20] = if w[20] == b'A' { b'B' } else { b'A' };
    d.recovery = Some(RecoveryDescriptor {
        method: method::RECOVERY_CODE.into(),
        user_id: RECOVERY_USER.into(),
        version: 3,
        nonce: RECOVERY_NONCE.into(),
        wrapped_key: Some(String::from_utf8(w).unwrap()),
        previous_version: None,
    });
    let mut f = Flow::start(d, key(), NOW).unwrap();
    assert!(feed(&mut f, code_event(made.code.expose())).is_empty());
    assert_eq!(error_of(&f), Some(ErrorCode::RecoveryCodeWrong));
}

#[test]
fn recover_right_code_sends_a_proof_bound_to_the_challenge() {
    let (mut f, made) = restore_flow();
    let sub = submission(&feed(
        &mut f,
        code_event(&made.code.display().to_lowercase()),
    ))
    .clone();
    assert_eq!(sub.step, Step::RecoveryProof);
    assert_eq!(f.state_name(), "VerifyingRecoveryCode");
    let p = open(&ChallengeType::RestorePin, &sub);
    let ctx = ProofContext {
        challenge_id: CHALLENGE_ID,
        method: method::RECOVERY_CODE,
        user_id: RECOVERY_USER,
        version: 3,
        nonce: RECOVERY_NONCE,
    };
    verify_proof(
        &made.public_key,
        &ctx,
        p.recovery_signature.as_deref().unwrap(),
    )
    .unwrap();
    assert!(!format!("{f:?}").contains(made.code.expose()));
}

#[test]
fn recover_proof_accepted_asks_for_the_new_pin_then_completes() {
    let (mut f, made) = restore_flow();
    feed(&mut f, code_event(made.code.expose()));
    feed(
        &mut f,
        accepted(Step::RecoveryProof, ChallengeStatus::InProgress),
    );
    assert_eq!(f.state_name(), "EnterNewPin");
    assert_eq!(f.screen().progress().step, 2);
    feed(&mut f, pin(PIN2));
    let sub = submission(&feed(&mut f, pin(PIN2))).clone();
    assert_eq!(sub.step, Step::Complete);
    assert_eq!(
        expose(&open(&ChallengeType::RestorePin, &sub).new_pin),
        Some(PIN2)
    );
    feed(&mut f, accepted(Step::Complete, ChallengeStatus::Complete));
    assert_eq!(f.state_name(), "Done");
}

#[test]
fn recover_proof_refused_asks_again_with_attempts_left() {
    let (mut f, made) = restore_flow();
    feed(&mut f, code_event(made.code.expose()));
    feed(
        &mut f,
        rejected(ErrorCode::IncorrectRecoveryCode, Some(1), None),
    );
    assert_eq!(f.state_name(), "EnterRecoveryCode");
    assert_eq!(error_of(&f), Some(ErrorCode::IncorrectRecoveryCode));
    match f.screen() {
        Screen::EnterRecoveryCode { attempts_left, .. } => assert_eq!(attempts_left, Some(1)),
        other => panic!("{other:?}"),
    }
}

#[test]
fn recover_locked_ends_in_locked() {
    let (mut f, made) = restore_flow();
    feed(&mut f, code_event(made.code.expose()));
    feed(
        &mut f,
        rejected(ErrorCode::RecoveryLocked, None, Some(LOCK_UNTIL)),
    );
    assert_eq!(f.state_name(), "Locked");
    assert_eq!(f.screen().outcome_code(), Some(ErrorCode::RecoveryLocked));
}

#[test]
fn recover_interrupted_retry_resends_the_same_proof() {
    let (mut f, made) = restore_flow();
    let sub = submission(&feed(&mut f, code_event(made.code.expose()))).clone();
    feed(&mut f, Event::TransportFailed(ErrorCode::NetworkError));
    assert_eq!(f.state_name(), "Interrupted");
    let again = submission(&feed(&mut f, Event::Retry)).clone();
    assert_eq!(again, sub);
    assert_eq!(f.state_name(), "VerifyingRecoveryCode");
}

#[test]
fn recover_resumed_after_the_proof_starts_at_the_new_pin() {
    let (_, made) = restore_flow();
    let mut d = descriptor(ChallengeType::RestorePin);
    d.questions.clear();
    d.verified_steps = vec![Step::RecoveryProof];
    d.recovery = Some(RecoveryDescriptor {
        method: method::RECOVERY_CODE.into(),
        user_id: RECOVERY_USER.into(),
        version: 3,
        nonce: RECOVERY_NONCE.into(),
        wrapped_key: Some(made.wrapped_key.clone()),
        previous_version: None,
    });
    let f = Flow::start(d, key(), NOW).unwrap();
    assert_eq!(f.state_name(), "EnterNewPin");
}

// ------------------------------------------------ INITIALIZE with `recoveryCode: true`

/// An INITIALIZE created with `recoveryCode` (its descriptor carries a set-up binding), walked
/// to the review: new PIN, confirmation, two questions answered.
fn initialize_at_review() -> Flow {
    let mut d = descriptor(ChallengeType::Initialize);
    d.recovery = Some(setup_binding());
    let mut f = Flow::start(d, key(), NOW).unwrap();
    assert_eq!(
        f.screen().progress().of,
        9,
        "3 + 2 x 2 questions + show + confirm"
    );
    feed(&mut f, pin(PIN));
    feed(&mut f, pin(PIN));
    for (q, a) in [("q01", "Rex"), ("q02", "Springfield")] {
        feed(&mut f, choose(q));
        feed(&mut f, answer(a, None));
    }
    assert_eq!(f.state_name(), "Review");
    assert_eq!(f.screen().progress().step, 7);
    f
}

#[test]
fn initialize_with_code_review_acknowledged_shows_a_code_and_sends_nothing() {
    let mut f = initialize_at_review();
    let effects = feed(&mut f, Event::Acknowledged);
    assert!(effects.is_empty(), "{effects:?}");
    assert_eq!(f.state_name(), "ShowRecoveryCode");
    assert_eq!(shown_groups(&f).len(), 7);
    assert_eq!(f.screen().progress().step, 8);
    assert!(f.can_go_back());
}

#[test]
fn initialize_with_code_back_from_the_code_returns_to_the_review() {
    let mut f = initialize_at_review();
    feed(&mut f, Event::Acknowledged);
    let first = shown_groups(&f);
    feed(&mut f, Event::Back);
    assert_eq!(f.state_name(), "Review");
    // The dropped code is not shown again: a fresh one is made after the review.
    feed(&mut f, Event::Acknowledged);
    assert_ne!(shown_groups(&f), first);
}

#[test]
fn initialize_with_code_confirmed_sends_pin_answers_and_the_code_key_together() {
    let mut f = initialize_at_review();
    feed(&mut f, Event::Acknowledged);
    let groups = shown_groups(&f);
    feed(&mut f, Event::Acknowledged);
    assert_eq!(f.state_name(), "ConfirmRecoveryCode");
    assert_eq!(f.screen().progress().step, 9);
    let typed: Vec<String> = asked_groups(&f)
        .iter()
        .map(|g| groups[*g as usize - 1].clone())
        .collect();
    let sub = submission(&feed(&mut f, code_event(&typed.join(" ")))).clone();
    assert_eq!(f.state_name(), "Submitting");
    assert_eq!(sub.step, Step::Complete);
    let p = open(&ChallengeType::Initialize, &sub);
    assert_eq!(expose(&p.new_pin), Some(PIN));
    assert_eq!(p.answers.as_ref().map(Vec::len), Some(2));
    assert_eq!(p.acknowledged, Some(true));
    let b = setup_binding();
    let ctx = ProofContext {
        challenge_id: CHALLENGE_ID,
        method: &b.method,
        user_id: &b.user_id,
        version: b.version,
        nonce: &b.nonce,
    };
    let public_key = p.recovery_public_key.expect("public key");
    verify_proof(&public_key, &ctx, &p.recovery_signature.expect("proof")).unwrap();
    assert!(p.recovery_wrapped_key.is_some());
    assert!(!sub.envelope.contains(&groups.concat()));
    feed(&mut f, accepted(Step::Complete, ChallengeStatus::Complete));
    assert_eq!(f.state_name(), "Done");
}

#[test]
fn initialize_without_code_review_acknowledged_still_completes_at_once() {
    let mut f = start(ChallengeType::Initialize);
    feed(&mut f, pin(PIN));
    feed(&mut f, pin(PIN));
    for (q, a) in [("q01", "Rex"), ("q02", "Springfield")] {
        feed(&mut f, choose(q));
        feed(&mut f, answer(a, None));
    }
    let sub = submission(&feed(&mut f, Event::Acknowledged)).clone();
    let p = open(&ChallengeType::Initialize, &sub);
    assert!(p.recovery_public_key.is_none() && p.recovery_signature.is_none());
    assert_eq!(f.screen().progress().of, 7);
}
