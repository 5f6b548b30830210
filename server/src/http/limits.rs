//! Rate limits on every endpoint: per client IP with the maintained `tower_governor` layer,
//! per user token with `governor`'s keyed limiter (both GCRA from the `governor` crate).
//! Refusals answer 429 155834 with `Retry-After`.

use crate::crypto;
use crate::error::ApiError;
use axum::body::Body;
use axum::extract::ConnectInfo;
use axum::extract::Request as AxumRequest;
use axum::http::{Request, Response};
use axum::middleware::Next;
use axum::response::IntoResponse;
use axum::response::Response as AxumResponse;
use governor::clock::{Clock, DefaultClock};
use governor::middleware::NoOpMiddleware;
use governor::{DefaultKeyedRateLimiter, Quota, RateLimiter};
use latchkey_protocol::ErrorCode;
use std::net::{IpAddr, SocketAddr};
use std::num::NonZeroU32;
use std::sync::Arc;
use std::time::Duration;
use tower_governor::governor::{GovernorConfig, GovernorConfigBuilder};
use tower_governor::key_extractor::KeyExtractor;
use tower_governor::{GovernorError, GovernorLayer};

/// Keys requests by the peer IP address (the TCP peer: behind a reverse proxy, put the limit
/// in the proxy or raise this one).
#[derive(Clone, Copy, Debug)]
pub struct PeerIp;

fn peer<T>(req: &Request<T>) -> Option<IpAddr> {
    req.extensions()
        .get::<ConnectInfo<SocketAddr>>()
        .map(|c| c.0.ip())
}

impl KeyExtractor for PeerIp {
    type Key = IpAddr;
    fn extract<T>(&self, req: &Request<T>) -> Result<IpAddr, GovernorError> {
        peer(req).ok_or(GovernorError::UnableToExtractKey)
    }
}

/// The per-user limit: requests carrying a user token (`X-User-Token`: the whole client API
/// and challenge creation) are limited per token with `governor`'s keyed GCRA limiter (the
/// token kept only as a SHA-256 digest). Developer-API calls with only the API key are not
/// limited per user (one backend calls for all its users); the per-IP limit covers them.
#[derive(Clone)]
pub struct UserLimit {
    limiter: Arc<DefaultKeyedRateLimiter<String>>,
}

impl UserLimit {
    /// A limit of `per_sec` requests per second per token with bursts of `burst` (`None` when
    /// `per_sec` is 0). The limiter's memory of keys is pruned every minute while it lives.
    pub fn new(per_sec: u32, burst: u32) -> Option<Self> {
        let per_sec = NonZeroU32::new(per_sec)?;
        let burst = NonZeroU32::new(burst.max(1))?;
        let limiter = Arc::new(RateLimiter::keyed(
            Quota::per_second(per_sec).allow_burst(burst),
        ));
        let weak = Arc::downgrade(&limiter);
        tokio::spawn(async move {
            loop {
                tokio::time::sleep(Duration::from_secs(60)).await;
                let Some(l) = weak.upgrade() else { return };
                l.retain_recent();
            }
        });
        Some(UserLimit { limiter })
    }

    /// The middleware: 429 155834 with `Retry-After` when the token's budget is spent.
    pub async fn check(self, req: AxumRequest, next: Next) -> AxumResponse {
        if let Some(token) = req.headers().get("x-user-token") {
            let key = crypto::sha256_hex(token.as_bytes());
            if let Err(not_until) = self.limiter.check_key(&key) {
                let wait = not_until.wait_time_from(DefaultClock::default().now());
                let secs = u32::try_from(wait.as_secs().max(1)).unwrap_or(u32::MAX);
                return ApiError::new(ErrorCode::RateLimited)
                    .with_retry_after(secs)
                    .into_response();
            }
        }
        next.run(req).await
    }
}

/// A governor config allowing `per_sec` requests per second with bursts of `burst`.
pub fn quota<K: KeyExtractor>(
    key: K,
    per_sec: u32,
    burst: u32,
) -> Option<GovernorConfig<K, NoOpMiddleware>> {
    let period = Duration::from_secs(1) / per_sec.max(1);
    GovernorConfigBuilder::default()
        .key_extractor(key)
        .period(period)
        .burst_size(burst.max(1))
        .finish()
}

/// Renders a governor refusal as 429 155834 with `Retry-After` (or 500 when the key could
/// not be extracted).
pub fn refusal(e: GovernorError) -> Response<Body> {
    match e {
        GovernorError::TooManyRequests { wait_time, .. } => ApiError::new(ErrorCode::RateLimited)
            .with_retry_after(u32::try_from(wait_time.max(1)).unwrap_or(u32::MAX))
            .into_response(),
        _ => ApiError::internal("rate limit key missing").into_response(),
    }
}

type Layer<K> = GovernorLayer<K, NoOpMiddleware, Body>;

/// A layer for `key` (`None` when `per_sec` is 0: no limit). The limiter's memory of keys is
/// pruned every minute while the layer lives.
pub fn layer<K>(key: K, per_sec: u32, burst: u32) -> Option<Layer<K>>
where
    K: KeyExtractor + Send + Sync + 'static,
    K::Key: Send + Sync,
{
    if per_sec == 0 {
        return None;
    }
    let config = Arc::new(quota(key, per_sec, burst)?);
    let weak = Arc::downgrade(&config);
    tokio::spawn(async move {
        loop {
            tokio::time::sleep(Duration::from_secs(60)).await;
            let Some(c) = weak.upgrade() else { return };
            c.limiter().retain_recent();
        }
    });
    Some(GovernorLayer::new(config).error_handler(refusal))
}
