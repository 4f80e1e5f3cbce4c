//! Bulkhead: `seawall_bulkhead`, its permits and its FIFO waiters.

use crate::boundary::fail;
use crate::clock::{clock_source, seawall_manual_clock};
use crate::config::{own_size, Versioned};
use crate::status::seawall_status;
use seawall::bulkhead::{Admission, Bulkhead, BulkheadConfig, OwnedPermit, OwnedWaiter};
use seawall::clock::{duration_to_ns, Clock, ClockSource};
use std::mem::offset_of;
use std::sync::Arc;
use std::time::Duration;

/// Configuration of a bulkhead; fill it with `seawall_bulkhead_config_default()`.
///
/// | field | default | rule |
/// |---|---|---|
/// | max_concurrent | 25 | 1..=4294967295 calls in flight at once |
/// | max_queue | 0 | 0..=4294967295 callers waiting (FIFO); 0 = nobody waits |
/// | max_wait_ns | 0 | ≤ 100 years: the wait of `seawall_bulkhead_acquire_default` |
#[repr(C)]
#[derive(Debug, Clone, Copy)]
pub struct seawall_bulkhead_config {
    /// Set by `seawall_bulkhead_config_init` to the caller's `sizeof`: the bytes of this
    /// struct the library reads (fields beyond keep their defaults).
    pub struct_size: u32,
    /// Calls allowed in flight at once.
    pub max_concurrent: u64,
    /// Callers allowed to wait for a slot.
    pub max_queue: u64,
    /// The default wait.
    pub max_wait_ns: u64,
}

/// A snapshot of a bulkhead's counters.
#[repr(C)]
#[derive(Debug, Clone, Copy, Default)]
pub struct seawall_bulkhead_metrics {
    /// The caller's `sizeof` of this struct, set before the call: the
    /// library writes only that many bytes (an older, shorter struct gets
    /// the fields it has; fields it does not know, a newer one gets as 0).
    pub struct_size: u32,
    /// Slots held now.
    pub active: u64,
    /// Waiters in the queue now.
    pub queued: u64,
    /// Permits granted since creation.
    pub total: u64,
    /// Requests refused since creation (full, queue full, wait ran out, abandoned).
    pub rejected: u64,
    /// The configured max_concurrent.
    pub max_concurrent: u64,
    /// The configured max_queue.
    pub max_queue: u64,
}

// SAFETY: repr(C), `struct_size: u32` first.
unsafe impl crate::config::VersionedOut for seawall_bulkhead_metrics {
    const PREFIXES: &'static [usize] = &[
        offset_of!(seawall_bulkhead_metrics, active),
        offset_of!(seawall_bulkhead_metrics, queued),
        offset_of!(seawall_bulkhead_metrics, total),
        offset_of!(seawall_bulkhead_metrics, rejected),
        offset_of!(seawall_bulkhead_metrics, max_concurrent),
        offset_of!(seawall_bulkhead_metrics, max_queue),
    ];
}

/// A concurrency limiter. Opaque; thread-safe.
pub struct seawall_bulkhead(pub(crate) Arc<Bulkhead>, ClockSource);

/// One slot of a bulkhead, held until `seawall_bulkhead_release(&permit)`.
/// Opaque. It keeps the bulkhead alive: it may be released after the
/// bulkhead handle was freed, and from any thread, once (release writes
/// NULL to the caller's pointer, so releasing it again returns
/// `SEAWALL_INVALID_ARGUMENT`).
///
/// No allocation per permit: the pointer is the bulkhead's own reference
/// count handle (`Arc::into_raw` of a detached core permit), so taking and
/// giving back a slot is two atomic operations on the slot count plus two
/// on the reference count.
pub struct seawall_bulkhead_permit {
    _opaque: [u8; 0],
}

/// A core permit as a C handle (no allocation).
fn permit_handle(p: OwnedPermit) -> *mut seawall_bulkhead_permit {
    Arc::into_raw(p.detach()).cast_mut().cast()
}

/// A place in a bulkhead's FIFO queue (from `seawall_bulkhead_enqueue`).
/// Opaque; use it from one thread at a time; free it with
/// `seawall_bulkhead_waiter_free` (which leaves the queue if still waiting).
pub struct seawall_bulkhead_waiter(
    Option<OwnedWaiter>,
    /// The bulkhead's address, for a refusal event when the wait runs out.
    usize,
);

