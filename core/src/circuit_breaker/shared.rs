//! A circuit breaker in a shared region (`spec/shared_memory.md`): the
//! slot layout, the transition log that lets every attached process fire
//! its own listeners once per transition, and the probe holders that let
//! the survivors free half-open probe slots held by dead processes.

use super::state::{Word, GEN_MASK};
use super::window::{CountWindow, FailureRing, TimeWindow};
use super::{CircuitBreaker, Config, Counters, RateWindow, State, Transition, WindowKind, NO_GEN};
use crate::clock::{duration_to_ns, Clock, ClockSource};
use crate::error::Result;
use crate::place::Place;
use crate::shm::holder;
use crate::shm::map::Mapped;
use crate::shm::{Cfg, SharedRegion, SlotKind};
use crate::sync::Padded;
use std::sync::atomic::{AtomicU64, Ordering};

/// Transitions the log keeps (a process that missed more hears one
/// transition from the state it last saw to the current one).
const LOG: usize = 16;
/// Probe slots (`MAX_HALF_OPEN_CALLS`).
const PROBES: usize = 16;

/// One logged transition: `meta` = valid bit 63 | generation << 8 |
/// from << 4 | to, written after `at_ns` (release).
#[repr(C)]
#[derive(zerocopy::FromBytes)]
pub(crate) struct LogRec {
    meta: AtomicU64,
    at_ns: AtomicU64,
}

/// The fixed part of a breaker's slot; the windows follow it.
#[repr(C)]
#[derive(zerocopy::FromBytes)]
pub(crate) struct Shared {
    word: Padded<AtomicU64>,
    deadline_ns: AtomicU64,
    deadline_gen: AtomicU64,
    cur_open_ns: AtomicU64,
    last_scan: AtomicU64,
    /// Holder word of each probe slot, and the generation it was taken in.
    probe_holder: [AtomicU64; PROBES],
    probe_gen: [AtomicU64; PROBES],
    log: [LogRec; LOG],
    counters: Padded<Counters>,
}
crate::place::region_cells!(LogRec, Shared, Counters);

/// A breaker's region-only state, and what this process has heard.
#[derive(Debug)]
pub(crate) struct Extra {
    sh: Mapped<Shared>,
    /// The last transition this process fired its listeners for:
    /// generation | state << 32 (process-local).
    seen: AtomicU64,
}

fn pack_seen(w: Word) -> u64 {
    u64::from(w.generation()) | (w.kind() << 32)
}

impl Extra {
    /// Whether the region's breaker moved past what this process heard.
    #[inline(always)]
    pub(crate) fn behind(&self, w: Word) -> bool {
        self.seen.load(Ordering::Relaxed) as u32 != w.generation()
    }

    /// Logs transition `t` into generation `gen`.
    pub(crate) fn log(&self, gen: u32, t: Transition) {
        if let Some(r) = self.sh.log.get(gen as usize % LOG) {
            r.at_ns.store(t.at_ns, Ordering::Release);
            let meta = (1u64 << 63)
                | (u64::from(gen & GEN_MASK) << 8)
                | ((t.from as u64) << 4)
                | t.to as u64;
            r.meta.store(meta, Ordering::Release);
        }
    }

    /// The logged transition into `gen`, if the log still has it.
    fn logged(&self, gen: u32) -> Option<Transition> {
        let r = self.sh.log.get(gen as usize % LOG)?;
        let m1 = r.meta.load(Ordering::Acquire);
        let at = r.at_ns.load(Ordering::Acquire);
        let m2 = r.meta.load(Ordering::Acquire);
        if m1 != m2 || m1 >> 63 == 0 || ((m1 >> 8) as u32 & GEN_MASK) != gen {
            return None;
        }
        Some(Transition {
            from: State::from_code((m1 >> 4) & 0xF)?,
            to: State::from_code(m1 & 0xF)?,
            at_ns: at,
        })
    }

    pub(crate) fn note_probe(&self, slot: u32, gen: u32) {
        let (_, me) = holder::me();
        let i = slot as usize;
        if let (Some(h), Some(g)) = (self.sh.probe_holder.get(i), self.sh.probe_gen.get(i)) {
            g.store(u64::MAX, Ordering::Release);
            h.store(me, Ordering::Release);
            g.store(u64::from(gen), Ordering::Release);
        }
    }

    /// The holder of probe `slot`, if recorded for generation `gen`.
    fn probe_holder(&self, slot: usize, gen: u32) -> Option<u64> {
        let g = self.sh.probe_gen.get(slot)?;
        let h = self.sh.probe_holder.get(slot)?;
        let g1 = g.load(Ordering::Acquire);
        let who = h.load(Ordering::Acquire);
        let g2 = g.load(Ordering::Acquire);
        (g1 == g2 && g1 == u64::from(gen) && who != 0).then_some(who)
    }
}

