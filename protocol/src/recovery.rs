//! Recovery codes and recovery keys (see `docs/protocol.md` section 8 and `docs/recovery.md`).
//!
//! A recovery code is 140 random bits written as 7 groups of 5 characters of Crockford's
//! base32 alphabet: 4 data characters and 1 check character per group. The check character is
//! a linear check over GF(32) that catches every single wrong character, every swap of two
//! neighbouring characters and every group typed in the wrong place, and names the group.
//!
//! From the code the device derives (HKDF-SHA256) a 32-byte wrapping key. It generates an
//! ECDSA P-256 key pair, wraps the PKCS#8 private key with AES-256-GCM under the wrapping key
//! (associated data: method, user id, version) and sends the server only the public key and
//! the wrapped key. To recover, the device unwraps the key with the code and signs a fresh
//! server nonce bound to the challenge ([`ProofContext`]); the server verifies the signature
//! against the stored public key. The same proof serves every method that ends in "a recovery
//! private key" (cloud backup: the wrapping key comes from the user's cloud instead).

use crate::codes::ErrorCode;
use base64::engine::general_purpose::STANDARD;
use base64::Engine as _;
use ring::aead::{Aad, LessSafeKey, Nonce, UnboundKey, AES_256_GCM, NONCE_LEN};
use ring::hkdf;
use ring::rand::SecureRandom;
use ring::signature::{
    EcdsaKeyPair, KeyPair, UnparsedPublicKey, ECDSA_P256_SHA256_FIXED,
    ECDSA_P256_SHA256_FIXED_SIGNING,
};
use std::fmt;
use zeroize::{Zeroize, Zeroizing};

/// The 32 symbols of a code, value = index (Crockford's base32: no I, L, O, U).
pub const CODE_ALPHABET: &[u8; 32] = b"0123456789ABCDEFGHJKMNPQRSTVWXYZ";
/// Groups in a code.
pub const CODE_GROUPS: usize = 7;
/// Characters per group (4 data + 1 check).
pub const GROUP_LEN: usize = 5;
/// Data characters per group.
pub const GROUP_DATA: usize = 4;
/// Characters in a code without separators.
pub const CODE_LEN: usize = CODE_GROUPS * GROUP_LEN;
/// Random bytes a code is made from (the first 140 of their 144 bits are used).
pub const CODE_ENTROPY_BYTES: usize = 18;
/// Bytes of a server nonce.
pub const NONCE_BYTES: usize = 32;
/// Wrapped-key format version (first byte).
pub const WRAP_VERSION: u8 = 1;
/// Proof format version (byte after the label).
pub const PROOF_VERSION: u8 = 1;
const KDF_SALT: &[u8] = b"latchkey/v1/recovery-code";
const KDF_INFO: &[u8] = b"wrapping-key";
const WRAP_LABEL: &[u8] = b"latchkey/v1/recovery-key";
const PROOF_LABEL: &[u8] = b"latchkey/v1/recovery-proof";
const TAG_LEN: usize = 16;
/// Largest wrapped key (decoded bytes) either side accepts.
pub const MAX_WRAPPED_BYTES: usize = 1024;
/// Check weights of the 4 data characters (GF(32) elements x^4, x^3, x^2, x); the check
/// character has weight 1.
const WEIGHTS: [u8; GROUP_DATA] = [16, 8, 4, 2];

/// The recovery methods a `RESTORE_PIN` challenge can use.
pub mod method {
    /// Recovery code (this module).
    pub const RECOVERY_CODE: &str = "RECOVERY_CODE";
    /// Security questions (the default).
    pub const SECURITY_QUESTIONS: &str = "SECURITY_QUESTIONS";
    /// Cloud backup: the wrapping key lives in the user's own cloud.
    pub const CLOUD_BACKUP: &str = "CLOUD_BACKUP";
}

/// Multiplication in GF(32) with the polynomial x^5 + x^2 + 1.
fn gf32_mul(mut a: u8, mut b: u8) -> u8 {
    let mut p = 0u8;
    while b != 0 {
        if b & 1 != 0 {
            p ^= a;
        }
        b >>= 1;
        a <<= 1;
        if a & 0x20 != 0 {
            a ^= 0x25;
        }
    }
    p & 0x1f
}

/// The check value of a group (`group` from 0) given its 4 data values.
fn check_value(group: usize, data: &[u8]) -> u8 {
    let mut c = (group as u8) + 1;
    for (d, w) in data.iter().zip(WEIGHTS) {
        c ^= gf32_mul(*d, w);
    }
    c
}

fn symbol_value(c: char) -> Option<u8> {
    let c = match c.to_ascii_uppercase() {
        'O' => '0',
        'I' | 'L' => '1',
        c => c,
    };
    CODE_ALPHABET
        .iter()
        .position(|&s| char::from(s) == c)
        .map(|p| p as u8)
}

