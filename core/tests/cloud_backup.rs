//! SET_CLOUD_BACKUP and RESTORE_PIN with `method: CLOUD_BACKUP`: one test per transition
//! (drawn in `docs/flows.md`), with real crypto (the entry a set-up writes recovers in the
//! other flow). The cloud calls are effects; these tests answer them by hand.

mod common;

use common::*;
use latchkey_core::{CloudBytes, CloudError, Effect, Event, Flow, Screen};
use latchkey_protocol::recovery::{
    backup_entry_name, method, verify_proof, NewCloudBackup, ProofContext,
};
use latchkey_protocol::{ChallengeStatus, ChallengeType, ErrorCode, RecoveryDescriptor, Step};

const T: ChallengeType = ChallengeType::SetCloudBackup;

fn name(v: u32) -> String {
    backup_entry_name(RECOVERY_USER, v)
}

/// The one CloudPut in `effects`: (name, bytes).
fn put(effects: &[Effect]) -> (String, CloudBytes) {
    match effects {
        [Effect::CloudPut { name, bytes }] => (name.clone(), bytes.clone()),
        other => panic!("expected one CloudPut, got {other:?}"),
    }
}

fn get(effects: &[Effect]) -> String {
    match effects {
        [Effect::CloudGet { name }] => name.clone(),
        other => panic!("expected one CloudGet, got {other:?}"),
    }
}

fn failed(reason: &str) -> Event {
    Event::CloudFailed(CloudError::new(reason))
}

fn cloud_screen(f: &Flow) -> (ErrorCode, String) {
    match f.screen() {
        Screen::CloudStorageFailed { error, reason, .. } => (error, reason),
        other => panic!("expected CloudStorageFailed, got {other:?}"),
    }
}

/// SET_CLOUD_BACKUP with `binding`, up to RegisteringBackup.
fn at_registering_with(binding: RecoveryDescriptor) -> Flow {
    let mut d = descriptor(T);
    d.recovery = Some(binding);
    let mut f = Flow::start(d, key(), NOW).unwrap();
    assert_eq!(f.state_name(), "EnterCurrentPin");
    let sub = submission(&feed(&mut f, pin(PIN))).clone();
    assert_eq!(sub.step, Step::CurrentPin);
    let sub = submission(&feed(
        &mut f,
        accepted(Step::CurrentPin, ChallengeStatus::InProgress),
    ))
    .clone();
    assert_eq!(sub.step, Step::RegisterCloudBackup);
    assert_eq!(f.state_name(), "RegisteringBackup");
    f
}

fn at_registering() -> Flow {
    at_registering_with(cloud_binding(Some(1)))
}

/// Up to WritingBackup: the entry written.
fn at_writing() -> (Flow, CloudBytes) {
    let mut f = at_registering();
    let effects = feed(
        &mut f,
        accepted(Step::RegisterCloudBackup, ChallengeStatus::InProgress),
    );
    let (n, bytes) = put(&effects);
    assert_eq!(n, name(2));
    (f, bytes)
}

fn at_checking() -> (Flow, CloudBytes) {
    let (mut f, bytes) = at_writing();
    assert_eq!(get(&feed(&mut f, Event::CloudWritten)), name(2));
    assert_eq!(f.state_name(), "CheckingBackup");
    (f, bytes)
}

fn at_acknowledging() -> (Flow, CloudBytes) {
    let (mut f, bytes) = at_checking();
    let sub = submission(&feed(&mut f, Event::CloudRead(Some(bytes.clone())))).clone();
    assert_eq!(sub.step, Step::Complete);
    assert_eq!(f.state_name(), "Submitting");
    (f, bytes)
}

#[test]
fn set_up_starts_at_the_current_pin() {
    assert_eq!(start(T).state_name(), "EnterCurrentPin");
    assert_eq!(start(T).screen().progress().of, 2);
}