// SAFETY: repr(C), `struct_size: u32` first, no bool / enum / reference field.
unsafe impl Versioned for seawall_bulkhead_config {
    const INIT: &'static str = "seawall_bulkhead_config_init";
    const PREFIXES: &'static [usize] = &[
        offset_of!(seawall_bulkhead_config, max_concurrent),
        offset_of!(seawall_bulkhead_config, max_queue),
        offset_of!(seawall_bulkhead_config, max_wait_ns),
    ];
    fn defaults() -> Self {
        let d = BulkheadConfig::default();
        seawall_bulkhead_config {
            struct_size: own_size::<seawall_bulkhead_config>(),
            max_concurrent: d.max_concurrent,
            max_queue: d.max_queue,
            max_wait_ns: duration_to_ns(d.max_wait),
        }
    }
}

/// Fills `*config` with the defaults (see `seawall_bulkhead_config`): writes
/// `size` bytes, which must be `sizeof *config`, and sets `struct_size` to
/// it. The header's `seawall_bulkhead_config_default()` does the same. Thread-safe.
/// Returns `SEAWALL_OK`, `SEAWALL_INVALID_ARGUMENT` (`size` is no layout
/// of the struct: below `SEAWALL_CONFIG_MIN_SIZE`, or cutting a field) or
/// `SEAWALL_NULL_ARGUMENT`.
///
/// # Safety
/// Every pointer argument follows the "Pointers" rule in the
/// Conventions at the top of seawall.h.
#[no_mangle]
pub unsafe extern "C" fn seawall_bulkhead_config_init(
    config: *mut seawall_bulkhead_config,
    size: usize,
) -> seawall_status {
    ffi_boundary!([config] { ffi_config_init!(config, size) })
}

/// # Safety
/// Its pointers are checked parameters of the calling `extern "C" fn`
/// (the contract in `ffi.rs`).
unsafe fn bh_new(
    config: *const seawall_bulkhead_config,
    clock: ClockSource,
    out: *mut *mut seawall_bulkhead,
) -> seawall_status {
    let c = match ffi_config!(config) {
        Ok(c) => c,
        Err(e) => return fail(e),
    };
    let cfg = BulkheadConfig {
        max_concurrent: c.max_concurrent,
        max_queue: c.max_queue,
        max_wait: Duration::from_nanos(c.max_wait_ns),
    };
    match Bulkhead::with_clock(cfg, clock.clone()) {
        Ok(b) => {
            ffi_new_handle!(out, seawall_bulkhead(Arc::new(b), clock));
            seawall_status::SEAWALL_OK
        }
        Err(e) => fail(e),
    }
}

/// Creates (first process) or attaches to (later ones) the bulkhead
/// `name` in `region` and writes it to `*out`: one limit on calls in
/// flight across every process that does so. Needs `max_queue == 0`. The
/// permits of a process that dies holding them come back (at a refused
/// acquire, at most every 100 ms). `config` is read, not kept. The caller
/// owns `*out` and frees it with `seawall_bulkhead_free`. Thread-safe.
/// Returns `SEAWALL_OK`, `SEAWALL_INVALID_CONFIG` (also for another config
/// than the region's, naming the field), `SEAWALL_INVALID_ARGUMENT`
/// (`name`), `SEAWALL_SHARED_REGION` (the region is full) or
/// `SEAWALL_NULL_ARGUMENT`.
///
/// # Safety
/// Every pointer argument follows the "Pointers" rule in the
/// Conventions at the top of seawall.h.
#[cfg(unix)]
#[no_mangle]
pub unsafe extern "C" fn seawall_bulkhead_new_in_region(
    config: *const seawall_bulkhead_config,
    region: *const crate::region::seawall_region,
    name: *const std::os::raw::c_char,
    out: *mut *mut seawall_bulkhead,
) -> seawall_status {
    ffi_boundary!([config, region, name, out] {
        let built = ffi_config!(config).and_then(|c| {
            let (r, n) = ffi_pass!(crate::region::region_and_name(region, name))?;
            let cfg = BulkheadConfig {
                max_concurrent: c.max_concurrent,
                max_queue: c.max_queue,
                max_wait: Duration::from_nanos(c.max_wait_ns),
            };
            Bulkhead::in_region(cfg, r, n)
        });
        match built {
            Ok(b) => {
                ffi_new_handle!(out, seawall_bulkhead(Arc::new(b), ClockSource::Monotonic));
                seawall_status::SEAWALL_OK
            }
            Err(e) => fail(e),
        }
    })
}

