//! Screens and inputs: the foreign-facing records and enums, converted from and into the core
//! types.

use crate::wallet::{ChallengeResult, SignatureReview};
use latchkey_core as lk;
use latchkey_protocol::Secret;

/// Which PIN a PIN screen asks for.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PinPurpose {
    /// The current PIN.
    Current,
    /// A new PIN.
    New,
    /// The new PIN again.
    Confirm,
}

impl From<lk::PinPurpose> for PinPurpose {
    fn from(p: lk::PinPurpose) -> Self {
        match p {
            lk::PinPurpose::Current => PinPurpose::Current,
            lk::PinPurpose::New => PinPurpose::New,
            lk::PinPurpose::Confirm => PinPurpose::Confirm,
        }
    }
}

/// Step `step` of `of`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Progress {
    /// The current step, from 1.
    pub step: u32,
    /// The number of steps.
    pub of: u32,
}

impl From<lk::Progress> for Progress {
    fn from(p: lk::Progress) -> Self {
        Progress {
            step: p.step,
            of: p.of,
        }
    }
}

/// Question slot `number` of `of`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Slot {
    /// The slot, from 1.
    pub number: u32,
    /// The number of slots.
    pub of: u32,
}

impl From<lk::Slot> for Slot {
    fn from(s: lk::Slot) -> Self {
        Slot {
            number: s.number,
            of: s.of,
        }
    }
}

/// The kind of answer a question expects.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum QuestionKind {
    /// Free text.
    Text,
    /// `YYYY-MM-DD`.
    Date,
    /// Unknown to this build.
    Unknown,
}

impl QuestionKind {
    /// The core kind (an unknown kind is answered as text, as the flow treats it).
    pub(crate) fn to_core(self) -> lk::QuestionKind {
        match self {
            QuestionKind::Date => lk::QuestionKind::Date,
            QuestionKind::Text | QuestionKind::Unknown => lk::QuestionKind::Text,
        }
    }
}

/// A security question.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Question {
    /// Stable id.
    pub id: String,
    /// Text to show.
    pub text: String,
    /// TEXT or DATE.
    pub kind: QuestionKind,
}

impl From<lk::Question> for Question {
    fn from(q: lk::Question) -> Self {
        let kind = match q.kind {
            lk::QuestionKind::Text => QuestionKind::Text,
            lk::QuestionKind::Date => QuestionKind::Date,
            _ => QuestionKind::Unknown,
        };
        Question {
            id: q.id,
            text: q.text,
            kind,
        }
    }
}

/// A chosen question on the review screen.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ReviewEntry {
    /// The question.
    pub question: Question,
    /// The user's hint.
    pub hint: Option<String>,
}

impl From<lk::ReviewEntry> for ReviewEntry {
    fn from(e: lk::ReviewEntry) -> Self {
        ReviewEntry {
            question: e.question.into(),
            hint: e.hint,
        }
    }
}

/// Why an input was refused.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum InputErrorKind {
    /// 155704.
    InsecurePin,
    /// 155703.
    PinMismatch,
    /// 155806, 155705, 155807.
    InvalidAnswer,
    /// 155112.
    IncorrectPin,
    /// 155115.
    IncorrectAnswers,
    /// Not named by this build.
    Other,
    /// 155864: a typo in the recovery code (caught on the device).
    RecoveryCodeTypo,
    /// 155865: not this account's recovery code (caught on the device).
    WrongRecoveryCode,
    /// 155861: the server refused the recovery proof.
    IncorrectRecoveryCode,
    /// 155869: the retyped groups differ from the code shown.
    RecoveryCodeMismatch,
}

/// An input error shown on a screen.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct InputError {
    /// The kind.
    pub kind: InputErrorKind,
    /// The 155xxx code.
    pub code: u32,
    /// Secret-free text.
    pub detail: String,
    /// The recovery-code group with a typo (from 1), when known.
    pub group: Option<u32>,
}

