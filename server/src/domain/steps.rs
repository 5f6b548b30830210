//! Challenge steps: opening the sealed envelope, exactly-once processing per envelope
//! (claim, recorded reply), verification steps and completion.

use super::challenges::{expire_if_due, finished_error, load_owned, transition};
use super::guesses::{admit_step, check_guess, check_guess_deferred, Credential, ResetGuesses};
use super::sessions::Session;
use super::users::load_row;
use super::{bad_request, recovery, signing, wallets, StoredReply};
use crate::crypto::{self, DOMAIN_ANSWERS, DOMAIN_PIN};
use crate::error::{ApiError, ApiResult};
use crate::state::AppState;
use crate::store::challenges::{self, ChallengeRow, VerifiedVersion};
use crate::store::envelopes::{self, Claim};
use crate::store::sessions;
use crate::store::users::{self, CredentialUpdate, Expect, StoredQuestion};
use crate::store::{self, now_ms};
use crate::webhooks::outbox;
use latchkey_protocol::envelope::{self, EnvelopeContext};
use latchkey_protocol::questions::default_catalogue;
use latchkey_protocol::{
    AnswerEntry, ChallengeStatus, ChallengeType, ErrorCode, PinPolicy, PinRejection,
    QuestionPolicy, Secret, Step, StepPayload, StepResult, StepSubmission,
};
use zeroize::Zeroizing;

/// The answer to a step submission.
#[derive(Debug)]
pub enum StepReply {
    /// The (possibly recorded) reply, success or error, to send verbatim.
    Stored(StoredReply),
    /// The identical envelope is being processed right now (409 155816, `Retry-After: 1`).
    InProgress,
}

/// What is recorded for an envelope digest.
enum Recorded {
    /// Never seen.
    Nothing,
    /// Claimed at `claimed_at` (Unix ms), no reply yet.
    InFlight { claimed_at: i64 },
    /// Processed: the recorded reply.
    Reply(StoredReply),
}

async fn recorded_reply(state: &AppState, claim: &Claim<'_>) -> ApiResult<Recorded> {
    let Some(row) = envelopes::load(&mut *state.pool.acquire().await?, claim).await? else {
        return Ok(Recorded::Nothing);
    };
    if row.http_status == 0 {
        return Ok(Recorded::InFlight {
            claimed_at: row.claimed_at,
        });
    }
    Ok(Recorded::Reply(StoredReply::from_stored(
        row.http_status,
        row.body,
    )))
}

