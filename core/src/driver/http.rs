//! The HTTP transport: one shared `reqwest` client, the `{"data": ...}` / error-body reply
//! shapes, the server-clock offset (from every reply's `Date` header), and the retry loop, which
//! asks the sans-IO [`RetryPolicy`] after every failed attempt.
//!
//! Every retry sends the identical request (same envelope, same idempotency key), so the server
//! replays its recorded reply instead of acting twice. Requests without an idempotency key
//! ([`RequestKind::NotIdempotent`]) are resent only when they never left the device or the
//! server shed them before doing anything (503/429 with `Retry-After`).

use super::ClientConfig;
use crate::retry::{parse_retry_after, Decision, Failure as Why, RequestKind, RetryPolicy};
use crate::time::{parse_http_date, ServerClock};
use latchkey_protocol::{DataEnvelope, ErrorBody, ErrorCode};
use reqwest::Method;
use ring::rand::{SecureRandom, SystemRandom};
use serde::de::DeserializeOwned;
use std::sync::Mutex;
use std::time::Duration;
use zeroize::Zeroizing;

/// 155830: the server's Argon2 queue is full (503 with `Retry-After`).
pub(crate) const SERVER_BUSY: u32 = 155_830;
/// 155834: rate limited (429 with `Retry-After`).
pub(crate) const RATE_LIMITED: u32 = 155_834;

