//! Domain logic: what the API does, independent of HTTP. Handlers in [`crate::http`] call in
//! here with already-authenticated callers and parsed input; this layer calls [`crate::store`]
//! (SQL), [`crate::crypto`] and [`crate::webhooks`], and answers with wire types or
//! [`ApiError`](crate::error::ApiError). It never imports axum routing or extractors, nor the
//! `http` module (a test in `tests/layering.rs` keeps it so).
//!
//! Where new concerns go: wallets (keys, records) in `domain/wallets.rs`, signing in
//! `domain/signing.rs`, their SQL in `store/wallets.rs`, their handlers in `http/wallets.rs`.

pub mod challenges;
pub mod guesses;
pub mod recovery;
pub mod sessions;
pub mod signing;
pub mod steps;
pub mod subscriptions;
pub mod users;
pub mod w3s;
pub mod wallets;

use crate::error::ApiError;
use latchkey_protocol::ErrorCode;

/// A reply stored verbatim (idempotent creation, recorded step replies): the HTTP layer sends
/// it as `application/json` with its status.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredReply {
    /// HTTP status.
    pub status: u16,
    /// JSON body.
    pub body: String,
}

impl StoredReply {
    /// From a stored status (out of range reads as 500).
    pub fn from_stored(status: i64, body: String) -> Self {
        StoredReply {
            status: u16::try_from(status)
                .ok()
                .filter(|s| (100..=999).contains(s))
                .unwrap_or(500),
            body,
        }
    }
}

/// 400 155801 with a secret-free message.
pub(crate) fn bad_request(msg: &str) -> ApiError {
    ApiError::new(ErrorCode::InvalidRequest).with_message(msg)
}
