//! Users and sessions (developer API): `POST /v1/users`, `GET /v1/users/{userId}`,
//! `POST /v1/users/token`, and `GET /v1/user` (the session's user).

use super::auth::{ApiKey, OptionalApiKey, UserSession};
use super::{data, ApiJson};
use crate::domain::{sessions, users};
use crate::error::ApiResult;
use crate::state::AppState;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::Response;
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
