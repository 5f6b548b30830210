//! A wallet's secp256k1 key: generation from the system CSPRNG, its EIP-55 address and
//! recoverable signatures over 32-byte digests.

use super::EthError;
use alloy_primitives::{Address, Signature, B256};
use k256::ecdsa::SigningKey;
use ring::rand::{SecureRandom, SystemRandom};
use std::fmt;
use zeroize::Zeroizing;

/// A secp256k1 private key. The scalar is wiped when the value is dropped (`k256` keys zeroize
/// on drop); it never appears in `Debug`, errors or logs, and there is no way to read it back
/// except [`WalletKey::secret_bytes`], used only to seal it for storage.
pub struct WalletKey(SigningKey);

impl fmt::Debug for WalletKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("WalletKey(<redacted>)")
    }
}

impl WalletKey {
    /// A fresh key: 32 bytes from the system CSPRNG (`ring::rand::SystemRandom`), accepted
    /// only when the scalar is in `1..n` (`k256` checks; a rejection, probability ~2^-128,
    /// draws again).
    pub fn generate() -> Result<Self, EthError> {
        let rng = SystemRandom::new();
        for _ in 0..16 {
            let mut bytes = Zeroizing::new([0u8; 32]);
            rng.fill(&mut bytes[..]).map_err(|_| EthError::Signing)?;
            if let Ok(k) = SigningKey::from_slice(&bytes[..]) {
                return Ok(WalletKey(k));
            }
        }
        Err(EthError::Signing)
    }

    /// A key from its 32-byte big-endian scalar (unsealing a stored key, test vectors).
    /// Refuses zero and values not below the group order.
    pub fn from_secret_bytes(bytes: &[u8]) -> Result<Self, EthError> {
        if bytes.len() != 32 {
            return Err(EthError::Signing);
        }
        SigningKey::from_slice(bytes)
            .map(WalletKey)
            .map_err(|_| EthError::Signing)
    }

    /// The 32-byte scalar, in a buffer wiped on drop. Only for sealing the key at rest.
    pub(crate) fn secret_bytes(&self) -> Zeroizing<Vec<u8>> {
        Zeroizing::new(self.0.to_bytes().to_vec())
    }

    /// The Ethereum address (last 20 bytes of keccak-256 of the uncompressed public key).
    pub fn address(&self) -> Address {
        Address::from_private_key(&self.0)
    }

    /// The address as EIP-55 mixed-case hex (`0x` + 40 digits).
    pub fn address_checksummed(&self) -> String {
        self.address().to_checksum(None)
    }

    /// Signs a 32-byte digest: deterministic (RFC 6979) low-s ECDSA with the recovery bit.
    pub fn sign_hash(&self, digest: &B256) -> Result<Signature, EthError> {
        let (sig, recid) = self
            .0
            .sign_prehash_recoverable(digest.as_slice())
            .map_err(|_| EthError::Signing)?;
        Ok(Signature::from_signature_and_parity(sig, recid.is_y_odd()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn generated_keys_differ_and_sign_recoverably() {
        let a = WalletKey::generate().unwrap();
        let b = WalletKey::generate().unwrap();
        assert_ne!(a.address(), b.address());
        let digest = alloy_primitives::keccak256(b"latchkey");
        let sig = a.sign_hash(&digest).unwrap();
        assert_eq!(
            sig.recover_address_from_prehash(&digest).unwrap(),
            a.address()
        );
        assert_ne!(
            sig.recover_address_from_prehash(&digest).unwrap(),
            b.address()
        );
    }

    #[test]
    fn debug_is_redacted() {
        let k = WalletKey::from_secret_bytes(&[7u8; 32]).unwrap();
        let d = format!("{k:?}");
        assert_eq!(d, "WalletKey(<redacted>)");
        assert!(!d.contains("0707"));
    }

    #[test]
    fn out_of_range_scalars_are_refused() {
        assert!(WalletKey::from_secret_bytes(&[0u8; 32]).is_err());
        assert!(WalletKey::from_secret_bytes(&[0xffu8; 32]).is_err());
        assert!(WalletKey::from_secret_bytes(&[1u8; 31]).is_err());
    }
}
