//! The Redis backend (core `seawall::redis`, `spec/redis.md`): limits that
//! hold across hosts. `seawall_redis_backend` is one URL (one connection,
//! one deadline, one failure mode); `seawall_redis_limiter` is a keyed
//! token bucket or sliding window whose state lives in Redis. A decision
//! blocks the calling thread at most the backend's deadline; a Redis
//! failure is answered by the failure mode, never by an error status.

use crate::boundary::{c_str, fail, free_handle, write_handle};
use crate::limiters::{
    seawall_decision, seawall_sliding_window_config, seawall_token_bucket_config,
};
use seawall::redis::{FailureMode, RedisBackend, RedisConfig, RedisLimiter};
use std::os::raw::c_char;
use std::time::Duration;

use crate::status::seawall_status;

/// What a decision answers when Redis cannot (unreachable, slower than the
/// deadline, erroring, or its breaker open).
#[repr(C)]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum seawall_redis_failure_mode {
    /// An in-memory limiter of the same limits in this process (the default).
    SEAWALL_REDIS_FAIL_LOCAL = 0,
    /// Allow.
    SEAWALL_REDIS_FAIL_OPEN = 1,
    /// Deny (`retry_after_ns` = when Redis will be tried again).
    SEAWALL_REDIS_FAIL_CLOSED = 2,
}

/// One Redis (one URL), shared by any number of limiters. Opaque;
/// thread-safe. Connects on the first decision.
pub struct seawall_redis_backend(RedisBackend);

/// A keyed limiter whose state lives in Redis. Opaque; thread-safe.
pub struct seawall_redis_limiter(RedisLimiter);

/// Counters of a Redis limiter and its backend.
#[repr(C)]
#[derive(Debug, Clone, Copy, Default)]
pub struct seawall_redis_metrics {
    /// The burst or limit.
    pub limit: u64,
    /// Granted decisions (by Redis or by the failure mode).
    pub allowed: u64,
    /// Denied decisions (by Redis or by the failure mode).
    pub denied: u64,
    /// Decisions Redis answered (backend-wide).
    pub redis_ok: u64,
    /// Redis errors, timeouts excluded (backend-wide).
    pub errors: u64,
    /// Decisions that hit the deadline (backend-wide).
    pub timeouts: u64,
    /// Decisions answered by the failure mode (backend-wide).
    pub fallbacks: u64,
    /// Of those, answered by the open breaker without trying Redis.
    pub short_circuited: u64,
    /// Connections opened.
    pub connects: u64,
    /// 1 while the breaker around Redis is open or half-open, else 0.
    pub breaker_open: u8,
}

unsafe fn backend_new(
    url: *const c_char,
    deadline_ns: u64,
    on_failure: u32,
    out: *mut *mut seawall_redis_backend,
) -> seawall_status {
    let r = c_str(url, "url").and_then(|url| {
        let mut cfg = RedisConfig::new(url);
        cfg.deadline = Duration::from_nanos(deadline_ns);
        cfg.on_failure = match on_failure {
            0 => FailureMode::Local,
            1 => FailureMode::Open,
            2 => FailureMode::Closed,
            v => {
                return Err(seawall::Error::config(
                    "on_failure",
                    format!("must be a seawall_redis_failure_mode (0, 1 or 2), got {v}"),
                ))
            }
        };
        RedisBackend::new(cfg)
    });
    match r {
        Ok(b) => {
            write_handle(out, seawall_redis_backend(b));
            seawall_status::SEAWALL_OK
        }
        Err(e) => fail(e),
    }
}

