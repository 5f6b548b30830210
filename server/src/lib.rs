#![forbid(unsafe_code)]
#![deny(missing_docs)]
//! Latchkey reference server: the developer API, the client (challenge) API, Argon2id
//! verifiers with guess limits, idempotency keys and signed webhooks, on SQLite or PostgreSQL.
//!
//! Start it in-process:
//!
//! ```no_run
//! # async fn demo() -> Result<(), latchkey_server::StartError> {
//! let running = latchkey_server::Server::start(latchkey_server::Config::for_tests("/tmp/lk")).await?;
//! println!("listening on http://{}", running.local_addr());
//! running.shutdown().await;
//! # Ok(()) }
//! ```

pub mod config;
pub mod crypto;
pub mod domain;
pub mod error;
pub mod eth;
pub mod http;
pub mod state;
pub mod store;
pub mod webhooks;

pub use config::{Cli, Config};
pub use error::ApiError;

use state::{AppState, SessionCache};
use std::future::Future;
use std::net::SocketAddr;
use std::sync::Arc;
use tokio::sync::watch;
use tokio::task::JoinHandle;

/// Why the server could not start.
#[derive(Debug, thiserror::Error)]
pub enum StartError {
    /// The data directory could not be created.
    #[error("data directory: {0}")]
    DataDir(std::io::Error),
    /// The database could not be opened or migrated.
    #[error("database: {0}")]
    Database(#[from] sqlx::Error),
    /// Key material (pepper, signing key) could not be loaded.
    #[error("keys: {0}")]
    Keys(String),
    /// The listen address could not be bound.
    #[error("listen: {0}")]
    Bind(std::io::Error),
}

/// The server. Use [`Server::start`].
#[derive(Debug)]
pub struct Server;

/// A started server: its address, the API key if one was generated or given, and shutdown.
pub struct RunningServer {
    addr: SocketAddr,
    api_key: Option<String>,
    generated_api_key: bool,
    signing_key_id: String,
    stop: watch::Sender<bool>,
    tasks: Vec<JoinHandle<()>>,
    pool: sqlx::AnyPool,
    hasher: crypto::Hasher,
}

impl std::fmt::Debug for RunningServer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RunningServer")
            .field("addr", &self.addr)
            .finish_non_exhaustive()
    }
}

impl Server {
    /// Opens the database (running migrations), loads or creates the pepper, API key and
    /// signing key, binds the listener and starts serving plus the background tasks (expiry
    /// sweep, webhook outbox).
    pub async fn start(config: Config) -> Result<RunningServer, StartError> {
        std::fs::create_dir_all(&config.data_dir).map_err(StartError::DataDir)?;
        let pool = store::connect(&config).await?;
        let pepper =
            Arc::new(crypto::Pepper::load(&config).map_err(|e| StartError::Keys(e.to_string()))?);
        let hasher = crypto::Hasher::new(pepper.clone(), &config)
            .map_err(|e| StartError::Keys(e.to_string()))?;
        let signing = webhooks::signing::load_signing_key(&pool, &pepper)
            .await
            .map_err(StartError::Keys)?;
        let wallet_kek = load_wallet_kek(&config)?;
        let (api_key, generated, hashes) = load_api_key(&pool, &config).await?;
        let listener = tokio::net::TcpListener::bind(config.listen)
            .await
            .map_err(StartError::Bind)?;
        let addr = listener.local_addr().map_err(StartError::Bind)?;
        let http = reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .map_err(|e| StartError::Keys(e.to_string()))?;
        let signing_key_id = signing.id.clone();
        let hasher_handle = hasher.clone();
        let state = Arc::new(AppState {
            pool: pool.clone(),
            config,
            hasher,
            signing: std::sync::RwLock::new(Arc::new(signing)),
            wallet_kek,
            api_key_hashes: hashes,
            outbox_wake: tokio::sync::Notify::new(),
            http,
            sessions: SessionCache::default(),
        });
        let (stop, stop_rx) = watch::channel(false);
        let mut tasks = Vec::new();

        let router = http::router(state.clone());
        let header_timeout = state.config.header_read_timeout;
        let mut rx = stop_rx.clone();
        tasks.push(tokio::spawn(async move {
            let shutdown = async move {
                let _ = rx.wait_for(|v| *v).await;
            };
            http::serve::serve(listener, router, header_timeout, shutdown).await;
        }));
        tasks.push(tokio::spawn(webhooks::outbox::run_outbox(
            state.clone(),
            stop_rx.clone(),
        )));
        let st = state.clone();
        let mut rx = stop_rx;
        tasks.push(tokio::spawn(async move {
            loop {
                if let Err(e) = domain::challenges::sweep(&st).await {
                    tracing::warn!(error = %e, "expiry sweep failed");
                }
                tokio::select! {
                    _ = rx.wait_for(|v| *v) => return,
                    _ = tokio::time::sleep(st.config.sweep_interval) => {}
                }
            }
        }));
        tracing::info!(%addr, "latchkey-server listening");
        Ok(RunningServer {
            addr,
            api_key,
            generated_api_key: generated,
            signing_key_id,
            stop,
            tasks,
            pool,
            hasher: hasher_handle,
        })
    }
}

