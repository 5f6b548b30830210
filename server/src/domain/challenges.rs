//! Challenges: idempotent creation, reading, the descriptor, cancelling, status transitions and
//! the expiry sweep. Every status change and its webhook outbox rows commit together.
//! Steps (verification and completion) are in [`super::steps`].

use super::sessions::{PendingSession, Session};
use super::users::{attempts_left, load_row};
use super::{bad_request, recovery, signing, wallets, StoredReply};
use crate::crypto;
use crate::error::{ApiError, ApiResult};
use crate::state::AppState;
use crate::store::challenges::{self, ChallengeExtra, ChallengeRow};
use crate::store::users::UserRow;
use crate::store::{self, envelopes, idempotency, now_ms, rfc3339, sessions};
use crate::webhooks::outbox;
use latchkey_protocol::questions::default_catalogue;
use latchkey_protocol::{
    CancelReason, Challenge, ChallengeDescriptor, ChallengeIdResponse, ChallengeStatus,
    ChallengeType, CreateWalletRequest, ErrorCode, InitializeRequest, PinPolicy, QuestionPolicy,
    PROTOCOL_VERSION,
};
use serde_json::Value;

// ---------------------------------------------------------------------------------------------
// Status transitions

/// Moves a challenge to `to` if it is still in one of the active statuses (or exactly PENDING
/// when `only_pending`), writing the webhook outbox rows in the same transaction.
/// Returns whether this call made the change.
pub async fn transition(
    state: &AppState,
    id: &str,
    to: ChallengeStatus,
    error: Option<ErrorCode>,
    only_pending: bool,
) -> Result<bool, sqlx::Error> {
    transition_with_reply(state, id, to, error, only_pending, None).await
}

/// An envelope's reply to record with a status change: the claim, the HTTP status and the body.
pub(crate) type Reply<'a> = (&'a envelopes::Claim<'a>, u16, &'a str);

/// [`transition`], recording `reply` in the same transaction: a refusal that ends the
/// challenge (the guess that locks) is recorded with the status it causes, so a crash cannot
/// leave the one without the other and a resend of that envelope gets the same refusal.
pub(crate) async fn transition_with_reply(
    state: &AppState,
    id: &str,
    to: ChallengeStatus,
    error: Option<ErrorCode>,
    only_pending: bool,
    reply: Option<Reply<'_>>,
) -> Result<bool, sqlx::Error> {
    let now = now_ms();
    let mut tx = state.pool.begin().await?;
    let n = challenges::set_status(&mut tx, id, &to, error, only_pending, now).await?;
    if let Some((claim, status, body)) = reply {
        envelopes::record_reply(&mut tx, claim, status, body).await?;
    }
    if n == 1 {
        if let Some(ch) = challenges::load_challenge(&mut tx, id).await? {
            outbox::enqueue(&mut tx, &ch, now).await?;
        }
    }
    tx.commit().await?;
    if n == 1 {
        state.outbox_wake.notify_one();
        tracing::info!(challenge_id = %id, status = %to, "challenge status changed");
    }
    Ok(n == 1)
}

/// Expires the challenge if it is past its time to live; returns the current row.
pub(crate) async fn expire_if_due(state: &AppState, ch: ChallengeRow) -> ApiResult<ChallengeRow> {
    if ch.status.is_terminal() || ch.expires_at > now_ms() {
        return Ok(ch);
    }
    transition(
        state,
        &ch.id,
        ChallengeStatus::Expired,
        Some(ErrorCode::ChallengeExpired),
        false,
    )
    .await?;
    challenges::load_challenge(&mut *state.pool.acquire().await?, &ch.id)
        .await?
        .ok_or_else(|| ApiError::internal("challenge vanished"))
}

/// Expires every active challenge past its time to live and deletes old idempotency keys,
/// sessions and envelope replies (background sweep).
pub async fn sweep(state: &AppState) -> Result<(), sqlx::Error> {
    let now = now_ms();
    let ids = challenges::due_expiries(&mut *state.pool.acquire().await?, now).await?;
    for id in ids {
        transition(
            state,
            &id,
            ChallengeStatus::Expired,
            Some(ErrorCode::ChallengeExpired),
            false,
        )
        .await?;
    }
    // Idempotency keys are kept for at least 24 hours (48 here); sessions a day past expiry;
    // envelope digests as long as their challenge could be retried.
    let day = 24 * 60 * 60 * 1000;
    let mut conn = state.pool.acquire().await?;
    idempotency::delete_before(&mut conn, now - 2 * day).await?;
    sessions::delete_expired_before(&mut conn, now - day).await?;
    envelopes::delete_before(&mut conn, now - 2 * day).await?;
    Ok(())
}

