//! Validation and canonicalisation of signing requests into the `signRequest` JSON text.
//!
//! The canonical text is what the server stores with a signing challenge, what the client shows
//! on its review screen, what the review digest covers and what [`super::sign_request`] signs.
//! Shapes (keys always in this order; quantities as decimal strings, addresses EIP-55):
//!
//! - `{"kind":"MESSAGE","message":"<text or 0x-hex>","encodedByHex":bool,"memo":string|null}`
//! - `{"kind":"TYPED_DATA","data":{"types":..,"primaryType":..,"domain":..,"message":..},"memo":..}`
//! - `{"kind":"TRANSACTION","transaction":{"chainId":<number>,"nonce":"<dec>","to":"<EIP-55>"|null,
//!   "value":"<dec>","data":"0x..","gas":"<dec>","maxFeePerGas":"<dec>",
//!   "maxPriorityFeePerGas":"<dec>","accessList":[{"address":..,"storageKeys":[..]}]},"memo":..}`

use super::EthError;
use alloy_consensus::TxEip1559;
use alloy_dyn_abi::eip712::{Eip712Types, Resolver, TypeDef};
use alloy_dyn_abi::Eip712Domain;
use alloy_dyn_abi::{DynSolValue, TypedData};
use alloy_eips::eip2930::{AccessList, AccessListItem};
use alloy_primitives::{hex, Address, Bytes, TxKind, B256, U256};
use latchkey_protocol::eip712_atomic_type;
use serde::ser::{SerializeMap, SerializeSeq};
use serde::{Serialize, Serializer};
use serde_json::Value;
use std::borrow::Cow;

/// Largest message accepted by `SIGN_MESSAGE`, in bytes signed (UTF-8 text or decoded hex).
pub const MAX_MESSAGE_BYTES: usize = 8 * 1024;
/// Largest typed data accepted by `SIGN_TYPEDDATA`, as JSON text.
pub const MAX_TYPED_DATA_BYTES: usize = 32 * 1024;
/// Largest call data of a transaction, in bytes.
pub const MAX_TX_DATA_BYTES: usize = 24 * 1024;
/// Most access-list entries, and most storage keys over all entries, of a transaction.
pub const MAX_ACCESS_LIST_ITEMS: usize = 256;
/// Largest memo, in UTF-8 bytes.
pub const MAX_MEMO_BYTES: usize = 1024;
/// The review digest is the protocol's own (one definition for client and server).
pub use latchkey_protocol::review_digest;

/// A validated signing request in canonical form.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SignRequest {
    text: String,
}

impl SignRequest {
    /// The canonical `signRequest` JSON text (store it, show it, digest it, sign it).
    pub fn as_str(&self) -> &str {
        &self.text
    }

    /// The canonical text, owned.
    pub fn into_string(self) -> String {
        self.text
    }

    /// [`review_digest`] of the canonical text.
    pub fn review_digest(&self) -> String {
        review_digest(&self.text)
    }
}

/// A JSON value whose object keys keep the order they were built in (independent of
/// `serde_json`'s `preserve_order` feature), so canonical texts are stable.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum J {
    Null,
    Bool(bool),
    U64(u64),
    Str(String),
    Arr(Vec<J>),
    Obj(Vec<(String, J)>),
}

impl J {
    fn obj<const N: usize>(entries: [(&str, J); N]) -> J {
        J::Obj(
            entries
                .into_iter()
                .map(|(k, v)| (k.to_owned(), v))
                .collect(),
        )
    }

    fn opt_str(s: Option<&str>) -> J {
        s.map_or(J::Null, |s| J::Str(s.to_owned()))
    }

    fn to_text(&self) -> Result<String, EthError> {
        serde_json::to_string(self).map_err(|_| EthError::Signing)
    }
}

