//! Shared state, the router, request extractors, authentication and the developer-API handlers
//! for users, sessions and webhook subscriptions.

use crate::challenges;
use crate::config::Config;
use crate::crypto::{self, Hasher, SigningKey};
use crate::db::{self, now_ms, rfc3339, UserRow};
use crate::error::{ApiError, ApiResult};
use crate::openapi;
use axum::body::Bytes;
use axum::extract::{DefaultBodyLimit, FromRequest, Path, Request, State};
use axum::http::{HeaderMap, StatusCode};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use latchkey_protocol::secret::ct_eq;
use latchkey_protocol::{
    CreateSubscriptionRequest, CreateUserRequest, CredentialDetails, CredentialStatus,
    DataEnvelope, ErrorCode, NotificationPublicKey, SessionKey, Subscription, User,
    UserTokenRequest, UserTokenResponse,
};
use serde::de::DeserializeOwned;
use serde::Serialize;
use sqlx::{AnyPool, Row};
use std::sync::Arc;
use tokio::sync::Notify;

/// State shared by every handler and background task.
pub struct AppState {
    /// Database pool.
    pub pool: AnyPool,
    /// Configuration.
    pub config: Config,
    /// Argon2id verifiers.
    pub hasher: Hasher,
    /// Webhook signing key.
    pub signing: SigningKey,
    /// SHA-256 (hex) of the accepted API keys.
    pub api_key_hashes: Vec<String>,
    /// Wakes the outbox worker.
    pub outbox_wake: Notify,
    /// HTTP client for webhooks.
    pub http: reqwest::Client,
    /// Resolved user sessions (see [`SessionCache`]).
    pub sessions: SessionCache,
}

/// Sessions already resolved, by token hash. A session row is written once and never changed
/// (rows are deleted only by the sweep, a day after they expire), so a cached entry is exactly
/// what the database would answer, also with several instances sharing PostgreSQL; expiry is
/// still checked on every request. Unknown tokens are never cached. Saves the session query
/// and the key unwrap on every client-API request.
#[derive(Default)]
pub struct SessionCache {
    map: std::sync::Mutex<std::collections::HashMap<String, CachedSession>>,
}

#[derive(Clone)]
struct CachedSession {
    user_id: String,
    key: SessionKey,
    expires_at: i64,
}

/// Most sessions kept; when full, expired entries are dropped first, then everything.
const SESSION_CACHE_MAX: usize = 10_000;

impl SessionCache {
    fn get(&self, token_hash: &str) -> Option<CachedSession> {
        let map = self.map.lock().unwrap_or_else(|e| e.into_inner());
        map.get(token_hash).cloned()
    }

    fn insert(&self, token_hash: String, entry: CachedSession) {
        let mut map = self.map.lock().unwrap_or_else(|e| e.into_inner());
        if map.len() >= SESSION_CACHE_MAX {
            let now = now_ms();
            map.retain(|_, s| s.expires_at > now);
            if map.len() >= SESSION_CACHE_MAX {
                map.clear();
            }
        }
        map.insert(token_hash, entry);
    }
}

/// `{"data": ...}` reply with a status.
pub fn data<T: Serialize>(status: StatusCode, value: T) -> Response {
    (status, Json(DataEnvelope { data: value })).into_response()
}

/// A JSON body whose failures answer 155801 (malformed) or 155810 (too large).
pub struct ApiJson<T>(pub T, pub Bytes);

impl<S: Send + Sync, T: DeserializeOwned> FromRequest<S> for ApiJson<T> {
    type Rejection = ApiError;

    async fn from_request(req: Request, state: &S) -> Result<Self, Self::Rejection> {
        let bytes = Bytes::from_request(req, state).await.map_err(|e| {
            if e.status() == StatusCode::PAYLOAD_TOO_LARGE {
                ApiError::new(ErrorCode::PayloadTooLarge)
            } else {
                ApiError::new(ErrorCode::InvalidRequest)
            }
        })?;
        // serde's message can quote input; never echo it.
        let v = serde_json::from_slice(&bytes).map_err(|_| {
            ApiError::new(ErrorCode::InvalidRequest)
                .with_message("The request body is not the expected JSON.")
        })?;
        Ok(ApiJson(v, bytes))
    }
}

