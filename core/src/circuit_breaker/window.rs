//! Lock-free windows the breaker's trip rules read: a count window (ring of
//! outcome slots with running totals), a time window (epoch-tagged one-second
//! buckets) and a failure-timestamp ring for "N failures within a period".
//!
//! Everything is allocated once at construction; recording is a handful of
//! atomic operations and never allocates.

use crate::place::{Place, PlaceSlice};
use crate::sync::{AtomicU32, AtomicU64, Ordering, Padded};

const NS_PER_SEC: u64 = 1_000_000_000;

/// Counts read from a window.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub(crate) struct Counts {
    pub calls: u64,
    pub failures: u64,
    pub slow: u64,
}

/// Slot codes of the count window.
const CALL: u32 = 1;
const FAIL: u32 = 2;
const SLOW: u32 = 4;

/// Running totals of the count window, packed in one `AtomicU64`:
///
/// | bits   | field                     |
/// |--------|---------------------------|
/// | 0..21  | calls    + BIAS           |
/// | 21..42 | failures + BIAS           |
/// | 42..63 | slow     + BIAS           |
/// | 63     | always 0                  |
///
/// Each field holds its true value plus `BIAS = 2^19`. A slot's outcome is
/// swapped in and its delta (new - old) is added in a separate step, so a
/// field can transiently dip below its true value by the number of threads
/// caught between those two steps; the bias keeps every field inside its 21
/// bits (values stay in `[2^19 - threads, 2^19 + 100_000 + threads]`), so a
/// wrapping `fetch_add` of the packed delta never borrows across fields and
/// every intermediate word decodes to the sum of the deltas applied so far.
const FIELD_BITS: u32 = 21;
const FIELD_MASK: u64 = (1 << FIELD_BITS) - 1;
const BIAS: u64 = 1 << 19;
const BIAS_ALL: u64 = BIAS | (BIAS << FIELD_BITS) | (BIAS << (2 * FIELD_BITS));

#[inline]
const fn encode(code: u32) -> u64 {
    let c = code as u64;
    (c & 1) | (((c >> 1) & 1) << FIELD_BITS) | (((c >> 2) & 1) << (2 * FIELD_BITS))
}

#[inline]
fn decode_field(word: u64, i: u32) -> u64 {
    ((word >> (i * FIELD_BITS)) & FIELD_MASK).saturating_sub(BIAS)
}

/// Whether a totals word holds no failure and no slow call (both fields at
/// `BIAS` exactly; a field transiently below it decodes to 0 too, and is
/// then decoded the long way).
#[inline]
pub(crate) fn all_good(totals: u64) -> bool {
    totals >> FIELD_BITS == BIAS_ALL >> FIELD_BITS
}

/// The counts of a totals word.
#[inline]
pub(crate) fn decode(w: u64) -> Counts {
    let calls = decode_field(w, 0);
    Counts {
        calls,
        failures: decode_field(w, 1).min(calls),
        slow: decode_field(w, 2).min(calls),
    }
}

/// The last `n` calls.
#[derive(Debug)]
pub(crate) struct CountWindow {
    slots: PlaceSlice<AtomicU32>,
    /// `ceil(2^64 / len)`: `i % len` by multiplication (Lemire's fastmod),
    /// since a hardware division would cost more than the rest of `record`.
    fastmod_m: u64,
    /// The totals word of a full window of plain successes.
    full_of_successes: u64,
    /// Written by every record; on lines of their own.
    hot: Place<Padded<WindowHot>>,
}

#[derive(Debug)]
#[cfg_attr(not(seawall_loom), derive(zerocopy::FromBytes))]
#[repr(C)]
pub(crate) struct WindowHot {
    /// Outcomes ever recorded (never reset: `clear` empties the slots only);
    /// its low 32 bits pick the slot. The breaker derives its lifetime
    /// success count from it.
    cursor: AtomicU64,
    /// Read after every record, so it shares the cursor's line.
    totals: AtomicU64,
}