impl Serialize for J {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        match self {
            J::Null => s.serialize_unit(),
            J::Bool(b) => s.serialize_bool(*b),
            J::U64(n) => s.serialize_u64(*n),
            J::Str(v) => s.serialize_str(v),
            J::Arr(items) => {
                let mut seq = s.serialize_seq(Some(items.len()))?;
                for i in items {
                    seq.serialize_element(i)?;
                }
                seq.end()
            }
            J::Obj(entries) => {
                let mut map = s.serialize_map(Some(entries.len()))?;
                for (k, v) in entries {
                    map.serialize_entry(k, v)?;
                }
                map.end()
            }
        }
    }
}

fn check_memo(memo: Option<&str>) -> Result<(), EthError> {
    match memo {
        Some(m) if m.len() > MAX_MEMO_BYTES => Err(EthError::TooLarge {
            what: "memo",
            limit: MAX_MEMO_BYTES,
        }),
        _ => Ok(()),
    }
}

fn is_hex_digits(s: &str) -> bool {
    s.bytes().all(|b| b.is_ascii_hexdigit())
}

fn strip_0x(s: &str) -> Option<&str> {
    s.strip_prefix("0x").or_else(|| s.strip_prefix("0X"))
}

/// Hex bytes with an optional `0x` prefix; an even number of hex digits.
fn hex_bytes(s: &str, field: &str) -> Result<Vec<u8>, EthError> {
    let h = strip_0x(s).unwrap_or(s);
    if !h.len().is_multiple_of(2) || !is_hex_digits(h) {
        return Err(EthError::hex(field));
    }
    hex::decode(h).map_err(|_| EthError::hex(field))
}

/// Why an address string is not acceptable.
enum AddrProblem {
    Hex,
    Length,
    Checksum,
}

/// A 20-byte address, `0x` + 40 hex digits; mixed case must be a valid EIP-55 checksum.
fn parse_address(s: &str) -> Result<Address, AddrProblem> {
    let h = strip_0x(s).ok_or(AddrProblem::Hex)?;
    if !is_hex_digits(h) {
        return Err(AddrProblem::Hex);
    }
    if h.len() != 40 {
        return Err(AddrProblem::Length);
    }
    let lower = h.bytes().any(|b| b.is_ascii_lowercase());
    let upper = h.bytes().any(|b| b.is_ascii_uppercase());
    if lower && upper {
        Address::parse_checksummed(format!("0x{h}"), None).map_err(|_| AddrProblem::Checksum)
    } else {
        h.parse::<Address>().map_err(|_| AddrProblem::Hex)
    }
}

fn tx_address(s: &str, field: &str) -> Result<Address, EthError> {
    parse_address(s).map_err(|p| match p {
        AddrProblem::Hex => EthError::hex(field),
        AddrProblem::Length => {
            EthError::tx(field, "must be a 20-byte address (0x + 40 hex digits)")
        }
        AddrProblem::Checksum => {
            EthError::tx(field, "mixed-case address with a wrong EIP-55 checksum")
        }
    })
}

/// An unsigned integer given as a JSON number, a decimal string or a `0x`-hex string.
fn quantity(v: &Value, field: &str) -> Result<U256, EthError> {
    match v {
        Value::Number(n) => n.as_u64().map(U256::from).ok_or_else(|| {
            EthError::tx(
                field,
                "must be a non-negative integer (send values above 2^64 as decimal or 0x-hex strings)",
            )
        }),
        Value::String(s) => {
            if let Some(h) = strip_0x(s) {
                if h.is_empty() || !is_hex_digits(h) {
                    return Err(EthError::hex(field));
                }
                let h = h.trim_start_matches('0');
                if h.len() > 64 {
                    return Err(EthError::tx(field, "larger than 2^256 - 1"));
                }
                U256::from_str_radix(if h.is_empty() { "0" } else { h }, 16)
                    .map_err(|_| EthError::hex(field))
            } else {
                if s.is_empty() || !s.bytes().all(|b| b.is_ascii_digit()) {
                    return Err(EthError::tx(
                        field,
                        "must be a decimal or 0x-hex unsigned integer",
                    ));
                }
                if s.len() > 80 {
                    return Err(EthError::tx(field, "larger than 2^256 - 1"));
                }
                U256::from_str_radix(s, 10).map_err(|_| EthError::tx(field, "larger than 2^256 - 1"))
            }
        }
        _ => Err(EthError::tx(field, "must be a number or a string")),
    }
}

