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
     (SELECT COUNT(*) FROM recovery_credentials r WHERE r.user_id = users.id \
      AND r.method = 'RECOVERY_CODE' AND r.status = 'ACTIVE') AS recovery_codes";

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
    fn verifier_col(self) -> &'static str {
        match self {
            Counter::Pin => "pin_verifier",
            Counter::Answers => "answers_verifier",
        }
    }
}

/// A guess reserved by [`reserve_guess`]: the count after it, the lock end if it locked, and
/// the verifier to check the guess against.
pub struct Reserved {
    /// Consecutive wrong guesses, counting this one.
    pub failed: i64,
    /// Lock end (ms) if this reservation locked the credential.
    pub locked_until: Option<i64>,
    /// The verifier (Argon2id PHC string).
    pub verifier: String,
}

/// Reserves one guess with a single conditional UPDATE: count + 1 (from zero when an old lock
/// ran out), locking at `max` until `until`, only while the credential is set and not locked.
/// `None` when it is unset or locked.
pub async fn reserve_guess(
    conn: &mut AnyConnection,
    user_id: &str,
    c: Counter,
    max: i64,
    now: i64,
    until: i64,
) -> Result<Option<Reserved>, sqlx::Error> {
    let p = c.prefix();
    let v = c.verifier_col();
    // When a lock has run out, counting starts again from zero.
    let base = format!("(CASE WHEN {p}_locked_until IS NULL THEN {p}_failed ELSE 0 END)");
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
    .bind(user_id)
    .fetch_optional(&mut *conn)
    .await?;
    row.map(|r| {
        Ok(Reserved {
            failed: r.try_get("failed")?,
            locked_until: r.try_get("locked_until")?,
            verifier: r.try_get("verifier")?,
        })
    })
    .transpose()
}

/// Resets a credential's count and lock (after a correct guess).
pub async fn reset_guesses(
    conn: &mut AnyConnection,
    user_id: &str,
    c: Counter,
) -> Result<(), sqlx::Error> {
    let p = c.prefix();
    sqlx::query(&format!(
        "UPDATE users SET {p}_failed = 0, {p}_locked_at = NULL, {p}_locked_until = NULL WHERE id = $1"
    ))
    .bind(user_id)
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
    /// SET_SECURITY_QUESTIONS: only with a PIN and no questions yet.
    SetQuestions {
        /// Stored questions (JSON).
        questions: String,
        /// Answers verifier.
        answers: String,
    },
    /// Nothing to write (always succeeds).
    Nothing,
}

/// Applies a [`CredentialUpdate`]; returns the rows changed (0 when its condition fails).
pub async fn apply_update(
    conn: &mut AnyConnection,
    user_id: &str,
    u: CredentialUpdate,
) -> Result<u64, sqlx::Error> {
    let r = match u {
        CredentialUpdate::Initial { pin, questions, answers } => {
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
        CredentialUpdate::SetPin { pin } => {
            sqlx::query(
                "UPDATE users SET pin_verifier = $1, pin_failed = 0, pin_locked_at = NULL, pin_locked_until = NULL \
                 WHERE id = $2 AND pin_verifier IS NULL",
            )
            .bind(pin)
            .bind(user_id)
            .execute(&mut *conn)
            .await?
        }
        CredentialUpdate::ReplacePin { pin } => {
            sqlx::query(
                "UPDATE users SET pin_verifier = $1, pin_failed = 0, pin_locked_at = NULL, pin_locked_until = NULL \
                 WHERE id = $2 AND pin_verifier IS NOT NULL",
            )
            .bind(pin)
            .bind(user_id)
            .execute(&mut *conn)
            .await?
        }
        CredentialUpdate::SetQuestions { questions, answers } => {
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
        CredentialUpdate::Nothing => return Ok(1),
    };
    Ok(r.rows_affected())
}
