//! Challenges: creation (developer API: API key and user token) and the client API
//! (user token): list, read, descriptor, steps, cancel.

use super::auth::{ApiKey, PendingUserSession, UserSession};
use super::{data, stored, ApiBytes, ApiJson};
use crate::domain::challenges;
use crate::domain::steps::{self, StepReply};
use crate::error::{ApiError, ApiResult};
use crate::state::AppState;
use axum::extract::{Path, Query, State};
use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::Router;
use latchkey_protocol::{CancelChallengeRequest, ChallengeType, ErrorCode, StepSubmission};
use std::collections::HashMap;
use std::sync::Arc;

/// This resource's routes (paths relative to `/v1`).
pub fn routes() -> Router<Arc<AppState>> {
    Router::new()
        .route("/user/initialize", post(create_initialize))
        .route("/user/pin", post(create_set_pin).put(create_change_pin))
        .route("/user/pin/restore", post(create_restore_pin))
        .route("/user/recoveryCode", post(create_set_recovery_code))
        .route("/user/cloudBackup", post(create_set_cloud_backup))
        .route(
            "/user/securityQuestions",
            post(create_set_security_questions),
        )
        .route("/user/challenges", get(list))
        .route("/user/challenges/{id}", get(get_one))
        .route("/user/challenges/{id}/descriptor", get(descriptor))
        .route("/user/challenges/{id}/steps", post(submit_step))
        .route("/user/challenges/{id}/cancel", post(cancel))
}

// ---------------------------------------------------------------------------------------------
// Creation (API key + user token, then the body)

async fn create(
    state: &AppState,
    s: &crate::domain::sessions::Session,
    kind: ChallengeType,
    body: &[u8],
) -> ApiResult<Response> {
    Ok(stored(challenges::create(state, s, kind, body).await?))
}

/// `POST /v1/user/initialize`.
pub async fn create_initialize(
    _: ApiKey,
    UserSession(s): UserSession,
    State(state): State<Arc<AppState>>,
    ApiBytes(body): ApiBytes,
) -> ApiResult<Response> {
    create(&state, &s, ChallengeType::Initialize, &body).await
}

/// `POST /v1/user/pin`.
pub async fn create_set_pin(
    _: ApiKey,
    UserSession(s): UserSession,
    State(state): State<Arc<AppState>>,
    ApiBytes(body): ApiBytes,
) -> ApiResult<Response> {
    create(&state, &s, ChallengeType::SetPin, &body).await
}

/// `PUT /v1/user/pin`.
pub async fn create_change_pin(
    _: ApiKey,
    UserSession(s): UserSession,
    State(state): State<Arc<AppState>>,
    ApiBytes(body): ApiBytes,
) -> ApiResult<Response> {
    create(&state, &s, ChallengeType::ChangePin, &body).await
}

/// `POST /v1/user/pin/restore`.
pub async fn create_restore_pin(
    _: ApiKey,
    UserSession(s): UserSession,
    State(state): State<Arc<AppState>>,
    ApiBytes(body): ApiBytes,
) -> ApiResult<Response> {
    create(&state, &s, ChallengeType::RestorePin, &body).await
}

/// `POST /v1/user/recoveryCode` (SET_RECOVERY_CODE).
pub async fn create_set_recovery_code(
    _: ApiKey,
    UserSession(s): UserSession,
    State(state): State<Arc<AppState>>,
    ApiBytes(body): ApiBytes,
) -> ApiResult<Response> {
    create(&state, &s, ChallengeType::SetRecoveryCode, &body).await
}

/// `POST /v1/user/cloudBackup` (SET_CLOUD_BACKUP).
pub async fn create_set_cloud_backup(
    _: ApiKey,
    UserSession(s): UserSession,
    State(state): State<Arc<AppState>>,
    ApiBytes(body): ApiBytes,
) -> ApiResult<Response> {
    create(&state, &s, ChallengeType::SetCloudBackup, &body).await
}

/// `POST /v1/user/securityQuestions`.
pub async fn create_set_security_questions(
    _: ApiKey,
    UserSession(s): UserSession,
    State(state): State<Arc<AppState>>,
    ApiBytes(body): ApiBytes,
) -> ApiResult<Response> {
    create(&state, &s, ChallengeType::SetSecurityQuestions, &body).await
}

// ---------------------------------------------------------------------------------------------
// Client API (user token)

/// `GET /v1/user/challenges?status=...`.
pub async fn list(
    UserSession(s): UserSession,
    State(state): State<Arc<AppState>>,
    Query(q): Query<HashMap<String, String>>,
) -> ApiResult<Response> {
    let challenges = challenges::list(&state, &s, q.get("status").map(String::as_str)).await?;
    Ok(data(
        StatusCode::OK,
        serde_json::json!({ "challenges": challenges }),
    ))
}

/// `GET /v1/user/challenges/{id}`: `{"data": {"challenge": {...}}}`, Circle's shape.
pub async fn get_one(
    UserSession(s): UserSession,
    State(state): State<Arc<AppState>>,
    Path(id): Path<String>,
) -> ApiResult<Response> {
    let challenge = challenges::get_one(&state, &s, &id).await?;
    Ok(data(
        StatusCode::OK,
        serde_json::json!({ "challenge": challenge }),
    ))
}

/// `GET /v1/user/challenges/{id}/descriptor`: moves PENDING to IN_PROGRESS.
pub async fn descriptor(
    PendingUserSession(s): PendingUserSession,
    State(state): State<Arc<AppState>>,
    Path(id): Path<String>,
) -> ApiResult<Response> {
    Ok(data(
        StatusCode::OK,
        challenges::descriptor(&state, s, &id).await?,
    ))
}

/// `POST /v1/user/challenges/{id}/cancel`: FAILED with 155701; with the optional body
/// `{"reason": "USER_REJECTED"}` (the user rejected a signature request), FAILED with 155826.
pub async fn cancel(
    UserSession(s): UserSession,
    State(state): State<Arc<AppState>>,
    Path(id): Path<String>,
    ApiBytes(body): ApiBytes,
) -> ApiResult<Response> {
    let req: CancelChallengeRequest = if body.iter().all(u8::is_ascii_whitespace) {
        CancelChallengeRequest::default()
    } else {
        serde_json::from_slice(&body).map_err(|_| {
            ApiError::new(ErrorCode::InvalidRequest)
                .with_message("The request body is not the expected JSON.")
        })?
    };
    Ok(data(
        StatusCode::OK,
        challenges::cancel(&state, &s, &id, req.reason.as_ref()).await?,
    ))
}

/// `POST /v1/user/challenges/{id}/steps` (see [`steps::submit`]).
pub async fn submit_step(
    UserSession(s): UserSession,
    State(state): State<Arc<AppState>>,
    Path(id): Path<String>,
    ApiJson(sub, _): ApiJson<StepSubmission>,
) -> ApiResult<Response> {
    Ok(match steps::submit(&state, &s, &id, sub).await? {
        StepReply::Stored(r) => stored(r),
        StepReply::InProgress => step_in_progress(),
    })
}

/// 409 155816 with `Retry-After: 1`: the identical envelope is being processed right now.
fn step_in_progress() -> Response {
    let mut r = ApiError::new(ErrorCode::StepInProgress).into_response();
    r.headers_mut()
        .insert(header::RETRY_AFTER, HeaderValue::from_static("1"));
    r
}
