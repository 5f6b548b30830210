//! Fixed envelope test vectors. The same vectors are printed in `docs/protocol.md`, and
//! `protocol/tests/vectors.json` holds them for implementations in other languages.

use latchkey_protocol::envelope::{open, seal_with_nonce, EnvelopeContext};
use latchkey_protocol::{ChallengeType, SessionKey, Step};
use serde::Deserialize;

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct Vector {
    name: String,
    encryption_key: String,
    nonce_hex: String,
    challenge_id: String,
    challenge_type: String,
    step: String,
    plaintext: String,
    aad_hex: String,
    envelope: String,
}

fn vectors() -> Vec<Vector> {
    let text = include_str!("vectors.json");
    serde_json::from_str(text).expect("vectors.json parses")
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

fn unhex(s: &str) -> Vec<u8> {
    (0..s.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&s[i..i + 2], 16).expect("hex"))
        .collect()
}

#[test]
fn vectors_seal_and_open() {
    let vs = vectors();
    assert!(vs.len() >= 3);
    for v in vs {
        let key = SessionKey::from_base64(&v.encryption_key).expect("key");
        let t = ChallengeType::parse(&v.challenge_type);
        let s = Step::parse(&v.step);
        let ctx = EnvelopeContext {
            challenge_id: &v.challenge_id,
            challenge_type: &t,
            step: &s,
        };
        assert_eq!(
            hex(&ctx.associated_data().unwrap()),
            v.aad_hex,
            "aad of {}",
            v.name
        );
        let nonce: [u8; 12] = unhex(&v.nonce_hex).try_into().expect("12-byte nonce");
        let env = seal_with_nonce(&key, &ctx, v.plaintext.as_bytes(), nonce).expect("seal");
        assert_eq!(env, v.envelope, "envelope of {}", v.name);
        let plain = open(&key, &ctx, &v.envelope).expect("open");
        assert_eq!(
            &plain[..],
            v.plaintext.as_bytes(),
            "plaintext of {}",
            v.name
        );
    }
}

#[test]
fn vectors_are_in_the_protocol_doc() {
    let doc = include_str!("../../docs/protocol.md");
    for v in vectors() {
        for field in [
            &v.encryption_key,
            &v.nonce_hex,
            &v.challenge_id,
            &v.aad_hex,
            &v.envelope,
        ] {
            assert!(
                doc.contains(field.as_str()),
                "docs/protocol.md lacks {field} of {}",
                v.name
            );
        }
    }
}