/// A raw body whose failures answer 155810 (too large, with an error body like every other
/// error) or 155801.
pub struct ApiBytes(pub Bytes);

impl<S: Send + Sync> FromRequest<S> for ApiBytes {
    type Rejection = ApiError;

    async fn from_request(req: Request, state: &S) -> Result<Self, Self::Rejection> {
        Bytes::from_request(req, state)
            .await
            .map(ApiBytes)
            .map_err(|e| {
                if e.status() == StatusCode::PAYLOAD_TOO_LARGE {
                    ApiError::new(ErrorCode::PayloadTooLarge)
                } else {
                    ApiError::new(ErrorCode::InvalidRequest)
                }
            })
    }
}

/// Builds the router.
pub fn router(state: Arc<AppState>) -> Router {
    let limit = state.config.max_body_bytes;
    Router::new()
        .route("/v1/users", post(create_user))
        .route("/v1/users/{user_id}", get(get_user))
        .route("/v1/users/token", post(create_token))
        .route("/v1/user", get(get_current_user))
        .route("/v1/user/initialize", post(challenges::create_initialize))
        .route(
            "/v1/user/pin",
            post(challenges::create_set_pin).put(challenges::create_change_pin),
        )
        .route("/v1/user/pin/restore", post(challenges::create_restore_pin))
        .route(
            "/v1/user/securityQuestions",
            post(challenges::create_set_security_questions),
        )
        .route(
            "/v1/user/sign/message",
            post(challenges::create_sign_message),
        )
        .route("/v1/user/challenges", get(challenges::list))
        .route("/v1/user/challenges/{id}", get(challenges::get_one))
        .route(
            "/v1/user/challenges/{id}/descriptor",
            get(challenges::descriptor),
        )
        .route(
            "/v1/user/challenges/{id}/steps",
            post(challenges::submit_step),
        )
        .route("/v1/user/challenges/{id}/cancel", post(challenges::cancel))
        .route(
            "/v1/notifications/subscriptions",
            post(create_subscription).get(list_subscriptions),
        )
        .route(
            "/v1/notifications/subscriptions/{id}",
            axum::routing::delete(delete_subscription),
        )
        .route("/v1/notifications/publicKey/{key_id}", get(public_key))
        .route("/v1/openapi.json", get(openapi::serve))
        .route("/v1/health", get(health))
        .fallback(not_found)
        .method_not_allowed_fallback(not_found)
        .layer(DefaultBodyLimit::max(limit))
        .layer(middleware::from_fn(log_request))
        .with_state(state)
}

async fn not_found() -> ApiError {
    ApiError::new(ErrorCode::NotFound)
}

/// Logs method, route template, status and latency: never headers, bodies or query strings.
async fn log_request(req: Request, next: Next) -> Response {
    let method = req.method().clone();
    let route = req
        .extensions()
        .get::<axum::extract::MatchedPath>()
        .map(|p| p.as_str().to_owned())
        .unwrap_or_else(|| "<unmatched>".into());
    let start = std::time::Instant::now();
    let resp = next.run(req).await;
    tracing::info!(
        %method,
        route = %route,
        status = resp.status().as_u16(),
        ms = start.elapsed().as_millis() as u64,
        "request"
    );
    resp
}

async fn health() -> Response {
    data(StatusCode::OK, serde_json::json!({"status": "ok"}))
}

/// Checks `Authorization: Bearer <api key>` (155802).
pub fn require_api_key(state: &AppState, headers: &HeaderMap) -> ApiResult<()> {
    let key = headers
        .get("authorization")
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
        .map(str::trim)
        .filter(|k| !k.is_empty())
        .ok_or(ApiError::new(ErrorCode::Unauthorized))?;
    let h = crypto::sha256_hex(key.as_bytes());
    let mut ok = false;
    for stored in &state.api_key_hashes {
        ok |= ct_eq(stored.as_bytes(), h.as_bytes());
    }
    if ok {
        Ok(())
    } else {
        Err(ApiError::new(ErrorCode::Unauthorized))
    }
}

