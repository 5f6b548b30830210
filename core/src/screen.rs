//! What the app draws: one [`Screen`] per state of a flow.

use crate::error::InputError;
use crate::review::SignatureReview;
use latchkey_protocol::{ChallengeResult, ErrorCode, Question, Step};

/// The warning the user acknowledges before new security questions are saved.
pub const ACKNOWLEDGEMENT_TEXT: &str = "If you lose your PIN and forget the answers to your \
security questions, you lose access to your wallet. Nobody, including the wallet provider, can \
recover it for you.";

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
    /// Too many wrong PINs (155119) or answers (155120) for now; or too many in total, so the
    /// credential is disabled (155832: only "Forgot PIN" (RESTORE_PIN) sets a new PIN; 155833:
    /// the answers need the app's support/operator).
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
        /// (155832), or the answers reset by the operator (155833).
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
            | Screen::Working { progress, .. }
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
            | Screen::AnswerQuestion { error, .. } => error.as_ref(),
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
