//! The clear-signing decoder (`latchkey_core::review::decode_sign_request`) on arbitrary
//! `signRequest` text, for each request kind: it never panics, an accepted request is shown
//! faithfully (message hex is the exact bytes, typed-data rows respect the depth and count
//! limits, transaction amounts are decimal), and a refusal carries a wallet/signing 155xxx code.
//! The input is used both raw and wrapped in a well-formed envelope of each kind, so the fuzzer
//! reaches the inner decoders quickly.
#![no_main]

use latchkey_core::review::{
    decode_sign_request, RequestKind, ReviewDetails, MAX_TYPED_DATA_DEPTH, MAX_TYPED_DATA_ROWS,
};
use latchkey_protocol::{Blockchain, ErrorCode, WalletRef};
use libfuzzer_sys::fuzz_target;

const KINDS: [RequestKind; 3] = [
    RequestKind::Message,
    RequestKind::TypedData,
    RequestKind::Transaction,
];
const CHAINS: [&str; 4] = ["ETH-SEPOLIA", "MATIC", "EVM-TESTNET", "SOL"];

fn is_decimal(s: &str) -> bool {
    !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit())
}

fn check(text: &str, kind: RequestKind, chain: &str) {
    let wallet = WalletRef {
        id: "w".into(),
        address: "0xCD2a3d9F938E13CD947Ec05AbC7FE734Df8DD826".into(),
        blockchain: Blockchain::parse(chain),
    };
    match decode_sign_request(text, kind, wallet.clone()) {
        Ok(review) => {
            let _ = format!("{review:?}");
            assert_eq!(review.wallet, wallet);
            match (&review.details, kind) {
                (ReviewDetails::Message(m), RequestKind::Message) => {
                    assert!(m.hex.starts_with("0x"));
                    assert_eq!((m.hex.len() - 2) / 2, m.byte_length as usize);
                    if let Some(t) = &m.text {
                        assert_eq!(t.len(), m.byte_length as usize);
                    }
                }
                (ReviewDetails::TypedData(t), RequestKind::TypedData) => {
                    assert!(t.rows.len() <= MAX_TYPED_DATA_ROWS);
                    for r in &t.rows {
                        assert!(r.depth <= MAX_TYPED_DATA_DEPTH);
                    }
                }
                (ReviewDetails::Transaction(t), RequestKind::Transaction) => {
                    for q in [
                        &t.value_wei,
                        &t.nonce,
                        &t.gas_limit,
                        &t.max_fee_per_gas_wei,
                        &t.max_priority_fee_per_gas_wei,
                    ] {
                        assert!(is_decimal(q), "not decimal: {q:?}");
                    }
                    assert!(t.data.starts_with("0x"));
                    if t.data_length >= 4 {
                        assert_eq!(t.selector.as_deref(), Some(&t.data[..10]));
                    } else {
                        assert_eq!(t.selector, None);
                    }
                }
                (d, k) => panic!("kind {k:?} decoded as {d:?}"),
            }
        }
        Err(e) => {
            let _ = e.to_string();
            assert!(
                matches!(
                    e.code,
                    ErrorCode::InvalidChallenge
                        | ErrorCode::MalformedHex
                        | ErrorCode::InvalidTypedData
                        | ErrorCode::InvalidTransaction
                        | ErrorCode::ChainIdMismatch
                        | ErrorCode::MessageTooLarge
                ),
                "unexpected code {}",
                e.code
            );
        }
    }
}

fuzz_target!(|data: &[u8]| {
    let Some((&sel, rest)) = data.split_first() else {
        return;
    };
    let Ok(text) = std::str::from_utf8(rest) else {
        return;
    };
    let kind = KINDS[usize::from(sel) % 3];
    let chain = CHAINS[usize::from(sel / 3) % CHAINS.len()];
    check(text, kind, chain);
    // The same bytes as the body of a well-formed request of that kind.
    let wrapped = match kind {
        RequestKind::Message => format!(
            r#"{{"kind":"MESSAGE","message":{},"encodedByHex":{},"memo":null}}"#,
            serde_json::Value::String(text.to_owned()),
            sel & 0x80 != 0
        ),
        RequestKind::TypedData => format!(r#"{{"kind":"TYPED_DATA","data":{text},"memo":"m"}}"#),
        RequestKind::Transaction => format!(r#"{{"kind":"TRANSACTION","transaction":{text}}}"#),
    };
    check(&wrapped, kind, chain);
});
