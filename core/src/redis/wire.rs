//! The Redis limiters without I/O: a per-connection state machine for a
//! binding that owns the socket (Node writes and reads on its event loop,
//! `spec/redis.md` "Node: I/O on the event loop").
//!
//! Every decision stays here: input checks, the breaker around Redis, the
//! `EVALSHA` bytes, reply parsing, `NOSCRIPT` reload, deadlines and the
//! failure mode. The binding only moves bytes and runs one timer:
//!
//! - [`WireConn::begin`] for a decision: answered now ([`Begun::Decided`]:
//!   the breaker is open) or bytes to append to the socket ([`Begun::Send`];
//!   the first after a disconnect starts with the handshake, `AUTH` /
//!   `SELECT`, and the binding opens the socket to [`WireConn::target`]).
//! - [`WireConn::feed`] with what the socket read: the finished decisions
//!   (replies are matched first in, first out), and bytes to resend (a
//!   `NOSCRIPT` reply is answered with `EVAL` of the script body, once).
//! - [`WireConn::expire`] when the one timer fires (armed for
//!   [`WireOut::wait`] or the backend's deadline after a `begin`): a
//!   decision past its deadline is answered by the failure mode as a
//!   timeout, and the connection is dropped ([`WireOut::drop`]): a late
//!   reply can never be read as another decision's.
//! - [`WireConn::closed`] when the socket closed or failed: every decision
//!   in flight is answered by the failure mode; the next admitted
//!   decision reconnects (the breaker spaces the attempts).
//!
//! Counters, breaker and failure mode are the backend's, shared with the
//! blocking and runtime paths.

use super::{now_ns, scripts, Fail, Op, RedisBackend, RedisLimiter, Which};
use crate::circuit_breaker::Permit;
use crate::error::{Error, Result};
use crate::limit::Decision;
use std::collections::VecDeque;
use std::sync::atomic::Ordering;
use std::sync::Arc;
use std::time::Duration;

/// Where the binding connects (from the backend's URL).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum WireTarget {
    /// `redis://host:port`.
    Tcp {
        /// Host name or IP address.
        host: String,
        /// Port.
        port: u16,
    },
    /// `rediss://host:port`: TLS; the server's certificate must chain to
    /// `ca_pem` (the `ssl_ca_certs` file) or, without it, to the usual
    /// public roots, and name `host`.
    Tls {
        /// Host name or IP address (checked against the certificate).
        host: String,
        /// Port.
        port: u16,
        /// The PEM of `ssl_ca_certs`, read when the backend was built.
        ca_pem: Option<Vec<u8>>,
    },
    /// `unix:///path.sock`.
    Unix {
        /// The socket's path.
        path: String,
    },
}

/// What [`WireConn::begin`] answers.
#[derive(Debug)]
pub enum Begun {
    /// Decided now (the breaker around Redis is open): the failure mode's
    /// answer, counted as short-circuited.
    Decided(Decision),
    /// Append these bytes to the socket; the decision comes from a later
    /// [`WireConn::feed`], [`WireConn::expire`] or [`WireConn::closed`]
    /// under the caller's id.
    Send(Vec<u8>),
}

/// What [`WireConn::feed`], [`WireConn::expire`] and [`WireConn::closed`]
/// answer.
#[derive(Debug, Default)]
pub struct WireOut {
    /// Finished decisions: (the id given to `begin`, the decision).
    pub done: Vec<(u64, Decision)>,
    /// Bytes to append to the socket (a script reload), maybe empty.
    pub send: Vec<u8>,
    /// Destroy the socket: nothing more is read from it. The next
    /// `begin` that reaches Redis starts a new connection.
    pub drop: bool,
    /// ([`WireConn::expire`] only) how long until the oldest decision in
    /// flight reaches its deadline: when to fire the timer again. `None`
    /// when nothing is in flight.
    pub wait: Option<Duration>,
}

