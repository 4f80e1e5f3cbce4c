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

fn tiny_counter(max_concurrent: u64, max_queue: u64, grant_bits: u32) -> Bulkhead {
    let cfg = BulkheadConfig {
        max_concurrent,
        max_queue,
        ..Default::default()
    };
    let l = Layout::new(max_concurrent, max_queue);
    let a = l.queued_shift;
    let q = 64 - l.queued_mask.leading_zeros();
    Bulkhead::with_layout(
        Layout::with_grant_bits(a, q, grant_bits),
        cfg,
        ClockSource::Monotonic,
    )
}

#[test]
fn layout_packs_grants_only_when_there_is_room() {
    assert_eq!(Layout::new(64, 0).grant_bits, 56);
    assert_eq!(Layout::new(1, 0).grant_bits, 62);
    assert_eq!(Layout::new(u64::from(u32::MAX), 1_000).grant_bits, 21);
    assert_eq!(Layout::new(u64::from(u32::MAX), 1 << 20).grant_bits, 0);
    assert_eq!(
        Layout::new(u64::from(u32::MAX), u64::from(u32::MAX)).grant_bits,
        0
    );
    // Unpacked: the total still counts every grant.
    let b = Bulkhead::new(BulkheadConfig {
        max_concurrent: u64::from(u32::MAX),
        max_queue: u64::from(u32::MAX),
        ..Default::default()
    })
    .unwrap_or_else(|e| unreachable!("{e}"));
    for _ in 0..5 {
        drop(b.try_acquire());
    }
    let p = b.try_acquire();
    assert_eq!((b.metrics().total, b.metrics().active), (6, 1));
    drop(p);
}

#[test]
fn total_survives_grant_counter_wraps() {
    for bits in [1, 2, 3] {
        let b = tiny_counter(3, 2, bits);
        let mut held = Vec::new();
        for i in 1..=100u64 {
            held.push(b.try_acquire().unwrap_or_else(|e| unreachable!("{e}")));
            if held.len() == 3 {
                held.clear();
            }
            let m = b.metrics();
            assert_eq!(m.total, i, "bits {bits}");
            assert_eq!(m.active, held.len() as u64);
            assert_eq!(m.queued, 0);
        }
        // A queued waiter counts too.
        drop(held);
        let b = Arc::new(b);
        let ps: Vec<_> = (0..3).map(|_| b.try_acquire_owned()).collect();
        let w = match b.enqueue_owned() {
            Ok(Admission::Queued(w)) => w,
            _ => unreachable!("full bulkhead must queue"),
        };
        assert_eq!(b.metrics().queued, 1);
        drop(ps);
        let p = w
            .try_claim()
            .unwrap_or_else(|_| unreachable!("slot handed over"));
        assert_eq!(b.metrics().total, 104, "bits {bits}");
        drop(p);
        assert_eq!(b.metrics().active, 0);
    }
}

#[test]
fn total_is_exact_when_threads_wrap_the_grant_counter() {
    let b = tiny_counter(4, 0, 2);
    let per_thread = 20_000u64;
    std::thread::scope(|s| {
        for _ in 0..4 {
            s.spawn(|| {
                let mut got = 0;
                while got < per_thread {
                    if b.try_acquire().is_ok() {
                        got += 1;
                    }
                    // Readers run alongside the wraps.
                    assert!(b.metrics().total <= 4 * per_thread);
                }
            });
        }
    });
    let m = b.metrics();
    assert_eq!((m.total, m.active), (4 * per_thread, 0));
}

#[test]
fn detached_permit_keeps_its_slot_until_reattached_and_dropped() -> Result<()> {
    let b = Arc::new(Bulkhead::new(BulkheadConfig {
        max_concurrent: 1,
        ..Default::default()
    })?);
    let arc = b.try_acquire_owned()?.detach();
    assert_eq!(
        b.metrics().active,
        1,
        "detaching does not give the slot back"
    );
    assert!(b.try_acquire().is_err());
    assert_eq!(
        Arc::strong_count(&b),
        2,
        "the detached Arc holds one reference"
    );
    drop(OwnedPermit::reattach(arc));
    assert_eq!(b.metrics().active, 0);
    assert_eq!(Arc::strong_count(&b), 1);
    assert!(b.try_acquire().is_ok());
    Ok(())
}
