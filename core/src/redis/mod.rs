//! The Redis backend: rate limits that hold across hosts (`spec/redis.md`).
//!
//! A [`RedisBackend`] is one connection (from one URL) to one Redis, shared
//! by any number of limiters: [`RedisLimiter::token_bucket`] (GCRA) and
//! [`RedisLimiter::sliding_window`], both keyed by the caller's key. Each
//! decision is exactly one Redis command (`EVALSHA` of a Lua script that
//! reads Redis' own `TIME`), so hosts agree and client clocks never matter.
//!
//! Failure handling is written once, here: every decision has a deadline
//! (default 50 ms); a [`CircuitBreaker`] around Redis itself makes a dead
//! Redis cost microseconds; its growing open duration is the reconnect
//! backoff; and when Redis cannot answer, the configured [`FailureMode`]
//! decides (allow, deny, or a local in-memory limiter with the same limits).
//!
//! ```no_run
//! use seawall::redis::{RedisBackend, RedisConfig, RedisLimiter};
//! use seawall::token_bucket::TokenBucketConfig;
//!
//! let backend = RedisBackend::new(RedisConfig::new("redis://127.0.0.1:6379/0"))?;
//! let cfg = TokenBucketConfig { burst: 50, rate_per_sec: 50.0, initial_tokens: None };
//! let api = RedisLimiter::token_bucket(&backend, "api", cfg)?;
//! let d = api.try_acquire(b"customer-42", 1)?;
//! if !d.allowed { /* 429, Retry-After: d.retry_after */ }
//! # Ok::<(), seawall::Error>(())
//! ```

mod concurrency;
mod flags;
mod scripts;
mod wire;

pub use concurrency::{
    LeaseDecision, RedisConcurrencyLimit, RedisLease, DEFAULT_LEASE, MAX_CONCURRENT, MAX_LEASE,
};
pub use flags::{FlagSource, RedisFeatureFlags, DEFAULT_CACHE_TTL, MAX_CACHE_TTL};
pub use wire::{Begun, WireConn, WireOut, WireTarget};

use crate::circuit_breaker::{self, CircuitBreaker, State};
use crate::clock::{Clock, ClockSource};
use crate::error::{Error, Result};
use crate::keyed::{
    KeyTableConfig, KeyedSlidingWindow, KeyedSlidingWindowConfig, KeyedTokenBucket,
    KeyedTokenBucketConfig,
};
use crate::limit::Decision;
use crate::sliding_window::{SlidingWindowConfig, Window};
use crate::token_bucket::{Gcra, TokenBucketConfig};
use crate::validate;
use ::redis::aio::MultiplexedConnection;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

/// Longest key accepted, in bytes.
pub const MAX_KEY_BYTES: usize = 1024;
/// Longest limiter name, in bytes.
pub const MAX_NAME_BYTES: usize = 128;
/// The per-decision deadline when none is given.
pub const DEFAULT_DEADLINE: Duration = Duration::from_millis(50);
/// Shortest and longest per-decision deadline.
pub const MIN_DEADLINE: Duration = Duration::from_millis(1);
/// See [`MIN_DEADLINE`].
pub const MAX_DEADLINE: Duration = Duration::from_secs(60);
/// Largest time span the scripts handle exactly (2^53 ns, about 104 days):
/// a token bucket's `burst / rate`, a window.
pub const MAX_SPAN_NS: u64 = 1 << 53;

/// What a decision answers when Redis cannot (unreachable, too slow,
/// erroring, or the breaker around it is open).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum FailureMode {
    /// Allow the request (availability first).
    Open,
    /// Deny the request (`retry_after` = when Redis will be tried again).
    Closed,
    /// Decide with a local in-memory limiter of the same limits (each
    /// process then enforces the limit on its own). The default.
    #[default]
    Local,
}

impl FailureMode {
    /// Wire name: `open`, `closed`, `local`.
    pub const fn as_str(self) -> &'static str {
        match self {
            FailureMode::Open => "open",
            FailureMode::Closed => "closed",
            FailureMode::Local => "local",
        }
    }

    /// Parses a wire name; `InvalidConfig` naming `field` otherwise.
    pub fn parse(field: &'static str, s: &str) -> Result<Self> {
        match s {
            "open" => Ok(FailureMode::Open),
            "closed" => Ok(FailureMode::Closed),
            "local" => Ok(FailureMode::Local),
            _ => Err(Error::config(
                field,
                format!("must be one of open, closed, local, got {s:?}"),
            )),
        }
    }
}

/// Configuration of a [`RedisBackend`].
#[derive(Debug, Clone, PartialEq)]
pub struct RedisConfig {
    /// `redis://[user][:password@]host[:port][/db]`,
    /// `rediss://[user][:password@]host[:port][/db][?ssl_ca_certs=/path/ca.pem]`
    /// (TLS: the server's certificate is checked against the Mozilla roots,
    /// or only the CAs of that PEM file), or
    /// `unix:///path/to/redis.sock[?db=N&user=U&pass=P]`. Anything else is
    /// `InvalidConfig { field: "url" }`.
    pub url: String,
    /// Longest a decision waits for Redis, connecting included. `1 ms ..= 60 s`.
    /// Default 50 ms.
    pub deadline: Duration,
    /// What a decision answers when Redis cannot. Default [`FailureMode::Local`].
    pub on_failure: FailureMode,
    /// Prefix of every key. Default `"seawall"`.
    pub key_prefix: String,
    /// How long the breaker around Redis stays open after it trips (the
    /// first reconnect delay; doubles on each failed probe). Default 100 ms.
    pub retry_initial: Duration,
    /// The longest reconnect delay. Default 5 s.
    pub retry_max: Duration,
}

impl RedisConfig {
    /// The defaults, with this URL.
    pub fn new(url: impl Into<String>) -> Self {
        Self {
            url: url.into(),
            deadline: DEFAULT_DEADLINE,
            on_failure: FailureMode::Local,
            key_prefix: "seawall".into(),
            retry_initial: Duration::from_millis(100),
            retry_max: Duration::from_secs(5),
        }
    }
}