/// An authenticated user session (from `X-User-Token`).
pub struct Session {
    /// The user.
    pub user_id: String,
    /// The session's envelope key.
    pub key: SessionKey,
}

/// Resolves `X-User-Token` (155105 malformed or missing, 155103 unknown, 155104 expired).
pub async fn require_user(state: &AppState, headers: &HeaderMap) -> ApiResult<Session> {
    let token = headers
        .get("x-user-token")
        .and_then(|v| v.to_str().ok())
        .map(str::trim)
        .ok_or(ApiError::new(ErrorCode::InvalidToken))?;
    if !crypto::token_well_formed(token) {
        return Err(ApiError::new(ErrorCode::InvalidToken));
    }
    let hash = crypto::sha256_hex(token.as_bytes());
    if let Some(c) = state.sessions.get(&hash) {
        if c.expires_at <= now_ms() {
            return Err(ApiError::new(ErrorCode::TokenExpired));
        }
        return Ok(Session {
            user_id: c.user_id,
            key: c.key,
        });
    }
    let row =
        sqlx::query("SELECT user_id, wrapped_key, expires_at FROM sessions WHERE token_hash = $1")
            .bind(&hash)
            .fetch_optional(&state.pool)
            .await?
            .ok_or(ApiError::new(ErrorCode::TokenNotFound))?;
    let expires_at: i64 = row.try_get("expires_at")?;
    if expires_at <= now_ms() {
        return Err(ApiError::new(ErrorCode::TokenExpired));
    }
    let user_id: String = row.try_get("user_id")?;
    let wrapped: String = row.try_get("wrapped_key")?;
    let raw = state
        .hasher
        .pepper()
        .unwrap(&format!("session:{hash}"), &wrapped)
        .map_err(|_| ApiError::internal("a session key cannot be unwrapped"))?;
    let arr: [u8; 32] = raw
        .as_slice()
        .try_into()
        .map_err(|_| ApiError::internal("stored session key has the wrong length"))?;
    let key = SessionKey::from_bytes(arr);
    state.sessions.insert(
        hash,
        CachedSession {
            user_id: user_id.clone(),
            key: key.clone(),
            expires_at,
        },
    );
    Ok(Session { user_id, key })
}

fn credential(
    verifier_set: bool,
    failed: i64,
    locked_at: Option<i64>,
    locked_until: Option<i64>,
    now: i64,
) -> (CredentialStatus, CredentialDetails) {
    let locked = locked_until.is_some_and(|u| u > now);
    let lock_expired = locked_until.is_some_and(|u| u <= now);
    let status = if !verifier_set {
        CredentialStatus::Unset
    } else if locked {
        CredentialStatus::Locked
    } else {
        CredentialStatus::Enabled
    };
    let details = CredentialDetails {
        failed_attempts: if lock_expired {
            0
        } else {
            failed.max(0) as u32
        },
        locked_date: locked_at.filter(|_| locked).map(rfc3339),
        locked_expiry_date: locked_until.filter(|_| locked).map(rfc3339),
    };
    (status, details)
}

/// Wrong guesses still allowed for a credential.
pub fn attempts_left(max: u32, failed: i64, locked_until: Option<i64>, now: i64) -> u32 {
    match locked_until {
        Some(u) if u > now => 0,
        Some(_) => max,
        None => max.saturating_sub(u32::try_from(failed.max(0)).unwrap_or(u32::MAX)),
    }
}

/// The wire form of a user.
pub fn user_wire(u: &UserRow) -> User {
    let now = now_ms();
    let (pin_status, pin_details) = credential(
        u.pin_verifier.is_some(),
        u.pin_failed,
        u.pin_locked_at,
        u.pin_locked_until,
        now,
    );
    let (q_status, q_details) = credential(
        u.answers_verifier.is_some(),
        u.q_failed,
        u.q_locked_at,
        u.q_locked_until,
        now,
    );
    User {
        id: u.id.clone(),
        create_date: rfc3339(u.created_at),
        pin_status,
        pin_details,
        security_question_status: q_status,
        security_question_details: q_details,
    }
}