/// Like `seawall_bulkhead_new_in_region`, on `clock` (for tests: the
/// conformance vectors run against region-backed instances this way).
/// Every process attached to the same `name` must use the same clock.
/// The caller owns `*out` and frees it with `seawall_bulkhead_free`.
/// Thread-safe. Returns `SEAWALL_OK`, `SEAWALL_INVALID_CONFIG` (also for
/// another config than the region's, naming the field),
/// `SEAWALL_INVALID_ARGUMENT` (`name`), `SEAWALL_SHARED_REGION` (the region
/// is full) or `SEAWALL_NULL_ARGUMENT` (as `seawall_bulkhead_new_in_region`).
///
/// # Safety
/// Every pointer argument follows the "Pointers" rule in the
/// Conventions at the top of seawall.h.
#[cfg(unix)]
#[no_mangle]
pub unsafe extern "C" fn seawall_bulkhead_new_in_region_with_clock(
    config: *const seawall_bulkhead_config,
    clock: *const seawall_manual_clock,
    region: *const crate::region::seawall_region,
    name: *const std::os::raw::c_char,
    out: *mut *mut seawall_bulkhead,
) -> seawall_status {
    ffi_boundary!([config, clock, region, name, out] {
        let built = ffi_config!(config).and_then(|c| {
            let (r, n) = ffi_pass!(crate::region::region_and_name(region, name))?;
            let cfg = BulkheadConfig {
                max_concurrent: c.max_concurrent,
                max_queue: c.max_queue,
                max_wait: Duration::from_nanos(c.max_wait_ns),
            };
            Bulkhead::in_region_with_clock(cfg, clock_source(ffi_ref!(clock)), r, n)
        });
        match built {
            Ok(b) => {
                ffi_new_handle!(out, seawall_bulkhead(Arc::new(b), clock_source(ffi_ref!(clock))));
                seawall_status::SEAWALL_OK
            }
            Err(e) => fail(e),
        }
    })
}

/// Creates a bulkhead on the monotonic clock and writes it to `*out`.
/// `config` is read, not kept. The caller owns `*out` and frees it with
/// `seawall_bulkhead_free`. Thread-safe. Returns `SEAWALL_OK`, `SEAWALL_INVALID_CONFIG`
/// (naming `max_concurrent`, `max_queue` or `max_wait_ns`) or
/// `SEAWALL_NULL_ARGUMENT`.
///
/// # Safety
/// Every pointer argument follows the "Pointers" rule in the
/// Conventions at the top of seawall.h.
#[no_mangle]
pub unsafe extern "C" fn seawall_bulkhead_new(
    config: *const seawall_bulkhead_config,
    out: *mut *mut seawall_bulkhead,
) -> seawall_status {
    ffi_boundary!([config, out] { ffi_pass!(bh_new(config, ClockSource::Monotonic, out)) })
}

/// Like `seawall_bulkhead_new`, on `clock`: blocking waits then end when
/// the manual clock passes their deadline (a waiter re-reads it every
/// millisecond of real time, so another thread advances it). The caller
/// owns `*out` and frees it with `seawall_bulkhead_free`. Thread-safe. Returns
/// `SEAWALL_OK`, `SEAWALL_INVALID_CONFIG` or `SEAWALL_NULL_ARGUMENT`.
///
/// # Safety
/// Every pointer argument follows the "Pointers" rule in the
/// Conventions at the top of seawall.h.
#[no_mangle]
pub unsafe extern "C" fn seawall_bulkhead_new_with_clock(
    config: *const seawall_bulkhead_config,
    clock: *const seawall_manual_clock,
    out: *mut *mut seawall_bulkhead,
) -> seawall_status {
    ffi_boundary!([config, clock, out] { ffi_pass!(bh_new(config, clock_source(ffi_ref!(clock)), out)) })
}

/// Frees a bulkhead handle. NULL is a no-op. Permits and waiters still
/// held keep the bulkhead alive until they are released / freed. Freeing
/// a handle twice is undefined behaviour, as for `free()`. Not
/// thread-safe: must not race other calls on the same handle.
///
/// # Safety
/// Every pointer argument follows the "Pointers" rule in the
/// Conventions at the top of seawall.h.
#[no_mangle]
pub unsafe extern "C" fn seawall_bulkhead_free(bulkhead: *mut seawall_bulkhead) {
    ffi_value!((), { ffi_free_handle!(bulkhead) })
}