/// The URL with any password replaced by `***` (for error messages): the
/// one of `user:password@` and a unix URL's `pass=` query parameter.
fn redact(url: &str) -> String {
    let Some(scheme_end) = url.find("://") else {
        return url.to_owned();
    };
    let head = url.get(..scheme_end + 3).unwrap_or("");
    let rest = url.get(scheme_end + 3..).unwrap_or("");
    let path_start = rest.find(['/', '?', '#']).unwrap_or(rest.len());
    let rest = match rest.get(..path_start).and_then(|a| a.rfind('@')) {
        Some(at) => {
            let auth = rest.get(..at).unwrap_or("");
            let masked = match auth.split_once(':') {
                Some((_, "")) => auth.to_owned(),
                Some((user, _)) => format!("{user}:***"),
                // `redis://secret@host` is a user name to Redis, but
                // people write passwords there.
                None if auth.is_empty() => String::new(),
                None => "***".to_owned(),
            };
            format!("{masked}@{}", rest.get(at + 1..).unwrap_or(""))
        }
        None => rest.to_owned(),
    };
    let Some(q) = rest.find('?') else {
        return format!("{head}{rest}");
    };
    let (before, query) = rest.split_at(q);
    let masked: Vec<String> = query
        .trim_start_matches('?')
        .split('&')
        .map(|kv| match kv.split_once('=') {
            Some((k @ ("pass" | "password"), _)) => format!("{k}=***"),
            _ => kv.to_owned(),
        })
        .collect();
    format!("{head}{before}?{}", masked.join("&"))
}

/// Parses and checks a backend URL (`spec/redis.md`, field `url`):
/// `redis://`, `rediss://` (TLS, optional `?ssl_ca_certs=<PEM file>`),
/// `unix://` / `redis+unix://` (`?db=&user=&pass=`). Reads the CA file now,
/// so a missing or empty one is a config error, not a failing connection.
fn parse_url(raw: &str) -> Result<(::redis::Client, Option<Vec<u8>>)> {
    let url = raw.trim();
    let bad = |why: &str| Error::config("url", format!("{why}, got {:?}", redact(url)));
    if url.is_empty() {
        return Err(Error::config("url", "must not be empty, got \"\""));
    }
    let Some((scheme, _)) = url.split_once("://") else {
        return Err(bad(
            "must start with redis://, rediss://, unix:// or redis+unix://",
        ));
    };
    let (tls, unix) = match scheme {
        "redis" => (false, false),
        "rediss" => (true, false),
        "unix" | "redis+unix" => (false, true),
        _ => return Err(bad("scheme must be redis, rediss, unix or redis+unix")),
    };
    let mut u = ::url::Url::parse(url).map_err(|e| bad(&format!("is not a valid URL ({e})")))?;
    if u.fragment().is_some() {
        return Err(bad(
            "must not have a #fragment (#insecure, TLS without checking the server's \
             certificate, is not supported: trust its CA with ?ssl_ca_certs=/path/ca.pem)",
        ));
    }
    let mut ca_file = None;
    let mut seen: Vec<String> = Vec::new();
    for (k, v) in u.query_pairs() {
        let repeated = seen.iter().any(|s| *s == k);
        seen.push(k.clone().into_owned());
        match (k.as_ref(), tls, unix) {
            _ if repeated => {
                return Err(bad(&format!("has the parameter {k:?} twice")));
            }
            ("ssl_ca_certs", true, _) => ca_file = Some(v.into_owned()),
            ("db" | "user" | "pass", _, true) => {}
            _ => {
                return Err(bad(&format!(
                    "has an unknown parameter {k:?} (redis:// takes none, \
                     rediss:// takes ssl_ca_certs, unix:// takes db, user, pass)"
                )))
            }
        }
    }
    if !unix {
        if u.host_str().unwrap_or("").is_empty() {
            return Err(bad("has no host"));
        }
        if u.port() == Some(0) {
            return Err(bad("port must be in 1..=65535"));
        }
        // redis-rs reads no query on a TCP URL; ssl_ca_certs is ours.
        u.set_query(None);
    }
    let info = ::redis::IntoConnectionInfo::into_connection_info(u)
        .map_err(|e| bad(&format!("is not a valid Redis URL ({e})")))?;
    if info.redis_settings().db() < 0 {
        return Err(bad(&format!(
            "database must be a number >= 0, not {}",
            info.redis_settings().db()
        )));
    }
    // No pipelined CLIENT SETINFO on connect: its replies would each wait
    // up to the deadline on a frozen server (and it is one more round trip
    // per connection).
    let settings = info.redis_settings().clone().set_skip_set_lib_name();
    let info = info.set_redis_settings(settings);
    if tls {
        // redis-rs builds its TLS config with the process' default rustls
        // provider; with more than one provider compiled in (a Rust program
        // whose other crates enable aws-lc-rs) there is none until someone
        // installs one, and building the config would panic at connect.
        // Install ring unless one is installed already (then that one).
        let _ = rustls::crypto::ring::default_provider().install_default();
    }
    let (client, ca) = match ca_file {
        None => (::redis::Client::open(info), None),
        Some(path) => {
            let pem = read_ca_file(&path).map_err(|why| bad(&why))?;
            (
                ::redis::Client::build_with_tls(
                    info,
                    ::redis::TlsCertificates {
                        client_tls: None,
                        root_cert: Some(pem.clone()),
                    },
                ),
                Some(pem),
            )
        }
    };
    client
        .map(|c| (c, ca))
        .map_err(|e| bad(&format!("is not a valid Redis URL ({e})")))
}

