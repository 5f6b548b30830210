//! Users and sessions (developer API): `POST /v1/users`, `GET /v1/users/{userId}`,
//! `POST /v1/users/token`, `POST /v1/users/token/revoke`, `POST /v1/users/{userId}/tokens/revoke`,
//! `POST /v1/users/{userId}/securityQuestions/reset`, and `GET /v1/user` (the session's user).

use super::auth::{ApiKey, OptionalApiKey, UserSession};
use super::{data, ApiJson};
use crate::domain::{sessions, users};
use crate::error::ApiResult;
use crate::state::AppState;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::Router;
use latchkey_protocol::{CreateUserRequest, UserTokenRequest};
use std::sync::Arc;

/// This resource's routes (paths relative to `/v1`).
pub fn routes() -> Router<Arc<AppState>> {
    Router::new()
        .route("/users", post(create_user))
        .route("/users/{user_id}", get(get_user))
        .route("/users/token", post(create_token))
        .route("/users/token/revoke", post(revoke_token))
        .route("/users/{user_id}/tokens/revoke", post(revoke_user_tokens))
        .route(
            "/users/{user_id}/securityQuestions/reset",
            post(reset_security_questions),
        )
        .route("/user", get(get_current_user))
}

/// `POST /v1/users`.
pub async fn create_user(
    _: ApiKey,
    State(state): State<Arc<AppState>>,
    ApiJson(req, _): ApiJson<CreateUserRequest>,
) -> ApiResult<Response> {
    Ok(data(
        StatusCode::CREATED,
        users::create(&state, &req.user_id).await?,
    ))
}

/// `GET /v1/users/{userId}`.
pub async fn get_user(
    _: ApiKey,
    State(state): State<Arc<AppState>>,
    Path(user_id): Path<String>,
) -> ApiResult<Response> {
    Ok(data(StatusCode::OK, users::get(&state, &user_id).await?))
}

/// `GET /v1/user`: the session's user. The API key is optional here, but checked when sent.
pub async fn get_current_user(
    _: OptionalApiKey,
    UserSession(s): UserSession,
    State(state): State<Arc<AppState>>,
) -> ApiResult<Response> {
    Ok(data(StatusCode::OK, users::get(&state, &s.user_id).await?))
}

/// `POST /v1/users/token`.
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

/// `POST /v1/users/token/revoke` body. The token is a secret: `Debug` hides it.
#[derive(serde::Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct RevokeTokenRequest {
    /// The user token to revoke.
    pub user_token: String,
}

impl std::fmt::Debug for RevokeTokenRequest {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("RevokeTokenRequest { user_token: <redacted> }")
    }
}

/// `POST /v1/users/{userId}/tokens/revoke` reply.
#[derive(serde::Serialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct RevokedTokens {
    /// How many live tokens were revoked.
    pub revoked_tokens: u64,
}

/// `POST /v1/users/token/revoke`: 204; the token answers 401 155104 from now on, on every
/// instance.
pub async fn revoke_token(
    _: ApiKey,
    State(state): State<Arc<AppState>>,
    ApiJson(req, _): ApiJson<RevokeTokenRequest>,
) -> ApiResult<Response> {
    sessions::revoke_token(&state, req.user_token.trim()).await?;
    Ok(StatusCode::NO_CONTENT.into_response())
}

/// `POST /v1/users/{userId}/tokens/revoke`: log the user out everywhere.
pub async fn revoke_user_tokens(
    _: ApiKey,
    State(state): State<Arc<AppState>>,
    Path(user_id): Path<String>,
) -> ApiResult<Response> {
    let n = sessions::revoke_user(&state, &user_id).await?;
    Ok(data(StatusCode::OK, RevokedTokens { revoked_tokens: n }))
}

/// `POST /v1/users/{userId}/securityQuestions/reset`: the operator re-enables the user's
/// security answers with a fresh guess budget (idempotent; webhook
/// `users.securityQuestionsReset` when something changed). Replies with the user.
pub async fn reset_security_questions(
    _: ApiKey,
    State(state): State<Arc<AppState>>,
    Path(user_id): Path<String>,
) -> ApiResult<Response> {
    Ok(data(
        StatusCode::OK,
        users::reset_security_questions(&state, &user_id).await?,
    ))
}
