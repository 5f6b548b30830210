//! Property tests of the envelope and the input rules, plus doc/code sync checks.

use latchkey_protocol::envelope::{open, seal, EnvelopeContext};
use latchkey_protocol::questions::normalize_text;
use latchkey_protocol::{ChallengeType, ErrorCode, PinPolicy, SessionKey, Step};
use proptest::prelude::*;
use ring::rand::SystemRandom;

proptest! {
    #[test]
    fn envelope_round_trips(key in any::<[u8; 32]>(), id in "[a-z0-9-]{1,40}", pt in proptest::collection::vec(any::<u8>(), 0..2048)) {
        let k = SessionKey::from_bytes(key);
        let t = ChallengeType::Initialize;
        let s = Step::Complete;
        let ctx = EnvelopeContext { challenge_id: &id, challenge_type: &t, step: &s };
        let env = seal(&k, &ctx, &pt, &SystemRandom::new()).unwrap();
        prop_assert_eq!(&open(&k, &ctx, &env).unwrap()[..], &pt[..]);
    }

    #[test]
    fn opening_garbage_never_panics(s in ".{0,200}", bytes in proptest::collection::vec(any::<u8>(), 0..200)) {
        let k = SessionKey::from_bytes([3; 32]);
        let t = ChallengeType::ChangePin;
        let st = Step::CurrentPin;
        let ctx = EnvelopeContext { challenge_id: "c", challenge_type: &t, step: &st };
        prop_assert!(open(&k, &ctx, &s).is_err());
        use base64::Engine as _;
        let b64 = base64::engine::general_purpose::STANDARD.encode(&bytes);
        prop_assert!(open(&k, &ctx, &b64).is_err());
    }

    #[test]
    fn pin_policy_never_panics_and_accepts_only_six_digits(pin in ".{0,12}") {
        if PinPolicy::default().check(&pin).is_ok() {
            prop_assert_eq!(pin.len(), 6);
            prop_assert!(pin.bytes().all(|b| b.is_ascii_digit()));
        }
    }

    #[test]
    fn normalisation_is_idempotent(s in "\\PC{0,40}") {
        let once = normalize_text(&s);
        let twice = normalize_text(once.expose());
        prop_assert_eq!(once.expose(), twice.expose());
    }
}

#[test]
fn every_error_code_is_documented() {
    let doc = include_str!("../../docs/protocol.md");
    for c in ErrorCode::ALL {
        let row = format!("| {} | {} | {} |", c.code(), c.name(), c.http_status());
        assert!(doc.contains(&row), "docs/protocol.md lacks the row for {c}");
    }
}
