//! What the app draws: one [`Screen`] per state of a flow.

use crate::error::InputError;
use crate::review::SignatureReview;
use latchkey_protocol::{ChallengeResult, ErrorCode, Question, Secret, Step};

/// The warning the user acknowledges before new security questions are saved.
pub const ACKNOWLEDGEMENT_TEXT: &str = "If you lose your PIN and forget the answers to your \
security questions, you lose access to your wallet. Nobody, including the wallet provider, can \
recover it for you.";

/// The warning shown with a new recovery code.
pub const RECOVERY_CODE_WARNING: &str = "Write this recovery code down and keep it somewhere \
safe. With it you can set a new PIN if you forget yours. Nobody, including the wallet provider, \
can see it or recover it for you; it is shown only now.";

/// What [`Screen::NoCloudBackup`] says.
pub const NO_CLOUD_BACKUP_TEXT: &str = "No backup was found in this account's cloud. Check that \
you are signed in to the cloud account you used when you set up the backup, then try again.";

/// What the app's cloud storage is doing on [`Screen::CloudWorking`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CloudAction {
    /// Writing the new backup to the cloud.
    Saving,
    /// Reading the new backup back to check it.
    Checking,
    /// Deleting the previous backup (after the new one is active).
    CleaningUp,
    /// Reading the backup to recover.
    Reading,
}

/// Step `step` of `of` user-visible steps of the flow (1-based).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Progress {
    /// The current step, from 1.
    pub step: u32,
    /// The number of steps.
    pub of: u32,
}

/// Question slot `number` of `of` (1-based).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Slot {
    /// The slot, from 1.
    pub number: u32,
    /// The number of slots.
    pub of: u32,
}

/// Which PIN a PIN screen asks for.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PinPurpose {
    /// The user's current PIN (verify, authorise).
    Current,
    /// A new PIN.
    New,
    /// The new PIN again.
    Confirm,
}

/// Which credential a [`Screen::Locked`] says is locked.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum LockedCredential {
    /// The PIN, after too many wrong PINs (155119). "Forgot PIN" (recovery with the security
    /// questions) still works.
    Pin,
    /// The security answers, after too many wrong answers (155120).
    SecurityQuestions,
}

/// One chosen question on the review screen.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ReviewEntry {
    /// The question.
    pub question: Question,
    /// The hint the user gave, if any (hints are not secret).
    pub hint: Option<String>,
}