/// # Safety
/// Its pointers are checked parameters of the calling `extern "C" fn`
/// (the contract in `ffi.rs`).
unsafe fn permit_out(
    addr: usize,
    r: seawall::Result<OwnedPermit>,
    out: *mut *mut seawall_bulkhead_permit,
) -> seawall_status {
    crate::events::refused(addr, None, &r);
    match r {
        Ok(p) => {
            ffi_write!(out, permit_handle(p));
            seawall_status::SEAWALL_OK
        }
        Err(e) => fail(e),
    }
}

/// Takes a slot if one is free and nobody waits; never blocks. On
/// `SEAWALL_OK` writes a permit to `*out_permit`: give it back with
/// `seawall_bulkhead_release`. Thread-safe (lock-free). Returns
/// `SEAWALL_OK`, `SEAWALL_BULKHEAD_FULL` or `SEAWALL_NULL_ARGUMENT`.
///
/// # Safety
/// Every pointer argument follows the "Pointers" rule in the
/// Conventions at the top of seawall.h.
#[no_mangle]
pub unsafe extern "C" fn seawall_bulkhead_try_acquire(
    bulkhead: *const seawall_bulkhead,
    out_permit: *mut *mut seawall_bulkhead_permit,
) -> seawall_status {
    ffi_boundary!([bulkhead, out_permit] {
        let b = &ffi_ref!(bulkhead).0;
        match b.try_acquire() {
            Ok(p) => {
                // The slot travels with the C permit: forgetting the
                // borrowed guard keeps it taken (it holds nothing else),
                // and the permit's strong count is this one clone. This is
                // what `try_acquire_owned()` + `detach()` produce, with one
                // atomic refcount add instead of three (clone, clone, drop).
                std::mem::forget(p);
                ffi_write!(out_permit, Arc::into_raw(Arc::clone(b)).cast_mut().cast());
                seawall_status::SEAWALL_OK
            }
            Err(e) => {
                if seawall::events::any() {
                    crate::events::report_refusal(crate::events::addr_of(b), &e);
                }
                fail(e)
            }
        }
    })
}

/// Takes a slot, blocking the calling thread up to `timeout_ns` in the FIFO
/// queue when the bulkhead is full (measured on the bulkhead's clock).
/// Returns at once when a slot is free; rejects at once when the queue is
/// full, `max_queue` is 0 or `timeout_ns` is 0. Thread-safe. Returns
/// `SEAWALL_OK` (permit in `*out_permit`), `SEAWALL_BULKHEAD_FULL` (queue
/// full, or the wait ran out) or `SEAWALL_NULL_ARGUMENT`.
///
/// # Safety
/// Every pointer argument follows the "Pointers" rule in the
/// Conventions at the top of seawall.h.
#[no_mangle]
pub unsafe extern "C" fn seawall_bulkhead_acquire(
    bulkhead: *const seawall_bulkhead,
    timeout_ns: u64,
    out_permit: *mut *mut seawall_bulkhead_permit,
) -> seawall_status {
    ffi_boundary!([bulkhead, out_permit] {
        let b = &ffi_ref!(bulkhead).0;
        ffi_pass!(permit_out(
            crate::events::addr_of(b),
            b.acquire_owned(Duration::from_nanos(timeout_ns)),
            out_permit,
        ))
    })
}

/// `seawall_bulkhead_acquire` until an absolute `deadline_ns` on the
/// bulkhead's clock (`seawall_monotonic_now_ns()` time, or the manual
/// clock's), so one deadline can bound several stages of a call; a deadline
/// already past rejects at once unless a slot is free. The caller owns the
/// permit and gives it back with `seawall_bulkhead_release`. Thread-safe.
/// Returns `SEAWALL_OK`, `SEAWALL_BULKHEAD_FULL` or `SEAWALL_NULL_ARGUMENT`.
///
/// # Safety
/// Every pointer argument follows the "Pointers" rule in the
/// Conventions at the top of seawall.h.
#[no_mangle]
pub unsafe extern "C" fn seawall_bulkhead_acquire_until(
    bulkhead: *const seawall_bulkhead,
    deadline_ns: u64,
    out_permit: *mut *mut seawall_bulkhead_permit,
) -> seawall_status {
    ffi_boundary!([bulkhead, out_permit] {
        let b = ffi_ref!(bulkhead);
        let timeout = deadline_ns.saturating_sub(b.1.now_ns());
        ffi_pass!(permit_out(
            crate::events::addr_of(&b.0),
            b.0.acquire_owned(Duration::from_nanos(timeout)),
            out_permit,
        ))
    })
}

