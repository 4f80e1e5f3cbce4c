//! FaultInjector under concurrent callers: counters add up and every draw
//! of the shared generator is used exactly once.

use seawall::fault::{Fault, FaultInjector, FaultInjectorConfig};
use std::sync::Arc;

#[test]
fn concurrent_decisions_are_all_counted() {
    let cfg = FaultInjectorConfig {
        error_rate: 0.25,
        delay_rate: 0.25,
        seed: Some(11),
        ..Default::default()
    };
    let fi = match FaultInjector::new(cfg) {
        Ok(f) => Arc::new(f),
        Err(e) => unreachable!("{e}"),
    };
    let threads: Vec<_> = (0..4)
        .map(|_| {
            let fi = Arc::clone(&fi);
            std::thread::spawn(move || {
                let mut tally = [0u64; 3];
                for _ in 0..10_000 {
                    match fi.decide() {
                        Fault::None => tally[0] += 1,
                        Fault::Error => tally[1] += 1,
                        Fault::Delay(_) => tally[2] += 1,
                    }
                }
                tally
            })
        })
        .collect();
    let mut sum = [0u64; 3];
    for t in threads {
        let tally = t.join().unwrap_or_default();
        for (s, x) in sum.iter_mut().zip(tally) {
            *s += x;
        }
    }
    let m = fi.metrics();
    assert_eq!(m.decisions, 40_000);
    assert_eq!((m.errors, m.delays), (sum[1], sum[2]));
    assert_eq!(sum.iter().sum::<u64>(), 40_000);
    assert!(m.errors > 9_000 && m.errors < 11_000, "{m:?}");
    // with fixed delays each decision is exactly one draw, so the outcome
    // counts equal those of the same seed drawn sequentially
    let seq = match FaultInjector::new(cfg) {
        Ok(f) => f,
        Err(e) => unreachable!("{e}"),
    };
    let errors = (0..40_000).filter(|_| seq.decide() == Fault::Error).count() as u64;
    assert_eq!(errors, m.errors);
}
