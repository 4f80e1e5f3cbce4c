//! A lock-free log-bucketed latency histogram (HDR-like).
//!
//! Values are nanoseconds. Values below 32 get one bucket each. Above, each
//! power of two `[2^e, 2^(e+1))` (a *major*, `e >= 5`) is split into 32
//! linear sub-buckets of width `2^(e-5)`. A value lands in bucket
//!
//! ```text
//! v < 32:  index = v
//! v >= 32: e = floor(log2 v); index = (e - 4) * 32 + ((v >> (e - 5)) - 32)
//! ```
//!
//! and a bucket reports its largest value (`upper`), so a reported value is
//! never below the true one and at most `1/32` (3.125 %) above it. Values
//! are capped at `2^62 - 1` ns (146 years). Each major also keeps its own
//! total so a percentile query reads 58 majors plus at most 32 buckets.

use crate::sync::{AtomicU64, Ordering};

/// Sub-bucket bits: 32 linear sub-buckets per power of two.
pub const SUB_BITS: u32 = 5;
const SUB: u64 = 1 << SUB_BITS;
/// The largest value tracked; larger values are recorded as this.
pub const MAX_VALUE: u64 = (1 << 62) - 1;
/// Number of majors (major 0 holds the exact values `0..32`).
pub const MAJORS: usize = (62 - SUB_BITS as usize) + 1;
/// Number of buckets.
pub const BUCKETS: usize = MAJORS * SUB as usize;

/// The bucket a value falls in.
#[inline]
pub fn bucket_index(v: u64) -> usize {
    let v = v.min(MAX_VALUE);
    if v < SUB {
        return v as usize;
    }
    let e = 63 - v.leading_zeros();
    let major = u64::from(e - SUB_BITS + 1);
    let sub = (v >> (e - SUB_BITS)) - SUB;
    (major * SUB + sub) as usize
}

/// The largest value that falls in bucket `i` (what percentiles report).
#[inline]
pub fn bucket_upper(i: usize) -> u64 {
    let i = i as u64;
    let (major, sub) = (i / SUB, i % SUB);
    if major == 0 {
        return sub;
    }
    let shift = major - 1; // e - SUB_BITS
    let lower = (SUB + sub) << shift;
    lower + ((1u64 << shift) - 1)
}

/// One window's counts.
#[derive(Debug)]
pub struct Histogram {
    /// `window number + 1` of the counts held, 0 = never used; the
    /// [`RESETTING`] bit is set while one thread clears the counts.
    pub tag: AtomicU64,
    majors: Box<[AtomicU64]>,
    buckets: Box<[AtomicU64]>,
}

/// Tag bit: the histogram is being cleared for a new window.
pub const RESETTING: u64 = 1 << 63;

impl Default for Histogram {
    fn default() -> Self {
        Self::new()
    }
}

impl Histogram {
    /// An empty histogram with tag 0.
    pub fn new() -> Self {
        Self {
            tag: AtomicU64::new(0),
            majors: (0..MAJORS).map(|_| AtomicU64::new(0)).collect(),
            buckets: (0..BUCKETS).map(|_| AtomicU64::new(0)).collect(),
        }
    }

    /// Counts one value.
    #[inline]
    pub fn add(&self, v: u64) {
        let i = bucket_index(v);
        if let Some(b) = self.buckets.get(i) {
            b.fetch_add(1, Ordering::Relaxed);
        }
        if let Some(m) = self.majors.get(i / SUB as usize) {
            m.fetch_add(1, Ordering::Relaxed);
        }
    }

    /// Zeroes every count (called by the one thread that won the reset).
    pub fn clear(&self) {
        for c in self.majors.iter().chain(self.buckets.iter()) {
            c.store(0, Ordering::Relaxed);
        }
    }

    /// The count of major `m`.
    #[inline]
    pub fn major(&self, m: usize) -> u64 {
        self.majors.get(m).map_or(0, |c| c.load(Ordering::Relaxed))
    }

