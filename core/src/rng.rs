//! A small, seedable, lock-free random number generator (SplitMix64).
//!
//! Defined in core so every binding draws the same numbers for the same seed:
//! a jittered backoff schedule or a fault injector seeded with 42 gives the
//! same sequence in Rust, C, Python and Node (see `spec/README.md`).

use crate::sync::{AtomicU64, Ordering};

const GOLDEN_GAMMA: u64 = 0x9E37_79B9_7F4A_7C15;

/// SplitMix64 with its state in one atomic: `next` is one `fetch_add`, so
/// many threads may draw at once without a lock.
#[derive(Debug)]
pub struct Rng {
    state: AtomicU64,
}

impl Rng {
    /// A generator seeded with `seed`.
    pub fn new(seed: u64) -> Self {
        Self {
            state: AtomicU64::new(seed),
        }
    }

    /// The next 64 random bits.
    #[inline]
    pub fn next_u64(&self) -> u64 {
        let z = self
            .state
            .fetch_add(GOLDEN_GAMMA, Ordering::Relaxed)
            .wrapping_add(GOLDEN_GAMMA);
        mix(z)
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

/// A seed from the monotonic clock and an address, for unseeded generators.
pub fn entropy_seed() -> u64 {
    use crate::clock::Clock;
    let t = crate::clock::MonotonicClock.now_ns();
    let local = 0u8;
    mix(t ^ (&local as *const u8 as u64).rotate_left(32))
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
}
