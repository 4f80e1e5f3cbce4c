//! The conformance vectors' token-bucket and sliding-window scenarios, run
//! against Redis: the Lua scripts with the test-only time override
//! (`spec/redis.md`), compared with the same expectations as in memory.
//!
//! Scenarios the Redis limiters do not take are listed and skipped, never
//! silently: `initial_tokens` (a Redis key starts full, like a keyed
//! limiter's) and the waiting ops (`acquire_wait`, `poll`, `cancel`: the
//! waits are in-memory only).

use seawall::redis::{RedisBackend, RedisConfig, RedisLimiter};
use seawall::sliding_window::SlidingWindowConfig;
use seawall::token_bucket::TokenBucketConfig;
use seawall_tests::redis_server::RedisServer;
use seawall_tests::runners::token_bucket::result_value;
use seawall_tests::{error_value, f, matches, s, u, vectors_dir};
use serde_json::{json, Value};
use std::time::Duration;

const OPS: [&str; 6] = [
    "try_acquire",
    "peek",
    "refund",
    "metrics",
    "advance",
    "set_time",
];

fn build(
    backend: &RedisBackend,
    prim: &str,
    name: &str,
    cfg: &Value,
) -> Result<RedisLimiter, Value> {
    let r = if prim == "token_bucket" {
        RedisLimiter::token_bucket(
            backend,
            name,
            TokenBucketConfig {
                burst: u(cfg, "burst").unwrap_or(10),
                rate_per_sec: f(cfg, "rate_per_sec").unwrap_or(10.0),
                initial_tokens: None,
            },
        )
    } else {
        RedisLimiter::sliding_window(
            backend,
            name,
            SlidingWindowConfig {
                limit: u(cfg, "limit").unwrap_or(100),
                window: Duration::from_nanos(u(cfg, "window_ns").unwrap_or(60_000_000_000)),
                buckets: u32::try_from(u(cfg, "buckets").unwrap_or(10)).unwrap_or(u32::MAX),
            },
        )
    };
    r.map_err(|e| error_value(&e))
}

/// Runs one scenario; `Ok(false)` = skipped.
fn run(backend: &RedisBackend, prim: &str, idx: usize, sc: &Value) -> Result<bool, String> {
    let name = s(sc, "name").unwrap_or("?");
    let cfg = sc.get("config").cloned().unwrap_or(json!({}));
    let steps = sc
        .get("steps")
        .and_then(Value::as_array)
        .cloned()
        .unwrap_or_default();
    if cfg.get("initial_tokens").is_some()
        || steps
            .iter()
            .any(|st| !OPS.contains(&s(st, "op").unwrap_or("")))
    {
        eprintln!("skip (not a Redis op/config): {prim}: {name}");
        return Ok(false);
    }
    let lim = match (
        build(backend, prim, &format!("v{idx}"), &cfg),
        sc.get("expect_error"),
    ) {
        (Err(got), Some(want)) if matches(want, &got) => return Ok(true),
        (Err(got), _) => return Err(format!("{name}: construction: {got}")),
        (Ok(_), Some(want)) => return Err(format!("{name}: expected {want}, built fine")),
        (Ok(l), None) => l,
    };
    let key = format!("scenario-{idx}").into_bytes();
    let mut now = u(sc, "start_ns").unwrap_or(0);
    for (i, st) in steps.iter().enumerate() {
        let op = s(st, "op").unwrap_or("");
        let n = u(st, "n").unwrap_or(1);
        let out = match op {
            "advance" => {
                now += u(st, "ns").unwrap_or(0);
                json!({})
            }
            "set_time" => {
                now = u(st, "ns").unwrap_or(0);
                json!({})
            }
            "try_acquire" => result_value(lim.decide_at(&key, n, "acquire", now)),
            "peek" => result_value(lim.decide_at(&key, n, "peek", now)),
            "refund" => {
                lim.decide_at(&key, n, "refund", now)
                    .map_err(|e| e.to_string())?;
                json!({})
            }
            "metrics" => {
                let d = lim
                    .decide_at(&key, 1, "peek", now)
                    .map_err(|e| e.to_string())?;
                let m = lim.metrics();
                let limit = lim.limit();
                let (available, count) = if d.allowed {
                    (d.remaining + 1, limit - d.remaining - 1)
                } else {
                    (d.remaining, limit - d.remaining)
                };
                json!({ "allowed": m.allowed, "denied": m.denied,
                        "available": available, "count": count })
            }
            _ => unreachable!(),
        };
        if let Some(want) = st.get("expect") {
            if !matches(want, &out) {
                return Err(format!(
                    "{name}: step {i} ({op}): expected {want}, got {out}"
                ));
            }
        }
    }
    Ok(true)
}

#[test]
fn token_bucket_and_sliding_window_vectors_pass_in_redis() {
    let Some(server) = RedisServer::start() else {
        return;
    };
    let mut cfg = RedisConfig::new(server.url());
    cfg.deadline = Duration::from_secs(5);
    cfg.on_failure = seawall::redis::FailureMode::Closed;
    let backend = RedisBackend::new(cfg).expect("backend");
    let (mut passed, mut skipped, mut failures) = (0, 0, Vec::new());
    for (prim, file) in [
        ("token_bucket", "token_bucket/token_bucket.json"),
        ("sliding_window", "sliding_window/sliding_window.json"),
    ] {
        let text = std::fs::read_to_string(vectors_dir().join(file)).expect("vector file");
        let doc: Value = serde_json::from_str(&text).expect("json");
        for (i, sc) in doc["scenarios"]
            .as_array()
            .into_iter()
            .flatten()
            .enumerate()
        {
            match run(&backend, prim, i, sc) {
                Ok(true) => passed += 1,
                Ok(false) => skipped += 1,
                Err(e) => failures.push(format!("{prim}: {e}")),
            }
        }
    }
    for f in &failures {
        eprintln!("FAIL {f}");
    }
    eprintln!(
        "redis vectors: {passed} passed, {} failed, {skipped} skipped",
        failures.len()
    );
    let m = backend.metrics();
    assert_eq!(m.fallbacks, 0, "every decision came from Redis: {m:?}");
    assert!(
        failures.is_empty(),
        "{} Redis vector scenarios failed",
        failures.len()
    );
    assert!(passed >= 15, "only {passed} scenarios ran");
}
