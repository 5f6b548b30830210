//! The `recovery_credentials` and `recovery_challenges` tables (recovery codes and cloud
//! backups), and the recovery guess reservation (the `q_*` counter, shared with the security
//! questions).

use sqlx::{AnyConnection, Row};

/// An ACTIVE credential is usable.
pub const ACTIVE: &str = "ACTIVE";
/// Replaced by a newer version.
pub const REPLACED: &str = "REPLACED";
/// Used for a recovery.
pub const BURNT: &str = "BURNT";
/// A cloud-backup version registered but not acknowledged yet (not usable).
pub const PENDING: &str = "PENDING";
/// A pending cloud-backup version that never became active.
pub const ABANDONED: &str = "ABANDONED";

/// A stored recovery credential: public key and wrapped private key only.
#[derive(Debug, Clone)]
pub struct CredentialRow {
    /// Version.
    pub version: i64,
    /// Status.
    pub status: String,
    /// Base64 public key.
    pub public_key: String,
    /// Base64 wrapped private key.
    pub wrapped_key: String,
    /// The SET_CLOUD_BACKUP challenge that registered it (cloud backups).
    pub challenge_id: Option<String>,
}

/// A challenge's recovery binding.
#[derive(Debug, Clone)]
pub struct ChallengeBinding {
    /// The method.
    pub method: String,
    /// The credential version.
    pub version: i64,
    /// The base64 nonce.
    pub nonce: String,
    /// When a proof with the nonce verified.
    pub nonce_used_at: Option<i64>,
}

/// The user's ACTIVE credential of a method.
pub async fn active(
    conn: &mut AnyConnection,
    user_id: &str,
    method: &str,
) -> Result<Option<CredentialRow>, sqlx::Error> {
    let row = sqlx::query(
        "SELECT version, status, public_key, wrapped_key, challenge_id FROM recovery_credentials \
         WHERE user_id = $1 AND method = $2 AND status = 'ACTIVE' ORDER BY version DESC LIMIT 1",
    )
    .bind(user_id)
    .bind(method)
    .fetch_optional(&mut *conn)
    .await?;
    row.map(|r| credential_from_row(&r)).transpose()
}

/// One version of a credential.
pub async fn load_version(
    conn: &mut AnyConnection,
    user_id: &str,
    method: &str,
    version: i64,
) -> Result<Option<CredentialRow>, sqlx::Error> {
    let row = sqlx::query(
        "SELECT version, status, public_key, wrapped_key, challenge_id FROM recovery_credentials \
         WHERE user_id = $1 AND method = $2 AND version = $3",
    )
    .bind(user_id)
    .bind(method)
    .bind(version)
    .fetch_optional(&mut *conn)
    .await?;
    row.map(|r| credential_from_row(&r)).transpose()
}

fn credential_from_row(r: &sqlx::any::AnyRow) -> Result<CredentialRow, sqlx::Error> {
    Ok(CredentialRow {
        version: r.try_get("version")?,
        status: r.try_get("status")?,
        public_key: r.try_get("public_key")?,
        wrapped_key: r.try_get("wrapped_key")?,
        challenge_id: r.try_get("challenge_id")?,
    })
}

/// The next version number of a user's method (1 for the first).
pub async fn next_version(
    conn: &mut AnyConnection,
    user_id: &str,
    method: &str,
) -> Result<i64, sqlx::Error> {
    let row = sqlx::query(
        "SELECT COALESCE(MAX(version), 0) AS v FROM recovery_credentials \
         WHERE user_id = $1 AND method = $2",
    )
    .bind(user_id)
    .bind(method)
    .fetch_one(&mut *conn)
    .await?;
    Ok(row.try_get::<i64, _>("v")? + 1)
}

/// Binds a new challenge to a version and nonce.
pub async fn insert_binding(
    conn: &mut AnyConnection,
    challenge_id: &str,
    user_id: &str,
    b: &ChallengeBinding,
) -> Result<(), sqlx::Error> {
    sqlx::query(
        "INSERT INTO recovery_challenges (challenge_id, user_id, method, version, nonce) \
         VALUES ($1, $2, $3, $4, $5)",
    )
    .bind(challenge_id)
    .bind(user_id)
    .bind(&b.method)
    .bind(b.version)
    .bind(&b.nonce)
    .execute(&mut *conn)
    .await?;
    Ok(())
}

