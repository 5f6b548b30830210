//! Circle's user-controlled-wallets backend API, served natively (issue 14): the paths of
//! Circle's OpenAPI document (`/v1/w3s/...`, and the Configurations API's
//! `/v2/notifications/...` and `/v1/w3s/config/entity`) with Circle's request fields and reply
//! shapes, as thin adapters over the same domain calls as Latchkey's own `/v1` routes.
//!
//! Every route takes Circle's `Authorization: Bearer <API key>` (any key string, including
//! Circle's `TEST_API_KEY:id:secret` form, compared whole); user routes also take
//! `X-User-Token`. Circle endpoints Latchkey cannot serve answer a 1558[5x] error
//! ([`unsupported`]), never a bare 404. docs/circle-compat.md is the table.

pub mod openapi;
mod unsupported;

use super::auth::{ApiKey, UserSession};
use super::{data, stored, ApiBytes, ApiJson};
use crate::domain::{challenges, sessions, subscriptions, users, w3s};
use crate::error::ApiResult;
use crate::state::AppState;
use axum::extract::{Path, Query, Request, State};
use axum::http::{HeaderValue, StatusCode};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::Router;
use latchkey_protocol::{
    ChallengeType, CreateSubscriptionRequest, CreateUserRequest, UserTokenRequest,
};
use serde_json::json;
use std::collections::HashMap;
use std::sync::Arc;

/// The routes under `/v1/w3s` (paths relative to it).
pub fn routes() -> Router<Arc<AppState>> {
    Router::new()
        .route("/users", post(create_user).get(list_users))
        .route("/users/{id}", get(get_user))
        .route("/users/token", post(create_token))
        .route("/user", get(get_current_user))
        .route("/user/initialize", post(initialize))
        .route("/user/pin", post(set_pin).put(change_pin))
        .route("/user/pin/restore", post(restore_pin))
        .route("/user/challenges", get(list_challenges))
        .route("/user/challenges/{id}", get(get_challenge))
        .route("/wallets", get(list_wallets))
        .route("/wallets/{id}", get(get_wallet).put(update_wallet))
        .route("/user/wallets", post(create_wallet))
        .route("/user/sign/message", post(sign_message))
        .route("/user/sign/typedData", post(sign_typed_data))
        .route("/user/sign/transaction", post(sign_transaction))
        .route("/config/entity", get(entity_config))
        .merge(unsupported::w3s_routes())
        .layer(middleware::from_fn(echo_request_id))
}

/// Circle's Configurations API routes under `/v2/notifications` (webhook subscriptions and
/// their public keys), paths relative to it.
pub fn notification_routes() -> Router<Arc<AppState>> {
    Router::new()
        .route(
            "/subscriptions",
            post(create_subscription).get(list_subscriptions),
        )
        .route(
            "/subscriptions/{id}",
            get(get_subscription)
                .patch(update_subscription)
                .delete(delete_subscription),
        )
        .route("/publicKey/{id}", get(public_key))
        .layer(middleware::from_fn(echo_request_id))
}

/// Circle answers with the caller's `X-Request-Id`; so does Latchkey (when it is a short,
/// printable value). It is never logged.
async fn echo_request_id(req: Request, next: Next) -> Response {
    let id = req
        .headers()
        .get("x-request-id")
        .filter(|v| v.len() <= 128 && v.to_str().is_ok())
        .cloned();
    let mut resp = next.run(req).await;
    if let Some(id) = id {
        resp.headers_mut().insert("x-request-id", id);
    } else if let Ok(v) = HeaderValue::from_str(&uuid::Uuid::new_v4().to_string()) {
        resp.headers_mut().insert("x-request-id", v);
    }
    resp
}

// ---------------------------------------------------------------------------------------------
// Users and tokens

/// `POST /v1/w3s/users`: 201 `{"data": EndUser}`.
pub async fn create_user(
    _: ApiKey,
    State(state): State<Arc<AppState>>,
    ApiJson(req, _): ApiJson<CreateUserRequest>,
) -> ApiResult<Response> {
    users::create(&state, &req.user_id).await?;
    Ok(data(
        StatusCode::CREATED,
        w3s::get_user(&state, &req.user_id).await?,
    ))
}

/// `GET /v1/w3s/users`: `{"data": {"users": [EndUser]}}`, Circle's filters.
pub async fn list_users(
    _: ApiKey,
    State(state): State<Arc<AppState>>,
    Query(q): Query<HashMap<String, String>>,
) -> ApiResult<Response> {
    let users = w3s::list_users(&state, &q).await?;
    Ok(data(StatusCode::OK, json!({ "users": users })))
}

