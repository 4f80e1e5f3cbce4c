//! Bulkhead: a cap on concurrent calls, with an optional bounded FIFO queue
//! of waiters.
//!
//! * [`Bulkhead::try_acquire`] is lock-free (one atomic add, or one CAS loop
//!   when there is a queue, on one `AtomicU64`) and never waits.
//! * [`Bulkhead::acquire`] blocks the calling thread until a slot is free or a
//!   deadline passes, waiting in a bounded FIFO queue (a `Mutex` + `Condvar`
//!   on this slow path only).
//! * [`Bulkhead::enqueue_owned`] joins the same queue without blocking and
//!   returns an [`OwnedWaiter`] that the caller checks, waits on, or awaits:
//!   it is a [`Future`] whose [`Waker`] is woken when a slot is handed to
//!   it, so event-loop bindings (asyncio) wait without polling.
//!
//! **Fairness.** While anyone waits in the queue, `try_acquire` is rejected
//! even when a slot is momentarily free, and a released slot is handed
//! directly to the oldest waiter (its count stays in `active`), so a
//! newcomer never steals the slot of someone who queued first.
//!
//! **Release exactly once.** A slot is held by a permit value
//! ([`Permit`], [`OwnedPermit`]) and given back when that value is dropped or
//! consumed by `release(self)`; the type system makes a double release
//! impossible. FFI bindings hold an `OwnedPermit` in their handle and free it
//! once.
//!
//! ```
//! use seawall::bulkhead::{Bulkhead, BulkheadConfig};
//! let bh = Bulkhead::new(BulkheadConfig { max_concurrent: 1, ..Default::default() })?;
//! let p = bh.try_acquire()?;
//! assert!(bh.try_acquire().is_err());
//! drop(p);
//! assert!(bh.try_acquire().is_ok());
//! assert_eq!(bh.metrics().total, 2);
//! # Ok::<(), seawall::Error>(())
//! ```

mod config;

pub use config::{BulkheadConfig, MAX_COUNT};

use crate::clock::{duration_to_ns, Clock, ClockSource};
use crate::error::{Error, Result};
use crate::place::Place;
use crate::sync::{AtomicU64, Condvar, Mutex, Ordering};
use std::collections::VecDeque;
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll, Waker};
use std::time::Duration;

// Packed state word (`Bulkhead::state`), CAS mode. Field widths are fixed per
// bulkhead at construction: `A` = bits of `max_concurrent` (1..=32), `Q` =
// bits of `max_queue` (0..=32), `G` = 63 − A − Q when that is >= 16, else 0.
//
// | bits            | field  | meaning                                          |
// |-----------------|--------|--------------------------------------------------|
// | 0..A            | active | slots held: live permits + slots handed to a     |
// |                 |        | waiter that has not claimed it yet. Never above  |
// |                 |        | `max_concurrent`.                                |
// | A..A+Q          | queued | waiters in the FIFO queue. Never above           |
// |                 |        | `max_queue`.                                     |
// | A+Q..63−G       | —      | always 0                                         |
// | 63−G            | parity | flips each time `grants` wraps (G > 0 only)      |
// | 64−G..64        | grants | grants by `try_acquire` mod 2^G (G > 0 only)     |
//
// | active        | queued | meaning / what try_acquire does                    |
// |---------------|--------|----------------------------------------------------|
// | < max         | 0      | room: CAS active+1 (and grants+1)                  |
// | == max        | 0      | full, nobody waits: reject                         |
// | any           | > 0    | someone waits: reject (slots go to the queue)      |
//
// `queued` changes only while `queue` is locked, so under the lock it equals
// the queue's length. `active` is decremented by the lock-free release path
// only when `queued == 0`; otherwise the releaser locks and hands its slot to
// the oldest waiter (queued-1, active unchanged).
//
// `grants` makes the `total` metric free on the fast path: the CAS that takes
// a slot also counts it (one atomic operation fewer per acquire). Its wraps
// are counted in `Bulkhead::grant_wraps`, which lags the word by at most one
// wrap: a thread about to wrap first brings `grant_wraps` level with the
// parity it sees, and after wrapping brings it level again (any thread may
// help; `sync_grant_wraps`). Readers take `grant_wraps` before and after the
// word; when both agree, the word's parity says whether one wrap is still
// uncounted. Grants on the slow paths (queue, hand-off) count in `total`.

// Two layouts. The one above ("CAS mode") serves every configuration; its
// acquire is a load and a CAS loop. A bulkhead with no queue and
// `max_concurrent < 2^16` uses "add mode" instead, whose acquire is a load
// and one unconditional `fetch_add` (on x86 the CAS costs more: its operand
// waits for the load, and `lock cmpxchg` itself is slower than `lock xadd`):
//
// | bits            | field    | meaning                                        |
// |-----------------|----------|------------------------------------------------|
// | 0..A+H          | active   | slots held, plus at most one transient +1 per  |
// |                 |          | thread that lost the race for the last slot    |
// |                 |          | (H = 24 headroom bits: room for 2^24 threads)  |
// | A+H..64−C       | —        | always 0                                       |
// | 64−C..64        | attempts | fetch_adds made, mod 2^C (C = 64 − A − H);     |
// |                 |          | never taken back                               |
//
// | word seen by          | meaning / what happens                              |
// |-----------------------|-----------------------------------------------------|
// | the load: active<max  | room: fetch_add active+1, attempts+1                |
// | the load: active>=max | full: reject (nothing written)                      |
// | fetch_add: active<max | granted                                             |
// | fetch_add: active>=max| lost the race: `resolve_lost` CASes active−1 and    |
// |                       | counts one lost attempt (`total` −1), unless a      |
// |                       | release has meanwhile made the +1 fit (active<=max  |
// |                       | including it): then the slot is kept                |
//
// A transient +1 never admits anyone beyond `max`: every holder either got
// its slot from a fetch_add whose old `active` (every holder and every
// transient) was below `max`, or kept its +1 when `active`, counting it, was
// at most `max`. It can make the word show up to `max` + (threads racing)
// for a few instructions; `metrics` leaves that excess out. Keeping a transient that fits
// (instead of always taking it back) is what makes the rejections of others
// that saw it linearizable: the keeper counts as having acquired at the
// release that made room (the loom models check this).
//
// `attempts` only grows, so each crossing of a multiple of 2^8 is made by
// exactly one fetch_add, whose thread then adds 1 to `grant_wraps`
// (`count_crossing`; crossings made by lost attempts count too). Readers
// take `grant_wraps` before and after the word; `attempts` = `grant_wraps` ·
// 2^8 + ((word's attempts − `grant_wraps` · 2^8) mod 2^C), exact while
// fewer than 2^(C−8) >= 2^16 crossings wait to be counted (each waits in a
// thread between two adjacent instructions). Grants = attempts − lost
// attempts (`total` counts the lost ones down).

