#![forbid(unsafe_code)]
#![deny(missing_docs)]
//! Latchkey's shared protocol: wire types, the error-code table, envelope crypto, and the PIN
//! and security-answer rules. Client (`latchkey-core`) and server (`latchkey-server`) both use
//! this crate so they judge every input alike.

pub mod codes;
pub mod envelope;
pub mod messages;
#[cfg(feature = "openapi")]
mod openapi;
pub mod pin;
pub mod questions;
pub mod recovery;
pub mod secret;
#[macro_use]
pub mod wire;
pub mod wallet;

pub use codes::ErrorCode;
pub use envelope::{EnvelopeContext, EnvelopeError, SessionKey};
pub use messages::{
    AnswerEntry, ChallengeDescriptor, RecoveryDescriptor, Step, StepPayload, StepResult,
    StepSubmission, PROTOCOL_VERSION,
};
pub use pin::{PinPolicy, PinRejection, PIN_LENGTH};
pub use questions::{default_catalogue, AnswerRejection, Question, QuestionPolicy};
pub use secret::Secret;
pub use wallet::*;
pub use wire::*;
