//! Wallets and clear signing: `Blockchain`, `Wallet`, the review screen's `SignatureReview`
//! and the `ChallengeResult` of a completed challenge, converted from the core's types.

use latchkey_core as lk;

/// A blockchain (UDL `Blockchain`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Blockchain {
    /// ETH.
    Eth,
    /// ETH-SEPOLIA.
    EthSepolia,
    /// MATIC.
    Matic,
    /// MATIC-AMOY.
    MaticAmoy,
    /// BASE.
    Base,
    /// BASE-SEPOLIA.
    BaseSepolia,
    /// ARB.
    Arb,
    /// ARB-SEPOLIA.
    ArbSepolia,
    /// EVM.
    Evm,
    /// EVM-TESTNET.
    EvmTestnet,
    /// Unknown to this build.
    Unknown,
}

impl From<lk::Blockchain> for Blockchain {
    fn from(b: lk::Blockchain) -> Self {
        match b {
            lk::Blockchain::Eth => Blockchain::Eth,
            lk::Blockchain::EthSepolia => Blockchain::EthSepolia,
            lk::Blockchain::Matic => Blockchain::Matic,
            lk::Blockchain::MaticAmoy => Blockchain::MaticAmoy,
            lk::Blockchain::Base => Blockchain::Base,
            lk::Blockchain::BaseSepolia => Blockchain::BaseSepolia,
            lk::Blockchain::Arb => Blockchain::Arb,
            lk::Blockchain::ArbSepolia => Blockchain::ArbSepolia,
            lk::Blockchain::Evm => Blockchain::Evm,
            lk::Blockchain::EvmTestnet => Blockchain::EvmTestnet,
            _ => Blockchain::Unknown,
        }
    }
}

impl Blockchain {
    /// The core's value; `None` for `Unknown` (it cannot be sent).
    #[cfg_attr(not(feature = "admin"), allow(dead_code))]
    pub(crate) fn to_core(self) -> Option<lk::Blockchain> {
        Some(match self {
            Blockchain::Eth => lk::Blockchain::Eth,
            Blockchain::EthSepolia => lk::Blockchain::EthSepolia,
            Blockchain::Matic => lk::Blockchain::Matic,
            Blockchain::MaticAmoy => lk::Blockchain::MaticAmoy,
            Blockchain::Base => lk::Blockchain::Base,
            Blockchain::BaseSepolia => lk::Blockchain::BaseSepolia,
            Blockchain::Arb => lk::Blockchain::Arb,
            Blockchain::ArbSepolia => lk::Blockchain::ArbSepolia,
            Blockchain::Evm => lk::Blockchain::Evm,
            Blockchain::EvmTestnet => lk::Blockchain::EvmTestnet,
            Blockchain::Unknown => return None,
        })
    }
}

/// The kind of account (UDL `AccountType`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum AccountType {
    /// EOA.
    Eoa,
    /// SCA.
    Sca,
    /// Unknown to this build.
    Unknown,
}

impl From<lk::AccountType> for AccountType {
    fn from(a: lk::AccountType) -> Self {
        match a {
            lk::AccountType::Eoa => AccountType::Eoa,
            lk::AccountType::Sca => AccountType::Sca,
            _ => AccountType::Unknown,
        }
    }
}

impl AccountType {
    /// The core's value; `None` for `Unknown` (it cannot be sent).
    #[cfg_attr(not(feature = "admin"), allow(dead_code))]
    pub(crate) fn to_core(self) -> Option<lk::AccountType> {
        match self {
            AccountType::Eoa => Some(lk::AccountType::Eoa),
            AccountType::Sca => Some(lk::AccountType::Sca),
            AccountType::Unknown => None,
        }
    }
}

/// Whether a wallet can sign (UDL `WalletState`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum WalletState {
    /// LIVE.
    Live,
    /// FROZEN.
    Frozen,
    /// Unknown to this build.
    Unknown,
}

impl From<lk::WalletState> for WalletState {
    fn from(s: lk::WalletState) -> Self {
        match s {
            lk::WalletState::Live => WalletState::Live,
            lk::WalletState::Frozen => WalletState::Frozen,
            _ => WalletState::Unknown,
        }
    }
}

