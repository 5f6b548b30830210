//! The cloud-backup entry format `LKB1` (docs/protocol.md section 9.1) and the recovery key
//! material around it (`latchkey_protocol::recovery`): `decode_backup_entry`,
//! `encode_backup_entry`, `backup_entry_name`, `backup_opens`, `prove_with_backup`,
//! `check_wrapped_format`, `wrap_with_nonce`/`unwrap`, `ProofContext::message`,
//! `check_public_key` and `verify_proof`. The first byte picks what the rest is used as.
//!
//! Invariants: never panics; an entry decodes exactly when it is 36 bytes starting with
//! `LKB1`, and encodes back to the same bytes; entry names are `latchkey-backup-` + 32 hex
//! digits + `-v` + the version, only `[a-z0-9-]`; only the real entry opens the real wrapped
//! key, and then its proof verifies; a wrapped key opens only when it is the real one; wrapping
//! any bytes for any user opens to the same bytes and not for another version, method or user,
//! nor after one changed byte; a proof message exists only for a 32-byte nonce.
#![no_main]

use base64::engine::general_purpose::STANDARD;
use base64::Engine as _;
use latchkey_protocol::recovery::{
    backup_entry_name, backup_opens, check_public_key, check_wrapped_format, decode_backup_entry,
    encode_backup_entry, method, prove_with_backup, unwrap, verify_proof, wrap_with_nonce,
    KeyContext, ProofContext, RecoveryError, RecoveryKeyPair, WrappingKey, BACKUP_ENTRY_LEN,
    BACKUP_ENTRY_MAGIC, MAX_WRAPPED_BYTES,
};
use libfuzzer_sys::fuzz_target;
use ring::rand::SystemRandom;
use std::sync::OnceLock;

/// The PKCS#8 key of protocol/tests/recovery_vectors.json (`wrap.pkcs8`).
const PKCS8_HEX: &str = "308187020100301306072a8648ce3d020106082a8648ce3d030107046d306b0201010420f30818d4bbd8be2dbf5c53b859f456e66faaa04195459b8721e33fd4438ebd1fa1440342000457d7ecdcfe684cedf8a415b022414f517fb62599c6eeda0bc2cebbd612ef7ea9c5927e26780d4bb849b8ce6a706b7237f73e38ca3436cf853539361ff645ca91";
/// docs/protocol.md 9.1: the backup key 00 01 .. 1f, user alice-0001, version 2.
const USER: &str = "alice-0001";
const VERSION: u32 = 2;
const NONCE: &str = "QkJCQkJCQkJCQkJCQkJCQkJCQkJCQkJCQkJCQkJCQkI=";

struct Real {
    entry: Vec<u8>,
    wrapped: String,
    public_key: String,
}

fn backup_key() -> WrappingKey {
    let mut k = [0u8; 32];
    for (i, b) in k.iter_mut().enumerate() {
        *b = i as u8;
    }
    WrappingKey::from_bytes(k)
}

fn ctx() -> KeyContext<'static> {
    KeyContext {
        method: method::CLOUD_BACKUP,
        user_id: USER,
        version: VERSION,
    }
}

fn real() -> &'static Real {
    static R: OnceLock<Real> = OnceLock::new();
    R.get_or_init(|| {
        let pkcs8: Vec<u8> = (0..PKCS8_HEX.len())
            .step_by(2)
            .map(|i| u8::from_str_radix(&PKCS8_HEX[i..i + 2], 16).expect("hex"))
            .collect();
        let key = backup_key();
        let pair = RecoveryKeyPair::from_pkcs8(&pkcs8, &SystemRandom::new()).expect("pkcs8");
        Real {
            entry: encode_backup_entry(&key).to_vec(),
            wrapped: wrap_with_nonce(&key, &ctx(), &pkcs8, [0xa5; 12]).expect("wrap"),
            public_key: pair.public_key(),
        }
    })
}

fn proof(nonce: &str) -> ProofContext<'_> {
    ProofContext {
        challenge_id: "7d1c9e44-2b6a-4f1e-9a3c-5e8f0b1d2c3a",
        method: method::CLOUD_BACKUP,
        user_id: USER,
        version: VERSION,
        nonce,
    }
}

