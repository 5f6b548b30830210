//! Circle's user-controlled-wallets API (`/v1/w3s`, issue 14): Circle's shapes over the same
//! domain calls Latchkey's own `/v1` routes use. Circle's models (its OpenAPI document
//! `user-controlled-wallets.yaml` and the SDKs generated from it) fix the field names, enum
//! spellings and list filters reproduced here; docs/circle-compat.md lists every difference.

use super::bad_request;
use super::sessions::Session;
use super::users::{load_row, user_wire};
use super::wallets::{load_owned_row, not_found};
use crate::error::{ApiError, ApiResult};
use crate::state::AppState;
use crate::store::users::UserRow;
use crate::store::w3s::{self, WalletMeta};
use crate::store::wallets::{self as wallet_store, WalletRow};
use crate::store::{now_ms, rfc3339, subscriptions};
use latchkey_protocol::{
    AccountType, Blockchain, Challenge, ChallengeType, CredentialDetails, CredentialStatus,
    ErrorCode, WalletState,
};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use sqlx::AnyConnection;

// ---------------------------------------------------------------------------------------------
// Wire shapes (Circle's models)

/// Circle's `EndUser`: a user with its `status`.
#[derive(Debug, Clone, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct EndUser {
    /// The app's id for the user (5 to 50 characters).
    pub id: String,
    /// Creation time, ISO 8601 UTC.
    pub create_date: String,
    /// `ENABLED` (Latchkey has no way to disable a user; Circle also knows `DISABLED`).
    pub status: String,
    /// PIN status: `ENABLED`, `UNSET` or `LOCKED`.
    pub pin_status: CredentialStatus,
    /// PIN guess-limit details.
    pub pin_details: CredentialDetails,
    /// Security-question status: `ENABLED`, `UNSET` or `LOCKED`.
    pub security_question_status: CredentialStatus,
    /// Security-question guess-limit details.
    pub security_question_details: CredentialDetails,
}

/// Circle's `EOAWallet` (the only account type Latchkey creates).
#[derive(Debug, Clone, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct CircleWallet {
    /// Wallet id (UUID).
    pub id: String,
    /// The address, EIP-55 checksummed.
    pub address: String,
    /// The blockchain (Circle's spelling, e.g. `ETH-SEPOLIA`).
    pub blockchain: Blockchain,
    /// Creation time, ISO 8601 UTC.
    pub create_date: String,
    /// Last change, ISO 8601 UTC.
    pub update_date: String,
    /// `ENDUSER`.
    pub custody_type: String,
    /// The name given with `metadata` or `PUT /wallets/{id}`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// The reference id given with `metadata` or `PUT /wallets/{id}`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ref_id: Option<String>,
    /// `LIVE` or `FROZEN`.
    pub state: WalletState,
    /// The owner.
    pub user_id: String,
    /// The wallet set: one per user key; wallets of one set share the address.
    pub wallet_set_id: String,
    /// `EOA`.
    pub account_type: AccountType,
}

/// Circle's `Subscription` (Configurations API, `/v2/notifications/subscriptions`).
#[derive(Debug, Clone, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct CircleSubscription {
    /// Subscription id (UUID).
    pub id: String,
    /// Name (empty until set with PATCH).
    pub name: String,
    /// The URL notifications are POSTed to.
    pub endpoint: String,
    /// Whether notifications are sent.
    pub enabled: bool,
    /// Creation time, ISO 8601 UTC.
    pub create_date: String,
    /// Last change, ISO 8601 UTC.
    pub update_date: String,
    /// The notification types sent (`["*"]`: all).
    pub notification_types: Vec<String>,
    /// Whether only some notification types are sent (false for `["*"]`).
    pub restricted: bool,
}

/// Circle's `EndUser` of a stored user.
pub fn end_user(u: &UserRow) -> EndUser {
    let w = user_wire(u);
    EndUser {
        id: w.id,
        create_date: w.create_date,
        status: "ENABLED".into(),
        pin_status: w.pin_status,
        pin_details: w.pin_details,
        security_question_status: w.security_question_status,
        security_question_details: w.security_question_details,
    }
}

/// Circle's form of a challenge: `correlationIds` carry the wallets a CREATE_WALLET (or
/// INITIALIZE with blockchains) created, as Circle documents; Latchkey's `recoveryMethod`
/// (RESTORE_PIN by recovery code) is not a field of Circle's model and is left out.
pub fn circle_challenge(mut c: Challenge) -> Challenge {
    c.recovery_method = None;
    if c.correlation_ids.is_empty() {
        if let Some(r) = &c.result {
            c.correlation_ids = r.wallet_ids.clone();
        }
    }
    c
}

