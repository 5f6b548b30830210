//! The server's error type: every failure becomes an [`ErrorBody`] reply with its 155xxx code.
//! Messages are fixed, secret-free texts; internal causes are logged without request data.

use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use latchkey_protocol::{ErrorBody, ErrorCode};

/// A request failure, rendered as `{"code", "message", "attemptsLeft"?, "lockedExpiryDate"?}`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ApiError {
    /// The wire body.
    pub body: ErrorBody,
    /// The HTTP status (normally `code.http_status()`).
    pub status: u16,
    /// Seconds for a `Retry-After` header (503 busy, 429 rate limited).
    pub retry_after: Option<u32>,
}

impl ApiError {
    /// An error with the code's standard message and status.
    pub fn new(code: ErrorCode) -> Self {
        ApiError {
            body: ErrorBody::new(code),
            status: code.http_status(),
            retry_after: None,
        }
    }

    /// Adds a `Retry-After` header (seconds).
    pub fn with_retry_after(mut self, secs: u32) -> Self {
        self.retry_after = Some(secs);
        self
    }

    /// The error for a failed Argon2 admission or computation: 503 155830 with
    /// `Retry-After` when the server is busy, else an internal error.
    pub fn kdf(e: crate::crypto::CryptoError) -> Self {
        match e {
            crate::crypto::CryptoError::Busy => {
                ApiError::new(ErrorCode::ServerBusy).with_retry_after(1)
            }
            other => ApiError::internal(other),
        }
    }

    /// Replaces the message (must be secret-free).
    pub fn with_message(mut self, msg: impl Into<String>) -> Self {
        self.body.message = msg.into();
        self
    }

    /// Overrides the HTTP status.
    pub fn with_status(mut self, status: u16) -> Self {
        self.status = status;
        self
    }

    /// Adds the attempts still allowed.
    pub fn with_attempts_left(mut self, n: u32) -> Self {
        self.body.attempts_left = Some(n);
        self
    }

    /// Adds the lock expiry (RFC 3339).
    pub fn with_lock_expiry(mut self, when: String) -> Self {
        self.body.locked_expiry_date = Some(when);
        self
    }

    /// The error code.
    pub fn code(&self) -> ErrorCode {
        self.body.code
    }

    /// An internal failure: logs the cause (which must not contain secrets) and answers 155811.
    pub fn internal(cause: impl std::fmt::Display) -> Self {
        tracing::error!(error = %cause, "internal error");
        ApiError::new(ErrorCode::InternalError)
    }
}

impl From<ErrorCode> for ApiError {
    fn from(c: ErrorCode) -> Self {
        ApiError::new(c)
    }
}

impl From<sqlx::Error> for ApiError {
    fn from(e: sqlx::Error) -> Self {
        // sqlx errors carry SQL and driver text, never bound parameter values.
        ApiError::internal(format_args!("database: {e}"))
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let status = StatusCode::from_u16(self.status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
        let mut r = (status, axum::Json(self.body)).into_response();
        if let Some(secs) = self.retry_after {
            r.headers_mut()
                .insert(axum::http::header::RETRY_AFTER, secs.into());
        }
        r
    }
}

/// Result alias for handlers.
pub type ApiResult<T> = Result<T, ApiError>;
