//! The only error type in seawall. Every binding maps [`ErrorKind`] in one
//! place (C: `seawall_status`, Python: exception classes, Node: `err.code`).

use std::fmt;
use std::time::Duration;

/// Stable numeric kinds. The numbers are part of the C ABI and never change;
/// the wire names ([`ErrorKind::as_str`]) appear in `spec/vectors`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[repr(u32)]
#[non_exhaustive]
pub enum ErrorKind {
    /// A configuration field is out of range or not a number.
    InvalidConfig = 1,
    /// An argument to a call (not a config field) is out of range,
    /// e.g. asking a token bucket for more tokens than its burst.
    InvalidArgument = 2,
    /// The circuit breaker rejected the call.
    CircuitOpen = 3,
    /// The rate limiter rejected the call.
    RateLimited = 4,
    /// The bulkhead is full (and the wait queue too, or the wait timed out).
    BulkheadFull = 5,
    /// A call or wait ran out of time.
    Timeout = 6,
    /// The retry budget has no room for another retry.
    RetryBudgetExhausted = 7,
    /// A fault was injected by a `FaultInjector`.
    InjectedFault = 8,
    /// A retry run gave up: attempts, elapsed time or the caller's deadline
    /// ran out (`spec/retry.md`).
    RetryExhausted = 9,
    /// A shared-memory region could not be opened or used: an I/O error,
    /// a truncated, corrupted or other-version file, or a full region
    /// (`spec/shared_memory.md`).
    SharedRegion = 10,
}

impl ErrorKind {
    /// The wire name used in `spec/vectors` and by every binding.
    pub const fn as_str(self) -> &'static str {
        match self {
            ErrorKind::InvalidConfig => "invalid_config",
            ErrorKind::InvalidArgument => "invalid_argument",
            ErrorKind::CircuitOpen => "circuit_open",
            ErrorKind::RateLimited => "rate_limited",
            ErrorKind::BulkheadFull => "bulkhead_full",
            ErrorKind::Timeout => "timeout",
            ErrorKind::RetryBudgetExhausted => "retry_budget_exhausted",
            ErrorKind::InjectedFault => "injected_fault",
            ErrorKind::RetryExhausted => "retry_exhausted",
            ErrorKind::SharedRegion => "shared_region",
        }
    }

    /// The kind with this wire name (exact, case-sensitive), `None` if
    /// unknown.
    ///
    /// ```
    /// use seawall::ErrorKind;
    /// assert_eq!(ErrorKind::from_wire("timeout"), Some(ErrorKind::Timeout));
    /// assert_eq!(ErrorKind::from_wire("Timeout"), None);
    /// ```
    pub fn from_wire(name: &str) -> Option<ErrorKind> {
        Self::ALL.into_iter().find(|k| k.as_str() == name)
    }

    /// All kinds, in numeric order.
    pub const ALL: [ErrorKind; 10] = [
        ErrorKind::InvalidConfig,
        ErrorKind::InvalidArgument,
        ErrorKind::CircuitOpen,
        ErrorKind::RateLimited,
        ErrorKind::BulkheadFull,
        ErrorKind::Timeout,
        ErrorKind::RetryBudgetExhausted,
        ErrorKind::InjectedFault,
        ErrorKind::RetryExhausted,
        ErrorKind::SharedRegion,
    ];
}

/// What went wrong with a shared-memory region ([`Error::Region`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum RegionProblem {
    /// The file could not be opened, sized, locked or mapped (the OS
    /// error is in the reason: permissions, no such directory, ...).
    Io,
    /// The file is shorter than its header says.
    Truncated,
    /// The file is not a seawall region, or its header or directory is
    /// inconsistent.
    Corrupt,
    /// The file was written by another layout version of seawall.
    Version,
    /// No free slot or not enough free bytes for a new primitive.
    Full,
}

impl RegionProblem {
    /// `io`, `truncated`, `corrupt`, `version`, `full`.
    pub const fn as_str(self) -> &'static str {
        match self {
            RegionProblem::Io => "io",
            RegionProblem::Truncated => "truncated",
            RegionProblem::Corrupt => "corrupt",
            RegionProblem::Version => "version",
            RegionProblem::Full => "full",
        }
    }
}

/// A seawall error.
///
/// Config errors name the field (in core's snake_case, without a unit suffix:
/// `open_duration`, `rate_per_sec`) and say what was wrong with which value.
/// Bindings add their own unit suffix when they report the field.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub enum Error {
    /// A configuration field is invalid.
    InvalidConfig {
        /// The field, e.g. `"failure_rate_threshold"`.
        field: &'static str,
        /// What is wrong, naming the value, e.g. `"must be in (0, 1], got NaN"`.
        reason: String,
    },
    /// A call argument is invalid.
    InvalidArgument {
        /// The argument, e.g. `"n"`.
        field: &'static str,
        /// What is wrong, naming the value.
        reason: String,
    },
    /// The breaker is open (or half-open with every probe slot taken).
    CircuitOpen {
        /// How long until the breaker may admit a call again.
        retry_after: Duration,
    },
    /// The rate limiter denied the call.
    RateLimited {
        /// How long until the same request could be granted.
        retry_after: Duration,
    },
    /// The bulkhead is full.
    BulkheadFull,
    /// Ran out of time.
    Timeout,
    /// The retry budget denied a retry.
    RetryBudgetExhausted,
    /// A fault injected on purpose.
    InjectedFault,
    /// A retry run gave up (see [`crate::retry`]). Its kind is
    /// [`ErrorKind::RetryBudgetExhausted`] when `reason` is
    /// [`GiveUpReason::Budget`](crate::retry::GiveUpReason::Budget), else
    /// [`ErrorKind::RetryExhausted`].
    RetryExhausted {
        /// Calls made, the first included.
        attempts: u32,
        /// Why the run stopped.
        reason: crate::retry::GiveUpReason,
    },
    /// A shared-memory region could not be opened or used.
    Region {
        /// What kind of problem.
        problem: RegionProblem,
        /// What happened, naming the file.
        reason: String,
    },
}

