//! The `idempotency_keys` table: the first reply to each challenge-creating request.

use sqlx::{AnyConnection, Row};

/// A stored reply for an idempotency key.
pub struct IdempotentRow {
    /// Fingerprint of the request that claimed the key.
    pub request_hash: String,
    /// HTTP status of the reply.
    pub http_status: i64,
    /// Reply body (JSON).
    pub body: String,
}

/// Loads the row for a key.
pub async fn load(
    conn: &mut AnyConnection,
    key: &str,
) -> Result<Option<IdempotentRow>, sqlx::Error> {
    let row = sqlx::query(
        "SELECT request_hash, http_status, body FROM idempotency_keys WHERE idempotency_key = $1",
    )
    .bind(key)
    .fetch_optional(&mut *conn)
    .await?;
    row.map(|r| {
        Ok(IdempotentRow {
            request_hash: r.try_get("request_hash")?,
            http_status: r.try_get("http_status")?,
            body: r.try_get("body")?,
        })
    })
    .transpose()
}

/// Claims a key with its 201 reply; returns false when the key is taken.
pub async fn claim(
    conn: &mut AnyConnection,
    key: &str,
    request_hash: &str,
    body: &str,
    now: i64,
) -> Result<bool, sqlx::Error> {
    let n = sqlx::query(
        "INSERT INTO idempotency_keys (idempotency_key, request_hash, http_status, body, created_at) \
         VALUES ($1, $2, 201, $3, $4) ON CONFLICT (idempotency_key) DO NOTHING",
    )
    .bind(key)
    .bind(request_hash)
    .bind(body)
    .bind(now)
    .execute(&mut *conn)
    .await?
    .rows_affected();
    Ok(n == 1)
}

/// Deletes keys created before `before`.
pub async fn delete_before(conn: &mut AnyConnection, before: i64) -> Result<(), sqlx::Error> {
    sqlx::query("DELETE FROM idempotency_keys WHERE created_at < $1")
        .bind(before)
        .execute(&mut *conn)
        .await?;
    Ok(())
}
