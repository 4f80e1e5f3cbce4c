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
