//! Per-key rate limiters with bounded memory: a token bucket or a sliding
//! window per key (user id, IP, tenant), in a fixed-size lock-free table.
//!
//! # Table
//!
//! `4 * max_keys` slots, allocated once (zeroed by the allocator, so pages
//! are touched only when used). A key (bytes) is hashed to 64 bits with a
//! seeded hash; the hash picks a home slot, and its top 62 bits are the key's
//! *fingerprint*. A slot is one key word (fingerprint + a 2-bit state) plus
//! the primitive's state words. A key lives within `max_probe` slots of its
//! home (linear probing, no wrap-around). The table is never more than a
//! quarter full of keys that are not fresh, so `max_keys` keys always find
//! room (a false denial needs 64 occupied slots in a row at load 1/4:
//! probability about `2^-58` per key with the defaults).
//!
//! A key not found takes, in probe order, the first slot that is empty, free
//! or whose state is **indistinguishable from fresh** (token bucket: full,
//! i.e. `TAT <= now`; sliding window: nothing counted). A throttled key is
//! never evicted, so cycling through many keys cannot reset it. When no slot
//! in the window qualifies, `on_full` decides (deny, the default, or allow
//! untracked); `table_full` counts these.
//!
//! # Concurrency (no over-grant, see `spec/keyed.md`)
//!
//! Key word states: `EMPTY` (never used), `FREE` (released), `RES(fp)` (being
//! inserted), `LIVE(fp)` and `EVICT(fp)` (a new key is checking whether
//! `fp`'s state is fresh). Slots never become `EMPTY` again, so a key is
//! always found before the first empty slot of its window.
//!
//! - **Acquire** on a `LIVE(fp)` slot: charge the state (CAS), then re-read
//!   the key word. Still `LIVE(fp)` (or `EVICT(fp)`, which the acquirer turns
//!   back into `LIVE(fp)`, cancelling the eviction): the grant stands.
//!   Anything else: the charge is taken back and the lookup starts over.
//! - **Eviction**: `LIVE(x) -> EVICT(x)` (CAS), then check the state is fresh,
//!   then `EVICT(x) -> RES(k)` (CAS). A charge for `x` made before the first
//!   CAS is seen by the check (sequentially consistent atomics); one made
//!   after it is validated against `EVICT(x)`/`RES(k)` and either cancels the
//!   eviction or is taken back. So no grant of `x` is lost with its state.
//! - **Refund**: read the state, check the slot is still the key's, swap
//!   exactly the state read; an evicted key was fresh (nothing to give back),
//!   so the new owner never gets a token from it.
//! - **Insert**: claim a slot as `RES(k)`, then scan the window for other
//!   claims of `k`: a `LIVE(k)` or a `RES(k)` at a lower slot wins (ours is
//!   released as `FREE`); a `RES(k)` at a higher slot is released by us (CAS
//!   to `FREE`). Then `RES(k) -> LIVE(k)` (CAS; it fails if a lower claim
//!   released ours). Of two concurrent claims the later one's scan sees the
//!   earlier, so exactly one becomes `LIVE` and nothing is granted before.
//!   A lookup that meets `RES(k)` for its own key waits for that insert
//!   (a few loads) instead of inserting a second copy.

use crate::clock::{Clock, ClockSource};
use crate::error::{Error, Result};
use crate::limit::Decision;
use crate::place::{Place, PlaceSlice};
use crate::sliding_window::{SlidingWindowConfig, Window};
use crate::sync::{fence, wait_step, zeroed_atomics, AtomicU64, Ordering, StripedCounter};
use crate::token_bucket::{Gcra, TokenBucketConfig};
use crate::validate;
use std::hash::{Hash, Hasher};
use std::time::Duration;

/// Largest `max_keys`.
pub const MAX_KEYS: u64 = 1 << 24;
/// Largest `max_probe`.
pub const MAX_PROBE: u32 = 64;
/// Table slots per `max_keys`: the table is at most a quarter full of keys
/// that are not fresh.
pub const SLOTS_PER_KEY: u64 = 4;

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
    /// Distinct keys the table always has room for, `1 ..= 2^24` (it has
    /// `4 * max_keys` slots). Default 10 000.
    pub max_keys: u64,
    /// Slots probed per lookup, `1 ..= 64` (capped at the slot count).
    /// Default 64: with the table at most a quarter full, `max_keys` keys
    /// never miss a slot (smaller values make false denials possible).
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
            max_probe: MAX_PROBE,
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

    /// Table slots: `4 * max_keys`.
    pub fn slots(&self) -> u64 {
        self.max_keys.saturating_mul(SLOTS_PER_KEY)
    }
}