/// Creates a Redis backend for `url` (`redis://[user][:password@]host[:port][/db]`
/// or `unix:///path.sock`; `rediss://` is not supported yet) and writes it
/// to `*out`. `deadline_ns` (1 ms ..= 60 s; 50 ms is the usual choice) is
/// the longest a decision waits for Redis; `on_failure` a
/// `seawall_redis_failure_mode`. Never connects here, so Redis being down
/// is no error. The caller owns `*out` and frees it with
/// `seawall_redis_backend_free` (after its limiters). Thread-safe. Returns
/// `SEAWALL_OK`, `SEAWALL_INVALID_CONFIG` (field `url`, `deadline` or
/// `on_failure`; a password is never echoed), `SEAWALL_INVALID_ARGUMENT`
/// (`url` not UTF-8) or `SEAWALL_NULL_ARGUMENT`.
#[no_mangle]
pub unsafe extern "C" fn seawall_redis_backend_new(
    url: *const c_char,
    deadline_ns: u64,
    on_failure: u32,
    out: *mut *mut seawall_redis_backend,
) -> seawall_status {
    ffi_boundary!([url, out] { backend_new(url, deadline_ns, on_failure, out) })
}

/// Frees a backend. NULL is a no-op. Limiters made from it keep what they
/// need and stay usable. Not thread-safe: must not race other calls on it.
#[no_mangle]
pub unsafe extern "C" fn seawall_redis_backend_free(backend: *mut seawall_redis_backend) {
    ffi_value!((), { free_handle(backend) })
}

unsafe fn limiter_out(
    r: seawall::Result<RedisLimiter>,
    out: *mut *mut seawall_redis_limiter,
) -> seawall_status {
    match r {
        Ok(l) => {
            write_handle(out, seawall_redis_limiter(l));
            seawall_status::SEAWALL_OK
        }
        Err(e) => fail(e),
    }
}

/// Creates a keyed GCRA token bucket in Redis, named `name` (1..=128 bytes
/// of ASCII letters, digits, `_-.:`; limiters with one name share state),
/// with `config`'s burst and rate (`initial_tokens` must be unset).
/// The caller owns `*out` and frees it with `seawall_redis_limiter_free`.
/// Thread-safe. Returns `SEAWALL_OK`, `SEAWALL_INVALID_CONFIG` (naming the
/// field: `name`, `burst`, `rate_per_sec`, ...) or `SEAWALL_NULL_ARGUMENT`.
#[no_mangle]
pub unsafe extern "C" fn seawall_redis_token_bucket_new(
    backend: *const seawall_redis_backend,
    name: *const c_char,
    config: *const seawall_token_bucket_config,
    out: *mut *mut seawall_redis_limiter,
) -> seawall_status {
    ffi_boundary!([backend, name, config, out] {
        let r = c_str(name, "name").and_then(|name| {
            let c: seawall_token_bucket_config = crate::config::read(config)?;
            RedisLimiter::token_bucket(&(*backend).0, name, c.to_core())
        });
        limiter_out(r, out)
    })
}

/// Creates a keyed sliding window in Redis (see
/// `seawall_redis_token_bucket_new` for `name`). The caller owns `*out`
/// and frees it with `seawall_redis_limiter_free`. Thread-safe. Returns
/// `SEAWALL_OK`, `SEAWALL_INVALID_CONFIG` (naming the field) or
/// `SEAWALL_NULL_ARGUMENT`.
#[no_mangle]
pub unsafe extern "C" fn seawall_redis_sliding_window_new(
    backend: *const seawall_redis_backend,
    name: *const c_char,
    config: *const seawall_sliding_window_config,
    out: *mut *mut seawall_redis_limiter,
) -> seawall_status {
    ffi_boundary!([backend, name, config, out] {
        let r = c_str(name, "name").and_then(|name| {
            let c: seawall_sliding_window_config = crate::config::read(config)?;
            RedisLimiter::sliding_window(&(*backend).0, name, c.to_core())
        });
        limiter_out(r, out)
    })
}

/// Frees a Redis limiter. NULL is a no-op. Not thread-safe: must not race
/// other calls on it.
#[no_mangle]
pub unsafe extern "C" fn seawall_redis_limiter_free(limiter: *mut seawall_redis_limiter) {
    ffi_value!((), { free_handle(limiter) })
}