enum Kind {
    /// A reply of the connection's handshake (`AUTH`, `SELECT`).
    Handshake(&'static str),
    Script(Box<Script>),
}

struct Script {
    limiter: Arc<RedisLimiter>,
    key: Vec<u8>,
    n: u64,
    op: Op,
    permit: Permit,
    which: Which,
    rkey: Vec<u8>,
    args: Vec<String>,
    /// Sent again as `EVAL` after `NOSCRIPT` (only once).
    reloaded: bool,
}

struct Ticket {
    id: u64,
    started: u64,
    deadline: u64,
    kind: Kind,
}

/// One connection's state for a binding that does the I/O itself: the
/// requests in flight (first in, first out, as Redis answers them) and
/// the bytes of a reply not yet complete. Not thread-safe by design: the
/// binding owns it on its one I/O thread (Node's event loop).
pub struct WireConn {
    backend: RedisBackend,
    /// A socket is open (or opening): `begin` sends no handshake.
    up: bool,
    /// Nothing was read yet on this connection (counted in `connects`
    /// at its first reply: it is open then).
    fresh: bool,
    inflight: VecDeque<Ticket>,
    buf: Vec<u8>,
}

impl std::fmt::Debug for WireConn {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("WireConn")
            .field("backend", &self.backend)
            .field("up", &self.up)
            .field("inflight", &self.inflight.len())
            .finish()
    }
}

/// Appends one RESP command (an array of bulk strings).
fn encode(out: &mut Vec<u8>, parts: &[&[u8]]) {
    use std::io::Write;
    // Writing to a Vec cannot fail.
    let _ = write!(out, "*{}\r\n", parts.len());
    for p in parts {
        let _ = write!(out, "${}\r\n", p.len());
        out.extend_from_slice(p);
        out.extend_from_slice(b"\r\n");
    }
}

/// One RESP2 value.
#[derive(Debug, PartialEq)]
enum Resp {
    Simple(Vec<u8>),
    Error(String),
    Int(i64),
    Bulk(Option<Vec<u8>>),
    Array(Option<Vec<Resp>>),
}

/// Parses one value at the start of `b`: `Ok(None)` if incomplete,
/// `Ok(Some((value, bytes used)))`, or `Err` for bytes that are not RESP.
fn parse(b: &[u8], depth: u32) -> std::result::Result<Option<(Resp, usize)>, String> {
    let Some(end) = b.windows(2).position(|w| w == b"\r\n") else {
        return Ok(None);
    };
    let (Some(&tag), Some(line)) = (b.first(), b.get(1..end)) else {
        return Err("empty reply line".into());
    };
    let used = end + 2;
    let text = || String::from_utf8_lossy(line).into_owned();
    let int = || -> std::result::Result<i64, String> {
        std::str::from_utf8(line)
            .ok()
            .and_then(|s| s.parse::<i64>().ok())
            .ok_or_else(|| format!("not a number in a reply: {:?}", text()))
    };
    match tag {
        b'+' => Ok(Some((Resp::Simple(line.to_vec()), used))),
        b'-' => Ok(Some((Resp::Error(text()), used))),
        b':' => Ok(Some((Resp::Int(int()?), used))),
        b'$' => {
            let len = int()?;
            if len < 0 {
                return Ok(Some((Resp::Bulk(None), used)));
            }
            let len = usize::try_from(len).map_err(|_| "bulk length".to_string())?;
            let Some(body) = b.get(used..used + len) else {
                return Ok(None);
            };
            match b.get(used + len..used + len + 2) {
                None => Ok(None),
                Some(b"\r\n") => Ok(Some((Resp::Bulk(Some(body.to_vec())), used + len + 2))),
                Some(_) => Err("a bulk string without its CRLF".into()),
            }
        }
        b'*' => {
            let len = int()?;
            if len < 0 {
                return Ok(Some((Resp::Array(None), used)));
            }
            if depth > 4 || len > 64 {
                return Err(format!("an unexpected reply (array of {len})"));
            }
            let mut at = used;
            let mut items = Vec::new();
            for _ in 0..len {
                match parse(b.get(at..).unwrap_or(&[]), depth + 1)? {
                    None => return Ok(None),
                    Some((v, n)) => {
                        items.push(v);
                        at += n;
                    }
                }
            }
            Ok(Some((Resp::Array(Some(items)), at)))
        }
        _ => Err(format!(
            "a reply starting with {:?} (not RESP2)",
            char::from(tag)
        )),
    }
}

