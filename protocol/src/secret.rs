//! A string secret (PIN or answer) that is zeroized on drop and never printed.

use serde::{Deserialize, Deserializer, Serialize, Serializer};
use std::fmt;
use zeroize::{Zeroize, Zeroizing};

/// A secret string: zeroized when dropped, redacted in `Debug`/`Display`, compared in constant
/// time. Serializes as a plain JSON string (only ever inside a sealed envelope).
#[derive(Clone, Default)]
pub struct Secret(Zeroizing<String>);

impl Secret {
    /// Wraps a string, taking ownership (the caller's copy is moved, not duplicated).
    pub fn new(s: String) -> Self {
        Secret(Zeroizing::new(s))
    }

    /// Copies from a borrowed string.
    pub fn from_str_copy(s: &str) -> Self {
        Secret(Zeroizing::new(s.to_owned()))
    }

    /// The secret's text. Do not log it.
    pub fn expose(&self) -> &str {
        self.0.as_str()
    }

    /// Length in bytes.
    pub fn len(&self) -> usize {
        self.0.len()
    }

    /// Whether the secret is empty.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// Constant-time equality (lengths are not secret).
    pub fn ct_eq(&self, other: &Secret) -> bool {
        ct_eq(self.0.as_bytes(), other.0.as_bytes())
    }
}

/// Constant-time comparison of two byte strings (the length is not hidden).
pub fn ct_eq(a: &[u8], b: &[u8]) -> bool {
    if a.len() != b.len() {
        return false;
    }
    // `ring::constant_time` is the project's one source of constant-time comparison.
    #[allow(deprecated)]
    ring::constant_time::verify_slices_are_equal(a, b).is_ok()
}

impl From<String> for Secret {
    fn from(s: String) -> Self {
        Secret::new(s)
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Secret(<redacted>)")
    }
}

impl fmt::Display for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("<redacted>")
    }
}

impl PartialEq for Secret {
    fn eq(&self, other: &Self) -> bool {
        self.ct_eq(other)
    }
}

impl Eq for Secret {}

impl Zeroize for Secret {
    fn zeroize(&mut self) {
        self.0.zeroize();
    }
}

impl Serialize for Secret {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.expose())
    }
}

impl<'de> Deserialize<'de> for Secret {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        Ok(Secret::new(String::deserialize(d)?))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn debug_and_display_redact() {
        let s = Secret::from_str_copy("135790");
        assert!(!format!("{s:?}").contains("135790"));
        assert!(!format!("{s}").contains("135790"));
    }

    #[test]
    fn equality() {
        assert_eq!(Secret::from_str_copy("a"), Secret::from_str_copy("a"));
        assert_ne!(Secret::from_str_copy("a"), Secret::from_str_copy("b"));
        assert_ne!(Secret::from_str_copy("a"), Secret::from_str_copy("ab"));
    }
}
