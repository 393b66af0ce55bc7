//! [`RetryPolicy`]: when and after how long a stream reconnects.

use std::time::Duration;

use crate::error::Error;

/// When a stream reconnects, and after how long.
///
/// The base delay is the server's `retry:` field when it sent one, else
/// [`initial_delay`](Self::initial_delay) (3 s, as in Chromium). Only the fetch transport
/// sees the `retry:` field: the browser's `EventSource` applies it to its own reconnects and
/// keeps it to itself (the interface has no attribute for it), so with
/// `Transport::EventSource` a policy's delays start from `initial_delay`. Consecutive failed attempts
/// multiply it by [`factor`](Self::factor) up to [`max_delay`](Self::max_delay); then
/// [`jitter`](Self::jitter) takes a random part off, so a fleet of clients dropped together
/// does not come back in lockstep. A `Retry-After` header on a 503 or 429 answer is a floor
/// for the delay (capped at [`MAX_RETRY_AFTER`](Self::MAX_RETRY_AFTER)). The attempt count starts again after
/// each successful open.
///
/// What is retried: network errors, a response that ends (the spec reconnects after a
/// clean end of stream), a stalled stream, 5xx, 408 and 429. What is not: other statuses,
/// a wrong content type, a bad URL. A 204 is the server's way to say stop: the stream ends
/// cleanly, whatever the policy.
///
/// Any delay is honoured, however long: waits past the browser's longest timer (2^31 − 1 ms)
/// are made of several timers. A server's `retry:` is capped by
/// [`max_delay`](Self::max_delay) like any other delay.
///
/// ```
/// use std::time::Duration;
/// use wasm_sse::RetryPolicy;
///
/// let policy = RetryPolicy::default()
///     .initial_delay(Duration::from_secs(1))
///     .max_delay(Duration::from_secs(30))
///     .max_attempts(10);
/// // Attempt 3 without a server `retry:`: 1 s × 2² = 4 s, less up to 20 % jitter.
/// let delay = policy.delay(3, None, None, 0.5);
/// assert_eq!(delay, Duration::from_millis(3600));
/// ```
#[derive(Debug, Clone, PartialEq)]
pub struct RetryPolicy {
    initial_delay: Duration,
    factor: f64,
    max_delay: Duration,
    jitter: f64,
    max_attempts: Option<u32>,
    on_status: bool,
}

impl Default for RetryPolicy {
    /// Reconnects forever: 3 s (or the server's `retry:`), doubling per failed attempt up
    /// to 30 s, with 20 % jitter.
    fn default() -> Self {
        RetryPolicy {
            initial_delay: Duration::from_secs(3),
            factor: 2.0,
            max_delay: Duration::from_secs(30),
            jitter: 0.2,
            max_attempts: None,
            on_status: true,
        }
    }
}

impl RetryPolicy {
    /// The longest `Retry-After` honoured: one hour.
    pub const MAX_RETRY_AFTER: Duration = Duration::from_secs(3600);

    /// Never reconnects: the first failure ends the stream.
    pub fn never() -> Self {
        RetryPolicy::default().max_attempts(0)
    }

    /// What the spec has browsers do: the server's `retry:` or 3 s, fixed, no backoff, no
    /// jitter, forever, after a network error or the end of the response; an HTTP error
    /// status ends the stream (the spec's "fail the connection").
    pub fn browser() -> Self {
        RetryPolicy::default()
            .factor(1.0)
            .jitter(0.0)
            .on_status(false)
    }

    /// Whether an answer of 408, 429 or 5xx is retried (after at least its `Retry-After`).
    /// Default true; other statuses, a wrong content type and a refused redirect are never
    /// retried.
    pub fn on_status(mut self, retry: bool) -> Self {
        self.on_status = retry;
        self
    }

    /// The delay when the server sent no `retry:` field. Default 3 s.
    pub fn initial_delay(mut self, delay: Duration) -> Self {
        self.initial_delay = delay;
        self
    }

    /// What each consecutive failed attempt multiplies the delay by; at least 1. Default 2.
    pub fn factor(mut self, factor: f64) -> Self {
        self.factor = if factor.is_finite() {
            factor.max(1.0)
        } else {
            1.0
        };
        self
    }

