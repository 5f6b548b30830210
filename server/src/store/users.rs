//! The `users` table: rows, creation, guess counters and the conditional credential updates.

use sqlx::{AnyConnection, Row};

/// One of the user's security questions as stored (id and optional hint; never the answer).
#[derive(Debug, Clone, serde::Serialize, serde::Deserialize)]
pub struct StoredQuestion {
    /// Catalogue id.
    pub id: String,
    /// Optional hint.
    #[serde(default)]
    pub hint: Option<String>,
}

/// A user as stored.
#[derive(Clone)]
pub struct UserRow {
    /// Id.
    pub id: String,
    /// Creation (ms).
    pub created_at: i64,
    /// PIN verifier (Argon2id PHC string).
    pub pin_verifier: Option<String>,
    /// Consecutive wrong PINs.
    pub pin_failed: i64,
    /// When the PIN was locked.
    pub pin_locked_at: Option<i64>,
    /// When the PIN lock ends.
    pub pin_locked_until: Option<i64>,
    /// The user's questions.
    pub questions: Option<Vec<StoredQuestion>>,
    /// Answer-set verifier.
    pub answers_verifier: Option<String>,
    /// Consecutive wrong answer sets.
    pub q_failed: i64,
    /// When answering was locked.
    pub q_locked_at: Option<i64>,
    /// When the answer lock ends.
    pub q_locked_until: Option<i64>,
    /// ACTIVE recovery codes (0 or 1).
    pub recovery_codes: i64,
    /// ACTIVE (acknowledged) cloud backups (0 or 1).
    pub cloud_backups: i64,
    /// PIN verifier version (bumped on every PIN change).
    pub pin_version: i64,
    /// Answers verifier version (bumped on every change of the answers).
    pub answers_version: i64,
    /// PIN locks in a row since the last correct PIN.
    pub pin_lock_level: i64,
    /// Consecutive wrong PINs across locks since the last correct PIN.
    pub pin_failed_total: i64,
    /// The PIN is disabled (lifetime cap reached): only RESTORE_PIN sets a new one.
    pub pin_disabled: bool,
    /// Answer locks in a row.
    pub q_lock_level: i64,
    /// Consecutive wrong answer sets across locks.
    pub q_failed_total: i64,
    /// Answering is disabled (lifetime cap reached): new answers set with the PIN
    /// (SET_SECURITY_QUESTIONS) or the operator's reset enable it again.
    pub q_disabled: bool,
}

impl std::fmt::Debug for UserRow {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("UserRow")
            .field("id", &self.id)
            .finish_non_exhaustive()
    }
}

/// The columns [`user_from_row`] reads (from `users`, not aliased: the recovery-code count is a
/// subquery on `users.id`).
pub const USER_COLS: &str = "id, created_at, pin_verifier, pin_failed, pin_locked_at, \
     pin_locked_until, questions, answers_verifier, q_failed, q_locked_at, q_locked_until, \
     pin_version, answers_version, pin_lock_level, pin_failed_total, pin_disabled, q_lock_level, \
     q_failed_total, q_disabled, \
     (SELECT COUNT(*) FROM recovery_credentials r WHERE r.user_id = users.id \
      AND r.method = 'RECOVERY_CODE' AND r.status = 'ACTIVE') AS recovery_codes, \
     (SELECT COUNT(*) FROM recovery_credentials r WHERE r.user_id = users.id \
      AND r.method = 'CLOUD_BACKUP' AND r.status = 'ACTIVE') AS cloud_backups";

/// A [`UserRow`] from a row selected with [`USER_COLS`].
pub fn user_from_row(r: &sqlx::any::AnyRow) -> Result<UserRow, sqlx::Error> {
    let questions: Option<String> = r.try_get("questions")?;
    Ok(UserRow {
        id: r.try_get("id")?,
        created_at: r.try_get("created_at")?,
        pin_verifier: r.try_get("pin_verifier")?,
        pin_failed: r.try_get("pin_failed")?,
        pin_locked_at: r.try_get("pin_locked_at")?,
        pin_locked_until: r.try_get("pin_locked_until")?,
        questions: questions.and_then(|q| serde_json::from_str::<Vec<StoredQuestion>>(&q).ok()),
        answers_verifier: r.try_get("answers_verifier")?,
        q_failed: r.try_get("q_failed")?,
        q_locked_at: r.try_get("q_locked_at")?,
        q_locked_until: r.try_get("q_locked_until")?,
        recovery_codes: r.try_get("recovery_codes")?,
        cloud_backups: r.try_get("cloud_backups")?,
        pin_version: r.try_get("pin_version")?,
        answers_version: r.try_get("answers_version")?,
        pin_lock_level: r.try_get("pin_lock_level")?,
        pin_failed_total: r.try_get("pin_failed_total")?,
        pin_disabled: r.try_get::<i64, _>("pin_disabled")? != 0,
        q_lock_level: r.try_get("q_lock_level")?,
        q_failed_total: r.try_get("q_failed_total")?,
        q_disabled: r.try_get::<i64, _>("q_disabled")? != 0,
    })
}