/// Why a typed code was refused locally. Carries no character of the code.
#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
pub enum CodeRejection {
    /// The code has the wrong number of characters (separators not counted).
    #[error("the recovery code has {got} characters; it has 35 (7 groups of 5)")]
    Length {
        /// Characters typed.
        got: u32,
    },
    /// A group has the wrong number of characters.
    #[error("group {group} of the recovery code does not have 5 characters")]
    GroupLength {
        /// The group, from 1.
        group: u32,
    },
    /// A character that is not in the alphabet.
    #[error("group {group} of the recovery code has a character that cannot be in a code")]
    InvalidCharacter {
        /// The group, from 1.
        group: u32,
    },
    /// A group's check character does not fit: a typo in this group.
    #[error("the recovery code has a typo in group {group}")]
    Typo {
        /// The group, from 1.
        group: u32,
    },
}

impl CodeRejection {
    /// The group the problem is in, when known (from 1).
    pub fn group(&self) -> Option<u32> {
        match self {
            CodeRejection::Length { .. } => None,
            CodeRejection::GroupLength { group }
            | CodeRejection::InvalidCharacter { group }
            | CodeRejection::Typo { group } => Some(*group),
        }
    }
}

/// Why a recovery operation failed. Carries no secret.
#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
pub enum RecoveryError {
    /// The typed code is malformed (155864): show which group.
    #[error("{0}")]
    MalformedCode(CodeRejection),
    /// The code does not open the wrapped key: not this account's code, or the wrapped key was
    /// altered (155865). Nothing was sent.
    #[error("this recovery code does not open this account's recovery key")]
    WrongCode,
    /// A public key, wrapped key, nonce or signature is not in the documented format (155866).
    #[error("the recovery key material is malformed")]
    MalformedKey,
    /// The signature does not verify against the public key (155861).
    #[error("the recovery proof does not verify")]
    BadSignature,
    /// A context field is longer than 65,535 bytes.
    #[error("a recovery context field is too long")]
    FieldTooLong,
    /// The random source or key generation failed (155707).
    #[error("the recovery key could not be created")]
    CryptoFailed,
}

impl RecoveryError {
    /// The 155xxx code for this error.
    pub fn code(self) -> ErrorCode {
        match self {
            RecoveryError::MalformedCode(_) => ErrorCode::RecoveryCodeMalformed,
            RecoveryError::WrongCode => ErrorCode::RecoveryCodeWrong,
            RecoveryError::MalformedKey | RecoveryError::FieldTooLong => {
                ErrorCode::InvalidRecoveryKey
            }
            RecoveryError::BadSignature => ErrorCode::IncorrectRecoveryCode,
            RecoveryError::CryptoFailed => ErrorCode::EncryptionFailed,
        }
    }
}

/// A recovery code: 35 canonical characters (upper case, no separators). Zeroized on drop;
/// `Debug` never shows it.
#[derive(Clone)]
pub struct RecoveryCode(Zeroizing<String>);

impl fmt::Debug for RecoveryCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("RecoveryCode(<redacted>)")
    }
}

impl RecoveryCode {
    /// A fresh code from the secure random source.
    pub fn generate(rng: &dyn SecureRandom) -> Result<Self, RecoveryError> {
        let mut bytes = Zeroizing::new([0u8; CODE_ENTROPY_BYTES]);
        rng.fill(&mut bytes[..])
            .map_err(|_| RecoveryError::CryptoFailed)?;
        Ok(Self::from_entropy(&bytes))
    }

    /// The code made from 18 bytes: their first 140 bits, 5 at a time (most significant
    /// first), are the 28 data values; each group of 4 gets its check character.
    pub fn from_entropy(bytes: &[u8; CODE_ENTROPY_BYTES]) -> Self {
        let mut out = Zeroizing::new(String::with_capacity(CODE_LEN));
        let mut data = Zeroizing::new([0u8; CODE_GROUPS * GROUP_DATA]);
        for (i, d) in data.iter_mut().enumerate() {
            let mut v = 0u8;
            for b in 0..5 {
                let bit = i * 5 + b;
                let set = (bytes[bit / 8] >> (7 - bit % 8)) & 1;
                v = (v << 1) | set;
            }
            *d = v;
        }
        for g in 0..CODE_GROUPS {
            let group = &data[g * GROUP_DATA..(g + 1) * GROUP_DATA];
            for &d in group {
                out.push(char::from(CODE_ALPHABET[usize::from(d)]));
            }
            out.push(char::from(
                CODE_ALPHABET[usize::from(check_value(g, group))],
            ));
        }
        RecoveryCode(out)
    }

