#![forbid(unsafe_code)]
#![deny(missing_docs)]
//! Harness for Latchkey's fault and bad-input tests.
//!
//! The tests in `reliability/tests` run the real `latchkey-server` binary as child processes
//! (built on first use with `cargo build -p latchkey-server`, or taken from
//! `LATCHKEY_SERVER_BIN`), on SQLite in a temp dir or on a fresh PostgreSQL database when
//! `LATCHKEY_TEST_POSTGRES_URL` is set, and talk to it over loopback with real HTTP and real
//! envelopes sealed by `latchkey-protocol`. [`Receiver`] is a small webhook receiver that can be
//! down (connection refused) and then up on the same port.

use latchkey_protocol::envelope::{seal_json, EnvelopeContext};
use latchkey_protocol::{AnswerEntry, ChallengeType, Secret, SessionKey, Step, StepPayload};
use ring::rand::SystemRandom;
use serde_json::{json, Value};
use std::io::{BufRead, BufReader, Read};
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex, OnceLock};
use std::time::Duration;

/// The API key every test server is started with.
pub const API_KEY: &str = "lk_reliability_api_key_7f3a9c2e51";
/// The pepper every test server is started with (instances sharing a database share it).
pub const PEPPER: &str = "cmVsaWFiaWxpdHktcGVwcGVyLWI4MWQ0ZTA3YzZhMjAw";

/// Path of the `latchkey-server` binary: `LATCHKEY_SERVER_BIN`, or built once with
/// `cargo build -p latchkey-server --bin latchkey-server` (same target dir as the tests).
pub fn server_binary() -> PathBuf {
    static BIN: OnceLock<PathBuf> = OnceLock::new();
    BIN.get_or_init(|| {
        if let Some(p) = std::env::var_os("LATCHKEY_SERVER_BIN") {
            return PathBuf::from(p);
        }
        let cargo = std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into());
        let root = Path::new(env!("CARGO_MANIFEST_DIR"))
            .parent()
            .expect("workspace root")
            .to_path_buf();
        let mut cmd = Command::new(cargo);
        // Drop what cargo set for this test process (package, manifest, jobserver), so the
        // build sees the same environment as a plain `cargo build` and reuses its artifacts.
        for (k, _) in std::env::vars_os() {
            let k = k.to_string_lossy().into_owned();
            let keep = [
                "CARGO_HOME",
                "CARGO_TARGET_DIR",
                "CARGO_NET_",
                "CARGO_REGISTRIES_",
                "CARGO_HTTP_",
                "CARGO_TERM_",
            ]
            .iter()
            .any(|p| k.starts_with(p));
            if (k.starts_with("CARGO_") && !keep)
                || [
                    "CARGO",
                    "MAKEFLAGS",
                    "CARGO_MAKEFLAGS",
                    "MFLAGS",
                    "RUST_TEST_THREADS",
                ]
                .contains(&k.as_str())
            {
                cmd.env_remove(&k);
            }
        }
        let out = cmd
            .current_dir(&root)
            .args([
                "build",
                "-p",
                "latchkey-server",
                "--bin",
                "latchkey-server",
                "--message-format=json-render-diagnostics",
            ])
            .stderr(Stdio::inherit())
            .output()
            .expect("run cargo build -p latchkey-server");
        assert!(
            out.status.success(),
            "cargo build -p latchkey-server failed"
        );
        let stdout = String::from_utf8_lossy(&out.stdout);
        stdout
            .lines()
            .filter_map(|l| serde_json::from_str::<Value>(l).ok())
            .filter(|v| {
                v["reason"] == "compiler-artifact" && v["target"]["name"] == "latchkey-server"
            })
            .find_map(|v| v["executable"].as_str().map(PathBuf::from))
            .expect("cargo reported the latchkey-server executable")
    })
    .clone()
}

/// Where a server keeps its data.
#[derive(Clone, Debug)]
pub enum Backend {
    /// SQLite file in this directory.
    Sqlite(PathBuf),
    /// A PostgreSQL database URL.
    Postgres(String),
}

impl Backend {
    /// The `--database-url` value.
    pub fn database_url(&self) -> String {
        match self {
            Backend::Sqlite(dir) => format!("sqlite://{}/latchkey.db", dir.display()),
            Backend::Postgres(url) => url.clone(),
        }
    }

    /// A short name for messages.
    pub fn name(&self) -> &'static str {
        match self {
            Backend::Sqlite(_) => "sqlite",
            Backend::Postgres(_) => "postgres",
        }
    }
}

