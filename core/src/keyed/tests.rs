use super::*;
use crate::clock::ManualClock;
use crate::error::ErrorKind;

fn tb(max_keys: u64, probe: u32, on_full: OnFull) -> (KeyedTokenBucket, ManualClock) {
    let clock = ManualClock::new();
    let cfg = KeyedTokenBucketConfig {
        bucket: TokenBucketConfig {
            burst: 2,
            rate_per_sec: 1.0,
            initial_tokens: None,
        },
        table: KeyTableConfig {
            max_keys,
            max_probe: probe,
            on_full,
            hash_seed: Some(7),
        },
    };
    (
        KeyedTokenBucket::with_clock(cfg, &clock).unwrap_or_else(|e| unreachable!("{e}")),
        clock,
    )
}

fn sw(max_keys: u64, probe: u32, on_full: OnFull) -> (KeyedSlidingWindow, ManualClock) {
    let clock = ManualClock::new();
    let cfg = KeyedSlidingWindowConfig {
        window: SlidingWindowConfig {
            limit: 2,
            window: Duration::from_secs(1),
            buckets: 2,
        },
        table: KeyTableConfig {
            max_keys,
            max_probe: probe,
            on_full,
            hash_seed: Some(7),
        },
    };
    (
        KeyedSlidingWindow::with_clock(cfg, &clock).unwrap_or_else(|e| unreachable!("{e}")),
        clock,
    )
}

fn ok(r: Result<Decision>) -> Decision {
    r.unwrap_or_else(|e| unreachable!("{e}"))
}

#[test]
fn keys_are_independent() {
    let (l, _c) = tb(16, 16, OnFull::Deny);
    assert!(ok(l.try_acquire_str("a", 2)).allowed);
    assert!(!ok(l.try_acquire_str("a", 1)).allowed);
    assert!(ok(l.try_acquire(b"b", 2)).allowed);
    assert_eq!(l.metrics().keys_tracked, 2);
}

#[test]
fn full_keys_are_evicted_throttled_are_not() {
    // max_keys 1: 4 slots, all probed (placement does not matter).
    let (l, clock) = tb(1, 4, OnFull::Deny);
    assert_eq!(l.metrics().capacity, 4);
    assert!(ok(l.try_acquire_str("victim", 2)).allowed); // throttled for 2 s
    for k in ["k1", "k2", "k3"] {
        assert!(ok(l.try_acquire_str(k, 1)).allowed);
    }
    // Table full, all throttled: a new key is denied, with the earliest refill.
    let d = ok(l.try_acquire_str("k4", 1));
    assert!(!d.allowed);
    assert_eq!(d.retry_after, Duration::from_secs(1));
    assert_eq!(l.metrics().table_full, 1);
    clock.advance(Duration::from_secs(1)); // k1..k3 full again, victim not
    assert!(ok(l.try_acquire_str("k4", 1)).allowed); // evicts one of them
    assert_eq!(l.metrics().evictions, 1);
    let d = ok(l.try_acquire_str("victim", 2));
    assert!(!d.allowed);
    assert_eq!(d.retry_after, Duration::from_secs(1));
}

/// Issue 12 item 5: with the defaults, 10 000 first-time users (each left
/// throttled, so nothing can be evicted) are all admitted.
#[test]
fn max_keys_fresh_keys_are_never_denied_at_the_default_size() {
    for seed in [1u64, 2, 3, 0xDEAD_BEEF] {
        let clock = ManualClock::new();
        let cfg = KeyedTokenBucketConfig {
            bucket: TokenBucketConfig {
                burst: 1,
                rate_per_sec: 1.0,
                initial_tokens: None,
            },
            table: KeyTableConfig {
                hash_seed: Some(seed),
                ..KeyTableConfig::default()
            },
        };
        let l = KeyedTokenBucket::with_clock(cfg, &clock).unwrap_or_else(|e| unreachable!("{e}"));
        let denied = (0..10_000u64)
            .filter(|k| !ok(l.try_acquire_str(&format!("user-{k}"), 1)).allowed)
            .count();
        assert_eq!(denied, 0, "seed {seed}");
        let m = l.metrics();
        assert_eq!((m.table_full, m.keys_tracked, m.evictions), (0, 10_000, 0));
        // Every one of them is tracked: a second request is throttled.
        assert!(!ok(l.try_acquire_str("user-9999", 1)).allowed);
    }
    let clock = ManualClock::new();
    let cfg = KeyedSlidingWindowConfig {
        window: SlidingWindowConfig {
            limit: 1,
            window: Duration::from_secs(60),
            buckets: 4,
        },
        table: KeyTableConfig {
            hash_seed: Some(9),
            ..KeyTableConfig::default()
        },
    };
    let l = KeyedSlidingWindow::with_clock(cfg, &clock).unwrap_or_else(|e| unreachable!("{e}"));
    let denied = (0..10_000u64)
        .filter(|k| !ok(l.try_acquire_str(&format!("user-{k}"), 1)).allowed)
        .count();
    assert_eq!(denied, 0);
    assert_eq!(l.metrics().table_full, 0);
}