/// `GET /v1/w3s/users/{id}`: `{"data": {"user": EndUser}}`.
pub async fn get_user(
    _: ApiKey,
    State(state): State<Arc<AppState>>,
    Path(id): Path<String>,
) -> ApiResult<Response> {
    let user = w3s::get_user(&state, &id).await?;
    Ok(data(StatusCode::OK, json!({ "user": user })))
}

/// `POST /v1/w3s/users/token`: `{"data": {"userToken", "encryptionKey"}}`.
pub async fn create_token(
    _: ApiKey,
    State(state): State<Arc<AppState>>,
    ApiJson(req, _): ApiJson<UserTokenRequest>,
) -> ApiResult<Response> {
    Ok(data(
        StatusCode::OK,
        sessions::issue(&state, &req.user_id).await?,
    ))
}

/// `GET /v1/w3s/user`: `{"data": EndUser}` of the token's user.
pub async fn get_current_user(
    _: ApiKey,
    UserSession(s): UserSession,
    State(state): State<Arc<AppState>>,
) -> ApiResult<Response> {
    Ok(data(
        StatusCode::OK,
        w3s::get_user(&state, &s.user_id).await?,
    ))
}

/// `GET /v1/w3s/config/entity`: `{"data": {"appId"}}`, a stable id of this installation
/// (Latchkey's SDK needs no app id; a backend that hands Circle's to its app gets one).
pub async fn entity_config(_: ApiKey, State(state): State<Arc<AppState>>) -> Response {
    data(StatusCode::OK, json!({ "appId": w3s::app_id(&state) }))
}

// ---------------------------------------------------------------------------------------------
// Challenges

async fn create(
    state: &AppState,
    s: &crate::domain::sessions::Session,
    kind: ChallengeType,
    body: &[u8],
) -> ApiResult<Response> {
    let wallets = matches!(
        kind,
        ChallengeType::Initialize | ChallengeType::CreateWallet
    );
    if wallets {
        w3s::check_wallet_metadata(body)?;
    }
    let body = w3s::creation_body(state, s, &kind, body).await?;
    let reply = challenges::create(state, s, kind, &body).await?;
    if wallets {
        if let Some(id) = serde_json::from_str::<serde_json::Value>(&reply.body)
            .ok()
            .and_then(|v| v["data"]["challengeId"].as_str().map(str::to_owned))
        {
            w3s::record_wallet_metadata(state, &id, &body).await?;
        }
    }
    Ok(stored(reply))
}

