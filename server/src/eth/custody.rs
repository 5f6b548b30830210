//! Keys at rest: each wallet key is sealed with AES-256-GCM under the wallet key-encryption
//! key (KEK), with the key id and the user id in the associated data, so a sealed key copied to
//! another row or another user does not open.
//!
//! The KEK is not the verifier pepper: it comes from `LATCHKEY_WALLET_KEK` (base64 of at least
//! 32 bytes) or else from the file `wallet-kek` in the data directory (created with mode 0600
//! on first start). The AES key is derived from it with HKDF-SHA256.

use super::WalletKey;
use crate::crypto::write_private_file;
use base64::engine::general_purpose::{STANDARD, STANDARD_NO_PAD};
use base64::Engine as _;
use ring::aead::{Aad, LessSafeKey, Nonce, UnboundKey, AES_256_GCM, NONCE_LEN};
use ring::hkdf;
use ring::rand::{SecureRandom, SystemRandom};
use std::fmt;
use std::path::Path;
use zeroize::Zeroizing;

/// The environment variable holding the wallet KEK (base64, at least 32 bytes).
pub const KEK_ENV: &str = "LATCHKEY_WALLET_KEK";
/// The file name of the KEK in the data directory, used when [`KEK_ENV`] is not set.
pub const KEK_FILE: &str = "wallet-kek";
/// Fewest KEK bytes accepted.
const MIN_KEK_BYTES: usize = 32;
/// Prefix of a sealed key (format version).
const SEALED_PREFIX: &str = "v1:";

/// Why the wallet KEK could not be loaded (the server refuses to start). Never contains the
/// KEK itself.
#[derive(Debug, thiserror::Error)]
pub enum KekError {
    /// `LATCHKEY_WALLET_KEK` is set but is not base64 of at least 32 bytes: set it to e.g. the
    /// output of `head -c 32 /dev/urandom | base64`, or unset it to use the data-directory file.
    #[error("{KEK_ENV} must be base64 of at least {MIN_KEK_BYTES} random bytes (e.g. `head -c 32 /dev/urandom | base64`); {0}")]
    BadEnv(&'static str),
    /// The KEK file is unreadable, malformed or readable by others: fix or restore it.
    #[error("wallet KEK file {path}: {reason}")]
    File {
        /// The file.
        path: String,
        /// What is wrong.
        reason: String,
    },
    /// The KEK equals the verifier pepper; the two must be independent secrets.
    #[error("{KEK_ENV} must differ from the verifier pepper")]
    SameAsPepper,
    /// The random source failed.
    #[error("random source failure")]
    Rng,
}

/// The wallet key-encryption key. Debug is redacted; the key bytes are not kept (only the
/// derived AES key inside `ring`).
pub struct WalletKek {
    key: LessSafeKey,
    fingerprint: [u8; 32],
}

impl fmt::Debug for WalletKek {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("WalletKek(<redacted>)")
    }
}

/// Why a sealed key could not be opened or a key sealed (no key material inside).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CustodyError {
    /// The sealed key is malformed, bound to another key id or user, or sealed under another
    /// KEK.
    #[error("the sealed wallet key does not open")]
    DoesNotOpen,
    /// The random source failed.
    #[error("random source failure")]
    Rng,
}

impl WalletKek {
    /// The KEK from raw bytes (at least 32).
    pub fn from_bytes(kek: &[u8]) -> Result<Self, KekError> {
        if kek.len() < MIN_KEK_BYTES {
            return Err(KekError::BadEnv("too short"));
        }
        let prk = hkdf::Salt::new(hkdf::HKDF_SHA256, b"latchkey/v1/wallet-kek").extract(kek);
        let okm = prk
            .expand(&[b"wallet-key-wrap/aes-256-gcm"], &AES_256_GCM)
            .map_err(|_| KekError::Rng)?;
        let key = LessSafeKey::new(UnboundKey::from(okm));
        let fp = ring::digest::digest(&ring::digest::SHA256, kek);
        let mut fingerprint = [0u8; 32];
        fingerprint.copy_from_slice(fp.as_ref());
        Ok(WalletKek { key, fingerprint })
    }

