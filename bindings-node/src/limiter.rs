//! Rate limiters: `TokenBucket`, `SlidingWindowLimiter` and their keyed
//! variants, behind one native class. Hot calls go by id (`limiterTryAcquire`,
//! `limiterTryAcquireKey`): the answer is `allowed`, with remaining / retry-after /
//! reset-after written to the scratch array.

use crate::clock::{source, ManualClock};
use crate::conf::{arg_count, duration_ms, Opts};
use crate::error::{self, from_core};
use crate::ffi::{RawFn, Slab};
use napi::bindgen_prelude::Object;
use napi::Result;
use napi_derive::napi;
use seawall::headers::QuotaPolicy;
use seawall::keyed::{
    KeyTableConfig, KeyedMetrics, KeyedSlidingWindow, KeyedSlidingWindowConfig, KeyedTokenBucket,
    KeyedTokenBucketConfig, OnFull,
};
use seawall::sliding_window::{SlidingWindowConfig, SlidingWindowLimiter};
use seawall::token_bucket::{TokenBucket, TokenBucketConfig};
use seawall::Decision;
use std::cell::RefCell;
use std::ffi::CStr;
use std::panic::AssertUnwindSafe;
use std::rc::Rc;
use std::sync::Arc;

/// This module's registry: the limiters raw hot calls reach by id.
#[derive(Default)]
pub struct Registry {
    pub limiters: RefCell<Slab<Limiter>>,
    /// Waiting acquires handed to JS as ids.
    waits: RefCell<crate::ffi::ValSlab<seawall::LimiterWait>>,
}

crate::thread_ctx!(Registry);

pub enum Limiter {
    Bucket(Arc<TokenBucket>),
    Window(Arc<SlidingWindowLimiter>),
    KeyedBucket(Arc<KeyedTokenBucket>),
    KeyedWindow(Arc<KeyedSlidingWindow>),
}

fn bucket_config(o: &Opts<'_>, keyed: bool) -> Result<TokenBucketConfig> {
    let d = TokenBucketConfig::default();
    Ok(TokenBucketConfig {
        burst: o.uint("burst", "burst")?.unwrap_or(d.burst),
        rate_per_sec: o
            .float("ratePerSec", "rate_per_sec")?
            .unwrap_or(d.rate_per_sec),
        initial_tokens: if keyed && !o.has("initialTokens")? {
            None
        } else {
            o.uint("initialTokens", "initial_tokens")?
        },
    })
}

fn window_config(o: &Opts<'_>) -> Result<SlidingWindowConfig> {
    let d = SlidingWindowConfig::default();
    let buckets = match o.uint("buckets", "buckets")? {
        None => d.buckets,
        Some(b) => u32::try_from(b).unwrap_or(u32::MAX),
    };
    Ok(SlidingWindowConfig {
        limit: o.uint("limit", "limit")?.unwrap_or(d.limit),
        window: o.duration_ms("windowMs", "window")?.unwrap_or(d.window),
        buckets,
    })
}

fn table_config(o: &Opts<'_>) -> Result<KeyTableConfig> {
    let d = KeyTableConfig::default();
    let max_probe = match o.uint("maxProbe", "max_probe")? {
        None => d.max_probe,
        Some(p) => u32::try_from(p).unwrap_or(u32::MAX),
    };
    Ok(KeyTableConfig {
        max_keys: o.uint("maxKeys", "max_keys")?.unwrap_or(d.max_keys),
        max_probe,
        on_full: o
            .mode("onFull", "on_full", |_, s| OnFull::parse(s))?
            .unwrap_or(d.on_full),
        hash_seed: o.seed("hashSeed")?,
    })
}

fn write(d: &Decision) -> bool {
    crate::ffi::put_all(&[
        d.remaining as f64,
        duration_ms(d.retry_after),
        duration_ms(d.reset_after),
    ]);
    d.allowed
}

fn arg_error(e: &seawall::Error) -> napi::Error {
    from_core(e, |f| f.to_string())
}

fn count(n: f64) -> Result<u64> {
    arg_count("n", n)
}

fn with<R>(id: u32, f: impl FnOnce(&Limiter) -> Result<R>) -> Result<R> {
    match hot().limiters.borrow().get(id) {
        Some(l) => f(l),
        None => Err(not_live()),
    }
}

