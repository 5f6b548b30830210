#![forbid(unsafe_code)]
#![deny(missing_docs)]
//! Latchkey client SDK core.
//!
//! [`flow`] holds the sans-IO challenge state machines: a [`Flow`] is built from a
//! [`ChallengeDescriptor`](latchkey_protocol::ChallengeDescriptor) and the session key, tells the
//! app what to draw ([`Screen`]), takes the user's inputs and the server's replies ([`Event`]),
//! and hands back what must be sent ([`Effect`]). It never does IO, reads no clock (time comes in
//! as `now`, unix seconds, in the server's time: see [`time::ServerClock`]) and starts no
//! threads. See `docs/flows.md` for one diagram per flow.
//!
//! [`driver`] (feature `driver`, on by default) is the thin async layer on tokio + reqwest:
//! [`Client`] → [`Session`] → [`ChallengeRun`], which fetches a challenge's descriptor, feeds the
//! flow, sends the steps it asks for (with retries) and returns each new [`Screen`]. See
//! `docs/sdk.md`.

pub mod cloud;
#[cfg(feature = "driver")]
pub mod driver;
pub mod error;
pub mod flow;
pub mod retry;
pub mod review;
pub mod screen;
pub mod time;

pub use cloud::{CloudBytes, CloudError, CloudStorage, DirectoryStorage};
pub use error::{FlowError, InputError};
pub use flow::{Effect, Event, Flow, STATE_NAMES};
pub use review::{
    MessageReview, ReviewDetails, ReviewError, SignatureReview, TransactionReview, TypedDataDomain,
    TypedDataReview, TypedDataRow,
};
pub use screen::{
    CloudAction, LockedCredential, PinPurpose, Progress, ReviewEntry, Screen, Slot,
    ACKNOWLEDGEMENT_TEXT, NO_CLOUD_BACKUP_TEXT, RECOVERY_CODE_WARNING,
};

#[cfg(feature = "driver")]
pub use driver::{
    admin::new_idempotency_key, AdminClient, ChallengeRun, Client, ClientConfig, Input,
    LatchkeyError, Session,
};
pub use latchkey_protocol::{
    AccountType, Blockchain, CancelReason, Challenge, ChallengeResult, ChallengeStatus,
    ChallengeType, CredentialStatus, ErrorCode, Question, QuestionKind, Secret, User, Wallet,
    WalletRef, WalletState,
};