fuzz_target!(|data: &[u8]| {
    let Some((&sel, rest)) = data.split_first() else {
        return;
    };
    let real = real();
    let text = String::from_utf8_lossy(rest);

    // The entry format.
    match decode_backup_entry(rest) {
        Ok(k) => {
            assert!(rest.len() == BACKUP_ENTRY_LEN && rest.starts_with(BACKUP_ENTRY_MAGIC));
            assert_eq!(
                &encode_backup_entry(&k)[..],
                rest,
                "entry does not encode back"
            );
        }
        Err(e) => {
            assert_eq!(e, RecoveryError::MalformedKey);
            assert!(rest.len() != BACKUP_ENTRY_LEN || !rest.starts_with(BACKUP_ENTRY_MAGIC));
        }
    }
    let version = u32::from(sel) * 0x0101_0101;
    let name = backup_entry_name(&text, version);
    let suffix = format!("-v{version}");
    assert!(name.starts_with("latchkey-backup-") && name.ends_with(&suffix));
    assert_eq!(name.len(), "latchkey-backup-".len() + 32 + suffix.len());
    assert!(name
        .bytes()
        .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-'));
    assert_ne!(name, backup_entry_name(&text, version.wrapping_add(1)));

    match sel % 4 {
        0 => {
            // The bytes as a cloud entry for the real wrapped key.
            let opens = backup_opens(rest, &ctx(), &real.wrapped);
            assert_eq!(
                opens,
                rest == &real.entry[..],
                "an entry opened another's key"
            );
            let rng = SystemRandom::new();
            match prove_with_backup(rest, &real.wrapped, &proof(NONCE), &rng) {
                Ok(sig) => {
                    assert!(opens);
                    verify_proof(&real.public_key, &proof(NONCE), &sig)
                        .expect("the proof verifies");
                }
                Err(e) => {
                    assert!(!opens);
                    assert!(matches!(
                        e,
                        RecoveryError::MalformedKey | RecoveryError::WrongCode
                    ));
                }
            }
        }
        1 => {
            // The text as a wrapped key, opened with the real backup key.
            let format_ok = check_wrapped_format(&text).is_ok();
            match unwrap(&backup_key(), &ctx(), &text) {
                Ok(_) => {
                    assert!(format_ok);
                    assert_eq!(
                        STANDARD.decode(text.as_bytes()).ok(),
                        STANDARD.decode(&real.wrapped).ok(),
                        "a forged wrapped key opened"
                    );
                }
                Err(e) => assert_eq!(
                    e,
                    if format_ok {
                        RecoveryError::WrongCode
                    } else {
                        RecoveryError::MalformedKey
                    }
                ),
            }
        }
        2 => {
            // Wrap the bytes for a user named by them; open; refuse every other binding.
            let (k, pkcs8) = rest.split_at(rest.len().min(32));
            let mut kb = [0u8; 32];
            kb[..k.len()].copy_from_slice(k);
            let key = WrappingKey::from_bytes(kb);
            let user = String::from_utf8_lossy(&pkcs8[..pkcs8.len().min(40)]);
            let kctx = KeyContext {
                method: method::RECOVERY_CODE,
                user_id: &user,
                version,
            };
            let wrapped = wrap_with_nonce(&key, &kctx, pkcs8, [sel; 12]).expect("wrap");
            if pkcs8.is_empty() || pkcs8.len() > MAX_WRAPPED_BYTES - 29 {
                // Outside the documented format (a PKCS#8 document is never empty nor near
                // 1 KiB): the format check refuses it before any decryption.
                assert_eq!(
                    unwrap(&key, &kctx, &wrapped).map(|_| ()),
                    Err(RecoveryError::MalformedKey)
                );
                return;
            }
            check_wrapped_format(&wrapped).expect("own wrapped key is well-formed");
            assert_eq!(&unwrap(&key, &kctx, &wrapped).expect("opens")[..], pkcs8);
            for other in [
                KeyContext {
                    version: version.wrapping_add(1),
                    ..kctx
                },
                KeyContext {
                    method: method::CLOUD_BACKUP,
                    ..kctx
                },
                KeyContext {
                    user_id: "someone-else",
                    ..kctx
                },
            ] {
                assert_eq!(
                    unwrap(&key, &other, &wrapped).map(|_| ()),
                    Err(RecoveryError::WrongCode),
                    "opened for another binding"
                );
            }
            let mut raw = STANDARD.decode(&wrapped).expect("base64");
            let i = usize::from(sel) % raw.len();
            raw[i] ^= 0x01;
            assert!(
                unwrap(&key, &kctx, &STANDARD.encode(&raw)).is_err(),
                "tampered key opened"
            );
        }
        _ => {
            // Proof material: public key, signature and nonce, one per line.
            let mut parts = text.splitn(3, '\n');
            let pk = parts.next().unwrap_or("");
            let sig = parts.next().unwrap_or("");
            let nonce = parts.next().unwrap_or("");
            if let Ok(raw) = check_public_key(pk) {
                assert!(raw.len() == 65 && raw[0] == 4);
            }
            match proof(nonce).message() {
                Ok(m) => {
                    assert_eq!(STANDARD.decode(nonce).map(|n| n.len()).ok(), Some(32));
                    assert!(m.ends_with(&STANDARD.decode(nonce).expect("nonce")));
                }
                Err(e) => assert_eq!(e, RecoveryError::MalformedKey),
            }
            let _ = verify_proof(pk, &proof(nonce), sig);
            let _ = verify_proof(&real.public_key, &proof(nonce), sig);
        }
    }
});
