//! Recovery codes and cloud backups (issue 10; `docs/protocol.md` section 8,
//! `docs/recovery.md`).
//!
//! The server keeps a recovery credential as a P-256 public key and a wrapped private key it
//! cannot open. `SET_RECOVERY_CODE` (PIN-gated) stores a new version; RESTORE_PIN with
//! `method: RECOVERY_CODE` hands out the wrapped key with a single-use nonce and verifies the
//! proof (the nonce, bound to the challenge, signed with the recovery key). Wrong proofs count
//! on the recovery counter shared with the security questions, reserved atomically before the
//! signature is checked. Completing a recovery by code burns the code. An INITIALIZE created
//! with `recoveryCode: true` is bound like a SET_RECOVERY_CODE and stores the code with the PIN
//! and the answers in its completing transaction.
//!
//! A cloud backup is the same credential (method `CLOUD_BACKUP`) whose wrapping key lives in the
//! user's cloud, set up in two phases: `SET_CLOUD_BACKUP` verifies the PIN, then
//! `REGISTER_CLOUD_BACKUP` stores the new version PENDING, and `COMPLETE` (sent once the device
//! wrote the key to the cloud and read it back) acknowledges it: ACTIVE, and the previous one
//! REPLACED, in the completing transaction. Recovering with it keeps it ACTIVE.

use super::bad_request;
use super::challenges::transition;
use super::users::attempts_left;
use crate::error::{ApiError, ApiResult};
use crate::state::AppState;
use crate::store::challenges::ChallengeRow;
use crate::store::envelopes::{self, Claim};
use crate::store::recovery::{self, ChallengeBinding, ACTIVE, PENDING};
use crate::store::users::{self, Counter};
use crate::store::{self, now_ms, rfc3339};
use latchkey_protocol::recovery::{
    check_public_key, check_wrapped_format, method, new_nonce, verify_proof, ProofContext,
    RecoveryError,
};
use latchkey_protocol::{
    ChallengeStatus, ChallengeType, ErrorCode, RecoveryDescriptor, StepPayload,
};
use serde_json::Value;
use sqlx::AnyConnection;

/// The recovery method a RESTORE_PIN creation body asks for: `None` for the security questions
/// (no `method`, or `SECURITY_QUESTIONS`), `Some("RECOVERY_CODE")`, `Some("CLOUD_BACKUP")`,
/// else 400 155868.
pub fn restore_method(body: &Value) -> ApiResult<Option<String>> {
    match body.get("method") {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(m)) if m == method::SECURITY_QUESTIONS => Ok(None),
        Some(Value::String(m)) if m == method::RECOVERY_CODE || m == method::CLOUD_BACKUP => {
            Ok(Some(m.clone()))
        }
        Some(_) => Err(ApiError::new(ErrorCode::UnknownRecoveryMethod)),
    }
}

/// Whether an INITIALIZE creation body asks for a recovery code too (`recoveryCode: true`).
pub fn initialize_sets_code(kind: &ChallengeType, body: &Value) -> bool {
    *kind == ChallengeType::Initialize
        && body.get("recoveryCode").and_then(Value::as_bool) == Some(true)
}

/// Whether a challenge recovers with a code.
pub fn by_code(ch: &ChallengeRow) -> bool {
    ch.kind == ChallengeType::RestorePin
        && ch.recovery_method.as_deref() == Some(method::RECOVERY_CODE)
}

/// Whether a challenge recovers with a cloud backup.
pub fn by_backup(ch: &ChallengeRow) -> bool {
    ch.kind == ChallengeType::RestorePin
        && ch.recovery_method.as_deref() == Some(method::CLOUD_BACKUP)
}

/// Whether a challenge recovers with a proof (a recovery code or a cloud backup).
pub fn by_proof(ch: &ChallengeRow) -> bool {
    by_code(ch) || by_backup(ch)
}

/// The "no credential" error of a method (409 155860 / 155871).
fn not_set(m: &str) -> ApiError {
    ApiError::new(if m == method::CLOUD_BACKUP {
        ErrorCode::CloudBackupNotSet
    } else {
        ErrorCode::RecoveryCodeNotSet
    })
}