/// Field positions of one bulkhead's state word (see the table above).
#[derive(Debug, Clone, Copy)]
struct Layout {
    active_mask: u64,
    queued_shift: u32,
    queued_mask: u64,
    /// `1 << A`.
    queued_one: u64,
    /// The active and queued fields together: `s & low_mask < max` is
    /// "room and nobody waits" (`max < 2^A`, so any queued bit exceeds it).
    low_mask: u64,
    /// Bits of the grant counter; 0 = not packed (grants count in `total`).
    grant_bits: u32,
    /// `1 << (64 - G)`, or 0.
    grant_one: u64,
    /// `1 << (63 - G)`, or 0.
    parity: u64,
    /// Add mode (see the second table). Then `grant_one` is the attempts
    /// counter's unit and `grant_bits` is 0.
    add_mode: bool,
    /// Add mode: bits of the attempts counter (C), at the top of the word.
    counter_bits: u32,
    /// Add mode: the low `cross_bits` bits of the attempts counter, in place
    /// (all ones in the old word: this fetch_add crosses a multiple of
    /// `2^cross_bits`).
    cross_mask: u64,
    /// Add mode: crossings are counted at multiples of `2^cross_bits`.
    cross_bits: u32,
}

/// Fewest bits worth packing a grant counter into (it wraps every 2^G
/// grants; below this, count in a separate atomic).
const MIN_GRANT_BITS: u32 = 16;

/// Add mode: headroom bits above `max_concurrent`'s in the active field.
/// Each thread adds at most one transient +1, so `active` stays below
/// `max + 2^24`: far more threads than any OS lets a process have (Linux
/// caps thread ids at 2^22).
const ADD_HEADROOM: u32 = 24;
/// Add mode: crossings of a multiple of `2^ADD_CROSS_BITS` attempts are
/// counted in `grant_wraps` (one extra atomic add per 256 attempts).
const ADD_CROSS_BITS: u32 = 8;
/// Add mode: fewest bits of the attempts counter above `ADD_CROSS_BITS`:
/// readers stay exact while fewer than `2^16` crossings wait to be counted.
const ADD_MIN_LAG_BITS: u32 = 16;

/// Bits of the active (A) and queued (Q) fields for a configuration.
fn field_bits(max_concurrent: u64, max_queue: u64) -> (u32, u32) {
    let bits = |v: u64| 64 - v.leading_zeros();
    (bits(max_concurrent).max(1), bits(max_queue))
}

impl Layout {
    fn new(max_concurrent: u64, max_queue: u64) -> Layout {
        let (a, q) = field_bits(max_concurrent, max_queue);
        if q == 0 && a + ADD_HEADROOM + ADD_CROSS_BITS + ADD_MIN_LAG_BITS <= 64 {
            let c = 64 - a - ADD_HEADROOM;
            return Layout::add_mode(a, ADD_HEADROOM, ADD_CROSS_BITS, c);
        }
        let g = 63u32.saturating_sub(a + q);
        Layout::with_grant_bits(a, q, if g >= MIN_GRANT_BITS { g } else { 0 })
    }

    /// Add mode with `a` active bits plus `h` headroom bits and a `c`-bit
    /// attempts counter whose crossings of multiples of `2^g` are counted
    /// (`a + h + c <= 64`, `g < c`; loom models use tiny ones).
    fn add_mode(a: u32, h: u32, g: u32, c: u32) -> Layout {
        let mask = |n: u32| 1u64.checked_shl(n).map_or(u64::MAX, |v| v - 1);
        let (aw, c) = (a + h, c.min(64 - (a + h)));
        let g = g.min(c.saturating_sub(1));
        let shift = 64 - c;
        Layout {
            active_mask: mask(aw),
            queued_shift: aw,
            queued_mask: 0,
            queued_one: 1u64 << aw,
            low_mask: mask(aw),
            grant_bits: 0,
            grant_one: 1u64 << shift,
            parity: 0,
            add_mode: true,
            counter_bits: c,
            cross_mask: mask(g) << shift,
            cross_bits: g,
        }
    }

    /// `a` active bits (1..=32), `q` queued bits (0..=32), `g` grant bits
    /// with `a + q + g <= 63` (tests use a tiny `g` to exercise wrapping).
    fn with_grant_bits(a: u32, q: u32, g: u32) -> Layout {
        let mask = |n: u32| 1u64.checked_shl(n).map_or(u64::MAX, |v| v - 1);
        let g = if a + q + g <= 63 { g } else { 0 };
        Layout {
            active_mask: mask(a),
            queued_shift: a,
            queued_mask: mask(q),
            queued_one: 1u64 << a,
            low_mask: mask(a + q),
            grant_bits: g,
            grant_one: if g == 0 { 0 } else { 1u64 << (64 - g) },
            parity: if g == 0 { 0 } else { 1u64 << (63 - g) },
            add_mode: false,
            counter_bits: 0,
            cross_mask: 0,
            cross_bits: 0,
        }
    }

    #[inline]
    const fn active_of(self, s: u64) -> u64 {
        s & self.active_mask
    }

    #[inline]
    const fn queued_of(self, s: u64) -> u64 {
        (s >> self.queued_shift) & self.queued_mask
    }

    #[inline]
    const fn grants_of(self, s: u64) -> u64 {
        if self.grant_bits == 0 {
            0
        } else {
            s >> (64 - self.grant_bits)
        }
    }

    #[inline]
    const fn parity_of(self, s: u64) -> bool {
        s & self.parity != 0
    }
}

/// Locks the wait queue, ignoring poisoning (the queue's invariants hold
/// between statements that cannot panic).
macro_rules! lock {
    ($bh:expr) => {{
        let mut q = $bh
            .queue
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        if q.epoch != crate::rng::fork_epoch() {
            // First use in a child made by fork(): forget the parent's
            // other threads' waiters (they do not exist here).
            let wake = $bh.forget_parent_waiters(&mut q);
            if !wake.is_empty() {
                drop(q);
                for w in wake {
                    w.wake();
                }
                q = $bh
                    .queue
                    .lock()
                    .unwrap_or_else(std::sync::PoisonError::into_inner);
            }
        }
        q
    }};
}

