//! A concurrency limit across hosts (a distributed bulkhead): at most
//! `max_concurrent` permits per key held at once, each a **lease** that
//! expires unless renewed, so a holder that dies (crash, kill -9, a lost
//! host) frees its permit when its lease runs out (`spec/redis.md`).

use super::{check_key, check_name, FailureMode, RedisBackend, MAX_NAME_BYTES};
use crate::error::{Error, Result};
use crate::validate;
use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Mutex;
use std::time::Duration;

/// Most permits per key.
pub const MAX_CONCURRENT: u64 = 1_000_000;
/// Longest lease.
pub const MAX_LEASE: Duration = Duration::from_secs(86_400);
/// The lease when the caller gives none (the bindings' default).
pub const DEFAULT_LEASE: Duration = Duration::from_secs(30);

/// A permit held on a [`RedisConcurrencyLimit`]: give it back with
/// [`RedisConcurrencyLimit::release`]; renew it with
/// [`RedisConcurrencyLimit::renew`] before its lease runs out if the work
/// takes longer. Dropping it without release leaves it held until its
/// lease expires (which is what a crashed holder does).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RedisLease {
    key: Vec<u8>,
    id: String,
    /// Granted by the failure mode (Redis unreachable), not by Redis.
    local: bool,
}

impl RedisLease {
    /// Whether the failure mode granted it (Redis was not reachable).
    pub fn is_local(&self) -> bool {
        self.local
    }
    /// The lease's id (unique per process and limiter).
    pub fn id(&self) -> &str {
        &self.id
    }
    /// The key it holds a permit of.
    pub fn key(&self) -> &[u8] {
        &self.key
    }
    /// A lease rebuilt from its parts (bindings that hand leases to their
    /// language as plain values).
    #[doc(hidden)]
    pub fn from_parts(key: Vec<u8>, id: String, local: bool) -> Self {
        Self { key, id, local }
    }
}

/// What [`RedisConcurrencyLimit::try_acquire`] answers.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LeaseDecision {
    /// The permit, or `None` when all `max_concurrent` are held.
    pub lease: Option<RedisLease>,
    /// Permits of the key held now (after this decision; 0 when the
    /// failure mode answered).
    pub in_use: u64,
    /// When denied: until the first held lease expires (an upper bound on
    /// the wait: a release frees a permit earlier).
    pub retry_after: Duration,
}

/// A concurrency limit per key across hosts. Thread-safe.
#[derive(Debug)]
pub struct RedisConcurrencyLimit {
    backend: RedisBackend,
    key_head: Vec<u8>,
    max: u64,
    lease_ms: u64,
    prefix: String,
    seq: AtomicU64,
    /// The `local` failure mode's permits per key.
    local: Mutex<HashMap<Vec<u8>, u64>>,
}

impl RedisConcurrencyLimit {
    /// At most `max_concurrent` (1 ..= 1 000 000) permits per key, each a
    /// lease of `lease` (1 ms ..= 1 day, whole ms).
    pub fn new(
        backend: &RedisBackend,
        name: &str,
        max_concurrent: u64,
        lease: Duration,
    ) -> Result<Self> {
        check_name("name", name, MAX_NAME_BYTES)?;
        validate::int_in_range("max_concurrent", max_concurrent, 1, MAX_CONCURRENT)?;
        if lease < Duration::from_millis(1) || lease > MAX_LEASE {
            return Err(Error::config(
                "lease",
                format!("must be in [1 ms, 1 day], got {lease:?}"),
            ));
        }
        let key_head = format!("{}:cl:{name}:{{", backend.inner.cfg.key_prefix).into_bytes();
        let seed = crate::rng::entropy_seed();
        Ok(Self {
            backend: backend.clone(),
            key_head,
            max: max_concurrent,
            lease_ms: u64::try_from(lease.as_millis()).unwrap_or(u64::MAX),
            prefix: format!("{:x}-{seed:016x}", std::process::id()),
            seq: AtomicU64::new(0),
            local: Mutex::new(HashMap::new()),
        })
    }

    fn redis_key(&self, key: &[u8]) -> Vec<u8> {
        let mut k = Vec::with_capacity(self.key_head.len() + key.len() + 1);
        k.extend_from_slice(&self.key_head);
        k.extend_from_slice(key);
        k.push(b'}');
        k
    }