#[test]
fn peek_spends_nothing_and_inserts_nothing() {
    let (l, clock) = tb(1, 4, OnFull::Deny);
    // Unknown key: a fresh bucket's answer, nothing stored.
    let d = ok(l.peek_str("a", 1));
    assert!(d.allowed);
    assert_eq!(d.remaining, 1);
    assert_eq!(l.metrics().keys_tracked, 0);
    assert!(ok(l.try_acquire_str("a", 1)).allowed);
    for _ in 0..3 {
        let d = ok(l.peek_str("a", 1));
        assert!(d.allowed);
        assert_eq!(d.remaining, 0);
    }
    assert!(ok(l.try_acquire_str("a", 1)).allowed);
    let d = ok(l.peek_str("a", 1));
    assert!(!d.allowed);
    assert_eq!(d.retry_after, Duration::from_secs(1));
    assert_eq!(l.peek_str("a", 3).err().and_then(|e| e.field()), Some("n"));
    // A full table: peek of a new key answers what try_acquire would (deny).
    for k in ["b", "c", "d"] {
        assert!(ok(l.try_acquire_str(k, 2)).allowed);
    }
    assert!(!ok(l.peek_str("e", 1)).allowed);
    assert_eq!(l.metrics().table_full, 0);
    clock.advance(Duration::from_secs(2));
    assert!(ok(l.peek_str("e", 1)).allowed);
    assert_eq!(l.metrics().keys_tracked, 4);

    let (s, _c) = sw(4, 4, OnFull::Deny);
    assert_eq!(ok(s.peek_str("x", 1)).remaining, 1);
    assert!(ok(s.try_acquire_str("x", 2)).allowed);
    let d = ok(s.peek_str("x", 1));
    assert!(!d.allowed);
    assert_eq!(d.remaining, 0);
    assert_eq!(s.metrics().keys_tracked, 1);
}

/// Issue 13 item 4: a clock set back by more than a window and forward again
/// does not grant the limit twice (the window is judged at the newest
/// grant's bucket).
#[test]
fn sliding_window_clock_set_back_does_not_double_the_limit() {
    let (l, clock) = sw(4, 4, OnFull::Deny); // 2 per 1 s, 2 buckets
    clock.set_ns(10_000_000_000);
    assert!(ok(l.try_acquire_str("k", 2)).allowed);
    clock.set_ns(8_800_000_000);
    assert!(!ok(l.try_acquire_str("k", 1)).allowed);
    assert!(!ok(l.peek_str("k", 1)).allowed);
    clock.set_ns(10_000_000_000);
    assert!(!ok(l.try_acquire_str("k", 1)).allowed);
    clock.set_ns(11_500_000_000);
    assert!(ok(l.try_acquire_str("k", 2)).allowed);
}

