//! Challenges: creation (idempotent), the client API (descriptor, steps, cancel, status) and
//! the guess-limit logic. Every status change and its webhook outbox rows commit together.

use crate::app::{
    attempts_left, data, require_api_key, require_user, ApiBytes, ApiJson, AppState, Session,
};
use crate::crypto::{self, DOMAIN_ANSWERS, DOMAIN_PIN};
use crate::db::{
    self, now_ms, rfc3339, steps_to_text, ChallengeRow, StoredQuestion, UserRow, ACTIVE_STATUSES,
};
use crate::error::{ApiError, ApiResult};
use crate::webhooks;
use axum::body::Bytes;
use axum::extract::{Path, Query, State};
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use latchkey_protocol::envelope::{self, EnvelopeContext};
use latchkey_protocol::questions::default_catalogue;
use latchkey_protocol::{
    AnswerEntry, ChallengeDescriptor, ChallengeIdResponse, ChallengeStatus, ChallengeType,
    ErrorCode, IdempotentRequest, PinPolicy, QuestionPolicy, Secret, SignMessageRequest, Step,
    StepPayload, StepResult, StepSubmission, PROTOCOL_VERSION,
};
use sqlx::AnyConnection;
use sqlx::Row;
use std::collections::HashMap;
use std::sync::Arc;
use zeroize::Zeroizing;

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
    let now = now_ms();
    let mut tx = state.pool.begin().await?;
    let from = if only_pending {
        "('PENDING')"
    } else {
        ACTIVE_STATUSES
    };
    let n = sqlx::query(&format!(
        "UPDATE challenges SET status = $1, error_code = $2, error_message = $3, updated_at = $4 \
         WHERE id = $5 AND status IN {from}"
    ))
    .bind(to.as_str())
    .bind(error.map(|c| i64::from(c.code())))
    .bind(error.map(|c| c.description().to_owned()))
    .bind(now)
    .bind(id)
    .execute(&mut *tx)
    .await?
    .rows_affected();
    if n == 1 {
        if let Some(ch) = db::load_challenge(&mut tx, id).await? {
            webhooks::enqueue(&mut tx, &ch, now).await?;
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
async fn expire_if_due(state: &AppState, ch: ChallengeRow) -> ApiResult<ChallengeRow> {
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
    let mut conn = state.pool.acquire().await?;
    db::load_challenge(&mut conn, &ch.id)
        .await?
        .ok_or_else(|| ApiError::internal("challenge vanished"))
}

/// Expires every active challenge past its time to live (background sweep).
pub async fn sweep(state: &AppState) -> Result<(), sqlx::Error> {
    let now = now_ms();
    let ids = {
        let mut conn = state.pool.acquire().await?;
        db::due_expiries(&mut conn, now).await?
    };
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
    sqlx::query("DELETE FROM idempotency_keys WHERE created_at < $1")
        .bind(now - 2 * day)
        .execute(&state.pool)
        .await?;
    sqlx::query("DELETE FROM sessions WHERE expires_at < $1")
        .bind(now - day)
        .execute(&state.pool)
        .await?;
    sqlx::query("DELETE FROM envelope_replies WHERE created_at < $1")
        .bind(now - 2 * day)
        .execute(&state.pool)
        .await?;
    Ok(())
}

/// Loads a challenge of the session's user; another user's challenge is reported exactly like a
/// missing one (404 155116).
async fn load_owned(state: &AppState, id: &str, s: &Session) -> ApiResult<ChallengeRow> {
    let mut conn = state.pool.acquire().await?;
    match db::load_challenge(&mut conn, id).await? {
        Some(ch) if ch.user_id == s.user_id => Ok(ch),
        _ => Err(ApiError::new(ErrorCode::InvalidChallenge)
            .with_status(404)
            .with_message("Challenge not found.")),
    }
}

async fn load_user_row(state: &AppState, user_id: &str) -> ApiResult<UserRow> {
    let mut conn = state.pool.acquire().await?;
    db::load_user(&mut conn, user_id)
        .await?
        .ok_or(ApiError::new(ErrorCode::UserNotFound))
}

// ---------------------------------------------------------------------------------------------
// Creation

/// `POST /v1/user/initialize`.
pub async fn create_initialize(
    st: State<Arc<AppState>>,
    h: HeaderMap,
    ApiBytes(body): ApiBytes,
) -> ApiResult<Response> {
    create(st, h, ChallengeType::Initialize, body).await
}
/// `POST /v1/user/pin`.
pub async fn create_set_pin(
    st: State<Arc<AppState>>,
    h: HeaderMap,
    ApiBytes(body): ApiBytes,
) -> ApiResult<Response> {
    create(st, h, ChallengeType::SetPin, body).await
}
/// `PUT /v1/user/pin`.
pub async fn create_change_pin(
    st: State<Arc<AppState>>,
    h: HeaderMap,
    ApiBytes(body): ApiBytes,
) -> ApiResult<Response> {
    create(st, h, ChallengeType::ChangePin, body).await
}
/// `POST /v1/user/pin/restore`.
pub async fn create_restore_pin(
    st: State<Arc<AppState>>,
    h: HeaderMap,
    ApiBytes(body): ApiBytes,
) -> ApiResult<Response> {
    create(st, h, ChallengeType::RestorePin, body).await
}
/// `POST /v1/user/securityQuestions`.
pub async fn create_set_security_questions(
    st: State<Arc<AppState>>,
    h: HeaderMap,
    ApiBytes(body): ApiBytes,
) -> ApiResult<Response> {
    create(st, h, ChallengeType::SetSecurityQuestions, body).await
}
/// `POST /v1/user/sign/message`.
pub async fn create_sign_message(
    st: State<Arc<AppState>>,
    h: HeaderMap,
    ApiBytes(body): ApiBytes,
) -> ApiResult<Response> {
    create(st, h, ChallengeType::SignMessage, body).await
}

fn precondition(kind: &ChallengeType, u: &UserRow) -> Result<(), ErrorCode> {
    let has_pin = u.pin_verifier.is_some();
    let has_q = u.answers_verifier.is_some();
    match kind {
        ChallengeType::Initialize if has_pin => Err(ErrorCode::UserAlreadyInitialized),
        ChallengeType::SetPin if has_pin => Err(ErrorCode::PinAlreadySet),
        ChallengeType::ChangePin | ChallengeType::SignMessage if !has_pin => {
            Err(ErrorCode::PinNotSet)
        }
        ChallengeType::RestorePin if !has_q => Err(ErrorCode::SecurityQuestionsNotSet),
        ChallengeType::SetSecurityQuestions if !has_pin => Err(ErrorCode::PinNotSet),
        ChallengeType::SetSecurityQuestions if has_q => Err(ErrorCode::SecurityQuestionsAlreadySet),
        _ => Ok(()),
    }
}

fn bad_request(msg: &str) -> ApiError {
    ApiError::new(ErrorCode::InvalidRequest).with_message(msg)
}

async fn create(
    State(state): State<Arc<AppState>>,
    headers: HeaderMap,
    kind: ChallengeType,
    body: Bytes,
) -> ApiResult<Response> {
    require_api_key(&state, &headers)?;
    let s = require_user(&state, &headers).await?;
    let (idem_key, message) = if kind == ChallengeType::SignMessage {
        let r: SignMessageRequest = serde_json::from_slice(&body)
            .map_err(|_| bad_request("The request body is not the expected JSON."))?;
        let n = r.message.chars().count();
        if n == 0 || n > 2000 {
            return Err(bad_request("message must have 1 to 2000 characters."));
        }
        (r.idempotency_key, Some(r.message))
    } else {
        let r: IdempotentRequest = serde_json::from_slice(&body)
            .map_err(|_| bad_request("The request body is not the expected JSON."))?;
        (r.idempotency_key, None)
    };
    if idem_key.is_empty() || idem_key.len() > 128 || idem_key.chars().any(char::is_control) {
        return Err(bad_request("idempotencyKey must have 1 to 128 characters."));
    }
    // The request fingerprint: operation, user and the canonical (key-sorted) JSON body.
    let canonical: serde_json::Value = serde_json::from_slice(&body)
        .map_err(|_| bad_request("The request body is not the expected JSON."))?;
    let request_hash =
        crypto::sha256_hex(format!("{}\n{}\n{}", kind.as_str(), s.user_id, canonical).as_bytes());
    if let Some(reply) = idempotent_reply(&state, &idem_key, &request_hash).await? {
        return Ok(reply);
    }
    let user = load_user_row(&state, &s.user_id).await?;
    precondition(&kind, &user).map_err(ApiError::new)?;

    let now = now_ms();
    let id = uuid::Uuid::new_v4().to_string();
    let reply_body = serde_json::to_string(&latchkey_protocol::DataEnvelope {
        data: ChallengeIdResponse {
            challenge_id: id.clone(),
        },
    })
    .map_err(ApiError::internal)?;
    let mut tx = state.pool.begin().await?;
    let claimed = sqlx::query(
        "INSERT INTO idempotency_keys (idempotency_key, request_hash, http_status, body, created_at) \
         VALUES ($1, $2, 201, $3, $4) ON CONFLICT (idempotency_key) DO NOTHING",
    )
    .bind(&idem_key)
    .bind(&request_hash)
    .bind(&reply_body)
    .bind(now)
    .execute(&mut *tx)
    .await?
    .rows_affected();
    if claimed == 0 {
        tx.rollback().await?;
        return idempotent_reply(&state, &idem_key, &request_hash)
            .await?
            .ok_or_else(|| ApiError::internal("idempotency row vanished"));
    }
    sqlx::query(
        "INSERT INTO challenges (id, user_id, kind, status, message, verified_steps, created_at, updated_at, expires_at) \
         VALUES ($1, $2, $3, 'PENDING', $4, '', $5, $5, $6)",
    )
    .bind(&id)
    .bind(&s.user_id)
    .bind(kind.as_str())
    .bind(message)
    .bind(now)
    .bind(now + db::ms(state.config.challenge_ttl))
    .execute(&mut *tx)
    .await?;
    if let Some(ch) = db::load_challenge(&mut tx, &id).await? {
        webhooks::enqueue(&mut tx, &ch, now).await?;
    }
    tx.commit().await?;
    state.outbox_wake.notify_one();
    tracing::info!(challenge_id = %id, kind = %kind, "challenge created");
    Ok(stored_reply(201, reply_body))
}

fn stored_reply(status: i64, body: String) -> Response {
    let status = u16::try_from(status)
        .ok()
        .and_then(|s| StatusCode::from_u16(s).ok())
        .unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    (status, [("content-type", "application/json")], body).into_response()
}

async fn idempotent_reply(state: &AppState, key: &str, hash: &str) -> ApiResult<Option<Response>> {
    let row = sqlx::query(
        "SELECT request_hash, http_status, body FROM idempotency_keys WHERE idempotency_key = $1",
    )
    .bind(key)
    .fetch_optional(&state.pool)
    .await?;
    let Some(row) = row else { return Ok(None) };
    let stored: String = row.try_get("request_hash")?;
    if !latchkey_protocol::secret::ct_eq(stored.as_bytes(), hash.as_bytes()) {
        return Err(ApiError::new(ErrorCode::IdempotencyKeyReused));
    }
    Ok(Some(stored_reply(
        row.try_get("http_status")?,
        row.try_get("body")?,
    )))
}

// ---------------------------------------------------------------------------------------------
// Reading

/// `GET /v1/user/challenges/{id}`.
pub async fn get_one(
    State(state): State<Arc<AppState>>,
    headers: HeaderMap,
    Path(id): Path<String>,
) -> ApiResult<Response> {
    let s = require_user(&state, &headers).await?;
    let ch = load_owned(&state, &id, &s).await?;
    let ch = expire_if_due(&state, ch).await?;
    Ok(data(StatusCode::OK, ch.to_wire()))
}

/// `GET /v1/user/challenges?status=...`.
pub async fn list(
    State(state): State<Arc<AppState>>,
    headers: HeaderMap,
    Query(q): Query<HashMap<String, String>>,
) -> ApiResult<Response> {
    let s = require_user(&state, &headers).await?;
    let status = match q.get("status") {
        Some(v) => match ChallengeStatus::parse(v) {
            ChallengeStatus::Unknown(_) => return Err(bad_request("Unknown status filter.")),
            st => Some(st),
        },
        None => None,
    };
    // Bring expiries up to date first, so the filter sees them.
    let all = {
        let mut conn = state.pool.acquire().await?;
        db::list_challenges(&mut conn, &s.user_id, None).await?
    };
    let now = now_ms();
    for ch in all
        .into_iter()
        .filter(|c| !c.status.is_terminal() && c.expires_at <= now)
    {
        expire_if_due(&state, ch).await?;
    }
    let mut conn = state.pool.acquire().await?;
    let rows =
        db::list_challenges(&mut conn, &s.user_id, status.as_ref().map(|s| s.as_str())).await?;
    let challenges: Vec<_> = rows.iter().map(ChallengeRow::to_wire).collect();
    Ok(data(
        StatusCode::OK,
        serde_json::json!({ "challenges": challenges }),
    ))
}

fn finished_error(ch: &ChallengeRow) -> ApiError {
    if ch.status == ChallengeStatus::Expired {
        ApiError::new(ErrorCode::ChallengeExpired)
    } else {
        ApiError::new(ErrorCode::ChallengeNotActive)
    }
}

/// `GET /v1/user/challenges/{id}/descriptor`: moves PENDING to IN_PROGRESS.
pub async fn descriptor(
    State(state): State<Arc<AppState>>,
    headers: HeaderMap,
    Path(id): Path<String>,
) -> ApiResult<Response> {
    let s = require_user(&state, &headers).await?;
    let ch = load_owned(&state, &id, &s).await?;
    let mut ch = expire_if_due(&state, ch).await?;
    if ch.status.is_terminal() {
        return Err(finished_error(&ch));
    }
    if ch.status == ChallengeStatus::Pending
        && transition(&state, &ch.id, ChallengeStatus::InProgress, None, true).await?
    {
        ch.status = ChallengeStatus::InProgress;
    }
    let user = load_user_row(&state, &s.user_id).await?;
    let now = now_ms();
    let max = state.config.max_attempts;
    let catalogue = default_catalogue();
    let (questions, hints) = if ch.kind == ChallengeType::RestorePin {
        let qs = user.questions.clone().unwrap_or_default();
        let questions = qs
            .iter()
            .filter_map(|q| catalogue.iter().find(|c| c.id == q.id).cloned())
            .collect();
        (questions, qs.into_iter().map(|q| q.hint).collect())
    } else {
        (vec![], vec![])
    };
    let d = ChallengeDescriptor {
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
        wallet: None,
        sign_request: None,
        blockchains: Vec::new(),
        pin_attempts_left: attempts_left(max, user.pin_failed, user.pin_locked_until, now),
        answer_attempts_left: attempts_left(max, user.q_failed, user.q_locked_until, now),
        verified_steps: ch.verified.clone(),
    };
    Ok(data(StatusCode::OK, d))
}

/// `POST /v1/user/challenges/{id}/cancel`: FAILED with 155701.
pub async fn cancel(
    State(state): State<Arc<AppState>>,
    headers: HeaderMap,
    Path(id): Path<String>,
) -> ApiResult<Response> {
    let s = require_user(&state, &headers).await?;
    let ch = load_owned(&state, &id, &s).await?;
    let ch = expire_if_due(&state, ch).await?;
    if ch.status.is_terminal() {
        return Err(finished_error(&ch));
    }
    if !transition(
        &state,
        &id,
        ChallengeStatus::Failed,
        Some(ErrorCode::CancelledByUser),
        false,
    )
    .await?
    {
        let ch = load_owned(&state, &id, &s).await?;
        return Err(finished_error(&ch));
    }
    let ch = load_owned(&state, &id, &s).await?;
    Ok(data(StatusCode::OK, ch.to_wire()))
}

// ---------------------------------------------------------------------------------------------
// Steps

/// `POST /v1/user/challenges/{id}/steps`.
///
/// Exactly-once per envelope: the digest is claimed (`envelope_replies` row with
/// `http_status = 0`) before processing and the reply recorded afterwards (in the same
/// transaction as a verification or completion). A resend of the identical envelope gets the
/// recorded reply; while the claim is younger than the lease it gets 409 155816 with
/// `Retry-After`; an older claim was left by a process that died mid-request and is taken over
/// by the resend (one conditional UPDATE), which processes it again without reserving a second
/// guess for it.
pub async fn submit_step(
    State(state): State<Arc<AppState>>,
    headers: HeaderMap,
    Path(id): Path<String>,
    ApiJson(sub, _): ApiJson<StepSubmission>,
) -> ApiResult<Response> {
    let s = require_user(&state, &headers).await?;
    let ch = load_owned(&state, &id, &s).await?;
    let digest = crypto::sha256_hex(sub.envelope.as_bytes());
    let lease = db::ms(state.config.claim_lease);
    match recorded_reply(&state, &id, &digest).await? {
        Recorded::Reply(r) => return Ok(r),
        Recorded::InFlight { claimed_at } if claimed_at >= now_ms() - lease => {
            return Ok(step_in_progress())
        }
        // Nothing yet, or a stale claim: processed below (a stale claim is taken over).
        Recorded::InFlight { .. } | Recorded::Nothing => {}
    }
    let ch = expire_if_due(&state, ch).await?;
    if ch.status.is_terminal() {
        return Err(finished_error(&ch));
    }
    if let Step::Unknown(_) = sub.step {
        return Err(bad_request("Unknown step."));
    }
    let step_allowed = match sub.step {
        Step::CurrentPin => matches!(
            ch.kind,
            ChallengeType::ChangePin | ChallengeType::SetSecurityQuestions
        ),
        Step::Answers => ch.kind == ChallengeType::RestorePin,
        _ => true,
    };
    if !step_allowed {
        return Err(ApiError::new(ErrorCode::StepOutOfOrder));
    }
    let ctx = EnvelopeContext {
        challenge_id: &ch.id,
        challenge_type: &ch.kind,
        step: &sub.step,
    };
    let payload: StepPayload =
        envelope::open_json(&s.key, &ctx, &sub.envelope).map_err(|e| ApiError::new(e.code()))?;

    // Claim the digest so the same envelope is processed once, even when sent concurrently.
    let now = now_ms();
    let claimed = sqlx::query(
        "INSERT INTO envelope_replies (challenge_id, digest, http_status, body, created_at, claimed_at, guess_reserved) \
         VALUES ($1, $2, 0, '', $3, $3, 0) ON CONFLICT (challenge_id, digest) DO NOTHING",
    )
    .bind(&id)
    .bind(&digest)
    .bind(now)
    .execute(&state.pool)
    .await?
    .rows_affected();
    if claimed == 0 {
        // Take over a claim whose lease has run out. One conditional UPDATE: of several
        // resends (in one process or several), exactly one renews the claim.
        let taken = sqlx::query(
            "UPDATE envelope_replies SET claimed_at = $1 \
             WHERE challenge_id = $2 AND digest = $3 AND http_status = 0 AND claimed_at < $4",
        )
        .bind(now)
        .bind(&id)
        .bind(&digest)
        .bind(now - lease)
        .execute(&state.pool)
        .await?
        .rows_affected();
        if taken == 0 {
            return match recorded_reply(&state, &id, &digest).await? {
                Recorded::Reply(r) => Ok(r),
                _ => Ok(step_in_progress()),
            };
        }
        tracing::warn!(challenge_id = %id, "took over an envelope claim past its lease");
    }
    let claim = Claim {
        challenge_id: &id,
        digest: &digest,
    };
    if ch.status == ChallengeStatus::Pending {
        transition(&state, &ch.id, ChallengeStatus::InProgress, None, true).await?;
    }
    let result = process_step(&state, ch, &sub.step, payload, &claim).await;
    let (status, body) = match &result {
        Err(e) if e.code() == ErrorCode::InternalError => {
            // Release the claim at once (a resend takes it over at once); whether a guess was
            // reserved for this envelope stays recorded.
            sqlx::query(
                "UPDATE envelope_replies SET claimed_at = 0 \
                 WHERE challenge_id = $1 AND digest = $2 AND http_status = 0",
            )
            .bind(&id)
            .bind(&digest)
            .execute(&state.pool)
            .await?;
            return Err(e.clone());
        }
        Err(e) => (e.status, serde_json::to_string(&e.body)),
        Ok(r) => (
            200,
            serde_json::to_string(&latchkey_protocol::DataEnvelope { data: r }),
        ),
    };
    let body = body.map_err(ApiError::internal)?;
    let stored = record_reply(&mut *state.pool.acquire().await?, &claim, status, &body).await?;
    if !stored {
        // Recorded already: by the verification or completion transaction itself, or by an
        // attempt this one overlapped with. The first recorded reply is the answer.
        if let Recorded::Reply(r) = recorded_reply(&state, &id, &digest).await? {
            return Ok(r);
        }
    }
    Ok(stored_reply(i64::from(status), body))
}

/// The envelope claim a step is processed under.
struct Claim<'a> {
    challenge_id: &'a str,
    digest: &'a str,
}

/// Records the reply for a claimed envelope unless one is recorded already; returns whether
/// this call recorded it.
async fn record_reply(
    conn: &mut AnyConnection,
    claim: &Claim<'_>,
    status: u16,
    body: &str,
) -> Result<bool, sqlx::Error> {
    let n = sqlx::query(
        "UPDATE envelope_replies SET http_status = $1, body = $2 \
         WHERE challenge_id = $3 AND digest = $4 AND http_status = 0",
    )
    .bind(i64::from(status))
    .bind(body)
    .bind(claim.challenge_id)
    .bind(claim.digest)
    .execute(&mut *conn)
    .await?
    .rows_affected();
    Ok(n == 1)
}

/// 409 155816 with `Retry-After: 1`: the identical envelope is being processed right now.
fn step_in_progress() -> Response {
    let mut r = ApiError::new(ErrorCode::StepInProgress).into_response();
    r.headers_mut()
        .insert(header::RETRY_AFTER, HeaderValue::from_static("1"));
    r
}

/// What is recorded for an envelope digest.
enum Recorded {
    /// Never seen.
    Nothing,
    /// Claimed at `claimed_at` (Unix ms), no reply yet.
    InFlight { claimed_at: i64 },
    /// Processed: the recorded reply.
    Reply(Response),
}

async fn recorded_reply(state: &AppState, id: &str, digest: &str) -> ApiResult<Recorded> {
    let row = sqlx::query(
        "SELECT http_status, body, claimed_at FROM envelope_replies WHERE challenge_id = $1 AND digest = $2",
    )
    .bind(id)
    .bind(digest)
    .fetch_optional(&state.pool)
    .await?;
    let Some(row) = row else {
        return Ok(Recorded::Nothing);
    };
    let status: i64 = row.try_get("http_status")?;
    if status == 0 {
        return Ok(Recorded::InFlight {
            claimed_at: row.try_get("claimed_at")?,
        });
    }
    Ok(Recorded::Reply(stored_reply(status, row.try_get("body")?)))
}

fn step_result(
    ch: &ChallengeRow,
    step: &Step,
    status: ChallengeStatus,
    verified: Vec<Step>,
) -> StepResult {
    StepResult {
        challenge_id: ch.id.clone(),
        step: step.clone(),
        status,
        verified_steps: verified,
        result: None,
    }
}

async fn process_step(
    state: &AppState,
    ch: ChallengeRow,
    step: &Step,
    p: StepPayload,
    claim: &Claim<'_>,
) -> ApiResult<StepResult> {
    if ch.verified.contains(step) {
        return Err(ApiError::new(ErrorCode::StepOutOfOrder));
    }
    match step {
        Step::CurrentPin => {
            let pin = p.pin.ok_or_else(|| bad_request("pin is required."))?;
            check_guess(state, &ch, Credential::Pin, secret_bytes(&pin), claim).await?;
            mark_verified(state, &ch, step, claim).await
        }
        Step::Answers => {
            let user = load_user_row(state, &ch.user_id).await?;
            let qs = user
                .questions
                .clone()
                .ok_or(ApiError::new(ErrorCode::SecurityQuestionsNotSet))?;
            let answers = p
                .answers
                .ok_or_else(|| bad_request("answers are required."))?;
            let ids: Vec<&str> = answers.iter().map(|a| a.question_id.as_str()).collect();
            let want: Vec<&str> = qs.iter().map(|q| q.id.as_str()).collect();
            if ids != want {
                return Err(ApiError::new(ErrorCode::InvalidQuestionSelection)
                    .with_message("Answer the user's questions, in the order given."));
            }
            let (_, secret) = normalise_answers(&answers, false)?;
            check_guess(state, &ch, Credential::Answers, secret, claim).await?;
            mark_verified(state, &ch, step, claim).await
        }
        Step::Complete => complete(state, ch, p, claim).await,
        _ => Err(bad_request("Unknown step.")),
    }
}

/// Records the verified step and, in the same transaction, the envelope's reply: a crash
/// leaves either both or neither.
async fn mark_verified(
    state: &AppState,
    ch: &ChallengeRow,
    step: &Step,
    claim: &Claim<'_>,
) -> ApiResult<StepResult> {
    let mut verified = ch.verified.clone();
    verified.push(step.clone());
    let result = step_result(ch, step, ChallengeStatus::InProgress, verified.clone());
    let body = serde_json::to_string(&latchkey_protocol::DataEnvelope { data: &result })
        .map_err(ApiError::internal)?;
    let mut tx = state.pool.begin().await?;
    let n = sqlx::query(&format!(
        "UPDATE challenges SET verified_steps = $1, updated_at = $2 \
         WHERE id = $3 AND verified_steps = $4 AND status IN {ACTIVE_STATUSES}"
    ))
    .bind(steps_to_text(&verified))
    .bind(now_ms())
    .bind(&ch.id)
    .bind(steps_to_text(&ch.verified))
    .execute(&mut *tx)
    .await?
    .rows_affected();
    if n == 0 {
        tx.rollback().await?;
        let mut conn = state.pool.acquire().await?;
        let cur = db::load_challenge(&mut conn, &ch.id).await?;
        return Err(match cur {
            Some(c) if c.status.is_terminal() => finished_error(&c),
            _ => ApiError::new(ErrorCode::StepOutOfOrder),
        });
    }
    record_reply(&mut tx, claim, 200, &body).await?;
    tx.commit().await?;
    Ok(result)
}

fn secret_bytes(s: &Secret) -> Zeroizing<Vec<u8>> {
    Zeroizing::new(s.expose().as_bytes().to_vec())
}

/// Normalises answers (re-checking every rule) and returns the stored question list and the
/// verifier input: each (question id, normalised answer), length-prefixed.
fn normalise_answers(
    answers: &[AnswerEntry],
    setup: bool,
) -> ApiResult<(Vec<StoredQuestion>, Zeroizing<Vec<u8>>)> {
    let policy = QuestionPolicy::default();
    let catalogue = default_catalogue();
    if setup {
        let ids: Vec<&str> = answers.iter().map(|a| a.question_id.as_str()).collect();
        policy
            .check_selection(&catalogue, &ids)
            .map_err(|r| ApiError::new(r.code()).with_message(r.to_string()))?;
    }
    let mut stored = Vec::with_capacity(answers.len());
    let mut buf = Zeroizing::new(Vec::new());
    for a in answers {
        let q = catalogue
            .iter()
            .find(|q| q.id == a.question_id)
            .ok_or(ApiError::new(ErrorCode::InvalidQuestionSelection))?;
        // Rejection texts name only the rule, never the answer.
        let n = policy
            .normalize_answer(&q.kind, a.answer.expose())
            .map_err(|r| ApiError::new(r.code()).with_message(r.to_string()))?;
        let hint = if setup {
            policy
                .check_hint(a.hint.as_deref(), &n)
                .map_err(|r| ApiError::new(r.code()).with_message(r.to_string()))?
        } else {
            None
        };
        for part in [a.question_id.as_bytes(), n.expose().as_bytes()] {
            buf.extend_from_slice(&(part.len() as u32).to_be_bytes());
            buf.extend_from_slice(part);
        }
        stored.push(StoredQuestion {
            id: a.question_id.clone(),
            hint,
        });
    }
    Ok((stored, buf))
}

#[derive(Clone, Copy)]
enum Credential {
    Pin,
    Answers,
}

impl Credential {
    fn prefix(self) -> &'static str {
        match self {
            Credential::Pin => "pin",
            Credential::Answers => "q",
        }
    }
    fn verifier_col(self) -> &'static str {
        match self {
            Credential::Pin => "pin_verifier",
            Credential::Answers => "answers_verifier",
        }
    }
    fn domain(self) -> &'static str {
        match self {
            Credential::Pin => DOMAIN_PIN,
            Credential::Answers => DOMAIN_ANSWERS,
        }
    }
    fn wrong(self) -> ErrorCode {
        match self {
            Credential::Pin => ErrorCode::IncorrectPin,
            Credential::Answers => ErrorCode::IncorrectAnswers,
        }
    }
    fn locked(self) -> ErrorCode {
        match self {
            Credential::Pin => ErrorCode::PinLocked,
            Credential::Answers => ErrorCode::SecurityQuestionsLocked,
        }
    }
    fn unset(self) -> ErrorCode {
        match self {
            Credential::Pin => ErrorCode::PinNotSet,
            Credential::Answers => ErrorCode::SecurityQuestionsNotSet,
        }
    }
}

