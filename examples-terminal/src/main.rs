#![forbid(unsafe_code)]
#![deny(missing_docs)]
//! `latchkey-terminal`: the Latchkey sample app for a terminal.
//!
//! With no `--server` it starts the reference server in-process on loopback (SQLite in a data
//! directory), creates a demo user and a session, and offers: set up a PIN, security questions
//! and a wallet, change the PIN, recover a forgotten PIN with the answers, show the wallet, sign
//! a message or a transfer with the PIN (review screen first; the result is checked locally),
//! and the account status. With `--server URL --api-key KEY` it uses a running server instead.

mod ui;
mod wallet;

use clap::Parser;
use latchkey_core::{
    AdminClient, Blockchain, ChallengeType, Client, ClientConfig, ErrorCode, LatchkeyError, Session,
};
use latchkey_protocol::{
    SignMessageRequest, SignTransactionRequest, SignTypedDataRequest, TransactionInput,
};
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Duration;

/// Command-line flags.
#[derive(Debug, Parser)]
#[command(
    name = "latchkey-terminal",
    version,
    about = "Latchkey sample app: set up, change and recover a wallet PIN against a real server"
)]
struct Args {
    /// Use a running Latchkey server at this URL instead of starting one in-process.
    #[arg(long, env = "LATCHKEY_SERVER", requires = "api_key")]
    server: Option<String>,
    /// Developer API key of the running server (with --server).
    #[arg(long, env = "LATCHKEY_API_KEY", hide_env_values = true)]
    api_key: Option<String>,
    /// Data directory of the in-process server (default: a temporary directory, removed on exit).
    #[arg(long)]
    data_dir: Option<PathBuf>,
    /// The demo user's id (created if missing).
    #[arg(long, default_value = "demo-user")]
    user: String,
    /// How long the first PIN or answer lock lasts on the in-process server, in seconds (later
    /// locks in a row last 2, 8 and 48 times as long; the 10th wrong guess in a row disables).
    #[arg(long, default_value_t = 120)]
    lock_seconds: u64,
    /// The blockchain of the wallet created at set-up (e.g. ETH-SEPOLIA, BASE-SEPOLIA,
    /// EVM-TESTNET).
    #[arg(long, default_value = "ETH-SEPOLIA")]
    blockchain: String,
    /// Where "Set up a cloud backup" keeps the backup (the file-directory stand-in for the
    /// user's cloud; default: `cloud` in the data directory, or in the system's temp directory
    /// with --server).
    #[arg(long)]
    cloud_dir: Option<PathBuf>,
    /// Show the in-process server's logs here instead of writing them to `server.log` in the
    /// data directory.
    #[arg(long, short)]
    verbose: bool,
}

/// Everything the menu needs.
pub struct App {
    admin: AdminClient,
    client: Client,
    user: String,
    session: Session,
    user_token: String,
    blockchain: Blockchain,
    /// The directory standing in for the user's cloud (cloud backup).
    cloud_dir: PathBuf,
    /// Transfers signed in this run: the next transfer's nonce (there is no node to ask; a
    /// real app asks its chain for the account's nonce).
    transfers: u64,
}

/// What the app backend asks the server to create.
#[derive(Clone, Debug)]
pub enum Request {
    /// A PIN challenge (set-up creates the wallet too).
    Pin(ChallengeType),
    /// RESTORE_PIN with the recovery code.
    RecoverWithCode,
    /// SET_CLOUD_BACKUP, the backup kept in this directory.
    SetCloudBackup(PathBuf),
    /// RESTORE_PIN with the cloud backup kept in this directory.
    RecoverWithBackup(PathBuf),
    /// Sign `text` (EIP-191) with the wallet.
    SignMessage {
        /// The wallet.
        wallet_id: String,
        /// What the user typed.
        text: String,
    },
    /// Sign EIP-712 typed data (JSON) with the wallet.
    SignTypedData {
        /// The wallet.
        wallet_id: String,
        /// The typed data as JSON.
        data: String,
    },
    /// Sign an EIP-1559 transaction (JSON) with the wallet.
    SignTransaction {
        /// The wallet.
        wallet_id: String,
        /// The transaction as JSON.
        transaction: String,
    },
}

