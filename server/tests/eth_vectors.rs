//! Ethereum signing vectors from the EIP texts and from well-known libraries, plus the
//! canonical `signRequest` forms and every validation error, through the server's public
//! `eth` API.
//!
//! Sources:
//! - EIP-712 "Mail" example: https://eips.ethereum.org/EIPS/eip-712 (assets/eip-712/Example.js:
//!   private key keccak256("cow"), address 0xCD2a3d9F938E13CD947Ec05AbC7FE734Df8DD826,
//!   signature v=28, r=0x4355c47d..., s=0x07299936...).
//! - EIP-191 `personal_sign`: eth-account's documentation and web3.py's
//!   tests/core/eth-module/test_accounts.py (message "I♥SF", key 0xb25c7db3..., address
//!   0x5ce9454909639D2D17A3F753ce7d93fa0b9aB12E, v=28, r=0xe6ca9bba..., s=0x3e5bfbbf...).
//! - EIP-1559: web3.py tests/core/eth-module/test_accounts.py `dynamic_fee_txn` and
//!   `dynamic_fee_txn_hex_fees` (signed by eth-account, key 0x4c0883a6...).

use alloy_primitives::{hex, keccak256, Address, Signature, B256};
use latchkey_server::eth::{
    canonical_message, canonical_transaction, canonical_typed_data, review_digest, sign_request,
    EthError, SignatureResult, WalletKey, MAX_MEMO_BYTES, MAX_MESSAGE_BYTES, MAX_TX_DATA_BYTES,
    MAX_TYPED_DATA_BYTES,
};
use serde_json::{json, Value};

fn key(hex_key: &str) -> WalletKey {
    WalletKey::from_secret_bytes(&hex::decode(hex_key).unwrap()).unwrap()
}

fn signature(r: SignatureResult) -> String {
    match r {
        SignatureResult::Signature { signature } => signature,
        other => panic!("expected a signature, got {other:?}"),
    }
}

fn mail() -> Value {
    json!({
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
            "name": "Ether Mail",
            "version": "1",
            "chainId": 1,
            "verifyingContract": "0xCcCCccccCCCCcCCCCCCcCcCccCcCCCcCcccccccC"
        },
        "message": {
            "from": {"name": "Cow", "wallet": "0xCD2a3d9F938E13CD947Ec05AbC7FE734Df8DD826"},
            "to": {"name": "Bob", "wallet": "0xbBbBBBBbbBBBbbbBbbBbbbbBBbBbbbbBbBbbBBbB"},
            "contents": "Hello, Bob!"
        }
    })
}

#[test]
fn eip712_mail_example_from_the_eip() {
    let cow = keccak256(b"cow");
    assert_eq!(
        hex::encode(cow),
        "c85ef7d79691fe79573b1a7064c19c1a9819ebdbd1faaab1a8ec92344438aaf4"
    );
    let k = WalletKey::from_secret_bytes(cow.as_slice()).unwrap();
    assert_eq!(
        k.address_checksummed(),
        "0xCD2a3d9F938E13CD947Ec05AbC7FE734Df8DD826"
    );
    // The data arrives as a JSON string (Circle's spelling) or as an object: same result.
    let as_string = Value::String(mail().to_string());
    let req = canonical_typed_data(&as_string, None).unwrap();
    assert_eq!(req, canonical_typed_data(&mail(), None).unwrap());
    let sig = signature(sign_request(&k, req.as_str(), Some(1)).unwrap());
    assert_eq!(
        sig,
        "0x4355c47d63924e8a72e509b65029052eb6c299d53a04e167c5775fd466751c9d\
         07299936d304c153f6443dfa05f40ff007d72911b6f72307f996231605b915621c"
    );
    // The signing hash in the EIP text recovers the same address.
    let digest: B256 = "0xbe609aee343fb3c4b28e1df9e632fca64fcfaede20f02e86244efddf30957bd2"
        .parse()
        .unwrap();
    let s = Signature::from_raw(&hex::decode(&sig).unwrap()).unwrap();
    assert_eq!(
        s.recover_address_from_prehash(&digest).unwrap(),
        k.address()
    );
}