/// The wallet KEK from `LATCHKEY_WALLET_KEK` (config) or `<data_dir>/wallet-kek`; refused when
/// malformed, too short, or equal to the pepper.
fn load_wallet_kek(config: &Config) -> Result<eth::WalletKek, StartError> {
    let kek = eth::WalletKek::load(config.wallet_kek.as_deref(), &config.data_dir)
        .map_err(|e| StartError::Keys(e.to_string()))?;
    if let (Some(k), Some(p)) = (&config.wallet_kek, &config.pepper) {
        if k.trim() == p.trim() {
            return Err(StartError::Keys(eth::KekError::SameAsPepper.to_string()));
        }
    }
    if let Ok(p) = std::fs::read_to_string(config.data_dir.join("pepper")) {
        let p = zeroize::Zeroizing::new(p);
        if config.wallet_kek.as_deref().map(str::trim) == Some(p.trim()) {
            return Err(StartError::Keys(eth::KekError::SameAsPepper.to_string()));
        }
    }
    Ok(kek)
}

async fn load_api_key(
    pool: &sqlx::AnyPool,
    config: &Config,
) -> Result<(Option<String>, bool, Vec<String>), StartError> {
    if let Some(k) = &config.api_key {
        return Ok((
            Some(k.clone()),
            false,
            vec![crypto::sha256_hex(k.as_bytes())],
        ));
    }
    let hashes = store::api_keys::hashes(&mut *pool.acquire().await?).await?;
    if !hashes.is_empty() {
        return Ok((None, false, hashes));
    }
    let key = crypto::new_token().map_err(|e| StartError::Keys(e.to_string()))?;
    let key = format!("lk_{}", key.as_str());
    let h = crypto::sha256_hex(key.as_bytes());
    store::api_keys::insert(&mut *pool.acquire().await?, &h, store::now_ms()).await?;
    Ok((Some(key), true, vec![h]))
}

impl Drop for RunningServer {
    /// Dropping without [`RunningServer::shutdown`] still stops the server and its background
    /// tasks (without waiting for them).
    fn drop(&mut self) {
        let _ = self.stop.send(true);
    }
}

impl RunningServer {
    /// The address actually bound (the real port when started with port 0).
    pub fn local_addr(&self) -> SocketAddr {
        self.addr
    }

    /// `http://<addr>`.
    pub fn base_url(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// The API key: the configured one, or the one generated on this (first) start.
    /// `None` when a key was generated on an earlier start (only its hash is stored).
    pub fn api_key(&self) -> Option<&str> {
        self.api_key.as_deref()
    }

    /// Whether this start generated the API key.
    pub fn api_key_generated(&self) -> bool {
        self.generated_api_key
    }

    /// How many Argon2 computations this server has started (for load measurements).
    pub fn argon2_runs(&self) -> u64 {
        self.hasher.runs()
    }

    /// Takes one Argon2 admission exactly as a request's PIN/answer check does (a permit of
    /// the global semaphore, through the bounded queue) and holds it until the returned permit
    /// is dropped; no Argon2 runs. For load tests: with `argon2_in_flight` 1 and
    /// `argon2_queue` 0 it fills the server's Argon2 capacity deterministically, so every check
    /// meanwhile is shed with 503 155830 and `Retry-After`. `None` when the server was busy.
    pub async fn hold_argon2_permit(&self) -> Option<crypto::KdfPermit> {
        self.hasher.admit(None).await.ok()
    }

    /// Id of the webhook signing key (`X-Latchkey-Key-Id`).
    pub fn signing_key_id(&self) -> &str {
        &self.signing_key_id
    }

    /// Stops accepting requests, lets in-flight requests finish, stops background tasks and
    /// closes the database.
    pub async fn shutdown(mut self) {
        let _ = self.stop.send(true);
        for t in std::mem::take(&mut self.tasks) {
            let _ = t.await;
        }
        self.pool.close().await;
    }

    /// Runs until `signal` completes, then shuts down gracefully.
    pub async fn run_until<F: Future<Output = ()>>(self, signal: F) {
        signal.await;
        tracing::info!("shutting down");
        self.shutdown().await;
    }
}
