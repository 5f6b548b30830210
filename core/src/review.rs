//! Clear signing: decodes a challenge's `signRequest` (the canonical JSON text the server
//! stored) into a [`SignatureReview`] the app shows before the PIN is asked for.
//!
//! Only `serde_json` is used: no Ethereum crate, no big integers. The server normalises every
//! quantity to a decimal string, so amounts are formatted by exact decimal string arithmetic
//! (wei → unit with 18 decimals); the maximum fee uses checked `u128` math and says
//! "too large to show" on overflow. Anything malformed is an error with a 155xxx code, never a
//! panic: [`ReviewError`].

use latchkey_protocol::{Blockchain, ErrorCode, WalletRef};
use serde_json::{Map, Value};

/// Decimals of the native currency of every supported EVM chain.
pub const NATIVE_DECIMALS: usize = 18;
/// Most rows a typed-data tree may have; larger ones are refused (155821).
pub const MAX_TYPED_DATA_ROWS: usize = 2000;
/// Deepest nesting of structs and arrays in typed data; deeper ones are refused (155821).
pub const MAX_TYPED_DATA_DEPTH: u32 = 16;
/// Text shown instead of an amount that does not fit in 128 bits.
pub const TOO_LARGE_TO_SHOW: &str = "too large to show";

/// What the user reviews before signing. Carries no secret.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SignatureReview {
    /// The signing wallet.
    pub wallet: WalletRef,
    /// The app's note (not signed), if any.
    pub memo: Option<String>,
    /// What will be signed.
    pub details: ReviewDetails,
}

/// The decoded content of a signing request.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum ReviewDetails {
    /// An EIP-191 `personal_sign` message (SIGN_MESSAGE).
    Message(MessageReview),
    /// EIP-712 typed data (SIGN_TYPEDDATA).
    TypedData(TypedDataReview),
    /// An EIP-1559 transaction (SIGN_TRANSACTION).
    Transaction(TransactionReview),
}

/// A message to sign.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct MessageReview {
    /// The message as text, when its bytes are valid UTF-8 without control characters other
    /// than tab and line breaks; `None` otherwise (show [`MessageReview::hex`]).
    pub text: Option<String>,
    /// The exact bytes signed, `0x`-hex (always present).
    pub hex: String,
    /// Number of bytes.
    pub byte_length: u64,
}

/// The EIP-712 domain (fields present in the request only).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct TypedDataDomain {
    /// `name`.
    pub name: Option<String>,
    /// `version`.
    pub version: Option<String>,
    /// `chainId`, as a decimal string.
    pub chain_id: Option<String>,
    /// `verifyingContract`.
    pub verifying_contract: Option<String>,
    /// `salt`.
    pub salt: Option<String>,
}

/// One row of the primary type's field tree, flattened pre-order. A struct or array field is a
/// row without a value followed by its children at `depth + 1`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TypedDataRow {
    /// Dotted path from the message root, e.g. `from.wallet`, `to[1].name`.
    pub path: String,
    /// 0 for the primary type's own fields.
    pub depth: u32,
    /// The field name (`[i]` for an array element).
    pub name: String,
    /// The EIP-712 type, e.g. `address`, `Person`, `Person[]`.
    pub type_name: String,
    /// The value of an atomic field; `None` for structs and arrays (their children follow).
    pub value: Option<String>,
}

/// EIP-712 typed data to sign.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TypedDataReview {
    /// The domain.
    pub domain: TypedDataDomain,
    /// The primary type's name.
    pub primary_type: String,
    /// The message's fields, in the primary type's declared order, flattened pre-order.
    pub rows: Vec<TypedDataRow>,
}

/// An EIP-1559 transaction to sign (not broadcast).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TransactionReview {
    /// The wallet's blockchain.
    pub blockchain: Blockchain,
    /// The transaction's chain id.
    pub chain_id: u64,
    /// The recipient; `None` for a contract creation.
    pub to: Option<String>,
    /// Value in wei (decimal).
    pub value_wei: String,
    /// Value in the chain's unit, e.g. `0.01 ETH`.
    pub value: String,
    /// The sender's nonce (decimal).
    pub nonce: String,
    /// Gas limit (decimal).
    pub gas_limit: String,
    /// Max fee per gas, wei (decimal).
    pub max_fee_per_gas_wei: String,
    /// Max priority fee per gas, wei (decimal).
    pub max_priority_fee_per_gas_wei: String,
    /// The most the transaction can cost in fees: gas limit × max fee per gas, wei; `None` when
    /// it does not fit in 128 bits.
    pub max_fee_wei: Option<String>,
    /// The maximum fee in the chain's unit, or [`TOO_LARGE_TO_SHOW`].
    pub max_fee: String,
    /// Call data, `0x`-hex (`0x` when empty).
    pub data: String,
    /// Length of the call data in bytes.
    pub data_length: u64,
    /// The 4-byte function selector (`0x` + 8 hex digits) when the data has at least 4 bytes.
    pub selector: Option<String>,
    /// Number of access-list entries.
    pub access_list_entries: u32,
}

