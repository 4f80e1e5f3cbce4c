//! Per-key rate limiters with bounded memory: a token bucket or a sliding
//! window per key (user id, IP, tenant), in a fixed-size lock-free table.
//!
//! # Table
//!
//! `max_keys` slots, allocated once. A key (bytes) is hashed to 64 bits with a
//! seeded hash; the hash picks a home slot and is the key's *fingerprint*.
//! A slot is a fingerprint word (`0` = empty) plus the primitive's state
//! words. Lookups probe at most `max_probe` slots from home (wrapping). A key
//! not found takes, in probe order, the first slot that is empty or whose
//! state is **indistinguishable from fresh** (token bucket: full, i.e.
//! `TAT <= now`; sliding window: nothing counted). A throttled key is never
//! evicted, so cycling through many keys cannot reset it. When no slot in the
//! window qualifies, `on_full` decides (deny, the default, or allow
//! untracked); `table_full` counts these.
//!
//! # Caveats (also in `spec/keyed.md`)
//!
//! - Keys are compared by 64-bit fingerprint: two keys with the same hash
//!   share one limit (probability ~`max_probe * 2^-64` per new key; the seed is
//!   random unless `hash_seed` is set, so collisions cannot be aimed at).
//! - A key's state is reclaimed only when fresh. A request of that key racing
//!   with the reclaim (nanoseconds apart) is charged to the new owner or
//!   retried; it can never restore a throttled key.
//! - Two threads inserting the same absent key at the same instant may each
//!   take a slot; the later one in probe order is never found again and is
//!   reclaimed once fresh (the key was fresh: at most one extra grant per
//!   racing thread).

use crate::clock::{Clock, ClockSource};
use crate::error::{Error, Result};
use crate::limit::Decision;
use crate::sliding_window::{SlidingWindowConfig, Window};
use crate::sync::{AtomicU64, Ordering};
use crate::token_bucket::{Gcra, TokenBucketConfig};
use crate::validate;
use std::hash::{Hash, Hasher};
use std::time::Duration;

/// Largest `max_keys`.
pub const MAX_KEYS: u64 = 1 << 24;
/// Largest `max_probe`.
pub const MAX_PROBE: u32 = 64;

/// What a keyed limiter answers for a new key when its probe window has no
/// empty or fresh slot.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum OnFull {
    /// Deny (`allowed: false`, `remaining: 0`, `retry_after` = the earliest
    /// time a slot in the key's probe window becomes fresh). The default:
    /// memory pressure never opens the limiter.
    #[default]
    Deny,
    /// Allow, untracked: the decision of a fresh bucket/window, nothing stored.
    Allow,
}

impl OnFull {
    /// The wire name (`"deny"`, `"allow"`).
    pub const fn as_str(self) -> &'static str {
        match self {
            OnFull::Deny => "deny",
            OnFull::Allow => "allow",
        }
    }

    /// Parses a wire name; `InvalidConfig { field: "on_full" }` otherwise.
    pub fn parse(s: &str) -> Result<Self> {
        match s {
            "deny" => Ok(OnFull::Deny),
            "allow" => Ok(OnFull::Allow),
            other => Err(Error::config(
                "on_full",
                format!("must be \"deny\" or \"allow\", got {other:?}"),
            )),
        }
    }
}

/// The table part of a keyed limiter's configuration.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KeyTableConfig {
    /// Most keys tracked at once (table slots), `1 ..= 2^24`. Default 10 000.
    pub max_keys: u64,
    /// Slots probed per lookup, `1 ..= 64` (capped at `max_keys`). Default 16.
    pub max_probe: u32,
    /// Policy when a new key finds no slot. Default [`OnFull::Deny`].
    pub on_full: OnFull,
    /// Hash seed; `None` (default) draws one from the clock, so key placement
    /// cannot be predicted. Set it for reproducible tests.
    pub hash_seed: Option<u64>,
}

impl Default for KeyTableConfig {
    fn default() -> Self {
        Self {
            max_keys: 10_000,
            max_probe: 16,
            on_full: OnFull::Deny,
            hash_seed: None,
        }
    }
}

impl KeyTableConfig {
    /// Checks every field.
    pub fn validate(&self) -> Result<()> {
        validate::int_in_range("max_keys", self.max_keys, 1, MAX_KEYS)?;
        validate::int_in_range(
            "max_probe",
            u64::from(self.max_probe),
            1,
            u64::from(MAX_PROBE),
        )?;
        Ok(())
    }
}

/// A snapshot of a keyed limiter's table.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct KeyedMetrics {
    /// Slots holding a key (never decreases: evicted slots are reused).
    pub keys_tracked: u64,
    /// Table capacity (`max_keys`).
    pub capacity: u64,
    /// Slots taken over from a fresh key by a new key.
    pub evictions: u64,
    /// Requests of new keys that found no slot (handled by `on_full`).
    pub table_full: u64,
}

