//! `SIGN_TRANSACTION` on arbitrary JSON: the server's EIP-1559 validation and
//! canonicalisation (`canonical_transaction`, from server/src/eth), signing and EIP-2718
//! encoding, and the client's review decoder. The first byte picks the wallet's blockchain
//! (fixed chain or any chain), how the transaction is sent (JSON string or object), the memo
//! and whether to sign (about one in eight such inputs, as signing is slow).
//!
//! Invariants: never panics; a refusal is a hex / transaction / chain-id / too-large error;
//! an accepted transaction's canonical text is canonical (canonicalising it again gives the
//! same text); the signed raw transaction decodes (alloy's EIP-2718 decoder) to exactly the
//! canonical fields, with the signer being the wallet, and its hash is keccak-256 of the raw
//! bytes; the client's review shows the same chain, nonce, recipient, value, gas, fees and data.
#![no_main]

mod server_eth;

use alloy_consensus::transaction::SignerRecoverable;
use alloy_consensus::{Transaction, TxEnvelope};
use alloy_eips::eip2718::Decodable2718;
use alloy_primitives::{hex, keccak256, Address};
use latchkey_core::review::{decode_sign_request, RequestKind, ReviewDetails};
use latchkey_protocol::{Blockchain, WalletRef};
use libfuzzer_sys::fuzz_target;
use serde_json::Value;
use server_eth::{
    canonical_transaction, sample, sign_request, test_key, EthError, SignatureResult,
};

const CHAINS: [Blockchain; 4] = [
    Blockchain::EthSepolia,
    Blockchain::Eth,
    Blockchain::EvmTestnet,
    Blockchain::Base,
];

fuzz_target!(|data: &[u8]| {
    let Some((&sel, rest)) = data.split_first() else {
        return;
    };
    let Ok(text) = std::str::from_utf8(rest) else {
        return;
    };
    let chain = CHAINS[usize::from(sel & 3)].clone();
    let expected = chain.chain_id();
    let memo = match sel >> 4 & 3 {
        0 => None,
        1 => Some(""),
        2 => Some("rent"),
        _ => Some(text),
    };
    let input = if sel & 4 == 0 {
        Value::String(text.to_owned())
    } else {
        match serde_json::from_str::<Value>(text) {
            Ok(v) => v,
            Err(_) => return,
        }
    };
    let key = test_key();
    let wallet_address = key.address();
    let req = match canonical_transaction(&input, memo, expected, &wallet_address) {
        Ok(r) => r,
        Err(e) => {
            assert!(
                matches!(
                    e,
                    EthError::MalformedHex { .. }
                        | EthError::InvalidTransaction { .. }
                        | EthError::ChainIdMismatch { .. }
                        | EthError::TooLarge { .. }
                ),
                "unexpected refusal {e:?}"
            );
            let _ = e.to_string();
            return;
        }
    };
    let v: Value = serde_json::from_str(req.as_str()).expect("canonical text is JSON");
    let tx = &v["transaction"];
    let again = canonical_transaction(tx, memo, expected, &wallet_address)
        .expect("the canonical transaction is accepted");
    assert_eq!(
        again.as_str(),
        req.as_str(),
        "canonicalisation is not idempotent"
    );

    let s = |k: &str| {
        tx[k]
            .as_str()
            .expect("canonical quantities are strings")
            .to_owned()
    };
    let chain_id = tx["chainId"].as_u64().expect("chainId is a number");
    let to: Option<Address> = tx["to"]
        .as_str()
        .map(|a| a.parse().expect("canonical to is an address"));
    if let Some(a) = tx["to"].as_str() {
        assert_eq!(a, to.unwrap().to_checksum(None), "to is not EIP-55");
    }

    if sel & 8 != 0 && sample(data, 8) {
        let Ok(SignatureResult::Transaction {
            signed_transaction,
            tx_hash,
        }) = sign_request(key, req.as_str(), expected)
        else {
            panic!("an accepted transaction did not sign");
        };
        let raw = hex::decode(&signed_transaction).expect("raw transaction is hex");
        assert_eq!(raw.first(), Some(&2u8), "not an EIP-1559 envelope");
        assert_eq!(tx_hash, format!("{:#x}", keccak256(&raw)));
        let env =
            TxEnvelope::decode_2718(&mut raw.as_slice()).expect("own raw transaction decodes");
        assert_eq!(env.chain_id(), Some(chain_id));
        assert_eq!(env.nonce().to_string(), s("nonce"));
        assert_eq!(env.gas_limit().to_string(), s("gas"));
        assert_eq!(env.max_fee_per_gas().to_string(), s("maxFeePerGas"));
        assert_eq!(
            env.max_priority_fee_per_gas().map(|p| p.to_string()),
            Some(s("maxPriorityFeePerGas"))
        );
        assert_eq!(env.value().to_string(), s("value"));
        assert_eq!(format!("0x{}", hex::encode(env.input())), s("data"));
        assert_eq!(env.to(), to);
        assert_eq!(
            env.access_list().map_or(0, |l| l.0.len()),
            tx["accessList"].as_array().map_or(0, Vec::len)
        );
        assert_eq!(
            env.recover_signer().expect("signature recovers"),
            wallet_address,
            "signed by someone else"
        );
    }

    // The client shows what the server stores.
    let wallet = WalletRef {
        id: "w".into(),
        address: key.address_checksummed(),
        blockchain: chain,
    };
    let review = decode_sign_request(req.as_str(), RequestKind::Transaction, wallet)
        .unwrap_or_else(|e| panic!("the client cannot show an accepted transaction: {e}"));
    let ReviewDetails::Transaction(t) = review.details else {
        panic!("a transaction reviewed as another kind");
    };
    assert_eq!(t.chain_id, chain_id);
    assert_eq!(t.nonce, s("nonce"));
    assert_eq!(t.value_wei, s("value"));
    assert_eq!(t.gas_limit, s("gas"));
    assert_eq!(t.max_fee_per_gas_wei, s("maxFeePerGas"));
    assert_eq!(t.max_priority_fee_per_gas_wei, s("maxPriorityFeePerGas"));
    assert_eq!(t.data, s("data").to_lowercase());
    assert_eq!(t.to.as_deref(), tx["to"].as_str());
    assert_eq!(review.memo.as_deref(), memo);
});