#[test]
fn set_up_pin_verified_registers_public_key_wrapped_key_and_proof_only() {
    let f = at_registering();
    let sub = f.pending().unwrap().clone();
    let p = open(&T, &sub);
    let b = cloud_binding(Some(1));
    let ctx = ProofContext {
        challenge_id: CHALLENGE_ID,
        method: &b.method,
        user_id: &b.user_id,
        version: b.version,
        nonce: &b.nonce,
    };
    verify_proof(
        &p.recovery_public_key.expect("public key"),
        &ctx,
        &p.recovery_signature.expect("proof"),
    )
    .unwrap();
    assert!(p.recovery_wrapped_key.is_some());
    assert!(p.pin.is_none() && p.cloud_backup_version.is_none());
    assert!(is_working(&f.screen(), Step::RegisterCloudBackup));
}

#[test]
fn set_up_registered_writes_the_key_under_the_new_versions_name() {
    let (f, bytes) = at_writing();
    assert_eq!(f.state_name(), "WritingBackup");
    assert_eq!(bytes.expose().len(), 36);
    assert_eq!(&bytes.expose()[..4], b"LKB1");
    // Never in Debug: the flow's, the bytes' or the effect's.
    let hex: String = bytes.expose()[4..]
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect();
    assert!(!format!("{f:?}").contains(&hex));
    assert!(!format!("{bytes:?}").contains(&format!("{}", bytes.expose()[4])));
}

#[test]
fn set_up_register_interrupted_resends_the_same_envelope() {
    let mut f = at_registering();
    let sub = f.pending().unwrap().clone();
    feed(&mut f, Event::TransportFailed(ErrorCode::NetworkError));
    assert_eq!(f.state_name(), "Interrupted");
    let again = submission(&feed(&mut f, Event::Retry)).clone();
    assert_eq!(again, sub);
    assert_eq!(f.state_name(), "RegisteringBackup");
}

#[test]
fn set_up_register_refused_fails() {
    let mut f = at_registering();
    feed(&mut f, rejected(ErrorCode::CloudBackupChanged, None, None));
    assert_eq!(
        f.screen().outcome_code(),
        Some(ErrorCode::CloudBackupChanged)
    );
}

#[test]
fn set_up_written_reads_the_entry_back() {
    let (f, _) = at_checking();
    assert!(matches!(
        f.screen(),
        Screen::CloudWorking {
            action: latchkey_core::CloudAction::Checking,
            ..
        }
    ));
}

#[test]
fn set_up_write_failure_stops_with_the_apps_reason_and_retries_the_write() {
    let (mut f, bytes) = at_writing();
    feed(&mut f, failed("iCloud Keychain is off"));
    assert_eq!(f.state_name(), "CloudFailed");
    assert_eq!(
        cloud_screen(&f),
        (
            ErrorCode::CloudStorageFailed,
            "iCloud Keychain is off".into()
        )
    );
    let (n, again) = put(&feed(&mut f, Event::Retry));
    assert_eq!((n, again), (name(2), bytes));
    assert_eq!(f.state_name(), "WritingBackup");
}

#[test]
fn set_up_read_back_same_bytes_acknowledges_the_version() {
    let (f, _) = at_acknowledging();
    let p = open(&T, f.pending().unwrap());
    assert_eq!(p.cloud_backup_version, Some(2));
    assert!(p.recovery_public_key.is_none() && p.recovery_signature.is_none());
}

#[test]
fn set_up_read_back_different_or_missing_is_not_acknowledged_and_rewrites() {
    for found in [Some(CloudBytes::new(vec![1; 36])), None] {
        let (mut f, bytes) = at_checking();
        assert!(feed(&mut f, Event::CloudRead(found)).is_empty());
        assert_eq!(cloud_screen(&f).0, ErrorCode::CloudBackupReadBackMismatch);
        let (_, again) = put(&feed(&mut f, Event::Retry));
        assert_eq!(again, bytes);
    }
}

#[test]
fn set_up_read_back_failure_retries_the_read() {
    let (mut f, _) = at_checking();
    feed(&mut f, failed("offline"));
    assert_eq!(cloud_screen(&f).0, ErrorCode::CloudStorageFailed);
    assert_eq!(get(&feed(&mut f, Event::Retry)), name(2));
    assert_eq!(f.state_name(), "CheckingBackup");
}

#[test]
fn set_up_acknowledged_deletes_older_entries_then_done() {
    let (mut f, _) = at_acknowledging();
    let effects = feed(&mut f, accepted(Step::Complete, ChallengeStatus::Complete));
    assert_eq!(
        effects,
        vec![Effect::CloudDelete {
            names: vec![name(1)]
        }]
    );
    assert_eq!(f.state_name(), "DeletingOldBackup");
    feed(&mut f, Event::CloudDeleted);
    assert_eq!(f.state_name(), "Done");
}