    /// Parses what the user typed: case is ignored, `O` reads as `0` and `I`/`L` as `1`;
    /// spaces and hyphens separate groups. When the input has exactly 7 groups, each is
    /// checked for its length on its own, so a missing character is named by group.
    pub fn parse(input: &str) -> Result<Self, CodeRejection> {
        let parts: Vec<&str> = input
            .split(|c: char| c == '-' || c.is_whitespace())
            .filter(|p| !p.is_empty())
            .collect();
        if parts.len() == CODE_GROUPS {
            for (g, p) in parts.iter().enumerate() {
                if p.chars().count() != GROUP_LEN {
                    return Err(CodeRejection::GroupLength {
                        group: g as u32 + 1,
                    });
                }
            }
        }
        let mut values = Zeroizing::new(Vec::with_capacity(CODE_LEN));
        for (i, c) in parts.iter().flat_map(|p| p.chars()).enumerate() {
            match symbol_value(c) {
                Some(v) => values.push(v),
                None => {
                    return Err(CodeRejection::InvalidCharacter {
                        group: (i / GROUP_LEN).min(CODE_GROUPS - 1) as u32 + 1,
                    })
                }
            }
        }
        if values.len() != CODE_LEN {
            return Err(CodeRejection::Length {
                got: u32::try_from(values.len()).unwrap_or(u32::MAX),
            });
        }
        for g in 0..CODE_GROUPS {
            let group = &values[g * GROUP_LEN..(g + 1) * GROUP_LEN];
            if check_value(g, &group[..GROUP_DATA]) != group[GROUP_DATA] {
                return Err(CodeRejection::Typo {
                    group: g as u32 + 1,
                });
            }
        }
        let mut out = Zeroizing::new(String::with_capacity(CODE_LEN));
        for &v in values.iter() {
            out.push(char::from(CODE_ALPHABET[usize::from(v)]));
        }
        Ok(RecoveryCode(out))
    }

    /// The canonical 35 characters. Do not log them.
    pub fn expose(&self) -> &str {
        &self.0
    }

    /// Group `index` (from 0), 5 characters. Do not log it.
    pub fn group(&self, index: usize) -> Option<&str> {
        self.0.get(index * GROUP_LEN..(index + 1) * GROUP_LEN)
    }

    /// The groups, for display. Do not log them.
    pub fn groups(&self) -> Vec<Zeroizing<String>> {
        (0..CODE_GROUPS)
            .filter_map(|g| self.group(g).map(|s| Zeroizing::new(s.to_owned())))
            .collect()
    }

    /// The code as shown: groups joined by `-`.
    pub fn display(&self) -> Zeroizing<String> {
        let mut out = Zeroizing::new(String::with_capacity(CODE_LEN + CODE_GROUPS));
        for g in 0..CODE_GROUPS {
            if g > 0 {
                out.push('-');
            }
            out.push_str(self.group(g).unwrap_or_default());
        }
        out
    }

    /// The 32-byte wrapping key: HKDF-SHA256(IKM = the 35 canonical ASCII characters, salt =
    /// `latchkey/v1/recovery-code`, info = `wrapping-key`).
    pub fn wrapping_key(&self) -> Result<WrappingKey, RecoveryError> {
        let prk = hkdf::Salt::new(hkdf::HKDF_SHA256, KDF_SALT).extract(self.0.as_bytes());
        let okm = prk
            .expand(&[KDF_INFO], hkdf::HKDF_SHA256)
            .map_err(|_| RecoveryError::CryptoFailed)?;
        let mut key = WrappingKey(Zeroizing::new([0u8; 32]));
        okm.fill(&mut key.0[..])
            .map_err(|_| RecoveryError::CryptoFailed)?;
        Ok(key)
    }
}

/// A 32-byte AES-256-GCM key that wraps a recovery private key. Zeroized on drop.
pub struct WrappingKey(Zeroizing<[u8; 32]>);

impl fmt::Debug for WrappingKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("WrappingKey(<redacted>)")
    }
}

impl WrappingKey {
    /// From raw bytes (cloud backup keys, tests).
    pub fn from_bytes(bytes: [u8; 32]) -> Self {
        WrappingKey(Zeroizing::new(bytes))
    }

    /// The raw bytes. Do not log them.
    pub fn expose(&self) -> &[u8; 32] {
        &self.0
    }

    fn aead(&self) -> Result<LessSafeKey, RecoveryError> {
        Ok(LessSafeKey::new(
            UnboundKey::new(&AES_256_GCM, &self.0[..]).map_err(|_| RecoveryError::CryptoFailed)?,
        ))
    }
}

fn push_field(out: &mut Vec<u8>, field: &[u8]) -> Result<(), RecoveryError> {
    let len = u16::try_from(field.len()).map_err(|_| RecoveryError::FieldTooLong)?;
    out.extend_from_slice(&len.to_be_bytes());
    out.extend_from_slice(field);
    Ok(())
}

/// What a wrapped key is bound to: the method, the user and the credential version.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct KeyContext<'a> {
    /// `RECOVERY_CODE` (or `CLOUD_BACKUP`).
    pub method: &'a str,
    /// The user id.
    pub user_id: &'a str,
    /// The credential version the server assigned.
    pub version: u32,
}

