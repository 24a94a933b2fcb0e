//! What a failed exchange means: the kind of [`Error::Transport`](crate::error::Error) it
//! becomes, and whether sending it again could help or could repeat a request the server
//! carried out.

use crate::error::TransportErrorKind;
use crate::secret::redact_tokens;

/// Why an exchange produced no reply, and what that says about repeating it.
pub(crate) struct Failure {
    pub(crate) kind: TransportErrorKind,
    pub(crate) message: String,
    pub(crate) source: Option<Box<dyn std::error::Error + Send + Sync>>,
    /// Could sending it again succeed? Not after a TLS failure, an oversized reply or a
    /// request the HTTP layer cannot send.
    pub(crate) repeating_helps: bool,
    /// May the request have reached the server (and been carried out)? Not when the
    /// connection was never made.
    pub(crate) may_have_arrived: bool,
}

impl Failure {
    pub(crate) fn new(e: ureq::Error, https: bool) -> Failure {
        use std::io::ErrorKind as Io;
        use ureq::Error as U;
        use ureq::Timeout as T;
        use TransportErrorKind as K;
        // (kind, repeating helps, may have arrived)
        let (kind, helps, arrived) = match &e {
            U::Timeout(T::Connect | T::Resolve) => (K::Timeout, true, false),
            U::Timeout(_) => (K::Timeout, true, true),
            U::HostNotFound | U::ConnectionFailed => (K::Connect, true, false),
            U::Io(io) => match io.kind() {
                Io::ConnectionRefused | Io::AddrNotAvailable => (K::Connect, true, false),
                Io::TimedOut | Io::WouldBlock => (K::Timeout, true, true),
                // The TLS layer reports a failed handshake or certificate check this way
                // ("invalid peer certificate: UnknownIssuer"); repeating it cannot help.
                Io::InvalidData if https => (K::Tls, false, false),
                _ => (K::Io, true, true),
            },
            U::Tls(_) | U::TlsRequired => (K::Tls, false, false),
            #[cfg(feature = "rustls")]
            U::Rustls(_) => (K::Tls, false, false),
            #[cfg(feature = "native-tls")]
            U::NativeTls(_) => (K::Tls, false, false),
            U::BodyExceedsLimit(_) => (K::TooLarge, false, true),
            // A reply cut short or garbled: the connection broke mid-way.
            U::Protocol(_) | U::BodyStalled => (K::Protocol, true, true),
            U::TooManyRedirects
            | U::RedirectFailed
            | U::LargeResponseHeader(..)
            | U::BadUri(_)
            | U::Http(_) => (K::Protocol, false, true),
            _ => (K::Other, false, true),
        };
        let message = redact_tokens(&e.to_string());
        // The cause as its own type where there is one (an I/O or TLS error), so callers can
        // downcast it; else the HTTP layer's error itself, behind `dyn Error`.
        let source: Box<dyn std::error::Error + Send + Sync> = match e {
            U::Io(io) => Box::new(io),
            #[cfg(feature = "rustls")]
            U::Rustls(tls) => Box::new(tls),
            #[cfg(feature = "native-tls")]
            U::NativeTls(tls) => Box::new(tls),
            other => Box::new(other),
        };
        Failure {
            kind,
            message,
            source: Some(source),
            repeating_helps: helps,
            may_have_arrived: arrived,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn io_causes_are_kept_as_the_source() {
        let io = std::io::Error::new(std::io::ErrorKind::ConnectionReset, "reset by peer");
        let failure = Failure::new(ureq::Error::Io(io), false);
        assert_eq!(failure.kind, TransportErrorKind::Io);
        assert!(failure.repeating_helps && failure.may_have_arrived);
        let source = failure.source.expect("a source");
        let io = source
            .downcast_ref::<std::io::Error>()
            .expect("an io::Error");
        assert_eq!(io.kind(), std::io::ErrorKind::ConnectionReset);
        let refused = Failure::new(
            ureq::Error::Io(std::io::ErrorKind::ConnectionRefused.into()),
            false,
        );
        assert!(refused.repeating_helps && !refused.may_have_arrived);
    }
}