/// A snapshot of a keyed limiter's table.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct KeyedMetrics {
    /// Slots ever filled (never decreases: evicted slots are reused).
    pub keys_tracked: u64,
    /// Table slots (`4 * max_keys`).
    pub capacity: u64,
    /// Slots taken over from a fresh key by a new key.
    pub evictions: u64,
    /// Requests of new keys that found no slot (handled by `on_full`).
    pub table_full: u64,
    /// Requests granted. Waiting acquires count once, when they finish:
    /// granted (now or at their due time) here, refused or given up in
    /// `denied` (`spec/keyed.md`, "Waiting acquires").
    pub allowed: u64,
    /// Requests denied (errors are not counted).
    pub denied: u64,
    /// Waiting acquires not yet granted or given up.
    pub waiting: u64,
}

// Key word: fingerprint (62 bits, never 0) << 2 | state tag.
const EMPTY: u64 = 0;
const FREE: u64 = 3; // fingerprint 0, tag 3
const RES: u64 = 1;
const LIVE: u64 = 2;
const EVICT: u64 = 3;
const TAG: u64 = 3;

#[inline]
fn kw(fp: u64, tag: u64) -> u64 {
    (fp << 2) | tag
}

/// Allocates `n` zeroed words, or `InvalidConfig` naming `field`.
pub(crate) fn alloc_words(n: u64, field: &'static str, what: &str) -> Result<Box<[AtomicU64]>> {
    let fail = || {
        Error::config(
            field,
            format!(
                "{what} needs {} bytes, which could not be allocated",
                u128::from(n) * 8
            ),
        )
    };
    let n = usize::try_from(n).map_err(|_| fail())?;
    n.checked_mul(8).ok_or_else(fail)?;
    zeroed_atomics(n).ok_or_else(fail)
}

/// The lock-free key table: key words plus counters.
#[derive(Debug)]
pub(crate) struct Table {
    /// Key words and counters: inline, or in a shared region
    /// (`spec/shared_memory.md`; see `shared.rs`).
    keys: PlaceSlice<AtomicU64>,
    /// Home slots: `slots - probe + 1`.
    homes: u64,
    probe: u64,
    seed: u64,
    on_full: OnFull,
    tracked: Place<AtomicU64>,
    evictions: Place<AtomicU64>,
    table_full: Place<AtomicU64>,
    /// Decisions, striped: keys are spread over the table, one shared
    /// counter line would be the only line all keys' requests write.
    /// This process's decisions (also for a table in a shared region).
    allowed: StripedCounter,
    denied: StripedCounter,
    /// Waiting acquires of this process (slow path only).
    pub(crate) waiting: AtomicU64,
}

pub(crate) enum Found {
    Slot(usize),
    Full,
}

impl Table {
    pub(crate) fn new(cfg: &KeyTableConfig) -> Result<Self> {
        cfg.validate()?;
        let slots = cfg.slots();
        let probe = u64::from(cfg.max_probe).min(slots);
        let keys = alloc_words(slots, "max_keys", "the key table")?;
        Ok(Self {
            keys: PlaceSlice::Local(keys),
            homes: slots - probe + 1,
            probe,
            seed: cfg.hash_seed.unwrap_or_else(crate::rng::entropy_seed),
            on_full: cfg.on_full,
            tracked: Place::Local(AtomicU64::new(0)),
            evictions: Place::Local(AtomicU64::new(0)),
            table_full: Place::Local(AtomicU64::new(0)),
            allowed: StripedCounter::new(),
            denied: StripedCounter::new(),
            waiting: AtomicU64::new(0),
        })
    }

    /// Table slots.
    pub(crate) fn slots(&self) -> u64 {
        self.homes + self.probe - 1
    }