/// The config words a breaker's slot records (checked on attach).
fn cfg_words(cfg: &Config) -> [(&'static str, Cfg); 13] {
    let d = |d: std::time::Duration| Cfg::U64(duration_to_ns(d));
    [
        (
            "failure_rate_threshold",
            Cfg::OptF64(cfg.failure_rate_threshold),
        ),
        (
            "slow_call_rate_threshold",
            Cfg::OptF64(cfg.slow_call_rate_threshold),
        ),
        (
            "slow_call_duration_threshold",
            d(cfg.slow_call_duration_threshold),
        ),
        (
            "window_kind",
            Cfg::U64(match cfg.window_kind {
                WindowKind::CountBased => 0,
                WindowKind::TimeBased => 1,
            }),
        ),
        ("window_size", Cfg::U64(cfg.window_size)),
        (
            "minimum_number_of_calls",
            Cfg::U64(cfg.minimum_number_of_calls),
        ),
        (
            "failure_count_threshold",
            Cfg::OptU64(cfg.failure_count_threshold),
        ),
        (
            "failure_count_period",
            Cfg::OptU64(cfg.failure_count_period.map(duration_to_ns)),
        ),
        ("open_duration", d(cfg.open_duration)),
        (
            "open_duration_multiplier",
            Cfg::F64(cfg.open_duration_multiplier),
        ),
        (
            "max_open_duration",
            Cfg::OptU64(cfg.max_open_duration.map(duration_to_ns)),
        ),
        ("half_open_max_calls", Cfg::U64(cfg.half_open_max_calls)),
        ("success_threshold", Cfg::U64(cfg.success_threshold)),
    ]
}

impl CircuitBreaker {
    /// The breaker `name` in a shared region: one state for every process
    /// that attaches, on the host's `CLOCK_MONOTONIC`. A breaker opened by
    /// one process rejects in all the others at their next call; each
    /// process's listeners hear every transition once (see
    /// [`poll_transitions`](Self::poll_transitions)). Attaching with
    /// another config is `InvalidConfig` naming the field.
    pub fn in_region(cfg: Config, region: &SharedRegion, name: &str) -> Result<Self> {
        Self::in_region_with_clock(cfg, crate::shm::region_clock(), region, name)
    }

    /// [`in_region`](Self::in_region) on the given clock (a
    /// [`ManualClock`](crate::ManualClock) in tests).
    pub fn in_region_with_clock(
        cfg: Config,
        clock: impl Into<ClockSource>,
        region: &SharedRegion,
        name: &str,
    ) -> Result<Self> {
        // Validates, and gives the heap breaker whose fields we replace.
        let mut cb = Self::with_clock(cfg, clock)?;
        let cfg = cb.cfg.clone();
        let head = size_of::<Shared>().next_multiple_of(128);
        let win = match cfg.window_kind {
            WindowKind::CountBased => CountWindow::region_bytes(cfg.window_size),
            WindowKind::TimeBased => TimeWindow::region_bytes(cfg.window_size),
        };
        let ring_n = match (cfg.failure_count_threshold, cfg.failure_count_period) {
            (Some(n), Some(_)) => Some(n),
            _ => None,
        };
        let ring = ring_n.map_or(0, FailureRing::region_bytes);
        let base_open_ns = cb.base_open_ns;
        let fields = cfg_words(&cfg);
        let slot = region.slot(
            SlotKind::CircuitBreaker,
            name,
            &fields,
            head + win + ring,
            |slot| {
                let sh = slot.view::<Shared>(0)?;
                sh.word
                    .store(Word::new(State::Closed, 0).0, Ordering::Release);
                sh.deadline_gen.store(NO_GEN, Ordering::Release);
                sh.cur_open_ns.store(base_open_ns, Ordering::Release);
                if cfg.window_kind == WindowKind::CountBased {
                    CountWindow::in_slot(cfg.window_size, slot, head, true)?;
                }
                Ok(())
            },
        )?;
        let sh = slot.view::<Shared>(0)?;
        cb.word = Place::Region(sh.project(|s| &s.word.0));
        cb.deadline_ns = Place::Region(sh.project(|s| &s.deadline_ns));
        cb.deadline_gen = Place::Region(sh.project(|s| &s.deadline_gen));
        cb.cur_open_ns = Place::Region(sh.project(|s| &s.cur_open_ns));
        cb.counters = Place::Region(sh.project(|s| &s.counters));
        cb.window = match cfg.window_kind {
            WindowKind::CountBased => {
                RateWindow::Count(CountWindow::in_slot(cfg.window_size, &slot, head, false)?)
            }
            WindowKind::TimeBased => {
                RateWindow::Time(TimeWindow::in_slot(cfg.window_size, &slot, head)?)
            }
        };
        cb.ring = match ring_n {
            Some(n) => Some(FailureRing::in_slot(n, &slot, head + win)?),
            None => None,
        };
        let seen = pack_seen(Word(sh.word.load(Ordering::Acquire)));
        cb.shared = Some(Box::new(Extra {
            sh,
            seen: AtomicU64::new(seen),
        }));
        Ok(cb)
    }

    /// Whether this breaker's state is in a shared region.
    pub fn is_shared(&self) -> bool {
        self.word.is_shared()
    }

    /// In a shared region: frees now the half-open probe slots held by
    /// processes that have died, and returns how many. A half-open breaker
    /// with every probe slot taken does this on its own when it rejects, at
    /// most every 100 ms. 0 on the heap.
    pub fn reclaim_dead_probes(&self) -> u32 {
        self.reclaim_probes(self.load(), true)
    }

    pub(super) fn reclaim_probes_in(&self, x: &Extra, w: Word, force: bool) -> u32 {
        if w.state() != State::HalfOpen
            || (!force && !holder::scan_due(&x.sh.last_scan, self.clock.now_ns()))
        {
            return 0;
        }
        let gen = w.generation();
        let in_flight = w.taken() & !w.succeeded();
        let mut freed = 0;
        for slot in 0..PROBES.min(self.cfg.half_open_max_calls as usize) {
            if in_flight & (1 << slot) == 0 {
                continue;
            }
            let Some(who) = x.probe_holder(slot, gen) else {
                continue;
            };
            if holder::is_dead(who) {
                let p = super::Permit::new(State::HalfOpen, slot as u8, gen);
                self.release_probe(self.load(), p);
                freed += 1;
            }
        }
        freed
    }

    /// Fires this process's listeners for the transitions since the last
    /// one it heard, up to `w` (one thread of the process does it; the
    /// others go on).
    #[cold]
    #[inline(never)]
    pub(super) fn catch_up(&self, x: &Extra, w: Word) {
        let seen = x.seen.load(Ordering::Acquire);
        let from_gen = seen as u32;
        let to_gen = w.generation();
        if from_gen == to_gen {
            return;
        }
        let n = to_gen.wrapping_sub(from_gen) & GEN_MASK;
        let mut events = Vec::new();
        let mut last = State::from_code(seen >> 32).unwrap_or(State::Closed);
        let mut heard = from_gen;
        if n as usize <= LOG {
            for k in 1..=n {
                let g = from_gen.wrapping_add(k) & GEN_MASK;
                match x.logged(g) {
                    Some(t) => {
                        last = t.to;
                        heard = g;
                        events.push(t);
                    }
                    // Not logged yet by the process that made it: try
                    // again at the next call.
                    None if g == to_gen => break,
                    // Missing (its maker died before logging it): skip.
                    None => heard = g,
                }
            }
        } else {
            // Missed more than the log keeps: one net transition.
            if last != w.state() {
                events.push(Transition {
                    from: last,
                    to: w.state(),
                    at_ns: self.clock.now_ns(),
                });
            }
            last = w.state();
            heard = to_gen;
        }
        if heard == from_gen {
            return;
        }
        let next = u64::from(heard) | ((last as u64) << 32);
        if x.seen
            .compare_exchange(seen, next, Ordering::AcqRel, Ordering::Acquire)
            .is_err()
        {
            return; // another thread of this process fires them
        }
        for t in events {
            self.notify(t);
        }
    }
}

/// A thread that runs [`CircuitBreaker::poll_transitions`] on a timer, so
/// this process's listeners hear other processes' transitions even while
/// it makes no calls. Stops (and joins the thread) when dropped, or when
/// the breaker is gone.
#[derive(Debug)]
pub struct TransitionWatcher {
    stop: std::sync::Arc<std::sync::atomic::AtomicBool>,
    thread: Option<std::thread::JoinHandle<()>>,
}

impl Drop for TransitionWatcher {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::Release);
        if let Some(t) = self.thread.take() {
            t.thread().unpark();
            let _ = t.join();
        }
    }
}

