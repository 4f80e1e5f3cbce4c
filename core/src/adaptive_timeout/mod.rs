//! Adaptive timeout: the timeout to use now, from the latencies of recent
//! calls.
//!
//! `timeout = clamp(floor(P × multiplier), min_timeout, max_timeout)` where
//! `P` is the configured percentile of the latencies recorded in the current
//! and the previous window, read from a lock-free log-bucketed histogram
//! (relative error at most 1/32, always rounding up). While fewer than
//! `min_samples` latencies are in those two windows (at start, or after two
//! quiet windows) the timeout is `initial_timeout`.
//!
//! Windows are numbered `floor((now - created) / window)`. Three histograms
//! rotate: window `w` writes histogram `w % 3`, queries read windows `w` and
//! `w − 1`, and the third (holding `w − 2`) is cleared ahead of time for
//! `w + 1`. So a latency counts for between one and two windows, then
//! disappears, and a record never waits for or races with a clear while
//! windows follow each other. See `spec/adaptive_timeout.md` for the exact
//! percentile definition every binding reproduces.
//!
//! ```
//! use seawall::adaptive_timeout::{AdaptiveTimeout, AdaptiveTimeoutConfig};
//! use seawall::clock::ManualClock;
//! use std::time::Duration;
//! let cfg = AdaptiveTimeoutConfig { min_samples: 2, min_timeout: Duration::from_millis(1), ..Default::default() };
//! let at = AdaptiveTimeout::with_clock(cfg, ManualClock::new())?;
//! assert_eq!(at.timeout(), Duration::from_secs(5)); // initial
//! at.record(Duration::from_millis(100));
//! at.record(Duration::from_millis(100));
//! // p95 of {100 ms, 100 ms} = bucket upper bound 100_663_295 ns, × 1.5
//! assert_eq!(at.timeout(), Duration::from_nanos(150_994_942));
//! # Ok::<(), seawall::Error>(())
//! ```

mod config;
pub mod histogram;

pub use config::{AdaptiveTimeoutConfig, MAX_MIN_SAMPLES, MIN_WINDOW};

use crate::clock::{duration_to_ns, Clock, ClockSource};
use crate::error::Result;
use crate::sync::{AtomicU64, Ordering};
use histogram::{Histogram, View, RESETTING};
use std::time::Duration;

/// A snapshot of an adaptive timeout.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct AdaptiveTimeoutMetrics {
    /// Latencies in the current and previous window.
    pub samples: u64,
    /// Latencies recorded since creation.
    pub total: u64,
    /// Median of the recent latencies (bucket upper bound); zero when there
    /// are no samples.
    pub p50: Duration,
    /// 95th percentile, same rules.
    pub p95: Duration,
    /// 99th percentile, same rules.
    pub p99: Duration,
    /// The timeout [`AdaptiveTimeout::timeout`] returns now.
    pub timeout: Duration,
}

/// Tracks recent latencies and answers the timeout to use. See the
/// [module docs](self).
#[derive(Debug)]
pub struct AdaptiveTimeout {
    cfg: AdaptiveTimeoutConfig,
    clock: ClockSource,
    created_ns: u64,
    window_ns: u64,
    min_ns: u64,
    max_ns: u64,
    /// The highest window number seen (time never goes back).
    last_window: AtomicU64,
    total: AtomicU64,
    /// Window `w` writes `hist[w % 3]`; queries read `w` and `w - 1`; the
    /// third, holding `w - 2`, is cleared ahead for `w + 1` (see `roll`).
    hist: [Histogram; 3],
}

impl AdaptiveTimeout {
    /// An adaptive timeout on the fast in-process clock ([`ClockSource::fast`](crate::ClockSource::fast)).
    pub fn new(cfg: AdaptiveTimeoutConfig) -> Result<Self> {
        Self::with_clock(cfg, ClockSource::fast())
    }

    /// An adaptive timeout on `clock`; the first window starts now.
    pub fn with_clock(cfg: AdaptiveTimeoutConfig, clock: impl Into<ClockSource>) -> Result<Self> {
        cfg.validate()?;
        let clock = clock.into();
        Ok(Self {
            created_ns: clock.now_ns(),
            clock,
            window_ns: duration_to_ns(cfg.window).max(1),
            min_ns: duration_to_ns(cfg.min_timeout),
            max_ns: duration_to_ns(cfg.max_timeout),
            cfg,
            last_window: AtomicU64::new(0),
            total: AtomicU64::new(0),
            hist: [fresh(0), fresh(1), fresh(2)],
        })
    }

    /// The validated configuration.
    pub fn config(&self) -> &AdaptiveTimeoutConfig {
        &self.cfg
    }

    /// Records the latency of one completed call. Lock-free, no allocation:
    /// two relaxed `fetch_add`s, plus clearing a histogram once per window.
    ///
    /// A record is not dropped while windows follow each other: each
    /// window's histogram is cleared ahead of time, while the window before
    /// it runs. Only the first window after an idle gap (no record or query
    /// for a whole window) clears its histogram on its first record, and a
    /// record racing with that clear is dropped (`total` still counts it).
    pub fn record(&self, latency: Duration) {
        self.record_ns(duration_to_ns(latency));
    }

