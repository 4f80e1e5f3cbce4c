//! Sliding-window limiter: at most `limit` requests in any window of length
//! `window`, with bucketed sub-windows counted conservatively.
//!
//! The window is cut into `buckets` sub-windows of `g = ceil(window / buckets)`
//! ns; bucket `i` covers `[i*g, (i+1)*g)` on the clock. A request at time `t`
//! (bucket `c = floor(t / g)`) is granted iff the requests already granted in
//! buckets `c - buckets ..= c` plus `n` stay within `limit`. Because those
//! `buckets + 1` buckets always cover the last `window` nanoseconds, **no
//! interval of length `window` ever holds more than `limit` grants** (bound 0);
//! the price is that grants stay counted for up to `window + g`. See
//! `spec/sliding_window.md` for the exact bounds.
//!
//! Counters live in `buckets + 1` atomic words (a ring), updated with
//! compare-and-swap; no lock, no allocation after construction.

use crate::clock::{duration_to_ns, Clock, ClockSource};
use crate::divide::Divisor;
use crate::error::{Error, Result};
use crate::limit::{Decision, LimiterWait, RateLimiter, Reservation, WaitTarget};
use crate::sync::{AtomicU64, Mutex, Ordering};
use crate::token_bucket::MAX_NS;
use crate::validate;
use std::sync::Arc;
use std::task::Waker;

mod queue;
pub(crate) use queue::{wake_all, FifoQueue, QueueCounters, Settled};
use std::time::Duration;

// Packed bucket word (one per ring slot):
//
// | bits 63..24       | bits 23..0 |
// |-------------------|------------|
// | lap tag (40 bits) | count      |
//
// A slot at ring position `p` holds bucket index `lap * (B + 1) + p`; the tag
// is `lap mod 2^40`. A word whose tag is neither the lap of the bucket the
// position stands for in the current span, nor the lap after it (a bucket a
// concurrent thread with a slightly later clock has opened), is stale: count 0.
// Tags alias only after 2^40 laps, i.e. 2^40 windows (>= 34 years for the
// smallest window of 1 ms); an aliased stale word is counted, which can only
// deny, never over-grant.
const COUNT_BITS: u32 = 24;
const COUNT_MASK: u64 = (1 << COUNT_BITS) - 1;
const TAG_MASK: u64 = (1 << (64 - COUNT_BITS)) - 1;

/// The largest `limit` a sliding window accepts (24-bit counters).
pub const MAX_LIMIT: u64 = COUNT_MASK;
/// The largest `buckets` a sliding window accepts.
pub const MAX_BUCKETS: u32 = 1024;
/// The smallest `window` accepted (1 ms).
pub const MIN_WINDOW: Duration = Duration::from_millis(1);

#[inline]
fn pack(lap: u64, count: u64) -> u64 {
    ((lap & TAG_MASK) << COUNT_BITS) | (count & COUNT_MASK)
}
#[inline]
fn tag_of(word: u64) -> u64 {
    word >> COUNT_BITS
}
#[inline]
fn count_of(word: u64) -> u64 {
    word & COUNT_MASK
}

/// Configuration of a [`SlidingWindowLimiter`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SlidingWindowConfig {
    /// Requests allowed in any window, `1 ..= 16_777_215`. Default 100.
    pub limit: u64,
    /// The window length, `1 ms ..= 100 years`. Default 60 s.
    pub window: Duration,
    /// Sub-windows per window, `1 ..= 1024`. More buckets = grants expire
    /// closer to exactly `window` after they were made (at most `window / buckets`
    /// late), at 8 bytes each. Default 10.
    pub buckets: u32,
}

impl Default for SlidingWindowConfig {
    fn default() -> Self {
        Self {
            limit: 100,
            window: Duration::from_secs(60),
            buckets: 10,
        }
    }
}

impl SlidingWindowConfig {
    /// Checks every field; `InvalidConfig` names the first bad one.
    pub fn validate(&self) -> Result<()> {
        Window::new(self).map(|_| ())
    }
}

