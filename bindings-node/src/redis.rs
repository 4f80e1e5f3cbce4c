//! The Redis backend (core `seawall::redis`, `spec/redis.md`): a backend
//! (one URL, deadline, failure mode) and keyed limiters whose state lives
//! in Redis. The limiters' decisions go through `NativeRedisWire` (core's
//! `WireConn`), whose socket `lib/redis.js` runs on the event loop; the
//! concurrency limit and the flags run core's blocking calls on the libuv
//! pool. No Redis logic lives here.

use crate::conf::{arg_count, Opts};
use crate::error::{self, from_core, type_error};
use napi::bindgen_prelude::{Buffer, BufferSlice, Either, Object};
use napi::{Env, Result};
use napi_derive::napi;
use seawall::redis::{
    FailureMode, RedisBackend as CoreBackend, RedisConfig, RedisLimiter as CoreLimiter,
    RedisMetrics as CoreMetrics,
};
use seawall::sliding_window::SlidingWindowConfig;
use seawall::token_bucket::TokenBucketConfig;
use std::sync::Arc;

/// Counters of a backend (shared by its limiters).
#[napi(object)]
pub struct RedisMetrics {
    pub redis_ok: f64,
    pub errors: f64,
    pub timeouts: f64,
    pub fallbacks: f64,
    pub short_circuited: f64,
    pub connects: f64,
    pub breaker_state: String,
    pub last_error: Option<String>,
}

fn metrics_of(m: CoreMetrics) -> RedisMetrics {
    RedisMetrics {
        redis_ok: m.redis_ok as f64,
        errors: m.errors as f64,
        timeouts: m.timeouts as f64,
        fallbacks: m.fallbacks as f64,
        short_circuited: m.short_circuited as f64,
        connects: m.connects as f64,
        breaker_state: m.breaker_state.to_string(),
        last_error: m.last_error,
    }
}

/// One decision, as the in-memory limiters' `check()` gives it.
#[napi(object)]
pub struct RedisDecision {
    pub allowed: bool,
    pub remaining: f64,
    pub retry_after_ms: f64,
    pub reset_after_ms: f64,
}

/// A limiter's counters and its backend's.
#[napi(object)]
pub struct RedisLimiterMetrics {
    pub limit: f64,
    pub allowed: f64,
    pub denied: f64,
    pub backend: RedisMetrics,
}

/// One Redis (one URL), shared by any number of limiters.
#[napi]
pub struct NativeRedisBackend {
    inner: CoreBackend,
}

#[napi]
impl NativeRedisBackend {
    /// `{ url, deadlineMs?, onFailure?, keyPrefix? }`.
    #[napi(constructor, catch_unwind)]
    pub fn new(options: Option<Object<'_>>) -> Result<Self> {
        let o = Opts::new(options);
        let url = o
            .string("url")?
            .ok_or_else(|| error::config("url", "is required, got undefined"))?;
        let mut cfg = RedisConfig::new(url);
        if let Some(d) = o.duration_ms("deadlineMs", "deadline")? {
            cfg.deadline = d;
        }
        if let Some(m) = o.string("onFailure")? {
            cfg.on_failure = FailureMode::parse("on_failure", &m).map_err(|e| o.core_error(&e))?;
        }
        if let Some(p) = o.string("keyPrefix")? {
            cfg.key_prefix = p;
        }
        let inner = CoreBackend::new(cfg).map_err(|e| o.core_error(&e))?;
        Ok(Self { inner })
    }

    #[napi(catch_unwind)]
    pub fn metrics(&self) -> RedisMetrics {
        metrics_of(self.inner.metrics())
    }
}

/// A keyed token bucket or sliding window in Redis.
#[napi]
pub struct NativeRedisLimiter {
    inner: Arc<CoreLimiter>,
}

fn key_bytes(key: Either<String, Buffer>) -> Vec<u8> {
    match key {
        Either::A(s) => s.into_bytes(),
        Either::B(b) => b.to_vec(),
    }
}

