//! `SIGN_MESSAGE` on arbitrary text: the server's EIP-191 message validation and
//! canonicalisation (`canonical_message`, from server/src/eth), signing, and the client's
//! review decoder. The first byte picks hex or text and the memo; about one input in 32 (by a
//! hash of the input) is also signed, as signing is slow next to the rest.
//!
//! Invariants: never panics; a refusal is a hex / too-large error; the canonical text is
//! canonical (canonicalising its message again gives the same text); the client's review
//! shows exactly the bytes the server signs (hex of the bytes, their length, and the text when
//! it is text); an accepted message signs and the signature recovers to the key's address.
#![no_main]

mod server_eth;

use alloy_primitives::{eip191_hash_message, hex, Signature};
use latchkey_core::review::{decode_sign_request, RequestKind, ReviewDetails};
use latchkey_protocol::{Blockchain, WalletRef};
use libfuzzer_sys::fuzz_target;
use serde_json::Value;
use server_eth::{canonical_message, sample, sign_request, test_key, EthError, SignatureResult};

fuzz_target!(|data: &[u8]| {
    let Some((&sel, rest)) = data.split_first() else {
        return;
    };
    let Ok(text) = std::str::from_utf8(rest) else {
        return;
    };
    let by_hex = sel & 1 != 0;
    let memo = match sel >> 1 & 3 {
        0 => None,
        1 => Some(""),
        2 => Some("login"),
        _ => Some(text),
    };
    let req = match canonical_message(text, by_hex, memo) {
        Ok(r) => r,
        Err(e) => {
            assert!(
                matches!(e, EthError::MalformedHex { .. } | EthError::TooLarge { .. }),
                "unexpected refusal {e:?}"
            );
            assert!(by_hex || matches!(e, EthError::TooLarge { .. }));
            return;
        }
    };
    let v: Value = serde_json::from_str(req.as_str()).expect("canonical text is JSON");
    let stored = v["message"].as_str().expect("message is a string");
    assert_eq!(v["encodedByHex"], by_hex);
    let again = canonical_message(stored, by_hex, memo).expect("canonical message is accepted");
    assert_eq!(
        again.as_str(),
        req.as_str(),
        "canonicalisation is not idempotent"
    );
    // The bytes the server signs.
    let bytes = if by_hex {
        let h = text
            .strip_prefix("0x")
            .or_else(|| text.strip_prefix("0X"))
            .unwrap_or(text);
        hex::decode(h).expect("accepted hex decodes")
    } else {
        text.as_bytes().to_vec()
    };
    let wallet = WalletRef {
        id: "w".into(),
        address: test_key().address_checksummed(),
        blockchain: Blockchain::EthSepolia,
    };
    let review = decode_sign_request(req.as_str(), RequestKind::Message, wallet)
        .unwrap_or_else(|e| panic!("the client cannot show an accepted message: {e}"));
    let ReviewDetails::Message(m) = review.details else {
        panic!("a message reviewed as another kind");
    };
    assert_eq!(
        m.hex,
        format!("0x{}", hex::encode(&bytes)),
        "review shows other bytes"
    );
    assert_eq!(m.byte_length as usize, bytes.len());
    if let Some(t) = &m.text {
        assert_eq!(t.as_bytes(), &bytes[..]);
    }
    assert_eq!(review.memo.as_deref(), memo);
    if sample(data, 32) {
        let Ok(SignatureResult::Signature { signature }) =
            sign_request(test_key(), req.as_str(), None)
        else {
            panic!("an accepted message did not sign");
        };
        let raw = hex::decode(&signature).expect("signature is hex");
        let sig = Signature::from_raw(&raw).expect("65-byte signature");
        let signer = sig
            .recover_address_from_msg(&bytes)
            .expect("signature recovers");
        assert_eq!(signer, test_key().address());
        let _ = eip191_hash_message(&bytes);
    }
});