    /// The longest delay backoff reaches. Default 30 s.
    pub fn max_delay(mut self, delay: Duration) -> Self {
        self.max_delay = delay;
        self
    }

    /// The largest fraction of the delay taken off at random, from 0 (none) to 1. Default 0.2.
    pub fn jitter(mut self, fraction: f64) -> Self {
        self.jitter = if fraction.is_finite() {
            fraction.clamp(0.0, 1.0)
        } else {
            0.0
        };
        self
    }

    /// How many reconnection attempts in a row are made before the stream ends with the
    /// last error. Default: no limit.
    pub fn max_attempts(mut self, attempts: u32) -> Self {
        self.max_attempts = Some(attempts);
        self
    }

    /// Whether `attempt` (1 for the first reconnect after a failure) may be made after `error`.
    pub fn allows(&self, attempt: u32, error: &Error) -> bool {
        let status_allowed = self.on_status || !matches!(error, Error::Status { .. });
        self.max_attempts.is_none_or(|max| attempt <= max) && status_allowed && is_retryable(error)
    }

    /// The wait before `attempt` (1-based). `server_retry` is the stream's latest `retry:`
    /// field, `retry_after` the failed response's `Retry-After`, `random` a number in [0, 1).
    pub fn delay(
        &self,
        attempt: u32,
        server_retry: Option<Duration>,
        retry_after: Option<Duration>,
        random: f64,
    ) -> Duration {
        let base = server_retry.unwrap_or(self.initial_delay);
        let exponent = attempt.saturating_sub(1).min(64) as i32;
        let grown = base.as_secs_f64() * self.factor.powi(exponent);
        let capped = grown.min(self.max_delay.as_secs_f64());
        let jittered = capped * (1.0 - self.jitter * random.clamp(0.0, 1.0));
        // Through whole nanoseconds, rounded as `Duration::try_from_secs_f64` rounds, which
        // costs half a kilobyte of wasm. `jittered` is finite, at least 0 and at most the cap;
        // past u64 nanoseconds (584 years) the cap stands in.
        let nanos = (jittered * 1e9).round();
        let delay = if nanos < u64::MAX as f64 {
            Duration::from_nanos(nanos as u64)
        } else {
            self.max_delay
        };
        match retry_after {
            Some(floor) => delay.max(floor.min(Self::MAX_RETRY_AFTER)),
            None => delay,
        }
    }
}