impl From<lk::InputError> for InputError {
    fn from(e: lk::InputError) -> Self {
        let kind = match &e {
            lk::InputError::InsecurePin(_) => InputErrorKind::InsecurePin,
            lk::InputError::PinMismatch => InputErrorKind::PinMismatch,
            lk::InputError::Answer(_) => InputErrorKind::InvalidAnswer,
            lk::InputError::IncorrectPin => InputErrorKind::IncorrectPin,
            lk::InputError::IncorrectAnswers => InputErrorKind::IncorrectAnswers,
            // The server's own rules refused it: the same kinds as the SDK's checks.
            lk::InputError::RefusedByServer(lk::ErrorCode::InsecurePin) => {
                InputErrorKind::InsecurePin
            }
            lk::InputError::RefusedByServer(
                lk::ErrorCode::InvalidAnswer
                | lk::ErrorCode::HintEqualsAnswer
                | lk::ErrorCode::InvalidQuestionSelection,
            ) => InputErrorKind::InvalidAnswer,
            other => match crate::recovery::input_error_kind(other) {
                Some(kind) => kind,
                None => InputErrorKind::Other,
            },
        };
        InputError {
            kind,
            code: e.code().code(),
            detail: e.to_string(),
            group: crate::recovery::typo_group(&e),
        }
    }
}

/// What the app shows now (UDL `Screen`).
// It mirrors the UDL enum and is lowered by value across the FFI (uniffi cannot box a variant's
// field), so `ReviewSignature` stays inline.
#[allow(clippy::large_enum_variant)]
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Screen {
    /// Ask for a PIN.
    EnterPin {
        /// Which PIN.
        purpose: PinPurpose,
        /// Where in the flow.
        progress: Progress,
        /// Why the last input was refused.
        error: Option<InputError>,
        /// Wrong PINs still allowed.
        attempts_left: Option<u32>,
    },
    /// Pick a question.
    ChooseQuestion {
        /// Where in the flow.
        progress: Progress,
        /// Which slot.
        slot: Slot,
        /// Questions to pick from.
        options: Vec<Question>,
        /// Why the last choice was refused.
        error: Option<InputError>,
    },
    /// Answer a question.
    AnswerQuestion {
        /// Where in the flow.
        progress: Progress,
        /// Which slot.
        slot: Slot,
        /// The question.
        question: Question,
        /// Whether a hint may be given.
        hint_allowed: bool,
        /// The saved hint (recovery).
        saved_hint: Option<String>,
        /// Why the last answer was refused.
        error: Option<InputError>,
        /// Wrong answer sets still allowed.
        attempts_left: Option<u32>,
    },
    /// Review the chosen questions.
    Review {
        /// Where in the flow.
        progress: Progress,
        /// The chosen questions.
        entries: Vec<ReviewEntry>,
        /// The warning to acknowledge.
        acknowledgement: String,
    },
    /// Review what will be signed.
    ReviewSignature {
        /// Where in the flow.
        progress: Progress,
        /// What will be signed, by which wallet.
        review: SignatureReview,
    },
    /// A request is in flight.
    Working {
        /// Where in the flow.
        progress: Progress,
        /// The step being sent.
        step: String,
    },
    /// The request could not be delivered.
    Interrupted {
        /// Where in the flow.
        progress: Progress,
        /// The 155xxx code.
        code: u32,
        /// Secret-free text.
        detail: String,
    },
    /// Completed.
    Done {
        /// Where in the flow.
        progress: Progress,
        /// What it produced.
        result: Option<ChallengeResult>,
    },
    /// Failed.
    Failed {
        /// Where in the flow.
        progress: Progress,
        /// The 155xxx code.
        code: u32,
        /// Secret-free text.
        detail: String,
    },
    /// Locked.
    Locked {
        /// Where in the flow.
        progress: Progress,
        /// 155119 or 155120 (locked for now), 155832 or 155833 (disabled after too many
        /// wrong attempts in total).
        code: u32,
        /// Lock end, RFC 3339 (`None` when `recovery_required`).
        lock_expiry: Option<String>,
        /// Lock end, unix seconds.
        lock_expiry_unix: Option<i64>,
        /// Waiting does not end this lock: the PIN must be restored with the security
        /// answers (RESTORE_PIN, 155832), or the answers reset by the app's operator (155833).
        recovery_required: bool,
    },
    /// Cancelled.
    Cancelled {
        /// Where in the flow.
        progress: Progress,
    },
    // ---- Recovery codes (issue 10); converted in `crate::recovery` ----
    /// Show a new recovery code (secret groups) and the warning.
    ShowRecoveryCode {
        /// Where in the flow.
        progress: Progress,
        /// The code's groups, in order (secrets; wiped on drop).
        groups: Vec<SecretString>,
        /// The warning to show.
        warning: String,
    },
    /// Retype some groups of the code just shown.
    ConfirmRecoveryCode {
        /// Where in the flow.
        progress: Progress,
        /// The group numbers to retype (from 1), ascending.
        groups: Vec<u32>,
        /// Why the last input was refused.
        error: Option<InputError>,
    },
    /// Type the recovery code (RESTORE_PIN by code).
    EnterRecoveryCode {
        /// Where in the flow.
        progress: Progress,
        /// Groups in a code.
        groups: u32,
        /// Characters per group.
        group_length: u32,
        /// Why the last input was refused.
        error: Option<InputError>,
        /// Wrong recovery attempts still allowed.
        attempts_left: Option<u32>,
    },
    // ---- Cloud backup (issue 10); converted in `crate::cloud` ----
    /// The app's cloud storage is working.
    CloudWorking {
        /// Where in the flow.
        progress: Progress,
        /// What it is doing.
        action: crate::CloudAction,
    },
    /// The app's cloud storage failed (155875) or the read-back differs (155876).
    CloudStorageFailed {
        /// Where in the flow.
        progress: Progress,
        /// The 155xxx code.
        code: u32,
        /// The app's reason (empty for 155876).
        reason: String,
        /// Secret-free text (the code's description).
        detail: String,
    },
    /// RESTORE_PIN by cloud backup: the backup will be read from the user's cloud.
    StartCloudRestore {
        /// Where in the flow.
        progress: Progress,
        /// Why the last attempt was refused.
        error: Option<InputError>,
        /// Wrong recovery attempts still allowed.
        attempts_left: Option<u32>,
    },
    /// No backup in this account's cloud (155874).
    NoCloudBackup {
        /// Where in the flow.
        progress: Progress,
    },
}

