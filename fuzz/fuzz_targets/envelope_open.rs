//! Envelope opening on arbitrary input: never panics, never opens what it should not.
//! The first 32 bytes are the session key, the rest the envelope text. Half of the runs seal a
//! payload first and let the fuzzer's bytes corrupt it, so the code past authentication is
//! reached too.
#![no_main]

use latchkey_protocol::envelope::{open, open_json, seal_with_nonce, EnvelopeContext};
use latchkey_protocol::{ChallengeType, SessionKey, Step, StepPayload};
use libfuzzer_sys::fuzz_target;

const ID: &str = "6f2a8c1e-0000-4000-8000-000000000001";

fuzz_target!(|data: &[u8]| {
    if data.len() < 33 {
        return;
    }
    let mut k = [0u8; 32];
    k.copy_from_slice(&data[..32]);
    let key = SessionKey::from_bytes(k);
    let mode = data[32];
    let rest = &data[33..];
    let ty = ChallengeType::ChangePin;
    let step = Step::CurrentPin;
    let ctx = EnvelopeContext {
        challenge_id: ID,
        challenge_type: &ty,
        step: &step,
    };
    // Any text as an envelope, and as a session key.
    let text = String::from_utf8_lossy(rest);
    let _ = SessionKey::from_base64(&text);
    let _ = open(&key, &ctx, &text);
    let _ = open_json::<StepPayload>(&key, &ctx, &text);
    if mode & 1 == 1 {
        // A real envelope holding the fuzzer's bytes as plaintext: it must open to exactly
        // those bytes, and not open for another step, type or challenge.
        let nonce = [mode; 12];
        let Ok(env) = seal_with_nonce(&key, &ctx, rest, nonce) else {
            assert!(
                rest.len() > 16 * 1024 - 29,
                "sealing refused a small plaintext"
            );
            return;
        };
        let opened = open(&key, &ctx, &env).expect("own envelope opens");
        assert_eq!(&opened[..], rest);
        let other_step = Step::Complete;
        let other = EnvelopeContext {
            step: &other_step,
            ..ctx
        };
        assert!(open(&key, &other, &env).is_err(), "opened for another step");
        let other_ty = ChallengeType::SignMessage;
        let other = EnvelopeContext {
            challenge_type: &other_ty,
            ..ctx
        };
        assert!(open(&key, &other, &env).is_err(), "opened for another type");
        // Flip one byte of the decoded envelope (chosen by the input): must be refused.
        use base64::Engine as _;
        let mut raw = base64_decode(&env);
        let i = usize::from(mode) % raw.len();
        raw[i] ^= 0x5a;
        let tampered = base64::engine::general_purpose::STANDARD.encode(&raw);
        assert!(
            open(&key, &ctx, &tampered).is_err(),
            "tampered envelope opened"
        );
        let _ = open_json::<StepPayload>(&key, &ctx, &env);
    }
});

fn base64_decode(s: &str) -> Vec<u8> {
    use base64::Engine as _;
    base64::engine::general_purpose::STANDARD
        .decode(s)
        .expect("own envelope is base64")
}