#[test]
fn huge_tables_fail_with_a_typed_error_or_build_lazily() {
    let cfg = KeyedSlidingWindowConfig {
        window: SlidingWindowConfig {
            limit: 10,
            window: Duration::from_secs(1),
            buckets: 1024,
        },
        table: KeyTableConfig {
            max_keys: MAX_KEYS,
            ..KeyTableConfig::default()
        },
    };
    // 2^26 slots x 1027 words x 8 bytes: more than any test machine has.
    match KeyedSlidingWindow::new(cfg) {
        Err(e) => {
            assert_eq!(e.kind(), ErrorKind::InvalidConfig);
            assert_eq!(e.field(), Some("max_keys"));
        }
        Ok(l) => assert!(ok(l.try_acquire_str("a", 1)).allowed),
    }
    // A million keys: zeroed memory, built without touching it.
    let cfg = KeyedTokenBucketConfig {
        table: KeyTableConfig {
            max_keys: 1_000_000,
            ..KeyTableConfig::default()
        },
        ..KeyedTokenBucketConfig::default()
    };
    if let Ok(l) = KeyedTokenBucket::new(cfg) {
        assert_eq!(l.metrics().capacity, 4_000_000);
        assert!(ok(l.try_acquire_str("a", 1)).allowed);
    }
}

#[test]
fn attacker_cycling_ten_times_max_keys_cannot_reset_a_throttled_key() {
    for probe in [4u32, 64] {
        let (l, clock) = tb(64, probe, OnFull::Deny);
        assert!(ok(l.try_acquire_str("victim", 2)).allowed);
        let mut evicted_or_full = 0;
        for round in 0..10u64 {
            for k in 0..64u64 {
                let key = format!("attacker-{round}-{k}");
                let _ = ok(l.try_acquire_str(&key, 2));
                evicted_or_full += 1;
            }
            clock.advance_ns(50_000_000); // 0.5 s over the whole attack
            let d = ok(l.try_acquire_str("victim", 1));
            assert!(!d.allowed, "victim reset in round {round}");
        }
        assert!(evicted_or_full > 0);
        let m = l.metrics();
        assert!(m.table_full > 0, "{m:?}");
        // After its own refill the victim is served normally.
        clock.advance(Duration::from_secs(1));
        assert!(ok(l.try_acquire_str("victim", 1)).allowed);
    }
}

#[test]
fn attacker_cannot_reset_a_sliding_window_key() {
    let (l, clock) = sw(32, 8, OnFull::Deny);
    for round in 0..20u64 {
        // The victim uses its whole limit whenever it can, so it stays throttled.
        let _ = ok(l.try_acquire_str("victim", 2));
        for k in 0..32u64 {
            let _ = ok(l.try_acquire_str(&format!("x{round}-{k}"), 1));
        }
        assert!(
            !ok(l.try_acquire_str("victim", 1)).allowed,
            "victim reset in round {round}"
        );
        clock.advance_ns(600_000_000);
    }
    let m = l.metrics();
    assert!(m.evictions > 0 && m.table_full > 0, "{m:?}");
}

#[test]
fn on_full_allow_is_untracked_fresh() {
    // max_keys 1: 4 slots, all probed; four throttled keys fill the table.
    let (l, _c) = tb(1, 4, OnFull::Allow);
    for k in ["a", "c", "d", "e"] {
        assert!(ok(l.try_acquire_str(k, 2)).allowed);
    }
    for _ in 0..3 {
        let d = ok(l.try_acquire_str("b", 2));
        assert!(d.allowed);
        assert_eq!(d.remaining, 0);
    }
    assert_eq!(l.metrics().table_full, 3);
    assert_eq!(l.metrics().keys_tracked, 4);
    let (l, _c) = sw(1, 4, OnFull::Allow);
    for k in ["a", "c", "d", "e"] {
        assert!(ok(l.try_acquire_str(k, 2)).allowed);
    }
    for _ in 0..3 {
        assert_eq!(ok(l.try_acquire_str("b", 1)).remaining, 1);
    }
    assert_eq!(l.metrics().table_full, 3);
}

#[test]
fn refund_and_invalid_n() {
    let (l, _c) = tb(4, 4, OnFull::Deny);
    assert!(ok(l.try_acquire_str("a", 2)).allowed);
    l.refund(b"a", 1);
    l.refund(b"zzz", 1);
    assert!(ok(l.try_acquire_str("a", 1)).allowed);
    for n in [0, 3] {
        let e = l.try_acquire_str("a", n).err();
        assert_eq!(e.as_ref().and_then(Error::field), Some("n"));
    }
    let (s, _c) = sw(4, 4, OnFull::Deny);
    assert!(ok(s.try_acquire_str("a", 2)).allowed);
    s.refund(b"a", 2);
    assert!(ok(s.try_acquire_str("a", 2)).allowed);
    assert!(s.try_acquire_str("a", 0).is_err());
}