    /// The key's fingerprint (62 bits, never 0) and home slot.
    #[inline]
    pub(crate) fn hash(&self, key: &[u8]) -> (u64, u64) {
        let mut h = std::collections::hash_map::DefaultHasher::new();
        self.seed.hash(&mut h);
        h.write(key);
        let x = h.finish();
        let fp = (x >> 2).max(1);
        let home = ((u128::from(x) * u128::from(self.homes)) >> 64) as u64;
        (fp, home)
    }

    /// The probe window of `home`, in order.
    #[inline]
    pub(crate) fn window(&self, home: u64) -> std::ops::Range<usize> {
        let start = usize::try_from(home).unwrap_or(usize::MAX);
        start..start.saturating_add(usize::try_from(self.probe).unwrap_or(0))
    }

    #[inline]
    fn key(&self, i: usize) -> Option<&AtomicU64> {
        self.keys.get(i)
    }

    /// The slot holding `fp` (live, or live with an eviction under way),
    /// read-only; `None` if the key is not tracked (or still being inserted).
    pub(crate) fn find(&self, fp: u64, home: u64) -> Option<usize> {
        for i in self.window(home) {
            let w = self.key(i)?.load(Ordering::SeqCst);
            if w == EMPTY {
                return None;
            }
            if w >> 2 == fp && w & TAG != RES {
                return Some(i);
            }
        }
        None
    }

    /// Whether a new key with this home would find a slot now (read-only).
    pub(crate) fn has_room(&self, home: u64, is_fresh: impl Fn(usize) -> bool) -> bool {
        for i in self.window(home) {
            let Some(k) = self.key(i) else { return false };
            let w = k.load(Ordering::SeqCst);
            if w == EMPTY || w == FREE || (w & TAG == LIVE && is_fresh(i)) {
                return true;
            }
        }
        false
    }

    /// Whether slot `i` holds `fp` now (live, or live with an eviction under
    /// way), read-only.
    #[inline]
    pub(crate) fn holds(&self, i: usize, fp: u64) -> bool {
        self.key(i).is_some_and(|k| {
            let w = k.load(Ordering::SeqCst);
            w == kw(fp, LIVE) || w == kw(fp, EVICT)
        })
    }

    /// After charging slot `i` for `fp`: whether the slot is still `fp`'s
    /// (an eviction under way is cancelled). `false`: take the charge back
    /// and look the key up again.
    #[inline]
    pub(crate) fn still_holds(&self, i: usize, fp: u64) -> bool {
        let Some(k) = self.key(i) else { return false };
        let live = kw(fp, LIVE);
        let evict = kw(fp, EVICT);
        let mut w = k.load(Ordering::SeqCst);
        loop {
            if w == live {
                return true;
            }
            if w != evict {
                return false;
            }
            match k.compare_exchange(evict, live, Ordering::SeqCst, Ordering::SeqCst) {
                Ok(_) => return true,
                Err(actual) => w = actual,
            }
        }
    }