/// Loads a user.
pub async fn load_user(conn: &mut AnyConnection, id: &str) -> Result<Option<UserRow>, sqlx::Error> {
    let row = sqlx::query(&format!("SELECT {USER_COLS} FROM users WHERE id = $1"))
        .bind(id)
        .fetch_optional(&mut *conn)
        .await?;
    row.as_ref().map(user_from_row).transpose()
}

/// Inserts a user; returns false when the id exists already.
pub async fn insert(conn: &mut AnyConnection, id: &str, now: i64) -> Result<bool, sqlx::Error> {
    let n = sqlx::query(
        "INSERT INTO users (id, created_at) VALUES ($1, $2) ON CONFLICT (id) DO NOTHING",
    )
    .bind(id)
    .bind(now)
    .execute(&mut *conn)
    .await?
    .rows_affected();
    Ok(n == 1)
}

/// Which guess-limited credential a counter belongs to.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Counter {
    /// The PIN (`pin_*` columns).
    Pin,
    /// The security-question answers (`q_*` columns).
    Answers,
}

impl Counter {
    /// Column prefix.
    pub fn prefix(self) -> &'static str {
        match self {
            Counter::Pin => "pin",
            Counter::Answers => "q",
        }
    }
    fn version_col(self) -> &'static str {
        match self {
            Counter::Pin => "pin_version",
            Counter::Answers => "answers_version",
        }
    }
    fn verifier_col(self) -> &'static str {
        match self {
            Counter::Pin => "pin_verifier",
            Counter::Answers => "answers_verifier",
        }
    }
}

/// A guess reserved by [`reserve_guess`]: the counts after it, the lock end if it locked, and
/// the verifier (and its version) to check the guess against.
pub struct Reserved {
    /// Consecutive wrong guesses in this lock round, counting this one.
    pub failed: i64,
    /// Consecutive wrong guesses across locks, counting this one.
    pub failed_total: i64,
    /// Lock end (ms) if this reservation locked the credential.
    pub locked_until: Option<i64>,
    /// Whether this reservation disabled the credential (lifetime cap).
    pub disabled: bool,
    /// The verifier (Argon2id PHC string).
    pub verifier: String,
    /// The verifier's version.
    pub version: i64,
}

/// The guess budget: guesses per lock round, lock durations by lock level, lifetime cap.
pub struct Budget {
    /// Wrong guesses before a lock.
    pub max: i64,
    /// Lock durations (ms) of the 1st, 2nd, ... lock in a row (the last repeats; not empty).
    pub locks_ms: Vec<i64>,
    /// Consecutive wrong guesses in total before the credential is disabled (0: no cap).
    pub max_total: i64,
}

