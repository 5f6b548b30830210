//! The wallet side of the demo: drawing the review screen, building a transfer, and checking
//! what the server signed with a standard Ethereum library (alloy), independently of the server.
//! The terminal app may carry an Ethereum stack; the mobile library does not.

use alloy_consensus::{Transaction, TxEnvelope};
use alloy_dyn_abi::TypedData;
use alloy_eips::eip2718::Decodable2718;
use alloy_primitives::utils::parse_ether;
use alloy_primitives::{hex, keccak256, Address, Signature};
use latchkey_core::{ReviewDetails, SignatureReview};

/// Gas limit of a plain ETH transfer.
pub const TRANSFER_GAS: u64 = 21_000;
/// Tip offered to the block producer, wei (1.5 gwei).
pub const PRIORITY_FEE_WEI: u128 = 1_500_000_000;
/// Most the demo pays per gas, wei (30 gwei: well above a testnet's base fee).
pub const MAX_FEE_WEI: u128 = 30_000_000_000;

/// The review screen, every decoded field, one per line (indented by two spaces).
pub fn review_lines(r: &SignatureReview) -> Vec<String> {
    let mut out = vec![format!(
        "Wallet:    {} on {}",
        r.wallet.address, r.wallet.blockchain
    )];
    match &r.details {
        ReviewDetails::Message(m) => {
            match &m.text {
                Some(t) => out.push(format!("Message:   \"{t}\"")),
                None => out.push("Message:   (not text; shown as hex)".into()),
            }
            out.push(format!("Bytes:     {} ({} bytes)", m.hex, m.byte_length));
        }
        ReviewDetails::TypedData(t) => {
            let d = &t.domain;
            for (k, v) in [
                ("Domain name", &d.name),
                ("Version", &d.version),
                ("Chain id", &d.chain_id),
                ("Contract", &d.verifying_contract),
                ("Salt", &d.salt),
            ] {
                if let Some(v) = v {
                    out.push(format!("{k}: {v}"));
                }
            }
            out.push(format!("Type:      {}", t.primary_type));
            for row in &t.rows {
                let pad = "  ".repeat(row.depth as usize);
                match &row.value {
                    Some(v) => out.push(format!("{pad}{} ({}): {v}", row.name, row.type_name)),
                    None => out.push(format!("{pad}{} ({})", row.name, row.type_name)),
                }
            }
        }
        ReviewDetails::Transaction(t) => {
            out.push(format!(
                "Chain:     {} (chain id {})",
                t.blockchain, t.chain_id
            ));
            out.push(format!(
                "To:        {}",
                t.to.as_deref().unwrap_or("(contract creation)")
            ));
            out.push(format!("Value:     {} ({} wei)", t.value, t.value_wei));
            out.push(format!("Nonce:     {}", t.nonce));
            out.push(format!("Gas limit: {}", t.gas_limit));
            out.push(format!(
                "Fees:      max {} wei/gas, priority {} wei/gas",
                t.max_fee_per_gas_wei, t.max_priority_fee_per_gas_wei
            ));
            out.push(match &t.max_fee_wei {
                Some(w) => format!("Max fee:   {} ({w} wei)", t.max_fee),
                None => format!("Max fee:   {}", t.max_fee),
            });
            match &t.selector {
                Some(s) => out.push(format!(
                    "Data:      {} bytes, function selector {s}",
                    t.data_length
                )),
                None if t.data_length == 0 => out.push("Data:      none".into()),
                None => out.push(format!("Data:      {} ({} bytes)", t.data, t.data_length)),
            }
            if t.access_list_entries > 0 {
                out.push(format!("Access list: {} entries", t.access_list_entries));
            }
        }
        _ => out.push("(a request this build cannot show)".into()),
    }
    if let Some(m) = &r.memo {
        out.push(format!("Memo:      {m} (from the app; not signed)"));
    }
    out
}

/// Whether `s` is a `0x` address (40 hex digits; checksum checked when mixed case).
pub fn parse_address(s: &str) -> Result<Address, String> {
    let s = s.trim();
    let mixed =
        s.chars().any(|c| c.is_ascii_uppercase()) && s.chars().any(|c| c.is_ascii_lowercase());
    let parsed = if mixed {
        Address::parse_checksummed(s, None).map_err(|_| "the address checksum (EIP-55) is wrong")
    } else {
        s.parse::<Address>()
            .map_err(|_| "enter 0x and 40 hex digits")
    };
    parsed.map_err(str::to_owned)
}