#[derive(Debug, Default)]
struct WaitQueue {
    next_ticket: u64,
    /// Waiters, oldest first.
    waiting: VecDeque<Queued>,
    /// Tickets handed a slot that their waiter has not claimed yet, with
    /// the mark of the thread that queued them.
    granted: Vec<(u64, usize)>,
    /// The fork epoch (`rng::fork_epoch`) the queue was last used in: a
    /// different one means this is a child made by `fork()` since.
    epoch: u64,
}

/// One place in the queue.
#[derive(Debug)]
struct Queued {
    ticket: u64,
    /// The queueing thread's `rng::thread_mark` (after a fork, only the
    /// forking thread's waiters are kept).
    mark: usize,
    /// Registered by polling an [`OwnedWaiter`] as a future: taken out and
    /// woken (after the lock is released) when the slot is handed over.
    waker: Option<Waker>,
}

/// Wakers taken out of the queue under its lock, to be woken or dropped
/// only once the lock is released (a waker is foreign code: it may take
/// other locks, or run a release that needs this one).
#[derive(Debug, Default)]
#[must_use = "a hand-off's waker must be woken after the lock is released"]
struct Unlocked {
    wake: Option<Waker>,
    discard: Option<Waker>,
}

impl Unlocked {
    /// Wakes and drops the wakers. Call with the queue lock released.
    fn run(self) {
        if let Some(w) = self.wake {
            w.wake();
        }
        drop(self.discard);
    }
}

enum Slot {
    Acquired,
    Queued(u64),
}

/// A snapshot of a bulkhead's counters.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct BulkheadMetrics {
    /// Slots held now (live permits plus slots handed to a waiter that has
    /// not claimed them yet).
    pub active: u64,
    /// Waiters in the queue now.
    pub queued: u64,
    /// Permits granted since creation.
    pub total: u64,
    /// Requests refused since creation: `try_acquire` on a full bulkhead,
    /// queue full, a wait that ran out, an abandoned waiter.
    pub rejected: u64,
    /// The configured `max_concurrent`.
    pub max_concurrent: u64,
    /// The configured `max_queue`.
    pub max_queue: u64,
}

/// A concurrency limiter. See the [module docs](self).
#[derive(Debug)]
pub struct Bulkhead {
    cfg: BulkheadConfig,
    layout: Layout,
    /// The counters below are inline, or in a shared region
    /// (`spec/shared_memory.md`); the code is the same.
    state: Place<AtomicU64>,
    /// CAS mode: wraps of the state word's grant counter. Add mode:
    /// crossings of multiples of `2^cross_bits` by its attempts counter.
    grant_wraps: Place<AtomicU64>,
    /// Grants not counted in the state word; in add mode, minus the
    /// attempts that lost the race (it then wraps below zero).
    total: Place<AtomicU64>,
    rejected: Place<AtomicU64>,
    queue: Mutex<WaitQueue>,
    cv: Condvar,
    clock: ClockSource,
    /// In a shared region: each process's permit count, so a dead
    /// process's permits come back. `None` on the heap.
    #[cfg(all(unix, not(seawall_loom)))]
    holders: Option<crate::shm::holder::ProcessCounts>,
}

/// A bulkhead's state in a shared region.
#[cfg(all(unix, not(seawall_loom)))]
#[derive(zerocopy::FromBytes)]
#[repr(C)]
struct Shared {
    state: crate::sync::Padded<AtomicU64>,
    grant_wraps: AtomicU64,
    total: AtomicU64,
    rejected: AtomicU64,
    last_scan: AtomicU64,
}
crate::place::region_cells!(Shared);

impl Bulkhead {
    /// A bulkhead on the fast in-process clock ([`ClockSource::fast`](crate::ClockSource::fast)).
    pub fn new(cfg: BulkheadConfig) -> Result<Self> {
        Self::with_clock(cfg, ClockSource::fast())
    }

    /// A bulkhead on `clock`. The clock only measures blocking waits
    /// ([`acquire`](Self::acquire)); see that method for how a
    /// [`ManualClock`](crate::clock::ManualClock) drives them.
    pub fn with_clock(cfg: BulkheadConfig, clock: impl Into<ClockSource>) -> Result<Self> {
        cfg.validate()?;
        Ok(Self::with_layout(
            Layout::new(cfg.max_concurrent, cfg.max_queue),
            cfg,
            clock.into(),
        ))
    }

    /// Only in loom builds (`--cfg seawall_loom`): a bulkhead whose grant
    /// counter has `grant_bits` bits, so a loom model can make it wrap in a
    /// few grants. Not part of the API.
    #[cfg(seawall_loom)]
    #[doc(hidden)]
    pub fn with_grant_bits_for_loom(cfg: BulkheadConfig, grant_bits: u32) -> Result<Self> {
        cfg.validate()?;
        let (a, q) = field_bits(cfg.max_concurrent, cfg.max_queue);
        Ok(Self::with_layout(
            Layout::with_grant_bits(a, q, grant_bits),
            cfg,
            ClockSource::Monotonic,
        ))
    }

    /// Only in loom builds: a bulkhead in add mode (no queue) with `headroom`
    /// bits above `max_concurrent`'s, a `counter_bits`-bit attempts counter
    /// and crossings counted every `2^cross_bits` attempts, so a loom model
    /// can overflow the headroom or wrap the counter in a few steps. Not part
    /// of the API.
    #[cfg(seawall_loom)]
    #[doc(hidden)]
    pub fn with_add_bits_for_loom(
        cfg: BulkheadConfig,
        headroom: u32,
        cross_bits: u32,
        counter_bits: u32,
    ) -> Result<Self> {
        cfg.validate()?;
        let (a, _) = field_bits(cfg.max_concurrent, 0);
        Ok(Self::with_layout(
            Layout::add_mode(a, headroom, cross_bits, counter_bits),
            cfg,
            ClockSource::Monotonic,
        ))
    }

    fn with_layout(layout: Layout, cfg: BulkheadConfig, clock: ClockSource) -> Self {
        Self {
            layout,
            cfg,
            state: Place::Local(AtomicU64::new(0)),
            grant_wraps: Place::Local(AtomicU64::new(0)),
            total: Place::Local(AtomicU64::new(0)),
            rejected: Place::Local(AtomicU64::new(0)),
            queue: Mutex::new(WaitQueue::default()),
            cv: Condvar::new(),
            clock,
            #[cfg(all(unix, not(seawall_loom)))]
            holders: None,
        }
    }

