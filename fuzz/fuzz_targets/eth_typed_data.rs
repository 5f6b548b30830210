//! `SIGN_TYPEDDATA` on arbitrary JSON: the server's EIP-712 validation, canonicalisation and
//! hashing (`canonical_typed_data`, `parse_typed_data`, alloy's `eip712_signing_hash`, from
//! server/src/eth), then signing and the client's review decoder. The first byte picks how the
//! data is sent (a JSON string or the object), the memo, and whether to sign (signing is slow next to the rest, so only about one in
//! eight accepted inputs with the signing bit is signed).
//!
//! Invariants: never panics; a refusal is a typed-data / too-large error (155821/155824);
//! an accepted request's canonical text is canonical (canonicalising its data again gives the
//! same text, the same EIP-712 digest), it signs (the signature recovers to the key), and the
//! client's review decoder (`latchkey_core::review`) shows it (or refuses it only for its own
//! documented display limits: too many fields, nested too deeply).
#![no_main]

mod server_eth;

use latchkey_core::review::{decode_sign_request, RequestKind, ReviewDetails};
use latchkey_protocol::{Blockchain, ErrorCode, WalletRef};
use libfuzzer_sys::fuzz_target;
use serde_json::Value;
use server_eth::{
    canonical_typed_data, parse_typed_data, sample, sign_request, test_key, EthError,
    SignatureResult,
};

fuzz_target!(|data: &[u8]| {
    let Some((&sel, rest)) = data.split_first() else {
        return;
    };
    let Ok(text) = std::str::from_utf8(rest) else {
        return;
    };
    let memo = match sel >> 4 & 3 {
        0 => None,
        1 => Some(""),
        2 => Some("Permit for the shop"),
        _ => Some(text),
    };
    let input = if sel & 1 == 0 {
        Value::String(text.to_owned())
    } else {
        match serde_json::from_str::<Value>(text) {
            Ok(v) => v,
            Err(_) => return,
        }
    };
    let req = match canonical_typed_data(&input, memo) {
        Ok(r) => r,
        Err(e) => {
            assert!(
                matches!(
                    e,
                    EthError::InvalidTypedData { .. } | EthError::TooLarge { .. }
                ),
                "unexpected refusal {e:?}"
            );
            assert!(e.is_client_error());
            let _ = e.to_string();
            return;
        }
    };
    // The canonical text is canonical: its data canonicalises to the same text and digest.
    let v: Value = serde_json::from_str(req.as_str()).expect("canonical text is JSON");
    assert_eq!(v["kind"], "TYPED_DATA");
    let again = canonical_typed_data(&v["data"], memo).expect("canonical data is accepted");
    assert_eq!(
        again.as_str(),
        req.as_str(),
        "canonicalisation is not idempotent"
    );
    let h1 = parse_typed_data(&v["data"])
        .expect("canonical data parses")
        .typed
        .eip712_signing_hash()
        .expect("canonical data hashes");
    let h0 = match &input {
        Value::String(s) => serde_json::from_str::<Value>(s).expect("accepted data is JSON"),
        o => o.clone(),
    };
    let h0 = parse_typed_data(&h0)
        .expect("accepted data parses")
        .typed
        .eip712_signing_hash()
        .expect("accepted data hashes");
    assert_eq!(h0, h1, "canonical form hashes differently");
    if sel & 2 != 0 && sample(data, 8) {
        match sign_request(test_key(), req.as_str(), None) {
            Ok(SignatureResult::Signature { signature }) => {
                assert_eq!(signature.len(), 132, "signature is 0x + 65 bytes")
            }
            other => panic!("an accepted request did not sign: {other:?}"),
        }
    }
    // The client shows what the server stores.
    let wallet = WalletRef {
        id: "w".into(),
        address: "0xCD2a3d9F938E13CD947Ec05AbC7FE734Df8DD826".into(),
        blockchain: Blockchain::Eth,
    };
    match decode_sign_request(req.as_str(), RequestKind::TypedData, wallet) {
        Ok(review) => {
            let ReviewDetails::TypedData(t) = review.details else {
                panic!("typed data reviewed as another kind");
            };
            assert_eq!(
                Some(t.primary_type.as_str()),
                v["data"]["primaryType"].as_str()
            );
            assert_eq!(review.memo.as_deref(), memo);
        }
        Err(e) => {
            assert_eq!(e.code, ErrorCode::InvalidTypedData, "{e}");
            let shown = e.to_string();
            assert!(
                shown.contains("too many fields") || shown.contains("nested too deeply"),
                "the client cannot show a request the server accepted: {shown}"
            );
        }
    }
});