impl KeyContext<'_> {
    /// `"latchkey/v1/recovery-key" || 0x01 || u16be(len) method || u16be(len) userId ||
    /// u32be(version)`.
    pub fn associated_data(&self) -> Result<Vec<u8>, RecoveryError> {
        let mut out = Vec::with_capacity(64);
        out.extend_from_slice(WRAP_LABEL);
        out.push(WRAP_VERSION);
        push_field(&mut out, self.method.as_bytes())?;
        push_field(&mut out, self.user_id.as_bytes())?;
        out.extend_from_slice(&self.version.to_be_bytes());
        Ok(out)
    }
}

/// Wraps a PKCS#8 private key: `base64(0x01 || nonce[12] || AES-256-GCM(pkcs8) || tag[16])`.
pub fn wrap_with_nonce(
    key: &WrappingKey,
    ctx: &KeyContext<'_>,
    pkcs8: &[u8],
    nonce: [u8; NONCE_LEN],
) -> Result<String, RecoveryError> {
    let aad = ctx.associated_data()?;
    let mut buf = Zeroizing::new(pkcs8.to_vec());
    key.aead()?
        .seal_in_place_append_tag(
            Nonce::assume_unique_for_key(nonce),
            Aad::from(&aad),
            &mut *buf,
        )
        .map_err(|_| RecoveryError::CryptoFailed)?;
    let mut out = Vec::with_capacity(1 + NONCE_LEN + buf.len());
    out.push(WRAP_VERSION);
    out.extend_from_slice(&nonce);
    out.extend_from_slice(&buf);
    Ok(STANDARD.encode(out))
}

/// Wraps with a fresh random nonce.
pub fn wrap(
    key: &WrappingKey,
    ctx: &KeyContext<'_>,
    pkcs8: &[u8],
    rng: &dyn SecureRandom,
) -> Result<String, RecoveryError> {
    let mut nonce = [0u8; NONCE_LEN];
    rng.fill(&mut nonce)
        .map_err(|_| RecoveryError::CryptoFailed)?;
    wrap_with_nonce(key, ctx, pkcs8, nonce)
}

/// Checks a wrapped key's format without opening it (what the server can check).
pub fn check_wrapped_format(wrapped: &str) -> Result<(), RecoveryError> {
    let raw = STANDARD
        .decode(wrapped)
        .map_err(|_| RecoveryError::MalformedKey)?;
    if raw.len() < 1 + NONCE_LEN + TAG_LEN + 1
        || raw.len() > MAX_WRAPPED_BYTES
        || raw[0] != WRAP_VERSION
    {
        return Err(RecoveryError::MalformedKey);
    }
    Ok(())
}

/// Opens a wrapped key; [`RecoveryError::WrongCode`] when authentication fails (wrong code,
/// another user's or version's key, or an altered byte).
pub fn unwrap(
    key: &WrappingKey,
    ctx: &KeyContext<'_>,
    wrapped: &str,
) -> Result<Zeroizing<Vec<u8>>, RecoveryError> {
    check_wrapped_format(wrapped)?;
    let raw = STANDARD
        .decode(wrapped)
        .map_err(|_| RecoveryError::MalformedKey)?;
    let aad = ctx.associated_data()?;
    let mut nonce = [0u8; NONCE_LEN];
    nonce.copy_from_slice(&raw[1..1 + NONCE_LEN]);
    let mut buf = Zeroizing::new(raw[1 + NONCE_LEN..].to_vec());
    let n = key
        .aead()?
        .open_in_place(
            Nonce::assume_unique_for_key(nonce),
            Aad::from(&aad),
            &mut buf,
        )
        .map_err(|_| RecoveryError::WrongCode)?
        .len();
    let out = Zeroizing::new(buf[..n].to_vec());
    buf.zeroize();
    Ok(out)
}

/// What a recovery proof is bound to.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ProofContext<'a> {
    /// The challenge id.
    pub challenge_id: &'a str,
    /// `RECOVERY_CODE` (or `CLOUD_BACKUP`).
    pub method: &'a str,
    /// The user id.
    pub user_id: &'a str,
    /// The credential version.
    pub version: u32,
    /// The server nonce, base64 of 32 bytes.
    pub nonce: &'a str,
}

impl ProofContext<'_> {
    /// `"latchkey/v1/recovery-proof" || 0x01 || u16be(len) challengeId || u16be(len) method ||
    /// u16be(len) userId || u32be(version) || nonce[32]`.
    pub fn message(&self) -> Result<Vec<u8>, RecoveryError> {
        let nonce = STANDARD
            .decode(self.nonce)
            .map_err(|_| RecoveryError::MalformedKey)?;
        if nonce.len() != NONCE_BYTES {
            return Err(RecoveryError::MalformedKey);
        }
        let mut out = Vec::with_capacity(128);
        out.extend_from_slice(PROOF_LABEL);
        out.push(PROOF_VERSION);
        push_field(&mut out, self.challenge_id.as_bytes())?;
        push_field(&mut out, self.method.as_bytes())?;
        push_field(&mut out, self.user_id.as_bytes())?;
        out.extend_from_slice(&self.version.to_be_bytes());
        out.extend_from_slice(&nonce);
        Ok(out)
    }
}

