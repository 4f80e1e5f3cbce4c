//! The status enum every fallible function returns.

use seawall::ErrorKind;

/// Result of every fallible seawall function. `SEAWALL_OK` is 0; the
/// numbers 1–10 equal the core's error kinds and never change.
#[repr(C)]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
#[allow(non_camel_case_types)]
pub enum seawall_status {
    /// Success; outputs were written.
    #[default]
    SEAWALL_OK = 0,
    /// A config field is invalid; the last error names the field and value.
    SEAWALL_INVALID_CONFIG = 1,
    /// An argument is invalid (e.g. `n` above the burst); see the last error.
    SEAWALL_INVALID_ARGUMENT = 2,
    /// The circuit breaker rejected the call.
    SEAWALL_CIRCUIT_OPEN = 3,
    /// The rate limiter rejected the call.
    SEAWALL_RATE_LIMITED = 4,
    /// The bulkhead is full.
    SEAWALL_BULKHEAD_FULL = 5,
    /// A call ran out of time: `seawall_policy_execute` when the last
    /// attempt outlived its deadline or the whole call's deadline passed (a
    /// bulkhead wait that runs out is `SEAWALL_BULKHEAD_FULL`).
    SEAWALL_TIMEOUT = 6,
    /// The retry budget denied a retry.
    SEAWALL_RETRY_BUDGET_EXHAUSTED = 7,
    /// A fault injector injected an error.
    SEAWALL_INJECTED_FAULT = 8,
    /// A retry run gave up (attempts, elapsed time or the deadline ran out).
    SEAWALL_RETRY_EXHAUSTED = 9,
    /// A shared-memory region could not be opened or used: I/O error,
    /// truncated, corrupted or other-version file, or a full region (the
    /// last error says which and names the file).
    SEAWALL_SHARED_REGION = 10,
    /// A required pointer argument was NULL; the last error names it.
    SEAWALL_NULL_ARGUMENT = 100,
    /// A panic was caught inside seawall; the process is fine, the call failed.
    SEAWALL_PANIC = 101,
    /// `seawall_policy_execute`: the call ended with the caller's own
    /// failure (its attempt callback's, or its fallback's, non-zero return).
    SEAWALL_CALL_FAILED = 102,
}

impl seawall_status {
    /// The status for a core error kind (the one mapping in the C binding).
    pub(crate) fn from_kind(kind: ErrorKind) -> Self {
        match kind {
            ErrorKind::InvalidConfig => Self::SEAWALL_INVALID_CONFIG,
            ErrorKind::InvalidArgument => Self::SEAWALL_INVALID_ARGUMENT,
            ErrorKind::CircuitOpen => Self::SEAWALL_CIRCUIT_OPEN,
            ErrorKind::RateLimited => Self::SEAWALL_RATE_LIMITED,
            ErrorKind::BulkheadFull => Self::SEAWALL_BULKHEAD_FULL,
            ErrorKind::Timeout => Self::SEAWALL_TIMEOUT,
            ErrorKind::RetryBudgetExhausted => Self::SEAWALL_RETRY_BUDGET_EXHAUSTED,
            ErrorKind::InjectedFault => Self::SEAWALL_INJECTED_FAULT,
            ErrorKind::RetryExhausted => Self::SEAWALL_RETRY_EXHAUSTED,
            ErrorKind::SharedRegion => Self::SEAWALL_SHARED_REGION,
            _ => Self::SEAWALL_PANIC,
        }
    }

    /// The status with this number, if any.
    pub(crate) fn from_int(v: std::os::raw::c_int) -> Option<Self> {
        Some(match v {
            0 => Self::SEAWALL_OK,
            1 => Self::SEAWALL_INVALID_CONFIG,
            2 => Self::SEAWALL_INVALID_ARGUMENT,
            3 => Self::SEAWALL_CIRCUIT_OPEN,
            4 => Self::SEAWALL_RATE_LIMITED,
            5 => Self::SEAWALL_BULKHEAD_FULL,
            6 => Self::SEAWALL_TIMEOUT,
            7 => Self::SEAWALL_RETRY_BUDGET_EXHAUSTED,
            8 => Self::SEAWALL_INJECTED_FAULT,
            9 => Self::SEAWALL_RETRY_EXHAUSTED,
            10 => Self::SEAWALL_SHARED_REGION,
            100 => Self::SEAWALL_NULL_ARGUMENT,
            101 => Self::SEAWALL_PANIC,
            102 => Self::SEAWALL_CALL_FAILED,
            _ => return None,
        })
    }

    pub(crate) fn as_cstr(self) -> &'static std::ffi::CStr {
        match self {
            Self::SEAWALL_OK => c"ok",
            Self::SEAWALL_INVALID_CONFIG => c"invalid_config",
            Self::SEAWALL_INVALID_ARGUMENT => c"invalid_argument",
            Self::SEAWALL_CIRCUIT_OPEN => c"circuit_open",
            Self::SEAWALL_RATE_LIMITED => c"rate_limited",
            Self::SEAWALL_BULKHEAD_FULL => c"bulkhead_full",
            Self::SEAWALL_TIMEOUT => c"timeout",
            Self::SEAWALL_RETRY_BUDGET_EXHAUSTED => c"retry_budget_exhausted",
            Self::SEAWALL_INJECTED_FAULT => c"injected_fault",
            Self::SEAWALL_RETRY_EXHAUSTED => c"retry_exhausted",
            Self::SEAWALL_SHARED_REGION => c"shared_region",
            Self::SEAWALL_NULL_ARGUMENT => c"null_argument",
            Self::SEAWALL_PANIC => c"panic",
            Self::SEAWALL_CALL_FAILED => c"call_failed",
        }
    }
}
