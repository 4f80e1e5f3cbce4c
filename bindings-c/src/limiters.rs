//! Rate limiters: `seawall_token_bucket` (GCRA), `seawall_sliding_window`,
//! and their keyed variants `seawall_keyed_token_bucket` /
//! `seawall_keyed_sliding_window`.
//!
//! A denial is not an error: `_try_acquire` returns `SEAWALL_OK` with
//! `allowed == false` in the decision, so the four numbers of the standard
//! rate-limit headers are always available.

use crate::boundary::{fail, invalid_config};
use crate::clock::{clock_source, seawall_manual_clock};
use crate::config::{own_size, Versioned};
use crate::events::addr_of;
use crate::status::seawall_status;
use seawall::clock::{duration_to_ns, ClockSource};
use seawall::keyed::{
    KeyTableConfig, KeyedMetrics, KeyedSlidingWindow, KeyedSlidingWindowConfig, KeyedTokenBucket,
    KeyedTokenBucketConfig, OnFull,
};
use seawall::sliding_window::{SlidingWindowConfig, SlidingWindowLimiter};
use seawall::token_bucket::{TokenBucket, TokenBucketConfig};
use seawall::{Decision, LimiterWait, Reservation};
use std::mem::offset_of;
use std::sync::Arc;
use std::time::Duration;

/// A rate limiter's answer to "may n requests pass now?" (the numbers of
/// the `X-RateLimit-*` / `Retry-After` headers).
#[repr(C)]
#[derive(Debug, Clone, Copy, Default)]
pub struct seawall_decision {
    /// Whether the request was granted (and its tokens taken).
    pub allowed: bool,
    /// Requests that could still be granted right now after this decision.
    pub remaining: u64,
    /// When denied: how long until the same request could be granted; 0 when allowed.
    pub retry_after_ns: u64,
    /// How long until the limiter is back to full capacity.
    pub reset_after_ns: u64,
}

impl From<Decision> for seawall_decision {
    fn from(d: Decision) -> Self {
        seawall_decision {
            allowed: d.allowed,
            remaining: d.remaining,
            retry_after_ns: duration_to_ns(d.retry_after),
            reset_after_ns: duration_to_ns(d.reset_after),
        }
    }
}

/// Writes a decision or fails with the core error.
///
/// # Safety
/// Its pointers are checked parameters of the calling `extern "C" fn`
/// (the contract in `ffi.rs`).
unsafe fn decide(r: seawall::Result<Decision>, out: *mut seawall_decision) -> seawall_status {
    match r {
        Ok(d) => {
            ffi_write!(out, d.into());
            seawall_status::SEAWALL_OK
        }
        Err(e) => fail(e),
    }
}

// ---- token bucket ----------------------------------------------------------

/// Configuration of a token bucket; fill it with
/// `seawall_token_bucket_config_default()`.
///
/// | field | default | rule |
/// |---|---|---|
/// | burst | 10 | ≥ 1: most tokens taken at once after an idle period |
/// | rate_per_sec | 10.0 | finite, > 0, ≤ 2e9; fractions allowed (0.5 = a token every 2 s); one token per ≤ 100 years |
///
/// The bucket works in whole nanoseconds: the emission interval is
/// `1e9 / rate_per_sec` rounded to the nearest ns, so a rate whose interval
/// is not a whole number of ns is quantised (every rate in [1e9, 2e9] per
/// second behaves as 1e9/s, one token per ns; 3e8/s as 1 per 3 ns). And
/// `burst × interval` must be ≤ 100 years (`SEAWALL_INVALID_CONFIG`,
/// field `burst`).
/// | has_initial_tokens, initial_tokens | false (start full) | ≤ burst |
#[repr(C)]
#[derive(Debug, Clone, Copy)]
pub struct seawall_token_bucket_config {
    /// Set by `seawall_token_bucket_config_init` to the caller's `sizeof`: the bytes of this
    /// struct the library reads (fields beyond keep their defaults).
    pub struct_size: u32,
    /// Capacity.
    pub burst: u64,
    /// Refill rate in tokens per second.
    pub rate_per_sec: f64,
    /// Whether `initial_tokens` applies (else the bucket starts full).
    pub has_initial_tokens: u8,
    /// Tokens available at construction.
    pub initial_tokens: u64,
}

/// A snapshot of a token bucket.
#[repr(C)]
#[derive(Debug, Clone, Copy, Default)]
pub struct seawall_token_bucket_metrics {
    /// The caller's `sizeof` of this struct, set before the call: the
    /// library writes only that many bytes (an older, shorter struct gets
    /// the fields it has; fields it does not know, a newer one gets as 0).
    pub struct_size: u32,
    /// Configured burst.
    pub burst: u64,
    /// Tokens available right now.
    pub available: u64,
    /// Time per token in ns.
    pub emission_interval_ns: u64,
    /// Granted try_acquire calls.
    pub allowed: u64,
    /// Denied try_acquire calls; waiting acquires refused or given up.
    pub denied: u64,
    /// Waiting acquires holding a reservation now.
    pub waiting: u64,
}

// SAFETY: repr(C), `struct_size: u32` first.
unsafe impl crate::config::VersionedOut for seawall_token_bucket_metrics {
    const PREFIXES: &'static [usize] = &[
        offset_of!(seawall_token_bucket_metrics, burst),
        offset_of!(seawall_token_bucket_metrics, available),
        offset_of!(seawall_token_bucket_metrics, emission_interval_ns),
        offset_of!(seawall_token_bucket_metrics, allowed),
        offset_of!(seawall_token_bucket_metrics, denied),
        offset_of!(seawall_token_bucket_metrics, waiting),
    ];
}

/// A lock-free token bucket (GCRA). Opaque; thread-safe.
pub struct seawall_token_bucket(pub(crate) Arc<TokenBucket>);

impl seawall_token_bucket_config {
    pub(crate) fn to_core(self) -> TokenBucketConfig {
        TokenBucketConfig {
            burst: self.burst,
            rate_per_sec: self.rate_per_sec,
            initial_tokens: (self.has_initial_tokens != 0).then_some(self.initial_tokens),
        }
    }

    fn from_core(d: TokenBucketConfig) -> Self {
        seawall_token_bucket_config {
            struct_size: own_size::<seawall_token_bucket_config>(),
            burst: d.burst,
            rate_per_sec: d.rate_per_sec,
            has_initial_tokens: u8::from(d.initial_tokens.is_some()),
            initial_tokens: d.initial_tokens.unwrap_or(0),
        }
    }
}

// SAFETY: repr(C), `struct_size: u32` first, no bool / enum / reference field.
unsafe impl Versioned for seawall_token_bucket_config {
    const INIT: &'static str = "seawall_token_bucket_config_init";
    const PREFIXES: &'static [usize] = &[
        offset_of!(seawall_token_bucket_config, burst),
        offset_of!(seawall_token_bucket_config, rate_per_sec),
        offset_of!(seawall_token_bucket_config, has_initial_tokens),
        offset_of!(seawall_token_bucket_config, initial_tokens),
    ];
    fn defaults() -> Self {
        seawall_token_bucket_config::from_core(TokenBucketConfig::default())
    }
}

/// Fills `*config` with the defaults (see `seawall_token_bucket_config`): writes
/// `size` bytes, which must be `sizeof *config`, and sets `struct_size` to
/// it. The header's `seawall_token_bucket_config_default()` does the same. Thread-safe.
/// Returns `SEAWALL_OK`, `SEAWALL_INVALID_ARGUMENT` (`size` is no layout
/// of the struct: below `SEAWALL_CONFIG_MIN_SIZE`, or cutting a field) or
/// `SEAWALL_NULL_ARGUMENT`.
///
/// # Safety
/// Every pointer argument follows the "Pointers" rule in the
/// Conventions at the top of seawall.h.
#[no_mangle]
pub unsafe extern "C" fn seawall_token_bucket_config_init(
    config: *mut seawall_token_bucket_config,
    size: usize,
) -> seawall_status {
    ffi_boundary!([config] { ffi_config_init!(config, size) })
}

/// # Safety
/// Its pointers are checked parameters of the calling `extern "C" fn`
/// (the contract in `ffi.rs`).
unsafe fn tb_new(
    config: *const seawall_token_bucket_config,
    clock: ClockSource,
    out: *mut *mut seawall_token_bucket,
) -> seawall_status {
    match ffi_config!(config).and_then(|c| TokenBucket::with_clock(c.to_core(), clock)) {
        Ok(t) => {
            ffi_new_handle!(out, seawall_token_bucket(Arc::new(t)));
            seawall_status::SEAWALL_OK
        }
        Err(e) => fail(e),
    }
}

/// Creates a token bucket on the monotonic clock and writes it to `*out`.
/// `config` is read, not kept. The caller owns `*out` and frees it with
/// `seawall_token_bucket_free`. Thread-safe. Returns `SEAWALL_OK`,
/// `SEAWALL_INVALID_CONFIG` (naming `burst`, `rate_per_sec` or
/// `initial_tokens`) or `SEAWALL_NULL_ARGUMENT`.
///
/// # Safety
/// Every pointer argument follows the "Pointers" rule in the
/// Conventions at the top of seawall.h.
#[no_mangle]
pub unsafe extern "C" fn seawall_token_bucket_new(
    config: *const seawall_token_bucket_config,
    out: *mut *mut seawall_token_bucket,
) -> seawall_status {
    ffi_boundary!([config, out] { ffi_pass!(tb_new(config, ClockSource::Monotonic, out)) })
}

/// Like `seawall_token_bucket_new`, on `clock`. The caller owns `*out` and frees
/// it with `seawall_token_bucket_free`. Thread-safe. Returns `SEAWALL_OK`,
/// `SEAWALL_INVALID_CONFIG` or `SEAWALL_NULL_ARGUMENT`.
///
/// # Safety
/// Every pointer argument follows the "Pointers" rule in the
/// Conventions at the top of seawall.h.
#[no_mangle]
pub unsafe extern "C" fn seawall_token_bucket_new_with_clock(
    config: *const seawall_token_bucket_config,
    clock: *const seawall_manual_clock,
    out: *mut *mut seawall_token_bucket,
) -> seawall_status {
    ffi_boundary!([config, clock, out] { ffi_pass!(tb_new(config, clock_source(ffi_ref!(clock)), out)) })
}

