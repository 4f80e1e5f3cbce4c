//! Token bucket as GCRA (generic cell rate algorithm) on one `AtomicU64`.
//!
//! The whole state is the *theoretical arrival time* (TAT): the clock reading,
//! in nanoseconds since the clock's origin, at which the bucket is full again.
//! This is governor's model (`state/in_memory.rs`). With `T` the emission
//! interval (nanoseconds per token) and `tau = burst * T`:
//!
//! - `debt = max(TAT - now, 0)`; tokens available now `= floor((tau - debt) / T)`;
//! - a request for `n` tokens costs `n * T`; it is granted iff
//!   `debt + n*T <= tau`, and then `TAT := now + debt + n*T`.
//!
//! The exact formulas (the contract every binding reproduces) are in
//! `spec/token_bucket.md`.

use crate::clock::duration_to_ns;
use crate::clock::{Clock, ClockSource};
use crate::error::{Error, Result};
use crate::limit::{Decision, LimiterWait, RateLimiter, Reservation, WaitTarget};
use crate::place::Place;
use crate::sync::{AtomicU64, Ordering, Padded, StripedCounter};
use crate::validate;
use std::sync::Arc;
use std::time::Duration;

/// Nanoseconds in one second, as a float.
const NS_PER_SEC: f64 = 1_000_000_000.0;

/// Largest duration any bucket arithmetic may reach (100 years in ns).
pub(crate) const MAX_NS: u64 = 100 * 365 * 24 * 3600 * 1_000_000_000;

/// Configuration of a [`TokenBucket`].
#[derive(Debug, Clone, PartialEq)]
pub struct TokenBucketConfig {
    /// Capacity: the most tokens that can be taken at once after an idle
    /// period. `>= 1`. Default 10.
    pub burst: u64,
    /// Refill rate in tokens per second, `> 0` and finite; fractions allowed
    /// (`0.5` = one token every 2 s). Default 10.0.
    pub rate_per_sec: f64,
    /// Tokens available at construction; `None` = start full (the default).
    /// Must be `<= burst`.
    pub initial_tokens: Option<u64>,
}

impl Default for TokenBucketConfig {
    fn default() -> Self {
        Self {
            burst: 10,
            rate_per_sec: 10.0,
            initial_tokens: None,
        }
    }
}

/// `1e9 / rate` rounded to the nearest integer, ties away from zero, computed
/// exactly as every binding must: `q = 1e9 / rate` (one IEEE-754 double
/// division), `fl = floor(q)`, `T = fl + (q - fl >= 0.5 ? 1 : 0)`.
fn emission_interval_ns(rate_per_sec: f64) -> Result<u64> {
    let rate = validate::positive_f64("rate_per_sec", rate_per_sec)?;
    let q = NS_PER_SEC / rate;
    if !q.is_finite() || q > MAX_NS as f64 {
        return Err(Error::config(
            "rate_per_sec",
            format!("is too small: one token per {q:?} ns exceeds 100 years, got {rate_per_sec:?}"),
        ));
    }
    let fl = q.floor();
    let t = if q - fl >= 0.5 { fl + 1.0 } else { fl };
    if t < 1.0 {
        return Err(Error::config(
            "rate_per_sec",
            format!("is too large: the emission interval rounds to 0 ns (max 2e9/s), got {rate_per_sec:?}"),
        ));
    }
    // t is an integer in [1, MAX_NS], exactly representable.
    Ok(t as u64)
}

/// Validated GCRA parameters, shared with the keyed limiter.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Gcra {
    /// Emission interval `T`, ns per token, `>= 1`.
    pub(crate) t: u64,
    /// Burst (capacity in tokens), `>= 1`.
    pub(crate) burst: u64,
    /// `tau = burst * T`, the time to refill from empty, `<= MAX_NS`.
    pub(crate) tau: u64,
}

/// The outcome of one GCRA step: the decision and, if granted, the new TAT.
pub(crate) struct Step {
    pub(crate) decision: Decision,
    pub(crate) new_tat: Option<u64>,
}