/// The "changed meanwhile" error of a method (409 155867 / 155872).
pub fn changed_code(m: &str) -> ErrorCode {
    if m == method::CLOUD_BACKUP {
        ErrorCode::CloudBackupChanged
    } else {
        ErrorCode::RecoveryCodeChanged
    }
}

fn nonce() -> ApiResult<String> {
    new_nonce(&ring::rand::SystemRandom::new()).map_err(ApiError::internal)
}

/// What a new challenge is bound to (SET_RECOVERY_CODE and INITIALIZE with `recoveryCode`:
/// the next version; RESTORE_PIN by code: the active version, 409 155860 without one), with a
/// fresh nonce; `None` for other kinds.
pub async fn binding_for(
    state: &AppState,
    user_id: &str,
    kind: &ChallengeType,
    recovery_method: Option<&str>,
    body: &Value,
) -> ApiResult<Option<ChallengeBinding>> {
    let mut conn = state.pool.acquire().await?;
    let (m, version) = match (kind, recovery_method) {
        (ChallengeType::SetRecoveryCode, _) => (
            method::RECOVERY_CODE,
            recovery::next_version(&mut conn, user_id, method::RECOVERY_CODE).await?,
        ),
        (ChallengeType::Initialize, _) if initialize_sets_code(kind, body) => (
            method::RECOVERY_CODE,
            recovery::next_version(&mut conn, user_id, method::RECOVERY_CODE).await?,
        ),
        (ChallengeType::SetCloudBackup, _) => (
            method::CLOUD_BACKUP,
            recovery::next_version(&mut conn, user_id, method::CLOUD_BACKUP).await?,
        ),
        (ChallengeType::RestorePin, Some(m)) => {
            let v = recovery::active(&mut conn, user_id, m)
                .await?
                .ok_or_else(|| not_set(m))?
                .version;
            (
                if m == method::CLOUD_BACKUP {
                    method::CLOUD_BACKUP
                } else {
                    method::RECOVERY_CODE
                },
                v,
            )
        }
        _ => return Ok(None),
    };
    Ok(Some(ChallengeBinding {
        method: m.to_owned(),
        version,
        nonce: nonce()?,
        nonce_used_at: None,
    }))
}

/// Stores a new challenge's binding (in the creating transaction).
pub async fn bind(
    conn: &mut AnyConnection,
    challenge_id: &str,
    user_id: &str,
    b: &ChallengeBinding,
) -> ApiResult<()> {
    recovery::insert_binding(conn, challenge_id, user_id, b).await?;
    Ok(())
}

async fn binding(state: &AppState, ch: &ChallengeRow) -> ApiResult<Option<ChallengeBinding>> {
    Ok(recovery::load_binding(&mut *state.pool.acquire().await?, &ch.id).await?)
}

fn version_u32(b: &ChallengeBinding) -> ApiResult<u32> {
    u32::try_from(b.version).map_err(ApiError::internal)
}

/// The descriptor's `recovery` part from the challenge's `binding` (read with the descriptor);
/// RESTORE_PIN by code or backup carries the wrapped key of
/// the bound version (409 155867 / 155872 when it is no longer active); SET_CLOUD_BACKUP
/// carries the active version (`previousVersion`) and, once registered, the pending wrapped key.
pub async fn descriptor_part(
    state: &AppState,
    ch: &ChallengeRow,
    binding: Option<ChallengeBinding>,
) -> ApiResult<Option<RecoveryDescriptor>> {
    let Some(b) = binding else {
        return Ok(None);
    };
    let mut previous_version = None;
    let wrapped_key = match ch.kind {
        ChallengeType::RestorePin => Some(active_credential(state, ch, &b).await?.wrapped_key),
        ChallengeType::SetCloudBackup => {
            let mut conn = state.pool.acquire().await?;
            previous_version = recovery::active(&mut conn, &ch.user_id, &b.method)
                .await?
                .and_then(|c| u32::try_from(c.version).ok());
            recovery::load_version(&mut conn, &ch.user_id, &b.method, b.version)
                .await?
                .filter(|c| c.status == PENDING && c.challenge_id.as_deref() == Some(&ch.id))
                .map(|c| c.wrapped_key)
        }
        _ => None,
    };
    Ok(Some(RecoveryDescriptor {
        method: b.method.clone(),
        user_id: ch.user_id.clone(),
        version: version_u32(&b)?,
        nonce: b.nonce,
        wrapped_key,
        previous_version,
    }))
}

