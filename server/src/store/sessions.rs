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
    /// When the session was revoked (ms), if it was.
    pub revoked_at: Option<i64>,
}

/// Loads a session by token hash.
pub async fn load(
    conn: &mut AnyConnection,
    token_hash: &str,
) -> Result<Option<SessionRow>, sqlx::Error> {
    let row = sqlx::query(
        "SELECT user_id, wrapped_key, expires_at, revoked_at FROM sessions WHERE token_hash = $1",
    )
    .bind(token_hash)
    .fetch_optional(&mut *conn)
    .await?;
    row.map(|r| {
        Ok(SessionRow {
            user_id: r.try_get("user_id")?,
            wrapped_key: r.try_get("wrapped_key")?,
            expires_at: r.try_get("expires_at")?,
            revoked_at: r.try_get("revoked_at")?,
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

/// Whether a session may still be used: `None` when the row is gone, `Some(false)` when it was
/// revoked. One primary-key read; every request through the session cache makes it.
pub async fn usable(
    conn: &mut AnyConnection,
    token_hash: &str,
) -> Result<Option<bool>, sqlx::Error> {
    let row = sqlx::query("SELECT revoked_at FROM sessions WHERE token_hash = $1")
        .bind(token_hash)
        .fetch_optional(&mut *conn)
        .await?;
    row.map(|r| Ok(r.try_get::<Option<i64>, _>("revoked_at")?.is_none()))
        .transpose()
}

/// Revokes one session; returns whether it existed and was not revoked yet.
pub async fn revoke(
    conn: &mut AnyConnection,
    token_hash: &str,
    now: i64,
) -> Result<bool, sqlx::Error> {
    let n = sqlx::query(
        "UPDATE sessions SET revoked_at = $1 WHERE token_hash = $2 AND revoked_at IS NULL",
    )
    .bind(now)
    .bind(token_hash)
    .execute(&mut *conn)
    .await?
    .rows_affected();
    Ok(n == 1)
}

/// Revokes every live session of a user except `keep` (a token hash); returns how many.
pub async fn revoke_user(
    conn: &mut AnyConnection,
    user_id: &str,
    keep: Option<&str>,
    now: i64,
) -> Result<u64, sqlx::Error> {
    let n = sqlx::query(
        "UPDATE sessions SET revoked_at = $1 WHERE user_id = $2 AND revoked_at IS NULL \
         AND expires_at > $1 AND token_hash <> $3",
    )
    .bind(now)
    .bind(user_id)
    .bind(keep.unwrap_or(""))
    .execute(&mut *conn)
    .await?
    .rows_affected();
    Ok(n)
}