/// Creates a fresh PostgreSQL database on `LATCHKEY_TEST_POSTGRES_URL` and returns its URL, or
/// `None` when the variable is unset.
pub async fn fresh_postgres() -> Option<String> {
    use sqlx::Connection;
    let admin = std::env::var("LATCHKEY_TEST_POSTGRES_URL").ok()?;
    let name = format!("lk_rel_{}", uuid::Uuid::new_v4().simple());
    let mut conn = sqlx::PgConnection::connect(&admin)
        .await
        .expect("connect to LATCHKEY_TEST_POSTGRES_URL");
    sqlx::query(&format!("CREATE DATABASE {name}"))
        .execute(&mut conn)
        .await
        .expect("create test database");
    conn.close().await.ok();
    let (base, query) = match admin.split_once('?') {
        Some((b, q)) => (b.to_owned(), format!("?{q}")),
        None => (admin.clone(), String::new()),
    };
    let scheme_end = base.find("://").expect("database url has a scheme") + 3;
    let prefix = match base[scheme_end..].find('/') {
        Some(i) => base[..scheme_end + i].to_owned(),
        None => base.clone(),
    };
    Some(format!("{prefix}/{name}{query}"))
}

/// Options for one server process.
#[derive(Clone, Debug)]
pub struct ServerOptions {
    /// Data directory (`--data-dir`).
    pub data_dir: PathBuf,
    /// Database.
    pub backend: Backend,
    /// `--log` filter (and `RUST_LOG`).
    pub log: String,
    /// Extra flags.
    pub extra: Vec<String>,
}

impl ServerOptions {
    /// Fast test settings for `backend`, data in `data_dir`.
    pub fn new(data_dir: &Path, backend: Backend) -> ServerOptions {
        ServerOptions {
            data_dir: data_dir.to_path_buf(),
            backend,
            log: "info".into(),
            extra: Vec::new(),
        }
    }
}

/// A running `latchkey-server` child process. Killed (SIGKILL) on drop.
pub struct ServerProc {
    child: Child,
    base: String,
    stderr: Arc<Mutex<String>>,
    stdout_rest: Arc<Mutex<String>>,
}

impl ServerProc {
    /// Starts the binary and waits for its first stdout line.
    pub fn start(opts: &ServerOptions) -> ServerProc {
        let mut cmd = Command::new(server_binary());
        cmd.args(["--listen", "127.0.0.1:0", "--data-dir"])
            .arg(&opts.data_dir)
            .arg("--database-url")
            .arg(opts.backend.database_url())
            .args([
                "--argon2-memory-kib",
                "1024",
                "--argon2-iterations",
                "1",
                "--webhook-retry-base",
                "100ms",
                "--webhook-retry-max",
                "1s",
                "--sweep-interval",
                "100ms",
                // The test receivers listen on loopback.
                "--allow-private-webhook-targets",
                // Receivers stay down for long stretches: no dead-lettering during a run.
                "--webhook-max-attempts",
                "100000",
                // Load from one loopback address: the rate limits and the Argon2 admission
                // limits are measured elsewhere (server/tests/hardening.rs).
                "--rate-limit-ip-per-sec",
                "0",
                "--rate-limit-user-per-sec",
                "0",
                "--argon2-queue",
                "100000",
                "--kdf-per-user",
                "100000",
                "--log",
                &opts.log,
            ])
            .args(&opts.extra)
            .env("LATCHKEY_API_KEY", API_KEY)
            .env("LATCHKEY_PEPPER", PEPPER)
            .env("RUST_LOG", &opts.log)
            .env_remove("LATCHKEY_DATABASE_URL")
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped());
        let mut child = cmd.spawn().expect("spawn latchkey-server");
        let stderr = Arc::new(Mutex::new(String::new()));
        {
            let mut pipe = child.stderr.take().expect("stderr pipe");
            let sink = stderr.clone();
            std::thread::spawn(move || {
                let mut buf = [0u8; 8192];
                while let Ok(n) = pipe.read(&mut buf) {
                    if n == 0 {
                        break;
                    }
                    if let Ok(mut s) = sink.lock() {
                        s.push_str(&String::from_utf8_lossy(&buf[..n]));
                    }
                }
            });
        }
        let mut out = BufReader::new(child.stdout.take().expect("stdout pipe"));
        let mut first = String::new();
        out.read_line(&mut first).expect("read first stdout line");
        let base = match first.trim().strip_prefix("latchkey-server listening on ") {
            Some(b) => b.to_owned(),
            None => {
                let _ = child.kill();
                let _ = child.wait();
                std::thread::sleep(Duration::from_millis(100));
                panic!(
                    "latchkey-server did not start: first line {first:?}, stderr: {}",
                    stderr.lock().map(|s| s.clone()).unwrap_or_default()
                );
            }
        };
        let stdout_rest = Arc::new(Mutex::new(String::new()));
        {
            let sink = stdout_rest.clone();
            std::thread::spawn(move || {
                let mut s = String::new();
                let _ = out.read_to_string(&mut s);
                if let Ok(mut o) = sink.lock() {
                    o.push_str(&s);
                }
            });
        }
        ServerProc {
            child,
            base,
            stderr,
            stdout_rest,
        }
    }

    /// `http://127.0.0.1:PORT`.
    pub fn base_url(&self) -> &str {
        &self.base
    }

    /// The process id.
    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    /// `kill -9`: no shutdown code runs. Waits for the process to be gone.
    pub fn kill9(mut self) -> String {
        let _ = self.child.kill(); // SIGKILL on unix
        let _ = self.child.wait();
        self.logs_after_exit()
    }

    /// SIGTERM and wait for a clean exit; returns everything the process wrote (stderr, then
    /// stdout after the first line).
    pub fn terminate(mut self) -> String {
        let ok = Command::new("kill")
            .args(["-TERM", &self.child.id().to_string()])
            .status()
            .map(|s| s.success())
            .unwrap_or(false);
        assert!(ok, "kill -TERM");
        let status = self.child.wait().expect("wait for the server");
        assert!(status.success(), "graceful exit on SIGTERM: {status:?}");
        self.logs_after_exit()
    }

    fn logs_after_exit(&self) -> String {
        // The reader threads finish when the pipes close.
        std::thread::sleep(Duration::from_millis(200));
        let err = self.stderr.lock().map(|s| s.clone()).unwrap_or_default();
        let out = self
            .stdout_rest
            .lock()
            .map(|s| s.clone())
            .unwrap_or_default();
        format!("{err}\n{out}")
    }
}