fn decide(l: &Limiter, n: u64, peek: bool) -> Result<Decision> {
    let d = match (l, peek) {
        (Limiter::Bucket(b), false) => b.try_acquire(n),
        (Limiter::Bucket(b), true) => b.peek(n),
        (Limiter::Window(w), false) => w.try_acquire(n),
        (Limiter::Window(w), true) => w.peek(n),
        _ => return Err(error::argument("key", "is required for a keyed limiter")),
    };
    d.map_err(|e| arg_error(&e))
}

fn decide_key(l: &Limiter, key: &str, n: u64) -> Result<bool> {
    let d = match l {
        Limiter::KeyedBucket(k) => k.try_acquire_str(key, n),
        Limiter::KeyedWindow(k) => k.try_acquire_str(key, n),
        _ => return Err(error::argument("key", "is not used by an unkeyed limiter")),
    };
    d.map(|d| write(&d)).map_err(|e| arg_error(&e))
}

fn not_live() -> napi::Error {
    error::argument("id", "is not a live limiter")
}

crate::hot_fn! {
    /// `limiterTryAcquire()`: takes `n` if available (`peek`: answers without taking).
    /// Scratch in: [0] the limiter id, [1] `n`, [2] nonzero to peek. Out:
    /// [0] remaining, [1] retryAfterMs, [2] resetAfterMs, [3] 1 when allowed,
    /// else 0. Throws for a bad `n`, an unknown id or a keyed limiter.
    fn limiter_try_acquire(h: Hot) {
        let (id, n, peek) = (h.id_arg(0), h.arg(1), h.arg(2) != 0.0);
        let n = count(n)?;
        let d = {
            let slab = h.limiters.borrow();
            decide(
                id.and_then(|id| slab.get(id)).ok_or_else(not_live)?,
                n,
                peek,
            )?
        };
        h.put(0, d.remaining as f64);
        h.put(1, duration_ms(d.retry_after));
        h.put(2, duration_ms(d.reset_after));
        h.put(3, f64::from(u8::from(d.allowed)));
    }
}

/// `limiterTryAcquireOne`'s answers (`protocol().limiterGranted`,
/// `limiterDenied`); anything else asks for `limiterTryAcquire`, which
/// throws the error.
pub const GRANTED: f64 = 1.0;
pub const DENIED: f64 = 0.0;
const ASK: f64 = 2.0;

/// `tryAcquire()` of one permit, answer only: [`GRANTED`], [`DENIED`], or
/// `ASK` when `limiterTryAcquire` must be called for the error (an unknown
/// id, a keyed limiter, a burst of 0 cannot happen but is handled).
fn try1(hot: &Hot, id: Option<u32>) -> f64 {
    let r = hot.limiters.borrow();
    let d = match id.and_then(|id| r.get(id)).map(|l| &**l) {
        Some(Limiter::Bucket(b)) => b.try_acquire(1),
        Some(Limiter::Window(w)) => w.try_acquire(1),
        _ => return ASK,
    };
    match d {
        Ok(d) if d.allowed => GRANTED,
        Ok(_) => DENIED,
        Err(_) => ASK,
    }
}

crate::hot_fn! {
    /// `limiterTryAcquireOne()`: scratch in: [0] the limiter id; out: [0] the answer of
    /// [`try1`] (nothing else is written).
    fn limiter_try_acquire_one(h: Hot) {
        h.put(0, try1(h, h.id_arg(0)));
    }
}

/// `limiterTryAcquireKey(key)`, raw: the keyed `tryAcquire`. The key is the one JS
/// argument (read without allocating, `ffi::call_key`); scratch in:
/// [0] the limiter id, [1] `n`; out: [0] remaining, [1] retryAfterMs,
/// [2] resetAfterMs, [3] 1 when allowed, else 0. Throws as `limiterTryAcquire` does.
unsafe extern "C" fn limiter_try_acquire_key_raw(
    env: napi::sys::napi_env,
    info: napi::sys::napi_callback_info,
) -> napi::sys::napi_value {
    // SAFETY: registered by `ffi::register_raw` with this module's context (listed in HOT_FNS).
    unsafe {
        crate::ffi::call_key(env, info, |h: &Hot, key| {
            let (id, n) = (h.id_arg(0), count(h.arg(1))?);
            let d = {
                let slab = h.limiters.borrow();
                let d = match id.and_then(|id| slab.get(id)).map(|l| &**l) {
                    Some(Limiter::KeyedBucket(k)) => k.try_acquire(key, n),
                    Some(Limiter::KeyedWindow(k)) => k.try_acquire(key, n),
                    Some(_) => {
                        return Err(error::argument("key", "is not used by an unkeyed limiter"))
                    }
                    None => return Err(not_live()),
                };
                d.map_err(|e| arg_error(&e))?
            };
            h.put(0, d.remaining as f64);
            h.put(1, duration_ms(d.retry_after));
            h.put(2, duration_ms(d.reset_after));
            h.put(3, f64::from(u8::from(d.allowed)));
            Ok(())
        })
    }
}

