//! Database access: the pool (SQLite or PostgreSQL through sqlx's `Any` driver), migrations,
//! and the rows the server reads. All SQL is portable (`$n` placeholders, BIGINT times).

use crate::config::{redact_url, Config};
use latchkey_protocol::{ChallengeStatus, ChallengeType, ErrorCode, Step};
use sqlx::any::AnyPoolOptions;
use sqlx::AnyConnection;
use sqlx::{AnyPool, Row};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

/// Embedded migrations (`server/migrations`).
pub static MIGRATOR: sqlx::migrate::Migrator = sqlx::migrate!("./migrations");

/// Opens the pool and runs the migrations.
pub async fn connect(config: &Config) -> Result<AnyPool, sqlx::Error> {
    sqlx::any::install_default_drivers();
    let url = config.effective_database_url();
    let sqlite = url.starts_with("sqlite:");
    // SQLite serialises writers anyway; one connection makes every statement and transaction
    // atomic without SQLITE_BUSY retries.
    let max = if sqlite { 1 } else { config.max_db_connections };
    tracing::debug!(database = %redact_url(&url), "connecting");
    let mut options = AnyPoolOptions::new()
        .max_connections(max)
        .acquire_timeout(Duration::from_secs(60));
    if sqlite {
        // A SQLite connection is a file handle, not a socket that can drop: the default
        // liveness ping before every acquire only costs a round trip to sqlx's SQLite worker
        // thread (about as much as a query).
        options = options
            .test_before_acquire(false)
            .after_connect(|conn, _meta| {
                Box::pin(async move {
                    // WAL: a commit appends to the log and fsyncs it once (synchronous stays FULL,
                    // so a committed guess count or completion survives a power loss), instead of
                    // the rollback journal's several fsyncs; reads never wait on a writer.
                    sqlx::query("PRAGMA journal_mode = WAL")
                        .execute(&mut *conn)
                        .await?;
                    Ok(())
                })
            });
    }
    let pool = options.connect(&url).await?;
    MIGRATOR.run(&pool).await?;
    Ok(pool)
}

/// Milliseconds since the Unix epoch.
pub fn now_ms() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_millis() as i64)
        .unwrap_or(0)
}

/// Duration as milliseconds (saturating).
pub fn ms(d: Duration) -> i64 {
    i64::try_from(d.as_millis()).unwrap_or(i64::MAX / 4)
}

/// RFC 3339 UTC text of a millisecond timestamp (second precision).
pub fn rfc3339(ms: i64) -> String {
    let t = UNIX_EPOCH + Duration::from_millis(u64::try_from(ms).unwrap_or(0));
    humantime::format_rfc3339_seconds(t).to_string()
}

/// Statuses a challenge can still move from.
pub const ACTIVE_STATUSES: &str = "('PENDING', 'IN_PROGRESS')";

/// A challenge as stored.
#[derive(Debug, Clone)]
pub struct ChallengeRow {
    /// Id.
    pub id: String,
    /// Owner.
    pub user_id: String,
    /// Type.
    pub kind: ChallengeType,
    /// Status.
    pub status: ChallengeStatus,
    /// SIGN_MESSAGE text.
    pub message: Option<String>,
    /// Steps verified so far.
    pub verified: Vec<Step>,
    /// Failure code.
    pub error_code: Option<i64>,
    /// Failure text.
    pub error_message: Option<String>,
    /// Expiry (ms).
    pub expires_at: i64,
}

impl ChallengeRow {
    /// The wire form.
    pub fn to_wire(&self) -> latchkey_protocol::Challenge {
        latchkey_protocol::Challenge {
            id: self.id.clone(),
            challenge_type: self.kind.clone(),
            status: self.status.clone(),
            correlation_ids: vec![],
            error_code: self.error_code.map(|c| ErrorCode::from_code(c as u32)),
            error_message: self.error_message.clone(),
            result: None,
        }
    }
}