/// Validated window parameters and the algorithm over a ring of words;
/// shared with the keyed limiter.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Window {
    pub(crate) limit: u64,
    /// Bucket width `g` in ns, `>= 1`.
    pub(crate) g: u64,
    /// `B`, the number of buckets per window; the ring has `B + 1` words.
    pub(crate) b: u64,
    pub(crate) window_ns: u64,
    /// `g` and `B + 1` as [`Divisor`]s: the hot path divides by both on
    /// every call (two multiplications each instead of a `DIV`).
    g_div: Divisor,
    len_div: Divisor,
}

/// One bucket of the current span, as seen by one read of the ring.
#[derive(Clone, Copy)]
struct Seen {
    count: u64,
    /// Bucket index (may be above the current one: a concurrent thread's);
    /// below 2^45 (see `for_each_counted`).
    idx: u64,
}

impl Window {
    pub(crate) fn new(cfg: &SlidingWindowConfig) -> Result<Self> {
        validate::int_in_range("limit", cfg.limit, 1, MAX_LIMIT)?;
        validate::int_in_range("buckets", u64::from(cfg.buckets), 1, u64::from(MAX_BUCKETS))?;
        validate::positive_duration("window", cfg.window)?;
        if cfg.window < MIN_WINDOW {
            return Err(Error::config(
                "window",
                format!("must be >= 1 ms, got {:?}", cfg.window),
            ));
        }
        let window_ns = duration_to_ns(cfg.window);
        let b = u64::from(cfg.buckets);
        let g = window_ns.div_ceil(b);
        let (Some(g_div), Some(len_div)) = (Divisor::new(g), Divisor::new(b + 1)) else {
            // g >= 1 ms / 1024 and B + 1 >= 2: unreachable after the checks
            return Err(Error::config(
                "window",
                format!("gives a zero bucket width, got {:?}", cfg.window),
            ));
        };
        Ok(Self {
            limit: cfg.limit,
            g,
            b,
            window_ns,
            g_div,
            len_div,
        })
    }

    /// The bucket of clock reading `t`: `t / g`.
    #[inline]
    pub(crate) fn bucket_of(&self, t: u64) -> u64 {
        self.g_div.div(t)
    }

    /// Bucket index `cur` as `(lap, ring position)`: `cur / (B + 1)`,
    /// `cur % (B + 1)`.
    #[inline]
    fn lap_pos(&self, cur: u64) -> (u64, u64) {
        self.len_div.div_rem(cur)
    }

    /// Ring length, `B + 2`: `B + 1` bucket words and the newest bucket
    /// index a grant was counted in (the backwards-clock clamp).
    pub(crate) fn ring_len(&self) -> usize {
        usize::try_from(self.b + 2).unwrap_or(usize::MAX)
    }

    /// The time a request is judged at: `now`, or, if the clock reads earlier
    /// than the bucket of the newest grant (a clock set back), the start of
    /// that bucket. So a clock set back never un-counts a grant.
    #[inline]
    pub(crate) fn clamp(&self, ring: &[AtomicU64], now: u64) -> u64 {
        let newest = ring
            .get(self.ring_len() - 1)
            .map_or(0, |w| w.load(Ordering::SeqCst));
        if self.bucket_of(now) < newest {
            newest.saturating_mul(self.g)
        } else {
            now
        }
    }

    /// Visits the `B + 1` ring slots: for each, the bucket it holds if that
    /// bucket is counted at `now` (in the span `cur - B ..= cur`, or the one
    /// after, opened by a thread with a later clock).
    #[inline]
    fn for_each_counted(&self, ring: &[AtomicU64], now: u64, mut f: impl FnMut(usize, u64, Seen)) {
        let cur = self.bucket_of(now);
        let len = self.b + 1;
        // One division for the whole ring: cur = lap_cur * len + p_cur. In
        // u64: g >= 1 ms / 1024 > 900 ns, so bucket indices stay below
        // 2^45 and `base + pos + len` cannot overflow.
        let (lap_cur, p_cur) = self.lap_pos(cur);
        let base = cur - p_cur;
        for (pos, slot) in ring.iter().take(self.ring_len() - 1).enumerate() {
            let word = slot.load(Ordering::SeqCst);
            let count = count_of(word);
            if count == 0 {
                continue;
            }
            // The bucket this position stands for in the span, e ≡ pos
            // (mod B+1) with cur - B <= e <= cur, is `next - len`, where
            // `next` (the bucket one lap later: one a thread with a later
            // clock may have opened) is in lap `lap_next`. A position at or
            // before cur's is in cur's lap, a later one in the lap before;
            // no division per slot.
            let pos64 = pos as u64;
            let (next, lap_next) = if pos64 <= p_cur {
                (base + pos64 + len, lap_cur + 1)
            } else {
                (base + pos64, lap_cur)
            };
            let tag = tag_of(word);
            // `next < len`: e would be before time 0 (then lap_next is 0).
            let idx = if next >= len && tag == ((lap_next - 1) & TAG_MASK) {
                next - len
            } else if tag == (lap_next & TAG_MASK) {
                next
            } else {
                continue;
            };
            f(pos, word, Seen { count, idx });
        }
    }