/// Why a `signRequest` cannot be shown. The flow refuses to start; nothing is signed.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("the signing request cannot be shown: {reason} ({code})")]
pub struct ReviewError {
    /// 155116 (not JSON, unknown kind, kind not matching the challenge), 155820 (bad hex),
    /// 155821 (bad typed data), 155823 (bad transaction field).
    pub code: ErrorCode,
    /// A short, secret-free explanation.
    pub reason: String,
}

fn err(code: ErrorCode, reason: impl Into<String>) -> ReviewError {
    ReviewError {
        code,
        reason: reason.into(),
    }
}

/// Which kind of request a challenge type expects.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum RequestKind {
    /// `"MESSAGE"` (SIGN_MESSAGE).
    Message,
    /// `"TYPED_DATA"` (SIGN_TYPEDDATA).
    TypedData,
    /// `"TRANSACTION"` (SIGN_TRANSACTION).
    Transaction,
}

impl RequestKind {
    fn wire(self) -> &'static str {
        match self {
            RequestKind::Message => "MESSAGE",
            RequestKind::TypedData => "TYPED_DATA",
            RequestKind::Transaction => "TRANSACTION",
        }
    }
}

/// Decodes `sign_request` (the descriptor's `signRequest` string) for the review screen.
/// `expected` is the kind the challenge type implies; another kind is refused (155116).
pub fn decode_sign_request(
    sign_request: &str,
    expected: RequestKind,
    wallet: WalletRef,
) -> Result<SignatureReview, ReviewError> {
    let v: Value = serde_json::from_str(sign_request)
        .map_err(|_| err(ErrorCode::InvalidChallenge, "signRequest is not JSON"))?;
    let o = v
        .as_object()
        .ok_or_else(|| err(ErrorCode::InvalidChallenge, "signRequest is not an object"))?;
    let kind = o.get("kind").and_then(Value::as_str).unwrap_or("");
    if kind != expected.wire() {
        return Err(err(
            ErrorCode::InvalidChallenge,
            format!(
                "signRequest kind {kind:?} does not fit the challenge (expected {})",
                expected.wire()
            ),
        ));
    }
    let memo = match o.get("memo") {
        None | Some(Value::Null) => None,
        Some(Value::String(s)) => Some(s.clone()),
        Some(_) => return Err(err(ErrorCode::InvalidChallenge, "memo is not a string")),
    };
    let details = match expected {
        RequestKind::Message => ReviewDetails::Message(message(o)?),
        RequestKind::TypedData => ReviewDetails::TypedData(typed_data(
            o.get("data")
                .ok_or_else(|| err(ErrorCode::InvalidTypedData, "data is missing"))?,
        )?),
        RequestKind::Transaction => ReviewDetails::Transaction(transaction(
            o.get("transaction")
                .ok_or_else(|| err(ErrorCode::InvalidTransaction, "transaction is missing"))?,
            &wallet.blockchain,
        )?),
    };
    Ok(SignatureReview {
        wallet,
        memo,
        details,
    })
}

// ---------------------------------------------------------------- messages

fn message(o: &Map<String, Value>) -> Result<MessageReview, ReviewError> {
    let m = o
        .get("message")
        .and_then(Value::as_str)
        .ok_or_else(|| err(ErrorCode::InvalidChallenge, "message is missing"))?;
    let by_hex = match o.get("encodedByHex") {
        None | Some(Value::Null) => false,
        Some(Value::Bool(b)) => *b,
        Some(_) => {
            return Err(err(
                ErrorCode::InvalidChallenge,
                "encodedByHex is not a boolean",
            ))
        }
    };
    let bytes = if by_hex {
        decode_hex(m).ok_or_else(|| err(ErrorCode::MalformedHex, "message is not 0x-hex"))?
    } else {
        m.as_bytes().to_vec()
    };
    Ok(message_review(&bytes))
}

