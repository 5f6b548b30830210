//! Session keys and the envelope every input is sealed in before it leaves the device.
//!
//! Format (see `docs/protocol.md`): `base64( 0x01 || nonce[12] || AES-256-GCM(ciphertext || tag[16]) )`.
//! The AES key is derived per challenge with HKDF-SHA256 from the 32-byte session key; the
//! associated data binds the protocol version, challenge id, challenge type and step.

use crate::codes::ErrorCode;
use crate::messages::Step;
use crate::wire::ChallengeType;
use base64::engine::general_purpose::STANDARD;
use base64::Engine as _;
use ring::aead::{Aad, LessSafeKey, Nonce, UnboundKey, AES_256_GCM, NONCE_LEN};
use ring::hkdf;
use ring::rand::SecureRandom;
use serde::de::DeserializeOwned;
use serde::Serialize;
use std::fmt;
use zeroize::Zeroizing;

/// Envelope format version, the first byte of every envelope.
pub const ENVELOPE_VERSION: u8 = 1;
/// Largest envelope (decoded bytes) either side accepts.
pub const MAX_ENVELOPE_BYTES: usize = 16 * 1024;
const TAG_LEN: usize = 16;
const HKDF_SALT: &[u8] = b"latchkey/v1/envelope-key";
const AAD_LABEL: &[u8] = b"latchkey/v1/envelope";

/// Why an envelope could not be sealed or opened. Carries nothing of the plaintext.
#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
pub enum EnvelopeError {
    /// The session key is not base64 of exactly 32 bytes (155118).
    #[error("the encryption key must be base64 of 32 bytes")]
    InvalidKey,
    /// Not valid base64.
    #[error("the envelope is not valid base64")]
    InvalidEncoding,
    /// Shorter than header + tag.
    #[error("the envelope is truncated")]
    Truncated,
    /// Larger than [`MAX_ENVELOPE_BYTES`].
    #[error("the envelope is too large")]
    TooLarge,
    /// Unknown version byte.
    #[error("unsupported envelope version {0}")]
    UnsupportedVersion(u8),
    /// Authentication failed: tampered, wrong key, or sealed for another challenge or step.
    #[error("the envelope failed authentication")]
    Rejected,
    /// The plaintext is not the expected JSON message.
    #[error("the envelope content is malformed")]
    MalformedPayload,
    /// A context field (challenge id, type or step) is longer than 65,535 bytes.
    #[error("a context field is too long for the associated data")]
    FieldTooLong,
    /// Sealing failed (random source or encoding failure).
    #[error("sealing failed")]
    SealFailed,
}

impl EnvelopeError {
    /// The 155xxx code for this error.
    pub fn code(self) -> ErrorCode {
        match self {
            EnvelopeError::InvalidKey => ErrorCode::InvalidEncryptionKey,
            EnvelopeError::SealFailed => ErrorCode::EncryptionFailed,
            EnvelopeError::UnsupportedVersion(_) => ErrorCode::UnsupportedProtocolVersion,
            _ => ErrorCode::EnvelopeRejected,
        }
    }
}

/// A session's 32-byte `encryptionKey`. Zeroized on drop; `Debug` never shows it.
#[derive(Clone)]
pub struct SessionKey(Zeroizing<[u8; 32]>);

impl fmt::Debug for SessionKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("SessionKey(<redacted>)")
    }
}

impl SessionKey {
    /// Parses the base64 (standard alphabet, padded) `encryptionKey`; anything that is not
    /// exactly 32 bytes is refused with [`EnvelopeError::InvalidKey`] (155118).
    pub fn from_base64(b64: &str) -> Result<Self, EnvelopeError> {
        let bytes = Zeroizing::new(
            STANDARD
                .decode(b64.trim())
                .map_err(|_| EnvelopeError::InvalidKey)?,
        );
        let arr: [u8; 32] = bytes
            .as_slice()
            .try_into()
            .map_err(|_| EnvelopeError::InvalidKey)?;
        Ok(SessionKey(Zeroizing::new(arr)))
    }

    /// Wraps raw key bytes.
    pub fn from_bytes(bytes: [u8; 32]) -> Self {
        SessionKey(Zeroizing::new(bytes))
    }

    /// Makes a new random key.
    pub fn generate(rng: &dyn SecureRandom) -> Result<Self, EnvelopeError> {
        let mut k = Zeroizing::new([0u8; 32]);
        rng.fill(&mut k[..])
            .map_err(|_| EnvelopeError::SealFailed)?;
        Ok(SessionKey(k))
    }

