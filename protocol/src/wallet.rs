//! Wallets and PIN-gated signing (issue 9): blockchains, wallets, the signing-request bodies,
//! the result a completed challenge carries, and the "what you see is what you sign" digest.
//!
//! The shapes follow Circle's user-controlled-wallet API. Everything here is plain data: the
//! Ethereum cryptography (keccak, secp256k1, EIP-712 hashing, RLP) lives on the server only, so
//! the device library carries no Ethereum stack.

use serde::{Deserialize, Deserializer, Serialize, Serializer};
use std::fmt;

wire_enum! {
    /// A blockchain a wallet lives on. EVM chains share one address per key (an EOA).
    Blockchain {
        /// Ethereum mainnet (chain id 1).
        Eth = "ETH",
        /// Ethereum Sepolia testnet (chain id 11155111).
        EthSepolia = "ETH-SEPOLIA",
        /// Polygon PoS mainnet (chain id 137).
        Matic = "MATIC",
        /// Polygon Amoy testnet (chain id 80002).
        MaticAmoy = "MATIC-AMOY",
        /// Base mainnet (chain id 8453).
        Base = "BASE",
        /// Base Sepolia testnet (chain id 84532).
        BaseSepolia = "BASE-SEPOLIA",
        /// Arbitrum One (chain id 42161).
        Arb = "ARB",
        /// Arbitrum Sepolia testnet (chain id 421614).
        ArbSepolia = "ARB-SEPOLIA",
        /// Any EVM mainnet (any chain id).
        Evm = "EVM",
        /// Any EVM testnet (any chain id).
        EvmTestnet = "EVM-TESTNET",
    }
}

impl Blockchain {
    /// The chain id of a specific chain; `None` for the generic `EVM` / `EVM-TESTNET` (and for
    /// unknown values).
    pub fn chain_id(&self) -> Option<u64> {
        match self {
            Blockchain::Eth => Some(1),
            Blockchain::EthSepolia => Some(11_155_111),
            Blockchain::Matic => Some(137),
            Blockchain::MaticAmoy => Some(80_002),
            Blockchain::Base => Some(8453),
            Blockchain::BaseSepolia => Some(84_532),
            Blockchain::Arb => Some(42_161),
            Blockchain::ArbSepolia => Some(421_614),
            Blockchain::Evm | Blockchain::EvmTestnet | Blockchain::Unknown(_) => None,
        }
    }

    /// A human name for the blockchain (e.g. `"Ethereum Sepolia"`); an unknown value shows its
    /// wire id.
    pub fn display_name(&self) -> &str {
        match self {
            Blockchain::Eth => "Ethereum",
            Blockchain::EthSepolia => "Ethereum Sepolia",
            Blockchain::Matic => "Polygon",
            Blockchain::MaticAmoy => "Polygon Amoy",
            Blockchain::Base => "Base",
            Blockchain::BaseSepolia => "Base Sepolia",
            Blockchain::Arb => "Arbitrum One",
            Blockchain::ArbSepolia => "Arbitrum Sepolia",
            Blockchain::Evm => "Any EVM chain",
            Blockchain::EvmTestnet => "Any EVM testnet",
            Blockchain::Unknown(s) => s,
        }
    }

    /// The symbol of the chain's native currency (18 decimals on every supported chain). The
    /// generic `EVM` / `EVM-TESTNET` do not know which chain they will sign for, so they say
    /// `"native units"` rather than guess a symbol.
    pub fn native_unit(&self) -> &'static str {
        match self {
            Blockchain::Eth
            | Blockchain::EthSepolia
            | Blockchain::Base
            | Blockchain::BaseSepolia
            | Blockchain::Arb
            | Blockchain::ArbSepolia => "ETH",
            Blockchain::Matic | Blockchain::MaticAmoy => "POL",
            Blockchain::Evm | Blockchain::EvmTestnet | Blockchain::Unknown(_) => "native units",
        }
    }

    /// Whether the blockchain is a test network.
    pub fn is_testnet(&self) -> bool {
        matches!(
            self,
            Blockchain::EthSepolia
                | Blockchain::MaticAmoy
                | Blockchain::BaseSepolia
                | Blockchain::ArbSepolia
                | Blockchain::EvmTestnet
        )
    }

    /// Whether a transaction for `chain_id` may be signed by a wallet on this blockchain: the
    /// specific chains accept their own id only; `EVM` and `EVM-TESTNET` accept any id;
    /// unknown values accept none.
    pub fn accepts_chain_id(&self, chain_id: u64) -> bool {
        match self {
            Blockchain::Evm | Blockchain::EvmTestnet => true,
            other => other.chain_id() == Some(chain_id),
        }
    }
}

