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
pub(crate) struct Padded<T>(pub(crate) T);

impl<T> std::ops::Deref for Padded<T> {
    type Target = T;
    #[inline]
    fn deref(&self) -> &T {
        &self.0
    }
}