/// The PEM file of `ssl_ca_certs`, checked to hold at least one certificate.
fn read_ca_file(path: &str) -> std::result::Result<Vec<u8>, String> {
    use rustls::pki_types::pem::PemObject;
    use rustls::pki_types::CertificateDer;
    if path.is_empty() {
        return Err("ssl_ca_certs must name a PEM file".into());
    }
    let pem =
        std::fs::read(path).map_err(|e| format!("ssl_ca_certs: cannot read {path:?} ({e})"))?;
    let mut n = 0usize;
    for c in CertificateDer::pem_slice_iter(&pem) {
        c.map_err(|e| format!("ssl_ca_certs: {path:?} is not a PEM file ({e})"))?;
        n += 1;
    }
    if n == 0 {
        return Err(format!(
            "ssl_ca_certs: {path:?} holds no PEM certificate (-----BEGIN CERTIFICATE-----)"
        ));
    }
    Ok(pem)
}

fn check_name(field: &'static str, name: &str, max: usize) -> Result<()> {
    if name.is_empty() {
        return Err(Error::config(field, "must not be empty, got \"\""));
    }
    if name.len() > max {
        return Err(Error::config(
            field,
            format!("must be at most {max} bytes, got {} bytes", name.len()),
        ));
    }
    if let Some(c) = name
        .chars()
        .find(|c| !(c.is_ascii_alphanumeric() || matches!(c, '_' | '-' | '.' | ':')))
    {
        return Err(Error::config(
            field,
            format!("may hold only ASCII letters, digits and _-.: , got {name:?} (contains {c:?})"),
        ));
    }
    Ok(())
}

/// Checks a caller's key: 1 ..= [`MAX_KEY_BYTES`] bytes, any bytes.
pub fn check_key(key: &[u8]) -> Result<()> {
    if key.is_empty() {
        return Err(Error::argument("key", "must not be empty, got \"\""));
    }
    if key.len() > MAX_KEY_BYTES {
        return Err(Error::argument(
            "key",
            format!(
                "must be at most {MAX_KEY_BYTES} bytes, got {} bytes",
                key.len()
            ),
        ));
    }
    Ok(())
}

impl RedisConfig {
    /// Checks every field; `InvalidConfig` names the first bad one.
    pub fn validate(&self) -> Result<()> {
        self.client().map(|_| ())
    }

    fn client(&self) -> Result<(::redis::Client, Option<Vec<u8>>)> {
        let client = parse_url(&self.url)?;
        if self.deadline < MIN_DEADLINE || self.deadline > MAX_DEADLINE {
            return Err(Error::config(
                "deadline",
                format!("must be in [1 ms, 60 s], got {:?}", self.deadline),
            ));
        }
        check_name("key_prefix", &self.key_prefix, MAX_NAME_BYTES)?;
        validate::positive_duration("retry_initial", self.retry_initial)?;
        validate::positive_duration("retry_max", self.retry_max)?;
        if self.retry_max < self.retry_initial {
            return Err(Error::config(
                "retry_max",
                format!(
                    "must be >= retry_initial ({:?}), got {:?}",
                    self.retry_initial, self.retry_max
                ),
            ));
        }
        Ok(client)
    }
}

/// A snapshot of a backend's counters (shared by its limiters).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RedisMetrics {
    /// Decisions Redis answered.
    pub redis_ok: u64,
    /// Redis errors (connection refused or dropped, wrong password, script
    /// errors, ...), timeouts excluded.
    pub errors: u64,
    /// Decisions that hit their deadline waiting for Redis.
    pub timeouts: u64,
    /// Decisions answered by the failure mode (any cause).
    pub fallbacks: u64,
    /// Of those, the ones the open breaker answered without trying Redis.
    pub short_circuited: u64,
    /// Connections opened (the first one included).
    pub connects: u64,
    /// The breaker around Redis: `closed`, `open`, `half_open`.
    pub breaker_state: &'static str,
    /// The last Redis error, if any (password redacted).
    pub last_error: Option<String>,
}

#[derive(Default)]
struct Counters {
    redis_ok: AtomicU64,
    errors: AtomicU64,
    timeouts: AtomicU64,
    fallbacks: AtomicU64,
    short_circuited: AtomicU64,
    connects: AtomicU64,
}

/// A backend's runtime. Dropped with `shutdown_background`: the last
/// reference to a backend may go away on the runtime's own thread (a
/// non-blocking decision's task holds its limiter until the callback has
/// run), where a plain drop would panic (it would wait for its threads).
struct Rt(Option<tokio::runtime::Runtime>);

impl Rt {
    /// Runs `task` on the runtime (`Some` until the `Rt` is dropped, so
    /// always, while a caller holds it).
    fn spawn(&self, task: impl std::future::Future<Output = ()> + Send + 'static) {
        if let Some(rt) = &self.0 {
            rt.spawn(task);
        }
    }
}

impl Drop for Rt {
    fn drop(&mut self) {
        if let Some(rt) = self.0.take() {
            rt.shutdown_background();
        }
    }
}

/// The runtime and connection of one process (rebuilt after a fork).
struct Io {
    pid: u32,
    rt: Arc<Rt>,
    conn: Option<MultiplexedConnection>,
}

struct Inner {
    id: u64,
    cfg: RedisConfig,
    client: ::redis::Client,
    /// The PEM of `ssl_ca_certs` (read once, when the backend was built).
    ca_pem: Option<Vec<u8>>,
    io: Mutex<Option<Io>>,
    connecting: tokio::sync::Mutex<()>,
    breaker: CircuitBreaker,
    counters: Counters,
    last_error: Mutex<Option<String>>,
    gcra: ::redis::Script,
    window: ::redis::Script,
    lease: ::redis::Script,
}

/// One Redis (one URL), shared by any number of [`RedisLimiter`]s.
/// Cheap to clone (one `Arc`). Connects lazily: constructing it never
/// blocks and succeeds while Redis is down.
#[derive(Clone)]
pub struct RedisBackend {
    inner: Arc<Inner>,
}

