//! Feature flags with safe defaults (`spec/redis.md`): `is_enabled(flag)`
//! read from Redis (one `MGET`) with a short local cache; the flag's safe
//! default when Redis cannot answer; `disable(flag, for)` for graceful
//! degradation (an "off" marker with a TTL, so the flag comes back by
//! itself).

use super::{check_key, check_name, RedisBackend, MAX_NAME_BYTES};
use crate::clock::{Clock, ClockSource};
use crate::error::{Error, Result};
use std::collections::HashMap;
use std::sync::Mutex;
use std::time::Duration;

/// Longest local cache time.
pub const MAX_CACHE_TTL: Duration = Duration::from_secs(3600);
/// The local cache time when the caller gives none (the bindings' default).
pub const DEFAULT_CACHE_TTL: Duration = Duration::from_secs(1);

/// Where a flag's answer came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FlagSource {
    /// Read from Redis just now.
    Redis,
    /// From the local cache (read from Redis at most `cache_ttl` ago).
    Cache,
    /// Redis could not answer: the caller's safe default.
    Default,
}

/// A flag's cached read: (value, read at ns); `None` = unset in Redis.
type Cached = (Option<bool>, u64);

/// Feature flags in Redis under one namespace. Thread-safe.
#[derive(Debug)]
pub struct RedisFeatureFlags {
    backend: RedisBackend,
    head: String,
    cache_ttl_ns: u64,
    clock: ClockSource,
    cache: Mutex<HashMap<Vec<u8>, Cached>>,
}

impl RedisFeatureFlags {
    /// Flags under `namespace` (ASCII letters, digits, `_-.:`), each read
    /// from Redis at most once per `cache_ttl` (0 ..= 1 h; 0 = no cache)
    /// per process.
    pub fn new(backend: &RedisBackend, namespace: &str, cache_ttl: Duration) -> Result<Self> {
        Self::with_clock(backend, namespace, cache_ttl, ClockSource::Monotonic)
    }

    /// On the given clock (a [`ManualClock`](crate::ManualClock) makes the
    /// cache expiry testable).
    pub fn with_clock(
        backend: &RedisBackend,
        namespace: &str,
        cache_ttl: Duration,
        clock: impl Into<ClockSource>,
    ) -> Result<Self> {
        check_name("namespace", namespace, MAX_NAME_BYTES)?;
        if cache_ttl > MAX_CACHE_TTL {
            return Err(Error::config(
                "cache_ttl",
                format!("must be in [0, 1 h], got {cache_ttl:?}"),
            ));
        }
        Ok(Self {
            backend: backend.clone(),
            head: format!("{}:ff:{namespace}:", backend.inner.cfg.key_prefix),
            cache_ttl_ns: crate::clock::duration_to_ns(cache_ttl),
            clock: clock.into(),
            cache: Mutex::new(HashMap::new()),
        })
    }

    /// `(value key, off key)`: `<prefix>:ff:<ns>:{<flag>}` and `...}:off`.
    fn keys(&self, flag: &[u8]) -> (Vec<u8>, Vec<u8>) {
        let mut v = Vec::with_capacity(self.head.len() + flag.len() + 6);
        v.extend_from_slice(self.head.as_bytes());
        v.push(b'{');
        v.extend_from_slice(flag);
        v.push(b'}');
        let mut off = v.clone();
        off.extend_from_slice(b":off");
        (v, off)
    }

    fn check_flag(flag: &[u8]) -> Result<()> {
        check_key(flag).map_err(|e| match e {
            Error::InvalidArgument { reason, .. } => Error::argument("flag", reason),
            other => other,
        })
    }

    /// Whether `flag` is on: the local cache if read within `cache_ttl`,
    /// else Redis (one `MGET` of the value and the "off" marker; a flag
    /// never set is `safe_default`). When Redis cannot answer within the
    /// backend's deadline (or its breaker is open): `safe_default`, and
    /// nothing is cached. `Err` only for an empty or too long flag name.
    pub fn is_enabled(&self, flag: &[u8], safe_default: bool) -> Result<bool> {
        self.lookup(flag, safe_default).map(|(v, _)| v)
    }

    /// [`is_enabled`](Self::is_enabled) and where the answer came from.
    pub fn lookup(&self, flag: &[u8], safe_default: bool) -> Result<(bool, FlagSource)> {
        Self::check_flag(flag)?;
        let now = self.clock.now_ns();
        if self.cache_ttl_ns > 0 {
            let cache = self
                .cache
                .lock()
                .unwrap_or_else(std::sync::PoisonError::into_inner);
            if let Some((v, at)) = cache.get(flag) {
                if now.saturating_sub(*at) < self.cache_ttl_ns {
                    return Ok((v.unwrap_or(safe_default), FlagSource::Cache));
                }
            }
        }
        let (k, off) = self.keys(flag);
        let got: std::result::Result<(Option<String>, Option<String>), _> = self
            .backend
            .guarded(|conn| ::redis::cmd("MGET").arg(&k).arg(&off).query(conn));
        let Ok((value, off)) = got else {
            return Ok((safe_default, FlagSource::Default));
        };
        let v = if off.is_some() {
            Some(false)
        } else {
            value.map(|s| s == "1")
        };
        if self.cache_ttl_ns > 0 {
            let mut cache = self
                .cache
                .lock()
                .unwrap_or_else(std::sync::PoisonError::into_inner);
            if cache.len() >= 10_000 {
                cache.clear();
            }
            cache.insert(flag.to_vec(), (v, now));
        }
        Ok((v.unwrap_or(safe_default), FlagSource::Redis))
    }

    fn forget(&self, flag: &[u8]) {
        self.cache
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .remove(flag);
    }

    /// Sets `flag` on or off for every host (and clears a `disable`).
    /// `Ok(false)` when Redis could not be written (counted in metrics).
    pub fn set(&self, flag: &[u8], on: bool) -> Result<bool> {
        Self::check_flag(flag)?;
        let (k, off) = self.keys(flag);
        let ok = self
            .backend
            .guarded(|conn| {
                ::redis::pipe()
                    .atomic()
                    .cmd("SET")
                    .arg(&k)
                    .arg(if on { "1" } else { "0" })
                    .ignore()
                    .cmd("DEL")
                    .arg(&off)
                    .ignore()
                    .query::<()>(conn)
            })
            .is_ok();
        self.forget(flag);
        Ok(ok)
    }

    /// Turns `flag` off for every host for `duration` (1 ms ..= 30 days),
    /// after which it is what it was before (graceful degradation: "shed
    /// the recommendations widget for 5 minutes"). Other processes see it
    /// within their `cache_ttl`. `Ok(false)` when Redis could not be
    /// written.
    pub fn disable(&self, flag: &[u8], duration: Duration) -> Result<bool> {
        Self::check_flag(flag)?;
        if duration < Duration::from_millis(1) || duration > Duration::from_secs(30 * 86_400) {
            return Err(Error::argument(
                "for",
                format!("must be in [1 ms, 30 days], got {duration:?}"),
            ));
        }
        let (_, off) = self.keys(flag);
        let ms = u64::try_from(duration.as_millis()).unwrap_or(u64::MAX);
        let ok = self
            .backend
            .guarded(|conn| {
                ::redis::cmd("SET")
                    .arg(&off)
                    .arg("1")
                    .arg("PX")
                    .arg(ms)
                    .query::<()>(conn)
            })
            .is_ok();
        self.forget(flag);
        Ok(ok)
    }
}