    /// The base64 form handed to the SDK as `encryptionKey`.
    pub fn to_base64(&self) -> Zeroizing<String> {
        Zeroizing::new(STANDARD.encode(&self.0[..]))
    }

    fn challenge_key(&self, challenge_id: &str) -> Result<LessSafeKey, EnvelopeError> {
        let salt = hkdf::Salt::new(hkdf::HKDF_SHA256, HKDF_SALT);
        let prk = salt.extract(&self.0[..]);
        let info = [challenge_id.as_bytes()];
        let okm = prk
            .expand(&info, &AES_256_GCM)
            .map_err(|_| EnvelopeError::SealFailed)?;
        Ok(LessSafeKey::new(UnboundKey::from(okm)))
    }
}

/// What an envelope is bound to: it opens only for the same challenge id, type and step.
#[derive(Clone, Copy, Debug)]
pub struct EnvelopeContext<'a> {
    /// Challenge id.
    pub challenge_id: &'a str,
    /// Challenge type.
    pub challenge_type: &'a ChallengeType,
    /// Step within the challenge.
    pub step: &'a Step,
}

impl EnvelopeContext<'_> {
    /// The associated data: label, version, then each field as u16 big-endian length + UTF-8.
    ///
    /// A field longer than 65,535 bytes cannot be length-prefixed and is refused with
    /// [`EnvelopeError::FieldTooLong`] (never truncated: two contexts that differ only past the
    /// cut would otherwise share associated data).
    pub fn associated_data(&self) -> Result<Vec<u8>, EnvelopeError> {
        let fields = [
            self.challenge_id,
            self.challenge_type.as_str(),
            self.step.as_str(),
        ];
        let mut aad = Vec::with_capacity(
            AAD_LABEL.len() + 1 + fields.iter().map(|f| 2 + f.len()).sum::<usize>(),
        );
        aad.extend_from_slice(AAD_LABEL);
        aad.push(ENVELOPE_VERSION);
        for field in fields {
            let len = u16::try_from(field.len()).map_err(|_| EnvelopeError::FieldTooLong)?;
            aad.extend_from_slice(&len.to_be_bytes());
            aad.extend_from_slice(field.as_bytes());
        }
        Ok(aad)
    }
}

/// Seals `plaintext` with a fresh random nonce.
pub fn seal(
    key: &SessionKey,
    ctx: &EnvelopeContext<'_>,
    plaintext: &[u8],
    rng: &dyn SecureRandom,
) -> Result<String, EnvelopeError> {
    let mut nonce = [0u8; NONCE_LEN];
    rng.fill(&mut nonce)
        .map_err(|_| EnvelopeError::SealFailed)?;
    seal_with_nonce(key, ctx, plaintext, nonce)
}

/// Seals with a caller-chosen nonce. Only for fixed test vectors: a nonce must never be used
/// twice with the same key. Use [`seal`] everywhere else.
pub fn seal_with_nonce(
    key: &SessionKey,
    ctx: &EnvelopeContext<'_>,
    plaintext: &[u8],
    nonce: [u8; NONCE_LEN],
) -> Result<String, EnvelopeError> {
    if plaintext.len() + 1 + NONCE_LEN + TAG_LEN > MAX_ENVELOPE_BYTES {
        return Err(EnvelopeError::TooLarge);
    }
    let aead_key = key.challenge_key(ctx.challenge_id)?;
    let mut buf = Zeroizing::new(Vec::with_capacity(
        1 + NONCE_LEN + plaintext.len() + TAG_LEN,
    ));
    buf.push(ENVELOPE_VERSION);
    buf.extend_from_slice(&nonce);
    buf.extend_from_slice(plaintext);
    let tag = aead_key
        .seal_in_place_separate_tag(
            Nonce::assume_unique_for_key(nonce),
            Aad::from(ctx.associated_data()?),
            &mut buf[1 + NONCE_LEN..],
        )
        .map_err(|_| EnvelopeError::SealFailed)?;
    buf.extend_from_slice(tag.as_ref());
    Ok(STANDARD.encode(&buf[..]))
}