/// A fresh server nonce, base64 of 32 random bytes.
pub fn new_nonce(rng: &dyn SecureRandom) -> Result<String, RecoveryError> {
    let mut n = [0u8; NONCE_BYTES];
    rng.fill(&mut n).map_err(|_| RecoveryError::CryptoFailed)?;
    Ok(STANDARD.encode(n))
}

/// An ECDSA P-256 recovery key pair. The PKCS#8 document is zeroized on drop; `Debug` shows
/// the public key only.
pub struct RecoveryKeyPair {
    pkcs8: Zeroizing<Vec<u8>>,
    pair: EcdsaKeyPair,
}

impl fmt::Debug for RecoveryKeyPair {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RecoveryKeyPair")
            .field("public_key", &self.public_key())
            .finish_non_exhaustive()
    }
}

impl RecoveryKeyPair {
    /// A fresh key pair.
    pub fn generate(rng: &dyn SecureRandom) -> Result<Self, RecoveryError> {
        let doc = EcdsaKeyPair::generate_pkcs8(&ECDSA_P256_SHA256_FIXED_SIGNING, rng)
            .map_err(|_| RecoveryError::CryptoFailed)?;
        Self::from_pkcs8(doc.as_ref(), rng)
    }

    /// From a PKCS#8 v1/v2 document (as produced by [`Self::pkcs8`]).
    pub fn from_pkcs8(pkcs8: &[u8], rng: &dyn SecureRandom) -> Result<Self, RecoveryError> {
        let pair = EcdsaKeyPair::from_pkcs8(&ECDSA_P256_SHA256_FIXED_SIGNING, pkcs8, rng)
            .map_err(|_| RecoveryError::MalformedKey)?;
        Ok(RecoveryKeyPair {
            pkcs8: Zeroizing::new(pkcs8.to_vec()),
            pair,
        })
    }

    /// The PKCS#8 document. Do not log it.
    pub fn pkcs8(&self) -> &[u8] {
        &self.pkcs8
    }

    /// The public key: base64 of the 65-byte uncompressed SEC1 point.
    pub fn public_key(&self) -> String {
        STANDARD.encode(self.pair.public_key().as_ref())
    }

    /// Signs a proof: base64 of the 64-byte `r || s`.
    pub fn sign_proof(
        &self,
        ctx: &ProofContext<'_>,
        rng: &dyn SecureRandom,
    ) -> Result<String, RecoveryError> {
        let msg = ctx.message()?;
        let sig = self
            .pair
            .sign(rng, &msg)
            .map_err(|_| RecoveryError::CryptoFailed)?;
        Ok(STANDARD.encode(sig.as_ref()))
    }
}

/// Checks a public key's format: base64 of 65 bytes starting with `0x04`.
pub fn check_public_key(public_key: &str) -> Result<Vec<u8>, RecoveryError> {
    let raw = STANDARD
        .decode(public_key)
        .map_err(|_| RecoveryError::MalformedKey)?;
    if raw.len() != 65 || raw[0] != 0x04 {
        return Err(RecoveryError::MalformedKey);
    }
    Ok(raw)
}

/// Verifies a proof signature against a public key.
pub fn verify_proof(
    public_key: &str,
    ctx: &ProofContext<'_>,
    signature: &str,
) -> Result<(), RecoveryError> {
    let pk = check_public_key(public_key)?;
    let sig = STANDARD
        .decode(signature)
        .map_err(|_| RecoveryError::MalformedKey)?;
    if sig.len() != 64 {
        return Err(RecoveryError::MalformedKey);
    }
    let msg = ctx.message()?;
    UnparsedPublicKey::new(&ECDSA_P256_SHA256_FIXED, &pk)
        .verify(&msg, &sig)
        .map_err(|_| RecoveryError::BadSignature)
}

/// Everything a device creates when it sets up a recovery code: the code (to show), and what
/// it sends (public key, wrapped private key, proof of possession).
pub struct NewRecoveryCode {
    /// The code. Show it, then drop it.
    pub code: RecoveryCode,
    /// Base64 public key.
    pub public_key: String,
    /// Base64 wrapped private key.
    pub wrapped_key: String,
    /// Base64 signature over the setup challenge's proof context (proof of possession).
    pub signature: String,
}

impl fmt::Debug for NewRecoveryCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("NewRecoveryCode")
            .field("public_key", &self.public_key)
            .finish_non_exhaustive()
    }
}