fn quantity_u64(v: &Value, field: &str) -> Result<u64, EthError> {
    let q = quantity(v, field)?;
    u64::try_from(q).map_err(|_| EthError::tx(field, "larger than 2^64 - 1"))
}

fn quantity_u128(v: &Value, field: &str) -> Result<u128, EthError> {
    let q = quantity(v, field)?;
    u128::try_from(q).map_err(|_| EthError::tx(field, "larger than 2^128 - 1"))
}

// ---------------------------------------------------------------- messages

/// Validates a `SIGN_MESSAGE` request (EIP-191 `personal_sign`) and returns its canonical form.
/// With `encoded_by_hex` the message is hex bytes (`0x` prefix optional; stored as `0x` +
/// lowercase hex); otherwise it is UTF-8 text signed as is.
pub fn canonical_message(
    message: &str,
    encoded_by_hex: bool,
    memo: Option<&str>,
) -> Result<SignRequest, EthError> {
    check_memo(memo)?;
    let too_large = EthError::TooLarge {
        what: "message",
        limit: MAX_MESSAGE_BYTES,
    };
    let shown = if encoded_by_hex {
        if message.len() > 2 * MAX_MESSAGE_BYTES + 2 {
            return Err(too_large);
        }
        let bytes = hex_bytes(message, "message")?;
        if bytes.len() > MAX_MESSAGE_BYTES {
            return Err(too_large);
        }
        format!("0x{}", hex::encode(bytes))
    } else {
        if message.len() > MAX_MESSAGE_BYTES {
            return Err(too_large);
        }
        message.to_owned()
    };
    let j = J::obj([
        ("kind", J::Str("MESSAGE".into())),
        ("message", J::Str(shown)),
        ("encodedByHex", J::Bool(encoded_by_hex)),
        ("memo", J::opt_str(memo)),
    ]);
    Ok(SignRequest { text: j.to_text()? })
}

/// The bytes a canonical message signs.
pub(crate) fn message_bytes(message: &str, encoded_by_hex: bool) -> Result<Vec<u8>, EthError> {
    if encoded_by_hex {
        hex_bytes(message, "message")
    } else {
        Ok(message.as_bytes().to_vec())
    }
}

// ---------------------------------------------------------------- typed data

/// The standard EIP712Domain fields, in the order the domain separator uses.
const DOMAIN_FIELDS: [(&str, &str); 5] = [
    ("name", "string"),
    ("version", "string"),
    ("chainId", "uint256"),
    ("verifyingContract", "address"),
    ("salt", "bytes32"),
];

/// Parsed typed data: the `alloy` value (for hashing) and the canonical JSON.
pub(crate) struct ParsedTypedData {
    pub(crate) typed: TypedData,
    pub(crate) canonical: J,
}