    /// Finds the key's slot, or claims an empty, free or fresh one.
    /// `is_fresh(i, confirm)`: whether slot `i`'s state is fresh; with
    /// `confirm`, read by read-modify-write operations, so that a charge
    /// either is seen or reads the evictor's `EVICT` mark.
    pub(crate) fn find_or_claim(
        &self,
        fp: u64,
        home: u64,
        is_fresh: impl Fn(usize, bool) -> bool,
    ) -> Found {
        let live = kw(fp, LIVE);
        let res = kw(fp, RES);
        let evict = kw(fp, EVICT);
        let mut spins = 0u32;
        'lookup: loop {
            let mut cand: Option<(usize, u64)> = None;
            for i in self.window(home) {
                let Some(k) = self.key(i) else { break };
                let w = k.load(Ordering::SeqCst);
                if w == live {
                    return Found::Slot(i);
                }
                if w == EMPTY {
                    cand = cand.or(Some((i, w)));
                    break;
                }
                if w == evict {
                    // Our key, a new key checking it: cancel, it is in use.
                    let _ = k.compare_exchange(evict, live, Ordering::SeqCst, Ordering::SeqCst);
                    continue 'lookup;
                }
                if w == res {
                    // Our key being inserted by another thread: wait for it.
                    while k.load(Ordering::SeqCst) == res {
                        wait_step(&mut spins);
                    }
                    continue 'lookup;
                }
                if cand.is_none() && (w == FREE || (w & TAG == LIVE && is_fresh(i, false))) {
                    cand = Some((i, w));
                }
            }
            let Some((i, w)) = cand else {
                self.table_full.fetch_add(1, Ordering::Relaxed);
                return Found::Full;
            };
            let Some(k) = self.key(i) else {
                return Found::Full;
            };
            if w == EMPTY || w == FREE {
                if k.compare_exchange(w, res, Ordering::SeqCst, Ordering::SeqCst)
                    .is_err()
                {
                    continue 'lookup;
                }
                if w == EMPTY {
                    self.tracked.fetch_add(1, Ordering::Relaxed);
                }
            } else {
                // Evict a fresh key: block its grants, then check it is fresh.
                let old_evict = (w & !TAG) | EVICT;
                if k.compare_exchange(w, old_evict, Ordering::SeqCst, Ordering::SeqCst)
                    .is_err()
                {
                    continue 'lookup;
                }
                if !is_fresh(i, true) {
                    let _ = k.compare_exchange(old_evict, w, Ordering::SeqCst, Ordering::SeqCst);
                    continue 'lookup;
                }
                if k.compare_exchange(old_evict, res, Ordering::SeqCst, Ordering::SeqCst)
                    .is_err()
                {
                    continue 'lookup; // its owner cancelled the eviction
                }
                self.evictions.fetch_add(1, Ordering::Relaxed);
            }
            // Our claim before the scan of the others' (and theirs before
            // their scan of ours): one of two claimers sees the other.
            fence(Ordering::SeqCst);
            if self.resolve(fp, home, i)
                && k.compare_exchange(res, live, Ordering::SeqCst, Ordering::SeqCst)
                    .is_ok()
            {
                return Found::Slot(i);
            }
            // Another claim of our key wins: give ours up (it may be gone already).
            let _ = k.compare_exchange(res, FREE, Ordering::SeqCst, Ordering::SeqCst);
        }
    }

    /// With `RES(fp)` claimed at `mine`: whether our claim wins over every
    /// other claim of `fp` in the window (releasing higher `RES(fp)` claims).
    fn resolve(&self, fp: u64, home: u64, mine: usize) -> bool {
        let res = kw(fp, RES);
        for j in self.window(home) {
            if j == mine {
                continue;
            }
            let Some(k) = self.key(j) else { break };
            let mut w = k.load(Ordering::SeqCst);
            loop {
                if w == EMPTY {
                    return true;
                }
                if w >> 2 != fp {
                    break;
                }
                if w != res || j < mine {
                    return false; // LIVE/EVICT(fp), or a lower claim
                }
                match k.compare_exchange(res, FREE, Ordering::SeqCst, Ordering::SeqCst) {
                    Ok(_) => break,
                    Err(actual) => w = actual,
                }
            }
        }
        true
    }

    fn metrics(&self) -> KeyedMetrics {
        KeyedMetrics {
            keys_tracked: self.tracked.load(Ordering::Relaxed),
            capacity: self.slots(),
            evictions: self.evictions.load(Ordering::Relaxed),
            table_full: self.table_full.load(Ordering::Relaxed),
            allowed: self.allowed.sum(),
            denied: self.denied.sum(),
            waiting: self.waiting.load(Ordering::Relaxed),
        }
    }

    /// Counts one decision (allowed or denied); returns it.
    #[inline]
    pub(crate) fn count(&self, d: Decision) -> Decision {
        if d.allowed {
            self.allowed.incr();
        } else {
            self.denied.incr();
        }
        d
    }

    /// Counts one grant.
    #[inline]
    pub(crate) fn count_allowed(&self) {
        self.allowed.incr();
    }

    /// Counts one denial.
    #[inline]
    pub(crate) fn count_denied(&self) {
        self.denied.incr();
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
    tat: PlaceSlice<AtomicU64>,
    clock: ClockSource,
}

impl KeyedTokenBucket {
    /// On the fast in-process clock ([`ClockSource::fast`](crate::ClockSource::fast)).
    pub fn new(cfg: KeyedTokenBucketConfig) -> Result<Self> {
        Self::with_clock(cfg, ClockSource::fast())
    }