impl NewRecoveryCode {
    /// Creates a code and a key pair for `proof` (whose method, user and version also bind
    /// the wrapped key).
    pub fn create(proof: &ProofContext<'_>, rng: &dyn SecureRandom) -> Result<Self, RecoveryError> {
        let code = RecoveryCode::generate(rng)?;
        let key = code.wrapping_key()?;
        let pair = RecoveryKeyPair::generate(rng)?;
        let kctx = KeyContext {
            method: proof.method,
            user_id: proof.user_id,
            version: proof.version,
        };
        let wrapped_key = wrap(&key, &kctx, pair.pkcs8(), rng)?;
        let signature = pair.sign_proof(proof, rng)?;
        Ok(NewRecoveryCode {
            code,
            public_key: pair.public_key(),
            wrapped_key,
            signature,
        })
    }
}

/// Recovery with a typed code: parse it, open the wrapped key and sign the proof. A typo is
/// [`RecoveryError::MalformedCode`]; a code that does not open the key is
/// [`RecoveryError::WrongCode`]; in both cases nothing is to be sent.
pub fn prove_with_code(
    typed: &str,
    wrapped_key: &str,
    proof: &ProofContext<'_>,
    rng: &dyn SecureRandom,
) -> Result<String, RecoveryError> {
    let code = RecoveryCode::parse(typed).map_err(RecoveryError::MalformedCode)?;
    let key = code.wrapping_key()?;
    let kctx = KeyContext {
        method: proof.method,
        user_id: proof.user_id,
        version: proof.version,
    };
    let pkcs8 = unwrap(&key, &kctx, wrapped_key)?;
    let pair = RecoveryKeyPair::from_pkcs8(&pkcs8, rng).map_err(|_| RecoveryError::WrongCode)?;
    pair.sign_proof(proof, rng)
}

/// First bytes of a cloud-backup entry (format version 1).
pub const BACKUP_ENTRY_MAGIC: &[u8; 4] = b"LKB1";
/// Bytes of a cloud-backup entry: magic and the 32-byte backup key.
pub const BACKUP_ENTRY_LEN: usize = 4 + 32;
const BACKUP_NAME_PREFIX: &str = "latchkey-backup-";

/// The name of a user's cloud-backup entry for one version:
/// `latchkey-backup-` + the first 16 bytes of SHA-256(userId) in lower-case hex + `-v` +
/// the version in decimal. Only `[a-z0-9-]`, so every store (file names, keychain accounts,
/// Block Store keys) takes it as is; each version has its own name, so writing a new backup
/// never overwrites the one in use.
pub fn backup_entry_name(user_id: &str, version: u32) -> String {
    let d = ring::digest::digest(&ring::digest::SHA256, user_id.as_bytes());
    let mut out = String::with_capacity(BACKUP_NAME_PREFIX.len() + 32 + 12);
    out.push_str(BACKUP_NAME_PREFIX);
    for b in &d.as_ref()[..16] {
        out.push_str(&format!("{b:02x}"));
    }
    out.push_str("-v");
    out.push_str(&version.to_string());
    out
}

/// The bytes stored in the cloud: `"LKB1" || key[32]`. Zeroized on drop. Do not log them.
pub fn encode_backup_entry(key: &WrappingKey) -> Zeroizing<Vec<u8>> {
    let mut out = Zeroizing::new(Vec::with_capacity(BACKUP_ENTRY_LEN));
    out.extend_from_slice(BACKUP_ENTRY_MAGIC);
    out.extend_from_slice(key.expose());
    out
}

/// Reads a cloud-backup entry; [`RecoveryError::MalformedKey`] when it is not 36 bytes
/// starting with `LKB1`.
pub fn decode_backup_entry(bytes: &[u8]) -> Result<WrappingKey, RecoveryError> {
    if bytes.len() != BACKUP_ENTRY_LEN || &bytes[..4] != BACKUP_ENTRY_MAGIC {
        return Err(RecoveryError::MalformedKey);
    }
    let mut key = [0u8; 32];
    key.copy_from_slice(&bytes[4..]);
    let out = WrappingKey::from_bytes(key);
    key.zeroize();
    Ok(out)
}

/// Everything a device creates when it sets up a cloud backup: the backup key (to write to the
/// cloud) and what it registers (public key, wrapped private key, proof of possession).
pub struct NewCloudBackup {
    /// The random 256-bit backup key. Zeroized on drop; written to the cloud only.
    pub key: WrappingKey,
    /// Base64 public key.
    pub public_key: String,
    /// Base64 wrapped private key (AES-256-GCM under `key`, bound to method, user, version).
    pub wrapped_key: String,
    /// Base64 signature over the set-up challenge's proof context (proof of possession).
    pub signature: String,
}

impl fmt::Debug for NewCloudBackup {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("NewCloudBackup")
            .field("public_key", &self.public_key)
            .finish_non_exhaustive()
    }
}

