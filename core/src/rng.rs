//! A small, seedable, lock-free random number generator (SplitMix64).
//!
//! Defined in core so every binding draws the same numbers for the same seed:
//! a jittered backoff schedule or a fault injector seeded with 42 gives the
//! same sequence in Rust, C, Python and Node (see `spec/README.md`).

use crate::sync::{AtomicU64, Ordering};

const GOLDEN_GAMMA: u64 = 0x9E37_79B9_7F4A_7C15;

/// SplitMix64 with its state in one atomic: `next` is one `fetch_add`, so
/// many threads may draw at once without a lock.
///
/// An unseeded generator ([`Rng::unseeded`]) draws afresh in a child
/// process: `fork()` copies its state, so without this every child forked
/// from one parent would draw the same numbers (workers retrying in
/// lockstep). It notices the fork through [`after_fork`] (one relaxed load
/// per draw). A seeded generator ([`Rng::new`]) is reproducible on
/// purpose and keeps its sequence in the child.
#[derive(Debug)]
pub struct Rng {
    state: AtomicU64,
    /// The fork epoch ([`fork_epoch`]) the state was seeded in, or
    /// `SEEDED` for a seeded generator.
    epoch: AtomicU64,
}

/// The `epoch` of a generator with an explicit seed: never reseeded.
const SEEDED: u64 = u64::MAX;

impl Rng {
    /// A generator seeded with `seed`.
    pub fn new(seed: u64) -> Self {
        Self {
            state: AtomicU64::new(seed),
            epoch: AtomicU64::new(SEEDED),
        }
    }

    /// A generator seeded from [`entropy_seed`], reseeded in a child
    /// process after [`after_fork`].
    pub fn unseeded() -> Self {
        let epoch = fork_epoch();
        Self {
            state: AtomicU64::new(entropy_seed()),
            epoch: AtomicU64::new(epoch),
        }
    }

    /// `Rng::new(seed)` with a seed, else [`Rng::unseeded`].
    pub fn from_seed(seed: Option<u64>) -> Self {
        seed.map_or_else(Self::unseeded, Self::new)
    }

    /// The next 64 random bits.
    #[inline]
    pub fn next_u64(&self) -> u64 {
        let e = self.epoch.load(Ordering::Relaxed);
        if e != SEEDED && e != fork_epoch() {
            self.reseed(e);
        }
        let z = self
            .state
            .fetch_add(GOLDEN_GAMMA, Ordering::Relaxed)
            .wrapping_add(GOLDEN_GAMMA);
        mix(z)
    }

    /// First draw in a child process: a fresh state. Threads racing here
    /// each store one; any of them will do.
    #[cold]
    fn reseed(&self, seen: u64) {
        let now = fork_epoch();
        if self
            .epoch
            .compare_exchange(seen, now, Ordering::Relaxed, Ordering::Relaxed)
            .is_ok()
        {
            self.state.store(entropy_seed(), Ordering::Relaxed);
        }
    }

    /// A uniform float in `[0, 1)` (53 random bits).
    #[inline]
    pub fn next_f64(&self) -> f64 {
        (self.next_u64() >> 11) as f64 * (1.0 / (1u64 << 53) as f64)
    }

    /// A uniform integer in `[lo, hi]` (inclusive); `lo` if `hi <= lo`.
    #[inline]
    pub fn range_u64(&self, lo: u64, hi: u64) -> u64 {
        if hi <= lo {
            return lo;
        }
        let span = hi - lo;
        if span == u64::MAX {
            return self.next_u64();
        }
        // Multiply-shift; the bias is below 2^-64 per draw, irrelevant here.
        let r = ((self.next_u64() as u128 * (span as u128 + 1)) >> 64) as u64;
        lo + r
    }
}

/// SplitMix64 with its state in a plain `u64`: for a generator that only one
/// owner draws from (a backoff schedule), so a draw is no atomic operation.
/// Same sequence as [`Rng`] for the same starting state.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LocalRng(pub u64);

impl LocalRng {
    /// The next 64 random bits.
    #[inline]
    pub fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(GOLDEN_GAMMA);
        mix(self.0)
    }
}