/// Reserves one guess with a single conditional UPDATE, only while the credential is set, not
/// disabled and not locked: count + 1 (from zero when an old lock ran out) and total + 1; at
/// `max` in this round it locks for the duration of the next lock level; at `max_total` it
/// disables the credential instead. `None` when it is unset, locked or disabled.
pub async fn reserve_guess(
    conn: &mut AnyConnection,
    user_id: &str,
    c: Counter,
    budget: &Budget,
    now: i64,
) -> Result<Option<Reserved>, sqlx::Error> {
    let p = c.prefix();
    let v = c.verifier_col();
    let ver = c.version_col();
    // When a lock has run out, counting this round starts again from zero.
    let base = format!("(CASE WHEN {p}_locked_until IS NULL THEN {p}_failed ELSE 0 END)");
    let locks = format!("({base} + 1 >= $1)");
    let cap = if budget.max_total > 0 {
        format!("({p}_failed_total + 1 >= {})", budget.max_total)
    } else {
        "(1 = 0)".to_owned()
    };
    // Lock duration by the current lock level (integers from the config, not user input).
    let mut dur = format!("CASE {p}_lock_level");
    for (i, ms) in budget.locks_ms.iter().enumerate() {
        dur.push_str(&format!(" WHEN {i} THEN {ms}"));
    }
    dur.push_str(&format!(
        " ELSE {} END",
        budget.locks_ms.last().copied().unwrap_or(0)
    ));
    let row = sqlx::query(&format!(
        "UPDATE users SET {p}_failed = {base} + 1, \
         {p}_failed_total = {p}_failed_total + 1, \
         {p}_disabled = CASE WHEN {cap} THEN 1 ELSE 0 END, \
         {p}_lock_level = CASE WHEN {locks} AND NOT {cap} THEN {p}_lock_level + 1 ELSE {p}_lock_level END, \
         {p}_locked_at = CASE WHEN {locks} OR {cap} THEN $2 ELSE NULL END, \
         {p}_locked_until = CASE WHEN {cap} THEN NULL WHEN {locks} THEN $2 + ({dur}) ELSE NULL END \
         WHERE id = $3 AND {v} IS NOT NULL AND {p}_disabled = 0 \
         AND ({p}_locked_until IS NULL OR {p}_locked_until <= $2) \
         RETURNING {p}_failed AS failed, {p}_failed_total AS failed_total, \
         {p}_locked_until AS locked_until, {p}_disabled AS disabled, {v} AS verifier, {ver} AS version"
    ))
    .bind(budget.max)
    .bind(now)
    .bind(user_id)
    .fetch_optional(&mut *conn)
    .await?;
    row.map(|r| {
        Ok(Reserved {
            failed: r.try_get("failed")?,
            failed_total: r.try_get("failed_total")?,
            locked_until: r.try_get("locked_until")?,
            disabled: r.try_get::<i64, _>("disabled")? != 0,
            verifier: r.try_get("verifier")?,
            version: r.try_get("version")?,
        })
    })
    .transpose()
}

/// Resets a credential's counts, lock level, lock and disabled mark (after a correct guess),
/// only while its version is still `version` (a guess checked against an older verifier resets
/// nothing). A correct guess whose own reservation reached the lifetime cap clears the cap too:
/// the guesser has just proved the secret.
pub async fn reset_guesses(
    conn: &mut AnyConnection,
    user_id: &str,
    c: Counter,
    version: i64,
) -> Result<(), sqlx::Error> {
    let p = c.prefix();
    let ver = c.version_col();
    sqlx::query(&format!(
        "UPDATE users SET {p}_failed = 0, {p}_failed_total = 0, {p}_lock_level = 0, \
         {p}_disabled = 0, {p}_locked_at = NULL, {p}_locked_until = NULL \
         WHERE id = $1 AND {ver} = $2"
    ))
    .bind(user_id)
    .bind(version)
    .execute(&mut *conn)
    .await?;
    Ok(())
}

/// What completing a challenge writes to the user (all conditional, so a precondition that no
/// longer holds refuses the completion).
pub enum CredentialUpdate {
    /// INITIALIZE: PIN and questions, only while no PIN is set.
    Initial {
        /// PIN verifier.
        pin: String,
        /// Stored questions (JSON).
        questions: String,
        /// Answers verifier.
        answers: String,
    },
    /// SET_PIN: only while no PIN is set.
    SetPin {
        /// PIN verifier.
        pin: String,
    },
    /// CHANGE_PIN / RESTORE_PIN: only while a PIN is set.
    ReplacePin {
        /// PIN verifier.
        pin: String,
    },
    /// SET_SECURITY_QUESTIONS: only with a PIN, and no answers yet or answers disabled by the
    /// lifetime cap (they are replaced, with their counts cleared).
    SetQuestions {
        /// Stored questions (JSON).
        questions: String,
        /// Answers verifier.
        answers: String,
    },
    /// Nothing to write (always succeeds).
    Nothing,
}

/// The credential versions a completion relies on (checked by its verified steps); the update
/// applies only while they are still current.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Expect {
    /// Required `pin_version`.
    pub pin: Option<i64>,
    /// Required `answers_version`.
    pub answers: Option<i64>,
}

const RESET_PIN: &str =
    "pin_failed = 0, pin_failed_total = 0, pin_lock_level = 0, pin_disabled = 0, \
     pin_locked_at = NULL, pin_locked_until = NULL, pin_version = pin_version + 1";
const RESET_Q: &str = "q_failed = 0, q_failed_total = 0, q_lock_level = 0, q_disabled = 0, \
     q_locked_at = NULL, q_locked_until = NULL, answers_version = answers_version + 1";