/// Whether a failure is worth another attempt at all, whatever the policy's limits.
fn is_retryable(error: &Error) -> bool {
    match error {
        Error::Status { status, .. } => matches!(status, 408 | 429 | 500..=599),
        Error::Network(_)
        | Error::StreamEnded
        | Error::Stalled { .. }
        | Error::ConnectionFailed => true,
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const MS: fn(u64) -> Duration = Duration::from_millis;

    fn status(status: u16) -> Error {
        Error::Status {
            status,
            retry_after: None,
        }
    }

    #[test]
    fn delays_double_from_the_initial_delay_up_to_the_cap() {
        let policy = RetryPolicy::default()
            .initial_delay(MS(100))
            .max_delay(MS(1000))
            .jitter(0.0);
        let delays: Vec<_> = (1..=6)
            .map(|attempt| policy.delay(attempt, None, None, 0.0))
            .collect();
        assert_eq!(
            delays,
            [MS(100), MS(200), MS(400), MS(800), MS(1000), MS(1000)]
        );
    }

    #[test]
    fn the_server_retry_field_replaces_the_initial_delay() {
        let policy = RetryPolicy::default().jitter(0.0);
        assert_eq!(policy.delay(1, Some(MS(250)), None, 0.0), MS(250));
        assert_eq!(policy.delay(2, Some(MS(250)), None, 0.0), MS(500));
    }

    #[test]
    fn a_server_retry_above_the_cap_is_capped() {
        let policy = RetryPolicy::default().max_delay(MS(1000)).jitter(0.0);
        assert_eq!(policy.delay(1, Some(MS(60_000)), None, 0.0), MS(1000));
    }

    #[test]
    fn jitter_takes_off_at_most_its_fraction() {
        let policy = RetryPolicy::default().initial_delay(MS(1000)).jitter(0.5);
        assert_eq!(policy.delay(1, None, None, 0.0), MS(1000));
        assert_eq!(policy.delay(1, None, None, 0.999_999).as_millis(), 500);
    }

    #[test]
    fn retry_after_is_a_floor_with_a_sane_cap() {
        let policy = RetryPolicy::default().initial_delay(MS(100)).jitter(0.0);
        assert_eq!(policy.delay(1, None, Some(MS(2000)), 0.0), MS(2000));
        assert_eq!(policy.delay(1, None, Some(MS(50)), 0.0), MS(100));
        let absurd = Duration::from_secs(10_000_000);
        assert_eq!(
            policy.delay(1, None, Some(absurd), 0.0),
            RetryPolicy::MAX_RETRY_AFTER
        );
    }

    #[test]
    fn delays_round_to_the_nanosecond_as_duration_from_float_seconds_does() {
        let policy = RetryPolicy::default().max_delay(Duration::from_secs(3600));
        for base in [1, 7, 333, 3000, 12_345] {
            for attempt in 1..8 {
                for random in (0..100).map(|r| f64::from(r) / 100.0) {
                    let grown = MS(base).as_secs_f64() * 2f64.powi(attempt as i32 - 1);
                    let jittered = grown.min(3600.0) * (1.0 - 0.2 * random);
                    assert_eq!(
                        policy.delay(attempt, Some(MS(base)), None, random),
                        Duration::try_from_secs_f64(jittered).unwrap(),
                    );
                }
            }
        }
    }

    #[test]
    fn absurd_durations_and_factors_saturate_at_the_cap_without_panicking() {
        let most = RetryPolicy::default()
            .initial_delay(Duration::MAX)
            .max_delay(Duration::MAX)
            .factor(1e300)
            .jitter(f64::NAN);
        assert_eq!(most.delay(1, None, None, 0.0), Duration::MAX);
        assert_eq!(most.delay(u32::MAX, None, None, f64::NAN), Duration::MAX);
        let server = RetryPolicy::default().max_delay(Duration::MAX).jitter(0.0);
        assert_eq!(
            server.delay(1, Some(MS(10_000_000_000_000)), None, 0.0),
            MS(10_000_000_000_000),
            "a server's retry: is honoured up to the cap"
        );
        assert_eq!(
            RetryPolicy::default().delay(1, Some(Duration::MAX), None, 0.0),
            Duration::from_secs(30),
            "and capped by it"
        );
    }

    #[test]
    fn huge_attempt_numbers_do_not_overflow() {
        let policy = RetryPolicy::default();
        assert_eq!(
            policy.delay(u32::MAX, None, None, 0.0),
            Duration::from_secs(30)
        );
    }

    #[test]
    fn retries_network_errors_end_of_stream_and_server_trouble() {
        let policy = RetryPolicy::default();
        for error in [
            Error::Network("reset".into()),
            Error::StreamEnded,
            Error::Stalled { timeout: MS(1) },
            status(500),
            status(503),
            status(429),
            status(408),
        ] {
            assert!(policy.allows(1, &error), "{error:?}");
        }
    }

    #[test]
    fn the_browser_policy_retries_the_network_but_no_status() {
        let policy = RetryPolicy::browser();
        for error in [Error::Network("reset".into()), Error::StreamEnded] {
            assert!(policy.allows(1, &error), "{error:?}");
        }
        for error in [status(500), status(503), status(429), status(408)] {
            assert!(!policy.allows(1, &error), "{error:?}");
        }
        assert_eq!(policy.delay(5, None, None, 0.9), MS(3000));
    }

    #[test]
    fn does_not_retry_no_content_client_errors_or_a_wrong_content_type() {
        let policy = RetryPolicy::default();
        for error in [
            status(204),
            status(401),
            status(404),
            Error::ContentType {
                content_type: Some("text/plain".into()),
            },
            Error::InvalidUrl {
                url: "x".into(),
                reason: "y".into(),
            },
        ] {
            assert!(!policy.allows(1, &error), "{error:?}");
        }
    }

    #[test]
    fn max_attempts_limits_consecutive_attempts() {
        let policy = RetryPolicy::default().max_attempts(2);
        assert!(policy.allows(2, &Error::StreamEnded));
        assert!(!policy.allows(3, &Error::StreamEnded));
        assert!(!RetryPolicy::never().allows(1, &Error::StreamEnded));
    }
}