wire_enum! {
    /// The kind of account behind a wallet.
    AccountType {
        /// Externally owned account: one secp256k1 key.
        Eoa = "EOA",
        /// Smart-contract account: known, but refused (155818); only EOA is supported.
        Sca = "SCA",
    }
}

wire_enum! {
    /// Whether a wallet can sign.
    WalletState {
        /// Usable.
        Live = "LIVE",
        /// Frozen by the operator; signing is refused.
        Frozen = "FROZEN",
    }
}

wire_enum! {
    /// Why the SDK cancels a challenge (`POST /v1/user/challenges/{id}/cancel` body).
    CancelReason {
        /// The user rejected the signature request on the review screen (155826).
        UserRejected = "USER_REJECTED",
    }
}

/// A wallet, as `GET /v1/wallets` and the developer API report it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct Wallet {
    /// Wallet id (UUID).
    pub id: String,
    /// The address, EIP-55 checksummed (`0x` + 40 hex digits).
    pub address: String,
    /// The blockchain.
    pub blockchain: Blockchain,
    /// The account type (`EOA`).
    pub account_type: AccountType,
    /// Who holds the key's authorisation: `ENDUSER` (the user's PIN gates every signature).
    pub custody_type: String,
    /// Whether it can sign.
    pub state: WalletState,
    /// The wallet set (one per user key): wallets with the same set share the address.
    pub wallet_set_id: String,
    /// The owner.
    pub user_id: String,
    /// Creation time, RFC 3339.
    pub create_date: String,
    /// Last change, RFC 3339.
    pub update_date: String,
}

/// What the review screen names as the signer: a wallet's id, address and blockchain.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct WalletRef {
    /// Wallet id.
    pub id: String,
    /// The address, EIP-55 checksummed.
    pub address: String,
    /// The blockchain.
    pub blockchain: Blockchain,
}

/// `GET /v1/wallets` and `GET /v1/users/{userId}/wallets` reply (inside `data`).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct WalletList {
    /// The wallets, oldest first.
    pub wallets: Vec<Wallet>,
}

/// `GET /v1/wallets/{id}` reply (inside `data`).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct WalletReply {
    /// The wallet.
    pub wallet: Wallet,
}

/// What a completed challenge produced (`result` on the challenge, the step reply and the
/// COMPLETE webhook).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct ChallengeResult {
    /// SIGN_MESSAGE / SIGN_TYPEDDATA: `0x` + 130 hex digits, `r || s || v` with v = 27 or 28.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub signature: Option<String>,
    /// SIGN_TRANSACTION: the signed EIP-1559 raw transaction, `0x02...` (not broadcast).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub signed_transaction: Option<String>,
    /// SIGN_TRANSACTION: keccak-256 of the signed raw transaction, `0x` + 64 hex digits.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tx_hash: Option<String>,
    /// CREATE_WALLET and INITIALIZE with blockchains: the wallets created.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub wallet_ids: Vec<String>,
}

