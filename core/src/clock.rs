//! Time. This is the only module in seawall that reads a clock.
//!
//! Every primitive takes a [`ClockSource`]: the fast in-process monotonic
//! clock ([`FastClock`], the CPU's invariant time-stamp counter calibrated to
//! `CLOCK_MONOTONIC`, or `CLOCK_MONOTONIC` itself where the counter is not
//! trusted), the host's monotonic clock ([`MonotonicClock`],
//! `CLOCK_MONOTONIC` nanoseconds, the same value in every process on one
//! host, for state shared between processes) or a [`ManualClock`] that only
//! moves when told to, so tests in every language are deterministic. The
//! wall clock is never used. `spec/README.md` ("Time") has the rule.

use crate::sync::{AtomicU64, Ordering};
use std::sync::atomic::{AtomicUsize as StdAtomicUsize, Ordering as StdOrdering};
use std::sync::{Arc, Condvar as StdCondvar, Mutex as StdMutex, MutexGuard, PoisonError};
use std::task::Waker;
use std::time::Duration;

/// A monotonic source of nanoseconds.
pub trait Clock: Send + Sync {
    /// Monotonic nanoseconds since an arbitrary, fixed origin.
    fn now_ns(&self) -> u64;
}

/// The host's monotonic clock (`CLOCK_MONOTONIC` on Unix).
///
/// All processes on one host read the same value, which is what lets state
/// shared between processes compare timestamps.
#[derive(Debug, Clone, Copy, Default)]
pub struct MonotonicClock;

impl Clock for MonotonicClock {
    #[inline]
    fn now_ns(&self) -> u64 {
        monotonic_now_ns()
    }
}

#[cfg(unix)]
#[inline]
fn monotonic_now_ns() -> u64 {
    let ts = rustix::time::clock_gettime(rustix::time::ClockId::Monotonic);
    (ts.tv_sec as u64)
        .saturating_mul(1_000_000_000)
        .saturating_add(ts.tv_nsec as u64)
}

#[cfg(not(unix))]
#[allow(clippy::disallowed_methods)]
fn monotonic_now_ns() -> u64 {
    use std::sync::OnceLock;
    use std::time::Instant;
    static ORIGIN: OnceLock<Instant> = OnceLock::new();
    let origin = *ORIGIN.get_or_init(Instant::now);
    u64::try_from(origin.elapsed().as_nanos()).unwrap_or(u64::MAX)
}

/// The fast in-process monotonic clock: nanoseconds from the CPU's
/// time-stamp counter (TSC), scaled by a calibration against
/// `CLOCK_MONOTONIC` made once per process (by `quanta`), counted from the
/// `CLOCK_MONOTONIC` time of that calibration.
///
/// A read is one ordered TSC read and a multiply, less than a
/// `CLOCK_MONOTONIC` read (the vDSO also reads the counter in order, then a
/// seqlock and the kernel's scale). It is used only
/// where the host vouches for the counter: on Linux x86-64 when the kernel's
/// own clocksource is `tsc` (the kernel checked that the counters of all
/// CPUs are synchronized) and the CPU reports an invariant TSC
/// (`constant_tsc`, `nonstop_tsc`) and `rdtscp`. Anywhere else, or with the
/// environment variable `SEAWALL_CLOCK=monotonic` set when the first fast
/// clock is made, it reads `CLOCK_MONOTONIC`.
///
/// Monotonic across threads: the counter is read in order (`LFENCE; RDTSC`
/// or `RDTSCP`, the kernel's `rdtsc_ordered`), after every earlier
/// instruction of the reading thread, so a thread that has seen a value
/// another thread read sees a value at least as large
/// (`core/tests/fast_clock.rs` checks it under contention). The unordered
/// read that `quanta` and governor use is cheaper but can go back across
/// threads. Values are not comparable between processes, and they drift
/// from `CLOCK_MONOTONIC` by the calibration's rate error (tens of ppm;
/// NTP may slew `CLOCK_MONOTONIC` itself by up to 500 ppm): state shared
/// between processes uses [`MonotonicClock`]. The measurements behind this
/// paragraph are in BENCHMARKS.md ("Measurements behind design choices").
#[derive(Debug, Clone, Copy)]
pub struct FastClock {
    tsc: Option<&'static Tsc>,
}