#[napi]
impl NativeRedisLimiter {
    /// `kind` "token_bucket" ({ ratePerSec, burst }) or "sliding_window"
    /// ({ limit, windowMs, buckets? }).
    #[napi(constructor, catch_unwind)]
    pub fn new(
        kind: String,
        backend: &NativeRedisBackend,
        name: String,
        options: Option<Object<'_>>,
    ) -> Result<Self> {
        let o = Opts::new(options);
        let inner = if kind == "token_bucket" {
            let d = TokenBucketConfig::default();
            let cfg = TokenBucketConfig {
                burst: o.uint("burst", "burst")?.unwrap_or(d.burst),
                rate_per_sec: o
                    .float("ratePerSec", "rate_per_sec")?
                    .unwrap_or(d.rate_per_sec),
                initial_tokens: None,
            };
            CoreLimiter::token_bucket(&backend.inner, &name, cfg)
        } else if kind == "sliding_window" {
            let d = SlidingWindowConfig::default();
            let cfg = SlidingWindowConfig {
                limit: o.uint("limit", "limit")?.unwrap_or(d.limit),
                window: o.duration_ms("windowMs", "window")?.unwrap_or(d.window),
                buckets: match o.uint("buckets", "buckets")? {
                    None => d.buckets,
                    Some(b) => u32::try_from(b).unwrap_or(u32::MAX),
                },
            };
            CoreLimiter::sliding_window(&backend.inner, &name, cfg)
        } else {
            return Err(type_error(
                "kind",
                format!("must be token_bucket or sliding_window, got {kind:?}"),
            ));
        };
        Ok(Self {
            inner: Arc::new(inner.map_err(|e| o.core_error(&e))?),
        })
    }

    /// TEST ONLY, not a feature: never call it outside a test. The
    /// decision for `op` ("acquire", "peek" or "refund"), blocking, with the
    /// script's clock set to `nowNs` (ns since an epoch 0, a bigint)
    /// instead of Redis `TIME`, and no key expiry (`spec/redis.md`,
    /// "Test-only time override"): how the conformance vectors run against
    /// Redis. Never mix it with the real-time calls on one key.
    #[napi(js_name = "_testOnlyDecideAt", catch_unwind)]
    pub fn test_only_decide_at(
        &self,
        key: Either<String, Buffer>,
        n: f64,
        op: String,
        now_ns: napi::bindgen_prelude::BigInt,
    ) -> Result<RedisDecision> {
        let n = arg_count("n", n)?;
        let now = crate::clock::ns_arg("nowNs", now_ns)?;
        let d = self
            .inner
            .decide_at(&key_bytes(key), n, &op, now)
            .map_err(|e| from_core(&e, |f| f.to_string()))?;
        Ok(RedisDecision {
            allowed: d.allowed,
            remaining: d.remaining as f64,
            retry_after_ms: d.retry_after.as_secs_f64() * 1000.0,
            reset_after_ms: d.reset_after.as_secs_f64() * 1000.0,
        })
    }

    #[napi(getter)]
    pub fn limit(&self) -> f64 {
        self.inner.limit() as f64
    }

    #[napi(catch_unwind)]
    pub fn metrics(&self) -> RedisLimiterMetrics {
        let m = self.inner.metrics();
        RedisLimiterMetrics {
            limit: m.limit as f64,
            allowed: m.allowed as f64,
            denied: m.denied as f64,
            backend: metrics_of(m.backend),
        }
    }
}

/// A lease of a `NativeRedisConcurrencyLimit`, as a plain JS value.
#[napi(object)]
pub struct RedisLeaseJs {
    /// The key (as given: string keys come back as strings).
    pub key: String,
    pub id: String,
    /// Granted by the failure mode (Redis was not reachable).
    pub local: bool,
}

/// What `tryAcquire` answers.
#[napi(object)]
pub struct RedisLeaseDecision {
    /// The permit, or null when `maxConcurrent` are held.
    pub lease: Option<RedisLeaseJs>,
    pub in_use: f64,
    pub retry_after_ms: f64,
}

/// A concurrency limit per key across hosts (permits are leases).
#[napi]
pub struct NativeRedisConcurrencyLimit {
    inner: Arc<seawall::redis::RedisConcurrencyLimit>,
}

pub struct AcquireLease {
    inner: Arc<seawall::redis::RedisConcurrencyLimit>,
    key: String,
}