/// Loads a challenge of the session's user; another user's challenge is reported exactly like a
/// missing one (404 155116).
pub(crate) async fn load_owned(state: &AppState, id: &str, s: &Session) -> ApiResult<ChallengeRow> {
    match challenges::load_challenge(&mut *state.pool.acquire().await?, id).await? {
        Some(ch) if ch.user_id == s.user_id => Ok(ch),
        _ => Err(not_found()),
    }
}

/// 404 155xxx for a challenge that does not exist or is someone else's (the same answer).
fn not_found() -> ApiError {
    ApiError::new(ErrorCode::InvalidChallenge)
        .with_status(404)
        .with_message("Challenge not found.")
}

/// The error for a step or descriptor on a finished challenge: 155121 expired, else 155804.
pub(crate) fn finished_error(ch: &ChallengeRow) -> ApiError {
    if ch.status == ChallengeStatus::Expired {
        ApiError::new(ErrorCode::ChallengeExpired)
    } else {
        ApiError::new(ErrorCode::ChallengeNotActive)
    }
}

// ---------------------------------------------------------------------------------------------
// Creation

fn precondition(
    kind: &ChallengeType,
    u: &UserRow,
    recovery_method: Option<&str>,
    answers_reset_with_pin: bool,
) -> Result<(), ErrorCode> {
    let has_pin = u.pin_verifier.is_some();
    let has_q = u.answers_verifier.is_some();
    match kind {
        ChallengeType::Initialize if has_pin => Err(ErrorCode::UserAlreadyInitialized),
        ChallengeType::SetPin if has_pin => Err(ErrorCode::PinAlreadySet),
        ChallengeType::ChangePin
        | ChallengeType::SignMessage
        | ChallengeType::SignTypedData
        | ChallengeType::SignTransaction
        | ChallengeType::CreateWallet
        | ChallengeType::SetRecoveryCode
        | ChallengeType::SetCloudBackup
            if !has_pin =>
        {
            Err(ErrorCode::PinNotSet)
        }
        // By code or backup: checked with the binding (155860 / 155871).
        ChallengeType::RestorePin if recovery_method.is_some() => Ok(()),
        ChallengeType::RestorePin if !has_q => Err(ErrorCode::SecurityQuestionsNotSet),
        ChallengeType::SetSecurityQuestions if !has_pin => Err(ErrorCode::PinNotSet),
        // Answers disabled by the lifetime cap (155833) may be replaced (unless the operator
        // turned it off): the challenge is PIN-gated (CURRENT_PIN), and whoever knows the PIN
        // can change the PIN and sign anyway.
        ChallengeType::SetSecurityQuestions
            if has_q && !(u.q_disabled && answers_reset_with_pin) =>
        {
            Err(ErrorCode::SecurityQuestionsAlreadySet)
        }
        _ => Ok(()),
    }
}

/// Creates a challenge of `kind` for the session's user from the raw JSON body, idempotently:
/// a repeat of the same request with the same key gets the stored reply; a different request
/// with a used key gets 409 155803.
pub async fn create(
    state: &AppState,
    s: &Session,
    kind: ChallengeType,
    body: &[u8],
) -> ApiResult<StoredReply> {
    let not_json = || bad_request("The request body is not the expected JSON.");
    // The request fingerprint: operation, user and the canonical (key-sorted) JSON body.
    let canonical: Value = serde_json::from_slice(body).map_err(|_| not_json())?;
    let idem_key = canonical
        .get("idempotencyKey")
        .and_then(Value::as_str)
        .ok_or_else(not_json)?
        .to_owned();
    if idem_key.is_empty() || idem_key.len() > 128 || idem_key.chars().any(char::is_control) {
        return Err(bad_request("idempotencyKey must have 1 to 128 characters."));
    }
    let request_hash =
        crypto::sha256_hex(format!("{}\n{}\n{}", kind.as_str(), s.user_id, canonical).as_bytes());
    if let Some(reply) = idempotent_reply(state, &idem_key, &request_hash).await? {
        return Ok(reply);
    }
    let user = load_row(state, &s.user_id).await?;
    let recovery_method = match kind {
        ChallengeType::RestorePin => recovery::restore_method(&canonical)?,
        _ => None,
    };
    precondition(
        &kind,
        &user,
        recovery_method.as_deref(),
        state.config.answers_reset_with_pin,
    )
    .map_err(ApiError::new)?;
    let mut extra = prepare(state, s, &kind, &canonical).await?;
    let binding = recovery::binding_for(
        state,
        &s.user_id,
        &kind,
        recovery_method.as_deref(),
        &canonical,
    )
    .await?;
    extra.recovery_method = recovery_method;

    let now = now_ms();
    let id = uuid::Uuid::new_v4().to_string();
    let reply_body = serde_json::to_string(&latchkey_protocol::DataEnvelope {
        data: ChallengeIdResponse {
            challenge_id: id.clone(),
        },
    })
    .map_err(ApiError::internal)?;
    let mut tx = state.pool.begin().await?;
    if !idempotency::claim(&mut tx, &idem_key, &request_hash, &reply_body, now).await? {
        tx.rollback().await?;
        return idempotent_reply(state, &idem_key, &request_hash)
            .await?
            .ok_or_else(|| ApiError::internal("idempotency row vanished"));
    }
    challenges::insert(
        &mut tx,
        &id,
        &s.user_id,
        &kind,
        &extra,
        now,
        now + store::ms(state.config.challenge_ttl),
    )
    .await?;
    if let Some(b) = &binding {
        recovery::bind(&mut tx, &id, &s.user_id, b).await?;
    }
    if let Some(ch) = challenges::load_challenge(&mut tx, &id).await? {
        outbox::enqueue(&mut tx, &ch, now).await?;
    }
    tx.commit().await?;
    state.outbox_wake.notify_one();
    tracing::info!(challenge_id = %id, kind = %kind, "challenge created");
    Ok(StoredReply::from_stored(201, reply_body))
}

