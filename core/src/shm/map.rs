//! One of the two modules of the core that allow `unsafe` (the other is
//! `ordered_tsc`; see the crate docs).
//!
//! A shared region is a file mapped into the address spaces of several
//! processes; its bytes are read and written through atomics by every
//! attached process at once. Safe Rust has no way to say "this memory
//! comes from `mmap` and lives as long as the mapping", so three things
//! here need `unsafe`:
//!
//! * calling `mmap` / `munmap` ([`Mapping`]);
//! * turning an address inside the mapping into a reference to a type of
//!   atomics ([`Mapped`], [`MappedSlice`]): checked for bounds and alignment
//!   at run time, and restricted to types that are valid for every bit
//!   pattern (`zerocopy::FromBytes`, derived, so checked by the compiler)
//!   and whose fields are all atomics ([`Cells`]), so concurrent writers in
//!   other processes are atomic accesses, never data races;
//! * declaring those views `Send`/`Sync` (they hold a raw pointer, kept
//!   valid by the `Arc<Mapping>` they own);
//! * registering a `pthread_atfork` child handler, so a forked child
//!   stops using its parent's cached process identity ([`after_fork`]).
//!
//! Everything else about regions (header, directory, validation, holders)
//! is safe code in `shm/mod.rs`. The crate denies `unsafe_code`; this module
//! allows it, and every `unsafe` block says why it is sound.
#![allow(unsafe_code)]

use std::fs::File;
use std::io;
use std::marker::PhantomData;
use std::ptr::NonNull;
use std::sync::Arc;
use zerocopy::FromBytes;

/// Types made only of atomics (and arrays or `#[repr(C)]` structs of
/// them): the only types a region's bytes may be viewed as. Implement it
/// only for such types; together with `FromBytes` (every bit pattern is a
/// valid value, so a zeroed or foreign-written slot is never undefined)
/// this is what makes [`Mapped`] sound.
pub(crate) trait Cells: FromBytes + Sync + Send + 'static {}

impl Cells for std::sync::atomic::AtomicU64 {}
impl Cells for std::sync::atomic::AtomicU32 {}
impl<T: Cells, const N: usize> Cells for [T; N] {}

/// A file mapped read-write and shared (`MAP_SHARED`): writes are seen by
/// every process that maps the same file. Unmapped on drop.
#[derive(Debug)]
pub(crate) struct Mapping {
    ptr: NonNull<u8>,
    len: usize,
}

// SAFETY: the mapping is plain memory owned by this value; every access to
// its bytes goes through atomics (`Cells`), so sharing it between threads
// is as safe as sharing those atomics.
unsafe impl Send for Mapping {}
// SAFETY: as above.
unsafe impl Sync for Mapping {}

impl Mapping {
    /// Maps the first `len` bytes of `file` (which must be at least that
    /// long) shared and read-write.
    pub(crate) fn map(file: &File, len: usize) -> io::Result<Mapping> {
        use rustix::mm::{MapFlags, ProtFlags};
        if len == 0 {
            return Err(io::Error::new(io::ErrorKind::InvalidInput, "empty mapping"));
        }
        // SAFETY: a fresh mapping chosen by the kernel (null hint), so it
        // overlaps no Rust object; the file outlives the call, and the
        // mapping stays valid after the file is closed (POSIX).
        let ptr = unsafe {
            rustix::mm::mmap(
                std::ptr::null_mut(),
                len,
                ProtFlags::READ | ProtFlags::WRITE,
                MapFlags::SHARED,
                file,
                0,
            )
        }
        .map_err(io::Error::from)?;
        let ptr =
            NonNull::new(ptr.cast::<u8>()).ok_or_else(|| io::Error::other("mmap returned null"))?;
        Ok(Mapping { ptr, len })
    }

    /// Bytes mapped.
    pub(crate) fn len(&self) -> usize {
        self.len
    }

    /// The address at `offset` if `size` bytes fit there and it is aligned
    /// for `align`.
    fn at(&self, offset: usize, size: usize, align: usize) -> Option<NonNull<u8>> {
        let end = offset.checked_add(size)?;
        if end > self.len || size == 0 {
            return None;
        }
        let addr = (self.ptr.as_ptr() as usize).checked_add(offset)?;
        if !addr.is_multiple_of(align) {
            return None;
        }
        // `offset < len`, so this stays inside the mapping.
        NonNull::new(self.ptr.as_ptr().wrapping_add(offset))
    }
}