/// Applies a [`CredentialUpdate`] (bumping the changed credential's version and clearing its
/// counts, locks and disabled mark) while `expect` still holds; returns the rows changed (0
/// when a condition fails).
pub async fn apply_update(
    conn: &mut AnyConnection,
    user_id: &str,
    u: CredentialUpdate,
    expect: Expect,
) -> Result<u64, sqlx::Error> {
    // $9/$10: the expected versions (NULL: no requirement).
    let versions =
        "AND ($9 IS NULL OR pin_version = $9) AND ($10 IS NULL OR answers_version = $10)";
    let (sql, a, b, c) = match u {
        CredentialUpdate::Initial { pin, questions, answers } => (
            format!(
                "UPDATE users SET pin_verifier = $1, {RESET_PIN}, questions = $2, answers_verifier = $3, {RESET_Q} \
                 WHERE id = $4 AND pin_verifier IS NULL"
            ),
            Some(pin),
            Some(questions),
            Some(answers),
        ),
        CredentialUpdate::SetPin { pin } => (
            format!("UPDATE users SET pin_verifier = $1, {RESET_PIN} WHERE id = $4 AND pin_verifier IS NULL \
                     AND $2 IS NULL AND $3 IS NULL"),
            Some(pin),
            None,
            None,
        ),
        CredentialUpdate::ReplacePin { pin } => (
            format!("UPDATE users SET pin_verifier = $1, {RESET_PIN} WHERE id = $4 AND pin_verifier IS NOT NULL \
                     AND $2 IS NULL AND $3 IS NULL"),
            Some(pin),
            None,
            None,
        ),
        CredentialUpdate::SetQuestions { questions, answers } => (
            format!(
                "UPDATE users SET questions = $2, answers_verifier = $3, {RESET_Q} \
                 WHERE id = $4 AND (answers_verifier IS NULL OR q_disabled <> 0) \
                 AND pin_verifier IS NOT NULL AND $1 IS NULL"
            ),
            None,
            Some(questions),
            Some(answers),
        ),
        CredentialUpdate::Nothing => return Ok(1),
    };
    // Placeholders $5..$8 are unused; keep the numbering stable for both drivers.
    let sql = sql
        .replace(" WHERE id = $4", &format!(" WHERE id = $4 {versions}"))
        .replace("$9", "$5")
        .replace("$10", "$6");
    let r = sqlx::query(&sql)
        .bind(a)
        .bind(b)
        .bind(c)
        .bind(user_id)
        .bind(expect.pin)
        .bind(expect.answers)
        .execute(&mut *conn)
        .await?;
    Ok(r.rows_affected())
}

/// The answers' guess state before an operator reset (for the notification).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct AnswerBudgetBefore {
    /// Consecutive wrong answer sets across locks.
    pub failed_total: i64,
    /// Answer locks in a row.
    pub lock_level: i64,
    /// Whether the answers were disabled by the lifetime cap.
    pub disabled: bool,
}

/// Operator reset of the answers' guess budget: clears the counts, the lock level, the lock and
/// the disabled mark, keeping the answers (their version is unchanged: nothing they verified
/// goes stale). One conditional UPDATE that changes a row only when there is something to
/// reset, so a repeat is a no-op; returns the state before when it changed one. Also frees
/// the recovery code, which shares this counter.
pub async fn reset_answer_budget(
    conn: &mut AnyConnection,
    user_id: &str,
) -> Result<Option<AnswerBudgetBefore>, sqlx::Error> {
    // RETURNING gives the new values: read the old ones first (informational: the caller runs
    // both in one transaction).
    let before =
        sqlx::query("SELECT q_failed_total, q_lock_level, q_disabled FROM users WHERE id = $1")
            .bind(user_id)
            .fetch_optional(&mut *conn)
            .await?;
    let Some(before) = before else {
        return Ok(None);
    };
    let n = sqlx::query(
        "UPDATE users SET q_failed = 0, q_failed_total = 0, q_lock_level = 0, q_disabled = 0, \
         q_locked_at = NULL, q_locked_until = NULL \
         WHERE id = $1 AND answers_verifier IS NOT NULL \
         AND (q_failed <> 0 OR q_failed_total <> 0 OR q_lock_level <> 0 OR q_disabled <> 0 \
         OR q_locked_until IS NOT NULL)",
    )
    .bind(user_id)
    .execute(&mut *conn)
    .await?
    .rows_affected();
    if n == 0 {
        return Ok(None);
    }
    Ok(Some(AnswerBudgetBefore {
        failed_total: before.try_get("q_failed_total")?,
        lock_level: before.try_get("q_lock_level")?,
        disabled: before.try_get::<i64, _>("q_disabled")? != 0,
    }))
}
