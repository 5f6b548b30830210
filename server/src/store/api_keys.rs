//! The `api_keys` table: SHA-256 (hex) of generated developer API keys.

use sqlx::{AnyConnection, Row};

/// Every stored key hash.
pub async fn hashes(conn: &mut AnyConnection) -> Result<Vec<String>, sqlx::Error> {
    let rows = sqlx::query("SELECT key_hash FROM api_keys")
        .fetch_all(&mut *conn)
        .await?;
    rows.iter().map(|r| r.try_get("key_hash")).collect()
}

/// Stores a key hash.
pub async fn insert(conn: &mut AnyConnection, key_hash: &str, now: i64) -> Result<(), sqlx::Error> {
    sqlx::query("INSERT INTO api_keys (key_hash, created_at) VALUES ($1, $2)")
        .bind(key_hash)
        .bind(now)
        .execute(&mut *conn)
        .await?;
    Ok(())
}
