//! Helpers shared by the integration tests: start a real server over loopback (SQLite in a temp
//! dir, or a fresh PostgreSQL database when `LATCHKEY_TEST_POSTGRES_URL` is set) and drive it
//! with real HTTP and real envelopes.
#![allow(dead_code)]

use latchkey_protocol::envelope::{seal_json, EnvelopeContext};
use latchkey_protocol::{AnswerEntry, ChallengeType, Secret, SessionKey, Step, StepPayload};
use latchkey_server::{Config, RunningServer, Server};
use ring::rand::SystemRandom;
use serde_json::{json, Value};
use sqlx::Connection;

/// Which database a test runs on.
#[derive(Clone, Debug)]
pub enum Backend {
    Sqlite,
    /// A fresh PostgreSQL database URL.
    Postgres(String),
}

/// Makes a fresh PostgreSQL database, or `None` when `LATCHKEY_TEST_POSTGRES_URL` is unset.
pub async fn fresh_postgres() -> Option<String> {
    let admin = std::env::var("LATCHKEY_TEST_POSTGRES_URL").ok()?;
    let name = format!("lk_test_{}", uuid::Uuid::new_v4().simple());
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

/// Runs `$body(backend)` as a SQLite test and a PostgreSQL test (skipped without the env var).
#[macro_export]
macro_rules! both_backends {
    ($name:ident, $scenario:path) => {
        mod $name {
            use super::*;
            #[tokio::test(flavor = "multi_thread", worker_threads = 4)]
            async fn sqlite() {
                $scenario(common::Backend::Sqlite).await;
            }
            #[tokio::test(flavor = "multi_thread", worker_threads = 4)]
            async fn postgres() {
                match common::fresh_postgres().await {
                    Some(url) => $scenario(common::Backend::Postgres(url)).await,
                    None => {
                        eprintln!("LATCHKEY_TEST_POSTGRES_URL unset: PostgreSQL variant skipped")
                    }
                }
            }
        }
    };
}

/// A test server and its temp directory.
pub struct TestServer {
    pub server: Option<RunningServer>,
    pub dir: tempfile::TempDir,
    pub config: Config,
    pub api: Api,
}

impl TestServer {
    pub async fn start(backend: &Backend, tweak: impl FnOnce(&mut Config)) -> TestServer {
        let dir = tempfile::tempdir().unwrap();
        let mut config = Config::for_tests(dir.path());
        config.api_key = Some("test-api-key-0123456789".into());
        if let Backend::Postgres(url) = backend {
            config.database_url = Some(url.clone());
            // base64 of 32 bytes, shared by every instance on one database
            config.pepper = Some("c2hhcmVkIHRlc3QgcGVwcGVyIGZvciBwb3N0Z3Jlcy4=".into());
        }
        tweak(&mut config);
        let server = Server::start(config.clone()).await.expect("server starts");
        let api = Api::new(&server.base_url(), config.api_key.as_deref().unwrap());
        TestServer {
            server: Some(server),
            dir,
            config,
            api,
        }
    }

    /// Stops the server and starts it again on the same data (new port).
    pub async fn restart(&mut self) {
        if let Some(s) = self.server.take() {
            s.shutdown().await;
        }
        let s = Server::start(self.config.clone())
            .await
            .expect("server restarts");
        self.api = Api::new(&s.base_url(), self.config.api_key.as_deref().unwrap());
        self.server = Some(s);
    }

    pub async fn stop(mut self) {
        if let Some(s) = self.server.take() {
            s.shutdown().await;
        }
    }
}

/// A user session as the SDK holds it.
#[derive(Clone)]
pub struct Session {
    pub user_id: String,
    pub token: String,
    pub key: SessionKey,
}

/// An HTTP reply.
#[derive(Debug, Clone)]
pub struct Reply {
    pub status: u16,
    pub body: Value,
}

impl Reply {
    pub fn code(&self) -> u64 {
        self.body["code"].as_u64().unwrap_or(0)
    }
    pub fn data(&self) -> &Value {
        &self.body["data"]
    }
    #[track_caller]
    pub fn expect_code(&self, status: u16, code: u64) -> &Self {
        assert_eq!(
            (self.status, self.code()),
            (status, code),
            "unexpected reply {:?}",
            self.body
        );
        self
    }
    #[track_caller]
    pub fn expect_ok(&self, status: u16) -> &Value {
        assert_eq!(self.status, status, "unexpected reply {:?}", self.body);
        &self.body["data"]
    }
}

/// A developer-API and client-API client.
#[derive(Clone)]
pub struct Api {
    pub base: String,
    pub api_key: String,
    pub http: reqwest::Client,
}

impl Api {
    pub fn new(base: &str, api_key: &str) -> Api {
        Api {
            base: base.to_owned(),
            api_key: api_key.to_owned(),
            http: reqwest::Client::new(),
        }
    }

    pub async fn send(&self, req: reqwest::RequestBuilder) -> Reply {
        let r = req.send().await.expect("request sent");
        let status = r.status().as_u16();
        let text = r.text().await.unwrap();
        let body = if text.is_empty() {
            Value::Null
        } else {
            serde_json::from_str(&text).unwrap_or(Value::String(text))
        };
        Reply { status, body }
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{}", self.base, path)
    }

    /// A developer-API request (API key).
    pub fn dev(&self, method: reqwest::Method, path: &str) -> reqwest::RequestBuilder {
        self.http
            .request(method, self.url(path))
            .bearer_auth(&self.api_key)
    }

    /// A client-API request (user token only).
    pub fn client(
        &self,
        method: reqwest::Method,
        path: &str,
        s: &Session,
    ) -> reqwest::RequestBuilder {
        self.http
            .request(method, self.url(path))
            .header("X-User-Token", &s.token)
    }

    pub async fn create_user(&self, id: &str) -> Reply {
        self.send(
            self.dev(reqwest::Method::POST, "/v1/users")
                .json(&json!({"userId": id})),
        )
        .await
    }

    pub async fn session(&self, id: &str) -> Session {
        let r = self
            .send(
                self.dev(reqwest::Method::POST, "/v1/users/token")
                    .json(&json!({"userId": id})),
            )
            .await;
        let d = r.expect_ok(200);
        Session {
            user_id: id.to_owned(),
            token: d["userToken"].as_str().unwrap().to_owned(),
            key: SessionKey::from_base64(d["encryptionKey"].as_str().unwrap()).unwrap(),
        }
    }

    /// A new user with a session.
    pub async fn new_user(&self, id: &str) -> Session {
        self.create_user(id).await.expect_ok(201);
        self.session(id).await
    }

    /// Creates a challenge (API key + user token).
    pub async fn create_challenge(&self, s: &Session, kind: ChallengeType, body: Value) -> Reply {
        let (method, path) = match kind {
            ChallengeType::Initialize => (reqwest::Method::POST, "/v1/user/initialize"),
            ChallengeType::SetPin => (reqwest::Method::POST, "/v1/user/pin"),
            ChallengeType::ChangePin => (reqwest::Method::PUT, "/v1/user/pin"),
            ChallengeType::RestorePin => (reqwest::Method::POST, "/v1/user/pin/restore"),
            ChallengeType::SetSecurityQuestions => {
                (reqwest::Method::POST, "/v1/user/securityQuestions")
            }
            ChallengeType::SignMessage => (reqwest::Method::POST, "/v1/user/sign/message"),
            ChallengeType::SignTypedData => (reqwest::Method::POST, "/v1/user/sign/typedData"),
            ChallengeType::SignTransaction => (reqwest::Method::POST, "/v1/user/sign/transaction"),
            ChallengeType::CreateWallet => (reqwest::Method::POST, "/v1/user/wallets"),
            ChallengeType::SetRecoveryCode => (reqwest::Method::POST, "/v1/user/recoveryCode"),
            ChallengeType::SetCloudBackup => (reqwest::Method::POST, "/v1/user/cloudBackup"),
            other => panic!("no route for {other}"),
        };
        self.send(
            self.dev(method, path)
                .header("X-User-Token", &s.token)
                .json(&body),
        )
        .await
    }

    /// Creates a challenge with a fresh idempotency key and returns its id. INITIALIZE asks for
    /// a wallet on ETH-SEPOLIA; SIGN_MESSAGE signs with the user's first wallet.
    pub async fn challenge(&self, s: &Session, kind: ChallengeType) -> String {
        let mut body = json!({"idempotencyKey": uuid::Uuid::new_v4().to_string()});
        if kind == ChallengeType::Initialize {
            body["blockchains"] = json!(["ETH-SEPOLIA"]);
        }
        if kind == ChallengeType::SignMessage {
            body["walletId"] = json!(self.first_wallet(s).await["id"]);
            body["message"] = json!("Send 1 ETH to 0xabc");
        }
        let r = self.create_challenge(s, kind, body).await;
        r.expect_ok(201)["challengeId"].as_str().unwrap().to_owned()
    }

    pub async fn descriptor(&self, s: &Session, id: &str) -> Reply {
        self.send(self.client(
            reqwest::Method::GET,
            &format!("/v1/user/challenges/{id}/descriptor"),
            s,
        ))
        .await
    }

    /// The session user's wallets (`GET /v1/wallets`).
    pub async fn wallets(&self, s: &Session) -> Vec<Value> {
        let r = self
            .send(self.client(reqwest::Method::GET, "/v1/wallets", s))
            .await;
        r.expect_ok(200)["wallets"].as_array().unwrap().clone()
    }

    /// The session user's first wallet (panics when there is none).
    pub async fn first_wallet(&self, s: &Session) -> Value {
        self.wallets(s)
            .await
            .into_iter()
            .next()
            .expect("the user has a wallet (INITIALIZE with blockchains)")
    }

    /// The review digest of a signing challenge's `signRequest`, as the SDK computes it.
    pub async fn review_digest(&self, s: &Session, id: &str) -> String {
        let d = self.descriptor(s, id).await;
        let text = d.expect_ok(200)["signRequest"]
            .as_str()
            .expect("a signing challenge has a signRequest")
            .to_owned();
        latchkey_protocol::review_digest(&text)
    }

    pub async fn get_challenge(&self, s: &Session, id: &str) -> Reply {
        self.send(self.client(
            reqwest::Method::GET,
            &format!("/v1/user/challenges/{id}"),
            s,
        ))
        .await
    }

    pub async fn get_user(&self, id: &str) -> Value {
        self.send(self.dev(reqwest::Method::GET, &format!("/v1/users/{id}")))
            .await
            .expect_ok(200)
            .clone()
    }

    /// Seals a payload for (challenge, type, step).
    pub fn seal(
        &self,
        s: &Session,
        id: &str,
        kind: &ChallengeType,
        step: &Step,
        p: &StepPayload,
    ) -> String {
        let ctx = EnvelopeContext {
            challenge_id: id,
            challenge_type: kind,
            step,
        };
        seal_json(&s.key, &ctx, p, &SystemRandom::new()).unwrap()
    }

    /// Posts an already sealed envelope.
    pub async fn post_envelope(&self, s: &Session, id: &str, step: &Step, envelope: &str) -> Reply {
        self.send(
            self.client(
                reqwest::Method::POST,
                &format!("/v1/user/challenges/{id}/steps"),
                s,
            )
            .json(&json!({"step": step.as_str(), "envelope": envelope})),
        )
        .await
    }

    /// Seals and posts a step. The COMPLETE step of a signing challenge gets the review digest
    /// of the descriptor's `signRequest` (as the SDK sends it) unless the payload has one.
    pub async fn step(
        &self,
        s: &Session,
        id: &str,
        kind: &ChallengeType,
        step: Step,
        mut p: StepPayload,
    ) -> Reply {
        let signing = matches!(
            kind,
            ChallengeType::SignMessage
                | ChallengeType::SignTypedData
                | ChallengeType::SignTransaction
        );
        if signing && step == Step::Complete && p.review_digest.is_none() {
            p.review_digest = Some(self.review_digest(s, id).await);
        }
        let env = self.seal(s, id, kind, &step, &p);
        self.post_envelope(s, id, &step, &env).await
    }

    /// Runs INITIALIZE to completion with `pin` and two answers (q01 text, q10 date).
    pub async fn initialize(&self, s: &Session, pin: &str) {
        let id = self.challenge(s, ChallengeType::Initialize).await;
        self.descriptor(s, &id).await.expect_ok(200);
        self.step(
            s,
            &id,
            &ChallengeType::Initialize,
            Step::Complete,
            init_payload(pin),
        )
        .await
        .expect_ok(200);
    }
}

pub fn pin(p: &str) -> StepPayload {
    StepPayload {
        pin: Some(Secret::from_str_copy(p)),
        ..Default::default()
    }
}

pub fn new_pin(p: &str) -> StepPayload {
    StepPayload {
        new_pin: Some(Secret::from_str_copy(p)),
        ..Default::default()
    }
}

pub fn answer(q: &str, a: &str, hint: Option<&str>) -> AnswerEntry {
    AnswerEntry {
        question_id: q.into(),
        answer: Secret::from_str_copy(a),
        hint: hint.map(str::to_owned),
    }
}

/// The standard setup answers: q01 "Rex" (hint "dog"), q10 2004-07-14.
pub fn setup_answers() -> Vec<AnswerEntry> {
    vec![
        answer("q01", "Rex", Some("dog")),
        answer("q10", "2004-07-14", None),
    ]
}

pub fn init_payload(p: &str) -> StepPayload {
    StepPayload {
        new_pin: Some(Secret::from_str_copy(p)),
        answers: Some(setup_answers()),
        acknowledged: Some(true),
        ..Default::default()
    }
}

pub fn answers_payload(a: Vec<AnswerEntry>) -> StepPayload {
    StepPayload {
        answers: Some(a),
        ..Default::default()
    }
}

/// Every log line the servers of this test binary write (debug level), captured in memory.
#[derive(Clone, Default)]
pub struct Logs(pub std::sync::Arc<std::sync::Mutex<Vec<u8>>>);

impl std::io::Write for Logs {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

/// The binary's log capture (installs the subscriber on first use).
pub fn logs() -> &'static Logs {
    static LOGS: std::sync::OnceLock<Logs> = std::sync::OnceLock::new();
    LOGS.get_or_init(|| {
        let logs = Logs::default();
        let writer = logs.clone();
        tracing_subscriber::fmt()
            .with_max_level(tracing::Level::DEBUG)
            .with_writer(move || writer.clone())
            .with_ansi(false)
            .init();
        logs
    })
}