/// Opens an envelope; the plaintext is zeroized when the returned buffer drops.
pub fn open(
    key: &SessionKey,
    ctx: &EnvelopeContext<'_>,
    envelope: &str,
) -> Result<Zeroizing<Vec<u8>>, EnvelopeError> {
    if envelope.len() > MAX_ENVELOPE_BYTES * 4 / 3 + 4 {
        return Err(EnvelopeError::TooLarge);
    }
    let mut raw = Zeroizing::new(
        STANDARD
            .decode(envelope)
            .map_err(|_| EnvelopeError::InvalidEncoding)?,
    );
    if raw.is_empty() {
        return Err(EnvelopeError::Truncated);
    }
    if raw[0] != ENVELOPE_VERSION {
        return Err(EnvelopeError::UnsupportedVersion(raw[0]));
    }
    if raw.len() < 1 + NONCE_LEN + TAG_LEN {
        return Err(EnvelopeError::Truncated);
    }
    let mut nonce = [0u8; NONCE_LEN];
    nonce.copy_from_slice(&raw[1..1 + NONCE_LEN]);
    let aead_key = key.challenge_key(ctx.challenge_id)?;
    let plain_len = aead_key
        .open_in_place(
            Nonce::assume_unique_for_key(nonce),
            Aad::from(ctx.associated_data()?),
            &mut raw[1 + NONCE_LEN..],
        )
        .map_err(|_| EnvelopeError::Rejected)?
        .len();
    Ok(Zeroizing::new(
        raw[1 + NONCE_LEN..1 + NONCE_LEN + plain_len].to_vec(),
    ))
}

/// Counts the bytes written to it and keeps none of them.
struct ByteCounter(usize);

impl std::io::Write for ByteCounter {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0 += buf.len();
        Ok(buf.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

/// Serializes `msg` as JSON into a zeroizing buffer and seals it.
///
/// The JSON is measured first and written into a buffer of exactly that size, so the plaintext
/// is never left behind in a smaller buffer that a reallocation freed without wiping.
pub fn seal_json<T: Serialize>(
    key: &SessionKey,
    ctx: &EnvelopeContext<'_>,
    msg: &T,
    rng: &dyn SecureRandom,
) -> Result<String, EnvelopeError> {
    let mut counter = ByteCounter(0);
    serde_json::to_writer(&mut counter, msg).map_err(|_| EnvelopeError::SealFailed)?;
    if counter.0 + 1 + NONCE_LEN + TAG_LEN > MAX_ENVELOPE_BYTES {
        return Err(EnvelopeError::TooLarge);
    }
    let mut buf = Zeroizing::new(Vec::with_capacity(counter.0));
    serde_json::to_writer(&mut *buf, msg).map_err(|_| EnvelopeError::SealFailed)?;
    debug_assert_eq!(buf.len(), buf.capacity(), "the JSON buffer never grew");
    seal(key, ctx, &buf, rng)
}

/// Opens an envelope and decodes its JSON content.
pub fn open_json<T: DeserializeOwned>(
    key: &SessionKey,
    ctx: &EnvelopeContext<'_>,
    envelope: &str,
) -> Result<T, EnvelopeError> {
    let plain = open(key, ctx, envelope)?;
    serde_json::from_slice(&plain).map_err(|_| EnvelopeError::MalformedPayload)
}

#[cfg(test)]
mod tests {
    use super::*;
    use ring::rand::SystemRandom;

    fn key(b: u8) -> SessionKey {
        SessionKey::from_bytes([b; 32])
    }

    fn ctx<'a>(id: &'a str, t: &'a ChallengeType, s: &'a Step) -> EnvelopeContext<'a> {
        EnvelopeContext {
            challenge_id: id,
            challenge_type: t,
            step: s,
        }
    }

    #[test]
    fn round_trip() {
        let rng = SystemRandom::new();
        let t = ChallengeType::ChangePin;
        let s = Step::CurrentPin;
        let c = ctx("c1", &t, &s);
        let env = seal(&key(7), &c, b"{\"pin\":\"135790\"}", &rng).unwrap();
        assert_eq!(
            &open(&key(7), &c, &env).unwrap()[..],
            b"{\"pin\":\"135790\"}"
        );
        let env2 = seal(&key(7), &c, b"{\"pin\":\"135790\"}", &rng).unwrap();
        assert_ne!(env, env2, "fresh nonce each time");
    }