/// A challenge's binding.
pub async fn load_binding(
    conn: &mut AnyConnection,
    challenge_id: &str,
) -> Result<Option<ChallengeBinding>, sqlx::Error> {
    let row = sqlx::query(
        "SELECT method, version, nonce, nonce_used_at FROM recovery_challenges \
         WHERE challenge_id = $1",
    )
    .bind(challenge_id)
    .fetch_optional(&mut *conn)
    .await?;
    row.map(|r| {
        Ok(ChallengeBinding {
            method: r.try_get("method")?,
            version: r.try_get("version")?,
            nonce: r.try_get("nonce")?,
            nonce_used_at: r.try_get("nonce_used_at")?,
        })
    })
    .transpose()
}

/// Marks a challenge's nonce used; false when it already was (one conditional UPDATE).
pub async fn use_nonce(
    conn: &mut AnyConnection,
    challenge_id: &str,
    now: i64,
) -> Result<bool, sqlx::Error> {
    let n = sqlx::query(
        "UPDATE recovery_challenges SET nonce_used_at = $1 \
         WHERE challenge_id = $2 AND nonce_used_at IS NULL",
    )
    .bind(now)
    .bind(challenge_id)
    .execute(&mut *conn)
    .await?
    .rows_affected();
    Ok(n == 1)
}

/// Stores a new ACTIVE version and marks the previous ACTIVE one REPLACED; false (nothing
/// written) when the version exists already (another set-up got there first).
pub async fn activate(
    conn: &mut AnyConnection,
    user_id: &str,
    method: &str,
    version: i64,
    public_key: &str,
    wrapped_key: &str,
    now: i64,
) -> Result<bool, sqlx::Error> {
    let n = sqlx::query(
        "INSERT INTO recovery_credentials (user_id, method, version, status, public_key, \
         wrapped_key, created_at, updated_at) VALUES ($1, $2, $3, 'ACTIVE', $4, $5, $6, $6) \
         ON CONFLICT (user_id, method, version) DO NOTHING",
    )
    .bind(user_id)
    .bind(method)
    .bind(version)
    .bind(public_key)
    .bind(wrapped_key)
    .bind(now)
    .execute(&mut *conn)
    .await?
    .rows_affected();
    if n != 1 {
        return Ok(false);
    }
    sqlx::query(
        "UPDATE recovery_credentials SET status = 'REPLACED', updated_at = $1 \
         WHERE user_id = $2 AND method = $3 AND status = 'ACTIVE' AND version <> $4",
    )
    .bind(now)
    .bind(user_id)
    .bind(method)
    .bind(version)
    .execute(&mut *conn)
    .await?;
    Ok(true)
}

/// Burns an ACTIVE version (it recovered the account); false when it is no longer ACTIVE.
pub async fn burn(
    conn: &mut AnyConnection,
    user_id: &str,
    method: &str,
    version: i64,
    now: i64,
) -> Result<bool, sqlx::Error> {
    let n = sqlx::query(
        "UPDATE recovery_credentials SET status = 'BURNT', updated_at = $1 \
         WHERE user_id = $2 AND method = $3 AND version = $4 AND status = 'ACTIVE'",
    )
    .bind(now)
    .bind(user_id)
    .bind(method)
    .bind(version)
    .execute(&mut *conn)
    .await?
    .rows_affected();
    Ok(n == 1)
}

/// Registers a PENDING cloud-backup version for `challenge_id`; false (nothing written) when
/// the version exists already (another set-up registered it first).
#[allow(clippy::too_many_arguments)]
pub async fn register_pending(
    conn: &mut AnyConnection,
    user_id: &str,
    method: &str,
    version: i64,
    public_key: &str,
    wrapped_key: &str,
    challenge_id: &str,
    now: i64,
) -> Result<bool, sqlx::Error> {
    let n = sqlx::query(
        "INSERT INTO recovery_credentials (user_id, method, version, status, public_key, \
         wrapped_key, created_at, updated_at, challenge_id) \
         VALUES ($1, $2, $3, 'PENDING', $4, $5, $6, $6, $7) \
         ON CONFLICT (user_id, method, version) DO NOTHING",
    )
    .bind(user_id)
    .bind(method)
    .bind(version)
    .bind(public_key)
    .bind(wrapped_key)
    .bind(now)
    .bind(challenge_id)
    .execute(&mut *conn)
    .await?
    .rows_affected();
    Ok(n == 1)
}