impl Gcra {
    pub(crate) fn new(burst: u64, rate_per_sec: f64) -> Result<Self> {
        if burst == 0 {
            return Err(Error::config("burst", "must be >= 1, got 0"));
        }
        let t = emission_interval_ns(rate_per_sec)?;
        let tau = burst
            .checked_mul(t)
            .filter(|&tau| tau <= MAX_NS)
            .ok_or_else(|| {
                Error::config(
                    "burst",
                    format!("burst x emission interval ({t} ns) exceeds 100 years, got {burst}"),
                )
            })?;
        Ok(Self { t, burst, tau })
    }

    /// `n` must be in `1..=burst`.
    #[inline]
    pub(crate) fn check_n(&self, n: u64) -> Result<()> {
        if n == 0 || n > self.burst {
            return Err(self.bad_n(n));
        }
        Ok(())
    }

    /// The error for an `n` that `check_n` refused (out of line: it formats).
    #[cold]
    #[inline(never)]
    fn bad_n(&self, n: u64) -> Error {
        if n == 0 {
            Error::argument("n", "must be >= 1, got 0")
        } else {
            Error::argument(
                "n",
                format!(
                    "exceeds the burst {} and can never be granted, got {n}",
                    self.burst
                ),
            )
        }
    }

    /// One GCRA step for a validated `n` (`1..=burst`); pure.
    #[inline]
    pub(crate) fn step(&self, tat: u64, now: u64, n: u64) -> Step {
        // debt <= tau after any grant, <= tau + MAX_NS after a reservation (a
        // clock going back can make it larger; it is capped there, which
        // keeps the sums below from overflowing: 3 * MAX_NS < 2^64).
        let debt = tat.saturating_sub(now).min(self.max_debt());
        let cost = n.saturating_mul(self.t);
        let after = debt.saturating_add(cost);
        if after <= self.tau {
            Step {
                decision: Decision {
                    allowed: true,
                    remaining: (self.tau - after) / self.t,
                    retry_after: Duration::ZERO,
                    reset_after: Duration::from_nanos(after),
                },
                new_tat: Some(now.saturating_add(after)),
            }
        } else {
            Step {
                decision: Decision {
                    allowed: false,
                    remaining: self.tau.saturating_sub(debt) / self.t,
                    retry_after: Duration::from_nanos(after - self.tau),
                    reset_after: Duration::from_nanos(debt),
                },
                new_tat: None,
            }
        }
    }

    /// The largest debt any grant or reservation leaves: `tau` plus the
    /// longest wait a reservation may take (100 years).
    #[inline]
    fn max_debt(&self) -> u64 {
        self.tau.saturating_add(MAX_NS)
    }

    /// A reservation of a validated `n` at `now` waiting at most
    /// `max_wait_ns` (`<= MAX_NS`): `Ok((new TAT, due time))`, or
    /// `Err(retry_after_ns)` when the tokens come later than that.
    #[inline]
    pub(crate) fn reserve(
        &self,
        tat: u64,
        now: u64,
        n: u64,
        max_wait_ns: u64,
    ) -> std::result::Result<(u64, u64), u64> {
        let debt = tat.saturating_sub(now).min(self.max_debt());
        let after = debt.saturating_add(n.saturating_mul(self.t));
        let wait = after.saturating_sub(self.tau);
        if wait > max_wait_ns {
            return Err(wait);
        }
        Ok((now.saturating_add(after), now.saturating_add(wait)))
    }

    /// The decision of a reservation claimed at `now`, TAT `tat`.
    pub(crate) fn claimed(&self, tat: u64, now: u64) -> Decision {
        Decision {
            allowed: true,
            remaining: self.available(tat, now),
            retry_after: Duration::ZERO,
            reset_after: Duration::from_nanos(tat.saturating_sub(now)),
        }
    }

