use super::*;
use crate::adaptive_timeout::AdaptiveTimeoutConfig;
use crate::backoff::BackoffConfig;
use crate::bulkhead::BulkheadConfig;
use crate::circuit_breaker::{Config as CircuitBreakerConfig, State};
use crate::clock::ManualClock;
use crate::error::ErrorKind;
use crate::export::prometheus;
use crate::fault::FaultInjectorConfig;
use crate::retry_budget::RetryBudgetConfig;
use crate::sliding_window::SlidingWindowConfig;
use crate::token_bucket::TokenBucketConfig;
use std::time::Duration;

fn ok<T>(r: Result<T>) -> T {
    match r {
        Ok(v) => v,
        Err(e) => unreachable!("{e}"),
    }
}

fn err<T: std::fmt::Debug>(r: Result<T>) -> Error {
    match r {
        Ok(v) => unreachable!("expected an error, got {v:?}"),
        Err(e) => e,
    }
}

fn breaker(clock: &ManualClock) -> Arc<CircuitBreaker> {
    let cfg = CircuitBreakerConfig {
        minimum_number_of_calls: 2,
        window_size: 2,
        ..Default::default()
    };
    Arc::new(ok(CircuitBreaker::with_clock(cfg, clock)))
}

const NO_LABELS: &[(&str, &str)] = &[];

#[test]
fn bad_names_and_labels_are_typed_errors_naming_the_parameter() {
    let clock = ManualClock::new();
    let reg = Registry::new();
    let src = || Source::CircuitBreaker(breaker(&clock));
    let long = "x".repeat(MAX_NAME_BYTES + 1);
    for bad in ["", "a\nb", "tab\there", long.as_str()] {
        let e = err(reg.register(bad, NO_LABELS, src()));
        assert_eq!(e.kind(), ErrorKind::InvalidArgument);
        assert_eq!(e.field(), Some("name"), "{bad:?}: {e}");
    }
    let big = "v".repeat(MAX_LABEL_VALUE_BYTES + 1);
    let cases: Vec<Vec<(&str, &str)>> = vec![
        vec![("1abc", "v")],
        vec![("a-b", "v")],
        vec![("", "v")],
        vec![("__reserved", "v")],
        vec![("name", "v")],
        vec![("state", "v")],
        vec![("dup", "a"), ("dup", "b")],
        vec![("big", big.as_str())],
    ];
    for labels in cases {
        let e = err(reg.register("ok", &labels, src()));
        assert_eq!(e.field(), Some("labels"), "{labels:?}: {e}");
        assert_eq!(e.kind(), ErrorKind::InvalidArgument);
    }
    let keys: Vec<String> = (0..=MAX_LABELS).map(|i| format!("l{i}")).collect();
    let huge: Vec<(&str, &str)> = keys.iter().map(|k| (k.as_str(), "v")).collect();
    let e = err(reg.register("ok", &huge, src()));
    assert_eq!(e.field(), Some("labels"));
    assert!(e.to_string().contains("at most 16"), "{e}");
    // Nothing was registered by the failed attempts.
    assert!(reg.names().is_empty());
    for bad in ["", "1x", "a-b", "a b"] {
        let e = err(Registry::with_namespace(bad));
        assert_eq!(e.field(), Some("namespace"), "{bad:?}");
    }
    assert!(Registry::with_namespace("my_app:x").is_ok());
}

#[test]
fn duplicate_name_is_an_error_and_drop_unregisters() {
    let clock = ManualClock::new();
    let reg = Registry::new();
    let h = ok(reg.register("db", NO_LABELS, Source::CircuitBreaker(breaker(&clock))));
    let e = err(reg.register("db", NO_LABELS, Source::CircuitBreaker(breaker(&clock))));
    assert_eq!(e.field(), Some("name"));
    assert!(e.to_string().contains("already registered"), "{e}");
    // Same name in another registry is fine.
    let other = Registry::new();
    let h2 = ok(other.register("db", NO_LABELS, Source::CircuitBreaker(breaker(&clock))));
    assert_eq!(reg.names(), vec!["db".to_owned()]);
    drop(h);
    assert!(!reg.contains("db"));
    assert!(reg.prometheus_text().is_empty());
    assert!(other.contains("db"));
    let _h3 = ok(reg.register("db", NO_LABELS, Source::CircuitBreaker(breaker(&clock))));
    assert!(reg.contains("db"));
    drop(h2);
    // A registration outliving its registry drops quietly.
    let tmp = Registry::new();
    let h4 = ok(tmp.register("x", NO_LABELS, Source::CircuitBreaker(breaker(&clock))));
    drop(tmp);
    drop(h4);
}

