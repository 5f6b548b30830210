//! The `outbox` table: webhook notifications waiting for (or done with) delivery.

use sqlx::{AnyConnection, Row};

/// A notification due for delivery.
pub struct Due {
    /// Notification id.
    pub id: String,
    /// Subscription endpoint.
    pub endpoint: String,
    /// Body (JSON).
    pub body: String,
    /// Delivery attempts so far.
    pub attempts: i64,
    /// When it became due (ms); the lease claim compares against it.
    pub next_attempt_at: i64,
}

/// Inserts a notification, due at `now`.
pub async fn insert(
    conn: &mut AnyConnection,
    notification_id: &str,
    subscription_id: &str,
    endpoint: &str,
    body: &str,
    now: i64,
) -> Result<(), sqlx::Error> {
    sqlx::query(
        "INSERT INTO outbox (notification_id, subscription_id, endpoint, body, attempts, \
         next_attempt_at, created_at) VALUES ($1, $2, $3, $4, 0, $5, $5)",
    )
    .bind(notification_id)
    .bind(subscription_id)
    .bind(endpoint)
    .bind(body)
    .bind(now)
    .execute(&mut *conn)
    .await?;
    Ok(())
}

/// Up to 32 undelivered notifications due at `now`, oldest first.
pub async fn due(conn: &mut AnyConnection, now: i64) -> Result<Vec<Due>, sqlx::Error> {
    let rows = sqlx::query(
        "SELECT notification_id, endpoint, body, attempts, next_attempt_at FROM outbox \
         WHERE delivered_at IS NULL AND next_attempt_at <= $1 ORDER BY created_at LIMIT 32",
    )
    .bind(now)
    .fetch_all(&mut *conn)
    .await?;
    rows.iter()
        .map(|r| {
            Ok(Due {
                id: r.try_get("notification_id")?,
                endpoint: r.try_get("endpoint")?,
                body: r.try_get("body")?,
                attempts: r.try_get("attempts")?,
                next_attempt_at: r.try_get("next_attempt_at")?,
            })
        })
        .collect()
}

/// Claims a due row until `lease` (so another instance skips it); returns whether this call
/// claimed it.
pub async fn claim(conn: &mut AnyConnection, d: &Due, lease: i64) -> Result<bool, sqlx::Error> {
    let n = sqlx::query(
        "UPDATE outbox SET next_attempt_at = $1 WHERE notification_id = $2 \
         AND next_attempt_at = $3 AND delivered_at IS NULL",
    )
    .bind(lease)
    .bind(&d.id)
    .bind(d.next_attempt_at)
    .execute(&mut *conn)
    .await?
    .rows_affected();
    Ok(n == 1)
}

/// Records a successful delivery.
pub async fn mark_delivered(
    conn: &mut AnyConnection,
    id: &str,
    now: i64,
    attempts: i64,
    status: i64,
) -> Result<(), sqlx::Error> {
    sqlx::query(
        "UPDATE outbox SET delivered_at = $1, attempts = $2, last_status = $3 WHERE notification_id = $4",
    )
    .bind(now)
    .bind(attempts)
    .bind(status)
    .bind(id)
    .execute(&mut *conn)
    .await?;
    Ok(())
}

/// Records a failed delivery and when to retry.
pub async fn schedule_retry(
    conn: &mut AnyConnection,
    id: &str,
    next_attempt_at: i64,
    attempts: i64,
    status: i64,
) -> Result<(), sqlx::Error> {
    sqlx::query(
        "UPDATE outbox SET next_attempt_at = $1, attempts = $2, last_status = $3 WHERE notification_id = $4",
    )
    .bind(next_attempt_at)
    .bind(attempts)
    .bind(status)
    .bind(id)
    .execute(&mut *conn)
    .await?;
    Ok(())
}
