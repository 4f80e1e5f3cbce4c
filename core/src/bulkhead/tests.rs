use super::state::{field_bits, ADD_CROSS_BITS, ADD_HEADROOM, ADD_MIN_LAG_BITS};
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
    let (a, q) = field_bits(max_concurrent, max_queue);
    Bulkhead::with_layout(
        Layout::with_grant_bits(a, q, grant_bits),
        cfg,
        ClockSource::Monotonic,
    )
}

#[test]
fn layout_packs_grants_only_when_there_is_room() {
    // CAS mode (a queue, or too many slots for add mode's headroom).
    assert!(!Layout::new(64, 1).add_mode);
    assert_eq!(Layout::new(64, 1).grant_bits, 55);
    assert_eq!(Layout::new(1, 3).grant_bits, 60);
    assert_eq!(Layout::new(1 << 16, 0).grant_bits, 46);
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
fn add_mode_only_without_a_queue_and_below_2_pow_16_slots() {
    for (max, counter_bits) in [(1, 39), (25, 35), (64, 33), ((1 << 16) - 1, 24)] {
        let l = Layout::new(max, 0);
        assert!(l.add_mode, "max {max}");
        assert_eq!(
            (l.counter_bits, l.cross_bits),
            (counter_bits, ADD_CROSS_BITS)
        );
        assert_eq!(l.active_mask, (1u64 << (64 - counter_bits)) - 1);
        assert_eq!((l.queued_mask, l.grant_bits), (0, 0));
        assert_eq!(l.grant_one, 1u64 << (64 - counter_bits));
        // `max` plus one transient +1 from each of 2^24 − 1 threads fits.
        assert!(max + (1 << ADD_HEADROOM) - 1 <= l.active_mask);
        assert!(counter_bits - ADD_CROSS_BITS >= ADD_MIN_LAG_BITS);
    }
    assert!(!Layout::new(1 << 16, 0).add_mode);
    assert!(!Layout::new(1, 1).add_mode);
}

/// An add-mode bulkhead with a `counter_bits`-bit attempts counter whose
/// crossings are counted every `2^cross_bits` attempts.
fn tiny_add(max_concurrent: u64, cross_bits: u32, counter_bits: u32) -> Arc<Bulkhead> {
    let cfg = BulkheadConfig {
        max_concurrent,
        ..Default::default()
    };
    let (a, _) = field_bits(max_concurrent, 0);
    Arc::new(Bulkhead::with_layout(
        Layout::add_mode(a, ADD_HEADROOM, cross_bits, counter_bits),
        cfg,
        ClockSource::Monotonic,
    ))
}

#[test]
fn add_mode_total_survives_attempt_counter_wraps() {
    for (g, c) in [(1, 2), (1, 3), (2, 3), (0, 1)] {
        let b = tiny_add(3, g, c);
        let mut held = Vec::new();
        for i in 1..=100u64 {
            held.push(b.try_acquire().unwrap_or_else(|e| unreachable!("{e}")));
            if held.len() == 3 {
                assert!(b.try_acquire().is_err(), "full");
                held.clear();
            }
            let m = b.metrics();
            assert_eq!(m.total, i, "cross {g} counter {c}");
            assert_eq!(m.active, held.len() as u64);
            assert_eq!(m.rejected, i / 3);
        }
    }
}

/// Sets up add mode's race by hand: the bulkhead is full and another
/// thread's fetch_add (done here) finds it full. Returns the word just
/// after that +1.
fn lose_race(b: &Bulkhead) -> u64 {
    let add = b.layout.grant_one | 1;
    let old = b.state.fetch_add(add, Ordering::Acquire);
    assert!(b.layout.active_of(old) >= b.cfg.max_concurrent);
    old.wrapping_add(add)
}

#[test]
fn add_mode_loser_takes_its_increment_back() {
    let b = tiny_add(1, 1, 3);
    let p = b.try_acquire();
    assert!(p.is_ok());
    let cur = lose_race(&b);
    // Meanwhile the word shows the +1 and the attempt; `metrics` leaves out
    // the +1 above `max` and its attempt.
    assert_eq!(b.layout.active_of(b.state.load(Ordering::Relaxed)), 2);
    assert_eq!((b.metrics().active, b.metrics().total), (1, 1));
    assert!(!b.resolve_lost(cur), "still full: the +1 goes back");
    assert_eq!((b.metrics().active, b.metrics().total), (1, 1));
    drop(p);
    for i in 2..=20 {
        drop(b.try_acquire());
        assert_eq!((b.metrics().active, b.metrics().total), (0, i));
    }
}

#[test]
fn add_mode_loser_keeps_a_slot_freed_before_it_resolves() {
    let b = tiny_add(1, 1, 3);
    let p = b.try_acquire();
    assert!(p.is_ok());
    let cur = lose_race(&b);
    drop(p); // the release lands before the loser looks again
    assert_eq!((b.metrics().active, b.metrics().total), (1, 2));
    assert!(b.try_acquire().is_err(), "the loser's +1 holds the slot");
    assert!(b.resolve_lost(cur), "the +1 now fits: kept");
    let kept = Permit { bulkhead: &b };
    assert_eq!((b.metrics().active, b.metrics().total), (1, 2));
    drop(kept);
    let m = b.metrics();
    assert_eq!((m.active, m.total, m.rejected), (0, 2, 1));
}

#[test]
fn add_mode_counters_exact_under_racing_threads() {
    // One slot, four threads: thousands of lost races (about half of them
    // kept, counted by hand once), and a crossing every 2 attempts of a
    // 3-bit counter. Readers check what they can mid-run.
    let b = tiny_add(1, 1, 3);
    let (started, granted, refused) = (AtomicU64::new(0), AtomicU64::new(0), AtomicU64::new(0));
    std::thread::scope(|s| {
        for _ in 0..4 {
            s.spawn(|| {
                for _ in 0..20_000 {
                    let before = granted.load(Ordering::SeqCst);
                    started.fetch_add(1, Ordering::SeqCst);
                    match b.try_acquire() {
                        Ok(p) => {
                            granted.fetch_add(1, Ordering::SeqCst);
                            drop(p);
                        }
                        Err(_) => {
                            refused.fetch_add(1, Ordering::SeqCst);
                        }
                    }
                    let m = b.metrics();
                    assert!(m.active <= 1);
                    assert!(m.total >= before, "{} < {before}", m.total);
                    assert!(m.total <= started.load(Ordering::SeqCst));
                }
            });
        }
    });
    let m = b.metrics();
    assert_eq!((m.active, m.queued), (0, 0));
    assert_eq!(m.total, granted.load(Ordering::SeqCst));
    assert_eq!(m.rejected, refused.load(Ordering::SeqCst));
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

// ---- OwnedWaiter as a future: wakers ----------------------------------

mod wake {
    use super::*;
    use std::future::Future;
    use std::pin::Pin;
    use std::sync::atomic::{AtomicBool, AtomicUsize};
    use std::sync::Weak;
    use std::task::{Context, Poll, Wake, Waker};

    /// Counts its wakes; optionally records whether the queue lock was free
    /// when it was woken.
    #[derive(Default)]
    struct Counter {
        wakes: AtomicUsize,
        bulkhead: Option<Weak<Bulkhead>>,
        woken_under_lock: AtomicBool,
    }

    impl Wake for Counter {
        fn wake(self: Arc<Self>) {
            self.wake_by_ref();
        }
        fn wake_by_ref(self: &Arc<Self>) {
            if let Some(b) = self.bulkhead.as_ref().and_then(Weak::upgrade) {
                if b.queue.try_lock().is_err() {
                    self.woken_under_lock
                        .store(true, std::sync::atomic::Ordering::SeqCst);
                }
            }
            self.wakes.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
        }
    }

    fn counter() -> (Arc<Counter>, Waker) {
        let c = Arc::new(Counter::default());
        let w = Waker::from(Arc::clone(&c));
        (c, w)
    }

    fn wakes(c: &Counter) -> usize {
        c.wakes.load(std::sync::atomic::Ordering::SeqCst)
    }

    fn poll(w: &mut OwnedWaiter, waker: &Waker) -> Poll<OwnedPermit> {
        Pin::new(w).poll(&mut Context::from_waker(waker))
    }

    fn queued(b: &Arc<Bulkhead>) -> OwnedWaiter {
        match b.enqueue_owned() {
            Ok(Admission::Queued(w)) => w,
            other => unreachable!("{other:?}"),
        }
    }

    fn holder(b: &Arc<Bulkhead>) -> OwnedPermit {
        match b.try_acquire_owned() {
            Ok(p) => p,
            Err(e) => unreachable!("{e}"),
        }
    }

    #[test]
    fn the_waker_of_the_waiter_handed_the_slot_is_woken_once() {
        let b = bh(1, 3);
        let p = holder(&b);
        let (mut w1, mut w2) = (queued(&b), queued(&b));
        let ((c1, k1), (c2, k2)) = (counter(), counter());
        assert!(poll(&mut w1, &k1).is_pending());
        assert!(poll(&mut w2, &k2).is_pending());
        assert_eq!((wakes(&c1), wakes(&c2)), (0, 0));
        drop(p);
        assert_eq!((wakes(&c1), wakes(&c2)), (1, 0));
        assert_eq!(Arc::strong_count(&c1), 2, "woken waker left the queue");
        let Poll::Ready(p1) = poll(&mut w1, &k1) else {
            unreachable!("woken but not ready")
        };
        assert!(poll(&mut w2, &k2).is_pending());
        assert_eq!((wakes(&c1), wakes(&c2)), (1, 0));
        drop(p1);
        assert_eq!((wakes(&c1), wakes(&c2)), (1, 1));
        assert!(poll(&mut w2, &k2).is_ready());
        // Ready once; afterwards the spent future stays pending.
        assert!(poll(&mut w1, &k1).is_pending());
        drop((w1, w2));
        let m = b.metrics();
        assert_eq!((m.active, m.queued, m.total, m.rejected), (0, 0, 3, 0));
    }

    #[test]
    fn a_cancelled_waiter_is_not_woken_and_drops_its_waker() {
        let b = bh(1, 3);
        let p = holder(&b);
        let (mut w1, mut w2) = (queued(&b), queued(&b));
        let ((c1, k1), (c2, k2)) = (counter(), counter());
        assert!(poll(&mut w1, &k1).is_pending());
        assert!(poll(&mut w2, &k2).is_pending());
        drop(k1);
        assert_eq!(Arc::strong_count(&c1), 2);
        w1.cancel();
        assert_eq!(Arc::strong_count(&c1), 1, "the queue dropped its waker");
        drop(p);
        assert_eq!((wakes(&c1), wakes(&c2)), (0, 1));
        assert!(poll(&mut w2, &k2).is_ready());
        assert_eq!(b.metrics().rejected, 1);
    }

    #[test]
    fn cancelling_a_handed_slot_wakes_the_next_waiter() {
        let b = bh(1, 3);
        let p = holder(&b);
        let (mut w1, mut w2) = (queued(&b), queued(&b));
        let ((c1, k1), (c2, k2)) = (counter(), counter());
        assert!(poll(&mut w1, &k1).is_pending());
        assert!(poll(&mut w2, &k2).is_pending());
        drop(p);
        assert_eq!((wakes(&c1), wakes(&c2)), (1, 0));
        drop(w1); // gives up the slot it was handed
        assert_eq!((wakes(&c1), wakes(&c2)), (1, 1));
        assert!(poll(&mut w2, &k2).is_ready());
    }

    #[test]
    fn a_registration_after_the_hand_off_is_ready_at_once() {
        let b = bh(1, 1);
        let p = holder(&b);
        let mut w = queued(&b);
        drop(p); // handed over before anyone registered
        let (c, k) = counter();
        assert!(poll(&mut w, &k).is_ready());
        assert_eq!(wakes(&c), 0);
        assert_eq!(Arc::strong_count(&c), 2, "nothing stored");
    }

    #[test]
    fn a_repoll_replaces_the_waker() {
        let b = bh(1, 1);
        let p = holder(&b);
        let mut w = queued(&b);
        let ((ca, ka), (cb, kb)) = (counter(), counter());
        assert!(poll(&mut w, &ka).is_pending());
        assert!(poll(&mut w, &ka).is_pending()); // same waker: kept
        assert_eq!(Arc::strong_count(&ca), 3);
        assert!(poll(&mut w, &kb).is_pending());
        assert_eq!(Arc::strong_count(&ca), 2, "the old waker was dropped");
        drop(p);
        assert_eq!((wakes(&ca), wakes(&cb)), (0, 1));
    }

    #[test]
    fn wakers_run_with_the_queue_lock_released() {
        let b = bh(1, 2);
        let p = holder(&b);
        let (mut w1, mut w2) = (queued(&b), queued(&b));
        let c1 = Arc::new(Counter {
            bulkhead: Some(Arc::downgrade(&b)),
            ..Counter::default()
        });
        let c2 = Arc::new(Counter {
            bulkhead: Some(Arc::downgrade(&b)),
            ..Counter::default()
        });
        let (k1, k2) = (Waker::from(Arc::clone(&c1)), Waker::from(Arc::clone(&c2)));
        assert!(poll(&mut w1, &k1).is_pending());
        assert!(poll(&mut w2, &k2).is_pending());
        drop(p); // release_to_queue
        drop(w1); // cancel of a handed slot: hand_off_locked
        assert_eq!((wakes(&c1), wakes(&c2)), (1, 1));
        let under = |c: &Counter| c.woken_under_lock.load(std::sync::atomic::Ordering::SeqCst);
        assert!(!under(&c1) && !under(&c2));
    }

    #[test]
    fn a_blocking_waiter_that_times_out_wakes_the_async_waiter_behind_it() {
        // wait_ticket's timeout path: the blocking waiter (ticket 0) is
        // handed the slot and then gives it up by cancelling; the async
        // waiter behind it must be woken.
        let b = bh(1, 2);
        let p = holder(&b);
        let Ok(Slot::Queued(t)) = b.enqueue() else {
            unreachable!()
        };
        let mut w = queued(&b);
        let (c, k) = counter();
        assert!(poll(&mut w, &k).is_pending());
        drop(p); // ticket t is handed the slot
        assert_eq!(wakes(&c), 0);
        b.cancel(t);
        assert_eq!(wakes(&c), 1);
        assert!(poll(&mut w, &k).is_ready());
    }

    /// A minimal `block_on`: parks the thread until woken.
    struct Unpark {
        thread: std::thread::Thread,
        wakes: AtomicUsize,
    }

    impl Wake for Unpark {
        fn wake(self: Arc<Self>) {
            self.wakes.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
            self.thread.unpark();
        }
    }

    #[test]
    fn a_release_on_another_thread_wakes_an_awaiting_waiter() {
        for _ in 0..50 {
            let b = bh(1, 1);
            let p = holder(&b);
            let mut w = queued(&b);
            let u = Arc::new(Unpark {
                thread: std::thread::current(),
                wakes: AtomicUsize::new(0),
            });
            let k = Waker::from(Arc::clone(&u));
            let releaser = std::thread::spawn(move || drop(p));
            let permit = loop {
                match poll(&mut w, &k) {
                    Poll::Ready(permit) => break permit,
                    Poll::Pending => std::thread::park(),
                }
            };
            assert!(releaser.join().is_ok());
            // Either the release came first (ready at the first poll, no
            // wake) or it found the waker registered and woke it once.
            assert!(u.wakes.load(std::sync::atomic::Ordering::SeqCst) <= 1);
            drop(permit);
            assert_eq!(b.metrics().active, 0);
        }
    }
}
