//! `Bulkhead`: permits and queued waiters live in per-thread slabs and cross
//! to JS as integer ids. The JS layer never blocks: it enqueues, and after
//! each release it lets its oldest waiters `claim` (the core hands a freed
//! slot to the oldest waiter), with a timer per waiter for the deadline.

use crate::clock::{source, ManualClock};
use crate::conf::{duration_ms, Opts};
use crate::error;
use crate::ffi::{RawFn, Slab, ValSlab};
use napi::bindgen_prelude::Object;
use napi::Result;
use napi_derive::napi;
use seawall::bulkhead::{self as bh, Admission, OwnedPermit, OwnedWaiter};
use std::cell::RefCell;
use std::ffi::CStr;
use std::panic::AssertUnwindSafe;
use std::rc::Rc;
use std::sync::Arc;

/// This module's registry: the bulkheads raw hot calls reach by id, and
/// the permits and queued waiters handed to JS as ids (shared with the
/// policy, whose bulkhead step hands out the same ids).
#[derive(Default)]
pub struct Registry {
    pub bulkheads: RefCell<Slab<bh::Bulkhead>>,
    pub bh_permits: RefCell<ValSlab<OwnedPermit>>,
    pub bh_waiters: RefCell<ValSlab<OwnedWaiter>>,
}

crate::thread_ctx!(Registry);

fn store_permit(hot: &Hot, p: OwnedPermit) -> f64 {
    hot.bh_permits.borrow_mut().insert(p) as f64
}

fn with<R>(hot: &Hot, id: Option<u32>, missing: R, f: impl FnOnce(&Arc<bh::Bulkhead>) -> R) -> R {
    let slab = hot.bulkheads.borrow();
    match id.and_then(|id| slab.get(id)) {
        Some(b) => f(b),
        None => missing,
    }
}

/// The answers of `bhTry`, `bulkheadEnqueue` and `bhClaim` besides a permit
/// id (>= 0), read by JS from `protocol()`: refused (full; also an unknown
/// bulkhead).
pub const FULL: f64 = -1.0;
/// `bulkheadEnqueue`: queued, as `QUEUED - waiterId`.
pub const QUEUED: f64 = -2.0;
/// `bhClaim`: still waiting.
pub const WAITING: f64 = -1.0;
/// `bhClaim`: an unknown waiter.
pub const UNKNOWN_WAITER: f64 = -2.0;
/// `bhClaim`: still waiting under a new id, as `MOVED - newId`.
pub const MOVED: f64 = -3.0;

/// A permit id (>= 0) or [`FULL`] (never waits; refused while anyone queues).
#[napi(catch_unwind)]
pub fn bh_try(id: u32) -> f64 {
    let hot = hot();
    with(&hot, Some(id), FULL, |b| match b.try_acquire_owned() {
        Ok(p) => store_permit(&hot, p),
        Err(_) => FULL,
    })
}

/// A permit id (>= 0), a waiter as `QUEUED - waiterId`, or [`FULL`] when
/// rejected (queue full).
fn enqueue(hot: &Hot, id: Option<u32>) -> f64 {
    with(hot, id, FULL, |b| match b.enqueue_owned() {
        Ok(Admission::Acquired(p)) => store_permit(hot, p),
        Ok(Admission::Queued(w)) => QUEUED - hot.bh_waiters.borrow_mut().insert(w) as f64,
        Err(_) => FULL,
    })
}

/// Releases a permit; returns whether anyone was queued on its bulkhead
/// (then the JS side lets its waiters claim), when `ask`ed (the JS side
/// asks only while it has waiters: without, a drain would do nothing).
/// False for an unknown id.
fn release(hot: &Hot, permit: Option<u32>, ask: bool) -> bool {
    // Taken out first: the slab is not borrowed while the permit drops.
    let taken = permit.and_then(|p| hot.bh_permits.borrow_mut().take(p));
    match taken {
        Some(p) => {
            // Anyone queued before the release may have been handed the slot.
            let queued = ask && p.bulkhead().metrics().queued > 0;
            drop(p);
            queued
        }
        None => false,
    }
}

crate::hot_fn! {
    /// `bulkheadEnqueue()`: scratch in: [0] the bulkhead id; out: [0] the answer of
    /// [`enqueue`] ([`FULL`] for an unknown id).
    fn bulkhead_enqueue(h: Hot) {
        h.put(0, enqueue(h, h.id_arg(0)));
    }
}

crate::hot_fn! {
    /// `bulkheadRelease()`: scratch in: [0] the permit id, [1] nonzero to ask
    /// whether anyone was queued; out: [0] 1 when asked and anyone was queued
    /// (see [`release`]), else 0.
    fn bulkhead_release(h: Hot) {
        let ask = h.arg(1) != 0.0;
        h.put(0, f64::from(u8::from(release(h, h.id_arg(0), ask))));
    }
}