    /// The bulkhead `name` in a shared region: one limit on calls in
    /// flight across every process that attaches (`spec/shared_memory.md`).
    /// Needs `max_queue == 0` (waiting in line across processes is not
    /// supported: a full bulkhead rejects at once). Each process's permits
    /// are counted, and the permits of a process that died holding them
    /// come back (see [`reclaim_dead`](Self::reclaim_dead)).
    #[cfg(all(unix, not(seawall_loom)))]
    pub fn in_region(
        cfg: BulkheadConfig,
        region: &crate::shm::SharedRegion,
        name: &str,
    ) -> Result<Self> {
        Self::in_region_with_clock(cfg, crate::shm::region_clock(), region, name)
    }

    /// [`in_region`](Self::in_region) on the given clock (it times the
    /// scans for dead holders).
    #[cfg(all(unix, not(seawall_loom)))]
    pub fn in_region_with_clock(
        cfg: BulkheadConfig,
        clock: impl Into<ClockSource>,
        region: &crate::shm::SharedRegion,
        name: &str,
    ) -> Result<Self> {
        use crate::shm::holder::{Entry, Lane, ProcessCounts};
        use crate::shm::{Cfg, SlotKind};
        use crate::sync::Padded;
        cfg.validate()?;
        if cfg.max_queue != 0 {
            return Err(Error::config(
                "max_queue",
                format!(
                    "must be 0 for a bulkhead in a shared region (callers cannot wait in \
                     line across processes), got {}",
                    cfg.max_queue
                ),
            ));
        }
        let fields = [
            ("max_concurrent", Cfg::U64(cfg.max_concurrent)),
            ("max_queue", Cfg::U64(cfg.max_queue)),
        ];
        let head = size_of::<Shared>().next_multiple_of(128);
        let slot = region.slot(
            SlotKind::Bulkhead,
            name,
            &fields,
            head + ProcessCounts::BYTES + ProcessCounts::LANE_BYTES,
            |_| Ok(()),
        )?;
        let sh = slot.view::<Shared>(0)?;
        let table = slot.slice::<Padded<Entry>>(head, crate::shm::holder::PROCESSES)?;
        let lanes =
            slot.slice::<Padded<Lane>>(head + ProcessCounts::BYTES, crate::shm::holder::LANES)?;
        let mut bh = Self::with_layout(
            Layout::new(cfg.max_concurrent, cfg.max_queue),
            cfg,
            clock.into(),
        );
        bh.state = Place::Region(sh.project(|s| &s.state.0));
        bh.grant_wraps = Place::Region(sh.project(|s| &s.grant_wraps));
        bh.total = Place::Region(sh.project(|s| &s.total));
        bh.rejected = Place::Region(sh.project(|s| &s.rejected));
        bh.holders = Some(ProcessCounts::new(
            table,
            lanes,
            sh.project(|s| &s.last_scan),
        ));
        Ok(bh)
    }

    /// Whether this bulkhead's state is in a shared region.
    pub fn is_shared(&self) -> bool {
        self.state.is_shared()
    }

    /// In a shared region: gives back now the permits held by processes
    /// that have died (each process's permits are counted), and returns
    /// how many came back. Refused acquires do this on their own at most
    /// every 100 ms (`spec/shared_memory.md`). 0 on the heap.
    pub fn reclaim_dead(&self) -> u64 {
        #[cfg(all(unix, not(seawall_loom)))]
        if let Some(h) = &self.holders {
            return h.reclaim(self.clock.now_ns(), true, |n| self.release_n(n));
        }
        0
    }

    /// Tests: the holder table (`(holder word, held)` per process) and the
    /// lanes in use.
    #[cfg(all(test, unix))]
    pub(crate) fn holder_counts(&self) -> (Vec<(u64, u64)>, usize) {
        self.holders
            .as_ref()
            .map_or((Vec::new(), 0), |h| (h.snapshot(), h.lanes_in_use()))
    }

    /// Gives back `n` slots of a dead holder (region only, no queue).
    #[cfg(all(unix, not(seawall_loom)))]
    fn release_n(&self, n: u64) {
        for _ in 0..n {
            self.release_core();
        }
    }

    /// In a region: the counted grant, or `false` when this process could
    /// get no entry in the holder table (then nothing is taken).
    #[inline(always)]
    fn take(&self) -> bool {
        #[cfg(all(unix, not(seawall_loom)))]
        if let Some(h) = &self.holders {
            return self.take_counted(h);
        }
        self.try_take_fast()
    }

    #[cfg(all(unix, not(seawall_loom)))]
    #[inline]
    fn take_counted(&self, h: &crate::shm::holder::ProcessCounts) -> bool {
        let Some(c) = h.counter() else {
            return self.take_counted_slow(h);
        };
        if self.try_take_fast()
            || (h.reclaim(self.clock.now_ns(), false, |n| self.release_n(n)) > 0
                && self.try_take_fast())
        {
            c.add();
            return true;
        }
        false
    }

    /// Every holder entry belongs to a live-looking process: scan for dead
    /// ones (at most every 100 ms) and try once more.
    #[cfg(all(unix, not(seawall_loom)))]
    #[cold]
    fn take_counted_slow(&self, h: &crate::shm::holder::ProcessCounts) -> bool {
        h.reclaim(self.clock.now_ns(), false, |n| self.release_n(n));
        let Some(c) = h.counter() else {
            return false;
        };
        if self.try_take_fast() {
            c.add();
            return true;
        }
        false
    }

    /// The validated configuration.
    pub fn config(&self) -> &BulkheadConfig {
        &self.cfg
    }