/// Validates `SIGN_TYPEDDATA` data (an EIP-712 JSON string, or the object itself) and returns
/// its canonical form: types (EIP712Domain, the primary type, then the others by name), the
/// primary type, the domain (standard field order; chainId as a decimal string, addresses
/// EIP-55) and the message (fields in declaration order, integers as decimal strings, bytes as
/// `0x` hex, addresses EIP-55). The canonical text hashes to the same EIP-712 digest as the
/// input (checked).
pub fn canonical_typed_data(data: &Value, memo: Option<&str>) -> Result<SignRequest, EthError> {
    check_memo(memo)?;
    let too_large = EthError::TooLarge {
        what: "typed data",
        limit: MAX_TYPED_DATA_BYTES,
    };
    let owned;
    let value = match data {
        Value::String(s) => {
            if s.len() > MAX_TYPED_DATA_BYTES {
                return Err(too_large);
            }
            owned = serde_json::from_str::<Value>(s)
                .map_err(|e| EthError::typed(format!("not JSON: {e}")))?;
            &owned
        }
        Value::Object(_) => {
            let len = serde_json::to_string(data)
                .map_err(|_| EthError::Signing)?
                .len();
            if len > MAX_TYPED_DATA_BYTES {
                return Err(too_large);
            }
            data
        }
        _ => return Err(EthError::typed("data must be a JSON string or object")),
    };
    let parsed = parse_typed_data(value)?;
    let hash = parsed
        .typed
        .eip712_signing_hash()
        .map_err(EthError::typed)?;
    // The canonical form must mean exactly the same as the input.
    let again =
        parse_typed_data(&serde_json::to_value(&parsed.canonical).map_err(|_| EthError::Signing)?)?;
    let hash_again = again.typed.eip712_signing_hash().map_err(EthError::typed)?;
    if hash != hash_again || again.canonical != parsed.canonical {
        return Err(EthError::typed(
            "the data cannot be normalised without changing its meaning",
        ));
    }
    let j = J::obj([
        ("kind", J::Str("TYPED_DATA".into())),
        ("data", parsed.canonical),
        ("memo", J::opt_str(memo)),
    ]);
    Ok(SignRequest { text: j.to_text()? })
}

