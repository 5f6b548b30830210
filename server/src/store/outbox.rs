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
    /// When it was written (or replayed) (ms): its age decides dead-lettering.
    pub created_at: i64,
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
        "SELECT notification_id, endpoint, body, attempts, next_attempt_at, created_at FROM outbox \
         WHERE delivered_at IS NULL AND dead_at IS NULL AND next_attempt_at <= $1 \
         ORDER BY created_at LIMIT 32",
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
                created_at: r.try_get("created_at")?,
            })
        })
        .collect()
}

/// Claims a due row until `lease` (so another instance skips it); returns whether this call
/// claimed it.
pub async fn claim(conn: &mut AnyConnection, d: &Due, lease: i64) -> Result<bool, sqlx::Error> {
    let n = sqlx::query(
        "UPDATE outbox SET next_attempt_at = $1 WHERE notification_id = $2 \
         AND next_attempt_at = $3 AND delivered_at IS NULL AND dead_at IS NULL",
    )
    .bind(lease)
    .bind(&d.id)
    .bind(d.next_attempt_at)
    .execute(&mut *conn)
    .await?
    .rows_affected();
    Ok(n == 1)
}

/// Records a successful delivery (signed with `key_id`).
pub async fn mark_delivered(
    conn: &mut AnyConnection,
    id: &str,
    now: i64,
    attempts: i64,
    status: i64,
    key_id: &str,
) -> Result<(), sqlx::Error> {
    sqlx::query(
        "UPDATE outbox SET delivered_at = $1, attempts = $2, last_status = $3, key_id = $4 \
         WHERE notification_id = $5",
    )
    .bind(now)
    .bind(attempts)
    .bind(status)
    .bind(key_id)
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
    key_id: &str,
) -> Result<(), sqlx::Error> {
    sqlx::query(
        "UPDATE outbox SET next_attempt_at = $1, attempts = $2, last_status = $3, key_id = $4 \
         WHERE notification_id = $5",
    )
    .bind(next_attempt_at)
    .bind(attempts)
    .bind(status)
    .bind(key_id)
    .bind(id)
    .execute(&mut *conn)
    .await?;
    Ok(())
}

/// Records a failed delivery that ran out of attempts or age: dead-lettered, not retried.
pub async fn mark_dead(
    conn: &mut AnyConnection,
    id: &str,
    now: i64,
    attempts: i64,
    status: i64,
) -> Result<(), sqlx::Error> {
    sqlx::query(
        "UPDATE outbox SET dead_at = $1, attempts = $2, last_status = $3 WHERE notification_id = $4",
    )
    .bind(now)
    .bind(attempts)
    .bind(status)
    .bind(id)
    .execute(&mut *conn)
    .await?;
    Ok(())
}

/// A dead-lettered delivery.
pub struct DeadRow {
    /// Notification id.
    pub id: String,
    /// Subscription id.
    pub subscription_id: String,
    /// Endpoint.
    pub endpoint: String,
    /// Attempts made.
    pub attempts: i64,
    /// HTTP status of the last attempt (0: no HTTP answer, or the target was refused).
    pub last_status: i64,
    /// Written (ms).
    pub created_at: i64,
    /// Dead-lettered (ms).
    pub dead_at: i64,
}

/// Dead-lettered deliveries, most recent first (at most 500).
pub async fn list_dead(conn: &mut AnyConnection) -> Result<Vec<DeadRow>, sqlx::Error> {
    let rows = sqlx::query(
        "SELECT notification_id, subscription_id, endpoint, attempts, last_status, created_at, \
         dead_at FROM outbox WHERE dead_at IS NOT NULL ORDER BY dead_at DESC, notification_id \
         LIMIT 500",
    )
    .fetch_all(&mut *conn)
    .await?;
    rows.iter()
        .map(|r| {
            Ok(DeadRow {
                id: r.try_get("notification_id")?,
                subscription_id: r.try_get("subscription_id")?,
                endpoint: r.try_get("endpoint")?,
                attempts: r.try_get("attempts")?,
                last_status: r.try_get::<Option<i64>, _>("last_status")?.unwrap_or(0),
                created_at: r.try_get("created_at")?,
                dead_at: r.try_get("dead_at")?,
            })
        })
        .collect()
}

/// Puts a dead-lettered delivery back in the queue, due now, with a fresh attempt and age
/// budget; returns whether it was dead.
pub async fn replay(conn: &mut AnyConnection, id: &str, now: i64) -> Result<bool, sqlx::Error> {
    let n = sqlx::query(
        "UPDATE outbox SET dead_at = NULL, attempts = 0, next_attempt_at = $1, created_at = $1 \
         WHERE notification_id = $2 AND dead_at IS NOT NULL",
    )
    .bind(now)
    .bind(id)
    .execute(&mut *conn)
    .await?
    .rows_affected();
    Ok(n == 1)
}

/// Deletes a subscription's undelivered rows (pending and dead); returns how many.
pub async fn delete_undelivered(
    conn: &mut AnyConnection,
    subscription_id: &str,
) -> Result<u64, sqlx::Error> {
    Ok(
        sqlx::query("DELETE FROM outbox WHERE subscription_id = $1 AND delivered_at IS NULL")
            .bind(subscription_id)
            .execute(&mut *conn)
            .await?
            .rows_affected(),
    )
}

/// Purges rows delivered or dead-lettered before `before`; returns how many.
pub async fn purge(conn: &mut AnyConnection, before: i64) -> Result<u64, sqlx::Error> {
    Ok(
        sqlx::query("DELETE FROM outbox WHERE delivered_at < $1 OR dead_at < $1")
            .bind(before)
            .execute(&mut *conn)
            .await?
            .rows_affected(),
    )
}

/// Counts rows in each state: (pending, delivered, dead).
pub async fn counts(conn: &mut AnyConnection) -> Result<(i64, i64, i64), sqlx::Error> {
    let r = sqlx::query(
        "SELECT \
         COALESCE(SUM(CASE WHEN delivered_at IS NULL AND dead_at IS NULL THEN 1 ELSE 0 END), 0) AS p, \
         COALESCE(SUM(CASE WHEN delivered_at IS NOT NULL THEN 1 ELSE 0 END), 0) AS d, \
         COALESCE(SUM(CASE WHEN dead_at IS NOT NULL THEN 1 ELSE 0 END), 0) AS x FROM outbox",
    )
    .fetch_one(&mut *conn)
    .await?;
    Ok((r.try_get("p")?, r.try_get("d")?, r.try_get("x")?))
}