/// A seed from the monotonic clock, an address, the process id and a
/// process-wide counter, for unseeded generators: two seeds drawn in one
/// process, or in two processes forked from one parent, differ.
pub fn entropy_seed() -> u64 {
    use crate::clock::Clock;
    static DRAWS: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);
    let t = crate::clock::MonotonicClock.now_ns();
    let local = 0u8;
    let n = DRAWS.fetch_add(GOLDEN_GAMMA, std::sync::atomic::Ordering::Relaxed);
    let pid = u64::from(std::process::id());
    mix(t ^ (&local as *const u8 as u64).rotate_left(32) ^ mix(n ^ pid.rotate_left(48)))
}

/// Incremented by [`after_fork`]; a plain std atomic (also under loom: a
/// process-wide fact, not part of any model).
static FORK_EPOCH: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);

/// How many times [`after_fork`] ran in this process.
#[inline]
pub fn fork_epoch() -> u64 {
    FORK_EPOCH.load(std::sync::atomic::Ordering::Relaxed)
}

/// Tells seawall that this process is a child just made by `fork()`:
/// unseeded generators (fault injectors, backoff jitter without a seed)
/// draw from fresh seeds from now on instead of repeating the parent's
/// sequence. The C library calls it from a `pthread_atfork` child
/// handler and the Python package from `os.register_at_fork`; a Rust
/// program that forks calls it in the child. Async-signal-safe (one atomic
/// add), so it may run between `fork()` and `exec()`.
pub fn after_fork() {
    FORKER.store(thread_mark(), std::sync::atomic::Ordering::Relaxed);
    FORK_EPOCH.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
}

/// The [`thread_mark`] of the thread that ran the latest [`after_fork`]: in
/// a child, the one thread `fork()` copied. Threads of the parent marked
/// otherwise do not exist here (a bulkhead forgets their waiters).
static FORKER: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);

/// The thread that ran the latest [`after_fork`] (see `FORKER`).
#[inline]
pub(crate) fn forker_mark() -> usize {
    FORKER.load(std::sync::atomic::Ordering::Relaxed)
}

/// This thread's mark: the address of a thread-local (distinct between live
/// threads; no allocation, no lock).
#[inline]
pub(crate) fn thread_mark() -> usize {
    thread_local! {
        static MARK: u8 = const { 0 };
    }
    MARK.with(|m| m as *const u8 as usize)
}

/// SplitMix64's output function (a bijection of `u64`; `mix(0) == 0`).
#[inline]
pub(crate) fn mix(mut z: u64) -> u64 {
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn splitmix_reference_values() {
        // Reference outputs of SplitMix64 seeded with 0 (Vigna's splitmix64.c).
        let r = Rng::new(0);
        assert_eq!(r.next_u64(), 0xE220_A839_7B1D_CDAF);
        assert_eq!(r.next_u64(), 0x6E78_9E6A_A1B9_65F4);
    }

    #[test]
    fn local_rng_draws_the_same_sequence() {
        for seed in [0, 42, u64::MAX] {
            let (shared, mut local) = (Rng::new(seed), LocalRng(seed));
            for _ in 0..100 {
                assert_eq!(shared.next_u64(), local.next_u64());
            }
        }
        assert_eq!(mix(0), 0);
    }

    #[test]
    fn floats_in_unit_interval_and_ranges_inclusive() {
        let r = Rng::new(7);
        for _ in 0..10_000 {
            let f = r.next_f64();
            assert!((0.0..1.0).contains(&f));
            let x = r.range_u64(3, 5);
            assert!((3..=5).contains(&x));
        }
        assert_eq!(r.range_u64(9, 9), 9);
    }

    #[test]
    fn unseeded_generators_draw_afresh_after_a_fork_and_seeded_ones_do_not() {
        let seeded = Rng::new(42);
        let unseeded = Rng::unseeded();
        let twin = Rng::new(42);
        // What a child would draw next without the reseed: the copied state.
        let copied = LocalRng(unseeded.state.load(Ordering::Relaxed)).next_u64();
        after_fork();
        assert_eq!(seeded.next_u64(), twin.next_u64());
        assert_ne!(unseeded.next_u64(), copied);
    }
}
