//! The `envelope_replies` table: one claim and one recorded reply per step envelope digest.

use sqlx::{AnyConnection, Row};

/// The envelope claim a step is processed under.
pub struct Claim<'a> {
    /// Challenge id.
    pub challenge_id: &'a str,
    /// SHA-256 (hex) of the envelope.
    pub digest: &'a str,
}

/// What is stored for an envelope digest.
pub struct EnvelopeRow {
    /// HTTP status of the recorded reply; 0 while claimed without a reply.
    pub http_status: i64,
    /// Recorded reply body.
    pub body: String,
    /// When the claim was made or taken over (ms).
    pub claimed_at: i64,
}

/// Loads the row for a digest.
pub async fn load(
    conn: &mut AnyConnection,
    c: &Claim<'_>,
) -> Result<Option<EnvelopeRow>, sqlx::Error> {
    let row = sqlx::query(
        "SELECT http_status, body, claimed_at FROM envelope_replies WHERE challenge_id = $1 AND digest = $2",
    )
    .bind(c.challenge_id)
    .bind(c.digest)
    .fetch_optional(&mut *conn)
    .await?;
    row.map(|r| {
        Ok(EnvelopeRow {
            http_status: r.try_get("http_status")?,
            body: r.try_get("body")?,
            claimed_at: r.try_get("claimed_at")?,
        })
    })
    .transpose()
}

/// Claims a digest never seen before; returns false when a row exists.
pub async fn claim(conn: &mut AnyConnection, c: &Claim<'_>, now: i64) -> Result<bool, sqlx::Error> {
    let n = sqlx::query(
        "INSERT INTO envelope_replies (challenge_id, digest, http_status, body, created_at, claimed_at, guess_reserved) \
         VALUES ($1, $2, 0, '', $3, $3, 0) ON CONFLICT (challenge_id, digest) DO NOTHING",
    )
    .bind(c.challenge_id)
    .bind(c.digest)
    .bind(now)
    .execute(&mut *conn)
    .await?
    .rows_affected();
    Ok(n == 1)
}

/// Takes over a claim without a reply whose claim is older than `stale_before` (one conditional
/// UPDATE: of several resends exactly one wins); returns whether this call took it.
pub async fn take_over(
    conn: &mut AnyConnection,
    c: &Claim<'_>,
    now: i64,
    stale_before: i64,
) -> Result<bool, sqlx::Error> {
    let n = sqlx::query(
        "UPDATE envelope_replies SET claimed_at = $1 \
         WHERE challenge_id = $2 AND digest = $3 AND http_status = 0 AND claimed_at < $4",
    )
    .bind(now)
    .bind(c.challenge_id)
    .bind(c.digest)
    .bind(stale_before)
    .execute(&mut *conn)
    .await?
    .rows_affected();
    Ok(n == 1)
}

/// Releases a claim without a reply at once (a resend takes it over at once).
pub async fn release(conn: &mut AnyConnection, c: &Claim<'_>) -> Result<(), sqlx::Error> {
    sqlx::query(
        "UPDATE envelope_replies SET claimed_at = 0 \
         WHERE challenge_id = $1 AND digest = $2 AND http_status = 0",
    )
    .bind(c.challenge_id)
    .bind(c.digest)
    .execute(&mut *conn)
    .await?;
    Ok(())
}

/// Marks the claim's guess as reserved; returns false when an earlier attempt on this envelope
/// reserved it already.
pub async fn mark_guess_reserved(
    conn: &mut AnyConnection,
    c: &Claim<'_>,
) -> Result<bool, sqlx::Error> {
    let n = sqlx::query(
        "UPDATE envelope_replies SET guess_reserved = 1 \
         WHERE challenge_id = $1 AND digest = $2 AND guess_reserved = 0",
    )
    .bind(c.challenge_id)
    .bind(c.digest)
    .execute(&mut *conn)
    .await?
    .rows_affected();
    Ok(n == 1)
}

/// Whether an earlier attempt on this envelope already reserved its guess.
pub async fn guess_reserved(conn: &mut AnyConnection, c: &Claim<'_>) -> Result<bool, sqlx::Error> {
    let row = sqlx::query(
        "SELECT guess_reserved FROM envelope_replies WHERE challenge_id = $1 AND digest = $2",
    )
    .bind(c.challenge_id)
    .bind(c.digest)
    .fetch_optional(&mut *conn)
    .await?;
    Ok(match row {
        Some(r) => r.try_get::<i64, _>("guess_reserved")? != 0,
        None => false,
    })
}

/// Records the reply for a claimed envelope unless one is recorded already; returns whether
/// this call recorded it.
pub async fn record_reply(
    conn: &mut AnyConnection,
    c: &Claim<'_>,
    status: u16,
    body: &str,
) -> Result<bool, sqlx::Error> {
    let n = sqlx::query(
        "UPDATE envelope_replies SET http_status = $1, body = $2 \
         WHERE challenge_id = $3 AND digest = $4 AND http_status = 0",
    )
    .bind(i64::from(status))
    .bind(body)
    .bind(c.challenge_id)
    .bind(c.digest)
    .execute(&mut *conn)
    .await?
    .rows_affected();
    Ok(n == 1)
}

/// Deletes rows created before `before`.
pub async fn delete_before(conn: &mut AnyConnection, before: i64) -> Result<(), sqlx::Error> {
    sqlx::query("DELETE FROM envelope_replies WHERE created_at < $1")
        .bind(before)
        .execute(&mut *conn)
        .await?;
    Ok(())
}
