//! Wallet keys (sealed) and wallet records.

use sqlx::{AnyConnection, Row};

/// A user's sealed key, as stored.
#[derive(Clone)]
pub struct KeyRow {
    /// Key id (also the wallets' `walletSetId`).
    pub id: String,
    /// Owner.
    pub user_id: String,
    /// EIP-55 address of the key.
    pub address: String,
    /// `v1:` + base64(nonce || AES-256-GCM(scalar) || tag).
    pub sealed_key: String,
}

impl std::fmt::Debug for KeyRow {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("KeyRow")
            .field("id", &self.id)
            .field("address", &self.address)
            .finish_non_exhaustive()
    }
}

/// A wallet as stored, joined with its key's address.
#[derive(Debug, Clone)]
pub struct WalletRow {
    /// Wallet id.
    pub id: String,
    /// Owner.
    pub user_id: String,
    /// The key (wallet set) id.
    pub key_id: String,
    /// EIP-55 address.
    pub address: String,
    /// Blockchain (wire spelling).
    pub blockchain: String,
    /// Account type (wire spelling).
    pub account_type: String,
    /// State (wire spelling).
    pub state: String,
    /// Creation (ms).
    pub created_at: i64,
    /// Last change (ms).
    pub updated_at: i64,
}

const WALLET_COLS: &str = "w.id, w.user_id, w.key_id, k.address, w.blockchain, w.account_type, \
                           w.state, w.created_at, w.updated_at";

fn wallet_from_row(r: &sqlx::any::AnyRow) -> Result<WalletRow, sqlx::Error> {
    Ok(WalletRow {
        id: r.try_get("id")?,
        user_id: r.try_get("user_id")?,
        key_id: r.try_get("key_id")?,
        address: r.try_get("address")?,
        blockchain: r.try_get("blockchain")?,
        account_type: r.try_get("account_type")?,
        state: r.try_get("state")?,
        created_at: r.try_get("created_at")?,
        updated_at: r.try_get("updated_at")?,
    })
}

/// Inserts the user's key unless the user has one already; returns whether this call
/// inserted it.
pub async fn insert_key_if_absent(
    conn: &mut AnyConnection,
    id: &str,
    user_id: &str,
    address: &str,
    sealed_key: &str,
    now: i64,
) -> Result<bool, sqlx::Error> {
    Ok(sqlx::query(
        "INSERT INTO wallet_keys (id, user_id, address, sealed_key, created_at) \
         VALUES ($1, $2, $3, $4, $5) ON CONFLICT (user_id) DO NOTHING",
    )
    .bind(id)
    .bind(user_id)
    .bind(address)
    .bind(sealed_key)
    .bind(now)
    .execute(&mut *conn)
    .await?
    .rows_affected()
        == 1)
}

/// The user's key.
pub async fn load_key_of_user(
    conn: &mut AnyConnection,
    user_id: &str,
) -> Result<Option<KeyRow>, sqlx::Error> {
    let row =
        sqlx::query("SELECT id, user_id, address, sealed_key FROM wallet_keys WHERE user_id = $1")
            .bind(user_id)
            .fetch_optional(&mut *conn)
            .await?;
    row.map(|r| {
        Ok(KeyRow {
            id: r.try_get("id")?,
            user_id: r.try_get("user_id")?,
            address: r.try_get("address")?,
            sealed_key: r.try_get("sealed_key")?,
        })
    })
    .transpose()
}

/// Inserts a wallet unless the user has one on that blockchain already; returns whether this
/// call inserted it.
#[allow(clippy::too_many_arguments)]
pub async fn insert_wallet_if_absent(
    conn: &mut AnyConnection,
    id: &str,
    user_id: &str,
    key_id: &str,
    blockchain: &str,
    account_type: &str,
    now: i64,
) -> Result<bool, sqlx::Error> {
    Ok(sqlx::query(
        "INSERT INTO wallets (id, user_id, key_id, blockchain, account_type, state, created_at, updated_at) \
         VALUES ($1, $2, $3, $4, $5, 'LIVE', $6, $6) ON CONFLICT (user_id, blockchain) DO NOTHING",
    )
    .bind(id)
    .bind(user_id)
    .bind(key_id)
    .bind(blockchain)
    .bind(account_type)
    .bind(now)
    .execute(&mut *conn)
    .await?
    .rows_affected()
        == 1)
}

/// A user's wallets, oldest first.
pub async fn list_of_user(
    conn: &mut AnyConnection,
    user_id: &str,
) -> Result<Vec<WalletRow>, sqlx::Error> {
    let rows = sqlx::query(&format!(
        "SELECT {WALLET_COLS} FROM wallets w JOIN wallet_keys k ON k.id = w.key_id \
         WHERE w.user_id = $1 ORDER BY w.created_at, w.blockchain"
    ))
    .bind(user_id)
    .fetch_all(&mut *conn)
    .await?;
    rows.iter().map(wallet_from_row).collect()
}

/// A wallet by id.
pub async fn load(conn: &mut AnyConnection, id: &str) -> Result<Option<WalletRow>, sqlx::Error> {
    let row = sqlx::query(&format!(
        "SELECT {WALLET_COLS} FROM wallets w JOIN wallet_keys k ON k.id = w.key_id WHERE w.id = $1"
    ))
    .bind(id)
    .fetch_optional(&mut *conn)
    .await?;
    row.as_ref().map(wallet_from_row).transpose()
}