    /// The TAT after giving back `n` tokens: `max(TAT - n*T, now)`, and
    /// unchanged when the bucket is already full (`TAT <= now`).
    #[inline]
    pub(crate) fn refunded(&self, tat: u64, now: u64, n: u64) -> u64 {
        if tat <= now {
            tat
        } else {
            tat.saturating_sub(n.saturating_mul(self.t)).max(now)
        }
    }

    /// Tokens available at `now` for state `tat`.
    #[inline]
    pub(crate) fn available(&self, tat: u64, now: u64) -> u64 {
        self.tau.saturating_sub(tat.saturating_sub(now)) / self.t
    }
}

/// A snapshot of a [`TokenBucket`]'s counters.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TokenBucketMetrics {
    /// Configured burst.
    pub burst: u64,
    /// Tokens available right now.
    pub available: u64,
    /// The emission interval `T` in nanoseconds (time per token).
    pub emission_interval: Duration,
    /// `try_acquire` calls that were granted.
    pub allowed: u64,
    /// `try_acquire` calls that were denied (errors are not counted).
    /// Waiting acquires count once, when they finish: granted (also at
    /// their due time) in `allowed`, refused or given up in `denied`.
    pub denied: u64,
    /// Waiting acquires holding a reservation now.
    pub waiting: u64,
}

/// A lock-free token bucket (GCRA): burst capacity plus a steady refill rate.
///
/// Thread-safe (`Send + Sync`); hold it in an `Arc` to share. A decision is one
/// clock read plus one compare-and-swap loop on one `AtomicU64` and one
/// counter increment; a denied request takes nothing.
///
/// ```
/// use seawall::token_bucket::{TokenBucket, TokenBucketConfig};
/// use seawall::ManualClock;
/// use std::time::Duration;
///
/// let clock = ManualClock::new();
/// let cfg = TokenBucketConfig { burst: 2, rate_per_sec: 1.0, ..Default::default() };
/// let tb = TokenBucket::with_clock(cfg, &clock)?;
/// assert!(tb.try_acquire(1)?.allowed);
/// assert!(tb.try_acquire(1)?.allowed);
/// let d = tb.try_acquire(1)?;
/// assert!(!d.allowed);
/// assert_eq!(d.retry_after, Duration::from_secs(1));
/// clock.advance(Duration::from_secs(1));
/// assert!(tb.try_acquire(1)?.allowed);
/// assert!(tb.try_acquire(3).is_err()); // above the burst: InvalidArgument
/// # Ok::<(), seawall::Error>(())
/// ```
#[derive(Debug)]
pub struct TokenBucket {
    gcra: Gcra,
    clock: ClockSource,
    /// Written by every grant: the TAT and the `allowed` counter share a
    /// line (one line moves between cores per grant), away from the
    /// read-only fields above. Inline, or in a shared region.
    hot: Place<Padded<Hot>>,
    /// `try_acquire` calls denied, striped per thread: a denial otherwise
    /// only reads shared memory, so threads being denied at once (the
    /// common case under overload) do not pass one counter's line around.
    denied: Place<StripedCounter>,
    /// Reservations not yet claimed or given back (slow path only).
    waiting: Place<AtomicU64>,
}

/// The whole state of a bucket in a shared region (`spec/shared_memory.md`).
#[cfg(all(unix, not(seawall_loom)))]
#[derive(zerocopy::FromBytes)]
#[repr(C)]
struct Shared {
    hot: Padded<Hot>,
    denied: StripedCounter,
    waiting: AtomicU64,
}
crate::place::region_cells!(Hot, Shared);

#[derive(Debug)]
#[cfg_attr(not(seawall_loom), derive(zerocopy::FromBytes))]
#[repr(C)]
struct Hot {
    /// The theoretical arrival time, ns since the clock's origin. Values
    /// `<= now` all mean "full". The whole state; nothing is packed.
    tat: AtomicU64,
    allowed: AtomicU64,
}

impl TokenBucketConfig {
    /// Checks every field; `InvalidConfig` names the first bad one.
    pub fn validate(&self) -> Result<()> {
        let g = Gcra::new(self.burst, self.rate_per_sec)?;
        if let Some(init) = self.initial_tokens {
            if init > g.burst {
                return Err(Error::config(
                    "initial_tokens",
                    format!("must be <= burst ({}), got {init}", g.burst),
                ));
            }
        }
        Ok(())
    }
}