#[test]
fn label_values_are_escaped() {
    let clock = ManualClock::new();
    let reg = Registry::new();
    let _h = ok(reg.register(
        "we\"ird\\name",
        &[("path", "a\nb\"c\\d")],
        Source::CircuitBreaker(breaker(&clock)),
    ));
    let text = reg.prometheus_text();
    assert!(
        text.contains(
            r#"seawall_circuit_breaker_transitions_total{name="we\"ird\\name",path="a\nb\"c\\d"} 0"#
        ),
        "{text}"
    );
    assert!(!text.contains("a\nb"));
}

fn value(text: &str, prefix: &str) -> f64 {
    let line = text
        .lines()
        .find(|l| l.starts_with(prefix))
        .unwrap_or_else(|| unreachable!("no {prefix} in\n{text}"));
    let v = line.rsplit(' ').next().unwrap_or("");
    v.parse()
        .unwrap_or_else(|_| unreachable!("bad value in {line}"))
}

#[test]
fn every_family_is_written_and_values_equal_metrics() {
    let clock = ManualClock::new();
    let reg = Registry::new();
    let cb = breaker(&clock);
    let tb = Arc::new(ok(TokenBucket::with_clock(
        TokenBucketConfig {
            burst: 3,
            rate_per_sec: 1.0,
            ..Default::default()
        },
        &clock,
    )));
    let sw = Arc::new(ok(SlidingWindowLimiter::with_clock(
        SlidingWindowConfig {
            limit: 1,
            window: Duration::from_secs(10),
            buckets: 10,
        },
        &clock,
    )));
    let bh = Arc::new(ok(Bulkhead::with_clock(
        BulkheadConfig {
            max_concurrent: 1,
            max_queue: 0,
            max_wait: Duration::ZERO,
        },
        clock.clone(),
    )));
    let rb = Arc::new(ok(RetryBudget::new(RetryBudgetConfig {
        max_tokens: 4,
        token_ratio: 0.5,
    })));
    let at = Arc::new(ok(AdaptiveTimeout::with_clock(
        AdaptiveTimeoutConfig::default(),
        &clock,
    )));
    let fi = Arc::new(ok(FaultInjector::new(FaultInjectorConfig {
        error_rate: 1.0,
        ..Default::default()
    })));
    let bo = Arc::new(ok(Backoff::new(BackoffConfig::default())));
    let kb = Arc::new(ok(KeyedTokenBucket::with_clock(
        crate::keyed::KeyedTokenBucketConfig::default(),
        &clock,
    )));
    let labels = [("dependency", "payments")];
    let _hs = [
        ok(reg.register("cb", &labels, Source::CircuitBreaker(cb.clone()))),
        ok(reg.register("tb", &labels, Source::TokenBucket(tb.clone()))),
        ok(reg.register("sw", &labels, Source::SlidingWindow(sw.clone()))),
        ok(reg.register("bh", &labels, Source::Bulkhead(bh.clone()))),
        ok(reg.register("rb", &labels, Source::RetryBudget(rb.clone()))),
        ok(reg.register("at", &labels, Source::AdaptiveTimeout(at.clone()))),
        ok(reg.register("fi", &labels, Source::FaultInjector(fi.clone()))),
        ok(reg.register("bo", &labels, Source::Backoff(bo.clone()))),
        ok(reg.register("kb", &labels, Source::KeyedTokenBucket(kb))),
    ];
    // Drive some traffic.
    for _ in 0..2 {
        if let Ok(p) = cb.try_acquire() {
            cb.record_failure(p, Duration::from_millis(1));
        }
    }
    assert_eq!(cb.state(), State::Open);
    assert!(cb.try_acquire().is_err());
    for _ in 0..5 {
        let _ = tb.try_acquire(1);
        let _ = sw.try_acquire(1);
    }
    let _p = bh.try_acquire();
    assert!(bh.try_acquire().is_err());
    let _ = rb.try_retry();
    at.record(Duration::from_millis(20));
    let _ = fi.decide();

    let text = reg.prometheus_text();
    for fam in prometheus::family_names("seawall") {
        let ty = if fam.ends_with("_total") {
            "counter"
        } else {
            "gauge"
        };
        assert!(
            text.contains(&format!("# TYPE {fam} {ty}\n")),
            "{fam}\n{text}"
        );
        assert!(text.contains(&format!("# HELP {fam} ")), "{fam}");
    }
    let m = cb.metrics();
    let l = "name=\"cb\",dependency=\"payments\"";
    assert_eq!(
        value(
            &text,
            &format!("seawall_circuit_breaker_state{{{l},state=\"open\"}}")
        ),
        1.0
    );
    assert_eq!(
        value(
            &text,
            &format!("seawall_circuit_breaker_state{{{l},state=\"closed\"}}")
        ),
        0.0
    );
    assert_eq!(
        value(
            &text,
            &format!("seawall_circuit_breaker_calls_total{{{l},outcome=\"failure\"}}")
        ),
        m.failures as f64
    );
    assert_eq!(
        value(
            &text,
            &format!("seawall_circuit_breaker_rejected_calls_total{{{l},")
        ),
        m.rejected as f64
    );
    assert_eq!(
        value(
            &text,
            &format!("seawall_circuit_breaker_transitions_total{{{l}}}")
        ),
        m.transitions as f64
    );
    assert_eq!(
        value(
            &text,
            &format!("seawall_circuit_breaker_failure_rate{{{l}}}")
        ),
        1.0
    );
    let t = tb.metrics();
    let l = "name=\"tb\",dependency=\"payments\"";
    assert_eq!(
        value(
            &text,
            &format!("seawall_rate_limiter_calls_total{{{l},outcome=\"allowed\"}}")
        ),
        t.allowed as f64
    );
    assert_eq!(
        value(
            &text,
            &format!("seawall_rate_limiter_calls_total{{{l},outcome=\"denied\"}}")
        ),
        t.denied as f64
    );
    assert_eq!((t.allowed, t.denied), (3, 2));
    let s = sw.metrics();
    let l = "name=\"sw\",dependency=\"payments\"";
    assert_eq!(
        value(
            &text,
            &format!("seawall_rate_limiter_calls_total{{{l},outcome=\"denied\"}}")
        ),
        s.denied as f64
    );
    let b = bh.metrics();
    let l = "name=\"bh\",dependency=\"payments\"";
    assert_eq!(
        value(&text, &format!("seawall_bulkhead_active_calls{{{l}}}")),
        b.active as f64
    );
    assert_eq!(
        value(
            &text,
            &format!("seawall_bulkhead_calls_total{{{l},outcome=\"rejected\"}}")
        ),
        1.0
    );
    let r = rb.metrics();
    let l = "name=\"rb\",dependency=\"payments\"";
    assert_eq!(
        value(&text, &format!("seawall_retry_budget_tokens{{{l}}}")),
        r.tokens
    );
    let a = at.metrics();
    let l = "name=\"at\",dependency=\"payments\"";
    assert_eq!(
        value(&text, &format!("seawall_adaptive_timeout_seconds{{{l}}}")),
        a.timeout.as_secs_f64()
    );
    assert_eq!(
        value(
            &text,
            &format!("seawall_adaptive_timeout_latency_seconds{{{l},quantile=\"0.99\"}}")
        ),
        a.p99.as_secs_f64()
    );
    let l = "name=\"fi\",dependency=\"payments\"";
    assert_eq!(
        value(
            &text,
            &format!("seawall_fault_injections_total{{{l},kind=\"error\"}}")
        ),
        fi.metrics().errors as f64
    );
    assert_eq!(fi.metrics().errors, 1);

    let health = reg.health_json();
    assert!(health.starts_with("{\"status\":\"degraded\""), "{health}");
    assert!(health.contains("\"name\":\"cb\",\"kind\":\"circuit_breaker\",\"labels\":{\"dependency\":\"payments\"},\"healthy\":false"), "{health}");
    cb.reset();
    assert!(reg.health_json().starts_with("{\"status\":\"ok\""));
}