impl std::fmt::Debug for RedisBackend {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RedisBackend")
            .field("url", &redact(&self.inner.cfg.url))
            .field("on_failure", &self.inner.cfg.on_failure)
            .finish()
    }
}

/// A blocking caller thread's own connection to one backend.
struct SyncConn {
    pid: u32,
    backend: u64,
    conn: ::redis::Connection,
    /// The read and write timeout the socket has now (setting them costs
    /// two system calls, so a reused connection keeps the deadline's).
    timeout: Duration,
}

/// Backends a thread keeps a blocking connection to (least recently used
/// dropped first).
const MAX_SYNC_CONNS: usize = 8;

thread_local! {
    static SYNC_CONNS: std::cell::RefCell<Vec<SyncConn>> = const { std::cell::RefCell::new(Vec::new()) };
}

/// Backend ids (never reused, unlike addresses).
static NEXT_BACKEND_ID: AtomicU64 = AtomicU64::new(1);

/// Why a Redis call failed.
enum Fail {
    Timeout,
    Redis(String),
}

impl RedisBackend {
    /// Validates the config (a bad URL is `InvalidConfig { field: "url" }`)
    /// and returns a backend that will connect on first use.
    pub fn new(cfg: RedisConfig) -> Result<Self> {
        let (client, ca_pem) = cfg.client()?;
        let breaker = CircuitBreaker::new(circuit_breaker::Config {
            failure_rate_threshold: Some(0.5),
            slow_call_rate_threshold: None,
            window_size: 20,
            minimum_number_of_calls: 5,
            failure_count_threshold: Some(3),
            failure_count_period: Some(Duration::from_secs(1)),
            open_duration: cfg.retry_initial,
            open_duration_multiplier: 2.0,
            max_open_duration: Some(cfg.retry_max),
            half_open_max_calls: 1,
            success_threshold: 1,
            ..circuit_breaker::Config::default()
        })?;
        Ok(Self {
            inner: Arc::new(Inner {
                id: NEXT_BACKEND_ID.fetch_add(1, Ordering::Relaxed),
                client,
                ca_pem,
                io: Mutex::new(None),
                connecting: tokio::sync::Mutex::new(()),
                breaker,
                counters: Counters::default(),
                last_error: Mutex::new(None),
                gcra: ::redis::Script::new(&scripts::gcra()),
                window: ::redis::Script::new(&scripts::window()),
                lease: ::redis::Script::new(&scripts::lease()),
                cfg,
            }),
        })
    }

    /// The config this backend was built with.
    pub fn config(&self) -> &RedisConfig {
        &self.inner.cfg
    }

    /// A snapshot of the counters.
    pub fn metrics(&self) -> RedisMetrics {
        let c = &self.inner.counters;
        RedisMetrics {
            redis_ok: c.redis_ok.load(Ordering::Relaxed),
            errors: c.errors.load(Ordering::Relaxed),
            timeouts: c.timeouts.load(Ordering::Relaxed),
            fallbacks: c.fallbacks.load(Ordering::Relaxed),
            short_circuited: c.short_circuited.load(Ordering::Relaxed),
            connects: c.connects.load(Ordering::Relaxed),
            breaker_state: self.inner.breaker.state().as_str(),
            last_error: self.inner.last_error.lock().ok().and_then(|g| g.clone()),
        }
    }

    /// The runtime (started on first use, again in a forked child) and the
    /// current connection, if any.
    fn io(&self) -> Result<(Arc<Rt>, Option<MultiplexedConnection>)> {
        let mut g = self
            .inner
            .io
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        let pid = std::process::id();
        if let Some(io) = g.as_ref() {
            if io.pid == pid {
                return Ok((io.rt.clone(), io.conn.clone()));
            }
        }
        // First use, or a forked child: the parent's runtime threads do not
        // exist here. Its runtime is leaked, never dropped (dropping it
        // would wait for threads that are gone).
        if let Some(old) = g.take() {
            std::mem::forget(old);
        }
        // One worker: the I/O of one multiplexed connection needs one
        // thread, and a second only adds wake-ups (it is woken to look for
        // work to steal) on every decision handed over (BENCHMARKS.md).
        let rt = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(1)
            .thread_name("seawall-redis")
            .enable_all()
            .build()
            .map_err(|e| Error::config("runtime", format!("could not start: {e}")))?;
        let rt = Arc::new(Rt(Some(rt)));
        *g = Some(Io {
            pid,
            rt: rt.clone(),
            conn: None,
        });
        Ok((rt, None))
    }

    fn set_conn(&self, conn: Option<MultiplexedConnection>) {
        let mut g = self
            .inner
            .io
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        if let Some(io) = g.as_mut() {
            io.conn = conn;
        }
    }

    fn note_error(&self, msg: String) {
        if let Ok(mut g) = self.inner.last_error.lock() {
            *g = Some(msg);
        }
    }

    /// One script call within the deadline: `Ok(4 numbers)` or why not.
    async fn eval(
        self,
        conn: Option<MultiplexedConnection>,
        which: Which,
        key: Vec<u8>,
        args: Vec<String>,
    ) -> std::result::Result<[i64; 4], Fail> {
        let deadline = self.inner.cfg.deadline;
        let work = async {
            let mut conn = match conn {
                Some(c) => c,
                None => self.connect().await?,
            };
            let script = match which {
                Which::Gcra => &self.inner.gcra,
                Which::Window => &self.inner.window,
            };
            let mut inv = script.key(key);
            for a in &args {
                inv.arg(a);
            }
            let r: ::redis::RedisResult<Vec<i64>> = inv.invoke_async(&mut conn).await;
            match r {
                Ok(v) => match v.as_slice() {
                    [a, b, c, d] => Ok([*a, *b, *c, *d]),
                    _ => Err(Fail::Redis(format!("unexpected script reply {v:?}"))),
                },
                Err(e) if e.is_timeout() => Err(Fail::Timeout),
                Err(e) => {
                    if e.is_io_error() || e.is_connection_dropped() || e.is_connection_refusal() {
                        self.set_conn(None);
                    }
                    Err(Fail::Redis(e.to_string()))
                }
            }
        };
        match tokio::time::timeout(deadline, work).await {
            Ok(r) => r,
            Err(_) => Err(Fail::Timeout),
        }
    }