/// Verifies a guess under the guess limit. The guess is reserved first with one conditional
/// UPDATE (count + 1, lock when the count reaches the maximum, only while not locked), then
/// Argon2 runs, then a success resets the count. N concurrent wrong guesses therefore count
/// exactly `max_attempts`; the rest are refused as locked.
///
/// One guess per envelope: the reservation commits together with the claim's
/// `guess_reserved` mark. When the mark is already set (an earlier attempt on this very
/// envelope reserved the guess and died before answering), the guess stays counted and is only
/// verified again, without a second reservation.
async fn check_guess(
    state: &AppState,
    ch: &ChallengeRow,
    cred: Credential,
    secret: Zeroizing<Vec<u8>>,
    claim: &Claim<'_>,
) -> ApiResult<()> {
    let p = cred.prefix();
    let v = cred.verifier_col();
    let max = i64::from(state.config.max_attempts);
    let now = now_ms();
    let until = now + db::ms(state.config.lock_duration);
    // When a lock has run out, counting starts again from zero.
    let base = format!("(CASE WHEN {p}_locked_until IS NULL THEN {p}_failed ELSE 0 END)");
    let mut tx = state.pool.begin().await?;
    let first = sqlx::query(
        "UPDATE envelope_replies SET guess_reserved = 1 \
         WHERE challenge_id = $1 AND digest = $2 AND guess_reserved = 0",
    )
    .bind(claim.challenge_id)
    .bind(claim.digest)
    .execute(&mut *tx)
    .await?
    .rows_affected();
    if first == 0 {
        tx.rollback().await?;
        return recheck_reserved_guess(state, ch, cred, secret).await;
    }
    let row = sqlx::query(&format!(
        "UPDATE users SET {p}_failed = {base} + 1, \
         {p}_locked_at = CASE WHEN {base} + 1 >= $1 THEN $2 ELSE NULL END, \
         {p}_locked_until = CASE WHEN {base} + 1 >= $1 THEN $3 ELSE NULL END \
         WHERE id = $4 AND {v} IS NOT NULL AND ({p}_locked_until IS NULL OR {p}_locked_until <= $2) \
         RETURNING {p}_failed AS failed, {p}_locked_until AS locked_until, {v} AS verifier"
    ))
    .bind(max)
    .bind(now)
    .bind(until)
    .bind(&ch.user_id)
    .fetch_optional(&mut *tx)
    .await?;
    let Some(row) = row else {
        tx.rollback().await?;
        let user = load_user_row(state, &ch.user_id).await?;
        let (verifier, locked_until) = match cred {
            Credential::Pin => (&user.pin_verifier, user.pin_locked_until),
            Credential::Answers => (&user.answers_verifier, user.q_locked_until),
        };
        if verifier.is_none() {
            return Err(ApiError::new(cred.unset()));
        }
        transition(
            state,
            &ch.id,
            ChallengeStatus::Failed,
            Some(cred.locked()),
            false,
        )
        .await?;
        return Err(
            ApiError::new(cred.locked()).with_lock_expiry(rfc3339(locked_until.unwrap_or(until)))
        );
    };
    let failed: i64 = row.try_get("failed")?;
    let locked_until: Option<i64> = row.try_get("locked_until")?;
    let verifier: String = row.try_get("verifier")?;
    tx.commit().await?;
    let ok = state
        .hasher
        .verify(cred.domain(), secret, verifier)
        .await
        .map_err(ApiError::internal)?;
    if ok {
        sqlx::query(&format!(
            "UPDATE users SET {p}_failed = 0, {p}_locked_at = NULL, {p}_locked_until = NULL WHERE id = $1"
        ))
        .bind(&ch.user_id)
        .execute(&state.pool)
        .await?;
        return Ok(());
    }
    tracing::info!(challenge_id = %ch.id, credential = p, failed, "wrong guess");
    if failed >= max {
        transition(
            state,
            &ch.id,
            ChallengeStatus::Failed,
            Some(cred.locked()),
            false,
        )
        .await?;
        return Err(
            ApiError::new(cred.locked()).with_lock_expiry(rfc3339(locked_until.unwrap_or(until)))
        );
    }
    Err(ApiError::new(cred.wrong()).with_attempts_left(u32::try_from(max - failed).unwrap_or(0)))
}