/// Which credentials a request carries.
pub(crate) enum Auth<'a> {
    /// `X-User-Token` only (client API).
    User(&'a str),
    /// `Authorization: Bearer` only (developer API).
    ApiKey(&'a str),
    /// Both (challenge creation).
    Both {
        api_key: &'a str,
        user_token: &'a str,
    },
}

/// The result of a request after retries.
pub(crate) enum Outcome<T> {
    /// 2xx with a readable `{"data": ...}`.
    Accepted(T),
    /// A final error reply (4xx).
    Rejected(ErrorBody),
    /// No usable reply after every attempt allowed: connection errors, timeouts, 5xx, a step
    /// envelope still being processed (155816), or a lost reply to a request that is not
    /// idempotent (not resent).
    Unreachable {
        code: ErrorCode,
        attempts: u32,
        detail: String,
    },
    /// The server was shedding load (503/429 with `Retry-After`) on the last attempt, or asked
    /// for a longer wait than `max_retry_after`.
    Busy {
        code: ErrorCode,
        attempts: u32,
        retry_after: Option<Duration>,
    },
}

impl Outcome<()> {
    /// Puts the value that [`Transport::call`]'s decoder kept into an accepted outcome. The
    /// decoder keeps a value exactly when it reports the body readable, which is the only way
    /// to `Accepted`; the `None` arm is therefore never taken and reports an unreadable reply
    /// rather than panicking.
    fn with_data<T>(self, data: Option<T>) -> Outcome<T> {
        match (self, data) {
            (Outcome::Accepted(()), Some(v)) => Outcome::Accepted(v),
            (Outcome::Accepted(()), None) => Outcome::Unreachable {
                code: ErrorCode::NetworkError,
                attempts: 1,
                detail: "unreadable reply".into(),
            },
            (Outcome::Rejected(b), _) => Outcome::Rejected(b),
            (
                Outcome::Unreachable {
                    code,
                    attempts,
                    detail,
                },
                _,
            ) => Outcome::Unreachable {
                code,
                attempts,
                detail,
            },
            (
                Outcome::Busy {
                    code,
                    attempts,
                    retry_after,
                },
                _,
            ) => Outcome::Busy {
                code,
                attempts,
                retry_after,
            },
        }
    }
}

/// The shared transport.
pub(crate) struct Transport {
    http: reqwest::Client,
    pub(crate) config: ClientConfig,
    rng: SystemRandom,
    server_clock: Mutex<ServerClock>,
}

/// One failed attempt: how (for the policy), and what to report if it is the last.
struct Failure {
    why: Why,
    code: ErrorCode,
    detail: String,
    /// The error body of a final refusal (4xx).
    body: Option<ErrorBody>,
}

impl Failure {
    fn rejected(body: ErrorBody) -> Self {
        Failure {
            why: Why::Final,
            code: body.code,
            detail: String::new(),
            body: Some(body),
        }
    }

    fn transient(why: Why, code: ErrorCode, detail: impl Into<String>) -> Self {
        Failure {
            why,
            code,
            detail: detail.into(),
            body: None,
        }
    }
}

impl Transport {
    pub(crate) fn new(config: ClientConfig) -> Result<Self, reqwest::Error> {
        let http = reqwest::Client::builder()
            .timeout(config.request_timeout)
            .connect_timeout(config.connect_timeout)
            .user_agent(config.user_agent.clone())
            .redirect(reqwest::redirect::Policy::none())
            .build()?;
        Ok(Transport {
            http,
            config,
            rng: SystemRandom::new(),
            server_clock: Mutex::new(ServerClock::unknown()),
        })
    }

    /// The server-clock offset measured so far.
    pub(crate) fn server_clock(&self) -> ServerClock {
        self.server_clock
            .lock()
            .map(|c| *c)
            .unwrap_or_else(|p| *p.into_inner())
    }

    /// The server's time now (unix seconds): the configured device clock shifted by the offset
    /// measured from the last reply's `Date` header.
    pub(crate) fn server_now(&self) -> i64 {
        self.server_clock().server_now(self.config.clock.now_unix())
    }

    fn observe_date(&self, date: Option<&str>) {
        let Some(server) = date.and_then(parse_http_date) else {
            return;
        };
        let device = self.config.clock.now_unix();
        let mut c = self.server_clock.lock().unwrap_or_else(|p| p.into_inner());
        c.observe(server, device);
    }

    fn policy(&self) -> RetryPolicy {
        RetryPolicy {
            max_retries: self.config.max_retries,
            initial_backoff: self.config.initial_backoff,
            max_backoff: self.config.max_backoff,
            max_retry_after: self.config.max_retry_after,
        }
    }

    fn url(&self, path: &str) -> String {
        format!("{}{}", self.config.base_url.trim_end_matches('/'), path)
    }

    /// Sends the request, retrying as the [`RetryPolicy`] says for `kind`, and decodes
    /// `{"data": T}`. Waits are plain `tokio` sleeps: dropping the future cancels them.
    ///
    /// Only the decoding is generic: the request, the retry loop and the reply classification
    /// are one non-generic future ([`Transport::call_raw`]) shared by every reply type, so the
    /// library carries one copy of that state machine instead of one per `T`.
    pub(crate) async fn call<T: DeserializeOwned + Send>(
        &self,
        method: Method,
        path: &str,
        auth: Auth<'_>,
        body: Option<&[u8]>,
        kind: RequestKind,
    ) -> Outcome<T> {
        let mut slot: Option<T> = None;
        let mut decode = |bytes: &[u8]| match serde_json::from_slice::<DataEnvelope<T>>(bytes) {
            Ok(d) => {
                slot = Some(d.data);
                true
            }
            Err(_) => false,
        };
        let raw = self
            .call_raw(method, path, auth, body, kind, &mut decode)
            .await;
        raw.with_data(slot)
    }

    /// [`Transport::call`] without the type: `decode` reads a 2xx body, keeps the value and
    /// says whether it was readable (an unreadable 2xx reply counts as a lost reply).
    async fn call_raw(
        &self,
        method: Method,
        path: &str,
        auth: Auth<'_>,
        body: Option<&[u8]>,
        kind: RequestKind,
        decode: &mut (dyn FnMut(&[u8]) -> bool + Send),
    ) -> Outcome<()> {
        let policy = self.policy();
        let mut attempt: u32 = 0;
        loop {
            attempt += 1;
            let mut f = match self.once(&method, path, &auth, body, &mut *decode).await {
                Ok(()) => return Outcome::Accepted(()),
                Err(f) => f,
            };
            // 155816 means "this very envelope is still being processed" only for a step.
            if kind != RequestKind::Sealed && matches!(f.why, Why::InProgress { .. }) {
                f.why = Why::Final;
            }
            match policy.decide(kind, attempt, f.why, self.jitter()) {
                Decision::RetryAfter(delay) => tokio::time::sleep(delay).await,
                Decision::GiveUp => return self.give_up(f, attempt),
            }
        }
    }

    fn give_up<T>(&self, f: Failure, attempts: u32) -> Outcome<T> {
        match (f.why, f.body) {
            (Why::Final, Some(body)) => Outcome::Rejected(body),
            (Why::Final, None) => Outcome::Rejected(ErrorBody::new(f.code)),
            (Why::Busy { retry_after }, _) => Outcome::Busy {
                code: f.code,
                attempts,
                retry_after,
            },
            (_, _) => Outcome::Unreachable {
                code: f.code,
                attempts,
                detail: f.detail,
            },
        }
    }

    async fn once(
        &self,
        method: &Method,
        path: &str,
        auth: &Auth<'_>,
        body: Option<&[u8]>,
        decode: &mut (dyn FnMut(&[u8]) -> bool + Send),
    ) -> Result<(), Failure> {
        let mut req = self
            .http
            .request(method.clone(), self.url(path))
            .header("accept", "application/json");
        match auth {
            Auth::User(t) => req = req.header("x-user-token", *t),
            Auth::ApiKey(k) => req = req.header("authorization", bearer(k).as_str()),
            Auth::Both {
                api_key,
                user_token,
            } => {
                req = req
                    .header("authorization", bearer(api_key).as_str())
                    .header("x-user-token", *user_token)
            }
        }
        if let Some(b) = body {
            req = req
                .header("content-type", "application/json")
                .body(b.to_vec());
        }
        let resp = req.send().await.map_err(classify)?;
        let status = resp.status().as_u16();
        let header = |name: &str| {
            resp.headers()
                .get(name)
                .and_then(|v| v.to_str().ok())
                .map(str::to_owned)
        };
        self.observe_date(header("date").as_deref());
        let retry_after = header("retry-after").as_deref().and_then(parse_retry_after);
        let bytes = resp.bytes().await.map_err(classify)?;
        if (200..300).contains(&status) {
            return if decode(&bytes) {
                Ok(())
            } else {
                Err(Failure::transient(
                    Why::Lost,
                    ErrorCode::NetworkError,
                    format!("unreadable {status} reply"),
                ))
            };
        }
        let parsed = serde_json::from_slice::<ErrorBody>(&bytes).ok();
        let code = parsed.as_ref().map(|b| b.code.code());
        // Load shed before any work: the server's busy (155830) or rate-limit (155834) code,
        // or a 503/429 with Retry-After from anything in front of it.
        let busy = matches!(code, Some(SERVER_BUSY | RATE_LIMITED))
            || (matches!(status, 429 | 503) && retry_after.is_some());
        if busy {
            let code = code.unwrap_or(if status == 429 {
                RATE_LIMITED
            } else {
                SERVER_BUSY
            });
            return Err(Failure::transient(
                Why::Busy { retry_after },
                ErrorCode::from_code(code),
                format!("HTTP {status}"),
            ));
        }
        if status >= 500 {
            let code = parsed
                .as_ref()
                .map(|b| b.code)
                .unwrap_or(ErrorCode::InternalError);
            return Err(Failure::transient(
                Why::Lost,
                if status == 502 || status == 503 || status == 504 {
                    ErrorCode::NetworkError
                } else {
                    code
                },
                format!("HTTP {status}"),
            ));
        }
        let body = parsed.unwrap_or_else(|| {
            let mut b = ErrorBody::new(match status {
                401 => ErrorCode::Unauthorized,
                404 => ErrorCode::NotFound,
                413 => ErrorCode::PayloadTooLarge,
                _ => ErrorCode::InvalidRequest,
            });
            b.message = format!("HTTP {status} without an error body");
            b
        });
        if body.code == ErrorCode::StepInProgress {
            return Err(Failure {
                why: Why::InProgress { retry_after },
                code: body.code,
                detail: body.message.clone(),
                body: Some(body),
            });
        }
        Err(Failure::rejected(body))
    }

    /// A random fraction in [0, 1).
    pub(crate) fn jitter(&self) -> f64 {
        let mut b = [0u8; 4];
        match self.rng.fill(&mut b) {
            Ok(()) => f64::from(u32::from_le_bytes(b)) / (f64::from(u32::MAX) + 1.0),
            Err(_) => 0.5,
        }
    }

    pub(crate) fn rng(&self) -> &SystemRandom {
        &self.rng
    }
}

fn bearer(k: &str) -> Zeroizing<String> {
    Zeroizing::new(format!("Bearer {k}"))
}

fn classify(e: reqwest::Error) -> Failure {
    if e.is_builder() {
        let mut b = ErrorBody::new(ErrorCode::InvalidRequest);
        b.message = "the request could not be built (bad base URL or header value)".into();
        return Failure::rejected(b);
    }
    let what = if e.is_timeout() {
        "timed out"
    } else if e.is_connect() {
        "could not connect"
    } else if e.is_body() || e.is_decode() {
        "reply interrupted"
    } else {
        "connection failed"
    };
    // A connect failure means the request never left the device: safe to send again even
    // when it is not idempotent.
    let why = if e.is_connect() {
        Why::NotSent
    } else {
        Why::Lost
    };
    // reqwest's own text may include the URL (never credentials); keep ours short.
    Failure::transient(why, ErrorCode::NetworkError, what)
}
