//! Developer API keys and user sessions: checking a key, resolving a token (through the
//! [`SessionCache`](crate::state::SessionCache)), issuing a token.

use crate::crypto;
use crate::error::{ApiError, ApiResult};
use crate::state::{AppState, CachedSession};
use crate::store::{self, now_ms, sessions, users};
use latchkey_protocol::secret::ct_eq;
use latchkey_protocol::{ErrorCode, SessionKey, UserTokenResponse};

/// Checks a developer API key against the accepted hashes in constant time (155802).
pub fn check_api_key(state: &AppState, key: &str) -> ApiResult<()> {
    let h = crypto::sha256_hex(key.as_bytes());
    let mut ok = false;
    for stored in &state.api_key_hashes {
        ok |= ct_eq(stored.as_bytes(), h.as_bytes());
    }
    if ok {
        Ok(())
    } else {
        Err(ApiError::new(ErrorCode::Unauthorized))
    }
}

/// An authenticated user session.
pub struct Session {
    /// The user.
    pub user_id: String,
    /// SHA-256 (hex) of the user token.
    pub token_hash: String,
    /// The session's envelope key.
    pub key: SessionKey,
}

fn revoked_error() -> ApiError {
    ApiError::new(ErrorCode::TokenExpired).with_message("The user token was revoked.")
}

/// Resolves a user token (155105 malformed, 155103 unknown, 155104 expired or revoked).
///
/// A cached session is still checked against the database on every request (one primary-key
/// read of `revoked_at`): the cache saves the key unwrap, never the revocation check, so a
/// revocation made through any instance sharing the database holds at once everywhere.
pub async fn resolve(state: &AppState, token: &str) -> ApiResult<Session> {
    resolve_pending(state, token).await?.check(state).await
}

/// A resolved session whose revocation check may still be owed (it came from the session
/// cache). A handler that reads the database anyway makes the check inside its own statement
/// and passes the result to [`PendingSession::confirm`]; otherwise [`PendingSession::check`]
/// makes it on its own. Nothing the handler read may be used before either has succeeded.
#[must_use = "the revocation check is still owed"]
pub struct PendingSession {
    session: Session,
    check_owed: bool,
}

impl PendingSession {
    /// The session's user (to scope the handler's read).
    pub fn user_id(&self) -> &str {
        &self.session.user_id
    }

    /// SHA-256 (hex) of the user token (for the revocation read).
    pub fn token_hash(&self) -> &str {
        &self.session.token_hash
    }

    /// The session, given the revocation read made with the handler's statement (`None`: the
    /// session row is gone; `Some(false)`: revoked).
    pub fn confirm(self, state: &AppState, usable: Option<bool>) -> ApiResult<Session> {
        if self.check_owed && usable != Some(true) {
            // Revoked, or deleted by the sweep after expiry.
            state.sessions.remove(&self.session.token_hash);
            return Err(revoked_error());
        }
        Ok(self.session)
    }

    /// The session, after the revocation check on its own (one primary-key read).
    pub async fn check(self, state: &AppState) -> ApiResult<Session> {
        let usable = if self.check_owed {
            sessions::usable(&mut *state.pool.acquire().await?, &self.session.token_hash).await?
        } else {
            Some(true)
        };
        self.confirm(state, usable)
    }
}