    #[test]
    fn rejections() {
        let rng = SystemRandom::new();
        let t = ChallengeType::ChangePin;
        let t2 = ChallengeType::RestorePin;
        let s = Step::CurrentPin;
        let s2 = Step::Complete;
        let c = ctx("c1", &t, &s);
        let env = seal(&key(7), &c, b"hello", &rng).unwrap();
        let raw = STANDARD.decode(&env).unwrap();

        assert_eq!(open(&key(8), &c, &env), Err(EnvelopeError::Rejected));
        assert_eq!(
            open(&key(7), &ctx("c2", &t, &s), &env),
            Err(EnvelopeError::Rejected)
        );
        assert_eq!(
            open(&key(7), &ctx("c1", &t2, &s), &env),
            Err(EnvelopeError::Rejected)
        );
        assert_eq!(
            open(&key(7), &ctx("c1", &t, &s2), &env),
            Err(EnvelopeError::Rejected)
        );
        for i in 0..raw.len() {
            let mut bad = raw.clone();
            bad[i] ^= 0x01;
            let r = open(&key(7), &c, &STANDARD.encode(&bad));
            assert!(r.is_err(), "flip at byte {i}");
        }
        for n in 0..raw.len() {
            let r = open(&key(7), &c, &STANDARD.encode(&raw[..n]));
            assert!(
                matches!(r, Err(EnvelopeError::Truncated | EnvelopeError::Rejected)),
                "{n}"
            );
        }
        let mut v2 = raw.clone();
        v2[0] = 2;
        assert_eq!(
            open(&key(7), &c, &STANDARD.encode(&v2)),
            Err(EnvelopeError::UnsupportedVersion(2))
        );
        assert_eq!(
            open(&key(7), &c, "not base64!"),
            Err(EnvelopeError::InvalidEncoding)
        );
        assert_eq!(open(&key(7), &c, ""), Err(EnvelopeError::Truncated));
        let big = "A".repeat(MAX_ENVELOPE_BYTES * 2);
        assert_eq!(open(&key(7), &c, &big), Err(EnvelopeError::TooLarge));
    }

    #[test]
    fn overlong_context_field_is_refused_not_truncated() {
        let rng = SystemRandom::new();
        let t = ChallengeType::ChangePin;
        let s = Step::CurrentPin;
        let long_a = format!("{}a", "x".repeat(usize::from(u16::MAX)));
        let long_b = format!("{}b", "x".repeat(usize::from(u16::MAX)));
        assert_eq!(
            ctx(&long_a, &t, &s).associated_data(),
            Err(EnvelopeError::FieldTooLong)
        );
        assert_eq!(
            seal(&key(7), &ctx(&long_a, &t, &s), b"x", &rng),
            Err(EnvelopeError::FieldTooLong)
        );
        let fits = "x".repeat(usize::from(u16::MAX));
        let env = seal(&key(7), &ctx(&fits, &t, &s), b"x", &rng).unwrap();
        assert_eq!(&open(&key(7), &ctx(&fits, &t, &s), &env).unwrap()[..], b"x");
        assert_eq!(
            open(&key(7), &ctx(&long_b, &t, &s), &env),
            Err(EnvelopeError::FieldTooLong)
        );
    }

    #[test]
    fn seal_json_sizes_its_buffer_once() {
        #[derive(Serialize)]
        struct Big {
            answer: String,
        }
        let rng = SystemRandom::new();
        let t = ChallengeType::ChangePin;
        let s = Step::Complete;
        let c = ctx("c1", &t, &s);
        // Larger than the old 1 KiB starting buffer: would have reallocated.
        let msg = Big {
            answer: "y".repeat(4000),
        };
        let env = seal_json(&key(7), &c, &msg, &rng).unwrap();
        let plain = open(&key(7), &c, &env).unwrap();
        assert_eq!(plain.len(), 4000 + r#"{"answer":""}"#.len());
        let too_big = Big {
            answer: "y".repeat(MAX_ENVELOPE_BYTES),
        };
        assert_eq!(
            seal_json(&key(7), &c, &too_big, &rng),
            Err(EnvelopeError::TooLarge)
        );
    }

    #[test]
    fn session_key_parsing() {
        assert!(SessionKey::from_base64(&STANDARD.encode([1u8; 32])).is_ok());
        for bad in [
            "",
            "abc",
            &STANDARD.encode([1u8; 31]),
            &STANDARD.encode([1u8; 33]),
            "!!!!",
        ] {
            assert_eq!(
                SessionKey::from_base64(bad).err(),
                Some(EnvelopeError::InvalidKey)
            );
        }
        assert_eq!(
            EnvelopeError::InvalidKey.code(),
            ErrorCode::InvalidEncryptionKey
        );
        let k = SessionKey::generate(&SystemRandom::new()).unwrap();
        let back = SessionKey::from_base64(&k.to_base64()).unwrap();
        assert_eq!(&back.0[..], &k.0[..]);
        assert!(!format!("{k:?}").contains(&k.to_base64()[..8]));
    }
}
