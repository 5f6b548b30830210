//! State shared by every handler and background task, and the session cache it holds.

use crate::config::Config;
use crate::crypto::{Hasher, SigningKey};
use crate::eth::WalletKek;
use crate::store::now_ms;
use latchkey_protocol::SessionKey;
use sqlx::AnyPool;
use tokio::sync::Notify;

/// State shared by every handler and background task.
pub struct AppState {
    /// Database pool.
    pub pool: AnyPool,
    /// Configuration.
    pub config: Config,
    /// Argon2id verifiers.
    pub hasher: Hasher,
    /// Webhook signing key.
    pub signing: SigningKey,
    /// The key-encryption key wallet keys are sealed under.
    pub wallet_kek: WalletKek,
    /// SHA-256 (hex) of the accepted API keys.
    pub api_key_hashes: Vec<String>,
    /// Wakes the outbox worker.
    pub outbox_wake: Notify,
    /// HTTP client for webhooks.
    pub http: reqwest::Client,
    /// Resolved user sessions (see [`SessionCache`]).
    pub sessions: SessionCache,
}

/// Sessions already resolved, by token hash. A session row is written once and never changed
/// (rows are deleted only by the sweep, a day after they expire), so a cached entry is exactly
/// what the database would answer, also with several instances sharing PostgreSQL; expiry is
/// still checked on every request. Unknown tokens are never cached. Saves the session query
/// and the key unwrap on every client-API request.
#[derive(Default)]
pub struct SessionCache {
    map: std::sync::Mutex<std::collections::HashMap<String, CachedSession>>,
}

/// A resolved session as cached.
#[derive(Clone)]
pub struct CachedSession {
    /// The user.
    pub user_id: String,
    /// The session's envelope key.
    pub key: SessionKey,
    /// Expiry (ms).
    pub expires_at: i64,
}

/// Most sessions kept; when full, expired entries are dropped first, then everything.
const SESSION_CACHE_MAX: usize = 10_000;

impl SessionCache {
    /// The cached session for a token hash.
    pub fn get(&self, token_hash: &str) -> Option<CachedSession> {
        let map = self.map.lock().unwrap_or_else(|e| e.into_inner());
        map.get(token_hash).cloned()
    }

    /// Caches a resolved session.
    pub fn insert(&self, token_hash: String, entry: CachedSession) {
        let mut map = self.map.lock().unwrap_or_else(|e| e.into_inner());
        if map.len() >= SESSION_CACHE_MAX {
            let now = now_ms();
            map.retain(|_, s| s.expires_at > now);
            if map.len() >= SESSION_CACHE_MAX {
                map.clear();
            }
        }
        map.insert(token_hash, entry);
    }
}