/// [`resolve`], leaving a cached session's revocation check to the caller ([`PendingSession`]).
pub async fn resolve_pending(state: &AppState, token: &str) -> ApiResult<PendingSession> {
    if !crypto::token_well_formed(token) {
        return Err(ApiError::new(ErrorCode::InvalidToken));
    }
    let hash = crypto::sha256_hex(token.as_bytes());
    if let Some(c) = state.sessions.get(&hash) {
        if c.expires_at <= now_ms() {
            return Err(ApiError::new(ErrorCode::TokenExpired));
        }
        return Ok(PendingSession {
            session: Session {
                user_id: c.user_id,
                token_hash: hash,
                key: c.key,
            },
            check_owed: true,
        });
    }
    let row = sessions::load(&mut *state.pool.acquire().await?, &hash)
        .await?
        .ok_or(ApiError::new(ErrorCode::TokenNotFound))?;
    if row.expires_at <= now_ms() {
        return Err(ApiError::new(ErrorCode::TokenExpired));
    }
    if row.revoked_at.is_some() {
        return Err(revoked_error());
    }
    let raw = state
        .hasher
        .pepper()
        .unwrap(&format!("session:{hash}"), &row.wrapped_key)
        .map_err(|_| ApiError::internal("a session key cannot be unwrapped"))?;
    let arr: [u8; 32] = raw
        .as_slice()
        .try_into()
        .map_err(|_| ApiError::internal("stored session key has the wrong length"))?;
    let key = SessionKey::from_bytes(arr);
    state.sessions.insert(
        hash.clone(),
        CachedSession {
            user_id: row.user_id.clone(),
            key: key.clone(),
            expires_at: row.expires_at,
        },
    );
    // Read from the database just now, revocation included: nothing is owed.
    Ok(PendingSession {
        session: Session {
            user_id: row.user_id,
            token_hash: hash,
            key,
        },
        check_owed: false,
    })
}

/// Revokes one user token (developer API; 155105 malformed, 155103 unknown). Revoking a token
/// already revoked or expired succeeds (nothing changes).
pub async fn revoke_token(state: &AppState, token: &str) -> ApiResult<()> {
    if !crypto::token_well_formed(token) {
        return Err(ApiError::new(ErrorCode::InvalidToken));
    }
    let hash = crypto::sha256_hex(token.as_bytes());
    let mut conn = state.pool.acquire().await?;
    if sessions::load(&mut conn, &hash).await?.is_none() {
        return Err(ApiError::new(ErrorCode::TokenNotFound));
    }
    sessions::revoke(&mut conn, &hash, now_ms()).await?;
    state.sessions.remove(&hash);
    tracing::info!("user token revoked");
    Ok(())
}

/// Revokes every token of a user, "log out everywhere" (155102 unknown user); returns how many
/// live tokens were revoked.
pub async fn revoke_user(state: &AppState, user_id: &str) -> ApiResult<u64> {
    let mut conn = state.pool.acquire().await?;
    if users::load_user(&mut conn, user_id).await?.is_none() {
        return Err(ApiError::new(ErrorCode::UserNotFound));
    }
    let n = sessions::revoke_user(&mut conn, user_id, None, now_ms()).await?;
    tracing::info!(user_id, revoked = n, "user tokens revoked");
    Ok(n)
}

/// Issues a session for an existing user (155102 otherwise): a fresh token and envelope key;
/// only the token's hash and the key wrapped under the pepper are stored.
pub async fn issue(state: &AppState, user_id: &str) -> ApiResult<UserTokenResponse> {
    if users::load_user(&mut *state.pool.acquire().await?, user_id)
        .await?
        .is_none()
    {
        return Err(ApiError::new(ErrorCode::UserNotFound));
    }
    let token = crypto::new_token().map_err(ApiError::internal)?;
    let key = SessionKey::generate(&ring::rand::SystemRandom::new()).map_err(ApiError::internal)?;
    let key_b64 = key.to_base64();
    let hash = crypto::sha256_hex(token.as_bytes());
    let raw = base64::Engine::decode(
        &base64::engine::general_purpose::STANDARD,
        key_b64.as_bytes(),
    )
    .map(zeroize::Zeroizing::new)
    .map_err(ApiError::internal)?;
    let wrapped = state
        .hasher
        .pepper()
        .wrap(&format!("session:{hash}"), &raw)
        .map_err(ApiError::internal)?;
    let now = now_ms();
    sessions::insert(
        &mut *state.pool.acquire().await?,
        &hash,
        user_id,
        &wrapped,
        now,
        now + store::ms(state.config.token_ttl),
    )
    .await?;
    Ok(UserTokenResponse {
        user_token: token.to_string(),
        encryption_key: key_b64.to_string(),
    })
}
