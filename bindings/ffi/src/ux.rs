//! What apps need to draw the SDK's screens without re-implementing its rules (issue 11): a
//! readable text per 155xxx code, the PIN length, the answer-normalisation hint, a screen's
//! progress and message, which credential a lock is on, a blockchain's id and name. Each is a
//! thin call into `latchkey-protocol` / `latchkey-core`.

use crate::{Blockchain, Progress, QuestionKind, Screen};
use latchkey_core as lk;
use latchkey_protocol as proto;

/// Which credential a `Screen.Locked` is about (UDL `LockedCredential`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum LockedCredential {
    /// The PIN (155119); recovery (questions or code) still works.
    Pin,
    /// Recovery: the security answers (155120) or recovery codes (155863), one shared count.
    SecurityQuestions,
}

impl From<lk::LockedCredential> for LockedCredential {
    fn from(c: lk::LockedCredential) -> Self {
        match c {
            lk::LockedCredential::Pin => LockedCredential::Pin,
            lk::LockedCredential::SecurityQuestions => LockedCredential::SecurityQuestions,
        }
    }
}

/// The readable, secret-free English description of a 155xxx code.
pub fn error_description(code: u32) -> String {
    proto::ErrorCode::from_code(code).description().to_owned()
}

/// The number of PIN digits under the default PIN rules.
pub fn pin_length() -> u32 {
    u32::try_from(proto::pin::PIN_LENGTH).unwrap_or(u32::MAX)
}

/// What the SDK does to an answer of `kind` before comparing it (default question policy).
pub fn answer_hint(kind: QuestionKind) -> String {
    proto::QuestionPolicy::default().answer_hint(&kind.to_core())
}

/// Where in the flow any screen is.
pub fn screen_progress(screen: Screen) -> Progress {
    match screen {
        Screen::EnterPin { progress, .. }
        | Screen::ChooseQuestion { progress, .. }
        | Screen::AnswerQuestion { progress, .. }
        | Screen::Review { progress, .. }
        | Screen::ReviewSignature { progress, .. }
        | Screen::Working { progress, .. }
        | Screen::Interrupted { progress, .. }
        | Screen::Done { progress, .. }
        | Screen::Failed { progress, .. }
        | Screen::Locked { progress, .. }
        | Screen::Cancelled { progress }
        | Screen::ShowRecoveryCode { progress, .. }
        | Screen::ConfirmRecoveryCode { progress, .. }
        | Screen::EnterRecoveryCode { progress, .. }
        | Screen::CloudWorking { progress, .. }
        | Screen::CloudStorageFailed { progress, .. }
        | Screen::StartCloudRestore { progress, .. }
        | Screen::NoCloudBackup { progress } => progress,
    }
}

/// The core screen that carries the same outcome code (for the core's own rules); `None` for
/// screens without a code.
fn outcome_screen(screen: &Screen) -> Option<lk::Screen> {
    let progress = lk::Progress { step: 1, of: 1 };
    let code = proto::ErrorCode::from_code;
    Some(match screen {
        Screen::Interrupted { code: c, .. } => lk::Screen::Interrupted {
            progress,
            error: code(*c),
        },
        Screen::Failed { code: c, .. } => lk::Screen::Failed {
            progress,
            error: code(*c),
        },
        Screen::Locked {
            code: c,
            recovery_required,
            ..
        } => lk::Screen::Locked {
            progress,
            code: code(*c),
            until: None,
            until_unix: None,
            recovery_required: *recovery_required,
        },
        Screen::Cancelled { .. } => lk::Screen::Cancelled { progress },
        other => return crate::cloud::outcome_screen(other),
    })
}

/// A readable sentence for Interrupted, Failed, Locked and Cancelled; null otherwise.
pub fn screen_message(screen: Screen) -> Option<String> {
    outcome_screen(&screen)
        .and_then(|s| s.message())
        .map(str::to_owned)
}

/// Which credential a `Screen.Locked` is about; null on other screens.
pub fn locked_credential(screen: Screen) -> Option<LockedCredential> {
    outcome_screen(&screen)
        .and_then(|s| s.locked_credential())
        .map(LockedCredential::from)
}

/// The blockchain's wire id, e.g. "ETH-SEPOLIA" ("UNKNOWN" for `Blockchain.Unknown`).
pub fn blockchain_id(blockchain: Blockchain) -> String {
    blockchain
        .to_core()
        .map_or_else(|| "UNKNOWN".to_owned(), |b| b.as_str().to_owned())
}

/// A human name for the blockchain, e.g. "Ethereum Sepolia".
pub fn blockchain_name(blockchain: Blockchain) -> String {
    blockchain.to_core().map_or_else(
        || "Unknown blockchain".to_owned(),
        |b| b.display_name().to_owned(),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn progress() -> Progress {
        Progress { step: 2, of: 5 }
    }

    #[test]
    fn helpers_forward_to_the_core() {
        assert_eq!(error_description(155112), "The PIN is incorrect.");
        assert_eq!(error_description(155999), "Unknown error code.");
        assert_eq!(pin_length(), 6);
        assert!(answer_hint(QuestionKind::Date).contains("YYYY-MM-DD"));
        assert!(answer_hint(QuestionKind::Text).contains("accents do"));
        let locked = Screen::Locked {
            progress: progress(),
            code: 155120,
            lock_expiry: None,
            lock_expiry_unix: None,
            recovery_required: false,
        };
        assert_eq!(screen_progress(locked.clone()), progress());
        assert_eq!(
            locked_credential(locked.clone()),
            Some(LockedCredential::SecurityQuestions)
        );
        assert_eq!(
            screen_message(locked).as_deref(),
            Some("Security questions are locked after too many wrong attempts.")
        );
        let done = Screen::Done {
            progress: progress(),
            result: None,
        };
        assert_eq!(screen_message(done.clone()), None);
        assert_eq!(locked_credential(done), None);
        assert_eq!(blockchain_id(Blockchain::EthSepolia), "ETH-SEPOLIA");
        assert_eq!(blockchain_name(Blockchain::EthSepolia), "Ethereum Sepolia");
        assert_eq!(blockchain_id(Blockchain::Unknown), "UNKNOWN");
    }

    #[test]
    fn recovery_screens_have_progress_and_no_message() {
        let enter = Screen::EnterRecoveryCode {
            progress: progress(),
            groups: 7,
            group_length: 5,
            error: None,
            attempts_left: Some(3),
        };
        assert_eq!(screen_progress(enter.clone()), progress());
        assert_eq!(screen_message(enter.clone()), None);
        assert_eq!(locked_credential(enter), None);
        let show = Screen::ShowRecoveryCode {
            progress: progress(),
            groups: vec![],
            warning: lk::RECOVERY_CODE_WARNING.into(),
        };
        assert_eq!(screen_progress(show.clone()), progress());
        assert_eq!(screen_message(show), None);
        let confirm = Screen::ConfirmRecoveryCode {
            progress: progress(),
            groups: vec![1, 5],
            error: None,
        };
        assert_eq!(screen_progress(confirm), progress());
        // A recovery lock (codes and questions share the count).
        let locked = Screen::Locked {
            progress: progress(),
            code: 155863,
            lock_expiry: None,
            lock_expiry_unix: None,
            recovery_required: false,
        };
        assert_eq!(
            locked_credential(locked.clone()),
            Some(LockedCredential::SecurityQuestions)
        );
        assert_eq!(
            screen_message(locked).as_deref(),
            Some("Recovery is locked after too many wrong attempts.")
        );
    }
}
