//! The Redis backend (core `seawall::redis`, `spec/redis.md`): limits that
//! hold across hosts. `seawall_redis_backend` is one URL (one connection,
//! one deadline, one failure mode); `seawall_redis_limiter` is a keyed
//! token bucket or sliding window whose state lives in Redis. A decision
//! blocks the calling thread at most the backend's deadline; a Redis
//! failure is answered by the failure mode, never by an error status.

use crate::boundary::fail;
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

/// The usual `deadline_ns` of `seawall_redis_backend_new`: core's default
/// per-decision deadline (50 ms).
pub const SEAWALL_REDIS_DEFAULT_DEADLINE_NS: u64 = 50_000_000;
/// The default `lease_ns` of `seawall_redis_concurrency_limit_new` (30 s),
/// core's `DEFAULT_LEASE`.
pub const SEAWALL_REDIS_DEFAULT_LEASE_NS: u64 = 30_000_000_000;
/// The default `cache_ttl_ns` of `seawall_redis_feature_flags_new` (1 s),
/// core's `DEFAULT_CACHE_TTL`.
pub const SEAWALL_REDIS_DEFAULT_CACHE_TTL_NS: u64 = 1_000_000_000;

// cbindgen writes only literals; these keep them core's.
const _: () = assert!(
    SEAWALL_REDIS_DEFAULT_DEADLINE_NS == seawall::redis::DEFAULT_DEADLINE.as_nanos() as u64
);
const _: () =
    assert!(SEAWALL_REDIS_DEFAULT_LEASE_NS == seawall::redis::DEFAULT_LEASE.as_nanos() as u64);
const _: () = assert!(
    SEAWALL_REDIS_DEFAULT_CACHE_TTL_NS == seawall::redis::DEFAULT_CACHE_TTL.as_nanos() as u64
);

/// One Redis (one URL), shared by any number of limiters. Opaque;
/// thread-safe. Connects on the first decision.
pub struct seawall_redis_backend(RedisBackend);

/// A keyed limiter whose state lives in Redis. Opaque; thread-safe.
pub struct seawall_redis_limiter(RedisLimiter);

/// Counters of a Redis limiter and its backend.
#[repr(C)]
#[derive(Debug, Clone, Copy, Default)]
pub struct seawall_redis_metrics {
    /// The caller's `sizeof` of this struct, set before the call: the
    /// library writes only that many bytes (an older, shorter struct gets
    /// the fields it has; fields it does not know, a newer one gets as 0).
    pub struct_size: u32,
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

// SAFETY: repr(C), `struct_size: u32` first.
unsafe impl crate::config::VersionedOut for seawall_redis_metrics {
    const PREFIXES: &'static [usize] = &[
        std::mem::offset_of!(seawall_redis_metrics, limit),
        std::mem::offset_of!(seawall_redis_metrics, allowed),
        std::mem::offset_of!(seawall_redis_metrics, denied),
        std::mem::offset_of!(seawall_redis_metrics, redis_ok),
        std::mem::offset_of!(seawall_redis_metrics, errors),
        std::mem::offset_of!(seawall_redis_metrics, timeouts),
        std::mem::offset_of!(seawall_redis_metrics, fallbacks),
        std::mem::offset_of!(seawall_redis_metrics, short_circuited),
        std::mem::offset_of!(seawall_redis_metrics, connects),
        std::mem::offset_of!(seawall_redis_metrics, breaker_open),
    ];
}

/// # Safety
/// Its pointers are checked parameters of the calling `extern "C" fn`
/// (the contract in `ffi.rs`).
unsafe fn backend_new(
    url: *const c_char,
    deadline_ns: u64,
    on_failure: u32,
    out: *mut *mut seawall_redis_backend,
) -> seawall_status {
    let r = ffi_str!(url, "url").and_then(|url| {
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
            ffi_new_handle!(out, seawall_redis_backend(b));
            seawall_status::SEAWALL_OK
        }
        Err(e) => fail(e),
    }
}