/// The raw hot functions of this module (see `ffi`).
pub const HOT_FNS: &[(&CStr, RawFn)] = &[
    (c"limiterTryAcquire", limiter_try_acquire),
    (c"limiterTryAcquireOne", limiter_try_acquire_one),
    (c"limiterTryAcquireKeyRaw", limiter_try_acquire_key_raw),
];

/// The keyed form of `limiterTryAcquire`.
#[napi(catch_unwind)]
pub fn limiter_try_acquire_key(id: u32, key: String, n: f64) -> Result<bool> {
    let n = count(n)?;
    with(id, |l| decide_key(l, &key, n))
}

/// Limiter metrics, every field a number (absent ones omitted).
#[napi(object)]
pub struct LimiterMetrics {
    pub burst: Option<f64>,
    pub available: Option<f64>,
    pub emission_interval_ms: Option<f64>,
    pub limit: Option<f64>,
    pub count: Option<f64>,
    pub allowed: Option<f64>,
    pub denied: Option<f64>,
    /// Waiting acquires in core's queue (token bucket, sliding window).
    pub waiting: Option<f64>,
    pub keys_tracked: Option<f64>,
    pub capacity: Option<f64>,
    pub evictions: Option<f64>,
    pub table_full: Option<f64>,
}

impl LimiterMetrics {
    fn empty() -> Self {
        Self {
            burst: None,
            available: None,
            emission_interval_ms: None,
            limit: None,
            count: None,
            allowed: None,
            denied: None,
            waiting: None,
            keys_tracked: None,
            capacity: None,
            evictions: None,
            table_full: None,
        }
    }

    fn keyed(m: KeyedMetrics) -> Self {
        Self {
            keys_tracked: Some(m.keys_tracked as f64),
            capacity: Some(m.capacity as f64),
            evictions: Some(m.evictions as f64),
            table_full: Some(m.table_full as f64),
            allowed: Some(m.allowed as f64),
            denied: Some(m.denied as f64),
            waiting: Some(m.waiting as f64),
            ..Self::empty()
        }
    }
}

#[napi(js_name = "NativeRateLimiter")]
pub struct RateLimiter {
    pub(crate) inner: AssertUnwindSafe<Arc<Limiter>>,
    id: u32,
    limit: u64,
    /// The quota policy window core derives from the config (ms), for
    /// the rate-limit headers.
    window_ms: f64,
    hot: AssertUnwindSafe<Rc<Hot>>,
}

impl RateLimiter {
    /// The limiter as a policy stage (unkeyed limiters only).
    pub fn as_stage(&self) -> Option<Arc<dyn seawall::RateLimiter>> {
        match &**self.inner {
            Limiter::Bucket(b) => Some(Arc::clone(b) as Arc<dyn seawall::RateLimiter>),
            Limiter::Window(w) => Some(Arc::clone(w) as Arc<dyn seawall::RateLimiter>),
            _ => None,
        }
    }
}

fn limiter_kind(l: &Limiter) -> &'static str {
    match l {
        Limiter::Bucket(_) => "token_bucket",
        Limiter::Window(_) => "sliding_window",
        Limiter::KeyedBucket(_) => "keyed_token_bucket",
        Limiter::KeyedWindow(_) => "keyed_sliding_window",
    }
}

impl Drop for RateLimiter {
    fn drop(&mut self) {
        self.hot.limiters.borrow_mut().remove(self.id);
    }
}