#[test]
fn bad_configs() {
    let mut c = KeyedTokenBucketConfig::default();
    c.table.max_keys = 0;
    assert_eq!(
        KeyedTokenBucket::new(c.clone())
            .err()
            .and_then(|e| e.field()),
        Some("max_keys")
    );
    c.table.max_keys = MAX_KEYS + 1;
    assert_eq!(
        KeyedTokenBucket::new(c.clone())
            .err()
            .and_then(|e| e.field()),
        Some("max_keys")
    );
    c.table.max_keys = 10;
    c.table.max_probe = 0;
    assert_eq!(
        KeyedTokenBucket::new(c.clone())
            .err()
            .and_then(|e| e.field()),
        Some("max_probe")
    );
    c.table.max_probe = 4;
    c.bucket.initial_tokens = Some(1);
    assert_eq!(
        KeyedTokenBucket::new(c.clone())
            .err()
            .and_then(|e| e.field()),
        Some("initial_tokens")
    );
    c.bucket.initial_tokens = None;
    c.bucket.rate_per_sec = f64::NAN;
    let e = KeyedTokenBucket::new(c).err();
    assert_eq!(e.as_ref().map(Error::kind), Some(ErrorKind::InvalidConfig));
    assert_eq!(e.and_then(|e| e.field()), Some("rate_per_sec"));
    let mut s = KeyedSlidingWindowConfig::default();
    s.window.limit = 0;
    assert_eq!(
        KeyedSlidingWindow::new(s).err().and_then(|e| e.field()),
        Some("limit")
    );
    assert_eq!(OnFull::parse("deny").ok(), Some(OnFull::Deny));
    assert_eq!(
        OnFull::parse(OnFull::Allow.as_str()).ok(),
        Some(OnFull::Allow)
    );
    assert_eq!(
        OnFull::parse("maybe").err().and_then(|e| e.field()),
        Some("on_full")
    );
}

/// The duplicate-insert rules, one claim at a time (the loom models race
/// them): a lower claim or a live copy wins; a higher claim is released.
#[test]
fn duplicate_claims_resolve_to_the_lowest_slot() {
    let cfg = KeyTableConfig {
        max_keys: 4, // 16 slots
        max_probe: 16,
        on_full: OnFull::Deny,
        hash_seed: Some(1),
    };
    let t = Table::new(&cfg).unwrap_or_else(|e| unreachable!("{e}"));
    let (fp, home) = t.hash(b"k");
    assert_eq!(home, 0); // max_probe = slots: one home
    let set = |i: usize, w: u64| {
        if let Some(k) = t.key(i) {
            k.store(w, Ordering::SeqCst);
        }
    };
    let get = |i: usize| t.key(i).map_or(u64::MAX, |k| k.load(Ordering::SeqCst));
    for i in 0..6 {
        set(i, kw(fp ^ 1, LIVE)); // other keys
    }
    // Ours at 3, another claim at 5: ours wins, the other is released.
    set(3, kw(fp, RES));
    set(5, kw(fp, RES));
    assert!(t.resolve(fp, home, 3));
    assert_eq!(get(5), FREE);
    // Another claim at 1 (lower): ours loses.
    set(1, kw(fp, RES));
    assert!(!t.resolve(fp, home, 3));
    // A live copy anywhere wins, also above us.
    set(1, kw(fp ^ 1, LIVE));
    set(5, kw(fp, LIVE));
    assert!(!t.resolve(fp, home, 3));
    set(5, kw(fp, EVICT));
    assert!(!t.resolve(fp, home, 3));
    // The scan stops at the first empty slot (slots never become empty again).
    set(5, EMPTY);
    set(7, kw(fp, RES));
    assert!(t.resolve(fp, home, 3));
    assert_eq!(get(7), kw(fp, RES));
    // A lookup finds the live copy and treats a claim as not tracked yet.
    set(3, kw(fp, LIVE));
    assert_eq!(t.find(fp, home), Some(3));
    set(3, kw(fp, RES));
    assert_eq!(t.find(fp, home), None);
}