/// Verifies a guess whose reservation an earlier attempt on the same envelope already made
/// (and counted): no new reservation. A success resets the count as the earlier attempt would
/// have; a failure is reported from the current count and lock.
async fn recheck_reserved_guess(
    state: &AppState,
    ch: &ChallengeRow,
    cred: Credential,
    secret: Zeroizing<Vec<u8>>,
) -> ApiResult<()> {
    let p = cred.prefix();
    let user = load_user_row(state, &ch.user_id).await?;
    let (verifier, failed, locked_until) = match cred {
        Credential::Pin => (&user.pin_verifier, user.pin_failed, user.pin_locked_until),
        Credential::Answers => (&user.answers_verifier, user.q_failed, user.q_locked_until),
    };
    let Some(verifier) = verifier.clone() else {
        return Err(ApiError::new(cred.unset()));
    };
    let ok = state
        .hasher
        .verify(cred.domain(), secret, verifier)
        .await
        .map_err(ApiError::internal)?;
    if ok {
        sqlx::query(&format!(
            "UPDATE users SET {p}_failed = 0, {p}_locked_at = NULL, {p}_locked_until = NULL WHERE id = $1"
        ))
        .bind(&ch.user_id)
        .execute(&state.pool)
        .await?;
        return Ok(());
    }
    tracing::info!(challenge_id = %ch.id, credential = p, failed, "wrong guess (reserved before)");
    let left = attempts_left(state.config.max_attempts, failed, locked_until, now_ms());
    if left == 0 {
        transition(
            state,
            &ch.id,
            ChallengeStatus::Failed,
            Some(cred.locked()),
            false,
        )
        .await?;
        let until = locked_until.unwrap_or_else(|| now_ms() + db::ms(state.config.lock_duration));
        return Err(ApiError::new(cred.locked()).with_lock_expiry(rfc3339(until)));
    }
    Err(ApiError::new(cred.wrong()).with_attempts_left(left))
}

