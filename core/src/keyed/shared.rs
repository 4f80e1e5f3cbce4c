//! Keyed limiters in a shared region (`spec/shared_memory.md`): the same
//! table and per-slot states, in the slot's words. The hash seed lives in
//! the slot (every process must place a key in the same table slot), with
//! a check word that an attaching build hashes keys the same way.

use super::{
    KeyTableConfig, KeyedSlidingWindow, KeyedSlidingWindowConfig, KeyedTokenBucket,
    KeyedTokenBucketConfig, OnFull, Table,
};
use crate::clock::{duration_to_ns, ClockSource};
use crate::error::{Error, RegionProblem, Result};
use crate::place::{Place, PlaceSlice};
use crate::shm::{Cfg, SharedRegion, Slot, SlotKind};
use std::sync::atomic::{AtomicU64, Ordering};

/// Header words of a keyed slot, before the key words.
const SEED: usize = 0;
const HASH_CHECK: usize = 8;
const TRACKED: usize = 16;
const EVICTIONS: usize = 24;
const TABLE_FULL: usize = 32;
const HEAD: usize = 128;

fn table_fields(t: &KeyTableConfig) -> [(&'static str, Cfg); 4] {
    [
        ("max_keys", Cfg::U64(t.max_keys)),
        ("max_probe", Cfg::U64(u64::from(t.max_probe))),
        (
            "on_full",
            Cfg::U64(match t.on_full {
                OnFull::Deny => 0,
                OnFull::Allow => 1,
            }),
        ),
        ("hash_seed", Cfg::OptU64(t.hash_seed)),
    ]
}

/// The table `t`, moved into `slot`, with the seed the slot holds (the
/// creator's), after checking this build hashes keys as the creator's did.
fn table_in(mut t: Table, slot: &Slot) -> Result<Table> {
    let seed = slot.view::<AtomicU64>(SEED)?;
    let check = slot.view::<AtomicU64>(HASH_CHECK)?;
    t.seed = seed.load(Ordering::Acquire);
    if t.hash(b"seawall hash check").0 != check.load(Ordering::Acquire) {
        return Err(Error::Region {
            problem: RegionProblem::Version,
            reason:
                "this build hashes keys differently from the one that created the keyed limiter"
                    .into(),
        });
    }
    let n = usize::try_from(t.slots()).unwrap_or(usize::MAX);
    t.keys = PlaceSlice::Region(slot.slice::<AtomicU64>(HEAD, n)?);
    t.tracked = Place::Region(slot.view::<AtomicU64>(TRACKED)?);
    t.evictions = Place::Region(slot.view::<AtomicU64>(EVICTIONS)?);
    t.table_full = Place::Region(slot.view::<AtomicU64>(TABLE_FULL)?);
    Ok(t)
}

/// Creates (recording `table`'s seed and hash check) or finds the slot.
fn keyed_slot(
    region: &SharedRegion,
    kind: SlotKind,
    name: &str,
    fields: &[(&'static str, Cfg)],
    bytes: usize,
    table: &Table,
) -> Result<Slot> {
    region.slot(kind, name, fields, bytes, |slot| {
        // Runs only in the creating process, before anyone can see the slot.
        let seed = slot.view::<AtomicU64>(SEED)?;
        seed.store(table.seed, Ordering::Release);
        slot.view::<AtomicU64>(HASH_CHECK)?
            .store(table.hash(b"seawall hash check").0, Ordering::Release);
        Ok(())
    })
}

fn words(n: u64) -> Result<usize> {
    usize::try_from(n)
        .ok()
        .and_then(|n| n.checked_mul(8))
        .ok_or_else(|| Error::config("max_keys", format!("a table of {n} words does not fit")))
}

impl KeyedTokenBucket {
    /// The keyed bucket `name` in a shared region: one table of buckets for
    /// every process that attaches (a key is limited across all of them),
    /// on the host's `CLOCK_MONOTONIC`. Its memory is the region's
    /// (`8 * max_keys * 4 * 2` bytes plus a header): size the region for it.
    pub fn in_region(
        cfg: KeyedTokenBucketConfig,
        region: &SharedRegion,
        name: &str,
    ) -> Result<Self> {
        Self::in_region_with_clock(cfg, crate::shm::region_clock(), region, name)
    }

    /// [`in_region`](Self::in_region) on the given clock.
    pub fn in_region_with_clock(
        cfg: KeyedTokenBucketConfig,
        clock: impl Into<ClockSource>,
        region: &SharedRegion,
        name: &str,
    ) -> Result<Self> {
        let mut me = Self::with_clock(cfg.clone(), clock)?;
        let slots = me.table.slots();
        let t = table_fields(&cfg.table);
        let fields = [
            ("burst", Cfg::U64(cfg.bucket.burst)),
            ("rate_per_sec", Cfg::F64(cfg.bucket.rate_per_sec)),
            ("initial_tokens", Cfg::OptU64(cfg.bucket.initial_tokens)),
            t[0],
            t[1],
            t[2],
            t[3],
        ];
        let n = words(slots)?;
        let slot = keyed_slot(
            region,
            SlotKind::KeyedTokenBucket,
            name,
            &fields,
            HEAD + 2 * n,
            &me.table,
        )?;
        let table = std::mem::replace(&mut me.table, Table::new(&tiny())?);
        me.table = table_in(table, &slot)?;
        me.tat = PlaceSlice::Region(slot.slice::<AtomicU64>(HEAD + n, n / 8)?);
        Ok(me)
    }

    /// Whether this limiter's state is in a shared region.
    pub fn is_shared(&self) -> bool {
        self.table.tracked.is_shared()
    }
}

impl KeyedSlidingWindow {
    /// The keyed window `name` in a shared region: one table for every
    /// process that attaches, on the host's `CLOCK_MONOTONIC`.
    pub fn in_region(
        cfg: KeyedSlidingWindowConfig,
        region: &SharedRegion,
        name: &str,
    ) -> Result<Self> {
        Self::in_region_with_clock(cfg, crate::shm::region_clock(), region, name)
    }

    /// [`in_region`](Self::in_region) on the given clock.
    pub fn in_region_with_clock(
        cfg: KeyedSlidingWindowConfig,
        clock: impl Into<ClockSource>,
        region: &SharedRegion,
        name: &str,
    ) -> Result<Self> {
        let mut me = Self::with_clock(cfg.clone(), clock)?;
        let slots = me.table.slots();
        let t = table_fields(&cfg.table);
        let fields = [
            ("limit", Cfg::U64(cfg.window.limit)),
            ("window", Cfg::U64(duration_to_ns(cfg.window.window))),
            ("buckets", Cfg::U64(u64::from(cfg.window.buckets))),
            t[0],
            t[1],
            t[2],
            t[3],
        ];
        let n = words(slots)?;
        let ring_words = me.rings.len();
        let r = words(ring_words as u64)?;
        let slot = keyed_slot(
            region,
            SlotKind::KeyedSlidingWindow,
            name,
            &fields,
            HEAD + n + r,
            &me.table,
        )?;
        let table = std::mem::replace(&mut me.table, Table::new(&tiny())?);
        me.table = table_in(table, &slot)?;
        me.rings = PlaceSlice::Region(slot.slice::<AtomicU64>(HEAD + n, ring_words)?);
        Ok(me)
    }

    /// Whether this limiter's state is in a shared region.
    pub fn is_shared(&self) -> bool {
        self.table.tracked.is_shared()
    }
}

/// A one-key table, a placeholder while the real one moves into the slot.
fn tiny() -> KeyTableConfig {
    KeyTableConfig {
        max_keys: 1,
        max_probe: 1,
        on_full: OnFull::Deny,
        hash_seed: Some(0),
    }
}
