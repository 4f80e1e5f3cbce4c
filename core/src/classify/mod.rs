//! Retry classification defaults, as data every binding shares.
//!
//! Which failures are worth retrying is policy, but the *defaults* must be the
//! same in every language, so they live here: the HTTP statuses
//! ([`RETRYABLE_STATUSES`]), the transport failure kinds ([`RetryableKind`],
//! with wire names), and tables that map what each runtime reports (errno
//! names such as `ECONNRESET`, Node/undici `err.code`s, Python exception class
//! names) onto those kinds. Python and Node read these tables instead of
//! keeping their own lists. See `spec/classify.md`.
//!
//! Classification says whether a failure is *transient*; whether the call is
//! safe to repeat (idempotent) is the caller's decision.
//!
//! ```
//! use seawall::classify::{is_retryable_status, kind_for_code, RetryableKind};
//! assert!(is_retryable_status(503));
//! assert!(!is_retryable_status(501));
//! assert_eq!(kind_for_code("ECONNRESET"), Some(RetryableKind::ConnectionReset));
//! assert_eq!(RetryableKind::parse("timed_out").ok(), Some(RetryableKind::TimedOut));
//! ```

use crate::error::{Error, Result};

/// HTTP statuses retried by default: 408 Request Timeout, 429 Too Many
/// Requests, 500 Internal Server Error, 502 Bad Gateway, 503 Service
/// Unavailable, 504 Gateway Timeout. Sorted ascending.
///
/// 501 Not Implemented and every 4xx other than 408/429 are not retried: the
/// same request would fail the same way.
pub const RETRYABLE_STATUSES: [u16; 6] = [408, 429, 500, 502, 503, 504];

/// Whether an HTTP status is in [`RETRYABLE_STATUSES`].
#[inline]
pub const fn is_retryable_status(status: u16) -> bool {
    matches!(status, 408 | 429 | 500 | 502 | 503 | 504)
}

/// A transient transport failure worth retrying by default.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum RetryableKind {
    /// The peer reset or closed the connection mid-call (`"connection_reset"`).
    ConnectionReset,
    /// The connect or the call timed out (`"timed_out"`).
    TimedOut,
    /// Nothing accepted the connection (`"connection_refused"`).
    ConnectionRefused,
    /// The network or host is unreachable, or DNS failed temporarily
    /// (`"network_error"`).
    NetworkError,
    /// The dependency said it is unavailable, e.g. gRPC `UNAVAILABLE`
    /// (`"service_unavailable"`).
    ServiceUnavailable,
}

impl RetryableKind {
    /// Every kind, in declaration order.
    pub const ALL: [RetryableKind; 5] = [
        RetryableKind::ConnectionReset,
        RetryableKind::TimedOut,
        RetryableKind::ConnectionRefused,
        RetryableKind::NetworkError,
        RetryableKind::ServiceUnavailable,
    ];

    /// The wire name (snake_case) used in vectors and by every binding.
    pub const fn as_str(self) -> &'static str {
        match self {
            RetryableKind::ConnectionReset => "connection_reset",
            RetryableKind::TimedOut => "timed_out",
            RetryableKind::ConnectionRefused => "connection_refused",
            RetryableKind::NetworkError => "network_error",
            RetryableKind::ServiceUnavailable => "service_unavailable",
        }
    }

    /// Parses a wire name (exact, case-sensitive). Unknown names give
    /// `InvalidArgument` naming `kind`.
    pub fn parse(name: &str) -> Result<Self> {
        Self::from_wire(name)
            .ok_or_else(|| Error::argument("kind", format!("unknown retryable kind {name:?}")))
    }

    /// Parses a wire name, `None` when unknown.
    pub fn from_wire(name: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|k| k.as_str() == name)
    }
}