/// Validates what a challenge type carries and returns it for storage: the wallets to create
/// (INITIALIZE with `blockchains`, CREATE_WALLET) or the wallet and canonical request
/// (SIGN_*). Bad input is refused here, before anything is stored.
async fn prepare(
    state: &AppState,
    s: &Session,
    kind: &ChallengeType,
    body: &Value,
) -> ApiResult<ChallengeExtra> {
    let bad = || bad_request("The request body is not the expected JSON.");
    let wallets_extra = |blockchains: Vec<latchkey_protocol::Blockchain>,
                         account: latchkey_protocol::AccountType| {
        if blockchains.is_empty() {
            ChallengeExtra::default()
        } else {
            ChallengeExtra {
                blockchains: Some(wallets::blockchains_to_text(&blockchains)),
                account_type: Some(account.as_str().to_owned()),
                ..ChallengeExtra::default()
            }
        }
    };
    match kind {
        ChallengeType::Initialize => {
            let r: InitializeRequest = serde_json::from_value(body.clone()).map_err(|_| bad())?;
            let (b, a) = wallets::check_request(&r.blockchains, r.account_type.as_ref(), false)?;
            Ok(wallets_extra(b, a))
        }
        ChallengeType::CreateWallet => {
            let r: CreateWalletRequest = serde_json::from_value(body.clone()).map_err(|_| bad())?;
            let (b, a) = wallets::check_request(&r.blockchains, r.account_type.as_ref(), true)?;
            Ok(wallets_extra(b, a))
        }
        k if signing::is_signing(k) => signing::prepare(state, &s.user_id, k, body).await,
        _ => Ok(ChallengeExtra::default()),
    }
}

async fn idempotent_reply(
    state: &AppState,
    key: &str,
    hash: &str,
) -> ApiResult<Option<StoredReply>> {
    let Some(row) = idempotency::load(&mut *state.pool.acquire().await?, key).await? else {
        return Ok(None);
    };
    if !latchkey_protocol::secret::ct_eq(row.request_hash.as_bytes(), hash.as_bytes()) {
        return Err(ApiError::new(ErrorCode::IdempotencyKeyReused));
    }
    Ok(Some(StoredReply::from_stored(row.http_status, row.body)))
}

// ---------------------------------------------------------------------------------------------
// Reading

/// One of the session user's challenges (expired first if due).
pub async fn get_one(state: &AppState, s: &Session, id: &str) -> ApiResult<Challenge> {
    let ch = load_owned(state, id, s).await?;
    let ch = expire_if_due(state, ch).await?;
    Ok(ch.to_wire())
}

/// The session user's challenges, oldest first, optionally of one status (the filter's wire
/// spelling; unknown -> 155801).
pub async fn list(
    state: &AppState,
    s: &Session,
    status: Option<&str>,
) -> ApiResult<Vec<Challenge>> {
    let status = match status {
        Some(v) => match ChallengeStatus::parse(v) {
            ChallengeStatus::Unknown(_) => return Err(bad_request("Unknown status filter.")),
            st => Some(st),
        },
        None => None,
    };
    // Bring expiries up to date first, so the filter sees them.
    let all =
        challenges::list_challenges(&mut *state.pool.acquire().await?, &s.user_id, None).await?;
    let now = now_ms();
    for ch in all
        .into_iter()
        .filter(|c| !c.status.is_terminal() && c.expires_at <= now)
    {
        expire_if_due(state, ch).await?;
    }
    let rows = challenges::list_challenges(
        &mut *state.pool.acquire().await?,
        &s.user_id,
        status.as_ref().map(|s| s.as_str()),
    )
    .await?;
    Ok(rows.iter().map(ChallengeRow::to_wire).collect())
}