impl App {
    /// A fresh session for the demo user (after the old one expired).
    async fn renew_session(&mut self) -> Result<(), LatchkeyError> {
        let t = self.admin.create_user_token(&self.user).await?;
        self.session = self.client.session(&t.user_token, &t.encryption_key)?;
        self.user_token = t.user_token;
        Ok(())
    }

    /// Creates a challenge for the demo user, renewing the session once if it has expired.
    async fn create(&mut self, request: &Request) -> Result<String, LatchkeyError> {
        for attempt in 0..2 {
            let key = latchkey_core::new_idempotency_key();
            let t = &self.user_token;
            let r = match request {
                Request::Pin(ChallengeType::Initialize) => {
                    let chains = [self.blockchain.clone()];
                    self.admin
                        .create_initialize_with_wallets(t, &chains, None, &key)
                        .await
                }
                Request::Pin(k) => self.admin.create_challenge(t, k.clone(), &key).await,
                Request::RecoverWithCode => self.admin.create_restore_pin_with_code(t, &key).await,
                Request::SetCloudBackup(_) => {
                    self.admin
                        .create_challenge(t, ChallengeType::SetCloudBackup, &key)
                        .await
                }
                Request::RecoverWithBackup(_) => {
                    self.admin.create_restore_pin_with_backup(t, &key).await
                }
                Request::SignMessage { wallet_id, text } => {
                    let req = SignMessageRequest {
                        idempotency_key: key,
                        wallet_id: wallet_id.clone(),
                        message: text.clone(),
                        encoded_by_hex: false,
                        memo: Some("Latchkey terminal demo".into()),
                    };
                    self.admin.create_sign_message(t, &req).await
                }
                Request::SignTypedData { wallet_id, data } => {
                    let req = SignTypedDataRequest {
                        idempotency_key: key,
                        wallet_id: wallet_id.clone(),
                        data: data.clone(),
                        memo: Some("Mail from the Latchkey terminal demo".into()),
                    };
                    self.admin.create_sign_typed_data(t, &req).await
                }
                Request::SignTransaction {
                    wallet_id,
                    transaction,
                } => {
                    let req = SignTransactionRequest {
                        idempotency_key: key,
                        wallet_id: wallet_id.clone(),
                        transaction: TransactionInput::Json(transaction.clone()),
                        memo: Some("Transfer from the Latchkey terminal demo".into()),
                    };
                    self.admin.create_sign_transaction(t, &req).await
                }
            };
            match r {
                Err(LatchkeyError::SessionExpired { .. }) if attempt == 0 => {
                    self.renew_session().await?
                }
                other => return other,
            }
        }
        Err(LatchkeyError::from_code(ErrorCode::TokenExpired))
    }
}

fn main() -> ExitCode {
    let args = Args::parse();
    let rt = match tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("latchkey-terminal: cannot start the async runtime: {e}");
            return ExitCode::FAILURE;
        }
    };
    rt.block_on(run(args))
}

