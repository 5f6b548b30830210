//! Ethereum wallets: key custody, request canonicalisation and signing.
//!
//! Everything Ethereum comes from maintained crates: `k256` (secp256k1 ECDSA with recovery,
//! RFC 6979 nonces, low-s), `alloy-primitives` (keccak-256, EIP-55, EIP-191 hashing,
//! signatures), `alloy-dyn-abi` (EIP-712 hashing of arbitrary typed-data JSON) and
//! `alloy-consensus` (EIP-1559 transactions and their RLP / EIP-2718 encoding). Key
//! encryption uses `ring` (AES-256-GCM, HKDF, the system CSPRNG). Nothing here is hand-rolled.
//!
//! The flow of a signature:
//!
//! 1. When a signing challenge is created, the request is validated and turned into its
//!    canonical `signRequest` JSON text ([`canonical_message`], [`canonical_typed_data`],
//!    [`canonical_transaction`]). That text is stored with the challenge, shown to the user
//!    and digested ([`review_digest`]).
//! 2. When the PIN step verifies and the client's digest equals [`review_digest`] of the
//!    stored text, the key is opened ([`WalletKek::open`]) and [`sign_request`] signs exactly
//!    the stored text.
//!
//! Limits (bad input gets an [`EthError`] carrying its 155xxx code):
//!
//! | what | limit |
//! |---|---|
//! | message (`SIGN_MESSAGE`), as bytes signed | [`MAX_MESSAGE_BYTES`] (8 KiB) |
//! | typed data (`SIGN_TYPEDDATA`), as JSON text | [`MAX_TYPED_DATA_BYTES`] (32 KiB) |
//! | transaction call data (`SIGN_TRANSACTION`), as bytes | [`MAX_TX_DATA_BYTES`] (24 KiB) |
//! | access list entries / storage keys | [`MAX_ACCESS_LIST_ITEMS`] |
//! | memo, as UTF-8 bytes | [`MAX_MEMO_BYTES`] (1 KiB) |
//!
//! They sit below the server's request body limit (64 KiB by default) so that an oversized
//! request gets the specific "message too large" code rather than a bare 413.

mod custody;
mod error;
mod key;
mod request;
mod sign;

pub use custody::{CustodyError, KekError, WalletKek, KEK_ENV, KEK_FILE};
pub use error::EthError;
pub use key::WalletKey;
pub use request::{
    canonical_message, canonical_transaction, canonical_typed_data, review_digest, SignRequest,
    MAX_ACCESS_LIST_ITEMS, MAX_MEMO_BYTES, MAX_MESSAGE_BYTES, MAX_TX_DATA_BYTES,
    MAX_TYPED_DATA_BYTES,
};
pub use sign::{sign_request, SignatureResult};