impl Default for FastClock {
    fn default() -> Self {
        Self::new()
    }
}

impl FastClock {
    /// The process's fast clock: the TSC where it is trusted (the first call
    /// in a process calibrates it, typically under a millisecond), else
    /// `CLOCK_MONOTONIC`.
    pub fn new() -> Self {
        Self { tsc: tsc::shared() }
    }

    /// A fast clock that reads `CLOCK_MONOTONIC` whatever the host: the
    /// fallback path, forced.
    pub const fn fallback() -> Self {
        Self { tsc: None }
    }

    /// Whether this clock reads the TSC (`false`: `CLOCK_MONOTONIC`).
    pub fn uses_tsc(&self) -> bool {
        self.tsc.is_some()
    }
}

impl Clock for FastClock {
    #[inline]
    fn now_ns(&self) -> u64 {
        match self.tsc {
            Some(t) => t.now_ns(),
            None => monotonic_now_ns(),
        }
    }
}

#[cfg(all(target_arch = "x86_64", target_os = "linux"))]
use tsc::Tsc;

#[cfg(not(all(target_arch = "x86_64", target_os = "linux")))]
#[derive(Debug)]
#[allow(dead_code)] // never made: no trusted counter on this target
struct Tsc;

#[cfg(not(all(target_arch = "x86_64", target_os = "linux")))]
impl Tsc {
    #[inline]
    fn now_ns(&self) -> u64 {
        monotonic_now_ns()
    }
}

#[cfg(not(all(target_arch = "x86_64", target_os = "linux")))]
mod tsc {
    pub(super) fn shared() -> Option<&'static super::Tsc> {
        None
    }
}

/// Whether the host's answers vouch for the TSC: the kernel's current
/// clocksource is `tsc` and the first `flags` line of `/proc/cpuinfo` has
/// `constant_tsc`, `nonstop_tsc` and `rdtscp`. Public for tests only.
#[doc(hidden)]
pub fn tsc_trusted(current_clocksource: &str, cpuinfo: &str) -> bool {
    if current_clocksource.trim() != "tsc" {
        return false;
    }
    let Some(flags) = cpuinfo
        .lines()
        .find(|l| l.starts_with("flags"))
        .and_then(|l| l.split_once(':'))
        .map(|(_, f)| f)
    else {
        return false;
    };
    ["constant_tsc", "nonstop_tsc", "rdtscp"]
        .iter()
        .all(|want| flags.split_whitespace().any(|f| f == *want))
}

#[cfg(all(target_arch = "x86_64", target_os = "linux"))]
mod tsc {
    use std::sync::OnceLock;

    /// The calibrated counter: `origin_ns` (`CLOCK_MONOTONIC`) was read
    /// right before the counter read `origin_raw`.
    #[derive(Debug)]
    pub struct Tsc {
        ordered: crate::ordered_tsc::OrderedTsc,
        clock: quanta::Clock,
        origin_raw: u64,
        origin_ns: u64,
    }

    impl Tsc {
        #[inline]
        pub(super) fn now_ns(&self) -> u64 {
            // Ordered read (RDTSCP): the counter is read after this
            // thread's earlier loads complete, so a value another thread
            // published and this one has seen was read from the counter
            // before (`ordered_tsc`'s docs: a plain RDTSC, even after an
            // MFENCE, can go back across threads).
            let raw = self.ordered.read();
            // Scaled by a positive factor and saturating at the origin: never
            // decreases as `raw` grows.
            self.origin_ns
                .saturating_add(self.clock.delta_as_nanos(self.origin_raw, raw))
        }
    }

    static SHARED: OnceLock<Option<Tsc>> = OnceLock::new();

