//! The PIN and answer rules on arbitrary text: never panic, normalisation is idempotent, an
//! accepted PIN is 6 ASCII digits, and rejections never carry the input (PIN-like inputs).
#![no_main]

use latchkey_protocol::questions::normalize_text;
use latchkey_protocol::{default_catalogue, PinPolicy, QuestionKind, QuestionPolicy};
use libfuzzer_sys::fuzz_target;

/// Four digits in a row: never part of a rule's message (which mention at most 100), so
/// finding such an input in a message means the message carries the input.
fn digit_run(s: &str) -> bool {
    s.as_bytes()
        .windows(4)
        .any(|w| w.iter().all(u8::is_ascii_digit))
}

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    let (a, b) = text.split_at(
        text.char_indices()
            .nth(text.chars().count() / 2)
            .map_or(text.len(), |(i, _)| i),
    );
    let pins = PinPolicy::default();
    match pins.check(a) {
        Ok(()) => assert!(a.len() == 6 && a.bytes().all(|c| c.is_ascii_digit())),
        Err(e) => {
            let shown = format!("{e} {e:?}");
            if digit_run(a) {
                assert!(!shown.contains(a), "a PIN rejection shows the PIN");
            }
        }
    }
    let n = normalize_text(a);
    assert_eq!(
        normalize_text(n.expose()).expose(),
        n.expose(),
        "normalisation is not idempotent"
    );
    let policy = QuestionPolicy::default();
    for kind in [QuestionKind::Text, QuestionKind::Date] {
        match policy.normalize_answer(&kind, a) {
            Ok(norm) => {
                let again = policy
                    .normalize_answer(&kind, norm.expose())
                    .expect("a normalised answer is valid");
                assert_eq!(again.expose(), norm.expose());
                let _ = policy.check_hint(Some(b), &norm);
                let _ = policy.check_hint(Some(a), &norm);
            }
            Err(e) => {
                let shown = format!("{e} {e:?}");
                if digit_run(a.trim()) {
                    assert!(
                        !shown.contains(a.trim()),
                        "an answer rejection shows the answer"
                    );
                }
            }
        }
    }
    let ids: Vec<&str> = b.split(',').collect();
    let _ = policy.check_selection(&default_catalogue(), &ids);
});