    /// The count of bucket `i`.
    #[inline]
    pub fn bucket(&self, i: usize) -> u64 {
        self.buckets.get(i).map_or(0, |c| c.load(Ordering::Relaxed))
    }
}

/// Up to two live histograms read as one.
pub struct View<'a> {
    /// The live histograms (current window, previous window).
    pub parts: [Option<&'a Histogram>; 2],
}

impl View<'_> {
    fn major(&self, m: usize) -> u64 {
        self.parts.iter().flatten().map(|h| h.major(m)).sum()
    }

    fn bucket(&self, i: usize) -> u64 {
        self.parts.iter().flatten().map(|h| h.bucket(i)).sum()
    }

    /// Total count.
    pub fn count(&self) -> u64 {
        (0..MAJORS).map(|m| self.major(m)).sum()
    }

    /// The `p`-th percentile of `n` counted values: the upper bound of the
    /// smallest bucket whose cumulative count reaches `rank = ceil(p × n)`
    /// (at least 1, at most n). `None` when `n == 0`.
    pub fn percentile(&self, p: f64, n: u64) -> Option<u64> {
        if n == 0 {
            return None;
        }
        let rank = ((p * n as f64).ceil() as u64).clamp(1, n);
        let mut cum = 0u64;
        let mut last_nonempty = None;
        for m in 0..MAJORS {
            let c = self.major(m);
            if c == 0 {
                continue;
            }
            if cum.saturating_add(c) < rank {
                cum = cum.saturating_add(c);
                last_nonempty = Some(m * SUB as usize + SUB as usize - 1);
                continue;
            }
            let base = m * SUB as usize;
            for i in base..base + SUB as usize {
                let b = self.bucket(i);
                if b == 0 {
                    continue;
                }
                cum = cum.saturating_add(b);
                last_nonempty = Some(i);
                if cum >= rank {
                    return Some(bucket_upper(i));
                }
            }
            // Counts moved under a concurrent record/reset: report the
            // largest bucket seen so far in this major.
            return last_nonempty.map(bucket_upper);
        }
        last_nonempty.map(bucket_upper)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn buckets_are_contiguous_and_bounds_exact() {
        // every bucket's upper + 1 is the next bucket's first value
        for i in 0..BUCKETS - 1 {
            let u = bucket_upper(i);
            assert_eq!(bucket_index(u), i, "upper of {i}");
            assert_eq!(bucket_index(u + 1), i + 1, "after upper of {i}");
        }
        assert_eq!(bucket_upper(BUCKETS - 1), MAX_VALUE);
        assert_eq!(bucket_index(u64::MAX), BUCKETS - 1);
        assert_eq!(bucket_index(0), 0);
        assert_eq!(
            (bucket_index(31), bucket_index(32), bucket_index(63)),
            (31, 32, 63)
        );
        assert_eq!(
            (bucket_index(64), bucket_index(65), bucket_index(66)),
            (64, 64, 65)
        );
        assert_eq!(bucket_upper(64), 65);
    }

    #[test]
    fn relative_error_is_at_most_one_32nd() {
        let mut v = 1u64;
        while v < MAX_VALUE / 3 {
            let u = bucket_upper(bucket_index(v));
            assert!(u >= v);
            assert!((u - v) as f64 <= v as f64 / 32.0, "{v} -> {u}");
            v = v * 3 + 7;
        }
    }

    #[test]
    fn percentile_picks_the_rank_bucket() {
        let h = Histogram::new();
        for v in 1..=100u64 {
            h.add(v * 1000);
        }
        let view = View {
            parts: [Some(&h), None],
        };
        assert_eq!(view.count(), 100);
        // rank 50 -> 50_000 -> bucket [49152, 50175]
        assert_eq!(
            view.percentile(0.5, 100),
            Some(bucket_upper(bucket_index(50_000)))
        );
        assert_eq!(
            view.percentile(1.0, 100),
            Some(bucket_upper(bucket_index(100_000)))
        );
        assert_eq!(
            view.percentile(0.001, 100),
            Some(bucket_upper(bucket_index(1000)))
        );
        assert_eq!(view.percentile(0.5, 0), None);
    }
}