impl From<lk::Screen> for Screen {
    fn from(s: lk::Screen) -> Self {
        match s {
            lk::Screen::EnterPin {
                purpose,
                progress,
                error,
                attempts_left,
            } => Screen::EnterPin {
                purpose: purpose.into(),
                progress: progress.into(),
                error: error.map(InputError::from),
                attempts_left,
            },
            lk::Screen::ChooseQuestion {
                progress,
                slot,
                options,
                error,
            } => Screen::ChooseQuestion {
                progress: progress.into(),
                slot: slot.into(),
                options: options.into_iter().map(Question::from).collect(),
                error: error.map(InputError::from),
            },
            lk::Screen::AnswerQuestion {
                progress,
                slot,
                question,
                hint_allowed,
                saved_hint,
                error,
                attempts_left,
            } => Screen::AnswerQuestion {
                progress: progress.into(),
                slot: slot.into(),
                question: question.into(),
                hint_allowed,
                saved_hint,
                error: error.map(InputError::from),
                attempts_left,
            },
            lk::Screen::Review {
                progress,
                entries,
                acknowledgement,
            } => Screen::Review {
                progress: progress.into(),
                entries: entries.into_iter().map(ReviewEntry::from).collect(),
                acknowledgement: acknowledgement.to_owned(),
            },
            lk::Screen::ReviewSignature { progress, review } => {
                match SignatureReview::from_core(review) {
                    Some(review) => Screen::ReviewSignature {
                        progress: progress.into(),
                        review,
                    },
                    None => unsupported(progress),
                }
            }
            lk::Screen::Working { progress, step } => Screen::Working {
                progress: progress.into(),
                step: step.as_str().to_owned(),
            },
            lk::Screen::Interrupted { progress, error } => Screen::Interrupted {
                progress: progress.into(),
                code: error.code(),
                detail: error.description().to_owned(),
            },
            lk::Screen::Done { progress, result } => Screen::Done {
                progress: progress.into(),
                result: result.map(ChallengeResult::from),
            },
            lk::Screen::Failed { progress, error } => Screen::Failed {
                progress: progress.into(),
                code: error.code(),
                detail: error.description().to_owned(),
            },
            lk::Screen::Locked {
                progress,
                code,
                until,
                until_unix,
                recovery_required,
            } => Screen::Locked {
                progress: progress.into(),
                code: code.code(),
                lock_expiry: until,
                lock_expiry_unix: until_unix,
                recovery_required,
            },
            lk::Screen::Cancelled { progress } => Screen::Cancelled {
                progress: progress.into(),
            },
            other => match crate::cloud::screen_from_core(other) {
                Ok(screen) => screen,
                Err(other) => match crate::recovery::screen_from_core(other) {
                    Ok(screen) => screen,
                    Err(progress) => unsupported(progress),
                },
            },
        }
    }
}