/// Creates (first process) or attaches to (later ones) the token bucket
/// `name` in `region`, on `CLOCK_MONOTONIC`, and writes it to `*out`: every
/// process that does so shares one bucket. `config` is read, not kept. The
/// caller owns `*out` and frees it with `seawall_token_bucket_free`.
/// Thread-safe. Returns `SEAWALL_OK`, `SEAWALL_INVALID_CONFIG` (also when
/// the region's bucket has another config: the last error names the field
/// and both values), `SEAWALL_INVALID_ARGUMENT` (`name`),
/// `SEAWALL_SHARED_REGION` (the region is full) or `SEAWALL_NULL_ARGUMENT`.
///
/// # Safety
/// Every pointer argument follows the "Pointers" rule in the
/// Conventions at the top of seawall.h.
#[cfg(unix)]
#[no_mangle]
pub unsafe extern "C" fn seawall_token_bucket_new_in_region(
    config: *const seawall_token_bucket_config,
    region: *const crate::region::seawall_region,
    name: *const std::os::raw::c_char,
    out: *mut *mut seawall_token_bucket,
) -> seawall_status {
    ffi_boundary!([config, region, name, out] {
        match ffi_config!(config).and_then(|c| {
            let (r, n) = ffi_pass!(crate::region::region_and_name(region, name))?;
            TokenBucket::in_region(c.to_core(), r, n)
        }) {
            Ok(t) => {
                ffi_new_handle!(out, seawall_token_bucket(Arc::new(t)));
                seawall_status::SEAWALL_OK
            }
            Err(e) => fail(e),
        }
    })
}

/// Like `seawall_token_bucket_new_in_region`, on `clock` (for tests: the
/// conformance vectors run against region-backed instances this way).
/// Every process attached to the same `name` must use the same clock.
/// The caller owns `*out` and frees it with `seawall_token_bucket_free`.
/// Thread-safe. Returns `SEAWALL_OK`, `SEAWALL_INVALID_CONFIG` (also for
/// another config than the region's, naming the field),
/// `SEAWALL_INVALID_ARGUMENT` (`name`), `SEAWALL_SHARED_REGION` (the region
/// is full) or `SEAWALL_NULL_ARGUMENT` (as `seawall_token_bucket_new_in_region`).
///
/// # Safety
/// Every pointer argument follows the "Pointers" rule in the
/// Conventions at the top of seawall.h.
#[cfg(unix)]
#[no_mangle]
pub unsafe extern "C" fn seawall_token_bucket_new_in_region_with_clock(
    config: *const seawall_token_bucket_config,
    clock: *const seawall_manual_clock,
    region: *const crate::region::seawall_region,
    name: *const std::os::raw::c_char,
    out: *mut *mut seawall_token_bucket,
) -> seawall_status {
    ffi_boundary!([config, clock, region, name, out] {
        match ffi_config!(config).and_then(|c| {
            let (r, n) = ffi_pass!(crate::region::region_and_name(region, name))?;
            TokenBucket::in_region_with_clock(c.to_core(), clock_source(ffi_ref!(clock)), r, n)
        }) {
            Ok(t) => {
                ffi_new_handle!(out, seawall_token_bucket(Arc::new(t)));
                seawall_status::SEAWALL_OK
            }
            Err(e) => fail(e),
        }
    })
}

/// Frees a token bucket. NULL is a no-op. Not thread-safe: must not race other calls on it.
///
/// # Safety
/// Every pointer argument follows the "Pointers" rule in the
/// Conventions at the top of seawall.h.
#[no_mangle]
pub unsafe extern "C" fn seawall_token_bucket_free(bucket: *mut seawall_token_bucket) {
    ffi_value!((), { ffi_free_handle!(bucket) })
}

/// Takes `n` tokens if available now and writes the decision to `*out`:
/// `SEAWALL_OK` with `out->allowed` true (granted) or false (denied, nothing
/// taken; `retry_after_ns` says when). One clock read and one CAS loop.
/// Thread-safe. Returns `SEAWALL_OK`, `SEAWALL_INVALID_ARGUMENT` (`n` is 0
/// or above `burst`: never grantable) or `SEAWALL_NULL_ARGUMENT`.
///
/// # Safety
/// Every pointer argument follows the "Pointers" rule in the
/// Conventions at the top of seawall.h.
#[no_mangle]
pub unsafe extern "C" fn seawall_token_bucket_try_acquire(
    bucket: *const seawall_token_bucket,
    n: u64,
    out: *mut seawall_decision,
) -> seawall_status {
    ffi_boundary!([bucket, out] {
        let b = &ffi_ref!(bucket).0;
        let r = b.try_acquire(n);
        crate::events::denied(addr_of(b), None, &r);
        ffi_pass!(decide(r, out))
    })
}

/// What `_try_acquire(n)` would answer now, taking nothing. Thread-safe.
/// Returns `SEAWALL_OK`, `SEAWALL_INVALID_ARGUMENT` or `SEAWALL_NULL_ARGUMENT`.
///
/// # Safety
/// Every pointer argument follows the "Pointers" rule in the
/// Conventions at the top of seawall.h.
#[no_mangle]
pub unsafe extern "C" fn seawall_token_bucket_peek(
    bucket: *const seawall_token_bucket,
    n: u64,
    out: *mut seawall_decision,
) -> seawall_status {
    ffi_boundary!([bucket, out] { ffi_pass!(decide(ffi_ref!(bucket).0.peek(n), out)) })
}

/// Gives back `n` tokens granted earlier whose call never went out, never
/// above `burst`. Thread-safe. Returns `SEAWALL_OK` or `SEAWALL_NULL_ARGUMENT`.
///
/// # Safety
/// Every pointer argument follows the "Pointers" rule in the
/// Conventions at the top of seawall.h.
#[no_mangle]
pub unsafe extern "C" fn seawall_token_bucket_refund(
    bucket: *const seawall_token_bucket,
    n: u64,
) -> seawall_status {
    ffi_boundary!([bucket] {
        ffi_ref!(bucket).0.refund(n);
        seawall_status::SEAWALL_OK
    })
}

/// Writes a snapshot of the bucket to `*out`. Thread-safe.
/// Returns `SEAWALL_OK` or `SEAWALL_NULL_ARGUMENT`.
/// Set `out->struct_size = sizeof *out` before the call: only that many
/// bytes are written (else `SEAWALL_INVALID_ARGUMENT`, field `struct_size`).
///
/// # Safety
/// Every pointer argument follows the "Pointers" rule in the
/// Conventions at the top of seawall.h.
#[no_mangle]
pub unsafe extern "C" fn seawall_token_bucket_get_metrics(
    bucket: *const seawall_token_bucket,
    out: *mut seawall_token_bucket_metrics,
) -> seawall_status {
    ffi_boundary!([bucket, out] {
        let m = ffi_ref!(bucket).0.metrics();
        ffi_write_out!(out, seawall_token_bucket_metrics {
            struct_size: 0,
            burst: m.burst,
            available: m.available,
            emission_interval_ns: duration_to_ns(m.emission_interval),
            allowed: m.allowed,
            denied: m.denied,
            waiting: m.waiting,
        })
    })
}

/// Takes `n` tokens now, or reserves them in FIFO order for the earliest
/// time they are due if that is at most `max_wait_ns` away (GCRA
/// reservation; see spec/token_bucket.md, "Waiting acquires"). Never
/// blocks. `SEAWALL_OK` and `*out_wait` NULL: granted now, `*out` holds the
/// decision. `SEAWALL_OK` and `*out_wait` non-NULL: waiting; `*out` has
/// `allowed` false and `retry_after_ns` = time until due; the caller owns
/// `*out_wait` (claim it with `seawall_limiter_wait_try_claim` or
/// `seawall_limiter_wait_wait`, and free it with `seawall_limiter_wait_free`,
/// which gives an unclaimed reservation back). `SEAWALL_RATE_LIMITED`: the
/// tokens come later than `max_wait_ns`; nothing taken, `*out` has
/// `allowed` false and the exact `retry_after_ns`. Thread-safe. Also
/// returns `SEAWALL_INVALID_ARGUMENT` (`n` is 0 or above `burst`) or
/// `SEAWALL_NULL_ARGUMENT`.
///
/// # Safety
/// Every pointer argument follows the "Pointers" rule in the
/// Conventions at the top of seawall.h.
#[no_mangle]
pub unsafe extern "C" fn seawall_token_bucket_reserve(
    bucket: *const seawall_token_bucket,
    n: u64,
    max_wait_ns: u64,
    out: *mut seawall_decision,
    out_wait: *mut *mut seawall_limiter_wait,
) -> seawall_status {
    ffi_boundary!([bucket, out, out_wait] {
        let b = &ffi_ref!(bucket).0;
        let r = b.reserve(n, Duration::from_nanos(max_wait_ns));
        crate::events::refused(addr_of(b), None, &r);
        ffi_pass!(reserved(addr_of(b), None, r, out, out_wait))
    })
}

/// Takes `n` tokens, blocking the calling thread up to `timeout_ns` (on
/// the bucket's clock) in FIFO order: reserve, then sleep until they are
/// due (a manual clock wakes the thread when it is moved there). Refused at
/// once, without sleeping, when they would come later. Thread-safe.
/// Returns `SEAWALL_OK` (`*out` holds the granted decision),
/// `SEAWALL_RATE_LIMITED` (`*out` has `allowed` false and `retry_after_ns`),
/// `SEAWALL_INVALID_ARGUMENT` (`n`) or `SEAWALL_NULL_ARGUMENT`.
///
/// # Safety
/// Every pointer argument follows the "Pointers" rule in the
/// Conventions at the top of seawall.h.
#[no_mangle]
pub unsafe extern "C" fn seawall_token_bucket_acquire_wait(
    bucket: *const seawall_token_bucket,
    n: u64,
    timeout_ns: u64,
    out: *mut seawall_decision,
) -> seawall_status {
    ffi_boundary!([bucket, out] {
        let b = &ffi_ref!(bucket).0;
        let r = b.acquire(n, Duration::from_nanos(timeout_ns));
        crate::events::denied(addr_of(b), None, &r);
        ffi_pass!(waited(r, out))
    })
}

// ---- waiting acquires ---------------------------------------------------------

/// A waiting acquire of a token bucket or sliding window (keyed or not), in
/// the limiter's FIFO order (from `seawall_token_bucket_reserve` /
/// `seawall_sliding_window_reserve` / `seawall_keyed_*_reserve`). Opaque; one thread at a time.
pub struct seawall_limiter_wait(Option<LimiterWait>, WaitSource);