impl napi::Task for AcquireLease {
    // Core's error crosses to `resolve` (the JS thread), where it becomes
    // a JS error (src/error.rs).
    type Output = seawall::Result<seawall::redis::LeaseDecision>;
    type JsValue = RedisLeaseDecision;
    fn compute(&mut self) -> Result<Self::Output> {
        Ok(self.inner.try_acquire(self.key.as_bytes()))
    }
    fn resolve(&mut self, _env: Env, d: Self::Output) -> Result<Self::JsValue> {
        let d = d.map_err(|e| from_core(&e, |f| f.to_string()))?;
        Ok(RedisLeaseDecision {
            lease: d.lease.map(|l| RedisLeaseJs {
                key: self.key.clone(),
                id: l.id().to_string(),
                local: l.is_local(),
            }),
            in_use: d.in_use as f64,
            retry_after_ms: d.retry_after.as_secs_f64() * 1000.0,
        })
    }
}

pub struct LeaseOp {
    inner: Arc<seawall::redis::RedisConcurrencyLimit>,
    lease: Option<seawall::redis::RedisLease>,
    renew: bool,
}

impl napi::Task for LeaseOp {
    type Output = bool;
    type JsValue = bool;
    fn compute(&mut self) -> Result<bool> {
        Ok(match self.lease.take() {
            None => false,
            Some(l) if self.renew => self.inner.renew(&l),
            Some(l) => self.inner.release(l),
        })
    }
    fn resolve(&mut self, _env: Env, v: bool) -> Result<bool> {
        Ok(v)
    }
}

fn lease_of(l: RedisLeaseJs) -> seawall::redis::RedisLease {
    seawall::redis::RedisLease::from_parts(l.key.into_bytes(), l.id, l.local)
}

#[napi]
impl NativeRedisConcurrencyLimit {
    /// `{ maxConcurrent, leaseMs }`.
    #[napi(constructor, catch_unwind)]
    pub fn new(
        backend: &NativeRedisBackend,
        name: String,
        options: Option<Object<'_>>,
    ) -> Result<Self> {
        let o = Opts::new(options);
        let max = o.required_uint("maxConcurrent", "max_concurrent")?;
        let lease = o
            .duration_ms("leaseMs", "lease")?
            .unwrap_or(seawall::redis::DEFAULT_LEASE);
        let inner = seawall::redis::RedisConcurrencyLimit::new(&backend.inner, &name, max, lease)
            .map_err(|e| o.core_error(&e))?;
        Ok(Self {
            inner: Arc::new(inner),
        })
    }

    /// A Promise of `{ lease, inUse, retryAfterMs }` (on the libuv pool;
    /// at most the backend's deadline).
    #[napi(ts_return_type = "Promise<RedisLeaseDecision>")]
    pub fn try_acquire(&self, key: String) -> napi::bindgen_prelude::AsyncTask<AcquireLease> {
        napi::bindgen_prelude::AsyncTask::new(AcquireLease {
            inner: Arc::clone(&self.inner),
            key,
        })
    }

    /// A Promise of whether the lease was still held.
    #[napi(ts_return_type = "Promise<boolean>")]
    pub fn release(&self, lease: RedisLeaseJs) -> napi::bindgen_prelude::AsyncTask<LeaseOp> {
        napi::bindgen_prelude::AsyncTask::new(LeaseOp {
            inner: Arc::clone(&self.inner),
            lease: Some(lease_of(lease)),
            renew: false,
        })
    }

    /// A Promise of whether the lease was still held (and is extended).
    #[napi(ts_return_type = "Promise<boolean>")]
    pub fn renew(&self, lease: RedisLeaseJs) -> napi::bindgen_prelude::AsyncTask<LeaseOp> {
        napi::bindgen_prelude::AsyncTask::new(LeaseOp {
            inner: Arc::clone(&self.inner),
            lease: Some(lease_of(lease)),
            renew: true,
        })
    }
}

/// Feature flags in Redis with a local cache and safe defaults.
#[napi]
pub struct NativeRedisFeatureFlags {
    inner: Arc<seawall::redis::RedisFeatureFlags>,
}

pub struct FlagOp {
    inner: Arc<seawall::redis::RedisFeatureFlags>,
    flag: String,
    /// 0 is_enabled(default=arg), 1 set(on=arg), 2 disable(for ms)
    op: u8,
    arg: bool,
    ms: f64,
}