impl WireConn {
    /// A connection state for `backend` (nothing is opened: the first
    /// admitted [`begin`](Self::begin) starts with the handshake).
    pub fn new(backend: &RedisBackend) -> Self {
        Self {
            backend: backend.clone(),
            up: false,
            fresh: false,
            inflight: VecDeque::new(),
            buf: Vec::new(),
        }
    }

    /// Where to connect, from the backend's URL.
    pub fn target(&self) -> WireTarget {
        let inner = &self.backend.inner;
        match inner.client.get_connection_info().addr() {
            ::redis::ConnectionAddr::TcpTls { host, port, .. } => WireTarget::Tls {
                host: host.clone(),
                port: *port,
                ca_pem: inner.ca_pem.clone(),
            },
            ::redis::ConnectionAddr::Unix(p) => WireTarget::Unix {
                path: p.to_string_lossy().into_owned(),
            },
            ::redis::ConnectionAddr::Tcp(host, port) => WireTarget::Tcp {
                host: host.clone(),
                port: *port,
            },
            // A future address kind of redis-rs: its Display is host:port.
            other => WireTarget::Tcp {
                host: other.to_string(),
                port: 6379,
            },
        }
    }

    /// The backend's per-decision deadline (the binding arms its timer
    /// for it after a `begin` when none is armed).
    pub fn deadline(&self) -> Duration {
        self.backend.inner.cfg.deadline
    }

    /// Decisions in flight (handshake replies not counted).
    pub fn in_flight(&self) -> usize {
        self.inflight
            .iter()
            .filter(|t| matches!(t.kind, Kind::Script(_)))
            .count()
    }

    /// Starts a decision of `limiter` (of this connection's backend) for
    /// `n` of `key`, settled later under `id`. `Err` only for bad input
    /// (as the blocking call); an open breaker answers now.
    pub fn begin(
        &mut self,
        limiter: &Arc<RedisLimiter>,
        key: &[u8],
        n: u64,
        op: Op,
        id: u64,
    ) -> Result<Begun> {
        if !Arc::ptr_eq(&limiter.backend.inner, &self.backend.inner) {
            return Err(Error::argument(
                "limiter",
                "belongs to another backend than this connection's",
            ));
        }
        let (which, rkey, args) = limiter.prepare(key, n, op, None)?;
        let permit = match limiter.admit(key, n, op) {
            Ok(p) => p,
            Err(d) => {
                limiter.count(op, &d);
                return Ok(Begun::Decided(d));
            }
        };
        let started = now_ns();
        let deadline =
            started.saturating_add(u64::try_from(self.deadline().as_nanos()).unwrap_or(u64::MAX));
        let mut out = Vec::with_capacity(128 + rkey.len());
        if !self.up {
            self.handshake(&mut out, started, deadline);
        }
        let sha = self.sha(which);
        let mut parts: Vec<&[u8]> = Vec::with_capacity(4 + args.len());
        parts.extend_from_slice(&[b"EVALSHA", sha.as_bytes(), b"1", &rkey]);
        parts.extend(args.iter().map(|a| a.as_bytes()));
        encode(&mut out, &parts);
        self.inflight.push_back(Ticket {
            id,
            started,
            deadline,
            kind: Kind::Script(Box::new(Script {
                limiter: Arc::clone(limiter),
                key: key.to_vec(),
                n,
                op,
                permit,
                which,
                rkey,
                args,
                reloaded: false,
            })),
        });
        Ok(Begun::Send(out))
    }

    fn sha(&self, which: Which) -> &str {
        match which {
            Which::Gcra => self.backend.inner.gcra.get_hash(),
            Which::Window => self.backend.inner.window.get_hash(),
        }
    }

    /// `AUTH` and `SELECT` from the URL, ahead of the first command of a
    /// new connection (their replies come first).
    fn handshake(&mut self, out: &mut Vec<u8>, started: u64, deadline: u64) {
        self.up = true;
        self.fresh = true;
        self.buf.clear();
        let backend = self.backend.clone();
        let info = backend.inner.client.get_connection_info();
        let s = info.redis_settings();
        if let Some(pass) = s.password() {
            match s.username() {
                Some(user) => encode(out, &[b"AUTH", user.as_bytes(), pass.as_bytes()]),
                None => encode(out, &[b"AUTH", pass.as_bytes()]),
            }
            self.push_handshake("AUTH", started, deadline);
        }
        if s.db() != 0 {
            encode(out, &[b"SELECT", s.db().to_string().as_bytes()]);
            self.push_handshake("SELECT", started, deadline);
        }
    }