    /// One script call on this thread's own connection (see
    /// [`with_conn`](Self::with_conn)).
    fn eval_sync(
        &self,
        which: Which,
        key: &[u8],
        args: &[String],
    ) -> std::result::Result<[i64; 4], Fail> {
        let script = match which {
            Which::Gcra => &self.inner.gcra,
            Which::Window => &self.inner.window,
        };
        let mut inv = script.key(key);
        for a in args {
            inv.arg(a);
        }
        let v: Vec<i64> = self.with_conn(|conn| inv.invoke(conn))?;
        match v.as_slice() {
            [a, b, c, d] => Ok([*a, *b, *c, *d]),
            _ => Err(Fail::Redis(format!("unexpected script reply {v:?}"))),
        }
    }

    /// Runs `f` on this thread's own connection to this backend (blocking
    /// sockets with timeouts: no thread hop, so a lone caller pays one
    /// write and one read). Connect, write and read each get the time left
    /// of the deadline; any error drops the connection (a late reply must
    /// never be read as the next call's).
    fn with_conn<T>(
        &self,
        f: impl FnOnce(&mut ::redis::Connection) -> ::redis::RedisResult<T>,
    ) -> std::result::Result<T, Fail> {
        let deadline = self.inner.cfg.deadline;
        let start = now_ns();
        let left = || {
            deadline
                .saturating_sub(elapsed(start))
                .max(Duration::from_millis(1))
        };
        let id = self.inner.id;
        let pid = std::process::id();
        SYNC_CONNS.with(|cell| {
            let mut conns = cell.borrow_mut();
            // A connection inherited through fork() is the parent's socket.
            conns.retain(|c| c.pid == pid);
            let pos = conns.iter().position(|c| c.backend == id);
            let (mut conn, set) = match pos {
                Some(i) => {
                    let c = conns.swap_remove(i);
                    (c.conn, Some(c.timeout))
                }
                None => {
                    let c = self
                        .inner
                        .client
                        .get_connection_with_timeout(deadline)
                        .map_err(|e| {
                            if e.is_timeout() {
                                Fail::Timeout
                            } else {
                                Fail::Redis(format!("connect: {e}"))
                            }
                        })?;
                    self.inner.counters.connects.fetch_add(1, Ordering::Relaxed);
                    // redis-rs leaves a new connection without timeouts.
                    (c, None)
                }
            };
            // A reused connection starts its call with the whole deadline
            // left (less the microseconds above): its socket keeps the
            // deadline as timeout, set once. A new one gets what its
            // connect left, and the deadline again on its next call.
            let timeout = if pos.is_some() { deadline } else { left() };
            let r = if set == Some(timeout) {
                Ok(())
            } else {
                conn.set_write_timeout(Some(timeout))
                    .and_then(|()| conn.set_read_timeout(Some(timeout)))
            }
            .and_then(|()| f(&mut conn));
            match r {
                Ok(v) => {
                    if conns.len() >= MAX_SYNC_CONNS {
                        conns.remove(0);
                    }
                    conns.push(SyncConn {
                        pid,
                        backend: id,
                        conn,
                        timeout,
                    });
                    Ok(v)
                }
                Err(e) if e.is_timeout() => Err(Fail::Timeout),
                Err(e) => Err(Fail::Redis(e.to_string())),
            }
        })
    }

    /// `f` on this thread's connection behind the breaker, counted in the
    /// metrics: `Ok`, or `Err(retry hint)` when the caller's failure mode
    /// must answer (counted as a fallback).
    pub(crate) fn guarded<T>(
        &self,
        f: impl FnOnce(&mut ::redis::Connection) -> ::redis::RedisResult<T>,
    ) -> std::result::Result<T, Duration> {
        let inner = &self.inner;
        let permit = match inner.breaker.try_acquire() {
            Ok(p) => p,
            Err(rej) => {
                inner
                    .counters
                    .short_circuited
                    .fetch_add(1, Ordering::Relaxed);
                inner.counters.fallbacks.fetch_add(1, Ordering::Relaxed);
                return Err(rej.retry_after);
            }
        };
        let started = now_ns();
        match self.with_conn(f) {
            Ok(v) => {
                inner.breaker.record_success(permit, elapsed(started));
                inner.counters.redis_ok.fetch_add(1, Ordering::Relaxed);
                Ok(v)
            }
            Err(fail) => {
                inner.breaker.record_failure(permit, elapsed(started));
                match fail {
                    Fail::Timeout => {
                        inner.counters.timeouts.fetch_add(1, Ordering::Relaxed);
                    }
                    Fail::Redis(m) => {
                        inner.counters.errors.fetch_add(1, Ordering::Relaxed);
                        self.note_error(redact(&m));
                    }
                }
                inner.counters.fallbacks.fetch_add(1, Ordering::Relaxed);
                Err(inner.cfg.retry_initial)
            }
        }
    }