macro_rules! creation_handlers {
    ($($(#[$doc:meta])* $name:ident => $kind:ident;)*) => {$(
        $(#[$doc])*
        pub async fn $name(
            _: ApiKey,
            UserSession(s): UserSession,
            State(state): State<Arc<AppState>>,
            ApiBytes(body): ApiBytes,
        ) -> ApiResult<Response> {
            create(&state, &s, ChallengeType::$kind, &body).await
        }
    )*};
}

creation_handlers! {
    /// `POST /v1/w3s/user/initialize` (`blockchains`, `accountType`, `metadata` acted on).
    initialize => Initialize;
    /// `POST /v1/w3s/user/pin`.
    set_pin => SetPin;
    /// `PUT /v1/w3s/user/pin`.
    change_pin => ChangePin;
    /// `POST /v1/w3s/user/pin/restore`.
    restore_pin => RestorePin;
    /// `POST /v1/w3s/user/wallets` (`blockchains`, `accountType`, `metadata` acted on).
    create_wallet => CreateWallet;
    /// `POST /v1/w3s/user/sign/message` (`walletId` or `blockchain` + `walletAddress`,
    /// `message`, `encodedByHex`, `memo`; no `idempotencyKey` needed).
    sign_message => SignMessage;
    /// `POST /v1/w3s/user/sign/typedData` (`data` as a JSON string).
    sign_typed_data => SignTypedData;
    /// `POST /v1/w3s/user/sign/transaction` (`transaction` as a JSON string; `rawTransaction`
    /// answers 155852).
    sign_transaction => SignTransaction;
}

/// `GET /v1/w3s/user/challenges[?status=]`: `{"data": {"challenges": [...]}}`.
pub async fn list_challenges(
    _: ApiKey,
    UserSession(s): UserSession,
    State(state): State<Arc<AppState>>,
    Query(q): Query<HashMap<String, String>>,
) -> ApiResult<Response> {
    let list: Vec<_> = challenges::list(&state, &s, q.get("status").map(String::as_str))
        .await?
        .into_iter()
        .map(w3s::circle_challenge)
        .collect();
    Ok(data(StatusCode::OK, json!({ "challenges": list })))
}

/// `GET /v1/w3s/user/challenges/{id}`: `{"data": {"challenge": {...}}}`.
pub async fn get_challenge(
    _: ApiKey,
    UserSession(s): UserSession,
    State(state): State<Arc<AppState>>,
    Path(id): Path<String>,
) -> ApiResult<Response> {
    let c = w3s::circle_challenge(challenges::get_one(&state, &s, &id).await?);
    Ok(data(StatusCode::OK, json!({ "challenge": c })))
}

// ---------------------------------------------------------------------------------------------
// Wallets

/// `GET /v1/w3s/wallets`: `{"data": {"wallets": [...]}}`, Circle's filters.
pub async fn list_wallets(
    _: ApiKey,
    UserSession(s): UserSession,
    State(state): State<Arc<AppState>>,
    Query(q): Query<HashMap<String, String>>,
) -> ApiResult<Response> {
    let wallets = w3s::list_wallets(&state, &s, &q).await?;
    Ok(data(StatusCode::OK, json!({ "wallets": wallets })))
}

/// `GET /v1/w3s/wallets/{id}`: `{"data": {"wallet": {...}}}`.
pub async fn get_wallet(
    _: ApiKey,
    UserSession(s): UserSession,
    State(state): State<Arc<AppState>>,
    Path(id): Path<String>,
) -> ApiResult<Response> {
    let wallet = w3s::get_wallet(&state, &s, &id).await?;
    Ok(data(StatusCode::OK, json!({ "wallet": wallet })))
}

/// `PUT /v1/w3s/wallets/{id}` `{name?, refId?}`: `{"data": {"wallet": {...}}}`.
pub async fn update_wallet(
    _: ApiKey,
    UserSession(s): UserSession,
    State(state): State<Arc<AppState>>,
    Path(id): Path<String>,
    ApiJson(req, _): ApiJson<w3s::UpdateWalletRequest>,
) -> ApiResult<Response> {
    let wallet = w3s::update_wallet(&state, &s, &id, req).await?;
    Ok(data(StatusCode::OK, json!({ "wallet": wallet })))
}

// ---------------------------------------------------------------------------------------------
// Notification subscriptions (Circle's Configurations API)

/// `POST /v2/notifications/subscriptions`: 200 `{"data": Subscription}`.
pub async fn create_subscription(
    _: ApiKey,
    State(state): State<Arc<AppState>>,
    ApiJson(req, _): ApiJson<CreateSubscriptionRequest>,
) -> ApiResult<Response> {
    let sub = subscriptions::create(&state, req).await?;
    Ok(data(
        StatusCode::OK,
        w3s::get_subscription(&state, &sub.id).await?,
    ))
}

/// `GET /v2/notifications/subscriptions`: `{"data": [Subscription]}`.
pub async fn list_subscriptions(
    _: ApiKey,
    State(state): State<Arc<AppState>>,
) -> ApiResult<Response> {
    Ok(data(StatusCode::OK, w3s::list_subscriptions(&state).await?))
}

/// `GET /v2/notifications/subscriptions/{id}`.
pub async fn get_subscription(
    _: ApiKey,
    State(state): State<Arc<AppState>>,
    Path(id): Path<String>,
) -> ApiResult<Response> {
    Ok(data(
        StatusCode::OK,
        w3s::get_subscription(&state, &id).await?,
    ))
}

/// `PATCH /v2/notifications/subscriptions/{id}` `{name, enabled}`.
pub async fn update_subscription(
    _: ApiKey,
    State(state): State<Arc<AppState>>,
    Path(id): Path<String>,
    ApiJson(req, _): ApiJson<w3s::UpdateSubscriptionRequest>,
) -> ApiResult<Response> {
    Ok(data(
        StatusCode::OK,
        w3s::update_subscription(&state, &id, req).await?,
    ))
}

/// `DELETE /v2/notifications/subscriptions/{id}`: 204.
pub async fn delete_subscription(
    _: ApiKey,
    State(state): State<Arc<AppState>>,
    Path(id): Path<String>,
) -> ApiResult<Response> {
    subscriptions::delete(&state, &id).await?;
    Ok(StatusCode::NO_CONTENT.into_response())
}

/// `GET /v2/notifications/publicKey/{id}`: `{"data": {id, algorithm, publicKey, createDate}}`.
pub async fn public_key(
    _: ApiKey,
    State(state): State<Arc<AppState>>,
    Path(id): Path<String>,
) -> ApiResult<Response> {
    Ok(data(
        StatusCode::OK,
        subscriptions::public_key(&state, &id).await?,
    ))
}
