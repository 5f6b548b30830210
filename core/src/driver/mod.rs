//! The async driver: talks HTTP to a Latchkey server and feeds the sans-IO [`Flow`].
//!
//! ```no_run
//! # async fn demo(token: &str, key: &str, challenge_id: &str) -> Result<(), latchkey_core::LatchkeyError> {
//! use latchkey_core::{Client, ClientConfig, Input, Screen, Secret};
//! let client = Client::new(ClientConfig::new("https://wallet.example"))?;
//! let session = client.session(token, key)?;          // bad key: Err(InvalidKey), no request
//! let run = session.run_challenge(challenge_id).await?;  // fetches the descriptor
//! let mut screen = run.screen();
//! while !screen.is_terminal() {
//!     screen = match screen {
//!         Screen::EnterPin { .. } => run.submit(Input::Pin(Secret::from_str_copy("135790"))).await?,
//!         Screen::Interrupted { .. } => run.retry().await?,
//!         _ => run.cancel().await?,
//!     };
//! }
//! let final_status = run.wait_for_result(std::time::Duration::from_secs(10)).await?;
//! # Ok(()) }
//! ```
//!
//! * [`Client`]: endpoint, timeouts, retry policy ([`crate::retry`]), the server-clock
//!   offset; one shared `reqwest` client (rustls).
//!   Cheap to clone; share one per app.
//! * [`Session`]: a user token plus the session `encryptionKey`. Cheap to clone.
//! * [`ChallengeRun`]: one challenge being walked through. `Send + Sync`; every method takes
//!   `&self`, so it can be shared through an `Arc` by a UI task and a background task.
//! * [`admin::AdminClient`]: the developer API (API key) for app backends, tools and tests.
//!
//! See `docs/sdk.md` for errors, retries and threading.

pub mod admin;
mod error;
mod http;
mod run;

pub use admin::AdminClient;
pub use error::LatchkeyError;
pub use run::{Begun, ChallengeRun, Input, PendingIo};

use crate::retry::RequestKind;
use http::{Auth, Outcome, Transport};
use latchkey_protocol::{
    Challenge, ChallengeDescriptor, SessionKey, User, Wallet, WalletList, WalletReply,
};
use reqwest::Method;
use serde::Deserialize;
use std::fmt;
use std::sync::Arc;
use std::time::{Duration, SystemTime};
use zeroize::Zeroizing;

#[cfg(doc)]
use crate::Flow;

/// Where the server is and how patiently to talk to it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ClientConfig {
    /// Server base URL, e.g. `https://wallet.example` (the `/v1/...` paths are appended).
    pub base_url: String,
    /// Whole-request timeout (connect + send + reply). Default 15 s.
    pub request_timeout: Duration,
    /// TCP/TLS connect timeout. Default 5 s.
    pub connect_timeout: Duration,
    /// `User-Agent` header. Default `latchkey-core/<version>`.
    pub user_agent: String,
    /// Automatic retries after the first attempt for connection errors, timeouts and 5xx.
    /// Default 3 (4 attempts).
    pub max_retries: u32,
    /// Delay before the first retry; doubles each retry (with jitter). Default 200 ms.
    pub initial_backoff: Duration,
    /// Longest delay between retries or status polls. Default 5 s.
    pub max_backoff: Duration,
    /// First delay between status polls in `wait_for_result`. Default 250 ms.
    pub poll_interval: Duration,
    /// Longest `Retry-After` honoured when the server sheds load (503 or 429, codes 155830 and
    /// 155834): a longer one fails at once with [`LatchkeyError::ServerBusy`] instead of
    /// freezing the screen. Default 30 s.
    pub max_retry_after: Duration,
    /// The device's wall clock. Expiry is judged by the server's clock: the driver measures
    /// the offset from every reply's `Date` header and shifts this clock by it. Default: the
    /// system clock; tests inject a skewed one.
    pub clock: Clock,
}

/// The device's wall clock as the driver reads it (see [`ClientConfig::clock`]). Cheap to
/// clone; two clocks are equal when they are the same clock.
#[derive(Clone)]
pub struct Clock(Arc<dyn Fn() -> SystemTime + Send + Sync>);

impl Clock {
    /// The system clock.
    pub fn system() -> Clock {
        Clock(Arc::new(SystemTime::now))
    }

    /// A clock that reads `f` (e.g. a device clock 15 minutes fast, in tests).
    pub fn from_fn(f: impl Fn() -> SystemTime + Send + Sync + 'static) -> Clock {
        Clock(Arc::new(f))
    }

    /// The time now.
    pub fn now(&self) -> SystemTime {
        (self.0)()
    }

    /// Unix seconds now (0 before 1970).
    pub fn now_unix(&self) -> i64 {
        self.now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| i64::try_from(d.as_secs()).unwrap_or(i64::MAX))
            .unwrap_or(0)
    }
}

impl Default for Clock {
    fn default() -> Self {
        Clock::system()
    }
}

impl fmt::Debug for Clock {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Clock")
    }
}

