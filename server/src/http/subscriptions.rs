//! Webhook subscriptions and the signing public key (developer API):
//! `/v1/notifications/subscriptions[/{id}]`, `/v1/notifications/publicKey/{keyId}`,
//! `/v1/notifications/deadLetters[/{notificationId}/replay]`,
//! `/v1/notifications/signingKeys/rotate`.

use super::auth::ApiKey;
use super::{data, ApiJson};
use crate::domain::subscriptions;
use crate::error::ApiResult;
use crate::state::AppState;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::{delete, get, post};
use axum::Router;
use latchkey_protocol::CreateSubscriptionRequest;
use std::sync::Arc;

/// This resource's routes (paths relative to `/v1`).
pub fn routes() -> Router<Arc<AppState>> {
    Router::new()
        .route(
            "/notifications/subscriptions",
            post(create_subscription).get(list_subscriptions),
        )
        .route(
            "/notifications/subscriptions/{id}",
            delete(delete_subscription),
        )
        .route("/notifications/publicKey/{key_id}", get(public_key))
        .route("/notifications/deadLetters", get(dead_letters))
        .route(
            "/notifications/deadLetters/{notification_id}/replay",
            post(replay_dead_letter),
        )
        .route(
            "/notifications/signingKeys/rotate",
            post(rotate_signing_key),
        )
}

/// `POST /v1/notifications/subscriptions`.
pub async fn create_subscription(
    _: ApiKey,
    State(state): State<Arc<AppState>>,
    ApiJson(req, _): ApiJson<CreateSubscriptionRequest>,
) -> ApiResult<Response> {
    Ok(data(
        StatusCode::CREATED,
        subscriptions::create(&state, req).await?,
    ))
}

/// `GET /v1/notifications/subscriptions`.
pub async fn list_subscriptions(
    _: ApiKey,
    State(state): State<Arc<AppState>>,
) -> ApiResult<Response> {
    Ok(data(StatusCode::OK, subscriptions::list(&state).await?))
}

/// `DELETE /v1/notifications/subscriptions/{id}`.
pub async fn delete_subscription(
    _: ApiKey,
    State(state): State<Arc<AppState>>,
    Path(id): Path<String>,
) -> ApiResult<Response> {
    subscriptions::delete(&state, &id).await?;
    Ok(StatusCode::NO_CONTENT.into_response())
}

/// `GET /v1/notifications/publicKey/{keyId}`.
pub async fn public_key(
    _: ApiKey,
    State(state): State<Arc<AppState>>,
    Path(key_id): Path<String>,
) -> ApiResult<Response> {
    Ok(data(
        StatusCode::OK,
        subscriptions::public_key(&state, &key_id).await?,
    ))
}

/// `GET /v1/notifications/deadLetters`.
pub async fn dead_letters(_: ApiKey, State(state): State<Arc<AppState>>) -> ApiResult<Response> {
    Ok(data(
        StatusCode::OK,
        subscriptions::dead_letters(&state).await?,
    ))
}

/// `POST /v1/notifications/deadLetters/{notificationId}/replay`: 204.
pub async fn replay_dead_letter(
    _: ApiKey,
    State(state): State<Arc<AppState>>,
    Path(notification_id): Path<String>,
) -> ApiResult<Response> {
    subscriptions::replay(&state, &notification_id).await?;
    Ok(StatusCode::NO_CONTENT.into_response())
}

/// `POST /v1/notifications/signingKeys/rotate`: 201 with the new public key.
pub async fn rotate_signing_key(
    _: ApiKey,
    State(state): State<Arc<AppState>>,
) -> ApiResult<Response> {
    Ok(data(
        StatusCode::CREATED,
        subscriptions::rotate_signing_key(&state).await?,
    ))
}