    fn push_handshake(&mut self, what: &'static str, started: u64, deadline: u64) {
        self.inflight.push_back(Ticket {
            id: 0,
            started,
            deadline,
            kind: Kind::Handshake(what),
        });
    }

    /// What the socket read (any split: a reply may come in pieces, many
    /// in one). Bytes with nothing in flight (a late reply on a socket the
    /// binding was told to drop) are ignored.
    pub fn feed(&mut self, bytes: &[u8]) -> WireOut {
        let mut out = WireOut::default();
        if self.inflight.is_empty() {
            self.buf.clear();
            return out;
        }
        self.buf.extend_from_slice(bytes);
        let mut at = 0usize;
        loop {
            let rest = self.buf.get(at..).unwrap_or(&[]);
            if rest.is_empty() {
                break;
            }
            match parse(rest, 0) {
                Ok(None) => break,
                Ok(Some((v, used))) => {
                    at += used;
                    if self.fresh {
                        self.fresh = false;
                        self.backend
                            .inner
                            .counters
                            .connects
                            .fetch_add(1, Ordering::Relaxed);
                    }
                    if let Err(why) = self.reply(v, &mut out) {
                        self.fail_all(&mut out, |_| Fail::Redis(why.clone()));
                        return out;
                    }
                }
                Err(why) => {
                    let why = format!("protocol error: {why}");
                    self.fail_all(&mut out, |_| Fail::Redis(why.clone()));
                    return out;
                }
            }
        }
        self.buf.drain(..at.min(self.buf.len()));
        out
    }

    /// One reply, for the oldest ticket. `Err` drops the connection.
    fn reply(&mut self, v: Resp, out: &mut WireOut) -> std::result::Result<(), String> {
        let Some(t) = self.inflight.pop_front() else {
            return Err("a reply nobody asked for".into());
        };
        let s = match t.kind {
            Kind::Handshake(what) => {
                return match v {
                    Resp::Error(e) => Err(format!("{what}: {e}")),
                    _ => Ok(()),
                }
            }
            Kind::Script(s) => s,
        };
        let r = match v {
            Resp::Error(e) if e.starts_with("NOSCRIPT") && !s.reloaded => {
                // Reload transparently: EVAL loads the script and runs it.
                // Its reply comes after everything in flight now, so the
                // ticket goes to the back.
                let body = match s.which {
                    Which::Gcra => scripts::gcra(),
                    Which::Window => scripts::window(),
                };
                let mut parts: Vec<&[u8]> = Vec::with_capacity(4 + s.args.len());
                parts.extend_from_slice(&[b"EVAL", body.as_bytes(), b"1", &s.rkey]);
                parts.extend(s.args.iter().map(|a| a.as_bytes()));
                encode(&mut out.send, &parts);
                let mut s = s;
                s.reloaded = true;
                self.inflight.push_back(Ticket {
                    kind: Kind::Script(s),
                    ..t
                });
                return Ok(());
            }
            Resp::Error(e) => Err(Fail::Redis(e)),
            Resp::Array(Some(items)) => match items.as_slice() {
                [Resp::Int(a), Resp::Int(b), Resp::Int(c), Resp::Int(d)] => Ok([*a, *b, *c, *d]),
                _ => Err(Fail::Redis(format!("unexpected script reply {items:?}"))),
            },
            other => Err(Fail::Redis(format!("unexpected script reply {other:?}"))),
        };
        let d = s.limiter.finish(&s.key, s.n, s.op, s.permit, t.started, r);
        s.limiter.count(s.op, &d);
        out.done.push((t.id, d));
        Ok(())
    }