fn circle_wallet(w: &WalletRow, meta: Option<&WalletMeta>) -> CircleWallet {
    CircleWallet {
        id: w.id.clone(),
        address: w.address.clone(),
        blockchain: Blockchain::parse(&w.blockchain),
        create_date: rfc3339(w.created_at),
        update_date: rfc3339(w.updated_at),
        custody_type: "ENDUSER".into(),
        name: meta.and_then(|m| m.name.clone()),
        ref_id: meta.and_then(|m| m.ref_id.clone()),
        state: WalletState::parse(&w.state),
        user_id: w.user_id.clone(),
        wallet_set_id: w.key_id.clone(),
        account_type: AccountType::parse(&w.account_type),
    }
}

// ---------------------------------------------------------------------------------------------
// Lists: Circle's pagination and filters

/// Circle's page parameters (`pageBefore`, `pageAfter`, `pageSize`, `order`, `from`, `to`).
#[derive(Debug, Clone, Default)]
pub struct Page {
    /// Items created at or after (ms).
    pub from: Option<i64>,
    /// Items created at or before (ms).
    pub to: Option<i64>,
    /// Exclusive end of the page: the n items before this id.
    pub before: Option<String>,
    /// Exclusive start of the page: the n items after this id.
    pub after: Option<String>,
    /// Items per page (1 to 50; default 50).
    pub size: usize,
    /// Newest first (`DESC`, Circle's default) or oldest first (`ASC`).
    pub descending: bool,
}

fn time_param(v: &str, name: &str) -> ApiResult<i64> {
    humantime::parse_rfc3339_weak(v)
        .ok()
        .and_then(|t| t.duration_since(std::time::UNIX_EPOCH).ok())
        .map(|d| d.as_millis() as i64)
        .ok_or_else(|| bad_request(&format!("{name} must be an ISO 8601 date-time.")))
}

impl Page {
    /// Reads the page parameters from a query (unknown parameters are left to the caller).
    pub fn from_query(q: &std::collections::HashMap<String, String>) -> ApiResult<Page> {
        let size = match q.get("pageSize") {
            None => 50,
            Some(v) => match v.parse::<usize>() {
                Ok(n) if (1..=50).contains(&n) => n,
                _ => return Err(bad_request("pageSize must be 1 to 50.")),
            },
        };
        let descending = match q.get("order").map(String::as_str) {
            None | Some("DESC") => true,
            Some("ASC") => false,
            Some(_) => return Err(bad_request("order must be ASC or DESC.")),
        };
        if q.contains_key("pageBefore") && q.contains_key("pageAfter") {
            return Err(bad_request("Use pageBefore or pageAfter, not both."));
        }
        Ok(Page {
            from: q.get("from").map(|v| time_param(v, "from")).transpose()?,
            to: q.get("to").map(|v| time_param(v, "to")).transpose()?,
            before: q.get("pageBefore").cloned(),
            after: q.get("pageAfter").cloned(),
            size,
            descending,
        })
    }

    /// Applies time range, order and the page to items given oldest first.
    fn apply<T>(
        &self,
        mut items: Vec<T>,
        id: impl Fn(&T) -> &str,
        created: impl Fn(&T) -> i64,
    ) -> Vec<T> {
        items.retain(|i| {
            self.from.is_none_or(|f| created(i) >= f) && self.to.is_none_or(|t| created(i) <= t)
        });
        if self.descending {
            items.reverse();
        }
        if let Some(a) = &self.after {
            match items.iter().position(|i| id(i) == a) {
                Some(p) => {
                    items.drain(..=p);
                }
                None => items.clear(),
            }
            items.truncate(self.size);
        } else if let Some(b) = &self.before {
            match items.iter().position(|i| id(i) == b) {
                Some(p) => {
                    items.truncate(p);
                    let start = items.len().saturating_sub(self.size);
                    items.drain(..start);
                }
                None => items.clear(),
            }
        } else {
            items.truncate(self.size);
        }
        items
    }
}

fn status_filter(
    q: &std::collections::HashMap<String, String>,
    name: &str,
) -> ApiResult<Option<CredentialStatus>> {
    match q.get(name) {
        None => Ok(None),
        Some(v) => match CredentialStatus::parse(v) {
            CredentialStatus::Unknown(_) => Err(bad_request(&format!(
                "{name} must be ENABLED, UNSET or LOCKED."
            ))),
            s => Ok(Some(s)),
        },
    }
}