    /// Takes a slot if one is free and nobody is waiting; never blocks.
    /// Lock-free, no allocation: one atomic add (a bulkhead with no queue
    /// and `max_concurrent < 2^16`) or one CAS loop.
    ///
    /// Errors: [`Error::BulkheadFull`].
    #[inline(always)] // one load, one atomic add or CAS loop; the rest is cold
    pub fn try_acquire(&self) -> Result<Permit<'_>> {
        if self.take() {
            Ok(Permit { bulkhead: self })
        } else {
            self.reject()
        }
    }

    /// [`try_acquire`](Self::try_acquire) returning a permit that owns an
    /// `Arc` of the bulkhead (for bindings and for moving into tasks).
    pub fn try_acquire_owned(self: &Arc<Self>) -> Result<OwnedPermit> {
        self.try_acquire()?.forget();
        Ok(OwnedPermit {
            bulkhead: Arc::clone(self),
            armed: true,
        })
    }

    /// Takes a slot, waiting up to `timeout` in the FIFO queue when the
    /// bulkhead is full. Blocks the calling thread.
    ///
    /// * Returns at once with a permit when a slot is free and nobody waits.
    /// * Rejects at once when the queue is full (or `max_queue == 0`, or
    ///   `timeout` is zero).
    /// * Otherwise waits; waiters are served strictly in arrival order. A
    ///   waiter whose deadline passes leaves the queue and gets
    ///   [`Error::BulkheadFull`] (unless a slot was handed to it first, in
    ///   which case it gets the permit).
    ///
    /// The deadline is measured on the bulkhead's clock. On the monotonic
    /// clock that is real time (`Condvar::wait_timeout`). On a
    /// [`ManualClock`](crate::clock::ManualClock) the waiter sleeps until a
    /// test moves the clock (or a hand-off wakes it), so a test times the
    /// wait out by advancing the manual clock from another thread; nothing
    /// polls.
    pub fn acquire(&self, timeout: Duration) -> Result<Permit<'_>> {
        let deadline = self.deadline(timeout);
        match self.enqueue()? {
            Slot::Acquired => {} // counted by enqueue
            Slot::Queued(ticket) => {
                self.wait_ticket(ticket, deadline)?;
                self.total.fetch_add(1, Ordering::Relaxed);
            }
        }
        Ok(Permit { bulkhead: self })
    }

    /// [`acquire`](Self::acquire) with the configured `max_wait`.
    pub fn acquire_default(&self) -> Result<Permit<'_>> {
        self.acquire(self.cfg.max_wait)
    }

    /// [`acquire`](Self::acquire) returning an [`OwnedPermit`].
    pub fn acquire_owned(self: &Arc<Self>, timeout: Duration) -> Result<OwnedPermit> {
        self.acquire(timeout)?.forget();
        Ok(OwnedPermit {
            bulkhead: Arc::clone(self),
            armed: true,
        })
    }

    /// Takes a slot if possible, else joins the FIFO queue without blocking.
    ///
    /// Returns [`Admission::Acquired`] with a permit, or
    /// [`Admission::Queued`] with a waiter the caller later
    /// [`try_claim`](OwnedWaiter::try_claim)s, [`wait`](OwnedWaiter::wait)s
    /// on, or drops (which leaves the queue). Errors with
    /// [`Error::BulkheadFull`] when the queue is full. Takes the queue lock
    /// only when the bulkhead is full.
    pub fn enqueue_owned(self: &Arc<Self>) -> Result<Admission> {
        match self.enqueue()? {
            Slot::Acquired => {
                // counted by enqueue
                Ok(Admission::Acquired(OwnedPermit::reattach(Arc::clone(self))))
            }
            Slot::Queued(ticket) => Ok(Admission::Queued(OwnedWaiter {
                bulkhead: Arc::clone(self),
                ticket,
                done: false,
            })),
        }
    }

    /// A snapshot of the counters (each read atomically; the snapshot as a
    /// whole is not one instant under concurrent use).
    pub fn metrics(&self) -> BulkheadMetrics {
        let l = self.layout;
        if l.add_mode {
            return self.metrics_add_mode();
        }
        let (s, wraps) = loop {
            let before = self.grant_wraps.load(Ordering::Acquire);
            let s = self.state.load(Ordering::Acquire);
            if self.grant_wraps.load(Ordering::Acquire) == before {
                let pending = (before & 1 == 1) != l.parity_of(s);
                break (s, before.wrapping_add(u64::from(pending)));
            }
        };
        let packed = if l.grant_bits == 0 {
            0
        } else {
            (wraps << l.grant_bits).wrapping_add(l.grants_of(s))
        };
        BulkheadMetrics {
            active: l.active_of(s),
            queued: l.queued_of(s),
            total: packed.wrapping_add(self.total.load(Ordering::Relaxed)),
            rejected: self.rejected.load(Ordering::Relaxed),
            max_concurrent: self.cfg.max_concurrent,
            max_queue: self.cfg.max_queue,
        }
    }

    /// `metrics` in add mode (see the second table).
    fn metrics_add_mode(&self) -> BulkheadMetrics {
        let l = self.layout;
        // Lost attempts first: one seen here was made before, so the word
        // read next counts it. `total` is thus never below the grants made
        // before the call; a loser's attempt is over-counted only between
        // its CAS and its `total` −1 (two instructions).
        let other = self.total.load(Ordering::Acquire);
        let (s, crossings) = loop {
            let before = self.grant_wraps.load(Ordering::Acquire);
            let s = self.state.load(Ordering::Acquire);
            if self.grant_wraps.load(Ordering::Acquire) == before {
                break (s, before);
            }
        };
        let counted = crossings << l.cross_bits;
        let mask = 1u64.checked_shl(l.counter_bits).map_or(u64::MAX, |v| v - 1);
        let word = s >> (64 - l.counter_bits);
        let attempts = counted.wrapping_add(word.wrapping_sub(counted) & mask);
        // `active` above `max` can only be losers' +1s that will be taken
        // back (their attempts are not grants either). Losers whose +1 fits
        // will keep it (see `resolve_lost`), so they count already.
        let max = self.cfg.max_concurrent;
        let excess = l.active_of(s).saturating_sub(max);
        BulkheadMetrics {
            active: l.active_of(s).min(max),
            queued: 0,
            total: attempts.wrapping_add(other).wrapping_sub(excess),
            rejected: self.rejected.load(Ordering::Relaxed),
            max_concurrent: self.cfg.max_concurrent,
            max_queue: self.cfg.max_queue,
        }
    }

    // ---- internals -------------------------------------------------------

    #[cold]
    fn reject<T>(&self) -> Result<T> {
        self.rejected.fetch_add(1, Ordering::Relaxed);
        Err(Error::BulkheadFull)
    }

    /// active+1 if there is room and nobody waits, counting the grant (in
    /// the word's grant counter, or in `total` when the word has no room).
    #[inline(always)]
    fn try_take_fast(&self) -> bool {
        if self.layout.add_mode {
            return self.try_take_add();
        }
        if self.layout.grant_bits != 0 {
            return self.try_take_fast_packed();
        }
        let taken = self.try_take_fast_packed(); // grant_one = 0: no count
        if taken {
            self.total.fetch_add(1, Ordering::Relaxed);
        }
        taken
    }

    /// Add mode: active+1 and attempts+1 in one `fetch_add` when the word
    /// shows room (see the second table).
    #[inline]
    fn try_take_add(&self) -> bool {
        let l = self.layout;
        let max = self.cfg.max_concurrent;
        if self.state.load(Ordering::Relaxed) & l.active_mask >= max {
            return false; // full: nothing written
        }
        let add = l.grant_one | 1;
        let old = self.state.fetch_add(add, Ordering::Acquire);
        if old & l.cross_mask == l.cross_mask {
            self.count_crossing();
        }
        if old & l.active_mask < max {
            return true;
        }
        self.resolve_lost(old.wrapping_add(add))
    }

    /// Add mode: this thread's fetch_add crossed a multiple of
    /// `2^cross_bits` attempts (exactly one fetch_add crosses each).
    #[cold]
    #[inline(never)]
    fn count_crossing(&self) {
        // Release: a reader that sees the count sees the crossing.
        self.grant_wraps.fetch_add(1, Ordering::Release);
    }

    /// Add mode: this thread's +1 found the bulkhead full (`cur` is the word
    /// just after it). Takes the +1 back, unless releases have made room
    /// for it meanwhile (`active <= max` counting it), in which case the
    /// slot is kept: whoever saw the +1 and was refused then saw a slot this
    /// thread holds from that release on.
    #[cold]
    #[inline(never)]
    fn resolve_lost(&self, mut cur: u64) -> bool {
        let l = self.layout;
        loop {
            if cur & l.active_mask <= self.cfg.max_concurrent {
                return true; // acquire: `cur` came from an acquire CAS failure
            }
            match self.state.compare_exchange_weak(
                cur,
                cur.wrapping_sub(1),
                Ordering::Relaxed,
                Ordering::Acquire,
            ) {
                Ok(_) => {
                    // The attempt stays counted in the word; count it lost.
                    self.total.fetch_sub(1, Ordering::Release);
                    return false;
                }
                Err(actual) => cur = actual,
            }
        }
    }

    /// active+1 and grants+1 (when packed) if there is room and nobody waits.
    #[inline]
    fn try_take_fast_packed(&self) -> bool {
        let l = self.layout;
        let max = self.cfg.max_concurrent;
        let mut cur = self.state.load(Ordering::Relaxed);
        loop {
            if cur & l.low_mask >= max {
                return false; // full, or someone waits
            }
            // The grant counter sits at the top: its carry leaves the word,
            // and it is 0 exactly when the word is below `grant_one` (never
            // when grant_one is 0, i.e. not packed).
            let mut next = cur.wrapping_add(1).wrapping_add(l.grant_one);
            let wraps = next < l.grant_one;
            if wraps {
                self.sync_grant_wraps();
                next ^= l.parity;
            }
            // A wrap publishes the `grant_wraps` catch-up made just before
            // it (release): a reader that sees the wrapped word then sees
            // `grant_wraps` at least that far (loom found the stale read
            // when this was acquire-only).
            let success = if wraps {
                Ordering::AcqRel
            } else {
                Ordering::Acquire
            };
            match self
                .state
                .compare_exchange_weak(cur, next, success, Ordering::Relaxed)
            {
                Ok(_) => {
                    if wraps {
                        self.sync_grant_wraps();
                    }
                    return true;
                }
                Err(actual) => cur = actual,
            }
        }
    }

    /// Brings `grant_wraps` level with the wraps the state word shows (it is
    /// behind by at most one). Lock-free; runs once per 2^G grants.
    #[cold]
    fn sync_grant_wraps(&self) {
        loop {
            let h = self.grant_wraps.load(Ordering::Acquire);
            let s = self.state.load(Ordering::Acquire);
            if self.grant_wraps.load(Ordering::Acquire) != h {
                continue;
            }
            if (h & 1 == 1) == self.layout.parity_of(s) {
                return;
            }
            // One wrap is uncounted; whoever wins counts it.
            let _ = self.grant_wraps.compare_exchange(
                h,
                h.wrapping_add(1),
                Ordering::AcqRel,
                Ordering::Acquire,
            );
        }
    }

    /// Takes a slot (counting the grant) or a place in the queue (rejecting
    /// when it is full).
    fn enqueue(&self) -> Result<Slot> {
        if self.take() {
            return Ok(Slot::Acquired);
        }
        if self.cfg.max_queue == 0 {
            return self.reject();
        }
        let mut q = lock!(self);
        let l = self.layout;
        let max = self.cfg.max_concurrent;
        let mut cur = self.state.load(Ordering::Acquire);
        let acquired = loop {
            // Neither add carries out of its field (checked just before).
            let (next, acquired) = if l.queued_of(cur) == 0 && l.active_of(cur) < max {
                (cur.wrapping_add(1), true)
            } else if l.queued_of(cur) < self.cfg.max_queue {
                (cur.wrapping_add(l.queued_one), false)
            } else {
                drop(q);
                return self.reject();
            };
            match self
                .state
                .compare_exchange_weak(cur, next, Ordering::AcqRel, Ordering::Acquire)
            {
                Ok(_) => break acquired,
                Err(actual) => cur = actual,
            }
        };
        if acquired {
            self.total.fetch_add(1, Ordering::Relaxed);
            return Ok(Slot::Acquired);
        }
        let ticket = q.next_ticket;
        q.next_ticket = q.next_ticket.wrapping_add(1);
        q.waiting.push_back(Queued {
            ticket,
            mark: crate::rng::thread_mark(),
            waker: None,
        });
        Ok(Slot::Queued(ticket))
    }

    /// Gives a slot back: to the pool, then, if anyone waits, on to the
    /// oldest waiter (lock-free when nobody waits: one atomic subtraction).
    #[inline]
    fn release_slot(&self) {
        #[cfg(all(unix, not(seawall_loom)))]
        if let Some(h) = &self.holders {
            if let Some(c) = h.counter() {
                c.sub();
            }
        }
        self.release_core();
    }

    /// Gives one slot back to the pool (or the queue's oldest waiter).
    #[inline]
    fn release_core(&self) {
        let old = self.state.fetch_sub(1, Ordering::Release);
        if old & self.layout.active_mask == 0 {
            // Unreachable: every release matches one grant. Undo the borrow.
            self.state.fetch_add(1, Ordering::Relaxed);
            debug_assert!(false, "bulkhead released more than granted");
            return;
        }
        if self.layout.queued_of(old) != 0 {
            self.release_to_queue();
        }
    }

    /// The slow half of `release_slot`: someone was waiting when the slot went
    /// back to the pool. While anyone waits no newcomer can take a free slot
    /// (the fast path rejects, `enqueue` queues), so under the queue lock the
    /// slot is taken back for the oldest waiter (active+1, queued−1: a
    /// direct hand-off). If the queue emptied meanwhile (waiters timed out)
    /// the slot stays in the pool; if a newcomer took it while the queue was
    /// empty, the bulkhead is full again and a later release serves the
    /// queue. The new holder's waker, if it registered one, is woken after
    /// the lock is released. Out of line so the lock-free path stays small
    /// enough to inline.
    #[cold]
    #[inline(never)]
    fn release_to_queue(&self) {
        let mut q = lock!(self);
        let wake = self.release_to_queue_locked(&mut q);
        drop(q);
        if let Some(w) = wake {
            w.wake();
        }
    }

    /// `release_to_queue` with the queue locked; returns the waker to wake.
    fn release_to_queue_locked(&self, q: &mut WaitQueue) -> Option<Waker> {
        if q.waiting.is_empty() {
            return None;
        }
        let l = self.layout;
        let mut cur = self.state.load(Ordering::Acquire);
        loop {
            if l.active_of(cur) >= self.cfg.max_concurrent {
                return None;
            }
            // queued >= 1 (it equals the queue's length under the lock).
            let next = cur.wrapping_add(1).wrapping_sub(l.queued_one);
            match self
                .state
                .compare_exchange_weak(cur, next, Ordering::AcqRel, Ordering::Acquire)
            {
                Ok(_) => break,
                Err(actual) => cur = actual,
            }
        }
        let w = q.waiting.pop_front()?;
        q.granted.push((w.ticket, w.mark));
        self.cv.notify_all();
        w.waker
    }

    /// With the queue locked, in a child made by `fork()` (the queue's fork
    /// epoch is behind): drops the waiters queued by the parent's other
    /// threads, which do not exist in the child, and gives back the slots
    /// handed to such waiters and not claimed yet (to the oldest waiter
    /// left, or to the pool), so a slot released in the child serves the
    /// child. The forking thread's own waiters (async waiters of its event
    /// loop) are kept. Returns the wakers of the waiters handed a slot, to
    /// wake once the lock is released. Slots held by permits of the
    /// parent's other threads stay taken (nothing can tell when they would
    /// have been released).
    #[cold]
    #[inline(never)]
    fn forget_parent_waiters(&self, q: &mut WaitQueue) -> Vec<Waker> {
        q.epoch = crate::rng::fork_epoch();
        let forker = crate::rng::forker_mark();
        let before = q.waiting.len();
        q.waiting.retain(|w| w.mark == forker);
        let gone = (before - q.waiting.len()) as u64;
        if gone > 0 {
            self.state
                .fetch_sub(gone.wrapping_mul(self.layout.queued_one), Ordering::AcqRel);
        }
        let held = q.granted.len();
        q.granted.retain(|&(_, mark)| mark == forker);
        let mut wake = Vec::new();
        for _ in q.granted.len()..held {
            wake.extend(self.hand_off_locked(q));
        }
        wake
    }

    /// With the queue locked: hands the caller's slot to the oldest waiter,
    /// or frees it if the queue emptied meanwhile. Returns the new holder's
    /// waker, to wake once the lock is released.
    fn hand_off_locked(&self, q: &mut WaitQueue) -> Option<Waker> {
        if let Some(w) = q.waiting.pop_front() {
            q.granted.push((w.ticket, w.mark));
            self.state
                .fetch_sub(self.layout.queued_one, Ordering::AcqRel);
            self.cv.notify_all();
            w.waker
        } else {
            self.state.fetch_sub(1, Ordering::AcqRel);
            None
        }
    }

    /// With the queue locked: claims `ticket`'s slot if it was handed one.
    fn claim_locked(q: &mut WaitQueue, ticket: u64) -> bool {
        match q.granted.iter().position(|&(t, _)| t == ticket) {
            Some(i) => {
                q.granted.swap_remove(i);
                true
            }
            None => false,
        }
    }

    /// With the queue locked: abandons `ticket` (leaves the queue, dropping
    /// its waker, or passes on a slot already handed to it, waking the next
    /// holder) and counts a rejection. The wakers are returned to be woken
    /// and dropped once the lock is released.
    fn cancel_locked(&self, q: &mut WaitQueue, ticket: u64) -> Unlocked {
        let mut out = Unlocked::default();
        if let Some(i) = q.waiting.iter().position(|w| w.ticket == ticket) {
            out.discard = q.waiting.remove(i).and_then(|w| w.waker);
            self.state
                .fetch_sub(self.layout.queued_one, Ordering::AcqRel);
        } else if Self::claim_locked(q, ticket) {
            out.wake = self.hand_off_locked(q);
        } else {
            return out;
        }
        self.rejected.fetch_add(1, Ordering::Relaxed);
        out
    }

    /// Cancels `ticket`, then wakes with the lock released.
    fn cancel(&self, ticket: u64) {
        let mut q = lock!(self);
        let after = self.cancel_locked(&mut q, ticket);
        drop(q);
        after.run();
    }

    /// The future half of [`OwnedWaiter`]: under the queue lock, claims
    /// `ticket`'s slot, or else stores `waker` in its queue entry (so the
    /// check and the registration are one step: a hand-off either happened
    /// before and is claimed here, or happens after and finds the waker).
    /// `None` when the ticket is neither granted nor queued (already
    /// claimed or cancelled). A waker it replaces is dropped after unlock.
    fn poll_ticket(&self, ticket: u64, waker: &Waker) -> Option<bool> {
        let mut q = lock!(self);
        if Self::claim_locked(&mut q, ticket) {
            return Some(true);
        }
        let entry = q.waiting.iter_mut().find(|w| w.ticket == ticket)?;
        let old = match &entry.waker {
            Some(w) if w.will_wake(waker) => None,
            _ => entry.waker.replace(waker.clone()),
        };
        drop(q);
        drop(old);
        Some(false)
    }

    /// The clock reading at which a wait of `timeout` starting now ends.
    fn deadline(&self, timeout: Duration) -> u64 {
        self.clock.now_ns().saturating_add(duration_to_ns(timeout))
    }

    /// Blocks until `ticket` is handed a slot (Ok) or the clock reaches
    /// `deadline`. On the monotonic clock the thread sleeps on the queue's
    /// condition variable until a hand-off or the deadline; on a manual
    /// clock it sleeps on the clock, woken by a move of the time or by the
    /// hand-off (its queue entry holds a waker that nudges the clock).
    fn wait_ticket(&self, ticket: u64, deadline: u64) -> Result<()> {
        let manual = self.clock.manual().cloned();
        let nudge = manual
            .as_ref()
            .map(|m| Waker::from(Arc::new(crate::clock::Nudge(m.clone()))));
        let mut q = lock!(self);
        loop {
            if Self::claim_locked(&mut q, ticket) {
                return Ok(());
            }
            let now = self.clock.now_ns();
            if now >= deadline {
                let after = self.cancel_locked(&mut q, ticket);
                drop(q);
                after.run();
                return Err(Error::BulkheadFull);
            }
            match (&manual, &nudge) {
                (Some(m), Some(w)) => {
                    let old = q
                        .waiting
                        .iter_mut()
                        .find(|e| e.ticket == ticket)
                        .and_then(|e| e.waker.replace(w.clone()));
                    // Read under the queue lock: a hand-off after this
                    // point nudges the clock and changes it.
                    let seen = m.generation();
                    drop(q);
                    drop(old);
                    m.wait_changed(seen, deadline);
                    q = lock!(self);
                }
                _ => {
                    let wait = Duration::from_nanos(deadline - now);
                    q = match self.cv.wait_timeout(q, wait) {
                        Ok((g, _)) => g,
                        Err(e) => e.into_inner().0,
                    };
                }
            }
        }
    }
}