    pub(super) fn shared() -> Option<&'static Tsc> {
        SHARED.get_or_init(detect).as_ref()
    }

    fn detect() -> Option<Tsc> {
        if std::env::var_os("SEAWALL_CLOCK").is_some_and(|v| v == "monotonic") {
            return None;
        }
        let cs = std::fs::read_to_string(
            "/sys/devices/system/clocksource/clocksource0/current_clocksource",
        )
        .ok()?;
        let cpuinfo = std::fs::read_to_string("/proc/cpuinfo").ok()?;
        if !super::tsc_trusted(&cs, &cpuinfo) {
            return None;
        }
        let ordered = crate::ordered_tsc::OrderedTsc::detect()?;
        // quanta checks the invariant-TSC and RDTSCP CPUID bits too and
        // calibrates the counter against CLOCK_MONOTONIC once per process;
        // only its scale is used here.
        let clock = quanta::Clock::new();
        let origin_ns = super::monotonic_now_ns();
        let origin_raw = ordered.read();
        Some(Tsc {
            ordered,
            clock,
            origin_raw,
            origin_ns,
        })
    }
}

/// `CLOCK_MONOTONIC_COARSE`: `CLOCK_MONOTONIC` as of the last timer tick.
mod coarse {
    #[cfg(target_os = "linux")]
    pub(super) fn resolution_ns() -> u64 {
        use std::sync::OnceLock;
        static RES: OnceLock<u64> = OnceLock::new();
        *RES.get_or_init(|| {
            let ts = rustix::time::clock_getres(rustix::time::ClockId::MonotonicCoarse);
            let ns = (ts.tv_sec as u64)
                .saturating_mul(1_000_000_000)
                .saturating_add(ts.tv_nsec as u64);
            // 0 would mean "unknown": never use it then.
            if ns == 0 {
                u64::MAX
            } else {
                ns
            }
        })
    }

    #[cfg(target_os = "linux")]
    #[inline]
    pub(super) fn now_ns() -> u64 {
        let ts = rustix::time::clock_gettime(rustix::time::ClockId::MonotonicCoarse);
        (ts.tv_sec as u64)
            .saturating_mul(1_000_000_000)
            .saturating_add(ts.tv_nsec as u64)
    }

    #[cfg(not(target_os = "linux"))]
    pub(super) fn resolution_ns() -> u64 {
        u64::MAX
    }

    #[cfg(not(target_os = "linux"))]
    pub(super) fn now_ns() -> u64 {
        super::monotonic_now_ns()
    }
}

/// A clock that moves only when [`advance`](ManualClock::advance) or
/// [`set_ns`](ManualClock::set_ns) is called. Clones share one time.
///
/// Waits on a manual clock end when a test moves it: a thread blocked in
/// [`wait_until_ns`](ManualClock::wait_until_ns) wakes, and a
/// [`Waker`] registered with [`wake_at`](ManualClock::wake_at) is woken,
/// as soon as the time reaches the due time (no real-time polling).
///
/// ```
/// use seawall::clock::{Clock, ManualClock};
/// use std::time::Duration;
/// let clock = ManualClock::new();
/// clock.advance(Duration::from_millis(1500));
/// assert_eq!(clock.now_ns(), 1_500_000_000);
/// ```
#[derive(Debug, Clone, Default)]
pub struct ManualClock {
    inner: Arc<ManualInner>,
}

#[derive(Debug, Default)]
struct ManualInner {
    ns: AtomicU64,
    /// Times the clock was read (`now_ns`), for tests that check a path
    /// reads no time. A std atomic even under loom: bookkeeping, not part
    /// of any model.
    reads: std::sync::atomic::AtomicU64,
    /// Wakers waiting for a time, and the condition variable blocked
    /// waiters sleep on. Locked only by waits and by moves of the time
    /// (test code), never by `now_ns`.
    timers: StdMutex<Timers>,
    moved: StdCondvar,
    /// Blocked waiters plus pending timers (changed under `timers`): a move
    /// of the time with no one interested takes no lock and wakes no one,
    /// so advancing a manual clock stays cheap (it is in benchmarks' loops).
    interest: StdAtomicUsize,
}

#[derive(Debug, Default)]
struct Timers {
    /// Bumped by every move of the time and every `nudge`.
    generation: u64,
    next_id: u64,
    pending: Vec<Timer>,
}

#[derive(Debug)]
struct Timer {
    id: u64,
    due_ns: u64,
    waker: Waker,
}