    /// [`record`](Self::record) with integer nanoseconds.
    pub fn record_ns(&self, latency_ns: u64) {
        self.total.fetch_add(1, Ordering::Relaxed);
        let w = self.window_at(self.clock.now_ns());
        let Some(h) = self.slot(w) else {
            return;
        };
        let want = w.saturating_add(1);
        if h.tag.load(Ordering::Acquire) == want || claim_and_clear(h, want) {
            h.add(latency_ns);
        }
        // Else another thread is clearing it (only after an idle gap, see
        // `roll`), or it holds a newer window than this late record: drop.
    }

    /// The histogram of window `w`.
    fn slot(&self, w: u64) -> Option<&Histogram> {
        self.hist.get((w % 3) as usize)
    }

    /// Entering window `w`: clears, ahead of time, the histogram window
    /// `w + 1` will write. It holds window `w − 2`, which no query reads and
    /// no current record writes, so the clear races with nothing and window
    /// `w + 1`'s records find it ready. Wait-free: one CAS and a fixed
    /// number of stores, done once per window by the thread that moved the
    /// window number.
    fn roll(&self, w: u64) {
        if let Some(h) = self.slot(w.saturating_add(1)) {
            let want = w.saturating_add(2);
            if h.tag.load(Ordering::Acquire) < want {
                claim_and_clear(h, want);
            }
        }
    }

    /// The timeout to use for a call starting now. Lock-free, no
    /// allocation; reads at most 2 × (58 majors + 32 buckets) counters.
    pub fn timeout(&self) -> Duration {
        let view = self.view(self.clock.now_ns());
        let n = view.count();
        Duration::from_nanos(self.timeout_ns(&view, n))
    }

    /// A snapshot: recent sample count, p50/p95/p99 and the timeout, all
    /// from one clock reading.
    pub fn metrics(&self) -> AdaptiveTimeoutMetrics {
        let view = self.view(self.clock.now_ns());
        let n = view.count();
        let pct = |p: f64| Duration::from_nanos(view.percentile(p, n).unwrap_or(0));
        AdaptiveTimeoutMetrics {
            samples: n,
            total: self.total.load(Ordering::Relaxed),
            p50: pct(0.5),
            p95: pct(0.95),
            p99: pct(0.99),
            timeout: Duration::from_nanos(self.timeout_ns(&view, n)),
        }
    }

    // ---- internals -------------------------------------------------------

    /// The window number at `now`, never below one already seen.
    fn window_at(&self, now: u64) -> u64 {
        let w = now.saturating_sub(self.created_ns) / self.window_ns;
        let last = self.last_window.load(Ordering::Relaxed);
        if w > last {
            let prev = self.last_window.fetch_max(w, Ordering::Relaxed);
            if prev < w {
                self.roll(w);
            }
            prev.max(w)
        } else {
            last
        }
    }

    /// The histograms holding window `w` and `w - 1`.
    fn view(&self, now: u64) -> View<'_> {
        let w = self.window_at(now);
        let live = |window: u64| {
            self.slot(window)
                .filter(|h| h.tag.load(Ordering::Acquire) == window.saturating_add(1))
        };
        View {
            parts: [live(w), w.checked_sub(1).and_then(live)],
        }
    }

    fn timeout_ns(&self, view: &View<'_>, n: u64) -> u64 {
        if n < self.cfg.min_samples {
            return duration_to_ns(self.cfg.initial_timeout);
        }
        match view.percentile(self.cfg.percentile, n) {
            // `as` saturates: NaN cannot occur (finite × finite >= 0).
            Some(p) => {
                ((p as f64 * self.cfg.multiplier).floor() as u64).clamp(self.min_ns, self.max_ns)
            }
            None => duration_to_ns(self.cfg.initial_timeout),
        }
    }
}

/// Tags `h` as window `want − 1` being cleared, clears it and tags it
/// ready. `false` when another thread got there first (it is clearing it,
/// or it already holds `want` or a newer window).
fn claim_and_clear(h: &Histogram, want: u64) -> bool {
    let mut tag = h.tag.load(Ordering::Acquire);
    loop {
        if tag & RESETTING != 0 || tag >= want {
            return false;
        }
        match h
            .tag
            .compare_exchange(tag, want | RESETTING, Ordering::AcqRel, Ordering::Acquire)
        {
            Ok(_) => {
                h.clear();
                h.tag.store(want, Ordering::Release);
                return true;
            }
            Err(actual) => tag = actual,
        }
    }
}

/// An empty histogram already tagged as holding `window`: nothing to
/// clear when that window's first records arrive, so none can race with a
/// clear and be dropped.
fn fresh(window: u64) -> Histogram {
    let h = Histogram::new();
    h.tag.store(window + 1, Ordering::Relaxed);
    h
}

#[cfg(test)]
mod tests;
