//! seawall: fault-tolerance primitives with lock-free hot paths.
//!
//! One core, used from Rust, C, Python and Node. Each primitive answers a
//! question ("may this call go out?", "how long until the next attempt?")
//! and records outcomes; running the user's code is the caller's job.
//!
//! The behaviour contract is `spec/README.md` plus the JSON vectors in
//! `spec/vectors/`, which every language's test suite runs.
//!
//! `unsafe` is denied in the whole crate except in two leaf modules, each
//! opening with its safety argument, each `unsafe` block with a `SAFETY:`
//! line: the ordered time-stamp counter read (`ordered_tsc`) and the
//! shared-memory mapping (`shm::map`). `tests/unsafe_modules.rs` fails if
//! any other file allows it.

#![cfg_attr(docsrs, feature(doc_cfg))]

pub mod adaptive_timeout;
pub mod backoff;
pub mod bulkhead;
pub mod circuit_breaker;
pub mod classify;
pub mod clock;
mod divide;
pub mod error;
pub mod events;
pub mod export;
pub mod fault;
pub mod headers;
pub mod keyed;
pub mod limit;
#[cfg(all(target_arch = "x86_64", target_os = "linux"))]
mod ordered_tsc;
pub(crate) mod place;
pub mod policy;
#[cfg(feature = "redis")]
pub mod redis;
pub mod registry;
pub mod retry;
pub mod retry_budget;
pub mod rng;
#[cfg(all(unix, not(seawall_loom)))]
pub mod shm;
pub mod sliding_window;
pub mod surface;
pub(crate) mod sync;
pub mod token_bucket;
pub mod validate;

pub use clock::{Clock, ClockSource, FastClock, ManualClock, MonotonicClock};
pub use error::{Error, ErrorKind, RegionProblem, Result};
pub use limit::{Decision, LimiterWait, RateLimiter, Reservation};

/// The one version of seawall, shared by every binding.
pub const VERSION: &str = env!("CARGO_PKG_VERSION");