fn lock_timers(m: &StdMutex<Timers>) -> MutexGuard<'_, Timers> {
    m.lock().unwrap_or_else(PoisonError::into_inner)
}

impl ManualClock {
    /// A manual clock at 0 ns.
    pub fn new() -> Self {
        Self::default()
    }

    /// A manual clock starting at `ns`.
    pub fn starting_at_ns(ns: u64) -> Self {
        let c = Self::new();
        c.set_ns(ns);
        c
    }

    /// Moves time forward by `d` (saturating at `u64::MAX` ns).
    pub fn advance(&self, d: Duration) {
        self.advance_ns(u64::try_from(d.as_nanos()).unwrap_or(u64::MAX));
    }

    /// Moves time forward by `ns` nanoseconds (saturating).
    pub fn advance_ns(&self, ns: u64) {
        let mut cur = self.inner.ns.load(Ordering::Acquire);
        loop {
            let next = cur.saturating_add(ns);
            // SeqCst: ordered with the read of `interest` in `fire`.
            match self.inner.ns.compare_exchange_weak(
                cur,
                next,
                Ordering::SeqCst,
                Ordering::Acquire,
            ) {
                Ok(_) => break,
                Err(actual) => cur = actual,
            }
        }
        self.fire();
    }

    /// Sets the time. Moving it backwards is allowed (for tests of clock
    /// anomalies); primitives treat a time earlier than one they have seen
    /// as that earlier time, never as a huge elapsed interval.
    pub fn set_ns(&self, ns: u64) {
        self.inner.ns.store(ns, Ordering::SeqCst);
        self.fire();
    }

    /// How many times primitives (or anyone) read this clock, over all its
    /// clones: lets a test check that a path reads no time.
    ///
    /// ```
    /// use seawall::clock::{Clock, ManualClock};
    /// let c = ManualClock::new();
    /// let _ = c.now_ns();
    /// assert_eq!(c.reads(), 1);
    /// ```
    pub fn reads(&self) -> u64 {
        self.inner.reads.load(std::sync::atomic::Ordering::Relaxed)
    }

    /// After a move: wakes the blocked waiters (they re-read the time) and
    /// the wakers now due (outside the lock: a waker is foreign code).
    fn fire(&self) {
        // The time was written SeqCst, `register` counts SeqCst and then
        // reads the time SeqCst: either this sees the interest, or the
        // waiter sees the new time (Dekker), with no fence on x86.
        if self.inner.interest.load(StdOrdering::SeqCst) == 0 {
            return;
        }
        let now = self.now_ns();
        let due: Vec<Waker> = {
            let mut t = lock_timers(&self.inner.timers);
            t.generation = t.generation.wrapping_add(1);
            self.inner.moved.notify_all();
            if t.pending.is_empty() {
                return;
            }
            let due: Vec<Waker> = t
                .pending
                .extract_if(.., |x| x.due_ns <= now)
                .map(|x| x.waker)
                .collect();
            self.inner
                .interest
                .fetch_sub(due.len(), StdOrdering::SeqCst);
            due
        };
        for w in due {
            w.wake();
        }
    }

    /// Registers `waker` to be woken once the time reaches `due_ns`, and
    /// returns the timer's id (for [`cancel_timer`](Self::cancel_timer)).
    /// `None` when the time is already there: nothing is registered.
    pub fn wake_at(&self, due_ns: u64, waker: &Waker) -> Option<u64> {
        let mut t = lock_timers(&self.inner.timers);
        // A move either happened before (seen here) or sees the interest
        // and sweeps the timer pushed below (it needs this lock).
        if self.register() >= due_ns {
            self.unregister(1);
            return None;
        }
        let id = t.next_id;
        t.next_id = t.next_id.wrapping_add(1);
        t.pending.push(Timer {
            id,
            due_ns,
            waker: waker.clone(),
        });
        Some(id)
    }

    /// Drops the timer `id` unwoken (nothing if it already fired).
    pub fn cancel_timer(&self, id: u64) {
        let gone = {
            let mut t = lock_timers(&self.inner.timers);
            let i = t.pending.iter().position(|x| x.id == id);
            let gone = i.map(|i| t.pending.swap_remove(i));
            if gone.is_some() {
                self.unregister(1);
            }
            gone
        };
        drop(gone);
    }

