//! A bulkhead whose counters live in a shared region
//! (`spec/shared_memory.md`): one limit across processes, each process's
//! permits counted so a dead process's permits come back.

use super::state::Layout;
use super::{Bulkhead, BulkheadConfig};
use crate::clock::{Clock, ClockSource};
use crate::error::{Error, Result};
use crate::place::Place;
use crate::sync::AtomicU64;

/// A bulkhead's state in a shared region.
#[derive(zerocopy::FromBytes)]
#[repr(C)]
struct Shared {
    state: crate::sync::Padded<AtomicU64>,
    grant_wraps: AtomicU64,
    total: AtomicU64,
    rejected: crate::sync::StripedCounter,
    last_scan: AtomicU64,
}
crate::place::region_cells!(Shared);

impl Bulkhead {
    /// The bulkhead `name` in a shared region: one limit on calls in
    /// flight across every process that attaches (`spec/shared_memory.md`).
    /// Needs `max_queue == 0` (waiting in line across processes is not
    /// supported: a full bulkhead rejects at once). Each process's permits
    /// are counted, and the permits of a process that died holding them
    /// come back (see [`reclaim_dead`](Self::reclaim_dead)).
    pub fn in_region(
        cfg: BulkheadConfig,
        region: &crate::shm::SharedRegion,
        name: &str,
    ) -> Result<Self> {
        Self::in_region_with_clock(cfg, crate::shm::region_clock(), region, name)
    }

    /// [`in_region`](Self::in_region) on the given clock (it times the
    /// scans for dead holders).
    pub fn in_region_with_clock(
        cfg: BulkheadConfig,
        clock: impl Into<ClockSource>,
        region: &crate::shm::SharedRegion,
        name: &str,
    ) -> Result<Self> {
        use crate::shm::holder::{Entry, Lane, ProcessCounts};
        use crate::shm::{Cfg, SlotKind};
        use crate::sync::Padded;
        cfg.validate()?;
        if cfg.max_queue != 0 {
            return Err(Error::config(
                "max_queue",
                format!(
                    "must be 0 for a bulkhead in a shared region (callers cannot wait in \
                     line across processes), got {}",
                    cfg.max_queue
                ),
            ));
        }
        let fields = [
            ("max_concurrent", Cfg::U64(cfg.max_concurrent)),
            ("max_queue", Cfg::U64(cfg.max_queue)),
        ];
        let head = size_of::<Shared>().next_multiple_of(128);
        let slot = region.slot(
            SlotKind::Bulkhead,
            name,
            &fields,
            head + ProcessCounts::BYTES + ProcessCounts::LANE_BYTES,
            |_| Ok(()),
        )?;
        let sh = slot.view::<Shared>(0)?;
        let table = slot.slice::<Padded<Entry>>(head, crate::shm::holder::PROCESSES)?;
        let lanes =
            slot.slice::<Padded<Lane>>(head + ProcessCounts::BYTES, crate::shm::holder::LANES)?;
        let mut bh = Self::with_layout(
            Layout::new(cfg.max_concurrent, cfg.max_queue),
            cfg,
            clock.into(),
        );
        bh.state = Place::Region(sh.project(|s| &s.state.0));
        bh.grant_wraps = Place::Region(sh.project(|s| &s.grant_wraps));
        bh.total = Place::Region(sh.project(|s| &s.total));
        bh.rejected = Place::Region(sh.project(|s| &s.rejected));
        bh.holders = Some(ProcessCounts::new(
            table,
            lanes,
            sh.project(|s| &s.last_scan),
        ));
        Ok(bh)
    }

    /// Gives back `n` slots of a dead holder (region only, no queue).
    pub(super) fn release_n(&self, n: u64) {
        for _ in 0..n {
            self.release_core();
        }
    }

    #[inline]
    pub(super) fn take_counted(&self, h: &crate::shm::holder::ProcessCounts) -> bool {
        let Some(c) = h.counter() else {
            return self.take_counted_slow(h);
        };
        if self.try_take_fast()
            || (h.reclaim(self.clock.now_ns(), false, |n| self.release_n(n)) > 0
                && self.try_take_fast())
        {
            c.add();
            return true;
        }
        false
    }

    /// Every holder entry belongs to a live-looking process: scan for dead
    /// ones (at most every 100 ms) and try once more.
    #[cold]
    fn take_counted_slow(&self, h: &crate::shm::holder::ProcessCounts) -> bool {
        h.reclaim(self.clock.now_ns(), false, |n| self.release_n(n));
        let Some(c) = h.counter() else {
            return false;
        };
        if self.try_take_fast() {
            c.add();
            return true;
        }
        false
    }
}