/// `GET /v1/w3s/users`: Circle's filters `pinStatus`, `securityQuestionStatus`, `from`, `to`,
/// `pageBefore`, `pageAfter`, `pageSize`, `order`.
pub async fn list_users(
    state: &AppState,
    q: &std::collections::HashMap<String, String>,
) -> ApiResult<Vec<EndUser>> {
    let page = Page::from_query(q)?;
    let pin = status_filter(q, "pinStatus")?;
    let sq = status_filter(q, "securityQuestionStatus")?;
    let rows = w3s::list_users(&mut *state.pool.acquire().await?, page.from, page.to).await?;
    let users: Vec<(EndUser, i64)> = rows
        .iter()
        .map(|r| (end_user(r), r.created_at))
        .filter(|(u, _)| pin.as_ref().is_none_or(|p| &u.pin_status == p))
        .filter(|(u, _)| sq.as_ref().is_none_or(|s| &u.security_question_status == s))
        .collect();
    Ok(page
        .apply(users, |(u, _)| u.id.as_str(), |(_, c)| *c)
        .into_iter()
        .map(|(u, _)| u)
        .collect())
}

/// A user in Circle's shape (155102 when missing).
pub async fn get_user(state: &AppState, user_id: &str) -> ApiResult<EndUser> {
    Ok(end_user(&load_row(state, user_id).await?))
}

/// `GET /v1/w3s/wallets`: the session user's wallets with Circle's filters `address`,
/// `blockchain`, `scaCore` (no SCA wallets: an empty list), `walletSetId`, `refId`, `from`,
/// `to`, `pageBefore`, `pageAfter`, `pageSize`, `order`.
pub async fn list_wallets(
    state: &AppState,
    s: &Session,
    q: &std::collections::HashMap<String, String>,
) -> ApiResult<Vec<CircleWallet>> {
    let page = Page::from_query(q)?;
    let mut conn = state.pool.acquire().await?;
    let rows = wallet_store::list_of_user(&mut conn, &s.user_id).await?;
    let meta = w3s::wallet_meta_of_user(&mut conn, &s.user_id).await?;
    drop(conn);
    let sca_only = q.contains_key("scaCore");
    let wallets: Vec<(CircleWallet, i64)> = rows
        .iter()
        .map(|w| (circle_wallet(w, meta.get(&w.id)), w.created_at))
        .filter(|(w, _)| !sca_only || w.account_type == AccountType::Sca)
        .filter(|(w, _)| {
            q.get("address")
                .is_none_or(|a| a.eq_ignore_ascii_case(&w.address))
        })
        .filter(|(w, _)| {
            q.get("blockchain")
                .is_none_or(|b| b == w.blockchain.as_str())
        })
        .filter(|(w, _)| q.get("walletSetId").is_none_or(|id| id == &w.wallet_set_id))
        .filter(|(w, _)| q.get("refId").is_none_or(|r| Some(r) == w.ref_id.as_ref()))
        .collect();
    Ok(page
        .apply(wallets, |(w, _)| w.id.as_str(), |(_, c)| *c)
        .into_iter()
        .map(|(w, _)| w)
        .collect())
}

/// `GET /v1/w3s/wallets/{id}`: one of the session user's wallets (another user's: 404 155819).
pub async fn get_wallet(state: &AppState, s: &Session, id: &str) -> ApiResult<CircleWallet> {
    let w = load_owned_row(state, &s.user_id, id).await?;
    let meta = w3s::wallet_meta_of_user(&mut *state.pool.acquire().await?, &s.user_id).await?;
    Ok(circle_wallet(&w, meta.get(&w.id)))
}

/// `PUT /v1/w3s/wallets/{id}` body (Circle's `UpdateWalletRequest`).
#[derive(Debug, Clone, Default, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct UpdateWalletRequest {
    /// New name (absent: unchanged).
    #[serde(default)]
    pub name: Option<String>,
    /// New reference id (absent: unchanged).
    #[serde(default)]
    pub ref_id: Option<String>,
}

fn check_meta(name: Option<&str>, ref_id: Option<&str>) -> ApiResult<()> {
    let bad = |v: Option<&str>| {
        v.is_some_and(|v| v.chars().count() > 256 || v.chars().any(char::is_control))
    };
    if bad(name) || bad(ref_id) {
        return Err(bad_request(
            "name and refId must have at most 256 characters.",
        ));
    }
    Ok(())
}