impl NewCloudBackup {
    /// A fresh backup key and key pair for `proof` (whose method, user and version also bind
    /// the wrapped key).
    pub fn create(proof: &ProofContext<'_>, rng: &dyn SecureRandom) -> Result<Self, RecoveryError> {
        let mut raw = Zeroizing::new([0u8; 32]);
        rng.fill(&mut raw[..])
            .map_err(|_| RecoveryError::CryptoFailed)?;
        let key = WrappingKey::from_bytes(*raw);
        let pair = RecoveryKeyPair::generate(rng)?;
        let kctx = KeyContext {
            method: proof.method,
            user_id: proof.user_id,
            version: proof.version,
        };
        let wrapped_key = wrap(&key, &kctx, pair.pkcs8(), rng)?;
        let signature = pair.sign_proof(proof, rng)?;
        Ok(NewCloudBackup {
            key,
            public_key: pair.public_key(),
            wrapped_key,
            signature,
        })
    }

    /// The entry to write to the cloud ([`encode_backup_entry`]).
    pub fn entry(&self) -> Zeroizing<Vec<u8>> {
        encode_backup_entry(&self.key)
    }
}

/// Whether a cloud entry opens `wrapped_key` for `ctx` (a resumed set-up checks the entry it
/// finds before acknowledging it).
pub fn backup_opens(entry: &[u8], ctx: &KeyContext<'_>, wrapped_key: &str) -> bool {
    decode_backup_entry(entry)
        .and_then(|key| unwrap(&key, ctx, wrapped_key))
        .is_ok()
}

/// Recovery with a cloud entry: read the backup key, open the wrapped key and sign the proof.
/// [`RecoveryError::MalformedKey`] when the entry is not a backup entry;
/// [`RecoveryError::WrongCode`] when it does not open the key; nothing is to be sent then.
pub fn prove_with_backup(
    entry: &[u8],
    wrapped_key: &str,
    proof: &ProofContext<'_>,
    rng: &dyn SecureRandom,
) -> Result<String, RecoveryError> {
    let key = decode_backup_entry(entry)?;
    let kctx = KeyContext {
        method: proof.method,
        user_id: proof.user_id,
        version: proof.version,
    };
    let pkcs8 = unwrap(&key, &kctx, wrapped_key)?;
    let pair = RecoveryKeyPair::from_pkcs8(&pkcs8, rng).map_err(|_| RecoveryError::WrongCode)?;
    pair.sign_proof(proof, rng)
}

#[cfg(test)]
mod tests {
    use super::*;
    use ring::rand::SystemRandom;