    async fn connect(&self) -> std::result::Result<MultiplexedConnection, Fail> {
        let _g = self.inner.connecting.lock().await;
        // Another caller may have connected while this one waited.
        if let Ok((_, Some(c))) = self.io() {
            return Ok(c);
        }
        let cfg = ::redis::AsyncConnectionConfig::new()
            .set_connection_timeout(Some(self.inner.cfg.deadline))
            .set_response_timeout(Some(self.inner.cfg.deadline));
        let conn = self
            .inner
            .client
            .get_multiplexed_async_connection_with_config(&cfg)
            .await
            .map_err(|e| {
                if e.is_timeout() {
                    Fail::Timeout
                } else {
                    Fail::Redis(format!("connect: {e}"))
                }
            })?;
        self.inner.counters.connects.fetch_add(1, Ordering::Relaxed);
        self.set_conn(Some(conn.clone()));
        Ok(conn)
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Which {
    Gcra,
    Window,
}

#[derive(Debug)]
enum Algo {
    Gcra(Gcra, KeyedTokenBucket),
    Window(Window, KeyedSlidingWindow),
}

/// What one script call asks: take, look, or give back.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Op {
    /// `try_acquire`.
    Acquire,
    /// `peek`.
    Peek,
    /// `refund`.
    Refund,
}

impl Op {
    fn code(self) -> &'static str {
        match self {
            Op::Acquire => "a",
            Op::Peek => "p",
            Op::Refund => "r",
        }
    }
}

/// A keyed rate limiter whose state lives in Redis: a GCRA token bucket or
/// a sliding window, with the same config and the same [`Decision`]s as
/// the in-memory ones. Thread-safe; cheap to share behind an `Arc`.
#[derive(Debug)]
pub struct RedisLimiter {
    backend: RedisBackend,
    algo: Algo,
    /// `<prefix>:<tb|sw>:<name>:{`; the key is this, the user's key, `}`.
    key_head: Vec<u8>,
    limit: u64,
    allowed: AtomicU64,
    denied: AtomicU64,
}

/// A snapshot of a [`RedisLimiter`]'s counters.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RedisLimiterMetrics {
    /// The configured burst (token bucket) or limit (sliding window).
    pub limit: u64,
    /// Granted decisions (by Redis or by the failure mode).
    pub allowed: u64,
    /// Denied decisions (by Redis or by the failure mode).
    pub denied: u64,
    /// The backend's counters (shared with its other limiters).
    pub backend: RedisMetrics,
}

fn local_table() -> KeyTableConfig {
    KeyTableConfig {
        max_keys: 10_000,
        ..KeyTableConfig::default()
    }
}

impl RedisLimiter {
    /// A GCRA token bucket per key (`spec/token_bucket.md` maths, run in
    /// Redis). `name` tells this limiter's keys from others' (ASCII letters,
    /// digits, `_-.:`, at most 128 bytes). `initial_tokens` must be unset:
    /// a new key starts full. `burst / rate_per_sec` must be at most 2^53 ns
    /// (about 104 days).
    pub fn token_bucket(
        backend: &RedisBackend,
        name: &str,
        cfg: TokenBucketConfig,
    ) -> Result<Self> {
        check_name("name", name, MAX_NAME_BYTES)?;
        let local = KeyedTokenBucket::new(KeyedTokenBucketConfig {
            bucket: cfg.clone(),
            table: local_table(),
        })?;
        let g = Gcra::new(cfg.burst, cfg.rate_per_sec)?;
        if g.tau > MAX_SPAN_NS {
            return Err(Error::config(
                "burst",
                format!(
                    "burst / rate_per_sec must be at most 2^53 ns (about 104 days) in Redis, got {} ns",
                    g.tau
                ),
            ));
        }
        Ok(Self::build(
            backend,
            name,
            "tb",
            Algo::Gcra(g, local),
            cfg.burst,
        ))
    }

    /// A sliding window per key (`spec/sliding_window.md` maths, run in
    /// Redis). `window` must be at most 2^53 ns (about 104 days).
    pub fn sliding_window(
        backend: &RedisBackend,
        name: &str,
        cfg: SlidingWindowConfig,
    ) -> Result<Self> {
        check_name("name", name, MAX_NAME_BYTES)?;
        let w = Window::new(&cfg)?;
        if w.window_ns > MAX_SPAN_NS {
            return Err(Error::config(
                "window",
                format!(
                    "must be at most 2^53 ns (about 104 days) in Redis, got {:?}",
                    cfg.window
                ),
            ));
        }
        let local = KeyedSlidingWindow::new(KeyedSlidingWindowConfig {
            window: cfg.clone(),
            table: local_table(),
        })?;
        Ok(Self::build(
            backend,
            name,
            "sw",
            Algo::Window(w, local),
            cfg.limit,
        ))
    }

    fn build(backend: &RedisBackend, name: &str, kind: &str, algo: Algo, limit: u64) -> Self {
        let key_head = format!("{}:{kind}:{name}:{{", backend.inner.cfg.key_prefix).into_bytes();
        Self {
            backend: backend.clone(),
            algo,
            key_head,
            limit,
            allowed: AtomicU64::new(0),
            denied: AtomicU64::new(0),
        }
    }

    /// The burst (token bucket) or limit (sliding window).
    pub fn limit(&self) -> u64 {
        self.limit
    }

    /// The backend.
    pub fn backend(&self) -> &RedisBackend {
        &self.backend
    }

    /// The Redis key that holds `key`'s state: `<prefix>:<tb|sw>:<name>:{<key>}`.
    pub fn redis_key(&self, key: &[u8]) -> Vec<u8> {
        let mut k = Vec::with_capacity(self.key_head.len() + key.len() + 1);
        k.extend_from_slice(&self.key_head);
        k.extend_from_slice(key);
        k.push(b'}');
        k
    }

    fn check_n(&self, n: u64) -> Result<()> {
        match &self.algo {
            Algo::Gcra(g, _) => g.check_n(n),
            Algo::Window(w, _) => w.check_n(n),
        }
    }