/// The review of raw message bytes: text when printable UTF-8, hex always.
pub fn message_review(bytes: &[u8]) -> MessageReview {
    let text = std::str::from_utf8(bytes)
        .ok()
        .filter(|t| {
            t.chars()
                .all(|c| !c.is_control() || matches!(c, '\n' | '\r' | '\t'))
        })
        .map(str::to_owned);
    MessageReview {
        text,
        hex: encode_hex(bytes),
        byte_length: u64::try_from(bytes.len()).unwrap_or(u64::MAX),
    }
}

// ---------------------------------------------------------------- typed data

fn typed_data(data: &Value) -> Result<TypedDataReview, ReviewError> {
    let bad = |r: &str| err(ErrorCode::InvalidTypedData, r);
    // The server stores the parsed object; a string holding it is accepted too.
    let parsed;
    let data = match data {
        Value::String(s) => {
            parsed = serde_json::from_str::<Value>(s).map_err(|_| bad("data is not JSON"))?;
            &parsed
        }
        v => v,
    };
    let d = data
        .as_object()
        .ok_or_else(|| bad("data is not an object"))?;
    let types = d
        .get("types")
        .and_then(Value::as_object)
        .ok_or_else(|| bad("types is missing"))?;
    let primary = d
        .get("primaryType")
        .and_then(Value::as_str)
        .ok_or_else(|| bad("primaryType is missing"))?;
    if !types.contains_key(primary) {
        return Err(bad("primaryType is not among the types"));
    }
    let domain = match d.get("domain") {
        None | Some(Value::Null) => TypedDataDomain::default(),
        Some(Value::Object(dm)) => TypedDataDomain {
            name: domain_field(dm, "name")?,
            version: domain_field(dm, "version")?,
            chain_id: domain_field(dm, "chainId")?,
            verifying_contract: domain_field(dm, "verifyingContract")?,
            salt: domain_field(dm, "salt")?,
        },
        Some(_) => return Err(bad("domain is not an object")),
    };
    let message = d
        .get("message")
        .and_then(Value::as_object)
        .ok_or_else(|| bad("message is missing"))?;
    let mut rows = Vec::new();
    struct_rows(types, primary, message, "", 0, &mut rows)?;
    Ok(TypedDataReview {
        domain,
        primary_type: primary.to_owned(),
        rows,
    })
}

fn domain_field(dm: &Map<String, Value>, name: &str) -> Result<Option<String>, ReviewError> {
    match dm.get(name) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(s)) => Ok(Some(s.clone())),
        Some(Value::Number(n)) => Ok(Some(n.to_string())),
        Some(_) => Err(err(
            ErrorCode::InvalidTypedData,
            format!("domain {name} is not a string or number"),
        )),
    }
}

fn struct_rows(
    types: &Map<String, Value>,
    type_name: &str,
    value: &Map<String, Value>,
    prefix: &str,
    depth: u32,
    rows: &mut Vec<TypedDataRow>,
) -> Result<(), ReviewError> {
    let bad = |r: String| err(ErrorCode::InvalidTypedData, r);
    if depth > MAX_TYPED_DATA_DEPTH {
        return Err(bad("typed data is nested too deeply".into()));
    }
    let fields = types
        .get(type_name)
        .and_then(Value::as_array)
        .ok_or_else(|| bad(format!("type {type_name} is not defined")))?;
    for f in fields {
        let name = f
            .get("name")
            .and_then(Value::as_str)
            .ok_or_else(|| bad(format!("a field of {type_name} has no name")))?;
        let ty = f
            .get("type")
            .and_then(Value::as_str)
            .ok_or_else(|| bad(format!("{type_name}.{name} has no type")))?;
        let v = value
            .get(name)
            .ok_or_else(|| bad(format!("{type_name}.{name} is missing from the message")))?;
        let path = if prefix.is_empty() {
            name.to_owned()
        } else {
            format!("{prefix}.{name}")
        };
        field_rows(types, name, ty, v, path, depth, rows)?;
    }
    Ok(())
}

