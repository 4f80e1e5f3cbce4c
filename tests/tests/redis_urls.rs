//! The backend's one URL (`spec/redis.md`, field `url`): `redis://`,
//! `rediss://` (TLS against a real TLS redis-server whose throwaway CA is
//! made by the test), `unix://` / `redis+unix://`, with user, password and
//! database; a certificate from an untrusted CA refused and answered by the
//! failure mode within the deadline; bad URLs as typed errors naming `url`
//! and showing the value (password masked). Also: a backend whose last
//! reference goes away on its own runtime thread shuts down without a panic.

// Real time on purpose: these tests measure a real server's deadlines.
#![allow(clippy::disallowed_methods)]

use seawall::redis::{FailureMode, RedisBackend, RedisConfig, RedisLimiter};
use seawall::token_bucket::TokenBucketConfig;
use seawall::{Decision, ErrorKind};
use seawall_tests::redis_server::RedisServer;
use std::sync::Arc;
use std::time::{Duration, Instant};

/// Above the 50 ms default: a TLS handshake on a loaded 2-core machine.
const DEADLINE: Duration = Duration::from_millis(300);
/// Scheduling margin; a hang would be seconds.
const MARGIN: Duration = Duration::from_millis(250);

fn limiter(url: &str, mode: FailureMode, name: &str) -> RedisLimiter {
    let mut cfg = RedisConfig::new(url);
    cfg.on_failure = mode;
    cfg.deadline = DEADLINE;
    cfg.retry_initial = Duration::from_millis(50);
    cfg.retry_max = Duration::from_millis(200);
    let backend = RedisBackend::new(cfg).expect("backend");
    RedisLimiter::token_bucket(
        &backend,
        name,
        TokenBucketConfig {
            burst: 2,
            rate_per_sec: 0.001,
            initial_tokens: None,
        },
    )
    .expect("limiter")
}

fn timed(l: &RedisLimiter, key: &[u8]) -> Decision {
    let t0 = Instant::now();
    let d = l.try_acquire(key, 1).expect("no error for valid input");
    assert!(t0.elapsed() <= DEADLINE + MARGIN, "took {:?}", t0.elapsed());
    d
}

/// Two grants, then a denial, all answered by Redis (no fallback): the
/// limit lives in Redis behind this URL.
fn decides_in_redis(l: &RedisLimiter) {
    let t0 = Instant::now();
    while l.backend().metrics().redis_ok == 0 {
        assert!(
            t0.elapsed() < Duration::from_secs(10),
            "{:?}",
            l.backend().metrics()
        );
        let _ = l.peek(b"warm-up", 1);
    }
    let m0 = l.backend().metrics();
    assert!(timed(l, b"u").allowed);
    assert!(timed(l, b"u").allowed);
    assert!(!timed(l, b"u").allowed);
    let m = l.backend().metrics();
    assert_eq!(
        (m.redis_ok - m0.redis_ok, m.fallbacks - m0.fallbacks),
        (3, 0),
        "{m:?}"
    );
}

/// `key`'s count of keys in database `db` (`INFO keyspace`), via the
/// plain admin connection.
fn keys_in_db(server: &RedisServer, db: u32) -> u64 {
    let info = server.cmd(&["INFO", "keyspace"]);
    info.lines()
        .find_map(|l| l.strip_prefix(&format!("db{db}:keys=")))
        .and_then(|rest| rest.split(',').next())
        .and_then(|n| n.parse().ok())
        .unwrap_or(0)
}

#[test]
fn rediss_with_the_servers_ca_trusted_decides_in_redis() {
    let Some(server) = RedisServer::start_tls() else {
        return;
    };
    let ca = format!("?ssl_ca_certs={}", server.ca_file().display());
    for (host, name) in [("127.0.0.1", "tls-ip"), ("localhost", "tls-dns")] {
        let l = limiter(&server.tls_url(host, &ca), FailureMode::Closed, name);
        decides_in_redis(&l);
        let m = l.backend().metrics();
        assert_eq!((m.errors, m.timeouts), (0, 0), "{m:?}");
    }
    assert_eq!(
        keys_in_db(&server, 0),
        2,
        "key u of each limiter (peek writes nothing)"
    );
    // The non-blocking path (one multiplexed TLS connection) as well.
    let l = Arc::new(limiter(
        &server.tls_url("127.0.0.1", &ca),
        FailureMode::Closed,
        "tls-async",
    ));
    let got: Vec<bool> = (0..3).map(|_| then(&l, b"a").allowed).collect();
    let m = l.backend().metrics();
    assert_eq!(got, [true, true, false], "{m:?}");
    assert_eq!((m.redis_ok, m.fallbacks), (3, 0), "{m:?}");
}