    /// Requests counted at `now` and the newest counted bucket.
    #[inline]
    fn count(&self, ring: &[AtomicU64], now: u64) -> (u64, Option<u128>) {
        // Counts are 24-bit and there are at most 1025 of them: no overflow.
        let mut sum = 0u64;
        let mut newest = 0u64;
        let mut any = false;
        self.for_each_counted(ring, now, |_, _, s| {
            sum += s.count;
            newest = newest.max(s.idx);
            any = true;
        });
        (sum, any.then_some(u128::from(newest)))
    }

    /// The clock reading at which bucket `idx` stops being counted.
    fn expiry_of(&self, idx: u128) -> u64 {
        let end = (idx + u128::from(self.b) + 1) * u128::from(self.g);
        u64::try_from(end).unwrap_or(u64::MAX)
    }

    /// Nanoseconds from `now` until bucket `idx` stops being counted.
    fn expires_in(&self, idx: u128, now: u64) -> u64 {
        let end = (idx + u128::from(self.b) + 1) * u128::from(self.g);
        u64::try_from(end.saturating_sub(u128::from(now))).unwrap_or(u64::MAX)
    }

    /// Whether nothing is counted at `now` (indistinguishable from fresh).
    pub(crate) fn is_empty(&self, ring: &[AtomicU64], now: u64) -> bool {
        self.count(ring, self.clamp(ring, now)).0 == 0
    }

    /// Nanoseconds until nothing is counted (0 if nothing is now).
    pub(crate) fn reset_in(&self, ring: &[AtomicU64], now: u64) -> u64 {
        let now = self.clamp(ring, now);
        self.count(ring, now)
            .1
            .map_or(0, |i| self.expires_in(i, now))
    }

    /// The decision for `n` on an empty window (nothing stored).
    pub(crate) fn fresh_decision(&self, now: u64, n: u64) -> Decision {
        Decision {
            allowed: true,
            remaining: self.limit.saturating_sub(n),
            retry_after: Duration::ZERO,
            reset_after: Duration::from_nanos(
                self.expires_in(u128::from(self.bucket_of(now)), now),
            ),
        }
    }

    /// `n` must be in `1..=limit`.
    pub(crate) fn check_n(&self, n: u64) -> Result<()> {
        if n == 0 {
            Err(Error::argument("n", "must be >= 1, got 0"))
        } else if n > self.limit {
            Err(Error::argument(
                "n",
                format!(
                    "exceeds the limit {} and can never be granted, got {n}",
                    self.limit
                ),
            ))
        } else {
            Ok(())
        }
    }

    /// Adds `n` to the bucket of `now`; returns the word written (to undo).
    fn add(&self, ring: &[AtomicU64], now: u64, n: u64) -> Option<(usize, u64)> {
        let cur = self.bucket_of(now);
        let (lap, pos) = self.lap_pos(cur);
        let pos = usize::try_from(pos).ok()?;
        let slot = ring.get(pos)?;
        if let Some(newest) = ring.get(self.ring_len() - 1) {
            if newest.load(Ordering::SeqCst) < cur {
                newest.fetch_max(cur, Ordering::SeqCst);
            }
        }
        let mut word = slot.load(Ordering::SeqCst);
        loop {
            let tag = tag_of(word);
            let next = if tag == lap & TAG_MASK || tag == lap.wrapping_add(1) & TAG_MASK {
                // Current bucket (or a later one a concurrent thread opened).
                let c = count_of(word).checked_add(n).filter(|&c| c <= COUNT_MASK)?;
                (word & !COUNT_MASK) | c
            } else {
                pack(lap, n)
            };
            match slot.compare_exchange_weak(word, next, Ordering::SeqCst, Ordering::SeqCst) {
                Ok(_) => return Some((pos, next)),
                Err(actual) => word = actual,
            }
        }
    }