    /// Answers every ticket in flight by the failure mode (`fail` says
    /// why, per ticket) and forgets the connection.
    fn fail_all(&mut self, out: &mut WireOut, fail: impl Fn(&Ticket) -> Fail) {
        self.up = false;
        self.buf.clear();
        out.drop = true;
        for t in std::mem::take(&mut self.inflight) {
            let why = fail(&t);
            if let Kind::Script(s) = t.kind {
                let d = s
                    .limiter
                    .finish(&s.key, s.n, s.op, s.permit, t.started, Err(why));
                s.limiter.count(s.op, &d);
                out.done.push((t.id, d));
            }
        }
    }

    /// The timer fired: [`expire_at`](Self::expire_at) now.
    pub fn expire(&mut self) -> WireOut {
        self.expire_at(now_ns())
    }

    /// At `now` (the monotonic clock's ns): if a decision in flight is past
    /// its deadline, it is answered by the failure mode as a timeout, and
    /// the connection is dropped with every other decision on it (answered
    /// by the mode as a Redis error: a reply behind one that did not come
    /// in time would be as late). Else [`WireOut::wait`] says when to
    /// fire the timer again.
    pub fn expire_at(&mut self, now: u64) -> WireOut {
        let mut out = WireOut::default();
        if self.inflight.iter().any(|t| t.deadline <= now) {
            // The ones not yet expired first, so that `last_error` ends
            // with the timeout.
            let mut late: VecDeque<Ticket> = VecDeque::new();
            let mut rest: VecDeque<Ticket> = VecDeque::new();
            for t in std::mem::take(&mut self.inflight) {
                if t.deadline <= now {
                    late.push_back(t);
                } else {
                    rest.push_back(t);
                }
            }
            self.inflight = rest;
            self.fail_all(&mut out, |_| {
                Fail::Redis("connection dropped: a request ahead on it timed out".into())
            });
            self.inflight = late;
            self.fail_all(&mut out, |_| Fail::Timeout);
            return out;
        }
        out.wait = self
            .inflight
            .iter()
            .map(|t| t.deadline)
            .min()
            .map(|d| Duration::from_nanos(d.saturating_sub(now)));
        out
    }

    /// The socket closed or failed (`reason`: the binding's error text, a
    /// password never in it): every decision in flight is answered by the
    /// failure mode; the next admitted `begin` reconnects.
    pub fn closed(&mut self, reason: &str) -> WireOut {
        let mut out = WireOut::default();
        if !self.up && self.inflight.is_empty() {
            return out;
        }
        let why = format!("connection: {reason}");
        self.fail_all(&mut out, |_| Fail::Redis(why.clone()));
        out
    }
}

#[cfg(test)]
#[allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]
mod tests {
    use super::*;
    use crate::redis::{FailureMode, RedisConfig};
    use crate::token_bucket::TokenBucketConfig;

    fn setup(url: &str, mode: FailureMode) -> (RedisBackend, Arc<RedisLimiter>) {
        let mut cfg = RedisConfig::new(url);
        cfg.on_failure = mode;
        let b = RedisBackend::new(cfg).unwrap();
        let l = RedisLimiter::token_bucket(
            &b,
            "api",
            TokenBucketConfig {
                burst: 10,
                rate_per_sec: 1.0,
                initial_tokens: None,
            },
        )
        .unwrap();
        (b, Arc::new(l))
    }

    fn sent(b: Begun) -> Vec<u8> {
        match b {
            Begun::Send(v) => v,
            Begun::Decided(d) => panic!("decided now: {d:?}"),
        }
    }

    const REPLY: &[u8] = b"*4\r\n:1\r\n:7\r\n:0\r\n:300\r\n";

    #[test]
    fn a_reply_split_byte_by_byte_settles_its_decision() {
        let (b, l) = setup("redis://127.0.0.1:1/0", FailureMode::Closed);
        let mut w = WireConn::new(&b);
        let bytes = sent(w.begin(&l, b"k", 1, Op::Acquire, 41).unwrap());
        let text = String::from_utf8_lossy(&bytes);
        assert!(text.starts_with("*9\r\n$7\r\nEVALSHA\r\n$40\r\n"), "{text}");
        assert!(text.contains("seawall:tb:api:{k}"), "{text}");
        assert_eq!(w.in_flight(), 1);
        for (i, byte) in REPLY.iter().enumerate() {
            let out = w.feed(std::slice::from_ref(byte));
            if i + 1 < REPLY.len() {
                assert!(out.done.is_empty(), "settled early at byte {i}");
            } else {
                assert_eq!(out.done.len(), 1);
                let (id, d) = &out.done[0];
                assert_eq!(*id, 41);
                assert!(d.allowed);
                assert_eq!(d.remaining, 7);
                assert_eq!(d.reset_after, Duration::from_nanos(300));
            }
            assert!(!out.drop);
        }
        let m = b.metrics();
        assert_eq!((m.redis_ok, m.connects, m.fallbacks), (1, 1, 0));
        assert_eq!(l.metrics().allowed, 1);
    }