impl Error {
    /// The stable kind of this error.
    pub fn kind(&self) -> ErrorKind {
        match self {
            Error::InvalidConfig { .. } => ErrorKind::InvalidConfig,
            Error::InvalidArgument { .. } => ErrorKind::InvalidArgument,
            Error::CircuitOpen { .. } => ErrorKind::CircuitOpen,
            Error::RateLimited { .. } => ErrorKind::RateLimited,
            Error::BulkheadFull => ErrorKind::BulkheadFull,
            Error::Timeout => ErrorKind::Timeout,
            Error::RetryBudgetExhausted => ErrorKind::RetryBudgetExhausted,
            Error::InjectedFault => ErrorKind::InjectedFault,
            Error::RetryExhausted { reason, .. } => match reason {
                crate::retry::GiveUpReason::Budget => ErrorKind::RetryBudgetExhausted,
                _ => ErrorKind::RetryExhausted,
            },
            Error::Region { .. } => ErrorKind::SharedRegion,
        }
    }

    /// The field an `InvalidConfig` / `InvalidArgument` names.
    pub fn field(&self) -> Option<&'static str> {
        match self {
            Error::InvalidConfig { field, .. } | Error::InvalidArgument { field, .. } => {
                Some(field)
            }
            _ => None,
        }
    }

    /// `retry_after` of a rejection, if it has one.
    pub fn retry_after(&self) -> Option<Duration> {
        match self {
            Error::CircuitOpen { retry_after } | Error::RateLimited { retry_after } => {
                Some(*retry_after)
            }
            _ => None,
        }
    }

    /// The kind of stage whose refusal this error is (`rate_limited`: a
    /// rate limiter, `circuit_open`: a circuit breaker, `bulkhead_full`: a
    /// bulkhead), else `None`: which errors are `rejected` events, and by
    /// what (`spec/metrics.md`), for every binding.
    ///
    /// ```
    /// use seawall::policy::Stage;
    /// use seawall::Error;
    /// assert_eq!(Error::BulkheadFull.refused_by(), Some(Stage::Bulkhead));
    /// assert_eq!(Error::Timeout.refused_by(), None);
    /// ```
    pub fn refused_by(&self) -> Option<crate::policy::Stage> {
        use crate::policy::Stage;
        match self {
            Error::RateLimited { .. } => Some(Stage::RateLimiter),
            Error::CircuitOpen { .. } => Some(Stage::CircuitBreaker),
            Error::BulkheadFull => Some(Stage::Bulkhead),
            _ => None,
        }
    }

    /// What went wrong with a shared region ([`Error::Region`]).
    pub fn region_problem(&self) -> Option<RegionProblem> {
        match self {
            Error::Region { problem, .. } => Some(*problem),
            _ => None,
        }
    }

    /// Calls made by a retry run that gave up ([`Error::RetryExhausted`]).
    pub fn attempts(&self) -> Option<u32> {
        match self {
            Error::RetryExhausted { attempts, .. } => Some(*attempts),
            _ => None,
        }
    }

    /// Why a retry run gave up ([`Error::RetryExhausted`]).
    pub fn give_up_reason(&self) -> Option<crate::retry::GiveUpReason> {
        match self {
            Error::RetryExhausted { reason, .. } => Some(*reason),
            _ => None,
        }
    }

    /// Shorthand for an `InvalidConfig` error.
    pub fn config(field: &'static str, reason: impl Into<String>) -> Self {
        Error::InvalidConfig {
            field,
            reason: reason.into(),
        }
    }

    /// Shorthand for an `InvalidArgument` error.
    pub fn argument(field: &'static str, reason: impl Into<String>) -> Self {
        Error::InvalidArgument {
            field,
            reason: reason.into(),
        }
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Error::InvalidConfig { field, reason } => {
                write!(f, "invalid config: {field} {reason}")
            }
            Error::InvalidArgument { field, reason } => {
                write!(f, "invalid argument: {field} {reason}")
            }
            Error::CircuitOpen { retry_after } => {
                write!(f, "circuit open; retry after {retry_after:?}")
            }
            Error::RateLimited { retry_after } => {
                write!(f, "rate limited; retry after {retry_after:?}")
            }
            Error::BulkheadFull => f.write_str("bulkhead full"),
            Error::Timeout => f.write_str("timed out"),
            Error::RetryBudgetExhausted => f.write_str("retry budget exhausted"),
            Error::InjectedFault => f.write_str("injected fault"),
            Error::RetryExhausted { attempts, reason } => {
                write!(
                    f,
                    "gave up after {attempts} attempt(s): {}",
                    reason.describe()
                )
            }
            Error::Region { problem, reason } => {
                write!(f, "shared region {}: {reason}", problem.as_str())
            }
        }
    }
}

impl std::error::Error for Error {}

/// `Result` with seawall's [`Error`].
pub type Result<T, E = Error> = std::result::Result<T, E>;