/// A wallet (UDL `Wallet`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Wallet {
    /// Id.
    pub id: String,
    /// EIP-55 address.
    pub address: String,
    /// Blockchain.
    pub blockchain: Blockchain,
    /// Account type.
    pub account_type: AccountType,
    /// `ENDUSER`.
    pub custody_type: String,
    /// State.
    pub state: WalletState,
    /// Wallet set.
    pub wallet_set_id: String,
    /// Owner.
    pub user_id: String,
    /// Created, RFC 3339.
    pub create_date: String,
    /// Changed, RFC 3339.
    pub update_date: String,
}

impl From<lk::Wallet> for Wallet {
    fn from(w: lk::Wallet) -> Self {
        Wallet {
            id: w.id,
            address: w.address,
            blockchain: w.blockchain.into(),
            account_type: w.account_type.into(),
            custody_type: w.custody_type,
            state: w.state.into(),
            wallet_set_id: w.wallet_set_id,
            user_id: w.user_id,
            create_date: w.create_date,
            update_date: w.update_date,
        }
    }
}

/// The signing wallet on the review screen (UDL `WalletRef`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct WalletRef {
    /// Id.
    pub id: String,
    /// EIP-55 address.
    pub address: String,
    /// Blockchain.
    pub blockchain: Blockchain,
}

impl From<lk::WalletRef> for WalletRef {
    fn from(w: lk::WalletRef) -> Self {
        WalletRef {
            id: w.id,
            address: w.address,
            blockchain: w.blockchain.into(),
        }
    }
}

/// The EIP-712 domain (UDL `TypedDataDomain`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TypedDataDomain {
    /// `name`.
    pub name: Option<String>,
    /// `version`.
    pub version: Option<String>,
    /// `chainId`.
    pub chain_id: Option<String>,
    /// `verifyingContract`.
    pub verifying_contract: Option<String>,
    /// `salt`.
    pub salt: Option<String>,
}

impl From<lk::TypedDataDomain> for TypedDataDomain {
    fn from(d: lk::TypedDataDomain) -> Self {
        TypedDataDomain {
            name: d.name,
            version: d.version,
            chain_id: d.chain_id,
            verifying_contract: d.verifying_contract,
            salt: d.salt,
        }
    }
}

/// One typed-data row (UDL `TypedDataRow`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TypedDataRow {
    /// Dotted path.
    pub path: String,
    /// Nesting depth.
    pub depth: u32,
    /// Field name.
    pub name: String,
    /// EIP-712 type.
    pub type_name: String,
    /// Atomic value.
    pub value: Option<String>,
}

impl From<lk::TypedDataRow> for TypedDataRow {
    fn from(r: lk::TypedDataRow) -> Self {
        TypedDataRow {
            path: r.path,
            depth: r.depth,
            name: r.name,
            type_name: r.type_name,
            value: r.value,
        }
    }
}

/// A transaction for display (UDL `TransactionReview`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TransactionReview {
    /// Blockchain.
    pub blockchain: Blockchain,
    /// Chain id.
    pub chain_id: u64,
    /// Recipient.
    pub to: Option<String>,
    /// Value, wei.
    pub value_wei: String,
    /// Value, chain unit.
    pub value: String,
    /// Nonce.
    pub nonce: String,
    /// Gas limit.
    pub gas_limit: String,
    /// Max fee per gas, wei.
    pub max_fee_per_gas_wei: String,
    /// Max priority fee per gas, wei.
    pub max_priority_fee_per_gas_wei: String,
    /// Maximum fee, wei.
    pub max_fee_wei: Option<String>,
    /// Maximum fee, chain unit.
    pub max_fee: String,
    /// Call data.
    pub data: String,
    /// Call data length.
    pub data_length: u64,
    /// Selector.
    pub selector: Option<String>,
    /// Access-list entries.
    pub access_list_entries: u32,
}

impl From<lk::TransactionReview> for TransactionReview {
    fn from(t: lk::TransactionReview) -> Self {
        TransactionReview {
            blockchain: t.blockchain.into(),
            chain_id: t.chain_id,
            to: t.to,
            value_wei: t.value_wei,
            value: t.value,
            nonce: t.nonce,
            gas_limit: t.gas_limit,
            max_fee_per_gas_wei: t.max_fee_per_gas_wei,
            max_priority_fee_per_gas_wei: t.max_priority_fee_per_gas_wei,
            max_fee_wei: t.max_fee_wei,
            max_fee: t.max_fee,
            data: t.data,
            data_length: t.data_length,
            selector: t.selector,
            access_list_entries: t.access_list_entries,
        }
    }
}

