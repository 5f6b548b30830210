//! [`LatchkeyError`]: the one public error of the driver. Every server error body and every
//! refused flow event is mapped here, in one place.

use crate::error::FlowError;
use latchkey_protocol::{ChallengeStatus, ErrorBody, ErrorCode};

/// Why a driver call failed. Each variant says what the caller should do; each carries (or
/// implies) a 155xxx [`ErrorCode`], see [`LatchkeyError::code`].
///
/// User-visible outcomes of a running challenge (insecure PIN, wrong PIN with attempts left,
/// lock, done, cancelled, session expired mid-flow) are **not** errors: they come back as
/// `Ok(Screen)`. `Err` is for misuse and for failures no screen can show.
///
/// No variant ever holds a PIN, an answer, a token or a key.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum LatchkeyError {
    /// The input does not fit the current screen, or the call is not allowed now (e.g. `back`
    /// with no earlier screen, any input after the run ended). Nothing changed; draw
    /// [`ChallengeRun::screen`](crate::driver::ChallengeRun::screen) and offer only what it
    /// asks for.
    #[error("{reason} ({code})")]
    InvalidInput {
        /// 155815 (input does not fit), 155804 (run ended), 155707 (could not seal), ...
        code: ErrorCode,
        /// A secret-free explanation.
        reason: String,
    },
    /// Another call is in flight on this challenge run (155809). Wait for it, or `cancel()`.
    #[error("another call is in flight on this challenge run")]
    Busy,
    /// The server could not be reached (155706), or answered 5xx, after every automatic
    /// retry. Retrying later may succeed.
    #[error("network error after {attempts} attempt(s): {detail} ({code})")]
    Network {
        /// 155706, the server's 5xx code (e.g. 155811), or 155816 (the step envelope was
        /// still being processed on every attempt; retrying resends it).
        code: ErrorCode,
        /// How many requests were made.
        attempts: u32,
        /// A secret-free description of the last failure.
        detail: String,
    },
    /// The server is shedding load (503 "busy" 155830, or 429 "rate limited" 155834) and
    /// still was after the automatic retries, each made after the `Retry-After` it asked for;
    /// or it asked for a longer wait than `ClientConfig::max_retry_after`. Nothing was done.
    /// Try again after `retry_after_secs`.
    #[error("the server is busy after {attempts} attempt(s); retry after {} s ({code})", retry_after_secs.map_or_else(|| "a while".to_owned(), |s| s.to_string()))]
    ServerBusy {
        /// 155830 (busy) or 155834 (rate limited).
        code: ErrorCode,
        /// How many requests were made.
        attempts: u32,
        /// The last `Retry-After`, seconds, when the server sent one.
        retry_after_secs: Option<u64>,
    },
    /// `wait_for_result` reached its deadline before the challenge reached a final status.
    /// The challenge may still finish; ask again later.
    #[error("the challenge is still {status} at the deadline")]
    Timeout {
        /// The last status seen.
        status: ChallengeStatus,
    },
    /// The user token is expired (155104), unknown (155103) or malformed (155105): get a new
    /// session from the app's backend.
    #[error("the session is no longer valid; start a new one ({code})")]
    SessionExpired {
        /// 155103, 155104 or 155105.
        code: ErrorCode,
    },
    /// The challenge is past its time to live (155121): have the backend create a new one.
    #[error("the challenge has expired ({})", ErrorCode::ChallengeExpired)]
    ChallengeExpired,
    /// PIN (155119), security answers (155120) or recovery (155863: answers and recovery codes
    /// share the count) are locked until `until` (RFC 3339); or
    /// disabled after too many wrong attempts in total (155832: restore the PIN with the
    /// answers; 155833: the operator must reset the answers), `until` then `None`.
    #[error("locked after too many wrong attempts until {} ({code})", until.as_deref().unwrap_or("later"))]
    Locked {
        /// 155119, 155120, 155863, 155832 or 155833.
        code: ErrorCode,
        /// When the lock ends, RFC 3339, if the server said.
        until: Option<String>,
    },
    /// The session `encryptionKey` is not base64 of 32 bytes (155118). Nothing was sent.
    #[error("the encryption key is invalid ({})", ErrorCode::InvalidEncryptionKey)]
    InvalidKey,
    /// The server speaks a protocol version or challenge type this SDK does not know (155814):
    /// update the SDK.
    #[error("{detail}; update the SDK ({})", ErrorCode::UnsupportedProtocolVersion)]
    Unsupported {
        /// What is not supported.
        detail: String,
    },
    /// Any other error the server reported (4xx), e.g. 155110 PIN not set, 155804 challenge
    /// finished, 155116 no such challenge. Not retried.
    #[error("{message} ({code})")]
    Server {
        /// The server's code.
        code: ErrorCode,
        /// The server's secret-free message.
        message: String,
        /// `attemptsLeft`, when the server sent it.
        attempts_left: Option<u32>,
    },
}

