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
}

impl ApiError {
    /// An error with the code's standard message and status.
    pub fn new(code: ErrorCode) -> Self {
        ApiError {
            body: ErrorBody::new(code),
            status: code.http_status(),
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
        (status, axum::Json(self.body)).into_response()
    }
}

/// Result alias for handlers.
pub type ApiResult<T> = Result<T, ApiError>;
