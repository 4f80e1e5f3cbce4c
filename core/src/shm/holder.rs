//! Who holds a permit: a process, named by its pid and start time (so a
//! reused pid is not mistaken for the dead holder), and the per-process
//! permit counts that let the survivors take back what a dead process
//! held (`spec/shared_memory.md`, "Dead holders").

use super::map::{self, MappedSlice};
use crate::sync::Padded;
use std::sync::atomic::{AtomicU32, AtomicU64, Ordering};
use std::sync::Once;

/// A process identity.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Holder {
    pub(crate) pid: u32,
    /// Start time in clock ticks since boot (`/proc/<pid>/stat` field 22),
    /// 0 when unknown.
    pub(crate) start: u64,
}

impl Holder {
    /// Packed into one word, never 0: pid in the low 32 bits, the low 32
    /// bits of the start time above.
    pub(crate) fn word(self) -> u64 {
        (self.start << 32) | u64::from(self.pid)
    }
}

/// This process (reads procfs: slow path only).
pub(crate) fn current() -> Holder {
    let pid = std::process::id();
    Holder {
        pid,
        start: stat(pid).map_or(0, |(s, _)| s),
    }
}

/// This process's holder word, cached; reset in a forked child.
static MY_WORD: AtomicU64 = AtomicU64::new(0);
/// The pid `MY_WORD` belongs to (0 = not cached).
static MY_PID: AtomicU32 = AtomicU32::new(0);
static FORK_HOOK: Once = Once::new();

extern "C" fn forget_identity() {
    MY_PID.store(0, Ordering::SeqCst);
    MY_WORD.store(0, Ordering::SeqCst);
}

/// This process's pid and holder word: two loads once cached; a forked
/// child recomputes its own (a `pthread_atfork` hook clears the cache).
#[inline]
pub(crate) fn me() -> (u32, u64) {
    let pid = MY_PID.load(Ordering::Acquire);
    if pid != 0 {
        return (pid, MY_WORD.load(Ordering::Relaxed));
    }
    me_slow()
}

#[cold]
fn me_slow() -> (u32, u64) {
    FORK_HOOK.call_once(|| {
        let _ = map::after_fork(forget_identity);
    });
    let h = current();
    let w = h.word();
    MY_WORD.store(w, Ordering::Relaxed);
    MY_PID.store(h.pid, Ordering::Release);
    (h.pid, w)
}

/// The start time of `pid` and whether it is a zombie, from procfs.
fn stat(pid: u32) -> Option<(u64, bool)> {
    let s = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    // The command name (field 2) is in parentheses and may hold spaces.
    let rest = s.get(s.rfind(')')?.checked_add(2)?..)?;
    let mut it = rest.split(' ');
    let state = it.next()?;
    // `rest` starts at field 3; field 22 is 19 further.
    let start = it.nth(18)?.parse().ok()?;
    Some((start, state == "Z" || state == "X"))
}

/// Whether the process a holder word names is gone: no such pid, a zombie,
/// or a pid now used by a process that started at another time.
pub(crate) fn is_dead(word: u64) -> bool {
    let pid = (word & 0xFFFF_FFFF) as u32;
    let start = word >> 32;
    let Ok(p) = i32::try_from(pid) else {
        return true;
    };
    let Some(pid_t) = rustix::process::Pid::from_raw(p) else {
        return true;
    };
    // EPERM: alive, another user's (then procfs decides).
    if let Err(rustix::io::Errno::SRCH) = rustix::process::test_kill_process(pid_t) {
        return true;
    }
    match stat(pid) {
        None | Some((_, true)) => true,
        Some((s, false)) => start != 0 && (s & 0xFFFF_FFFF) != start,
    }
}

/// Whether a scan for dead holders may run now: none ran in the last
/// [`RECLAIM_INTERVAL_NS`], and this caller won the race to run it.
pub(crate) fn scan_due(last_scan: &AtomicU64, now_ns: u64) -> bool {
    let last = last_scan.load(Ordering::Acquire);
    now_ns.saturating_sub(last) >= RECLAIM_INTERVAL_NS
        && last_scan
            .compare_exchange(last, now_ns, Ordering::AcqRel, Ordering::Relaxed)
            .is_ok()
}

/// One process's entry in a [`ProcessCounts`] table.
#[repr(C)]
#[derive(zerocopy::FromBytes)]
pub(crate) struct Entry {
    /// The holder word of the process, 0 = free.
    id: AtomicU64,
    /// Permits it holds.
    held: AtomicU64,
}
crate::place::region_cells!(Entry);