/// The lock-free key table: fingerprints plus counters.
#[derive(Debug)]
struct Table {
    keys: Box<[AtomicU64]>,
    cap: u64,
    probe: u64,
    seed: u64,
    on_full: OnFull,
    tracked: AtomicU64,
    evictions: AtomicU64,
    table_full: AtomicU64,
}

enum Found {
    Slot(usize),
    Full,
}

impl Table {
    fn new(cfg: &KeyTableConfig) -> Result<Self> {
        cfg.validate()?;
        let keys = (0..cfg.max_keys).map(|_| AtomicU64::new(0)).collect();
        Ok(Self {
            keys,
            cap: cfg.max_keys,
            probe: u64::from(cfg.max_probe).min(cfg.max_keys),
            seed: cfg.hash_seed.unwrap_or_else(crate::rng::entropy_seed),
            on_full: cfg.on_full,
            tracked: AtomicU64::new(0),
            evictions: AtomicU64::new(0),
            table_full: AtomicU64::new(0),
        })
    }

    /// The key's fingerprint (never 0) and home slot.
    fn hash(&self, key: &[u8]) -> (u64, u64) {
        let mut h = std::collections::hash_map::DefaultHasher::new();
        self.seed.hash(&mut h);
        h.write(key);
        let fp = h.finish().max(1);
        let home = ((u128::from(fp) * u128::from(self.cap)) >> 64) as u64;
        (fp, home)
    }

    fn slots(&self, home: u64) -> impl Iterator<Item = usize> + '_ {
        (0..self.probe).map(move |k| ((home + k) % self.cap) as usize)
    }

    fn holds(&self, i: usize, fp: u64) -> bool {
        self.keys
            .get(i)
            .is_some_and(|k| k.load(Ordering::SeqCst) == fp)
    }

    /// Finds the key's slot, or claims an empty or fresh one.
    fn find_or_claim(&self, fp: u64, home: u64, is_fresh: impl Fn(usize) -> bool) -> Found {
        if let Some(i) = self.find(fp, home) {
            return Found::Slot(i);
        }
        for i in self.slots(home) {
            let Some(slot) = self.keys.get(i) else {
                continue;
            };
            let cur = slot.load(Ordering::SeqCst);
            if cur == fp {
                return Found::Slot(i);
            }
            if cur != 0 && !is_fresh(i) {
                continue;
            }
            match slot.compare_exchange(cur, fp, Ordering::SeqCst, Ordering::SeqCst) {
                Ok(_) => {
                    let counter = if cur == 0 {
                        &self.tracked
                    } else {
                        &self.evictions
                    };
                    counter.fetch_add(1, Ordering::Relaxed);
                    return Found::Slot(i);
                }
                Err(now_fp) if now_fp == fp => return Found::Slot(i),
                Err(_) => continue,
            }
        }
        self.table_full.fetch_add(1, Ordering::Relaxed);
        Found::Full
    }

    fn find(&self, fp: u64, home: u64) -> Option<usize> {
        self.slots(home).find(|&i| self.holds(i, fp))
    }

    fn metrics(&self) -> KeyedMetrics {
        KeyedMetrics {
            keys_tracked: self.tracked.load(Ordering::Relaxed),
            capacity: self.cap,
            evictions: self.evictions.load(Ordering::Relaxed),
            table_full: self.table_full.load(Ordering::Relaxed),
        }
    }
}

/// A denial for a key that found no slot.
fn table_full_decision(wait_ns: u64) -> Decision {
    Decision {
        allowed: false,
        remaining: 0,
        retry_after: Duration::from_nanos(wait_ns.max(1)),
        reset_after: Duration::from_nanos(wait_ns),
    }
}

/// Configuration of a [`KeyedTokenBucket`]: the per-key bucket and the table.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct KeyedTokenBucketConfig {
    /// Every key's bucket. `initial_tokens` must be `None`: a new key starts
    /// full, like an evicted one (that is what makes eviction invisible).
    pub bucket: TokenBucketConfig,
    /// Table size and policy.
    pub table: KeyTableConfig,
}

impl KeyedTokenBucketConfig {
    /// Checks every field.
    pub fn validate(&self) -> Result<()> {
        self.bucket.validate()?;
        if let Some(v) = self.bucket.initial_tokens {
            return Err(Error::config(
                "initial_tokens",
                format!("must be unset for keyed buckets (new keys start full), got {v}"),
            ));
        }
        self.table.validate()
    }
}