impl CountWindow {
    pub(crate) fn new(n: u64) -> Self {
        let len = n.max(1);
        CountWindow {
            slots: PlaceSlice::Local((0..len).map(|_| AtomicU32::new(0)).collect()),
            fastmod_m: (u64::MAX / len).wrapping_add(1),
            full_of_successes: BIAS_ALL.wrapping_add(len),
            hot: Place::Local(Padded(WindowHot {
                cursor: AtomicU64::new(0),
                totals: AtomicU64::new(BIAS_ALL),
            })),
        }
    }

    /// Bytes a window of `n` takes in a region slot.
    #[cfg(all(unix, not(seawall_loom)))]
    pub(crate) fn region_bytes(n: u64) -> usize {
        size_of::<Padded<WindowHot>>() + (n.max(1) as usize * 4).next_multiple_of(128)
    }

    /// A window of `n` at byte `at` of a region slot (`init`: the creator
    /// sets the empty totals).
    #[cfg(all(unix, not(seawall_loom)))]
    pub(crate) fn in_slot(
        n: u64,
        slot: &crate::shm::Slot,
        at: usize,
        init: bool,
    ) -> crate::error::Result<Self> {
        let len = n.max(1);
        let hot = slot.view::<Padded<WindowHot>>(at)?;
        if init {
            hot.totals.store(BIAS_ALL, Ordering::Release);
        }
        let slots = slot.slice::<AtomicU32>(at + size_of::<Padded<WindowHot>>(), len as usize)?;
        Ok(CountWindow {
            slots: PlaceSlice::Region(slots),
            fastmod_m: (u64::MAX / len).wrapping_add(1),
            full_of_successes: BIAS_ALL.wrapping_add(len),
            hot: Place::Region(hot),
        })
    }

    #[inline]
    fn slot(&self, i: u64) -> Option<&AtomicU32> {
        let len = self.slots.len() as u64;
        // Exact `i % len` for 32-bit `i` (the cursor is masked to 32 bits;
        // wrapping it only shifts which slot is oldest, and 2^32 is not a
        // multiple of len in general, so one slot is overwritten early once
        // every 2^32 calls — harmless for a sliding count).
        let i = i & 0xFFFF_FFFF;
        let low = self.fastmod_m.wrapping_mul(i);
        let idx = ((u128::from(low) * u128::from(len)) >> 64) as usize;
        self.slots.get(idx)
    }

    /// Puts `code` in `slot` and applies the delta to the totals. When the
    /// slot already holds `code` (the steady state: a success replacing a
    /// success) this is one load and no write: the swap it stands for would
    /// have written the same value, so it takes effect at the load.
    #[inline]
    fn swap_slot(&self, slot: &AtomicU32, code: u32) {
        if slot.load(Ordering::Acquire) == code {
            return;
        }
        let old = slot.swap(code, Ordering::AcqRel);
        if old != code {
            self.hot
                .totals
                .fetch_add(encode(code).wrapping_sub(encode(old)), Ordering::AcqRel);
        }
    }

    /// Records one outcome, returning the totals right after it.
    #[inline]
    pub(crate) fn record(&self, failure: bool, slow: bool) -> Counts {
        decode(self.record_raw(failure, slow))
    }

    /// Records a success that is not slow; `true` when it cannot change the
    /// window's totals and they show no failure or slow call (so no rule
    /// can fire), `false` when the caller must look at the totals.
    ///
    /// When the totals read before the cursor moves show a full window of
    /// plain successes, every slot holds `CALL` and the slot this success
    /// takes would be rewritten with the value it holds: only the cursor
    /// moves (one atomic add, no slot access). The totals are read first, so
    /// the record takes effect at that read — like the skipped swap in
    /// [`swap_slot`](Self::swap_slot), it then races with a concurrent
    /// writer of an older index exactly as a late swap of that writer would.
    #[inline]
    pub(crate) fn record_plain_success(&self) -> Option<u64> {
        let before = self.hot.totals.load(Ordering::Acquire);
        if before == self.full_of_successes {
            self.hot.cursor.fetch_add(1, Ordering::AcqRel);
            return None;
        }
        Some(self.record_raw(false, false))
    }