/// Parses and validates an EIP-712 object.
pub(crate) fn parse_typed_data(v: &Value) -> Result<ParsedTypedData, EthError> {
    let obj = v
        .as_object()
        .ok_or_else(|| EthError::typed("must be a JSON object"))?;
    let types_v = obj
        .get("types")
        .ok_or_else(|| EthError::typed("`types` is missing"))?;
    let types_obj = types_v
        .as_object()
        .ok_or_else(|| EthError::typed("`types` must be an object"))?;
    let primary = obj
        .get("primaryType")
        .and_then(Value::as_str)
        .ok_or_else(|| EthError::typed("`primaryType` must be a string"))?;
    let domain = obj
        .get("domain")
        .and_then(Value::as_object)
        .ok_or_else(|| EthError::typed("`domain` must be an object"))?;
    let message = obj
        .get("message")
        .filter(|m| m.is_object())
        .ok_or_else(|| EthError::typed("`message` must be an object"))?;

    // Types: every definition valid, no duplicate field names, EIP712Domain present.
    let types: Eip712Types = serde_json::from_value(types_v.clone())
        .map_err(|e| EthError::typed(format!("types: {e}")))?;
    let mut resolver = Resolver::default();
    for (name, props) in types.iter() {
        let mut seen = std::collections::HashSet::new();
        for p in props {
            if !seen.insert(p.name()) {
                return Err(EthError::typed(format!(
                    "type {name} declares the field {} twice",
                    p.name()
                )));
            }
        }
        for p in props {
            if !canonical_field_type(p.type_name(), &types) {
                return Err(EthError::typed(format!(
                    "type {name}: field {} has the type {}, which is not an EIP-712 type in its canonical spelling (bool, address, string, bytes, bytes1..bytes32, uint8..uint256, int8..int256 without leading zeros, or a declared type; arrays as T[] or T[n])",
                    p.name(),
                    p.type_name()
                )));
            }
        }
        let def = TypeDef::new(name.clone(), props.clone())
            .map_err(|e| EthError::typed(format!("type {name}: {e}")))?;
        resolver.ingest(def);
    }
    let declared_domain = types
        .get("EIP712Domain")
        .ok_or_else(|| EthError::typed("`types` must declare EIP712Domain"))?;
    if primary == "EIP712Domain" {
        return Err(EthError::typed(
            "primaryType must be the message's type, not EIP712Domain",
        ));
    }
    if !types.contains_key(primary) {
        return Err(EthError::typed(format!(
            "primaryType {primary} is not declared in `types`"
        )));
    }

    // Domain: only the standard fields, declared in EIP712Domain in the standard order with
    // the standard types (so every EIP-712 implementation computes the same separator).
    for key in domain.keys() {
        if !DOMAIN_FIELDS.iter().any(|(n, _)| n == key) {
            return Err(EthError::typed(format!(
                "domain field {key} is not an EIP-712 domain field (name, version, chainId, verifyingContract, salt)"
            )));
        }
    }
    let expected: Vec<(&str, &str)> = DOMAIN_FIELDS
        .iter()
        .copied()
        .filter(|(n, _)| domain.contains_key(*n))
        .collect();
    let declared: Vec<(&str, &str)> = declared_domain
        .iter()
        .map(|p| (p.name(), p.type_name()))
        .collect();
    if declared != expected {
        return Err(EthError::typed(
            "EIP712Domain must declare exactly the domain's fields, in the order name, version, chainId, verifyingContract, salt, with types string, string, uint256, address, bytes32",
        ));
    }
    let mut dom = Eip712Domain::default();
    let mut dom_j = Vec::new();
    if let Some(v) = domain.get("name") {
        let s = v
            .as_str()
            .ok_or_else(|| EthError::typed("domain.name must be a string"))?;
        dom.name = Some(Cow::Owned(s.to_owned()));
        dom_j.push(("name".to_owned(), J::Str(s.to_owned())));
    }
    if let Some(v) = domain.get("version") {
        let s = v
            .as_str()
            .ok_or_else(|| EthError::typed("domain.version must be a string"))?;
        dom.version = Some(Cow::Owned(s.to_owned()));
        dom_j.push(("version".to_owned(), J::Str(s.to_owned())));
    }
    if let Some(v) = domain.get("chainId") {
        let c = quantity(v, "domain.chainId").map_err(|_| {
            EthError::typed(
                "domain.chainId must be an unsigned integer (number, decimal or 0x-hex string)",
            )
        })?;
        dom.chain_id = Some(c);
        dom_j.push(("chainId".to_owned(), J::Str(c.to_string())));
    }
    if let Some(v) = domain.get("verifyingContract") {
        let a = v
            .as_str()
            .ok_or(AddrProblem::Hex)
            .and_then(parse_address)
            .map_err(|_| EthError::typed("domain.verifyingContract must be an address (0x + 40 hex digits, valid EIP-55 checksum if mixed case)"))?;
        dom.verifying_contract = Some(a);
        dom_j.push(("verifyingContract".to_owned(), J::Str(a.to_checksum(None))));
    }
    if let Some(v) = domain.get("salt") {
        let b = v
            .as_str()
            .and_then(|s| strip_0x(s))
            .filter(|h| h.len() == 64 && is_hex_digits(h))
            .and_then(|h| h.parse::<B256>().ok())
            .ok_or_else(|| EthError::typed("domain.salt must be 32 bytes as 0x + 64 hex digits"))?;
        dom.salt = Some(b);
        dom_j.push(("salt".to_owned(), J::Str(format!("{b:#x}"))));
    }

    let typed = TypedData {
        domain: dom,
        resolver,
        primary_type: primary.to_owned(),
        message: message.clone(),
    };
    let coerced = typed.coerce().map_err(EthError::typed)?;
    let message_j = value_to_j(&coerced);

    // Canonical types: EIP712Domain, the primary type, then the rest by name.
    let mut names: Vec<&String> = types_obj.keys().collect();
    names.sort();
    let mut order: Vec<&str> = vec!["EIP712Domain", primary];
    order.extend(
        names
            .iter()
            .map(|s| s.as_str())
            .filter(|n| *n != "EIP712Domain" && *n != primary),
    );
    let mut types_j = Vec::new();
    for name in order {
        let props = types
            .get(name)
            .ok_or_else(|| EthError::typed(format!("type {name} is missing")))?;
        let fields = props
            .iter()
            .map(|p| {
                J::obj([
                    ("name", J::Str(p.name().to_owned())),
                    ("type", J::Str(p.type_name().to_owned())),
                ])
            })
            .collect();
        types_j.push((name.to_owned(), J::Arr(fields)));
    }
    let canonical = J::obj([
        ("types", J::Obj(types_j)),
        ("primaryType", J::Str(primary.to_owned())),
        ("domain", J::Obj(dom_j)),
        ("message", message_j),
    ]);
    Ok(ParsedTypedData { typed, canonical })
}

