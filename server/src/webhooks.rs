//! Webhooks: subscriptions, the persistent outbox, signing and delivery with exponential backoff.

use crate::app::AppState;
use crate::crypto::{Pepper, SigningKey};
use crate::db::{self, now_ms, rfc3339, ChallengeRow};
use latchkey_protocol::{ChallengeNotification, ChallengeType, Notification};
use sqlx::AnyConnection;
use sqlx::{AnyPool, Row};
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::watch;

/// The notification type of a challenge, e.g. `challenges.changePin`.
pub fn notification_type(kind: &ChallengeType) -> String {
    let mut out = String::from("challenges.");
    let mut upper = false;
    for c in kind.as_str().chars() {
        if c == '_' {
            upper = true;
        } else if upper {
            out.push(c.to_ascii_uppercase());
            upper = false;
        } else {
            out.push(c.to_ascii_lowercase());
        }
    }
    out
}

/// Whether a subscription's type list selects `ty`.
pub fn type_matches(types: &[String], ty: &str) -> bool {
    types.is_empty()
        || types
            .iter()
            .any(|t| t == "*" || t == ty || t.strip_suffix('*').is_some_and(|p| ty.starts_with(p)))
}

/// Writes one outbox row per matching subscription for a challenge's new status. Call inside
/// the transaction that changed the status, so the notification exists iff the change does.
pub async fn enqueue(
    conn: &mut AnyConnection,
    ch: &ChallengeRow,
    now: i64,
) -> Result<(), sqlx::Error> {
    let subs = sqlx::query("SELECT id, endpoint, notification_types FROM subscriptions")
        .fetch_all(&mut *conn)
        .await?;
    let ty = notification_type(&ch.kind);
    for s in subs {
        let types: String = s.try_get("notification_types")?;
        let types: Vec<String> = serde_json::from_str(&types).unwrap_or_default();
        if !type_matches(&types, &ty) {
            continue;
        }
        let sub_id: String = s.try_get("id")?;
        let endpoint: String = s.try_get("endpoint")?;
        let notification_id = uuid::Uuid::new_v4().to_string();
        let wire = ch.to_wire();
        let n = Notification {
            subscription_id: sub_id.clone(),
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
        sqlx::query(
            "INSERT INTO outbox (notification_id, subscription_id, endpoint, body, attempts, \
             next_attempt_at, created_at) VALUES ($1, $2, $3, $4, 0, $5, $5)",
        )
        .bind(notification_id)
        .bind(sub_id)
        .bind(endpoint)
        .bind(body)
        .bind(now)
        .execute(&mut *conn)
        .await?;
    }
    Ok(())
}

/// Loads the oldest stored signing key, creating one on first start. The private key is
/// stored wrapped under the pepper; every instance sharing the database converges on the same key.
pub async fn load_signing_key(pool: &AnyPool, pepper: &Pepper) -> Result<SigningKey, String> {
    const SELECT: &str =
        "SELECT id, wrapped_pkcs8 FROM signing_keys ORDER BY created_at, id LIMIT 1";
    let mut row = sqlx::query(SELECT)
        .fetch_optional(pool)
        .await
        .map_err(|e| e.to_string())?;
    if row.is_none() {
        let (doc, id) = SigningKey::generate().map_err(|e| e.to_string())?;
        let key = SigningKey::from_pkcs8(id.clone(), &doc).map_err(|e| e.to_string())?;
        let wrapped = pepper
            .wrap(&format!("signing-key:{id}"), &doc)
            .map_err(|e| e.to_string())?;
        sqlx::query(
            "INSERT INTO signing_keys (id, wrapped_pkcs8, public_key, created_at) VALUES ($1, $2, $3, $4)",
        )
        .bind(&id)
        .bind(wrapped)
        .bind(&key.public_key_b64)
        .bind(now_ms())
        .execute(pool)
        .await
        .map_err(|e| e.to_string())?;
        row = sqlx::query(SELECT)
            .fetch_optional(pool)
            .await
            .map_err(|e| e.to_string())?;
    }
    let row = row.ok_or("signing key missing")?;
    let id: String = row.try_get("id").map_err(|e| e.to_string())?;
    let wrapped: String = row.try_get("wrapped_pkcs8").map_err(|e| e.to_string())?;
    let doc = pepper
        .unwrap(&format!("signing-key:{id}"), &wrapped)
        .map_err(|_| {
            "the stored signing key cannot be unwrapped: is this the same pepper?".to_string()
        })?;
    SigningKey::from_pkcs8(id, &doc).map_err(|e| e.to_string())
}

/// Delay before retry number `attempts` (1-based): base * 2^(attempts-1), capped.
pub fn backoff(base: Duration, max: Duration, attempts: u32) -> Duration {
    let factor = 1u32
        .checked_shl(attempts.saturating_sub(1).min(30))
        .unwrap_or(u32::MAX);
    base.checked_mul(factor).unwrap_or(max).min(max)
}

struct Due {
    id: String,
    endpoint: String,
    body: String,
    attempts: i64,
    next_attempt_at: i64,
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
    let rows = sqlx::query(
        "SELECT notification_id, endpoint, body, attempts, next_attempt_at FROM outbox \
         WHERE delivered_at IS NULL AND next_attempt_at <= $1 ORDER BY created_at LIMIT 32",
    )
    .bind(now)
    .fetch_all(&state.pool)
    .await?;
    let mut tasks = tokio::task::JoinSet::new();
    for r in rows {
        let due = Due {
            id: r.try_get("notification_id")?,
            endpoint: r.try_get("endpoint")?,
            body: r.try_get("body")?,
            attempts: r.try_get("attempts")?,
            next_attempt_at: r.try_get("next_attempt_at")?,
        };
        // Claim the row (a lease) so another instance sharing the database skips it.
        let lease = now + db::ms(state.config.webhook_timeout) * 2;
        let claimed = sqlx::query(
            "UPDATE outbox SET next_attempt_at = $1 WHERE notification_id = $2 \
             AND next_attempt_at = $3 AND delivered_at IS NULL",
        )
        .bind(lease)
        .bind(&due.id)
        .bind(due.next_attempt_at)
        .execute(&state.pool)
        .await?
        .rows_affected();
        if claimed == 1 {
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

async fn deliver_one(state: &AppState, due: Due) -> Result<(), sqlx::Error> {
    let attempts = due.attempts + 1;
    let status = match state.signing.sign(due.body.as_bytes()) {
        Ok(sig) => state
            .http
            .post(&due.endpoint)
            .timeout(state.config.webhook_timeout)
            .header("content-type", "application/json")
            .header("X-Latchkey-Signature", sig)
            .header("X-Latchkey-Key-Id", &state.signing.id)
            .body(due.body.clone())
            .send()
            .await
            .map(|r| i64::from(r.status().as_u16()))
            .unwrap_or(0),
        Err(_) => 0,
    };
    let now = now_ms();
    if (200..300).contains(&status) {
        sqlx::query(
            "UPDATE outbox SET delivered_at = $1, attempts = $2, last_status = $3 WHERE notification_id = $4",
        )
        .bind(now)
        .bind(attempts)
        .bind(status)
        .bind(&due.id)
        .execute(&state.pool)
        .await?;
        tracing::info!(notification_id = %due.id, attempts, "webhook delivered");
    } else {
        let delay = backoff(
            state.config.webhook_retry_base,
            state.config.webhook_retry_max,
            u32::try_from(attempts).unwrap_or(u32::MAX),
        );
        sqlx::query(
            "UPDATE outbox SET next_attempt_at = $1, attempts = $2, last_status = $3 WHERE notification_id = $4",
        )
        .bind(now + db::ms(delay))
        .bind(attempts)
        .bind(status)
        .bind(&due.id)
        .execute(&state.pool)
        .await?;
        tracing::info!(notification_id = %due.id, attempts, status, retry_in_ms = db::ms(delay), "webhook delivery failed; will retry");
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn types() {
        assert_eq!(
            notification_type(&ChallengeType::ChangePin),
            "challenges.changePin"
        );
        assert_eq!(
            notification_type(&ChallengeType::Initialize),
            "challenges.initialize"
        );
        assert_eq!(
            notification_type(&ChallengeType::SetSecurityQuestions),
            "challenges.setSecurityQuestions"
        );
        assert!(type_matches(&["*".into()], "challenges.setPin"));
        assert!(type_matches(&["challenges.*".into()], "challenges.setPin"));
        assert!(type_matches(&[], "challenges.setPin"));
        assert!(!type_matches(
            &["challenges.changePin".into()],
            "challenges.setPin"
        ));
    }

    #[test]
    fn backoff_doubles_and_caps() {
        let b = Duration::from_millis(100);
        let m = Duration::from_secs(1);
        assert_eq!(backoff(b, m, 1), Duration::from_millis(100));
        assert_eq!(backoff(b, m, 2), Duration::from_millis(200));
        assert_eq!(backoff(b, m, 4), Duration::from_millis(800));
        assert_eq!(backoff(b, m, 5), m);
        assert_eq!(backoff(b, m, 500), m);
    }
}
