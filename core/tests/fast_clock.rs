//! The fast in-process clock (`FastClock`, spec/README.md "Time"): the
//! forced fallback reads CLOCK_MONOTONIC; the TSC is used exactly when the
//! host vouches for it; the rate is CLOCK_MONOTONIC's. That it never goes
//! back across threads (with the counter reads under it) is tested next to
//! those reads, in `core/src/ordered_tsc.rs`.
#![allow(clippy::unwrap_used)]

use seawall::clock::{tsc_trusted, Clock, ClockSource, FastClock, ManualClock, MonotonicClock};

#[test]
fn the_forced_fallback_reads_clock_monotonic() {
    let fb = FastClock::fallback();
    assert!(!fb.uses_tsc());
    for _ in 0..1000 {
        let a = MonotonicClock.now_ns();
        let b = fb.now_ns();
        let c = MonotonicClock.now_ns();
        assert!(a <= b && b <= c, "{a} {b} {c}");
    }
}

fn host_file(path: &str) -> String {
    std::fs::read_to_string(path).unwrap_or_default()
}

#[test]
fn the_tsc_is_used_exactly_when_the_host_vouches_for_it() {
    let trusted = cfg!(all(target_arch = "x86_64", target_os = "linux"))
        && std::env::var_os("SEAWALL_CLOCK").is_none_or(|v| v != "monotonic")
        && tsc_trusted(
            &host_file("/sys/devices/system/clocksource/clocksource0/current_clocksource"),
            &host_file("/proc/cpuinfo"),
        );
    assert_eq!(FastClock::new().uses_tsc(), trusted);
}

#[test]
fn the_fast_clock_runs_at_clock_monotonic_rate() {
    // Both clocks read within a few µs of each other at each end (retried
    // when the thread was descheduled between the reads), 20 ms apart.
    let pair = || loop {
        let a = MonotonicClock.now_ns();
        let f = FastClock::new().now_ns();
        let b = MonotonicClock.now_ns();
        if b - a < 5_000 {
            return (a, f, b);
        }
    };
    let (a0, f0, b0) = pair();
    std::thread::sleep(std::time::Duration::from_millis(20));
    let (a1, f1, b1) = pair();
    let fast = f1 - f0;
    let (lo, hi) = (a1.saturating_sub(b0), b1 - a0);
    // Within 0.1 % of the CLOCK_MONOTONIC interval (the calibration's rate
    // error was 12–34 ppm where measured), plus the bracketing.
    let slack = hi / 1000;
    assert!(
        fast + slack >= lo && fast <= hi + slack,
        "fast {fast} ns, monotonic {lo}..{hi} ns"
    );
    // It starts at CLOCK_MONOTONIC's time (calibrated to it), not at 0.
    assert!(f0 > 0);
}

#[test]
fn stopwatch_reads_a_manual_clock_as_is() {
    let m = ManualClock::starting_at_ns(7);
    let src = ClockSource::from(&m);
    assert_eq!(src.stopwatch_ns(u64::MAX), 7);
    assert_eq!(src.stopwatch_ns(0), 7);
    assert_eq!(m.reads(), 2);
}

#[test]
fn stopwatch_on_a_host_clock_never_goes_back_and_lags_monotonic_by_less_than_a_tick() {
    for src in [ClockSource::fast(), ClockSource::Monotonic] {
        // Huge threshold: the coarse clock (on Linux); it is CLOCK_MONOTONIC
        // as of the last tick, so never ahead of it and never far behind.
        let mut prev = 0;
        for _ in 0..1000 {
            let c = src.stopwatch_ns(u64::MAX);
            let m = MonotonicClock.now_ns();
            assert!(c >= prev);
            assert!(c <= m, "{c} {m}");
            assert!(m - c < 1_000_000_000, "{c} {m}");
            prev = c;
        }
        // Threshold 0: the clock itself.
        let a = src.stopwatch_ns(0);
        assert!(src.stopwatch_ns(0) >= a);
    }
}
