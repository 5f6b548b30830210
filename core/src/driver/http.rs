//! The HTTP transport: one shared `reqwest` client, the `{"data": ...}` / error-body reply
//! shapes, and the retry loop (exponential backoff with jitter).
//!
//! Retried: connection errors, timeouts, unreadable replies and 5xx. Never retried: 4xx, with
//! one exception for step envelopes (409 155816, see [`Retry::Envelope`]). Every retry sends
//! the identical request (same envelope, same idempotency key), so the server replays its
//! recorded reply instead of acting twice.

use super::ClientConfig;
use latchkey_protocol::{DataEnvelope, ErrorBody, ErrorCode};
use reqwest::Method;
use ring::rand::{SecureRandom, SystemRandom};
use serde::de::DeserializeOwned;
use std::time::Duration;
use zeroize::Zeroizing;

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

/// How 4xx replies are treated.
#[derive(Clone, Copy, PartialEq, Eq)]
pub(crate) enum Retry {
    /// 4xx is final.
    Standard,
    /// The body is a step envelope. A 409 155816 ([`ErrorCode::StepInProgress`]) means "this
    /// very envelope is still being processed": wait (at least the reply's `Retry-After`,
    /// capped at `max_backoff`) and send it again; the server replays its recorded reply once
    /// it has one. Every other 4xx, 155805 included, is final.
    Envelope,
}

/// The result of a request after retries.
pub(crate) enum Outcome<T> {
    /// 2xx with a readable `{"data": ...}`.
    Accepted(T),
    /// A final error reply (4xx).
    Rejected(ErrorBody),
    /// No usable reply after every attempt: connection errors, timeouts, 5xx, or a step
    /// envelope still being processed (155816) on every attempt.
    Unreachable {
        code: ErrorCode,
        attempts: u32,
        detail: String,
    },
}

/// The shared transport.
pub(crate) struct Transport {
    http: reqwest::Client,
    pub(crate) config: ClientConfig,
    rng: SystemRandom,
}

enum Failure {
    /// Retryable.
    Transient { code: ErrorCode, detail: String },
    /// The server shed the request before doing anything (503 155830 busy, 429 155834 rate
    /// limited): retryable, no sooner than `retry_after` (the reply's `Retry-After`).
    Throttled {
        code: ErrorCode,
        detail: String,
        retry_after: Option<Duration>,
    },
    /// Final (unless it is 155816 on a step envelope). `retry_after`: the reply's
    /// `Retry-After` in seconds, when present.
    Rejected {
        body: ErrorBody,
        retry_after: Option<Duration>,
    },
}