    fn call(&self, key: &[u8], op: &str, id: &str) -> std::result::Result<[i64; 4], Decided> {
        let mut inv = self.backend.inner.lease.key(self.redis_key(key));
        inv.arg("")
            .arg(op)
            .arg(id)
            .arg(self.max.to_string())
            .arg(self.lease_ms.to_string());
        let v: Vec<i64> = self
            .backend
            .guarded(|conn| inv.invoke(conn))
            .map_err(Decided)?;
        match v.as_slice() {
            [a, b, c, d] => Ok([*a, *b, *c, *d]),
            _ => Err(Decided(self.backend.inner.cfg.retry_initial)),
        }
    }

    /// Takes a permit for `key` if fewer than `max_concurrent` are held
    /// (one Redis command; blocks at most the deadline). When Redis cannot
    /// answer: `open` grants a local lease, `closed` denies, `local` counts
    /// permits in this process. `Err` only for a bad key.
    pub fn try_acquire(&self, key: &[u8]) -> Result<LeaseDecision> {
        check_key(key)?;
        let id = format!(
            "{}-{:x}",
            self.prefix,
            self.seq.fetch_add(1, Ordering::Relaxed)
        );
        match self.call(key, "a", &id) {
            Ok([granted, in_use, retry_ms, _]) => Ok(LeaseDecision {
                lease: (granted == 1).then(|| RedisLease {
                    key: key.to_vec(),
                    id,
                    local: false,
                }),
                in_use: u64::try_from(in_use).unwrap_or(0),
                retry_after: Duration::from_millis(u64::try_from(retry_ms).unwrap_or(0)),
            }),
            Err(Decided(retry)) => Ok(self.fallback(key, id, retry)),
        }
    }

    fn fallback(&self, key: &[u8], id: String, retry: Duration) -> LeaseDecision {
        let local = RedisLease {
            key: key.to_vec(),
            id,
            local: true,
        };
        match self.backend.inner.cfg.on_failure {
            FailureMode::Open => LeaseDecision {
                lease: Some(local),
                in_use: 0,
                retry_after: Duration::ZERO,
            },
            FailureMode::Closed => LeaseDecision {
                lease: None,
                in_use: 0,
                retry_after: retry.max(Duration::from_millis(1)),
            },
            FailureMode::Local => {
                let mut m = self
                    .local
                    .lock()
                    .unwrap_or_else(std::sync::PoisonError::into_inner);
                let held = m.entry(key.to_vec()).or_insert(0);
                if *held < self.max {
                    *held += 1;
                    LeaseDecision {
                        lease: Some(local),
                        in_use: *held,
                        retry_after: Duration::ZERO,
                    }
                } else {
                    LeaseDecision {
                        lease: None,
                        in_use: *held,
                        retry_after: retry.max(Duration::from_millis(1)),
                    }
                }
            }
        }
    }

    /// Gives a permit back: `true` if it was still held, `false` if its
    /// lease had expired (the work outlived it) or Redis could not answer
    /// (the lease then expires by itself).
    pub fn release(&self, lease: RedisLease) -> bool {
        if lease.local {
            if self.backend.inner.cfg.on_failure == FailureMode::Local {
                let mut m = self
                    .local
                    .lock()
                    .unwrap_or_else(std::sync::PoisonError::into_inner);
                if let Some(held) = m.get_mut(&lease.key) {
                    *held = held.saturating_sub(1);
                    if *held == 0 {
                        m.remove(&lease.key);
                    }
                }
            }
            return true;
        }
        matches!(self.call(&lease.key, "r", &lease.id), Ok([1, ..]))
    }

    /// Extends a held permit's lease by the configured lease from now:
    /// `true` if it was still held (a local lease: always).
    pub fn renew(&self, lease: &RedisLease) -> bool {
        lease.local || matches!(self.call(&lease.key, "n", &lease.id), Ok([1, ..]))
    }

    /// The configured maximum per key.
    pub fn max_concurrent(&self) -> u64 {
        self.max
    }
}

/// The failure mode must answer (the retry-after hint to use).
struct Decided(Duration);