#[test]
fn set_up_clean_up_failure_still_ends_done() {
    let (mut f, _) = at_acknowledging();
    feed(&mut f, accepted(Step::Complete, ChallengeStatus::Complete));
    feed(&mut f, failed("offline"));
    assert_eq!(f.state_name(), "Done");
}

#[test]
fn set_up_first_version_acknowledged_is_done_at_once() {
    let mut b = cloud_binding(None);
    b.version = 1;
    let mut f = at_registering_with(b);
    let (_, bytes) = put(&feed(
        &mut f,
        accepted(Step::RegisterCloudBackup, ChallengeStatus::InProgress),
    ));
    feed(&mut f, Event::CloudWritten);
    feed(&mut f, Event::CloudRead(Some(bytes)));
    assert!(feed(&mut f, accepted(Step::Complete, ChallengeStatus::Complete)).is_empty());
    assert_eq!(f.state_name(), "Done");
}

#[test]
fn set_up_ack_refused_fails_and_interrupted_resends() {
    let (mut f, _) = at_acknowledging();
    let sub = f.pending().unwrap().clone();
    feed(&mut f, Event::TransportFailed(ErrorCode::NetworkError));
    assert_eq!(submission(&feed(&mut f, Event::Retry)), &sub);
    feed(&mut f, rejected(ErrorCode::CloudBackupChanged, None, None));
    assert_eq!(
        f.screen().outcome_code(),
        Some(ErrorCode::CloudBackupChanged)
    );
}

#[test]
fn set_up_cancel_before_the_ack_deletes_the_new_entry_after_it_keeps_it() {
    let (mut f, _) = at_writing();
    let effects = feed(&mut f, Event::Cancel);
    assert_eq!(
        effects,
        vec![
            Effect::CloudDelete {
                names: vec![name(2)]
            },
            Effect::Cancel
        ]
    );
    let (mut f, _) = at_acknowledging();
    assert_eq!(feed(&mut f, Event::Cancel), vec![Effect::Cancel]);
    assert_eq!(f.state_name(), "Cancelled");
}

#[test]
fn set_up_resumed_after_the_pin_fails_clearly() {
    let mut d = descriptor(T);
    d.verified_steps = vec![Step::CurrentPin, Step::RegisterCloudBackup];
    let f = Flow::start(d, key(), NOW).unwrap();
    assert_eq!(
        f.screen().outcome_code(),
        Some(ErrorCode::CloudBackupSetupInterrupted)
    );
}

// ------------------------------------------------------------------------- recovery

/// A backup set up for RECOVERY_USER version 3, and a RESTORE_PIN-by-backup flow for it.
fn restore_flow() -> (Flow, NewCloudBackup) {
    let setup = ProofContext {
        challenge_id: "setup",
        method: method::CLOUD_BACKUP,
        user_id: RECOVERY_USER,
        version: 3,
        nonce: RECOVERY_NONCE,
    };
    let made = NewCloudBackup::create(&setup, &rng()).unwrap();
    let mut d = descriptor(ChallengeType::RestorePin);
    d.questions.clear();
    d.hints.clear();
    d.recovery = Some(RecoveryDescriptor {
        method: method::CLOUD_BACKUP.into(),
        user_id: RECOVERY_USER.into(),
        version: 3,
        nonce: RECOVERY_NONCE.into(),
        wrapped_key: Some(made.wrapped_key.clone()),
        previous_version: None,
    });
    (Flow::start(d, key(), NOW).unwrap(), made)
}

fn at_reading() -> (Flow, NewCloudBackup) {
    let (mut f, made) = restore_flow();
    assert_eq!(get(&feed(&mut f, Event::Acknowledged)), name(3));
    assert_eq!(f.state_name(), "ReadingBackup");
    (f, made)
}

#[test]
fn recover_starts_by_telling_the_user_the_cloud_is_read() {
    let (f, _) = restore_flow();
    assert_eq!(f.state_name(), "StartCloudRestore");
    assert!(matches!(
        f.screen(),
        Screen::StartCloudRestore {
            attempts_left: Some(3),
            ..
        }
    ));
    assert_eq!(f.screen().progress().of, 3);
}