impl Drop for ServerProc {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// An HTTP reply.
#[derive(Clone, Debug)]
pub struct Reply {
    /// Status code.
    pub status: u16,
    /// Parsed JSON body (`Null` when empty, a string when not JSON).
    pub body: Value,
}

impl Reply {
    /// The `code` of an error body, 0 otherwise.
    pub fn code(&self) -> u64 {
        self.body["code"].as_u64().unwrap_or(0)
    }

    /// The `data` of a success body.
    pub fn data(&self) -> &Value {
        &self.body["data"]
    }

    /// Panics unless the status is `status`; returns `data`.
    #[track_caller]
    pub fn ok(&self, status: u16) -> &Value {
        assert_eq!(self.status, status, "unexpected reply {:?}", self.body);
        &self.body["data"]
    }
}

/// A user's session as the SDK holds it.
#[derive(Clone)]
pub struct UserSession {
    /// The user id.
    pub user_id: String,
    /// `X-User-Token`.
    pub token: String,
    /// The `encryptionKey` as the server sent it (base64).
    pub key_b64: String,
    /// The parsed key.
    pub key: SessionKey,
}

impl std::fmt::Debug for UserSession {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "UserSession {{ user_id: {:?}, <secrets redacted> }}",
            self.user_id
        )
    }
}

/// Raw developer- and client-API calls against one server.
#[derive(Clone)]
pub struct Api {
    /// Base URL.
    pub base: String,
    http: reqwest::Client,
}

/// Transport failure (connection refused or reset, timeout): the outcome is unknown.
pub type Transport = reqwest::Error;

impl Api {
    /// A client for `base` with a 10 s request timeout.
    pub fn new(base: &str) -> Api {
        Api {
            base: base.trim_end_matches('/').to_owned(),
            http: reqwest::Client::builder()
                .timeout(Duration::from_secs(10))
                .build()
                .expect("reqwest client"),
        }
    }

    async fn send(&self, req: reqwest::RequestBuilder) -> Result<Reply, Transport> {
        let r = req.send().await?;
        let status = r.status().as_u16();
        let text = r.text().await?;
        let body = if text.is_empty() {
            Value::Null
        } else {
            serde_json::from_str(&text).unwrap_or(Value::String(text))
        };
        Ok(Reply { status, body })
    }

