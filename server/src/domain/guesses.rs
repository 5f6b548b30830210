//! Guess checking under the guess budget (PIN and security-question answers). The budget holds
//! under concurrency and across processes: each guess is reserved by one conditional UPDATE
//! before Argon2 runs. Locks grow with each lock in a row (`lock_duration`, then
//! `lock_schedule`), and a lifetime cap of consecutive wrong guesses (`max_failed_total`)
//! disables the credential: the PIN then needs RESTORE_PIN, the answers new ones set with the
//! PIN (SET_SECURITY_QUESTIONS) or the operator's reset. A correct guess clears counts, lock
//! level and cap.
//!
//! Admission comes before the reservation: a request that cannot get an Argon2 permit (queue
//! full, wait too long, too many for this user) answers 503 155830 and counts nothing; after
//! the permit the challenge is checked again, so a step that can no longer succeed runs no
//! Argon2.

use super::challenges::transition_with_reply;
use super::users::{attempts_left, load_row};
use crate::crypto::{KdfPermit, DOMAIN_ANSWERS, DOMAIN_PIN};
use crate::error::{ApiError, ApiResult};
use crate::state::AppState;
use crate::store::challenges::{self as challenge_store, ChallengeRow};
use crate::store::envelopes::{self, Claim};
use crate::store::users::{self, Budget, Counter, UserRow};
use crate::store::{self, now_ms, rfc3339};
use latchkey_protocol::{ChallengeStatus, ErrorCode};
use zeroize::Zeroizing;

/// A guess-limited credential.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Credential {
    /// The PIN.
    Pin,
    /// The security-question answers (as one set).
    Answers,
}