/// What the app shows now. Carries no PIN or answer.
// One screen exists per user action; the review's size does not matter, and a Box would only
// complicate the FFI mapping.
#[allow(clippy::large_enum_variant)]
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum Screen {
    /// Ask for a PIN. Send [`Event::PinEntered`](crate::Event::PinEntered).
    EnterPin {
        /// Which PIN.
        purpose: PinPurpose,
        /// Where in the flow.
        progress: Progress,
        /// Why the last input was refused.
        error: Option<InputError>,
        /// Wrong PINs still allowed before a lock (current-PIN screens only).
        attempts_left: Option<u32>,
    },
    /// Let the user pick a question. Send [`Event::QuestionChosen`](crate::Event::QuestionChosen).
    ChooseQuestion {
        /// Where in the flow.
        progress: Progress,
        /// Which question slot.
        slot: Slot,
        /// The catalogue minus the questions already chosen.
        options: Vec<Question>,
        /// Why the last choice was refused.
        error: Option<InputError>,
    },
    /// Ask for one answer. Send [`Event::AnswerGiven`](crate::Event::AnswerGiven).
    AnswerQuestion {
        /// Where in the flow.
        progress: Progress,
        /// Which question slot.
        slot: Slot,
        /// The question (its `kind` says TEXT or DATE, `YYYY-MM-DD`).
        question: Question,
        /// Whether the user may add a hint (setup flows only).
        hint_allowed: bool,
        /// The hint the user saved for this question (recovery only).
        saved_hint: Option<String>,
        /// Why the last answer was refused.
        error: Option<InputError>,
        /// Wrong answer sets still allowed before a lock (recovery only).
        attempts_left: Option<u32>,
    },
    /// Show the chosen questions and the warning. Send
    /// [`Event::Acknowledged`](crate::Event::Acknowledged) to save.
    Review {
        /// Where in the flow.
        progress: Progress,
        /// The chosen questions with their hints, in order.
        entries: Vec<ReviewEntry>,
        /// The warning to acknowledge ([`ACKNOWLEDGEMENT_TEXT`]).
        acknowledgement: &'static str,
    },
    /// Show what will be signed (SIGN_MESSAGE, SIGN_TYPEDDATA, SIGN_TRANSACTION), decoded by
    /// the SDK. Send [`Event::Acknowledged`](crate::Event::Acknowledged) to approve (the PIN is
    /// asked for next) or [`Event::Rejected`](crate::Event::Rejected) to refuse (nothing is
    /// signed; the challenge fails with 155826).
    ReviewSignature {
        /// Where in the flow.
        progress: Progress,
        /// What will be signed, by which wallet.
        review: SignatureReview,
    },
    /// Show a new recovery code (SET_RECOVERY_CODE) with [`RECOVERY_CODE_WARNING`]. Send
    /// [`Event::Acknowledged`](crate::Event::Acknowledged) once the user wrote it down. The
    /// groups are secrets: show them, never log them (`Debug` redacts them).
    ShowRecoveryCode {
        /// Where in the flow.
        progress: Progress,
        /// The code's groups, in order (5 characters each).
        groups: Vec<Secret>,
        /// The warning to show ([`RECOVERY_CODE_WARNING`]).
        warning: &'static str,
    },
    /// Ask the user to retype some groups of the code just shown. Send
    /// [`Event::RecoveryCodeEntered`](crate::Event::RecoveryCodeEntered) with those groups in
    /// order, or `Back` to see the code again.
    ConfirmRecoveryCode {
        /// Where in the flow.
        progress: Progress,
        /// The group numbers to retype (from 1), ascending.
        groups: Vec<u32>,
        /// Why the last input was refused (155869).
        error: Option<InputError>,
    },
    /// Ask for the recovery code (RESTORE_PIN with method RECOVERY_CODE). Send
    /// [`Event::RecoveryCodeEntered`](crate::Event::RecoveryCodeEntered). A typo (the group is
    /// named) or a code that is not this account's is caught on the device and costs nothing.
    EnterRecoveryCode {
        /// Where in the flow.
        progress: Progress,
        /// Groups in a code (7).
        groups: u32,
        /// Characters per group (5).
        group_length: u32,
        /// Why the last input was refused (155864 typo, 155865 wrong code, 155861 server).
        error: Option<InputError>,
        /// Wrong recovery attempts still allowed before a lock (shared with the questions).
        attempts_left: Option<u32>,
    },
    /// The app's cloud storage is working (cloud backup); inputs are refused (cancel is
    /// allowed).
    CloudWorking {
        /// Where in the flow.
        progress: Progress,
        /// What it is doing.
        action: CloudAction,
    },
    /// The app's cloud storage failed (155875, with the app's `reason`) or the backup read back
    /// differs from what was written (155876). The previous backup is untouched. Offer
    /// [`Event::Retry`](crate::Event::Retry) (repeats the cloud call) or cancel.
    CloudStorageFailed {
        /// Where in the flow.
        progress: Progress,
        /// 155875 or 155876.
        error: ErrorCode,
        /// The app's reason (from its storage adapter), empty for 155876.
        reason: String,
    },
    /// RESTORE_PIN with method CLOUD_BACKUP: tell the user the backup will be read from their
    /// cloud. Send [`Event::Acknowledged`](crate::Event::Acknowledged) to read it (or cancel).
    StartCloudRestore {
        /// Where in the flow.
        progress: Progress,
        /// Why the last attempt was refused (155861: the server did not accept the proof).
        error: Option<InputError>,
        /// Wrong recovery attempts still allowed before a lock (shared with the questions).
        attempts_left: Option<u32>,
    },
    /// No backup was found in this account's cloud (155874, [`NO_CLOUD_BACKUP_TEXT`]): another
    /// cloud account, or the entry was deleted. Offer [`Event::Retry`](crate::Event::Retry)
    /// (read again, e.g. after signing in to the right account) or cancel. Nothing was sent.
    NoCloudBackup {
        /// Where in the flow.
        progress: Progress,
    },
    /// A request is in flight; inputs are refused (cancel is allowed).
    Working {
        /// Where in the flow.
        progress: Progress,
        /// The step being submitted.
        step: Step,
    },
    /// The request could not be delivered. Offer [`Event::Retry`](crate::Event::Retry) (which
    /// resends the same sealed envelope) or cancel.
    Interrupted {
        /// Where in the flow.
        progress: Progress,
        /// What went wrong (usually 155706).
        error: ErrorCode,
    },
    /// The challenge completed.
    Done {
        /// Where in the flow (the last step).
        progress: Progress,
        /// What it produced (signature, signed transaction, wallet ids), when the server said.
        result: Option<ChallengeResult>,
    },
    /// The challenge failed; `error` says why (e.g. 155104 session expired, 155121 challenge
    /// expired).
    Failed {
        /// Where the flow stopped.
        progress: Progress,
        /// Why.
        error: ErrorCode,
    },
    /// Too many wrong PINs (155119), answers (155120) or recovery proofs (155863) for now; or too
    /// many in total, so the credential is disabled (155832: only "Forgot PIN" (RESTORE_PIN) sets
    /// a new PIN; 155833: new answers set with the PIN (SET_SECURITY_QUESTIONS), or an operator
    /// reset through the app's support).
    Locked {
        /// Where the flow stopped.
        progress: Progress,
        /// 155119, 155120, 155832 or 155833.
        code: ErrorCode,
        /// When the lock ends, RFC 3339, as the server sent it (`None` when recovery is
        /// required: the lock does not end by waiting).
        until: Option<String>,
        /// When the lock ends, unix seconds (see [`Screen::lock_remaining`]).
        until_unix: Option<i64>,
        /// Waiting does not help: the PIN must be restored with the security answers
        /// (155832), or new answers set with the PIN (SET_SECURITY_QUESTIONS) or reset by the
        /// operator (155833).
        recovery_required: bool,
    },
    /// The user cancelled (155701).
    Cancelled {
        /// Where the flow stopped.
        progress: Progress,
    },
}

