//! The recovery-code vectors (`recovery_vectors.json`, documented in `docs/protocol.md`
//! section 8) checked against the Rust implementation. `tests/python/test_recovery_vectors.py`
//! checks the same file with an independent implementation.

use base64::engine::general_purpose::STANDARD;
use base64::Engine as _;
use latchkey_protocol::recovery::*;
use ring::rand::SystemRandom;
use serde_json::Value;

fn vectors() -> Value {
    serde_json::from_str(include_str!("recovery_vectors.json")).unwrap()
}

fn unhex(s: &str) -> Vec<u8> {
    (0..s.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&s[i..i + 2], 16).unwrap())
        .collect()
}

fn hex(b: &[u8]) -> String {
    b.iter().map(|x| format!("{x:02x}")).collect()
}

#[test]
fn codes_and_wrapping_keys() {
    let v = vectors();
    let codes = v["codes"].as_array().unwrap();
    assert!(codes.len() >= 3);
    for c in codes {
        let entropy: [u8; CODE_ENTROPY_BYTES] =
            unhex(c["entropy"].as_str().unwrap()).try_into().unwrap();
        let code = RecoveryCode::from_entropy(&entropy);
        assert_eq!(code.expose(), c["code"].as_str().unwrap());
        assert_eq!(code.display().as_str(), c["display"].as_str().unwrap());
        let parsed = RecoveryCode::parse(&c["display"].as_str().unwrap().to_lowercase()).unwrap();
        assert_eq!(parsed.expose(), code.expose());
        assert_eq!(
            hex(code.wrapping_key().unwrap().expose()),
            c["wrappingKey"].as_str().unwrap()
        );
    }
}

#[test]
fn rejections_name_the_group() {
    let v = vectors();
    for r in v["rejections"].as_array().unwrap() {
        let err = RecoveryCode::parse(r["input"].as_str().unwrap()).unwrap_err();
        let group = r["group"].as_u64().map(|g| g as u32);
        let expected = match r["error"].as_str().unwrap() {
            "TYPO" => CodeRejection::Typo {
                group: group.unwrap(),
            },
            "GROUP_LENGTH" => CodeRejection::GroupLength {
                group: group.unwrap(),
            },
            "INVALID_CHARACTER" => CodeRejection::InvalidCharacter {
                group: group.unwrap(),
            },
            "LENGTH" => CodeRejection::Length { got: 34 },
            other => panic!("unknown rejection {other}"),
        };
        assert_eq!(err, expected, "{}", r["input"]);
    }
}

#[test]
fn wrapped_key_and_proof() {
    let v = vectors();
    let w = &v["wrap"];
    let ctx = KeyContext {
        method: w["method"].as_str().unwrap(),
        user_id: w["userId"].as_str().unwrap(),
        version: w["version"].as_u64().unwrap() as u32,
    };
    assert_eq!(
        hex(&ctx.associated_data().unwrap()),
        w["associatedData"].as_str().unwrap()
    );
    let code = RecoveryCode::parse(w["code"].as_str().unwrap()).unwrap();
    let key = code.wrapping_key().unwrap();
    let pkcs8 = unhex(w["pkcs8"].as_str().unwrap());
    let nonce: [u8; 12] = unhex(w["nonce"].as_str().unwrap()).try_into().unwrap();
    let wrapped = wrap_with_nonce(&key, &ctx, &pkcs8, nonce).unwrap();
    assert_eq!(wrapped, w["wrappedKey"].as_str().unwrap());
    assert_eq!(unwrap(&key, &ctx, &wrapped).unwrap().as_slice(), &pkcs8[..]);

    let p = &v["proof"];
    let proof = ProofContext {
        challenge_id: p["challengeId"].as_str().unwrap(),
        method: p["method"].as_str().unwrap(),
        user_id: p["userId"].as_str().unwrap(),
        version: p["version"].as_u64().unwrap() as u32,
        nonce: p["nonce"].as_str().unwrap(),
    };
    assert_eq!(
        hex(&proof.message().unwrap()),
        p["message"].as_str().unwrap()
    );
    let rng = SystemRandom::new();
    let pair = RecoveryKeyPair::from_pkcs8(&pkcs8, &rng).unwrap();
    assert_eq!(pair.public_key(), p["publicKey"].as_str().unwrap());
    verify_proof(&pair.public_key(), &proof, p["signature"].as_str().unwrap()).unwrap();
    // ECDSA is randomised: a fresh signature differs but verifies too.
    let fresh = prove_with_code(w["code"].as_str().unwrap(), &wrapped, &proof, &rng).unwrap();
    verify_proof(&pair.public_key(), &proof, &fresh).unwrap();
    let mut sig = STANDARD.decode(p["signature"].as_str().unwrap()).unwrap();
    sig[10] ^= 1;
    assert_eq!(
        verify_proof(&pair.public_key(), &proof, &STANDARD.encode(sig)),
        Err(RecoveryError::BadSignature)
    );
}
