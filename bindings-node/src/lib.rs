//! Node addon over the seawall core (napi-rs 3). The public API is the JS
//! layer in `lib/`; this crate exports the native classes it wraps.
//!
//! Every export is `#[napi(catch_unwind)]`: a Rust panic becomes a JS
//! `Error`, never an abort.

#![deny(clippy::unwrap_used, clippy::expect_used)]

pub mod adaptive;
pub mod backoff;
pub mod bulkhead;
pub mod circuit_breaker;
pub mod clock;
pub mod conf;
pub mod error;
pub mod handles;
pub mod limiter;
pub mod policy;
pub mod redis;
pub mod redis_done;
#[cfg(unix)]
pub mod region;
pub mod registry;
pub mod retry;
pub mod share;

use napi_derive::napi;

/// The seawall version (the same in every binding).
#[napi(catch_unwind)]
pub fn version() -> &'static str {
    seawall::VERSION
}

/// Panics on purpose, so the tests can check that panics become JS errors.
#[napi(js_name = "__panicForTest", catch_unwind)]
#[allow(clippy::panic)]
pub fn panic_for_test() {
    panic!("seawall test panic");
}
