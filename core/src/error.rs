//! The two error types of a flow.
//!
//! * [`InputError`]: the user's last input was refused (insecure PIN, mismatched confirmation,
//!   invalid answer, hint containing the answer, wrong PIN or answers per the server, an input
//!   the server's own rules refuse). The flow
//!   accepts the event, nothing is sent, and the [`Screen`](crate::Screen) shows the error so the
//!   user can try again.
//! * [`FlowError`]: the event itself does not fit (a PIN while a question is shown, an input
//!   while a request is in flight, anything after the flow ended) or the flow cannot run. The
//!   flow's state is left exactly as it was.
//!
//! Neither type ever holds a PIN or an answer.

use crate::review::ReviewError;
use latchkey_protocol::recovery::CodeRejection;
use latchkey_protocol::{AnswerRejection, ChallengeStatus, EnvelopeError, ErrorCode, PinRejection};

/// Why the user's last input was refused; shown on the screen that asks again.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum InputError {
    /// The PIN breaks the PIN rules (155704). Ask for another PIN.
    #[error(transparent)]
    InsecurePin(#[from] PinRejection),
    /// The confirmation differs from the new PIN (155703). The new PIN is asked for again.
    #[error("the PIN confirmation does not match; enter the new PIN again")]
    PinMismatch,
    /// The answer, hint or question choice breaks the question rules (155806, 155705, 155807).
    #[error(transparent)]
    Answer(#[from] AnswerRejection),
    /// The server says the PIN is wrong (155112); see the screen's attempts left.
    #[error("the PIN is incorrect")]
    IncorrectPin,
    /// The server says the answers are wrong (155115); see the screen's attempts left.
    #[error("the answers are incorrect")]
    IncorrectAnswers,
    /// The typed recovery code has a typo (155864); the rejection names the group.
    #[error(transparent)]
    RecoveryCode(#[from] CodeRejection),
    /// The recovery code is well formed but does not open this account's recovery key
    /// (155865): not this account's code. Nothing was sent.
    #[error("this recovery code does not belong to this account; check it and try again")]
    WrongRecoveryCode,
    /// The server did not accept the recovery proof (155861); see the attempts left.
    #[error("the recovery code was not accepted")]
    IncorrectRecoveryCode,
    /// The retyped groups differ from the code shown (155869). Check the code and retype.
    #[error("the typed groups do not match the recovery code; check it and type them again")]
    RecoveryCodeConfirmation,
    /// The server refused the input under its own rules, which may be stricter than this
    /// SDK's checks: 155704 (PIN not allowed), 155705 (hint contains the answer), 155806
    /// (answer not valid), 155807 (question selection not valid). The screen asks again.
    #[error("the server refused this input: {}", .0.description())]
    RefusedByServer(ErrorCode),
}

impl InputError {
    /// The 155xxx code for this error.
    pub fn code(&self) -> ErrorCode {
        match self {
            InputError::InsecurePin(r) => r.code(),
            InputError::PinMismatch => ErrorCode::PinConfirmationMismatch,
            InputError::Answer(r) => r.code(),
            InputError::IncorrectPin => ErrorCode::IncorrectPin,
            InputError::IncorrectAnswers => ErrorCode::IncorrectAnswers,
            InputError::RecoveryCode(_) => ErrorCode::RecoveryCodeMalformed,
            InputError::WrongRecoveryCode => ErrorCode::RecoveryCodeWrong,
            InputError::IncorrectRecoveryCode => ErrorCode::IncorrectRecoveryCode,
            InputError::RecoveryCodeConfirmation => ErrorCode::RecoveryCodeConfirmationMismatch,
            InputError::RefusedByServer(code) => *code,
        }
    }
}

/// An event the flow refused, or a descriptor it cannot run. The flow's state is unchanged.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum FlowError {
    /// The event does not fit the current screen (155815): draw [`Flow::screen`](crate::Flow::screen)
    /// and offer only what it asks for.
    #[error("{event} does not fit the {state} screen")]
    UnexpectedEvent {
        /// The current state's name.
        state: &'static str,
        /// The refused event's name.
        event: &'static str,
    },
    /// A request is in flight (155815); wait for the server's reply, or cancel.
    #[error("a request is in flight; wait for its reply or cancel")]
    Busy,
    /// There is no earlier screen to go back to (155815), e.g. a step the server already
    /// verified; cancel instead.
    #[error("there is no earlier screen to go back to; cancel instead")]
    CannotGoBack,
    /// The flow has ended (155804); its screen shows the outcome.
    #[error("the flow has ended")]
    Finished,
    /// A server reply that does not belong to the request in flight (155116), e.g. another
    /// challenge's id or another step. Ignore it; the flow still waits for the right reply.
    #[error("the server reply does not match the request in flight")]
    UnexpectedReply,
    /// Sealing the input failed (155707 or the envelope's own code). Nothing was sent and
    /// nothing held was lost; the user may try again.
    #[error("the input could not be sealed: {0}")]
    Envelope(#[from] EnvelopeError),
    /// The server speaks another client-protocol version (155814); update the SDK.
    #[error("unsupported protocol version {0}; update the SDK")]
    UnsupportedProtocolVersion(u32),
    /// The challenge type is unknown to this build (155814); update the SDK.
    #[error("challenge type {0} is not supported by this SDK; update it")]
    UnsupportedChallenge(String),
    /// The descriptor lacks what its challenge type needs (155116).
    #[error("the challenge descriptor is invalid: {0}")]
    InvalidDescriptor(&'static str),
    /// The challenge has already finished on the server (155804).
    #[error("the challenge is already {0}")]
    NotActive(ChallengeStatus),
    /// The descriptor's `signRequest` cannot be shown (155116 not JSON or wrong kind, 155820
    /// bad hex, 155821 bad typed data, 155823 bad transaction). Nothing can be signed; have
    /// the backend create a new challenge (or report the server's bug).
    #[error(transparent)]
    InvalidSignRequest(#[from] ReviewError),
}

impl FlowError {
    /// The 155xxx code for this error.
    pub fn code(&self) -> ErrorCode {
        match self {
            FlowError::UnexpectedEvent { .. } | FlowError::Busy | FlowError::CannotGoBack => {
                ErrorCode::UnexpectedInput
            }
            FlowError::Finished | FlowError::NotActive(_) => ErrorCode::ChallengeNotActive,
            FlowError::UnexpectedReply | FlowError::InvalidDescriptor(_) => {
                ErrorCode::InvalidChallenge
            }
            FlowError::Envelope(e) => e.code(),
            FlowError::UnsupportedProtocolVersion(_) | FlowError::UnsupportedChallenge(_) => {
                ErrorCode::UnsupportedProtocolVersion
            }
            FlowError::InvalidSignRequest(e) => e.code,
        }
    }
}
