//! Wallets and PIN-gated signing: reading wallets (user token; developer API by user), the
//! CREATE_WALLET challenge, and the SIGN_MESSAGE / SIGN_TYPEDDATA / SIGN_TRANSACTION
//! challenges (API key and user token, then the body).

use super::auth::{ApiKey, UserSession};
use super::{data, stored, ApiBytes};
use crate::domain::{challenges, wallets};
use crate::error::ApiResult;
use crate::state::AppState;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::Response;
use axum::routing::{get, post};
use axum::Router;
use latchkey_protocol::{ChallengeType, WalletList, WalletReply};
use std::sync::Arc;

/// This resource's routes (paths relative to `/v1`).
pub fn routes() -> Router<Arc<AppState>> {
    Router::new()
        .route("/wallets", get(list_mine))
        .route("/wallets/{id}", get(get_mine))
        .route("/users/{user_id}/wallets", get(list_of_user))
        .route("/user/wallets", post(create_wallet))
        .route("/user/sign/message", post(create_sign_message))
        .route("/user/sign/typedData", post(create_sign_typed_data))
        .route("/user/sign/transaction", post(create_sign_transaction))
}

/// `GET /v1/wallets`: the session user's wallets.
pub async fn list_mine(
    UserSession(s): UserSession,
    State(state): State<Arc<AppState>>,
) -> ApiResult<Response> {
    let wallets = wallets::list_mine(&state, &s).await?;
    Ok(data(StatusCode::OK, WalletList { wallets }))
}

/// `GET /v1/wallets/{id}`: one of the session user's wallets (another user's: 404 155819).
pub async fn get_mine(
    UserSession(s): UserSession,
    State(state): State<Arc<AppState>>,
    Path(id): Path<String>,
) -> ApiResult<Response> {
    let wallet = wallets::get_mine(&state, &s, &id).await?;
    Ok(data(StatusCode::OK, WalletReply { wallet }))
}

/// `GET /v1/users/{userId}/wallets` (developer API).
pub async fn list_of_user(
    _: ApiKey,
    State(state): State<Arc<AppState>>,
    Path(user_id): Path<String>,
) -> ApiResult<Response> {
    let wallets = wallets::list_of_user(&state, &user_id).await?;
    Ok(data(StatusCode::OK, WalletList { wallets }))
}

async fn create(
    state: &AppState,
    s: &crate::domain::sessions::Session,
    kind: ChallengeType,
    body: &[u8],
) -> ApiResult<Response> {
    Ok(stored(challenges::create(state, s, kind, body).await?))
}

/// `POST /v1/user/wallets`: a CREATE_WALLET challenge.
pub async fn create_wallet(
    _: ApiKey,
    UserSession(s): UserSession,
    State(state): State<Arc<AppState>>,
    ApiBytes(body): ApiBytes,
) -> ApiResult<Response> {
    create(&state, &s, ChallengeType::CreateWallet, &body).await
}

/// `POST /v1/user/sign/message`: a SIGN_MESSAGE challenge (EIP-191 `personal_sign`).
pub async fn create_sign_message(
    _: ApiKey,
    UserSession(s): UserSession,
    State(state): State<Arc<AppState>>,
    ApiBytes(body): ApiBytes,
) -> ApiResult<Response> {
    create(&state, &s, ChallengeType::SignMessage, &body).await
}

/// `POST /v1/user/sign/typedData`: a SIGN_TYPEDDATA challenge (EIP-712).
pub async fn create_sign_typed_data(
    _: ApiKey,
    UserSession(s): UserSession,
    State(state): State<Arc<AppState>>,
    ApiBytes(body): ApiBytes,
) -> ApiResult<Response> {
    create(&state, &s, ChallengeType::SignTypedData, &body).await
}

/// `POST /v1/user/sign/transaction`: a SIGN_TRANSACTION challenge (EIP-1559, not broadcast).
pub async fn create_sign_transaction(
    _: ApiKey,
    UserSession(s): UserSession,
    State(state): State<Arc<AppState>>,
    ApiBytes(body): ApiBytes,
) -> ApiResult<Response> {
    create(&state, &s, ChallengeType::SignTransaction, &body).await
}
