//! Server configuration: the [`Config`] struct used by the library and the `clap` flags of the
//! binary (every flag has an environment fallback).

use clap::Parser;
use std::fmt;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::time::Duration;

/// Everything the server needs to start. Build one with [`Config::new`], [`Config::for_tests`]
/// or from command-line flags with [`Cli::into_config`].
#[derive(Clone)]
pub struct Config {
    /// Address to listen on; port 0 picks a free port (see `RunningServer::local_addr`).
    pub listen: SocketAddr,
    /// `sqlite://...` or `postgres://...`; `None` means `sqlite://<data_dir>/latchkey.db`.
    pub database_url: Option<String>,
    /// Directory for the SQLite file and the pepper file (created if missing).
    pub data_dir: PathBuf,
    /// The developer API key. `None`: use the stored key hash, or generate a key on first start.
    pub api_key: Option<String>,
    /// The pepper mixed into every verifier. `None`: read or create `<data_dir>/pepper` (mode 0600).
    pub pepper: Option<String>,
    /// The wallet key-encryption key (base64 of at least 32 bytes; never the pepper). `None`:
    /// read or create `<data_dir>/wallet-kek` (mode 0600).
    pub wallet_kek: Option<String>,
    /// Lifetime of a user token.
    pub token_ttl: Duration,
    /// Lifetime of a challenge before it becomes EXPIRED.
    pub challenge_ttl: Duration,
    /// Consecutive wrong PINs (or answer sets) before a lock.
    pub max_attempts: u32,
    /// How long a lock lasts.
    pub lock_duration: Duration,
    /// Argon2id memory cost in KiB.
    pub argon2_memory_kib: u32,
    /// Argon2id iterations.
    pub argon2_iterations: u32,
    /// How many Argon2 computations run at once: the number of dedicated Argon2 threads.
    pub argon2_concurrency: usize,
    /// How many requests may hold an Argon2 admission at once (a bounded semaphore): doing the
    /// database work around their computation, waiting for an Argon2 thread or running on one.
    /// More than `argon2_concurrency` (default: twice), so the threads do not sit idle while an
    /// admitted request reserves its guess or records its result.
    pub argon2_in_flight: usize,
    /// Largest request body accepted, in bytes.
    pub max_body_bytes: usize,
    /// First webhook retry delay; doubles on each failure.
    pub webhook_retry_base: Duration,
    /// Longest webhook retry delay.
    pub webhook_retry_max: Duration,
    /// Timeout of one webhook delivery attempt.
    pub webhook_timeout: Duration,
    /// How often expired challenges are swept and the outbox is polled.
    pub sweep_interval: Duration,
    /// Most database connections (SQLite always uses one).
    pub max_db_connections: u32,
    /// How long a claim on an envelope (taken before processing it) holds. A resend of the
    /// identical envelope while the claim is younger gets 409 155816 (still being processed);
    /// an older claim was left by a process that died mid-request and is taken over by the
    /// resend. Must stay well above the longest step processing time (Argon2 queueing
    /// included).
    pub claim_lease: Duration,
    /// Whether completing a RESTORE_PIN (a recovery) revokes every other token of the user
    /// (all but the one that completed it). Default true.
    pub revoke_sessions_on_recovery: bool,
    /// Whether a user whose security answers were disabled by the lifetime cap (155833) may
    /// set new questions and answers with a PIN-gated SET_SECURITY_QUESTIONS challenge (which
    /// also clears the answers' counts). Default true; false leaves only the operator's reset
    /// (`POST /v1/users/{userId}/securityQuestions/reset`).
    pub answers_reset_with_pin: bool,
    /// Whether webhook endpoints may resolve to loopback, private, link-local, multicast,
    /// unspecified or cloud-metadata addresses. Default false (refused at subscription and at
    /// delivery); tests and local demos whose receivers listen on loopback set it.
    pub allow_private_webhook_targets: bool,
    /// Delivery attempts after which a webhook delivery is dead-lettered.
    pub webhook_max_attempts: u32,
    /// Age after which a failing webhook delivery is dead-lettered.
    pub webhook_max_age: Duration,
    /// How long delivered and dead deliveries (and retired signing keys with no pending
    /// delivery) are kept before they are purged.
    pub webhook_retention: Duration,
    /// Most requests waiting for an Argon2 permit; when full a PIN/answer check answers 503
    /// 155830 with `Retry-After` at once, before any guess is counted.
    pub argon2_queue: usize,
    /// Longest wait for an Argon2 permit before answering 503 155830. Kept below
    /// `claim_lease` (clamped to half of it), so a claim never runs out while its holder waits.
    pub argon2_queue_timeout: Duration,
    /// Most Argon2 computations one user may have running or waiting at once (503 155830
    /// beyond).
    pub kdf_per_user: usize,
    /// Requests per second allowed per client IP address on every endpoint (token bucket
    /// refill); 0 disables the per-IP limit.
    pub rate_limit_ip_per_sec: u32,
    /// Burst size of the per-IP limit.
    pub rate_limit_ip_burst: u32,
    /// Requests per second allowed per user credential (user token or API key) on every
    /// endpoint; 0 disables the per-user limit.
    pub rate_limit_user_per_sec: u32,
    /// Burst size of the per-user limit.
    pub rate_limit_user_burst: u32,
    /// Longest time a client may take to send the request headers (slowloris defence); the
    /// connection is closed after it.
    pub header_read_timeout: Duration,
    /// Longest time for a whole request (body read and handling); 408 after it.
    pub request_timeout: Duration,
    /// Durations of the second, third, ... lock in a row (the first lasts `lock_duration`;
    /// the last entry repeats). Locks in a row: no correct guess in between.
    pub lock_schedule: Vec<Duration>,
    /// Consecutive wrong guesses in total (across locks, reset only by a correct guess or a
    /// new credential) after which the credential is disabled: the PIN then needs a
    /// RESTORE_PIN; the answers need new ones set with the PIN or the operator's reset. 0
    /// disables the cap.
    pub max_failed_total: u32,
}