impl LatchkeyError {
    /// The 155xxx code of this error.
    pub fn code(&self) -> ErrorCode {
        match self {
            LatchkeyError::InvalidInput { code, .. }
            | LatchkeyError::Network { code, .. }
            | LatchkeyError::ServerBusy { code, .. }
            | LatchkeyError::SessionExpired { code }
            | LatchkeyError::Locked { code, .. }
            | LatchkeyError::Server { code, .. } => *code,
            LatchkeyError::Busy => ErrorCode::ChallengeAlreadyRunning,
            LatchkeyError::Timeout { .. } => ErrorCode::NetworkError,
            LatchkeyError::ChallengeExpired => ErrorCode::ChallengeExpired,
            LatchkeyError::InvalidKey => ErrorCode::InvalidEncryptionKey,
            LatchkeyError::Unsupported { .. } => ErrorCode::UnsupportedProtocolVersion,
        }
    }

    /// Wrong guesses still allowed, when known (0 when locked).
    pub fn attempts_left(&self) -> Option<u32> {
        match self {
            LatchkeyError::Server { attempts_left, .. } => *attempts_left,
            LatchkeyError::Locked { .. } => Some(0),
            _ => None,
        }
    }

    /// When the lock ends (RFC 3339), for [`LatchkeyError::Locked`].
    pub fn lock_expiry(&self) -> Option<&str> {
        match self {
            LatchkeyError::Locked { until, .. } => until.as_deref(),
            _ => None,
        }
    }

    /// Whether calling again later (unchanged) may succeed: network failures, a busy server
    /// and timeouts.
    pub fn is_retryable(&self) -> bool {
        matches!(
            self,
            LatchkeyError::Network { .. }
                | LatchkeyError::ServerBusy { .. }
                | LatchkeyError::Timeout { .. }
                | LatchkeyError::Busy
        )
    }

    /// The error for a server error body (the one mapping from [`ErrorBody`]).
    pub fn from_body(body: ErrorBody) -> Self {
        let code = body.code;
        match code {
            ErrorCode::TokenNotFound | ErrorCode::TokenExpired | ErrorCode::InvalidToken => {
                LatchkeyError::SessionExpired { code }
            }
            ErrorCode::ChallengeExpired => LatchkeyError::ChallengeExpired,
            ErrorCode::PinLocked
            | ErrorCode::SecurityQuestionsLocked
            | ErrorCode::RecoveryLocked
            | ErrorCode::PinRecoveryRequired
            | ErrorCode::AnswersDisabled => LatchkeyError::Locked {
                code,
                until: body.locked_expiry_date,
            },
            ErrorCode::InvalidEncryptionKey => LatchkeyError::InvalidKey,
            ErrorCode::UnsupportedProtocolVersion => LatchkeyError::Unsupported {
                detail: body.message,
            },
            // 155816: the step is still being processed; resending the same envelope later
            // gets its answer.
            // By number, so this holds whether or not this build's table names them.
            c if matches!(
                c.code(),
                super::http::SERVER_BUSY | super::http::RATE_LIMITED
            ) =>
            {
                LatchkeyError::ServerBusy {
                    code,
                    attempts: 1,
                    retry_after_secs: None,
                }
            }
            ErrorCode::NetworkError | ErrorCode::InternalError | ErrorCode::StepInProgress => {
                LatchkeyError::Network {
                    code,
                    attempts: 1,
                    detail: body.message,
                }
            }
            _ => LatchkeyError::Server {
                code,
                message: body.message,
                attempts_left: body.attempts_left,
            },
        }
    }

    /// The error for a code alone (e.g. the outcome code of a terminal screen).
    pub fn from_code(code: ErrorCode) -> Self {
        LatchkeyError::from_body(ErrorBody::new(code))
    }

    pub(crate) fn network(code: ErrorCode, attempts: u32, detail: impl Into<String>) -> Self {
        LatchkeyError::Network {
            code,
            attempts,
            detail: detail.into(),
        }
    }

