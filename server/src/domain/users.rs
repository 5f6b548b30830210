//! Users: creation, reading, the wire form with guess-limit details.

use crate::error::{ApiError, ApiResult};
use crate::state::AppState;
use crate::store::users::{self, UserRow};
use crate::store::{now_ms, rfc3339};
use latchkey_protocol::{CredentialDetails, CredentialStatus, ErrorCode, User, UserEvent};

/// One credential's stored guess state.
struct Cred {
    set: bool,
    failed: i64,
    locked_at: Option<i64>,
    locked_until: Option<i64>,
    lock_level: i64,
    failed_total: i64,
    disabled: bool,
}

fn credential(c: Cred, now: i64) -> (CredentialStatus, CredentialDetails) {
    let locked = c.locked_until.is_some_and(|u| u > now);
    let lock_expired = c.locked_until.is_some_and(|u| u <= now);
    let status = if !c.set {
        CredentialStatus::Unset
    } else if locked || c.disabled {
        CredentialStatus::Locked
    } else {
        CredentialStatus::Enabled
    };
    let details = CredentialDetails {
        failed_attempts: if lock_expired && !c.disabled {
            0
        } else {
            u32::try_from(c.failed.max(0)).unwrap_or(u32::MAX)
        },
        locked_date: c.locked_at.filter(|_| locked || c.disabled).map(rfc3339),
        locked_expiry_date: c.locked_until.filter(|_| locked).map(rfc3339),
        lock_level: u32::try_from(c.lock_level.max(0)).unwrap_or(u32::MAX),
        failed_attempts_total: u32::try_from(c.failed_total.max(0)).unwrap_or(u32::MAX),
        recovery_required: c.disabled,
    };
    (status, details)
}

/// Wrong guesses still allowed for a credential.
pub fn attempts_left(max: u32, failed: i64, locked_until: Option<i64>, now: i64) -> u32 {
    match locked_until {
        Some(u) if u > now => 0,
        Some(_) => max,
        None => max.saturating_sub(u32::try_from(failed.max(0)).unwrap_or(u32::MAX)),
    }
}

/// The wire form of a user.
pub fn user_wire(u: &UserRow) -> User {
    let now = now_ms();
    let (pin_status, pin_details) = credential(
        Cred {
            set: u.pin_verifier.is_some(),
            failed: u.pin_failed,
            locked_at: u.pin_locked_at,
            locked_until: u.pin_locked_until,
            lock_level: u.pin_lock_level,
            failed_total: u.pin_failed_total,
            disabled: u.pin_disabled,
        },
        now,
    );
    let (q_status, q_details) = credential(
        Cred {
            set: u.answers_verifier.is_some(),
            failed: u.q_failed,
            locked_at: u.q_locked_at,
            locked_until: u.q_locked_until,
            lock_level: u.q_lock_level,
            failed_total: u.q_failed_total,
            disabled: u.q_disabled,
        },
        now,
    );
    User {
        id: u.id.clone(),
        create_date: rfc3339(u.created_at),
        pin_status,
        pin_details,
        security_question_status: q_status,
        security_question_details: q_details,
        // The recovery count (and lock) is shared with the security questions.
        recovery_code_status: recovery_status(u.recovery_codes, u, now),
        cloud_backup_status: recovery_status(u.cloud_backups, u, now),
    }
}

/// A proof-based recovery method's status: UNSET without an ACTIVE credential, LOCKED while
/// the shared recovery count is locked, else ENABLED.
fn recovery_status(active: i64, u: &UserRow, now: i64) -> CredentialStatus {
    if active == 0 {
        CredentialStatus::Unset
    } else if u.q_locked_until.is_some_and(|t| t > now) {
        CredentialStatus::Locked
    } else {
        CredentialStatus::Enabled
    }
}

fn valid_user_id(id: &str) -> bool {
    let n = id.chars().count();
    (5..=50).contains(&n) && !id.chars().any(char::is_control)
}

/// Loads a user's row (155102 when missing).
pub async fn load_row(state: &AppState, user_id: &str) -> ApiResult<UserRow> {
    users::load_user(&mut *state.pool.acquire().await?, user_id)
        .await?
        .ok_or(ApiError::new(ErrorCode::UserNotFound))
}

/// Creates a user (155801 bad id, 155101 exists).
pub async fn create(state: &AppState, user_id: &str) -> ApiResult<User> {
    if !valid_user_id(user_id) {
        return Err(ApiError::new(ErrorCode::InvalidRequest)
            .with_message("userId must have 5 to 50 characters."));
    }
    if !users::insert(&mut *state.pool.acquire().await?, user_id, now_ms()).await? {
        return Err(ApiError::new(ErrorCode::UserAlreadyExists));
    }
    let u = users::load_user(&mut *state.pool.acquire().await?, user_id)
        .await?
        .ok_or_else(|| ApiError::internal("user vanished after insert"))?;
    Ok(user_wire(&u))
}

/// A user (155102 when missing).
pub async fn get(state: &AppState, user_id: &str) -> ApiResult<User> {
    Ok(user_wire(&load_row(state, user_id).await?))
}

/// Operator reset of a user's security-answer guess budget (developer API, after the operator
/// has verified the user's identity out of band): clears the answers' counts, lock level, lock
/// and the disabled mark of the lifetime cap (155833), keeping the answers themselves, and
/// notifies `users.securityQuestionsReset` in the same transaction. Idempotent: when there is
/// nothing to reset it changes nothing and notifies nothing. 155102 unknown user, 155111 no
/// answers set.
pub async fn reset_security_questions(state: &AppState, user_id: &str) -> ApiResult<User> {
    let u = load_row(state, user_id).await?;
    if u.answers_verifier.is_none() {
        return Err(ApiError::new(ErrorCode::SecurityQuestionsNotSet));
    }
    let now = now_ms();
    let mut tx = state.pool.begin().await?;
    let before = users::reset_answer_budget(&mut tx, user_id).await?;
    if let Some(b) = before {
        let event = UserEvent {
            user_id: user_id.to_owned(),
            security_question_status: CredentialStatus::Enabled,
            previous_failed_attempts_total: u32::try_from(b.failed_total.max(0))
                .unwrap_or(u32::MAX),
            previous_recovery_required: b.disabled,
        };
        crate::webhooks::outbox::enqueue_user_event(
            &mut tx,
            crate::webhooks::SECURITY_QUESTIONS_RESET,
            &event,
            now,
        )
        .await?;
    }
    tx.commit().await?;
    if let Some(b) = before {
        state.outbox_wake.notify_one();
        tracing::info!(user_id = %user_id, failed_total = b.failed_total, lock_level = b.lock_level,
            was_disabled = b.disabled, "security-answer budget reset by the operator");
    }
    get(state, user_id).await
}