/// Which limiter (and key) a wait is in, for a refusal event when it ends
/// refused.
struct WaitSource {
    addr: usize,
    /// A copy of the key (None without one, or without memory for it).
    key: Option<Box<[u8]>>,
}

impl WaitSource {
    fn new(addr: usize, key: Option<&[u8]>) -> Self {
        let key = key.and_then(|k| {
            let mut v = Vec::new();
            v.try_reserve_exact(k.len()).ok()?;
            v.extend_from_slice(k);
            Some(v.into_boxed_slice())
        });
        WaitSource { addr, key }
    }
}

/// Writes what a reservation got (see `seawall_token_bucket_reserve`).
///
/// # Safety
/// Its pointers are checked parameters of the calling `extern "C" fn`
/// (the contract in `ffi.rs`).
unsafe fn reserved(
    addr: usize,
    key: Option<&[u8]>,
    r: seawall::Result<Reservation>,
    out: *mut seawall_decision,
    out_wait: *mut *mut seawall_limiter_wait,
) -> seawall_status {
    ffi_write!(out_wait, std::ptr::null_mut());
    match r {
        Ok(Reservation::Granted(d)) => {
            ffi_write!(out, d.into());
            seawall_status::SEAWALL_OK
        }
        Ok(Reservation::Waiting(w)) => {
            ffi_write!(
                out,
                seawall_decision {
                    allowed: false,
                    remaining: 0,
                    retry_after_ns: duration_to_ns(w.due_in()),
                    reset_after_ns: 0,
                }
            );
            ffi_new_handle!(
                out_wait,
                seawall_limiter_wait(Some(w), WaitSource::new(addr, key))
            );
            seawall_status::SEAWALL_OK
        }
        Err(e) => ffi_pass!(waited(Err(e), out)),
    }
}

/// Writes a finished wait's decision, or its refusal's `retry_after_ns`.
///
/// # Safety
/// Its pointers are checked parameters of the calling `extern "C" fn`
/// (the contract in `ffi.rs`).
unsafe fn waited(r: seawall::Result<Decision>, out: *mut seawall_decision) -> seawall_status {
    match r {
        Ok(d) => {
            ffi_write!(out, d.into());
            seawall_status::SEAWALL_OK
        }
        Err(e) => {
            if let Some(ra) = e.retry_after() {
                ffi_write!(
                    out,
                    seawall_decision {
                        allowed: false,
                        remaining: 0,
                        retry_after_ns: duration_to_ns(ra),
                        reset_after_ns: 0,
                    }
                );
            }
            fail(e)
        }
    }
}

fn finished() -> seawall::Error {
    seawall::Error::argument("wait", "has already finished (claimed, refused or freed)")
}

/// Claims the wait if it is due now. `SEAWALL_OK` with `out->allowed` true:
/// granted (counted once), the wait is finished; with `out->allowed` false:
/// not yet, `out->retry_after_ns` = time until due. `SEAWALL_RATE_LIMITED`:
/// the limiter had to refuse it (a sliding window whose due time moved past
/// the deadline; `out->retry_after_ns` set), finished. Does not block. Not
/// thread-safe on `wait`. Also returns `SEAWALL_INVALID_ARGUMENT` (naming
/// `wait`: already finished) or `SEAWALL_NULL_ARGUMENT`.
///
/// # Safety
/// Every pointer argument follows the "Pointers" rule in the
/// Conventions at the top of seawall.h.
#[no_mangle]
pub unsafe extern "C" fn seawall_limiter_wait_try_claim(
    wait: *mut seawall_limiter_wait,
    out: *mut seawall_decision,
) -> seawall_status {
    ffi_boundary!([wait, out] {
        let wt = ffi_mut!(wait);
        let (slot, src) = (&mut wt.0, &wt.1);
        let Some(w) = slot.as_mut() else { return fail(finished()) };
        match w.try_claim() {
            Ok(None) => {
                ffi_write!(out, seawall_decision {
                    allowed: false,
                    remaining: 0,
                    retry_after_ns: duration_to_ns(w.due_in()),
                    reset_after_ns: 0,
                });
                seawall_status::SEAWALL_OK
            }
            r => {
                *slot = None;
                let r = r.map(|d| d.unwrap_or(Decision {
                    allowed: false,
                    remaining: 0,
                    retry_after: Duration::ZERO,
                    reset_after: Duration::ZERO,
                }));
                crate::events::denied(src.addr, src.key.as_deref(), &r);
                ffi_pass!(waited(r, out))
            }
        }
    })
}

/// Blocks the calling thread until the wait is due and claims it (a
/// monotonic clock sleeps until then; a manual clock wakes the thread when
/// it is moved there). The wait is finished afterwards. Not thread-safe on
/// `wait`. Returns `SEAWALL_OK` (`*out` granted), `SEAWALL_RATE_LIMITED`
/// (refused, as for `_try_claim`), `SEAWALL_INVALID_ARGUMENT` (naming
/// `wait`: already finished) or `SEAWALL_NULL_ARGUMENT`.
///
/// # Safety
/// Every pointer argument follows the "Pointers" rule in the
/// Conventions at the top of seawall.h.
#[no_mangle]
pub unsafe extern "C" fn seawall_limiter_wait_wait(
    wait: *mut seawall_limiter_wait,
    out: *mut seawall_decision,
) -> seawall_status {
    ffi_boundary!([wait, out] {
        let wt = ffi_mut!(wait);
        match wt.0.take() {
            Some(w) => {
                let r = w.wait();
                crate::events::denied(wt.1.addr, wt.1.key.as_deref(), &r);
                ffi_pass!(waited(r, out))
            }
            None => fail(finished()),
        }
    })
}

/// Nanoseconds on the limiter's clock until the wait is due; 0 when due or
/// finished. `wait` may be NULL (then 0). Not thread-safe on `wait`.
///
/// # Safety
/// Every pointer argument follows the "Pointers" rule in the
/// Conventions at the top of seawall.h.
#[no_mangle]
pub unsafe extern "C" fn seawall_limiter_wait_due_in_ns(wait: *const seawall_limiter_wait) -> u64 {
    ffi_value!(0, {
        if wait.is_null() {
            return 0;
        }
        ffi_ref!(wait)
            .0
            .as_ref()
            .map_or(0, |w| duration_to_ns(w.due_in()))
    })
}

/// Frees a wait; one never claimed gives its reservation back (counted as
/// one denial). NULL is a no-op. Not thread-safe with other calls on it.
///
/// # Safety
/// Every pointer argument follows the "Pointers" rule in the
/// Conventions at the top of seawall.h.
#[no_mangle]
pub unsafe extern "C" fn seawall_limiter_wait_free(wait: *mut seawall_limiter_wait) {
    ffi_value!((), { ffi_free_handle!(wait) })
}

// ---- sliding window ----------------------------------------------------------

/// Configuration of a sliding-window limiter; fill it with
/// `seawall_sliding_window_config_default()`.
///
/// | field | default | rule |
/// |---|---|---|
/// | limit | 100 | 1..=16777215 requests in any window |
/// | window_ns | 60 s | 1 ms ..= 100 years |
/// | buckets | 10 | 1..=1024 sub-windows (grants expire at most window/buckets late) |
#[repr(C)]
#[derive(Debug, Clone, Copy)]
pub struct seawall_sliding_window_config {
    /// Set by `seawall_sliding_window_config_init` to the caller's `sizeof`: the bytes of this
    /// struct the library reads (fields beyond keep their defaults).
    pub struct_size: u32,
    /// Requests allowed in any window.
    pub limit: u64,
    /// The window length.
    pub window_ns: u64,
    /// Sub-windows per window.
    pub buckets: u32,
}

/// A snapshot of a sliding-window limiter.
#[repr(C)]
#[derive(Debug, Clone, Copy, Default)]
pub struct seawall_sliding_window_metrics {
    /// The caller's `sizeof` of this struct, set before the call: the
    /// library writes only that many bytes (an older, shorter struct gets
    /// the fields it has; fields it does not know, a newer one gets as 0).
    pub struct_size: u32,
    /// Configured limit.
    pub limit: u64,
    /// Requests counted against the limit right now.
    pub count: u64,
    /// Granted try_acquire calls.
    pub allowed: u64,
    /// Denied try_acquire calls; waiting acquires refused or given up.
    pub denied: u64,
    /// Waiting acquires in the FIFO queue now.
    pub waiting: u64,
}

// SAFETY: repr(C), `struct_size: u32` first.
unsafe impl crate::config::VersionedOut for seawall_sliding_window_metrics {
    const PREFIXES: &'static [usize] = &[
        offset_of!(seawall_sliding_window_metrics, limit),
        offset_of!(seawall_sliding_window_metrics, count),
        offset_of!(seawall_sliding_window_metrics, allowed),
        offset_of!(seawall_sliding_window_metrics, denied),
        offset_of!(seawall_sliding_window_metrics, waiting),
    ];
}

/// At most `limit` requests in any window, lock-free. Opaque; thread-safe.
pub struct seawall_sliding_window(pub(crate) Arc<SlidingWindowLimiter>);

impl seawall_sliding_window_config {
    pub(crate) fn to_core(self) -> SlidingWindowConfig {
        SlidingWindowConfig {
            limit: self.limit,
            window: Duration::from_nanos(self.window_ns),
            buckets: self.buckets,
        }
    }

    fn from_core(d: SlidingWindowConfig) -> Self {
        seawall_sliding_window_config {
            struct_size: own_size::<seawall_sliding_window_config>(),
            limit: d.limit,
            window_ns: duration_to_ns(d.window),
            buckets: d.buckets,
        }
    }
}

// SAFETY: repr(C), `struct_size: u32` first, no bool / enum / reference field.
unsafe impl Versioned for seawall_sliding_window_config {
    const INIT: &'static str = "seawall_sliding_window_config_init";
    const PREFIXES: &'static [usize] = &[
        offset_of!(seawall_sliding_window_config, limit),
        offset_of!(seawall_sliding_window_config, window_ns),
        offset_of!(seawall_sliding_window_config, buckets),
    ];
    fn defaults() -> Self {
        seawall_sliding_window_config::from_core(SlidingWindowConfig::default())
    }
}

