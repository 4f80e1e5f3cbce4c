//! Blocking `Bulkhead::acquire` on real threads and real time.

use seawall::bulkhead::{Admission, Bulkhead, BulkheadConfig};
use seawall::Error;
use std::sync::{Arc, Mutex};
use std::time::Duration;

fn bh(max_concurrent: u64, max_queue: u64) -> Arc<Bulkhead> {
    let cfg = BulkheadConfig {
        max_concurrent,
        max_queue,
        max_wait: Duration::from_secs(10),
    };
    match Bulkhead::new(cfg) {
        Ok(b) => Arc::new(b),
        Err(e) => unreachable!("{e}"),
    }
}

fn wait_queued(b: &Bulkhead, n: u64) {
    while b.metrics().queued < n {
        std::thread::yield_now();
    }
}

#[test]
fn waiter_gets_the_slot_another_thread_releases() {
    let b = bh(1, 1);
    let holder = b.try_acquire_owned().ok();
    let b2 = Arc::clone(&b);
    let t = std::thread::spawn(move || b2.acquire(Duration::from_secs(10)).map(drop));
    wait_queued(&b, 1);
    drop(holder);
    assert_eq!(t.join().ok(), Some(Ok(())));
    let m = b.metrics();
    assert_eq!((m.active, m.queued, m.total, m.rejected), (0, 0, 2, 0));
}

#[test]
fn waiters_are_served_in_arrival_order() {
    let b = bh(1, 8);
    let holder = b.try_acquire_owned().ok();
    let order = Arc::new(Mutex::new(Vec::new()));
    let mut threads = Vec::new();
    for i in 0..5u32 {
        let (b2, order2) = (Arc::clone(&b), Arc::clone(&order));
        threads.push(std::thread::spawn(move || {
            let p = b2.acquire_owned(Duration::from_secs(10));
            if let Ok(mut o) = order2.lock() {
                o.push(i);
            }
            drop(p);
        }));
        // the next thread queues only after this one did
        wait_queued(&b, u64::from(i) + 1);
    }
    // a newcomer cannot jump the queue while people wait
    assert_eq!(b.try_acquire().err(), Some(Error::BulkheadFull));
    drop(holder);
    for t in threads {
        assert!(t.join().is_ok());
    }
    let got = order.lock().map(|o| o.clone()).unwrap_or_default();
    assert_eq!(got, vec![0, 1, 2, 3, 4]);
    assert_eq!(b.metrics().active, 0);
}

#[test]
fn wait_times_out_in_real_time_and_leaves_the_queue() {
    let b = bh(1, 1);
    let _holder = b.try_acquire();
    let r = b.acquire(Duration::from_millis(30));
    assert_eq!(r.err(), Some(Error::BulkheadFull));
    let m = b.metrics();
    assert_eq!((m.active, m.queued, m.rejected), (1, 0, 1));
}

#[test]
fn full_queue_rejects_at_once() {
    let b = bh(1, 1);
    let holder = b.try_acquire_owned().ok();
    let b2 = Arc::clone(&b);
    let t = std::thread::spawn(move || b2.acquire(Duration::from_secs(10)).map(drop));
    wait_queued(&b, 1);
    // queue (1) is full: rejected without waiting 10 s
    assert_eq!(
        b.acquire(Duration::from_secs(10)).err(),
        Some(Error::BulkheadFull)
    );
    drop(holder);
    assert_eq!(t.join().ok(), Some(Ok(())));
}

#[test]
fn owned_waiter_wait_is_woken_by_release() {
    let b = bh(1, 1);
    let holder = b.try_acquire_owned().ok();
    let Ok(Admission::Queued(w)) = b.enqueue_owned() else {
        unreachable!()
    };
    let t = std::thread::spawn(move || w.wait(Duration::from_secs(10)).map(drop));
    drop(holder);
    assert_eq!(t.join().ok(), Some(Ok(())));
    assert_eq!(b.metrics().active, 0);
}
