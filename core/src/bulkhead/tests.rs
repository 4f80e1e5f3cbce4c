use super::*;
use crate::clock::ManualClock;

fn bh(max_concurrent: u64, max_queue: u64) -> Arc<Bulkhead> {
    let cfg = BulkheadConfig {
        max_concurrent,
        max_queue,
        max_wait: Duration::ZERO,
    };
    match Bulkhead::with_clock(cfg, ManualClock::new()) {
        Ok(b) => Arc::new(b),
        Err(e) => unreachable!("{e}"),
    }
}

#[test]
fn try_acquire_caps_and_releases_on_drop() {
    let b = bh(2, 0);
    let p1 = b.try_acquire();
    let p2 = b.try_acquire();
    assert!(p1.is_ok() && p2.is_ok());
    assert_eq!(b.try_acquire().err(), Some(Error::BulkheadFull));
    assert_eq!(b.metrics().active, 2);
    drop(p1);
    assert_eq!(b.metrics().active, 1);
    let p3 = b.try_acquire_owned();
    assert!(p3.is_ok());
    drop((p2, p3));
    let m = b.metrics();
    assert_eq!(
        (m.active, m.queued, m.total, m.rejected, m.max_concurrent),
        (0, 0, 3, 1, 2)
    );
}

#[test]
fn explicit_release_consumes_the_permit() {
    let b = bh(1, 0);
    if let Ok(p) = b.try_acquire_owned() {
        assert!(Arc::ptr_eq(p.bulkhead(), &b));
        p.release();
    }
    assert_eq!(b.metrics().active, 0);
    if let Ok(p) = b.try_acquire() {
        p.release();
    }
    assert_eq!(b.metrics().active, 0);
}

#[test]
fn queue_hands_slot_to_oldest_waiter_not_to_newcomer() {
    let b = bh(1, 2);
    let holder = b.try_acquire_owned();
    assert!(holder.is_ok());
    let Ok(Admission::Queued(w1)) = b.enqueue_owned() else {
        unreachable!()
    };
    let Ok(Admission::Queued(w2)) = b.enqueue_owned() else {
        unreachable!()
    };
    // queue full
    assert!(matches!(b.enqueue_owned(), Err(Error::BulkheadFull)));
    assert_eq!(b.metrics().queued, 2);
    drop(holder);
    // slot handed to w1: still counted active, newcomer rejected
    let m = b.metrics();
    assert_eq!((m.active, m.queued), (1, 1));
    assert!(b.try_acquire().is_err());
    // w2 is not served before w1
    let w2 = match w2.try_claim() {
        Err(w) => w,
        Ok(_) => unreachable!("w2 served out of order"),
    };
    let p1 = match w1.try_claim() {
        Ok(p) => p,
        Err(_) => unreachable!("w1 not served"),
    };
    drop(p1);
    let p2 = w2.try_claim();
    assert!(p2.is_ok());
    drop(p2);
    let m = b.metrics();
    assert_eq!((m.active, m.queued, m.total, m.rejected), (0, 0, 3, 2));
}

#[test]
fn dropping_a_waiter_leaves_the_queue_or_passes_its_slot_on() {
    let b = bh(1, 3);
    let holder = b.try_acquire_owned();
    let Ok(Admission::Queued(w1)) = b.enqueue_owned() else {
        unreachable!()
    };
    let Ok(Admission::Queued(w2)) = b.enqueue_owned() else {
        unreachable!()
    };
    let Ok(Admission::Queued(w3)) = b.enqueue_owned() else {
        unreachable!()
    };
    drop(w2); // leaves from the middle
    assert_eq!(b.metrics().queued, 2);
    drop(holder); // slot -> w1
    w1.cancel(); // w1 abandons a granted slot -> w3
    let m = b.metrics();
    assert_eq!((m.active, m.queued), (1, 0));
    let p3 = w3.try_claim();
    assert!(p3.is_ok());
    drop(p3);
    let m = b.metrics();
    assert_eq!((m.active, m.queued, m.rejected), (0, 0, 2));
}

#[test]
fn enqueue_acquires_directly_when_room() {
    let b = bh(1, 1);
    let a = b.enqueue_owned();
    assert!(matches!(a, Ok(Admission::Acquired(_))));
    drop(a);
    assert_eq!(b.metrics().active, 0);
}

#[test]
fn zero_queue_or_zero_timeout_rejects_at_once() {
    let b = bh(1, 0);
    let _p = b.try_acquire();
    assert!(matches!(b.enqueue_owned(), Err(Error::BulkheadFull)));
    assert!(b.acquire(Duration::from_secs(3600)).is_err());
    let b = bh(1, 1);
    let _p = b.try_acquire();
    // zero timeout: joins the queue, then times out at once and leaves it
    assert!(b.acquire(Duration::ZERO).is_err());
    assert!(b.acquire_default().is_err());
    assert_eq!(b.metrics().queued, 0);
}

#[test]
fn acquire_times_out_on_the_manual_clock() {
    let clock = ManualClock::new();
    let cfg = BulkheadConfig {
        max_concurrent: 1,
        max_queue: 1,
        max_wait: Duration::from_secs(5),
    };
    let b = match Bulkhead::with_clock(cfg, &clock) {
        Ok(b) => Arc::new(b),
        Err(e) => unreachable!("{e}"),
    };
    let _p = b.try_acquire_owned();
    let b2 = Arc::clone(&b);
    let t = std::thread::spawn(move || b2.acquire_default().map(drop));
    while b.metrics().queued == 0 {
        std::thread::yield_now();
    }
    clock.advance(Duration::from_secs(5));
    assert_eq!(t.join().ok(), Some(Err(Error::BulkheadFull)));
    let m = b.metrics();
    assert_eq!((m.active, m.queued, m.rejected), (1, 0, 1));
}

#[test]
fn config_validation_names_fields() {
    let ok = BulkheadConfig::default();
    assert!(ok.validate().is_ok());
    let cases = [
        (
            BulkheadConfig {
                max_concurrent: 0,
                ..ok
            },
            "max_concurrent",
        ),
        (
            BulkheadConfig {
                max_concurrent: MAX_COUNT + 1,
                ..ok
            },
            "max_concurrent",
        ),
        (
            BulkheadConfig {
                max_concurrent: u64::MAX,
                ..ok
            },
            "max_concurrent",
        ),
        (
            BulkheadConfig {
                max_queue: MAX_COUNT + 1,
                ..ok
            },
            "max_queue",
        ),
        (
            BulkheadConfig {
                max_wait: Duration::MAX,
                ..ok
            },
            "max_wait",
        ),
    ];
    for (cfg, field) in cases {
        let e = Bulkhead::new(cfg).err();
        assert_eq!(e.as_ref().and_then(Error::field), Some(field), "{cfg:?}");
    }
    assert!(Bulkhead::new(BulkheadConfig {
        max_concurrent: MAX_COUNT,
        max_queue: MAX_COUNT,
        ..ok
    })
    .is_ok());
}

#[test]
fn send_sync() {
    fn assert_send_sync<T: Send + Sync>() {}
    assert_send_sync::<Bulkhead>();
    assert_send_sync::<OwnedPermit>();
    assert_send_sync::<OwnedWaiter>();
}
