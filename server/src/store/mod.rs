//! Storage: the pool (SQLite or PostgreSQL through sqlx's `Any` driver), migrations, time
//! helpers, and the SQL, one module per table group. All SQL is portable (`$n` placeholders,
//! BIGINT times). Nothing here knows about HTTP.

pub mod api_keys;
pub mod challenges;
pub mod envelopes;
pub mod idempotency;
pub mod outbox;
pub mod recovery;
pub mod sessions;
pub mod signing_keys;
pub mod subscriptions;
pub mod users;
pub mod w3s;
pub mod wallets;

use crate::config::{redact_url, Config};
use sqlx::any::AnyPoolOptions;
use sqlx::AnyPool;
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
