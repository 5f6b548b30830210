#![deny(missing_docs)]
//! `latchkey-ffi`: the Latchkey SDK's foreign-function layer.
//!
//! The public surface is declared in `udl/latchkey.udl` (read it as the SDK reference) and
//! generated into Swift, Kotlin, Python and React Native bindings by uniffi. This crate is a
//! thin adapter over [`latchkey_core`]: it converts types at the boundary and calls the core.
//! It has no logic of its own. One module per concern (as `matrix-sdk-ffi` does):
//!
//! * `runtime`: the tokio runtime the SDK owns, and the hop onto it.
//! * `client`: [`ClientConfig`], [`Client`] and [`Session`].
//! * `challenge_run`: [`ChallengeRun`], the [`ScreenListener`] callback and [`ListenerHandle`].
//! * `screens`: [`Screen`], [`Input`] and the records they carry, converted from/into the core.
//! * `challenge`: [`Challenge`], [`ChallengeType`], [`ChallengeStatus`].
//! * `wallet`: [`Wallet`], [`Blockchain`], the review screen's [`SignatureReview`] and the
//!   [`ChallengeResult`] of a completed challenge.
//! * `error`: [`LatchkeyError`].
//! * `user`: [`User`] (`Session.user()`), [`CredentialStatus`], [`CredentialDetails`].
//! * `ux`: what apps need to draw screens without re-implementing SDK rules: the text of a
//!   155xxx code, the PIN length, the answer hint, a screen's progress/message, the locked
//!   credential, a blockchain's id and name.
//! * `recovery`: recovery codes (issue 10): the conversion of the recovery screens and input
//!   errors, and (with `admin`) the `AdminClient` calls that create the recovery challenges.
//! * `cloud`: cloud backup (issue 10): the `CloudStorage` foreign trait the app implements
//!   and its adapter to the core's, `directory_storage`, `Session.run_challenge_with_storage`,
//!   the cloud screens and (with `admin`) `AdminClient.create_restore_pin_with_backup`.
//! * `admin` (cargo feature `admin`, off by default): the developer API, `AdminClient`. It
//!   needs the developer API key, so the device library is built without it. The UDL cannot
//!   be conditional, so it is exported with uniffi's proc-macros next to the UDL scaffolding.
//!
//! Threading: network calls spawn the core future on the SDK runtime and await its
//! `JoinHandle`, which is executor-agnostic: uniffi's future driver polls it from Kotlin
//! coroutines, Swift tasks, asyncio or JS promises. `ChallengeRun.submit`/`back`/`retry` first
//! run the sans-IO part inline on the polling thread and complete on the first poll when no
//! request is needed (see `challenge_run`). A panic inside a task becomes
//! [`LatchkeyError::Internal`]; uniffi catches panics on the synchronous paths, so no panic
//! crosses the boundary.
//!
//! Secrets: see [`SecretString`] for exactly what is and is not wiped of a PIN, an answer or a
//! recovery code (typed in, or shown on `Screen::ShowRecoveryCode`).
//! Tokens, keys and API keys are held in `Zeroizing` buffers only for as long as the call
//! needs them. With the default feature `wipe-freed-memory` the library's global allocator
//! zeroizes every block Rust frees (`wipe` module), which covers what uniffi copies and frees.

#[cfg(feature = "admin")]
mod admin;
mod challenge;
mod challenge_run;
mod client;
mod cloud;
mod error;
mod recovery;
mod runtime;
mod screens;
mod user;
mod ux;
mod wallet;
mod wipe;

#[cfg(feature = "admin")]
pub use admin::{AdminClient, UserToken};
pub use challenge::{Challenge, ChallengeStatus, ChallengeType};
pub use challenge_run::{ChallengeRun, ListenerHandle, ScreenListener};
pub use client::{Client, ClientConfig, Session};
pub use cloud::{directory_storage, CloudAction, CloudStorage, CloudStorageError};
pub use error::LatchkeyError;
pub use screens::{
    Input, InputError, InputErrorKind, PinPurpose, Progress, Question, QuestionKind, ReviewEntry,
    Screen, SecretString, Slot,
};
pub use user::{CredentialDetails, CredentialStatus, User};
pub use ux::{
    answer_hint, blockchain_id, blockchain_name, error_description, locked_credential, pin_length,
    screen_message, screen_progress, LockedCredential,
};
pub use wallet::{
    AccountType, Blockchain, ChallengeResult, SignatureDetails, SignatureReview, TransactionReview,
    TypedDataDomain, TypedDataRow, Wallet, WalletRef, WalletState,
};

use latchkey_core as lk;

uniffi::include_scaffolding!("latchkey");

// ---- namespace functions ----------------------------------------------------------------------

/// The SDK version (this crate's version).
pub fn sdk_version() -> String {
    env!("CARGO_PKG_VERSION").to_owned()
}

/// The warning a user acknowledges before security questions are saved.
pub fn acknowledgement_text() -> String {
    lk::ACKNOWLEDGEMENT_TEXT.to_owned()
}

/// Does nothing; measures the cost of one FFI call.
pub fn noop() {}

/// Does nothing and completes on the first poll; calibrates the FFI benchmark (the cost of
/// uniffi's async protocol alone, with no result to lift).
pub async fn noop_async() {}
