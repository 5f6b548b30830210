//! The `subscriptions` table: webhook endpoints and the notification types they select.

use sqlx::{AnyConnection, Row};

/// A subscription as stored.
pub struct SubscriptionRow {
    /// UUID.
    pub id: String,
    /// URL.
    pub endpoint: String,
    /// Selected types (an unreadable stored list reads as empty).
    pub notification_types: Vec<String>,
    /// Creation (ms).
    pub created_at: i64,
}

fn from_row(r: &sqlx::any::AnyRow) -> Result<SubscriptionRow, sqlx::Error> {
    let types: String = r.try_get("notification_types")?;
    Ok(SubscriptionRow {
        id: r.try_get("id")?,
        endpoint: r.try_get("endpoint")?,
        notification_types: serde_json::from_str(&types).unwrap_or_default(),
        created_at: r.try_get("created_at")?,
    })
}

/// Inserts a subscription.
pub async fn insert(conn: &mut AnyConnection, s: &SubscriptionRow) -> Result<(), sqlx::Error> {
    let types = serde_json::to_string(&s.notification_types)
        .map_err(|e| sqlx::Error::Encode(Box::new(e)))?;
    sqlx::query(
        "INSERT INTO subscriptions (id, endpoint, notification_types, created_at) VALUES ($1, $2, $3, $4)",
    )
    .bind(&s.id)
    .bind(&s.endpoint)
    .bind(types)
    .bind(s.created_at)
    .execute(&mut *conn)
    .await?;
    Ok(())
}

/// Every subscription, oldest first.
pub async fn list(conn: &mut AnyConnection) -> Result<Vec<SubscriptionRow>, sqlx::Error> {
    let rows = sqlx::query(
        "SELECT id, endpoint, notification_types, created_at FROM subscriptions ORDER BY created_at, id",
    )
    .fetch_all(&mut *conn)
    .await?;
    rows.iter().map(from_row).collect()
}

/// Deletes a subscription; returns whether it existed.
pub async fn delete(conn: &mut AnyConnection, id: &str) -> Result<bool, sqlx::Error> {
    let n = sqlx::query("DELETE FROM subscriptions WHERE id = $1")
        .bind(id)
        .execute(&mut *conn)
        .await?
        .rows_affected();
    Ok(n == 1)
}