#[napi]
impl RateLimiter {
    /// `kind`: "token_bucket", "sliding_window", "keyed_token_bucket",
    /// "keyed_sliding_window".
    #[napi(constructor, catch_unwind)]
    pub fn new(kind: String, options: Option<Object>, clock: Option<&ManualClock>) -> Result<Self> {
        let o = Opts::new(options);
        let clk = source(clock);
        let err = |e: seawall::Error| o.core_error(&e);
        let win = |p: seawall::Result<QuotaPolicy>| -> Result<f64> {
            // The quota policy window core derives from the config: token
            // bucket `burst × T`, sliding window its window.
            Ok(duration_ms(p.map_err(|e| o.core_error(&e))?.window()))
        };
        let (lim, limit, window_ms) = match kind.as_str() {
            "token_bucket" => {
                let cfg = bucket_config(&o, false)?;
                let w = win(QuotaPolicy::token_bucket("default", &cfg))?;
                let b = match crate::region::region_of(&o)? {
                    Some((r, n)) => TokenBucket::in_region_with_clock(cfg, clk, &r, &n),
                    None => TokenBucket::with_clock(cfg, clk),
                }
                .map_err(err)?;
                let l = b.burst();
                (Limiter::Bucket(Arc::new(b)), l, w)
            }
            "sliding_window" => {
                let cfg = window_config(&o)?;
                let l = cfg.limit;
                let w = win(QuotaPolicy::sliding_window("default", &cfg))?;
                (
                    Limiter::Window(Arc::new(
                        match crate::region::region_of(&o)? {
                            Some((r, n)) => {
                                SlidingWindowLimiter::in_region_with_clock(cfg, clk, &r, &n)
                            }
                            None => SlidingWindowLimiter::with_clock(cfg, clk),
                        }
                        .map_err(err)?,
                    )),
                    l,
                    w,
                )
            }
            "keyed_token_bucket" => {
                let cfg = KeyedTokenBucketConfig {
                    bucket: bucket_config(&o, true)?,
                    table: table_config(&o)?,
                };
                let l = cfg.bucket.burst;
                let w = win(QuotaPolicy::token_bucket("default", &cfg.bucket))?;
                (
                    Limiter::KeyedBucket(Arc::new(
                        match crate::region::region_of(&o)? {
                            Some((r, n)) => {
                                KeyedTokenBucket::in_region_with_clock(cfg, clk, &r, &n)
                            }
                            None => KeyedTokenBucket::with_clock(cfg, clk),
                        }
                        .map_err(err)?,
                    )),
                    l,
                    w,
                )
            }
            "keyed_sliding_window" => {
                let cfg = KeyedSlidingWindowConfig {
                    window: window_config(&o)?,
                    table: table_config(&o)?,
                };
                let l = cfg.window.limit;
                let w = win(QuotaPolicy::sliding_window("default", &cfg.window))?;
                (
                    Limiter::KeyedWindow(Arc::new(
                        match crate::region::region_of(&o)? {
                            Some((r, n)) => {
                                KeyedSlidingWindow::in_region_with_clock(cfg, clk, &r, &n)
                            }
                            None => KeyedSlidingWindow::with_clock(cfg, clk),
                        }
                        .map_err(err)?,
                    )),
                    l,
                    w,
                )
            }
            other => {
                return Err(error::config(
                    "kind",
                    format!("unknown limiter kind {other:?}"),
                ))
            }
        };
        let shared = Arc::new(lim);
        let hot = hot();
        let id = hot.limiters.borrow_mut().insert(Arc::clone(&shared));
        Ok(Self {
            inner: AssertUnwindSafe(shared),
            id,
            limit,
            window_ms,
            hot: AssertUnwindSafe(hot),
        })
    }

    #[napi(getter, catch_unwind)]
    pub fn id(&self) -> u32 {
        self.id
    }

    /// Registers this limiter for the other threads of the process; the id
    /// for `attach`.
    #[napi(catch_unwind)]
    pub fn share(&self) -> f64 {
        crate::share::share(limiter_kind(&self.inner), &self.inner)
    }