/// The recovery credential the challenge is bound to, while it is still the active one
/// (409 155867 once another code was set up or used).
async fn active_credential(
    state: &AppState,
    ch: &ChallengeRow,
    b: &ChallengeBinding,
) -> ApiResult<recovery::CredentialRow> {
    recovery::load_version(
        &mut *state.pool.acquire().await?,
        &ch.user_id,
        &b.method,
        b.version,
    )
    .await?
    .filter(|c| c.status == ACTIVE)
    .ok_or(ApiError::new(changed_code(&b.method)))
}

fn key_error(e: RecoveryError) -> ApiError {
    ApiError::new(e.code())
}

/// Verifies the `RECOVERY_PROOF` step under the recovery guess limit. A malformed signature is
/// refused (400 155866) without counting; a well-formed one that does not verify counts one
/// guess (reserved with one conditional UPDATE before verifying; one per envelope, as for PINs).
pub async fn verify_proof_step(
    state: &AppState,
    ch: &ChallengeRow,
    p: &StepPayload,
    claim: &Claim<'_>,
) -> ApiResult<()> {
    let b = binding(state, ch)
        .await?
        .ok_or(ApiError::new(ErrorCode::StepOutOfOrder))?;
    let sig = p
        .recovery_signature
        .as_deref()
        .ok_or_else(|| bad_request("recoverySignature is required."))?;
    let raw = base64_len(sig);
    if raw != Some(64) {
        return Err(ApiError::new(ErrorCode::InvalidRecoveryKey));
    }
    if b.nonce_used_at.is_some() {
        return Err(ApiError::new(ErrorCode::RecoveryNonceUsed));
    }
    let cred = active_credential(state, ch, &b).await?;
    let ctx = ProofContext {
        challenge_id: &ch.id,
        method: &b.method,
        user_id: &ch.user_id,
        version: version_u32(&b)?,
        nonce: &b.nonce,
    };
    let max = i64::from(state.config.max_attempts);
    let now = now_ms();
    let until = now + store::ms(state.config.lock_duration);
    let mut tx = state.pool.begin().await?;
    let fresh = envelopes::mark_guess_reserved(&mut tx, claim).await?;
    let reserved = if fresh {
        match recovery::reserve_guess(&mut tx, &ch.user_id, max, now, until).await? {
            Some(r) => {
                tx.commit().await?;
                Some(r)
            }
            None => {
                tx.rollback().await?;
                let user = super::users::load_row(state, &ch.user_id).await?;
                return Err(lock(state, ch, user.q_locked_until.unwrap_or(until)).await?);
            }
        }
    } else {
        // An earlier attempt on this very envelope reserved (and counted) the guess.
        tx.rollback().await?;
        None
    };
    let ok = verify_proof(&cred.public_key, &ctx, sig).is_ok();
    if ok {
        // Questions and codes share the recovery budget (the `q_*` counter); reset it at the
        // answers' current version (the guard only stops a reset from a stale answers check).
        let version = super::users::load_row(state, &ch.user_id)
            .await?
            .answers_version;
        users::reset_guesses(
            &mut *state.pool.acquire().await?,
            &ch.user_id,
            Counter::Answers,
            version,
        )
        .await?;
        return Ok(());
    }
    let (failed, locked_until) = match reserved {
        Some(r) => (r.failed, r.locked_until),
        None => {
            let user = super::users::load_row(state, &ch.user_id).await?;
            let left = attempts_left(
                state.config.max_attempts,
                user.q_failed,
                user.q_locked_until,
                now_ms(),
            );
            (max - i64::from(left), user.q_locked_until)
        }
    };
    tracing::info!(challenge_id = %ch.id, failed, "wrong recovery proof");
    if failed >= max {
        return Err(lock(state, ch, locked_until.unwrap_or(until)).await?);
    }
    Err(ApiError::new(ErrorCode::IncorrectRecoveryCode)
        .with_attempts_left(u32::try_from(max - failed).unwrap_or(0)))
}