    /// Counts one more waiter or timer (with the timers locked) and reads
    /// the time after it (both SeqCst; see `fire`).
    fn register(&self) -> u64 {
        self.inner.interest.fetch_add(1, StdOrdering::SeqCst);
        self.inner.ns.load(Ordering::SeqCst)
    }

    fn unregister(&self, n: usize) {
        self.inner.interest.fetch_sub(n, StdOrdering::SeqCst);
    }

    /// A counter that changes at every move of the time and every
    /// [`nudge`](Self::nudge): read it before giving up a lock, then
    /// [`wait_changed`](Self::wait_changed) cannot miss a wake-up.
    pub fn generation(&self) -> u64 {
        lock_timers(&self.inner.timers).generation
    }

    /// Wakes every thread blocked on this clock without moving the time
    /// (they re-check what they wait for).
    pub fn nudge(&self) {
        let mut t = lock_timers(&self.inner.timers);
        t.generation = t.generation.wrapping_add(1);
        self.inner.moved.notify_all();
    }

    /// Blocks until the [`generation`](Self::generation) differs from
    /// `seen` or the time reaches `due_ns`.
    pub fn wait_changed(&self, seen: u64, due_ns: u64) {
        let mut g = lock_timers(&self.inner.timers);
        let mut now = self.register();
        while g.generation == seen && now < due_ns {
            g = self
                .inner
                .moved
                .wait(g)
                .unwrap_or_else(PoisonError::into_inner);
            now = self.now_ns();
        }
        self.unregister(1);
    }

    /// Timers registered and not yet fired or cancelled.
    pub fn pending_timers(&self) -> usize {
        lock_timers(&self.inner.timers).pending.len()
    }

    /// Blocks the thread until the time reaches `due_ns`, or (with
    /// `real_limit`) until that much real time has passed. Returns whether
    /// the time has reached `due_ns`. May return early (spuriously): callers
    /// loop.
    pub fn wait_until_ns(&self, due_ns: u64, real_limit: Option<Duration>) -> bool {
        let g = lock_timers(&self.inner.timers);
        if self.register() >= due_ns {
            self.unregister(1);
            return true;
        }
        let g = match real_limit {
            None => self
                .inner
                .moved
                .wait(g)
                .unwrap_or_else(PoisonError::into_inner),
            Some(d) => {
                self.inner
                    .moved
                    .wait_timeout(g, d)
                    .unwrap_or_else(PoisonError::into_inner)
                    .0
            }
        };
        self.unregister(1);
        drop(g);
        self.now_ns() >= due_ns
    }
}

/// A [`Waker`] that [`nudge`](ManualClock::nudge)s a manual clock: how a
/// thread blocked on the clock is woken by something other than time.
#[derive(Debug)]
pub(crate) struct Nudge(pub(crate) ManualClock);

impl std::task::Wake for Nudge {
    fn wake(self: Arc<Self>) {
        self.0.nudge();
    }
    fn wake_by_ref(self: &Arc<Self>) {
        self.0.nudge();
    }
}

impl Clock for ManualClock {
    #[inline]
    fn now_ns(&self) -> u64 {
        self.inner
            .reads
            .fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        self.inner.ns.load(Ordering::Acquire)
    }
}

/// The clock a primitive holds: the fast in-process clock, the system
/// monotonic clock or a manual one.
///
/// An enum rather than `Arc<dyn Clock>` so the hot path reads time with a
/// predictable branch instead of a virtual call. Primitives made with
/// `new()` hold [`ClockSource::fast`]; state shared between processes holds
/// [`ClockSource::Monotonic`].
#[derive(Debug, Clone, Default)]
pub enum ClockSource {
    /// [`MonotonicClock`] (`CLOCK_MONOTONIC`).
    #[default]
    Monotonic,
    /// [`FastClock`]: in-process only.
    Fast(FastClock),
    /// A [`ManualClock`] shared with the test that drives it.
    Manual(ManualClock),
}