    /// Takes `n` back from the word written by [`add`](Self::add), unless the
    /// slot has moved on to another bucket since (then the grant is gone anyway).
    fn undo(&self, ring: &[AtomicU64], pos: usize, written: u64, n: u64) {
        let Some(slot) = ring.get(pos) else { return };
        let mut word = slot.load(Ordering::SeqCst);
        loop {
            if tag_of(word) != tag_of(written) {
                return;
            }
            let next = (word & !COUNT_MASK) | count_of(word).saturating_sub(n);
            match slot.compare_exchange_weak(word, next, Ordering::SeqCst, Ordering::SeqCst) {
                Ok(_) => return,
                Err(actual) => word = actual,
            }
        }
    }

    /// One decision for a validated `n`: increment, then check the whole
    /// span; over the limit → undo and deny.
    pub(crate) fn acquire(&self, ring: &[AtomicU64], now: u64, n: u64) -> Decision {
        let at = self.clamp(ring, now);
        late(self.acquire_at(ring, at, n), at - now)
    }

    fn acquire_at(&self, ring: &[AtomicU64], now: u64, n: u64) -> Decision {
        let added = self.add(ring, now, n);
        let (sum, newest) = self.count(ring, now);
        if let Some((pos, written)) = added {
            if sum <= self.limit {
                let newest = newest.unwrap_or(u128::from(self.bucket_of(now)));
                return Decision {
                    allowed: true,
                    remaining: self.limit - sum,
                    retry_after: Duration::ZERO,
                    reset_after: Duration::from_nanos(self.expires_in(newest, now)),
                };
            }
            self.undo(ring, pos, written, n);
        }
        self.denied(ring, now, n)
    }

    /// The answer for a request of `n` that is not (or no longer) counted.
    fn denied(&self, ring: &[AtomicU64], now: u64, n: u64) -> Decision {
        let (sum, newest) = self.count(ring, now);
        // Buckets expire oldest first; find the first expiry after which
        // `rest + n <= limit`.
        let mut retry_after = 0u64;
        if sum.saturating_add(n) > self.limit {
            let need = sum.saturating_add(n) - self.limit;
            let mut freed = 0u64;
            let cur = u128::from(self.bucket_of(now));
            let first = cur.saturating_sub(u128::from(self.b));
            let last = cur + u128::from(self.b) + 1;
            let mut idx = first;
            while idx <= last && freed < need {
                let (c, _, _) = self.bucket(ring, idx);
                if c > 0 {
                    freed = freed.saturating_add(c);
                    retry_after = self.expires_in(idx, now);
                }
                idx += 1;
            }
        }
        Decision {
            allowed: false,
            remaining: self.limit.saturating_sub(sum),
            retry_after: Duration::from_nanos(retry_after.max(1)),
            reset_after: Duration::from_nanos(newest.map_or(0, |i| self.expires_in(i, now))),
        }
    }

    /// The count of bucket `idx` (one ring word), with that word.
    fn bucket(&self, ring: &[AtomicU64], idx: u128) -> (u64, usize, u64) {
        let len = u128::from(self.b + 1);
        let pos = (idx % len) as usize;
        let lap = (idx / len) as u64;
        match ring.get(pos) {
            Some(slot) => {
                let word = slot.load(Ordering::SeqCst);
                let c = if tag_of(word) == lap & TAG_MASK {
                    count_of(word)
                } else {
                    0
                };
                (c, pos, word)
            }
            None => (0, 0, 0),
        }
    }

