//! Fewer system calls per request on a kept-alive connection.
//!
//! On each request over a pooled connection, ureq 3.5 probes the connection twice, once when
//! it goes back to the pool right after the reply and once when it is taken out again (each
//! probe an `ioctl(FIONBIO)`, a 1-byte non-blocking `recv`, another `ioctl`), and sets the
//! socket's read and write timeouts to the time left in the call (two `setsockopt`s, since
//! that time is never the same twice; ureq skips the call only when the value is unchanged).
//! That was 10 system calls for one small GET, where one `write` and one `read` carry it
//! (benches/ANALYSIS.md, "A lighter request path"). Every connection the agent makes is
//! wrapped in [`Pooled`], which:
//! - skips the probe made as the connection goes back to the pool right after an exchange.
//!   The probe made when it is taken out again, before anything is sent on it, still runs:
//!   it finds whatever the first would have (bytes the server should not have sent, a close),
//!   and finds it later, so no stale connection is used that the first would have caught;
//! - rounds the time left in a call down to a multiple of [`GRAIN`] when it is at least
//!   [`ROUNDED_FROM`], so that requests made with the same timeout set the same socket
//!   timeouts, and ureq leaves them as they are. A call may give up up to [`GRAIN`] before its
//!   timeout, never after it; below [`ROUNDED_FROM`] the time left is passed on exactly.
//!
//! It uses ureq's `unversioned` transport interface, outside ureq's semver, as
//! [`resolve`](crate::transport::resolve) does: hence `ureq = "~3.5"` in Cargo.toml.

use std::time::Duration;

use ureq::unversioned::transport::time::Duration as Left;
use ureq::unversioned::transport::{
    Buffers, ConnectionDetails, Connector, DefaultConnector, NextTimeout, Transport,
};

/// The step the time left in a call is rounded down to.
const GRAIN: Duration = Duration::from_millis(10);

/// The time left from which it is rounded; less is passed on exactly.
const ROUNDED_FROM: Duration = Duration::from_secs(1);

/// ureq's own connector (TCP, TLS, proxies), each connection it makes wrapped in [`Pooled`].
#[derive(Debug, Default)]
pub(crate) struct PooledConnector(DefaultConnector);

impl Connector for PooledConnector {
    type Out = Pooled;

    fn connect(
        &self,
        details: &ConnectionDetails,
        chained: Option<()>,
    ) -> Result<Option<Pooled>, ureq::Error> {
        Ok(self.0.connect(details, chained)?.map(|inner| Pooled {
            inner,
            just_used: false,
        }))
    }
}

/// One connection (TCP, or TLS over it) as ureq's connector made it.
#[derive(Debug)]
pub(crate) struct Pooled {
    inner: Box<dyn Transport>,
    /// Set by each read or write, cleared by the next liveness check: that check is the one
    /// ureq makes as the connection goes back to the pool right after an exchange.
    just_used: bool,
}

/// `timeout` with the time left rounded down to a multiple of [`GRAIN`] from [`ROUNDED_FROM`].
fn rounded(mut timeout: NextTimeout) -> NextTimeout {
    if let Left::Exact(left) = timeout.after {
        if left >= ROUNDED_FROM {
            let over = u64::try_from(left.as_nanos() % GRAIN.as_nanos()).unwrap_or(0);
            timeout.after = Left::Exact(left - Duration::from_nanos(over));
        }
    }
    timeout
}

impl Transport for Pooled {
    fn buffers(&mut self) -> &mut dyn Buffers {
        self.inner.buffers()
    }

    fn transmit_output(&mut self, amount: usize, timeout: NextTimeout) -> Result<(), ureq::Error> {
        self.just_used = true;
        self.inner.transmit_output(amount, rounded(timeout))
    }

    fn await_input(&mut self, timeout: NextTimeout) -> Result<bool, ureq::Error> {
        self.just_used = true;
        self.inner.await_input(rounded(timeout))
    }

    fn is_open(&mut self) -> bool {
        if std::mem::take(&mut self.just_used) {
            // Going back to the pool: checked when it is taken out again.
            return true;
        }
        self.inner.is_open()
    }

    fn is_tls(&self) -> bool {
        self.inner.is_tls()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::{AtomicUsize, Ordering};
    use std::sync::Arc;
    use ureq::unversioned::transport::LazyBuffers;
    use ureq::Timeout;

    /// A connection that counts its liveness probes and says it is closed.
    #[derive(Debug)]
    struct Closed {
        buffers: LazyBuffers,
        probes: Arc<AtomicUsize>,
    }

    impl Transport for Closed {
        fn buffers(&mut self) -> &mut dyn Buffers {
            &mut self.buffers
        }
        fn transmit_output(&mut self, _: usize, _: NextTimeout) -> Result<(), ureq::Error> {
            Ok(())
        }
        fn await_input(&mut self, _: NextTimeout) -> Result<bool, ureq::Error> {
            Ok(true)
        }
        fn is_open(&mut self) -> bool {
            self.probes.fetch_add(1, Ordering::SeqCst);
            false
        }
    }

    #[test]
    fn only_the_check_right_after_an_exchange_is_skipped() {
        let probes = Arc::new(AtomicUsize::new(0));
        let mut conn = Pooled {
            inner: Box::new(Closed {
                buffers: LazyBuffers::new(64, 64),
                probes: Arc::clone(&probes),
            }),
            just_used: false,
        };
        let timeout = NextTimeout {
            after: Left::Exact(Duration::from_secs(5)),
            reason: Timeout::Global,
            per_read: None,
            per_write: None,
        };
        // An exchange, then back to the pool: that check is skipped.
        conn.transmit_output(0, timeout).unwrap();
        conn.await_input(timeout).unwrap();
        assert!(conn.is_open());
        assert_eq!(probes.load(Ordering::SeqCst), 0);
        // Taken out of the pool again: probed, and found closed.
        assert!(!conn.is_open());
        assert!(!conn.is_open());
        assert_eq!(probes.load(Ordering::SeqCst), 2);
    }

    fn left(after: Left) -> Left {
        let t = NextTimeout {
            after,
            reason: Timeout::Global,
            per_read: None,
            per_write: None,
        };
        rounded(t).after
    }

    #[test]
    fn the_time_left_is_rounded_down_from_one_second() {
        let ms = |n| Left::Exact(Duration::from_millis(n));
        assert_eq!(
            left(Left::Exact(Duration::from_micros(29_999_987))),
            ms(29_990)
        );
        assert_eq!(
            left(Left::Exact(Duration::from_micros(29_999_001))),
            ms(29_990)
        );
        assert_eq!(left(ms(1_000)), ms(1_000));
        assert_eq!(
            left(Left::Exact(Duration::from_micros(1_009_999))),
            ms(1_000)
        );
        // Below a second, exactly: never rounded to zero, which would mean no timeout.
        let short = Left::Exact(Duration::from_micros(999_999));
        assert_eq!(left(short), short);
        assert_eq!(left(ms(3)), ms(3));
        assert_eq!(left(Left::NotHappening), Left::NotHappening);
        // Huge values do not overflow.
        let year = Left::Exact(Duration::from_secs(365 * 24 * 3600));
        assert_eq!(left(year), year);
    }
}