impl std::fmt::Display for RetryableKind {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Whether a wire name names a [`RetryableKind`]. Unknown names (including
/// other spellings and case variants) are not retryable.
#[inline]
pub fn is_retryable_kind(name: &str) -> bool {
    RetryableKind::from_wire(name).is_some()
}

/// Error codes (POSIX errno names, `getaddrinfo` codes and Node/undici
/// `err.code` values) mapped to the kind they mean. Names are exact and
/// upper-case, as `errno.errorcode` (Python) and `err.code` (Node) report
/// them. A code not listed is not retryable by default.
pub const CODE_KINDS: [(&str, RetryableKind); 19] = [
    ("ECONNRESET", RetryableKind::ConnectionReset),
    ("EPIPE", RetryableKind::ConnectionReset),
    ("ECONNABORTED", RetryableKind::ConnectionReset),
    ("ETIMEDOUT", RetryableKind::TimedOut),
    ("ECONNREFUSED", RetryableKind::ConnectionRefused),
    ("ENETUNREACH", RetryableKind::NetworkError),
    ("EHOSTUNREACH", RetryableKind::NetworkError),
    ("ENETDOWN", RetryableKind::NetworkError),
    ("ENETRESET", RetryableKind::NetworkError),
    ("EHOSTDOWN", RetryableKind::NetworkError),
    ("EAI_AGAIN", RetryableKind::NetworkError),
    // Node / undici codes (fetch, http.request)
    ("ESOCKETTIMEDOUT", RetryableKind::TimedOut),
    ("UND_ERR_CONNECT_TIMEOUT", RetryableKind::TimedOut),
    ("UND_ERR_HEADERS_TIMEOUT", RetryableKind::TimedOut),
    ("UND_ERR_BODY_TIMEOUT", RetryableKind::TimedOut),
    ("UND_ERR_SOCKET", RetryableKind::ConnectionReset),
    ("UND_ERR_CLOSED", RetryableKind::ConnectionReset),
    // gRPC status names (every gRPC binding reports these)
    ("UNAVAILABLE", RetryableKind::ServiceUnavailable),
    ("DEADLINE_EXCEEDED", RetryableKind::TimedOut),
];

/// The kind an error code means (see [`CODE_KINDS`]), `None` if unlisted.
pub fn kind_for_code(code: &str) -> Option<RetryableKind> {
    CODE_KINDS.iter().find(|(c, _)| *c == code).map(|(_, k)| *k)
}

/// Python built-in exception class names (`type(e).__name__`) mapped to the
/// kind they mean. Subclasses are the binding's business: it walks the MRO
/// and takes the first listed name.
pub const PYTHON_EXCEPTION_KINDS: [(&str, RetryableKind); 5] = [
    ("ConnectionResetError", RetryableKind::ConnectionReset),
    ("BrokenPipeError", RetryableKind::ConnectionReset),
    ("ConnectionAbortedError", RetryableKind::ConnectionReset),
    ("ConnectionRefusedError", RetryableKind::ConnectionRefused),
    ("TimeoutError", RetryableKind::TimedOut),
];

/// The kind a Python exception class name means, `None` if unlisted.
pub fn kind_for_python_exception(name: &str) -> Option<RetryableKind> {
    PYTHON_EXCEPTION_KINDS
        .iter()
        .find(|(c, _)| *c == name)
        .map(|(_, k)| *k)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn statuses_match_the_slice() {
        for s in 0..=u16::MAX {
            assert_eq!(
                is_retryable_status(s),
                RETRYABLE_STATUSES.contains(&s),
                "{s}"
            );
        }
        let mut sorted = RETRYABLE_STATUSES;
        sorted.sort_unstable();
        assert_eq!(sorted, RETRYABLE_STATUSES);
    }

    #[test]
    fn wire_names_round_trip() {
        for k in RetryableKind::ALL {
            assert_eq!(RetryableKind::parse(k.as_str()).ok(), Some(k));
            assert!(is_retryable_kind(k.as_str()));
            assert_eq!(k.to_string(), k.as_str());
        }
        for bad in ["", "TIMED_OUT", "timeout", "connection reset", "other"] {
            assert!(!is_retryable_kind(bad));
            let e = RetryableKind::parse(bad).err();
            assert_eq!(e.as_ref().and_then(Error::field), Some("kind"));
        }
    }

    #[test]
    fn code_tables_have_unique_names_and_map_as_documented() {
        for (i, (a, _)) in CODE_KINDS.iter().enumerate() {
            assert!(CODE_KINDS.iter().skip(i + 1).all(|(b, _)| a != b), "{a}");
        }
        assert_eq!(
            kind_for_code("ECONNRESET"),
            Some(RetryableKind::ConnectionReset)
        );
        assert_eq!(kind_for_code("EPIPE"), Some(RetryableKind::ConnectionReset));
        assert_eq!(kind_for_code("ETIMEDOUT"), Some(RetryableKind::TimedOut));
        assert_eq!(
            kind_for_code("ECONNREFUSED"),
            Some(RetryableKind::ConnectionRefused)
        );
        assert_eq!(
            kind_for_code("ENETUNREACH"),
            Some(RetryableKind::NetworkError)
        );
        assert_eq!(
            kind_for_code("EHOSTUNREACH"),
            Some(RetryableKind::NetworkError)
        );
        assert_eq!(
            kind_for_code("EAI_AGAIN"),
            Some(RetryableKind::NetworkError)
        );
        assert_eq!(kind_for_code("ENOENT"), None);
        assert_eq!(kind_for_code("econnreset"), None);
        assert_eq!(
            kind_for_python_exception("BrokenPipeError"),
            Some(RetryableKind::ConnectionReset)
        );
        assert_eq!(kind_for_python_exception("ValueError"), None);
    }
}
