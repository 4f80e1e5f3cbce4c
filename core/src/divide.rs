//! Division by a divisor fixed at construction, as two multiplications.
//!
//! A 64-bit `DIV` takes 14–46 cycles on the x86-64 CPUs we measure on, and
//! the sliding window divides the clock reading by its bucket width and the
//! bucket index by its ring length on every call. [`Divisor`] precomputes
//! `M = ceil(2^128 / d)` once; then `n / d = floor(n * M / 2^128)` for every
//! 64-bit `n` (Lemire, Kaser and Kurz, "Faster Remainder by Direct
//! Computation", 2019: a 2N-bit fraction is exact for N-bit numerators),
//! and powers of two are shifts. Exactness against `/` and `%` is tested
//! below over edge values and random ones.

/// A divisor `d >= 1` with its reciprocal.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Divisor {
    d: u64,
    /// `ceil(2^128 / d)`, or 0 when `d` is a power of two (then a shift).
    m: u128,
}

impl Divisor {
    /// `None` for 0.
    pub(crate) fn new(d: u64) -> Option<Self> {
        if d == 0 {
            return None;
        }
        let m = if d.is_power_of_two() {
            0
        } else {
            // d is not a power of two, so 2^128 / d is not an integer:
            // ceil(2^128 / d) = floor((2^128 - 1) / d) + 1.
            u128::MAX / u128::from(d) + 1
        };
        Some(Self { d, m })
    }

    /// `n / d`.
    #[inline]
    pub(crate) fn div(self, n: u64) -> u64 {
        if self.m == 0 {
            return n >> self.d.trailing_zeros();
        }
        let n = u128::from(n);
        let hi = n * (self.m >> 64);
        let lo = (n * u128::from(self.m as u64)) >> 64;
        ((hi + lo) >> 64) as u64
    }

    /// `(n / d, n % d)`.
    #[inline]
    pub(crate) fn div_rem(self, n: u64) -> (u64, u64) {
        let q = self.div(n);
        (q, n - q * self.d)
    }
}

#[cfg(test)]
mod tests {
    use super::Divisor;

    fn check(d: u64, n: u64) {
        let got = Divisor::new(d).map(|dv| dv.div_rem(n));
        assert_eq!(got, Some((n / d, n % d)), "{n} / {d}");
    }

    #[test]
    fn zero_is_refused() {
        assert_eq!(Divisor::new(0), None);
    }

    #[test]
    fn edge_values_match_the_division_instruction() {
        let ds = [
            1,
            2,
            3,
            7,
            10,
            11,
            1000,
            1024,
            976_563,
            1 << 32,
            (1 << 32) + 1,
            u64::MAX / 3,
            (1 << 63) - 1,
            1 << 63,
            (1 << 63) + 1,
            u64::MAX - 1,
            u64::MAX,
        ];
        for &d in &ds {
            for &n in &[
                0,
                1,
                d - 1,
                d,
                d.wrapping_add(1),
                2 * (d / 2),
                u64::MAX - 1,
                u64::MAX,
            ] {
                check(d, n);
            }
            // multiples of d and the values around them
            for k in [1u64, 2, 3, 1000, u64::MAX / d] {
                if let Some(p) = d.checked_mul(k) {
                    check(d, p);
                    check(d, p - 1);
                    check(d, p.saturating_add(1));
                }
            }
        }
    }

    #[test]
    fn random_values_match_the_division_instruction() {
        // xorshift64*, fixed seed: the same values every run
        let mut s = 0x9E37_79B9_7F4A_7C15u64;
        let mut next = || {
            s ^= s >> 12;
            s ^= s << 25;
            s ^= s >> 27;
            s.wrapping_mul(0x2545_F491_4F6C_DD1D)
        };
        for _ in 0..200_000 {
            let d = next() >> (next() % 64);
            let n = next() >> (next() % 64);
            if d != 0 {
                check(d, n);
            }
        }
    }
}
