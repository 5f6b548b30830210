//! Cross-check vectors for an independent implementation (eth-account, in
//! `server/tests/python/test_eth_crosscheck.py`): deterministic keys, requests of every kind,
//! their canonical `signRequest` texts and the signatures / raw transactions this server
//! produces. This test recomputes everything and requires the committed file to match
//! (`LATCHKEY_WRITE_VECTORS=1` rewrites it after an intended change); the Python test then
//! has eth-account sign the same inputs with the same keys and requires identical bytes.

use alloy_primitives::{hex, keccak256};
use latchkey_server::eth::{
    canonical_message, canonical_transaction, canonical_typed_data, sign_request, SignatureResult,
    WalletKey,
};
use serde_json::{json, Value};

const PATH: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/tests/vectors/eth_crosscheck.json"
);

fn test_key(i: usize) -> (String, WalletKey) {
    let secret = keccak256(format!("latchkey-crosscheck-{i}"));
    (
        format!("0x{}", hex::encode(secret)),
        WalletKey::from_secret_bytes(secret.as_slice()).unwrap(),
    )
}

fn messages() -> Vec<(&'static str, bool)> {
    vec![
        ("hello", false),
        ("Grüße ✓ 🚀", false),
        ("", false),
        ("line one\nline two\ttab", false),
        ("0xdeadbeef", true),
        ("0x", true),
        ("0x00ff10", true),
    ]
}

fn typed_data() -> Vec<Value> {
    let domain4 = json!([
        {"name": "name", "type": "string"},
        {"name": "version", "type": "string"},
        {"name": "chainId", "type": "uint256"},
        {"name": "verifyingContract", "type": "address"}
    ]);
    vec![
        json!({
            "types": {
                "EIP712Domain": domain4,
                "Person": [{"name": "name", "type": "string"}, {"name": "wallet", "type": "address"}],
                "Mail": [{"name": "from", "type": "Person"}, {"name": "to", "type": "Person"},
                         {"name": "contents", "type": "string"}]
            },
            "primaryType": "Mail",
            "domain": {"name": "Ether Mail", "version": "1", "chainId": 1,
                       "verifyingContract": "0xCcCCccccCCCCcCCCCCCcCcCccCcCCCcCcccccccC"},
            "message": {
                "from": {"name": "Cow", "wallet": "0xCD2a3d9F938E13CD947Ec05AbC7FE734Df8DD826"},
                "to": {"name": "Bob", "wallet": "0xbBbBBBBbbBBBbbbBbbBbbbbBBbBbbbbBbBbbBBbB"},
                "contents": "Hello, Bob!"
            }
        }),
        // EIP-2612 permit with a value above 2^64 (as a decimal string).
        json!({
            "types": {
                "EIP712Domain": domain4,
                "Permit": [{"name": "owner", "type": "address"}, {"name": "spender", "type": "address"},
                           {"name": "value", "type": "uint256"}, {"name": "nonce", "type": "uint256"},
                           {"name": "deadline", "type": "uint256"}]
            },
            "primaryType": "Permit",
            "domain": {"name": "USD Coin", "version": "2", "chainId": 11155111,
                       "verifyingContract": "0x1c7D4B196Cb0C7B01d743Fbc6116a902379C7238"},
            "message": {"owner": "0x2c7536E3605D9C16a7a3D7b1898e529396a65c23",
                        "spender": "0x96216849c49358B10257cb55b28eA603c874b05E",
                        "value": "115792089237316195423570985008687907853269984665640564039457584007913129639935",
                        "nonce": 0, "deadline": 1893456000}
        }),
        // Arrays of structs, bytes, bytes32, negative ints, bools, nested arrays, a salt.
        json!({
            "types": {
                "EIP712Domain": [{"name": "name", "type": "string"}, {"name": "chainId", "type": "uint256"},
                                 {"name": "salt", "type": "bytes32"}],
                "Item": [{"name": "id", "type": "uint64"}, {"name": "tag", "type": "bytes32"},
                         {"name": "flags", "type": "bool[]"}],
                "Order": [{"name": "items", "type": "Item[]"}, {"name": "delta", "type": "int256"},
                          {"name": "blob", "type": "bytes"}, {"name": "grid", "type": "uint8[][]"},
                          {"name": "names", "type": "string[]"}, {"name": "ok", "type": "bool"}]
            },
            "primaryType": "Order",
            "domain": {"name": "Shop", "chainId": "0x89",
                       "salt": "0x000000000000000000000000000000000000000000000000000000000000beef"},
            "message": {
                "items": [
                    {"id": 1, "tag": "0x0101010101010101010101010101010101010101010101010101010101010101",
                     "flags": [true, false]},
                    {"id": "18446744073709551615",
                     "tag": "0xff00000000000000000000000000000000000000000000000000000000000000",
                     "flags": []}
                ],
                "delta": "-57896044618658097711785492504343953926634992332820282019728792003956564819968",
                "blob": "0x0badc0de",
                "grid": [[1, 2], [], [255]],
                "names": ["a", "", "ü"],
                "ok": true
            }
        }),
        // A minimal domain.
        json!({
            "types": {"EIP712Domain": [{"name": "chainId", "type": "uint256"}],
                      "Ping": [{"name": "n", "type": "uint256"}]},
            "primaryType": "Ping",
            "domain": {"chainId": 8453},
            "message": {"n": 7}
        }),
    ]
}

