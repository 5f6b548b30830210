//! The `challenges` table.

use super::recovery::ChallengeBinding;
use super::users::{user_from_row, UserRow, USER_COLS};
use latchkey_protocol::{ChallengeStatus, ChallengeType, ErrorCode, Step};
use sqlx::{AnyConnection, Row};

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
    /// Legacy (pre-wallet) SIGN_MESSAGE text; unused by new challenges.
    pub message: Option<String>,
    /// The signing wallet (SIGN_* challenges).
    pub wallet_id: Option<String>,
    /// The canonical `signRequest` JSON text (SIGN_* challenges).
    pub sign_request: Option<String>,
    /// Blockchains to create wallets on (CREATE_WALLET, INITIALIZE with wallets), wire
    /// spellings, comma-separated.
    pub blockchains: Option<String>,
    /// Account type of the wallets to create (wire spelling).
    pub account_type: Option<String>,
    /// What the completed challenge produced (`ChallengeResult` JSON).
    pub result: Option<String>,
    /// Steps verified so far.
    pub verified: Vec<Step>,
    /// Failure code.
    pub error_code: Option<i64>,
    /// Failure text.
    pub error_message: Option<String>,
    /// Expiry (ms).
    pub expires_at: i64,
    /// RESTORE_PIN: the recovery method (`None`: security questions).
    pub recovery_method: Option<String>,
    /// PIN verifier version a verified step was checked against (`None`: none yet).
    pub pin_version: Option<i64>,
    /// Answers verifier version a verified step was checked against.
    pub answers_version: Option<i64>,
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
            // Written by this server from a `ChallengeResult`; unreadable text is left out.
            result: self
                .result
                .as_deref()
                .and_then(|r| serde_json::from_str(r).ok()),
            recovery_method: match self.kind {
                ChallengeType::RestorePin => Some(
                    self.recovery_method
                        .clone()
                        .unwrap_or_else(|| "SECURITY_QUESTIONS".to_owned()),
                ),
                _ => None,
            },
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

const CHALLENGE_COLS: &str = "id, user_id, kind, status, message, wallet_id, sign_request, \
     blockchains, account_type, result, verified_steps, error_code, error_message, expires_at, \
     recovery_method, pin_version, answers_version";

/// The columns of [`CHALLENGE_COLS`], in order.
fn challenge_col_names() -> impl Iterator<Item = &'static str> {
    CHALLENGE_COLS.split(',').map(str::trim)
}

fn challenge_from_row(r: &sqlx::any::AnyRow) -> Result<ChallengeRow, sqlx::Error> {
    challenge_from_row_prefixed(r, "")
}

/// A [`ChallengeRow`] from columns named `prefix` + the names in [`CHALLENGE_COLS`].
fn challenge_from_row_prefixed(
    r: &sqlx::any::AnyRow,
    prefix: &str,
) -> Result<ChallengeRow, sqlx::Error> {
    let name = |n: &'static str| -> std::borrow::Cow<'static, str> {
        if prefix.is_empty() {
            n.into()
        } else {
            format!("{prefix}{n}").into()
        }
    };
    let text = |n: &'static str| r.try_get::<String, _>(name(n).as_ref());
    Ok(ChallengeRow {
        id: text("id")?,
        user_id: text("user_id")?,
        kind: ChallengeType::parse(&text("kind")?),
        status: ChallengeStatus::parse(&text("status")?),
        message: r.try_get(name("message").as_ref())?,
        wallet_id: r.try_get(name("wallet_id").as_ref())?,
        sign_request: r.try_get(name("sign_request").as_ref())?,
        blockchains: r.try_get(name("blockchains").as_ref())?,
        account_type: r.try_get(name("account_type").as_ref())?,
        result: r.try_get(name("result").as_ref())?,
        verified: steps_from_text(&text("verified_steps")?),
        error_code: r.try_get(name("error_code").as_ref())?,
        error_message: r.try_get(name("error_message").as_ref())?,
        expires_at: r.try_get(name("expires_at").as_ref())?,
        recovery_method: r.try_get(name("recovery_method").as_ref())?,
        pin_version: r.try_get(name("pin_version").as_ref())?,
        answers_version: r.try_get(name("answers_version").as_ref())?,
    })
}

/// What the descriptor reads, in one statement: the challenge, its owner's row, the
/// challenge's recovery binding (when it has one) and whether the caller's session is still
/// usable (`None`: the session row is gone; `Some(false)`: revoked).
pub struct DescriptorRead {
    /// The challenge.
    pub challenge: ChallengeRow,
    /// Its owner.
    pub user: UserRow,
    /// Its recovery binding, if any.
    pub binding: Option<ChallengeBinding>,
    /// Whether the session named by the token hash may still be used.
    pub session_usable: Option<bool>,
}