impl napi::Task for FlagOp {
    // Core's error crosses to `resolve` (the JS thread), where it becomes
    // a JS error (src/error.rs).
    type Output = seawall::Result<bool>;
    type JsValue = bool;
    fn compute(&mut self) -> Result<Self::Output> {
        let f = self.flag.as_bytes();
        let r = match self.op {
            0 => self.inner.is_enabled(f, self.arg),
            1 => self.inner.set(f, self.arg),
            _ => std::time::Duration::try_from_secs_f64(self.ms / 1000.0)
                .map_err(|_| {
                    seawall::Error::argument(
                        "for",
                        format!("must be in [1 ms, 30 days], got {} ms", self.ms),
                    )
                })
                .and_then(|d| self.inner.disable(f, d))
                .map_err(|e| match e {
                    seawall::Error::InvalidArgument {
                        field: "for",
                        reason,
                    } => seawall::Error::argument("forMs", reason),
                    other => other,
                }),
        };
        Ok(r)
    }
    fn resolve(&mut self, _env: Env, v: Self::Output) -> Result<bool> {
        v.map_err(|e| from_core(&e, |f| f.to_string()))
    }
}

#[napi]
impl NativeRedisFeatureFlags {
    /// `{ cacheTtlMs? }` (default 1000).
    #[napi(constructor, catch_unwind)]
    pub fn new(
        backend: &NativeRedisBackend,
        namespace: String,
        options: Option<Object<'_>>,
    ) -> Result<Self> {
        let o = Opts::new(options);
        let ttl = o
            .duration_ms("cacheTtlMs", "cache_ttl")?
            .unwrap_or(seawall::redis::DEFAULT_CACHE_TTL);
        let inner = seawall::redis::RedisFeatureFlags::new(&backend.inner, &namespace, ttl)
            .map_err(|e| o.core_error(&e))?;
        Ok(Self {
            inner: Arc::new(inner),
        })
    }

    fn task(
        &self,
        flag: String,
        op: u8,
        arg: bool,
        ms: f64,
    ) -> napi::bindgen_prelude::AsyncTask<FlagOp> {
        napi::bindgen_prelude::AsyncTask::new(FlagOp {
            inner: Arc::clone(&self.inner),
            flag,
            op,
            arg,
            ms,
        })
    }

    /// A Promise of whether `flag` is on (`defaultValue` when never set or
    /// Redis cannot answer).
    #[napi(ts_return_type = "Promise<boolean>")]
    pub fn is_enabled(
        &self,
        flag: String,
        default_value: bool,
    ) -> napi::bindgen_prelude::AsyncTask<FlagOp> {
        self.task(flag, 0, default_value, 0.0)
    }

    /// A Promise of whether Redis took the write.
    #[napi(ts_return_type = "Promise<boolean>")]
    pub fn set(&self, flag: String, on: bool) -> napi::bindgen_prelude::AsyncTask<FlagOp> {
        self.task(flag, 1, on, 0.0)
    }

    /// Off everywhere for `forMs`; a Promise of whether Redis took it.
    #[napi(ts_return_type = "Promise<boolean>")]
    pub fn disable(&self, flag: String, for_ms: f64) -> napi::bindgen_prelude::AsyncTask<FlagOp> {
        self.task(flag, 2, false, for_ms)
    }
}

/// Where `lib/redis.js` connects its socket (from the backend's URL).
#[napi(object)]
pub struct RedisWireTarget {
    /// `tcp`, `tls` or `unix`.
    pub kind: String,
    pub host: Option<String>,
    pub port: Option<u32>,
    pub path: Option<String>,
    /// The `ssl_ca_certs` PEM (TLS trusts only these CAs), else null.
    pub ca: Option<Buffer>,
}

/// What the socket must do after `feed`, `expire` or `closed`.
#[napi(object)]
pub struct RedisWireOut {
    /// Finished decisions, 5 numbers each: id, allowed (1/0), remaining,
    /// retryAfterMs, resetAfterMs.
    pub done: Vec<f64>,
    /// Bytes to write (a script reload), or null.
    pub send: Option<Buffer>,
    /// Destroy the socket (a timeout or a broken reply); the next
    /// decision connects again.
    pub drop: bool,
    /// (`expire`) ms until the oldest decision in flight reaches its
    /// deadline, -1 when none is in flight.
    pub wait_ms: f64,
}