    /// Validates and builds one call: (script, key, args).
    fn prepare(
        &self,
        key: &[u8],
        n: u64,
        op: Op,
        now_override: Option<u64>,
    ) -> Result<(Which, Vec<u8>, Vec<String>)> {
        check_key(key)?;
        if op != Op::Refund {
            self.check_n(n)?;
        }
        if let (Some(t), Algo::Window(..)) = (now_override, &self.algo) {
            if t > MAX_SPAN_NS {
                return Err(Error::argument(
                    "now_ns",
                    format!("must be at most 2^53 for a sliding window, got {t}"),
                ));
            }
        }
        let now = now_override.map_or_else(String::new, |t| {
            format!("{}:{}", t / 1_000_000_000, t % 1_000_000_000)
        });
        let (which, mut args) = match &self.algo {
            Algo::Gcra(g, _) => (
                Which::Gcra,
                vec![
                    now,
                    op.code().into(),
                    n.to_string(),
                    g.t.to_string(),
                    g.tau.to_string(),
                ],
            ),
            Algo::Window(w, _) => (
                Which::Window,
                vec![
                    now,
                    op.code().into(),
                    n.to_string(),
                    w.limit.to_string(),
                    w.g.to_string(),
                    w.b.to_string(),
                ],
            ),
        };
        args.shrink_to_fit();
        Ok((which, self.redis_key(key), args))
    }

    /// The failure mode's answer.
    fn fallback(&self, key: &[u8], n: u64, op: Op, retry_after: Duration) -> Decision {
        self.backend
            .inner
            .counters
            .fallbacks
            .fetch_add(1, Ordering::Relaxed);
        match self.backend.inner.cfg.on_failure {
            FailureMode::Open => Decision {
                allowed: true,
                remaining: self.limit.saturating_sub(n),
                retry_after: Duration::ZERO,
                reset_after: Duration::ZERO,
            },
            FailureMode::Closed => Decision {
                allowed: op == Op::Refund,
                remaining: 0,
                retry_after: retry_after.max(Duration::from_millis(1)),
                reset_after: Duration::ZERO,
            },
            FailureMode::Local => {
                let r = match (&self.algo, op) {
                    (Algo::Gcra(_, l), Op::Acquire) => l.try_acquire(key, n),
                    (Algo::Gcra(_, l), Op::Peek) => l.peek(key, n),
                    (Algo::Window(_, l), Op::Acquire) => l.try_acquire(key, n),
                    (Algo::Window(_, l), Op::Peek) => l.peek(key, n),
                    (Algo::Gcra(_, l), Op::Refund) => {
                        l.refund(key, n);
                        Ok(Decision::granted_empty())
                    }
                    (Algo::Window(_, l), Op::Refund) => {
                        l.refund(key, n);
                        Ok(Decision::granted_empty())
                    }
                };
                // n was validated; the local limiter has the same limits.
                r.unwrap_or(Decision {
                    allowed: false,
                    remaining: 0,
                    retry_after: retry_after.max(Duration::from_millis(1)),
                    reset_after: Duration::ZERO,
                })
            }
        }
    }

    fn count(&self, op: Op, d: &Decision) {
        if op == Op::Acquire {
            if d.allowed {
                self.allowed.fetch_add(1, Ordering::Relaxed);
            } else {
                self.denied.fetch_add(1, Ordering::Relaxed);
            }
        }
    }

    /// The breaker's verdict before a call: `Ok(permit)` to try Redis, or
    /// the failure mode's decision now (short-circuited).
    fn admit(
        &self,
        key: &[u8],
        n: u64,
        op: Op,
    ) -> std::result::Result<circuit_breaker::Permit, Decision> {
        match self.backend.inner.breaker.try_acquire() {
            Ok(p) => Ok(p),
            Err(rej) => {
                self.backend
                    .inner
                    .counters
                    .short_circuited
                    .fetch_add(1, Ordering::Relaxed);
                Err(self.fallback(key, n, op, rej.retry_after))
            }
        }
    }

    /// Turns a script reply (or failure) into the decision, recording the
    /// outcome on the breaker.
    fn finish(
        &self,
        key: &[u8],
        n: u64,
        op: Op,
        permit: circuit_breaker::Permit,
        started: u64,
        r: std::result::Result<[i64; 4], Fail>,
    ) -> Decision {
        let inner = &self.backend.inner;
        match r {
            Ok([a, rem, retry, reset]) => {
                inner.breaker.record_success(permit, elapsed(started));
                inner.counters.redis_ok.fetch_add(1, Ordering::Relaxed);
                let ns = |v: i64| Duration::from_nanos(u64::try_from(v).unwrap_or(0));
                Decision {
                    allowed: a == 1,
                    remaining: u64::try_from(rem).unwrap_or(0),
                    retry_after: ns(retry),
                    reset_after: ns(reset),
                }
            }
            Err(f) => {
                inner.breaker.record_failure(permit, elapsed(started));
                match f {
                    Fail::Timeout => {
                        inner.counters.timeouts.fetch_add(1, Ordering::Relaxed);
                        self.backend.note_error(format!(
                            "timed out after the {:?} deadline",
                            inner.cfg.deadline
                        ));
                    }
                    Fail::Redis(msg) => {
                        inner.counters.errors.fetch_add(1, Ordering::Relaxed);
                        self.backend.note_error(redact(&msg));
                    }
                }
                self.fallback(key, n, op, inner.cfg.retry_initial)
            }
        }
    }

    /// One decision, blocking the calling thread at most the deadline
    /// (plus scheduling noise). Never returns a Redis error: Redis failing
    /// is answered by the failure mode. `Err` only for bad input.
    fn decide(&self, key: &[u8], n: u64, op: Op, now: Option<u64>) -> Result<Decision> {
        let (which, rkey, args) = self.prepare(key, n, op, now)?;
        let permit = match self.admit(key, n, op) {
            Ok(p) => p,
            Err(d) => {
                self.count(op, &d);
                return Ok(d);
            }
        };
        let started = now_ns();
        let r = self.backend.eval_sync(which, &rkey, &args);
        let d = self.finish(key, n, op, permit, started, r);
        self.count(op, &d);
        Ok(d)
    }