impl TokenBucket {
    /// A bucket on the fast in-process clock ([`ClockSource::fast`](crate::ClockSource::fast)).
    pub fn new(cfg: TokenBucketConfig) -> Result<Self> {
        Self::with_clock(cfg, ClockSource::fast())
    }

    /// A bucket on the given clock (e.g. a [`ManualClock`](crate::ManualClock)).
    pub fn with_clock(cfg: TokenBucketConfig, clock: impl Into<ClockSource>) -> Result<Self> {
        cfg.validate()?;
        let gcra = Gcra::new(cfg.burst, cfg.rate_per_sec)?;
        let clock = clock.into();
        let tat = Self::initial_tat(&cfg, gcra, &clock);
        Ok(Self {
            gcra,
            clock,
            hot: Place::Local(Padded(Hot {
                tat: AtomicU64::new(tat),
                allowed: AtomicU64::new(0),
            })),
            denied: Place::Local(StripedCounter::new()),
            waiting: Place::Local(AtomicU64::new(0)),
        })
    }

    /// The TAT a new bucket starts with: 0 (full), or `initial_tokens`
    /// short of full at the clock's current reading.
    fn initial_tat(cfg: &TokenBucketConfig, gcra: Gcra, clock: &ClockSource) -> u64 {
        match cfg.initial_tokens {
            Some(init) if init < gcra.burst => clock
                .now_ns()
                .saturating_add((gcra.burst - init).saturating_mul(gcra.t)),
            _ => 0,
        }
    }

    /// The bucket `name` in a shared region, on the host's
    /// `CLOCK_MONOTONIC` (the same time in every process): the first
    /// process creates it, later ones attach to the same state. Attaching
    /// with another config is `InvalidConfig` naming the field that
    /// differs (`spec/shared_memory.md`).
    #[cfg(all(unix, not(seawall_loom)))]
    pub fn in_region(
        cfg: TokenBucketConfig,
        region: &crate::shm::SharedRegion,
        name: &str,
    ) -> Result<Self> {
        Self::in_region_with_clock(cfg, crate::shm::region_clock(), region, name)
    }

    /// [`in_region`](Self::in_region) on the given clock (a
    /// [`ManualClock`](crate::ManualClock) for tests; every process
    /// sharing the slot must read the same time).
    #[cfg(all(unix, not(seawall_loom)))]
    pub fn in_region_with_clock(
        cfg: TokenBucketConfig,
        clock: impl Into<ClockSource>,
        region: &crate::shm::SharedRegion,
        name: &str,
    ) -> Result<Self> {
        use crate::shm::{Cfg, SlotKind};
        cfg.validate()?;
        let gcra = Gcra::new(cfg.burst, cfg.rate_per_sec)?;
        let clock = clock.into();
        let fields = [
            ("burst", Cfg::U64(cfg.burst)),
            ("rate_per_sec", Cfg::F64(cfg.rate_per_sec)),
            ("initial_tokens", Cfg::OptU64(cfg.initial_tokens)),
        ];
        let slot = region.slot(
            SlotKind::TokenBucket,
            name,
            &fields,
            size_of::<Shared>(),
            |slot| {
                let s = slot.view::<Shared>(0)?;
                s.hot
                    .tat
                    .store(Self::initial_tat(&cfg, gcra, &clock), Ordering::Release);
                Ok(())
            },
        )?;
        let s = slot.view::<Shared>(0)?;
        Ok(Self {
            gcra,
            clock,
            hot: Place::Region(s.project(|s| &s.hot)),
            denied: Place::Region(s.project(|s| &s.denied)),
            waiting: Place::Region(s.project(|s| &s.waiting)),
        })
    }

    /// Whether this bucket's state is in a shared region.
    pub fn is_shared(&self) -> bool {
        self.hot.is_shared()
    }