    #[test]
    fn replies_in_one_read_are_matched_first_in_first_out() {
        let (b, l) = setup("redis://127.0.0.1:1/0", FailureMode::Closed);
        let mut w = WireConn::new(&b);
        let first = sent(w.begin(&l, b"a", 1, Op::Acquire, 1).unwrap());
        let second = sent(w.begin(&l, b"b", 1, Op::Peek, 2).unwrap());
        assert!(!first.is_empty() && !second.is_empty());
        let mut both = REPLY.to_vec();
        both.extend_from_slice(b"*4\r\n:0\r\n:0\r\n:5\r\n:6\r\n");
        let out = w.feed(&both);
        let ids: Vec<u64> = out.done.iter().map(|(id, _)| *id).collect();
        assert_eq!(ids, [1, 2]);
        assert!(out.done[0].1.allowed && !out.done[1].1.allowed);
        assert_eq!(b.metrics().connects, 1, "one handshake for both");
    }

    #[test]
    fn the_handshake_sends_auth_and_select_from_the_url_and_a_refusal_fails_the_mode() {
        let (b, l) = setup("redis://app:s3cret@127.0.0.1:1/3", FailureMode::Closed);
        let mut w = WireConn::new(&b);
        let bytes = sent(w.begin(&l, b"k", 1, Op::Acquire, 9).unwrap());
        let text = String::from_utf8_lossy(&bytes);
        assert!(
            text.starts_with(
                "*3\r\n$4\r\nAUTH\r\n$3\r\napp\r\n$6\r\ns3cret\r\n*2\r\n$6\r\nSELECT\r\n$1\r\n3\r\n*9\r\n$7\r\nEVALSHA"
            ),
            "{text}"
        );
        let out = w.feed(b"-WRONGPASS invalid username-password pair\r\n");
        assert!(out.drop);
        assert_eq!(out.done.len(), 1);
        assert!(!out.done[0].1.allowed, "fail closed");
        let m = b.metrics();
        assert_eq!((m.errors, m.fallbacks, m.redis_ok), (1, 1, 0));
        assert!(m.last_error.unwrap().contains("AUTH: WRONGPASS"));
        // The next decision reconnects: a new handshake.
        let again = sent(w.begin(&l, b"k", 1, Op::Acquire, 10).unwrap());
        assert!(again.starts_with(b"*3\r\n$4\r\nAUTH"));
        assert_eq!(b.metrics().connects, 1, "counted once open (a reply came)");
    }

    #[test]
    fn noscript_is_answered_by_eval_and_the_ticket_waits_behind_the_others() {
        let (b, l) = setup("redis://127.0.0.1:1/0", FailureMode::Closed);
        let mut w = WireConn::new(&b);
        sent(w.begin(&l, b"a", 1, Op::Acquire, 1).unwrap());
        sent(w.begin(&l, b"b", 1, Op::Acquire, 2).unwrap());
        // Redis runs both EVALSHAs before the first EVAL: both NOSCRIPT.
        let out = w.feed(b"-NOSCRIPT No matching script. Please use EVAL.\r\n");
        assert!(out.done.is_empty() && !out.drop);
        let text = String::from_utf8_lossy(&out.send);
        assert!(text.starts_with("*9\r\n$4\r\nEVAL\r\n"), "{text}");
        assert!(text.contains("redis.call") && text.contains("seawall:tb:api:{a}"));
        let out = w.feed(b"-NOSCRIPT No matching script. Please use EVAL.\r\n");
        assert!(String::from_utf8_lossy(&out.send).contains("seawall:tb:api:{b}"));
        // Then the EVALs' replies, in the order they were sent.
        let out = w.feed(REPLY);
        assert_eq!(out.done.iter().map(|x| x.0).collect::<Vec<_>>(), [1]);
        let out = w.feed(b"*4\r\n:1\r\n:9\r\n:0\r\n:1\r\n");
        assert_eq!(out.done.iter().map(|x| x.0).collect::<Vec<_>>(), [2]);
        let m = b.metrics();
        assert_eq!((m.redis_ok, m.errors, m.fallbacks), (2, 0, 0));
        // A second NOSCRIPT for a reloaded ticket is an error, not a loop.
        sent(w.begin(&l, b"c", 1, Op::Acquire, 3).unwrap());
        let out = w.feed(b"-NOSCRIPT again\r\n");
        assert!(out.done.is_empty() && !out.send.is_empty());
        let out = w.feed(b"-NOSCRIPT again\r\n");
        assert_eq!(out.done.len(), 1);
        assert_eq!(b.metrics().errors, 1);
    }

