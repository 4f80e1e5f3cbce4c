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
pub mod ffi;
pub mod limiter;
pub mod policy;
pub mod redis;
pub mod redis_done;
#[cfg(unix)]
pub mod region;
pub mod registry;
pub mod retry;
pub mod share;

use napi::bindgen_prelude::Object;
use napi::Env;
use napi_derive::napi;

/// Adds each module's raw hot functions to the exports of each environment
/// that loads the addon (the main thread and every worker), each with its
/// module's per-thread context. The one place that names every module with
/// raw functions: `ffi` knows none of them.
#[napi(module_exports)]
pub fn register_hot(exports: Object, env: Env) -> napi::Result<()> {
    ffi::register_raw(
        &exports,
        &env,
        circuit_breaker::HOT_FNS,
        &circuit_breaker::hot(),
    )?;
    ffi::register_raw(&exports, &env, limiter::HOT_FNS, &limiter::hot())?;
    ffi::register_raw(&exports, &env, bulkhead::HOT_FNS, &bulkhead::hot())?;
    ffi::register_raw(&exports, &env, backoff::HOT_FNS, &backoff::hot())?;
    ffi::register_raw(&exports, &env, ffi::HOT_FNS, &ffi::no_ctx())
}

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
