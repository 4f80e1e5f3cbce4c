//! The bulkhead's state word: its two layouts, the lock-free fast path
//! that takes and gives back slots, and the reading of the counters.

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

use super::{Bulkhead, BulkheadMetrics};
use crate::sync::Ordering;

/// Field positions of one bulkhead's state word (see the table above).
#[derive(Debug, Clone, Copy)]
pub(super) struct Layout {
    pub(super) active_mask: u64,
    pub(super) queued_shift: u32,
    pub(super) queued_mask: u64,
    /// `1 << A`.
    pub(super) queued_one: u64,
    /// The active and queued fields together: `s & low_mask < max` is
    /// "room and nobody waits" (`max < 2^A`, so any queued bit exceeds it).
    pub(super) low_mask: u64,
    /// Bits of the grant counter; 0 = not packed (grants count in `total`).
    pub(super) grant_bits: u32,
    /// `1 << (64 - G)`, or 0.
    pub(super) grant_one: u64,
    /// `1 << (63 - G)`, or 0.
    pub(super) parity: u64,
    /// Add mode (see the second table). Then `grant_one` is the attempts
    /// counter's unit and `grant_bits` is 0.
    pub(super) add_mode: bool,
    /// Add mode: bits of the attempts counter (C), at the top of the word.
    pub(super) counter_bits: u32,
    /// Add mode: the low `cross_bits` bits of the attempts counter, in place
    /// (all ones in the old word: this fetch_add crosses a multiple of
    /// `2^cross_bits`).
    pub(super) cross_mask: u64,
    /// Add mode: crossings are counted at multiples of `2^cross_bits`.
    pub(super) cross_bits: u32,
}

/// Fewest bits worth packing a grant counter into (it wraps every 2^G
/// grants; below this, count in a separate atomic).
pub(super) const MIN_GRANT_BITS: u32 = 16;

/// Add mode: headroom bits above `max_concurrent`'s in the active field.
/// Each thread adds at most one transient +1, so `active` stays below
/// `max + 2^24`: far more threads than any OS lets a process have (Linux
/// caps thread ids at 2^22).
pub(super) const ADD_HEADROOM: u32 = 24;
/// Add mode: crossings of a multiple of `2^ADD_CROSS_BITS` attempts are
/// counted in `grant_wraps` (one extra atomic add per 256 attempts).
pub(super) const ADD_CROSS_BITS: u32 = 8;
/// Add mode: fewest bits of the attempts counter above `ADD_CROSS_BITS`:
/// readers stay exact while fewer than `2^16` crossings wait to be counted.
pub(super) const ADD_MIN_LAG_BITS: u32 = 16;

/// Bits of the active (A) and queued (Q) fields for a configuration.
pub(super) fn field_bits(max_concurrent: u64, max_queue: u64) -> (u32, u32) {
    let bits = |v: u64| 64 - v.leading_zeros();
    (bits(max_concurrent).max(1), bits(max_queue))
}

impl Layout {
    pub(super) fn new(max_concurrent: u64, max_queue: u64) -> Layout {
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
    pub(super) fn add_mode(a: u32, h: u32, g: u32, c: u32) -> Layout {
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
    pub(super) fn with_grant_bits(a: u32, q: u32, g: u32) -> Layout {
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
    pub(super) const fn active_of(self, s: u64) -> u64 {
        s & self.active_mask
    }

    #[inline]
    pub(super) const fn queued_of(self, s: u64) -> u64 {
        (s >> self.queued_shift) & self.queued_mask
    }

    #[inline]
    pub(super) const fn grants_of(self, s: u64) -> u64 {
        if self.grant_bits == 0 {
            0
        } else {
            s >> (64 - self.grant_bits)
        }
    }

    #[inline]
    pub(super) const fn parity_of(self, s: u64) -> bool {
        s & self.parity != 0
    }
}

impl Bulkhead {
    /// `metrics` in CAS mode (see the first table).
    pub(super) fn metrics_cas_mode(&self) -> BulkheadMetrics {
        let l = self.layout;
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
            rejected: self.rejected.sum(),
            max_concurrent: self.cfg.max_concurrent,
            max_queue: self.cfg.max_queue,
        }
    }

    /// `metrics` in add mode (see the second table).
    pub(super) fn metrics_add_mode(&self) -> BulkheadMetrics {
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
            rejected: self.rejected.sum(),
            max_concurrent: self.cfg.max_concurrent,
            max_queue: self.cfg.max_queue,
        }
    }

    /// active+1 if there is room and nobody waits, counting the grant (in
    /// the word's grant counter, or in `total` when the word has no room).
    #[inline(always)]
    pub(super) fn try_take_fast(&self) -> bool {
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
    pub(super) fn resolve_lost(&self, mut cur: u64) -> bool {
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
            // `grant_wraps` at least that far (with an acquire-only CAS
            // here the loom models find a stale read).
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

    /// Gives one slot back to the pool (or the queue's oldest waiter).
    #[inline]
    pub(super) fn release_core(&self) {
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
}