    pub(crate) fn invalid_input(code: ErrorCode, reason: impl Into<String>) -> Self {
        LatchkeyError::InvalidInput {
            code,
            reason: reason.into(),
        }
    }
}

impl From<FlowError> for LatchkeyError {
    fn from(e: FlowError) -> Self {
        match e {
            FlowError::Busy => LatchkeyError::Busy,
            FlowError::UnsupportedProtocolVersion(_) | FlowError::UnsupportedChallenge(_) => {
                LatchkeyError::Unsupported {
                    detail: e.to_string(),
                }
            }
            FlowError::NotActive(ChallengeStatus::Expired) => LatchkeyError::ChallengeExpired,
            // The server sent something this run cannot use (a descriptor or a signRequest it
            // cannot show): report it with its code; nothing was sent.
            FlowError::InvalidDescriptor(_)
            | FlowError::NotActive(_)
            | FlowError::InvalidSignRequest(_) => LatchkeyError::Server {
                code: e.code(),
                message: e.to_string(),
                attempts_left: None,
            },
            // UnexpectedEvent, CannotGoBack, Finished, UnexpectedReply, Envelope, and any
            // later variant: the call does not fit the run as it is; nothing changed.
            other => LatchkeyError::InvalidInput {
                code: other.code(),
                reason: other.to_string(),
            },
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn body_mapping() {
        let mut b = ErrorBody::new(ErrorCode::PinLocked);
        b.locked_expiry_date = Some("2030-01-01T00:00:00Z".into());
        let e = LatchkeyError::from_body(b);
        assert_eq!(e.code(), ErrorCode::PinLocked);
        assert_eq!(e.lock_expiry(), Some("2030-01-01T00:00:00Z"));
        assert_eq!(e.attempts_left(), Some(0));
        let e = LatchkeyError::from_body(ErrorBody::new(ErrorCode::RecoveryLocked));
        assert!(matches!(e, LatchkeyError::Locked { .. }), "{e}");
        for c in [155103, 155104, 155105] {
            let e = LatchkeyError::from_code(ErrorCode::from_code(c));
            assert!(matches!(e, LatchkeyError::SessionExpired { .. }), "{c}");
            assert_eq!(e.code().code(), c);
        }
        assert_eq!(
            LatchkeyError::from_code(ErrorCode::ChallengeExpired),
            LatchkeyError::ChallengeExpired
        );
        let mut b = ErrorBody::new(ErrorCode::IncorrectPin);
        b.attempts_left = Some(2);
        assert_eq!(LatchkeyError::from_body(b).attempts_left(), Some(2));
        assert!(LatchkeyError::from_code(ErrorCode::InternalError).is_retryable());
        assert!(!LatchkeyError::from_code(ErrorCode::PinNotSet).is_retryable());
        // Still being processed: retry. Out of order: final.
        assert!(LatchkeyError::from_code(ErrorCode::StepInProgress).is_retryable());
        assert!(!LatchkeyError::from_code(ErrorCode::StepOutOfOrder).is_retryable());
    }

    #[test]
    fn every_code_maps_to_itself() {
        for c in ErrorCode::ALL {
            let e = LatchkeyError::from_code(*c);
            assert_eq!(e.code(), *c, "{c}");
            assert!(e.to_string().contains(&c.code().to_string()), "{e}");
        }
    }

    #[test]
    fn flow_errors_map() {
        assert_eq!(LatchkeyError::from(FlowError::Busy), LatchkeyError::Busy);
        let e = LatchkeyError::from(FlowError::CannotGoBack);
        assert_eq!(e.code(), ErrorCode::UnexpectedInput);
        assert!(matches!(e, LatchkeyError::InvalidInput { .. }));
        assert_eq!(
            LatchkeyError::from(FlowError::NotActive(ChallengeStatus::Expired)),
            LatchkeyError::ChallengeExpired
        );
        assert!(matches!(
            LatchkeyError::from(FlowError::UnsupportedProtocolVersion(9)),
            LatchkeyError::Unsupported { .. }
        ));
        let e = LatchkeyError::from(FlowError::InvalidSignRequest(crate::ReviewError {
            code: ErrorCode::InvalidTypedData,
            reason: "types is missing".into(),
        }));
        assert!(matches!(e, LatchkeyError::Server { .. }), "{e}");
        assert_eq!(e.code(), ErrorCode::InvalidTypedData);
        assert!(e.to_string().contains("types is missing"), "{e}");
    }
}