impl CircuitBreaker {
    /// Starts a [`TransitionWatcher`]: every `every` (at least 1 ms), this
    /// process's listeners hear the transitions other processes made to
    /// this breaker in its region (on the watcher's thread). Without one,
    /// they hear them at this process's next call. Nothing to watch on the
    /// heap: the thread then only waits to be stopped. `InvalidArgument`
    /// when the thread cannot be started.
    pub fn watch_transitions(
        self: &std::sync::Arc<Self>,
        every: std::time::Duration,
    ) -> Result<TransitionWatcher> {
        let every = every.max(std::time::Duration::from_millis(1));
        let stop = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
        let weak = std::sync::Arc::downgrade(self);
        let flag = std::sync::Arc::clone(&stop);
        let thread = std::thread::Builder::new()
            .name("seawall-breaker-watch".into())
            .spawn(move || {
                while !flag.load(Ordering::Acquire) {
                    match weak.upgrade() {
                        Some(cb) => cb.poll_transitions(),
                        None => return,
                    }
                    std::thread::park_timeout(every);
                }
            })
            .map_err(|e| {
                crate::error::Error::argument("every", format!("no watcher thread: {e}"))
            })?;
        Ok(TransitionWatcher {
            stop,
            thread: Some(thread),
        })
    }
}