/// `POST /v1/user/initialize` body: the idempotency key plus, optionally, the wallets to create
/// when the challenge completes.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct InitializeRequest {
    /// A UUID chosen by the caller; a repeated key returns the original reply.
    pub idempotency_key: String,
    /// One wallet per blockchain is created at completion (same address on every EVM chain).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub blockchains: Vec<Blockchain>,
    /// The account type; `EOA` when blockchains are given and this is absent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub account_type: Option<AccountType>,
    /// Also set up a recovery code (issue 10) at the end of the challenge: after the review the
    /// SDK shows a new recovery code and has the user retype two groups of it, and the code's
    /// recovery key is stored with the PIN and the answers when the challenge completes (all
    /// or nothing). Latchkey extension; `false` when absent.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub recovery_code: bool,
}

/// `POST /v1/user/wallets` body (a CREATE_WALLET challenge).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct CreateWalletRequest {
    /// A UUID chosen by the caller; a repeated key returns the original reply.
    pub idempotency_key: String,
    /// One wallet per blockchain (at least one).
    pub blockchains: Vec<Blockchain>,
    /// The account type; `EOA` when absent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub account_type: Option<AccountType>,
}

/// Body of `POST /v1/user/sign/message` (SIGN_MESSAGE, EIP-191 `personal_sign`).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct SignMessageRequest {
    /// A UUID chosen by the caller; a repeated key returns the original reply.
    pub idempotency_key: String,
    /// The signing wallet.
    pub wallet_id: String,
    /// The message: text, or `0x`-hex bytes when `encodedByHex`.
    pub message: String,
    /// Whether `message` is `0x`-hex bytes.
    #[serde(default)]
    pub encoded_by_hex: bool,
    /// A note shown to the user on the review screen (not signed).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub memo: Option<String>,
}

/// Body of `POST /v1/user/sign/typedData` (SIGN_TYPEDDATA, EIP-712).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct SignTypedDataRequest {
    /// A UUID chosen by the caller; a repeated key returns the original reply.
    pub idempotency_key: String,
    /// The signing wallet.
    pub wallet_id: String,
    /// The EIP-712 typed data (`{types, primaryType, domain, message}`) as a JSON string.
    pub data: String,
    /// A note shown to the user on the review screen (not signed).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub memo: Option<String>,
}

/// A transaction quantity: a JSON number, a decimal string or a `0x`-hex string. Values above
/// `u64` must be strings.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(untagged)]
pub enum Quantity {
    /// A JSON number.
    Number(u64),
    /// A decimal or `0x`-hex string.
    Text(String),
}

/// One EIP-2930 access-list entry.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct AccessListEntry {
    /// The contract address.
    pub address: String,
    /// The storage keys (`0x` + 64 hex digits each).
    #[serde(default)]
    pub storage_keys: Vec<String>,
}

/// An EIP-1559 (type 2) transaction to sign, as the app backend sends it.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct EvmTransaction {
    /// The chain id; must belong to the wallet's blockchain (155822).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub chain_id: Option<Quantity>,
    /// The sender's nonce.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub nonce: Option<Quantity>,
    /// The recipient; absent or null for a contract creation.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub to: Option<String>,
    /// Value in wei.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub value: Option<Quantity>,
    /// Call data, `0x`-hex.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub data: Option<String>,
    /// Gas limit.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub gas: Option<Quantity>,
    /// Max fee per gas, wei.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_fee_per_gas: Option<Quantity>,
    /// Max priority fee per gas, wei.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_priority_fee_per_gas: Option<Quantity>,
    /// EIP-2930 access list.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub access_list: Vec<AccessListEntry>,
}

/// The `transaction` of a [`SignTransactionRequest`]: a JSON string (Circle's spelling) or
/// the object itself.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(untagged)]
pub enum TransactionInput {
    /// The transaction as a JSON string.
    Json(String),
    /// The transaction as an object.
    Fields(EvmTransaction),
}

/// Body of `POST /v1/user/sign/transaction` (SIGN_TRANSACTION, EIP-1559; not broadcast).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct SignTransactionRequest {
    /// A UUID chosen by the caller; a repeated key returns the original reply.
    pub idempotency_key: String,
    /// The signing wallet.
    pub wallet_id: String,
    /// The transaction.
    pub transaction: TransactionInput,
    /// A note shown to the user on the review screen (not signed).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub memo: Option<String>,
}