async fn run(args: Args) -> ExitCode {
    println!("Latchkey terminal demo: a wallet PIN with security-question recovery, end to end.");
    let mut _temp: Option<tempfile::TempDir> = None;
    let mut server: Option<latchkey_server::RunningServer> = None;

    let mut data_dir: Option<PathBuf> = None;
    let (base_url, api_key) = match (&args.server, &args.api_key) {
        (Some(url), Some(key)) => {
            println!("Using the server at {url}.");
            (url.clone(), key.clone())
        }
        _ => {
            let dir = match &args.data_dir {
                Some(d) => d.clone(),
                None => match tempfile::Builder::new().prefix("latchkey-demo-").tempdir() {
                    Ok(t) => {
                        let p = t.path().to_path_buf();
                        _temp = Some(t);
                        p
                    }
                    Err(e) => {
                        eprintln!("Cannot create a temporary directory: {e}");
                        return ExitCode::FAILURE;
                    }
                },
            };
            if let Err(e) = std::fs::create_dir_all(&dir) {
                eprintln!("Cannot create the data directory {}: {e}", dir.display());
                return ExitCode::FAILURE;
            }
            init_logging(args.verbose, &dir);
            data_dir = Some(dir.clone());
            let mut cfg = latchkey_server::Config::new(&dir);
            cfg.listen = std::net::SocketAddr::from(([127, 0, 0, 1], 0));
            cfg.lock_duration = Duration::from_secs(args.lock_seconds.max(1));
            // Later locks in a row grow like the server's defaults (30 min, 1 h, 4 h, 24 h),
            // scaled to the demo's first lock.
            cfg.lock_schedule = [2, 8, 48].map(|k| cfg.lock_duration * k).to_vec();
            // The demo owns its server: a fixed key per data directory is fine, and lets a
            // second run on the same --data-dir reuse the same users.
            let key = format!("lk_demo_{}", demo_key_suffix(&dir));
            cfg.api_key = Some(key.clone());
            let running = match latchkey_server::Server::start(cfg).await {
                Ok(r) => r,
                Err(e) => {
                    eprintln!("The in-process server failed to start: {e}");
                    return ExitCode::FAILURE;
                }
            };
            let url = running.base_url();
            let logs = if args.verbose {
                "logs below".to_owned()
            } else {
                format!("logs in {}", dir.join("server.log").display())
            };
            println!(
                "Started the reference server at {url} (SQLite in {}; {logs}).",
                dir.display()
            );
            server = Some(running);
            (url, key)
        }
    };

    let cloud_dir = args.cloud_dir.clone().unwrap_or_else(|| match &data_dir {
        Some(d) => d.join("cloud"),
        None => std::env::temp_dir().join(format!("latchkey-cloud-{}", args.user)),
    });
    let code = match setup_and_menu(&args, base_url, api_key, cloud_dir).await {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("{}", ui::error_text(&e));
            ExitCode::FAILURE
        }
    };
    if let Some(s) = server {
        s.shutdown().await;
    }
    code
}

async fn setup_and_menu(
    args: &Args,
    base_url: String,
    api_key: String,
    cloud_dir: PathBuf,
) -> Result<(), LatchkeyError> {
    let blockchain = Blockchain::parse(&args.blockchain);
    if let Blockchain::Unknown(b) = &blockchain {
        return Err(LatchkeyError::InvalidInput {
            code: ErrorCode::UnknownBlockchain,
            reason: format!(
                "unknown blockchain {b:?}: use ETH-SEPOLIA, BASE-SEPOLIA, EVM-TESTNET, ..."
            ),
        });
    }
    let client = Client::new(ClientConfig::new(base_url))?;
    let admin = client.admin(&api_key);
    match admin.create_user(&args.user).await {
        Ok(_) => println!("Created the demo user \"{}\".", args.user),
        Err(e) if e.code() == ErrorCode::UserAlreadyExists => {
            println!("Using the existing user \"{}\".", args.user)
        }
        Err(e) => return Err(e),
    }
    let t = admin.create_user_token(&args.user).await?;
    let session = client.session(&t.user_token, &t.encryption_key)?;
    let mut app = App {
        admin,
        client,
        user: args.user.clone(),
        session,
        user_token: t.user_token,
        blockchain,
        cloud_dir,
        transfers: 0,
    };
    println!("Opened a session (user token + encryption key). Esc or Ctrl-C cancels a step.\n");
    ui::menu(&mut app).await;
    Ok(())
}

/// A stable, non-secret-looking suffix for the demo API key of one data directory.
fn demo_key_suffix(dir: &std::path::Path) -> String {
    let path = dir.join("demo-api-key");
    if let Ok(s) = std::fs::read_to_string(&path) {
        let s = s.trim().to_owned();
        if !s.is_empty() {
            return s;
        }
    }
    let s = latchkey_core::new_idempotency_key().replace('-', "");
    let _ = std::fs::write(&path, &s);
    s
}

fn init_logging(verbose: bool, dir: &std::path::Path) {
    let filter = tracing_subscriber::EnvFilter::try_from_env("LATCHKEY_LOG")
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info"));
    if verbose {
        let _ = tracing_subscriber::fmt()
            .with_env_filter(filter)
            .with_writer(std::io::stderr)
            .try_init();
    } else if let Ok(f) = std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(dir.join("server.log"))
    {
        let _ = tracing_subscriber::fmt()
            .with_env_filter(filter)
            .with_ansi(false)
            .with_writer(std::sync::Mutex::new(f))
            .try_init();
    }
}