impl Screen {
    /// Where in the flow this screen is.
    pub fn progress(&self) -> Progress {
        match self {
            Screen::EnterPin { progress, .. }
            | Screen::ChooseQuestion { progress, .. }
            | Screen::AnswerQuestion { progress, .. }
            | Screen::Review { progress, .. }
            | Screen::ReviewSignature { progress, .. }
            | Screen::ShowRecoveryCode { progress, .. }
            | Screen::ConfirmRecoveryCode { progress, .. }
            | Screen::EnterRecoveryCode { progress, .. }
            | Screen::Working { progress, .. }
            | Screen::CloudWorking { progress, .. }
            | Screen::CloudStorageFailed { progress, .. }
            | Screen::StartCloudRestore { progress, .. }
            | Screen::NoCloudBackup { progress }
            | Screen::Interrupted { progress, .. }
            | Screen::Done { progress, .. }
            | Screen::Failed { progress, .. }
            | Screen::Locked { progress, .. }
            | Screen::Cancelled { progress } => *progress,
        }
    }

    /// The input error shown on this screen, if any.
    pub fn error(&self) -> Option<&InputError> {
        match self {
            Screen::EnterPin { error, .. }
            | Screen::ChooseQuestion { error, .. }
            | Screen::AnswerQuestion { error, .. }
            | Screen::ConfirmRecoveryCode { error, .. }
            | Screen::EnterRecoveryCode { error, .. }
            | Screen::StartCloudRestore { error, .. } => error.as_ref(),
            _ => None,
        }
    }

    /// Whether the flow has ended (Done, Failed, Locked, Cancelled).
    pub fn is_terminal(&self) -> bool {
        matches!(
            self,
            Screen::Done { .. }
                | Screen::Failed { .. }
                | Screen::Locked { .. }
                | Screen::Cancelled { .. }
        )
    }