impl fmt::Debug for Config {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Config")
            .field("listen", &self.listen)
            .field("database", &self.database_url.as_deref().map(redact_url))
            .field("data_dir", &self.data_dir)
            .field("api_key", &self.api_key.as_ref().map(|_| "<redacted>"))
            .field("pepper", &self.pepper.as_ref().map(|_| "<redacted>"))
            .field(
                "wallet_kek",
                &self.wallet_kek.as_ref().map(|_| "<redacted>"),
            )
            .field("token_ttl", &self.token_ttl)
            .field("challenge_ttl", &self.challenge_ttl)
            .field("max_attempts", &self.max_attempts)
            .field("lock_duration", &self.lock_duration)
            .field("argon2_memory_kib", &self.argon2_memory_kib)
            .field("argon2_iterations", &self.argon2_iterations)
            .field("claim_lease", &self.claim_lease)
            .field(
                "revoke_sessions_on_recovery",
                &self.revoke_sessions_on_recovery,
            )
            .field("answers_reset_with_pin", &self.answers_reset_with_pin)
            .field(
                "allow_private_webhook_targets",
                &self.allow_private_webhook_targets,
            )
            .field("webhook_max_attempts", &self.webhook_max_attempts)
            .field("webhook_max_age", &self.webhook_max_age)
            .field("webhook_retention", &self.webhook_retention)
            .finish_non_exhaustive()
    }
}

/// Strips the password from a database URL so it can be logged.
pub fn redact_url(url: &str) -> String {
    match (url.find("://"), url.rfind('@')) {
        (Some(s), Some(at)) if at > s => {
            let creds = &url[s + 3..at];
            let user = creds.split(':').next().unwrap_or("");
            format!("{}://{}:<redacted>@{}", &url[..s], user, &url[at + 1..])
        }
        _ => url.to_owned(),
    }
}

impl Config {
    /// How long lock number `level` (1 = the first lock in a row) lasts.
    pub fn lock_for(&self, level: i64) -> Duration {
        if level <= 1 || self.lock_schedule.is_empty() {
            return self.lock_duration;
        }
        let i = usize::try_from(level - 2).unwrap_or(usize::MAX);
        self.lock_schedule[i.min(self.lock_schedule.len() - 1)]
    }

