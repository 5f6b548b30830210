//! PIN rules, one [`PinPolicy`] so client and server judge alike.

use crate::codes::ErrorCode;
use serde::{Deserialize, Serialize};

/// Why a PIN was refused. Carries no digits of the PIN.
#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
pub enum PinRejection {
    /// Not exactly the required number of characters.
    #[error("the PIN must have exactly {expected} digits")]
    WrongLength {
        /// The required length.
        expected: usize,
    },
    /// Contains something other than ASCII digits.
    #[error("the PIN must contain digits only")]
    NotDigits,
    /// All digits are the same (e.g. 000000).
    #[error("the PIN must not repeat one digit")]
    AllSameDigit,
    /// An ascending or descending run (e.g. 123456, 654321).
    #[error("the PIN must not be consecutive digits")]
    Sequential,
}

impl PinRejection {
    /// The error code for any PIN rejection (155704).
    pub fn code(self) -> ErrorCode {
        ErrorCode::InsecurePin
    }
}

/// The number of digits of a PIN under the default rules ([`PinPolicy::default`]). A challenge's
/// descriptor carries the policy it runs under; prefer that one when a flow is at hand.
pub const PIN_LENGTH: usize = 6;

/// The PIN rules: exactly `length` ASCII digits, not all the same, not an ascending or
/// descending run.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct PinPolicy {
    /// Number of digits (6).
    #[cfg_attr(feature = "openapi", schema(value_type = u32))]
    pub length: usize,
}

impl Default for PinPolicy {
    fn default() -> Self {
        PinPolicy { length: PIN_LENGTH }
    }
}

impl PinPolicy {
    /// Checks a PIN against the rules.
    pub fn check(&self, pin: &str) -> Result<(), PinRejection> {
        let bytes = pin.as_bytes();
        if !bytes.iter().all(u8::is_ascii_digit) {
            return Err(PinRejection::NotDigits);
        }
        if bytes.len() != self.length {
            return Err(PinRejection::WrongLength {
                expected: self.length,
            });
        }
        if bytes.windows(2).all(|w| w[0] == w[1]) {
            return Err(PinRejection::AllSameDigit);
        }
        let ascending = bytes.windows(2).all(|w| w[1] == w[0] + 1);
        let descending = bytes.windows(2).all(|w| w[0] == w[1] + 1);
        if ascending || descending {
            return Err(PinRejection::Sequential);
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn table() {
        let p = PinPolicy::default();
        let cases: &[(&str, Result<(), PinRejection>)] = &[
            ("135790", Ok(())),
            ("246801", Ok(())),
            ("112233", Ok(())),
            ("123457", Ok(())),
            ("901234", Ok(())),
            ("000000", Err(PinRejection::AllSameDigit)),
            ("999999", Err(PinRejection::AllSameDigit)),
            ("123456", Err(PinRejection::Sequential)),
            ("456789", Err(PinRejection::Sequential)),
            ("654321", Err(PinRejection::Sequential)),
            ("987654", Err(PinRejection::Sequential)),
            ("12345", Err(PinRejection::WrongLength { expected: 6 })),
            ("1234567", Err(PinRejection::WrongLength { expected: 6 })),
            ("", Err(PinRejection::WrongLength { expected: 6 })),
            ("12a456", Err(PinRejection::NotDigits)),
            ("１２３４５６", Err(PinRejection::NotDigits)),
            (" 135790", Err(PinRejection::NotDigits)),
        ];
        for (pin, want) in cases {
            assert_eq!(p.check(pin), *want, "pin case {pin:?}");
        }
    }

    #[test]
    fn default_length_is_the_constant() {
        assert_eq!(PIN_LENGTH, 6);
        assert_eq!(PinPolicy::default().length, PIN_LENGTH);
        assert!(PinPolicy::default().check("135790").is_ok());
        assert_eq!(
            PinPolicy::default().check("13579"),
            Err(PinRejection::WrongLength {
                expected: PIN_LENGTH
            })
        );
    }

    #[test]
    fn rejection_messages_have_no_digits_of_the_pin() {
        for r in [
            PinRejection::NotDigits,
            PinRejection::AllSameDigit,
            PinRejection::Sequential,
        ] {
            assert!(!r.to_string().chars().any(|c| c.is_ascii_digit()));
            assert_eq!(r.code(), ErrorCode::InsecurePin);
        }
    }
}