    #[test]
    fn a_timeout_answers_by_the_mode_drops_the_connection_and_ignores_the_late_reply() {
        let (b, l) = setup("redis://127.0.0.1:1/0", FailureMode::Open);
        let mut w = WireConn::new(&b);
        sent(w.begin(&l, b"a", 1, Op::Acquire, 1).unwrap());
        let t0 = now_ns();
        let deadline = u64::try_from(w.deadline().as_nanos()).unwrap();
        // Before the deadline: nothing, and when to look again.
        let out = w.expire_at(t0);
        assert!(out.done.is_empty() && !out.drop);
        let wait = out.wait.unwrap();
        assert!(wait <= w.deadline() && wait > Duration::ZERO, "{wait:?}");
        let out = w.expire_at(now_ns() + deadline + 1);
        assert!(out.drop);
        assert_eq!(out.done.len(), 1);
        assert_eq!(out.done[0].0, 1);
        assert!(out.done[0].1.allowed, "fail open");
        let m = b.metrics();
        assert_eq!((m.timeouts, m.errors, m.fallbacks), (1, 0, 1));
        assert!(m.last_error.unwrap().contains("timed out"));
        // The late reply of the dropped connection settles nothing.
        let out = w.feed(REPLY);
        assert!(out.done.is_empty());
        assert_eq!(w.in_flight(), 0);
        assert_eq!(w.expire().wait, None);
        // A new decision gets its own answer on a new connection.
        sent(w.begin(&l, b"b", 1, Op::Acquire, 2).unwrap());
        assert_eq!(b.metrics().connects, 0, "no reply yet on either");
        let out = w.feed(b"*4\r\n:0\r\n:0\r\n:9\r\n:9\r\n");
        assert_eq!(b.metrics().connects, 1);
        assert_eq!(out.done.len(), 1);
        assert!(!out.done[0].1.allowed, "Redis' answer, not the late one");
    }

    #[test]
    fn a_timeout_drops_the_decisions_behind_it_as_errors() {
        let (b, l) = setup("redis://127.0.0.1:1/0", FailureMode::Closed);
        let mut w = WireConn::new(&b);
        sent(w.begin(&l, b"a", 1, Op::Acquire, 1).unwrap());
        sent(w.begin(&l, b"b", 1, Op::Acquire, 2).unwrap());
        let first = w.inflight[0].deadline;
        w.inflight[1].deadline = first + 1_000_000;
        let out = w.expire_at(first);
        assert!(out.drop);
        // The one not yet due first (so last_error ends with the timeout).
        assert_eq!(out.done.iter().map(|x| x.0).collect::<Vec<_>>(), [2, 1]);
        assert!(out.done.iter().all(|(_, d)| !d.allowed));
        let m = b.metrics();
        assert_eq!((m.timeouts, m.errors, m.fallbacks), (1, 1, 2));
        assert!(m.last_error.unwrap().contains("timed out"));
        assert_eq!(w.in_flight(), 0);
    }