fn valid_user_id(id: &str) -> bool {
    let n = id.chars().count();
    (5..=50).contains(&n) && !id.chars().any(char::is_control)
}

async fn create_user(
    State(state): State<Arc<AppState>>,
    headers: HeaderMap,
    ApiJson(req, _): ApiJson<CreateUserRequest>,
) -> ApiResult<Response> {
    require_api_key(&state, &headers)?;
    if !valid_user_id(&req.user_id) {
        return Err(ApiError::new(ErrorCode::InvalidRequest)
            .with_message("userId must have 5 to 50 characters."));
    }
    let now = now_ms();
    let n = sqlx::query(
        "INSERT INTO users (id, created_at) VALUES ($1, $2) ON CONFLICT (id) DO NOTHING",
    )
    .bind(&req.user_id)
    .bind(now)
    .execute(&state.pool)
    .await?
    .rows_affected();
    if n == 0 {
        return Err(ApiError::new(ErrorCode::UserAlreadyExists));
    }
    let mut conn = state.pool.acquire().await?;
    let u = db::load_user(&mut conn, &req.user_id)
        .await?
        .ok_or_else(|| ApiError::internal("user vanished after insert"))?;
    Ok(data(StatusCode::CREATED, user_wire(&u)))
}

async fn get_user(
    State(state): State<Arc<AppState>>,
    headers: HeaderMap,
    Path(user_id): Path<String>,
) -> ApiResult<Response> {
    require_api_key(&state, &headers)?;
    let mut conn = state.pool.acquire().await?;
    let u = db::load_user(&mut conn, &user_id)
        .await?
        .ok_or(ApiError::new(ErrorCode::UserNotFound))?;
    Ok(data(StatusCode::OK, user_wire(&u)))
}

/// `GET /v1/user`: the session's user. The API key is optional here, but checked when sent.
async fn get_current_user(
    State(state): State<Arc<AppState>>,
    headers: HeaderMap,
) -> ApiResult<Response> {
    if headers.contains_key("authorization") {
        require_api_key(&state, &headers)?;
    }
    let s = require_user(&state, &headers).await?;
    let mut conn = state.pool.acquire().await?;
    let u = db::load_user(&mut conn, &s.user_id)
        .await?
        .ok_or(ApiError::new(ErrorCode::UserNotFound))?;
    Ok(data(StatusCode::OK, user_wire(&u)))
}

async fn create_token(
    State(state): State<Arc<AppState>>,
    headers: HeaderMap,
    ApiJson(req, _): ApiJson<UserTokenRequest>,
) -> ApiResult<Response> {
    require_api_key(&state, &headers)?;
    let mut conn = state.pool.acquire().await?;
    if db::load_user(&mut conn, &req.user_id).await?.is_none() {
        return Err(ApiError::new(ErrorCode::UserNotFound));
    }
    drop(conn);
    let token = crypto::new_token().map_err(ApiError::internal)?;
    let key = SessionKey::generate(&ring::rand::SystemRandom::new()).map_err(ApiError::internal)?;
    let key_b64 = key.to_base64();
    let hash = crypto::sha256_hex(token.as_bytes());
    let raw = base64::Engine::decode(
        &base64::engine::general_purpose::STANDARD,
        key_b64.as_bytes(),
    )
    .map(zeroize::Zeroizing::new)
    .map_err(ApiError::internal)?;
    let wrapped = state
        .hasher
        .pepper()
        .wrap(&format!("session:{hash}"), &raw)
        .map_err(ApiError::internal)?;
    let now = now_ms();
    sqlx::query(
        "INSERT INTO sessions (token_hash, user_id, wrapped_key, created_at, expires_at) VALUES ($1, $2, $3, $4, $5)",
    )
    .bind(&hash)
    .bind(&req.user_id)
    .bind(wrapped)
    .bind(now)
    .bind(now + db::ms(state.config.token_ttl))
    .execute(&state.pool)
    .await?;
    Ok(data(
        StatusCode::OK,
        UserTokenResponse {
            user_token: token.to_string(),
            encryption_key: key_b64.to_string(),
        },
    ))
}

