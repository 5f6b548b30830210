//! The webhook signing key: loaded from the database, created on first start, rotated on
//! request. The newest key that is not retired signs; retired keys stay published (the
//! public-key endpoint) for the retention period.
//!
//! What is signed: `"{timestamp}.{body}"` (Unix seconds, a dot, the raw body), as Stripe and
//! Svix do, so a receiver can reject a replay older than its window
//! (`X-Latchkey-Timestamp`, `X-Latchkey-Signature`, `X-Latchkey-Key-Id`).

use crate::crypto::{Pepper, SigningKey};
use crate::store::{now_ms, signing_keys};
use sqlx::{AnyConnection, AnyPool};

/// The bytes a delivery signature covers: `"{timestamp}.{body}"`.
pub fn signed_content(timestamp: i64, body: &str) -> String {
    format!("{timestamp}.{body}")
}

fn unwrap_row(pepper: &Pepper, row: signing_keys::SigningKeyRow) -> Result<SigningKey, String> {
    let doc = pepper
        .unwrap(&format!("signing-key:{}", row.id), &row.wrapped_pkcs8)
        .map_err(|_| {
            "the stored signing key cannot be unwrapped: is this the same pepper?".to_string()
        })?;
    SigningKey::from_pkcs8(row.id, &doc).map_err(|e| e.to_string())
}

async fn insert_new(conn: &mut AnyConnection, pepper: &Pepper) -> Result<String, String> {
    let (doc, id) = SigningKey::generate().map_err(|e| e.to_string())?;
    let key = SigningKey::from_pkcs8(id.clone(), &doc).map_err(|e| e.to_string())?;
    let wrapped = pepper
        .wrap(&format!("signing-key:{id}"), &doc)
        .map_err(|e| e.to_string())?;
    signing_keys::insert(
        conn,
        &signing_keys::SigningKeyRow {
            id: id.clone(),
            wrapped_pkcs8: wrapped,
            public_key: key.public_key_b64.clone(),
            created_at: now_ms(),
        },
    )
    .await
    .map_err(|e| e.to_string())?;
    Ok(id)
}

/// Loads the current signing key, creating one on first start. The private key is stored
/// wrapped under the pepper; every instance sharing the database converges on the newest key
/// (the outbox re-reads it on every pass).
pub async fn load_signing_key(pool: &AnyPool, pepper: &Pepper) -> Result<SigningKey, String> {
    let mut conn = pool.acquire().await.map_err(|e| e.to_string())?;
    let mut row = signing_keys::current(&mut conn)
        .await
        .map_err(|e| e.to_string())?;
    if row.is_none() {
        insert_new(&mut conn, pepper).await?;
        row = signing_keys::current(&mut conn)
            .await
            .map_err(|e| e.to_string())?;
    }
    unwrap_row(pepper, row.ok_or("signing key missing")?)
}

/// The current key if it differs from `current_id` (another instance rotated it).
pub async fn refresh(
    conn: &mut AnyConnection,
    pepper: &Pepper,
    current_id: &str,
) -> Result<Option<SigningKey>, String> {
    match signing_keys::current(conn)
        .await
        .map_err(|e| e.to_string())?
    {
        Some(row) if row.id != current_id => unwrap_row(pepper, row).map(Some),
        _ => Ok(None),
    }
}

/// Rotates: a new key signs every delivery from now on; the others are retired (still
/// published until the retention period has passed). Returns the new key.
pub async fn rotate(pool: &AnyPool, pepper: &Pepper) -> Result<SigningKey, String> {
    let mut tx = pool.begin().await.map_err(|e| e.to_string())?;
    let id = insert_new(&mut tx, pepper).await?;
    signing_keys::retire_others(&mut tx, &id, now_ms())
        .await
        .map_err(|e| e.to_string())?;
    let row = signing_keys::load(&mut tx, &id)
        .await
        .map_err(|e| e.to_string())?
        .ok_or("new signing key missing")?;
    tx.commit().await.map_err(|e| e.to_string())?;
    unwrap_row(pepper, row)
}