/// `seawall_bulkhead_acquire` with the configured `max_wait_ns`; the
/// caller owns the permit and gives it back with `seawall_bulkhead_release`.
/// Thread-safe. Returns `SEAWALL_OK`, `SEAWALL_BULKHEAD_FULL` or
/// `SEAWALL_NULL_ARGUMENT`.
///
/// # Safety
/// Every pointer argument follows the "Pointers" rule in the
/// Conventions at the top of seawall.h.
#[no_mangle]
pub unsafe extern "C" fn seawall_bulkhead_acquire_default(
    bulkhead: *const seawall_bulkhead,
    out_permit: *mut *mut seawall_bulkhead_permit,
) -> seawall_status {
    ffi_boundary!([bulkhead, out_permit] {
        let b = &ffi_ref!(bulkhead).0;
        ffi_pass!(permit_out(
            crate::events::addr_of(b),
            b.acquire_owned(b.config().max_wait),
            out_permit,
        ))
    })
}

/// Gives the slot of the permit `*permit` back (to the oldest waiter if
/// anyone waits), frees the permit and writes NULL to `*permit`, so a
/// second release through the same variable is refused, not a double free.
/// Any thread, one call at a time per permit. Returns `SEAWALL_OK`,
/// `SEAWALL_INVALID_ARGUMENT` (field `permit`: `*permit` is NULL, released
/// already or never acquired; nothing happens, so cleanup paths may ignore
/// it) or `SEAWALL_NULL_ARGUMENT` (`permit`). A copy of a permit pointer
/// released after the original is undefined behaviour, like `free()`.
///
/// # Safety
/// Every pointer argument follows the "Pointers" rule in the
/// Conventions at the top of seawall.h.
#[no_mangle]
pub unsafe extern "C" fn seawall_bulkhead_release(
    permit: *mut *mut seawall_bulkhead_permit,
) -> seawall_status {
    ffi_boundary!([permit] {
        let p = std::mem::replace(ffi_mut!(permit), std::ptr::null_mut());
        if p.is_null() {
            return fail(seawall::Error::argument(
                "permit",
                "is not live: already released, or never acquired",
            ));
        }
        // SAFETY: a non-NULL permit is an `Arc::into_raw` made by
        // `permit_handle` or `try_acquire`; NULL is written back first, so
        // this variable cannot release it twice.
        let arc = unsafe { Arc::from_raw(p.cast_const().cast::<Bulkhead>()) };
        drop(OwnedPermit::reattach(arc));
        seawall_status::SEAWALL_OK
    })
}

/// Takes a slot if possible, else joins the FIFO queue without blocking.
/// On `SEAWALL_OK` exactly one of `*out_permit` (a slot was free) and
/// `*out_waiter` (queued: claim it later with
/// `seawall_bulkhead_waiter_try_claim` or `_wait`) is non-NULL; the other is
/// set to NULL. Thread-safe. Returns `SEAWALL_OK`, `SEAWALL_BULKHEAD_FULL`
/// (the queue is full) or `SEAWALL_NULL_ARGUMENT`.
///
/// # Safety
/// Every pointer argument follows the "Pointers" rule in the
/// Conventions at the top of seawall.h.
#[no_mangle]
pub unsafe extern "C" fn seawall_bulkhead_enqueue(
    bulkhead: *const seawall_bulkhead,
    out_permit: *mut *mut seawall_bulkhead_permit,
    out_waiter: *mut *mut seawall_bulkhead_waiter,
) -> seawall_status {
    ffi_boundary!([bulkhead, out_permit, out_waiter] {
        let b = &ffi_ref!(bulkhead).0;
        let r = b.enqueue_owned();
        crate::events::refused(crate::events::addr_of(b), None, &r);
        match r {
            Ok(Admission::Acquired(p)) => {
                ffi_write!(out_permit, permit_handle(p));
                ffi_write!(out_waiter, std::ptr::null_mut());
                seawall_status::SEAWALL_OK
            }
            Ok(Admission::Queued(w)) => {
                ffi_write!(out_permit, std::ptr::null_mut());
                ffi_new_handle!(
                    out_waiter,
                    seawall_bulkhead_waiter(Some(w), crate::events::addr_of(b))
                );
                seawall_status::SEAWALL_OK
            }
            Err(e) => fail(e),
        }
    })
}

