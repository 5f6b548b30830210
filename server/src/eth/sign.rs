//! Signing a stored canonical `signRequest` text with a wallet key.

use super::request::{message_bytes, parse_transaction, parse_typed_data};
use super::{EthError, WalletKey};
use alloy_consensus::SignableTransaction;
use alloy_eips::eip2718::Encodable2718;
use alloy_primitives::{eip191_hash_message, hex, keccak256, B256};
use serde_json::Value;

/// What a signature produced, in wire form.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SignatureResult {
    /// A message or typed-data signature: `0x` + 130 hex digits, `r || s || v`, v = 27/28.
    Signature {
        /// The signature.
        signature: String,
    },
    /// A signed EIP-1559 transaction.
    Transaction {
        /// The raw transaction, `0x02...` (EIP-2718 envelope), ready for
        /// `eth_sendRawTransaction`.
        signed_transaction: String,
        /// keccak-256 of the raw transaction, `0x` + 64 hex digits.
        tx_hash: String,
    },
}

/// Signs exactly the canonical `sign_request` text (as stored when the challenge was created)
/// with `key`. `expected_chain_id` is the chain of the wallet's blockchain (`None` for the
/// generic EVM blockchains); it is checked again for transactions. Every signature is checked
/// to recover to the key's address before it is returned.
pub fn sign_request(
    key: &WalletKey,
    sign_request: &str,
    expected_chain_id: Option<u64>,
) -> Result<SignatureResult, EthError> {
    let v: Value = serde_json::from_str(sign_request).map_err(|_| EthError::StoredRequest)?;
    let kind = v.get("kind").and_then(Value::as_str);
    match kind {
        Some("MESSAGE") => {
            let message = v
                .get("message")
                .and_then(Value::as_str)
                .ok_or(EthError::StoredRequest)?;
            let by_hex = v
                .get("encodedByHex")
                .and_then(Value::as_bool)
                .ok_or(EthError::StoredRequest)?;
            let bytes = message_bytes(message, by_hex).map_err(|_| EthError::StoredRequest)?;
            sign_digest(key, &eip191_hash_message(bytes))
        }
        Some("TYPED_DATA") => {
            let data = v.get("data").ok_or(EthError::StoredRequest)?;
            let parsed = parse_typed_data(data).map_err(|_| EthError::StoredRequest)?;
            let digest = parsed
                .typed
                .eip712_signing_hash()
                .map_err(|_| EthError::StoredRequest)?;
            sign_digest(key, &digest)
        }
        Some("TRANSACTION") => {
            let tx = v.get("transaction").ok_or(EthError::StoredRequest)?;
            let parsed = parse_transaction(tx, expected_chain_id, None).map_err(|e| match e {
                EthError::ChainIdMismatch { .. } => e,
                _ => EthError::StoredRequest,
            })?;
            let digest = parsed.tx.signature_hash();
            let sig = key.sign_hash(&digest)?;
            check_recovers(key, &sig, &digest)?;
            let signed = parsed.tx.into_signed(sig);
            let raw = signed.encoded_2718();
            let tx_hash = keccak256(&raw);
            if tx_hash != *signed.hash() {
                return Err(EthError::Signing);
            }
            Ok(SignatureResult::Transaction {
                signed_transaction: format!("0x{}", hex::encode(&raw)),
                tx_hash: format!("{tx_hash:#x}"),
            })
        }
        _ => Err(EthError::StoredRequest),
    }
}

fn sign_digest(key: &WalletKey, digest: &B256) -> Result<SignatureResult, EthError> {
    let sig = key.sign_hash(digest)?;
    check_recovers(key, &sig, digest)?;
    Ok(SignatureResult::Signature {
        signature: format!("0x{}", hex::encode(sig.as_bytes())),
    })
}

fn check_recovers(
    key: &WalletKey,
    sig: &alloy_primitives::Signature,
    digest: &B256,
) -> Result<(), EthError> {
    match sig.recover_address_from_prehash(digest) {
        Ok(a) if a == key.address() => Ok(()),
        _ => Err(EthError::Signing),
    }
}