impl Failure {
    fn rejected(body: ErrorBody) -> Self {
        Failure::Rejected {
            body,
            retry_after: None,
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
        })
    }

    fn url(&self, path: &str) -> String {
        format!("{}{}", self.config.base_url.trim_end_matches('/'), path)
    }

    /// Sends the request, retrying transient failures, and decodes `{"data": T}`.
    pub(crate) async fn call<T: DeserializeOwned>(
        &self,
        method: Method,
        path: &str,
        auth: Auth<'_>,
        body: Option<&[u8]>,
        retry: Retry,
    ) -> Outcome<T> {
        let max_attempts = self.config.max_retries.saturating_add(1);
        let mut attempt: u32 = 0;
        loop {
            attempt += 1;
            let mut wait_at_least = Duration::ZERO;
            let failure = match self.once::<T>(&method, path, &auth, body).await {
                Ok(v) => return Outcome::Accepted(v),
                Err(Failure::Rejected { body, retry_after })
                    if retry == Retry::Envelope && body.code == ErrorCode::StepInProgress =>
                {
                    wait_at_least = retry_after.unwrap_or_default();
                    Failure::Transient {
                        code: body.code,
                        detail: body.message,
                    }
                }
                Err(f) => f,
            };
            if let Failure::Throttled {
                retry_after: Some(after),
                ..
            } = &failure
            {
                wait_at_least = *after;
            }
            match failure {
                Failure::Rejected { body, .. } => return Outcome::Rejected(body),
                Failure::Transient { code, detail } | Failure::Throttled { code, detail, .. } => {
                    if attempt >= max_attempts {
                        return Outcome::Unreachable {
                            code,
                            attempts: attempt,
                            detail,
                        };
                    }
                    let delay = self
                        .backoff(attempt - 1)
                        .max(wait_at_least.min(self.config.max_backoff));
                    tokio::time::sleep(delay).await;
                }
            }
        }
    }

    async fn once<T: DeserializeOwned>(
        &self,
        method: &Method,
        path: &str,
        auth: &Auth<'_>,
        body: Option<&[u8]>,
    ) -> Result<T, Failure> {
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
        let retry_after = resp
            .headers()
            .get("retry-after")
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.trim().parse::<u64>().ok())
            .map(Duration::from_secs);
        let bytes = resp.bytes().await.map_err(classify)?;
        if (200..300).contains(&status) {
            return serde_json::from_slice::<DataEnvelope<T>>(&bytes)
                .map(|d| d.data)
                .map_err(|_| Failure::Transient {
                    code: ErrorCode::NetworkError,
                    detail: format!("unreadable {status} reply"),
                });
        }
        let parsed = serde_json::from_slice::<ErrorBody>(&bytes).ok();
        // Load shedding: the server did nothing (no guess counted, no state changed), so every
        // call may be sent again, after the reply's `Retry-After`.
        let shed = parsed
            .as_ref()
            .map(|b| b.code)
            .filter(|c| matches!(c, ErrorCode::ServerBusy | ErrorCode::RateLimited));
        if let (Some(code), 429 | 503) = (shed, status) {
            return Err(Failure::Throttled {
                code,
                detail: format!("HTTP {status}"),
                retry_after,
            });
        }
        if status >= 500 {
            let code = parsed
                .as_ref()
                .map(|b| b.code)
                .unwrap_or(ErrorCode::InternalError);
            return Err(Failure::Transient {
                code: if status == 502 || status == 503 || status == 504 {
                    ErrorCode::NetworkError
                } else {
                    code
                },
                detail: format!("HTTP {status}"),
            });
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
        Err(Failure::Rejected { body, retry_after })
    }

    /// Delay before retry number `n` (0-based): `initial * 2^n`, capped at `max`, with jitter
    /// (a random point in the upper half).
    pub(crate) fn backoff(&self, n: u32) -> Duration {
        backoff_delay(
            self.config.initial_backoff,
            self.config.max_backoff,
            n,
            self.jitter(),
        )
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

/// `initial * 2^n` capped at `max`, then scaled into `[d/2, d)` by `jitter` in [0, 1).
pub(crate) fn backoff_delay(initial: Duration, max: Duration, n: u32, jitter: f64) -> Duration {
    let factor = 2u32.saturating_pow(n.min(20));
    let d = initial.saturating_mul(factor).min(max);
    d.mul_f64(0.5 + 0.5 * jitter.clamp(0.0, 1.0))
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
    // reqwest's own text may include the URL (never credentials); keep ours short.
    Failure::Transient {
        code: ErrorCode::NetworkError,
        detail: what.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_grows_and_is_capped() {
        let i = Duration::from_millis(100);
        let m = Duration::from_secs(2);
        assert_eq!(backoff_delay(i, m, 0, 0.0), Duration::from_millis(50));
        assert_eq!(backoff_delay(i, m, 1, 0.0), Duration::from_millis(100));
        assert_eq!(
            backoff_delay(i, m, 3, 0.999_999),
            Duration::from_millis(800).mul_f64(0.5 + 0.5 * 0.999_999)
        );
        assert_eq!(backoff_delay(i, m, 10, 0.0), Duration::from_secs(1));
        assert_eq!(backoff_delay(i, m, 40, 0.0), Duration::from_secs(1));
        assert!(backoff_delay(i, m, 10, 0.99) < m);
    }
}