    /// Records one outcome, returning the packed totals word right after it.
    #[inline]
    pub(crate) fn record_raw(&self, failure: bool, slow: bool) -> u64 {
        let code = CALL | if failure { FAIL } else { 0 } | if slow { SLOW } else { 0 };
        let i = self.hot.cursor.fetch_add(1, Ordering::AcqRel);
        if let Some(slot) = self.slot(i) {
            self.swap_slot(slot, code);
        }
        self.hot.totals.load(Ordering::Acquire)
    }

    /// Outcomes recorded since construction (`clear` does not reset it).
    pub(crate) fn recorded(&self) -> u64 {
        self.hot.cursor.load(Ordering::Acquire)
    }

    pub(crate) fn counts(&self) -> Counts {
        decode(self.hot.totals.load(Ordering::Acquire))
    }

    /// Empties the window. Every slot is swapped to empty and its delta
    /// applied like a recording, so totals never drift from the slots even
    /// when recordings race with the clear.
    pub(crate) fn clear(&self) {
        for slot in self.slots.iter() {
            self.swap_slot(slot, 0);
        }
    }
}

/// Time-window bucket words: `[tag:24 | payload:40]`, tag = epoch second
/// modulo 2^24 (about 194 days). The `calls` word's payload is one 40-bit
/// count; the `bad` word's payload is `failures:20 | slow:20` (low to high),
/// each saturating at 2^20 - 1 per bucket. A word whose tag is not one of the
/// last `n` seconds counts as empty; the first write in a new second replaces
/// it in the same CAS, so rollover is exact per word.
const TAG_SHIFT: u32 = 40;
const TAG_MASK: u64 = (1 << 24) - 1;
const PAYLOAD_MASK: u64 = (1 << TAG_SHIFT) - 1;
const F20: u64 = (1 << 20) - 1;

#[derive(Debug)]
#[cfg_attr(not(seawall_loom), derive(zerocopy::FromBytes))]
#[repr(C)]
pub(crate) struct Bucket {
    calls: AtomicU64,
    bad: AtomicU64,
}

/// The calls of the last `n` seconds.
#[derive(Debug)]
pub(crate) struct TimeWindow {
    buckets: PlaceSlice<Bucket>,
}
crate::place::region_cells!(WindowHot, Bucket);

#[inline]
fn bump(word: &AtomicU64, tag: u64, f: impl Fn(u64) -> u64) {
    let mut cur = word.load(Ordering::Acquire);
    loop {
        let payload = if cur >> TAG_SHIFT == tag {
            cur & PAYLOAD_MASK
        } else {
            0
        };
        let next = (tag << TAG_SHIFT) | (f(payload) & PAYLOAD_MASK);
        match word.compare_exchange_weak(cur, next, Ordering::AcqRel, Ordering::Acquire) {
            Ok(_) => return,
            Err(actual) => cur = actual,
        }
    }
}

impl TimeWindow {
    pub(crate) fn new(n_secs: u64) -> Self {
        TimeWindow {
            buckets: PlaceSlice::Local(
                (0..n_secs.max(1))
                    .map(|_| Bucket {
                        calls: AtomicU64::new(0),
                        bad: AtomicU64::new(0),
                    })
                    .collect(),
            ),
        }
    }

    /// Bytes a window of `n_secs` takes in a region slot.
    #[cfg(all(unix, not(seawall_loom)))]
    pub(crate) fn region_bytes(n_secs: u64) -> usize {
        (n_secs.max(1) as usize * size_of::<Bucket>()).next_multiple_of(128)
    }

    /// A window of `n_secs` at byte `at` of a region slot (zeroed = empty).
    #[cfg(all(unix, not(seawall_loom)))]
    pub(crate) fn in_slot(
        n_secs: u64,
        slot: &crate::shm::Slot,
        at: usize,
    ) -> crate::error::Result<Self> {
        Ok(TimeWindow {
            buckets: PlaceSlice::Region(slot.slice::<Bucket>(at, n_secs.max(1) as usize)?),
        })
    }

    fn len(&self) -> u64 {
        self.buckets.len() as u64
    }