/// What a screen this build cannot show becomes: a failure that says to update the SDK.
pub(crate) fn unsupported(progress: lk::Progress) -> Screen {
    Screen::Failed {
        progress: progress.into(),
        code: lk::ErrorCode::UnsupportedProtocolVersion.code(),
        detail: "this screen is not supported by this SDK build; update the SDK".into(),
    }
}

/// A PIN, answer or recovery code (UDL custom type `SecretString`, a string on the foreign
/// side); `Debug` is redacted by [`Secret`], and the secret is zeroized on drop.
///
/// Every copy on the Rust side is wiped: uniffi 0.31 reads the string out of the `RustBuffer`
/// holding the serialized [`Input`] (a copy) and frees that buffer, which the library's
/// allocator zeroizes on free (`crate::wipe`); the copy is moved, without another copy, into a
/// zeroizing [`Secret`] and from there into the core's [`lk::Input`], which zeroizes it when it
/// is sealed, refused or dropped (also on `Busy`, `InvalidInput` and panics). Not wiped, because
/// this crate does not own it: the foreign string and the binding's UTF-8 encoding of it.
///
/// Out of the SDK (only the groups of `Screen::ShowRecoveryCode`): lowering copies the secret
/// into a `String` that is written into the `RustBuffer` and then freed, and the binding frees
/// that buffer through Rust once read: both are zeroized by the allocator (`crate::wipe`). The
/// foreign strings made from it are not the SDK's to wipe (see the UDL).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SecretString(pub(crate) Secret);

uniffi::custom_type!(SecretString, String, {
    // Into the SDK: `Input`'s secrets. Out: only the groups of `Screen::ShowRecoveryCode` (a
    // copy, see the type's docs).
    lower: |s| s.0.expose().to_owned(),
    try_lift: |s| Ok(SecretString(Secret::new(s))),
});

/// What the user did (UDL `Input`).
#[derive(Debug)]
pub enum Input {
    /// A PIN.
    Pin {
        /// The PIN.
        pin: SecretString,
    },
    /// A question, by id.
    ChooseQuestion {
        /// `Question.id`.
        question_id: String,
    },
    /// An answer with an optional hint.
    Answer {
        /// The answer.
        answer: SecretString,
        /// The hint.
        hint: Option<String>,
    },
    /// Acknowledged (or approved, on the signature review).
    Acknowledge,
    /// The signature request was rejected.
    Reject,
    /// A recovery code, or the groups a confirmation asks for.
    RecoveryCode {
        /// The typed code (a secret).
        code: SecretString,
    },
}

impl Input {
    /// Moves the input (and its secret) into the core's type; nothing is copied.
    pub(crate) fn into_core(self) -> lk::Input {
        match self {
            Input::Pin { pin } => lk::Input::Pin(pin.0),
            Input::ChooseQuestion { question_id } => lk::Input::ChooseQuestion(question_id),
            Input::Answer { answer, hint } => lk::Input::Answer {
                answer: answer.0,
                hint,
            },
            Input::Acknowledge => lk::Input::Acknowledge,
            Input::Reject => lk::Input::Reject,
            Input::RecoveryCode { code } => lk::Input::RecoveryCode(code.0),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn secret_input_moves_into_core() {
        let i = Input::Pin {
            pin: SecretString(Secret::from_str_copy("135790")),
        };
        let dbg = format!("{i:?}");
        assert!(!dbg.contains("135790"), "{dbg}");
        assert!(matches!(i.into_core(), lk::Input::Pin(p) if p.expose() == "135790"));
    }

    #[test]
    fn the_lifted_pin_is_moved_not_copied() {
        // The String uniffi lifts must end up, in the same allocation, inside the core's
        // zeroizing Secret (no further copy is made on the Rust side).
        let s = String::from("246813");
        let at = s.as_ptr();
        let buf = <String as uniffi::Lower<crate::UniFfiTag>>::lower(s);
        let lifted = <SecretString as uniffi::Lift<crate::UniFfiTag>>::try_lift(buf).expect("lift");
        assert_eq!(lifted.0.expose().as_ptr(), at);
        let input = Input::Answer {
            answer: lifted,
            hint: None,
        };
        match input.into_core() {
            lk::Input::Answer { answer, .. } => {
                assert_eq!(answer.expose().as_ptr(), at);
                assert_eq!(answer.expose(), "246813");
            }
            other => panic!("{other:?}"),
        }
    }
}