impl PartialEq for Clock {
    fn eq(&self, other: &Self) -> bool {
        Arc::ptr_eq(&self.0, &other.0)
    }
}

impl Eq for Clock {}

impl ClientConfig {
    /// Defaults for `base_url`.
    pub fn new(base_url: impl Into<String>) -> Self {
        ClientConfig {
            base_url: base_url.into(),
            ..ClientConfig::default()
        }
    }
}

impl Default for ClientConfig {
    fn default() -> Self {
        ClientConfig {
            base_url: "http://127.0.0.1:8080".into(),
            request_timeout: Duration::from_secs(15),
            connect_timeout: Duration::from_secs(5),
            user_agent: concat!("latchkey-core/", env!("CARGO_PKG_VERSION")).into(),
            max_retries: 3,
            initial_backoff: Duration::from_millis(200),
            max_backoff: Duration::from_secs(5),
            poll_interval: Duration::from_millis(250),
            max_retry_after: Duration::from_secs(30),
            clock: Clock::system(),
        }
    }
}

/// A connection to one Latchkey server. Cheap to clone (shared inside).
#[derive(Clone)]
pub struct Client {
    transport: Arc<Transport>,
}

impl fmt::Debug for Client {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Client")
            .field("base_url", &self.transport.config.base_url)
            .finish_non_exhaustive()
    }
}

impl Client {
    /// Builds the client. Fails with [`LatchkeyError::InvalidInput`] (155801) when the base URL
    /// is not an `http`/`https` URL or the HTTP stack cannot start.
    pub fn new(config: ClientConfig) -> Result<Client, LatchkeyError> {
        let url = config.base_url.trim();
        let ok = reqwest::Url::parse(url)
            .map(|u| matches!(u.scheme(), "http" | "https") && u.host().is_some())
            .unwrap_or(false);
        if !ok {
            return Err(LatchkeyError::invalid_input(
                latchkey_protocol::ErrorCode::InvalidRequest,
                "base_url must be an http or https URL",
            ));
        }
        let transport = Transport::new(config).map_err(|_| {
            LatchkeyError::invalid_input(
                latchkey_protocol::ErrorCode::InvalidRequest,
                "the HTTP client could not be built",
            )
        })?;
        Ok(Client {
            transport: Arc::new(transport),
        })
    }

    /// The configuration.
    pub fn config(&self) -> &ClientConfig {
        &self.transport.config
    }

    /// A session for a user token and its `encryptionKey` (both from the app's backend,
    /// `POST /v1/users/token`). The key is checked at once: anything that is not base64 of 32
    /// bytes fails with [`LatchkeyError::InvalidKey`] (155118) and nothing is sent. A token
    /// that cannot be a token (empty, spaces, control characters) fails with
    /// [`LatchkeyError::SessionExpired`] (155105).
    pub fn session(
        &self,
        user_token: &str,
        encryption_key: &str,
    ) -> Result<Session, LatchkeyError> {
        let key = SessionKey::from_base64(encryption_key).map_err(|_| LatchkeyError::InvalidKey)?;
        let token = user_token.trim();
        if token.is_empty() || token.len() > 512 || !token.bytes().all(|b| b.is_ascii_graphic()) {
            return Err(LatchkeyError::SessionExpired {
                code: latchkey_protocol::ErrorCode::InvalidToken,
            });
        }
        Ok(Session {
            inner: Arc::new(SessionInner {
                client: self.clone(),
                token: Zeroizing::new(token.to_owned()),
                key,
            }),
        })
    }

    /// A developer-API client sharing this client's connection pool.
    pub fn admin(&self, api_key: &str) -> AdminClient {
        AdminClient::with_client(self.clone(), api_key)
    }

    pub(crate) fn transport(&self) -> &Transport {
        &self.transport
    }

    /// `server time - device time` in seconds, measured from the last reply's `Date` header
    /// (`None` before any reply). The flows judge expiry by the device clock shifted by this.
    pub fn server_clock_offset(&self) -> Option<i64> {
        self.transport.server_clock().offset()
    }
}

/// A user's session: the user token and the session key. Cheap to clone. `Debug` hides both.
#[derive(Clone)]
pub struct Session {
    inner: Arc<SessionInner>,
}

struct SessionInner {
    client: Client,
    token: Zeroizing<String>,
    key: SessionKey,
}

impl fmt::Debug for Session {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Session { user_token: <redacted>, encryption_key: <redacted> }")
    }
}

/// `GET /v1/user/challenges/{id}` answers `{"data": {"challenge": {...}}}` (Circle's shape).
#[derive(Deserialize)]
struct ChallengeObject {
    challenge: Challenge,
}

#[derive(Deserialize)]
struct ChallengeList {
    challenges: Vec<Challenge>,
}

