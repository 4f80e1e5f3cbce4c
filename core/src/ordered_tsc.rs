//! Ordered reads of the x86-64 time-stamp counter (TSC).
//!
//! One of the two modules of the core that allow `unsafe` (the other is
//! `shm::map`; see `tests/unsafe_modules.rs`): an ordered read of the counter, as the Linux kernel's
//! `rdtsc_ordered()` does it. `LFENCE; RDTSC` where `LFENCE` is dispatch
//! serializing (every Intel CPU; AMD CPUs that report "LFENCE always
//! serializing", CPUID 8000_0021h EAX bit 2), else `RDTSCP`: either way the
//! counter is read only after every earlier instruction of the thread has
//! executed, so a thread that has seen a value another thread computed from
//! the counter reads a counter value at least as large (given counters
//! synchronized across CPUs, which the caller establishes).
//!
//! A plain `RDTSC` (what `quanta` reads) may execute before an earlier load
//! and so read an earlier value, even with an `MFENCE` before it; with
//! `LFENCE; RDTSC` or `RDTSCP` it does not (the measurement is in
//! BENCHMARKS.md, "Measurements behind design choices").
#![allow(unsafe_code)]

/// How this CPU reads the counter in order. Made only by
/// [`OrderedTsc::detect`], which checked that the instructions exist.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct OrderedTsc(Kind);

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    LfenceRdtsc,
    Rdtscp,
}

impl OrderedTsc {
    /// `Some` when CPUID reports `RDTSCP` (every CPU with an invariant TSC
    /// has it); `None` elsewhere, other architectures included.
    pub(crate) fn detect() -> Option<Self> {
        #[cfg(target_arch = "x86_64")]
        {
            let id = raw_cpuid::CpuId::new();
            let rdtscp = id
                .get_extended_processor_and_feature_identifiers()
                .is_some_and(|f| f.has_rdtscp());
            if !rdtscp {
                return None;
            }
            let intel = id
                .get_vendor_info()
                .is_some_and(|v| v.as_str() == "GenuineIntel");
            let amd_serializing = id
                .get_extended_feature_identification_2()
                .is_some_and(|f| f.has_lfence_always_serializing());
            Some(OrderedTsc(if intel || amd_serializing {
                Kind::LfenceRdtsc
            } else {
                Kind::Rdtscp
            }))
        }
        #[cfg(not(target_arch = "x86_64"))]
        {
            None
        }
    }

    /// `RDTSCP` even where `LFENCE; RDTSC` would do (for tests of that path).
    #[cfg(test)]
    fn rdtscp(self) -> Self {
        OrderedTsc(Kind::Rdtscp)
    }

    /// Whether reads use `RDTSCP` (else `LFENCE; RDTSC`).
    #[cfg(test)]
    fn uses_rdtscp(self) -> bool {
        self.0 == Kind::Rdtscp
    }

    /// The time-stamp counter, read after every earlier instruction of
    /// this thread has executed.
    #[inline(always)]
    pub(crate) fn read(self) -> u64 {
        #[cfg(target_arch = "x86_64")]
        {
            use core::arch::x86_64::{__rdtscp, _mm_lfence, _rdtsc};
            match self.0 {
                // SAFETY: `self` exists only if CPUID reported RDTSCP (and
                // SSE2, for LFENCE, is part of x86-64); neither instruction
                // touches memory.
                Kind::LfenceRdtsc => unsafe {
                    _mm_lfence();
                    _rdtsc()
                },
                Kind::Rdtscp => {
                    let mut aux = 0u32;
                    // SAFETY: as above; RDTSCP writes only `aux`, a local.
                    unsafe { __rdtscp(&mut aux) }
                }
            }
        }
        #[cfg(not(target_arch = "x86_64"))]
        {
            0
        }
    }
}

#[cfg(test)]
mod tests {
    //! Cross-thread monotonicity: both ordered reads (`LFENCE; RDTSC` and
    //! the forced `RDTSCP` path), and the fast clock built on them (and its
    //! forced fallback), never go back, within a thread or across threads.
    use super::OrderedTsc;
    use crate::clock::{Clock, ClockSource, FastClock};
    use std::sync::atomic::{AtomicU64, Ordering};

    /// Threads each read the latest value any of them published, then
    /// `read`, and check it is not behind that (nor behind their own
    /// previous read); then publish. Returns the reads that went back.
    fn backward_reads(read: impl Fn() -> u64 + Sync, threads: usize, iters: usize) -> u64 {
        let latest = AtomicU64::new(0);
        let back = AtomicU64::new(0);
        std::thread::scope(|s| {
            for _ in 0..threads {
                s.spawn(|| {
                    let mut own = 0;
                    for _ in 0..iters {
                        let seen = latest.load(Ordering::Acquire);
                        let t = read();
                        if t < seen || t < own {
                            back.fetch_add(1, Ordering::Relaxed);
                        }
                        own = t;
                        latest.fetch_max(t, Ordering::AcqRel);
                    }
                });
            }
        });
        back.load(Ordering::Relaxed)
    }

    #[test]
    fn ordered_reads_never_go_back_across_threads() {
        let Some(tsc) = OrderedTsc::detect() else {
            // No RDTSCP: nothing to read; the fast clock falls back to
            // CLOCK_MONOTONIC (tested below).
            return;
        };
        assert_eq!(backward_reads(|| tsc.read(), 2, 2_000_000), 0);
        let forced = tsc.rdtscp();
        assert!(forced.uses_rdtscp());
        assert_eq!(backward_reads(|| forced.read(), 2, 2_000_000), 0);
    }

    #[test]
    fn the_fast_clock_never_goes_back_across_threads() {
        // An unordered counter read (quanta's, governor's) fails this on a
        // 2-vCPU Zen 4 guest (BENCHMARKS.md, "Measurements behind design
        // choices"); the threads must overlap for it to show.
        let c = FastClock::new();
        assert_eq!(backward_reads(|| c.now_ns(), 2, 5_000_000), 0);
        let src = ClockSource::fast();
        assert_eq!(backward_reads(|| src.now_ns(), 4, 500_000), 0);
    }

    #[test]
    fn the_forced_fallback_never_goes_back_across_threads() {
        let fb = FastClock::fallback();
        assert_eq!(backward_reads(|| fb.now_ns(), 2, 200_000), 0);
    }
}