fn field_rows(
    types: &Map<String, Value>,
    name: &str,
    ty: &str,
    v: &Value,
    path: String,
    depth: u32,
    rows: &mut Vec<TypedDataRow>,
) -> Result<(), ReviewError> {
    let bad = |r: String| err(ErrorCode::InvalidTypedData, r);
    if rows.len() >= MAX_TYPED_DATA_ROWS {
        return Err(bad("typed data has too many fields to show".into()));
    }
    if depth > MAX_TYPED_DATA_DEPTH {
        return Err(bad("typed data is nested too deeply".into()));
    }
    // Arrays: `T[]` or `T[n]`.
    if let Some(inner) = ty.strip_suffix(']') {
        let open = inner
            .rfind('[')
            .ok_or_else(|| bad(format!("{path}: bad array type {ty}")))?;
        let (elem, len) = (&inner[..open], &inner[open + 1..]);
        let items = v
            .as_array()
            .ok_or_else(|| bad(format!("{path} is not an array")))?;
        if !len.is_empty() && len.parse::<usize>().ok() != Some(items.len()) {
            return Err(bad(format!("{path} does not have {len} elements")));
        }
        rows.push(TypedDataRow {
            path: path.clone(),
            depth,
            name: name.to_owned(),
            type_name: ty.to_owned(),
            value: None,
        });
        for (i, item) in items.iter().enumerate() {
            let n = format!("[{i}]");
            field_rows(types, &n, elem, item, format!("{path}{n}"), depth + 1, rows)?;
        }
        return Ok(());
    }
    if types.contains_key(ty) {
        let o = v
            .as_object()
            .ok_or_else(|| bad(format!("{path} is not an object")))?;
        rows.push(TypedDataRow {
            path: path.clone(),
            depth,
            name: name.to_owned(),
            type_name: ty.to_owned(),
            value: None,
        });
        return struct_rows(types, ty, o, &path, depth + 1, rows);
    }
    if !is_atomic(ty) {
        return Err(bad(format!("{path}: unknown type {ty}")));
    }
    let value = match v {
        Value::String(s) => s.clone(),
        Value::Number(n) => n.to_string(),
        Value::Bool(b) => b.to_string(),
        _ => return Err(bad(format!("{path} is not a {ty} value"))),
    };
    rows.push(TypedDataRow {
        path,
        depth,
        name: name.to_owned(),
        type_name: ty.to_owned(),
        value: Some(value),
    });
    Ok(())
}

/// EIP-712 atomic and dynamic types (`latchkey_protocol::eip712_atomic_type`, the definition
/// the server validates with).
fn is_atomic(ty: &str) -> bool {
    latchkey_protocol::eip712_atomic_type(ty)
}

// ---------------------------------------------------------------- transactions

fn transaction(t: &Value, blockchain: &Blockchain) -> Result<TransactionReview, ReviewError> {
    let bad = |r: String| err(ErrorCode::InvalidTransaction, r);
    let o = t
        .as_object()
        .ok_or_else(|| bad("transaction is not an object".into()))?;
    let chain_id = match o.get("chainId") {
        Some(Value::Number(n)) => n.as_u64(),
        Some(Value::String(s)) => decimal(s).and_then(|d| d.parse::<u64>().ok()),
        _ => None,
    }
    .ok_or_else(|| bad("chainId is missing or not a number".into()))?;
    let quantity = |name: &str| -> Result<String, ReviewError> {
        match o.get(name) {
            Some(Value::String(s)) => decimal(s),
            Some(Value::Number(n)) => n.as_u64().map(|n| n.to_string()),
            _ => None,
        }
        .ok_or_else(|| bad(format!("{name} is missing or not a decimal quantity")))
    };
    let nonce = quantity("nonce")?;
    let value_wei = quantity("value")?;
    let gas_limit = quantity("gas")?;
    let max_fee_per_gas_wei = quantity("maxFeePerGas")?;
    let max_priority_fee_per_gas_wei = quantity("maxPriorityFeePerGas")?;
    let to = match o.get("to") {
        None | Some(Value::Null) => None,
        Some(Value::String(s)) if is_address(s) => Some(s.clone()),
        Some(_) => return Err(err(ErrorCode::MalformedHex, "to is not a 20-byte address")),
    };
    let data = match o.get("data") {
        None | Some(Value::Null) => Vec::new(),
        Some(Value::String(s)) => {
            decode_hex(s).ok_or_else(|| err(ErrorCode::MalformedHex, "data is not 0x-hex"))?
        }
        Some(_) => return Err(bad("data is not a string".into())),
    };
    let access_list_entries = match o.get("accessList") {
        None | Some(Value::Null) => 0,
        Some(Value::Array(a)) => u32::try_from(a.len()).unwrap_or(u32::MAX),
        Some(_) => return Err(bad("accessList is not an array".into())),
    };
    let unit = blockchain.native_unit();
    let max_fee_wei = match (
        gas_limit.parse::<u128>().ok(),
        max_fee_per_gas_wei.parse::<u128>().ok(),
    ) {
        (Some(g), Some(f)) => g.checked_mul(f).map(|m| m.to_string()),
        _ => None,
    };
    let max_fee = match &max_fee_wei {
        Some(w) => format_units(w, NATIVE_DECIMALS, unit),
        None => TOO_LARGE_TO_SHOW.to_owned(),
    };
    Ok(TransactionReview {
        blockchain: blockchain.clone(),
        chain_id,
        to,
        value: format_units(&value_wei, NATIVE_DECIMALS, unit),
        value_wei,
        nonce,
        gas_limit,
        max_fee_per_gas_wei,
        max_priority_fee_per_gas_wei,
        max_fee_wei,
        max_fee,
        data_length: u64::try_from(data.len()).unwrap_or(u64::MAX),
        selector: (data.len() >= 4).then(|| encode_hex(&data[..4])),
        data: encode_hex(&data),
        access_list_entries,
    })
}