#[test]
fn namespace_prefixes_every_family_and_default_registry_is_shared() {
    let clock = ManualClock::new();
    let reg = ok(Registry::with_namespace("myapp"));
    let _h = ok(reg.register("x", NO_LABELS, Source::CircuitBreaker(breaker(&clock))));
    let text = reg.prometheus_text();
    assert!(text.contains("# TYPE myapp_circuit_breaker_state gauge"));
    assert!(!text.contains("seawall_"));
    let name = "registry-tests-default";
    let h =
        ok(default_registry().register(name, NO_LABELS, Source::CircuitBreaker(breaker(&clock))));
    assert!(default_registry().contains(name));
    drop(h);
    assert!(!default_registry().contains(name));
}

#[test]
fn collect_has_the_rendered_samples() {
    let clock = ManualClock::new();
    let reg = Registry::new();
    let cb = breaker(&clock);
    let _h = ok(reg.register("c", &[("team", "x")], Source::CircuitBreaker(cb.clone())));
    if let Ok(p) = cb.try_acquire() {
        cb.record_failure(p, Duration::from_millis(1));
    }
    let fams = reg.collect();
    assert_eq!(
        fams.iter().map(|f| f.name.clone()).collect::<Vec<_>>(),
        prometheus::family_names("seawall")
    );
    let text = reg.prometheus_text();
    let mut n = 0;
    for f in &fams {
        for (labels, v) in &f.samples {
            let l: Vec<String> = labels.iter().map(|(k, v)| format!("{k}=\"{v}\"")).collect();
            let line = format!("{}{{{}}} {}\n", f.name, l.join(","), v);
            assert!(text.contains(&line), "{line}");
            n += 1;
        }
    }
    assert_eq!(n, text.lines().filter(|l| !l.starts_with('#')).count());
    assert!(n > 10);
}