    fn dev(&self, method: reqwest::Method, path: &str) -> reqwest::RequestBuilder {
        self.http
            .request(method, format!("{}{path}", self.base))
            .bearer_auth(API_KEY)
    }

    fn user(&self, method: reqwest::Method, path: &str, token: &str) -> reqwest::RequestBuilder {
        self.http
            .request(method, format!("{}{path}", self.base))
            .header("X-User-Token", token)
    }

    /// `POST /v1/users`.
    pub async fn create_user(&self, user_id: &str) -> Result<Reply, Transport> {
        self.send(
            self.dev(reqwest::Method::POST, "/v1/users")
                .json(&json!({ "userId": user_id })),
        )
        .await
    }

    /// `GET /v1/users/{id}`.
    pub async fn get_user(&self, user_id: &str) -> Result<Reply, Transport> {
        self.send(self.dev(reqwest::Method::GET, &format!("/v1/users/{user_id}")))
            .await
    }

    /// `POST /v1/users/token`, parsed into a session.
    pub async fn session(&self, user_id: &str) -> Result<UserSession, Transport> {
        let r = self
            .send(
                self.dev(reqwest::Method::POST, "/v1/users/token")
                    .json(&json!({ "userId": user_id })),
            )
            .await?;
        let d = r.ok(200);
        let key_b64 = d["encryptionKey"]
            .as_str()
            .expect("encryptionKey")
            .to_owned();
        Ok(UserSession {
            user_id: user_id.to_owned(),
            token: d["userToken"].as_str().expect("userToken").to_owned(),
            key: SessionKey::from_base64(&key_b64).expect("32-byte key"),
            key_b64,
        })
    }

    /// `GET /v1/user` with the session's token (200 while the token is usable).
    pub async fn me(&self, s: &UserSession) -> Result<Reply, Transport> {
        self.send(self.user(reqwest::Method::GET, "/v1/user", &s.token))
            .await
    }

    /// `POST /v1/users/token/revoke {userToken}` (204).
    pub async fn revoke_token(&self, token: &str) -> Result<Reply, Transport> {
        self.send(
            self.dev(reqwest::Method::POST, "/v1/users/token/revoke")
                .json(&json!({ "userToken": token })),
        )
        .await
    }

    /// `POST /v1/users/{id}/tokens/revoke` (log out everywhere).
    pub async fn revoke_user_tokens(&self, user_id: &str) -> Result<Reply, Transport> {
        self.send(self.dev(
            reqwest::Method::POST,
            &format!("/v1/users/{user_id}/tokens/revoke"),
        ))
        .await
    }

    /// `POST /v1/notifications/subscriptions` for every notification type.
    pub async fn subscribe(&self, endpoint: &str) -> Result<Reply, Transport> {
        self.send(
            self.dev(reqwest::Method::POST, "/v1/notifications/subscriptions")
                .json(&json!({ "endpoint": endpoint, "notificationTypes": ["*"] })),
        )
        .await
    }

    /// `GET /v1/notifications/publicKey/{keyId}`.
    pub async fn public_key(&self, key_id: &str) -> Result<Reply, Transport> {
        self.send(self.dev(
            reqwest::Method::GET,
            &format!("/v1/notifications/publicKey/{key_id}"),
        ))
        .await
    }

    /// Creates a challenge of `kind` with a fresh idempotency key; the raw reply.
    pub async fn create_challenge(
        &self,
        s: &UserSession,
        kind: &ChallengeType,
    ) -> Result<Reply, Transport> {
        let (method, path) = match kind {
            ChallengeType::Initialize => (reqwest::Method::POST, "/v1/user/initialize"),
            ChallengeType::SetPin => (reqwest::Method::POST, "/v1/user/pin"),
            ChallengeType::ChangePin => (reqwest::Method::PUT, "/v1/user/pin"),
            ChallengeType::RestorePin => (reqwest::Method::POST, "/v1/user/pin/restore"),
            ChallengeType::SetSecurityQuestions => {
                (reqwest::Method::POST, "/v1/user/securityQuestions")
            }
            other => panic!("no creation call for {other}"),
        };
        self.send(
            self.dev(method, path)
                .header("X-User-Token", &s.token)
                .json(&json!({ "idempotencyKey": uuid::Uuid::new_v4().to_string() })),
        )
        .await
    }

    /// `GET /v1/user/challenges/{id}/descriptor`.
    pub async fn descriptor(&self, s: &UserSession, id: &str) -> Result<Reply, Transport> {
        self.send(self.user(
            reqwest::Method::GET,
            &format!("/v1/user/challenges/{id}/descriptor"),
            &s.token,
        ))
        .await
    }

