//! The Redis backend against a real redis-server (`spec/redis.md`): one
//! command per decision, keys and TTLs, two "hosts" sharing one limit, and
//! the faults: Redis killed mid-run, frozen (SIGSTOP), restarted, SCRIPT
//! FLUSH, wrong password, unreachable host, a host that accepts but never
//! answers, bad URL, bad input. Every decision must come back within its
//! deadline (plus a generous scheduling margin) and follow the mode.

// Real time on purpose: these tests measure a real server's deadlines.
#![allow(clippy::disallowed_methods)]

use seawall::redis::{FailureMode, RedisBackend, RedisConcurrencyLimit, RedisConfig, RedisLimiter};
use seawall::sliding_window::SlidingWindowConfig;
use seawall::token_bucket::TokenBucketConfig;
use seawall::{Decision, ErrorKind};
use seawall_tests::redis_server::RedisServer;
use std::net::TcpListener;
use std::sync::Arc;
use std::time::{Duration, Instant};

/// Above the 50 ms default: the healthy phases of these tests must not
/// time out on a loaded CI machine (10 servers start in parallel).
const DEADLINE: Duration = Duration::from_millis(200);
/// Scheduling margin on a loaded 2-core CI machine; a hang would be
/// seconds (connect/read timeouts of the OS), not this.
const MARGIN: Duration = Duration::from_millis(250);

fn backend(url: &str, mode: FailureMode) -> RedisBackend {
    let mut cfg = RedisConfig::new(url);
    cfg.on_failure = mode;
    cfg.deadline = DEADLINE;
    cfg.retry_initial = Duration::from_millis(50);
    cfg.retry_max = Duration::from_millis(200);
    RedisBackend::new(cfg).expect("backend")
}

fn bucket(b: &RedisBackend, name: &str, burst: u64, rate: f64) -> RedisLimiter {
    RedisLimiter::token_bucket(
        b,
        name,
        TokenBucketConfig {
            burst,
            rate_per_sec: rate,
            initial_tokens: None,
        },
    )
    .expect("limiter")
}

/// One timed decision; asserts it came back within the deadline + margin.
fn timed(l: &RedisLimiter, key: &[u8]) -> Decision {
    let t0 = Instant::now();
    let d = l.try_acquire(key, 1).expect("no error for valid input");
    let took = t0.elapsed();
    assert!(took <= DEADLINE + MARGIN, "a decision took {took:?}");
    d
}

/// Connects and loads the script (peeks until Redis has answered once).
fn warm(l: &RedisLimiter) {
    let t0 = Instant::now();
    while l.backend().metrics().redis_ok == 0 {
        assert!(
            t0.elapsed() < Duration::from_secs(10),
            "{:?}",
            l.backend().metrics()
        );
        let _ = l.peek(b"warm-up", 1);
    }
}