    /// This thread's object for the limiter another thread shared (`kind`
    /// as in the constructor, `limit` as the sharer's).
    #[napi(factory, catch_unwind)]
    pub fn attach(kind: String, id: f64, limit: f64, window_ms: f64) -> Result<Self> {
        let k = match kind.as_str() {
            "token_bucket" => "token_bucket",
            "sliding_window" => "sliding_window",
            "keyed_token_bucket" => "keyed_token_bucket",
            _ => "keyed_sliding_window",
        };
        let shared: Arc<Limiter> = crate::share::attach(k, id)?;
        let hot = hot();
        let id = hot.limiters.borrow_mut().insert(Arc::clone(&shared));
        Ok(Self {
            inner: AssertUnwindSafe(shared),
            id,
            limit: limit.max(0.0) as u64,
            window_ms: if window_ms.is_finite() {
                window_ms.max(0.0)
            } else {
                0.0
            },
            hot: AssertUnwindSafe(hot),
        })
    }

    /// Capacity (burst or window limit), for the `RateLimit-Limit` header.
    #[napi(getter, catch_unwind)]
    pub fn limit(&self) -> f64 {
        self.limit as f64
    }

    /// The quota policy window in ms (the `w` of `RateLimit-Policy`).
    #[napi(getter, catch_unwind)]
    pub fn window_ms(&self) -> f64 {
        self.window_ms
    }

    /// Gives back `n` granted earlier (never above capacity).
    #[napi(catch_unwind)]
    pub fn refund(&self, n: f64) -> Result<()> {
        let n = count(n)?;
        match &**self.inner {
            Limiter::Bucket(b) => b.refund(n),
            Limiter::Window(w) => w.refund(n),
            _ => return Err(error::argument("key", "is required for a keyed limiter")),
        }
        Ok(())
    }

    /// What `try_acquire` would answer now for `key`, spending nothing and
    /// not inserting the key; the decision's numbers go to the scratch array.
    #[napi(catch_unwind)]
    pub fn peek_key(&self, key: String, n: f64) -> Result<bool> {
        let n = count(n)?;
        let d = match &**self.inner {
            Limiter::KeyedBucket(k) => k.peek(key.as_bytes(), n),
            Limiter::KeyedWindow(k) => k.peek(key.as_bytes(), n),
            _ => return Err(error::argument("key", "is not used by an unkeyed limiter")),
        };
        d.map(|d| write(&d)).map_err(|e| arg_error(&e))
    }

    #[napi(catch_unwind)]
    pub fn refund_key(&self, key: String, n: f64) -> Result<()> {
        let n = count(n)?;
        match &**self.inner {
            Limiter::KeyedBucket(k) => k.refund(key.as_bytes(), n),
            Limiter::KeyedWindow(k) => k.refund(key.as_bytes(), n),
            _ => return Err(error::argument("key", "is not used by an unkeyed limiter")),
        }
        Ok(())
    }

    #[napi(catch_unwind)]
    pub fn metrics(&self) -> LimiterMetrics {
        match &**self.inner {
            Limiter::Bucket(b) => {
                let m = b.metrics();
                LimiterMetrics {
                    burst: Some(m.burst as f64),
                    available: Some(m.available as f64),
                    emission_interval_ms: Some(duration_ms(m.emission_interval)),
                    allowed: Some(m.allowed as f64),
                    denied: Some(m.denied as f64),
                    waiting: Some(m.waiting as f64),
                    ..LimiterMetrics::empty()
                }
            }
            Limiter::Window(w) => {
                let m = w.metrics();
                LimiterMetrics {
                    limit: Some(m.limit as f64),
                    count: Some(m.count as f64),
                    allowed: Some(m.allowed as f64),
                    denied: Some(m.denied as f64),
                    waiting: Some(m.waiting as f64),
                    ..LimiterMetrics::empty()
                }
            }
            Limiter::KeyedBucket(k) => LimiterMetrics::keyed(k.metrics()),
            Limiter::KeyedWindow(k) => LimiterMetrics::keyed(k.metrics()),
        }
    }
}

// Core's limiter waits (`spec/token_bucket.md`, "Waiting acquires"): a
// waiting acquire is a reservation in core's FIFO order, due at a known
// time; the JS side sleeps until then on the limiter's clock and claims it.
// Waits live in the registry (`Registry::waits`), addressed by id.

/// A waiting acquire's state: `granted` (with the decision), `waiting`
/// (`wait` id, due in `dueInMs`), `refused`, or `none` (finished/unknown).
#[napi(object, object_from_js = false)]
pub struct WaitOut {
    pub outcome: &'static str,
    pub wait: Option<u32>,
    pub due_in_ms: Option<f64>,
    pub allowed: Option<bool>,
    pub remaining: Option<f64>,
    pub retry_after_ms: Option<f64>,
    pub reset_after_ms: Option<f64>,
}