/// A token bucket (GCRA) per key, in a fixed-size lock-free table.
///
/// ```
/// use seawall::keyed::{KeyedTokenBucket, KeyedTokenBucketConfig, KeyTableConfig};
/// use seawall::token_bucket::TokenBucketConfig;
/// use seawall::ManualClock;
///
/// let clock = ManualClock::new();
/// let cfg = KeyedTokenBucketConfig {
///     bucket: TokenBucketConfig { burst: 1, rate_per_sec: 1.0, initial_tokens: None },
///     table: KeyTableConfig { max_keys: 1000, ..Default::default() },
/// };
/// let kl = KeyedTokenBucket::with_clock(cfg, &clock)?;
/// assert!(kl.try_acquire_str("alice", 1)?.allowed);
/// assert!(!kl.try_acquire_str("alice", 1)?.allowed);
/// assert!(kl.try_acquire_str("bob", 1)?.allowed);
/// # Ok::<(), seawall::Error>(())
/// ```
#[derive(Debug)]
pub struct KeyedTokenBucket {
    gcra: Gcra,
    table: Table,
    /// Per slot: the TAT (as in [`TokenBucket`](crate::token_bucket::TokenBucket); 0 = full).
    tat: Box<[AtomicU64]>,
    clock: ClockSource,
}

impl KeyedTokenBucket {
    /// On the monotonic clock.
    pub fn new(cfg: KeyedTokenBucketConfig) -> Result<Self> {
        Self::with_clock(cfg, ClockSource::Monotonic)
    }

    /// On the given clock.
    pub fn with_clock(cfg: KeyedTokenBucketConfig, clock: impl Into<ClockSource>) -> Result<Self> {
        cfg.validate()?;
        let gcra = Gcra::new(cfg.bucket.burst, cfg.bucket.rate_per_sec)?;
        let table = Table::new(&cfg.table)?;
        let tat = (0..table.cap).map(|_| AtomicU64::new(0)).collect();
        Ok(Self {
            gcra,
            table,
            tat,
            clock: clock.into(),
        })
    }

    fn tat_at(&self, i: usize) -> Option<&AtomicU64> {
        self.tat.get(i)
    }

    /// Takes `n` tokens from `key`'s bucket if available.
    /// `Err(InvalidArgument { field: "n" })` for `n == 0` or `n > burst`.
    pub fn try_acquire(&self, key: &[u8], n: u64) -> Result<Decision> {
        self.gcra.check_n(n)?;
        let now = self.clock.now_ns();
        let (fp, home) = self.table.hash(key);
        loop {
            let fresh = |i: usize| {
                self.tat_at(i)
                    .is_some_and(|t| t.load(Ordering::SeqCst) <= now)
            };
            let i = match self.table.find_or_claim(fp, home, fresh) {
                Found::Slot(i) => i,
                Found::Full => return Ok(self.on_full(home, now, n)),
            };
            let Some(cell) = self.tat_at(i) else {
                return Ok(self.on_full(home, now, n));
            };
            let mut tat = cell.load(Ordering::SeqCst);
            let decision = loop {
                let step = self.gcra.step(tat, now, n);
                let Some(new_tat) = step.new_tat else {
                    break step.decision;
                };
                match cell.compare_exchange_weak(tat, new_tat, Ordering::SeqCst, Ordering::SeqCst) {
                    Ok(_) => break step.decision,
                    Err(actual) => tat = actual,
                }
            };
            // The slot was reclaimed under us (it was fresh): our charge stays
            // with the new owner (conservative); start over for our key.
            if self.table.holds(i, fp) {
                return Ok(decision);
            }
        }
    }

    /// [`try_acquire`](Self::try_acquire) with a string key.
    pub fn try_acquire_str(&self, key: &str, n: u64) -> Result<Decision> {
        self.try_acquire(key.as_bytes(), n)
    }

    fn on_full(&self, home: u64, now: u64, n: u64) -> Decision {
        match self.table.on_full {
            OnFull::Allow => self.gcra.step(0, now, n).decision,
            OnFull::Deny => {
                let wait = self
                    .table
                    .slots(home)
                    .filter_map(|i| self.tat_at(i))
                    .map(|t| t.load(Ordering::SeqCst).saturating_sub(now))
                    .min()
                    .unwrap_or(0);
                table_full_decision(wait)
            }
        }
    }

    /// Gives back `n` tokens to `key` (never above burst); unknown keys: no-op.
    pub fn refund(&self, key: &[u8], n: u64) {
        let now = self.clock.now_ns();
        let (fp, home) = self.table.hash(key);
        let Some(cell) = self.table.find(fp, home).and_then(|i| self.tat_at(i)) else {
            return;
        };
        let mut tat = cell.load(Ordering::SeqCst);
        loop {
            let new_tat = self.gcra.refunded(tat, now, n);
            if new_tat == tat {
                return;
            }
            match cell.compare_exchange_weak(tat, new_tat, Ordering::SeqCst, Ordering::SeqCst) {
                Ok(_) => return,
                Err(actual) => tat = actual,
            }
        }
    }