/// Entries of a [`ProcessCounts`] table: the most processes that can hold
/// permits of one primitive at once (dead ones' entries are reused).
pub(crate) const PROCESSES: usize = 64;

/// The least time between two scans for dead holders (ns).
pub(crate) const RECLAIM_INTERVAL_NS: u64 = 100_000_000;

/// One thread's count of one attached bulkhead's permits, on a line of
/// its own. Only its thread writes `held` (a plain load and store, no
/// atomic read-modify-write), so counting a grant costs no locked
/// instruction; the reclaimer sums a dead process's lanes.
#[repr(C)]
#[derive(zerocopy::FromBytes)]
pub(crate) struct Lane {
    /// The holder word of the owning process, 0 = free.
    id: AtomicU64,
    /// The attached bulkhead object (per-process number) that claimed it.
    obj: AtomicU64,
    /// The owning thread's number in its process.
    thread: AtomicU64,
    /// Permits granted on this thread minus permits released on it, as a
    /// two's-complement signed count (a permit may be released on another
    /// thread than the one it was granted on).
    held: AtomicU64,
}
crate::place::region_cells!(Lane);

/// Lanes of a [`ProcessCounts`] table: threads beyond these (over all
/// processes) count on their process's entry with atomic adds.
pub(crate) const LANES: usize = 128;

/// An entry id meaning "a scan is returning this dead holder's permits".
const RECLAIMING: u64 = u64::MAX;

/// Where this thread counts its permits of one bulkhead.
#[derive(Clone, Copy)]
pub(crate) enum Counter<'a> {
    /// Its own lane: a plain load and store.
    Lane(&'a Lane),
    /// Its process's entry: an atomic add (no lane was free).
    Entry(&'a Entry),
}

impl Counter<'_> {
    /// Counts a permit granted to this thread.
    #[inline(always)]
    pub(crate) fn add(self) {
        match self {
            Counter::Lane(l) => {
                let v = l.held.load(Ordering::Relaxed);
                l.held.store(v.wrapping_add(1), Ordering::Relaxed);
            }
            Counter::Entry(e) => {
                e.held.fetch_add(1, Ordering::Relaxed);
            }
        }
    }

    /// Uncounts a permit this thread is about to release (the count may
    /// go below zero: the process's sum is what counts).
    #[inline(always)]
    pub(crate) fn sub(self) {
        match self {
            Counter::Lane(l) => {
                let v = l.held.load(Ordering::Relaxed);
                l.held.store(v.wrapping_sub(1), Ordering::Relaxed);
            }
            Counter::Entry(e) => {
                e.held.fetch_sub(1, Ordering::Relaxed);
            }
        }
    }
}

/// Ways of the per-thread cache of lanes (direct-mapped by object number).
const WAYS: usize = 8;

std::thread_local! {
    /// Per way: the object number, and `pid << 32 | lane + 1` (lane + 1 =
    /// `u32::MAX`: no lane, count on the entry); keyed by pid so a forked
    /// child does not write its parent's lanes.
    static LANE_CACHE: [std::cell::Cell<(u64, u64)>; WAYS] =
        const { [const { std::cell::Cell::new((0, 0)) }; WAYS] };
    /// This thread's number in its process (0 = not drawn yet).
    static THREAD_NO: std::cell::Cell<u64> = const { std::cell::Cell::new(0) };
}

/// Numbers attached objects and threads (never reused in a process).
static NEXT_NO: AtomicU64 = AtomicU64::new(1);

fn thread_no() -> u64 {
    THREAD_NO.with(|t| {
        if t.get() == 0 {
            t.set(NEXT_NO.fetch_add(1, Ordering::Relaxed));
        }
        t.get()
    })
}

/// A slot's table of per-process permit counts and per-thread lanes, plus
/// this process's cached entry. A thread adds to its lane (or, with no
/// lane free, its process's entry) after each grant and subtracts before
/// each release, so a process's sum never exceeds what it really holds (a
/// process killed between the two steps leaks that one permit instead of
/// releasing one it did not take).
#[derive(Debug)]
pub(crate) struct ProcessCounts {
    table: MappedSlice<Padded<Entry>>,
    lanes: MappedSlice<Padded<Lane>>,
    /// When the last scan for dead holders ran (shared).
    last_scan: super::map::Mapped<AtomicU64>,
    /// `pid << 32 | index + 1` of this process's entry (0 = none yet).
    mine: AtomicU64,
    /// This attached object's number (keys lanes and the thread cache).
    obj: u64,
}