    /// The earliest time `>= now` (and not before the due time of the last
    /// waiter ahead) at which `n` more fit in the window, given the ring at
    /// `now` and the waiters `ahead` (`(due, n)`, in queue order) counted in
    /// the buckets of their due times. Exact: counts only ever leave the
    /// window at bucket expiries, so the answer is `now`, the last waiter's
    /// due time, or one of those expiries (`spec/sliding_window.md`).
    pub(crate) fn due_after(
        &self,
        ring: &[AtomicU64],
        ahead: impl Iterator<Item = (u64, u64)>,
        now: u64,
        n: u64,
    ) -> u64 {
        // (expiry, count) of everything counted at `now` or scheduled.
        let mut items: Vec<(u64, u64)> = Vec::new();
        self.for_each_counted(ring, now, |_, _, s| {
            items.push((self.expiry_of(u128::from(s.idx)), s.count));
        });
        let mut t = now;
        for (due, c) in ahead {
            items.push((self.expiry_of(u128::from(self.bucket_of(due))), c));
            t = t.max(due);
        }
        items.sort_unstable();
        let mut counted: u64 = items.iter().map(|&(_, c)| c).fold(0, u64::saturating_add);
        let mut rest = items.iter().peekable();
        loop {
            while let Some(&&(exp, c)) = rest.peek() {
                if exp > t {
                    break;
                }
                counted = counted.saturating_sub(c);
                rest.next();
            }
            if counted.saturating_add(n) <= self.limit {
                return t;
            }
            match rest.peek() {
                Some(&&(exp, _)) => t = exp,
                None => return t, // unreachable: counted > 0 means items left
            }
        }
    }

    /// The clock reading at which the bucket of clock reading `t` stops
    /// being counted.
    pub(crate) fn expiry_at(&self, t: u64) -> u64 {
        self.expiry_of(u128::from(self.bucket_of(t)))
    }

    /// What `acquire` would answer, without counting anything.
    pub(crate) fn peek(&self, ring: &[AtomicU64], now: u64, n: u64) -> Decision {
        let at = self.clamp(ring, now);
        late(self.peek_at(ring, at, n), at - now)
    }

    fn peek_at(&self, ring: &[AtomicU64], now: u64, n: u64) -> Decision {
        let (sum, newest) = self.count(ring, now);
        if sum.saturating_add(n) <= self.limit {
            let cur = u128::from(self.bucket_of(now));
            Decision {
                allowed: true,
                remaining: self.limit - sum - n,
                retry_after: Duration::ZERO,
                reset_after: Duration::from_nanos(
                    self.expires_in(newest.unwrap_or(cur).max(cur), now),
                ),
            }
        } else {
            self.denied(ring, now, n)
        }
    }

    /// Gives back up to `n` counted requests, newest buckets first.
    pub(crate) fn refund(&self, ring: &[AtomicU64], now: u64, n: u64) {
        self.refund_while(ring, now, n, || true);
    }

    /// [`refund`](Self::refund), checking `owned()` after reading each
    /// word it takes from (the keyed table: the ring still belongs to the
    /// key), so a count taken was the owner's when read.
    pub(crate) fn refund_while(
        &self,
        ring: &[AtomicU64],
        now: u64,
        n: u64,
        owned: impl Fn() -> bool,
    ) {
        let now = self.clamp(ring, now);
        let mut left = n;
        let cur = u128::from(self.bucket_of(now));
        let first = cur.saturating_sub(u128::from(self.b));
        let mut idx = cur + u128::from(self.b) + 1;
        while left > 0 && idx >= first {
            let (c, pos, word) = self.bucket(ring, idx);
            if c > 0 {
                if !owned() {
                    return;
                }
                let take = c.min(left);
                let next = (word & !COUNT_MASK) | (c - take);
                let done = ring.get(pos).is_some_and(|slot| {
                    slot.compare_exchange(word, next, Ordering::SeqCst, Ordering::SeqCst)
                        .is_ok()
                });
                if done {
                    left -= take;
                } else {
                    continue; // raced: look at this bucket again
                }
            }
            if idx == 0 {
                break;
            }
            idx -= 1;
        }
    }
}

/// A decision made at a clamped time `by` ns after the clock's reading,
/// with its waits measured from the clock's reading.
fn late(mut d: Decision, by: u64) -> Decision {
    if by > 0 {
        let by = Duration::from_nanos(by);
        if !d.allowed {
            d.retry_after = d.retry_after.saturating_add(by);
        }
        d.reset_after = d.reset_after.saturating_add(by);
    }
    d
}

/// A snapshot of a [`SlidingWindowLimiter`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SlidingWindowMetrics {
    /// Configured limit.
    pub limit: u64,
    /// Requests counted against the limit right now.
    pub count: u64,
    /// `try_acquire` calls granted.
    pub allowed: u64,
    /// `try_acquire` calls denied (errors are not counted). Waiting
    /// acquires count once, when they finish: granted in `allowed`,
    /// refused or given up in `denied`.
    pub denied: u64,
    /// Waiting acquires in the queue now.
    pub waiting: u64,
}