#[test]
fn recover_acknowledged_reads_the_active_versions_entry() {
    at_reading();
}

#[test]
fn recover_missing_entry_says_no_backup_found_and_retry_reads_again() {
    let (mut f, _) = at_reading();
    assert!(feed(&mut f, Event::CloudRead(None)).is_empty());
    assert_eq!(f.state_name(), "NoCloudBackup");
    assert!(f
        .screen()
        .message()
        .unwrap()
        .contains("No backup was found"));
    assert_eq!(get(&feed(&mut f, Event::Retry)), name(3));
}

#[test]
fn recover_entry_opens_the_key_and_sends_a_proof_only() {
    let (mut f, made) = at_reading();
    let sub = submission(&feed(
        &mut f,
        Event::CloudRead(Some(CloudBytes::new(made.entry().to_vec()))),
    ))
    .clone();
    assert_eq!(sub.step, Step::RecoveryProof);
    assert_eq!(f.state_name(), "VerifyingRecoveryCode");
    let p = open(&ChallengeType::RestorePin, &sub);
    let ctx = ProofContext {
        challenge_id: CHALLENGE_ID,
        method: method::CLOUD_BACKUP,
        user_id: RECOVERY_USER,
        version: 3,
        nonce: RECOVERY_NONCE,
    };
    verify_proof(&made.public_key, &ctx, &p.recovery_signature.unwrap()).unwrap();
    feed(
        &mut f,
        accepted(Step::RecoveryProof, ChallengeStatus::InProgress),
    );
    assert_eq!(f.state_name(), "EnterNewPin");
    feed(&mut f, pin(PIN2));
    feed(&mut f, pin(PIN2));
    feed(&mut f, accepted(Step::Complete, ChallengeStatus::Complete));
    assert_eq!(f.state_name(), "Done");
}

#[test]
fn recover_entry_that_does_not_open_the_key_fails_without_sending() {
    for entry in [vec![0u8; 36], b"LKB1-but-not-a-key".to_vec()] {
        let (mut f, _) = at_reading();
        let mut e = entry.clone();
        e[..4].copy_from_slice(b"LKB1");
        assert!(feed(&mut f, Event::CloudRead(Some(CloudBytes::new(e)))).is_empty());
        assert_eq!(
            f.screen().outcome_code(),
            Some(ErrorCode::CloudBackupWrongKey)
        );
    }
}

#[test]
fn recover_storage_failure_retries_the_read() {
    let (mut f, _) = at_reading();
    feed(&mut f, failed("Block Store unavailable"));
    assert_eq!(
        cloud_screen(&f),
        (
            ErrorCode::CloudStorageFailed,
            "Block Store unavailable".into()
        )
    );
    assert_eq!(get(&feed(&mut f, Event::Retry)), name(3));
    assert_eq!(f.state_name(), "ReadingBackup");
}

#[test]
fn recover_refused_proof_returns_to_the_start_with_attempts_left() {
    let (mut f, made) = at_reading();
    feed(
        &mut f,
        Event::CloudRead(Some(CloudBytes::new(made.entry().to_vec()))),
    );
    feed(
        &mut f,
        rejected(ErrorCode::IncorrectRecoveryCode, Some(1), None),
    );
    assert_eq!(f.state_name(), "StartCloudRestore");
    assert!(matches!(
        f.screen(),
        Screen::StartCloudRestore {
            attempts_left: Some(1),
            error: Some(_),
            ..
        }
    ));
}

#[test]
fn recover_resumed_after_the_proof_asks_for_the_new_pin() {
    let (_, made) = restore_flow();
    let mut d = descriptor(ChallengeType::RestorePin);
    d.recovery = Some(RecoveryDescriptor {
        method: method::CLOUD_BACKUP.into(),
        user_id: RECOVERY_USER.into(),
        version: 3,
        nonce: RECOVERY_NONCE.into(),
        wrapped_key: Some(made.wrapped_key.clone()),
        previous_version: None,
    });
    d.verified_steps = vec![Step::RecoveryProof];
    assert_eq!(
        Flow::start(d, key(), NOW).unwrap().state_name(),
        "EnterNewPin"
    );
}