impl Drop for Mapping {
    fn drop(&mut self) {
        // SAFETY: `ptr`/`len` are exactly what mmap returned; every view
        // into the mapping holds an `Arc<Mapping>`, so none outlives this.
        let _ = unsafe { rustix::mm::munmap(self.ptr.as_ptr().cast(), self.len) };
    }
}

/// A `&T` into a mapping, keeping the mapping alive.
pub(crate) struct Mapped<T: Cells> {
    ptr: NonNull<T>,
    _map: Arc<Mapping>,
    _t: PhantomData<T>,
}

// SAFETY: a `Mapped<T>` is a shared reference to `T: Sync` plus an `Arc`.
unsafe impl<T: Cells> Send for Mapped<T> {}
// SAFETY: as above.
unsafe impl<T: Cells> Sync for Mapped<T> {}

impl<T: Cells> std::fmt::Debug for Mapped<T> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Mapped").field("ptr", &self.ptr).finish()
    }
}

impl<T: Cells> Mapped<T> {
    /// A view of the `T` at `offset`; `None` when it does not fit or the
    /// address is not aligned for `T`.
    pub(crate) fn view(map: &Arc<Mapping>, offset: usize) -> Option<Mapped<T>> {
        let p = map.at(offset, size_of::<T>(), align_of::<T>())?;
        Some(Mapped {
            ptr: p.cast::<T>(),
            _map: Arc::clone(map),
            _t: PhantomData,
        })
    }

    /// A view of a part of this `T` (a field), sharing the mapping.
    pub(crate) fn project<F: Cells>(&self, f: impl for<'a> FnOnce(&'a T) -> &'a F) -> Mapped<F> {
        let r: &F = f(self);
        Mapped {
            ptr: NonNull::from(r),
            _map: Arc::clone(&self._map),
            _t: PhantomData,
        }
    }
}

impl<T: Cells> std::ops::Deref for Mapped<T> {
    type Target = T;
    #[inline(always)]
    fn deref(&self) -> &T {
        // SAFETY: `view` checked that `size_of::<T>()` bytes at `ptr` lie
        // inside the mapping and are aligned; the mapping lives as long as
        // `self` (the `Arc`); `T: FromBytes` so any bytes are a valid `T`;
        // `T: Cells` so all access is atomic, even by other processes. A
        // projected pointer came from a `&F` borrowed from such a `T` (or
        // from a `'static`), so the same holds for it.
        unsafe { self.ptr.as_ref() }
    }
}

/// A `&[T]` into a mapping, keeping the mapping alive.
pub(crate) struct MappedSlice<T: Cells> {
    ptr: NonNull<T>,
    len: usize,
    _map: Arc<Mapping>,
}

// SAFETY: as for `Mapped`.
unsafe impl<T: Cells> Send for MappedSlice<T> {}
// SAFETY: as for `Mapped`.
unsafe impl<T: Cells> Sync for MappedSlice<T> {}

impl<T: Cells> std::fmt::Debug for MappedSlice<T> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("MappedSlice")
            .field("ptr", &self.ptr)
            .field("len", &self.len)
            .finish()
    }
}

impl<T: Cells> MappedSlice<T> {
    /// A view of `len >= 1` consecutive `T`s at `offset`; `None` when they
    /// do not fit or the address is not aligned.
    pub(crate) fn view(map: &Arc<Mapping>, offset: usize, len: usize) -> Option<MappedSlice<T>> {
        let bytes = size_of::<T>().checked_mul(len)?;
        let p = map.at(offset, bytes, align_of::<T>())?;
        Some(MappedSlice {
            ptr: p.cast::<T>(),
            len,
            _map: Arc::clone(map),
        })
    }
}

impl<T: Cells> std::ops::Deref for MappedSlice<T> {
    type Target = [T];
    #[inline(always)]
    fn deref(&self) -> &[T] {
        // SAFETY: as for `Mapped::deref`, for `len` elements checked by
        // `view`.
        unsafe { std::slice::from_raw_parts(self.ptr.as_ptr(), self.len) }
    }
}

/// Runs `child` in the child process after every `fork` of this process
/// (registered once per call; call it once). `child` must be
/// async-signal-safe: atomic stores only.
pub(crate) fn after_fork(child: extern "C" fn()) -> io::Result<()> {
    // SAFETY: registers a plain function pointer; `pthread_atfork` has no
    // other preconditions. The handler only stores to atomics, which is
    // allowed in a child of a multithreaded fork.
    let rc = unsafe { libc::pthread_atfork(None, None, Some(child as unsafe extern "C" fn())) };
    if rc == 0 {
        Ok(())
    } else {
        Err(io::Error::from_raw_os_error(rc))
    }
}
