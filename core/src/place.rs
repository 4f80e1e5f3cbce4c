//! Where a primitive's shared state lives: on the heap of this process
//! (inline in the primitive, the default) or in a shared-memory region
//! ([`crate::shm`]). Either way the primitive's code reaches it through
//! `Deref` as a `&T` and runs the same algorithm on the same atomics; the
//! only difference is one well-predicted branch on the variant.

/// Types a region may hold: made only of atomics (see `shm::map::Cells`).
#[cfg(all(unix, not(seawall_loom)))]
pub(crate) use crate::shm::map::Cells;

/// Without regions (loom models, non-Unix), any type.
#[cfg(not(all(unix, not(seawall_loom))))]
pub(crate) trait Cells {}
#[cfg(not(all(unix, not(seawall_loom))))]
impl<T> Cells for T {}

/// Declares state structs as region-safe (`Cells`) where regions exist.
/// Each must be `#[repr(C)]`, derive `zerocopy::FromBytes` (under
/// `cfg_attr(not(seawall_loom), ...)`) and hold only atomics.
macro_rules! region_cells {
    ($($t:ty),* $(,)?) => {
        $(
            #[cfg(all(unix, not(seawall_loom)))]
            impl $crate::place::Cells for $t {}
        )*
    };
}
pub(crate) use region_cells;

/// A `T` held inline, or a view of one in a shared region.
#[derive(Debug)]
pub(crate) enum Place<T: Cells> {
    /// This process's own.
    Local(T),
    /// In a shared region, seen by every attached process.
    #[cfg(all(unix, not(seawall_loom)))]
    Region(crate::shm::map::Mapped<T>),
}

impl<T: Cells> Place<T> {
    /// Whether the state is in a shared region.
    #[allow(dead_code)]
    pub(crate) fn is_shared(&self) -> bool {
        !matches!(self, Place::Local(_))
    }
}

impl<T: Cells> std::ops::Deref for Place<T> {
    type Target = T;
    #[inline(always)]
    fn deref(&self) -> &T {
        match self {
            Place::Local(t) => t,
            #[cfg(all(unix, not(seawall_loom)))]
            Place::Region(m) => m,
        }
    }
}

/// A slice of `T` on the heap, or a view of one in a shared region.
#[derive(Debug)]
pub(crate) enum PlaceSlice<T: Cells> {
    /// This process's own.
    Local(Box<[T]>),
    /// In a shared region.
    #[cfg(all(unix, not(seawall_loom)))]
    Region(crate::shm::map::MappedSlice<T>),
}

impl<T: Cells> std::ops::Deref for PlaceSlice<T> {
    type Target = [T];
    #[inline(always)]
    fn deref(&self) -> &[T] {
        match self {
            PlaceSlice::Local(t) => t,
            #[cfg(all(unix, not(seawall_loom)))]
            PlaceSlice::Region(m) => m,
        }
    }
}
