//! The HTTP layer: the router, body extractors, authentication extractors ([`auth`]) and one
//! module of handlers per resource. Handlers authenticate with extractors, parse input, call
//! [`crate::domain`] and render `{"data": ...}` replies; they hold no business rules.
//!
//! Each resource module exposes `routes() -> Router<Arc<AppState>>` with paths relative to
//! `/v1`; [`api`] merges them and [`router`] mounts the result under `/v1`. Another mount
//! (e.g. a Circle-compatible `/v1/w3s` set) nests its own routes next to it, reusing the same
//! handlers or thin adapters around the same domain calls. Wallet handlers go in
//! `http/wallets.rs`.

pub mod auth;
pub mod challenges;
pub mod limits;
pub mod openapi;
pub mod serve;
pub mod subscriptions;
pub mod users;
pub mod w3s;
pub mod wallets;

use crate::domain::StoredReply;
use crate::error::ApiError;
use crate::state::AppState;
use axum::body::Bytes;
use axum::extract::{DefaultBodyLimit, FromRequest, Request};
use axum::http::StatusCode;
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::{Json, Router};
use latchkey_protocol::{DataEnvelope, ErrorCode};
use serde::de::DeserializeOwned;
use serde::Serialize;
use std::sync::Arc;

/// `{"data": ...}` reply with a status.
pub fn data<T: Serialize>(status: StatusCode, value: T) -> Response {
    (status, Json(DataEnvelope { data: value })).into_response()
}

/// A stored reply, sent verbatim as `application/json`.
pub fn stored(r: StoredReply) -> Response {
    let status = StatusCode::from_u16(r.status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    (status, [("content-type", "application/json")], r.body).into_response()
}

fn body_error(status: StatusCode) -> ApiError {
    if status == StatusCode::PAYLOAD_TOO_LARGE {
        ApiError::new(ErrorCode::PayloadTooLarge)
    } else {
        ApiError::new(ErrorCode::InvalidRequest)
    }
}

/// A JSON body whose failures answer 155801 (malformed) or 155810 (too large).
pub struct ApiJson<T>(pub T, pub Bytes);

impl<S: Send + Sync, T: DeserializeOwned> FromRequest<S> for ApiJson<T> {
    type Rejection = ApiError;

    async fn from_request(req: Request, state: &S) -> Result<Self, Self::Rejection> {
        let bytes = Bytes::from_request(req, state)
            .await
            .map_err(|e| body_error(e.status()))?;
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
            .map_err(|e| body_error(e.status()))
    }
}

/// Every `/v1` route, paths relative to `/v1`, without state.
pub fn api() -> Router<Arc<AppState>> {
    Router::new()
        .merge(users::routes())
        .merge(challenges::routes())
        .merge(wallets::routes())
        .merge(subscriptions::routes())
        .merge(openapi::routes())
        .route("/health", get(health))
}

/// Builds the router: [`api`] under `/v1`, unknown paths and methods answering 404 155812,
/// the body limit and request logging.
pub fn router(state: Arc<AppState>) -> Router {
    let limit = state.config.max_body_bytes;
    let c = &state.config;
    let user = limits::UserLimit::new(c.rate_limit_user_per_sec, c.rate_limit_user_burst)
        .map(|l| middleware::from_fn(move |req: Request, next: Next| l.clone().check(req, next)));
    let ip = limits::layer(
        limits::PeerIp,
        c.rate_limit_ip_per_sec,
        c.rate_limit_ip_burst,
    );
    let timeout = c.request_timeout;
    Router::new()
        .nest("/v1", api())
        .nest("/v1/w3s", w3s::routes())
        .nest("/v2/notifications", w3s::notification_routes())
        .fallback(not_found)
        .method_not_allowed_fallback(not_found)
        .layer(DefaultBodyLimit::max(limit))
        .layer(middleware::from_fn(move |req: Request, next: Next| {
            request_timeout(timeout, req, next)
        }))
        .layer(tower::util::option_layer(user))
        .layer(tower::util::option_layer(ip))
        .layer(middleware::from_fn(log_request))
        .with_state(state)
}

/// Ends a request (body read and handling) that takes longer than `limit`: 408 155801.
async fn request_timeout(limit: std::time::Duration, req: Request, next: Next) -> Response {
    match tokio::time::timeout(limit, next.run(req)).await {
        Ok(r) => r,
        Err(_) => ApiError::new(ErrorCode::InvalidRequest)
            .with_status(408)
            .with_message("The request took too long.")
            .into_response(),
    }
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

/// `GET /v1/health`.
async fn health() -> Response {
    data(StatusCode::OK, serde_json::json!({"status": "ok"}))
}
