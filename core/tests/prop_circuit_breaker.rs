//! Properties of the circuit breaker under random operation sequences:
//! only legal transitions occur, half-open admits at most
//! `half_open_max_calls` probes per episode, and permits from an earlier
//! generation never change the state.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use proptest::prelude::*;
use seawall::circuit_breaker::{
    CircuitBreaker, Config, Outcome, Permit, State, Transition, WindowKind,
};
use seawall::ManualClock;
use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

#[derive(Debug, Clone)]
enum Op {
    Acquire,
    Record(usize, Outcome, u64),
    Release(usize),
    Advance(u64),
    ForceOpen,
    Disable,
    MetricsOnly,
    Reset,
}

fn op() -> impl Strategy<Value = Op> {
    let outcome = prop_oneof![
        3 => Just(Outcome::Failure),
        3 => Just(Outcome::Success),
        1 => Just(Outcome::Ignored)
    ];
    prop_oneof![
        8 => Just(Op::Acquire),
        8 => (any::<usize>(), outcome, 0u64..3_000).prop_map(|(i, o, d)| Op::Record(i, o, d)),
        2 => any::<usize>().prop_map(Op::Release),
        4 => (0u64..4_000).prop_map(Op::Advance),
        1 => Just(Op::ForceOpen),
        1 => Just(Op::Disable),
        1 => Just(Op::MetricsOnly),
        1 => Just(Op::Reset),
    ]
}

fn config() -> impl Strategy<Value = Config> {
    (
        1u64..6,
        prop::option::of(1u64..4),
        prop::option::of(500u64..5_000),
        1u64..=4,
        any::<bool>(),
        1u64..4,
        1.0f64..3.0,
        prop::option::of(0.2f64..=1.0),
    )
        .prop_flat_map(
            |(window, count, period, max_calls, time_based, open_s, mult, slow)| {
                (1..=max_calls, 1..=window).prop_map(move |(succ, min_calls)| Config {
                    failure_rate_threshold: Some(0.5),
                    slow_call_rate_threshold: slow,
                    slow_call_duration_threshold: Duration::from_millis(1_000),
                    window_kind: if time_based {
                        WindowKind::TimeBased
                    } else {
                        WindowKind::CountBased
                    },
                    window_size: window,
                    minimum_number_of_calls: min_calls,
                    failure_count_threshold: count,
                    failure_count_period: count.and(period.map(Duration::from_millis)),
                    open_duration: Duration::from_secs(open_s),
                    open_duration_multiplier: mult,
                    max_open_duration: Some(Duration::from_secs(open_s * 4)),
                    half_open_max_calls: max_calls,
                    success_threshold: succ,
                })
            },
        )
}

fn legal_automatic(t: &Transition) -> bool {
    matches!(
        (t.from, t.to),
        (State::Closed, State::Open)
            | (State::Open, State::HalfOpen)
            | (State::HalfOpen, State::Open)
            | (State::HalfOpen, State::Closed)
    )
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 256, ..ProptestConfig::default() })]

    #[test]
    fn breaker_invariants(cfg in config(), ops in prop::collection::vec(op(), 1..120)) {
        let clock = ManualClock::new();
        let max_calls = cfg.half_open_max_calls;
        let cb = CircuitBreaker::with_clock(cfg, &clock).unwrap();
        let log: Arc<Mutex<Vec<Transition>>> = Arc::default();
        let l2 = Arc::clone(&log);
        cb.on_transition(Box::new(move |t| l2.lock().unwrap().push(t)));

        // Bumped on every transition and every reset: a permit taken in an
        // older epoch has a stale generation.
        let mut epoch = 0u64;
        let mut pool: Vec<(Permit, u64)> = Vec::new();
        // Per half-open episode (permit generation): probes issued, returned.
        let mut probes: HashMap<u32, (u64, u64)> = HashMap::new();
        let mut state = State::Closed;

        for op in ops {
            let before = log.lock().unwrap().len();
            let m_before = cb.metrics();
            let mut stale = false;
            match &op {
                Op::Acquire => {
                    if let Ok(p) = cb.try_acquire() {
                        let new_epoch = epoch + (log.lock().unwrap().len() - before) as u64;
                        if p.is_probe() {
                            let e = probes.entry(p.generation()).or_default();
                            e.0 += 1;
                            prop_assert!(e.0 - e.1 <= max_calls, "episode admitted {} probes, {} returned", e.0, e.1);
                        }
                        pool.push((p, new_epoch));
                    }
                }
                Op::Record(i, ..) | Op::Release(i) if !pool.is_empty() => {
                    let (p, e) = pool.swap_remove(i % pool.len());
                    stale = e != epoch;
                    let returned = match &op {
                        Op::Record(_, o, d) => {
                            cb.record(p, *o, Duration::from_millis(*d));
                            *o == Outcome::Ignored
                        }
                        _ => {
                            cb.release(p);
                            true
                        }
                    };
                    if p.is_probe() && returned && !stale {
                        probes.entry(p.generation()).or_default().1 += 1;
                    }
                }
                Op::Record(..) | Op::Release(_) => {}
                Op::Advance(ms) => clock.advance(Duration::from_millis(*ms)),
                Op::ForceOpen => cb.force_open(),
                Op::Disable => cb.disable(),
                Op::MetricsOnly => cb.metrics_only(),
                Op::Reset => cb.reset(),
            }
            let log_now = log.lock().unwrap().clone();
            let new = &log_now[before..];
            // Transitions chain: each starts where the previous ended.
            for t in new {
                prop_assert_eq!(t.from, state, "transition {} does not start at {}", t, state);
                prop_assert_ne!(t.from, t.to);
                state = t.to;
            }
            prop_assert_eq!(cb.state(), state);
            match &op {
                Op::Acquire => {
                    prop_assert!(new.len() <= 1);
                    prop_assert!(new.iter().all(|t| (t.from, t.to) == (State::Open, State::HalfOpen)), "{:?}", new);
                }
                Op::Record(..) => {
                    prop_assert!(new.len() <= 1);
                    prop_assert!(new.iter().all(|t| legal_automatic(t) && t.from != State::Open), "{:?}", new);
                }
                Op::Release(_) | Op::Advance(_) => prop_assert!(new.is_empty(), "{:?}", new),
                Op::ForceOpen | Op::Disable | Op::MetricsOnly | Op::Reset => {
                    let target = match op {
                        Op::ForceOpen => State::ForcedOpen,
                        Op::Disable => State::Disabled,
                        Op::MetricsOnly => State::MetricsOnly,
                        _ => State::Closed,
                    };
                    prop_assert_eq!(cb.state(), target);
                    prop_assert!(new.len() <= 1);
                    prop_assert_eq!(new.len() == 1, m_before.state != target);
                }
            }
            if stale {
                let m = cb.metrics();
                prop_assert!(new.is_empty(), "stale permit caused {:?}", new);
                prop_assert_eq!(m.state, m_before.state);
                prop_assert_eq!(m.buffered_calls, m_before.buffered_calls);
                prop_assert_eq!(m.buffered_failures, m_before.buffered_failures);
                prop_assert_eq!(m.half_open_in_flight, m_before.half_open_in_flight);
                prop_assert_eq!(m.half_open_successes, m_before.half_open_successes);
            }
            epoch += new.len() as u64;
            if matches!(op, Op::Reset) && new.is_empty() {
                epoch += 1; // reset from closed: new generation, no event
            }
            let m = cb.metrics();
            prop_assert!(u64::from(m.half_open_in_flight + m.half_open_successes) <= max_calls);
            prop_assert_eq!(m.transitions, log_now.len() as u64);
        }
    }
}