/// An amount of ETH ("0.01") in wei, as a decimal string.
pub fn parse_amount(s: &str) -> Result<String, String> {
    let wei = parse_ether(s.trim()).map_err(|_| "enter an amount like 0.01".to_owned())?;
    Ok(wei.to_string())
}

/// The EIP-1559 transfer the app backend asks the user to sign (as the JSON the server takes).
pub fn transfer_json(chain_id: u64, nonce: u64, to: &Address, value_wei: &str) -> String {
    serde_json::json!({
        "chainId": chain_id,
        "nonce": nonce,
        "to": to.to_checksum(None),
        "value": value_wei,
        "data": "0x",
        "gas": TRANSFER_GAS,
        "maxFeePerGas": MAX_FEE_WEI.to_string(),
        "maxPriorityFeePerGas": PRIORITY_FEE_WEI.to_string(),
        "accessList": [],
    })
    .to_string()
}

/// Checks an EIP-191 signature of `text`: returns the recovered signer, which must be
/// `wallet`.
pub fn check_message(signature: &str, text: &str, wallet: &str) -> Result<Address, String> {
    let bytes = hex::decode(signature).map_err(|_| "the signature is not hex".to_owned())?;
    let sig = Signature::from_raw(&bytes).map_err(|e| format!("not a signature: {e}"))?;
    let signer = sig
        .recover_address_from_msg(text.as_bytes())
        .map_err(|e| format!("cannot recover the signer: {e}"))?;
    same(signer, wallet)
}

/// The EIP-712 typed data the demo backend asks the user to sign: the EIP's own "Mail"
/// example, on the wallet's chain, from the wallet to `to`.
pub fn mail_typed_data(chain_id: u64, from: &Address, to: &Address, contents: &str) -> String {
    serde_json::json!({
        "types": {
            "EIP712Domain": [
                {"name": "name", "type": "string"},
                {"name": "version", "type": "string"},
                {"name": "chainId", "type": "uint256"},
                {"name": "verifyingContract", "type": "address"}
            ],
            "Person": [
                {"name": "name", "type": "string"},
                {"name": "wallet", "type": "address"}
            ],
            "Mail": [
                {"name": "from", "type": "Person"},
                {"name": "to", "type": "Person"},
                {"name": "contents", "type": "string"}
            ]
        },
        "primaryType": "Mail",
        "domain": {
            "name": "Latchkey Mail",
            "version": "1",
            "chainId": chain_id,
            "verifyingContract": "0xCcCCccccCCCCcCCCCCCcCcCccCcCCCcCcccccccC"
        },
        "message": {
            "from": {"name": "You", "wallet": from.to_checksum(None)},
            "to": {"name": "Recipient", "wallet": to.to_checksum(None)},
            "contents": contents
        }
    })
    .to_string()
}

/// Checks an EIP-712 signature of `typed_data` (JSON): returns the recovered signer, which
/// must be `wallet`.
pub fn check_typed_data(
    signature: &str,
    typed_data: &str,
    wallet: &str,
) -> Result<Address, String> {
    let bytes = hex::decode(signature).map_err(|_| "the signature is not hex".to_owned())?;
    let sig = Signature::from_raw(&bytes).map_err(|e| format!("not a signature: {e}"))?;
    let typed: TypedData =
        serde_json::from_str(typed_data).map_err(|e| format!("not EIP-712 typed data: {e}"))?;
    let hash = typed
        .eip712_signing_hash()
        .map_err(|e| format!("cannot hash the typed data: {e}"))?;
    let signer = sig
        .recover_address_from_prehash(&hash)
        .map_err(|e| format!("cannot recover the signer: {e}"))?;
    same(signer, wallet)
}

/// Checks a signed EIP-1559 transaction: it decodes, its hash is `tx_hash`, and its sender is
/// `wallet`. Returns a one-line summary.
pub fn check_transaction(raw: &str, tx_hash: &str, wallet: &str) -> Result<String, String> {
    let bytes = hex::decode(raw).map_err(|_| "the transaction is not hex".to_owned())?;
    let hash = keccak256(&bytes);
    if !tx_hash.eq_ignore_ascii_case(&hash.to_string()) {
        return Err(format!("the hash is {hash}, not {tx_hash}"));
    }
    let env = TxEnvelope::decode_2718(&mut bytes.as_slice())
        .map_err(|e| format!("not a transaction: {e}"))?;
    let TxEnvelope::Eip1559(signed) = &env else {
        return Err("not an EIP-1559 transaction".into());
    };
    let signer = signed
        .recover_signer()
        .map_err(|e| format!("cannot recover the sender: {e}"))?;
    same(signer, wallet)?;
    let tx = signed.tx();
    Ok(format!(
        "chain {}, nonce {}, to {}, value {} wei",
        tx.chain_id,
        tx.nonce(),
        tx.to().map_or("(creation)".into(), |a| a.to_checksum(None)),
        tx.value()
    ))
}

