//! The size floor for `liblatchkey.so` (see `docs/benchmarks.md`): a cdylib with exactly the
//! stack the SDK library is built on — uniffi, a tokio multi-thread runtime, reqwest with
//! rustls, serde/serde_json and ring — and nothing else. One exported function exercises each
//! of them so the linker keeps what the real library would keep: it builds a reqwest client,
//! spawns a GET on a tokio runtime, decodes JSON with serde, then serializes a struct and seals
//! it with AES-256-GCM under an HKDF-derived key with a random nonce.

use ring::aead::{Aad, LessSafeKey, Nonce, UnboundKey, AES_256_GCM, NONCE_LEN};
use ring::hkdf;
use ring::rand::{SecureRandom, SystemRandom};
use serde::{Deserialize, Serialize};
use std::time::Duration;

uniffi::setup_scaffolding!();

/// What the floor function serializes and seals.
#[derive(Serialize, Deserialize)]
struct Payload {
    url: String,
    status: u16,
    body: serde_json::Value,
}

/// Fetches `url` (JSON) on a tokio runtime, then serializes the result and seals it with
/// `key32`; returns the envelope length, or 0 on any failure.
#[uniffi::export]
pub fn floor_exercise(url: String, key32: Vec<u8>) -> u64 {
    let rt = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(_) => return 0,
    };
    let client = match reqwest::Client::builder()
        .timeout(Duration::from_secs(5))
        .build()
    {
        Ok(c) => c,
        Err(_) => return 0,
    };
    let u = url.clone();
    let fetched = rt.block_on(async move {
        let task = tokio::spawn(async move {
            let resp = client.get(&u).send().await.ok()?;
            let status = resp.status().as_u16();
            let body = resp.json::<serde_json::Value>().await.ok()?;
            Some((status, body))
        });
        tokio::time::timeout(Duration::from_secs(10), task).await
    });
    let (status, body) = match fetched {
        Ok(Ok(Some(v))) => v,
        _ => (0, serde_json::Value::Null),
    };
    let plain = match serde_json::to_vec(&Payload { url, status, body }) {
        Ok(p) => p,
        Err(_) => return 0,
    };
    seal(&key32, &plain).map_or(0, |n| n as u64)
}

fn seal(key32: &[u8], plain: &[u8]) -> Option<usize> {
    let prk = hkdf::Salt::new(hkdf::HKDF_SHA256, b"floor").extract(key32);
    let okm = prk.expand(&[b"floor"], &AES_256_GCM).ok()?;
    let key = LessSafeKey::new(UnboundKey::from(okm));
    let mut nonce = [0u8; NONCE_LEN];
    SystemRandom::new().fill(&mut nonce).ok()?;
    let mut buf = plain.to_vec();
    key.seal_in_place_append_tag(
        Nonce::assume_unique_for_key(nonce),
        Aad::from(b"floor"),
        &mut buf,
    )
    .ok()?;
    Some(buf.len())
}