/// `PUT /v1/w3s/wallets/{id}`: sets the name and/or reference id of one of the session user's
/// wallets.
pub async fn update_wallet(
    state: &AppState,
    s: &Session,
    id: &str,
    req: UpdateWalletRequest,
) -> ApiResult<CircleWallet> {
    check_meta(req.name.as_deref(), req.ref_id.as_deref())?;
    load_owned_row(state, &s.user_id, id).await?;
    let meta = WalletMeta {
        name: req.name,
        ref_id: req.ref_id,
    };
    if !w3s::update_wallet_meta(&mut *state.pool.acquire().await?, id, &meta, now_ms()).await? {
        return Err(not_found());
    }
    get_wallet(state, s, id).await
}

// ---------------------------------------------------------------------------------------------
// Challenge-creating requests in Circle's form

fn opt_str<'a>(body: &'a Value, field: &str) -> ApiResult<Option<&'a str>> {
    match body.get(field) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(s)) => Ok(Some(s)),
        Some(_) => Err(bad_request(&format!("{field} must be a string."))),
    }
}

/// The wallet a Circle signing request names: `walletId`, or `blockchain` + `walletAddress`
/// (the address compared without regard to case). Another user's wallet answers like a
/// missing one (404 155819).
async fn resolve_wallet(state: &AppState, user_id: &str, body: &Value) -> ApiResult<String> {
    if let Some(id) = opt_str(body, "walletId")? {
        return Ok(id.to_owned());
    }
    let (Some(chain), Some(address)) = (
        opt_str(body, "blockchain")?,
        opt_str(body, "walletAddress")?,
    ) else {
        return Err(bad_request(
            "walletId, or blockchain and walletAddress, is required.",
        ));
    };
    let rows = wallet_store::list_of_user(&mut *state.pool.acquire().await?, user_id).await?;
    rows.into_iter()
        .find(|w| w.blockchain == chain && w.address.eq_ignore_ascii_case(address))
        .map(|w| w.id)
        .ok_or_else(not_found)
}

/// Turns a Circle challenge-creating body into the body Latchkey's creation takes: an
/// `idempotencyKey` is generated when absent (Circle's signing requests have none: every such
/// request creates a new challenge), a signing wallet named by `blockchain` + `walletAddress`
/// is resolved to its `walletId`, and `rawTransaction` is refused (155852).
pub async fn creation_body(
    state: &AppState,
    s: &Session,
    kind: &ChallengeType,
    body: &[u8],
) -> ApiResult<Vec<u8>> {
    let mut v: Value = serde_json::from_slice(body)
        .map_err(|_| bad_request("The request body is not the expected JSON."))?;
    let Some(obj) = v.as_object_mut() else {
        return Err(bad_request("The request body is not the expected JSON."));
    };
    if !obj.contains_key("idempotencyKey") || obj["idempotencyKey"].is_null() {
        obj.insert(
            "idempotencyKey".into(),
            Value::String(uuid::Uuid::new_v4().to_string()),
        );
    }
    if matches!(
        kind,
        ChallengeType::SignMessage | ChallengeType::SignTypedData | ChallengeType::SignTransaction
    ) {
        if *kind == ChallengeType::SignTransaction
            && obj.get("rawTransaction").is_some_and(|r| !r.is_null())
        {
            return Err(ApiError::new(ErrorCode::CircleFieldUnsupported).with_message(
                "rawTransaction is not supported by Latchkey; send transaction (the JSON fields).",
            ));
        }
        let id = resolve_wallet(state, &s.user_id, &v).await?;
        if let Some(obj) = v.as_object_mut() {
            obj.insert("walletId".into(), Value::String(id));
            obj.remove("walletAddress");
            obj.remove("blockchain");
        }
    }
    serde_json::to_vec(&v).map_err(ApiError::internal)
}

/// Circle's `metadata` of a wallet-creating request, one entry per blockchain.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
struct MetadataRequest {
    #[serde(default)]
    blockchains: Vec<String>,
    #[serde(default)]
    metadata: Vec<WalletMeta>,
}

/// Checks a wallet-creating body's `metadata` (at most one entry per blockchain, each field at
/// most 256 characters) before the challenge is created.
pub fn check_wallet_metadata(body: &[u8]) -> ApiResult<()> {
    let Ok(r) = serde_json::from_slice::<MetadataRequest>(body) else {
        // The creation itself reports a malformed body.
        return Ok(());
    };
    if r.metadata.len() > r.blockchains.len().max(1) {
        return Err(bad_request("metadata has more entries than blockchains."));
    }
    for m in &r.metadata {
        check_meta(m.name.as_deref(), m.ref_id.as_deref())?;
    }
    Ok(())
}