fn same(signer: Address, wallet: &str) -> Result<Address, String> {
    match wallet.parse::<Address>() {
        Ok(w) if w == signer => Ok(signer),
        Ok(_) => Err(format!("the signer is {signer}, not the wallet {wallet}")),
        Err(_) => Err(format!("the wallet address {wallet} is malformed")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn amounts_and_addresses() {
        assert_eq!(parse_amount("0.01").unwrap(), "10000000000000000");
        assert_eq!(parse_amount(" 1 ").unwrap(), "1000000000000000000");
        assert!(parse_amount("abc").is_err());
        assert!(parse_address("0x3535353535353535353535353535353535353535").is_ok());
        assert!(parse_address("0x35").is_err());
        // A wrong checksum in mixed case is refused.
        assert!(parse_address("0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed").is_ok());
        assert!(parse_address("0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAeD").is_err());
    }

    #[test]
    fn eip712_mail_vector_from_the_eip_recovers() {
        // EIP-712's own example: key keccak256("cow"), Cow -> Bob, "Hello, Bob!".
        let data = serde_json::json!({
            "types": {
                "EIP712Domain": [
                    {"name": "name", "type": "string"},
                    {"name": "version", "type": "string"},
                    {"name": "chainId", "type": "uint256"},
                    {"name": "verifyingContract", "type": "address"}
                ],
                "Person": [{"name": "name", "type": "string"}, {"name": "wallet", "type": "address"}],
                "Mail": [
                    {"name": "from", "type": "Person"},
                    {"name": "to", "type": "Person"},
                    {"name": "contents", "type": "string"}
                ]
            },
            "primaryType": "Mail",
            "domain": {"name": "Ether Mail", "version": "1", "chainId": 1,
                       "verifyingContract": "0xCcCCccccCCCCcCCCCCCcCcCccCcCCCcCcccccccC"},
            "message": {
                "from": {"name": "Cow", "wallet": "0xCD2a3d9F938E13CD947Ec05AbC7FE734Df8DD826"},
                "to": {"name": "Bob", "wallet": "0xbBbBBBBbbBBBbbbBbbBbbbbBBbBbbbbBbBbbBBbB"},
                "contents": "Hello, Bob!"
            }
        })
        .to_string();
        let sig = "0x4355c47d63924e8a72e509b65029052eb6c299d53a04e167c5775fd466751c9d\
                   07299936d304c153f6443dfa05f40ff007d72911b6f72307f996231605b915621c";
        let cow = "0xCD2a3d9F938E13CD947Ec05AbC7FE734Df8DD826";
        assert_eq!(
            check_typed_data(sig, &data, cow).unwrap(),
            cow.parse::<Address>().unwrap()
        );
        let other = data.replace("Hello, Bob!", "Hello, Eve!");
        assert!(check_typed_data(sig, &other, cow).is_err());
        // The demo's own request is valid EIP-712 that alloy hashes.
        let from: Address = cow.parse().unwrap();
        let demo = mail_typed_data(11_155_111, &from, &from, "hi");
        let typed: TypedData = serde_json::from_str(&demo).unwrap();
        assert!(typed.eip712_signing_hash().is_ok());
    }

    #[test]
    fn eip191_vector_from_eth_account_recovers() {
        // eth-account docs: key 0xb25c7db3..., message "I♥SF".
        let sig = "0xe6ca9bba58c88611fad66a6ce8f996908195593807c4b38bd528d2cff09d4eb33e5bfbbf4d3e39b1a2fd816a7680c19ebebaf3a141b239934ad43cb33fcec8ce1c";
        let who = "0x5ce9454909639D2D17A3F753ce7d93fa0b9aB12E";
        assert!(check_message(sig, "I♥SF", who).is_ok());
        assert!(check_message(sig, "I<3SF", who).is_err());
    }
}