fn check_new_pin(p: &StepPayload) -> ApiResult<Zeroizing<Vec<u8>>> {
    let pin = p
        .new_pin
        .as_ref()
        .ok_or_else(|| bad_request("newPin is required."))?;
    PinPolicy::default()
        .check(pin.expose())
        .map_err(|r| ApiError::new(r.code()).with_message(r.to_string()))?;
    Ok(secret_bytes(pin))
}

fn check_ack(p: &StepPayload) -> ApiResult<()> {
    if p.acknowledged == Some(true) {
        Ok(())
    } else {
        Err(ApiError::new(ErrorCode::AcknowledgementRequired))
    }
}

fn check_setup_answers(p: &StepPayload) -> ApiResult<(String, Zeroizing<Vec<u8>>)> {
    let answers = p
        .answers
        .as_ref()
        .ok_or_else(|| bad_request("answers are required."))?;
    let (stored, secret) = normalise_answers(answers, true)?;
    let json = serde_json::to_string(&stored).map_err(ApiError::internal)?;
    Ok((json, secret))
}

/// What completing a challenge writes to the user (all conditional, so a precondition that no
/// longer holds refuses the completion).
enum UserUpdate {
    Initial {
        pin: String,
        questions: String,
        answers: String,
    },
    SetPin {
        pin: String,
    },
    ReplacePin {
        pin: String,
    },
    SetQuestions {
        questions: String,
        answers: String,
    },
    Nothing,
}