    /// `GET /v1/user/challenges/{id}`: `{"data": {"challenge": {...}}}` (Circle's shape).
    pub async fn challenge(&self, s: &UserSession, id: &str) -> Result<Reply, Transport> {
        self.send(self.user(
            reqwest::Method::GET,
            &format!("/v1/user/challenges/{id}"),
            &s.token,
        ))
        .await
    }

    /// `POST /v1/user/challenges/{id}/steps` with an already sealed envelope.
    pub async fn post_envelope(
        &self,
        s: &UserSession,
        id: &str,
        step: &Step,
        envelope: &str,
    ) -> Result<Reply, Transport> {
        // Like the SDK: load shedding (503 155830 Argon2 admission, 429 155834) changed
        // nothing, so the same envelope is sent again after `Retry-After` (1 s). The crash
        // test's short claim lease makes the Argon2 wait short (half the lease), so a loaded
        // machine sheds some requests.
        let mut attempts = 0;
        loop {
            let r = self
                .send(
                    self.user(
                        reqwest::Method::POST,
                        &format!("/v1/user/challenges/{id}/steps"),
                        &s.token,
                    )
                    .json(&json!({ "step": step.as_str(), "envelope": envelope })),
                )
                .await?;
            attempts += 1;
            let shed = matches!((r.status, r.code()), (503, 155830) | (429, 155834));
            if !shed || attempts >= 60 {
                return Ok(r);
            }
            tokio::time::sleep(std::time::Duration::from_secs(1)).await;
        }
    }
}

/// Seals `payload` for (challenge id, type, step) with the session key.
pub fn seal(
    s: &UserSession,
    id: &str,
    kind: &ChallengeType,
    step: &Step,
    payload: &StepPayload,
) -> String {
    let ctx = EnvelopeContext {
        challenge_id: id,
        challenge_type: kind,
        step,
    };
    seal_json(&s.key, &ctx, payload, &SystemRandom::new()).expect("seal")
}

/// `{"pin": pin}`.
pub fn pin_payload(pin: &str) -> StepPayload {
    StepPayload {
        pin: Some(Secret::from_str_copy(pin)),
        ..Default::default()
    }
}

/// `{"newPin": pin}`.
pub fn new_pin_payload(pin: &str) -> StepPayload {
    StepPayload {
        new_pin: Some(Secret::from_str_copy(pin)),
        ..Default::default()
    }
}

/// The two security answers every test user sets up (q01 TEXT, q10 DATE).
pub const ANSWERS: [(&str, &str); 2] = [("q01", "rex the dog"), ("q10", "2004-07-14")];

/// INITIALIZE / COMPLETE: a PIN, [`ANSWERS`] with a hint, acknowledged.
pub fn initialize_payload(pin: &str) -> StepPayload {
    StepPayload {
        new_pin: Some(Secret::from_str_copy(pin)),
        answers: Some(
            ANSWERS
                .iter()
                .enumerate()
                .map(|(i, (q, a))| AnswerEntry {
                    question_id: (*q).to_owned(),
                    answer: Secret::from_str_copy(a),
                    hint: (i == 0).then(|| "a pet".to_owned()),
                })
                .collect(),
        ),
        acknowledged: Some(true),
        ..Default::default()
    }
}

/// RESTORE_PIN / ANSWERS with [`ANSWERS`].
pub fn answers_payload() -> StepPayload {
    StepPayload {
        answers: Some(
            ANSWERS
                .iter()
                .map(|(q, a)| AnswerEntry {
                    question_id: (*q).to_owned(),
                    answer: Secret::from_str_copy(a),
                    hint: None,
                })
                .collect(),
        ),
        ..Default::default()
    }
}

/// Creates a user with a session and runs INITIALIZE with `pin`; returns the session and the
/// INITIALIZE challenge id.
pub async fn initialized_user(api: &Api, user_id: &str, pin: &str) -> (UserSession, String) {
    api.create_user(user_id).await.expect("create user").ok(201);
    let s = api.session(user_id).await.expect("token");
    let kind = ChallengeType::Initialize;
    let id = api
        .create_challenge(&s, &kind)
        .await
        .expect("create INITIALIZE")
        .ok(201)["challengeId"]
        .as_str()
        .expect("challengeId")
        .to_owned();
    api.descriptor(&s, &id).await.expect("descriptor").ok(200);
    let env = seal(&s, &id, &kind, &Step::Complete, &initialize_payload(pin));
    let r = api
        .post_envelope(&s, &id, &Step::Complete, &env)
        .await
        .expect("INITIALIZE complete");
    assert_eq!(r.ok(200)["status"], "COMPLETE");
    (s, id)
}

