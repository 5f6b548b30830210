//! The `latchkey-server` binary.

use clap::Parser;
use latchkey_server::{Cli, Server};
use std::io::Write as _;
use tracing_subscriber::EnvFilter;

#[tokio::main]
async fn main() -> std::process::ExitCode {
    let cli = Cli::parse();
    let filter = EnvFilter::try_new(&cli.log).unwrap_or_else(|_| EnvFilter::new("info"));
    tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .with_ansi(std::io::IsTerminal::is_terminal(&std::io::stderr()))
        .init();
    let config = cli.into_config();
    let running = match Server::start(config).await {
        Ok(r) => r,
        Err(e) => {
            eprintln!("latchkey-server: failed to start: {e}");
            return std::process::ExitCode::FAILURE;
        }
    };
    {
        // First stdout line, machine-readable: the real address.
        let mut out = std::io::stdout().lock();
        let _ = writeln!(out, "latchkey-server listening on {}", running.base_url());
        if running.api_key_generated() {
            if let Some(k) = running.api_key() {
                // Printed once; only its hash is stored.
                let _ = writeln!(out, "latchkey-server generated API key (shown once): {k}");
            }
        }
        let _ = out.flush();
    }
    running.run_until(shutdown_signal()).await;
    std::process::ExitCode::SUCCESS
}

async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let term = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! {
        _ = ctrl_c => {}
        _ = term => {}
    }
}