/// Fills `*config` with the defaults (see `seawall_sliding_window_config`): writes
/// `size` bytes, which must be `sizeof *config`, and sets `struct_size` to
/// it. The header's `seawall_sliding_window_config_default()` does the same. Thread-safe.
/// Returns `SEAWALL_OK`, `SEAWALL_INVALID_ARGUMENT` (`size` is no layout
/// of the struct: below `SEAWALL_CONFIG_MIN_SIZE`, or cutting a field) or
/// `SEAWALL_NULL_ARGUMENT`.
///
/// # Safety
/// Every pointer argument follows the "Pointers" rule in the
/// Conventions at the top of seawall.h.
#[no_mangle]
pub unsafe extern "C" fn seawall_sliding_window_config_init(
    config: *mut seawall_sliding_window_config,
    size: usize,
) -> seawall_status {
    ffi_boundary!([config] { ffi_config_init!(config, size) })
}

/// # Safety
/// Its pointers are checked parameters of the calling `extern "C" fn`
/// (the contract in `ffi.rs`).
unsafe fn sw_new(
    config: *const seawall_sliding_window_config,
    clock: ClockSource,
    out: *mut *mut seawall_sliding_window,
) -> seawall_status {
    match ffi_config!(config).and_then(|c| SlidingWindowLimiter::with_clock(c.to_core(), clock)) {
        Ok(l) => {
            ffi_new_handle!(out, seawall_sliding_window(Arc::new(l)));
            seawall_status::SEAWALL_OK
        }
        Err(e) => fail(e),
    }
}

/// Creates (first process) or attaches to (later ones) the sliding-window limiter `name`
/// in `region` and writes it to `*out`: every process that does so shares
/// it. `config` is read, not kept. The caller owns `*out` and frees it with
/// `seawall_sliding_window_free`. Thread-safe. Returns `SEAWALL_OK`, `SEAWALL_INVALID_CONFIG`
/// (also for another config than the region's, naming the field),
/// `SEAWALL_INVALID_ARGUMENT` (`name`), `SEAWALL_SHARED_REGION` (the region
/// is full) or `SEAWALL_NULL_ARGUMENT`.
///
/// # Safety
/// Every pointer argument follows the "Pointers" rule in the
/// Conventions at the top of seawall.h.
#[cfg(unix)]
#[no_mangle]
pub unsafe extern "C" fn seawall_sliding_window_new_in_region(
    config: *const seawall_sliding_window_config,
    region: *const crate::region::seawall_region,
    name: *const std::os::raw::c_char,
    out: *mut *mut seawall_sliding_window,
) -> seawall_status {
    ffi_boundary!([config, region, name, out] {
        match ffi_config!(config).and_then(|c| {
            let (r, n) = ffi_pass!(crate::region::region_and_name(region, name))?;
            SlidingWindowLimiter::in_region(c.to_core(), r, n)
        }) {
            Ok(l) => {
                ffi_new_handle!(out, seawall_sliding_window(Arc::new(l)));
                seawall_status::SEAWALL_OK
            }
            Err(e) => fail(e),
        }
    })
}

/// Like `seawall_sliding_window_new_in_region`, on `clock` (for tests: the
/// conformance vectors run against region-backed instances this way).
/// Every process attached to the same `name` must use the same clock.
/// The caller owns `*out` and frees it with `seawall_sliding_window_free`.
/// Thread-safe. Returns `SEAWALL_OK`, `SEAWALL_INVALID_CONFIG` (also for
/// another config than the region's, naming the field),
/// `SEAWALL_INVALID_ARGUMENT` (`name`), `SEAWALL_SHARED_REGION` (the region
/// is full) or `SEAWALL_NULL_ARGUMENT` (as `seawall_sliding_window_new_in_region`).
///
/// # Safety
/// Every pointer argument follows the "Pointers" rule in the
/// Conventions at the top of seawall.h.
#[cfg(unix)]
#[no_mangle]
pub unsafe extern "C" fn seawall_sliding_window_new_in_region_with_clock(
    config: *const seawall_sliding_window_config,
    clock: *const seawall_manual_clock,
    region: *const crate::region::seawall_region,
    name: *const std::os::raw::c_char,
    out: *mut *mut seawall_sliding_window,
) -> seawall_status {
    ffi_boundary!([config, clock, region, name, out] {
        match ffi_config!(config).and_then(|c| {
            let (r, n) = ffi_pass!(crate::region::region_and_name(region, name))?;
            SlidingWindowLimiter::in_region_with_clock(c.to_core(), clock_source(ffi_ref!(clock)), r, n)
        }) {
            Ok(l) => {
                ffi_new_handle!(out, seawall_sliding_window(Arc::new(l)));
                seawall_status::SEAWALL_OK
            }
            Err(e) => fail(e),
        }
    })
}

/// Creates a sliding-window limiter on the monotonic clock and writes it to
/// `*out`. `config` is read, not kept. The caller owns `*out` and frees it
/// with `seawall_sliding_window_free`. Thread-safe. Returns `SEAWALL_OK`,
/// `SEAWALL_INVALID_CONFIG` (naming `limit`, `window_ns` or `buckets`) or
/// `SEAWALL_NULL_ARGUMENT`.
///
/// # Safety
/// Every pointer argument follows the "Pointers" rule in the
/// Conventions at the top of seawall.h.
#[no_mangle]
pub unsafe extern "C" fn seawall_sliding_window_new(
    config: *const seawall_sliding_window_config,
    out: *mut *mut seawall_sliding_window,
) -> seawall_status {
    ffi_boundary!([config, out] { ffi_pass!(sw_new(config, ClockSource::Monotonic, out)) })
}

/// Like `seawall_sliding_window_new`, on `clock`. The caller owns `*out` and frees
/// it with `seawall_sliding_window_free`. Thread-safe. Returns `SEAWALL_OK`,
/// `SEAWALL_INVALID_CONFIG` or `SEAWALL_NULL_ARGUMENT`.
///
/// # Safety
/// Every pointer argument follows the "Pointers" rule in the
/// Conventions at the top of seawall.h.
#[no_mangle]
pub unsafe extern "C" fn seawall_sliding_window_new_with_clock(
    config: *const seawall_sliding_window_config,
    clock: *const seawall_manual_clock,
    out: *mut *mut seawall_sliding_window,
) -> seawall_status {
    ffi_boundary!([config, clock, out] { ffi_pass!(sw_new(config, clock_source(ffi_ref!(clock)), out)) })
}

/// Frees a sliding-window limiter. NULL is a no-op. Not thread-safe: must not race other
/// calls on it.
///
/// # Safety
/// Every pointer argument follows the "Pointers" rule in the
/// Conventions at the top of seawall.h.
#[no_mangle]
pub unsafe extern "C" fn seawall_sliding_window_free(limiter: *mut seawall_sliding_window) {
    ffi_value!((), { ffi_free_handle!(limiter) })
}

/// Counts `n` requests if the window has room and writes the decision to
/// `*out` (`SEAWALL_OK` with `allowed` false when denied). Thread-safe.
/// Returns `SEAWALL_OK`, `SEAWALL_INVALID_ARGUMENT` (`n` is 0 or above
/// `limit`) or `SEAWALL_NULL_ARGUMENT`.
///
/// # Safety
/// Every pointer argument follows the "Pointers" rule in the
/// Conventions at the top of seawall.h.
#[no_mangle]
pub unsafe extern "C" fn seawall_sliding_window_try_acquire(
    limiter: *const seawall_sliding_window,
    n: u64,
    out: *mut seawall_decision,
) -> seawall_status {
    ffi_boundary!([limiter, out] {
        let l = &ffi_ref!(limiter).0;
        let r = l.try_acquire(n);
        crate::events::denied(addr_of(l), None, &r);
        ffi_pass!(decide(r, out))
    })
}

/// What `_try_acquire(n)` would answer now, counting nothing. Thread-safe.
/// Returns `SEAWALL_OK`, `SEAWALL_INVALID_ARGUMENT` or `SEAWALL_NULL_ARGUMENT`.
///
/// # Safety
/// Every pointer argument follows the "Pointers" rule in the
/// Conventions at the top of seawall.h.
#[no_mangle]
pub unsafe extern "C" fn seawall_sliding_window_peek(
    limiter: *const seawall_sliding_window,
    n: u64,
    out: *mut seawall_decision,
) -> seawall_status {
    ffi_boundary!([limiter, out] { ffi_pass!(decide(ffi_ref!(limiter).0.peek(n), out)) })
}

/// Gives back `n` requests granted earlier whose call never went out.
/// Thread-safe. Returns `SEAWALL_OK` or `SEAWALL_NULL_ARGUMENT`.
///
/// # Safety
/// Every pointer argument follows the "Pointers" rule in the
/// Conventions at the top of seawall.h.
#[no_mangle]
pub unsafe extern "C" fn seawall_sliding_window_refund(
    limiter: *const seawall_sliding_window,
    n: u64,
) -> seawall_status {
    ffi_boundary!([limiter] {
        ffi_ref!(limiter).0.refund(n);
        seawall_status::SEAWALL_OK
    })
}

/// Writes a snapshot of the limiter to `*out`. Thread-safe.
/// Returns `SEAWALL_OK` or `SEAWALL_NULL_ARGUMENT`.
/// Set `out->struct_size = sizeof *out` before the call: only that many
/// bytes are written (else `SEAWALL_INVALID_ARGUMENT`, field `struct_size`).
///
/// # Safety
/// Every pointer argument follows the "Pointers" rule in the
/// Conventions at the top of seawall.h.
#[no_mangle]
pub unsafe extern "C" fn seawall_sliding_window_get_metrics(
    limiter: *const seawall_sliding_window,
    out: *mut seawall_sliding_window_metrics,
) -> seawall_status {
    ffi_boundary!([limiter, out] {
        let m = ffi_ref!(limiter).0.metrics();
        ffi_write_out!(out, seawall_sliding_window_metrics {
            struct_size: 0,
            limit: m.limit,
            count: m.count,
            allowed: m.allowed,
            denied: m.denied,
            waiting: m.waiting,
        })
    })
}