#[test]
fn a_certificate_from_an_untrusted_ca_is_refused_and_the_mode_answers() {
    let Some(server) = RedisServer::start_tls() else {
        return;
    };
    let other = format!("?ssl_ca_certs={}", server.other_ca_file().display());
    // An unrelated CA trusted, then the built-in (Mozilla) roots: the
    // throwaway CA is in neither.
    for (query, name) in [(other.as_str(), "other-ca"), ("", "web-roots")] {
        let url = server.tls_url("127.0.0.1", query);
        let closed = limiter(&url, FailureMode::Closed, name);
        for _ in 0..10 {
            assert!(!timed(&closed, b"k").allowed);
        }
        let m = closed.backend().metrics();
        assert!(
            m.errors >= 1 && m.fallbacks == 10 && m.redis_ok == 0,
            "{m:?}"
        );
        let err = m.last_error.unwrap_or_default();
        assert!(err.contains("certificate"), "{err}");
        let open = limiter(&url, FailureMode::Open, name);
        for _ in 0..5 {
            assert!(timed(&open, b"k").allowed);
        }
        assert_eq!(open.backend().metrics().redis_ok, 0);
    }
    // The right CA, but a host name the certificate does not carry
    // (it names 127.0.0.1 and localhost; the server also listens on
    // 127.0.0.2).
    let ca = format!("?ssl_ca_certs={}", server.ca_file().display());
    let l = limiter(
        &server.tls_url("127.0.0.2", &ca),
        FailureMode::Closed,
        "name",
    );
    assert!(!timed(&l, b"k").allowed);
    let m = l.backend().metrics();
    let err = m.last_error.clone().unwrap_or_default();
    assert!(m.redis_ok == 0 && err.contains("certificate"), "{m:?}");
    // The non-blocking path refuses it as well.
    let l = Arc::new(limiter(
        &server.tls_url("127.0.0.1", &other),
        FailureMode::Closed,
        "async",
    ));
    assert!(!then(&l, b"k").allowed);
    let m = l.backend().metrics();
    assert!(m.errors >= 1 && m.redis_ok == 0, "{m:?}");
    assert_eq!(keys_in_db(&server, 0), 0, "nothing reached Redis");
}

#[test]
fn every_url_form_with_user_password_and_database_reaches_that_database() {
    let acl = ["--user", "alice", "on", ">alice-pw", "~*", "&*", "+@all"];
    let Some(server) = RedisServer::start_tls_with(&acl) else {
        return;
    };
    let sock = server.dir.join("redis.sock");
    let sock = sock.display();
    let ca = server.ca_file();
    let ca = ca.display();
    let (p, t) = (server.port, server.tls_port.unwrap_or(0));
    let forms = [
        (format!("redis://alice:alice-pw@127.0.0.1:{p}/1"), 1),
        (
            format!("rediss://alice:alice-pw@localhost:{t}/2?ssl_ca_certs={ca}"),
            2,
        ),
        (format!("unix://{sock}?db=3&user=alice&pass=alice-pw"), 3),
        (
            format!("redis+unix://{sock}?db=4&user=alice&pass=alice-pw"),
            4,
        ),
    ];
    for (i, (url, db)) in forms.iter().enumerate() {
        let l = limiter(url, FailureMode::Closed, &format!("form{i}"));
        decides_in_redis(&l);
        assert_eq!(keys_in_db(&server, *db), 1, "{url}: key u in db {db}");
        // The same URL with the wrong password: refused, mode answers,
        // the password never shown.
        let wrong = url.replace("alice-pw", "not-it");
        let l = limiter(&wrong, FailureMode::Closed, "wrong");
        assert!(!timed(&l, b"u").allowed);
        let m = l.backend().metrics();
        assert!(m.errors >= 1 && m.redis_ok == 0, "{wrong}: {m:?}");
        let err = m.last_error.unwrap_or_default();
        assert!(!err.is_empty() && !err.contains("not-it"), "{err}");
    }
}