/// Body of `POST /v1/user/challenges/{id}/cancel` (optional; no body = the user cancelled,
/// 155701).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct CancelChallengeRequest {
    /// Why: `USER_REJECTED` makes the challenge FAILED with 155826 instead of 155701.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reason: Option<CancelReason>,
}

/// Whether `ty` is an EIP-712 atomic or dynamic type in its one canonical spelling: `bool`,
/// `address`, `string`, `bytes`, `bytes1`..`bytes32`, `uint8`..`uint256` and `int8`..`int256`
/// in steps of 8, and the aliases `uint`/`int` — never a width with a leading zero (`uint024`)
/// or out of range. The type name is hashed as written (EIP-712 `encodeType`), so the server
/// accepts and the client shows only these (one definition for both).
pub fn eip712_atomic_type(ty: &str) -> bool {
    let sized = |rest: &str, max: u32, step: u32| {
        rest.is_empty()
            || rest
                .parse::<u32>()
                .is_ok_and(|n| n >= 1 && n <= max && n % step == 0 && !rest.starts_with('0'))
    };
    match ty {
        "bool" | "address" | "string" | "bytes" => true,
        _ => {
            if let Some(r) = ty.strip_prefix("bytes") {
                !r.is_empty() && sized(r, 32, 1)
            } else if let Some(r) = ty.strip_prefix("uint") {
                sized(r, 256, 8)
            } else if let Some(r) = ty.strip_prefix("int") {
                sized(r, 256, 8)
            } else {
                false
            }
        }
    }
}

/// The domain-separation prefix of [`review_digest`].
pub const REVIEW_DIGEST_PREFIX: &[u8] = b"latchkey-review-v1\0";

/// "What you see is what you sign": lowercase hex of
/// `SHA-256("latchkey-review-v1\0" || sign_request)`, where `sign_request` is the descriptor's
/// `signRequest` string exactly as received (client) or stored (server). The client sends it
/// in the sealed COMPLETE payload as `reviewDigest`; the server signs only if it matches.
pub fn review_digest(sign_request: &str) -> String {
    let mut ctx = ring::digest::Context::new(&ring::digest::SHA256);
    ctx.update(REVIEW_DIGEST_PREFIX);
    ctx.update(sign_request.as_bytes());
    let d = ctx.finish();
    let mut out = String::with_capacity(64);
    for b in d.as_ref() {
        out.push(char::from(HEX[usize::from(b >> 4)]));
        out.push(char::from(HEX[usize::from(b & 0x0f)]));
    }
    out
}

const HEX: &[u8; 16] = b"0123456789abcdef";

#[cfg(test)]
mod tests {
    use super::*;
    use serde::de::DeserializeOwned;
    use std::fmt::Debug;

    fn round_trip<T: Serialize + DeserializeOwned + PartialEq + Debug>(v: &T) -> String {
        let j = serde_json::to_string(v).unwrap();
        let back: T = serde_json::from_str(&j).unwrap();
        assert_eq!(&back, v, "{j}");
        j
    }

    #[test]
    fn blockchain_spellings_and_helpers() {
        for b in Blockchain::KNOWN {
            assert_eq!(Blockchain::parse(b.as_str()), *b);
            round_trip(b);
        }
        assert_eq!(
            serde_json::to_string(&Blockchain::EthSepolia).unwrap(),
            "\"ETH-SEPOLIA\""
        );
        assert_eq!(Blockchain::EthSepolia.chain_id(), Some(11_155_111));
        assert_eq!(Blockchain::MaticAmoy.native_unit(), "POL");
        assert_eq!(Blockchain::Evm.chain_id(), None);
        assert_eq!(Blockchain::Evm.native_unit(), "native units");
        assert!(Blockchain::Evm.accepts_chain_id(43_114));
        assert!(Blockchain::EvmTestnet.accepts_chain_id(11_155_111));
        assert!(Blockchain::Base.accepts_chain_id(8453));
        assert!(!Blockchain::Base.accepts_chain_id(1));
        assert!(Blockchain::ArbSepolia.is_testnet() && !Blockchain::Arb.is_testnet());
        let u: Blockchain = serde_json::from_str("\"SOL\"").unwrap();
        assert_eq!(u, Blockchain::Unknown("SOL".into()));
        assert!(!u.accepts_chain_id(1));
        assert_eq!(serde_json::to_string(&u).unwrap(), "\"SOL\"");
    }