/// A slot of a [`Bulkhead`], given back when dropped.
#[derive(Debug)]
#[must_use = "the slot is released as soon as the permit is dropped"]
pub struct Permit<'a> {
    bulkhead: &'a Bulkhead,
}

impl Permit<'_> {
    /// Gives the slot back now (same as dropping the permit).
    pub fn release(self) {}

    /// Drops the guard without releasing (the slot moves to an owned permit).
    fn forget(self) {
        std::mem::forget(self);
    }
}

impl Drop for Permit<'_> {
    #[inline]
    fn drop(&mut self) {
        self.bulkhead.release_slot();
    }
}

/// A slot of a [`Bulkhead`] that owns an `Arc` of it; given back when
/// dropped or [`release`](OwnedPermit::release)d. This is what bindings hold.
#[derive(Debug)]
#[must_use = "the slot is released as soon as the permit is dropped"]
pub struct OwnedPermit {
    bulkhead: Arc<Bulkhead>,
    /// False only after `detach`: the slot left with the `Arc`.
    armed: bool,
}

impl OwnedPermit {
    /// Gives the slot back now (same as dropping the permit).
    pub fn release(self) {}

    /// The bulkhead this permit belongs to.
    pub fn bulkhead(&self) -> &Arc<Bulkhead> {
        &self.bulkhead
    }