fn wire_out(o: seawall::redis::WireOut) -> RedisWireOut {
    let mut done = Vec::with_capacity(o.done.len() * 5);
    for (id, d) in o.done {
        done.extend_from_slice(&[
            id as f64,
            f64::from(u8::from(d.allowed)),
            d.remaining as f64,
            d.retry_after.as_secs_f64() * 1000.0,
            d.reset_after.as_secs_f64() * 1000.0,
        ]);
    }
    RedisWireOut {
        done,
        send: (!o.send.is_empty()).then(|| o.send.into()),
        drop: o.drop,
        wait_ms: o.wait.map_or(-1.0, |w| w.as_secs_f64() * 1000.0),
    }
}

/// One backend's connection state, driven by `lib/redis.js` from the event
/// loop (core `seawall::redis::WireConn`, `spec/redis.md` "Node: I/O on
/// the event loop"): core decides, encodes and parses; the socket and the
/// one deadline timer are JS's. No thread is involved.
#[napi]
pub struct NativeRedisWire {
    inner: seawall::redis::WireConn,
}

#[napi]
impl NativeRedisWire {
    #[napi(constructor, catch_unwind)]
    pub fn new(backend: &NativeRedisBackend) -> Self {
        Self {
            inner: seawall::redis::WireConn::new(&backend.inner),
        }
    }

    #[napi(catch_unwind)]
    pub fn target(&self) -> RedisWireTarget {
        use seawall::redis::WireTarget;
        let none = |kind: &str| RedisWireTarget {
            kind: kind.into(),
            host: None,
            port: None,
            path: None,
            ca: None,
        };
        match self.inner.target() {
            WireTarget::Tcp { host, port } => RedisWireTarget {
                host: Some(host),
                port: Some(u32::from(port)),
                ..none("tcp")
            },
            WireTarget::Tls { host, port, ca_pem } => RedisWireTarget {
                host: Some(host),
                port: Some(u32::from(port)),
                ca: ca_pem.map(Buffer::from),
                ..none("tls")
            },
            WireTarget::Unix { path } => RedisWireTarget {
                path: Some(path),
                ..none("unix")
            },
        }
    }

    /// The backend's per-decision deadline, ms.
    #[napi(getter)]
    pub fn deadline_ms(&self) -> f64 {
        self.inner.deadline().as_secs_f64() * 1000.0
    }

    /// Starts a decision (`op` 0 check, 1 peek, 2 refund) settled later
    /// under `id`: a Buffer to write, or the decision now (breaker open).
    /// Throws for bad input.
    #[napi(catch_unwind, ts_return_type = "RedisDecision | Buffer")]
    pub fn begin<'e>(
        &mut self,
        env: &'e Env,
        limiter: &NativeRedisLimiter,
        key: Either<String, Buffer>,
        n: f64,
        op: u32,
        id: f64,
    ) -> Result<Either<RedisDecision, BufferSlice<'e>>> {
        use seawall::redis::{Begun, Op};
        let n = arg_count("n", n)?;
        let op = match op {
            0 => Op::Acquire,
            1 => Op::Peek,
            _ => Op::Refund,
        };
        let key: &[u8] = match &key {
            Either::A(s) => s.as_bytes(),
            Either::B(b) => b,
        };
        match self
            .inner
            .begin(&limiter.inner, key, n, op, id as u64)
            .map_err(|e| from_core(&e, |f| f.to_string()))?
        {
            // A copy into a plain Buffer: cheaper than handing the Vec over
            // as an external one (no finalizer to run per decision).
            Begun::Send(bytes) => Ok(Either::B(BufferSlice::copy_from(env, bytes)?)),
            Begun::Decided(d) => Ok(Either::A(RedisDecision {
                allowed: d.allowed,
                remaining: d.remaining as f64,
                retry_after_ms: d.retry_after.as_secs_f64() * 1000.0,
                reset_after_ms: d.reset_after.as_secs_f64() * 1000.0,
            })),
        }
    }

    /// What the socket read.
    #[napi(catch_unwind)]
    pub fn feed(&mut self, data: BufferSlice<'_>) -> RedisWireOut {
        wire_out(self.inner.feed(&data))
    }

    /// The deadline timer fired.
    #[napi(catch_unwind)]
    pub fn expire(&mut self) -> RedisWireOut {
        wire_out(self.inner.expire())
    }

    /// The socket closed or failed (`reason`: why).
    #[napi(catch_unwind)]
    pub fn closed(&mut self, reason: String) -> RedisWireOut {
        wire_out(self.inner.closed(&reason))
    }
}
