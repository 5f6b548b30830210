//! The `sessions` table: user tokens (by SHA-256) with their wrapped envelope keys.

use sqlx::{AnyConnection, Row};

/// A session as stored.
pub struct SessionRow {
    /// The user.
    pub user_id: String,
    /// The envelope key, wrapped under the pepper.
    pub wrapped_key: String,
    /// Expiry (ms).
    pub expires_at: i64,
}

/// Loads a session by token hash.
pub async fn load(
    conn: &mut AnyConnection,
    token_hash: &str,
) -> Result<Option<SessionRow>, sqlx::Error> {
    let row =
        sqlx::query("SELECT user_id, wrapped_key, expires_at FROM sessions WHERE token_hash = $1")
            .bind(token_hash)
            .fetch_optional(&mut *conn)
            .await?;
    row.map(|r| {
        Ok(SessionRow {
            user_id: r.try_get("user_id")?,
            wrapped_key: r.try_get("wrapped_key")?,
            expires_at: r.try_get("expires_at")?,
        })
    })
    .transpose()
}

/// Inserts a session.
pub async fn insert(
    conn: &mut AnyConnection,
    token_hash: &str,
    user_id: &str,
    wrapped_key: &str,
    now: i64,
    expires_at: i64,
) -> Result<(), sqlx::Error> {
    sqlx::query(
        "INSERT INTO sessions (token_hash, user_id, wrapped_key, created_at, expires_at) VALUES ($1, $2, $3, $4, $5)",
    )
    .bind(token_hash)
    .bind(user_id)
    .bind(wrapped_key)
    .bind(now)
    .bind(expires_at)
    .execute(&mut *conn)
    .await?;
    Ok(())
}

/// Deletes sessions that expired before `before`.
pub async fn delete_expired_before(
    conn: &mut AnyConnection,
    before: i64,
) -> Result<(), sqlx::Error> {
    sqlx::query("DELETE FROM sessions WHERE expires_at < $1")
        .bind(before)
        .execute(&mut *conn)
        .await?;
    Ok(())
}