/// Creates a Redis backend for `url` (`redis://[user][:password@]host[:port][/db]`
/// TLS `rediss://` (the same, plus `?ssl_ca_certs=/path/ca.pem`) or
/// `unix:///path.sock`; spec/redis.md "The URL") and writes it
/// to `*out`. `deadline_ns` (1 ms ..= 60 s; 50 ms is the usual choice) is
/// the longest a decision waits for Redis; `on_failure` a
/// `seawall_redis_failure_mode`. Never connects here, so Redis being down
/// is no error. The caller owns `*out` and frees it with
/// `seawall_redis_backend_free` (after its limiters). Thread-safe. Returns
/// `SEAWALL_OK`, `SEAWALL_INVALID_CONFIG` (field `url`, `deadline` or
/// `on_failure`; a password is never echoed), `SEAWALL_INVALID_ARGUMENT`
/// (`url` not UTF-8) or `SEAWALL_NULL_ARGUMENT`.
///
/// # Safety
/// Every pointer argument follows the "Pointers" rule in the
/// Conventions at the top of seawall.h.
#[no_mangle]
pub unsafe extern "C" fn seawall_redis_backend_new(
    url: *const c_char,
    deadline_ns: u64,
    on_failure: u32,
    out: *mut *mut seawall_redis_backend,
) -> seawall_status {
    ffi_boundary!([url, out] { ffi_pass!(backend_new(url, deadline_ns, on_failure, out)) })
}

/// Frees a backend. NULL is a no-op. Limiters made from it keep what they
/// need and stay usable. Not thread-safe: must not race other calls on it.
///
/// # Safety
/// Every pointer argument follows the "Pointers" rule in the
/// Conventions at the top of seawall.h.
#[no_mangle]
pub unsafe extern "C" fn seawall_redis_backend_free(backend: *mut seawall_redis_backend) {
    ffi_value!((), { ffi_free_handle!(backend) })
}