#[test]
fn keyed_limiters_export_their_table_and_decisions() {
    use crate::keyed::{KeyTableConfig, KeyedSlidingWindowConfig, KeyedTokenBucketConfig};
    let clock = ManualClock::new();
    let reg = Registry::new();
    let table = KeyTableConfig {
        max_keys: 1,
        hash_seed: Some(7),
        ..Default::default()
    };
    let kb = Arc::new(ok(KeyedTokenBucket::with_clock(
        KeyedTokenBucketConfig {
            bucket: TokenBucketConfig {
                burst: 1,
                rate_per_sec: 1.0,
                ..Default::default()
            },
            table: table.clone(),
        },
        &clock,
    )));
    let ks = Arc::new(ok(KeyedSlidingWindow::with_clock(
        KeyedSlidingWindowConfig {
            window: SlidingWindowConfig {
                limit: 1,
                window: Duration::from_secs(1),
                buckets: 10,
            },
            table,
        },
        &clock,
    )));
    let _hs = [
        ok(reg.register(
            "kb",
            &[("team", "api")],
            Source::KeyedTokenBucket(kb.clone()),
        )),
        ok(reg.register("ks", NO_LABELS, Source::KeyedSlidingWindow(ks.clone()))),
    ];
    for k in 0..6u8 {
        let _ = kb.try_acquire(&[k], 1);
        let _ = kb.try_acquire(&[k], 1);
    }
    let _ = ks.try_acquire(b"a", 1);
    let m = kb.metrics();
    assert!(m.denied > 0 && m.table_full > 0, "{m:?}");
    let text = reg.prometheus_text();
    let l = "name=\"kb\",team=\"api\"";
    for (family, want) in [
        (
            format!("seawall_rate_limiter_calls_total{{{l},outcome=\"allowed\"}}"),
            m.allowed,
        ),
        (
            format!("seawall_rate_limiter_calls_total{{{l},outcome=\"denied\"}}"),
            m.denied,
        ),
        (
            format!("seawall_rate_limiter_waiting_calls{{{l}}}"),
            m.waiting,
        ),
        (
            format!("seawall_rate_limiter_keys_tracked{{{l}}}"),
            m.keys_tracked,
        ),
        (
            format!("seawall_rate_limiter_key_capacity{{{l}}}"),
            m.capacity,
        ),
        (
            format!("seawall_rate_limiter_key_evictions_total{{{l}}}"),
            m.evictions,
        ),
        (
            format!("seawall_rate_limiter_key_table_full_total{{{l}}}"),
            m.table_full,
        ),
    ] {
        assert_eq!(value(&text, &family), want as f64, "{family}");
    }
    assert_eq!(
        value(
            &text,
            "seawall_rate_limiter_calls_total{name=\"ks\",outcome=\"allowed\"}"
        ),
        1.0
    );
    // Per-key quotas have no single "available" or "limit" value.
    assert!(!text.contains("seawall_rate_limiter_available_permits{name=\"kb\""));
    let health = reg.health_json();
    assert!(
        health.contains("\"name\":\"kb\",\"kind\":\"keyed_token_bucket\""),
        "{health}"
    );
    assert!(
        health.contains("\"kind\":\"keyed_sliding_window\""),
        "{health}"
    );
}