    #[test]
    fn a_close_answers_everything_in_flight_by_the_mode() {
        let (b, l) = setup("redis://127.0.0.1:1/0", FailureMode::Closed);
        let mut w = WireConn::new(&b);
        for id in 1..=3 {
            sent(w.begin(&l, b"a", 1, Op::Acquire, id).unwrap());
        }
        // Half a reply read before the close.
        assert!(w.feed(&REPLY[..5]).done.is_empty());
        let out = w.closed("ECONNRESET");
        assert_eq!(out.done.iter().map(|x| x.0).collect::<Vec<_>>(), [1, 2, 3]);
        assert!(out.done.iter().all(|(_, d)| !d.allowed));
        let m = b.metrics();
        assert_eq!((m.errors, m.fallbacks), (3, 3));
        assert!(m.last_error.unwrap().contains("ECONNRESET"));
        assert_eq!(l.metrics().denied, 3);
        // The breaker opened (3 failures in 1 s): the next is answered now.
        assert_eq!(m.breaker_state, "open");
        match w.begin(&l, b"a", 1, Op::Acquire, 4).unwrap() {
            Begun::Decided(d) => assert!(!d.allowed),
            Begun::Send(_) => panic!("the open breaker must answer"),
        }
        assert_eq!(b.metrics().short_circuited, 1);
        assert!(w.closed("again").done.is_empty());
    }

    #[test]
    fn bad_input_and_garbage_replies() {
        let (b, l) = setup("redis://127.0.0.1:1/0", FailureMode::Closed);
        let mut w = WireConn::new(&b);
        assert!(matches!(
            w.begin(&l, b"", 1, Op::Acquire, 1),
            Err(Error::InvalidArgument { field: "key", .. })
        ));
        assert!(matches!(
            w.begin(&l, b"k", 11, Op::Acquire, 1),
            Err(Error::InvalidArgument { field: "n", .. })
        ));
        let (_, other) = setup("redis://127.0.0.1:1/0", FailureMode::Closed);
        assert!(matches!(
            w.begin(&other, b"k", 1, Op::Acquire, 1),
            Err(Error::InvalidArgument {
                field: "limiter",
                ..
            })
        ));
        assert_eq!(w.in_flight(), 0, "bad input queues nothing");
        sent(w.begin(&l, b"k", 1, Op::Acquire, 1).unwrap());
        let out = w.feed(b"?what\r\n");
        assert!(out.drop && out.done.len() == 1);
        assert!(b.metrics().last_error.unwrap().contains("protocol error"));
        sent(w.begin(&l, b"k", 1, Op::Acquire, 2).unwrap());
        let out = w.feed(b"*2\r\n:1\r\n:2\r\n");
        assert!(!out.drop && out.done.len() == 1 && !out.done[0].1.allowed);
        assert!(b
            .metrics()
            .last_error
            .unwrap()
            .contains("unexpected script reply"));
    }

    #[test]
    fn targets_from_the_url() {
        let w = |u: &str| WireConn::new(&RedisBackend::new(RedisConfig::new(u)).unwrap()).target();
        assert_eq!(
            w("redis://h:6380/1"),
            WireTarget::Tcp {
                host: "h".into(),
                port: 6380
            }
        );
        assert_eq!(
            w("rediss://h/0"),
            WireTarget::Tls {
                host: "h".into(),
                port: 6379,
                ca_pem: None
            }
        );
        assert_eq!(
            w("unix:///tmp/r.sock?db=2"),
            WireTarget::Unix {
                path: "/tmp/r.sock".into()
            }
        );
    }

    #[test]
    fn resp_parser() {
        assert_eq!(parse(b"+OK", 0), Ok(None));
        assert_eq!(
            parse(b"+OK\r\nx", 0),
            Ok(Some((Resp::Simple(b"OK".to_vec()), 5)))
        );
        assert_eq!(parse(b"$3\r\nab", 0), Ok(None));
        assert_eq!(
            parse(b"$3\r\nabc\r\n", 0),
            Ok(Some((Resp::Bulk(Some(b"abc".to_vec())), 9)))
        );
        assert_eq!(parse(b"$-1\r\n", 0), Ok(Some((Resp::Bulk(None), 5))));
        assert_eq!(parse(b"*-1\r\n", 0), Ok(Some((Resp::Array(None), 5))));
        assert!(parse(b":x\r\n", 0).is_err());
        assert!(parse(b"$3\r\nabcd\r\n", 0).is_err());
    }
}