    /// Table counters.
    pub fn metrics(&self) -> KeyedMetrics {
        self.table.metrics()
    }
}

/// Configuration of a [`KeyedSlidingWindow`].
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct KeyedSlidingWindowConfig {
    /// Every key's window.
    pub window: SlidingWindowConfig,
    /// Table size and policy.
    pub table: KeyTableConfig,
}

impl KeyedSlidingWindowConfig {
    /// Checks every field.
    pub fn validate(&self) -> Result<()> {
        self.window.validate()?;
        self.table.validate()
    }
}

/// A sliding window per key (the "100 requests per minute per user" case),
/// in a fixed-size lock-free table of `max_keys * (buckets + 2)` words.
///
/// ```
/// use seawall::keyed::{KeyedSlidingWindow, KeyedSlidingWindowConfig};
/// use seawall::sliding_window::SlidingWindowConfig;
/// use seawall::ManualClock;
/// use std::time::Duration;
///
/// let clock = ManualClock::new();
/// let cfg = KeyedSlidingWindowConfig {
///     window: SlidingWindowConfig { limit: 100, window: Duration::from_secs(60), buckets: 12 },
///     ..Default::default()
/// };
/// let kl = KeyedSlidingWindow::with_clock(cfg, &clock)?;
/// assert_eq!(kl.try_acquire_str("user-42", 1)?.remaining, 99);
/// # Ok::<(), seawall::Error>(())
/// ```
#[derive(Debug)]
pub struct KeyedSlidingWindow {
    w: Window,
    table: Table,
    /// `B + 1` ring words per slot, slot-major.
    rings: Box<[AtomicU64]>,
    clock: ClockSource,
}

impl KeyedSlidingWindow {
    /// On the monotonic clock.
    pub fn new(cfg: KeyedSlidingWindowConfig) -> Result<Self> {
        Self::with_clock(cfg, ClockSource::Monotonic)
    }

    /// On the given clock.
    pub fn with_clock(
        cfg: KeyedSlidingWindowConfig,
        clock: impl Into<ClockSource>,
    ) -> Result<Self> {
        cfg.validate()?;
        let w = Window::new(&cfg.window)?;
        let table = Table::new(&cfg.table)?;
        let words = table.cap.saturating_mul(w.b + 1);
        let rings = (0..words).map(|_| AtomicU64::new(0)).collect();
        Ok(Self {
            w,
            table,
            rings,
            clock: clock.into(),
        })
    }

    fn ring(&self, i: usize) -> &[AtomicU64] {
        let len = self.w.ring_len();
        let start = i.saturating_mul(len);
        self.rings
            .get(start..start.saturating_add(len))
            .unwrap_or(&[])
    }

    /// Counts `n` requests for `key` if its window has room.
    /// `Err(InvalidArgument { field: "n" })` for `n == 0` or `n > limit`.
    pub fn try_acquire(&self, key: &[u8], n: u64) -> Result<Decision> {
        self.w.check_n(n)?;
        let now = self.clock.now_ns();
        let (fp, home) = self.table.hash(key);
        loop {
            let fresh = |i: usize| self.w.is_empty(self.ring(i), now);
            let i = match self.table.find_or_claim(fp, home, fresh) {
                Found::Slot(i) => i,
                Found::Full => return Ok(self.on_full(home, now, n)),
            };
            let ring = self.ring(i);
            let decision = self.w.acquire(ring, now, n);
            if self.table.holds(i, fp) {
                return Ok(decision);
            }
            // Reclaimed under us: take our count back and start over.
            if decision.allowed {
                self.w.refund(ring, now, n);
            }
        }
    }

    /// [`try_acquire`](Self::try_acquire) with a string key.
    pub fn try_acquire_str(&self, key: &str, n: u64) -> Result<Decision> {
        self.try_acquire(key.as_bytes(), n)
    }

    fn on_full(&self, home: u64, now: u64, n: u64) -> Decision {
        match self.table.on_full {
            OnFull::Allow => self.w.fresh_decision(now, n),
            OnFull::Deny => {
                let wait = self
                    .table
                    .slots(home)
                    .map(|i| self.w.reset_in(self.ring(i), now))
                    .min()
                    .unwrap_or(0);
                table_full_decision(wait)
            }
        }
    }

    /// Un-counts up to `n` of `key`'s requests; unknown keys: no-op.
    pub fn refund(&self, key: &[u8], n: u64) {
        let now = self.clock.now_ns();
        let (fp, home) = self.table.hash(key);
        if let Some(i) = self.table.find(fp, home) {
            self.w.refund(self.ring(i), now, n);
        }
    }

    /// Table counters.
    pub fn metrics(&self) -> KeyedMetrics {
        self.table.metrics()
    }
}

#[cfg(test)]
mod tests;