    /// Takes `n` tokens if they are available now.
    ///
    /// `Err(InvalidArgument { field: "n" })` when `n == 0` or `n > burst`
    /// (such a request can never be granted). A denied decision takes nothing.
    // Always inlined: a caller that reads only `allowed` then skips the
    // arithmetic of the fields it ignores (the division for `remaining`).
    #[inline(always)]
    pub fn try_acquire(&self, n: u64) -> Result<Decision> {
        self.gcra.check_n(n)?;
        // The state first, then the clock: whoever wrote this TAT read its
        // clock before, so `now` is never older than the time the TAT was
        // computed for (an older `now` would deny a token that is there:
        // `spec/token_bucket.md`, "Concurrency"). After a lost CAS, the
        // clock is read again for the same reason.
        let mut tat = self.hot.tat.load(Ordering::Acquire);
        let mut now = self.clock.now_ns();
        loop {
            let step = self.gcra.step(tat, now, n);
            let Some(new_tat) = step.new_tat else {
                self.denied.incr();
                return Ok(step.decision);
            };
            match self.hot.tat.compare_exchange_weak(
                tat,
                new_tat,
                Ordering::AcqRel,
                Ordering::Acquire,
            ) {
                Ok(_) => {
                    self.hot.allowed.fetch_add(1, Ordering::Relaxed);
                    return Ok(step.decision);
                }
                Err(actual) => {
                    tat = actual;
                    now = self.clock.now_ns();
                }
            }
        }
    }

    /// What [`try_acquire`](Self::try_acquire) would answer now, without
    /// taking anything.
    pub fn peek(&self, n: u64) -> Result<Decision> {
        self.gcra.check_n(n)?;
        let now = self.clock.now_ns();
        Ok(self
            .gcra
            .step(self.hot.tat.load(Ordering::Acquire), now, n)
            .decision)
    }

    /// Gives back `n` tokens (moves the TAT back by `n * T`), never making more
    /// than `burst` available. `n == 0` does nothing.
    pub fn refund(&self, n: u64) {
        if n == 0 {
            return;
        }
        // State, then clock, as in `try_acquire` (an older `now` would let
        // the refund go below the present and hand out more than burst).
        let mut tat = self.hot.tat.load(Ordering::Acquire);
        let mut now = self.clock.now_ns();
        loop {
            let new_tat = self.gcra.refunded(tat, now, n);
            if new_tat == tat {
                return;
            }
            match self.hot.tat.compare_exchange_weak(
                tat,
                new_tat,
                Ordering::AcqRel,
                Ordering::Acquire,
            ) {
                Ok(_) => return,
                Err(actual) => {
                    tat = actual;
                    now = self.clock.now_ns();
                }
            }
        }
    }

    /// The configured burst.
    pub fn burst(&self) -> u64 {
        self.gcra.burst
    }

    /// The emission interval `T` (time per token).
    pub fn emission_interval(&self) -> Duration {
        Duration::from_nanos(self.gcra.t)
    }

    /// A snapshot of the counters and the tokens available now.
    pub fn metrics(&self) -> TokenBucketMetrics {
        let now = self.clock.now_ns();
        TokenBucketMetrics {
            burst: self.gcra.burst,
            available: self
                .gcra
                .available(self.hot.tat.load(Ordering::Acquire), now),
            emission_interval: Duration::from_nanos(self.gcra.t),
            allowed: self.hot.allowed.load(Ordering::Relaxed),
            denied: self.denied.sum(),
            waiting: self.waiting.load(Ordering::Relaxed),
        }
    }

