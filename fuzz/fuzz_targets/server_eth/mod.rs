//! The server's Ethereum request code, compiled into the fuzz targets from the server's own
//! source files (`server/src/eth/{error,key,request,sign}.rs`, unchanged): the validation,
//! canonicalisation, EIP-712 hashing and EIP-1559 signing paths are pure (alloy, k256, ring,
//! serde_json), so the fuzz crate fuzzes exactly the server's code without depending on the
//! server crate (axum, sqlx, tokio), which would only slow the instrumented build.
#![allow(dead_code, unused_imports)]

#[path = "../../../server/src/eth/error.rs"]
mod error;
#[path = "../../../server/src/eth/key.rs"]
mod key;
#[path = "../../../server/src/eth/request.rs"]
mod request;
#[path = "../../../server/src/eth/sign.rs"]
mod sign;

pub use error::EthError;
pub use key::WalletKey;
pub use request::*;
pub use sign::*;

/// The EIP-712 example key (keccak256("cow")), made once; its address is
/// 0xCD2a3d9F938E13CD947Ec05AbC7FE734Df8DD826.
pub fn test_key() -> &'static WalletKey {
    static KEY: std::sync::OnceLock<WalletKey> = std::sync::OnceLock::new();
    KEY.get_or_init(|| {
        WalletKey::from_secret_bytes(alloy_primitives::keccak256(b"cow").as_slice())
            .expect("a valid scalar")
    })
}

/// Whether to take the slow path (ECDSA signing) for this input: for about one input in
/// `one_in`, chosen by a hash of the whole input so that a finding reproduces from its file.
pub fn sample(data: &[u8], one_in: u64) -> bool {
    let h = data.iter().fold(0xcbf2_9ce4_8422_2325u64, |h, &b| {
        (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3)
    });
    h % one_in == 0
}