    #[test]
    fn blockchain_display_names_are_distinct_and_unknown_shows_its_id() {
        let names: std::collections::HashSet<&str> = Blockchain::KNOWN
            .iter()
            .map(Blockchain::display_name)
            .collect();
        assert_eq!(names.len(), Blockchain::KNOWN.len());
        assert_eq!(Blockchain::EthSepolia.display_name(), "Ethereum Sepolia");
        assert_eq!(Blockchain::Arb.display_name(), "Arbitrum One");
        assert_eq!(Blockchain::Unknown("SOL".into()).display_name(), "SOL");
    }

    #[test]
    fn wallet_json() {
        let w = Wallet {
            id: "w-1".into(),
            address: "0xCD2a3d9F938E13CD947Ec05AbC7FE734Df8DD826".into(),
            blockchain: Blockchain::EthSepolia,
            account_type: AccountType::Eoa,
            custody_type: "ENDUSER".into(),
            state: WalletState::Live,
            wallet_set_id: "ws-1".into(),
            user_id: "user-1".into(),
            create_date: "2026-01-01T00:00:00Z".into(),
            update_date: "2026-01-01T00:00:00Z".into(),
        };
        let j = round_trip(&w);
        let v: serde_json::Value = serde_json::from_str(&j).unwrap();
        assert_eq!(v["accountType"], "EOA");
        assert_eq!(v["custodyType"], "ENDUSER");
        assert_eq!(v["walletSetId"], "ws-1");
        assert_eq!(v["state"], "LIVE");
        round_trip(&WalletList {
            wallets: vec![w.clone()],
        });
        round_trip(&WalletReply { wallet: w });
        let odd: Wallet = serde_json::from_str(
            r#"{"id":"w","address":"0x0","blockchain":"SOL","accountType":"MPC","custodyType":"ENDUSER",
                "state":"ARCHIVED","walletSetId":"s","userId":"u","createDate":"x","updateDate":"x"}"#,
        )
        .unwrap();
        assert_eq!(odd.account_type, AccountType::Unknown("MPC".into()));
        assert_eq!(odd.state, WalletState::Unknown("ARCHIVED".into()));
    }

    #[test]
    fn result_json_omits_absent_fields() {
        let r = ChallengeResult {
            signature: Some(format!("0x{}", "ab".repeat(65))),
            ..Default::default()
        };
        let j = round_trip(&r);
        assert!(!j.contains("txHash") && !j.contains("walletIds"), "{j}");
        let r = ChallengeResult {
            wallet_ids: vec!["w-1".into(), "w-2".into()],
            ..Default::default()
        };
        assert_eq!(round_trip(&r), r#"{"walletIds":["w-1","w-2"]}"#);
        let r: ChallengeResult = serde_json::from_str("{}").unwrap();
        assert_eq!(r, ChallengeResult::default());
    }

    #[test]
    fn request_bodies() {
        let j = round_trip(&InitializeRequest {
            idempotency_key: "k".into(),
            blockchains: vec![Blockchain::EthSepolia, Blockchain::EvmTestnet],
            account_type: Some(AccountType::Eoa),
            recovery_code: false,
        });
        assert_eq!(
            j,
            r#"{"idempotencyKey":"k","blockchains":["ETH-SEPOLIA","EVM-TESTNET"],"accountType":"EOA"}"#
        );
        // An INITIALIZE body without wallets is today's body.
        let i: InitializeRequest = serde_json::from_str(r#"{"idempotencyKey":"k"}"#).unwrap();
        assert!(i.blockchains.is_empty() && i.account_type.is_none() && !i.recovery_code);
        let j = round_trip(&InitializeRequest {
            idempotency_key: "k".into(),
            blockchains: vec![],
            account_type: None,
            recovery_code: true,
        });
        assert_eq!(j, r#"{"idempotencyKey":"k","recoveryCode":true}"#);
        round_trip(&CreateWalletRequest {
            idempotency_key: "k".into(),
            blockchains: vec![Blockchain::Base],
            account_type: None,
        });
        let m: SignMessageRequest = serde_json::from_str(
            r#"{"idempotencyKey":"k","walletId":"w","message":"0x4869","encodedByHex":true}"#,
        )
        .unwrap();
        assert!(m.encoded_by_hex && m.memo.is_none());
        round_trip(&m);
        round_trip(&SignTypedDataRequest {
            idempotency_key: "k".into(),
            wallet_id: "w".into(),
            data: "{}".into(),
            memo: Some("order".into()),
        });
    }

    #[test]
    fn transaction_as_string_or_object() {
        let s: SignTransactionRequest = serde_json::from_str(
            r#"{"idempotencyKey":"k","walletId":"w","transaction":"{\"chainId\":1}"}"#,
        )
        .unwrap();
        assert_eq!(
            s.transaction,
            TransactionInput::Json("{\"chainId\":1}".into())
        );
        let o: SignTransactionRequest = serde_json::from_str(
            r#"{"idempotencyKey":"k","walletId":"w","transaction":{"chainId":11155111,
               "nonce":"0x0","to":"0xbBbBBBBbbBBBbbbBbbBbbbbBBbBbbbbBbBbbBBbB",
               "value":"10000000000000000","data":"0x","gas":21000,
               "maxFeePerGas":"30000000000","maxPriorityFeePerGas":"1000000000",
               "accessList":[{"address":"0xbBbBBBBbbBBBbbbBbbBbbbbBBbBbbbbBbBbbBBbB","storageKeys":[]}]}}"#,
        )
        .unwrap();
        let TransactionInput::Fields(t) = &o.transaction else {
            panic!("{o:?}")
        };
        assert_eq!(t.chain_id, Some(Quantity::Number(11_155_111)));
        assert_eq!(t.nonce, Some(Quantity::Text("0x0".into())));
        assert_eq!(t.gas, Some(Quantity::Number(21_000)));
        assert_eq!(t.access_list.len(), 1);
        round_trip(&o);
        round_trip(&s);
    }

    #[test]
    fn cancel_body() {
        let c = CancelChallengeRequest {
            reason: Some(CancelReason::UserRejected),
        };
        assert_eq!(round_trip(&c), r#"{"reason":"USER_REJECTED"}"#);
        assert_eq!(round_trip(&CancelChallengeRequest::default()), "{}");
        let u: CancelChallengeRequest = serde_json::from_str(r#"{"reason":"BORED"}"#).unwrap();
        assert_eq!(u.reason, Some(CancelReason::Unknown("BORED".into())));
    }

    #[test]
    fn review_digest_is_prefixed_sha256_hex() {
        // sha256("latchkey-review-v1\0") computed independently (Python hashlib).
        assert_eq!(
            review_digest(""),
            "db35fb9d1bc268466209b623158ce5b9201c5f53ae07767d4330812a18f040ca"
        );
        let a = review_digest(r#"{"kind":"MESSAGE","message":"hi"}"#);
        assert_eq!(
            a,
            "2c64c5d1caae363d908dae2eb18bc958ef2318e3a0e006b8f95adbf2c0ac39a6"
        );
        assert!(a
            .bytes()
            .all(|b| b.is_ascii_hexdigit() && !b.is_ascii_uppercase()));
        assert_ne!(a, review_digest(r#"{"kind":"MESSAGE","message":"hi" }"#));
    }
}