impl ProcessCounts {
    /// Bytes the entry table takes in a slot.
    pub(crate) const BYTES: usize = PROCESSES * size_of::<Padded<Entry>>();
    /// Bytes the lanes take in a slot (after the entry table).
    pub(crate) const LANE_BYTES: usize = LANES * size_of::<Padded<Lane>>();

    pub(crate) fn new(
        table: MappedSlice<Padded<Entry>>,
        lanes: MappedSlice<Padded<Lane>>,
        last_scan: super::map::Mapped<AtomicU64>,
    ) -> Self {
        Self {
            table,
            lanes,
            last_scan,
            mine: AtomicU64::new(0),
            obj: NEXT_NO.fetch_add(1, Ordering::Relaxed),
        }
    }

    /// Where this thread counts: its lane, else its process's entry.
    /// `None` when every entry belongs to a live process.
    #[inline]
    pub(crate) fn counter(&self) -> Option<Counter<'_>> {
        let (pid, _) = me();
        let way = (self.obj % WAYS as u64) as usize;
        let hit = LANE_CACHE.with(|c| {
            let (o, v) = c.get(way)?.get();
            (o == self.obj && v >> 32 == u64::from(pid)).then_some(v & 0xFFFF_FFFF)
        });
        match hit {
            Some(0xFFFF_FFFF) => self.entry().map(Counter::Entry),
            Some(i) => match self.lanes.get((i as usize).wrapping_sub(1)) {
                Some(l) => Some(Counter::Lane(&l.0)),
                None => self.entry().map(Counter::Entry),
            },
            None => self.claim_lane(way),
        }
    }

    /// Finds or claims this thread's lane (the process's entry first: a
    /// process with lanes always has an entry, which the reclaimer finds).
    #[cold]
    fn claim_lane(&self, way: usize) -> Option<Counter<'_>> {
        let e = self.entry()?;
        let (pid, word) = me();
        let t = thread_no();
        let remember = |i: u64| {
            LANE_CACHE.with(|c| {
                if let Some(c) = c.get(way) {
                    c.set((self.obj, (u64::from(pid) << 32) | i));
                }
            });
        };
        let found = self.lanes.iter().position(|l| {
            l.0.id.load(Ordering::Acquire) == word
                && l.0.obj.load(Ordering::Relaxed) == self.obj
                && l.0.thread.load(Ordering::Relaxed) == t
        });
        let found = found.or_else(|| {
            self.lanes.iter().position(|l| {
                let won =
                    l.0.id
                        .compare_exchange(0, word, Ordering::AcqRel, Ordering::Relaxed)
                        .is_ok();
                if won {
                    l.0.held.store(0, Ordering::Relaxed);
                    l.0.obj.store(self.obj, Ordering::Relaxed);
                    l.0.thread.store(t, Ordering::Release);
                }
                won
            })
        });
        match found.and_then(|i| Some((i, &self.lanes.get(i)?.0))) {
            Some((i, l)) => {
                remember(i as u64 + 1);
                Some(Counter::Lane(l))
            }
            None => {
                remember(0xFFFF_FFFF);
                Some(Counter::Entry(e))
            }
        }
    }

    /// This process's entry, claiming one on first use. `None` when every
    /// entry belongs to a live process.
    #[inline]
    pub(crate) fn entry(&self) -> Option<&Entry> {
        let (pid, _) = me();
        let m = self.mine.load(Ordering::Relaxed);
        if m >> 32 == u64::from(pid) {
            let i = (m & 0xFFFF_FFFF) as usize;
            return self.table.get(i.wrapping_sub(1)).map(|p| &p.0);
        }
        self.claim()
    }

    #[cold]
    fn claim(&self) -> Option<&Entry> {
        let (pid, word) = me();
        let pick = |i: usize| {
            self.mine
                .store((u64::from(pid) << 32) | (i as u64 + 1), Ordering::Relaxed);
            self.table.get(i).map(|p| &p.0)
        };
        if let Some(i) = self
            .table
            .iter()
            .position(|e| e.id.load(Ordering::Acquire) == word)
        {
            return pick(i);
        }
        let i = self.table.iter().position(|e| {
            e.id.compare_exchange(0, word, Ordering::AcqRel, Ordering::Acquire)
                .is_ok()
        })?;
        pick(i)
    }

    /// If no scan ran in the last [`RECLAIM_INTERVAL_NS`] (or `force`),
    /// finds entries of dead processes and calls `release(n)` with the
    /// permits each held (its entry plus its lanes); returns how many came
    /// back.
    pub(crate) fn reclaim(&self, now_ns: u64, force: bool, mut release: impl FnMut(u64)) -> u64 {
        if !force && !scan_due(&self.last_scan, now_ns) {
            return 0;
        }
        let (_, word) = me();
        let mut back = 0;
        for e in self.table.iter() {
            let id = e.id.load(Ordering::Acquire);
            if id == 0 || id == RECLAIMING || id == word || !is_dead(id) {
                continue;
            }
            // One scanner per dead holder: the one that marks its entry.
            if e.id
                .compare_exchange(id, RECLAIMING, Ordering::AcqRel, Ordering::Relaxed)
                .is_err()
            {
                continue;
            }
            let mut n = e.held.swap(0, Ordering::AcqRel);
            for l in self.lanes.iter() {
                if l.0.id.load(Ordering::Acquire) == id {
                    n = n.wrapping_add(l.0.held.swap(0, Ordering::AcqRel));
                    l.0.obj.store(0, Ordering::Relaxed);
                    l.0.thread.store(0, Ordering::Relaxed);
                    l.0.id.store(0, Ordering::Release);
                }
            }
            // Below zero: it released permits another process counted
            // (taken before a fork); nothing of its own to give back.
            if n > 0 && n < 1 << 63 {
                release(n);
                back += n;
            }
            e.id.store(0, Ordering::Release);
        }
        back
    }

    /// Permits held per live-or-dead process: `(holder word, held)`, its
    /// entry plus its lanes (signed counts, as two's complement).
    #[allow(dead_code)]
    pub(crate) fn snapshot(&self) -> Vec<(u64, u64)> {
        self.table
            .iter()
            .map(|e| {
                let id = e.id.load(Ordering::Relaxed);
                let lanes = self
                    .lanes
                    .iter()
                    .filter(|l| l.0.id.load(Ordering::Relaxed) == id)
                    .fold(0u64, |a, l| {
                        a.wrapping_add(l.0.held.load(Ordering::Relaxed))
                    });
                (id, e.held.load(Ordering::Relaxed).wrapping_add(lanes))
            })
            .filter(|(id, _)| *id != 0 && *id != RECLAIMING)
            .collect()
    }
}