/// One webhook the receiver got: the parsed body and whether its signature verified.
#[derive(Clone, Debug)]
pub struct Received {
    /// The notification JSON.
    pub body: Value,
    /// `X-Latchkey-Key-Id`.
    pub key_id: String,
    /// Raw body bytes.
    pub raw: Vec<u8>,
    /// `X-Latchkey-Signature` (base64 DER ECDSA).
    pub signature: String,
    /// `X-Latchkey-Timestamp` (Unix seconds; signed with the body).
    pub timestamp: String,
}

/// A webhook receiver on a fixed loopback port that can be started and stopped.
pub struct Receiver {
    addr: SocketAddr,
    got: Arc<Mutex<Vec<Received>>>,
    stop: Option<tokio::sync::oneshot::Sender<()>>,
    task: Option<tokio::task::JoinHandle<()>>,
}

impl Receiver {
    /// Picks a free loopback port and keeps it closed (deliveries are refused) until
    /// [`Receiver::up`].
    pub fn down() -> Receiver {
        let l = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
        let addr = l.local_addr().expect("addr");
        drop(l);
        Receiver {
            addr,
            got: Arc::new(Mutex::new(Vec::new())),
            stop: None,
            task: None,
        }
    }

    /// The URL to subscribe.
    pub fn endpoint(&self) -> String {
        format!("http://{}/hook", self.addr)
    }

    /// Starts listening on the port; every POST to `/hook` is recorded and answered 200.
    pub async fn up(&mut self) {
        let listener = tokio::net::TcpListener::bind(self.addr)
            .await
            .expect("rebind the receiver port");
        let got = self.got.clone();
        let app = axum::Router::new().route(
            "/hook",
            axum::routing::post(
                move |headers: axum::http::HeaderMap, body: axum::body::Bytes| {
                    let got = got.clone();
                    async move {
                        let h = |n: &str| {
                            headers
                                .get(n)
                                .and_then(|v| v.to_str().ok())
                                .unwrap_or_default()
                                .to_owned()
                        };
                        let rec = Received {
                            body: serde_json::from_slice(&body).unwrap_or(Value::Null),
                            key_id: h("x-latchkey-key-id"),
                            signature: h("x-latchkey-signature"),
                            timestamp: h("x-latchkey-timestamp"),
                            raw: body.to_vec(),
                        };
                        if let Ok(mut g) = got.lock() {
                            g.push(rec);
                        }
                        axum::http::StatusCode::OK
                    }
                },
            ),
        );
        let (tx, rx) = tokio::sync::oneshot::channel::<()>();
        self.stop = Some(tx);
        self.task = Some(tokio::spawn(async move {
            let _ = axum::serve(listener, app)
                .with_graceful_shutdown(async {
                    let _ = rx.await;
                })
                .await;
        }));
    }

    /// Everything received so far.
    pub fn received(&self) -> Vec<Received> {
        self.got.lock().map(|g| g.clone()).unwrap_or_default()
    }
}

impl Drop for Receiver {
    fn drop(&mut self) {
        if let Some(s) = self.stop.take() {
            let _ = s.send(());
        }
        if let Some(t) = self.task.take() {
            t.abort();
        }
    }
}

/// Verifies a webhook signature with the SPKI (base64 DER) from the public-key endpoint: the
/// signature covers `"{X-Latchkey-Timestamp}.{raw body}"`.
pub fn verify_webhook(spki_b64: &str, r: &Received) -> bool {
    use base64::engine::general_purpose::STANDARD;
    use base64::Engine as _;
    let (Ok(spki), Ok(sig)) = (STANDARD.decode(spki_b64), STANDARD.decode(&r.signature)) else {
        return false;
    };
    if spki.len() < 65 {
        return false;
    }
    let point = &spki[spki.len() - 65..];
    let mut signed = Vec::with_capacity(r.timestamp.len() + 1 + r.raw.len());
    signed.extend_from_slice(r.timestamp.as_bytes());
    signed.push(b'.');
    signed.extend_from_slice(&r.raw);
    ring::signature::UnparsedPublicKey::new(&ring::signature::ECDSA_P256_SHA256_ASN1, point)
        .verify(&signed, &sig)
        .is_ok()
}