/// At most `limit` requests in any window of length `window`, lock-free.
///
/// ```
/// use seawall::sliding_window::{SlidingWindowConfig, SlidingWindowLimiter};
/// use seawall::ManualClock;
/// use std::time::Duration;
///
/// let clock = ManualClock::new();
/// let cfg = SlidingWindowConfig { limit: 2, window: Duration::from_secs(10), buckets: 10 };
/// let sw = SlidingWindowLimiter::with_clock(cfg, &clock)?;
/// assert!(sw.try_acquire(1)?.allowed);
/// assert!(sw.try_acquire(1)?.allowed);
/// let d = sw.try_acquire(1)?;
/// assert!(!d.allowed);
/// // Both grants sit in bucket [0 s, 1 s); it stops counting at 11 s.
/// assert_eq!(d.retry_after, Duration::from_secs(11));
/// clock.advance(Duration::from_secs(11));
/// assert!(sw.try_acquire(2)?.allowed);
/// # Ok::<(), seawall::Error>(())
/// ```
#[derive(Debug)]
pub struct SlidingWindowLimiter {
    w: Window,
    /// The ring and counters are inline, or in a shared region
    /// (`spec/shared_memory.md`); the code is the same.
    ring: crate::place::PlaceSlice<AtomicU64>,
    allowed: crate::place::Place<AtomicU64>,
    denied: crate::place::Place<AtomicU64>,
    clock: ClockSource,
    /// Waiting acquires in `queue.waiting` (changed only under its lock);
    /// non-zero sends `try_acquire` to the slow path (no barging).
    queued: AtomicU64,
    queue: Mutex<WaitQueue>,
}

/// The FIFO of waiting acquires and its ticket counter.
#[derive(Debug, Default)]
struct WaitQueue {
    next_ticket: u64,
    fifo: FifoQueue,
}

impl QueueCounters for SlidingWindowLimiter {
    fn left(&self) {
        self.queued.fetch_sub(1, Ordering::AcqRel);
    }

    fn denied(&self) {
        self.denied.fetch_add(1, Ordering::Relaxed);
    }
}

/// Locks the wait queue, ignoring poisoning (its invariants hold between
/// statements that cannot panic).
macro_rules! lock {
    ($sw:expr) => {
        $sw.queue
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    };
}

impl SlidingWindowLimiter {
    /// A limiter on the fast in-process clock ([`ClockSource::fast`](crate::ClockSource::fast)).
    pub fn new(cfg: SlidingWindowConfig) -> Result<Self> {
        Self::with_clock(cfg, ClockSource::fast())
    }

    /// A limiter on the given clock.
    pub fn with_clock(cfg: SlidingWindowConfig, clock: impl Into<ClockSource>) -> Result<Self> {
        let w = Window::new(&cfg)?;
        let ring = (0..w.ring_len()).map(|_| AtomicU64::new(0)).collect();
        Ok(Self {
            w,
            ring: crate::place::PlaceSlice::Local(ring),
            allowed: crate::place::Place::Local(AtomicU64::new(0)),
            denied: crate::place::Place::Local(AtomicU64::new(0)),
            clock: clock.into(),
            queued: AtomicU64::new(0),
            queue: Mutex::new(WaitQueue::default()),
        })
    }

    /// The limiter `name` in a shared region: one window for every process
    /// that attaches, on the host's `CLOCK_MONOTONIC`. Attaching with
    /// another config is `InvalidConfig` naming the field. Waiting
    /// acquires queue per process (first come, first served among this
    /// process's waiters; see `spec/shared_memory.md`).
    #[cfg(all(unix, not(seawall_loom)))]
    pub fn in_region(
        cfg: SlidingWindowConfig,
        region: &crate::shm::SharedRegion,
        name: &str,
    ) -> Result<Self> {
        Self::in_region_with_clock(cfg, crate::shm::region_clock(), region, name)
    }