async fn lock(state: &AppState, ch: &ChallengeRow, until: i64) -> ApiResult<ApiError> {
    transition(
        state,
        &ch.id,
        ChallengeStatus::Failed,
        Some(ErrorCode::RecoveryLocked),
        false,
    )
    .await?;
    Ok(ApiError::new(ErrorCode::RecoveryLocked).with_lock_expiry(rfc3339(until)))
}

fn base64_len(s: &str) -> Option<usize> {
    use base64::Engine as _;
    base64::engine::general_purpose::STANDARD
        .decode(s)
        .ok()
        .map(|v| v.len())
}

/// Marks the nonce of a verified proof used (in the verifying transaction); 409 155862 when
/// it already was.
pub async fn use_nonce(conn: &mut AnyConnection, ch: &ChallengeRow) -> ApiResult<()> {
    if recovery::use_nonce(conn, &ch.id, now_ms()).await? {
        Ok(())
    } else {
        Err(ApiError::new(ErrorCode::RecoveryNonceUsed))
    }
}

/// What completing a recovery challenge writes (in the completing transaction).
#[derive(Debug)]
pub enum RecoveryWrite {
    /// SET_CLOUD_BACKUP: the pending version this challenge registered becomes active, the
    /// old one replaced.
    Acknowledge {
        /// Version.
        version: i64,
    },
    /// RESTORE_PIN by cloud backup: the version used must still be active; it stays so.
    Keep {
        /// Version.
        version: i64,
    },
    /// SET_RECOVERY_CODE: the new version becomes active, the old one replaced.
    Activate {
        /// Version.
        version: i64,
        /// Base64 public key.
        public_key: String,
        /// Base64 wrapped key.
        wrapped_key: String,
    },
    /// RESTORE_PIN by code: the version used is burnt.
    Burn {
        /// Version.
        version: i64,
    },
}

/// The checked new credential of a set-up step.
struct NewCredential {
    version: i64,
    public_key: String,
    wrapped_key: String,
}

/// Checks a SET_RECOVERY_CODE completion: the public key's and wrapped key's format and the
/// proof of possession (the challenge's nonce signed with the new key). 400 155866 otherwise.
pub async fn setup_write(
    state: &AppState,
    ch: &ChallengeRow,
    p: &StepPayload,
) -> ApiResult<RecoveryWrite> {
    let c = check_new_credential(state, ch, p).await?;
    Ok(RecoveryWrite::Activate {
        version: c.version,
        public_key: c.public_key,
        wrapped_key: c.wrapped_key,
    })
}

/// SET_CLOUD_BACKUP / `REGISTER_CLOUD_BACKUP`: checks the new key material and proof of
/// possession as for a code (400 155866), then stores the version PENDING in `conn` (the
/// verifying transaction); false when the version exists already (another set-up registered
/// it first: the caller fails the challenge with 409 155872).
pub async fn check_registration(
    state: &AppState,
    ch: &ChallengeRow,
    p: &StepPayload,
) -> ApiResult<PendingRegistration> {
    let c = check_new_credential(state, ch, p).await?;
    Ok(PendingRegistration {
        version: c.version,
        public_key: c.public_key,
        wrapped_key: c.wrapped_key,
    })
}

/// A checked `REGISTER_CLOUD_BACKUP`, to store in the verifying transaction.
#[derive(Debug)]
pub struct PendingRegistration {
    version: i64,
    public_key: String,
    wrapped_key: String,
}

/// Stores a checked registration PENDING; false when the version exists already.
pub async fn register(
    conn: &mut AnyConnection,
    ch: &ChallengeRow,
    r: &PendingRegistration,
    now: i64,
) -> ApiResult<bool> {
    Ok(recovery::register_pending(
        conn,
        &ch.user_id,
        method::CLOUD_BACKUP,
        r.version,
        &r.public_key,
        &r.wrapped_key,
        &ch.id,
        now,
    )
    .await?)
}

/// SET_CLOUD_BACKUP / `COMPLETE`: the acknowledgement must name the version this challenge
/// registered (400 155873 otherwise).
pub async fn ack_write(
    state: &AppState,
    ch: &ChallengeRow,
    p: &StepPayload,
) -> ApiResult<RecoveryWrite> {
    let b = binding(state, ch)
        .await?
        .ok_or_else(|| ApiError::internal("recovery challenge without binding"))?;
    let acked = p
        .cloud_backup_version
        .ok_or_else(|| bad_request("cloudBackupVersion is required."))?;
    if i64::from(acked) != b.version {
        return Err(ApiError::new(ErrorCode::CloudBackupVersionMismatch));
    }
    Ok(RecoveryWrite::Acknowledge { version: b.version })
}