/// If a slot has been handed to this waiter, writes its permit to
/// `*out_permit` (the caller owns it; give it back with
/// `seawall_bulkhead_release`; the waiter is then done); otherwise writes NULL (still
/// queued, or already claimed). Does not block. Not thread-safe on
/// `waiter`. Returns `SEAWALL_OK` or `SEAWALL_NULL_ARGUMENT`.
///
/// # Safety
/// Every pointer argument follows the "Pointers" rule in the
/// Conventions at the top of seawall.h.
#[no_mangle]
pub unsafe extern "C" fn seawall_bulkhead_waiter_try_claim(
    waiter: *mut seawall_bulkhead_waiter,
    out_permit: *mut *mut seawall_bulkhead_permit,
) -> seawall_status {
    ffi_boundary!([waiter, out_permit] {
        let slot = &mut ffi_mut!(waiter).0;
        match slot.take().map(OwnedWaiter::try_claim) {
            Some(Ok(p)) => ffi_write!(out_permit, permit_handle(p)),
            Some(Err(w)) => {
                *slot = Some(w);
                ffi_write!(out_permit, std::ptr::null_mut());
            }
            None => ffi_write!(out_permit, std::ptr::null_mut()),
        }
        seawall_status::SEAWALL_OK
    })
}

/// Blocks up to `timeout_ns` for this waiter's slot. `SEAWALL_OK`: the
/// permit is in `*out_permit`. `SEAWALL_BULKHEAD_FULL`: the wait ran out
/// and the waiter left the queue (or it was already claimed or gone). The
/// waiter is done either way; free it. Not thread-safe on `waiter`. Also
/// returns `SEAWALL_NULL_ARGUMENT`.
///
/// # Safety
/// Every pointer argument follows the "Pointers" rule in the
/// Conventions at the top of seawall.h.
#[no_mangle]
pub unsafe extern "C" fn seawall_bulkhead_waiter_wait(
    waiter: *mut seawall_bulkhead_waiter,
    timeout_ns: u64,
    out_permit: *mut *mut seawall_bulkhead_permit,
) -> seawall_status {
    ffi_boundary!([waiter, out_permit] {
        let wt = ffi_mut!(waiter);
        match wt.0.take() {
            Some(w) => ffi_pass!(permit_out(wt.1, w.wait(Duration::from_nanos(timeout_ns)), out_permit)),
            None => fail(seawall::Error::BulkheadFull),
        }
    })
}

/// Frees a waiter; if it is still queued it leaves the queue (a slot
/// already handed to it is passed on). NULL is a no-op. Not thread-safe
/// with other calls on the same waiter.
///
/// # Safety
/// Every pointer argument follows the "Pointers" rule in the
/// Conventions at the top of seawall.h.
#[no_mangle]
pub unsafe extern "C" fn seawall_bulkhead_waiter_free(waiter: *mut seawall_bulkhead_waiter) {
    ffi_value!((), { ffi_free_handle!(waiter) })
}

/// Writes a snapshot of the counters to `*out`. Thread-safe.
/// Returns `SEAWALL_OK` or `SEAWALL_NULL_ARGUMENT`.
/// Set `out->struct_size = sizeof *out` before the call: only that many
/// bytes are written (else `SEAWALL_INVALID_ARGUMENT`, field `struct_size`).
///
/// # Safety
/// Every pointer argument follows the "Pointers" rule in the
/// Conventions at the top of seawall.h.
#[no_mangle]
pub unsafe extern "C" fn seawall_bulkhead_get_metrics(
    bulkhead: *const seawall_bulkhead,
    out: *mut seawall_bulkhead_metrics,
) -> seawall_status {
    ffi_boundary!([bulkhead, out] {
        let m = ffi_ref!(bulkhead).0.metrics();
        ffi_write_out!(out, seawall_bulkhead_metrics {
            struct_size: 0,
            active: m.active,
            queued: m.queued,
            total: m.total,
            rejected: m.rejected,
            max_concurrent: m.max_concurrent,
            max_queue: m.max_queue,
        })
    })
}