#[test]
fn eip712_canonical_form_is_ordered_and_normalised() {
    let req = canonical_typed_data(&mail(), Some("memo")).unwrap();
    assert_eq!(
        req.as_str(),
        concat!(
            r#"{"kind":"TYPED_DATA","data":{"types":{"EIP712Domain":[{"name":"name","type":"string"},"#,
            r#"{"name":"version","type":"string"},{"name":"chainId","type":"uint256"},"#,
            r#"{"name":"verifyingContract","type":"address"}],"Mail":[{"name":"from","type":"Person"},"#,
            r#"{"name":"to","type":"Person"},{"name":"contents","type":"string"}],"#,
            r#""Person":[{"name":"name","type":"string"},{"name":"wallet","type":"address"}]},"#,
            r#""primaryType":"Mail","domain":{"name":"Ether Mail","version":"1","chainId":"1","#,
            r#""verifyingContract":"0xCcCCccccCCCCcCCCCCCcCcCccCcCCCcCcccccccC"},"#,
            r#""message":{"from":{"name":"Cow","wallet":"0xCD2a3d9F938E13CD947Ec05AbC7FE734Df8DD826"},"#,
            r#""to":{"name":"Bob","wallet":"0xbBbBBBBbbBBBbbbBbbBbbbbBBbBbbbbBbBbbBBbB"},"#,
            r#""contents":"Hello, Bob!"}},"memo":"memo"}"#
        )
    );
    // Lower-case addresses, a hex chain id and reordered message keys give the same text.
    let mut m = mail();
    m["domain"]["chainId"] = json!("0x1");
    m["domain"]["verifyingContract"] = json!("0xcccccccccccccccccccccccccccccccccccccccc");
    m["message"] = json!({
        "contents": "Hello, Bob!",
        "to": {"wallet": "0xbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb", "name": "Bob"},
        "from": {"name": "Cow", "wallet": "0xcd2a3d9f938e13cd947ec05abc7fe734df8dd826"}
    });
    assert_eq!(canonical_typed_data(&m, Some("memo")).unwrap(), req);
    // Integers become decimal strings.
    let t = json!({
        "types": {"EIP712Domain": [{"name": "chainId", "type": "uint256"}],
                  "T": [{"name": "a", "type": "uint256"}, {"name": "b", "type": "int8"},
                        {"name": "c", "type": "bytes"}, {"name": "d", "type": "bool[]"}]},
        "primaryType": "T",
        "domain": {"chainId": 137},
        "message": {"a": "0xff", "b": -5, "c": "0xABCD", "d": [true, false]}
    });
    let text = canonical_typed_data(&t, None).unwrap().into_string();
    assert!(
        text.contains(r#""message":{"a":"255","b":"-5","c":"0xabcd","d":[true,false]}"#),
        "{text}"
    );
}

#[test]
fn eip191_personal_sign_vector_from_eth_account() {
    let k = key("b25c7db31feed9122727bf0939dc769a96564b2de4c4726d035b36ecf1e5b364");
    assert_eq!(
        k.address_checksummed(),
        "0x5ce9454909639D2D17A3F753ce7d93fa0b9aB12E"
    );
    let req = canonical_message("I♥SF", false, None).unwrap();
    assert_eq!(
        req.as_str(),
        r#"{"kind":"MESSAGE","message":"I♥SF","encodedByHex":false,"memo":null}"#
    );
    let expected = "0xe6ca9bba58c88611fad66a6ce8f996908195593807c4b38bd528d2cff09d4eb3\
                    3e5bfbbf4d3e39b1a2fd816a7680c19ebebaf3a141b239934ad43cb33fcec8ce1c";
    assert_eq!(
        signature(sign_request(&k, req.as_str(), None).unwrap()),
        expected
    );
    // The same bytes given as hex (eth-account: hexstr='0x49e299a55346') sign identically.
    let req_hex = canonical_message("0x49E299A55346", true, None).unwrap();
    assert_eq!(
        req_hex.as_str(),
        r#"{"kind":"MESSAGE","message":"0x49e299a55346","encodedByHex":true,"memo":null}"#
    );
    assert_eq!(
        signature(sign_request(&k, req_hex.as_str(), None).unwrap()),
        expected
    );
    // The 0x prefix is optional on input.
    assert_eq!(
        canonical_message("49e299a55346", true, None).unwrap(),
        req_hex
    );
}

fn raw_tx(r: SignatureResult) -> (String, String) {
    match r {
        SignatureResult::Transaction {
            signed_transaction,
            tx_hash,
        } => (signed_transaction, tx_hash),
        other => panic!("expected a transaction, got {other:?}"),
    }
}

const TX_KEY: &str = "4c0883a69102937d6231471b5dbb6204fe5129617082792ae468d01a3f362318";

#[test]
fn eip1559_vectors_from_web3py_eth_account() {
    let k = key(TX_KEY);
    assert_eq!(
        k.address_checksummed(),
        "0x2c7536E3605D9C16a7a3D7b1898e529396a65c23"
    );
    // web3.py test_accounts.py "dynamic_fee_txn".
    let tx = json!({
        "gas": 100000,
        "maxFeePerGas": 2000000000,
        "maxPriorityFeePerGas": 2000000000,
        "data": "0x5544",
        "nonce": "0x2",
        "to": "0x96216849c49358B10257cb55b28eA603c874b05E",
        "value": "0x5af3107a4000",
        "type": "0x2",
        "accessList": [{
            "address": "0x0000000000000000000000000000000000000001",
            "storageKeys": ["0x0100000000000000000000000000000000000000000000000000000000000000"]
        }],
        "chainId": 1
    });
    let req = canonical_transaction(&tx, None, Some(1), &k.address()).unwrap();
    assert_eq!(
        req.as_str(),
        concat!(
            r#"{"kind":"TRANSACTION","transaction":{"chainId":1,"nonce":"2","#,
            r#""to":"0x96216849c49358B10257cb55b28eA603c874b05E","value":"100000000000000","#,
            r#""data":"0x5544","gas":"100000","maxFeePerGas":"2000000000","#,
            r#""maxPriorityFeePerGas":"2000000000","accessList":[{"address":"#,
            r#""0x0000000000000000000000000000000000000001","storageKeys":"#,
            r#"["0x0100000000000000000000000000000000000000000000000000000000000000"]}]},"memo":null}"#
        )
    );
    let (raw, hash) = raw_tx(sign_request(&k, req.as_str(), Some(1)).unwrap());
    assert_eq!(
        raw,
        "0x02f8ac010284773594008477359400830186a09496216849c49358b10257cb55b28ea603c874b05e\
         865af3107a4000825544f838f7940000000000000000000000000000000000000001e1a00100000000\
         00000000000000000000000000000000000000000000000000000001a0c5217aec4d576a1b5097c505\
         4ed0157f762dd018f5c2195f0d0190ddca9445c5a0230a35968164ab4318a7042ca0ad4b4178a0d24c\
         2cc000e13dfa24c206317935"
    );
    assert_eq!(
        hash,
        "0xd42048e2a34957ab81f093d757be86453197bec95780d509fb3545d295227a34"
    );

    // "dynamic_fee_txn_hex_fees": hex strings everywhere, no access list; given as a JSON
    // string (Circle's spelling).
    let tx = json!({
        "gas": "0x186a0",
        "maxFeePerGas": "0x77359400",
        "maxPriorityFeePerGas": "0x77359400",
        "data": "0x5544",
        "nonce": "0x2",
        "to": "0x96216849c49358B10257cb55b28eA603c874b05E",
        "value": "0x5af3107a4000",
        "type": "0x2",
        "chainId": 1
    });
    let req =
        canonical_transaction(&Value::String(tx.to_string()), None, None, &k.address()).unwrap();
    let (raw, hash) = raw_tx(sign_request(&k, req.as_str(), None).unwrap());
    assert_eq!(
        raw,
        "0x02f873010284773594008477359400830186a09496216849c49358b10257cb55b28ea603c874b05e\
         865af3107a4000825544c080a07cfcd6472c4a29c566df07851c4708cb02523f71075221cc8e668908\
         db58fde0a03b9185c7a719a99f2822dda5ed94c9f90641bd75578f093f15ceb71fc6ba85fc"
    );
    assert_eq!(
        hash,
        "0x20a46a15e0b39815b44f01f3261a8741b095ed2bb4235339fa0e461251f9dc95"
    );
}

#[test]
fn review_digest_matches_an_independent_sha256() {
    // python3: hashlib.sha256(b"latchkey-review-v1\0" + text).hexdigest()
    let text = r#"{"kind":"MESSAGE","message":"hello","encodedByHex":false,"memo":null}"#;
    assert_eq!(
        review_digest(text),
        "d4e1955e539ccfa96c7146066d5ffa367064e8ae80e057328d36e6c3436e3602"
    );
    let req = canonical_message("hello", false, None).unwrap();
    assert_eq!(req.as_str(), text);
    assert_eq!(req.review_digest(), review_digest(text));
}

#[test]
fn contract_creation_and_decimal_strings() {
    let k = WalletKey::generate().unwrap();
    let tx = json!({
        "chainId": "11155111", "nonce": 0, "value": "1000000000000000000000000",
        "data": "0x6080", "gasLimit": 53000, "maxFeePerGas": "30000000000",
        "maxPriorityFeePerGas": "0x3b9aca00", "to": null
    });
    let req = canonical_transaction(&tx, Some("deploy"), Some(11155111), &k.address()).unwrap();
    assert!(req.as_str().contains(
        r#""to":null,"value":"1000000000000000000000000","data":"0x6080","gas":"53000""#
    ));
    let (raw, hash) = raw_tx(sign_request(&k, req.as_str(), Some(11155111)).unwrap());
    assert!(raw.starts_with("0x02"));
    assert_eq!(
        format!("{:#x}", keccak256(hex::decode(&raw).unwrap())),
        hash
    );
}

fn assert_code(r: Result<impl std::fmt::Debug, EthError>, code: u32) -> EthError {
    let e = r.expect_err("expected an error");
    assert_eq!(e.code(), code, "{e}");
    assert!(e.is_client_error());
    e
}

#[test]
fn bad_messages() {
    assert_code(canonical_message("0x123", true, None), 155820);
    assert_code(canonical_message("0xzz", true, None), 155820);
    assert_code(canonical_message("hello", true, None), 155820);
    let big = "a".repeat(MAX_MESSAGE_BYTES + 1);
    assert_code(canonical_message(&big, false, None), 155824);
    assert!(canonical_message(&big[1..], false, None).is_ok());
    let big_hex = format!("0x{}", "ab".repeat(MAX_MESSAGE_BYTES + 1));
    assert_code(canonical_message(&big_hex, true, None), 155824);
    let memo = "m".repeat(MAX_MEMO_BYTES + 1);
    assert_code(canonical_message("hi", false, Some(&memo)), 155824);
}

#[test]
fn bad_typed_data() {
    let cases: Vec<(&str, Value)> = vec![
        ("not json", Value::String("{nope".into())),
        ("number", json!(5)),
        ("no types", {
            let mut m = mail();
            m.as_object_mut().unwrap().remove("types");
            m
        }),
        ("no EIP712Domain", {
            let mut m = mail();
            m["types"].as_object_mut().unwrap().remove("EIP712Domain");
            m
        }),
        ("no primaryType", {
            let mut m = mail();
            m.as_object_mut().unwrap().remove("primaryType");
            m
        }),
        ("undeclared primaryType", {
            let mut m = mail();
            m["primaryType"] = json!("Letter");
            m
        }),
        ("primaryType EIP712Domain", {
            let mut m = mail();
            m["primaryType"] = json!("EIP712Domain");
            m
        }),
        ("no message", {
            let mut m = mail();
            m.as_object_mut().unwrap().remove("message");
            m
        }),
        ("wrong value type", {
            let mut m = mail();
            m["message"]["contents"] = json!(5);
            m
        }),
        ("bad address", {
            let mut m = mail();
            m["message"]["to"]["wallet"] = json!("0x1234");
            m
        }),
        ("missing field", {
            let mut m = mail();
            m["message"].as_object_mut().unwrap().remove("contents");
            m
        }),
        ("domain field undeclared", {
            let mut m = mail();
            m["domain"]["salt"] = json!(format!("0x{}", "00".repeat(32)));
            m
        }),
        ("domain field order", {
            let mut m = mail();
            let list = m["types"]["EIP712Domain"].as_array_mut().unwrap();
            list.swap(0, 1);
            m
        }),
        ("unknown domain field", {
            let mut m = mail();
            m["domain"]["origin"] = json!("x");
            m
        }),
        ("unknown type", {
            let mut m = mail();
            m["types"]["Mail"][2]["type"] = json!("Strang");
            m
        }),
        ("duplicate field", {
            let mut m = mail();
            m["types"]["Person"][1]["name"] = json!("name");
            m
        }),
        ("bad checksum in domain", {
            let mut m = mail();
            m["domain"]["verifyingContract"] = json!("0xCcCCccccCCCCcCCCCCCcCcCccCcCCCcCcccccccc");
            m
        }),
        ("uint overflow", {
            let mut m = mail();
            m["types"]["Mail"][2]["type"] = json!("uint8");
            m["message"]["contents"] = json!(256);
            m
        }),
    ];
    for (name, v) in cases {
        let e = canonical_typed_data(&v, None).expect_err(name);
        assert_eq!(e.code(), 155821, "{name}: {e}");
    }
    let big = Value::String(format!("{:width$}", "", width = MAX_TYPED_DATA_BYTES + 1));
    assert_code(canonical_typed_data(&big, None), 155824);
}

/// Fuzzing finding (eth_typed_data, 2026-12-03): alloy reads `uint024` as `uint24` but hashes
/// the type name as written, and the client's review decoder (rightly) does not know the
/// spelling, so the server accepted typed data that no wallet hashes the same way and that the
/// client could not show. Non-canonical spellings of atomic types and array lengths are refused
/// now; the canonical spellings (and the `uint`/`int` aliases) are still accepted.
#[test]
fn non_canonical_type_spellings_are_refused() {
    let ping = |ty: &str, n: Value| {
        json!({
            "types": {
                "EIP712Domain": [{"name": "chainId", "type": "uint256"}],
                "Ping": [{"name": "n", "type": ty}]
            },
            "primaryType": "Ping",
            "domain": {"chainId": 8453},
            "message": {"n": n}
        })
    };
    for ty in [
        "uint024",
        "int08",
        "bytes01",
        "uint0",
        "uint8[02]",
        "uint8[0]",
        "uint8[x]",
    ] {
        let n = if ty.contains('[') {
            json!([1, 2])
        } else {
            json!(7)
        };
        let e = canonical_typed_data(&ping(ty, n), None).expect_err(ty);
        assert_eq!(e.code(), 155821, "{ty}: {e}");
    }
    for (ty, n) in [
        ("uint24", json!(7)),
        ("uint", json!(7)),
        ("int", json!(-7)),
        ("bytes1", json!("0x07")),
        ("uint8[2]", json!([1, 2])),
        ("uint8[][1]", json!([[1, 2]])),
    ] {
        canonical_typed_data(&ping(ty, n), None).unwrap_or_else(|e| panic!("{ty}: {e}"));
    }
}

fn good_tx() -> Value {
    json!({
        "chainId": 1, "nonce": 1, "to": "0x96216849c49358B10257cb55b28eA603c874b05E",
        "value": "1", "data": "0x", "gas": 21000, "maxFeePerGas": 2,
        "maxPriorityFeePerGas": 1, "accessList": []
    })
}

#[test]
fn bad_transactions() {
    let k = WalletKey::generate().unwrap();
    let a = k.address();
    assert!(canonical_transaction(&good_tx(), None, Some(1), &a).is_ok());
    // Chain id check against the wallet's blockchain.
    let e = assert_code(
        canonical_transaction(&good_tx(), None, Some(137), &a),
        155822,
    );
    assert_eq!(
        e,
        EthError::ChainIdMismatch {
            chain_id: 1,
            expected: 137
        }
    );
    // Generic EVM blockchains accept any chain id.
    assert!(canonical_transaction(&good_tx(), None, None, &a).is_ok());
    for field in [
        "chainId",
        "nonce",
        "gas",
        "maxFeePerGas",
        "maxPriorityFeePerGas",
    ] {
        let mut t = good_tx();
        t.as_object_mut().unwrap().remove(field);
        let e = assert_code(canonical_transaction(&t, None, Some(1), &a), 155823);
        assert!(e.to_string().contains(field), "{e}");
    }
    let invalid: Vec<(&str, Value, u32)> = vec![
        ("to", json!("0x1234"), 155823),
        (
            "to",
            json!("0xzz16849c49358B10257cb55b28eA603c874b05E"),
            155820,
        ),
        (
            "to",
            json!("0x96216849c49358B10257cb55b28eA603c874b05e"),
            155823,
        ),
        ("to", json!(5), 155823),
        ("data", json!("0x123"), 155820),
        ("data", json!("0xgg"), 155820),
        ("value", json!(-1), 155823),
        ("value", json!(1.5), 155823),
        ("value", json!("0x"), 155820),
        ("value", json!("1e18"), 155823),
        ("value", json!(format!("0x1{}", "0".repeat(64))), 155823),
        ("nonce", json!("18446744073709551616"), 155823),
        (
            "maxFeePerGas",
            json!(format!("0x1{}", "0".repeat(32))),
            155823,
        ),
        ("maxPriorityFeePerGas", json!(3), 155823),
        ("chainId", json!(0), 155823),
        ("gas", json!(0), 155823),
        ("type", json!(1), 155823),
        ("gasPrice", json!(1), 155823),
        ("blobs", json!([]), 155823),
        (
            "from",
            json!("0x96216849c49358B10257cb55b28eA603c874b05E"),
            155823,
        ),
        ("accessList", json!({}), 155823),
        (
            "accessList",
            json!([{"address": "0x01", "storageKeys": []}]),
            155823,
        ),
        (
            "accessList",
            json!([{"address": "0x0000000000000000000000000000000000000001", "storageKeys": ["0x01"]}]),
            155823,
        ),
    ];
    for (field, value, code) in invalid {
        let mut t = good_tx();
        t[field] = value.clone();
        let e = canonical_transaction(&t, None, Some(1), &a).expect_err(field);
        assert_eq!(e.code(), code, "{field}={value}: {e}");
    }
    // `from` equal to the wallet is fine.
    let mut t = good_tx();
    t["from"] = json!(a.to_checksum(None));
    assert!(canonical_transaction(&t, None, Some(1), &a).is_ok());
    // Not an object / not JSON.
    assert_code(
        canonical_transaction(&json!([1]), None, Some(1), &a),
        155823,
    );
    assert_code(
        canonical_transaction(&Value::String("{".into()), None, Some(1), &a),
        155823,
    );
    // Oversized call data.
    let mut t = good_tx();
    t["data"] = json!(format!("0x{}", "00".repeat(MAX_TX_DATA_BYTES + 1)));
    assert_code(canonical_transaction(&t, None, Some(1), &a), 155824);
}

#[test]
fn random_keys_sign_what_recovers_to_their_address() {
    for i in 0..8u8 {
        let k = WalletKey::generate().unwrap();
        let msg = format!("message {i}");
        let req = canonical_message(&msg, false, None).unwrap();
        let sig = signature(sign_request(&k, req.as_str(), None).unwrap());
        let s = Signature::from_raw(&hex::decode(&sig).unwrap()).unwrap();
        let v = hex::decode(&sig).unwrap()[64];
        assert!(v == 27 || v == 28);
        let recovered: Address = s.recover_address_from_msg(msg.as_bytes()).unwrap();
        assert_eq!(recovered, k.address());
    }
}

#[test]
fn stored_requests_that_do_not_parse_are_internal_errors() {
    let k = WalletKey::generate().unwrap();
    for bad in ["", "{}", r#"{"kind":"MESSAGE"}"#, r#"{"kind":"OTHER"}"#] {
        let e = sign_request(&k, bad, None).unwrap_err();
        assert_eq!(e.code(), 155811);
        assert!(!e.is_client_error());
    }
}