async fn complete(
    state: &AppState,
    ch: ChallengeRow,
    p: StepPayload,
    claim: &Claim<'_>,
) -> ApiResult<StepResult> {
    for req in Step::required_before_completion(&ch.kind) {
        if !ch.verified.contains(req) {
            return Err(ApiError::new(ErrorCode::StepOutOfOrder)
                .with_message(format!("Step {req} must be verified first.")));
        }
    }
    let h = &state.hasher;
    let (update, precondition_code) = match ch.kind {
        ChallengeType::Initialize => {
            let pin = check_new_pin(&p)?;
            let (questions, answers) = check_setup_answers(&p)?;
            check_ack(&p)?;
            let pin = h.hash(DOMAIN_PIN, pin).await.map_err(ApiError::internal)?;
            let answers = h
                .hash(DOMAIN_ANSWERS, answers)
                .await
                .map_err(ApiError::internal)?;
            (
                UserUpdate::Initial {
                    pin,
                    questions,
                    answers,
                },
                ErrorCode::UserAlreadyInitialized,
            )
        }
        ChallengeType::SetPin => {
            let pin = h
                .hash(DOMAIN_PIN, check_new_pin(&p)?)
                .await
                .map_err(ApiError::internal)?;
            (UserUpdate::SetPin { pin }, ErrorCode::PinAlreadySet)
        }
        ChallengeType::ChangePin | ChallengeType::RestorePin => {
            let pin = h
                .hash(DOMAIN_PIN, check_new_pin(&p)?)
                .await
                .map_err(ApiError::internal)?;
            (UserUpdate::ReplacePin { pin }, ErrorCode::PinNotSet)
        }
        ChallengeType::SetSecurityQuestions => {
            let (questions, answers) = check_setup_answers(&p)?;
            check_ack(&p)?;
            let answers = h
                .hash(DOMAIN_ANSWERS, answers)
                .await
                .map_err(ApiError::internal)?;
            (
                UserUpdate::SetQuestions { questions, answers },
                ErrorCode::SecurityQuestionsAlreadySet,
            )
        }
        ChallengeType::SignMessage => {
            let pin = p
                .pin
                .as_ref()
                .ok_or_else(|| bad_request("pin is required."))?;
            check_guess(state, &ch, Credential::Pin, secret_bytes(pin), claim).await?;
            (UserUpdate::Nothing, ErrorCode::PinNotSet)
        }
        _ => return Err(ApiError::internal("unknown challenge type stored")),
    };

    let now = now_ms();
    let mut verified = ch.verified.clone();
    verified.push(Step::Complete);
    let result = step_result(
        &ch,
        &Step::Complete,
        ChallengeStatus::Complete,
        verified.clone(),
    );
    let body = serde_json::to_string(&latchkey_protocol::DataEnvelope { data: &result })
        .map_err(ApiError::internal)?;
    let mut tx = state.pool.begin().await?;
    let n = sqlx::query(&format!(
        "UPDATE challenges SET status = 'COMPLETE', verified_steps = $1, updated_at = $2 \
         WHERE id = $3 AND status IN {ACTIVE_STATUSES} AND expires_at > $2"
    ))
    .bind(steps_to_text(&verified))
    .bind(now)
    .bind(&ch.id)
    .execute(&mut *tx)
    .await?
    .rows_affected();
    if n == 0 {
        tx.rollback().await?;
        let mut conn = state.pool.acquire().await?;
        let cur = db::load_challenge(&mut conn, &ch.id)
            .await?
            .ok_or_else(|| ApiError::internal("challenge vanished"))?;
        drop(conn);
        let cur = expire_if_due(state, cur).await?;
        return Err(finished_error(&cur));
    }
    let m = apply_update(&mut tx, &ch.user_id, update).await?;
    if m == 0 {
        tx.rollback().await?;
        transition(
            state,
            &ch.id,
            ChallengeStatus::Failed,
            Some(precondition_code),
            false,
        )
        .await?;
        return Err(ApiError::new(precondition_code));
    }
    if let Some(done) = db::load_challenge(&mut tx, &ch.id).await? {
        webhooks::enqueue(&mut tx, &done, now).await?;
    }
    // The reply commits with the completion: a crash leaves both or neither.
    record_reply(&mut tx, claim, 200, &body).await?;
    tx.commit().await?;
    state.outbox_wake.notify_one();
    tracing::info!(challenge_id = %ch.id, kind = %ch.kind, "challenge complete");
    Ok(result)
}