    /// Turns the permit into its bulkhead's `Arc` **without** giving the
    /// slot back, for bindings that carry a permit across an FFI boundary
    /// as the `Arc`'s raw pointer (no allocation per permit). The slot
    /// stays taken until [`OwnedPermit::reattach`] rebuilds the permit from
    /// that same `Arc` and it is dropped.
    pub fn detach(mut self) -> Arc<Bulkhead> {
        self.armed = false; // the slot travels with the returned Arc
        Arc::clone(&self.bulkhead)
    }

    /// Rebuilds a permit from an `Arc` returned by [`detach`](Self::detach).
    /// Only ever pass such an `Arc`, once: a permit made from any other
    /// `Arc` would give back a slot nobody took (the bulkhead's count would
    /// go wrong; memory stays safe).
    pub fn reattach(bulkhead: Arc<Bulkhead>) -> OwnedPermit {
        OwnedPermit {
            bulkhead,
            armed: true,
        }
    }
}

impl Drop for OwnedPermit {
    fn drop(&mut self) {
        if self.armed {
            self.bulkhead.release_slot();
        }
    }
}

/// What [`Bulkhead::enqueue_owned`] got.
#[derive(Debug)]
pub enum Admission {
    /// A slot was free: here is the permit.
    Acquired(OwnedPermit),
    /// The caller is in the queue.
    Queued(OwnedWaiter),
}

