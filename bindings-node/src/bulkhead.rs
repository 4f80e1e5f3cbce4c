//! `Bulkhead`: permits and queued waiters live in per-thread slabs and cross
//! to JS as integer ids. The JS layer never blocks: it enqueues, and after
//! each release it lets its oldest waiters `claim` (the core hands a freed
//! slot to the oldest waiter), with a timer per waiter for the deadline.

use crate::clock::{source, ManualClock};
use crate::conf::{duration_ms, Opts};
use crate::error::tagged;
use crate::handles::ValSlab;
use napi::bindgen_prelude::Object;
use napi::Result;
use napi_derive::napi;
use seawall::bulkhead::{self as bh, Admission, OwnedPermit, OwnedWaiter};
use std::cell::RefCell;
use std::panic::AssertUnwindSafe;
use std::sync::Arc;

crate::registry!(BULKHEADS, bh::Bulkhead);

thread_local! {
    static PERMITS: RefCell<ValSlab<OwnedPermit>> = const { RefCell::new(ValSlab::new()) };
    static WAITERS: RefCell<ValSlab<OwnedWaiter>> = const { RefCell::new(ValSlab::new()) };
}

fn store_permit(p: OwnedPermit) -> f64 {
    PERMITS.with(|s| s.borrow_mut().insert(p)) as f64
}

fn with<R>(id: u32, missing: R, f: impl FnOnce(&Arc<bh::Bulkhead>) -> R) -> R {
    BULKHEADS.with(|r| match r.borrow().get(id) {
        Some(b) => f(b),
        None => missing,
    })
}

/// A permit id (>= 0) or -1 when full (never waits; refused while anyone queues).
#[napi(catch_unwind)]
pub fn bh_try(id: u32) -> f64 {
    with(id, -1.0, |b| match b.try_acquire_owned() {
        Ok(p) => store_permit(p),
        Err(_) => -1.0,
    })
}

/// A permit id (>= 0), a waiter as `-2 - waiterId`, or -1 when rejected
/// (queue full).
#[napi(catch_unwind)]
pub fn bh_enqueue(id: u32) -> f64 {
    with(id, -1.0, |b| match b.enqueue_owned() {
        Ok(Admission::Acquired(p)) => store_permit(p),
        Ok(Admission::Queued(w)) => -2.0 - WAITERS.with(|s| s.borrow_mut().insert(w)) as f64,
        Err(_) => -1.0,
    })
}

/// Releases a permit; returns whether anyone was queued on its bulkhead
/// (then the JS side lets its waiters claim). False for an unknown id.
#[napi(catch_unwind)]
pub fn bh_release(permit: u32) -> bool {
    match PERMITS.with(|s| s.borrow_mut().take(permit)) {
        Some(p) => {
            // Anyone queued before the release may have been handed the slot.
            let queued = p.bulkhead().metrics().queued > 0;
            drop(p);
            queued
        }
        None => false,
    }
}

/// Asks whether waiter `w` has been handed a slot: a permit id, or -1
/// (still waiting), or -2 (unknown waiter).
#[napi(catch_unwind)]
pub fn bh_claim(w: u32) -> f64 {
    let Some(waiter) = WAITERS.with(|s| s.borrow_mut().take(w)) else {
        return -2.0;
    };
    match waiter.try_claim() {
        Ok(p) => store_permit(p),
        Err(waiter) => {
            // Put it back under a fresh id is not allowed (ids are the JS
            // handle): reinsert and check that the slab gave the same id.
            let again = WAITERS.with(|s| s.borrow_mut().insert(waiter));
            if again == w {
                -1.0
            } else {
                // Cannot happen (the freed id is reused first); keep the
                // waiter reachable rather than lose its place.
                -3.0 - again as f64
            }
        }
    }
}

/// Cancels a waiter (leaves the queue; a slot already handed to it moves on).
#[napi(catch_unwind)]
pub fn bh_cancel(w: u32) -> bool {
    WAITERS.with(|s| s.borrow_mut().take(w)).is_some()
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
}

impl Drop for Bulkhead {
    fn drop(&mut self) {
        let _ = BULKHEADS.try_with(|r| r.borrow_mut().remove(self.id));
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
        let b = bh::Bulkhead::with_clock(cfg, source(clock)).map_err(|e| o.core_error(&e))?;
        let inner = Arc::new(b);
        let id = BULKHEADS.with(|r| r.borrow_mut().insert(Arc::clone(&inner)));
        Ok(Self {
            inner: AssertUnwindSafe(inner),
            id,
            max_wait_ms: duration_ms(cfg.max_wait),
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
        Err(tagged("invalid_argument", field, "is not a valid id"))
    }
}