/// Reads a challenge of `user_id` together with that user's row, the challenge's recovery
/// binding and the revocation state of the session `token_hash`, in one statement (the
/// descriptor's read). `None` when there is no such challenge or it belongs to someone else.
pub async fn load_for_descriptor(
    conn: &mut AnyConnection,
    id: &str,
    user_id: &str,
    token_hash: &str,
) -> Result<Option<DescriptorRead>, sqlx::Error> {
    static QUERY: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    let query = QUERY.get_or_init(|| {
        // The challenge's columns are renamed `c_*` inside a derived table, so the user's
        // columns (same names: id, created_at, pin_version, ...) stay unambiguous outside.
        let cols: Vec<String> = challenge_col_names()
            .map(|c| format!("{c} AS c_{c}"))
            .collect();
        format!(
            "SELECT {USER_COLS}, c.*, \
             rc.method AS rc_method, rc.version AS rc_version, rc.nonce AS rc_nonce, \
             rc.nonce_used_at AS rc_nonce_used_at, \
             (SELECT COUNT(*) FROM sessions WHERE token_hash = $3) AS session_rows, \
             (SELECT COUNT(*) FROM sessions WHERE token_hash = $3 AND revoked_at IS NULL) \
             AS session_live \
             FROM (SELECT {} FROM challenges WHERE id = $1 AND user_id = $2) c \
             JOIN users ON users.id = c.c_user_id \
             LEFT JOIN recovery_challenges rc ON rc.challenge_id = c.c_id",
            cols.join(", ")
        )
    });
    let row = sqlx::query(query)
        .bind(id)
        .bind(user_id)
        .bind(token_hash)
        .fetch_optional(&mut *conn)
        .await?;
    let Some(r) = row else { return Ok(None) };
    let binding = match r.try_get::<Option<String>, _>("rc_method")? {
        Some(method) => Some(ChallengeBinding {
            method,
            version: r.try_get("rc_version")?,
            nonce: r.try_get("rc_nonce")?,
            nonce_used_at: r.try_get("rc_nonce_used_at")?,
        }),
        None => None,
    };
    let session_usable = match r.try_get::<i64, _>("session_rows")? {
        0 => None,
        _ => Some(r.try_get::<i64, _>("session_live")? > 0),
    };
    Ok(Some(DescriptorRead {
        challenge: challenge_from_row_prefixed(&r, "c_")?,
        user: user_from_row(&r)?,
        binding,
        session_usable,
    }))
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

/// Lists a user's challenges, oldest first (at most 200), optionally of one status.
pub async fn list_challenges(
    conn: &mut AnyConnection,
    user_id: &str,
    status: Option<&str>,
) -> Result<Vec<ChallengeRow>, sqlx::Error> {
    let rows = match status {
        Some(s) => {
            sqlx::query(&format!(
                "SELECT {CHALLENGE_COLS} FROM challenges WHERE user_id = $1 AND status = $2 \
                 ORDER BY created_at, id LIMIT 200"
            ))
            .bind(user_id)
            .bind(s)
            .fetch_all(&mut *conn)
            .await?
        }
        None => {
            sqlx::query(&format!(
                "SELECT {CHALLENGE_COLS} FROM challenges WHERE user_id = $1 \
                 ORDER BY created_at, id LIMIT 200"
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

/// What a challenge carries besides its type (all optional).
#[derive(Debug, Clone, Default)]
pub struct ChallengeExtra {
    /// The signing wallet (SIGN_*).
    pub wallet_id: Option<String>,
    /// The canonical `signRequest` text (SIGN_*).
    pub sign_request: Option<String>,
    /// Blockchains to create wallets on, comma-separated wire spellings.
    pub blockchains: Option<String>,
    /// Account type of those wallets.
    pub account_type: Option<String>,
    /// RESTORE_PIN: the recovery method (`None`: security questions).
    pub recovery_method: Option<String>,
}

/// Inserts a new PENDING challenge.
pub async fn insert(
    conn: &mut AnyConnection,
    id: &str,
    user_id: &str,
    kind: &ChallengeType,
    extra: &ChallengeExtra,
    now: i64,
    expires_at: i64,
) -> Result<(), sqlx::Error> {
    sqlx::query(
        "INSERT INTO challenges (id, user_id, kind, status, wallet_id, sign_request, blockchains, \
         account_type, verified_steps, created_at, updated_at, expires_at, recovery_method) \
         VALUES ($1, $2, $3, 'PENDING', $4, $5, $6, $7, '', $8, $8, $9, $10)",
    )
    .bind(id)
    .bind(user_id)
    .bind(kind.as_str())
    .bind(extra.wallet_id.as_deref())
    .bind(extra.sign_request.as_deref())
    .bind(extra.blockchains.as_deref())
    .bind(extra.account_type.as_deref())
    .bind(now)
    .bind(expires_at)
    .bind(extra.recovery_method.as_deref())
    .execute(&mut *conn)
    .await?;
    Ok(())
}

/// Sets the status (and failure code) if the challenge is still active (or exactly PENDING when
/// `only_pending`); returns the rows changed (0 or 1).
pub async fn set_status(
    conn: &mut AnyConnection,
    id: &str,
    to: &ChallengeStatus,
    error: Option<ErrorCode>,
    only_pending: bool,
    now: i64,
) -> Result<u64, sqlx::Error> {
    let from = if only_pending {
        "('PENDING')"
    } else {
        ACTIVE_STATUSES
    };
    Ok(sqlx::query(&format!(
        "UPDATE challenges SET status = $1, error_code = $2, error_message = $3, updated_at = $4 \
         WHERE id = $5 AND status IN {from}"
    ))
    .bind(to.as_str())
    .bind(error.map(|c| i64::from(c.code())))
    .bind(error.map(|c| c.description().to_owned()))
    .bind(now)
    .bind(id)
    .execute(&mut *conn)
    .await?
    .rows_affected())
}

/// Which credential version a verified step was checked against.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum VerifiedVersion {
    /// None (the step checked no credential).
    None,
    /// The PIN, at this version.
    Pin(i64),
    /// The answers, at this version.
    Answers(i64),
}

/// Records `verified` as the verified steps if they are still `previous` and the challenge is
/// active, with the credential version the new step was checked against; returns the rows
/// changed (0 or 1).
pub async fn set_verified(
    conn: &mut AnyConnection,
    id: &str,
    previous: &[Step],
    verified: &[Step],
    version: VerifiedVersion,
    now: i64,
) -> Result<u64, sqlx::Error> {
    let (pin, answers) = match version {
        VerifiedVersion::None => (None, None),
        VerifiedVersion::Pin(v) => (Some(v), None),
        VerifiedVersion::Answers(v) => (None, Some(v)),
    };
    Ok(sqlx::query(&format!(
        "UPDATE challenges SET verified_steps = $1, updated_at = $2, \
         pin_version = COALESCE($5, pin_version), answers_version = COALESCE($6, answers_version) \
         WHERE id = $3 AND verified_steps = $4 AND status IN {ACTIVE_STATUSES}"
    ))
    .bind(steps_to_text(verified))
    .bind(now)
    .bind(id)
    .bind(steps_to_text(previous))
    .bind(pin)
    .bind(answers)
    .execute(&mut *conn)
    .await?
    .rows_affected())
}

/// Marks the challenge COMPLETE with `verified` (and its `result` JSON, if any) if it is
/// active and not past its expiry; returns the rows changed (0 or 1).
pub async fn set_complete(
    conn: &mut AnyConnection,
    id: &str,
    verified: &[Step],
    result: Option<&str>,
    now: i64,
) -> Result<u64, sqlx::Error> {
    Ok(sqlx::query(&format!(
        "UPDATE challenges SET status = 'COMPLETE', verified_steps = $1, updated_at = $2, \
         result = $4 WHERE id = $3 AND status IN {ACTIVE_STATUSES} AND expires_at > $2"
    ))
    .bind(steps_to_text(verified))
    .bind(now)
    .bind(id)
    .bind(result)
    .execute(&mut *conn)
    .await?
    .rows_affected())
}

/// Takes the challenge's step lock for the envelope `digest` (one step at a time per
/// challenge): only while the challenge is active and the lock is free, already this
/// envelope's, or older than `stale_before` (left by a dead process). Returns whether taken.
pub async fn take_step_lock(
    conn: &mut AnyConnection,
    id: &str,
    digest: &str,
    now: i64,
    stale_before: i64,
) -> Result<bool, sqlx::Error> {
    Ok(sqlx::query(&format!(
        "UPDATE challenges SET step_lock = $1, step_lock_at = $2 \
         WHERE id = $3 AND status IN {ACTIVE_STATUSES} \
         AND (step_lock IS NULL OR step_lock = $1 OR step_lock_at < $4)"
    ))
    .bind(digest)
    .bind(now)
    .bind(id)
    .bind(stale_before)
    .execute(&mut *conn)
    .await?
    .rows_affected()
        == 1)
}

/// Releases the step lock if `digest` still holds it.
pub async fn release_step_lock(
    conn: &mut AnyConnection,
    id: &str,
    digest: &str,
) -> Result<(), sqlx::Error> {
    sqlx::query(
        "UPDATE challenges SET step_lock = NULL, step_lock_at = 0 WHERE id = $1 AND step_lock = $2",
    )
    .bind(id)
    .bind(digest)
    .execute(&mut *conn)
    .await?;
    Ok(())
}

/// Whether the challenge is active and its step lock is free or held by `digest` (checked
/// again after waiting for an Argon2 permit: a step that can no longer succeed runs no
/// Argon2).
pub async fn step_lock_held(
    conn: &mut AnyConnection,
    id: &str,
    digest: &str,
) -> Result<bool, sqlx::Error> {
    let row = sqlx::query(&format!(
        "SELECT id FROM challenges WHERE id = $1 AND status IN {ACTIVE_STATUSES} \
         AND (step_lock IS NULL OR step_lock = $2)"
    ))
    .bind(id)
    .bind(digest)
    .fetch_optional(&mut *conn)
    .await?;
    Ok(row.is_some())
}