    /// Loads the KEK: from `env_value` (the value of [`KEK_ENV`], base64 of >= 32 bytes) when
    /// given, else from `<data_dir>/wallet-kek`, creating that file (mode 0600, 32 random
    /// bytes, base64) on first start. A file readable by group or others is refused.
    pub fn load(env_value: Option<&str>, data_dir: &Path) -> Result<Self, KekError> {
        if let Some(v) = env_value {
            let bytes = Zeroizing::new(decode_b64(v.trim()).ok_or(KekError::BadEnv("not base64"))?);
            if bytes.len() < MIN_KEK_BYTES {
                return Err(KekError::BadEnv("too short"));
            }
            return WalletKek::from_bytes(&bytes);
        }
        let path = data_dir.join(KEK_FILE);
        let file_err = |reason: String| KekError::File {
            path: path.display().to_string(),
            reason,
        };
        match std::fs::read_to_string(&path) {
            Ok(s) => {
                let s = Zeroizing::new(s);
                #[cfg(unix)]
                {
                    use std::os::unix::fs::PermissionsExt;
                    let mode = std::fs::metadata(&path)
                        .map_err(|e| file_err(e.to_string()))?
                        .permissions()
                        .mode();
                    if mode & 0o077 != 0 {
                        return Err(file_err(format!(
                            "readable by group or others (mode {:o}); run chmod 600 on it",
                            mode & 0o777
                        )));
                    }
                }
                let bytes = Zeroizing::new(
                    decode_b64(s.trim()).ok_or_else(|| file_err("not base64".into()))?,
                );
                if bytes.len() < MIN_KEK_BYTES {
                    return Err(file_err(format!("shorter than {MIN_KEK_BYTES} bytes")));
                }
                WalletKek::from_bytes(&bytes)
            }
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                let mut bytes = Zeroizing::new([0u8; 32]);
                SystemRandom::new()
                    .fill(&mut bytes[..])
                    .map_err(|_| KekError::Rng)?;
                let text = Zeroizing::new(STANDARD.encode(&bytes[..]));
                write_private_file(&path, text.as_bytes()).map_err(|e| file_err(e.to_string()))?;
                WalletKek::from_bytes(&bytes[..])
            }
            Err(e) => Err(file_err(e.to_string())),
        }
    }

    /// Whether this KEK was made from the same bytes as `other` (used to refuse a KEK equal to
    /// the pepper). Compares SHA-256 fingerprints in constant time.
    pub fn same_secret_as(&self, other: &[u8]) -> bool {
        let fp = ring::digest::digest(&ring::digest::SHA256, other);
        latchkey_protocol::secret::ct_eq(&self.fingerprint, fp.as_ref())
    }

    /// Seals a key for storage: `v1:` + base64(nonce || AES-256-GCM(scalar) || tag), with the
    /// key id and the user id in the associated data.
    pub fn seal(
        &self,
        key: &WalletKey,
        key_id: &str,
        user_id: &str,
    ) -> Result<String, CustodyError> {
        let mut nonce = [0u8; NONCE_LEN];
        SystemRandom::new()
            .fill(&mut nonce)
            .map_err(|_| CustodyError::Rng)?;
        let mut buf = key.secret_bytes();
        self.key
            .seal_in_place_append_tag(
                Nonce::assume_unique_for_key(nonce),
                Aad::from(aad(key_id, user_id)),
                &mut *buf,
            )
            .map_err(|_| CustodyError::Rng)?;
        let mut out = nonce.to_vec();
        out.extend_from_slice(&buf);
        Ok(format!("{SEALED_PREFIX}{}", STANDARD.encode(out)))
    }

    /// Opens a key sealed by [`WalletKek::seal`] for the same key id and user id.
    pub fn open(
        &self,
        sealed: &str,
        key_id: &str,
        user_id: &str,
    ) -> Result<WalletKey, CustodyError> {
        let b64 = sealed
            .strip_prefix(SEALED_PREFIX)
            .ok_or(CustodyError::DoesNotOpen)?;
        let mut raw = Zeroizing::new(
            STANDARD
                .decode(b64)
                .map_err(|_| CustodyError::DoesNotOpen)?,
        );
        if raw.len() != NONCE_LEN + 32 + AES_256_GCM.tag_len() {
            return Err(CustodyError::DoesNotOpen);
        }
        let mut nonce = [0u8; NONCE_LEN];
        nonce.copy_from_slice(&raw[..NONCE_LEN]);
        let plain = self
            .key
            .open_in_place(
                Nonce::assume_unique_for_key(nonce),
                Aad::from(aad(key_id, user_id)),
                &mut raw[NONCE_LEN..],
            )
            .map_err(|_| CustodyError::DoesNotOpen)?;
        WalletKey::from_secret_bytes(plain).map_err(|_| CustodyError::DoesNotOpen)
    }
}

