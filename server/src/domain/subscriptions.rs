//! Webhook subscriptions and the signing public key (developer API).

use crate::error::{ApiError, ApiResult};
use crate::state::AppState;
use crate::store::subscriptions::{self, SubscriptionRow};
use crate::store::{now_ms, rfc3339, signing_keys};
use latchkey_protocol::{
    CreateSubscriptionRequest, ErrorCode, NotificationPublicKey, Subscription,
};

fn valid_endpoint(url: &str) -> bool {
    match reqwest::Url::parse(url) {
        Ok(u) => matches!(u.scheme(), "http" | "https") && u.host().is_some() && url.len() <= 2048,
        Err(_) => false,
    }
}

fn wire(s: SubscriptionRow) -> Subscription {
    Subscription {
        id: s.id,
        endpoint: s.endpoint,
        notification_types: s.notification_types,
        create_date: rfc3339(s.created_at),
    }
}

/// Creates a subscription (an empty type list selects everything: `["*"]`).
pub async fn create(state: &AppState, req: CreateSubscriptionRequest) -> ApiResult<Subscription> {
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
        req.notification_types
    };
    let row = SubscriptionRow {
        id: uuid::Uuid::new_v4().to_string(),
        endpoint: req.endpoint,
        notification_types: types,
        created_at: now_ms(),
    };
    subscriptions::insert(&mut *state.pool.acquire().await?, &row).await?;
    Ok(wire(row))
}

/// Every subscription, oldest first.
pub async fn list(state: &AppState) -> ApiResult<Vec<Subscription>> {
    let rows = subscriptions::list(&mut *state.pool.acquire().await?).await?;
    Ok(rows.into_iter().map(wire).collect())
}

/// Deletes a subscription (155812 when missing).
pub async fn delete(state: &AppState, id: &str) -> ApiResult<()> {
    if subscriptions::delete(&mut *state.pool.acquire().await?, id).await? {
        Ok(())
    } else {
        Err(ApiError::new(ErrorCode::NotFound))
    }
}

/// A webhook signing public key (155812 when missing).
pub async fn public_key(state: &AppState, key_id: &str) -> ApiResult<NotificationPublicKey> {
    let k = signing_keys::load(&mut *state.pool.acquire().await?, key_id)
        .await?
        .ok_or(ApiError::new(ErrorCode::NotFound))?;
    Ok(NotificationPublicKey {
        id: k.id,
        algorithm: "ECDSA_SHA_256".into(),
        public_key: k.public_key,
        create_date: rfc3339(k.created_at),
    })
}