/// Records a wallet-creating challenge's `metadata` (Circle: one entry per blockchain, in
/// order), applied when the challenge completes.
pub async fn record_wallet_metadata(
    state: &AppState,
    challenge_id: &str,
    body: &[u8],
) -> ApiResult<()> {
    let Ok(r) = serde_json::from_slice::<MetadataRequest>(body) else {
        return Ok(());
    };
    if r.metadata.is_empty() {
        return Ok(());
    }
    let by_chain: Vec<(String, WalletMeta)> = r.blockchains.into_iter().zip(r.metadata).collect();
    let json = serde_json::to_string(&by_chain).map_err(ApiError::internal)?;
    w3s::set_challenge_wallet_meta(&mut *state.pool.acquire().await?, challenge_id, &json).await?;
    Ok(())
}

/// Inside the completing transaction: gives the wallets the challenge created the names and
/// reference ids its request's `metadata` asked for.
pub async fn apply_wallet_metadata(
    conn: &mut AnyConnection,
    challenge_id: &str,
    blockchains: &[Blockchain],
    wallet_ids: &[String],
    now: i64,
) -> Result<(), sqlx::Error> {
    let Some(json) = w3s::challenge_wallet_meta(&mut *conn, challenge_id).await? else {
        return Ok(());
    };
    let by_chain: Vec<(String, WalletMeta)> = serde_json::from_str(&json).unwrap_or_default();
    for (b, id) in blockchains.iter().zip(wallet_ids) {
        if let Some((_, m)) = by_chain.iter().find(|(c, _)| c == b.as_str()) {
            w3s::set_new_wallet_meta(&mut *conn, id, m, now).await?;
        }
    }
    Ok(())
}

// ---------------------------------------------------------------------------------------------
// Subscriptions in Circle's shape

async fn circle_subscriptions(state: &AppState) -> ApiResult<Vec<CircleSubscription>> {
    let mut conn = state.pool.acquire().await?;
    let rows = subscriptions::list(&mut conn).await?;
    let meta = w3s::subscription_meta(&mut conn).await?;
    Ok(rows
        .into_iter()
        .map(|r| {
            let m = meta.get(&r.id).cloned().unwrap_or_default();
            let restricted = !r.notification_types.iter().any(|t| t == "*");
            CircleSubscription {
                name: m.name.unwrap_or_default(),
                enabled: m.disabled_at.is_none(),
                create_date: rfc3339(r.created_at),
                update_date: rfc3339(m.updated_at.unwrap_or(r.created_at)),
                restricted,
                id: r.id,
                endpoint: r.endpoint,
                notification_types: r.notification_types,
            }
        })
        .collect())
}

/// Every subscription in Circle's shape, oldest first.
pub async fn list_subscriptions(state: &AppState) -> ApiResult<Vec<CircleSubscription>> {
    circle_subscriptions(state).await
}

fn subscription_not_found() -> ApiError {
    ApiError::new(ErrorCode::NotFound).with_message("Subscription not found.")
}

/// One subscription in Circle's shape (404 155812).
pub async fn get_subscription(state: &AppState, id: &str) -> ApiResult<CircleSubscription> {
    circle_subscriptions(state)
        .await?
        .into_iter()
        .find(|s| s.id == id)
        .ok_or_else(subscription_not_found)
}

/// Circle's `UpdateSubscriptionRequest`.
#[derive(Debug, Clone, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct UpdateSubscriptionRequest {
    /// Name.
    pub name: String,
    /// Whether notifications are sent.
    pub enabled: bool,
}

/// `PATCH /v2/notifications/subscriptions/{id}`: name and switch.
pub async fn update_subscription(
    state: &AppState,
    id: &str,
    req: UpdateSubscriptionRequest,
) -> ApiResult<CircleSubscription> {
    if req.name.chars().count() > 256 || req.name.chars().any(char::is_control) {
        return Err(bad_request("name must have at most 256 characters."));
    }
    let ok = w3s::update_subscription(
        &mut *state.pool.acquire().await?,
        id,
        &req.name,
        req.enabled,
        now_ms(),
    )
    .await?;
    if !ok {
        return Err(subscription_not_found());
    }
    get_subscription(state, id).await
}

/// A stable id of this installation for Circle's `GET /config/entity` (`appId`): a UUID made
/// from the SHA-256 of the configured API key hashes, so it changes only with the keys.
pub fn app_id(state: &AppState) -> String {
    let mut all = String::from("latchkey-app-id\n");
    let mut hashes = state.api_key_hashes.clone();
    hashes.sort();
    for h in &hashes {
        all.push_str(h);
        all.push('\n');
    }
    let d = ring::digest::digest(&ring::digest::SHA256, all.as_bytes());
    let mut b = [0u8; 16];
    b.copy_from_slice(&d.as_ref()[..16]);
    uuid::Builder::from_random_bytes(b).into_uuid().to_string()
}