    /// Records one outcome at `now_ns`, returning the window's counts.
    pub(crate) fn record(&self, now_ns: u64, failure: bool, slow: bool) -> Counts {
        let epoch = now_ns / NS_PER_SEC;
        let tag = epoch & TAG_MASK;
        let idx = usize::try_from(epoch % self.len()).unwrap_or(0);
        if let Some(b) = self.buckets.get(idx) {
            bump(&b.calls, tag, |p| p.saturating_add(1).min(PAYLOAD_MASK));
            if failure || slow {
                bump(&b.bad, tag, |p| {
                    let mut fl = p & F20;
                    let mut sl = (p >> 20) & F20;
                    if failure {
                        fl = (fl + 1).min(F20);
                    }
                    if slow {
                        sl = (sl + 1).min(F20);
                    }
                    fl | (sl << 20)
                });
            }
        }
        self.counts(now_ns)
    }

    /// Sums the buckets of the last `n` seconds (O(n) loads).
    pub(crate) fn counts(&self, now_ns: u64) -> Counts {
        let cur = (now_ns / NS_PER_SEC) & TAG_MASK;
        let n = self.len();
        let live = |w: u64| cur.wrapping_sub(w >> TAG_SHIFT) & TAG_MASK < n;
        let mut c = Counts::default();
        for b in self.buckets.iter() {
            let w = b.calls.load(Ordering::Acquire);
            if live(w) {
                c.calls = c.calls.saturating_add(w & PAYLOAD_MASK);
            }
            let w = b.bad.load(Ordering::Acquire);
            if live(w) {
                c.failures = c.failures.saturating_add(w & F20);
                c.slow = c.slow.saturating_add((w >> 20) & F20);
            }
        }
        c.failures = c.failures.min(c.calls);
        c.slow = c.slow.min(c.calls);
        c
    }

    pub(crate) fn clear(&self) {
        for b in self.buckets.iter() {
            b.calls.store(0, Ordering::Release);
            b.bad.store(0, Ordering::Release);
        }
    }
}

/// The timestamps of the last `n` failures (stored as `ns + 1`, 0 = empty).
#[derive(Debug)]
pub(crate) struct FailureRing {
    slots: PlaceSlice<AtomicU64>,
    cursor: Place<AtomicU64>,
}

impl FailureRing {
    pub(crate) fn new(n: u64) -> Self {
        FailureRing {
            slots: PlaceSlice::Local((0..n.max(1)).map(|_| AtomicU64::new(0)).collect()),
            cursor: Place::Local(AtomicU64::new(0)),
        }
    }

    /// Bytes a ring of `n` takes in a region slot.
    #[cfg(all(unix, not(seawall_loom)))]
    pub(crate) fn region_bytes(n: u64) -> usize {
        ((n.max(1) as usize + 1) * 8).next_multiple_of(128)
    }

    /// A ring of `n` at byte `at` of a region slot (zeroed = empty).
    #[cfg(all(unix, not(seawall_loom)))]
    pub(crate) fn in_slot(
        n: u64,
        slot: &crate::shm::Slot,
        at: usize,
    ) -> crate::error::Result<Self> {
        Ok(FailureRing {
            cursor: Place::Region(slot.view::<AtomicU64>(at)?),
            slots: PlaceSlice::Region(slot.slice::<AtomicU64>(at + 8, n.max(1) as usize)?),
        })
    }

    fn slot(&self, i: u64) -> Option<&AtomicU64> {
        let len = self.slots.len() as u64;
        self.slots.get(usize::try_from(i % len.max(1)).unwrap_or(0))
    }

    /// Records a failure at `now_ns`; returns whether the last `n` failures
    /// (this one included) are all younger than `period_ns`.
    pub(crate) fn record(&self, now_ns: u64, period_ns: u64) -> bool {
        let i = self.cursor.fetch_add(1, Ordering::AcqRel);
        if let Some(s) = self.slot(i) {
            s.store(now_ns.saturating_add(1), Ordering::Release);
        }
        // After writing failure i, slot i+1 holds failure i+1-n: the oldest
        // of the last n.
        let oldest = self
            .slot(i.wrapping_add(1))
            .map_or(0, |s| s.load(Ordering::Acquire));
        oldest != 0 && now_ns.saturating_sub(oldest - 1) < period_ns
    }

