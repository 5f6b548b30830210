//! Authentication extractors. They implement `FromRequestParts`, so axum runs them before any
//! body extractor: no body is read or parsed before authentication succeeds. Put them first in
//! a handler's arguments, in the order the checks should run.
//!
//! - [`ApiKey`]: `Authorization: Bearer <developer API key>` (401 155802).
//! - [`OptionalApiKey`]: the same, checked only when an `Authorization` header is sent.
//! - [`UserSession`]: `X-User-Token` (401 155105 missing or malformed, 155103 unknown,
//!   155104 expired), resolved through the session cache.
//! - [`PendingUserSession`]: the same, with a cached session's revocation check left to the
//!   handler's own statement (the descriptor's one-statement read).

use crate::domain::sessions::{self, Session};
use crate::error::ApiError;
use crate::state::AppState;
use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use latchkey_protocol::ErrorCode;
use std::sync::Arc;

/// The caller presented a valid developer API key.
#[derive(Debug, Clone, Copy)]
pub struct ApiKey;

impl FromRequestParts<Arc<AppState>> for ApiKey {
    type Rejection = ApiError;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &Arc<AppState>,
    ) -> Result<Self, Self::Rejection> {
        let key = parts
            .headers
            .get("authorization")
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.strip_prefix("Bearer "))
            .map(str::trim)
            .filter(|k| !k.is_empty())
            .ok_or(ApiError::new(ErrorCode::Unauthorized))?;
        sessions::check_api_key(state, key)?;
        Ok(ApiKey)
    }
}

/// A developer API key, checked when an `Authorization` header is present (`Some`), absent
/// otherwise (`None`).
#[derive(Debug, Clone, Copy)]
pub struct OptionalApiKey(pub Option<ApiKey>);

impl FromRequestParts<Arc<AppState>> for OptionalApiKey {
    type Rejection = ApiError;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &Arc<AppState>,
    ) -> Result<Self, Self::Rejection> {
        if parts.headers.contains_key("authorization") {
            Ok(OptionalApiKey(Some(
                ApiKey::from_request_parts(parts, state).await?,
            )))
        } else {
            Ok(OptionalApiKey(None))
        }
    }
}

/// The user session named by `X-User-Token`.
pub struct UserSession(pub Session);

impl FromRequestParts<Arc<AppState>> for UserSession {
    type Rejection = ApiError;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &Arc<AppState>,
    ) -> Result<Self, Self::Rejection> {
        let token = user_token(parts)?;
        sessions::resolve(state, token).await.map(UserSession)
    }
}

/// The user session named by `X-User-Token`, whose revocation check the handler makes in its
/// own statement ([`sessions::PendingSession`]); for hot read paths only.
pub struct PendingUserSession(pub sessions::PendingSession);

impl FromRequestParts<Arc<AppState>> for PendingUserSession {
    type Rejection = ApiError;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &Arc<AppState>,
    ) -> Result<Self, Self::Rejection> {
        let token = user_token(parts)?;
        sessions::resolve_pending(state, token)
            .await
            .map(PendingUserSession)
    }
}

/// The `X-User-Token` header, trimmed (401 155105 when missing or not text).
fn user_token(parts: &Parts) -> Result<&str, ApiError> {
    parts
        .headers
        .get("x-user-token")
        .and_then(|v| v.to_str().ok())
        .map(str::trim)
        .ok_or(ApiError::new(ErrorCode::InvalidToken))
}