    /// Production defaults with the given data directory.
    pub fn new(data_dir: impl Into<PathBuf>) -> Self {
        let cpus = std::thread::available_parallelism()
            .map(|n| n.get())
            .unwrap_or(2);
        Config {
            listen: SocketAddr::from(([127, 0, 0, 1], 8080)),
            database_url: None,
            data_dir: data_dir.into(),
            api_key: None,
            pepper: None,
            wallet_kek: None,
            token_ttl: Duration::from_secs(60 * 60),
            challenge_ttl: Duration::from_secs(15 * 60),
            max_attempts: 3,
            lock_duration: Duration::from_secs(30 * 60),
            argon2_memory_kib: 19456,
            argon2_iterations: 2,
            argon2_concurrency: cpus,
            argon2_in_flight: 2 * cpus,
            max_body_bytes: 64 * 1024,
            webhook_retry_base: Duration::from_secs(2),
            webhook_retry_max: Duration::from_secs(60 * 60),
            webhook_timeout: Duration::from_secs(10),
            sweep_interval: Duration::from_secs(1),
            max_db_connections: 10,
            claim_lease: Duration::from_secs(30),
            revoke_sessions_on_recovery: true,
            answers_reset_with_pin: true,
            allow_private_webhook_targets: false,
            webhook_max_attempts: 15,
            webhook_max_age: Duration::from_secs(3 * 24 * 60 * 60),
            webhook_retention: Duration::from_secs(7 * 24 * 60 * 60),
            argon2_queue: 64,
            argon2_queue_timeout: Duration::from_secs(10),
            kdf_per_user: 2,
            rate_limit_ip_per_sec: 20,
            rate_limit_ip_burst: 100,
            rate_limit_user_per_sec: 5,
            rate_limit_user_burst: 30,
            header_read_timeout: Duration::from_secs(10),
            request_timeout: Duration::from_secs(30),
            lock_schedule: vec![
                Duration::from_secs(60 * 60),
                Duration::from_secs(4 * 60 * 60),
                Duration::from_secs(24 * 60 * 60),
            ],
            max_failed_total: 10,
        }
    }

    /// Fast settings for tests: loopback port 0, SQLite in `data_dir`, small Argon2 parameters
    /// (1024 KiB, 1 iteration), 100 ms webhook retries and sweeps, private (loopback) webhook
    /// targets allowed, and admission limits high enough for test suites that send thousands
    /// of requests from 127.0.0.1 (rate limits off, a large Argon2 queue and per-user KDF
    /// limit, no lifetime cap).
    pub fn for_tests(data_dir: impl Into<PathBuf>) -> Self {
        Config {
            argon2_queue: 100_000,
            kdf_per_user: 100_000,
            rate_limit_ip_per_sec: 0,
            rate_limit_user_per_sec: 0,
            max_failed_total: 0,
            listen: SocketAddr::from(([127, 0, 0, 1], 0)),
            argon2_memory_kib: 1024,
            argon2_iterations: 1,
            webhook_retry_base: Duration::from_millis(100),
            webhook_retry_max: Duration::from_secs(2),
            webhook_timeout: Duration::from_secs(5),
            sweep_interval: Duration::from_millis(100),
            allow_private_webhook_targets: true,
            ..Config::new(data_dir)
        }
    }

    /// The database URL actually used (default SQLite file in the data directory).
    pub fn effective_database_url(&self) -> String {
        let url = match &self.database_url {
            Some(u) => u.clone(),
            None => format!("sqlite://{}", self.data_dir.join("latchkey.db").display()),
        };
        if url.starts_with("sqlite:") && !url.contains("mode=") && !url.contains(":memory:") {
            let sep = if url.contains('?') { '&' } else { '?' };
            format!("{url}{sep}mode=rwc")
        } else {
            url
        }
    }
}