async fn apply_update(
    conn: &mut AnyConnection,
    user_id: &str,
    u: UserUpdate,
) -> Result<u64, sqlx::Error> {
    let r = match u {
        UserUpdate::Initial { pin, questions, answers } => {
            sqlx::query(
                "UPDATE users SET pin_verifier = $1, pin_failed = 0, pin_locked_at = NULL, pin_locked_until = NULL, \
                 questions = $2, answers_verifier = $3, q_failed = 0, q_locked_at = NULL, q_locked_until = NULL \
                 WHERE id = $4 AND pin_verifier IS NULL",
            )
            .bind(pin)
            .bind(questions)
            .bind(answers)
            .bind(user_id)
            .execute(&mut *conn)
            .await?
        }
        UserUpdate::SetPin { pin } => {
            sqlx::query(
                "UPDATE users SET pin_verifier = $1, pin_failed = 0, pin_locked_at = NULL, pin_locked_until = NULL \
                 WHERE id = $2 AND pin_verifier IS NULL",
            )
            .bind(pin)
            .bind(user_id)
            .execute(&mut *conn)
            .await?
        }
        UserUpdate::ReplacePin { pin } => {
            sqlx::query(
                "UPDATE users SET pin_verifier = $1, pin_failed = 0, pin_locked_at = NULL, pin_locked_until = NULL \
                 WHERE id = $2 AND pin_verifier IS NOT NULL",
            )
            .bind(pin)
            .bind(user_id)
            .execute(&mut *conn)
            .await?
        }
        UserUpdate::SetQuestions { questions, answers } => {
            sqlx::query(
                "UPDATE users SET questions = $1, answers_verifier = $2, q_failed = 0, q_locked_at = NULL, \
                 q_locked_until = NULL WHERE id = $3 AND answers_verifier IS NULL AND pin_verifier IS NOT NULL",
            )
            .bind(questions)
            .bind(answers)
            .bind(user_id)
            .execute(&mut *conn)
            .await?
        }
        UserUpdate::Nothing => return Ok(1),
    };
    Ok(r.rows_affected())
}