/// The raw hot functions of this module (see `ffi`).
pub const HOT_FNS: &[(&CStr, RawFn)] = &[
    (c"bulkheadEnqueue", bulkhead_enqueue),
    (c"bulkheadRelease", bulkhead_release),
];

/// Asks whether waiter `w` has been handed a slot: a permit id, or
/// [`WAITING`], [`UNKNOWN_WAITER`], or `MOVED - newId` (see [`MOVED`]).
#[napi(catch_unwind)]
pub fn bh_claim(w: u32) -> f64 {
    let hot = hot();
    let taken = hot.bh_waiters.borrow_mut().take(w);
    let Some(waiter) = taken else {
        return UNKNOWN_WAITER;
    };
    match waiter.try_claim() {
        Ok(p) => store_permit(&hot, p),
        Err(waiter) => {
            // Put it back under a fresh id is not allowed (ids are the JS
            // handle): reinsert and check that the slab gave the same id.
            let again = hot.bh_waiters.borrow_mut().insert(waiter);
            if again == w {
                WAITING
            } else {
                // Cannot happen (the freed id is reused first); keep the
                // waiter reachable rather than lose its place.
                MOVED - again as f64
            }
        }
    }
}

/// Cancels a waiter (leaves the queue; a slot already handed to it moves on).
#[napi(catch_unwind)]
pub fn bh_cancel(w: u32) -> bool {
    // Taken out first: the slab is not borrowed while the waiter drops.
    let taken = hot().bh_waiters.borrow_mut().take(w);
    taken.is_some()
}

/// Bulkhead counters.
#[napi(object)]
pub struct BulkheadMetrics {
    pub active: f64,
    pub queued: f64,
    pub total: f64,
    pub rejected: f64,
    pub max_concurrent: f64,
    pub max_queue: f64,
}

#[napi(js_name = "NativeBulkhead")]
pub struct Bulkhead {
    pub(crate) inner: AssertUnwindSafe<Arc<bh::Bulkhead>>,
    id: u32,
    max_wait_ms: f64,
    hot: AssertUnwindSafe<Rc<Hot>>,
}

impl Drop for Bulkhead {
    fn drop(&mut self) {
        self.hot.bulkheads.borrow_mut().remove(self.id);
    }
}

#[napi]
impl Bulkhead {
    #[napi(constructor, catch_unwind)]
    pub fn new(options: Option<Object>, clock: Option<&ManualClock>) -> Result<Self> {
        let o = Opts::new(options);
        let d = bh::BulkheadConfig::default();
        let cfg = bh::BulkheadConfig {
            max_concurrent: o
                .uint("maxConcurrent", "max_concurrent")?
                .unwrap_or(d.max_concurrent),
            max_queue: o.uint("maxQueue", "max_queue")?.unwrap_or(d.max_queue),
            max_wait: o
                .duration_ms("maxWaitMs", "max_wait")?
                .unwrap_or(d.max_wait),
        };
        let b = match crate::region::region_of(&o)? {
            Some((r, n)) => bh::Bulkhead::in_region_with_clock(cfg, source(clock), &r, &n),
            None => bh::Bulkhead::with_clock(cfg, source(clock)),
        }
        .map_err(|e| o.core_error(&e))?;
        let inner = Arc::new(b);
        let hot = hot();
        let id = hot.bulkheads.borrow_mut().insert(Arc::clone(&inner));
        Ok(Self {
            inner: AssertUnwindSafe(inner),
            id,
            max_wait_ms: duration_ms(cfg.max_wait),
            hot: AssertUnwindSafe(hot),
        })
    }

    #[napi(getter, catch_unwind)]
    pub fn id(&self) -> u32 {
        self.id
    }

    #[napi(getter, catch_unwind)]
    pub fn max_wait_ms(&self) -> f64 {
        self.max_wait_ms
    }

    #[napi(catch_unwind)]
    pub fn metrics(&self) -> BulkheadMetrics {
        let m = self.inner.metrics();
        BulkheadMetrics {
            active: m.active as f64,
            queued: m.queued as f64,
            total: m.total as f64,
            rejected: m.rejected as f64,
            max_concurrent: m.max_concurrent as f64,
            max_queue: m.max_queue as f64,
        }
    }
}

/// Checks a permit/waiter id argument from JS.
pub fn id_arg(field: &str, v: f64) -> Result<u32> {
    if v.is_finite() && v >= 0.0 && v.fract() == 0.0 && v <= f64::from(u32::MAX) {
        Ok(v as u32)
    } else {
        Err(error::argument(field, "is not a valid id"))
    }
}