/// Counts `n` requests now, or queues them (FIFO) for the earliest time the
/// window has room after everyone queued before, if that is at most
/// `max_wait_ns` away (spec/sliding_window.md, "Waiting acquires"). Never
/// blocks. Outputs as for `seawall_token_bucket_reserve`: the caller owns a
/// non-NULL `*out_wait` and frees it with `seawall_limiter_wait_free`.
/// Thread-safe. Returns `SEAWALL_OK`, `SEAWALL_RATE_LIMITED`,
/// `SEAWALL_INVALID_ARGUMENT` (`n` is 0 or above `limit`) or
/// `SEAWALL_NULL_ARGUMENT`.
///
/// # Safety
/// Every pointer argument follows the "Pointers" rule in the
/// Conventions at the top of seawall.h.
#[no_mangle]
pub unsafe extern "C" fn seawall_sliding_window_reserve(
    limiter: *const seawall_sliding_window,
    n: u64,
    max_wait_ns: u64,
    out: *mut seawall_decision,
    out_wait: *mut *mut seawall_limiter_wait,
) -> seawall_status {
    ffi_boundary!([limiter, out, out_wait] {
        let l = &ffi_ref!(limiter).0;
        let r = l.reserve(n, Duration::from_nanos(max_wait_ns));
        crate::events::refused(addr_of(l), None, &r);
        ffi_pass!(reserved(addr_of(l), None, r, out, out_wait))
    })
}

/// Counts `n` requests, blocking the calling thread up to `timeout_ns` (on
/// the limiter's clock) in the FIFO queue; refused at once, without
/// sleeping, when they would be due later. Thread-safe. Returns
/// `SEAWALL_OK`, `SEAWALL_RATE_LIMITED` (`*out` has `retry_after_ns`),
/// `SEAWALL_INVALID_ARGUMENT` (`n`) or `SEAWALL_NULL_ARGUMENT`.
///
/// # Safety
/// Every pointer argument follows the "Pointers" rule in the
/// Conventions at the top of seawall.h.
#[no_mangle]
pub unsafe extern "C" fn seawall_sliding_window_acquire_wait(
    limiter: *const seawall_sliding_window,
    n: u64,
    timeout_ns: u64,
    out: *mut seawall_decision,
) -> seawall_status {
    ffi_boundary!([limiter, out] {
        let l = &ffi_ref!(limiter).0;
        let r = l.acquire(n, Duration::from_nanos(timeout_ns));
        crate::events::denied(addr_of(l), None, &r);
        ffi_pass!(waited(r, out))
    })
}

// ---- keyed -------------------------------------------------------------------

/// What a keyed limiter answers for a new key when the table has no room.
#[repr(C)]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum seawall_on_full {
    /// Deny (the default: memory pressure never opens the limiter).
    SEAWALL_ON_FULL_DENY = 0,
    /// Allow, untracked.
    SEAWALL_ON_FULL_ALLOW = 1,
}

/// Configuration of a keyed token bucket: one bucket per key, in a table
/// that always has room for `max_keys` distinct keys; a key that is
/// throttled is never evicted, and a key whose idle slot is taken over
/// while its own requests are in flight is never granted more than its
/// burst (spec/keyed.md, "Concurrency"). Fill it with
/// `seawall_keyed_token_bucket_config_default()` (or
/// `seawall_keyed_token_bucket_config_init`); versioned like every config
/// (`struct_size`), with the bucket's and the table's fields in one flat
/// struct so that fields can be appended.
///
/// | field | default | rule |
/// |---|---|---|
/// | burst, rate_per_sec | 10, 10.0 | as `seawall_token_bucket_config` |
/// | has_initial_tokens, initial_tokens | false | must stay unset: new keys start full |
/// | max_keys | 10000 | 1..=2^24 distinct keys the table always has room for (it has 4 x max_keys slots) |
/// | max_probe | 64 | 1..=64 slots probed per lookup (below 64, false denials below max_keys become possible) |
/// | on_full | SEAWALL_ON_FULL_DENY | a `seawall_on_full` |
/// | has_hash_seed, hash_seed | false (seeded from the clock) | any |
#[repr(C)]
#[derive(Debug, Clone, Copy)]
pub struct seawall_keyed_token_bucket_config {
    /// Set by `seawall_keyed_token_bucket_config_init` to the caller's `sizeof`: the bytes of this
    /// struct the library reads (fields beyond keep their defaults).
    pub struct_size: u32,
    /// Each key's capacity.
    pub burst: u64,
    /// Each key's refill rate in tokens per second.
    pub rate_per_sec: f64,
    /// Must stay 0: a new key starts full (like an evicted one), so
    /// `initial_tokens` is refused (`SEAWALL_INVALID_CONFIG`, field
    /// `initial_tokens`); the fields mirror `seawall_token_bucket_config`.
    pub has_initial_tokens: u8,
    /// See `has_initial_tokens`.
    pub initial_tokens: u64,
    /// Distinct keys the table always has room for (`4 * max_keys` slots).
    pub max_keys: u64,
    /// Slots probed per lookup.
    pub max_probe: u32,
    /// A `seawall_on_full` value.
    pub on_full: u32,
    /// Whether `hash_seed` applies (any non-zero byte is true).
    pub has_hash_seed: u8,
    /// Hash seed (set it for reproducible tests).
    pub hash_seed: u64,
}

/// Configuration of a keyed sliding window: one window per key; same table
/// rules and versioning as `seawall_keyed_token_bucket_config`. Fill it with
/// `seawall_keyed_sliding_window_config_default()`.
///
/// | field | default | rule |
/// |---|---|---|
/// | limit, window_ns, buckets | 100, 60 s, 10 | as `seawall_sliding_window_config` |
/// | max_keys, max_probe, on_full, has_hash_seed, hash_seed | 10000, 64, deny, false | as `seawall_keyed_token_bucket_config` |
#[repr(C)]
#[derive(Debug, Clone, Copy)]
pub struct seawall_keyed_sliding_window_config {
    /// Set by `seawall_keyed_sliding_window_config_init` to the caller's `sizeof`: the bytes of this
    /// struct the library reads (fields beyond keep their defaults).
    pub struct_size: u32,
    /// Requests allowed per key in any window.
    pub limit: u64,
    /// The window length.
    pub window_ns: u64,
    /// Sub-windows per window.
    pub buckets: u32,
    /// Distinct keys the table always has room for (`4 * max_keys` slots).
    pub max_keys: u64,
    /// Slots probed per lookup.
    pub max_probe: u32,
    /// A `seawall_on_full` value.
    pub on_full: u32,
    /// Whether `hash_seed` applies (any non-zero byte is true).
    pub has_hash_seed: u8,
    /// Hash seed (set it for reproducible tests).
    pub hash_seed: u64,
}

/// A snapshot of a keyed limiter's table.
#[repr(C)]
#[derive(Debug, Clone, Copy, Default)]
pub struct seawall_keyed_metrics {
    /// The caller's `sizeof` of this struct, set before the call: the
    /// library writes only that many bytes (an older, shorter struct gets
    /// the fields it has; fields it does not know, a newer one gets as 0).
    pub struct_size: u32,
    /// Slots ever filled.
    pub keys_tracked: u64,
    /// Table slots (`4 * max_keys`).
    pub capacity: u64,
    /// Slots taken over from an idle key by a new key.
    pub evictions: u64,
    /// Requests of new keys that found no slot.
    pub table_full: u64,
    /// Requests granted (a waiting acquire counts once, when granted).
    pub allowed: u64,
    /// Requests denied (a waiting acquire counts once, when refused or
    /// given up; a granted one never).
    pub denied: u64,
    /// Waiting acquires not yet granted or given up.
    pub waiting: u64,
}

// SAFETY: repr(C), `struct_size: u32` first.
unsafe impl crate::config::VersionedOut for seawall_keyed_metrics {
    const PREFIXES: &'static [usize] = &[
        offset_of!(seawall_keyed_metrics, keys_tracked),
        offset_of!(seawall_keyed_metrics, capacity),
        offset_of!(seawall_keyed_metrics, evictions),
        offset_of!(seawall_keyed_metrics, table_full),
        offset_of!(seawall_keyed_metrics, allowed),
        offset_of!(seawall_keyed_metrics, denied),
        offset_of!(seawall_keyed_metrics, waiting),
    ];
}

/// Per-key token buckets in a lock-free table. Opaque; thread-safe.
pub struct seawall_keyed_token_bucket(pub(crate) Arc<KeyedTokenBucket>);

/// Per-key sliding windows in a lock-free table. Opaque; thread-safe.
pub struct seawall_keyed_sliding_window(pub(crate) Arc<KeyedSlidingWindow>);

/// The table fields of a keyed config.
fn table_to_core(
    max_keys: u64,
    max_probe: u32,
    on_full: u32,
    has_hash_seed: u8,
    hash_seed: u64,
) -> seawall::Result<KeyTableConfig> {
    Ok(KeyTableConfig {
        max_keys,
        max_probe,
        on_full: match on_full {
            0 => OnFull::Deny,
            1 => OnFull::Allow,
            v => {
                return Err(invalid_config(
                    "on_full",
                    format!("must be a seawall_on_full (0 or 1), got {v}"),
                ))
            }
        },
        hash_seed: (has_hash_seed != 0).then_some(hash_seed),
    })
}

fn on_full_c(o: OnFull) -> u32 {
    match o {
        OnFull::Deny => 0,
        OnFull::Allow => 1,
    }
}

// SAFETY: repr(C), `struct_size: u32` first, no bool / enum / reference field.
unsafe impl Versioned for seawall_keyed_token_bucket_config {
    const INIT: &'static str = "seawall_keyed_token_bucket_config_init";
    const PREFIXES: &'static [usize] = &[
        offset_of!(seawall_keyed_token_bucket_config, burst),
        offset_of!(seawall_keyed_token_bucket_config, rate_per_sec),
        offset_of!(seawall_keyed_token_bucket_config, has_initial_tokens),
        offset_of!(seawall_keyed_token_bucket_config, initial_tokens),
        offset_of!(seawall_keyed_token_bucket_config, max_keys),
        offset_of!(seawall_keyed_token_bucket_config, max_probe),
        offset_of!(seawall_keyed_token_bucket_config, on_full),
        offset_of!(seawall_keyed_token_bucket_config, has_hash_seed),
        offset_of!(seawall_keyed_token_bucket_config, hash_seed),
    ];
    fn defaults() -> Self {
        let b = TokenBucketConfig::default();
        let t = KeyTableConfig::default();
        seawall_keyed_token_bucket_config {
            struct_size: own_size::<seawall_keyed_token_bucket_config>(),
            burst: b.burst,
            rate_per_sec: b.rate_per_sec,
            has_initial_tokens: 0,
            initial_tokens: 0,
            max_keys: t.max_keys,
            max_probe: t.max_probe,
            on_full: on_full_c(t.on_full),
            has_hash_seed: u8::from(t.hash_seed.is_some()),
            hash_seed: t.hash_seed.unwrap_or(0),
        }
    }
}

