//! `SEAWALL_CLOCK=monotonic` forces the fast clock's fallback (its own test
//! binary: the choice is made once per process, at the first fast clock).
#![allow(clippy::unwrap_used)]

use seawall::clock::{Clock, ClockSource, FastClock, MonotonicClock};

#[test]
fn seawall_clock_monotonic_forces_the_fallback() {
    // Edition 2021: safe; this binary has no other test thread.
    std::env::set_var("SEAWALL_CLOCK", "monotonic");
    let f = FastClock::new();
    assert!(!f.uses_tsc());
    let src = ClockSource::fast();
    for _ in 0..1000 {
        let a = MonotonicClock.now_ns();
        let b = src.now_ns();
        let c = MonotonicClock.now_ns();
        assert!(a <= b && b <= c, "{a} {b} {c}");
    }
}