fn transactions() -> Vec<Value> {
    vec![
        json!({"chainId": 1, "nonce": 0, "to": "0x96216849c49358B10257cb55b28eA603c874b05E",
               "value": "1000000000000000000", "gas": 21000, "maxFeePerGas": "30000000000",
               "maxPriorityFeePerGas": "1000000000"}),
        json!({"chainId": 11155111, "nonce": "0x10", "data": "0x6080604052", "gas": "0x30d40",
               "maxFeePerGas": 5000000000u64, "maxPriorityFeePerGas": 5000000000u64}),
        json!({"chainId": 137, "nonce": 18446744073709551614u64,
        "to": "0x0000000000000000000000000000000000000001",
        "value": "0xffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff",
        "data": "0xa9059cbb00000000000000000000000096216849c49358b10257cb55b28ea603c874b05e0000000000000000000000000000000000000000000000000de0b6b3a7640000",
        "gas": 65000, "maxFeePerGas": "340282366920938463463374607431768211455",
        "maxPriorityFeePerGas": "0",
        "accessList": [
            {"address": "0x96216849c49358B10257cb55b28eA603c874b05E",
             "storageKeys": ["0x0000000000000000000000000000000000000000000000000000000000000000",
                             "0x00000000000000000000000000000000000000000000000000000000000000ff"]},
            {"address": "0xcd2a3d9f938e13cd947ec05abc7fe734df8dd826", "storageKeys": []}
        ]}),
        json!({"chainId": 42161, "nonce": 5, "to": "0xbBbBBBBbbBBBbbbBbbBbbbbBBbBbbbbBbBbbBBbB",
               "value": 0, "data": format!("0x{}", "ab".repeat(1024)), "gas": 500000,
               "maxFeePerGas": 100, "maxPriorityFeePerGas": 100}),
    ]
}

fn result_json(r: SignatureResult) -> Value {
    match r {
        SignatureResult::Signature { signature } => json!({"signature": signature}),
        SignatureResult::Transaction {
            signed_transaction,
            tx_hash,
        } => json!({"signedTransaction": signed_transaction, "txHash": tx_hash}),
    }
}