impl Session {
    /// Starts walking through a challenge: fetches its descriptor (one request; the server
    /// moves it from PENDING to IN_PROGRESS) and starts the [`Flow`].
    ///
    /// Errors: [`LatchkeyError::ChallengeExpired`], [`LatchkeyError::SessionExpired`],
    /// [`LatchkeyError::Server`] (e.g. 155116 no such challenge, 155804 already finished),
    /// [`LatchkeyError::Unsupported`], [`LatchkeyError::Network`].
    pub async fn run_challenge(&self, challenge_id: &str) -> Result<ChallengeRun, LatchkeyError> {
        let path = format!(
            "/v1/user/challenges/{}/descriptor",
            path_segment(challenge_id)?
        );
        let d: ChallengeDescriptor = self.get(&path).await?;
        ChallengeRun::start(self.clone(), d, None)
    }

    /// [`run_challenge`](Session::run_challenge) with the app's cloud storage, for
    /// SET_CLOUD_BACKUP and RESTORE_PIN with method CLOUD_BACKUP (other challenges never use
    /// it). Without it those challenges end their cloud step on
    /// [`Screen::CloudStorageFailed`](crate::Screen::CloudStorageFailed).
    pub async fn run_challenge_with_storage(
        &self,
        challenge_id: &str,
        storage: Arc<dyn crate::cloud::CloudStorage>,
    ) -> Result<ChallengeRun, LatchkeyError> {
        let path = format!(
            "/v1/user/challenges/{}/descriptor",
            path_segment(challenge_id)?
        );
        let d: ChallengeDescriptor = self.get(&path).await?;
        ChallengeRun::start(self.clone(), d, Some(storage))
    }

    /// The challenge's current status (`GET /v1/user/challenges/{id}`).
    pub async fn challenge(&self, challenge_id: &str) -> Result<Challenge, LatchkeyError> {
        let path = format!("/v1/user/challenges/{}", path_segment(challenge_id)?);
        let o: ChallengeObject = self.get(&path).await?;
        Ok(o.challenge)
    }

    /// The user's challenges still waiting for the SDK (status PENDING).
    pub async fn pending_challenges(&self) -> Result<Vec<Challenge>, LatchkeyError> {
        let l: ChallengeList = self.get("/v1/user/challenges?status=PENDING").await?;
        Ok(l.challenges)
    }

    /// All of the user's challenges, any status.
    pub async fn challenges(&self) -> Result<Vec<Challenge>, LatchkeyError> {
        let l: ChallengeList = self.get("/v1/user/challenges").await?;
        Ok(l.challenges)
    }

    /// The session's user (`GET /v1/user`): PIN and security-question status, wrong attempts
    /// since the last success, and when a lock ends. For the wallet home (which actions to
    /// offer); no API key is needed.
    pub async fn user(&self) -> Result<User, LatchkeyError> {
        self.get("/v1/user").await
    }

    /// The user's wallets (`GET /v1/wallets`), oldest first.
    pub async fn wallets(&self) -> Result<Vec<Wallet>, LatchkeyError> {
        let l: WalletList = self.get("/v1/wallets").await?;
        Ok(l.wallets)
    }

    /// One of the user's wallets (`GET /v1/wallets/{id}`). Another user's wallet is 155819,
    /// exactly like one that does not exist.
    pub async fn wallet(&self, wallet_id: &str) -> Result<Wallet, LatchkeyError> {
        let path = format!("/v1/wallets/{}", path_segment(wallet_id)?);
        let r: WalletReply = self.get(&path).await?;
        Ok(r.wallet)
    }

    pub(crate) fn key(&self) -> &SessionKey {
        &self.inner.key
    }

    pub(crate) fn token(&self) -> &str {
        &self.inner.token
    }

    pub(crate) fn transport(&self) -> &Transport {
        self.inner.client.transport()
    }

    async fn get<T: serde::de::DeserializeOwned + Send>(
        &self,
        path: &str,
    ) -> Result<T, LatchkeyError> {
        let out = self
            .transport()
            .call(
                Method::GET,
                path,
                Auth::User(self.token()),
                None,
                RequestKind::Idempotent,
            )
            .await;
        outcome(out)
    }
}

/// Turns a transport outcome into the public result.
pub(crate) fn outcome<T>(o: Outcome<T>) -> Result<T, LatchkeyError> {
    match o {
        Outcome::Accepted(v) => Ok(v),
        Outcome::Rejected(b) => Err(LatchkeyError::from_body(b)),
        Outcome::Unreachable {
            code,
            attempts,
            detail,
        } => Err(LatchkeyError::network(code, attempts, detail)),
        Outcome::Busy {
            code,
            attempts,
            retry_after,
        } => Err(LatchkeyError::ServerBusy {
            code,
            attempts,
            retry_after_secs: retry_after.map(|d| d.as_secs()),
        }),
    }
}

/// Checks an id before it goes into a URL path.
pub(crate) fn path_segment(id: &str) -> Result<&str, LatchkeyError> {
    if !id.is_empty()
        && id.len() <= 128
        && id
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_' || b == b'.')
    {
        Ok(id)
    } else {
        Err(LatchkeyError::invalid_input(
            latchkey_protocol::ErrorCode::InvalidChallenge,
            "not a challenge or user id",
        ))
    }
}