impl Clock for ClockSource {
    #[inline]
    fn now_ns(&self) -> u64 {
        match self {
            ClockSource::Fast(f) => f.now_ns(),
            ClockSource::Monotonic => monotonic_now_ns(),
            ClockSource::Manual(m) => m.now_ns(),
        }
    }
}

impl ClockSource {
    /// The in-process default: [`FastClock::new`].
    pub fn fast() -> Self {
        ClockSource::Fast(FastClock::new())
    }

    /// Now, for timing a call whose duration is only compared with
    /// `threshold_ns` (the breaker's slow-call rule): on a host clock,
    /// `CLOCK_MONOTONIC_COARSE` when its resolution is at most 1/100 of the
    /// threshold (a cheaper read; Linux's tick, 1–4 ms, against the default
    /// 60 s threshold), else this clock. The
    /// same threshold always picks the same source, so the two ends of a
    /// duration come from one clock. A manual clock is always itself.
    #[inline]
    pub fn stopwatch_ns(&self, threshold_ns: u64) -> u64 {
        match self {
            ClockSource::Manual(m) => m.now_ns(),
            _ if coarse::resolution_ns().saturating_mul(100) <= threshold_ns => coarse::now_ns(),
            _ => self.now_ns(),
        }
    }

    /// The manual clock, if this is one.
    pub fn manual(&self) -> Option<&ManualClock> {
        match self {
            ClockSource::Monotonic | ClockSource::Fast(_) => None,
            ClockSource::Manual(m) => Some(m),
        }
    }

    /// Blocks the thread until this clock reads at least `due_ns`, or
    /// `real_limit` of real time has passed. The monotonic clock sleeps
    /// (no polling); a manual clock wakes when a test moves it. Returns
    /// whether `due_ns` has been reached; may return early (callers loop).
    pub fn sleep_until_ns(&self, due_ns: u64, real_limit: Option<Duration>) -> bool {
        match self {
            ClockSource::Monotonic | ClockSource::Fast(_) => {
                let now = self.now_ns();
                if now >= due_ns {
                    return true;
                }
                let mut d = Duration::from_nanos(due_ns - now);
                if let Some(l) = real_limit {
                    d = d.min(l);
                }
                std::thread::sleep(d);
                self.now_ns() >= due_ns
            }
            ClockSource::Manual(m) => m.wait_until_ns(due_ns, real_limit),
        }
    }
}

impl From<ManualClock> for ClockSource {
    fn from(m: ManualClock) -> Self {
        ClockSource::Manual(m)
    }
}

impl From<&ManualClock> for ClockSource {
    fn from(m: &ManualClock) -> Self {
        ClockSource::Manual(m.clone())
    }
}

impl From<FastClock> for ClockSource {
    fn from(f: FastClock) -> Self {
        ClockSource::Fast(f)
    }
}

impl From<MonotonicClock> for ClockSource {
    fn from(_: MonotonicClock) -> Self {
        ClockSource::Monotonic
    }
}