#[cfg(test)]
impl ProcessCounts {
    /// Lanes claimed by any process.
    pub(crate) fn lanes_in_use(&self) -> usize {
        self.lanes
            .iter()
            .filter(|l| l.0.id.load(Ordering::Relaxed) != 0)
            .count()
    }
}

impl Drop for ProcessCounts {
    /// The object is gone (no thread can count on its lanes any more):
    /// fold its lanes into this process's entry and free them.
    fn drop(&mut self) {
        let (pid, word) = me();
        let m = self.mine.load(Ordering::Relaxed);
        if m >> 32 != u64::from(pid) {
            return; // no entry in this process, hence no lanes
        }
        let Some(e) = self.table.get(((m & 0xFFFF_FFFF) as usize).wrapping_sub(1)) else {
            return;
        };
        for l in self.lanes.iter() {
            if l.0.id.load(Ordering::Acquire) != word || l.0.obj.load(Ordering::Relaxed) != self.obj
            {
                continue;
            }
            // Leak rather than over-release if killed between the steps:
            // a positive count leaves the lane first, a negative one
            // reaches the entry first.
            let v = l.0.held.load(Ordering::Relaxed);
            if v < 1 << 63 {
                l.0.held.store(0, Ordering::Relaxed);
                e.0.held.fetch_add(v, Ordering::AcqRel);
            } else {
                e.0.held.fetch_add(v, Ordering::AcqRel);
                l.0.held.store(0, Ordering::Relaxed);
            }
            l.0.obj.store(0, Ordering::Relaxed);
            l.0.thread.store(0, Ordering::Relaxed);
            l.0.id.store(0, Ordering::Release);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn this_process_is_alive_and_a_reaped_child_is_dead() {
        let me = current();
        assert!(me.start > 0);
        assert!(!is_dead(me.word()));
        assert_eq!(super::me().1, me.word());
        // Same pid, another start time: a reused pid.
        let other = Holder {
            pid: me.pid,
            start: (me.start + 1) & 0xFFFF_FFFF,
        };
        assert!(is_dead(other.word()));
        let Ok(mut child) = std::process::Command::new("true").spawn() else {
            unreachable!("cannot spawn true")
        };
        let pid = child.id();
        assert!(child.wait().is_ok());
        assert!(is_dead(Holder { pid, start: 1 }.word()));
    }
}