/// Processes one step submission.
///
/// Exactly-once per envelope: the digest is claimed (`envelope_replies` row with
/// `http_status = 0`) before processing and the reply recorded afterwards (in the same
/// transaction as a verification or completion). A resend of the identical envelope gets the
/// recorded reply; while the claim is younger than the lease it gets 409 155816 with
/// `Retry-After`; an older claim was left by a process that died mid-request and is taken over
/// by the resend (one conditional UPDATE), which processes it again without reserving a second
/// guess for it.
pub async fn submit(
    state: &AppState,
    s: &Session,
    id: &str,
    sub: StepSubmission,
) -> ApiResult<StepReply> {
    let ch = load_owned(state, id, s).await?;
    let digest = crypto::sha256_hex(sub.envelope.as_bytes());
    let claim = Claim {
        challenge_id: id,
        digest: &digest,
    };
    let lease = store::ms(state.config.claim_lease);
    match recorded_reply(state, &claim).await? {
        Recorded::Reply(r) => return Ok(StepReply::Stored(r)),
        Recorded::InFlight { claimed_at } if claimed_at >= now_ms() - lease => {
            return Ok(StepReply::InProgress)
        }
        // Nothing yet, or a stale claim: processed below (a stale claim is taken over).
        Recorded::InFlight { .. } | Recorded::Nothing => {}
    }
    let ch = expire_if_due(state, ch).await?;
    if ch.status.is_terminal() {
        return Err(finished_error(&ch));
    }
    if let Step::Unknown(_) = sub.step {
        return Err(bad_request("Unknown step."));
    }
    let step_allowed = match sub.step {
        Step::CurrentPin => matches!(
            ch.kind,
            ChallengeType::ChangePin
                | ChallengeType::SetSecurityQuestions
                | ChallengeType::SetRecoveryCode
                | ChallengeType::SetCloudBackup
        ),
        Step::Answers => ch.kind == ChallengeType::RestorePin && !recovery::by_proof(&ch),
        Step::RecoveryProof => recovery::by_proof(&ch),
        Step::RegisterCloudBackup => ch.kind == ChallengeType::SetCloudBackup,
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

    // Claim the digest so the same envelope is processed once, even when sent concurrently,
    // and take the challenge's step lock in the same transaction (one commit).
    let now = now_ms();
    let mut tx = state.pool.begin().await?;
    let fresh = envelopes::claim(&mut tx, &claim, now).await?;
    if !fresh {
        tx.rollback().await?;
        // Take over a claim whose lease has run out. One conditional UPDATE: of several
        // resends (in one process or several), exactly one renews the claim.
        let taken =
            envelopes::take_over(&mut *state.pool.acquire().await?, &claim, now, now - lease)
                .await?;
        if !taken {
            return match recorded_reply(state, &claim).await? {
                Recorded::Reply(r) => Ok(StepReply::Stored(r)),
                _ => Ok(StepReply::InProgress),
            };
        }
        tracing::warn!(challenge_id = %id, "took over an envelope claim past its lease");
        tx = state.pool.begin().await?;
    }
    // One step at a time per challenge: take the challenge's step lock before any Argon2
    // work. Another envelope meanwhile gets 409 155816 (Retry-After) and costs nothing; the
    // challenge is read again under the lock, so a step that can no longer succeed (finished
    // challenge, step verified meanwhile) is refused before Argon2.
    let claimed_at = now_ms();
    if !challenges::take_step_lock(&mut tx, id, &digest, claimed_at, claimed_at - lease).await? {
        // A fresh claim goes with the transaction; a taken-over one is released.
        tx.rollback().await?;
        if !fresh {
            envelopes::release(&mut *state.pool.acquire().await?, &claim).await?;
        }
        let cur = load_owned(state, id, s).await?;
        let cur = expire_if_due(state, cur).await?;
        if cur.status.is_terminal() {
            return Err(finished_error(&cur));
        }
        return Ok(StepReply::InProgress);
    }
    tx.commit().await?;
    let ch = load_owned(state, id, s).await?;
    if ch.status == ChallengeStatus::Pending {
        transition(state, &ch.id, ChallengeStatus::InProgress, None, true).await?;
    }
    let result = process_step(state, s, ch, &sub.step, payload, &claim).await;
    let e = match result {
        // Recorded, with the lock released, in the transaction that made the success.
        Ok(reply) => return Ok(StepReply::Stored(reply)),
        Err(e) => e,
    };
    challenges::release_step_lock(&mut *state.pool.acquire().await?, id, &digest).await?;
    if matches!(
        e.code(),
        ErrorCode::InternalError | ErrorCode::ServerBusy | ErrorCode::StepInProgress
    ) {
        // Not an answer to record: release the claim at once (a resend takes it over at
        // once); whether a guess was reserved for this envelope stays recorded. A busy
        // refusal counted nothing.
        envelopes::release(&mut *state.pool.acquire().await?, &claim).await?;
        if e.code() == ErrorCode::StepInProgress {
            return Ok(StepReply::InProgress);
        }
        return Err(e);
    }
    let status = e.status;
    let body = serde_json::to_string(&e.body).map_err(ApiError::internal)?;
    let stored =
        envelopes::record_reply(&mut *state.pool.acquire().await?, &claim, status, &body).await?;
    if !stored {
        // Recorded already: by the verification or completion transaction itself, or by an
        // attempt this one overlapped with. The first recorded reply is the answer.
        if let Recorded::Reply(r) = recorded_reply(state, &claim).await? {
            return Ok(StepReply::Stored(r));
        }
    }
    Ok(StepReply::Stored(StoredReply::from_stored(
        i64::from(status),
        body,
    )))
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
    s: &Session,
    ch: ChallengeRow,
    step: &Step,
    p: StepPayload,
    claim: &Claim<'_>,
) -> ApiResult<StoredReply> {
    if ch.verified.contains(step) {
        return Err(ApiError::new(ErrorCode::StepOutOfOrder));
    }
    match step {
        Step::CurrentPin => {
            let pin = p.pin.ok_or_else(|| bad_request("pin is required."))?;
            check_pin_format(&pin)?;
            let ok = check_guess_deferred(state, &ch, Credential::Pin, secret_bytes(&pin), claim)
                .await?;
            let version = VerifiedVersion::Pin(ok.version);
            mark_verified_with(state, &ch, step, version, claim, Some(ok.reset), None).await
        }
        Step::RecoveryProof => {
            recovery::verify_proof_step(state, &ch, &p, claim).await?;
            // The credential's own version is checked at completion (155867 / 155872).
            mark_verified_with(state, &ch, step, VerifiedVersion::None, claim, None, None).await
        }
        Step::RegisterCloudBackup => {
            // After the PIN only: the pending version is written by someone who knows it.
            if !ch.verified.contains(&Step::CurrentPin) {
                return Err(ApiError::new(ErrorCode::StepOutOfOrder));
            }
            let reg = recovery::check_registration(state, &ch, &p).await?;
            let version = VerifiedVersion::None;
            mark_verified_with(state, &ch, step, version, claim, None, Some(&reg)).await
        }
        Step::Answers => {
            let user = load_row(state, &ch.user_id).await?;
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
            let ok = check_guess_deferred(state, &ch, Credential::Answers, secret, claim).await?;
            let version = VerifiedVersion::Answers(ok.version);
            mark_verified_with(state, &ch, step, version, claim, Some(ok.reset), None).await
        }
        Step::Complete => complete(state, s, ch, p, claim).await,
        _ => Err(bad_request("Unknown step.")),
    }
}

/// Records the verified step and, in the same transaction, the envelope's reply, the reset of
/// the guess counts a right guess owes (`reset`), the release of the challenge's step lock and,
/// for a cloud backup, the PENDING registration: a crash leaves all or none of them, and a
/// verified step costs one commit.
async fn mark_verified_with(
    state: &AppState,
    ch: &ChallengeRow,
    step: &Step,
    version: VerifiedVersion,
    claim: &Claim<'_>,
    reset: Option<ResetGuesses>,
    registration: Option<&recovery::PendingRegistration>,
) -> ApiResult<StoredReply> {
    let mut verified = ch.verified.clone();
    verified.push(step.clone());
    let result = step_result(ch, step, ChallengeStatus::InProgress, verified.clone());
    let body = serde_json::to_string(&latchkey_protocol::DataEnvelope { data: &result })
        .map_err(ApiError::internal)?;
    let mut tx = state.pool.begin().await?;
    let n = challenges::set_verified(&mut tx, &ch.id, &ch.verified, &verified, version, now_ms())
        .await?;
    let refused = if n == 0 {
        let cur = challenges::load_challenge(&mut tx, &ch.id).await?;
        Some(match cur {
            Some(c) if c.status.is_terminal() => finished_error(&c),
            _ => ApiError::new(ErrorCode::StepOutOfOrder),
        })
    } else if *step == Step::RecoveryProof {
        // The nonce is used up in the verifying transaction.
        recovery::use_nonce(&mut tx, ch).await.err()
    } else if let Some(reg) = registration {
        // Another set-up registered this version first: this one cannot finish.
        (!recovery::register(&mut tx, ch, reg, now_ms()).await?)
            .then(|| ApiError::new(ErrorCode::CloudBackupChanged))
    } else {
        None
    };
    if let Some(e) = refused {
        tx.rollback().await?;
        // The guess was right all the same: its counts are reset on their own.
        if let Some(reset) = reset {
            reset.apply(&mut *state.pool.acquire().await?).await?;
        }
        if e.code() == ErrorCode::CloudBackupChanged {
            let code = ErrorCode::CloudBackupChanged;
            transition(state, &ch.id, ChallengeStatus::Failed, Some(code), false).await?;
        }
        return Err(e);
    }
    if let Some(reset) = reset {
        reset.apply(&mut tx).await?;
    }
    challenges::release_step_lock(&mut tx, &ch.id, claim.digest).await?;
    let reply = record_success(&mut tx, claim, body).await?;
    tx.commit().await?;
    Ok(reply)
}

/// Records a success reply in the transaction that made the success and returns the
/// envelope's answer: this reply, or the one an overlapping attempt on the same envelope
/// recorded first (the first recorded reply is the answer to every resend).
async fn record_success(
    tx: &mut sqlx::AnyConnection,
    claim: &Claim<'_>,
    body: String,
) -> ApiResult<StoredReply> {
    if !envelopes::record_reply(tx, claim, 200, &body).await? {
        if let Some(row) = envelopes::load(tx, claim).await? {
            if row.http_status != 0 {
                return Ok(StoredReply::from_stored(row.http_status, row.body));
            }
        }
    }
    Ok(StoredReply::from_stored(200, body))
}

/// A current PIN that breaks the format rules (length, digits) cannot be anyone's PIN: 400
/// 155704 without counting a guess (the rules are re-checked like every other input).
fn check_pin_format(pin: &Secret) -> ApiResult<()> {
    match PinPolicy::default().check(pin.expose()) {
        Err(r @ (PinRejection::NotDigits | PinRejection::WrongLength { .. })) => {
            Err(ApiError::new(r.code()).with_message(r.to_string()))
        }
        _ => Ok(()),
    }
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
    let mut normalised = Vec::with_capacity(answers.len());
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
        normalised.push((a.question_id.as_str(), n));
        stored.push(StoredQuestion {
            id: a.question_id.clone(),
            hint,
        });
    }
    // Sized once: a buffer that grows leaves copies of the answers in the freed blocks.
    let len = normalised
        .iter()
        .map(|(id, n)| 8 + id.len() + n.expose().len())
        .sum();
    let mut buf = Zeroizing::new(Vec::with_capacity(len));
    for (id, n) in &normalised {
        for part in [id.as_bytes(), n.expose().as_bytes()] {
            buf.extend_from_slice(&(part.len() as u32).to_be_bytes());
            buf.extend_from_slice(part);
        }
    }
    Ok((stored, buf))
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

async fn complete(
    state: &AppState,
    s: &Session,
    ch: ChallengeRow,
    p: StepPayload,
    claim: &Claim<'_>,
) -> ApiResult<StoredReply> {
    for req in Step::required_for(&ch.kind, ch.recovery_method.as_deref()) {
        if !ch.verified.contains(req) {
            // 155805 carries the table's fixed text (docs/protocol.md section 6).
            tracing::debug!(challenge_id = %ch.id, step = %req, "COMPLETE before a required step");
            return Err(ApiError::new(ErrorCode::StepOutOfOrder));
        }
    }
    let h = &state.hasher;
    // What the completion relies on: the credential versions its verified steps checked.
    let expect = Expect {
        pin: ch.pin_version,
        answers: ch.answers_version,
    };
    let mut signed = None;
    let recovery_write = match ch.kind {
        ChallengeType::SetRecoveryCode => Some(recovery::setup_write(state, &ch, &p).await?),
        ChallengeType::SetCloudBackup => Some(recovery::ack_write(state, &ch, &p).await?),
        // INITIALIZE created with `recoveryCode: true`: the code is stored with the PIN.
        ChallengeType::Initialize => recovery::initialize_write(state, &ch, &p).await?,
        ChallengeType::RestorePin if recovery::by_proof(&ch) => {
            Some(recovery::restore_write(state, &ch).await?)
        }
        _ => None,
    };
    let (update, precondition_code) = match ch.kind {
        ChallengeType::Initialize => {
            let pin = check_new_pin(&p)?;
            let (questions, answers) = check_setup_answers(&p)?;
            check_ack(&p)?;
            let permit = admit_step(state, &ch, claim).await?;
            let pin = h
                .hash_with(&permit, DOMAIN_PIN, pin)
                .await
                .map_err(ApiError::kdf)?;
            let answers = h
                .hash_with(&permit, DOMAIN_ANSWERS, answers)
                .await
                .map_err(ApiError::kdf)?;
            (
                CredentialUpdate::Initial {
                    pin,
                    questions,
                    answers,
                },
                ErrorCode::UserAlreadyInitialized,
            )
        }
        ChallengeType::SetPin => {
            let pin = check_new_pin(&p)?;
            let permit = admit_step(state, &ch, claim).await?;
            let pin = h
                .hash_with(&permit, DOMAIN_PIN, pin)
                .await
                .map_err(ApiError::kdf)?;
            (CredentialUpdate::SetPin { pin }, ErrorCode::PinAlreadySet)
        }
        ChallengeType::ChangePin | ChallengeType::RestorePin => {
            let pin = check_new_pin(&p)?;
            let permit = admit_step(state, &ch, claim).await?;
            let pin = h
                .hash_with(&permit, DOMAIN_PIN, pin)
                .await
                .map_err(ApiError::kdf)?;
            (CredentialUpdate::ReplacePin { pin }, ErrorCode::PinNotSet)
        }
        ChallengeType::SetSecurityQuestions => {
            let (questions, answers) = check_setup_answers(&p)?;
            check_ack(&p)?;
            let permit = admit_step(state, &ch, claim).await?;
            let answers = h
                .hash_with(&permit, DOMAIN_ANSWERS, answers)
                .await
                .map_err(ApiError::kdf)?;
            (
                CredentialUpdate::SetQuestions { questions, answers },
                ErrorCode::SecurityQuestionsAlreadySet,
            )
        }
        ref k if signing::is_signing(k) => {
            if ch.sign_request.is_none() {
                return Err(bad_request(
                    "This signing challenge was created before wallets existed; create a new one.",
                ));
            }
            let pin = p
                .pin
                .as_ref()
                .ok_or_else(|| bad_request("pin is required."))?;
            // What you see is what you sign: checked before the PIN, so a mismatch signs
            // nothing and counts no guess.
            signing::check_review_digest(&ch, p.review_digest.as_deref())?;
            check_pin_format(pin)?;
            check_guess(state, &ch, Credential::Pin, secret_bytes(pin), claim).await?;
            // Only now, with the PIN verified, is the key opened and the request signed. The
            // signature is returned only if the completion below commits.
            signed = Some(signing::sign(state, &ch).await?);
            (CredentialUpdate::Nothing, ErrorCode::PinNotSet)
        }
        ChallengeType::SetRecoveryCode | ChallengeType::SetCloudBackup => {
            (CredentialUpdate::Nothing, ErrorCode::PinNotSet)
        }
        ChallengeType::CreateWallet => {
            let pin = p
                .pin
                .as_ref()
                .ok_or_else(|| bad_request("pin is required."))?;
            check_pin_format(pin)?;
            check_guess(state, &ch, Credential::Pin, secret_bytes(pin), claim).await?;
            (CredentialUpdate::Nothing, ErrorCode::PinNotSet)
        }
        _ => return Err(ApiError::internal("unknown challenge type stored")),
    };

    let now = now_ms();
    let mut verified = ch.verified.clone();
    verified.push(Step::Complete);
    let mut tx = state.pool.begin().await?;
    // Wallets (CREATE_WALLET, INITIALIZE with blockchains) are created in the completing
    // transaction: a completion that does not commit creates none.
    let mut produced = signed;
    if let Some(text) = &ch.blockchains {
        let blockchains = wallets::blockchains_from_text(text);
        let account =
            latchkey_protocol::AccountType::parse(ch.account_type.as_deref().unwrap_or("EOA"));
        let ids = wallets::ensure_wallets(state, &mut tx, &ch.user_id, &blockchains, &account, now)
            .await?;
        super::w3s::apply_wallet_metadata(&mut tx, &ch.id, &blockchains, &ids, now).await?;
        produced = Some(latchkey_protocol::ChallengeResult {
            wallet_ids: ids,
            ..Default::default()
        });
    }
    let mut result = step_result(
        &ch,
        &Step::Complete,
        ChallengeStatus::Complete,
        verified.clone(),
    );
    result.result = produced.clone();
    let body = serde_json::to_string(&latchkey_protocol::DataEnvelope { data: &result })
        .map_err(ApiError::internal)?;
    let produced_json = produced
        .as_ref()
        .map(serde_json::to_string)
        .transpose()
        .map_err(ApiError::internal)?;
    let n =
        challenges::set_complete(&mut tx, &ch.id, &verified, produced_json.as_deref(), now).await?;
    if n == 0 {
        tx.rollback().await?;
        let cur = challenges::load_challenge(&mut *state.pool.acquire().await?, &ch.id)
            .await?
            .ok_or_else(|| ApiError::internal("challenge vanished"))?;
        let cur = expire_if_due(state, cur).await?;
        return Err(finished_error(&cur));
    }
    let changes_credential = !matches!(update, CredentialUpdate::Nothing);
    let m = users::apply_update(&mut tx, &ch.user_id, update, expect).await?;
    if m == 0 {
        tx.rollback().await?;
        // Which condition failed: a credential this challenge verified has changed since
        // (155831), or the type's precondition (e.g. PIN already set).
        let user = load_row(state, &ch.user_id).await?;
        let code = if expect.pin.is_some_and(|v| v != user.pin_version)
            || expect.answers.is_some_and(|v| v != user.answers_version)
        {
            ErrorCode::CredentialChanged
        } else {
            precondition_code
        };
        transition(state, &ch.id, ChallengeStatus::Failed, Some(code), false).await?;
        return Err(ApiError::new(code));
    }
    if let Some(w) = &recovery_write {
        if !recovery::apply(&mut tx, &ch, w, now).await? {
            tx.rollback().await?;
            let code = match ch.kind {
                ChallengeType::SetCloudBackup => ErrorCode::CloudBackupChanged,
                _ if recovery::by_backup(&ch) => ErrorCode::CloudBackupChanged,
                _ => ErrorCode::RecoveryCodeChanged,
            };
            transition(state, &ch.id, ChallengeStatus::Failed, Some(code), false).await?;
            return Err(ApiError::new(code));
        }
    }
    // A recovery by code always logs the user out everywhere else (the code may have been
    // used because a device was lost).
    if ch.kind == ChallengeType::RestorePin
        && (state.config.revoke_sessions_on_recovery || recovery::by_code(&ch))
    {
        // A recovery logs the user out everywhere else, in the completing transaction.
        let n = sessions::revoke_user(&mut tx, &ch.user_id, Some(&s.token_hash), now).await?;
        tracing::info!(challenge_id = %ch.id, revoked = n, "recovery revoked earlier tokens");
    }
    if let Some(done) = challenges::load_challenge(&mut tx, &ch.id).await? {
        outbox::enqueue(&mut tx, &done, now).await?;
    }
    // The reply commits with the completion (and the step lock's release): a crash leaves
    // both or neither.
    challenges::release_step_lock(&mut tx, &ch.id, claim.digest).await?;
    let reply = record_success(&mut tx, claim, body).await?;
    tx.commit().await?;
    state.outbox_wake.notify_one();
    tracing::info!(challenge_id = %ch.id, kind = %ch.kind, "challenge complete");
    if changes_credential {
        fail_stale_challenges(state, &ch).await?;
    }
    Ok(reply)
}

/// After a credential change: fails the user's other active challenges whose verified steps
/// checked an older version of the PIN or the answers (155831, with the webhook). Completing
/// them would fail anyway (the update requires the versions); this tells the app at once.
async fn fail_stale_challenges(state: &AppState, done: &ChallengeRow) -> ApiResult<()> {
    let user = load_row(state, &done.user_id).await?;
    let open =
        challenges::list_challenges(&mut *state.pool.acquire().await?, &done.user_id, None).await?;
    for ch in open.into_iter().filter(|c| {
        c.id != done.id
            && !c.status.is_terminal()
            && (c.pin_version.is_some_and(|v| v != user.pin_version)
                || c.answers_version.is_some_and(|v| v != user.answers_version))
    }) {
        transition(
            state,
            &ch.id,
            ChallengeStatus::Failed,
            Some(ErrorCode::CredentialChanged),
            false,
        )
        .await?;
        tracing::info!(challenge_id = %ch.id, "challenge failed: credential changed");
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use latchkey_protocol::Secret;

    /// The answer set's secret buffer is allocated once at its final size (issue 12: a buffer
    /// grown by reallocation leaves plaintext answers behind in the freed blocks).
    #[test]
    fn answer_buffer_is_sized_once() {
        let entry = |q: &str, a: &str| AnswerEntry {
            question_id: q.into(),
            answer: Secret::from_str_copy(a),
            hint: None,
        };
        for answers in [
            vec![entry("q01", "rex"), entry("q10", "2004-07-14")],
            vec![
                entry("q01", "a much longer answer about a dog"),
                entry("q02", "Lisbon by the river"),
                entry("q10", "1999-01-31"),
            ],
        ] {
            let (_, buf) = normalise_answers(&answers, false).unwrap();
            assert!(buf.len() > 16);
            assert_eq!(buf.capacity(), buf.len(), "the buffer grew");
        }
    }
}