    /// On the given clock.
    pub fn with_clock(cfg: KeyedTokenBucketConfig, clock: impl Into<ClockSource>) -> Result<Self> {
        cfg.validate()?;
        let gcra = Gcra::new(cfg.bucket.burst, cfg.bucket.rate_per_sec)?;
        let table = Table::new(&cfg.table)?;
        let tat = alloc_words(table.slots(), "max_keys", "the token bucket table")?;
        Ok(Self {
            gcra,
            table,
            tat: PlaceSlice::Local(tat),
            clock: clock.into(),
        })
    }

    #[inline]
    pub(crate) fn tat_at(&self, i: usize) -> Option<&AtomicU64> {
        self.tat.get(i)
    }

    #[inline]
    pub(crate) fn is_fresh(&self, i: usize, now: u64, confirm: bool) -> bool {
        self.tat_at(i).is_some_and(|t| {
            let tat = if confirm {
                t.fetch_add(0, Ordering::SeqCst)
            } else {
                t.load(Ordering::SeqCst)
            };
            tat <= now
        })
    }

    /// Takes `n` tokens from `key`'s bucket if available.
    /// `Err(InvalidArgument { field: "n" })` for `n == 0` or `n > burst`.
    pub fn try_acquire(&self, key: &[u8], n: u64) -> Result<Decision> {
        self.gcra.check_n(n)?;
        Ok(self.table.count(self.decide(key, n)))
    }

    /// `try_acquire` for a validated `n`, not counted.
    #[inline]
    fn decide(&self, key: &[u8], n: u64) -> Decision {
        let (fp, home) = self.table.hash(key);
        // The clock is read after the key's state (whoever wrote that state
        // read its clock before, so `now` is never older than the time the
        // state was computed for: an older `now` would deny a token that is
        // there, `token_bucket.md` "Concurrency"). Only a slot lookup that
        // judges other keys' freshness (a new key in a full window) or a
        // full table needs a reading before that one; it is made then.
        let early = EarlyNow::new(&self.clock);
        loop {
            let i = match self
                .table
                .find_or_claim(fp, home, |i, c| self.is_fresh(i, early.get(), c))
            {
                Found::Slot(i) => i,
                Found::Full => return self.on_full(home, early.get(), n),
            };
            let Some(cell) = self.tat_at(i) else {
                return self.on_full(home, early.get(), n);
            };
            let mut tat = cell.load(Ordering::SeqCst);
            let mut now = self.clock.now_ns();
            let (decision, charged) = loop {
                let step = self.gcra.step(tat, now, n);
                let Some(new_tat) = step.new_tat else {
                    break (step.decision, false);
                };
                match cell.compare_exchange_weak(tat, new_tat, Ordering::SeqCst, Ordering::SeqCst) {
                    Ok(_) => break (step.decision, true),
                    Err(actual) => {
                        // written by someone whose reading may be later
                        tat = actual;
                        now = self.clock.now_ns();
                    }
                }
            };
            if self.table.still_holds(i, fp) {
                return decision;
            }
            // The slot went to another key (ours was fresh): take our charge
            // back from its state and look our key up again.
            if charged {
                self.give_back(cell, now, n);
            }
        }
    }