/// Whether a field's type name is one every EIP-712 implementation reads and hashes the same
/// way: an atomic type in its canonical spelling ([`eip712_atomic_type`]: no `uint024`) or a
/// type declared in `types`, followed by any number of array suffixes `[]` / `[n]` (`n` a
/// decimal > 0 without leading zeros). The type name enters the type hash as written, so a
/// spelling alloy tolerates but others refuse (or the client cannot show) is refused.
fn canonical_field_type(ty: &str, types: &Eip712Types) -> bool {
    let mut base = ty;
    while let Some(inner) = base.strip_suffix(']') {
        let Some(open) = inner.rfind('[') else {
            return false;
        };
        let len = &inner[open + 1..];
        if !len.is_empty() && (len.starts_with('0') || !len.bytes().all(|b| b.is_ascii_digit())) {
            return false;
        }
        base = &inner[..open];
    }
    eip712_atomic_type(base) || types.contains_key(base)
}

/// The canonical JSON of a coerced EIP-712 value.
fn value_to_j(v: &DynSolValue) -> J {
    match v {
        DynSolValue::Bool(b) => J::Bool(*b),
        DynSolValue::Int(i, _) => J::Str(i.to_string()),
        DynSolValue::Uint(u, _) => J::Str(u.to_string()),
        DynSolValue::FixedBytes(w, n) => J::Str(format!("0x{}", hex::encode(&w[..(*n).min(32)]))),
        DynSolValue::Address(a) => J::Str(a.to_checksum(None)),
        DynSolValue::Function(f) => J::Str(format!("0x{}", hex::encode(f.as_slice()))),
        DynSolValue::Bytes(b) => J::Str(format!("0x{}", hex::encode(b))),
        DynSolValue::String(s) => J::Str(s.clone()),
        DynSolValue::Array(items) | DynSolValue::FixedArray(items) | DynSolValue::Tuple(items) => {
            J::Arr(items.iter().map(value_to_j).collect())
        }
        DynSolValue::CustomStruct {
            prop_names, tuple, ..
        } => J::Obj(
            prop_names
                .iter()
                .zip(tuple)
                .map(|(n, v)| (n.clone(), value_to_j(v)))
                .collect(),
        ),
    }
}

// ---------------------------------------------------------------- transactions

/// The fields a transaction object may carry.
const TX_FIELDS: [&str; 13] = [
    "chainId",
    "nonce",
    "to",
    "value",
    "data",
    "input",
    "gas",
    "gasLimit",
    "maxFeePerGas",
    "maxPriorityFeePerGas",
    "accessList",
    "type",
    "from",
];

/// A parsed transaction: the `alloy` EIP-1559 transaction and the canonical JSON.
pub(crate) struct ParsedTx {
    pub(crate) tx: TxEip1559,
    pub(crate) canonical: J,
}

/// Validates a `SIGN_TRANSACTION` transaction (a JSON string, Circle's spelling, or an object)
/// and returns its canonical form.
///
/// Fields: `chainId`, `nonce`, `gas` (alias `gasLimit`), `maxFeePerGas`,
/// `maxPriorityFeePerGas` are required; `to` (absent or null: contract creation), `value`
/// (default 0), `data` (alias `input`; default empty) and `accessList` (default empty) are
/// optional; `type`, when present, must be 2; `from`, when present, must be the wallet's
/// address. Numbers may be JSON numbers (up to 2^64 - 1), decimal strings or `0x`-hex strings.
/// `expected_chain_id` is the chain of the wallet's blockchain (`None`: the generic EVM
/// blockchains, any chain id).
pub fn canonical_transaction(
    transaction: &Value,
    memo: Option<&str>,
    expected_chain_id: Option<u64>,
    wallet_address: &Address,
) -> Result<SignRequest, EthError> {
    check_memo(memo)?;
    let owned;
    let value = match transaction {
        Value::String(s) => {
            if s.len() > 2 * MAX_TX_DATA_BYTES + 16 * 1024 {
                return Err(EthError::TooLarge {
                    what: "transaction data",
                    limit: MAX_TX_DATA_BYTES,
                });
            }
            owned = serde_json::from_str::<Value>(s)
                .map_err(|e| EthError::tx("transaction", format!("not JSON: {e}")))?;
            &owned
        }
        other => other,
    };
    let parsed = parse_transaction(value, expected_chain_id, Some(wallet_address))?;
    let j = J::obj([
        ("kind", J::Str("TRANSACTION".into())),
        ("transaction", parsed.canonical),
        ("memo", J::opt_str(memo)),
    ]);
    Ok(SignRequest { text: j.to_text()? })
}