    /// Takes `n` for `key` if the limit allows (one `EVALSHA`). Blocks at
    /// most the backend's deadline. `Err(InvalidArgument)` for an empty or
    /// too long key, or `n` that can never be granted; Redis failing is
    /// answered by the failure mode, never an `Err`.
    pub fn try_acquire(&self, key: &[u8], n: u64) -> Result<Decision> {
        self.decide(key, n, Op::Acquire, None)
    }

    /// What `try_acquire` would answer, taking nothing.
    pub fn peek(&self, key: &[u8], n: u64) -> Result<Decision> {
        self.decide(key, n, Op::Peek, None)
    }

    /// Gives back up to `n` for `key` (a request granted but never sent).
    pub fn refund(&self, key: &[u8], n: u64) -> Result<()> {
        self.decide(key, n, Op::Refund, None).map(|_| ())
    }

    /// Test-only: the decision with the script's clock set to `now_ns`
    /// (ns since an epoch 0) instead of Redis `TIME`, and no key expiry.
    /// For the conformance vectors; never mix it with real-time calls on
    /// one key.
    #[doc(hidden)]
    pub fn decide_at(&self, key: &[u8], n: u64, op: &str, now_ns: u64) -> Result<Decision> {
        let op = match op {
            "acquire" => Op::Acquire,
            "peek" => Op::Peek,
            "refund" => Op::Refund,
            _ => {
                return Err(Error::argument(
                    "op",
                    format!("must be acquire, peek or refund, got {op:?}"),
                ))
            }
        };
        self.decide(key, n, op, Some(now_ns))
    }

    /// [`try_acquire`](Self::try_acquire) without blocking: `done` is called
    /// with the result on the backend's runtime thread (or at once, on
    /// this thread, for bad input and when the breaker is open). For
    /// bindings (Python futures, Node promises).
    pub fn try_acquire_then(
        self: &Arc<Self>,
        key: &[u8],
        n: u64,
        done: impl FnOnce(Result<Decision>) + Send + 'static,
    ) {
        self.then(key, n, Op::Acquire, done);
    }

    /// [`peek`](Self::peek) without blocking (see [`try_acquire_then`](Self::try_acquire_then)).
    pub fn peek_then(
        self: &Arc<Self>,
        key: &[u8],
        n: u64,
        done: impl FnOnce(Result<Decision>) + Send + 'static,
    ) {
        self.then(key, n, Op::Peek, done);
    }

    /// [`refund`](Self::refund) without blocking (see [`try_acquire_then`](Self::try_acquire_then)).
    pub fn refund_then(
        self: &Arc<Self>,
        key: &[u8],
        n: u64,
        done: impl FnOnce(Result<Decision>) + Send + 'static,
    ) {
        self.then(key, n, Op::Refund, done);
    }

    fn then(
        self: &Arc<Self>,
        key: &[u8],
        n: u64,
        op: Op,
        done: impl FnOnce(Result<Decision>) + Send + 'static,
    ) {
        let (which, rkey, args) = match self.prepare(key, n, op, None) {
            Ok(p) => p,
            Err(e) => return done(Err(e)),
        };
        let permit = match self.admit(key, n, op) {
            Ok(p) => p,
            Err(d) => {
                self.count(op, &d);
                return done(Ok(d));
            }
        };
        let (rt, conn) = match self.backend.io() {
            Ok(x) => x,
            Err(e) => {
                let d = self.finish(
                    key,
                    n,
                    op,
                    permit,
                    now_ns(),
                    Err(Fail::Redis(e.to_string())),
                );
                self.count(op, &d);
                return done(Ok(d));
            }
        };
        let me = Arc::clone(self);
        let key = key.to_vec();
        let started = now_ns();
        rt.spawn(async move {
            let r = me.backend.clone().eval(conn, which, rkey, args).await;
            let d = me.finish(&key, n, op, permit, started, r);
            me.count(op, &d);
            done(Ok(d));
        });
    }

    /// [`try_acquire`](Self::try_acquire) as a future (runs on the
    /// backend's runtime; any executor can await it).
    pub async fn try_acquire_async(self: &Arc<Self>, key: &[u8], n: u64) -> Result<Decision> {
        let (tx, rx) = tokio::sync::oneshot::channel();
        self.try_acquire_then(key, n, move |r| {
            let _ = tx.send(r);
        });
        rx.await.unwrap_or(Err(Error::Timeout))
    }

    /// A snapshot of this limiter's counters and its backend's.
    pub fn metrics(&self) -> RedisLimiterMetrics {
        RedisLimiterMetrics {
            limit: self.limit,
            allowed: self.allowed.load(Ordering::Relaxed),
            denied: self.denied.load(Ordering::Relaxed),
            backend: self.backend.metrics(),
        }
    }
}

/// The monotonic clock's reading (ns).
fn now_ns() -> u64 {
    ClockSource::Monotonic.now_ns()
}

/// Time since `started` (a [`now_ns`] reading).
fn elapsed(started: u64) -> Duration {
    Duration::from_nanos(now_ns().saturating_sub(started))
}

impl Decision {
    fn granted_empty() -> Self {
        Decision {
            allowed: true,
            remaining: 0,
            retry_after: Duration::ZERO,
            reset_after: Duration::ZERO,
        }
    }
}

/// The breaker state as a wire name (for tests and bindings).
pub fn breaker_state_name(s: State) -> &'static str {
    s.as_str()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn redact_hides_the_password() {
        assert_eq!(redact("redis://u:secret@h:1/0"), "redis://u:***@h:1/0");
        assert_eq!(redact("redis://:secret@h"), "redis://:***@h");
        assert_eq!(redact("redis://h:1/0"), "redis://h:1/0");
        assert_eq!(redact("rediss://secret@h"), "rediss://***@h");
        assert_eq!(
            redact("unix:///tmp/r.sock?db=2&user=u&pass=secret"),
            "unix:///tmp/r.sock?db=2&user=u&pass=***"
        );
        assert_eq!(redact("redis://h/0?x=a@b"), "redis://h/0?x=a@b");
    }
}