// SAFETY: repr(C), `struct_size: u32` first, no bool / enum / reference field.
unsafe impl Versioned for seawall_keyed_sliding_window_config {
    const INIT: &'static str = "seawall_keyed_sliding_window_config_init";
    const PREFIXES: &'static [usize] = &[
        offset_of!(seawall_keyed_sliding_window_config, limit),
        offset_of!(seawall_keyed_sliding_window_config, window_ns),
        offset_of!(seawall_keyed_sliding_window_config, buckets),
        offset_of!(seawall_keyed_sliding_window_config, max_keys),
        offset_of!(seawall_keyed_sliding_window_config, max_probe),
        offset_of!(seawall_keyed_sliding_window_config, on_full),
        offset_of!(seawall_keyed_sliding_window_config, has_hash_seed),
        offset_of!(seawall_keyed_sliding_window_config, hash_seed),
    ];
    fn defaults() -> Self {
        let w = SlidingWindowConfig::default();
        let t = KeyTableConfig::default();
        seawall_keyed_sliding_window_config {
            struct_size: own_size::<seawall_keyed_sliding_window_config>(),
            limit: w.limit,
            window_ns: duration_to_ns(w.window),
            buckets: w.buckets,
            max_keys: t.max_keys,
            max_probe: t.max_probe,
            on_full: on_full_c(t.on_full),
            has_hash_seed: u8::from(t.hash_seed.is_some()),
            hash_seed: t.hash_seed.unwrap_or(0),
        }
    }
}

impl seawall_keyed_token_bucket_config {
    fn to_core(self) -> seawall::Result<KeyedTokenBucketConfig> {
        Ok(KeyedTokenBucketConfig {
            bucket: TokenBucketConfig {
                burst: self.burst,
                rate_per_sec: self.rate_per_sec,
                initial_tokens: (self.has_initial_tokens != 0).then_some(self.initial_tokens),
            },
            table: table_to_core(
                self.max_keys,
                self.max_probe,
                self.on_full,
                self.has_hash_seed,
                self.hash_seed,
            )?,
        })
    }
}

impl seawall_keyed_sliding_window_config {
    fn to_core(self) -> seawall::Result<KeyedSlidingWindowConfig> {
        Ok(KeyedSlidingWindowConfig {
            window: SlidingWindowConfig {
                limit: self.limit,
                window: Duration::from_nanos(self.window_ns),
                buckets: self.buckets,
            },
            table: table_to_core(
                self.max_keys,
                self.max_probe,
                self.on_full,
                self.has_hash_seed,
                self.hash_seed,
            )?,
        })
    }
}

fn keyed_metrics(m: KeyedMetrics) -> seawall_keyed_metrics {
    seawall_keyed_metrics {
        struct_size: 0,
        keys_tracked: m.keys_tracked,
        capacity: m.capacity,
        evictions: m.evictions,
        table_full: m.table_full,
        allowed: m.allowed,
        denied: m.denied,
        waiting: m.waiting,
    }
}

/// Fills `*config` with the defaults (see `seawall_keyed_token_bucket_config`):
/// writes `size` bytes, which must be `sizeof *config`, and sets
/// `struct_size` to it. The header's
/// `seawall_keyed_token_bucket_config_default()` does the same.
/// Thread-safe. Returns `SEAWALL_OK`, `SEAWALL_INVALID_ARGUMENT` (`size` is
/// no layout of the struct) or `SEAWALL_NULL_ARGUMENT`.
///
/// # Safety
/// Every pointer argument follows the "Pointers" rule in the
/// Conventions at the top of seawall.h.
#[no_mangle]
pub unsafe extern "C" fn seawall_keyed_token_bucket_config_init(
    config: *mut seawall_keyed_token_bucket_config,
    size: usize,
) -> seawall_status {
    ffi_boundary!([config] { ffi_config_init!(config, size) })
}

/// Fills `*config` with the defaults (see
/// `seawall_keyed_sliding_window_config`): writes `size` bytes, which must
/// be `sizeof *config`, and sets `struct_size` to it. The header's
/// `seawall_keyed_sliding_window_config_default()` does the same.
/// Thread-safe. Returns `SEAWALL_OK`, `SEAWALL_INVALID_ARGUMENT` (`size`)
/// or `SEAWALL_NULL_ARGUMENT`.
///
/// # Safety
/// Every pointer argument follows the "Pointers" rule in the
/// Conventions at the top of seawall.h.
#[no_mangle]
pub unsafe extern "C" fn seawall_keyed_sliding_window_config_init(
    config: *mut seawall_keyed_sliding_window_config,
    size: usize,
) -> seawall_status {
    ffi_boundary!([config] { ffi_config_init!(config, size) })
}

/// # Safety
/// Its pointers are checked parameters of the calling `extern "C" fn`
/// (the contract in `ffi.rs`).
unsafe fn ktb_new(
    config: *const seawall_keyed_token_bucket_config,
    clock: ClockSource,
    out: *mut *mut seawall_keyed_token_bucket,
) -> seawall_status {
    let r = ffi_config!(config)
        .and_then(|c| c.to_core())
        .and_then(|c| KeyedTokenBucket::with_clock(c, clock));
    match r {
        Ok(l) => {
            ffi_new_handle!(out, seawall_keyed_token_bucket(Arc::new(l)));
            seawall_status::SEAWALL_OK
        }
        Err(e) => fail(e),
    }
}

/// # Safety
/// Its pointers are checked parameters of the calling `extern "C" fn`
/// (the contract in `ffi.rs`).
unsafe fn ksw_new(
    config: *const seawall_keyed_sliding_window_config,
    clock: ClockSource,
    out: *mut *mut seawall_keyed_sliding_window,
) -> seawall_status {
    let r = ffi_config!(config)
        .and_then(|c| c.to_core())
        .and_then(|c| KeyedSlidingWindow::with_clock(c, clock));
    match r {
        Ok(l) => {
            ffi_new_handle!(out, seawall_keyed_sliding_window(Arc::new(l)));
            seawall_status::SEAWALL_OK
        }
        Err(e) => fail(e),
    }
}

/// Creates (first process) or attaches to (later ones) the keyed token bucket `name`
/// in `region` and writes it to `*out`: every process that does so shares
/// it. `config` is read, not kept. The caller owns `*out` and frees it with
/// `seawall_keyed_token_bucket_free`. Thread-safe. Returns `SEAWALL_OK`, `SEAWALL_INVALID_CONFIG`
/// (also for another config than the region's, naming the field),
/// `SEAWALL_INVALID_ARGUMENT` (`name`), `SEAWALL_SHARED_REGION` (the region
/// is full) or `SEAWALL_NULL_ARGUMENT`.
///
/// # Safety
/// Every pointer argument follows the "Pointers" rule in the
/// Conventions at the top of seawall.h.
#[cfg(unix)]
#[no_mangle]
pub unsafe extern "C" fn seawall_keyed_token_bucket_new_in_region(
    config: *const seawall_keyed_token_bucket_config,
    region: *const crate::region::seawall_region,
    name: *const std::os::raw::c_char,
    out: *mut *mut seawall_keyed_token_bucket,
) -> seawall_status {
    ffi_boundary!([config, region, name, out] {
        let r = ffi_config!(config)
            .and_then(|c| c.to_core())
            .and_then(|c| {
                let (r, n) = ffi_pass!(crate::region::region_and_name(region, name))?;
                KeyedTokenBucket::in_region(c, r, n)
            });
        match r {
            Ok(l) => {
                ffi_new_handle!(out, seawall_keyed_token_bucket(Arc::new(l)));
                seawall_status::SEAWALL_OK
            }
            Err(e) => fail(e),
        }
    })
}

/// Like `seawall_keyed_token_bucket_new_in_region`, on `clock` (for tests: the
/// conformance vectors run against region-backed instances this way).
/// Every process attached to the same `name` must use the same clock.
/// The caller owns `*out` and frees it with `seawall_keyed_token_bucket_free`.
/// Thread-safe. Returns `SEAWALL_OK`, `SEAWALL_INVALID_CONFIG` (also for
/// another config than the region's, naming the field),
/// `SEAWALL_INVALID_ARGUMENT` (`name`), `SEAWALL_SHARED_REGION` (the region
/// is full) or `SEAWALL_NULL_ARGUMENT` (as `seawall_keyed_token_bucket_new_in_region`).
///
/// # Safety
/// Every pointer argument follows the "Pointers" rule in the
/// Conventions at the top of seawall.h.
#[cfg(unix)]
#[no_mangle]
pub unsafe extern "C" fn seawall_keyed_token_bucket_new_in_region_with_clock(
    config: *const seawall_keyed_token_bucket_config,
    clock: *const seawall_manual_clock,
    region: *const crate::region::seawall_region,
    name: *const std::os::raw::c_char,
    out: *mut *mut seawall_keyed_token_bucket,
) -> seawall_status {
    ffi_boundary!([config, clock, region, name, out] {
        let r = ffi_config!(config)
            .and_then(|c| c.to_core())
            .and_then(|c| {
                let (r, n) = ffi_pass!(crate::region::region_and_name(region, name))?;
                KeyedTokenBucket::in_region_with_clock(c, clock_source(ffi_ref!(clock)), r, n)
            });
        match r {
            Ok(l) => {
                ffi_new_handle!(out, seawall_keyed_token_bucket(Arc::new(l)));
                seawall_status::SEAWALL_OK
            }
            Err(e) => fail(e),
        }
    })
}

