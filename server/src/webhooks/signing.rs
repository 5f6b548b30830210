//! The webhook signing key: loaded from the database, created on first start.

use crate::crypto::{Pepper, SigningKey};
use crate::store::{now_ms, signing_keys};
use sqlx::AnyPool;

/// Loads the oldest stored signing key, creating one on first start. The private key is
/// stored wrapped under the pepper; every instance sharing the database converges on the same key.
pub async fn load_signing_key(pool: &AnyPool, pepper: &Pepper) -> Result<SigningKey, String> {
    let mut conn = pool.acquire().await.map_err(|e| e.to_string())?;
    let mut row = signing_keys::oldest(&mut conn)
        .await
        .map_err(|e| e.to_string())?;
    if row.is_none() {
        let (doc, id) = SigningKey::generate().map_err(|e| e.to_string())?;
        let key = SigningKey::from_pkcs8(id.clone(), &doc).map_err(|e| e.to_string())?;
        let wrapped = pepper
            .wrap(&format!("signing-key:{id}"), &doc)
            .map_err(|e| e.to_string())?;
        signing_keys::insert(
            &mut conn,
            &signing_keys::SigningKeyRow {
                id,
                wrapped_pkcs8: wrapped,
                public_key: key.public_key_b64.clone(),
                created_at: now_ms(),
            },
        )
        .await
        .map_err(|e| e.to_string())?;
        row = signing_keys::oldest(&mut conn)
            .await
            .map_err(|e| e.to_string())?;
    }
    let row = row.ok_or("signing key missing")?;
    let doc = pepper
        .unwrap(&format!("signing-key:{}", row.id), &row.wrapped_pkcs8)
        .map_err(|_| {
            "the stored signing key cannot be unwrapped: is this the same pepper?".to_string()
        })?;
    SigningKey::from_pkcs8(row.id, &doc).map_err(|e| e.to_string())
}