    /// Takes `n` tokens now, or reserves them for the earliest time they
    /// are due if that is at most `max_wait` away (GCRA reservation: the
    /// TAT moves now, so every later request, waiting or not, is served
    /// after this one; see `spec/token_bucket.md`).
    ///
    /// `Err(RateLimited { retry_after })` when the tokens are due later
    /// than `max_wait` (nothing taken, one denial counted);
    /// `Err(InvalidArgument)` for `n == 0` or `n > burst`. A wait longer
    /// than 100 years is treated as 100 years.
    pub fn reserve(self: &Arc<Self>, n: u64, max_wait: Duration) -> Result<Reservation> {
        match self.reserve_ns(n, max_wait)? {
            Reserved::Now(d) => Ok(Reservation::Granted(d)),
            Reserved::At(due) => Ok(Reservation::Waiting(LimiterWait::new(
                Arc::clone(self) as Arc<dyn WaitTarget>,
                due,
                n,
            ))),
        }
    }

    /// Takes `n` tokens, blocking the thread up to `max_wait` for them:
    /// [`reserve`](Self::reserve) then sleep until the due time (on a
    /// [`ManualClock`](crate::ManualClock), until a test moves the time
    /// there). Refused at once, without sleeping, when they are due later.
    pub fn acquire(&self, n: u64, max_wait: Duration) -> Result<Decision> {
        match self.reserve_ns(n, max_wait)? {
            Reserved::Now(d) => Ok(d),
            Reserved::At(due) => {
                while !self.clock.sleep_until_ns(due, None) {}
                Ok(self.claim_due(n))
            }
        }
    }

    fn reserve_ns(&self, n: u64, max_wait: Duration) -> Result<Reserved> {
        self.gcra.check_n(n)?;
        let max_wait_ns = duration_to_ns(max_wait).min(MAX_NS);
        // State, then clock, as in `try_acquire`.
        let mut tat = self.hot.tat.load(Ordering::Acquire);
        let mut now = self.clock.now_ns();
        loop {
            let (new_tat, due) = match self.gcra.reserve(tat, now, n, max_wait_ns) {
                Ok(r) => r,
                Err(retry) => {
                    self.denied.incr();
                    return Err(Error::RateLimited {
                        retry_after: Duration::from_nanos(retry),
                    });
                }
            };
            match self.hot.tat.compare_exchange_weak(
                tat,
                new_tat,
                Ordering::AcqRel,
                Ordering::Acquire,
            ) {
                Ok(_) if due <= now => {
                    self.hot.allowed.fetch_add(1, Ordering::Relaxed);
                    return Ok(Reserved::Now(self.gcra.step(tat, now, n).decision));
                }
                Ok(_) => {
                    self.waiting.fetch_add(1, Ordering::Relaxed);
                    return Ok(Reserved::At(due));
                }
                Err(actual) => {
                    tat = actual;
                    now = self.clock.now_ns();
                }
            }
        }
    }

    /// Counts a reservation claimed at its due time; its decision.
    fn claim_due(&self, _n: u64) -> Decision {
        self.waiting.fetch_sub(1, Ordering::Relaxed);
        self.hot.allowed.fetch_add(1, Ordering::Relaxed);
        let now = self.clock.now_ns();
        self.gcra.claimed(self.hot.tat.load(Ordering::Acquire), now)
    }
}

/// What `reserve_ns` got.
enum Reserved {
    Now(Decision),
    /// Due at this clock reading.
    At(u64),
}

/// A reservation's key is its due time.
impl WaitTarget for TokenBucket {
    fn clock(&self) -> &ClockSource {
        &self.clock
    }

    fn due_ns(&self, key: u64) -> Option<u64> {
        Some(key)
    }

    fn claim(&self, key: u64, n: u64) -> Result<Option<Decision>> {
        if self.clock.now_ns() < key {
            return Ok(None);
        }
        Ok(Some(self.claim_due(n)))
    }

    fn abandon(&self, _key: u64, n: u64) {
        self.waiting.fetch_sub(1, Ordering::Relaxed);
        self.denied.incr();
        self.refund(n);
    }
}

impl RateLimiter for TokenBucket {
    fn try_acquire_n(&self, n: u64) -> Result<Decision> {
        self.try_acquire(n)
    }

    fn refund(&self, n: u64) {
        TokenBucket::refund(self, n);
    }

    fn limit(&self) -> u64 {
        self.gcra.burst
    }
}

#[cfg(test)]
mod tests;
