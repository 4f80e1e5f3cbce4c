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

use crate::circuit_breaker::Outcome;
use crate::error::{Error, ErrorKind, Result};

mod python_libs;
mod retry_after;

pub use python_libs::{kind_for_python_library_exception, PYTHON_LIBRARY_EXCEPTION_KINDS};
pub use retry_after::{parse_retry_after, MAX_RETRY_AFTER_NS};

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

/// Whether a failure of one of seawall's own kinds is retried by default
/// (`spec/classify.md`, "seawall's own errors"):
///
/// - retryable: `rate_limited` (after its `retry_after`, used as the hint),
///   `timeout`, `injected_fault` (it stands for a transient fault);
/// - not retryable: `invalid_config`, `invalid_argument` (the same call
///   fails the same way), `circuit_open` and `bulkhead_full` (retrying
///   into a breaker or a full bulkhead is the load they exist to shed),
///   `retry_budget_exhausted` and `retry_exhausted` (an inner retry already
///   gave up: retrying again multiplies attempts).
///
/// ```
/// use seawall::classify::is_retryable_error_kind;
/// use seawall::ErrorKind;
/// assert!(is_retryable_error_kind(ErrorKind::RateLimited));
/// assert!(!is_retryable_error_kind(ErrorKind::CircuitOpen));
/// ```
pub const fn is_retryable_error_kind(kind: ErrorKind) -> bool {
    matches!(
        kind,
        ErrorKind::RateLimited | ErrorKind::Timeout | ErrorKind::InjectedFault
    )
}

/// What a binding knows about one error of a cause chain (the error itself
/// is link 0, then its cause, and so on: `spec/classify.md`, "Walking the
/// causes"). Every field is optional; a link with none of them says nothing.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Link {
    /// The error is a seawall error of this kind.
    pub seawall: Option<ErrorKind>,
    /// A listed transport failure, resolved by the binding through
    /// [`kind_for_code`] / [`kind_for_python_exception`].
    pub transport: Option<RetryableKind>,
    /// An HTTP status the error carries.
    pub status: Option<u16>,
    /// A hint carried by the error: a seawall rejection's `retry_after`, or
    /// the response's `Retry-After` header parsed by [`parse_retry_after`].
    pub retry_after_ns: Option<u64>,
}

impl Link {
    /// The link's own verdict, `None` when it says nothing (no seawall kind,
    /// no listed transport kind, no status). Checked in that order.
    ///
    /// ```
    /// use seawall::classify::Link;
    /// let l = Link { status: Some(503), ..Link::default() };
    /// assert_eq!(l.verdict(), Some(true));
    /// assert_eq!(Link::default().verdict(), None);
    /// ```
    pub const fn verdict(&self) -> Option<bool> {
        if let Some(k) = self.seawall {
            return Some(is_retryable_error_kind(k));
        }
        if self.transport.is_some() {
            return Some(true);
        }
        match self.status {
            Some(s) => Some(is_retryable_status(s)),
            None => None,
        }
    }
}

/// The default classification of an error chain.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Verdict {
    /// Whether to retry.
    pub retryable: bool,
    /// The hint to wait for (only when retryable): the deciding link's.
    pub retry_after_ns: Option<u64>,
    /// Which link decided (0 = the error itself), `None` when none did.
    pub decided_by: Option<usize>,
}

/// Links a binding walks at most (the rest are not looked at): cause chains
/// longer than this are pathological, and the bound keeps a cyclic chain
/// from hanging a binding that misses the cycle.
///
/// ```
/// use seawall::classify::{classify_chain, Link, MAX_CHAIN};
/// let mut chain = vec![Link::default(); MAX_CHAIN];
/// chain.push(Link { status: Some(503), ..Link::default() });
/// assert_eq!(classify_chain(chain).decided_by, None); // link 32 is not looked at
/// ```
pub const MAX_CHAIN: usize = 32;

/// Classifies an error chain: the first link (of at most [`MAX_CHAIN`])
/// with a verdict decides; when none has one, the error is not retried.
/// A retryable verdict carries that link's `retry_after_ns` as the hint.
///
/// ```
/// use seawall::classify::{classify_chain, Link, RetryableKind};
/// use seawall::ErrorKind;
/// // A wrapper that says nothing, caused by a connection reset: retried.
/// let chain = [
///     Link::default(),
///     Link { transport: Some(RetryableKind::ConnectionReset), ..Link::default() },
/// ];
/// let v = classify_chain(chain);
/// assert!(v.retryable);
/// assert_eq!(v.decided_by, Some(1));
/// // An open breaker wrapping a timeout: the outer error decides, not retried.
/// let chain = [
///     Link { seawall: Some(ErrorKind::CircuitOpen), retry_after_ns: Some(5), ..Link::default() },
///     Link { seawall: Some(ErrorKind::Timeout), ..Link::default() },
/// ];
/// assert!(!classify_chain(chain).retryable);
/// ```
pub fn classify_chain(links: impl IntoIterator<Item = Link>) -> Verdict {
    for (i, link) in links.into_iter().take(MAX_CHAIN).enumerate() {
        if let Some(retryable) = link.verdict() {
            return Verdict {
                retryable,
                retry_after_ns: if retryable { link.retry_after_ns } else { None },
                decided_by: Some(i),
            };
        }
    }
    Verdict {
        retryable: false,
        retry_after_ns: None,
        decided_by: None,
    }
}

/// The breaker outcome of a call that raised an error (`spec/classify.md`,
/// "Outcome of an error"), Resilience4j's rule with one default added:
///
/// 1. `ignored` — the caller's ignore predicate matched: [`Outcome::Ignored`]
///    (ignore wins over record, as in Resilience4j);
/// 2. `recorded` — the caller gave a record predicate: it matched →
///    [`Outcome::Failure`], else [`Outcome::Success`] (an error the caller
///    does not count as a failure is a success, as in Resilience4j);
/// 3. neither given: a seawall rejection that never reached the dependency
///    (`circuit_open`, `bulkhead_full`, `rate_limited`, `invalid_config`,
///    `invalid_argument`) is [`Outcome::Ignored`]; every other error
///    (`timeout`, `injected_fault`, `retry_exhausted`,
///    `retry_budget_exhausted` — an inner retry gave up after failed
///    attempts — and any non-seawall error) is a [`Outcome::Failure`].
///
/// `seawall` is the kind of the first seawall error on the cause chain.
///
/// ```
/// use seawall::circuit_breaker::Outcome;
/// use seawall::classify::outcome_for_error;
/// use seawall::ErrorKind;
/// assert_eq!(outcome_for_error(false, None, None), Outcome::Failure);
/// assert_eq!(outcome_for_error(false, Some(false), None), Outcome::Success);
/// assert_eq!(outcome_for_error(true, Some(true), None), Outcome::Ignored);
/// assert_eq!(outcome_for_error(false, None, Some(ErrorKind::BulkheadFull)), Outcome::Ignored);
/// ```
pub const fn outcome_for_error(
    ignored: bool,
    recorded: Option<bool>,
    seawall: Option<ErrorKind>,
) -> Outcome {
    if ignored {
        return Outcome::Ignored;
    }
    match recorded {
        Some(true) => Outcome::Failure,
        Some(false) => Outcome::Success,
        None => match seawall {
            Some(
                ErrorKind::CircuitOpen
                | ErrorKind::BulkheadFull
                | ErrorKind::RateLimited
                | ErrorKind::InvalidConfig
                | ErrorKind::InvalidArgument,
            ) => Outcome::Ignored,
            _ => Outcome::Failure,
        },
    }
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