#[test]
fn bad_urls_are_typed_errors_naming_url_and_showing_the_value() {
    let dir = std::env::temp_dir().join(format!("seawall-urls-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("dir");
    let empty_pem = dir.join("empty.pem");
    std::fs::write(&empty_pem, "not a certificate\n").expect("write");
    let empty_pem = format!("rediss://h/0?ssl_ca_certs={}", empty_pem.display());
    let cases: Vec<(String, &str)> = vec![
        ("rediss:/".into(), "rediss:/"),
        ("redis://:@".into(), "redis://:@"),
        ("ftp://h:1".into(), "ftp://h:1"),
        ("localhost:6379".into(), "localhost:6379"),
        ("redis://h:99999".into(), "redis://h:99999"),
        ("redis://h:0".into(), "redis://h:0"),
        ("redis://h/-1".into(), "redis://h/-1"),
        ("redis://h/x".into(), "redis://h/x"),
        ("redis://h/0?dbb=1".into(), "dbb"),
        ("unix://".into(), "unix://"),
        ("unix:///tmp/r.sock?db=-1".into(), "db=-1"),
        ("unix:///tmp/r.sock?db=1&db=2".into(), "twice"),
        ("rediss://h/0#insecure".into(), "#insecure"),
        (
            "rediss://h/0?ssl_ca_certs=/no/such/ca.pem".into(),
            "/no/such/ca.pem",
        ),
        (empty_pem.clone(), "no PEM certificate"),
        ("redis://u:hunter2@h:99999".into(), "redis://u:***@h:99999"),
        ("unix:///tmp/r.sock?pass=hunter2&db=-1".into(), "pass=***"),
    ];
    for (url, shown) in &cases {
        let e = RedisBackend::new(RedisConfig::new(url.as_str())).expect_err(url);
        assert!(matches!(e.kind(), ErrorKind::InvalidConfig), "{url}: {e}");
        assert_eq!(e.field(), Some("url"), "{url}: {e}");
        let msg = e.to_string();
        assert!(msg.contains(shown), "{url}: {msg}");
        assert!(!msg.contains("hunter2"), "{url}: {msg}");
    }
    let _ = std::fs::remove_dir_all(&dir);
    // And the good forms construct (no connection is made).
    for url in [
        "redis://h",
        "redis://u:p@h:6380/15",
        "rediss://h:6380",
        "unix:///tmp/r.sock?db=2&user=u&pass=p",
        "redis+unix:///tmp/r.sock",
    ] {
        RedisBackend::new(RedisConfig::new(url)).expect(url);
    }
}

/// One non-blocking decision (the multiplexed connection on the
/// backend's runtime), waited for here.
fn then(l: &Arc<RedisLimiter>, key: &[u8]) -> Decision {
    let (tx, rx) = std::sync::mpsc::channel();
    let t0 = Instant::now();
    l.try_acquire_then(key, 1, move |r| {
        let _ = tx.send(r);
    });
    let d = rx
        .recv_timeout(Duration::from_secs(5))
        .expect("callback")
        .expect("no error for valid input");
    assert!(t0.elapsed() <= DEADLINE + MARGIN, "took {:?}", t0.elapsed());
    d
}

/// The last reference to a backend can go away inside its own runtime: a
/// non-blocking decision's task holds the limiter until its callback has
/// run, and the caller may drop everything before the reply comes. Its
/// runtime must then shut down without the panic tokio raises when a
/// runtime is dropped from one of its own threads.
#[test]
fn dropping_the_last_reference_during_an_async_decision_does_not_panic() {
    let Some(server) = RedisServer::start() else {
        return;
    };
    static PANICS: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);
    let prev = std::panic::take_hook();
    std::panic::set_hook(Box::new(move |info| {
        if info.to_string().contains("drop a runtime") {
            PANICS.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        }
        prev(info);
    }));
    for i in 0..5 {
        let l = Arc::new(limiter(&server.url(), FailureMode::Closed, "drop"));
        let (tx, rx) = std::sync::mpsc::channel();
        l.try_acquire_then(format!("k{i}").as_bytes(), 1, move |r| {
            let _ = tx.send(r.map(|d| d.allowed));
        });
        drop(l); // the task now holds the only reference
        let got = rx.recv_timeout(Duration::from_secs(5)).expect("callback");
        assert!(got.expect("valid input"), "a fresh key is allowed");
    }
    // The task drops its reference right after the callback.
    let t0 = Instant::now();
    while t0.elapsed() < Duration::from_millis(500) {
        std::thread::sleep(Duration::from_millis(10));
    }
    assert_eq!(PANICS.load(std::sync::atomic::Ordering::Relaxed), 0);
}