/// `Duration` as whole nanoseconds, saturating at `u64::MAX`.
// In `u64` arithmetic rather than through `as_nanos()`'s `u128`: the same
// result, and for a `Duration::from_nanos(x)` (`x / 1e9` s + `x % 1e9` ns)
// LLVM folds the round trip back to `x`; through `u128` it kept a
// multiply-shift, a 128-bit multiply and a saturation check per field, on
// the path of a denied token bucket request through the C ABI.
#[inline]
pub fn duration_to_ns(d: Duration) -> u64 {
    d.as_secs()
        .checked_mul(1_000_000_000)
        .and_then(|s| s.checked_add(u64::from(d.subsec_nanos())))
        .unwrap_or(u64::MAX)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn duration_to_ns_matches_as_nanos_saturated() {
        let max = Duration::new(u64::MAX, 999_999_999);
        for d in [
            Duration::ZERO,
            Duration::from_nanos(1),
            Duration::from_nanos(999_999_999),
            Duration::from_secs(1),
            Duration::from_nanos(u64::MAX),
            Duration::from_nanos(u64::MAX) + Duration::from_nanos(1),
            Duration::new(u64::MAX / 1_000_000_000, 999_999_999),
            Duration::new(u64::MAX / 1_000_000_000 + 1, 0),
            max,
        ] {
            let want = u64::try_from(d.as_nanos()).unwrap_or(u64::MAX);
            assert_eq!(duration_to_ns(d), want, "{d:?}");
        }
    }

    const FLAGS: &str =
        "processor\t: 0\nflags\t\t: fpu tsc rdtscp constant_tsc nonstop_tsc sse2\nflags\t: x\n";

    #[test]
    fn the_tsc_is_trusted_only_with_the_kernel_clocksource_and_the_flags() {
        assert!(tsc_trusted("tsc\n", FLAGS));
        assert!(!tsc_trusted("kvm-clock\n", FLAGS));
        assert!(!tsc_trusted("hpet", FLAGS));
        assert!(!tsc_trusted("", FLAGS));
        assert!(!tsc_trusted("tsc", ""));
        for missing in ["rdtscp", "constant_tsc", "nonstop_tsc"] {
            let flags = FLAGS.replacen(&format!(" {missing}"), "", 1);
            assert!(!tsc_trusted("tsc", &flags), "{missing}");
        }
        // A flag's name inside another's does not count.
        assert!(!tsc_trusted(
            "tsc",
            "flags : rdtscp constant_tsc_x nonstop_tsc"
        ));
    }

    #[test]
    fn a_forced_fallback_fast_clock_is_a_host_clock_source() {
        let src = ClockSource::from(FastClock::fallback());
        assert!(src.manual().is_none());
        assert!(src.sleep_until_ns(0, None));
    }

    #[test]
    fn manual_clock_advances_and_saturates() {
        let c = ManualClock::new();
        assert_eq!(c.now_ns(), 0);
        c.advance(Duration::from_nanos(7));
        assert_eq!(c.now_ns(), 7);
        c.advance_ns(u64::MAX);
        assert_eq!(c.now_ns(), u64::MAX);
    }

    #[test]
    fn clones_share_time() {
        let a = ManualClock::new();
        let src: ClockSource = a.clone().into();
        a.advance_ns(42);
        assert_eq!(src.now_ns(), 42);
    }

    #[test]
    fn monotonic_does_not_go_back() {
        let a = MonotonicClock.now_ns();
        let b = MonotonicClock.now_ns();
        assert!(b >= a);
        assert!(a > 0);
    }

    struct Count(std::sync::atomic::AtomicUsize);
    impl std::task::Wake for Count {
        fn wake(self: Arc<Self>) {
            self.0.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
        }
    }

    #[test]
    fn wake_at_fires_when_the_time_reaches_it() {
        let c = ManualClock::new();
        let hits = Arc::new(Count(Default::default()));
        let w = Waker::from(Arc::clone(&hits));
        let id = c.wake_at(100, &w);
        assert!(id.is_some());
        let cancelled = c.wake_at(100, &w);
        if let Some(id) = cancelled {
            c.cancel_timer(id);
        }
        assert_eq!(c.pending_timers(), 1);
        c.advance_ns(99);
        assert_eq!(hits.0.load(std::sync::atomic::Ordering::SeqCst), 0);
        c.advance_ns(1);
        assert_eq!(hits.0.load(std::sync::atomic::Ordering::SeqCst), 1);
        assert_eq!(c.pending_timers(), 0);
        // Already due: nothing registered.
        assert_eq!(c.wake_at(100, &w), None);
        c.set_ns(1000);
        assert_eq!(hits.0.load(std::sync::atomic::Ordering::SeqCst), 1);
    }

    #[test]
    fn a_blocked_waiter_wakes_when_another_thread_moves_the_clock() {
        let c = ManualClock::new();
        let c2 = c.clone();
        let t = std::thread::spawn(move || {
            while !c2.wait_until_ns(50, None) {}
            c2.now_ns()
        });
        // No real-time bound: the waiter returns only once the time is 50.
        c.advance_ns(20);
        c.advance_ns(30);
        assert_eq!(t.join().unwrap_or(0), 50);
        assert!(ClockSource::from(&c).sleep_until_ns(50, None));
    }
}
