//! The sans-I/O connection state (`seawall::redis::WireConn`, what Node
//! drives from its event loop) against a real redis-server, over a plain
//! blocking socket that only moves bytes: decisions agree with Redis, one
//! `EVALSHA` per decision, `SCRIPT FLUSH` reloaded transparently, a wrong
//! password answered by the mode.

use seawall::redis::{
    Begun, FailureMode, Op, RedisBackend, RedisConfig, RedisLimiter, WireConn, WireTarget,
};
use seawall::token_bucket::TokenBucketConfig;
use seawall::Decision;
use seawall_tests::redis_server::RedisServer;
use std::io::{Read, Write};
use std::net::TcpStream;
use std::sync::Arc;
use std::time::Duration;

fn limiter(url: &str) -> (RedisBackend, Arc<RedisLimiter>) {
    let mut cfg = RedisConfig::new(url);
    cfg.on_failure = FailureMode::Closed;
    cfg.deadline = Duration::from_secs(2);
    let b = RedisBackend::new(cfg).expect("backend");
    let l = RedisLimiter::token_bucket(
        &b,
        "wire",
        TokenBucketConfig {
            burst: 3,
            rate_per_sec: 0.001,
            initial_tokens: None,
        },
    )
    .expect("limiter");
    (b, Arc::new(l))
}

/// A binding in miniature: a socket that writes what the state says and
/// feeds it what it reads.
struct Driver {
    wire: WireConn,
    sock: Option<TcpStream>,
}

impl Driver {
    fn new(b: &RedisBackend) -> Self {
        Self {
            wire: WireConn::new(b),
            sock: None,
        }
    }

    fn decide(&mut self, l: &Arc<RedisLimiter>, key: &[u8], id: u64) -> Decision {
        let bytes = match self.wire.begin(l, key, 1, Op::Acquire, id).expect("valid") {
            Begun::Decided(d) => return d,
            Begun::Send(b) => b,
        };
        if self.sock.is_none() {
            let WireTarget::Tcp { host, port } = self.wire.target() else {
                panic!("a TCP URL")
            };
            let s = TcpStream::connect((host.as_str(), port)).expect("connect");
            s.set_read_timeout(Some(Duration::from_secs(5)))
                .expect("timeout");
            self.sock = Some(s);
        }
        let mut s = self.sock.take().expect("socket");
        s.write_all(&bytes).expect("write");
        let mut buf = [0u8; 7];
        loop {
            let n = s.read(&mut buf).expect("read");
            let out = if n == 0 {
                self.wire.closed("closed by the server")
            } else {
                self.wire.feed(&buf[..n])
            };
            if !out.send.is_empty() {
                s.write_all(&out.send).expect("resend");
            }
            let done = out.done.into_iter().find(|(i, _)| *i == id);
            if let Some((_, d)) = done {
                if !out.drop {
                    self.sock = Some(s);
                }
                return d;
            }
            assert!(!out.drop, "dropped without settling {id}");
        }
    }
}

#[test]
fn decisions_through_the_state_machine_match_redis() {
    let Some(server) = RedisServer::start() else {
        return;
    };
    let (b, l) = limiter(&server.url());
    let mut d = Driver::new(&b);
    let got: Vec<bool> = (0..5).map(|i| d.decide(&l, b"user", i).allowed).collect();
    assert_eq!(got, [true, true, true, false, false]);
    let calls = server.command_calls();
    // 5 decisions: 1 EVALSHA each, plus the one EVAL of the first (NOSCRIPT
    // on a fresh server).
    assert_eq!(calls.get("evalsha"), Some(&5), "{calls:?}");
    assert_eq!(calls.get("eval"), Some(&1), "{calls:?}");
    server.cmd(&["SCRIPT", "FLUSH"]);
    assert!(
        !d.decide(&l, b"user", 9).allowed,
        "Redis' answer after a reload"
    );
    let m = b.metrics();
    assert_eq!(
        (m.redis_ok, m.errors, m.fallbacks, m.connects),
        (6, 0, 0, 1)
    );
    // A key the blocking path wrote reads the same through the wire.
    assert!(l.try_acquire(b"both", 1).expect("valid").allowed);
    let d2 = d.decide(&l, b"both", 10);
    assert_eq!((d2.allowed, d2.remaining), (true, 1));
}

#[test]
fn a_wrong_password_is_answered_by_the_mode() {
    let Some(server) = RedisServer::start_with(&["--requirepass", "right"]) else {
        return;
    };
    let url = server.url().replace("redis://", "redis://:hunter2@");
    let (b, l) = limiter(&url);
    let mut d = Driver::new(&b);
    assert!(!d.decide(&l, b"u", 1).allowed, "fail closed");
    let m = b.metrics();
    assert_eq!((m.redis_ok, m.errors, m.fallbacks), (0, 1, 1));
    let e = m.last_error.expect("why");
    assert!(e.contains("AUTH") && !e.contains("hunter2"), "{e}");
    let url = server.url().replace("redis://", "redis://:right@");
    let (b, l) = limiter(&url);
    assert!(Driver::new(&b).decide(&l, b"u", 1).allowed);
}
