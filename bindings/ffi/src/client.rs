//! `ClientConfig`, `Client` and `Session`: conversions and calls into [`latchkey_core`].

use crate::runtime::{on_runtime, runtime};
use crate::{Challenge, ChallengeRun, LatchkeyError, User, Wallet};
use latchkey_core as lk;
use std::sync::Arc;
use std::time::Duration;
use tokio::runtime::Runtime;
use zeroize::Zeroizing;

/// Client configuration (UDL `ClientConfig`; see the UDL for defaults).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ClientConfig {
    /// Server base URL.
    pub base_url: String,
    /// Whole-request timeout, ms.
    pub request_timeout_ms: u32,
    /// Connect timeout, ms.
    pub connect_timeout_ms: u32,
    /// Automatic retries.
    pub max_retries: u32,
    /// First retry delay, ms.
    pub initial_backoff_ms: u32,
    /// Longest retry/poll delay, ms.
    pub max_backoff_ms: u32,
    /// First poll delay, ms.
    pub poll_interval_ms: u32,
    /// `User-Agent`; `None` means `latchkey-ffi/<version>`.
    pub user_agent: Option<String>,
}

impl ClientConfig {
    pub(crate) fn to_core(&self) -> lk::ClientConfig {
        let ms = |v: u32| Duration::from_millis(u64::from(v));
        lk::ClientConfig {
            base_url: self.base_url.clone(),
            request_timeout: ms(self.request_timeout_ms),
            connect_timeout: ms(self.connect_timeout_ms),
            user_agent: self
                .user_agent
                .clone()
                .unwrap_or_else(|| concat!("latchkey-ffi/", env!("CARGO_PKG_VERSION")).into()),
            max_retries: self.max_retries,
            initial_backoff: ms(self.initial_backoff_ms),
            max_backoff: ms(self.max_backoff_ms),
            poll_interval: ms(self.poll_interval_ms),
            ..lk::ClientConfig::default()
        }
    }
}

/// A connection to one server (UDL `Client`).
pub struct Client {
    inner: lk::Client,
    config: ClientConfig,
    rt: &'static Runtime,
}

impl Client {
    /// Builds the client (starts the SDK runtime on first use).
    pub fn new(config: ClientConfig) -> Result<Self, LatchkeyError> {
        let rt = runtime()?;
        let inner = lk::Client::new(config.to_core())?;
        Ok(Client { inner, config, rt })
    }

    /// The configuration.
    pub fn config(&self) -> ClientConfig {
        self.config.clone()
    }

    /// A session; the key is checked at once.
    pub fn session(
        &self,
        user_token: String,
        encryption_key: String,
    ) -> Result<Arc<Session>, LatchkeyError> {
        let token = Zeroizing::new(user_token);
        let key = Zeroizing::new(encryption_key);
        let inner = self.inner.session(&token, &key)?;
        Ok(Arc::new(Session { inner, rt: self.rt }))
    }
}

/// A user's session (UDL `Session`).
pub struct Session {
    pub(crate) inner: lk::Session,
    pub(crate) rt: &'static Runtime,
}

impl Session {
    /// Fetches a challenge's descriptor and starts the run.
    pub async fn run_challenge(
        &self,
        challenge_id: String,
    ) -> Result<Arc<ChallengeRun>, LatchkeyError> {
        let s = self.inner.clone();
        let rt = self.rt;
        on_runtime(rt, async move {
            let run = s.run_challenge(&challenge_id).await?;
            Ok(Arc::new(ChallengeRun::new(run, rt)))
        })
        .await
    }

    /// A challenge's current status.
    pub async fn challenge(&self, challenge_id: String) -> Result<Challenge, LatchkeyError> {
        let s = self.inner.clone();
        on_runtime(self.rt, async move {
            Ok(s.challenge(&challenge_id).await?.into())
        })
        .await
    }

    /// The user's PENDING challenges.
    pub async fn pending_challenges(&self) -> Result<Vec<Challenge>, LatchkeyError> {
        let s = self.inner.clone();
        on_runtime(self.rt, async move {
            Ok(s.pending_challenges()
                .await?
                .into_iter()
                .map(Challenge::from)
                .collect())
        })
        .await
    }

    /// All of the user's challenges.
    pub async fn challenges(&self) -> Result<Vec<Challenge>, LatchkeyError> {
        let s = self.inner.clone();
        on_runtime(self.rt, async move {
            Ok(s.challenges()
                .await?
                .into_iter()
                .map(Challenge::from)
                .collect())
        })
        .await
    }

    /// The session's user: PIN and security-question status (`GET /v1/user`).
    pub async fn user(&self) -> Result<User, LatchkeyError> {
        let s = self.inner.clone();
        on_runtime(self.rt, async move { Ok(s.user().await?.into()) }).await
    }

    /// The user's wallets.
    pub async fn wallets(&self) -> Result<Vec<Wallet>, LatchkeyError> {
        let s = self.inner.clone();
        on_runtime(self.rt, async move {
            Ok(s.wallets().await?.into_iter().map(Wallet::from).collect())
        })
        .await
    }

    /// One of the user's wallets.
    pub async fn wallet(&self, wallet_id: String) -> Result<Wallet, LatchkeyError> {
        let s = self.inner.clone();
        on_runtime(
            self.rt,
            async move { Ok(s.wallet(&wallet_id).await?.into()) },
        )
        .await
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bad_key_and_bad_url_are_errors() {
        let cfg = |url: &str| ClientConfig {
            base_url: url.into(),
            request_timeout_ms: 1000,
            connect_timeout_ms: 1000,
            max_retries: 0,
            initial_backoff_ms: 10,
            max_backoff_ms: 10,
            poll_interval_ms: 10,
            user_agent: None,
        };
        assert!(matches!(
            Client::new(cfg("not a url")),
            Err(LatchkeyError::InvalidInput { code: 155801, .. })
        ));
        let c = Client::new(cfg("http://127.0.0.1:9")).expect("client");
        let e = c.session("tok".into(), "short".into()).err();
        assert!(matches!(
            e,
            Some(LatchkeyError::InvalidKey { code: 155118, .. })
        ));
    }
}
