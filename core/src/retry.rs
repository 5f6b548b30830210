//! The retry policy, without IO: given what kind of request failed and how, whether to send it
//! again and after how long. The driver's HTTP loop asks [`RetryPolicy::decide`] after every
//! failed attempt; the policy never sleeps, reads no clock and draws no randomness (the jitter
//! comes in as a number).
//!
//! | failure                                   | idempotent / sealed        | not idempotent |
//! |-------------------------------------------|----------------------------|----------------|
//! | never sent (connect refused, DNS)         | retry after backoff        | retry after backoff |
//! | lost reply, timeout, 5xx                  | retry after backoff        | give up (it may have taken effect) |
//! | busy: 503 or 429 with `Retry-After`, 155830, 155834 | wait `Retry-After` (at least the backoff), retry; give up at once if it is over `max_retry_after` | give up |
//! | 409 155816 (sealed step still processing) | wait `Retry-After` (capped at `max_backoff`), retry | - |
//! | any other 4xx                             | give up                    | give up        |
//!
//! Every kind gives up after `max_retries` retries. "Not idempotent" is `POST /v1/users` and
//! `POST /v1/users/token`: they carry no idempotency key, so a resend after a lost reply would
//! create a second user token (or fail with 155101 for a user the first attempt created).

use std::time::Duration;

/// What the server is asked to do, as far as resending it is concerned.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum RequestKind {
    /// Reads, cancels, and creations carrying an idempotency key: a resend has the same effect.
    Idempotent,
    /// A sealed step envelope: the server answers a resend of the same bytes from its record.
    Sealed,
    /// No idempotency key (`create_user`, `create_user_token`): resent only when it surely
    /// never reached the server, or the server shed it before doing anything (busy / rate
    /// limited with `Retry-After`).
    NotIdempotent,
}

/// How an attempt failed.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Failure {
    /// The request never left the device (connection refused, DNS failure, connect timeout).
    NotSent,
    /// Sent, but no usable reply: timeout, reset, unreadable reply, or a 5xx without
    /// `Retry-After`. The request may have taken effect.
    Lost,
    /// The server shed the request before doing anything (503 or 429 with `Retry-After`, or
    /// code 155830 / 155834) and asks to come back after `retry_after`.
    Busy {
        /// The reply's `Retry-After` (none: the backoff is used).
        retry_after: Option<Duration>,
    },
    /// 409 155816: this very sealed envelope is still being processed.
    InProgress {
        /// The reply's `Retry-After`.
        retry_after: Option<Duration>,
    },
    /// A final refusal (4xx other than the above).
    Final,
}

/// What to do after a failed attempt.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Decision {
    /// Wait this long (cancellable), then send the identical request again.
    RetryAfter(Duration),
    /// Report the failure to the caller.
    GiveUp,
}

/// The knobs of the policy (from the driver's `ClientConfig`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct RetryPolicy {
    /// Retries after the first attempt.
    pub max_retries: u32,
    /// Delay before the first retry; doubles each retry.
    pub initial_backoff: Duration,
    /// Longest backoff (and longest wait for 155816).
    pub max_backoff: Duration,
    /// Longest `Retry-After` the SDK honours; a server asking for more gets a clear error at
    /// once instead of a frozen screen.
    pub max_retry_after: Duration,
}

impl RetryPolicy {
    /// Decides after attempt number `attempt` (1-based) of a `kind` request failed with
    /// `failure`. `jitter` in [0, 1) spreads the backoff (see [`backoff_delay`]).
    pub fn decide(
        &self,
        kind: RequestKind,
        attempt: u32,
        failure: Failure,
        jitter: f64,
    ) -> Decision {
        if attempt > self.max_retries {
            return Decision::GiveUp;
        }
        let backoff = backoff_delay(
            self.initial_backoff,
            self.max_backoff,
            attempt.saturating_sub(1),
            jitter,
        );
        match (failure, kind) {
            (Failure::Final, _) => Decision::GiveUp,
            (Failure::NotSent, _) => Decision::RetryAfter(backoff),
            // Shed before any work: resending is safe even without an idempotency key.
            (Failure::Busy { retry_after }, _) => match retry_after {
                Some(ra) if ra > self.max_retry_after => Decision::GiveUp,
                Some(ra) => Decision::RetryAfter(ra.max(backoff)),
                None => Decision::RetryAfter(backoff),
            },
            (_, RequestKind::NotIdempotent) => Decision::GiveUp,
            (Failure::Lost, _) => Decision::RetryAfter(backoff),
            (Failure::InProgress { retry_after }, RequestKind::Sealed) => Decision::RetryAfter(
                backoff.max(retry_after.unwrap_or_default().min(self.max_backoff)),
            ),
            (Failure::InProgress { .. }, RequestKind::Idempotent) => Decision::GiveUp,
        }
    }
}

/// `initial * 2^n` capped at `max`, then scaled into `[d/2, d)` by `jitter` in [0, 1).
pub fn backoff_delay(initial: Duration, max: Duration, n: u32, jitter: f64) -> Duration {
    let factor = 2u32.saturating_pow(n.min(20));
    let d = initial.saturating_mul(factor).min(max);
    d.mul_f64(0.5 + 0.5 * jitter.clamp(0.0, 1.0))
}

