//! Hot calls without `this`: each native object is also registered in a
//! per-thread slab, and the JS layer calls plain functions with its integer
//! id (`cbAcquire(id)`), which skips napi's receiver unwrap (about half the
//! cost of a method call). The napi class owns the registration and removes
//! it when it is garbage-collected. Ids are checked: a stale or foreign id
//! finds nothing and the call answers "not found", never touches memory.
//!
//! A per-thread scratch `Float64Array` (set once by `lib/native.js`) carries
//! the extra numbers of a hot answer (remaining, retry-after, a start time)
//! so they cross without allocating an object.

use napi::bindgen_prelude::Float64Array;
use napi_derive::napi;
use std::cell::Cell;
use std::sync::Arc;

/// A slab of `Arc<T>` addressed by `u32` ids.
pub struct Slab<T> {
    items: Vec<Option<Arc<T>>>,
    free: Vec<u32>,
}

impl<T> Slab<T> {
    pub const fn new() -> Self {
        Self {
            items: Vec::new(),
            free: Vec::new(),
        }
    }

    pub fn insert(&mut self, v: Arc<T>) -> u32 {
        if let Some(id) = self.free.pop() {
            if let Some(slot) = self.items.get_mut(id as usize) {
                *slot = Some(v);
                return id;
            }
        }
        self.items.push(Some(v));
        (self.items.len() - 1) as u32
    }

    #[inline]
    pub fn get(&self, id: u32) -> Option<&Arc<T>> {
        self.items.get(id as usize).and_then(Option::as_ref)
    }

    pub fn remove(&mut self, id: u32) {
        if let Some(slot) = self.items.get_mut(id as usize) {
            if slot.take().is_some() {
                self.free.push(id);
            }
        }
    }
}

impl<T> Default for Slab<T> {
    fn default() -> Self {
        Self::new()
    }
}

/// A slab of owned values addressed by `u32` ids, taken out exactly once.
pub struct ValSlab<T> {
    items: Vec<Option<T>>,
    free: Vec<u32>,
}

impl<T> ValSlab<T> {
    pub const fn new() -> Self {
        Self {
            items: Vec::new(),
            free: Vec::new(),
        }
    }

    pub fn insert(&mut self, v: T) -> u32 {
        if let Some(id) = self.free.pop() {
            if let Some(slot) = self.items.get_mut(id as usize) {
                *slot = Some(v);
                return id;
            }
        }
        self.items.push(Some(v));
        (self.items.len() - 1) as u32
    }

    pub fn get_mut(&mut self, id: u32) -> Option<&mut T> {
        self.items.get_mut(id as usize).and_then(Option::as_mut)
    }

    pub fn take(&mut self, id: u32) -> Option<T> {
        let v = self.items.get_mut(id as usize).and_then(Option::take);
        if v.is_some() {
            self.free.push(id);
        }
        v
    }
}

impl<T> Default for ValSlab<T> {
    fn default() -> Self {
        Self::new()
    }
}

/// Declares a thread-local slab and helpers `with_<name>` / register / unregister.
#[macro_export]
macro_rules! registry {
    ($tls:ident, $ty:ty) => {
        thread_local! {
            static $tls: std::cell::RefCell<$crate::handles::Slab<$ty>> =
                const { std::cell::RefCell::new($crate::handles::Slab::new()) };
        }
    };
}

thread_local! {
    static SCRATCH: Cell<(*mut f64, usize)> = const { Cell::new((std::ptr::null_mut(), 0)) };
}

/// Installs this thread's scratch array. Its napi reference is leaked on
/// purpose: the array lives as long as this thread's JS environment (the JS
/// module holds it too), so the pointer stays valid.
#[napi(catch_unwind)]
pub fn set_scratch(arr: Float64Array) {
    let len = arr.len();
    let ptr = arr.as_ptr().cast_mut();
    SCRATCH.with(|s| s.set((ptr, len)));
    std::mem::forget(arr);
}

/// Writes slot `i` of the scratch array (no-op when not installed).
#[inline]
pub fn put(i: usize, v: f64) {
    SCRATCH.with(|s| {
        let (ptr, len) = s.get();
        if i < len && !ptr.is_null() {
            // SAFETY: `ptr` points into the live Float64Array whose
            // reference set_scratch leaked for this thread's life; JS runs on this thread
            // only and does not touch the array during a native call.
            unsafe { ptr.add(i).write(v) }
        }
    })
}

/// Writes slots 0..vals.len() of the scratch array with one thread-local access.
#[inline]
pub fn put_all(vals: &[f64]) {
    SCRATCH.with(|s| {
        let (ptr, len) = s.get();
        if ptr.is_null() {
            return;
        }
        for (i, v) in vals.iter().enumerate().take(len) {
            // SAFETY: as in `put`; `i < len` by `take(len)`.
            unsafe { ptr.add(i).write(*v) }
        }
    })
}

/// Writes `out[i] = f(i)` into the scratch array for `i < n`, one access.
#[inline]
pub fn fill(n: usize, mut f: impl FnMut(usize) -> f64) -> usize {
    SCRATCH.with(|s| {
        let (ptr, len) = s.get();
        if ptr.is_null() {
            return 0;
        }
        let n = n.min(len);
        for i in 0..n {
            // SAFETY: as in `put`; `i < n <= len`.
            unsafe { ptr.add(i).write(f(i)) }
        }
        n
    })
}

/// Reads slots 0..out.len() of the scratch array (zeros when not installed).
#[inline]
pub fn get_all(out: &mut [f64]) {
    SCRATCH.with(|s| {
        let (ptr, len) = s.get();
        for (i, o) in out.iter_mut().enumerate() {
            *o = if i < len && !ptr.is_null() {
                // SAFETY: as in `put`; `i < len`.
                unsafe { ptr.add(i).read() }
            } else {
                0.0
            };
        }
    })
}
