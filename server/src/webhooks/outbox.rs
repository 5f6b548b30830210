//! The persistent outbox: rows written in the transaction that changes a challenge's status,
//! delivered (signed) by a background task with exponential backoff and a lease per row so
//! several instances sharing the database never deliver the same row at once.

use super::{backoff, notification_type, signing, target, type_matches};
use crate::crypto::SigningKey;
use crate::state::AppState;
use crate::store::challenges::ChallengeRow;
use crate::store::{self, now_ms, outbox, rfc3339, signing_keys, subscriptions};
use latchkey_protocol::{ChallengeNotification, Notification, UserEvent, UserNotification};
use sqlx::AnyConnection;
use std::sync::Arc;
use tokio::sync::watch;

/// Writes one outbox row per matching subscription for a challenge's new status. Call inside
/// the transaction that changed the status, so the notification exists iff the change does.
pub async fn enqueue(
    conn: &mut AnyConnection,
    ch: &ChallengeRow,
    now: i64,
) -> Result<(), sqlx::Error> {
    let mut subs = subscriptions::list(&mut *conn).await?;
    // A subscription disabled through Circle's PATCH gets no new notifications.
    let disabled = store::w3s::disabled_subscriptions(&mut *conn).await?;
    subs.retain(|s| !disabled.contains(&s.id));
    let ty = notification_type(&ch.kind);
    for s in subs {
        if !type_matches(&s.notification_types, &ty) {
            continue;
        }
        let notification_id = uuid::Uuid::new_v4().to_string();
        let wire = ch.to_wire();
        let n = Notification {
            subscription_id: s.id.clone(),
            notification_id: notification_id.clone(),
            notification_type: ty.clone(),
            notification: ChallengeNotification {
                id: ch.id.clone(),
                user_id: ch.user_id.clone(),
                challenge_type: wire.challenge_type,
                status: wire.status,
                correlation_ids: wire.correlation_ids,
                error_code: wire.error_code,
                error_message: wire.error_message,
                result: wire.result,
            },
            timestamp: rfc3339(now),
            version: 1,
        };
        let body = serde_json::to_string(&n).map_err(|e| sqlx::Error::Encode(Box::new(e)))?;
        outbox::insert(&mut *conn, &notification_id, &s.id, &s.endpoint, &body, now).await?;
    }
    Ok(())
}

/// Writes one outbox row per subscription that selects `ty` (e.g.
/// `users.securityQuestionsReset`) for an event about a user. Call inside the transaction
/// that made the change.
pub async fn enqueue_user_event(
    conn: &mut AnyConnection,
    ty: &str,
    event: &UserEvent,
    now: i64,
) -> Result<(), sqlx::Error> {
    let mut subs = subscriptions::list(&mut *conn).await?;
    let disabled = store::w3s::disabled_subscriptions(&mut *conn).await?;
    subs.retain(|s| !disabled.contains(&s.id));
    for s in subs {
        if !type_matches(&s.notification_types, ty) {
            continue;
        }
        let notification_id = uuid::Uuid::new_v4().to_string();
        let n = UserNotification {
            subscription_id: s.id.clone(),
            notification_id: notification_id.clone(),
            notification_type: ty.to_owned(),
            notification: event.clone(),
            timestamp: rfc3339(now),
            version: 1,
        };
        let body = serde_json::to_string(&n).map_err(|e| sqlx::Error::Encode(Box::new(e)))?;
        outbox::insert(&mut *conn, &notification_id, &s.id, &s.endpoint, &body, now).await?;
    }
    Ok(())
}

/// Runs the outbox until `stop` turns true.
pub async fn run_outbox(state: Arc<AppState>, mut stop: watch::Receiver<bool>) {
    loop {
        if *stop.borrow() {
            return;
        }
        if let Err(e) = deliver_due(&state).await {
            tracing::warn!(error = %e, "outbox pass failed");
        }
        tokio::select! {
            _ = stop.changed() => {}
            _ = state.outbox_wake.notified() => {}
            _ = tokio::time::sleep(state.config.sweep_interval) => {}
        }
    }
}

