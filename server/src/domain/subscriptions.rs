//! Webhook subscriptions and the signing public key (developer API).

use crate::error::{ApiError, ApiResult};
use crate::state::AppState;
use crate::store::subscriptions::{self, SubscriptionRow};
use crate::store::{now_ms, outbox, rfc3339, signing_keys};
use crate::webhooks::signing;
use crate::webhooks::target::{self, TargetError};
use latchkey_protocol::{
    CreateSubscriptionRequest, ErrorCode, NotificationPublicKey, Subscription,
};

/// A dead-lettered webhook delivery (`GET /v1/notifications/deadLetters`).
#[derive(Debug, serde::Serialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct DeadLetter {
    /// The notification id (the same on every attempt and after a replay).
    pub notification_id: String,
    /// The subscription.
    pub subscription_id: String,
    /// The endpoint.
    pub endpoint: String,
    /// Attempts made.
    pub attempts: i64,
    /// HTTP status of the last attempt; 0 when there was no HTTP answer or the target was
    /// refused (it resolved to a non-public address).
    pub last_status: i64,
    /// When the notification was written (or last replayed).
    pub create_date: String,
    /// When it was dead-lettered.
    pub dead_date: String,
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
    match target::check(&req.endpoint, state.config.allow_private_webhook_targets).await {
        Ok(_) => {}
        Err(TargetError::BadUrl) => {
            return Err(ApiError::new(ErrorCode::InvalidRequest)
                .with_message("endpoint must be an http or https URL."))
        }
        Err(TargetError::Unresolvable) => {
            return Err(ApiError::new(ErrorCode::WebhookTargetForbidden)
                .with_message("The webhook endpoint's host does not resolve."))
        }
        Err(TargetError::Forbidden) => {
            return Err(ApiError::new(ErrorCode::WebhookTargetForbidden))
        }
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

/// Deletes a subscription and, in the same transaction, its undelivered notifications
/// (pending and dead): nothing more is sent to it (155812 when missing).
pub async fn delete(state: &AppState, id: &str) -> ApiResult<()> {
    let mut tx = state.pool.begin().await?;
    if !subscriptions::delete(&mut tx, id).await? {
        tx.rollback().await?;
        return Err(ApiError::new(ErrorCode::NotFound));
    }
    let dropped = outbox::delete_undelivered(&mut tx, id).await?;
    tx.commit().await?;
    tracing::info!(subscription_id = %id, dropped, "subscription deleted");
    Ok(())
}

/// Dead-lettered deliveries, most recent first.
pub async fn dead_letters(state: &AppState) -> ApiResult<Vec<DeadLetter>> {
    let rows = outbox::list_dead(&mut *state.pool.acquire().await?).await?;
    Ok(rows
        .into_iter()
        .map(|r| DeadLetter {
            notification_id: r.id,
            subscription_id: r.subscription_id,
            endpoint: r.endpoint,
            attempts: r.attempts,
            last_status: r.last_status,
            create_date: rfc3339(r.created_at),
            dead_date: rfc3339(r.dead_at),
        })
        .collect())
}

/// Replays a dead-lettered delivery: due now, with a fresh attempt and age budget (155812 when
/// it is not dead-lettered).
pub async fn replay(state: &AppState, notification_id: &str) -> ApiResult<()> {
    if outbox::replay(&mut *state.pool.acquire().await?, notification_id, now_ms()).await? {
        state.outbox_wake.notify_one();
        Ok(())
    } else {
        Err(ApiError::new(ErrorCode::NotFound))
    }
}

/// Rotates the webhook signing key: new deliveries are signed with the new key; the old one
/// stays published for the retention period.
pub async fn rotate_signing_key(state: &AppState) -> ApiResult<NotificationPublicKey> {
    let k = signing::rotate(&state.pool, state.hasher.pepper())
        .await
        .map_err(ApiError::internal)?;
    let id = k.id.clone();
    state.set_signing_key(k);
    tracing::info!(key_id = %id, "webhook signing key rotated");
    public_key(state, &id).await
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