fn valid_endpoint(url: &str) -> bool {
    match reqwest::Url::parse(url) {
        Ok(u) => matches!(u.scheme(), "http" | "https") && u.host().is_some() && url.len() <= 2048,
        Err(_) => false,
    }
}

async fn create_subscription(
    State(state): State<Arc<AppState>>,
    headers: HeaderMap,
    ApiJson(req, _): ApiJson<CreateSubscriptionRequest>,
) -> ApiResult<Response> {
    require_api_key(&state, &headers)?;
    if !valid_endpoint(&req.endpoint) {
        return Err(ApiError::new(ErrorCode::InvalidRequest)
            .with_message("endpoint must be an http or https URL."));
    }
    if req.notification_types.len() > 50
        || req
            .notification_types
            .iter()
            .any(|t| t.is_empty() || t.len() > 100)
    {
        return Err(ApiError::new(ErrorCode::InvalidRequest)
            .with_message("notificationTypes is not valid."));
    }
    let types = if req.notification_types.is_empty() {
        vec!["*".to_owned()]
    } else {
        req.notification_types.clone()
    };
    let now = now_ms();
    let sub = Subscription {
        id: uuid::Uuid::new_v4().to_string(),
        endpoint: req.endpoint.clone(),
        notification_types: types,
        create_date: rfc3339(now),
    };
    sqlx::query(
        "INSERT INTO subscriptions (id, endpoint, notification_types, created_at) VALUES ($1, $2, $3, $4)",
    )
    .bind(&sub.id)
    .bind(&sub.endpoint)
    .bind(serde_json::to_string(&sub.notification_types).map_err(ApiError::internal)?)
    .bind(now)
    .execute(&state.pool)
    .await?;
    Ok(data(StatusCode::CREATED, sub))
}

async fn list_subscriptions(
    State(state): State<Arc<AppState>>,
    headers: HeaderMap,
) -> ApiResult<Response> {
    require_api_key(&state, &headers)?;
    let rows = sqlx::query(
        "SELECT id, endpoint, notification_types, created_at FROM subscriptions ORDER BY created_at, id",
    )
    .fetch_all(&state.pool)
    .await?;
    let mut out = Vec::with_capacity(rows.len());
    for r in rows {
        let types: String = r.try_get("notification_types")?;
        out.push(Subscription {
            id: r.try_get("id")?,
            endpoint: r.try_get("endpoint")?,
            notification_types: serde_json::from_str(&types).unwrap_or_default(),
            create_date: rfc3339(r.try_get("created_at")?),
        });
    }
    Ok(data(StatusCode::OK, out))
}

async fn delete_subscription(
    State(state): State<Arc<AppState>>,
    headers: HeaderMap,
    Path(id): Path<String>,
) -> ApiResult<Response> {
    require_api_key(&state, &headers)?;
    let n = sqlx::query("DELETE FROM subscriptions WHERE id = $1")
        .bind(&id)
        .execute(&state.pool)
        .await?
        .rows_affected();
    if n == 0 {
        return Err(ApiError::new(ErrorCode::NotFound));
    }
    Ok(StatusCode::NO_CONTENT.into_response())
}

async fn public_key(
    State(state): State<Arc<AppState>>,
    headers: HeaderMap,
    Path(key_id): Path<String>,
) -> ApiResult<Response> {
    require_api_key(&state, &headers)?;
    let row = sqlx::query("SELECT id, public_key, created_at FROM signing_keys WHERE id = $1")
        .bind(&key_id)
        .fetch_optional(&state.pool)
        .await?
        .ok_or(ApiError::new(ErrorCode::NotFound))?;
    Ok(data(
        StatusCode::OK,
        NotificationPublicKey {
            id: row.try_get("id")?,
            algorithm: "ECDSA_SHA_256".into(),
            public_key: row.try_get("public_key")?,
            create_date: rfc3339(row.try_get("created_at")?),
        },
    ))
}