/// # Safety
/// Its pointers are checked parameters of the calling `extern "C" fn`
/// (the contract in `ffi.rs`).
unsafe fn limiter_out(
    r: seawall::Result<RedisLimiter>,
    out: *mut *mut seawall_redis_limiter,
) -> seawall_status {
    match r {
        Ok(l) => {
            ffi_new_handle!(out, seawall_redis_limiter(l));
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
///
/// # Safety
/// Every pointer argument follows the "Pointers" rule in the
/// Conventions at the top of seawall.h.
#[no_mangle]
pub unsafe extern "C" fn seawall_redis_token_bucket_new(
    backend: *const seawall_redis_backend,
    name: *const c_char,
    config: *const seawall_token_bucket_config,
    out: *mut *mut seawall_redis_limiter,
) -> seawall_status {
    ffi_boundary!([backend, name, config, out] {
        let r = ffi_str!(name, "name").and_then(|name| {
            let c: seawall_token_bucket_config = ffi_config!(config)?;
            RedisLimiter::token_bucket(&ffi_ref!(backend).0, name, c.to_core())
        });
        ffi_pass!(limiter_out(r, out))
    })
}

/// Creates a keyed sliding window in Redis (see
/// `seawall_redis_token_bucket_new` for `name`). The caller owns `*out`
/// and frees it with `seawall_redis_limiter_free`. Thread-safe. Returns
/// `SEAWALL_OK`, `SEAWALL_INVALID_CONFIG` (naming the field) or
/// `SEAWALL_NULL_ARGUMENT`.
///
/// # Safety
/// Every pointer argument follows the "Pointers" rule in the
/// Conventions at the top of seawall.h.
#[no_mangle]
pub unsafe extern "C" fn seawall_redis_sliding_window_new(
    backend: *const seawall_redis_backend,
    name: *const c_char,
    config: *const seawall_sliding_window_config,
    out: *mut *mut seawall_redis_limiter,
) -> seawall_status {
    ffi_boundary!([backend, name, config, out] {
        let r = ffi_str!(name, "name").and_then(|name| {
            let c: seawall_sliding_window_config = ffi_config!(config)?;
            RedisLimiter::sliding_window(&ffi_ref!(backend).0, name, c.to_core())
        });
        ffi_pass!(limiter_out(r, out))
    })
}

/// Frees a Redis limiter. NULL is a no-op. Not thread-safe: must not race
/// other calls on it.
///
/// # Safety
/// Every pointer argument follows the "Pointers" rule in the
/// Conventions at the top of seawall.h.
#[no_mangle]
pub unsafe extern "C" fn seawall_redis_limiter_free(limiter: *mut seawall_redis_limiter) {
    ffi_value!((), { ffi_free_handle!(limiter) })
}

/// # Safety
/// Its pointers are checked parameters of the calling `extern "C" fn`
/// (the contract in `ffi.rs`).
unsafe fn decided(
    r: seawall::Result<seawall::Decision>,
    out: *mut seawall_decision,
) -> seawall_status {
    match r {
        Ok(d) => {
            ffi_write!(out, d.into());
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
///
/// # Safety
/// Every pointer argument follows the "Pointers" rule in the
/// Conventions at the top of seawall.h.
#[no_mangle]
pub unsafe extern "C" fn seawall_redis_limiter_try_acquire(
    limiter: *const seawall_redis_limiter,
    key: *const u8,
    key_len: usize,
    n: u64,
    out: *mut seawall_decision,
) -> seawall_status {
    ffi_boundary!([limiter, key, out] {
        ffi_pass!(decided(ffi_ref!(limiter).0.try_acquire(ffi_slice!(key, key_len), n), out))
    })
}

/// What `seawall_redis_limiter_try_acquire` would answer, taking nothing;
/// writes it to `*out`. Blocks at most the deadline. Thread-safe. Returns
/// `SEAWALL_OK`, `SEAWALL_INVALID_ARGUMENT` (field `key` or `n`) or
/// `SEAWALL_NULL_ARGUMENT`.
///
/// # Safety
/// Every pointer argument follows the "Pointers" rule in the
/// Conventions at the top of seawall.h.
#[no_mangle]
pub unsafe extern "C" fn seawall_redis_limiter_peek(
    limiter: *const seawall_redis_limiter,
    key: *const u8,
    key_len: usize,
    n: u64,
    out: *mut seawall_decision,
) -> seawall_status {
    ffi_boundary!([limiter, key, out] {
        ffi_pass!(decided(ffi_ref!(limiter).0.peek(ffi_slice!(key, key_len), n), out))
    })
}

/// Gives back up to `n` for the key (granted but never sent). Blocks at
/// most the deadline. Thread-safe. Returns `SEAWALL_OK`,
/// `SEAWALL_INVALID_ARGUMENT` (field `key`) or `SEAWALL_NULL_ARGUMENT`.
///
/// # Safety
/// Every pointer argument follows the "Pointers" rule in the
/// Conventions at the top of seawall.h.
#[no_mangle]
pub unsafe extern "C" fn seawall_redis_limiter_refund(
    limiter: *const seawall_redis_limiter,
    key: *const u8,
    key_len: usize,
    n: u64,
) -> seawall_status {
    ffi_boundary!([limiter, key] {
        match ffi_ref!(limiter).0.refund(ffi_slice!(key, key_len), n) {
            Ok(()) => seawall_status::SEAWALL_OK,
            Err(e) => fail(e),
        }
    })
}

/// TEST ONLY, not a feature: never call it outside a test. The decision
/// for `op` (`"acquire"`, `"peek"` or `"refund"`) with the script's clock
/// set to `now_ns` (ns since an epoch 0) instead of Redis `TIME`, and no
/// key expiry (`spec/redis.md`, "Test-only time override"): how the
/// conformance vectors run against Redis. Never mix it with the real-time
/// calls on one key. Writes the decision to `*out`. Thread-safe. Returns
/// `SEAWALL_OK`, `SEAWALL_INVALID_ARGUMENT` (field `key`, `n` or `op`) or
/// `SEAWALL_NULL_ARGUMENT`.
///
/// # Safety
/// Every pointer argument follows the "Pointers" rule in the
/// Conventions at the top of seawall.h.
#[no_mangle]
pub unsafe extern "C" fn seawall_test_only_redis_limiter_decide_at(
    limiter: *const seawall_redis_limiter,
    key: *const u8,
    key_len: usize,
    n: u64,
    op: *const c_char,
    now_ns: u64,
    out: *mut seawall_decision,
) -> seawall_status {
    ffi_boundary!([limiter, key, op, out] {
        match ffi_str!(op, "op") {
            Ok(op) => ffi_pass!(decided(ffi_ref!(limiter).0.decide_at(ffi_slice!(key, key_len), n, op, now_ns), out)),
            Err(e) => fail(e),
        }
    })
}

/// Writes the limiter's and its backend's counters to `*out`. Thread-safe.
/// Returns `SEAWALL_OK` or `SEAWALL_NULL_ARGUMENT`.
/// Set `out->struct_size = sizeof *out` before the call: only that many
/// bytes are written (else `SEAWALL_INVALID_ARGUMENT`, field `struct_size`).
///
/// # Safety
/// Every pointer argument follows the "Pointers" rule in the
/// Conventions at the top of seawall.h.
#[no_mangle]
pub unsafe extern "C" fn seawall_redis_limiter_metrics(
    limiter: *const seawall_redis_limiter,
    out: *mut seawall_redis_metrics,
) -> seawall_status {
    ffi_boundary!([limiter, out] {
        let m = ffi_ref!(limiter).0.metrics();
        ffi_write_out!(out, seawall_redis_metrics {
            struct_size: 0,
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
        })
    })
}

// ---- concurrency limit (leases) ---------------------------------------------

/// At most `max_concurrent` permits per key held at once across hosts;
/// each permit is a lease that expires unless renewed, so a holder that
/// dies frees its permit. Opaque; thread-safe.
pub struct seawall_redis_concurrency_limit(seawall::redis::RedisConcurrencyLimit);

/// A permit of a `seawall_redis_concurrency_limit`. Opaque; owned by the
/// caller until given to `seawall_redis_lease_release` or freed.
pub struct seawall_redis_lease(seawall::redis::RedisLease);

/// Creates a concurrency limit named `name` (as a limiter name): at most
/// `max_concurrent` (1..=1000000) permits per key, each a lease of
/// `lease_ns` (1 ms ..= 1 day). The caller owns `*out` and frees it with
/// `seawall_redis_concurrency_limit_free`. Thread-safe. Returns
/// `SEAWALL_OK`, `SEAWALL_INVALID_CONFIG` (field `name`, `max_concurrent`
/// or `lease_ns`) or `SEAWALL_NULL_ARGUMENT`.
///
/// # Safety
/// Every pointer argument follows the "Pointers" rule in the
/// Conventions at the top of seawall.h.
#[no_mangle]
pub unsafe extern "C" fn seawall_redis_concurrency_limit_new(
    backend: *const seawall_redis_backend,
    name: *const c_char,
    max_concurrent: u64,
    lease_ns: u64,
    out: *mut *mut seawall_redis_concurrency_limit,
) -> seawall_status {
    ffi_boundary!([backend, name, out] {
        let r = ffi_str!(name, "name").and_then(|name| {
            seawall::redis::RedisConcurrencyLimit::new(
                &ffi_ref!(backend).0,
                name,
                max_concurrent,
                Duration::from_nanos(lease_ns),
            )
        });
        match r {
            Ok(l) => {
                ffi_new_handle!(out, seawall_redis_concurrency_limit(l));
                seawall_status::SEAWALL_OK
            }
            Err(e) => fail(e),
        }
    })
}

/// Frees a concurrency limit. NULL is a no-op. Not thread-safe: must not
/// race other calls on it.
///
/// # Safety
/// Every pointer argument follows the "Pointers" rule in the
/// Conventions at the top of seawall.h.
#[no_mangle]
pub unsafe extern "C" fn seawall_redis_concurrency_limit_free(
    limit: *mut seawall_redis_concurrency_limit,
) {
    ffi_value!((), { ffi_free_handle!(limit) })
}

/// Takes a permit of the key `key[0..key_len)` if fewer than
/// `max_concurrent` are held (one Redis command; blocks at most the
/// backend's deadline): writes the lease to `*out`, or NULL when all are
/// held (then `*retry_after_ns` says when the first held lease expires;
/// `retry_after_ns` may be NULL). The caller owns `*out` and gives it
/// to `seawall_redis_lease_release` (or `seawall_redis_lease_free`, which
/// leaves the permit held until its lease expires). When Redis cannot
/// answer the backend's failure mode decides. Thread-safe. Returns
/// `SEAWALL_OK`, `SEAWALL_INVALID_ARGUMENT` (field `key`) or
/// `SEAWALL_NULL_ARGUMENT`.
///
/// # Safety
/// Every pointer argument follows the "Pointers" rule in the
/// Conventions at the top of seawall.h.
#[no_mangle]
pub unsafe extern "C" fn seawall_redis_concurrency_limit_try_acquire(
    limit: *const seawall_redis_concurrency_limit,
    key: *const u8,
    key_len: usize,
    out: *mut *mut seawall_redis_lease,
    retry_after_ns: *mut u64,
) -> seawall_status {
    ffi_boundary!([limit, key, out] {
        match ffi_ref!(limit).0.try_acquire(ffi_slice!(key, key_len)) {
            Ok(d) => {
                if !retry_after_ns.is_null() {
                    ffi_write!(retry_after_ns, seawall::clock::duration_to_ns(d.retry_after));
                }
                match d.lease {
                    Some(l) => ffi_new_handle!(out, seawall_redis_lease(l)),
                    None => ffi_write!(out, std::ptr::null_mut()),
                }
                seawall_status::SEAWALL_OK
            }
            Err(e) => fail(e),
        }
    })
}

/// Gives a permit back and frees `lease` (which must not be used again).
/// `*was_held` is true if it was still held, false if its lease had
/// expired or Redis could not answer; `was_held` may be NULL. Blocks at
/// most the deadline. Thread-safe. Returns `SEAWALL_OK` or
/// `SEAWALL_NULL_ARGUMENT`.
///
/// # Safety
/// Every pointer argument follows the "Pointers" rule in the
/// Conventions at the top of seawall.h.
#[no_mangle]
pub unsafe extern "C" fn seawall_redis_lease_release(
    limit: *const seawall_redis_concurrency_limit,
    lease: *mut seawall_redis_lease,
    was_held: *mut bool,
) -> seawall_status {
    ffi_boundary!([limit, lease] {
        let l = ffi_take_handle!(lease);
        let held = ffi_ref!(limit).0.release(l.0);
        if !was_held.is_null() {
            ffi_write!(was_held, held);
        }
        seawall_status::SEAWALL_OK
    })
}

/// Extends a held lease to its full length from now; `*held` is true if
/// it was still held. Blocks at most the deadline. Thread-safe. Returns
/// `SEAWALL_OK` or `SEAWALL_NULL_ARGUMENT`.
///
/// # Safety
/// Every pointer argument follows the "Pointers" rule in the
/// Conventions at the top of seawall.h.
#[no_mangle]
pub unsafe extern "C" fn seawall_redis_lease_renew(
    limit: *const seawall_redis_concurrency_limit,
    lease: *const seawall_redis_lease,
    held: *mut bool,
) -> seawall_status {
    ffi_boundary!([limit, lease, held] {
        ffi_write!(held, ffi_ref!(limit).0.renew(&ffi_ref!(lease).0));
        seawall_status::SEAWALL_OK
    })
}

/// Frees a lease without releasing it (its permit stays held until the
/// lease expires, as if the holder had died). NULL is a no-op. Not
/// thread-safe: must not race other calls on it.
///
/// # Safety
/// Every pointer argument follows the "Pointers" rule in the
/// Conventions at the top of seawall.h.
#[no_mangle]
pub unsafe extern "C" fn seawall_redis_lease_free(lease: *mut seawall_redis_lease) {
    ffi_value!((), { ffi_free_handle!(lease) })
}

// ---- feature flags ------------------------------------------------------------

/// Feature flags in Redis with a local cache and safe defaults. Opaque;
/// thread-safe.
pub struct seawall_redis_feature_flags(seawall::redis::RedisFeatureFlags);

/// Creates feature flags under `flag_namespace` (as a limiter name), each read
/// from Redis at most once per `cache_ttl_ns` (0 ..= 1 h; 0 = no cache)
/// per process. The caller owns `*out` and frees it with
/// `seawall_redis_feature_flags_free`. Thread-safe. Returns `SEAWALL_OK`,
/// `SEAWALL_INVALID_CONFIG` (field `flag_namespace` or `cache_ttl_ns`) or
/// `SEAWALL_NULL_ARGUMENT`.
///
/// # Safety
/// Every pointer argument follows the "Pointers" rule in the
/// Conventions at the top of seawall.h.
#[no_mangle]
pub unsafe extern "C" fn seawall_redis_feature_flags_new(
    backend: *const seawall_redis_backend,
    flag_namespace: *const c_char,
    cache_ttl_ns: u64,
    out: *mut *mut seawall_redis_feature_flags,
) -> seawall_status {
    ffi_boundary!([backend, flag_namespace, out] {
        let r = ffi_str!(flag_namespace, "namespace").and_then(|ns| {
            seawall::redis::RedisFeatureFlags::new(&ffi_ref!(backend).0, ns, Duration::from_nanos(cache_ttl_ns))
        });
        match r {
            Ok(f) => {
                ffi_new_handle!(out, seawall_redis_feature_flags(f));
                seawall_status::SEAWALL_OK
            }
            Err(e) => fail(e),
        }
    })
}

/// Frees feature flags. NULL is a no-op. Not thread-safe: must not race
/// other calls on it.
///
/// # Safety
/// Every pointer argument follows the "Pointers" rule in the
/// Conventions at the top of seawall.h.
#[no_mangle]
pub unsafe extern "C" fn seawall_redis_feature_flags_free(flags: *mut seawall_redis_feature_flags) {
    ffi_value!((), { ffi_free_handle!(flags) })
}

/// Writes to `*out` whether the flag `flag[0..flag_len)` is on: the local
/// cache, else Redis (one command), else, when the flag was never set or
/// Redis cannot answer, `safe_default` (nonzero = true). Blocks at most
/// the deadline. Thread-safe. Returns `SEAWALL_OK`,
/// `SEAWALL_INVALID_ARGUMENT` (field `flag`) or `SEAWALL_NULL_ARGUMENT`.
///
/// # Safety
/// Every pointer argument follows the "Pointers" rule in the
/// Conventions at the top of seawall.h.
#[no_mangle]
pub unsafe extern "C" fn seawall_redis_feature_flags_is_enabled(
    flags: *const seawall_redis_feature_flags,
    flag: *const u8,
    flag_len: usize,
    safe_default: u8,
    out: *mut bool,
) -> seawall_status {
    ffi_boundary!([flags, flag, out] {
        match ffi_ref!(flags).0.is_enabled(ffi_slice!(flag, flag_len), safe_default != 0) {
            Ok(v) => {
                ffi_write!(out, v);
                seawall_status::SEAWALL_OK
            }
            Err(e) => fail(e),
        }
    })
}

/// Sets the flag on (`on` nonzero) or off for every host; `*written` is
/// false when Redis could not take it. Thread-safe. Returns `SEAWALL_OK`,
/// `SEAWALL_INVALID_ARGUMENT` (field `flag`) or `SEAWALL_NULL_ARGUMENT`.
///
/// # Safety
/// Every pointer argument follows the "Pointers" rule in the
/// Conventions at the top of seawall.h.
#[no_mangle]
pub unsafe extern "C" fn seawall_redis_feature_flags_set(
    flags: *const seawall_redis_feature_flags,
    flag: *const u8,
    flag_len: usize,
    on: u8,
    written: *mut bool,
) -> seawall_status {
    ffi_boundary!([flags, flag, written] {
        match ffi_ref!(flags).0.set(ffi_slice!(flag, flag_len), on != 0) {
            Ok(v) => {
                ffi_write!(written, v);
                seawall_status::SEAWALL_OK
            }
            Err(e) => fail(e),
        }
    })
}

/// Turns the flag off for every host for `for_ns` (1 ms ..= 30 days),
/// then back to its value; `*written` is false when Redis could not take
/// it. Thread-safe. Returns `SEAWALL_OK`, `SEAWALL_INVALID_ARGUMENT`
/// (field `flag` or `for_ns`) or `SEAWALL_NULL_ARGUMENT`.
///
/// # Safety
/// Every pointer argument follows the "Pointers" rule in the
/// Conventions at the top of seawall.h.
#[no_mangle]
pub unsafe extern "C" fn seawall_redis_feature_flags_disable(
    flags: *const seawall_redis_feature_flags,
    flag: *const u8,
    flag_len: usize,
    for_ns: u64,
    written: *mut bool,
) -> seawall_status {
    ffi_boundary!([flags, flag, written] {
        match ffi_ref!(flags).0.disable(ffi_slice!(flag, flag_len), Duration::from_nanos(for_ns)) {
            Ok(v) => {
                ffi_write!(written, v);
                seawall_status::SEAWALL_OK
            }
            Err(e) => fail(e),
        }
    })
}
