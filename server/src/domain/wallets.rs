//! Wallets: the blockchains and account type a request asks for, the user's key (one
//! secp256k1 key per user, sealed under the wallet KEK), one wallet record per blockchain (the
//! same address on every EVM chain), and reading wallets.

use super::bad_request;
use super::sessions::Session;
use super::users::load_row;
use crate::error::{ApiError, ApiResult};
use crate::eth::WalletKey;
use crate::state::AppState;
use crate::store::rfc3339;
use crate::store::wallets::{self, WalletRow};
use latchkey_protocol::{AccountType, Blockchain, ErrorCode, Wallet, WalletState};
use sqlx::AnyConnection;

/// Validates the wallets a request asks for: every blockchain known (else 155817), the account
/// type EOA (absent means EOA; SCA or unknown: 155818), at least one blockchain when
/// `required`. Duplicates are dropped, order kept.
pub fn check_request(
    blockchains: &[Blockchain],
    account_type: Option<&AccountType>,
    required: bool,
) -> ApiResult<(Vec<Blockchain>, AccountType)> {
    if required && blockchains.is_empty() {
        return Err(bad_request(
            "blockchains must list at least one blockchain.",
        ));
    }
    let mut out: Vec<Blockchain> = Vec::new();
    for b in blockchains {
        if let Blockchain::Unknown(name) = b {
            let mut name = name.clone();
            name.truncate(40);
            return Err(ApiError::new(ErrorCode::UnknownBlockchain)
                .with_message(format!("The blockchain {name:?} is not supported.")));
        }
        if !out.contains(b) {
            out.push(b.clone());
        }
    }
    match account_type {
        None | Some(AccountType::Eoa) => Ok((out, AccountType::Eoa)),
        Some(_) => Err(ApiError::new(ErrorCode::UnsupportedAccountType)),
    }
}

/// Blockchains as stored on a challenge (comma-separated wire spellings).
pub fn blockchains_to_text(b: &[Blockchain]) -> String {
    b.iter()
        .map(Blockchain::as_str)
        .collect::<Vec<_>>()
        .join(",")
}

/// Reverses [`blockchains_to_text`].
pub fn blockchains_from_text(s: &str) -> Vec<Blockchain> {
    s.split(',')
        .filter(|p| !p.is_empty())
        .map(Blockchain::parse)
        .collect()
}

/// Inside the caller's transaction: creates the user's key if they have none (32 bytes from the
/// system CSPRNG, sealed under the wallet KEK with the key id and user id as associated data)
/// and a wallet on each blockchain the user has none on. Returns the ids of the user's wallets
/// on `blockchains`, in that order (existing wallets included: asking again is harmless).
pub async fn ensure_wallets(
    state: &AppState,
    conn: &mut AnyConnection,
    user_id: &str,
    blockchains: &[Blockchain],
    account_type: &AccountType,
    now: i64,
) -> ApiResult<Vec<String>> {
    let key = match wallets::load_key_of_user(conn, user_id).await? {
        Some(k) => k,
        None => {
            let key = WalletKey::generate().map_err(ApiError::internal)?;
            let key_id = uuid::Uuid::new_v4().to_string();
            let sealed = state
                .wallet_kek
                .seal(&key, &key_id, user_id)
                .map_err(ApiError::internal)?;
            wallets::insert_key_if_absent(
                conn,
                &key_id,
                user_id,
                &key.address_checksummed(),
                &sealed,
                now,
            )
            .await?;
            drop(key);
            wallets::load_key_of_user(conn, user_id)
                .await?
                .ok_or_else(|| ApiError::internal("wallet key vanished"))?
        }
    };
    for b in blockchains {
        let id = uuid::Uuid::new_v4().to_string();
        wallets::insert_wallet_if_absent(
            conn,
            &id,
            user_id,
            &key.id,
            b.as_str(),
            account_type.as_str(),
            now,
        )
        .await?;
    }
    let all = wallets::list_of_user(conn, user_id).await?;
    blockchains
        .iter()
        .map(|b| {
            all.iter()
                .find(|w| w.blockchain == b.as_str())
                .map(|w| w.id.clone())
                .ok_or_else(|| ApiError::internal("wallet vanished"))
        })
        .collect()
}

/// The wire form of a wallet.
pub fn wallet_wire(w: &WalletRow) -> Wallet {
    Wallet {
        id: w.id.clone(),
        address: w.address.clone(),
        blockchain: Blockchain::parse(&w.blockchain),
        account_type: AccountType::parse(&w.account_type),
        custody_type: "ENDUSER".into(),
        state: WalletState::parse(&w.state),
        wallet_set_id: w.key_id.clone(),
        user_id: w.user_id.clone(),
        create_date: rfc3339(w.created_at),
        update_date: rfc3339(w.updated_at),
    }
}

/// 404 155819: an unknown wallet, or another user's (reported identically).
pub fn not_found() -> ApiError {
    ApiError::new(ErrorCode::WalletNotFound)
}

/// A wallet of `user_id` (another user's wallet is reported like a missing one).
pub(crate) async fn load_owned_row(
    state: &AppState,
    user_id: &str,
    wallet_id: &str,
) -> ApiResult<WalletRow> {
    if wallet_id.is_empty() || wallet_id.len() > 64 {
        return Err(not_found());
    }
    match wallets::load(&mut *state.pool.acquire().await?, wallet_id).await? {
        Some(w) if w.user_id == user_id => Ok(w),
        _ => Err(not_found()),
    }
}

/// `GET /v1/wallets`: the session user's wallets, oldest first.
pub async fn list_mine(state: &AppState, s: &Session) -> ApiResult<Vec<Wallet>> {
    let rows = wallets::list_of_user(&mut *state.pool.acquire().await?, &s.user_id).await?;
    Ok(rows.iter().map(wallet_wire).collect())
}

/// `GET /v1/wallets/{id}`: one of the session user's wallets.
pub async fn get_mine(state: &AppState, s: &Session, id: &str) -> ApiResult<Wallet> {
    Ok(wallet_wire(&load_owned_row(state, &s.user_id, id).await?))
}

/// `GET /v1/users/{userId}/wallets` (developer API): a user's wallets (unknown user: 404).
pub async fn list_of_user(state: &AppState, user_id: &str) -> ApiResult<Vec<Wallet>> {
    load_row(state, user_id).await?;
    let rows = wallets::list_of_user(&mut *state.pool.acquire().await?, user_id).await?;
    Ok(rows.iter().map(wallet_wire).collect())
}