    /// Seconds until the lock ends at `now` (unix seconds): `Some(0)` once it has ended, `None`
    /// when this is not a lock screen or the server gave no expiry.
    pub fn lock_remaining(&self, now: i64) -> Option<u64> {
        match self {
            Screen::Locked {
                until_unix: Some(t),
                ..
            } => Some(u64::try_from(t.saturating_sub(now)).unwrap_or(0)),
            _ => None,
        }
    }

    /// Which credential is locked, on a [`Screen::Locked`]; `None` on other screens. A lock
    /// code this build does not know counts as the PIN (the only other lockable credential).
    pub fn locked_credential(&self) -> Option<LockedCredential> {
        match self {
            Screen::Locked {
                code:
                    ErrorCode::SecurityQuestionsLocked
                    | ErrorCode::RecoveryLocked
                    | ErrorCode::AnswersDisabled,
                ..
            } => Some(LockedCredential::SecurityQuestions),
            Screen::Locked { .. } => Some(LockedCredential::Pin),
            _ => None,
        }
    }

    /// A readable, secret-free English sentence for the screens that report a code
    /// (Interrupted, CloudStorageFailed, NoCloudBackup, Failed, Locked, Cancelled): the code's description. `None` on the other
    /// screens (an input error carries its own text).
    pub fn message(&self) -> Option<&'static str> {
        match self {
            Screen::Interrupted { error, .. } | Screen::CloudStorageFailed { error, .. } => {
                Some(error.description())
            }
            Screen::NoCloudBackup { .. } => Some(NO_CLOUD_BACKUP_TEXT),
            _ => self.outcome_code().map(ErrorCode::description),
        }
    }

    /// The outcome code of a terminal screen: `None` for Done and non-terminal screens.
    pub fn outcome_code(&self) -> Option<ErrorCode> {
        match self {
            Screen::Failed { error, .. } => Some(*error),
            Screen::Locked { code, .. } => Some(*code),
            Screen::Cancelled { .. } => Some(ErrorCode::CancelledByUser),
            _ => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const P: Progress = Progress { step: 2, of: 3 };

    fn locked(code: ErrorCode) -> Screen {
        Screen::Locked {
            progress: P,
            code,
            until: None,
            until_unix: Some(100),
            recovery_required: false,
        }
    }

    #[test]
    fn locked_credential_names_what_is_locked() {
        assert_eq!(
            locked(ErrorCode::PinLocked).locked_credential(),
            Some(LockedCredential::Pin)
        );
        assert_eq!(
            locked(ErrorCode::SecurityQuestionsLocked).locked_credential(),
            Some(LockedCredential::SecurityQuestions)
        );
        // Questions and recovery codes share one recovery budget.
        assert_eq!(
            locked(ErrorCode::RecoveryLocked).locked_credential(),
            Some(LockedCredential::SecurityQuestions)
        );
        assert_eq!(Screen::Cancelled { progress: P }.locked_credential(), None);
    }

    #[test]
    fn message_is_the_code_description_on_code_screens_only() {
        assert_eq!(
            locked(ErrorCode::PinLocked).message(),
            Some("PIN is locked after too many wrong attempts.")
        );
        let failed = Screen::Failed {
            progress: P,
            error: ErrorCode::UserRejected,
        };
        assert_eq!(
            failed.message(),
            Some(ErrorCode::UserRejected.description())
        );
        let interrupted = Screen::Interrupted {
            progress: P,
            error: ErrorCode::NetworkError,
        };
        assert_eq!(interrupted.message(), Some("Network error; try again."));
        assert_eq!(
            Screen::Cancelled { progress: P }.message(),
            Some("Cancelled by the user.")
        );
        let done = Screen::Done {
            progress: P,
            result: None,
        };
        assert_eq!(done.message(), None);
        assert_eq!(done.progress(), P);
        assert_eq!(locked(ErrorCode::PinLocked).lock_remaining(40), Some(60));
    }
}
