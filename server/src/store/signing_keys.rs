//! The `signing_keys` table: webhook signing keys (private key wrapped under the pepper).

use sqlx::{AnyConnection, Row};

/// A signing key as stored.
pub struct SigningKeyRow {
    /// Key id (`X-Latchkey-Key-Id`).
    pub id: String,
    /// PKCS#8 document wrapped under the pepper.
    pub wrapped_pkcs8: String,
    /// Base64 DER SubjectPublicKeyInfo.
    pub public_key: String,
    /// Creation (ms).
    pub created_at: i64,
}

fn from_row(r: &sqlx::any::AnyRow) -> Result<SigningKeyRow, sqlx::Error> {
    Ok(SigningKeyRow {
        id: r.try_get("id")?,
        wrapped_pkcs8: r.try_get("wrapped_pkcs8")?,
        public_key: r.try_get("public_key")?,
        created_at: r.try_get("created_at")?,
    })
}

const COLS: &str = "id, wrapped_pkcs8, public_key, created_at";

/// The current key: the newest one not retired (the one every instance signs with).
pub async fn current(conn: &mut AnyConnection) -> Result<Option<SigningKeyRow>, sqlx::Error> {
    let row = sqlx::query(&format!(
        "SELECT {COLS} FROM signing_keys WHERE retired_at IS NULL \
         ORDER BY created_at DESC, id DESC LIMIT 1"
    ))
    .fetch_optional(&mut *conn)
    .await?;
    row.as_ref().map(from_row).transpose()
}

/// A key by id.
pub async fn load(
    conn: &mut AnyConnection,
    id: &str,
) -> Result<Option<SigningKeyRow>, sqlx::Error> {
    let row = sqlx::query(&format!("SELECT {COLS} FROM signing_keys WHERE id = $1"))
        .bind(id)
        .fetch_optional(&mut *conn)
        .await?;
    row.as_ref().map(from_row).transpose()
}

/// Stores a key.
pub async fn insert(conn: &mut AnyConnection, k: &SigningKeyRow) -> Result<(), sqlx::Error> {
    sqlx::query(
        "INSERT INTO signing_keys (id, wrapped_pkcs8, public_key, created_at) VALUES ($1, $2, $3, $4)",
    )
    .bind(&k.id)
    .bind(&k.wrapped_pkcs8)
    .bind(&k.public_key)
    .bind(k.created_at)
    .execute(&mut *conn)
    .await?;
    Ok(())
}

/// Retires every key but `keep` (rotation); returns how many.
pub async fn retire_others(
    conn: &mut AnyConnection,
    keep: &str,
    now: i64,
) -> Result<u64, sqlx::Error> {
    Ok(
        sqlx::query(
            "UPDATE signing_keys SET retired_at = $1 WHERE retired_at IS NULL AND id <> $2",
        )
        .bind(now)
        .bind(keep)
        .execute(&mut *conn)
        .await?
        .rows_affected(),
    )
}

/// Deletes keys retired before `before` that signed no delivery still pending.
pub async fn purge_retired(conn: &mut AnyConnection, before: i64) -> Result<u64, sqlx::Error> {
    Ok(sqlx::query(
        "DELETE FROM signing_keys WHERE retired_at IS NOT NULL AND retired_at < $1 \
         AND id NOT IN (SELECT key_id FROM outbox WHERE key_id IS NOT NULL \
         AND delivered_at IS NULL AND dead_at IS NULL)",
    )
    .bind(before)
    .execute(&mut *conn)
    .await?
    .rows_affected())
}