/// Cancelling a SET_CLOUD_BACKUP abandons the version it registered (if any).
pub async fn abandon(state: &AppState, challenge_id: &str) -> ApiResult<()> {
    let n = recovery::abandon(&mut *state.pool.acquire().await?, challenge_id, now_ms()).await?;
    if n > 0 {
        tracing::info!(challenge_id = %challenge_id, "pending cloud backup abandoned");
    }
    Ok(())
}

async fn check_new_credential(
    state: &AppState,
    ch: &ChallengeRow,
    p: &StepPayload,
) -> ApiResult<NewCredential> {
    let b = binding(state, ch)
        .await?
        .ok_or_else(|| ApiError::internal("recovery challenge without binding"))?;
    let missing =
        || bad_request("recoveryPublicKey, recoveryWrappedKey and recoverySignature are required.");
    let public_key = p.recovery_public_key.clone().ok_or_else(missing)?;
    let wrapped_key = p.recovery_wrapped_key.clone().ok_or_else(missing)?;
    let sig = p.recovery_signature.as_deref().ok_or_else(missing)?;
    check_public_key(&public_key).map_err(key_error)?;
    check_wrapped_format(&wrapped_key).map_err(key_error)?;
    let ctx = ProofContext {
        challenge_id: &ch.id,
        method: &b.method,
        user_id: &ch.user_id,
        version: version_u32(&b)?,
        nonce: &b.nonce,
    };
    // A proof of possession that does not verify means a broken client, not a guess.
    verify_proof(&public_key, &ctx, sig)
        .map_err(|_| ApiError::new(ErrorCode::InvalidRecoveryKey))?;
    Ok(NewCredential {
        version: b.version,
        public_key,
        wrapped_key,
    })
}

/// The recovery write of an INITIALIZE completion: the new code's key when the challenge was
/// created with `recoveryCode: true` (checked as for SET_RECOVERY_CODE), else `None`.
pub async fn initialize_write(
    state: &AppState,
    ch: &ChallengeRow,
    p: &StepPayload,
) -> ApiResult<Option<RecoveryWrite>> {
    if binding(state, ch).await?.is_none() {
        return Ok(None);
    }
    Ok(Some(setup_write(state, ch, p).await?))
}

/// The write of a RESTORE_PIN-by-code (burn) or by-backup (keep) completion.
pub async fn restore_write(state: &AppState, ch: &ChallengeRow) -> ApiResult<RecoveryWrite> {
    let b = binding(state, ch)
        .await?
        .ok_or_else(|| ApiError::internal("recovery challenge without binding"))?;
    Ok(if b.method == method::CLOUD_BACKUP {
        RecoveryWrite::Keep { version: b.version }
    } else {
        RecoveryWrite::Burn { version: b.version }
    })
}

/// Applies a write; false when its condition failed (another code or backup was stored, or
/// this one was replaced or used, since the challenge began): the caller rolls back with 409
/// 155867 (code) or 155872 (backup).
pub async fn apply(
    conn: &mut AnyConnection,
    ch: &ChallengeRow,
    w: &RecoveryWrite,
    now: i64,
) -> ApiResult<bool> {
    let user_id = ch.user_id.as_str();
    Ok(match w {
        RecoveryWrite::Acknowledge { version } => {
            recovery::acknowledge(conn, user_id, method::CLOUD_BACKUP, *version, &ch.id, now)
                .await?
        }
        RecoveryWrite::Keep { version } => {
            recovery::touch_active(conn, user_id, method::CLOUD_BACKUP, *version, now).await?
        }
        RecoveryWrite::Activate {
            version,
            public_key,
            wrapped_key,
        } => {
            recovery::activate(
                conn,
                user_id,
                method::RECOVERY_CODE,
                *version,
                public_key,
                wrapped_key,
                now,
            )
            .await?
        }
        RecoveryWrite::Burn { version } => {
            recovery::burn(conn, user_id, method::RECOVERY_CODE, *version, now).await?
        }
    })
}