/// Command-line flags of the `latchkey-server` binary; each has an environment fallback.
#[derive(Debug, Parser)]
#[command(name = "latchkey-server", version, about = "Latchkey reference server")]
pub struct Cli {
    /// Address to listen on (port 0 picks a free port).
    #[arg(long, env = "LATCHKEY_LISTEN", default_value = "127.0.0.1:8080")]
    pub listen: SocketAddr,
    /// Database URL: sqlite://FILE or postgres://... (default: SQLite file in the data directory).
    #[arg(long, env = "LATCHKEY_DATABASE_URL")]
    pub database_url: Option<String>,
    /// Data directory (SQLite file, pepper file).
    #[arg(long, env = "LATCHKEY_DATA_DIR", default_value = "latchkey-data")]
    pub data_dir: PathBuf,
    /// User-token lifetime (humantime, e.g. "60m").
    #[arg(long, env = "LATCHKEY_TOKEN_TTL", default_value = "60m", value_parser = humantime::parse_duration)]
    pub token_ttl: Duration,
    /// Challenge lifetime before EXPIRED.
    #[arg(long, env = "LATCHKEY_CHALLENGE_TTL", default_value = "15m", value_parser = humantime::parse_duration)]
    pub challenge_ttl: Duration,
    /// Consecutive wrong guesses before a lock.
    #[arg(long, env = "LATCHKEY_MAX_ATTEMPTS", default_value_t = 3, value_parser = clap::value_parser!(u32).range(1..=100))]
    pub max_attempts: u32,
    /// Lock duration.
    #[arg(long, env = "LATCHKEY_LOCK_DURATION", default_value = "30m", value_parser = humantime::parse_duration)]
    pub lock_duration: Duration,
    /// Argon2id memory cost in KiB.
    #[arg(long, env = "LATCHKEY_ARGON2_MEMORY_KIB", default_value_t = 19456, value_parser = clap::value_parser!(u32).range(8..))]
    pub argon2_memory_kib: u32,
    /// Argon2id iterations.
    #[arg(long, env = "LATCHKEY_ARGON2_ITERATIONS", default_value_t = 2, value_parser = clap::value_parser!(u32).range(1..))]
    pub argon2_iterations: u32,
    /// Argon2 computations run at once, on as many dedicated threads (default: number of CPUs).
    #[arg(long, env = "LATCHKEY_ARGON2_CONCURRENCY")]
    pub argon2_concurrency: Option<usize>,
    /// Requests admitted to the Argon2 stage at once (default: twice the concurrency).
    #[arg(long, env = "LATCHKEY_ARGON2_IN_FLIGHT")]
    pub argon2_in_flight: Option<usize>,
    /// Largest request body in bytes.
    #[arg(long, env = "LATCHKEY_MAX_BODY_BYTES", default_value_t = 65536)]
    pub max_body_bytes: usize,
    /// First webhook retry delay (doubles each failure).
    #[arg(long, env = "LATCHKEY_WEBHOOK_RETRY_BASE", default_value = "2s", value_parser = humantime::parse_duration)]
    pub webhook_retry_base: Duration,
    /// Longest webhook retry delay.
    #[arg(long, env = "LATCHKEY_WEBHOOK_RETRY_MAX", default_value = "1h", value_parser = humantime::parse_duration)]
    pub webhook_retry_max: Duration,
    /// Expiry sweep and outbox poll interval.
    #[arg(long, env = "LATCHKEY_SWEEP_INTERVAL", default_value = "1s", value_parser = humantime::parse_duration)]
    pub sweep_interval: Duration,
    /// Most database connections (PostgreSQL; SQLite always uses one).
    #[arg(long, env = "LATCHKEY_MAX_DB_CONNECTIONS", default_value_t = 10)]
    pub max_db_connections: u32,
    /// Lease of an envelope claim: a resend may take over a claim older than this (left by a
    /// process that died mid-request). Keep it well above the worst Argon2 time.
    #[arg(long, env = "LATCHKEY_CLAIM_LEASE", default_value = "30s", value_parser = humantime::parse_duration)]
    pub claim_lease: Duration,
    /// Whether completing a RESTORE_PIN revokes the user's other tokens ("true"/"false").
    #[arg(long, env = "LATCHKEY_REVOKE_SESSIONS_ON_RECOVERY", default_value_t = true, action = clap::ArgAction::Set)]
    pub revoke_sessions_on_recovery: bool,
    /// Whether answers disabled by the lifetime cap (155833) may be replaced by the user with a
    /// PIN-gated SET_SECURITY_QUESTIONS ("true"/"false"; false: only the operator's reset).
    #[arg(long, env = "LATCHKEY_ANSWERS_RESET_WITH_PIN", default_value_t = true, action = clap::ArgAction::Set)]
    pub answers_reset_with_pin: bool,
    /// Allow webhook endpoints on loopback/private/link-local/metadata addresses (local demos).
    #[arg(long, env = "LATCHKEY_ALLOW_PRIVATE_WEBHOOK_TARGETS")]
    pub allow_private_webhook_targets: bool,
    /// Delivery attempts before a webhook delivery is dead-lettered.
    #[arg(long, env = "LATCHKEY_WEBHOOK_MAX_ATTEMPTS", default_value_t = 15, value_parser = clap::value_parser!(u32).range(1..))]
    pub webhook_max_attempts: u32,
    /// Age after which a failing webhook delivery is dead-lettered.
    #[arg(long, env = "LATCHKEY_WEBHOOK_MAX_AGE", default_value = "72h", value_parser = humantime::parse_duration)]
    pub webhook_max_age: Duration,
    /// How long delivered and dead webhook deliveries are kept.
    #[arg(long, env = "LATCHKEY_WEBHOOK_RETENTION", default_value = "7d", value_parser = humantime::parse_duration)]
    pub webhook_retention: Duration,
    /// Most requests waiting for an Argon2 permit (503 155830 beyond).
    #[arg(long, env = "LATCHKEY_ARGON2_QUEUE", default_value_t = 64)]
    pub argon2_queue: usize,
    /// Longest wait for an Argon2 permit (503 155830 after; at most half the claim lease).
    #[arg(long, env = "LATCHKEY_ARGON2_QUEUE_TIMEOUT", default_value = "10s", value_parser = humantime::parse_duration)]
    pub argon2_queue_timeout: Duration,
    /// Most Argon2 computations one user may have running or waiting.
    #[arg(long, env = "LATCHKEY_KDF_PER_USER", default_value_t = 2, value_parser = clap::value_parser!(u64).range(1..))]
    pub kdf_per_user: u64,
    /// Requests per second per client IP (0: no limit).
    #[arg(long, env = "LATCHKEY_RATE_LIMIT_IP_PER_SEC", default_value_t = 20)]
    pub rate_limit_ip_per_sec: u32,
    /// Burst of the per-IP limit.
    #[arg(long, env = "LATCHKEY_RATE_LIMIT_IP_BURST", default_value_t = 100)]
    pub rate_limit_ip_burst: u32,
    /// Requests per second per user token or API key (0: no limit).
    #[arg(long, env = "LATCHKEY_RATE_LIMIT_USER_PER_SEC", default_value_t = 5)]
    pub rate_limit_user_per_sec: u32,
    /// Burst of the per-user limit.
    #[arg(long, env = "LATCHKEY_RATE_LIMIT_USER_BURST", default_value_t = 30)]
    pub rate_limit_user_burst: u32,
    /// Longest time to receive the request headers.
    #[arg(long, env = "LATCHKEY_HEADER_READ_TIMEOUT", default_value = "10s", value_parser = humantime::parse_duration)]
    pub header_read_timeout: Duration,
    /// Longest time for a whole request.
    #[arg(long, env = "LATCHKEY_REQUEST_TIMEOUT", default_value = "30s", value_parser = humantime::parse_duration)]
    pub request_timeout: Duration,
    /// Durations of the 2nd, 3rd, ... lock in a row (comma-separated; the last repeats).
    #[arg(long, env = "LATCHKEY_LOCK_SCHEDULE", default_value = "1h,4h,24h", value_delimiter = ',', value_parser = humantime::parse_duration)]
    pub lock_schedule: Vec<Duration>,
    /// Consecutive wrong guesses in total before the credential is disabled (0: no cap).
    #[arg(long, env = "LATCHKEY_MAX_FAILED_TOTAL", default_value_t = 10)]
    pub max_failed_total: u32,
    /// Log filter (tracing `EnvFilter` syntax), e.g. "info" or "latchkey_server=debug".
    #[arg(long, env = "LATCHKEY_LOG", default_value = "info")]
    pub log: String,
}