fn generate() -> Value {
    let mut cases = Vec::new();
    let mut i = 0;
    for (m, by_hex) in messages() {
        let (secret, k) = test_key(i);
        i += 1;
        let req = canonical_message(m, by_hex, None).unwrap();
        let res = sign_request(&k, req.as_str(), None).unwrap();
        cases.push(json!({
            "kind": "MESSAGE", "key": secret, "address": k.address_checksummed(),
            "input": {"message": m, "encodedByHex": by_hex},
            "signRequest": req.as_str(), "reviewDigest": req.review_digest(),
            "result": result_json(res)
        }));
    }
    for d in typed_data() {
        let (secret, k) = test_key(i);
        i += 1;
        let req = canonical_typed_data(&Value::String(d.to_string()), Some("typed")).unwrap();
        let res = sign_request(&k, req.as_str(), None).unwrap();
        cases.push(json!({
            "kind": "TYPED_DATA", "key": secret, "address": k.address_checksummed(),
            "input": {"data": d}, "signRequest": req.as_str(),
            "reviewDigest": req.review_digest(), "result": result_json(res)
        }));
    }
    for t in transactions() {
        let (secret, k) = test_key(i);
        i += 1;
        let chain = t["chainId"].as_u64();
        let req = canonical_transaction(&t, None, chain, &k.address()).unwrap();
        let res = sign_request(&k, req.as_str(), chain).unwrap();
        cases.push(json!({
            "kind": "TRANSACTION", "key": secret, "address": k.address_checksummed(),
            "input": {"transaction": t}, "signRequest": req.as_str(),
            "reviewDigest": req.review_digest(), "result": result_json(res)
        }));
    }
    // Three transactions in a row from one wallet on eth-tester's chain (py-evm): a transfer,
    // a contract creation (runtime code returning 42) and a call to it with an access list.
    let (secret, k) = test_key(100);
    let chain = 131277322940537u64;
    let contract = k.address().create(1);
    let evm_txs = [
        json!({"chainId": chain, "nonce": 0, "to": "0xbBbBBBBbbBBBbbbBbbBbbbbBBbBbbbbBbBbbBBbB",
               "value": "1000000000000000000", "gas": 21000, "maxFeePerGas": "2000000000",
               "maxPriorityFeePerGas": "1000000000"}),
        json!({"chainId": chain, "nonce": 1,
               "data": "0x600a600c600039600a6000f3602a60005260206000f3",
               "gas": 100000, "maxFeePerGas": "2000000000", "maxPriorityFeePerGas": "1000000000"}),
        json!({"chainId": chain, "nonce": 2, "to": contract.to_checksum(None), "gas": 60000,
               "maxFeePerGas": "2000000000", "maxPriorityFeePerGas": "1000000000",
               "accessList": [{"address": contract.to_checksum(None),
                               "storageKeys": [format!("0x{}", "00".repeat(32))]}]}),
    ];
    let mut evm = Vec::new();
    for t in evm_txs {
        let req = canonical_transaction(&t, None, Some(chain), &k.address()).unwrap();
        let res = sign_request(&k, req.as_str(), Some(chain)).unwrap();
        evm.push(
            json!({"input": {"transaction": t}, "signRequest": req.as_str(),
                        "result": result_json(res)}),
        );
    }
    json!({
        "evm": {"key": secret, "address": k.address_checksummed(), "chainId": chain,
                "contract": contract.to_checksum(None), "transactions": evm},
        "about": "Generated by server/tests/eth_crosscheck.rs (LATCHKEY_WRITE_VECTORS=1); checked by server/tests/python/test_eth_crosscheck.py with eth-account. Test keys only.",
        "cases": cases
    })
}

#[test]
fn crosscheck_vectors_are_current() {
    let fresh = generate();
    if std::env::var_os("LATCHKEY_WRITE_VECTORS").is_some() {
        let text = serde_json::to_string_pretty(&fresh).unwrap() + "\n";
        std::fs::write(PATH, text).unwrap();
        return;
    }
    let stored: Value = serde_json::from_str(
        &std::fs::read_to_string(PATH).expect("vectors file (run with LATCHKEY_WRITE_VECTORS=1)"),
    )
    .unwrap();
    let (fresh_cases, stored_cases) = (
        fresh["cases"].as_array().unwrap(),
        stored["cases"].as_array().unwrap(),
    );
    assert_eq!(fresh_cases.len(), stored_cases.len());
    for (f, s) in fresh_cases.iter().zip(stored_cases) {
        assert_eq!(f, s, "vector drifted");
    }
    assert_eq!(fresh["evm"], stored["evm"], "EVM vectors drifted");
}