impl Credential {
    fn counter(self) -> Counter {
        match self {
            Credential::Pin => Counter::Pin,
            Credential::Answers => Counter::Answers,
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
    fn disabled(self) -> ErrorCode {
        match self {
            Credential::Pin => ErrorCode::PinRecoveryRequired,
            Credential::Answers => ErrorCode::AnswersDisabled,
        }
    }
    fn unset(self) -> ErrorCode {
        match self {
            Credential::Pin => ErrorCode::PinNotSet,
            Credential::Answers => ErrorCode::SecurityQuestionsNotSet,
        }
    }
    /// (verifier, failed count, lock end, disabled) of this credential in a user row.
    fn of(self, u: &UserRow) -> (&Option<String>, i64, Option<i64>, bool) {
        match self {
            Credential::Pin => (
                &u.pin_verifier,
                u.pin_failed,
                u.pin_locked_until,
                u.pin_disabled,
            ),
            Credential::Answers => (
                &u.answers_verifier,
                u.q_failed,
                u.q_locked_until,
                u.q_disabled,
            ),
        }
    }
}

/// The configured guess budget.
pub fn budget(state: &AppState) -> Budget {
    let c = &state.config;
    let n = c.lock_schedule.len() + 1;
    Budget {
        max: i64::from(c.max_attempts),
        locks_ms: (1..=n as i64).map(|l| store::ms(c.lock_for(l))).collect(),
        max_total: i64::from(c.max_failed_total),
    }
}

/// Fails the challenge with `code` and returns the matching error (423 with the lock end, or
/// 423 "recovery required"), recorded as the envelope's reply in the failing transaction.
async fn refuse(
    state: &AppState,
    ch: &ChallengeRow,
    cred: Credential,
    claim: &Claim<'_>,
    disabled: bool,
    locked_until: Option<i64>,
) -> ApiResult<RightGuess> {
    let code = if disabled {
        cred.disabled()
    } else {
        cred.locked()
    };
    let mut e = ApiError::new(code);
    if let (false, Some(until)) = (disabled, locked_until) {
        e = e.with_lock_expiry(rfc3339(until));
    }
    let body = serde_json::to_string(&e.body).map_err(ApiError::internal)?;
    let reply = (claim, e.status, body.as_str());
    transition_with_reply(
        state,
        &ch.id,
        ChallengeStatus::Failed,
        Some(code),
        false,
        Some(reply),
    )
    .await?;
    Err(e)
}

/// Takes an Argon2 admission for this user's step, then checks that the step can still
/// succeed (challenge active, its step lock free or held by this envelope). 503 155830 when
/// refused; 155804/155121 when the challenge finished meanwhile; 409 155816 when another
/// envelope holds the lock.
pub(crate) async fn admit_step(
    state: &AppState,
    ch: &ChallengeRow,
    claim: &Claim<'_>,
) -> ApiResult<KdfPermit> {
    let permit = state
        .hasher
        .admit(Some(&ch.user_id))
        .await
        .map_err(ApiError::kdf)?;
    let mut conn = state.pool.acquire().await?;
    if !challenge_store::step_lock_held(&mut conn, &ch.id, claim.digest).await? {
        let cur = challenge_store::load_challenge(&mut conn, &ch.id)
            .await?
            .ok_or_else(|| ApiError::internal("challenge vanished"))?;
        drop(conn);
        let cur = super::challenges::expire_if_due(state, cur).await?;
        if cur.status.is_terminal() {
            return Err(super::challenges::finished_error(&cur));
        }
        return Err(ApiError::new(ErrorCode::StepInProgress).with_retry_after(1));
    }
    Ok(permit)
}

/// Verifies a guess under the guess budget; on success returns the version of the verifier it
/// was checked against (recorded with the verified step and required at completion).
///
/// Order: a cheap read refuses a locked or disabled credential (no Argon2); then an Argon2
/// admission ([`admit_step`]); then the guess is reserved with one conditional UPDATE (the
/// count goes up by one, locking or disabling at the limits, only while not locked or
/// disabled); then Argon2 runs;
/// a success resets the counts. N concurrent wrong guesses therefore count exactly
/// `max_attempts`; the rest are refused as locked.
///
/// One guess per envelope: the reservation commits together with the claim's
/// `guess_reserved` mark. When the mark is already set (an earlier attempt on this very
/// envelope reserved the guess and died before answering), the guess stays counted and is only
/// verified again, without a second reservation.
pub async fn check_guess(
    state: &AppState,
    ch: &ChallengeRow,
    cred: Credential,
    secret: Zeroizing<Vec<u8>>,
    claim: &Claim<'_>,
) -> ApiResult<i64> {
    let ok = check_guess_deferred(state, ch, cred, secret, claim).await?;
    let version = ok.version;
    ok.reset.apply(&mut *state.pool.acquire().await?).await?;
    Ok(version)
}

/// A right guess whose counts are still to be reset: [`ResetGuesses::apply`] in the
/// transaction that records what the guess unlocked (one commit instead of two), or on its own
/// when that transaction does not happen.
#[must_use = "a right guess must reset the counts it reserved"]
pub struct RightGuess {
    /// Version of the verifier the guess was checked against.
    pub version: i64,
    /// The reset of the credential's counts.
    pub reset: ResetGuesses,
}

/// The reset a right guess owes ([`users::reset_guesses`]).
#[must_use = "a right guess must reset the counts it reserved"]
pub struct ResetGuesses {
    user_id: String,
    counter: Counter,
    version: i64,
}

impl ResetGuesses {
    /// Resets the counts (conditional on the verifier version, so it is safe to repeat).
    pub async fn apply(self, conn: &mut sqlx::AnyConnection) -> Result<(), sqlx::Error> {
        users::reset_guesses(conn, &self.user_id, self.counter, self.version).await
    }
}

/// [`check_guess`] without the reset: a right guess returns the reset to apply (see
/// [`RightGuess`]).
pub async fn check_guess_deferred(
    state: &AppState,
    ch: &ChallengeRow,
    cred: Credential,
    secret: Zeroizing<Vec<u8>>,
    claim: &Claim<'_>,
) -> ApiResult<RightGuess> {
    let now = now_ms();
    let user = load_row(state, &ch.user_id).await?;
    let (verifier, _, locked_until, disabled) = cred.of(&user);
    if verifier.is_none() {
        return Err(ApiError::new(cred.unset()));
    }
    // Locked or disabled: refused before any Argon2 work, unless an earlier attempt on this
    // very envelope reserved its guess (then it is only verified again, below).
    if (disabled || locked_until.is_some_and(|u| u > now))
        && !envelopes::guess_reserved(&mut *state.pool.acquire().await?, claim).await?
    {
        return refuse(state, ch, cred, claim, disabled, locked_until).await;
    }
    let permit = admit_step(state, ch, claim).await?;
    let now = now_ms();
    let b = budget(state);
    let mut tx = state.pool.begin().await?;
    if !envelopes::mark_guess_reserved(&mut tx, claim).await? {
        tx.rollback().await?;
        return recheck_reserved_guess(state, ch, cred, secret, claim, &permit).await;
    }
    let reserved = users::reserve_guess(&mut tx, &ch.user_id, cred.counter(), &b, now).await?;
    let Some(reserved) = reserved else {
        tx.rollback().await?;
        let user = load_row(state, &ch.user_id).await?;
        let (verifier, _, locked_until, disabled) = cred.of(&user);
        if verifier.is_none() {
            return Err(ApiError::new(cred.unset()));
        }
        return refuse(state, ch, cred, claim, disabled, locked_until).await;
    };
    tx.commit().await?;
    let ok = state
        .hasher
        .verify_with(&permit, cred.domain(), secret, reserved.verifier)
        .await
        .map_err(ApiError::kdf)?;
    drop(permit);
    if ok {
        return Ok(right_guess(ch, cred, reserved.version));
    }
    tracing::info!(challenge_id = %ch.id, credential = cred.counter().prefix(),
        failed = reserved.failed, failed_total = reserved.failed_total, "wrong guess");
    if reserved.disabled || reserved.failed >= b.max {
        return refuse(
            state,
            ch,
            cred,
            claim,
            reserved.disabled,
            reserved.locked_until,
        )
        .await;
    }
    Err(ApiError::new(cred.wrong())
        .with_attempts_left(u32::try_from(b.max - reserved.failed).unwrap_or(0)))
}

fn right_guess(ch: &ChallengeRow, cred: Credential, version: i64) -> RightGuess {
    RightGuess {
        version,
        reset: ResetGuesses {
            user_id: ch.user_id.clone(),
            counter: cred.counter(),
            version,
        },
    }
}

/// Verifies a guess whose reservation an earlier attempt on the same envelope already made
/// (and counted): no new reservation. A success resets the count as the earlier attempt would
/// have; a failure is reported from the current count and lock.
async fn recheck_reserved_guess(
    state: &AppState,
    ch: &ChallengeRow,
    cred: Credential,
    secret: Zeroizing<Vec<u8>>,
    claim: &Claim<'_>,
    permit: &KdfPermit,
) -> ApiResult<RightGuess> {
    let user = load_row(state, &ch.user_id).await?;
    let (verifier, failed, locked_until, disabled) = cred.of(&user);
    let Some(verifier) = verifier.clone() else {
        return Err(ApiError::new(cred.unset()));
    };
    let version = match cred {
        Credential::Pin => user.pin_version,
        Credential::Answers => user.answers_version,
    };
    let ok = state
        .hasher
        .verify_with(permit, cred.domain(), secret, verifier)
        .await
        .map_err(ApiError::kdf)?;
    if ok {
        return Ok(right_guess(ch, cred, version));
    }
    tracing::info!(challenge_id = %ch.id, credential = cred.counter().prefix(), failed, "wrong guess (reserved before)");
    let left = attempts_left(state.config.max_attempts, failed, locked_until, now_ms());
    if left == 0 || disabled {
        return refuse(state, ch, cred, claim, disabled, locked_until).await;
    }
    Err(ApiError::new(cred.wrong()).with_attempts_left(left))
}
