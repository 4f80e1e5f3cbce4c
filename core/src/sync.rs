//! The one place atomics come from, so loom can replace them.
//!
//! Build with `RUSTFLAGS="--cfg seawall_loom"` to run the loom models in
//! `core/tests/loom_*.rs`; every primitive imports atomics from here.

#[cfg(seawall_loom)]
#[allow(unused_imports)]
pub(crate) use loom::sync::atomic::{
    AtomicBool, AtomicI64, AtomicU32, AtomicU64, AtomicUsize, Ordering,
};
#[cfg(not(seawall_loom))]
#[allow(unused_imports)]
pub(crate) use std::sync::atomic::{
    AtomicBool, AtomicI64, AtomicU32, AtomicU64, AtomicUsize, Ordering,
};

#[cfg(seawall_loom)]
#[allow(unused_imports)]
pub(crate) use loom::sync::atomic::fence;
#[cfg(not(seawall_loom))]
#[allow(unused_imports)]
pub(crate) use std::sync::atomic::fence;

#[cfg(seawall_loom)]
#[allow(unused_imports)]
pub(crate) use loom::sync::{Condvar, Mutex};
#[cfg(not(seawall_loom))]
#[allow(unused_imports)]
pub(crate) use std::sync::{Condvar, Mutex};

/// Keeps `T` on cache lines of its own, so atomics written by one hot path
/// do not slow down readers of the fields next to them (false sharing).
///
/// 128 bytes on x86-64 and aarch64, where the spatial prefetcher pulls cache
/// lines in pairs (crossbeam's `CachePadded` makes the same choice), else 64.
#[cfg_attr(any(target_arch = "x86_64", target_arch = "aarch64"), repr(align(128)))]
#[cfg_attr(
    not(any(target_arch = "x86_64", target_arch = "aarch64")),
    repr(align(64))
)]
#[derive(Debug, Default)]
#[cfg_attr(not(seawall_loom), derive(zerocopy::FromBytes))]
#[repr(C)]
pub(crate) struct Padded<T>(pub(crate) T);

#[cfg(all(unix, not(seawall_loom)))]
impl<T: crate::place::Cells> crate::place::Cells for Padded<T> {}

impl<T> std::ops::Deref for Padded<T> {
    type Target = T;
    #[inline]
    fn deref(&self) -> &T {
        &self.0
    }
}

/// Stripes of a [`StripedCounter`] (a power of two).
const STRIPES: usize = 4;

/// A counter that many threads bump at once without fighting over one cache
/// line: each thread adds to one of a few padded stripes, picked from the
/// address of its stack (so a thread keeps its stripe), and readers sum
/// the stripes. Every add is an atomic add, so the sum is exact once the
/// adders are done, and a sequence of reads never goes down (each stripe
/// only grows). For counters bumped on paths that otherwise only read
/// shared memory (a denied token bucket request).
#[derive(Debug)]
#[cfg_attr(not(seawall_loom), derive(zerocopy::FromBytes))]
#[repr(C)]
pub(crate) struct StripedCounter {
    stripes: [Padded<AtomicU64>; STRIPES],
}

crate::place::region_cells!(StripedCounter);

impl StripedCounter {
    pub(crate) fn new() -> Self {
        Self {
            stripes: std::array::from_fn(|_| Padded(AtomicU64::new(0))),
        }
    }

    /// Adds one (relaxed: a statistic, ordered by nothing).
    #[inline]
    pub(crate) fn incr(&self) {
        self.add(1);
    }

    /// Adds `n` (relaxed).
    #[inline]
    pub(crate) fn add(&self, n: u64) {
        if let Some(s) = self.stripes.get(stripe_of_this_thread()) {
            s.fetch_add(n, Ordering::Relaxed);
        }
    }

    /// The sum of the stripes.
    pub(crate) fn sum(&self) -> u64 {
        self.stripes
            .iter()
            .fold(0u64, |acc, s| acc.wrapping_add(s.load(Ordering::Relaxed)))
    }
}

/// This thread's stripe: a Fibonacci hash of the stack address (in 64 KiB
/// units) of a local. Threads' stacks are megabytes apart, so live threads
/// hash apart as well as by a thread-local's address (glibc puts a thread's
/// TLS block at the top of its stack), and a thread keeps its stripe while
/// its stack depth stays within one 64 KiB unit; a stripe change is harmless
/// (the sum is over all stripes). No thread-local: inside a shared library
/// each access to one is a call to `__tls_get_addr` (general-dynamic model),
/// on the path of every denied `try_acquire` through the C ABI (its cost is
/// in BENCHMARKS.md, "Measurements behind design choices").
#[cfg(not(seawall_loom))]
#[inline]
fn stripe_of_this_thread() -> usize {
    let anchor = 0u8;
    let addr = (std::ptr::addr_of!(anchor) as usize as u64) >> 16;
    (addr.wrapping_mul(0x9E37_79B9_7F4A_7C15) >> (64 - STRIPES.trailing_zeros())) as usize
}

/// Under loom, one stripe: loom replays every execution and needs each
/// thread to make the same choice every time, which a stack address (where
/// loom's threads live depends on the allocator, so on other tests running
/// in the process) does not give: loom's own bookkeeping then fails.
#[cfg(seawall_loom)]
#[inline]
fn stripe_of_this_thread() -> usize {
    0
}

/// One step of a short wait for another thread's in-flight update (a few
/// loads away): a spin hint, and every 16th step a yield so a descheduled
/// writer gets the core back. Under loom, always a yield.
#[inline]
#[allow(dead_code)]
pub(crate) fn wait_step(step: &mut u32) {
    #[cfg(seawall_loom)]
    {
        let _ = step;
        loom::thread::yield_now();
    }
    #[cfg(not(seawall_loom))]
    {
        *step = step.wrapping_add(1);
        if step.is_multiple_of(16) {
            std::thread::yield_now();
        } else {
            std::hint::spin_loop();
        }
    }
}

/// `n` atomics set to zero, allocated fallibly. Outside loom the memory comes
/// zeroed from the allocator (`calloc`), so a large table costs nothing until
/// its pages are touched; `None` when the allocator refuses.
#[allow(dead_code)]
pub(crate) fn zeroed_atomics(n: usize) -> Option<Box<[AtomicU64]>> {
    #[cfg(not(seawall_loom))]
    {
        use zerocopy::FromZeros;
        <[AtomicU64]>::new_box_zeroed_with_elems(n).ok()
    }
    #[cfg(seawall_loom)]
    {
        let mut v = Vec::new();
        v.try_reserve_exact(n).ok()?;
        v.extend((0..n).map(|_| AtomicU64::new(0)));
        Some(v.into_boxed_slice())
    }
}