    fn proof<'a>(nonce: &'a str) -> ProofContext<'a> {
        ProofContext {
            challenge_id: "c1",
            method: method::RECOVERY_CODE,
            user_id: "user-1",
            version: 1,
            nonce,
        }
    }

    #[test]
    fn gf32_is_a_field() {
        for a in 1..32u8 {
            assert_eq!((1..32u8).filter(|&b| gf32_mul(a, b) == 1).count(), 1);
        }
    }

    #[test]
    fn every_single_substitution_and_adjacent_swap_is_caught_in_its_group() {
        let code = RecoveryCode::from_entropy(&[0x5a; 18]);
        let s = code.expose().as_bytes().to_vec();
        for i in 0..CODE_LEN {
            for &sym in CODE_ALPHABET {
                if sym == s[i] {
                    continue;
                }
                let mut t = s.clone();
                t[i] = sym;
                let err = RecoveryCode::parse(std::str::from_utf8(&t).unwrap()).unwrap_err();
                assert_eq!(err.group(), Some((i / GROUP_LEN) as u32 + 1));
            }
            if i + 1 < CODE_LEN && i / GROUP_LEN == (i + 1) / GROUP_LEN && s[i] != s[i + 1] {
                let mut t = s.clone();
                t.swap(i, i + 1);
                let err = RecoveryCode::parse(std::str::from_utf8(&t).unwrap()).unwrap_err();
                assert_eq!(
                    err,
                    CodeRejection::Typo {
                        group: (i / GROUP_LEN) as u32 + 1
                    }
                );
            }
        }
        // Two groups swapped.
        let mut t = s.clone();
        let (a, b) = t.split_at_mut(GROUP_LEN);
        a.swap_with_slice(&mut b[..GROUP_LEN]);
        if s[..GROUP_LEN] != s[GROUP_LEN..2 * GROUP_LEN] {
            assert!(RecoveryCode::parse(std::str::from_utf8(&t).unwrap()).is_err());
        }
    }

    #[test]
    fn parse_is_lenient_about_case_separators_and_lookalikes() {
        let code = RecoveryCode::generate(&SystemRandom::new()).unwrap();
        let shown = code.display();
        let typed = shown.to_lowercase().replace('-', " ");
        assert_eq!(RecoveryCode::parse(&typed).unwrap().expose(), code.expose());
        let one = code.expose().replace('1', "l").replace('0', "O");
        assert_eq!(RecoveryCode::parse(&one).unwrap().expose(), code.expose());
        assert_eq!(
            RecoveryCode::parse("ABCD").unwrap_err(),
            CodeRejection::Length { got: 4 }
        );
        let mut groups: Vec<String> = code.groups().iter().map(|g| g.to_string()).collect();
        groups[3].pop();
        assert_eq!(
            RecoveryCode::parse(&groups.join("-")).unwrap_err(),
            CodeRejection::GroupLength { group: 4 }
        );
        groups[3] = "AB!DE".into();
        assert_eq!(
            RecoveryCode::parse(&groups.join("-")).unwrap_err(),
            CodeRejection::InvalidCharacter { group: 4 }
        );
        assert!(!format!("{code:?}").contains(code.expose()));
    }

    #[test]
    fn set_up_then_prove_and_verify() {
        let rng = SystemRandom::new();
        let nonce = new_nonce(&rng).unwrap();
        let p = proof(&nonce);
        let made = NewRecoveryCode::create(&p, &rng).unwrap();
        verify_proof(&made.public_key, &p, &made.signature).unwrap();
        let sig = prove_with_code(&made.code.display(), &made.wrapped_key, &p, &rng).unwrap();
        verify_proof(&made.public_key, &p, &sig).unwrap();
        // Bound to the challenge and the nonce.
        let other = ProofContext {
            challenge_id: "c2",
            ..p
        };
        assert_eq!(
            verify_proof(&made.public_key, &other, &sig),
            Err(RecoveryError::BadSignature)
        );
        // Another code: a different, well-formed code does not open the key.
        let wrong = RecoveryCode::generate(&rng).unwrap();
        assert_eq!(
            prove_with_code(wrong.expose(), &made.wrapped_key, &p, &rng),
            Err(RecoveryError::WrongCode)
        );
        // Another user or version: the associated data differs.
        let q = ProofContext {
            user_id: "user-2",
            ..p
        };
        assert_eq!(
            prove_with_code(made.code.expose(), &made.wrapped_key, &q, &rng),
            Err(RecoveryError::WrongCode)
        );
        // A tampered wrapped key.
        let mut raw = STANDARD.decode(&made.wrapped_key).unwrap();
        raw[20] ^= 1;
        assert_eq!(
            prove_with_code(made.code.expose(), &STANDARD.encode(raw), &p, &rng),
            Err(RecoveryError::WrongCode)
        );
        assert!(!format!("{made:?}").contains(made.code.expose()));
    }

    #[test]
    fn cloud_backup_set_up_then_prove() {
        let rng = SystemRandom::new();
        let nonce = new_nonce(&rng).unwrap();
        let p = ProofContext {
            method: method::CLOUD_BACKUP,
            ..proof(&nonce)
        };
        let made = NewCloudBackup::create(&p, &rng).unwrap();
        verify_proof(&made.public_key, &p, &made.signature).unwrap();
        let entry = made.entry();
        assert_eq!(entry.len(), BACKUP_ENTRY_LEN);
        let sig = prove_with_backup(&entry, &made.wrapped_key, &p, &rng).unwrap();
        verify_proof(&made.public_key, &p, &sig).unwrap();
        let kctx = KeyContext {
            method: p.method,
            user_id: p.user_id,
            version: p.version,
        };
        assert!(backup_opens(&entry, &kctx, &made.wrapped_key));
        // Another version's binding does not open it.
        let k2 = KeyContext { version: 2, ..kctx };
        assert!(!backup_opens(&entry, &k2, &made.wrapped_key));
        // An altered entry, or not an entry at all.
        let mut bad = entry.to_vec();
        bad[10] ^= 1;
        assert_eq!(
            prove_with_backup(&bad, &made.wrapped_key, &p, &rng),
            Err(RecoveryError::WrongCode)
        );
        assert_eq!(
            prove_with_backup(b"hello", &made.wrapped_key, &p, &rng),
            Err(RecoveryError::MalformedKey)
        );
        assert!(!format!("{made:?}").contains(&STANDARD.encode(made.key.expose())));
        let name = backup_entry_name("user-1", 7);
        assert!(name.starts_with("latchkey-backup-") && name.ends_with("-v7"));
        assert!(name
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-'));
        assert_ne!(name, backup_entry_name("user-2", 7));
    }

    /// The vector of `docs/protocol.md` section 9.1.
    #[test]
    fn cloud_entry_vector() {
        assert_eq!(
            backup_entry_name("alice-0001", 2),
            "latchkey-backup-20231894ac7ae720001f9efbd15e5fda-v2"
        );
        let mut key = [0u8; 32];
        for (i, b) in key.iter_mut().enumerate() {
            *b = i as u8;
        }
        let entry = encode_backup_entry(&WrappingKey::from_bytes(key));
        let hex: String = entry.iter().map(|b| format!("{b:02x}")).collect();
        assert_eq!(
            hex,
            "4c4b4231000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f"
        );
        assert_eq!(decode_backup_entry(&entry).unwrap().expose(), &key);
    }
}