/// A canonical decimal string (digits only, no leading zeros except `0`, at most 78 digits =
/// the size of a 256-bit number). Leading zeros are stripped; anything else is `None`.
fn decimal(s: &str) -> Option<String> {
    if s.is_empty() || s.len() > 78 || !s.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let t = s.trim_start_matches('0');
    Some(if t.is_empty() { "0".into() } else { t.into() })
}

/// Formats a decimal integer string of base units as `whole.fraction unit`, exactly (no
/// rounding), trailing zeros of the fraction removed: `10000000000000000` with 18 decimals →
/// `0.01 ETH`.
pub fn format_units(base_units: &str, decimals: usize, unit: &str) -> String {
    let digits = base_units.trim_start_matches('0');
    let padded = if digits.len() <= decimals {
        format!("{}{}", "0".repeat(decimals + 1 - digits.len()), digits)
    } else {
        digits.to_owned()
    };
    let (whole, frac) = padded.split_at(padded.len() - decimals);
    let frac = frac.trim_end_matches('0');
    if frac.is_empty() {
        format!("{whole} {unit}")
    } else {
        format!("{whole}.{frac} {unit}")
    }
}

fn is_address(s: &str) -> bool {
    s.len() == 42
        && (s.starts_with("0x") || s.starts_with("0X"))
        && s[2..].bytes().all(|b| b.is_ascii_hexdigit())
}

/// `0x`-hex → bytes (`0x` alone is empty); `None` without the prefix, with an odd number of
/// digits or a non-hex digit.
fn decode_hex(s: &str) -> Option<Vec<u8>> {
    let h = s.strip_prefix("0x").or_else(|| s.strip_prefix("0X"))?;
    if h.len() % 2 != 0 {
        return None;
    }
    let nib = |b: u8| -> Option<u8> {
        match b {
            b'0'..=b'9' => Some(b - b'0'),
            b'a'..=b'f' => Some(b - b'a' + 10),
            b'A'..=b'F' => Some(b - b'A' + 10),
            _ => None,
        }
    };
    h.as_bytes()
        .chunks(2)
        .map(|p| Some(nib(p[0])? << 4 | nib(p[1])?))
        .collect()
}