/// The descriptor the SDK runs a challenge from; moves PENDING to IN_PROGRESS.
pub async fn descriptor(
    state: &AppState,
    s: PendingSession,
    id: &str,
) -> ApiResult<ChallengeDescriptor> {
    // One statement on the common path (an active challenge): the challenge, its owner, its
    // recovery binding and the session's revocation check.
    let read = challenges::load_for_descriptor(
        &mut *state.pool.acquire().await?,
        id,
        s.user_id(),
        s.token_hash(),
    )
    .await?;
    let Some(read) = read else {
        s.check(state).await?;
        return Err(not_found());
    };
    s.confirm(state, read.session_usable)?;
    let (ch, user) = (read.challenge, read.user);
    let mut ch = expire_if_due(state, ch).await?;
    if ch.status.is_terminal() {
        return Err(finished_error(&ch));
    }
    if ch.status == ChallengeStatus::Pending
        && transition(state, &ch.id, ChallengeStatus::InProgress, None, true).await?
    {
        ch.status = ChallengeStatus::InProgress;
    }
    let now = now_ms();
    let max = state.config.max_attempts;
    let catalogue = default_catalogue();
    let (questions, hints) = if ch.kind == ChallengeType::RestorePin && !recovery::by_proof(&ch) {
        let qs = user.questions.clone().unwrap_or_default();
        let questions = qs
            .iter()
            .filter_map(|q| catalogue.iter().find(|c| c.id == q.id).cloned())
            .collect();
        (questions, qs.into_iter().map(|q| q.hint).collect())
    } else {
        (vec![], vec![])
    };
    Ok(ChallengeDescriptor {
        challenge_id: ch.id.clone(),
        challenge_type: ch.kind.clone(),
        status: ch.status.clone(),
        protocol_version: PROTOCOL_VERSION,
        expires_at: rfc3339(ch.expires_at),
        pin_policy: PinPolicy::default(),
        question_policy: QuestionPolicy::default(),
        catalogue: if matches!(
            ch.kind,
            ChallengeType::Initialize | ChallengeType::SetSecurityQuestions
        ) {
            catalogue
        } else {
            vec![]
        },
        questions,
        hints,
        message: ch.message.clone(),
        wallet: signing::wallet_ref(state, &ch).await?,
        sign_request: ch.sign_request.clone(),
        blockchains: ch
            .blockchains
            .as_deref()
            .map(wallets::blockchains_from_text)
            .unwrap_or_default(),
        pin_attempts_left: if user.pin_disabled {
            0
        } else {
            attempts_left(max, user.pin_failed, user.pin_locked_until, now)
        },
        answer_attempts_left: if user.q_disabled {
            0
        } else {
            attempts_left(max, user.q_failed, user.q_locked_until, now)
        },
        verified_steps: ch.verified.clone(),
        recovery: recovery::descriptor_part(state, &ch, read.binding).await?,
    })
}

/// Cancels an active challenge: FAILED with 155701, or with 155826 when the user rejected a
/// signature request on the review screen (`reason: USER_REJECTED`). Nothing is signed.
pub async fn cancel(
    state: &AppState,
    s: &Session,
    id: &str,
    reason: Option<&CancelReason>,
) -> ApiResult<Challenge> {
    let code = match reason {
        None => ErrorCode::CancelledByUser,
        Some(CancelReason::UserRejected) => ErrorCode::UserRejected,
        Some(_) => return Err(bad_request("Unknown cancel reason.")),
    };
    let ch = load_owned(state, id, s).await?;
    let ch = expire_if_due(state, ch).await?;
    if ch.status.is_terminal() {
        return Err(finished_error(&ch));
    }
    if !transition(state, id, ChallengeStatus::Failed, Some(code), false).await? {
        let ch = load_owned(state, id, s).await?;
        return Err(finished_error(&ch));
    }
    if ch.kind == ChallengeType::SetCloudBackup {
        // Roll back a half-done set-up: its pending version can never become active.
        recovery::abandon(state, id).await?;
    }
    let ch = load_owned(state, id, s).await?;
    Ok(ch.to_wire())
}