/// Parses and validates a transaction object.
pub(crate) fn parse_transaction(
    v: &Value,
    expected_chain_id: Option<u64>,
    wallet_address: Option<&Address>,
) -> Result<ParsedTx, EthError> {
    let obj = v
        .as_object()
        .ok_or_else(|| EthError::tx("transaction", "must be a JSON object"))?;
    for key in obj.keys() {
        if key == "gasPrice" {
            return Err(EthError::tx(
                "gasPrice",
                "legacy gas pricing is not supported; EIP-1559 transactions use maxFeePerGas and maxPriorityFeePerGas",
            ));
        }
        if !TX_FIELDS.contains(&key.as_str()) {
            return Err(EthError::tx(key.as_str(), "unknown field"));
        }
    }
    let present = |k: &str| obj.get(k).filter(|v| !v.is_null());
    let required = |k: &str| present(k).ok_or_else(|| EthError::tx(k, "is required"));

    if let Some(t) = present("type") {
        let ty = quantity(t, "type")?;
        if ty != U256::from(2u8) {
            return Err(EthError::tx(
                "type",
                "only EIP-1559 (type 2) transactions are supported",
            ));
        }
    }
    let chain_id = quantity_u64(required("chainId")?, "chainId")?;
    if chain_id == 0 {
        return Err(EthError::tx("chainId", "must not be 0"));
    }
    if let Some(expected) = expected_chain_id {
        if chain_id != expected {
            return Err(EthError::ChainIdMismatch { chain_id, expected });
        }
    }
    if let Some(f) = present("from") {
        let from = f
            .as_str()
            .ok_or_else(|| EthError::tx("from", "must be an address string"))
            .and_then(|s| tx_address(s, "from"))?;
        if wallet_address.is_some_and(|w| *w != from) {
            return Err(EthError::tx("from", "is not the wallet's address"));
        }
    }
    let nonce = quantity_u64(required("nonce")?, "nonce")?;
    let gas = match (present("gas"), present("gasLimit")) {
        (Some(g), None) => quantity_u64(g, "gas")?,
        (None, Some(g)) => quantity_u64(g, "gasLimit")?,
        (Some(a), Some(b)) => {
            let a = quantity_u64(a, "gas")?;
            if a != quantity_u64(b, "gasLimit")? {
                return Err(EthError::tx("gasLimit", "differs from gas"));
            }
            a
        }
        (None, None) => return Err(EthError::tx("gas", "is required")),
    };
    if gas == 0 {
        return Err(EthError::tx("gas", "must not be 0"));
    }
    let max_fee = quantity_u128(required("maxFeePerGas")?, "maxFeePerGas")?;
    let max_priority = quantity_u128(required("maxPriorityFeePerGas")?, "maxPriorityFeePerGas")?;
    if max_priority > max_fee {
        return Err(EthError::tx(
            "maxPriorityFeePerGas",
            "must not exceed maxFeePerGas",
        ));
    }
    let to = match present("to") {
        None => None,
        Some(Value::String(s)) => Some(tx_address(s, "to")?),
        Some(_) => return Err(EthError::tx("to", "must be an address string or null")),
    };
    let value = match present("value") {
        None => U256::ZERO,
        Some(v) => quantity(v, "value")?,
    };
    let data = match (present("data"), present("input")) {
        (Some(_), Some(_)) => return Err(EthError::tx("input", "give data or input, not both")),
        (Some(d), None) | (None, Some(d)) => {
            let field = if present("data").is_some() {
                "data"
            } else {
                "input"
            };
            let s = d
                .as_str()
                .ok_or_else(|| EthError::tx(field, "must be a 0x-hex string"))?;
            if s.len() > 2 * MAX_TX_DATA_BYTES + 2 {
                return Err(EthError::TooLarge {
                    what: "transaction data",
                    limit: MAX_TX_DATA_BYTES,
                });
            }
            hex_bytes(s, field)?
        }
        (None, None) => Vec::new(),
    };
    let mut access_list = Vec::new();
    let mut access_j = Vec::new();
    if let Some(al) = present("accessList") {
        let entries = al
            .as_array()
            .ok_or_else(|| EthError::tx("accessList", "must be an array"))?;
        if entries.len() > MAX_ACCESS_LIST_ITEMS {
            return Err(EthError::tx("accessList", "has too many entries"));
        }
        let mut total_keys = 0usize;
        for (i, e) in entries.iter().enumerate() {
            let f = |k: &str| format!("accessList[{i}].{k}");
            let eo = e
                .as_object()
                .ok_or_else(|| EthError::tx(format!("accessList[{i}]"), "must be an object"))?;
            if let Some(k) = eo.keys().find(|k| *k != "address" && *k != "storageKeys") {
                return Err(EthError::tx(f(k), "unknown field"));
            }
            let address = eo
                .get("address")
                .and_then(Value::as_str)
                .ok_or_else(|| EthError::tx(f("address"), "is required"))
                .and_then(|s| tx_address(s, &f("address")))?;
            let keys_v = match eo.get("storageKeys") {
                None | Some(Value::Null) => Vec::new(),
                Some(Value::Array(a)) => a.clone(),
                Some(_) => return Err(EthError::tx(f("storageKeys"), "must be an array")),
            };
            total_keys += keys_v.len();
            if total_keys > MAX_ACCESS_LIST_ITEMS {
                return Err(EthError::tx("accessList", "has too many storage keys"));
            }
            let mut keys = Vec::with_capacity(keys_v.len());
            for (k, kv) in keys_v.iter().enumerate() {
                let field = format!("accessList[{i}].storageKeys[{k}]");
                let s = kv
                    .as_str()
                    .ok_or_else(|| EthError::tx(field.as_str(), "must be a 0x-hex string"))?;
                let b = hex_bytes(s, &field)?;
                if b.len() != 32 {
                    return Err(EthError::tx(field, "must be 32 bytes"));
                }
                keys.push(B256::from_slice(&b));
            }
            access_j.push(J::obj([
                ("address", J::Str(address.to_checksum(None))),
                (
                    "storageKeys",
                    J::Arr(keys.iter().map(|k| J::Str(format!("{k:#x}"))).collect()),
                ),
            ]));
            access_list.push(AccessListItem {
                address,
                storage_keys: keys,
            });
        }
    }

    let canonical = J::obj([
        ("chainId", J::U64(chain_id)),
        ("nonce", J::Str(nonce.to_string())),
        ("to", to.map_or(J::Null, |a| J::Str(a.to_checksum(None)))),
        ("value", J::Str(value.to_string())),
        ("data", J::Str(format!("0x{}", hex::encode(&data)))),
        ("gas", J::Str(gas.to_string())),
        ("maxFeePerGas", J::Str(max_fee.to_string())),
        ("maxPriorityFeePerGas", J::Str(max_priority.to_string())),
        ("accessList", J::Arr(access_j)),
    ]);
    let tx = TxEip1559 {
        chain_id,
        nonce,
        gas_limit: gas,
        max_fee_per_gas: max_fee,
        max_priority_fee_per_gas: max_priority,
        to: to.map_or(TxKind::Create, TxKind::Call),
        value,
        access_list: AccessList(access_list),
        input: Bytes::from(data),
    };
    Ok(ParsedTx { tx, canonical })
}