/// Associated data: a domain label, then the key id and the user id, each length-prefixed.
fn aad(key_id: &str, user_id: &str) -> Vec<u8> {
    let mut v = b"latchkey/v1/wallet-key".to_vec();
    for part in [key_id, user_id] {
        v.extend_from_slice(&(part.len() as u32).to_be_bytes());
        v.extend_from_slice(part.as_bytes());
    }
    v
}

fn decode_b64(s: &str) -> Option<Vec<u8>> {
    STANDARD
        .decode(s)
        .or_else(|_| STANDARD_NO_PAD.decode(s))
        .ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn kek() -> WalletKek {
        WalletKek::from_bytes(&[42u8; 32]).unwrap()
    }

    #[test]
    fn seal_open_round_trip_and_binding() {
        let k = WalletKey::generate().unwrap();
        let sealed = kek().seal(&k, "key-1", "user-1").unwrap();
        assert!(sealed.starts_with("v1:"));
        let opened = kek().open(&sealed, "key-1", "user-1").unwrap();
        assert_eq!(opened.address(), k.address());
        // Bound to key id and user id.
        assert!(kek().open(&sealed, "key-2", "user-1").is_err());
        assert!(kek().open(&sealed, "key-1", "user-2").is_err());
        // Length prefixes: moving bytes between the two ids does not match.
        assert!(kek().open(&sealed, "key-1u", "ser-1").is_err());
        // Another KEK does not open it.
        let other = WalletKek::from_bytes(&[43u8; 32]).unwrap();
        assert!(other.open(&sealed, "key-1", "user-1").is_err());
        // Tampering is detected.
        let mut raw = STANDARD.decode(&sealed[3..]).unwrap();
        raw[20] ^= 1;
        let tampered = format!("v1:{}", STANDARD.encode(raw));
        assert!(kek().open(&tampered, "key-1", "user-1").is_err());
        assert!(kek().open("v2:xyz", "key-1", "user-1").is_err());
        assert!(kek().open("v1:!!!", "key-1", "user-1").is_err());
    }

    #[test]
    fn sealed_text_does_not_contain_the_scalar() {
        let k = WalletKey::from_secret_bytes(&[9u8; 32]).unwrap();
        let sealed = kek().seal(&k, "k", "u").unwrap();
        let raw = STANDARD.decode(&sealed[3..]).unwrap();
        assert!(!raw.windows(8).any(|w| w == [9u8; 8]));
        assert!(!format!("{:?}", kek()).contains("42"));
    }

    #[test]
    fn env_kek_must_be_base64_of_32_bytes() {
        let dir = tempfile::tempdir().unwrap();
        let short = STANDARD.encode([1u8; 31]);
        let e = WalletKek::load(Some(&short), dir.path()).unwrap_err();
        assert!(e.to_string().contains(KEK_ENV), "{e}");
        assert!(WalletKek::load(Some("not base64!"), dir.path()).is_err());
        let ok = STANDARD.encode([1u8; 32]);
        assert!(WalletKek::load(Some(&ok), dir.path()).is_ok());
        // The env KEK never creates the file.
        assert!(!dir.path().join(KEK_FILE).exists());
    }

    #[cfg(unix)]
    #[test]
    fn file_kek_is_created_private_and_reused() {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().unwrap();
        let a = WalletKek::load(None, dir.path()).unwrap();
        let path = dir.path().join(KEK_FILE);
        let mode = std::fs::metadata(&path).unwrap().permissions().mode();
        assert_eq!(mode & 0o777, 0o600);
        let b = WalletKek::load(None, dir.path()).unwrap();
        let k = WalletKey::generate().unwrap();
        let sealed = a.seal(&k, "k", "u").unwrap();
        assert_eq!(b.open(&sealed, "k", "u").unwrap().address(), k.address());
        // A world-readable file is refused with a clear reason.
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o644)).unwrap();
        let e = WalletKek::load(None, dir.path()).unwrap_err();
        assert!(e.to_string().contains("chmod 600"), "{e}");
    }

    #[test]
    fn same_secret_detection() {
        let k = WalletKek::from_bytes(b"0123456789abcdef0123456789abcdef").unwrap();
        assert!(k.same_secret_as(b"0123456789abcdef0123456789abcdef"));
        assert!(!k.same_secret_as(b"0123456789abcdef0123456789abcdeF"));
    }
}