/// Calls until `pred` holds on the backend's metrics (service resumed by
/// itself), at most 10 s.
fn until(l: &RedisLimiter, key: &[u8], pred: impl Fn(&seawall::redis::RedisMetrics) -> bool) {
    let t0 = Instant::now();
    while t0.elapsed() < Duration::from_secs(10) {
        timed(l, key);
        if pred(&l.backend().metrics()) {
            return;
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    panic!("not reached in 10 s: {:?}", l.backend().metrics());
}

#[test]
fn one_command_per_decision_shared_across_hosts_with_ttls() {
    let Some(server) = RedisServer::start() else {
        return;
    };
    // Two backends = two hosts' connections, one limit.
    let a = bucket(&backend(&server.url(), FailureMode::Closed), "api", 10, 1.0);
    let b = bucket(&backend(&server.url(), FailureMode::Closed), "api", 10, 1.0);
    warm(&a);
    warm(&b);
    let before = server.command_calls();
    let mut granted = 0;
    for i in 0..20 {
        let l = if i % 2 == 0 { &a } else { &b };
        if timed(l, b"customer-1").allowed {
            granted += 1;
        }
    }
    let after = server.command_calls();
    assert_eq!(granted, 10, "burst 10 shared by both hosts");
    // commandstats also counts the commands a script runs; the client's
    // own commands are the rest (the INFO that read `after` aside).
    const IN_SCRIPT: [&str; 7] = ["time", "hmget", "hgetall", "hset", "hdel", "del", "pexpire"];
    let delta =
        |name: &str| after.get(name).copied().unwrap_or(0) - before.get(name).copied().unwrap_or(0);
    assert_eq!(delta("evalsha"), 20, "{after:?}");
    let others: u64 = after
        .keys()
        .filter(|k| !IN_SCRIPT.contains(&k.as_str()) && k.as_str() != "evalsha")
        .map(|k| delta(k))
        .sum();
    assert_eq!(
        others, 1,
        "one command per decision, nothing else but INFO: {after:?}"
    );
    // The key: prefix, kind, name, hash tag around the user's key; a TTL.
    let ttl: i64 = server
        .cmd(&["PTTL", "seawall:tb:api:{customer-1}"])
        .parse()
        .expect("pttl");
    assert!(ttl > 0 && ttl <= 10_001, "TTL = time to refill: {ttl} ms");
    // A sliding window key expires when nothing is counted any more.
    let be = backend(&server.url(), FailureMode::Closed);
    let w = RedisLimiter::sliding_window(
        &be,
        "sw",
        SlidingWindowConfig {
            limit: 3,
            window: Duration::from_secs(2),
            buckets: 4,
        },
    )
    .expect("window");
    let got: Vec<bool> = (0..5).map(|_| timed(&w, b"u").allowed).collect();
    assert_eq!(got, [true, true, true, false, false]);
    let ttl: i64 = server
        .cmd(&["PTTL", "seawall:sw:sw:{u}"])
        .parse()
        .expect("pttl");
    assert!(ttl > 1_000 && ttl <= 2_501, "window + a bucket: {ttl} ms");
}

#[test]
fn binary_and_unix_socket_keys_work() {
    let Some(server) = RedisServer::start() else {
        return;
    };
    let l = bucket(
        &backend(&server.unix_url(), FailureMode::Closed),
        "bin",
        2,
        1.0,
    );
    warm(&l);
    let m0 = l.backend().metrics();
    let key = [0u8, 0xff, b'{', b'}', b'\n', 0x80];
    assert!(timed(&l, &key).allowed);
    assert!(timed(&l, &key).allowed);
    assert!(!timed(&l, &key).allowed);
    assert!(timed(&l, b"other").allowed);
    let m = l.backend().metrics();
    assert_eq!(
        (m.redis_ok - m0.redis_ok, m.fallbacks - m0.fallbacks),
        (4, 0),
        "{m:?}"
    );
}

#[test]
fn async_decisions_come_back_on_the_runtime() {
    let Some(server) = RedisServer::start() else {
        return;
    };
    let l = Arc::new(bucket(
        &backend(&server.url(), FailureMode::Closed),
        "async",
        5,
        1.0,
    ));
    warm(&l);
    let (tx, rx) = std::sync::mpsc::channel();
    for _ in 0..8 {
        let tx = tx.clone();
        l.try_acquire_then(b"k", 1, move |r| {
            let _ = tx.send(r.map(|d| d.allowed));
        });
    }
    let got: Vec<bool> = (0..8)
        .map(|_| {
            rx.recv_timeout(Duration::from_secs(5))
                .expect("callback")
                .expect("ok")
        })
        .collect();
    assert_eq!(got.iter().filter(|a| **a).count(), 5, "{got:?}");
    // Bad input answers at once with the typed error.
    l.try_acquire_then(b"", 1, move |r| {
        let _ = tx.send(r.map(|d| d.allowed));
    });
    let e = rx
        .recv_timeout(Duration::from_secs(5))
        .expect("callback")
        .unwrap_err();
    assert_eq!(e.field(), Some("key"));
}

#[test]
fn killed_mid_run_then_restarted_fail_closed_resumes_by_itself() {
    let Some(mut server) = RedisServer::start() else {
        return;
    };
    let l = bucket(
        &backend(&server.url(), FailureMode::Closed),
        "kill",
        1_000_000,
        1_000_000.0,
    );
    warm(&l);
    for _ in 0..20 {
        assert!(timed(&l, b"k").allowed);
    }
    server.kill();
    // Fail closed: denied, within the deadline, no error.
    for _ in 0..50 {
        let d = timed(&l, b"k");
        assert!(!d.allowed && d.retry_after > Duration::ZERO, "{d:?}");
    }
    let m = l.backend().metrics();
    assert!(
        m.errors >= 1 && m.fallbacks >= 50 && m.short_circuited >= 1,
        "{m:?}"
    );
    assert_eq!(m.breaker_state, "open");
    server.restart();
    let ok = m.redis_ok;
    until(&l, b"k", |m| {
        m.redis_ok > ok + 3 && m.breaker_state == "closed"
    });
    assert!(timed(&l, b"k").allowed);
    assert!(l.backend().metrics().connects >= 2);
}

#[test]
fn killed_fail_open_allows_and_local_limits_per_process() {
    let Some(mut server) = RedisServer::start() else {
        return;
    };
    let open = bucket(&backend(&server.url(), FailureMode::Open), "open", 2, 0.001);
    let local = bucket(
        &backend(&server.url(), FailureMode::Local),
        "local",
        2,
        0.001,
    );
    warm(&open);
    warm(&local);
    server.kill();
    for _ in 0..20 {
        assert!(timed(&open, b"k").allowed, "fail open allows");
    }
    // Local: the same limits, in this process: burst 2 then deny.
    let got: Vec<bool> = (0..6).map(|_| timed(&local, b"fresh").allowed).collect();
    assert_eq!(got, [true, true, false, false, false, false]);
    assert!(local.backend().metrics().fallbacks >= 6);
}

#[test]
fn frozen_redis_calls_return_within_the_deadline_then_resume() {
    let Some(server) = RedisServer::start() else {
        return;
    };
    let l = bucket(
        &backend(&server.url(), FailureMode::Closed),
        "stop",
        1_000_000,
        1_000_000.0,
    );
    warm(&l);
    let mut cfg = RedisConfig::new(server.url());
    cfg.on_failure = FailureMode::Closed;
    cfg.deadline = Duration::from_secs(1);
    let slow = bucket(&RedisBackend::new(cfg).expect("backend"), "stop1", 10, 1.0);
    warm(&slow);
    assert!(timed(&l, b"k").allowed);
    server.freeze();
    // A thread with no connection yet connects to the frozen server (the
    // kernel still accepts): the handshake counts against the deadline
    // too (a 1 s deadline here, so one deadline and two are far apart).
    std::thread::scope(|s| {
        s.spawn(|| {
            let t0 = Instant::now();
            assert!(!slow.try_acquire(b"k", 1).expect("valid").allowed);
            let took = t0.elapsed();
            assert!(took < Duration::from_millis(1500), "{took:?}");
        });
    });
    let mut denied = 0;
    for _ in 0..40 {
        if !timed(&l, b"k").allowed {
            denied += 1;
        }
    }
    assert_eq!(denied, 40);
    let m = l.backend().metrics();
    assert!(m.timeouts >= 1, "{m:?}");
    assert!(
        m.short_circuited >= 30,
        "the breaker answers most calls at once: {m:?}"
    );
    server.thaw();
    let ok = m.redis_ok;
    until(&l, b"k", |m| {
        m.redis_ok > ok + 3 && m.breaker_state == "closed"
    });
}

#[test]
fn script_flush_is_reloaded_transparently() {
    let Some(server) = RedisServer::start() else {
        return;
    };
    let l = bucket(
        &backend(&server.url(), FailureMode::Closed),
        "flush",
        100,
        1.0,
    );
    warm(&l);
    let m0 = l.backend().metrics();
    assert!(timed(&l, b"k").allowed);
    server.cmd(&["SCRIPT", "FLUSH"]);
    for _ in 0..5 {
        assert!(timed(&l, b"k").allowed);
    }
    let m = l.backend().metrics();
    assert_eq!(
        (
            m.redis_ok - m0.redis_ok,
            m.fallbacks - m0.fallbacks,
            m.errors - m0.errors
        ),
        (6, 0, 0),
        "{m:?}"
    );
    assert_eq!(l.peek(b"k", 1).expect("peek").remaining, 93);
}

#[test]
fn wrong_password_follows_the_mode_and_never_leaks_it() {
    let Some(server) = RedisServer::start_with(&["--requirepass", "right-pw"]) else {
        return;
    };
    let url = format!("redis://:wrong-pw@127.0.0.1:{}/0", server.port);
    let l = bucket(&backend(&url, FailureMode::Closed), "pw", 10, 1.0);
    for _ in 0..10 {
        assert!(!timed(&l, b"k").allowed);
    }
    let m = l.backend().metrics();
    assert!(m.errors >= 1 && m.fallbacks == 10, "{m:?}");
    let err = m.last_error.unwrap_or_default();
    assert!(!err.contains("wrong-pw") && !err.is_empty(), "{err}");
    let good = format!("redis://:right-pw@127.0.0.1:{}/0", server.port);
    let l = bucket(&backend(&good, FailureMode::Closed), "pw", 10, 1.0);
    warm(&l);
    assert!(timed(&l, b"k").allowed);
}

#[test]
fn unreachable_and_silent_hosts_cost_at_most_the_deadline() {
    // Nothing listens on this port.
    let port = TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .expect("port")
        .port();
    let l = bucket(
        &backend(&format!("redis://127.0.0.1:{port}"), FailureMode::Open),
        "x",
        1,
        1.0,
    );
    for _ in 0..20 {
        assert!(timed(&l, b"k").allowed);
    }
    // Accepts connections (kernel backlog) but never answers.
    let silent = TcpListener::bind("127.0.0.1:0").expect("bind");
    let port = silent.local_addr().expect("addr").port();
    let l = bucket(
        &backend(&format!("redis://127.0.0.1:{port}"), FailureMode::Closed),
        "y",
        1,
        1.0,
    );
    for _ in 0..20 {
        assert!(!timed(&l, b"k").allowed);
    }
    let m = l.backend().metrics();
    assert!(
        m.timeouts + m.errors >= 1 && m.short_circuited >= 10,
        "{m:?}"
    );
}

#[test]
fn bad_input_is_a_typed_error_naming_the_parameter() {
    let be = backend("redis://127.0.0.1:1", FailureMode::Open);
    let l = bucket(&be, "bad", 3, 1.0);
    let field = |r: seawall::Result<Decision>| {
        let e = r.unwrap_err();
        assert!(matches!(e.kind(), ErrorKind::InvalidArgument), "{e}");
        e.field()
    };
    assert_eq!(field(l.try_acquire(b"", 1)), Some("key"));
    assert_eq!(field(l.try_acquire(&vec![b'x'; 1025], 1)), Some("key"));
    assert_eq!(field(l.try_acquire(b"k", 0)), Some("n"));
    assert_eq!(field(l.try_acquire(b"k", 4)), Some("n"));
    assert!(l.try_acquire(&vec![b'x'; 1024], 1).is_ok());
    let cfg_field = |r: seawall::Result<RedisLimiter>| r.unwrap_err().field();
    assert_eq!(
        cfg_field(RedisLimiter::token_bucket(
            &be,
            "",
            TokenBucketConfig::default()
        )),
        Some("name")
    );
    assert_eq!(
        cfg_field(RedisLimiter::token_bucket(
            &be,
            "a b",
            TokenBucketConfig::default()
        )),
        Some("name")
    );
    assert_eq!(
        cfg_field(RedisLimiter::token_bucket(
            &be,
            "a",
            TokenBucketConfig {
                burst: 0,
                ..Default::default()
            }
        )),
        Some("burst")
    );
    assert_eq!(
        cfg_field(RedisLimiter::token_bucket(
            &be,
            "a",
            TokenBucketConfig {
                rate_per_sec: f64::NAN,
                ..Default::default()
            }
        )),
        Some("rate_per_sec")
    );
    assert_eq!(
        cfg_field(RedisLimiter::token_bucket(
            &be,
            "a",
            TokenBucketConfig {
                burst: 1_000_000_000,
                rate_per_sec: 1.0,
                initial_tokens: None
            }
        )),
        Some("burst"),
        "burst / rate above 2^53 ns"
    );
    assert_eq!(
        cfg_field(RedisLimiter::token_bucket(
            &be,
            "a",
            TokenBucketConfig {
                initial_tokens: Some(1),
                ..Default::default()
            }
        )),
        Some("initial_tokens")
    );
    let sw = |limit, window, buckets| {
        cfg_field(RedisLimiter::sliding_window(
            &be,
            "w",
            SlidingWindowConfig {
                limit,
                window,
                buckets,
            },
        ))
    };
    assert_eq!(sw(0, Duration::from_secs(1), 2), Some("limit"));
    assert_eq!(sw(1, Duration::ZERO, 2), Some("window"));
    assert_eq!(sw(1, Duration::from_secs(200 * 86_400), 2), Some("window"));
    assert_eq!(sw(1, Duration::from_secs(1), 0), Some("buckets"));
    let cfg_err = |f: &dyn Fn(&mut RedisConfig)| {
        let mut c = RedisConfig::new("redis://127.0.0.1:6379");
        f(&mut c);
        RedisBackend::new(c).unwrap_err().field()
    };
    assert_eq!(cfg_err(&|c| c.url = "not a url".into()), Some("url"));
    assert_eq!(cfg_err(&|c| c.url = "rediss:/h:1".into()), Some("url"));
    assert_eq!(cfg_err(&|c| c.url = "redis://h:99999".into()), Some("url"));
    assert_eq!(cfg_err(&|c| c.deadline = Duration::ZERO), Some("deadline"));
    assert_eq!(
        cfg_err(&|c| c.deadline = Duration::from_secs(3600)),
        Some("deadline")
    );
    assert_eq!(
        cfg_err(&|c| c.key_prefix = String::new()),
        Some("key_prefix")
    );
    assert_eq!(
        cfg_err(&|c| c.retry_max = Duration::from_millis(1)),
        Some("retry_max")
    );
    assert_eq!(
        seawall::redis::FailureMode::parse("on_failure", "maybe")
            .unwrap_err()
            .field(),
        Some("on_failure")
    );
}

fn climit(b: &RedisBackend, name: &str, max: u64, lease_ms: u64) -> RedisConcurrencyLimit {
    RedisConcurrencyLimit::new(b, name, max, Duration::from_millis(lease_ms)).expect("limit")
}

#[test]
fn concurrency_limit_holds_across_hosts_and_a_dead_holders_lease_expires() {
    let Some(server) = RedisServer::start() else {
        return;
    };
    let a = climit(&backend(&server.url(), FailureMode::Closed), "jobs", 2, 400);
    let b = climit(&backend(&server.url(), FailureMode::Closed), "jobs", 2, 400);
    // warm up both connections
    for l in [&a, &b] {
        let t0 = Instant::now();
        loop {
            let d = l.try_acquire(b"warm").expect("ok");
            if let Some(p) = d.lease {
                assert!(l.release(p));
                break;
            }
            assert!(t0.elapsed() < Duration::from_secs(10));
        }
    }
    let p1 = a.try_acquire(b"tenant").expect("ok").lease.expect("first");
    let p2 = b.try_acquire(b"tenant").expect("ok").lease.expect("second");
    let d = a.try_acquire(b"tenant").expect("ok");
    assert!(d.lease.is_none() && d.in_use == 2, "{d:?}");
    assert!(d.retry_after > Duration::ZERO && d.retry_after <= Duration::from_millis(400));
    assert!(b.release(p1));
    let p3 = b
        .try_acquire(b"tenant")
        .expect("ok")
        .lease
        .expect("freed by release");
    // p2 and p3's holders "die" (never release): their leases expire.
    drop((p2, p3));
    assert!(a.try_acquire(b"tenant").expect("ok").lease.is_none());
    std::thread::sleep(Duration::from_millis(450));
    let p4 = a
        .try_acquire(b"tenant")
        .expect("ok")
        .lease
        .expect("leases expired");
    // Renewing keeps a lease past its first expiry.
    for _ in 0..4 {
        std::thread::sleep(Duration::from_millis(150));
        assert!(a.renew(&p4));
    }
    let p5 = a
        .try_acquire(b"tenant")
        .expect("ok")
        .lease
        .expect("one left");
    assert!(
        a.try_acquire(b"tenant").expect("ok").lease.is_none(),
        "p4 renewed, p5 held"
    );
    assert!(a.release(p4) && a.release(p5.clone()));
    assert!(!a.release(p5), "a second release finds nothing");
    let ttl: i64 = server
        .cmd(&["PTTL", "seawall:cl:jobs:{warm}"])
        .parse()
        .expect("pttl");
    assert!(
        ttl == -2 || ttl <= 400,
        "an idle key expires with its leases: {ttl}"
    );
}

#[test]
fn concurrency_limit_follows_the_mode_when_redis_is_down() {
    let port = TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .expect("port")
        .port();
    let url = format!("redis://127.0.0.1:{port}");
    let local = climit(&backend(&url, FailureMode::Local), "l", 2, 1000);
    let l1 = local.try_acquire(b"k").expect("ok").lease.expect("local 1");
    let _l2 = local.try_acquire(b"k").expect("ok").lease.expect("local 2");
    assert!(
        local.try_acquire(b"k").expect("ok").lease.is_none(),
        "local max 2"
    );
    assert!(l1.is_local() && local.release(l1));
    assert!(local.try_acquire(b"k").expect("ok").lease.is_some());
    let closed = climit(&backend(&url, FailureMode::Closed), "c", 2, 1000);
    assert!(closed.try_acquire(b"k").expect("ok").lease.is_none());
    let open = climit(&backend(&url, FailureMode::Open), "o", 1, 1000);
    for _ in 0..3 {
        assert!(open.try_acquire(b"k").expect("ok").lease.is_some());
    }
    let be = backend(&url, FailureMode::Open);
    let bad = |r: seawall::Result<RedisConcurrencyLimit>| r.unwrap_err().field();
    assert_eq!(
        bad(RedisConcurrencyLimit::new(
            &be,
            "",
            1,
            Duration::from_secs(1)
        )),
        Some("name")
    );
    assert_eq!(
        bad(RedisConcurrencyLimit::new(
            &be,
            "a",
            0,
            Duration::from_secs(1)
        )),
        Some("max_concurrent")
    );
    assert_eq!(
        bad(RedisConcurrencyLimit::new(&be, "a", 1, Duration::ZERO)),
        Some("lease")
    );
    assert_eq!(
        bad(RedisConcurrencyLimit::new(
            &be,
            "a",
            1,
            Duration::from_secs(90_000)
        )),
        Some("lease")
    );
    assert_eq!(open.try_acquire(b"").unwrap_err().field(), Some("key"));
}

#[test]
fn feature_flags_cache_disable_for_a_while_and_safe_default_when_redis_is_down() {
    use seawall::redis::{FlagSource, RedisFeatureFlags};
    use seawall::ManualClock;
    let Some(mut server) = RedisServer::start() else {
        return;
    };
    let clock = ManualClock::new();
    let be = backend(&server.url(), FailureMode::Closed);
    let ff =
        RedisFeatureFlags::with_clock(&be, "app", Duration::from_secs(1), &clock).expect("flags");
    let other = RedisFeatureFlags::new(
        &backend(&server.url(), FailureMode::Closed),
        "app",
        Duration::ZERO,
    )
    .expect("flags");
    // Never set: the safe default, read from Redis.
    let t0 = Instant::now();
    while ff.lookup(b"recs", true).expect("ok").1 != FlagSource::Redis {
        assert!(t0.elapsed() < Duration::from_secs(10));
    }
    assert_eq!(
        ff.lookup(b"recs", false).expect("ok"),
        (false, FlagSource::Cache)
    );
    assert!(other.set(b"recs", true).expect("ok"));
    // Cached for cache_ttl on the manual clock, then read again.
    assert_eq!(
        ff.lookup(b"recs", false).expect("ok"),
        (false, FlagSource::Cache)
    );
    clock.advance(Duration::from_secs(1));
    assert_eq!(
        ff.lookup(b"recs", false).expect("ok"),
        (true, FlagSource::Redis)
    );
    // disable(flag, for): off for every host, back by itself.
    assert!(other
        .disable(b"recs", Duration::from_millis(300))
        .expect("ok"));
    assert!(!other.is_enabled(b"recs", true).expect("ok"));
    let ttl: i64 = server
        .cmd(&["PTTL", "seawall:ff:app:{recs}:off"])
        .parse()
        .expect("pttl");
    assert!(ttl > 0 && ttl <= 300, "{ttl}");
    std::thread::sleep(Duration::from_millis(350));
    assert!(
        other.is_enabled(b"recs", false).expect("ok"),
        "back after the disable ran out"
    );
    // Redis down: the safe default, never an error, not cached.
    server.kill();
    clock.advance(Duration::from_secs(1));
    assert_eq!(
        ff.lookup(b"recs", false).expect("ok"),
        (false, FlagSource::Default)
    );
    assert_eq!(
        ff.lookup(b"recs", true).expect("ok"),
        (true, FlagSource::Default)
    );
    assert!(
        !other.set(b"recs", true).expect("ok"),
        "a write Redis did not take says so"
    );
    // Bad input names the parameter.
    assert_eq!(ff.is_enabled(b"", true).unwrap_err().field(), Some("flag"));
    assert_eq!(
        ff.is_enabled(&[b'f'; 1025], true).unwrap_err().field(),
        Some("flag")
    );
    assert_eq!(
        ff.disable(b"f", Duration::ZERO).unwrap_err().field(),
        Some("for")
    );
    assert_eq!(
        RedisFeatureFlags::new(&be, "", Duration::ZERO)
            .unwrap_err()
            .field(),
        Some("namespace")
    );
    assert_eq!(
        RedisFeatureFlags::new(&be, "a", Duration::from_secs(7200))
            .unwrap_err()
            .field(),
        Some("cache_ttl")
    );
}