fn wait_out(outcome: &'static str) -> WaitOut {
    WaitOut {
        outcome,
        wait: None,
        due_in_ms: None,
        allowed: None,
        remaining: None,
        retry_after_ms: None,
        reset_after_ms: None,
    }
}

fn granted(d: &seawall::Decision) -> WaitOut {
    WaitOut {
        allowed: Some(d.allowed),
        remaining: Some(d.remaining as f64),
        retry_after_ms: Some(duration_ms(d.retry_after)),
        reset_after_ms: Some(duration_ms(d.reset_after)),
        ..wait_out("granted")
    }
}

#[napi]
impl RateLimiter {
    /// Takes `n` now or reserves them in core's FIFO order if they are due
    /// within `maxWaitMs` (Infinity: any wait); a refusal throws
    /// rate_limited with its retry-after.
    #[napi(catch_unwind)]
    pub fn reserve(&self, n: f64, max_wait_ms: f64) -> Result<WaitOut> {
        let n = count(n)?;
        let max_wait = max_wait_of(max_wait_ms);
        let r = match &**self.inner {
            Limiter::Bucket(b) => b.reserve(n, max_wait),
            Limiter::Window(w) => w.reserve(n, max_wait),
            _ => return Err(error::argument("key", "is required by a keyed limiter")),
        };
        wait_result(r)
    }

    /// `reserve` for `key` of a keyed limiter: core's per-key FIFO wait.
    #[napi(catch_unwind)]
    pub fn reserve_key(&self, key: String, n: f64, max_wait_ms: f64) -> Result<WaitOut> {
        let n = count(n)?;
        let max_wait = max_wait_of(max_wait_ms);
        let r = match &**self.inner {
            Limiter::KeyedBucket(k) => k.reserve(key.as_bytes(), n, max_wait),
            Limiter::KeyedWindow(k) => k.reserve(key.as_bytes(), n, max_wait),
            _ => return Err(error::argument("key", "is not used by an unkeyed limiter")),
        };
        wait_result(r)
    }
}

fn max_wait_of(max_wait_ms: f64) -> std::time::Duration {
    if max_wait_ms.is_finite() && max_wait_ms >= 0.0 {
        crate::conf::ms_to_duration(max_wait_ms)
    } else {
        std::time::Duration::MAX
    }
}

fn wait_result(r: seawall::Result<seawall::Reservation>) -> Result<WaitOut> {
    {
        match r {
            Ok(seawall::Reservation::Granted(d)) => Ok(granted(&d)),
            Ok(seawall::Reservation::Waiting(w)) => {
                let due = duration_ms(w.due_in());
                let id = hot().waits.borrow_mut().insert(w);
                Ok(WaitOut {
                    wait: Some(id),
                    due_in_ms: Some(due),
                    ..wait_out("waiting")
                })
            }
            Err(e) => Err(crate::error::from_core(&e, crate::error::camel)),
        }
    }
}

/// Claims wait `w` if it is due (then it is finished).
#[napi(catch_unwind)]
pub fn lim_wait_poll(w: u32) -> WaitOut {
    let taken = hot().waits.borrow_mut().take(w);
    let Some(mut wait) = taken else {
        return wait_out("none");
    };
    match wait.try_claim() {
        Ok(Some(d)) => granted(&d),
        Ok(None) => {
            let due = duration_ms(wait.due_in());
            let id = hot().waits.borrow_mut().insert(wait);
            WaitOut {
                wait: Some(id),
                due_in_ms: Some(due),
                ..wait_out("waiting")
            }
        }
        Err(e) => WaitOut {
            retry_after_ms: Some(e.retry_after().map_or(0.0, duration_ms)),
            ..wait_out("refused")
        },
    }
}

/// Gives wait `w` up (its reservation goes back). False when unknown.
#[napi(catch_unwind)]
pub fn lim_wait_cancel(w: u32) -> bool {
    let taken = hot().waits.borrow_mut().take(w);
    match taken {
        Some(wait) => {
            wait.cancel();
            true
        }
        None => false,
    }
}