    /// Failures younger than `period_ns` (at most `n`).
    pub(crate) fn live(&self, now_ns: u64, period_ns: u64) -> u64 {
        self.slots
            .iter()
            .map(|s| s.load(Ordering::Acquire))
            .filter(|&t| t != 0 && now_ns.saturating_sub(t - 1) < period_ns)
            .count() as u64
    }

    pub(crate) fn clear(&self) {
        for s in self.slots.iter() {
            s.store(0, Ordering::Release);
        }
    }
}

#[cfg(test)]
mod tests {

    #[test]
    fn fastmod_slot_is_exact_modulo() {
        for len in [1u64, 2, 3, 7, 10, 100, 99_991, MAX_LEN_FOR_TEST] {
            let w = CountWindow::new(len);
            let base = w.slots.as_ptr();
            for i in (0..5_000u64).chain(u64::from(u32::MAX) - 5_000..=u64::from(u32::MAX)) {
                let slot = w.slot(i).map(|s| s as *const AtomicU32);
                let want = base.wrapping_add((i % len) as usize);
                assert_eq!(slot, Some(want), "len {len} i {i}");
            }
        }
    }
    const MAX_LEN_FOR_TEST: u64 = crate::circuit_breaker::MAX_COUNT_WINDOW;
    use super::*;

    #[test]
    fn count_window_keeps_last_n() {
        let w = CountWindow::new(3);
        w.record(true, false);
        w.record(true, true);
        let c = w.record(false, false);
        assert_eq!(
            c,
            Counts {
                calls: 3,
                failures: 2,
                slow: 1
            }
        );
        let c = w.record(false, false); // evicts the first failure
        assert_eq!(
            c,
            Counts {
                calls: 3,
                failures: 1,
                slow: 1
            }
        );
        let c = w.record(false, false);
        assert_eq!(
            c,
            Counts {
                calls: 3,
                failures: 0,
                slow: 0
            }
        );
        w.clear();
        assert_eq!(w.counts(), Counts::default());
        assert_eq!(
            w.record(true, false),
            Counts {
                calls: 1,
                failures: 1,
                slow: 0
            }
        );
    }

    #[test]
    fn count_window_of_one() {
        let w = CountWindow::new(1);
        assert_eq!(
            w.record(true, true),
            Counts {
                calls: 1,
                failures: 1,
                slow: 1
            }
        );
        assert_eq!(
            w.record(false, false),
            Counts {
                calls: 1,
                failures: 0,
                slow: 0
            }
        );
    }

    #[test]
    fn time_window_expires_buckets() {
        let s = NS_PER_SEC;
        let w = TimeWindow::new(2);
        w.record(0, true, false);
        w.record(s / 2, false, true);
        assert_eq!(
            w.counts(s - 1),
            Counts {
                calls: 2,
                failures: 1,
                slow: 1
            }
        );
        let c = w.record(s, false, false);
        assert_eq!(
            c,
            Counts {
                calls: 3,
                failures: 1,
                slow: 1
            }
        );
        // At 2 s the bucket of second 0 has left the window.
        assert_eq!(
            w.counts(2 * s),
            Counts {
                calls: 1,
                failures: 0,
                slow: 0
            }
        );
        // Second 2 reuses second 0's bucket: rollover replaces, not adds.
        assert_eq!(
            w.record(2 * s, true, false),
            Counts {
                calls: 2,
                failures: 1,
                slow: 0
            }
        );
        // Long idle: everything expired.
        assert_eq!(w.counts(1_000 * s), Counts::default());
        w.clear();
        assert_eq!(w.counts(2 * s), Counts::default());
    }

    #[test]
    fn failure_ring_expires() {
        let r = FailureRing::new(2);
        assert!(!r.record(0, 10));
        assert!(r.record(9, 10), "two failures 9 ns apart, period 10");
        assert!(!r.record(19, 10), "failure at 9 is exactly 10 old: expired");
        assert_eq!(r.live(19, 10), 1);
        r.clear();
        assert_eq!(r.live(19, 10), 0);
        let one = FailureRing::new(1);
        assert!(one.record(5, 1));
    }
}