/// What will be signed (UDL `SignatureDetails`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum SignatureDetails {
    /// An EIP-191 message.
    Message {
        /// Printable UTF-8 text, if it is.
        text: Option<String>,
        /// The bytes, `0x`-hex.
        hex: String,
        /// Number of bytes.
        byte_length: u64,
    },
    /// EIP-712 typed data.
    TypedData {
        /// The domain.
        domain: TypedDataDomain,
        /// The primary type.
        primary_type: String,
        /// The fields, flattened pre-order.
        rows: Vec<TypedDataRow>,
    },
    /// An EIP-1559 transaction.
    Transaction {
        /// The decoded transaction.
        transaction: TransactionReview,
    },
}

/// The review screen's content (UDL `SignatureReview`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SignatureReview {
    /// The signing wallet.
    pub wallet: WalletRef,
    /// The app's note.
    pub memo: Option<String>,
    /// What will be signed.
    pub details: SignatureDetails,
}

impl SignatureReview {
    /// Converts the core's review; `None` for a kind of request this build cannot show.
    pub(crate) fn from_core(r: lk::SignatureReview) -> Option<Self> {
        let details = match r.details {
            lk::ReviewDetails::Message(m) => SignatureDetails::Message {
                text: m.text,
                hex: m.hex,
                byte_length: m.byte_length,
            },
            lk::ReviewDetails::TypedData(t) => SignatureDetails::TypedData {
                domain: t.domain.into(),
                primary_type: t.primary_type,
                rows: t.rows.into_iter().map(TypedDataRow::from).collect(),
            },
            lk::ReviewDetails::Transaction(t) => SignatureDetails::Transaction {
                transaction: t.into(),
            },
            _ => return None,
        };
        Some(SignatureReview {
            wallet: r.wallet.into(),
            memo: r.memo,
            details,
        })
    }
}

/// What a completed challenge produced (UDL `ChallengeResult`).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ChallengeResult {
    /// Message / typed-data signature.
    pub signature: Option<String>,
    /// Signed raw transaction.
    pub signed_transaction: Option<String>,
    /// Transaction hash.
    pub tx_hash: Option<String>,
    /// Wallets created.
    pub wallet_ids: Vec<String>,
}

impl From<lk::ChallengeResult> for ChallengeResult {
    fn from(r: lk::ChallengeResult) -> Self {
        ChallengeResult {
            signature: r.signature,
            signed_transaction: r.signed_transaction,
            tx_hash: r.tx_hash,
            wallet_ids: r.wallet_ids,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_known_blockchain_round_trips() {
        for wire in [
            "ETH",
            "ETH-SEPOLIA",
            "MATIC",
            "MATIC-AMOY",
            "BASE",
            "BASE-SEPOLIA",
            "ARB",
            "ARB-SEPOLIA",
            "EVM",
            "EVM-TESTNET",
        ] {
            let core = lk::Blockchain::parse(wire);
            let ffi = Blockchain::from(core.clone());
            assert_ne!(ffi, Blockchain::Unknown, "{wire}");
            assert_eq!(ffi.to_core(), Some(core), "{wire}");
        }
        let other = lk::Blockchain::parse("SOL");
        assert_eq!(Blockchain::from(other), Blockchain::Unknown);
        assert_eq!(Blockchain::Unknown.to_core(), None);
    }

    #[test]
    fn a_decoded_message_review_converts_field_by_field() {
        let wallet = lk::WalletRef {
            id: "w1".into(),
            address: "0x0000000000000000000000000000000000000001".into(),
            blockchain: lk::Blockchain::EthSepolia,
        };
        let req = r#"{"kind":"MESSAGE","message":"hello","encodedByHex":false,"memo":"m"}"#;
        let core = lk::review::decode_sign_request(req, lk::review::RequestKind::Message, wallet)
            .expect("decodes");
        let r = SignatureReview::from_core(core).expect("known kind");
        assert_eq!(r.memo.as_deref(), Some("m"));
        assert_eq!(r.wallet.blockchain, Blockchain::EthSepolia);
        assert_eq!(
            r.details,
            SignatureDetails::Message {
                text: Some("hello".into()),
                hex: "0x68656c6c6f".into(),
                byte_length: 5
            }
        );
    }
}