async fn deliver_due(state: &Arc<AppState>) -> Result<(), sqlx::Error> {
    let now = now_ms();
    let mut conn = state.pool.acquire().await?;
    // Another instance may have rotated the signing key.
    match signing::refresh(&mut conn, state.hasher.pepper(), &state.signing_key().id).await {
        Ok(Some(k)) => {
            tracing::info!(key_id = %k.id, "webhook signing key changed");
            state.set_signing_key(k);
        }
        Ok(None) => {}
        Err(e) => tracing::warn!(error = %e, "signing key refresh failed"),
    }
    let before = now - store::ms(state.config.webhook_retention);
    let purged = outbox::purge(&mut conn, before).await?;
    let keys = signing_keys::purge_retired(&mut conn, before).await?;
    if purged + keys > 0 {
        tracing::info!(
            purged,
            keys,
            "purged old webhook deliveries and retired keys"
        );
    }
    let rows = outbox::due(&mut conn, now).await?;
    drop(conn);
    let mut tasks = tokio::task::JoinSet::new();
    for due in rows {
        // Claim the row (a lease) so another instance sharing the database skips it.
        let lease = now + store::ms(state.config.webhook_timeout) * 2;
        if outbox::claim(&mut *state.pool.acquire().await?, &due, lease).await? {
            let st = state.clone();
            tasks.spawn(async move { deliver_one(&st, due).await });
        }
    }
    while let Some(res) = tasks.join_next().await {
        if let Ok(Err(e)) = res {
            tracing::warn!(error = %e, "outbox update failed");
        }
    }
    Ok(())
}

/// One attempt: re-check the target (DNS may have changed since the subscription), connect to
/// the checked address only, sign `"{timestamp}.{body}"` with the current key.
async fn attempt(state: &AppState, due: &outbox::Due, key: &SigningKey) -> i64 {
    let timeout = state.config.webhook_timeout;
    let addr = match target::check(&due.endpoint, state.config.allow_private_webhook_targets).await
    {
        Ok(a) => a,
        Err(e) => {
            tracing::warn!(notification_id = %due.id, error = %e, "webhook target refused at delivery");
            return 0;
        }
    };
    let Ok(client) = target::pinned_client(&due.endpoint, addr, timeout) else {
        return 0;
    };
    let ts = now_ms() / 1000;
    let Ok(sig) = key.sign(signing::signed_content(ts, &due.body).as_bytes()) else {
        return 0;
    };
    client
        .post(&due.endpoint)
        .header("content-type", "application/json")
        .header("X-Latchkey-Timestamp", ts.to_string())
        .header("X-Latchkey-Signature", sig)
        .header("X-Latchkey-Key-Id", &key.id)
        .body(due.body.clone())
        .send()
        .await
        .map(|r| i64::from(r.status().as_u16()))
        .unwrap_or(0)
}

async fn deliver_one(state: &AppState, due: outbox::Due) -> Result<(), sqlx::Error> {
    let attempts = due.attempts + 1;
    let key = state.signing_key();
    let status = attempt(state, &due, &key).await;
    let now = now_ms();
    let mut conn = state.pool.acquire().await?;
    if (200..300).contains(&status) {
        outbox::mark_delivered(&mut conn, &due.id, now, attempts, status, &key.id).await?;
        tracing::info!(notification_id = %due.id, attempts, "webhook delivered");
    } else if attempts >= i64::from(state.config.webhook_max_attempts)
        || now - due.created_at >= store::ms(state.config.webhook_max_age)
    {
        outbox::mark_dead(&mut conn, &due.id, now, attempts, status).await?;
        tracing::warn!(notification_id = %due.id, attempts, status, "webhook delivery dead-lettered");
    } else {
        let delay = backoff(
            state.config.webhook_retry_base,
            state.config.webhook_retry_max,
            u32::try_from(attempts).unwrap_or(u32::MAX),
        );
        outbox::schedule_retry(
            &mut conn,
            &due.id,
            now + store::ms(delay),
            attempts,
            status,
            &key.id,
        )
        .await?;
        tracing::info!(notification_id = %due.id, attempts, status, retry_in_ms = store::ms(delay), "webhook delivery failed; will retry");
    }
    Ok(())
}
