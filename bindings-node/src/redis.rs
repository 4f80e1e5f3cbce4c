//! The Redis backend (core `seawall::redis`, `spec/redis.md`): a backend
//! (one URL, deadline, failure mode) and keyed limiters whose state lives
//! in Redis. Every decision returns a Promise resolved from the backend's
//! runtime thread (a Node-API threadsafe call); the event loop never
//! blocks. No Redis logic lives here.

use crate::conf::{arg_count, Opts};
use crate::error::{from_core, tagged, type_error};
use napi::bindgen_prelude::{Buffer, Either, Object};
use napi::{Env, JsDeferred, Result};
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
            .ok_or_else(|| tagged("invalid_config", "url", "is required, got undefined"))?;
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

/// A deferred promise handed to the runtime thread. Node-API documents a
/// deferred's threadsafe function for exactly this use (resolving from
/// another thread); the finalize callback, the only part that is not
/// `Send`, is never set here.
struct SendDeferred(JsDeferred<RedisDecision, Box<dyn FnOnce(Env) -> Result<RedisDecision>>>);
// SAFETY: see above: resolve/reject go through a Node-API threadsafe
// function, callable from any thread; nothing else of it is touched.
unsafe impl Send for SendDeferred {}

fn key_bytes(key: Either<String, Buffer>) -> Vec<u8> {
    match key {
        Either::A(s) => s.into_bytes(),
        Either::B(b) => b.to_vec(),
    }
}

/// The core's non-blocking call a promise is made from.
type Done = Box<dyn FnOnce(seawall::Result<seawall::Decision>) + Send>;
type Start = fn(&Arc<CoreLimiter>, &[u8], u64, Done);

impl NativeRedisLimiter {
    fn promise<'e>(
        &self,
        env: &'e Env,
        key: Either<String, Buffer>,
        n: f64,
        start: Start,
    ) -> Result<Object<'e>> {
        let n = arg_count("n", n)?;
        let key = key_bytes(key);
        let (deferred, promise) = env.create_deferred()?;
        let deferred = SendDeferred(deferred);
        start(
            &self.inner,
            &key,
            n,
            Box::new(move |r| {
                let d = deferred;
                match r {
                    Ok(d0) => d.0.resolve(Box::new(move |_| {
                        Ok(RedisDecision {
                            allowed: d0.allowed,
                            remaining: d0.remaining as f64,
                            retry_after_ms: d0.retry_after.as_secs_f64() * 1000.0,
                            reset_after_ms: d0.reset_after.as_secs_f64() * 1000.0,
                        })
                    })),
                    Err(e) => d.0.reject(from_core(&e, |f| f.to_string())),
                }
            }),
        );
        Ok(promise)
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

    /// A Promise of the decision for `n` of `key` (one Redis command).
    #[napi(catch_unwind, ts_return_type = "Promise<RedisDecision>")]
    pub fn check<'e>(
        &self,
        env: &'e Env,
        key: Either<String, Buffer>,
        n: f64,
    ) -> Result<Object<'e>> {
        self.promise(env, key, n, |l, k, n, done| l.try_acquire_then(k, n, done))
    }

    /// A Promise of what `check` would answer, taking nothing.
    #[napi(catch_unwind, ts_return_type = "Promise<RedisDecision>")]
    pub fn peek<'e>(
        &self,
        env: &'e Env,
        key: Either<String, Buffer>,
        n: f64,
    ) -> Result<Object<'e>> {
        self.promise(env, key, n, |l, k, n, done| l.peek_then(k, n, done))
    }

    /// A Promise settled once up to `n` are given back for `key`.
    #[napi(catch_unwind, ts_return_type = "Promise<RedisDecision>")]
    pub fn refund<'e>(
        &self,
        env: &'e Env,
        key: Either<String, Buffer>,
        n: f64,
    ) -> Result<Object<'e>> {
        self.promise(env, key, n, |l, k, n, done| l.refund_then(k, n, done))
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
