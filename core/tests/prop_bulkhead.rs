//! Properties of the bulkhead under arbitrary single-threaded op sequences:
//! in-flight never exceeds max, the counters add up, FIFO order holds, and
//! every slot comes back.

use proptest::prelude::*;
use seawall::bulkhead::{Admission, Bulkhead, BulkheadConfig, OwnedPermit, OwnedWaiter};
use std::collections::VecDeque;
use std::sync::Arc;
use std::time::Duration;

#[derive(Debug, Clone)]
enum Op {
    TryAcquire,
    Enqueue,
    Release(usize),
    Claim(usize),
    Cancel(usize),
}

fn op() -> impl Strategy<Value = Op> {
    prop_oneof![
        Just(Op::TryAcquire),
        Just(Op::Enqueue),
        any::<usize>().prop_map(Op::Release),
        any::<usize>().prop_map(Op::Claim),
        any::<usize>().prop_map(Op::Cancel),
    ]
}

proptest! {
    #[test]
    fn in_flight_never_exceeds_max_and_counters_add_up(
        max in 1u64..4, queue in 0u64..4, ops in prop::collection::vec(op(), 0..80)
    ) {
        let cfg = BulkheadConfig { max_concurrent: max, max_queue: queue, max_wait: Duration::ZERO };
        let b = Arc::new(Bulkhead::new(cfg).map_err(|e| TestCaseError::fail(e.to_string()))?);
        let mut permits: Vec<OwnedPermit> = Vec::new();
        // waiters in arrival order
        let mut waiters: VecDeque<OwnedWaiter> = VecDeque::new();
        let (mut granted, mut rejected) = (0u64, 0u64);
        for op in ops {
            match op {
                Op::TryAcquire => match (b.metrics().queued, b.try_acquire_owned()) {
                    // nobody jumps the queue
                    (queued, Ok(p)) => { granted += 1; prop_assert_eq!(queued, 0); permits.push(p) }
                    (_, Err(_)) => rejected += 1,
                },
                Op::Enqueue => match b.enqueue_owned() {
                    Ok(Admission::Acquired(p)) => { granted += 1; permits.push(p) }
                    Ok(Admission::Queued(w)) => waiters.push_back(w),
                    Err(_) => rejected += 1,
                },
                Op::Release(i) => if !permits.is_empty() {
                    drop(permits.swap_remove(i % permits.len()));
                },
                Op::Claim(i) => if !waiters.is_empty() {
                    let k = i % waiters.len();
                    // FIFO: the slots handed out went to the oldest waiters,
                    // so exactly the first `handed` waiters can claim.
                    let handed = b.metrics().active - permits.len() as u64;
                    if let Some(w) = waiters.remove(k) {
                        match w.try_claim() {
                            Ok(p) => { granted += 1; prop_assert!((k as u64) < handed); permits.push(p) }
                            Err(w) => { prop_assert!((k as u64) >= handed); waiters.insert(k, w) }
                        }
                    }
                },
                Op::Cancel(i) => if !waiters.is_empty() {
                    let k = i % waiters.len();
                    drop(waiters.remove(k));
                    rejected += 1;
                },
            }
            let m = b.metrics();
            prop_assert!(m.active <= max);
            prop_assert!(m.queued <= queue);
            prop_assert!(permits.len() as u64 <= m.active);
            // each waiter is either queued or holds a handed-over slot
            prop_assert_eq!(m.active + m.queued, (permits.len() + waiters.len()) as u64);
            prop_assert_eq!(m.total, granted);
            prop_assert_eq!(m.rejected, rejected);
        }
        drop(permits);
        drop(waiters);
        let m = b.metrics();
        prop_assert_eq!((m.active, m.queued), (0, 0));
    }
}