/// Acknowledges the PENDING version `challenge_id` registered: it becomes ACTIVE, the previous
/// ACTIVE one REPLACED and every other PENDING one ABANDONED (call inside the completing
/// transaction). False (nothing changed) when that version is no longer PENDING (abandoned
/// because a newer backup became active meanwhile).
pub async fn acknowledge(
    conn: &mut AnyConnection,
    user_id: &str,
    method: &str,
    version: i64,
    challenge_id: &str,
    now: i64,
) -> Result<bool, sqlx::Error> {
    let n = sqlx::query(
        "UPDATE recovery_credentials SET status = 'ACTIVE', acknowledged_at = $1, \
         updated_at = $1 WHERE user_id = $2 AND method = $3 AND version = $4 \
         AND challenge_id = $5 AND status = 'PENDING'",
    )
    .bind(now)
    .bind(user_id)
    .bind(method)
    .bind(version)
    .bind(challenge_id)
    .execute(&mut *conn)
    .await?
    .rows_affected();
    if n != 1 {
        return Ok(false);
    }
    sqlx::query(
        "UPDATE recovery_credentials SET updated_at = $1, \
         status = CASE WHEN status = 'ACTIVE' THEN 'REPLACED' ELSE 'ABANDONED' END \
         WHERE user_id = $2 AND method = $3 AND version <> $4 \
         AND status IN ('ACTIVE', 'PENDING')",
    )
    .bind(now)
    .bind(user_id)
    .bind(method)
    .bind(version)
    .execute(&mut *conn)
    .await?;
    Ok(true)
}

/// Abandons the PENDING version a (cancelled) challenge registered, if any.
pub async fn abandon(
    conn: &mut AnyConnection,
    challenge_id: &str,
    now: i64,
) -> Result<u64, sqlx::Error> {
    Ok(sqlx::query(
        "UPDATE recovery_credentials SET status = 'ABANDONED', updated_at = $1 \
         WHERE challenge_id = $2 AND status = 'PENDING'",
    )
    .bind(now)
    .bind(challenge_id)
    .execute(&mut *conn)
    .await?
    .rows_affected())
}

/// Checks (and touches) an ACTIVE version inside the completing transaction of a recovery that
/// keeps it (cloud backup); false when it is no longer ACTIVE.
pub async fn touch_active(
    conn: &mut AnyConnection,
    user_id: &str,
    method: &str,
    version: i64,
    now: i64,
) -> Result<bool, sqlx::Error> {
    let n = sqlx::query(
        "UPDATE recovery_credentials SET updated_at = $1 \
         WHERE user_id = $2 AND method = $3 AND version = $4 AND status = 'ACTIVE'",
    )
    .bind(now)
    .bind(user_id)
    .bind(method)
    .bind(version)
    .execute(&mut *conn)
    .await?
    .rows_affected();
    Ok(n == 1)
}

/// A reserved recovery guess: the count after it and the lock end if it locked.
#[derive(Debug, Clone, Copy)]
pub struct ReservedGuess {
    /// Consecutive wrong recovery attempts, counting this one.
    pub failed: i64,
    /// Lock end (ms) if this reservation locked recovery.
    pub locked_until: Option<i64>,
}

/// Reserves one recovery guess on the shared recovery counter (`q_*`) with one conditional
/// UPDATE: count + 1 (from zero when an old lock ran out), locking at `max` until `until`, only
/// while not locked. `None` when locked.
pub async fn reserve_guess(
    conn: &mut AnyConnection,
    user_id: &str,
    max: i64,
    now: i64,
    until: i64,
) -> Result<Option<ReservedGuess>, sqlx::Error> {
    let base = "(CASE WHEN q_locked_until IS NULL THEN q_failed ELSE 0 END)";
    let row = sqlx::query(&format!(
        "UPDATE users SET q_failed = {base} + 1, \
         q_locked_at = CASE WHEN {base} + 1 >= $1 THEN $2 ELSE NULL END, \
         q_locked_until = CASE WHEN {base} + 1 >= $1 THEN $3 ELSE NULL END \
         WHERE id = $4 AND (q_locked_until IS NULL OR q_locked_until <= $2) \
         RETURNING q_failed AS failed, q_locked_until AS locked_until"
    ))
    .bind(max)
    .bind(now)
    .bind(until)
    .bind(user_id)
    .fetch_optional(&mut *conn)
    .await?;
    row.map(|r| {
        Ok(ReservedGuess {
            failed: r.try_get("failed")?,
            locked_until: r.try_get("locked_until")?,
        })
    })
    .transpose()
}