/// A place in a bulkhead's FIFO queue. Dropping it leaves the queue (and
/// passes on a slot that was already handed to it), counting a rejection.
///
/// Three ways to wait for the slot: [`try_claim`](Self::try_claim) (check
/// now), [`wait`](Self::wait) (block the thread), or `.await` it: the waiter
/// is a [`Future`] resolving to the [`OwnedPermit`]. Polling it claims the
/// slot if one was handed to it, else stores the context's [`Waker`] in its
/// queue entry under the queue lock (replacing an earlier one), so no
/// hand-off is missed between the check and the registration. The release
/// (or cancel) that hands it the slot wakes that waker once, after
/// releasing the queue lock; no waker is ever called with the lock held.
/// The future has no deadline of its own: wrap it in the runtime's timeout
/// (dropping the waiter on timeout leaves the queue). Once it has returned
/// `Ready`, polling it again returns `Pending` and registers nothing.
#[derive(Debug)]
pub struct OwnedWaiter {
    bulkhead: Arc<Bulkhead>,
    ticket: u64,
    done: bool,
}

impl OwnedWaiter {
    /// The permit if a slot has been handed to this waiter; otherwise the
    /// waiter back, still queued. Does not block (takes the queue lock).
    pub fn try_claim(mut self) -> std::result::Result<OwnedPermit, OwnedWaiter> {
        let claimed = {
            let mut q = lock!(self.bulkhead);
            Bulkhead::claim_locked(&mut q, self.ticket)
        };
        if claimed {
            self.done = true;
            self.bulkhead.total.fetch_add(1, Ordering::Relaxed);
            Ok(OwnedPermit::reattach(Arc::clone(&self.bulkhead)))
        } else {
            Err(self)
        }
    }

    /// Blocks up to `timeout` for a slot, like [`Bulkhead::acquire`].
    /// On timeout the waiter leaves the queue and this returns
    /// [`Error::BulkheadFull`].
    pub fn wait(mut self, timeout: Duration) -> Result<OwnedPermit> {
        self.done = true;
        let deadline = self.bulkhead.deadline(timeout);
        self.bulkhead.wait_ticket(self.ticket, deadline)?;
        self.bulkhead.total.fetch_add(1, Ordering::Relaxed);
        Ok(OwnedPermit::reattach(Arc::clone(&self.bulkhead)))
    }

    /// Leaves the queue now (same as dropping the waiter).
    pub fn cancel(self) {}
}

impl Future for OwnedWaiter {
    type Output = OwnedPermit;

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<OwnedPermit> {
        if self.done {
            return Poll::Pending;
        }
        match self.bulkhead.poll_ticket(self.ticket, cx.waker()) {
            Some(true) => {
                self.done = true;
                self.bulkhead.total.fetch_add(1, Ordering::Relaxed);
                Poll::Ready(OwnedPermit::reattach(Arc::clone(&self.bulkhead)))
            }
            // `None` cannot happen while `done` is false: the ticket is
            // granted or queued until it is claimed or cancelled, and
            // both set `done` or consume the waiter.
            Some(false) | None => Poll::Pending,
        }
    }
}

impl Drop for OwnedWaiter {
    fn drop(&mut self) {
        if !self.done {
            self.bulkhead.cancel(self.ticket);
        }
    }
}

#[cfg(test)]
mod tests;