/// Parses a `Retry-After` header: delay-seconds only (the HTTP-date form is not used by
/// Latchkey servers and gives `None`, so the backoff applies).
pub fn parse_retry_after(value: &str) -> Option<Duration> {
    value.trim().parse::<u64>().ok().map(Duration::from_secs)
}

#[cfg(test)]
mod tests {
    use super::*;

    const MS: fn(u64) -> Duration = Duration::from_millis;

    fn policy() -> RetryPolicy {
        RetryPolicy {
            max_retries: 3,
            initial_backoff: MS(100),
            max_backoff: Duration::from_secs(2),
            max_retry_after: Duration::from_secs(30),
        }
    }

    #[test]
    fn backoff_grows_and_is_capped() {
        let i = MS(100);
        let m = Duration::from_secs(2);
        assert_eq!(backoff_delay(i, m, 0, 0.0), MS(50));
        assert_eq!(backoff_delay(i, m, 1, 0.0), MS(100));
        assert_eq!(
            backoff_delay(i, m, 3, 0.999_999),
            MS(800).mul_f64(0.5 + 0.5 * 0.999_999)
        );
        assert_eq!(backoff_delay(i, m, 10, 0.0), Duration::from_secs(1));
        assert_eq!(backoff_delay(i, m, 40, 0.0), Duration::from_secs(1));
        assert!(backoff_delay(i, m, 10, 0.99) < m);
    }

    #[test]
    fn busy_waits_for_retry_after_then_gives_up_past_the_bound() {
        let p = policy();
        let busy = |s| Failure::Busy {
            retry_after: Some(Duration::from_secs(s)),
        };
        for kind in [RequestKind::Idempotent, RequestKind::Sealed] {
            // The server's time, not the (shorter) backoff.
            assert_eq!(
                p.decide(kind, 1, busy(3), 0.0),
                Decision::RetryAfter(Duration::from_secs(3))
            );
            // Retry-After: 0 still waits the backoff.
            assert_eq!(
                p.decide(kind, 2, busy(0), 0.0),
                Decision::RetryAfter(MS(100))
            );
            // Longer than the SDK waits: a clear error at once, not a frozen screen.
            assert_eq!(p.decide(kind, 1, busy(31), 0.0), Decision::GiveUp);
            // At the bound: waited.
            assert_eq!(
                p.decide(kind, 1, busy(30), 0.0),
                Decision::RetryAfter(Duration::from_secs(30))
            );
            // No Retry-After: the backoff.
            assert_eq!(
                p.decide(kind, 1, Failure::Busy { retry_after: None }, 0.0),
                Decision::RetryAfter(MS(50))
            );
            // After max_retries retries: give up.
            assert_eq!(p.decide(kind, 4, busy(1), 0.0), Decision::GiveUp);
        }
    }

    #[test]
    fn not_idempotent_requests_are_resent_only_when_never_sent_or_shed() {
        let p = policy();
        let k = RequestKind::NotIdempotent;
        assert_eq!(
            p.decide(k, 1, Failure::NotSent, 0.0),
            Decision::RetryAfter(MS(50))
        );
        assert_eq!(p.decide(k, 1, Failure::Lost, 0.0), Decision::GiveUp);
        // 503 155830 / 429 155834: the server did nothing, so even create_user is resent.
        assert_eq!(
            p.decide(
                k,
                1,
                Failure::Busy {
                    retry_after: Some(Duration::from_secs(1))
                },
                0.0
            ),
            Decision::RetryAfter(Duration::from_secs(1))
        );
        assert_eq!(p.decide(k, 1, Failure::Final, 0.0), Decision::GiveUp);
    }

    #[test]
    fn lost_replies_are_resent_for_idempotent_and_sealed_requests() {
        let p = policy();
        for kind in [RequestKind::Idempotent, RequestKind::Sealed] {
            assert_eq!(
                p.decide(kind, 1, Failure::Lost, 0.0),
                Decision::RetryAfter(MS(50))
            );
            assert_eq!(
                p.decide(kind, 3, Failure::Lost, 0.0),
                Decision::RetryAfter(MS(200))
            );
            assert_eq!(p.decide(kind, 4, Failure::Lost, 0.0), Decision::GiveUp);
            assert_eq!(p.decide(kind, 1, Failure::Final, 0.0), Decision::GiveUp);
        }
    }

    #[test]
    fn a_step_still_in_progress_waits_capped_at_max_backoff() {
        let p = policy();
        let ip = |s| Failure::InProgress {
            retry_after: Some(Duration::from_secs(s)),
        };
        assert_eq!(
            p.decide(RequestKind::Sealed, 1, ip(1), 0.0),
            Decision::RetryAfter(Duration::from_secs(1))
        );
        assert_eq!(
            p.decide(RequestKind::Sealed, 1, ip(60), 0.0),
            Decision::RetryAfter(Duration::from_secs(2))
        );
        // 155816 means nothing for a request that is not a sealed step: final.
        assert_eq!(
            p.decide(RequestKind::Idempotent, 1, ip(1), 0.0),
            Decision::GiveUp
        );
    }

    #[test]
    fn retry_after_header() {
        assert_eq!(parse_retry_after(" 3 "), Some(Duration::from_secs(3)));
        assert_eq!(parse_retry_after("0"), Some(Duration::ZERO));
        assert_eq!(parse_retry_after("Wed, 21 Oct 2015 07:28:00 GMT"), None);
        assert_eq!(parse_retry_after("-1"), None);
    }
}
