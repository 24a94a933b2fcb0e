//! When a failed request is sent again, and how long to wait first.

use std::time::Duration;

/// How often, and with what pauses, a request that failed in a way that repeating cannot
/// make worse is sent again. Set it with [`ClientBuilder::retry`](crate::ClientBuilder::retry).
///
/// Retried, in every case only while the client's timeout (which bounds the whole call,
/// retries included) leaves room for the pause and a further attempt:
/// - any request whose connection could not be made (refused, unresolvable, connect timeout):
///   it never reached the server;
/// - `GET`, `PUT` and `DELETE` (AuthN's are idempotent) after a broken or stale connection, a
///   read timeout, or a 502, 503 or 504 reply. A repeated `DELETE` that finds nothing (404)
///   counts as done, since an earlier attempt may have deleted it.
///
/// Never retried once it may have reached the server: a `POST` (create, login, register, key
/// rotation), since repeating it can turn a success into a spurious "already exists"; and a
/// `PUT /v1/daemon` that sets a new secret, whose repeat would carry a token it invalidated.
///
/// Pauses grow exponentially from `base_delay`, are capped at `max_delay`, and are drawn at
/// random between half and all of that ("equal jitter"), so clients do not retry in step.
///
/// # Example
/// ```
/// use aistore_authn::{Client, RetryPolicy};
///
/// assert_eq!(RetryPolicy::default().max_attempts(), 4);
/// let client = Client::builder("http://127.0.0.1:52001").retry(RetryPolicy::none()).build()?;
/// # Ok::<(), aistore_authn::Error>(())
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RetryPolicy {
    max_attempts: u32,
    base_delay: Duration,
    max_delay: Duration,
}

impl Default for RetryPolicy {
    /// Four attempts in all, pauses from 100 ms, at most 2 s.
    fn default() -> Self {
        RetryPolicy::new(4, Duration::from_millis(100), Duration::from_secs(2))
    }
}

impl RetryPolicy {
    /// `max_attempts` in all (1 = no retry; 0 counts as 1), pauses from `base_delay` doubling up
    /// to `max_delay`.
    ///
    /// # Example
    /// ```
    /// use std::time::Duration;
    /// use aistore_authn::RetryPolicy;
    ///
    /// let policy = RetryPolicy::new(6, Duration::from_millis(250), Duration::from_secs(4));
    /// assert_eq!(policy.max_attempts(), 6);
    /// assert_eq!(RetryPolicy::new(0, Duration::ZERO, Duration::ZERO).max_attempts(), 1);
    /// ```
    pub const fn new(max_attempts: u32, base_delay: Duration, max_delay: Duration) -> Self {
        RetryPolicy {
            max_attempts: if max_attempts == 0 { 1 } else { max_attempts },
            base_delay,
            max_delay,
        }
    }

    /// Send each request once.
    ///
    /// # Example
    /// ```
    /// assert_eq!(aistore_authn::RetryPolicy::none().max_attempts(), 1);
    /// ```
    pub const fn none() -> Self {
        RetryPolicy::new(1, Duration::ZERO, Duration::ZERO)
    }

    /// Attempts in all, the first included.
    ///
    /// # Example
    /// ```
    /// assert_eq!(aistore_authn::RetryPolicy::default().max_attempts(), 4);
    /// ```
    pub const fn max_attempts(&self) -> u32 {
        self.max_attempts
    }

    /// The pause before attempt `attempt + 1`, after `attempt` failed ones.
    pub(crate) fn delay(&self, attempt: u32) -> Duration {
        let exp = self
            .base_delay
            .saturating_mul(1u32 << attempt.saturating_sub(1).min(16));
        let cap = exp.min(self.max_delay);
        let half = cap / 2;
        let spread = u64::try_from((cap - half).as_nanos()).unwrap_or(u64::MAX);
        half + Duration::from_nanos(if spread == 0 {
            0
        } else {
            crate::secret::random_u64() % spread
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn delays_grow_are_capped_and_jittered() {
        let p = RetryPolicy::new(10, Duration::from_millis(100), Duration::from_millis(700));
        for (attempt, full) in [(1, 100), (2, 200), (3, 400), (4, 700), (9, 700), (40, 700)] {
            for _ in 0..50 {
                let d = p.delay(attempt).as_millis();
                assert!(d >= full / 2 && d <= full, "attempt {attempt}: {d} ms");
            }
        }
        let spread: std::collections::HashSet<_> = (0..50).map(|_| p.delay(4)).collect();
        assert!(spread.len() > 10, "jittered");
        assert_eq!(RetryPolicy::none().max_attempts(), 1);
        assert_eq!(
            RetryPolicy::new(0, Duration::ZERO, Duration::ZERO).max_attempts(),
            1
        );
        assert_eq!(RetryPolicy::none().delay(3), Duration::ZERO);
    }
}