    /// [`in_region`](Self::in_region) on the given clock.
    #[cfg(all(unix, not(seawall_loom)))]
    pub fn in_region_with_clock(
        cfg: SlidingWindowConfig,
        clock: impl Into<ClockSource>,
        region: &crate::shm::SharedRegion,
        name: &str,
    ) -> Result<Self> {
        use crate::shm::{Cfg, SlotKind};
        let mut me = Self::with_clock(cfg.clone(), clock)?;
        let len = me.ring.len();
        let fields = [
            ("limit", Cfg::U64(cfg.limit)),
            ("window", Cfg::U64(crate::clock::duration_to_ns(cfg.window))),
            ("buckets", Cfg::U64(u64::from(cfg.buckets))),
        ];
        // Counters on a line of their own, then the ring.
        let slot = region.slot(
            SlotKind::SlidingWindow,
            name,
            &fields,
            128 + len * 8,
            |_| Ok(()),
        )?;
        me.allowed = crate::place::Place::Region(slot.view::<AtomicU64>(0)?);
        me.denied = crate::place::Place::Region(slot.view::<AtomicU64>(8)?);
        me.ring = crate::place::PlaceSlice::Region(slot.slice::<AtomicU64>(128, len)?);
        Ok(me)
    }

    /// Whether this limiter's state is in a shared region.
    pub fn is_shared(&self) -> bool {
        self.allowed.is_shared()
    }

    /// Counts `n` requests if the window has room. `Err(InvalidArgument)`
    /// for `n == 0` or `n > limit`. A denied request counts nothing.
    pub fn try_acquire(&self, n: u64) -> Result<Decision> {
        self.w.check_n(n)?;
        if self.queued.load(Ordering::Acquire) != 0 {
            let d = self.behind_queue(n);
            self.denied.fetch_add(1, Ordering::Relaxed);
            return Ok(d);
        }
        let d = self.w.acquire(&self.ring, self.clock.now_ns(), n);
        if d.allowed {
            self.allowed.fetch_add(1, Ordering::Relaxed);
        } else {
            self.denied.fetch_add(1, Ordering::Relaxed);
        }
        Ok(d)
    }

    /// What `try_acquire(n)` would answer now, without counting anything.
    pub fn peek(&self, n: u64) -> Result<Decision> {
        self.w.check_n(n)?;
        if self.queued.load(Ordering::Acquire) != 0 {
            return Ok(self.behind_queue(n));
        }
        Ok(self.w.peek(&self.ring, self.clock.now_ns(), n))
    }

    /// Un-counts up to `n` requests still in the window (newest first).
    pub fn refund(&self, n: u64) {
        self.w.refund(&self.ring, self.clock.now_ns(), n);
    }

    /// The bucket width `g = ceil(window / buckets)`.
    pub fn bucket_width(&self) -> Duration {
        Duration::from_nanos(self.w.g)
    }

    /// A snapshot of the counters.
    pub fn metrics(&self) -> SlidingWindowMetrics {
        SlidingWindowMetrics {
            limit: self.w.limit,
            count: self
                .w
                .count(&self.ring, self.w.clamp(&self.ring, self.clock.now_ns()))
                .0,
            allowed: self.allowed.load(Ordering::Relaxed),
            denied: self.denied.load(Ordering::Relaxed),
            waiting: self.queued.load(Ordering::Relaxed),
        }
    }

    /// Counts `n` requests now, or queues them (FIFO) for the earliest time
    /// the window has room for them after everyone queued before, if that
    /// is at most `max_wait` away (see `spec/sliding_window.md`,
    /// "Waiting").
    ///
    /// `Err(RateLimited { retry_after })` when that time is further away
    /// (nothing counted, one denial counted); `Err(InvalidArgument)` for
    /// `n == 0` or `n > limit`.
    pub fn reserve(self: &Arc<Self>, n: u64, max_wait: Duration) -> Result<Reservation> {
        match self.enqueue(n, max_wait)? {
            Queued::Now(d) => Ok(Reservation::Granted(d)),
            Queued::Ticket(t) => Ok(Reservation::Waiting(LimiterWait::new(
                Arc::clone(self) as Arc<dyn WaitTarget>,
                t,
                n,
            ))),
        }
    }