impl Cli {
    /// Builds the [`Config`]; the API key, pepper and wallet KEK come from `LATCHKEY_API_KEY`,
    /// `LATCHKEY_PEPPER` and `LATCHKEY_WALLET_KEK` (environment only, never flags, so they stay
    /// out of `ps`).
    pub fn into_config(self) -> Config {
        let mut c = Config::new(self.data_dir);
        c.listen = self.listen;
        c.database_url = self.database_url;
        c.api_key = std::env::var("LATCHKEY_API_KEY")
            .ok()
            .filter(|s| !s.is_empty());
        c.pepper = std::env::var("LATCHKEY_PEPPER")
            .ok()
            .filter(|s| !s.is_empty());
        c.wallet_kek = std::env::var(crate::eth::KEK_ENV)
            .ok()
            .filter(|s| !s.is_empty());
        c.token_ttl = self.token_ttl;
        c.challenge_ttl = self.challenge_ttl;
        c.max_attempts = self.max_attempts;
        c.lock_duration = self.lock_duration;
        c.argon2_memory_kib = self.argon2_memory_kib;
        c.argon2_iterations = self.argon2_iterations;
        if let Some(n) = self.argon2_concurrency {
            c.argon2_concurrency = n.max(1);
        }
        c.argon2_in_flight = self
            .argon2_in_flight
            .unwrap_or(2 * c.argon2_concurrency)
            .max(c.argon2_concurrency);
        c.max_body_bytes = self.max_body_bytes;
        c.webhook_retry_base = self.webhook_retry_base;
        c.webhook_retry_max = self.webhook_retry_max;
        c.sweep_interval = self.sweep_interval;
        c.max_db_connections = self.max_db_connections.max(1);
        c.claim_lease = self.claim_lease;
        c.revoke_sessions_on_recovery = self.revoke_sessions_on_recovery;
        c.answers_reset_with_pin = self.answers_reset_with_pin;
        c.allow_private_webhook_targets = self.allow_private_webhook_targets;
        c.webhook_max_attempts = self.webhook_max_attempts;
        c.webhook_max_age = self.webhook_max_age;
        c.webhook_retention = self.webhook_retention;
        c.argon2_queue = self.argon2_queue;
        c.argon2_queue_timeout = self.argon2_queue_timeout;
        c.kdf_per_user = usize::try_from(self.kdf_per_user).unwrap_or(usize::MAX);
        c.rate_limit_ip_per_sec = self.rate_limit_ip_per_sec;
        c.rate_limit_ip_burst = self.rate_limit_ip_burst.max(1);
        c.rate_limit_user_per_sec = self.rate_limit_user_per_sec;
        c.rate_limit_user_burst = self.rate_limit_user_burst.max(1);
        c.header_read_timeout = self.header_read_timeout;
        c.request_timeout = self.request_timeout;
        if !self.lock_schedule.is_empty() {
            c.lock_schedule = self.lock_schedule;
        }
        c.max_failed_total = self.max_failed_total;
        c
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn redacts_password() {
        assert_eq!(
            redact_url("postgres://lk:s3cret@127.0.0.1/db"),
            "postgres://lk:<redacted>@127.0.0.1/db"
        );
        assert_eq!(redact_url("sqlite://x.db"), "sqlite://x.db");
    }

    #[test]
    fn sqlite_url_gets_create_mode() {
        let mut c = Config::for_tests("/tmp/x");
        assert_eq!(
            c.effective_database_url(),
            "sqlite:///tmp/x/latchkey.db?mode=rwc"
        );
        c.database_url = Some("sqlite://a.db?mode=ro".into());
        assert_eq!(c.effective_database_url(), "sqlite://a.db?mode=ro");
    }

    #[test]
    fn cli_parses_durations() {
        let cli = Cli::try_parse_from([
            "latchkey-server",
            "--listen",
            "127.0.0.1:0",
            "--challenge-ttl",
            "2s",
            "--argon2-memory-kib",
            "1024",
            "--claim-lease",
            "1500ms",
        ])
        .unwrap();
        let c = cli.into_config();
        assert_eq!(c.challenge_ttl, Duration::from_secs(2));
        assert_eq!(c.claim_lease, Duration::from_millis(1500));
        assert_eq!(c.argon2_memory_kib, 1024);
        assert_eq!(c.max_attempts, 3);
    }
}