fn key_of<'a>(key: *const u8, key_len: usize) -> &'a [u8] {
    // SAFETY: the caller passes `key_len` readable bytes at non-NULL `key`.
    unsafe { std::slice::from_raw_parts(key, key_len) }
}

unsafe fn decided(
    r: seawall::Result<seawall::Decision>,
    out: *mut seawall_decision,
) -> seawall_status {
    match r {
        Ok(d) => {
            *out = d.into();
            seawall_status::SEAWALL_OK
        }
        Err(e) => fail(e),
    }
}

/// Takes `n` for the key `key[0..key_len)` (1..=1024 bytes, any bytes) if
/// the limit allows: one Redis command; blocks at most the backend's
/// deadline. Writes the decision to `*out` (`SEAWALL_OK` with `allowed`
/// false when denied, by Redis or by the failure mode). Thread-safe.
/// Returns `SEAWALL_OK`, `SEAWALL_INVALID_ARGUMENT` (field `key`: empty or
/// longer than 1024 bytes; field `n`: 0 or above the burst/limit) or
/// `SEAWALL_NULL_ARGUMENT`. Never an error for Redis being unreachable.
#[no_mangle]
pub unsafe extern "C" fn seawall_redis_limiter_try_acquire(
    limiter: *const seawall_redis_limiter,
    key: *const u8,
    key_len: usize,
    n: u64,
    out: *mut seawall_decision,
) -> seawall_status {
    ffi_boundary!([limiter, key, out] {
        decided((*limiter).0.try_acquire(key_of(key, key_len), n), out)
    })
}

/// What `seawall_redis_limiter_try_acquire` would answer, taking nothing;
/// writes it to `*out`. Blocks at most the deadline. Thread-safe. Returns
/// `SEAWALL_OK`, `SEAWALL_INVALID_ARGUMENT` (field `key` or `n`) or
/// `SEAWALL_NULL_ARGUMENT`.
#[no_mangle]
pub unsafe extern "C" fn seawall_redis_limiter_peek(
    limiter: *const seawall_redis_limiter,
    key: *const u8,
    key_len: usize,
    n: u64,
    out: *mut seawall_decision,
) -> seawall_status {
    ffi_boundary!([limiter, key, out] {
        decided((*limiter).0.peek(key_of(key, key_len), n), out)
    })
}

/// Gives back up to `n` for the key (granted but never sent). Blocks at
/// most the deadline. Thread-safe. Returns `SEAWALL_OK`,
/// `SEAWALL_INVALID_ARGUMENT` (field `key`) or `SEAWALL_NULL_ARGUMENT`.
#[no_mangle]
pub unsafe extern "C" fn seawall_redis_limiter_refund(
    limiter: *const seawall_redis_limiter,
    key: *const u8,
    key_len: usize,
    n: u64,
) -> seawall_status {
    ffi_boundary!([limiter, key] {
        match (*limiter).0.refund(key_of(key, key_len), n) {
            Ok(()) => seawall_status::SEAWALL_OK,
            Err(e) => fail(e),
        }
    })
}

/// Writes the limiter's and its backend's counters to `*out`. Thread-safe.
/// Returns `SEAWALL_OK` or `SEAWALL_NULL_ARGUMENT`.
#[no_mangle]
pub unsafe extern "C" fn seawall_redis_limiter_metrics(
    limiter: *const seawall_redis_limiter,
    out: *mut seawall_redis_metrics,
) -> seawall_status {
    ffi_boundary!([limiter, out] {
        let m = (*limiter).0.metrics();
        *out = seawall_redis_metrics {
            limit: m.limit,
            allowed: m.allowed,
            denied: m.denied,
            redis_ok: m.backend.redis_ok,
            errors: m.backend.errors,
            timeouts: m.backend.timeouts,
            fallbacks: m.backend.fallbacks,
            short_circuited: m.backend.short_circuited,
            connects: m.backend.connects,
            breaker_open: u8::from(m.backend.breaker_state != "closed"),
        };
        seawall_status::SEAWALL_OK
    })
}
