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

/// A slot's table of per-process permit counts, plus this process's
/// cached entry. A process adds to its own entry after each grant and
/// subtracts before each release, so a count never exceeds what the
/// process really holds (a process killed between the two atomic steps
/// leaks that one permit instead of releasing one it did not take).
#[derive(Debug)]
pub(crate) struct ProcessCounts {
    table: MappedSlice<Padded<Entry>>,
    /// When the last scan for dead holders ran (shared).
    last_scan: super::map::Mapped<AtomicU64>,
    /// `pid << 32 | index + 1` of this process's entry (0 = none yet).
    mine: AtomicU64,
}

impl ProcessCounts {
    /// Bytes a table takes in a slot (plus the `last_scan` word).
    pub(crate) const BYTES: usize = PROCESSES * size_of::<Padded<Entry>>();

    pub(crate) fn new(
        table: MappedSlice<Padded<Entry>>,
        last_scan: super::map::Mapped<AtomicU64>,
    ) -> Self {
        Self {
            table,
            last_scan,
            mine: AtomicU64::new(0),
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
        for round in 0..2 {
            for (i, e) in self.table.iter().enumerate() {
                if e.id
                    .compare_exchange(0, word, Ordering::AcqRel, Ordering::Acquire)
                    .is_ok()
                {
                    return pick(i);
                }
            }
            if round == 0 {
                // Full: free the entries of dead processes (their permits
                // stay held by their counts until a reclaim returns them).
                self.free_dead_entries(|_| {});
            }
        }
        None
    }

    /// Counts a permit granted to this process.
    #[inline]
    pub(crate) fn add(e: &Entry) {
        e.held.fetch_add(1, Ordering::Relaxed);
    }

    /// Uncounts a permit this process is about to release. Never below
    /// zero: a permit taken before a `fork` and released in the child is
    /// not the child's to uncount.
    #[inline]
    pub(crate) fn sub(e: &Entry) {
        if e.held.fetch_sub(1, Ordering::Relaxed) == 0 {
            e.held.fetch_add(1, Ordering::Relaxed);
        }
    }

    /// If no scan ran in the last [`RECLAIM_INTERVAL_NS`] (or `force`),
    /// finds entries of dead processes and calls `release(n)` with the
    /// permits each held; returns how many came back.
    pub(crate) fn reclaim(&self, now_ns: u64, force: bool, release: impl FnMut(u64)) -> u64 {
        if !force && !scan_due(&self.last_scan, now_ns) {
            return 0;
        }
        self.free_dead_entries(release)
    }

    fn free_dead_entries(&self, mut release: impl FnMut(u64)) -> u64 {
        let (_, word) = me();
        let mut back = 0;
        for e in self.table.iter() {
            let id = e.id.load(Ordering::Acquire);
            if id == 0 || id == word || !is_dead(id) {
                continue;
            }
            let n = e.held.swap(0, Ordering::AcqRel);
            if n > 0 {
                release(n);
                back += n;
            }
            let _ =
                e.id.compare_exchange(id, 0, Ordering::AcqRel, Ordering::Relaxed);
        }
        back
    }

    /// Permits held per live-or-dead process entry: `(holder word, held)`.
    #[allow(dead_code)]
    pub(crate) fn snapshot(&self) -> Vec<(u64, u64)> {
        self.table
            .iter()
            .map(|e| (e.id.load(Ordering::Relaxed), e.held.load(Ordering::Relaxed)))
            .filter(|(id, _)| *id != 0)
            .collect()
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
