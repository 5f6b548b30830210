//! Guess checking under the guess limit (PIN and security-question answers). The limit holds
//! under concurrency and across processes: each guess is reserved by one conditional UPDATE
//! before Argon2 runs.

use super::challenges::transition;
use super::users::{attempts_left, load_row};
use crate::crypto::{DOMAIN_ANSWERS, DOMAIN_PIN};
use crate::error::{ApiError, ApiResult};
use crate::state::AppState;
use crate::store::challenges::ChallengeRow;
use crate::store::envelopes::{self, Claim};
use crate::store::users::{self, Counter, UserRow};
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
    fn unset(self) -> ErrorCode {
        match self {
            Credential::Pin => ErrorCode::PinNotSet,
            Credential::Answers => ErrorCode::SecurityQuestionsNotSet,
        }
    }
    /// (verifier, failed count, lock end) of this credential in a user row.
    fn of(self, u: &UserRow) -> (&Option<String>, i64, Option<i64>) {
        match self {
            Credential::Pin => (&u.pin_verifier, u.pin_failed, u.pin_locked_until),
            Credential::Answers => (&u.answers_verifier, u.q_failed, u.q_locked_until),
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
pub async fn check_guess(
    state: &AppState,
    ch: &ChallengeRow,
    cred: Credential,
    secret: Zeroizing<Vec<u8>>,
    claim: &Claim<'_>,
) -> ApiResult<()> {
    let max = i64::from(state.config.max_attempts);
    let now = now_ms();
    let until = now + store::ms(state.config.lock_duration);
    let mut tx = state.pool.begin().await?;
    if !envelopes::mark_guess_reserved(&mut tx, claim).await? {
        tx.rollback().await?;
        return recheck_reserved_guess(state, ch, cred, secret).await;
    }
    let reserved =
        users::reserve_guess(&mut tx, &ch.user_id, cred.counter(), max, now, until).await?;
    let Some(reserved) = reserved else {
        tx.rollback().await?;
        let user = load_row(state, &ch.user_id).await?;
        let (verifier, _, locked_until) = cred.of(&user);
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
    tx.commit().await?;
    let failed = reserved.failed;
    let ok = state
        .hasher
        .verify(cred.domain(), secret, reserved.verifier)
        .await
        .map_err(ApiError::internal)?;
    if ok {
        users::reset_guesses(
            &mut *state.pool.acquire().await?,
            &ch.user_id,
            cred.counter(),
        )
        .await?;
        return Ok(());
    }
    tracing::info!(challenge_id = %ch.id, credential = cred.counter().prefix(), failed, "wrong guess");
    if failed >= max {
        transition(
            state,
            &ch.id,
            ChallengeStatus::Failed,
            Some(cred.locked()),
            false,
        )
        .await?;
        return Err(ApiError::new(cred.locked())
            .with_lock_expiry(rfc3339(reserved.locked_until.unwrap_or(until))));
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
    let user = load_row(state, &ch.user_id).await?;
    let (verifier, failed, locked_until) = cred.of(&user);
    let Some(verifier) = verifier.clone() else {
        return Err(ApiError::new(cred.unset()));
    };
    let ok = state
        .hasher
        .verify(cred.domain(), secret, verifier)
        .await
        .map_err(ApiError::internal)?;
    if ok {
        users::reset_guesses(
            &mut *state.pool.acquire().await?,
            &ch.user_id,
            cred.counter(),
        )
        .await?;
        return Ok(());
    }
    tracing::info!(challenge_id = %ch.id, credential = cred.counter().prefix(), failed, "wrong guess (reserved before)");
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
        let until =
            locked_until.unwrap_or_else(|| now_ms() + store::ms(state.config.lock_duration));
        return Err(ApiError::new(cred.locked()).with_lock_expiry(rfc3339(until)));
    }
    Err(ApiError::new(cred.wrong()).with_attempts_left(left))
}
