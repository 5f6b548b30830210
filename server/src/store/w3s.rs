//! SQL for the Circle-compatible API (`/v1/w3s`, migration 0006): user lists, wallet metadata
//! (`name`, `refId`), the `metadata` of wallet-creating challenges, and the Circle fields of
//! subscriptions (`name`, enabled, `updateDate`).

use super::users::{user_from_row, UserRow, USER_COLS};
use sqlx::{AnyConnection, Row};
use std::collections::HashMap;

/// Users created in `[from, to]` (ms, inclusive; `None` = open), oldest first.
pub async fn list_users(
    conn: &mut AnyConnection,
    from: Option<i64>,
    to: Option<i64>,
) -> Result<Vec<UserRow>, sqlx::Error> {
    let rows = sqlx::query(&format!(
        "SELECT {USER_COLS} FROM users WHERE created_at >= $1 AND created_at <= $2 \
         ORDER BY created_at, id"
    ))
    .bind(from.unwrap_or(i64::MIN))
    .bind(to.unwrap_or(i64::MAX))
    .fetch_all(&mut *conn)
    .await?;
    rows.iter().map(user_from_row).collect()
}

/// A wallet's Circle metadata.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct WalletMeta {
    /// Circle's `name`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// Circle's `refId`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ref_id: Option<String>,
}

/// The metadata of a user's wallets, by wallet id.
pub async fn wallet_meta_of_user(
    conn: &mut AnyConnection,
    user_id: &str,
) -> Result<HashMap<String, WalletMeta>, sqlx::Error> {
    let rows = sqlx::query("SELECT id, name, ref_id FROM wallets WHERE user_id = $1")
        .bind(user_id)
        .fetch_all(&mut *conn)
        .await?;
    rows.iter()
        .map(|r| {
            Ok((
                r.try_get("id")?,
                WalletMeta {
                    name: r.try_get("name")?,
                    ref_id: r.try_get("ref_id")?,
                },
            ))
        })
        .collect()
}

/// Sets the given fields of a wallet's metadata (absent fields keep their value) and its
/// `updated_at`; returns whether the wallet exists.
pub async fn update_wallet_meta(
    conn: &mut AnyConnection,
    wallet_id: &str,
    meta: &WalletMeta,
    now: i64,
) -> Result<bool, sqlx::Error> {
    let n = sqlx::query(
        "UPDATE wallets SET name = COALESCE($2, name), ref_id = COALESCE($3, ref_id), \
         updated_at = $4 WHERE id = $1",
    )
    .bind(wallet_id)
    .bind(meta.name.as_deref())
    .bind(meta.ref_id.as_deref())
    .bind(now)
    .execute(&mut *conn)
    .await?
    .rows_affected();
    Ok(n == 1)
}

/// Sets the metadata of a wallet created at `created_at` (a wallet that existed before the
/// completing transaction keeps its own).
pub async fn set_new_wallet_meta(
    conn: &mut AnyConnection,
    wallet_id: &str,
    meta: &WalletMeta,
    created_at: i64,
) -> Result<(), sqlx::Error> {
    sqlx::query("UPDATE wallets SET name = $2, ref_id = $3 WHERE id = $1 AND created_at = $4")
        .bind(wallet_id)
        .bind(meta.name.as_deref())
        .bind(meta.ref_id.as_deref())
        .bind(created_at)
        .execute(&mut *conn)
        .await?;
    Ok(())
}

/// Records a wallet-creating challenge's metadata (JSON) unless it has some already (an
/// idempotent repeat of the creation request).
pub async fn set_challenge_wallet_meta(
    conn: &mut AnyConnection,
    challenge_id: &str,
    json: &str,
) -> Result<(), sqlx::Error> {
    sqlx::query(
        "UPDATE challenges SET wallet_metadata = $2 WHERE id = $1 AND wallet_metadata IS NULL",
    )
    .bind(challenge_id)
    .bind(json)
    .execute(&mut *conn)
    .await?;
    Ok(())
}

/// A challenge's wallet metadata (JSON), if any.
pub async fn challenge_wallet_meta(
    conn: &mut AnyConnection,
    challenge_id: &str,
) -> Result<Option<String>, sqlx::Error> {
    let row = sqlx::query("SELECT wallet_metadata FROM challenges WHERE id = $1")
        .bind(challenge_id)
        .fetch_optional(&mut *conn)
        .await?;
    Ok(match row {
        Some(r) => r.try_get("wallet_metadata")?,
        None => None,
    })
}

/// Circle's fields of a subscription.
#[derive(Debug, Clone, Default)]
pub struct SubscriptionMeta {
    /// Name (`None`: never named).
    pub name: Option<String>,
    /// When it was disabled (`None`: enabled).
    pub disabled_at: Option<i64>,
    /// Last change of name or switch (`None`: never changed).
    pub updated_at: Option<i64>,
}

/// Circle's fields of every subscription, by id.
pub async fn subscription_meta(
    conn: &mut AnyConnection,
) -> Result<HashMap<String, SubscriptionMeta>, sqlx::Error> {
    let rows = sqlx::query("SELECT id, name, disabled_at, updated_at FROM subscriptions")
        .fetch_all(&mut *conn)
        .await?;
    rows.iter()
        .map(|r| {
            Ok((
                r.try_get("id")?,
                SubscriptionMeta {
                    name: r.try_get("name")?,
                    disabled_at: r.try_get("disabled_at")?,
                    updated_at: r.try_get("updated_at")?,
                },
            ))
        })
        .collect()
}

/// Sets a subscription's name and switch; returns whether it exists.
pub async fn update_subscription(
    conn: &mut AnyConnection,
    id: &str,
    name: &str,
    enabled: bool,
    now: i64,
) -> Result<bool, sqlx::Error> {
    let n = sqlx::query(
        "UPDATE subscriptions SET name = $2, \
         disabled_at = CASE WHEN $3 = 1 THEN NULL ELSE COALESCE(disabled_at, $4) END, \
         updated_at = $4 WHERE id = $1",
    )
    .bind(id)
    .bind(name)
    .bind(i64::from(enabled))
    .bind(now)
    .execute(&mut *conn)
    .await?
    .rows_affected();
    Ok(n == 1)
}

/// Ids of the disabled subscriptions (they get no new notifications).
pub async fn disabled_subscriptions(conn: &mut AnyConnection) -> Result<Vec<String>, sqlx::Error> {
    let rows = sqlx::query("SELECT id FROM subscriptions WHERE disabled_at IS NOT NULL")
        .fetch_all(&mut *conn)
        .await?;
    rows.iter().map(|r| r.try_get("id")).collect()
}