/// Serialises verified steps for storage.
pub fn steps_to_text(steps: &[Step]) -> String {
    steps.iter().map(Step::as_str).collect::<Vec<_>>().join(",")
}

fn steps_from_text(s: &str) -> Vec<Step> {
    s.split(',')
        .filter(|p| !p.is_empty())
        .map(Step::parse)
        .collect()
}

const CHALLENGE_COLS: &str =
    "id, user_id, kind, status, message, verified_steps, error_code, error_message, expires_at";

fn challenge_from_row(r: &sqlx::any::AnyRow) -> Result<ChallengeRow, sqlx::Error> {
    Ok(ChallengeRow {
        id: r.try_get("id")?,
        user_id: r.try_get("user_id")?,
        kind: ChallengeType::parse(&r.try_get::<String, _>("kind")?),
        status: ChallengeStatus::parse(&r.try_get::<String, _>("status")?),
        message: r.try_get("message")?,
        verified: steps_from_text(&r.try_get::<String, _>("verified_steps")?),
        error_code: r.try_get("error_code")?,
        error_message: r.try_get("error_message")?,
        expires_at: r.try_get("expires_at")?,
    })
}

/// Loads a challenge by id.
pub async fn load_challenge(
    conn: &mut AnyConnection,
    id: &str,
) -> Result<Option<ChallengeRow>, sqlx::Error> {
    let row = sqlx::query(&format!(
        "SELECT {CHALLENGE_COLS} FROM challenges WHERE id = $1"
    ))
    .bind(id)
    .fetch_optional(&mut *conn)
    .await?;
    row.as_ref().map(challenge_from_row).transpose()
}

/// Lists a user's challenges, newest first, optionally of one status.
pub async fn list_challenges(
    conn: &mut AnyConnection,
    user_id: &str,
    status: Option<&str>,
) -> Result<Vec<ChallengeRow>, sqlx::Error> {
    let rows = match status {
        Some(s) => {
            sqlx::query(&format!(
                "SELECT {CHALLENGE_COLS} FROM challenges WHERE user_id = $1 AND status = $2 \
                 ORDER BY created_at DESC, id LIMIT 200"
            ))
            .bind(user_id)
            .bind(s)
            .fetch_all(&mut *conn)
            .await?
        }
        None => {
            sqlx::query(&format!(
                "SELECT {CHALLENGE_COLS} FROM challenges WHERE user_id = $1 \
                 ORDER BY created_at DESC, id LIMIT 200"
            ))
            .bind(user_id)
            .fetch_all(&mut *conn)
            .await?
        }
    };
    rows.iter().map(challenge_from_row).collect()
}

/// Ids of active challenges past their expiry.
pub async fn due_expiries(conn: &mut AnyConnection, now: i64) -> Result<Vec<String>, sqlx::Error> {
    let rows = sqlx::query(&format!(
        "SELECT id FROM challenges WHERE status IN {ACTIVE_STATUSES} AND expires_at <= $1 LIMIT 100"
    ))
    .bind(now)
    .fetch_all(&mut *conn)
    .await?;
    rows.iter().map(|r| r.try_get("id")).collect()
}

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
}

impl std::fmt::Debug for UserRow {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("UserRow")
            .field("id", &self.id)
            .finish_non_exhaustive()
    }
}

/// Loads a user.
pub async fn load_user(conn: &mut AnyConnection, id: &str) -> Result<Option<UserRow>, sqlx::Error> {
    let row = sqlx::query(
        "SELECT id, created_at, pin_verifier, pin_failed, pin_locked_at, pin_locked_until, \
         questions, answers_verifier, q_failed, q_locked_at, q_locked_until FROM users WHERE id = $1",
    )
    .bind(id)
    .fetch_optional(&mut *conn)
    .await?;
    let Some(r) = row else { return Ok(None) };
    let questions: Option<String> = r.try_get("questions")?;
    Ok(Some(UserRow {
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
    }))
}