fn encode_hex(bytes: &[u8]) -> String {
    const HEX: &[u8; 16] = b"0123456789abcdef";
    let mut s = String::with_capacity(2 + bytes.len() * 2);
    s.push_str("0x");
    for b in bytes {
        s.push(char::from(HEX[usize::from(b >> 4)]));
        s.push(char::from(HEX[usize::from(b & 0x0f)]));
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    fn wallet(b: Blockchain) -> WalletRef {
        WalletRef {
            id: "w-1".into(),
            address: "0xCD2a3d9F938E13CD947Ec05AbC7FE734Df8DD826".into(),
            blockchain: b,
        }
    }

    /// The "Mail" example of the EIP-712 text.
    pub(crate) const MAIL: &str = r#"{"types":{"EIP712Domain":[{"name":"name","type":"string"},{"name":"version","type":"string"},{"name":"chainId","type":"uint256"},{"name":"verifyingContract","type":"address"}],"Person":[{"name":"name","type":"string"},{"name":"wallet","type":"address"}],"Mail":[{"name":"from","type":"Person"},{"name":"to","type":"Person"},{"name":"contents","type":"string"}]},"primaryType":"Mail","domain":{"name":"Ether Mail","version":"1","chainId":1,"verifyingContract":"0xCcCCccccCCCCcCCCCCCcCcCccCcCCCcCcccccccC"},"message":{"from":{"name":"Cow","wallet":"0xCD2a3d9F938E13CD947Ec05AbC7FE734Df8DD826"},"to":{"name":"Bob","wallet":"0xbBbBBBBbbBBBbbbBbbBbbbbBBbBbbbbBbBbbBBbB"},"contents":"Hello, Bob!"}}"#;

    fn row(path: &str, depth: u32, name: &str, ty: &str, value: Option<&str>) -> TypedDataRow {
        TypedDataRow {
            path: path.into(),
            depth,
            name: name.into(),
            type_name: ty.into(),
            value: value.map(str::to_owned),
        }
    }

    #[test]
    fn eip712_mail_example_decodes_to_domain_and_ordered_rows() {
        let req = format!(r#"{{"kind":"TYPED_DATA","data":{MAIL},"memo":"mail"}}"#);
        let r = decode_sign_request(&req, RequestKind::TypedData, wallet(Blockchain::Eth)).unwrap();
        assert_eq!(r.memo.as_deref(), Some("mail"));
        let ReviewDetails::TypedData(t) = r.details else {
            panic!("{r:?}")
        };
        assert_eq!(
            t.domain,
            TypedDataDomain {
                name: Some("Ether Mail".into()),
                version: Some("1".into()),
                chain_id: Some("1".into()),
                verifying_contract: Some("0xCcCCccccCCCCcCCCCCCcCcCccCcCCCcCcccccccC".into()),
                salt: None,
            }
        );
        assert_eq!(t.primary_type, "Mail");
        assert_eq!(
            t.rows,
            vec![
                row("from", 0, "from", "Person", None),
                row("from.name", 1, "name", "string", Some("Cow")),
                row(
                    "from.wallet",
                    1,
                    "wallet",
                    "address",
                    Some("0xCD2a3d9F938E13CD947Ec05AbC7FE734Df8DD826")
                ),
                row("to", 0, "to", "Person", None),
                row("to.name", 1, "name", "string", Some("Bob")),
                row(
                    "to.wallet",
                    1,
                    "wallet",
                    "address",
                    Some("0xbBbBBBBbbBBBbbbBbbBbbbbBBbBbbbbBbBbbBBbB")
                ),
                row("contents", 0, "contents", "string", Some("Hello, Bob!")),
            ]
        );
    }

    #[test]
    fn typed_data_arrays_become_child_rows_and_data_may_be_a_string() {
        let data = r#"{"types":{"EIP712Domain":[],"Group":[{"name":"ids","type":"uint8[2]"},{"name":"members","type":"Person[]"}],"Person":[{"name":"name","type":"string"}]},"primaryType":"Group","domain":{},"message":{"ids":[1,"2"],"members":[{"name":"A"}]}}"#;
        let req = serde_json::json!({"kind":"TYPED_DATA","data":data}).to_string();
        let r = decode_sign_request(&req, RequestKind::TypedData, wallet(Blockchain::Evm));
        let ReviewDetails::TypedData(t) = r.unwrap().details else {
            panic!()
        };
        let paths: Vec<(&str, u32, Option<&str>)> = t
            .rows
            .iter()
            .map(|r| (r.path.as_str(), r.depth, r.value.as_deref()))
            .collect();
        assert_eq!(
            paths,
            [
                ("ids", 0, None),
                ("ids[0]", 1, Some("1")),
                ("ids[1]", 1, Some("2")),
                ("members", 0, None),
                ("members[0]", 1, None),
                ("members[0].name", 2, Some("A")),
            ]
        );
        assert_eq!(t.domain, TypedDataDomain::default());
    }

    #[test]
    fn bad_typed_data_is_refused_with_155821() {
        let cases = [
            r#"{"types":{},"primaryType":"Mail","message":{}}"#,
            r#"{"types":{"Mail":[{"name":"a","type":"string"}]},"primaryType":"Mail","message":{}}"#,
            r#"{"types":{"Mail":[{"name":"a","type":"Nope"}]},"primaryType":"Mail","message":{"a":"x"}}"#,
            r#"{"types":{"Mail":[{"name":"a","type":"uint7"}]},"primaryType":"Mail","message":{"a":1}}"#,
            r#"{"types":{"Mail":[{"name":"a","type":"string[2]"}]},"primaryType":"Mail","message":{"a":["x"]}}"#,
            r#"{"types":{"Mail":[{"name":"a","type":"string"}]},"primaryType":"Mail","message":{"a":{"b":1}}}"#,
            // A type that contains itself: refused by the depth limit, not a stack overflow.
            r#"{"types":{"L":[{"name":"n","type":"L"}]},"primaryType":"L","message":{"n":{"n":{"n":{"n":{"n":{"n":{"n":{"n":{"n":{"n":{"n":{"n":{"n":{"n":{"n":{"n":{"n":{"n":{"n":{}}}}}}}}}}}}}}}}}}}}}"#,
            r#"[1]"#,
        ];
        for c in cases {
            let req = format!(r#"{{"kind":"TYPED_DATA","data":{c}}}"#);
            let e = decode_sign_request(&req, RequestKind::TypedData, wallet(Blockchain::Eth))
                .unwrap_err();
            assert_eq!(e.code, ErrorCode::InvalidTypedData, "{c}: {e}");
        }
    }

    #[test]
    fn message_text_and_hex() {
        let r = decode_sign_request(
            r#"{"kind":"MESSAGE","message":"Hello\nworld","encodedByHex":false,"memo":null}"#,
            RequestKind::Message,
            wallet(Blockchain::EthSepolia),
        )
        .unwrap();
        assert_eq!(r.memo, None);
        assert_eq!(
            r.details,
            ReviewDetails::Message(MessageReview {
                text: Some("Hello\nworld".into()),
                hex: "0x48656c6c6f0a776f726c64".into(),
                byte_length: 11,
            })
        );
        // Hex that is UTF-8 text is shown as text too.
        let r = decode_sign_request(
            r#"{"kind":"MESSAGE","message":"0x4869","encodedByHex":true}"#,
            RequestKind::Message,
            wallet(Blockchain::Eth),
        )
        .unwrap();
        let ReviewDetails::Message(m) = r.details else {
            panic!()
        };
        assert_eq!(m.text.as_deref(), Some("Hi"));
    }

    #[test]
    fn non_utf8_message_is_shown_as_hex_only() {
        let r = decode_sign_request(
            r#"{"kind":"MESSAGE","message":"0xff00fe","encodedByHex":true,"memo":"raw"}"#,
            RequestKind::Message,
            wallet(Blockchain::Eth),
        )
        .unwrap();
        assert_eq!(
            r.details,
            ReviewDetails::Message(MessageReview {
                text: None,
                hex: "0xff00fe".into(),
                byte_length: 3,
            })
        );
        // Valid UTF-8 with control characters is not shown as text either.
        assert_eq!(message_review(b"a\x07b").text, None);
        assert_eq!(message_review(b"a\x07b").hex, "0x610762");
    }

    #[test]
    fn bad_messages_are_refused_with_clear_codes() {
        let table = [
            (
                r#"{"kind":"MESSAGE","message":"0xabc","encodedByHex":true}"#,
                ErrorCode::MalformedHex,
            ),
            (
                r#"{"kind":"MESSAGE","message":"abcd","encodedByHex":true}"#,
                ErrorCode::MalformedHex,
            ),
            (r#"{"kind":"MESSAGE"}"#, ErrorCode::InvalidChallenge),
            (
                r#"{"kind":"TRANSACTION","message":"x"}"#,
                ErrorCode::InvalidChallenge,
            ),
            (r#"not json"#, ErrorCode::InvalidChallenge),
            (r#"["MESSAGE"]"#, ErrorCode::InvalidChallenge),
            (
                r#"{"kind":"MESSAGE","message":"x","memo":5}"#,
                ErrorCode::InvalidChallenge,
            ),
        ];
        for (req, code) in table {
            let e = decode_sign_request(req, RequestKind::Message, wallet(Blockchain::Eth))
                .unwrap_err();
            assert_eq!(e.code, code, "{req}: {e}");
        }
    }

    const TX: &str = r#"{"kind":"TRANSACTION","transaction":{"chainId":11155111,"nonce":"7","to":"0xbBbBBBBbbBBBbbbBbbBbbbbBBbBbbbbBbBbbBBbB","value":"10000000000000000","data":"0xa9059cbb000000000000000000000000bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb","gas":"21000","maxFeePerGas":"30000000000","maxPriorityFeePerGas":"1000000000","accessList":[{"address":"0xbBbBBBBbbBBBbbbBbbBbbbbBBbBbbbbBbBbbBBbB","storageKeys":[]}]},"memo":"rent"}"#;

    #[test]
    fn transaction_value_of_10_pow_16_wei_is_0_01_eth() {
        let r = decode_sign_request(TX, RequestKind::Transaction, wallet(Blockchain::EthSepolia))
            .unwrap();
        assert_eq!(r.memo.as_deref(), Some("rent"));
        let ReviewDetails::Transaction(t) = r.details else {
            panic!()
        };
        assert_eq!(t.value_wei, "10000000000000000");
        assert_eq!(t.value, "0.01 ETH");
        assert_eq!(t.chain_id, 11_155_111);
        assert_eq!(t.blockchain, Blockchain::EthSepolia);
        assert_eq!(
            t.to.as_deref(),
            Some("0xbBbBBBBbbBBBbbbBbbBbbbbBBbBbbbbBbBbbBBbB")
        );
        assert_eq!(t.nonce, "7");
        assert_eq!(t.gas_limit, "21000");
        assert_eq!(t.max_fee_per_gas_wei, "30000000000");
        assert_eq!(t.max_priority_fee_per_gas_wei, "1000000000");
        // 21000 * 30 gwei = 630000 gwei = 0.00063 ETH.
        assert_eq!(t.max_fee_wei.as_deref(), Some("630000000000000"));
        assert_eq!(t.max_fee, "0.00063 ETH");
        assert_eq!(t.selector.as_deref(), Some("0xa9059cbb"));
        assert_eq!(t.data_length, 36);
        assert_eq!(t.access_list_entries, 1);
    }

    #[test]
    fn transaction_contract_creation_generic_unit_and_overflow() {
        let req = r#"{"kind":"TRANSACTION","transaction":{"chainId":43114,"nonce":"0","to":null,"value":"1500000000000000000000","data":"0x60","gas":"340282366920938463463374607431768211455","maxFeePerGas":"2","maxPriorityFeePerGas":"0","accessList":[]}}"#;
        let r =
            decode_sign_request(req, RequestKind::Transaction, wallet(Blockchain::Evm)).unwrap();
        let ReviewDetails::Transaction(t) = r.details else {
            panic!()
        };
        assert_eq!(t.to, None);
        assert_eq!(t.value, "1500 native units");
        assert_eq!(t.max_fee_wei, None);
        assert_eq!(t.max_fee, TOO_LARGE_TO_SHOW);
        assert_eq!(t.selector, None);
        assert_eq!(t.data, "0x60");
        assert_eq!(r.memo, None);
    }

    #[test]
    fn transaction_missing_or_bad_fields_are_refused() {
        let full: Value = serde_json::from_str(TX).unwrap();
        let table: [(&str, Value, ErrorCode); 7] = [
            ("nonce", Value::Null, ErrorCode::InvalidTransaction),
            ("value", "0x10".into(), ErrorCode::InvalidTransaction),
            ("gas", "-1".into(), ErrorCode::InvalidTransaction),
            ("chainId", "one".into(), ErrorCode::InvalidTransaction),
            ("to", "0x1234".into(), ErrorCode::MalformedHex),
            ("data", "0xzz".into(), ErrorCode::MalformedHex),
            ("accessList", "none".into(), ErrorCode::InvalidTransaction),
        ];
        for (field, v, code) in table {
            let mut bent = full.clone();
            bent["transaction"][field] = v;
            let e = decode_sign_request(
                &bent.to_string(),
                RequestKind::Transaction,
                wallet(Blockchain::Eth),
            )
            .unwrap_err();
            assert_eq!(e.code, code, "{field}: {e}");
        }
        let mut bent = full;
        bent["transaction"]
            .as_object_mut()
            .unwrap()
            .remove("maxFeePerGas");
        let e = decode_sign_request(
            &bent.to_string(),
            RequestKind::Transaction,
            wallet(Blockchain::Eth),
        )
        .unwrap_err();
        assert_eq!(e.code, ErrorCode::InvalidTransaction);
        assert!(e.reason.contains("maxFeePerGas"), "{e}");
    }

    #[test]
    fn unit_formatting_is_exact() {
        assert_eq!(format_units("0", 18, "ETH"), "0 ETH");
        assert_eq!(format_units("1", 18, "ETH"), "0.000000000000000001 ETH");
        assert_eq!(format_units("1000000000000000000", 18, "POL"), "1 POL");
        assert_eq!(
            format_units("123456789012345678901234567890", 18, "ETH"),
            "123456789012.34567890123456789 ETH"
        );
        assert_eq!(decimal("007"), Some("7".into()));
        assert_eq!(decimal(""), None);
        assert_eq!(decimal(&"9".repeat(79)), None);
    }
}