/// Creates (first process) or attaches to (later ones) the keyed sliding window `name`
/// in `region` and writes it to `*out`: every process that does so shares
/// it. `config` is read, not kept. The caller owns `*out` and frees it with
/// `seawall_keyed_sliding_window_free`. Thread-safe. Returns `SEAWALL_OK`, `SEAWALL_INVALID_CONFIG`
/// (also for another config than the region's, naming the field),
/// `SEAWALL_INVALID_ARGUMENT` (`name`), `SEAWALL_SHARED_REGION` (the region
/// is full) or `SEAWALL_NULL_ARGUMENT`.
///
/// # Safety
/// Every pointer argument follows the "Pointers" rule in the
/// Conventions at the top of seawall.h.
#[cfg(unix)]
#[no_mangle]
pub unsafe extern "C" fn seawall_keyed_sliding_window_new_in_region(
    config: *const seawall_keyed_sliding_window_config,
    region: *const crate::region::seawall_region,
    name: *const std::os::raw::c_char,
    out: *mut *mut seawall_keyed_sliding_window,
) -> seawall_status {
    ffi_boundary!([config, region, name, out] {
        let r = ffi_config!(config)
            .and_then(|c| c.to_core())
            .and_then(|c| {
                let (r, n) = ffi_pass!(crate::region::region_and_name(region, name))?;
                KeyedSlidingWindow::in_region(c, r, n)
            });
        match r {
            Ok(l) => {
                ffi_new_handle!(out, seawall_keyed_sliding_window(Arc::new(l)));
                seawall_status::SEAWALL_OK
            }
            Err(e) => fail(e),
        }
    })
}

/// Like `seawall_keyed_sliding_window_new_in_region`, on `clock` (for tests: the
/// conformance vectors run against region-backed instances this way).
/// Every process attached to the same `name` must use the same clock.
/// The caller owns `*out` and frees it with `seawall_keyed_sliding_window_free`.
/// Thread-safe. Returns `SEAWALL_OK`, `SEAWALL_INVALID_CONFIG` (also for
/// another config than the region's, naming the field),
/// `SEAWALL_INVALID_ARGUMENT` (`name`), `SEAWALL_SHARED_REGION` (the region
/// is full) or `SEAWALL_NULL_ARGUMENT` (as `seawall_keyed_sliding_window_new_in_region`).
///
/// # Safety
/// Every pointer argument follows the "Pointers" rule in the
/// Conventions at the top of seawall.h.
#[cfg(unix)]
#[no_mangle]
pub unsafe extern "C" fn seawall_keyed_sliding_window_new_in_region_with_clock(
    config: *const seawall_keyed_sliding_window_config,
    clock: *const seawall_manual_clock,
    region: *const crate::region::seawall_region,
    name: *const std::os::raw::c_char,
    out: *mut *mut seawall_keyed_sliding_window,
) -> seawall_status {
    ffi_boundary!([config, clock, region, name, out] {
        let r = ffi_config!(config)
            .and_then(|c| c.to_core())
            .and_then(|c| {
                let (r, n) = ffi_pass!(crate::region::region_and_name(region, name))?;
                KeyedSlidingWindow::in_region_with_clock(c, clock_source(ffi_ref!(clock)), r, n)
            });
        match r {
            Ok(l) => {
                ffi_new_handle!(out, seawall_keyed_sliding_window(Arc::new(l)));
                seawall_status::SEAWALL_OK
            }
            Err(e) => fail(e),
        }
    })
}

/// Creates a keyed token bucket on the monotonic clock and writes it to
/// `*out`. `config` is read, not kept. The caller owns `*out` and frees it
/// with `seawall_keyed_token_bucket_free`. Thread-safe. Returns `SEAWALL_OK`,
/// `SEAWALL_INVALID_CONFIG` (naming the field, e.g. `max_keys`) or
/// `SEAWALL_NULL_ARGUMENT`.
///
/// # Safety
/// Every pointer argument follows the "Pointers" rule in the
/// Conventions at the top of seawall.h.
#[no_mangle]
pub unsafe extern "C" fn seawall_keyed_token_bucket_new(
    config: *const seawall_keyed_token_bucket_config,
    out: *mut *mut seawall_keyed_token_bucket,
) -> seawall_status {
    ffi_boundary!([config, out] { ffi_pass!(ktb_new(config, ClockSource::Monotonic, out)) })
}

/// Like `seawall_keyed_token_bucket_new`, on `clock`. The caller owns `*out` and frees
/// it with `seawall_keyed_token_bucket_free`. Thread-safe. Returns `SEAWALL_OK`,
/// `SEAWALL_INVALID_CONFIG` or `SEAWALL_NULL_ARGUMENT`.
///
/// # Safety
/// Every pointer argument follows the "Pointers" rule in the
/// Conventions at the top of seawall.h.
#[no_mangle]
pub unsafe extern "C" fn seawall_keyed_token_bucket_new_with_clock(
    config: *const seawall_keyed_token_bucket_config,
    clock: *const seawall_manual_clock,
    out: *mut *mut seawall_keyed_token_bucket,
) -> seawall_status {
    ffi_boundary!([config, clock, out] { ffi_pass!(ktb_new(config, clock_source(ffi_ref!(clock)), out)) })
}

/// Frees a keyed token bucket. NULL is a no-op. Not thread-safe: must not race other calls on it.
///
/// # Safety
/// Every pointer argument follows the "Pointers" rule in the
/// Conventions at the top of seawall.h.
#[no_mangle]
pub unsafe extern "C" fn seawall_keyed_token_bucket_free(limiter: *mut seawall_keyed_token_bucket) {
    ffi_value!((), { ffi_free_handle!(limiter) })
}

/// Takes `n` tokens from the bucket of the key `key[0..key_len)` (any
/// bytes; `key` must not be NULL even when `key_len` is 0) and writes the
/// decision to `*out` (`SEAWALL_OK` with `allowed` false when denied).
/// Thread-safe. Returns `SEAWALL_OK`, `SEAWALL_INVALID_ARGUMENT` (`n` is 0
/// or above `burst`) or `SEAWALL_NULL_ARGUMENT`.
///
/// # Safety
/// Every pointer argument follows the "Pointers" rule in the
/// Conventions at the top of seawall.h.
#[no_mangle]
pub unsafe extern "C" fn seawall_keyed_token_bucket_try_acquire(
    limiter: *const seawall_keyed_token_bucket,
    key: *const u8,
    key_len: usize,
    n: u64,
    out: *mut seawall_decision,
) -> seawall_status {
    ffi_boundary!([limiter, key, out] {
        let l = &ffi_ref!(limiter).0;
        let k = ffi_slice!(key, key_len);
        let r = l.try_acquire(k, n);
        crate::events::denied(addr_of(l), Some(k), &r);
        ffi_pass!(decide(r, out))
    })
}

/// Writes to `*out` what `seawall_keyed_token_bucket_try_acquire` would answer
/// now for the key `key[0..key_len)`, without spending anything and without
/// inserting the key (for rate-limit headers; an untracked key gets a fresh
/// bucket's answer, or the table-full answer when it would find no slot).
/// Thread-safe. Returns `SEAWALL_OK`, `SEAWALL_INVALID_ARGUMENT` (`n`) or
/// `SEAWALL_NULL_ARGUMENT`.
///
/// # Safety
/// Every pointer argument follows the "Pointers" rule in the
/// Conventions at the top of seawall.h.
#[no_mangle]
pub unsafe extern "C" fn seawall_keyed_token_bucket_peek(
    limiter: *const seawall_keyed_token_bucket,
    key: *const u8,
    key_len: usize,
    n: u64,
    out: *mut seawall_decision,
) -> seawall_status {
    ffi_boundary!([limiter, key, out] {
        ffi_pass!(decide(ffi_ref!(limiter).0.peek(ffi_slice!(key, key_len), n), out))
    })
}

/// Gives back `n` tokens to the key's bucket. Thread-safe. Returns
/// `SEAWALL_OK` or `SEAWALL_NULL_ARGUMENT`.
///
/// # Safety
/// Every pointer argument follows the "Pointers" rule in the
/// Conventions at the top of seawall.h.
#[no_mangle]
pub unsafe extern "C" fn seawall_keyed_token_bucket_refund(
    limiter: *const seawall_keyed_token_bucket,
    key: *const u8,
    key_len: usize,
    n: u64,
) -> seawall_status {
    ffi_boundary!([limiter, key] {
        ffi_ref!(limiter).0.refund(ffi_slice!(key, key_len), n);
        seawall_status::SEAWALL_OK
    })
}

/// Takes `n` tokens from the key's bucket `key[0..key_len)` now, or
/// queues for them in the key's FIFO order if they are due at most
/// `max_wait_ns` away (spec/keyed.md, "Waiting acquires"). Never blocks.
/// Outputs as `seawall_token_bucket_reserve`: `SEAWALL_OK` with `*out_wait`
/// NULL (granted now, `*out` holds the decision) or non-NULL (waiting: the
/// caller owns `*out_wait`, claims it with `seawall_limiter_wait_try_claim`
/// or `seawall_limiter_wait_wait` and frees it with
/// `seawall_limiter_wait_free`); `SEAWALL_RATE_LIMITED` when they come later
/// than `max_wait_ns` or a new key finds no slot (`on_full` deny; nothing
/// taken, `*out` has `retry_after_ns`). Each call counts once in the
/// metrics. Thread-safe. Also returns `SEAWALL_INVALID_ARGUMENT` (`n`) or
/// `SEAWALL_NULL_ARGUMENT`.
///
/// # Safety
/// Every pointer argument follows the "Pointers" rule in the
/// Conventions at the top of seawall.h.
#[no_mangle]
pub unsafe extern "C" fn seawall_keyed_token_bucket_reserve(
    limiter: *const seawall_keyed_token_bucket,
    key: *const u8,
    key_len: usize,
    n: u64,
    max_wait_ns: u64,
    out: *mut seawall_decision,
    out_wait: *mut *mut seawall_limiter_wait,
) -> seawall_status {
    ffi_boundary!([limiter, key, out, out_wait] {
        let l = &ffi_ref!(limiter).0;
        let k = ffi_slice!(key, key_len);
        let r = l.reserve(k, n, Duration::from_nanos(max_wait_ns));
        crate::events::refused(addr_of(l), Some(k), &r);
        ffi_pass!(reserved(addr_of(l), Some(k), r, out, out_wait))
    })
}

/// Takes `n` tokens from the key's bucket `key[0..key_len)`, blocking the
/// calling thread up to `timeout_ns` (on the limiter's clock) in the key's
/// FIFO order; refused at once, without sleeping, when they would come
/// later. Thread-safe. Returns `SEAWALL_OK` (`*out` holds the granted
/// decision), `SEAWALL_RATE_LIMITED` (`*out` has `allowed` false and
/// `retry_after_ns`), `SEAWALL_INVALID_ARGUMENT` (`n`) or
/// `SEAWALL_NULL_ARGUMENT`.
///
/// # Safety
/// Every pointer argument follows the "Pointers" rule in the
/// Conventions at the top of seawall.h.
#[no_mangle]
pub unsafe extern "C" fn seawall_keyed_token_bucket_acquire_wait(
    limiter: *const seawall_keyed_token_bucket,
    key: *const u8,
    key_len: usize,
    n: u64,
    timeout_ns: u64,
    out: *mut seawall_decision,
) -> seawall_status {
    ffi_boundary!([limiter, key, out] {
        let l = &ffi_ref!(limiter).0;
        let k = ffi_slice!(key, key_len);
        let r = l.acquire(k, n, Duration::from_nanos(timeout_ns));
        crate::events::denied(addr_of(l), Some(k), &r);
        ffi_pass!(waited(r, out))
    })
}