    pub(crate) fn give_back(&self, cell: &AtomicU64, now: u64, n: u64) {
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

    /// [`try_acquire`](Self::try_acquire) with a string key.
    pub fn try_acquire_str(&self, key: &str, n: u64) -> Result<Decision> {
        self.try_acquire(key.as_bytes(), n)
    }

    /// What [`try_acquire`](Self::try_acquire) would answer now, without
    /// taking a token and without inserting the key (a key not tracked gets
    /// the answer of a fresh bucket, or of `on_full` when it would find no
    /// slot). For rate-limit headers.
    pub fn peek(&self, key: &[u8], n: u64) -> Result<Decision> {
        self.gcra.check_n(n)?;
        let now = self.clock.now_ns();
        let (fp, home) = self.table.hash(key);
        if let Some(cell) = self.table.find(fp, home).and_then(|i| self.tat_at(i)) {
            return Ok(self.gcra.step(cell.load(Ordering::SeqCst), now, n).decision);
        }
        if self.table.has_room(home, |i| self.is_fresh(i, now, false)) {
            Ok(self.gcra.step(0, now, n).decision)
        } else {
            Ok(self.on_full(home, now, n))
        }
    }

    /// [`peek`](Self::peek) with a string key.
    pub fn peek_str(&self, key: &str, n: u64) -> Result<Decision> {
        self.peek(key.as_bytes(), n)
    }

    pub(crate) fn on_full(&self, home: u64, now: u64, n: u64) -> Decision {
        match self.table.on_full {
            OnFull::Allow => self.gcra.step(0, now, n).decision,
            OnFull::Deny => {
                let wait = self
                    .table
                    .window(home)
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
        let (fp, home) = self.table.hash(key);
        let Some(i) = self.table.find(fp, home) else {
            return;
        };
        let Some(cell) = self.tat_at(i) else { return };
        // Read the state, then check the slot is still the key's, then swap
        // exactly that state: a state taken over by another key (the key
        // was fresh, so it had nothing to give back) is never refunded.
        // The clock is read after the state (an earlier reading would let
        // the refund reach below the present: more than burst).
        let mut tat = cell.load(Ordering::SeqCst);
        let mut now = self.clock.now_ns();
        loop {
            let new_tat = self.gcra.refunded(tat, now, n);
            if new_tat == tat || !self.table.holds(i, fp) {
                return;
            }
            match cell.compare_exchange(tat, new_tat, Ordering::SeqCst, Ordering::SeqCst) {
                Ok(_) => return,
                Err(actual) => {
                    tat = actual;
                    now = self.clock.now_ns();
                }
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
/// in a fixed-size lock-free table of `4 * max_keys * (buckets + 4)` words.
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
    /// Per slot, slot-major: the window's ring words, then the slot's
    /// waiter count (waiting acquires queued or granted but not yet
    /// collected; a slot with waiters is never evicted). On the heap or
    /// in a shared region.
    rings: PlaceSlice<AtomicU64>,
    clock: ClockSource,
    /// The per-key FIFO queues of waiting acquires (slow path only).
    waits: wait::Queues,
}

impl KeyedSlidingWindow {
    /// On the fast in-process clock ([`ClockSource::fast`](crate::ClockSource::fast)).
    pub fn new(cfg: KeyedSlidingWindowConfig) -> Result<Self> {
        Self::with_clock(cfg, ClockSource::fast())
    }

    /// On the given clock.
    pub fn with_clock(
        cfg: KeyedSlidingWindowConfig,
        clock: impl Into<ClockSource>,
    ) -> Result<Self> {
        cfg.validate()?;
        let w = Window::new(&cfg.window)?;
        let table = Table::new(&cfg.table)?;
        let words = table.slots().saturating_mul(w.ring_len() as u64 + 1);
        let rings = alloc_words(words, "max_keys", "the sliding window table")?;
        Ok(Self {
            w,
            table,
            rings: PlaceSlice::Local(rings),
            clock: clock.into(),
            waits: wait::Queues::default(),
        })
    }

    #[inline]
    pub(crate) fn ring(&self, i: usize) -> &[AtomicU64] {
        let len = self.w.ring_len();
        let start = i.saturating_mul(len + 1);
        self.rings
            .get(start..start.saturating_add(len))
            .unwrap_or(&[])
    }

    /// Slot `i`'s waiter count.
    #[inline]
    pub(crate) fn waiters(&self, i: usize) -> Option<&AtomicU64> {
        let len = self.w.ring_len();
        self.rings
            .get(i.saturating_mul(len + 1).saturating_add(len))
    }

    /// Whether slot `i` is indistinguishable from fresh: nothing counted
    /// and nobody waiting. With `confirm`, read by read-modify-write
    /// operations (see `Table::find_or_claim`).
    #[inline]
    pub(crate) fn is_fresh(&self, i: usize, now: u64, confirm: bool) -> bool {
        let ring = self.ring(i);
        let waiters = self.waiters(i);
        if confirm {
            for word in ring {
                word.fetch_add(0, Ordering::SeqCst);
            }
            if waiters.is_some_and(|w| w.fetch_add(0, Ordering::SeqCst) != 0) {
                return false;
            }
        } else if waiters.is_some_and(|w| w.load(Ordering::SeqCst) != 0) {
            return false;
        }
        self.w.is_empty(ring, now)
    }

    /// Counts `n` requests for `key` if its window has room.
    /// `Err(InvalidArgument { field: "n" })` for `n == 0` or `n > limit`.
    pub fn try_acquire(&self, key: &[u8], n: u64) -> Result<Decision> {
        self.w.check_n(n)?;
        let now = self.clock.now_ns();
        let (fp, home) = self.table.hash(key);
        loop {
            let fresh = |i: usize, confirm: bool| self.is_fresh(i, now, confirm);
            let i = match self.table.find_or_claim(fp, home, fresh) {
                Found::Slot(i) => i,
                Found::Full => return Ok(self.table.count(self.on_full(home, now, n))),
            };
            if self
                .waiters(i)
                .is_some_and(|w| w.load(Ordering::SeqCst) != 0)
            {
                // Others wait for this key: no barging (slow path, locks).
                if let Some(d) = self.behind_queue(i, now, n) {
                    return Ok(self.table.count(d));
                }
            }
            let ring = self.ring(i);
            let decision = self.w.acquire(ring, now, n);
            if self.table.still_holds(i, fp) {
                return Ok(self.table.count(decision));
            }
            // The slot went to another key: take our count back, start over.
            if decision.allowed {
                self.w.refund(ring, now, n);
            }
        }
    }

    /// [`try_acquire`](Self::try_acquire) with a string key.
    pub fn try_acquire_str(&self, key: &str, n: u64) -> Result<Decision> {
        self.try_acquire(key.as_bytes(), n)
    }

    /// What [`try_acquire`](Self::try_acquire) would answer now, without
    /// counting anything and without inserting the key (a key not tracked
    /// gets the answer of an empty window, or of `on_full` when it would find
    /// no slot). For rate-limit headers.
    pub fn peek(&self, key: &[u8], n: u64) -> Result<Decision> {
        self.w.check_n(n)?;
        let now = self.clock.now_ns();
        let (fp, home) = self.table.hash(key);
        if let Some(i) = self.table.find(fp, home) {
            if self
                .waiters(i)
                .is_some_and(|w| w.load(Ordering::SeqCst) != 0)
            {
                if let Some(d) = self.behind_queue(i, now, n) {
                    return Ok(d);
                }
            }
            return Ok(self.w.peek(self.ring(i), now, n));
        }
        if self.table.has_room(home, |i| self.is_fresh(i, now, false)) {
            Ok(self.w.fresh_decision(now, n))
        } else {
            Ok(self.on_full(home, now, n))
        }
    }

    /// [`peek`](Self::peek) with a string key.
    pub fn peek_str(&self, key: &str, n: u64) -> Result<Decision> {
        self.peek(key.as_bytes(), n)
    }

    pub(crate) fn on_full(&self, home: u64, now: u64, n: u64) -> Decision {
        match self.table.on_full {
            OnFull::Allow => self.w.fresh_decision(now, n),
            OnFull::Deny => {
                let wait = self
                    .table
                    .window(home)
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
            // Each count taken is checked to be the key's after it is read
            // (see KeyedTokenBucket::refund).
            self.w
                .refund_while(self.ring(i), now, n, || self.table.holds(i, fp));
        }
    }

    /// Table counters.
    pub fn metrics(&self) -> KeyedMetrics {
        self.table.metrics()
    }
}

mod wait;

#[cfg(all(unix, not(seawall_loom)))]
mod shared;

/// A clock reading made only when first asked for (by a slot lookup that
/// judges other keys' freshness, or a full table), then kept: the
/// decisions themselves read the clock after the key's state.
pub(crate) struct EarlyNow<'a> {
    clock: &'a ClockSource,
    at: std::cell::Cell<Option<u64>>,
}

impl<'a> EarlyNow<'a> {
    pub(crate) fn new(clock: &'a ClockSource) -> Self {
        Self {
            clock,
            at: std::cell::Cell::new(None),
        }
    }

    pub(crate) fn get(&self) -> u64 {
        match self.at.get() {
            Some(t) => t,
            None => {
                let t = self.clock.now_ns();
                self.at.set(Some(t));
                t
            }
        }
    }
}

#[cfg(test)]
mod tests;