    /// Counts `n` requests, blocking the thread up to `max_wait` in the
    /// FIFO queue (on a [`ManualClock`](crate::ManualClock), until a test
    /// moves the time to the due time). Refused at once, without sleeping,
    /// when they are due later.
    pub fn acquire(&self, n: u64, max_wait: Duration) -> Result<Decision> {
        let ticket = match self.enqueue(n, max_wait)? {
            Queued::Now(d) => return Ok(d),
            Queued::Ticket(t) => t,
        };
        loop {
            if let Some(d) = self.claim(ticket, n)? {
                return Ok(d);
            }
            let due = self.due_ns(ticket).unwrap_or(0);
            self.clock.sleep_until_ns(due, None);
        }
    }

    fn enqueue(&self, n: u64, max_wait: Duration) -> Result<Queued> {
        self.w.check_n(n)?;
        let max_wait_ns = duration_to_ns(max_wait).min(MAX_NS);
        let now = self.clock.now_ns();
        let mut q = lock!(self);
        if !q.fifo.has_waiters() {
            let d = self.w.acquire(&self.ring, now, n);
            if d.allowed {
                self.allowed.fetch_add(1, Ordering::Relaxed);
                return Ok(Queued::Now(d));
            }
        }
        let due = q.fifo.due_behind(&self.w, &self.ring, now, n);
        let wait = due.saturating_sub(now);
        if wait > max_wait_ns || !q.fifo.try_reserve() {
            self.denied.fetch_add(1, Ordering::Relaxed);
            return Err(Error::RateLimited {
                retry_after: Duration::from_nanos(wait.max(1)),
            });
        }
        let ticket = q.next_ticket;
        q.next_ticket = q.next_ticket.wrapping_add(1);
        q.fifo.push(ticket, n, due, now.saturating_add(max_wait_ns));
        self.queued.fetch_add(1, Ordering::AcqRel);
        Ok(Queued::Ticket(ticket))
    }

    /// `try_acquire` / `peek` while others wait: denied (no barging), with
    /// the time this request would be due behind them.
    #[cold]
    #[inline(never)]
    fn behind_queue(&self, n: u64) -> Decision {
        let now = self.clock.now_ns();
        let q = lock!(self);
        let due = q.fifo.due_behind(&self.w, &self.ring, now, n);
        let last = q.fifo.last_expiry(&self.w);
        drop(q);
        let reset = self
            .w
            .reset_in(&self.ring, now)
            .max(last.saturating_sub(now));
        Decision {
            allowed: false,
            remaining: 0,
            retry_after: Duration::from_nanos(due.saturating_sub(now).max(1)),
            reset_after: Duration::from_nanos(reset),
        }
    }
}

/// What `enqueue` got.
enum Queued {
    Now(Decision),
    Ticket(u64),
}

impl WaitTarget for SlidingWindowLimiter {
    fn clock(&self) -> &ClockSource {
        &self.clock
    }

    fn due_ns(&self, key: u64) -> Option<u64> {
        lock!(self).fifo.due(key)
    }

    fn claim(&self, key: u64, _n: u64) -> Result<Option<Decision>> {
        let now = self.clock.now_ns();
        let mut q = lock!(self);
        let (got, wake) = q.fifo.claim(&self.w, &self.ring, now, key, self);
        drop(q);
        wake_all(wake);
        match got {
            Some(Settled::Granted(d)) => {
                self.allowed.fetch_add(1, Ordering::Relaxed);
                Ok(Some(d))
            }
            Some(Settled::Refused(retry)) => Err(Error::RateLimited {
                retry_after: Duration::from_nanos(retry),
            }),
            None => Ok(None),
        }
    }

    fn abandon(&self, key: u64, n: u64) {
        let now = self.clock.now_ns();
        let mut q = lock!(self);
        let gone = q.fifo.abandon(&self.w, &self.ring, now, key, n, self);
        drop(q);
        drop(gone.dropped);
        wake_all(gone.wake);
    }

    fn set_waker(&self, key: u64, waker: &Waker) {
        let mut q = lock!(self);
        let old = q.fifo.set_waker(key, waker);
        drop(q);
        drop(old);
    }
}

impl RateLimiter for SlidingWindowLimiter {
    fn try_acquire_n(&self, n: u64) -> Result<Decision> {
        self.try_acquire(n)
    }

    fn refund(&self, n: u64) {
        SlidingWindowLimiter::refund(self, n);
    }

    fn limit(&self) -> u64 {
        self.w.limit
    }
}

#[cfg(test)]
mod tests;
