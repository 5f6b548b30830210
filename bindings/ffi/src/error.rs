//! `LatchkeyError`: every core error mapped to a variant that says what to do, keeping its
//! 155xxx code.

use latchkey_core as lk;

macro_rules! latchkey_error {
    ($( $(#[$doc:meta])* $variant:ident ),* $(,)?) => {
        /// Why a call failed (UDL `LatchkeyError`): every variant carries `code`, `detail`,
        /// `attempts_left` and `lock_expiry`; the variant says what to do.
        #[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
        pub enum LatchkeyError {
            $(
                $(#[$doc])*
                #[error("{detail} [{code}]")]
                $variant {
                    /// The 155xxx code.
                    code: u32,
                    /// Secret-free text.
                    detail: String,
                    /// Wrong guesses still allowed, when known.
                    attempts_left: Option<u32>,
                    /// When a lock ends, RFC 3339.
                    lock_expiry: Option<String>,
                },
            )*
        }

        impl LatchkeyError {
            /// The 155xxx code.
            pub fn code(&self) -> u32 {
                match self { $( LatchkeyError::$variant { code, .. } => *code, )* }
            }
        }
    };
}

latchkey_error! {
    /// Misuse; nothing changed.
    InvalidInput,
    /// Another call is in flight.
    Busy,
    /// Unreachable after retries.
    Network,
    /// `wait_for_result` deadline.
    Timeout,
    /// New session needed.
    SessionExpired,
    /// New challenge needed.
    ChallengeExpired,
    /// Locked.
    Locked,
    /// Bad encryption key.
    InvalidKey,
    /// Update the SDK.
    Unsupported,
    /// Other server error.
    Server,
    /// SDK bug.
    Internal,
}

impl LatchkeyError {
    pub(crate) fn internal(detail: impl Into<String>) -> Self {
        LatchkeyError::Internal {
            code: lk::ErrorCode::InternalError.code(),
            detail: detail.into(),
            attempts_left: None,
            lock_expiry: None,
        }
    }
}

impl From<lk::LatchkeyError> for LatchkeyError {
    fn from(e: lk::LatchkeyError) -> Self {
        let code = e.code().code();
        let attempts_left = e.attempts_left();
        let lock_expiry = e.lock_expiry().map(str::to_owned);
        let detail = match &e {
            lk::LatchkeyError::Server { message, .. } => message.clone(),
            other => other.to_string(),
        };
        macro_rules! v {
            ($variant:ident) => {
                LatchkeyError::$variant {
                    code,
                    detail,
                    attempts_left,
                    lock_expiry,
                }
            };
        }
        match e {
            lk::LatchkeyError::InvalidInput { .. } => v!(InvalidInput),
            lk::LatchkeyError::Busy => v!(Busy),
            // 155830 / 155834 in `code`; the detail says how long the server asked to wait.
            lk::LatchkeyError::Network { .. } | lk::LatchkeyError::ServerBusy { .. } => {
                v!(Network)
            }
            lk::LatchkeyError::Timeout { .. } => v!(Timeout),
            lk::LatchkeyError::SessionExpired { .. } => v!(SessionExpired),
            lk::LatchkeyError::ChallengeExpired => v!(ChallengeExpired),
            lk::LatchkeyError::Locked { .. } => v!(Locked),
            lk::LatchkeyError::InvalidKey => v!(InvalidKey),
            lk::LatchkeyError::Unsupported { .. } => v!(Unsupported),
            _ => v!(Server),
        }
    }
}

impl From<lk::ErrorCode> for LatchkeyError {
    fn from(code: lk::ErrorCode) -> Self {
        lk::LatchkeyError::from_code(code).into()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_core_error_keeps_its_code() {
        for c in lk::ErrorCode::ALL {
            let e = LatchkeyError::from(*c);
            assert_eq!(e.code(), c.code(), "{c}");
        }
        let e = LatchkeyError::from(lk::LatchkeyError::InvalidKey);
        assert!(matches!(e, LatchkeyError::InvalidKey { code: 155118, .. }));
    }
}
