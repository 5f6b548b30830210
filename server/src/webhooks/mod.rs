//! Webhooks: notification types and subscription matching, the persistent outbox
//! ([`outbox`]: enqueue in the status-changing transaction, signed delivery with exponential
//! backoff, dead letters, purge), the signing key and its rotation ([`signing`]) and the
//! target checks ([`target`]: no private or metadata addresses unless allowed). Used by the domain layer; knows nothing of HTTP
//! handlers.

pub mod outbox;
pub mod signing;
pub mod target;

use latchkey_protocol::ChallengeType;
use std::time::Duration;

/// The notification type of an operator reset of a user's security-answer budget.
pub const SECURITY_QUESTIONS_RESET: &str = "users.securityQuestionsReset";

/// The notification type of a challenge, e.g. `challenges.changePin`.
pub fn notification_type(kind: &ChallengeType) -> String {
    let mut out = String::from("challenges.");
    let mut upper = false;
    for c in kind.as_str().chars() {
        if c == '_' {
            upper = true;
        } else if upper {
            out.push(c.to_ascii_uppercase());
            upper = false;
        } else {
            out.push(c.to_ascii_lowercase());
        }
    }
    out
}

/// Whether a subscription's type list selects `ty`.
pub fn type_matches(types: &[String], ty: &str) -> bool {
    types.is_empty()
        || types
            .iter()
            .any(|t| t == "*" || t == ty || t.strip_suffix('*').is_some_and(|p| ty.starts_with(p)))
}

/// Delay before retry number `attempts` (1-based): base * 2^(attempts-1), capped.
pub fn backoff(base: Duration, max: Duration, attempts: u32) -> Duration {
    let factor = 1u32
        .checked_shl(attempts.saturating_sub(1).min(30))
        .unwrap_or(u32::MAX);
    base.checked_mul(factor).unwrap_or(max).min(max)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn types() {
        assert_eq!(
            notification_type(&ChallengeType::ChangePin),
            "challenges.changePin"
        );
        assert_eq!(
            notification_type(&ChallengeType::Initialize),
            "challenges.initialize"
        );
        assert_eq!(
            notification_type(&ChallengeType::SetSecurityQuestions),
            "challenges.setSecurityQuestions"
        );
        assert!(type_matches(&["*".into()], "challenges.setPin"));
        assert!(type_matches(&["challenges.*".into()], "challenges.setPin"));
        assert!(type_matches(&[], "challenges.setPin"));
        assert!(!type_matches(
            &["challenges.changePin".into()],
            "challenges.setPin"
        ));
    }

    #[test]
    fn backoff_doubles_and_caps() {
        let b = Duration::from_millis(100);
        let m = Duration::from_secs(1);
        assert_eq!(backoff(b, m, 1), Duration::from_millis(100));
        assert_eq!(backoff(b, m, 2), Duration::from_millis(200));
        assert_eq!(backoff(b, m, 4), Duration::from_millis(800));
        assert_eq!(backoff(b, m, 5), m);
        assert_eq!(backoff(b, m, 500), m);
    }
}