/// Writes the table counters to `*out`. Thread-safe. Returns `SEAWALL_OK`
/// or `SEAWALL_NULL_ARGUMENT`.
/// Set `out->struct_size = sizeof *out` before the call: only that many
/// bytes are written (else `SEAWALL_INVALID_ARGUMENT`, field `struct_size`).
///
/// # Safety
/// Every pointer argument follows the "Pointers" rule in the
/// Conventions at the top of seawall.h.
#[no_mangle]
pub unsafe extern "C" fn seawall_keyed_token_bucket_get_metrics(
    limiter: *const seawall_keyed_token_bucket,
    out: *mut seawall_keyed_metrics,
) -> seawall_status {
    ffi_boundary!([limiter, out] {
        ffi_write_out!(out, keyed_metrics(ffi_ref!(limiter).0.metrics()))
    })
}

/// Creates a keyed sliding window on the monotonic clock and writes it to
/// `*out`. `config` is read, not kept. The caller owns `*out` and frees it
/// with `seawall_keyed_sliding_window_free`. Thread-safe. Returns `SEAWALL_OK`,
/// `SEAWALL_INVALID_CONFIG` or `SEAWALL_NULL_ARGUMENT`.
///
/// # Safety
/// Every pointer argument follows the "Pointers" rule in the
/// Conventions at the top of seawall.h.
#[no_mangle]
pub unsafe extern "C" fn seawall_keyed_sliding_window_new(
    config: *const seawall_keyed_sliding_window_config,
    out: *mut *mut seawall_keyed_sliding_window,
) -> seawall_status {
    ffi_boundary!([config, out] { ffi_pass!(ksw_new(config, ClockSource::Monotonic, out)) })
}

/// Like `seawall_keyed_sliding_window_new`, on `clock`. The caller owns `*out` and frees
/// it with `seawall_keyed_sliding_window_free`. Thread-safe. Returns
/// `SEAWALL_OK`, `SEAWALL_INVALID_CONFIG` or `SEAWALL_NULL_ARGUMENT`.
///
/// # Safety
/// Every pointer argument follows the "Pointers" rule in the
/// Conventions at the top of seawall.h.
#[no_mangle]
pub unsafe extern "C" fn seawall_keyed_sliding_window_new_with_clock(
    config: *const seawall_keyed_sliding_window_config,
    clock: *const seawall_manual_clock,
    out: *mut *mut seawall_keyed_sliding_window,
) -> seawall_status {
    ffi_boundary!([config, clock, out] { ffi_pass!(ksw_new(config, clock_source(ffi_ref!(clock)), out)) })
}

/// Frees a keyed sliding window. NULL is a no-op. Not thread-safe: must not race other calls on it.
///
/// # Safety
/// Every pointer argument follows the "Pointers" rule in the
/// Conventions at the top of seawall.h.
#[no_mangle]
pub unsafe extern "C" fn seawall_keyed_sliding_window_free(
    limiter: *mut seawall_keyed_sliding_window,
) {
    ffi_value!((), { ffi_free_handle!(limiter) })
}

/// Counts `n` requests in the window of the key `key[0..key_len)` (`key`
/// must not be NULL even when `key_len` is 0) and writes the decision to
/// `*out`. Thread-safe. Returns `SEAWALL_OK`, `SEAWALL_INVALID_ARGUMENT`
/// or `SEAWALL_NULL_ARGUMENT`.
///
/// # Safety
/// Every pointer argument follows the "Pointers" rule in the
/// Conventions at the top of seawall.h.
#[no_mangle]
pub unsafe extern "C" fn seawall_keyed_sliding_window_try_acquire(
    limiter: *const seawall_keyed_sliding_window,
    key: *const u8,
    key_len: usize,
    n: u64,
    out: *mut seawall_decision,
) -> seawall_status {
    ffi_boundary!([limiter, key, out] {
        let l = &ffi_ref!(limiter).0;
        let k = ffi_slice!(key, key_len);
        let r = l.try_acquire(k, n);
        crate::events::denied(addr_of(l), Some(k), &r);
        ffi_pass!(decide(r, out))
    })
}

/// Writes to `*out` what `seawall_keyed_sliding_window_try_acquire` would answer
/// now for the key `key[0..key_len)`, without spending anything and without
/// inserting the key (for rate-limit headers; an untracked key gets a fresh
/// window's answer, or the table-full answer when it would find no slot).
/// Thread-safe. Returns `SEAWALL_OK`, `SEAWALL_INVALID_ARGUMENT` (`n`) or
/// `SEAWALL_NULL_ARGUMENT`.
///
/// # Safety
/// Every pointer argument follows the "Pointers" rule in the
/// Conventions at the top of seawall.h.
#[no_mangle]
pub unsafe extern "C" fn seawall_keyed_sliding_window_peek(
    limiter: *const seawall_keyed_sliding_window,
    key: *const u8,
    key_len: usize,
    n: u64,
    out: *mut seawall_decision,
) -> seawall_status {
    ffi_boundary!([limiter, key, out] {
        ffi_pass!(decide(ffi_ref!(limiter).0.peek(ffi_slice!(key, key_len), n), out))
    })
}

/// Gives back `n` requests to the key's window. Thread-safe. Returns
/// `SEAWALL_OK` or `SEAWALL_NULL_ARGUMENT`.
///
/// # Safety
/// Every pointer argument follows the "Pointers" rule in the
/// Conventions at the top of seawall.h.
#[no_mangle]
pub unsafe extern "C" fn seawall_keyed_sliding_window_refund(
    limiter: *const seawall_keyed_sliding_window,
    key: *const u8,
    key_len: usize,
    n: u64,
) -> seawall_status {
    ffi_boundary!([limiter, key] {
        ffi_ref!(limiter).0.refund(ffi_slice!(key, key_len), n);
        seawall_status::SEAWALL_OK
    })
}

/// Takes `n` requests in the key's window `key[0..key_len)` now, or
/// queues for them in the key's FIFO order if they are due at most
/// `max_wait_ns` away (spec/keyed.md, "Waiting acquires"). Never blocks.
/// Outputs as `seawall_token_bucket_reserve`: `SEAWALL_OK` with `*out_wait`
/// NULL (granted now, `*out` holds the decision) or non-NULL (waiting: the
/// caller owns `*out_wait`, claims it with `seawall_limiter_wait_try_claim`
/// or `seawall_limiter_wait_wait` and frees it with
/// `seawall_limiter_wait_free`); `SEAWALL_RATE_LIMITED` when they come later
/// than `max_wait_ns` or a new key finds no slot (`on_full` deny; nothing
/// taken, `*out` has `retry_after_ns`). Each call counts once in the
/// metrics. Thread-safe. Also returns `SEAWALL_INVALID_ARGUMENT` (`n`) or
/// `SEAWALL_NULL_ARGUMENT`.
///
/// # Safety
/// Every pointer argument follows the "Pointers" rule in the
/// Conventions at the top of seawall.h.
#[no_mangle]
pub unsafe extern "C" fn seawall_keyed_sliding_window_reserve(
    limiter: *const seawall_keyed_sliding_window,
    key: *const u8,
    key_len: usize,
    n: u64,
    max_wait_ns: u64,
    out: *mut seawall_decision,
    out_wait: *mut *mut seawall_limiter_wait,
) -> seawall_status {
    ffi_boundary!([limiter, key, out, out_wait] {
        let l = &ffi_ref!(limiter).0;
        let k = ffi_slice!(key, key_len);
        let r = l.reserve(k, n, Duration::from_nanos(max_wait_ns));
        crate::events::refused(addr_of(l), Some(k), &r);
        ffi_pass!(reserved(addr_of(l), Some(k), r, out, out_wait))
    })
}

/// Takes `n` requests in the key's window `key[0..key_len)`, blocking the
/// calling thread up to `timeout_ns` (on the limiter's clock) in the key's
/// FIFO order; refused at once, without sleeping, when they would come
/// later. Thread-safe. Returns `SEAWALL_OK` (`*out` holds the granted
/// decision), `SEAWALL_RATE_LIMITED` (`*out` has `allowed` false and
/// `retry_after_ns`), `SEAWALL_INVALID_ARGUMENT` (`n`) or
/// `SEAWALL_NULL_ARGUMENT`.
///
/// # Safety
/// Every pointer argument follows the "Pointers" rule in the
/// Conventions at the top of seawall.h.
#[no_mangle]
pub unsafe extern "C" fn seawall_keyed_sliding_window_acquire_wait(
    limiter: *const seawall_keyed_sliding_window,
    key: *const u8,
    key_len: usize,
    n: u64,
    timeout_ns: u64,
    out: *mut seawall_decision,
) -> seawall_status {
    ffi_boundary!([limiter, key, out] {
        let l = &ffi_ref!(limiter).0;
        let k = ffi_slice!(key, key_len);
        let r = l.acquire(k, n, Duration::from_nanos(timeout_ns));
        crate::events::denied(addr_of(l), Some(k), &r);
        ffi_pass!(waited(r, out))
    })
}

/// Writes the table counters to `*out`. Thread-safe. Returns `SEAWALL_OK`
/// or `SEAWALL_NULL_ARGUMENT`.
/// Set `out->struct_size = sizeof *out` before the call: only that many
/// bytes are written (else `SEAWALL_INVALID_ARGUMENT`, field `struct_size`).
///
/// # Safety
/// Every pointer argument follows the "Pointers" rule in the
/// Conventions at the top of seawall.h.
#[no_mangle]
pub unsafe extern "C" fn seawall_keyed_sliding_window_get_metrics(
    limiter: *const seawall_keyed_sliding_window,
    out: *mut seawall_keyed_metrics,
) -> seawall_status {
    ffi_boundary!([limiter, out] {
        ffi_write_out!(out, keyed_metrics(ffi_ref!(limiter).0.metrics()))
    })
}
